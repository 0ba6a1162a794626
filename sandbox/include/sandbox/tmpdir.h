/* sandbox/tmpdir.h - the server's private temporary directory.
 *
 * One directory per run, /tmp/assay-<uid>-<random> (mkdtemp: created
 * atomically, mode 0700, never through an existing name or symlink).  The
 * gateway holds an exclusive flock on it for the run's lifetime, so a
 * later start can tell a directory whose run died (lock free) from a live
 * one without trusting process ids.  Removal never follows symbolic links:
 * a link the server planted to $HOME is removed, not its target.
 */
#ifndef SANDBOX_TMPDIR_H
#define SANDBOX_TMPDIR_H

#include <limits.h>
#include <stddef.h>

struct sbx_tmpdir {
	char path[PATH_MAX];
	int fd; /* the directory, locked; -1 when none */
};

/* Create a private directory under |base| (NULL: /tmp, or $XDG_RUNTIME_DIR
 * when /tmp is not writable -- the caller passes that in).  Returns 0 or
 * -1 with a message in |err|. */
int sbx_tmpdir_create(struct sbx_tmpdir *t, const char *base, char *err, size_t err_size);

/* Remove the directory and everything in it, then release the lock.
 * Returns 0, or -errno when something could not be removed. */
int sbx_tmpdir_remove(struct sbx_tmpdir *t);

/* Remove the directories under |base| left by runs that died: their lock
 * is free, and they have not changed for |min_age| seconds (a run may be
 * between its mkdtemp and its flock; SBX_TMPDIR_SWEEP_AGE is safe).
 * Returns how many were removed. */
#define SBX_TMPDIR_SWEEP_AGE 10
unsigned sbx_tmpdir_sweep(const char *base, unsigned min_age);

/* renameat that never replaces what is at |new| (RENAME_NOREPLACE, checked
 * first where the filesystem lacks it): 0, or -1 with errno (EEXIST when
 * the name is taken). */
int sbx_rename_noreplace(int olddirfd, const char *old, int newdirfd, const char *new);

/* Remove everything inside directory |dirfd| without following symbolic
 * links (exposed for tests).  Returns 0 or -errno. */
int sbx_remove_contents(int dirfd);

#endif
