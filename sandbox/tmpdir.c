/* sandbox/tmpdir.c - the server's private temporary directory. */
#include "sandbox/tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Directories deeper than this are moved up to the top before removal, so
 * a hostile tree cannot exhaust descriptors or the stack. */
#define MAX_DEPTH 32

/* Open directory |name| in |dirfd| without following a link, first giving
 * ourselves back the rights the server may have taken away (it is our
 * directory: chmod through the O_PATH descriptor). */
static int open_dir_owned(int dirfd, const char *name)
{
	int pfd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	(void)chmod(proc, 0700);
	int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	close(pfd);
	errno = e;
	return fd;
}

struct walk {
	unsigned moved; /* this pass */
	unsigned next;	/* names used so far */
	unsigned tag;	/* random: names the server cannot plant ahead */
};

/* Rename |name| in |dirfd| to a fresh name at the top of the tree.  The
 * tree is the server's: a name we pick may be there already (left by a
 * removal that was interrupted; the random tag makes planting them in
 * advance a guess), so never replace one: try the next. */
int sbx_rename_noreplace(int olddirfd, const char *old, int newdirfd, const char *new)
{
	int rc = renameat2(olddirfd, old, newdirfd, new, RENAME_NOREPLACE);
	if (rc != 0 && errno == EINVAL) {
		/* A filesystem without RENAME_NOREPLACE: renameat refuses a
		 * non-empty directory and replaces only an empty one. */
		struct stat st;
		rc = fstatat(newdirfd, new, &st, AT_SYMLINK_NOFOLLOW) == 0
			     ? (errno = EEXIST, -1)
			     : renameat(olddirfd, old, newdirfd, new);
	}
	return rc;
}

static int move_to_top(int dirfd, const char *name, int topfd, struct walk *w)
{
	for (int tries = 0; tries < 64; tries++) {
		char to[64];
		snprintf(to, sizeof(to), ".assay-deep-%08x-%u", w->tag, w->next++);
		if (sbx_rename_noreplace(dirfd, name, topfd, to) == 0)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -errno;
	}
	return -EEXIST;
}

static int remove_level(int topfd, int dirfd, int depth, struct walk *w)
{
	int lfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d) {
		int e = errno;
		if (lfd >= 0)
			close(lfd);
		return -e;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue; /* a file, a link, a socket: gone */
		if (errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = rc ? rc : -errno;
			continue;
		}
		int sub = open_dir_owned(dirfd, e->d_name);
		if (sub < 0) {
			rc = rc ? rc : -errno;
			continue;
		}
		if (depth >= MAX_DEPTH) {
			/* Move it to the top; the caller's next pass takes it. */
			int r = move_to_top(dirfd, e->d_name, topfd, w);
			if (r == 0)
				w->moved++;
			else
				rc = rc ? rc : r;
			close(sub);
			continue;
		}
		int r = remove_level(topfd, sub, depth + 1, w);
		close(sub);
		if (r != 0)
			rc = rc ? rc : r;
		else if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
			rc = rc ? rc : -errno;
	}
	closedir(d);
	return rc;
}

int sbx_remove_contents(int dirfd)
{
	struct walk w = {0, 0, 0};
	if (getrandom(&w.tag, sizeof(w.tag), GRND_NONBLOCK) != (ssize_t)sizeof(w.tag))
		w.tag = (unsigned)getpid() ^ (unsigned)time(NULL);
	for (int pass = 0; pass < 1000; pass++) {
		w.moved = 0;
		int rc = remove_level(dirfd, dirfd, 0, &w);
		if (rc != 0 || w.moved == 0)
			return rc;
	}
	return -ELOOP;
}

int sbx_tmpdir_create(struct sbx_tmpdir *t, const char *base, char *err, size_t err_size)
{
	t->fd = -1;
	if (!base)
		base = "/tmp";
	if ((size_t)snprintf(t->path, sizeof(t->path), "%s/assay-%u-XXXXXX", base,
			     (unsigned)getuid()) >= sizeof(t->path)) {
		snprintf(err, err_size, "temporary directory base '%s' is too long", base);
		return -1;
	}
	if (!mkdtemp(t->path)) {
		snprintf(err, err_size, "cannot create a private directory in %s: %s", base,
			 strerror(errno));
		t->path[0] = '\0';
		return -1;
	}
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->fd < 0 || flock(t->fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, err_size, "cannot lock private directory %s: %s", t->path,
			 strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
		rmdir(t->path);
		t->path[0] = '\0';
		return -1;
	}
	return 0;
}

int sbx_tmpdir_remove(struct sbx_tmpdir *t)
{
	if (t->fd < 0)
		return 0;
	/* The server may have taken away our own rights on its tree. */
	(void)fchmod(t->fd, 0700);
	int rc = sbx_remove_contents(t->fd);
	if (rmdir(t->path) != 0 && rc == 0)
		rc = -errno;
	close(t->fd); /* releases the lock */
	t->fd = -1;
	return rc;
}

unsigned sbx_tmpdir_sweep(const char *base, unsigned min_age)
{
	if (!base)
		base = "/tmp";
	char prefix[64];
	int plen = snprintf(prefix, sizeof(prefix), "assay-%u-", (unsigned)getuid());
	int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = bfd >= 0 ? fdopendir(bfd) : NULL;
	if (!d) {
		if (bfd >= 0)
			close(bfd);
		return 0;
	}
	unsigned removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, (size_t)plen) != 0 || strlen(e->d_name) != (size_t)plen + 6)
			continue;
		int fd = openat(bfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat st;
		/* A directory made in the last seconds may belong to a run
		 * between its mkdtemp and its flock: leave it alone. */
		if (fstat(fd, &st) != 0 || st.st_uid != getuid() ||
		    time(NULL) - st.st_ctime < (time_t)min_age || flock(fd, LOCK_EX | LOCK_NB) != 0) {
			close(fd);
			continue; /* not ours, or its run is alive */
		}
		(void)fchmod(fd, 0700);
		if (sbx_remove_contents(fd) == 0 && unlinkat(bfd, e->d_name, AT_REMOVEDIR) == 0)
			removed++;
		close(fd);
	}
	closedir(d);
	return removed;
}
