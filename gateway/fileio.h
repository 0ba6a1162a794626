/* gateway/fileio.h - reading the gateway's own small files. */
#ifndef GW_FILEIO_H
#define GW_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Read the whole regular file |path| of at most |max| bytes; |flags| are
 * added to O_RDONLY | O_CLOEXEC (e.g. O_NOFOLLOW).  Returns a malloc'd,
 * NUL-terminated copy (caller frees) with its length in |*len|, or NULL
 * with -errno in |*err_out| (-ENOENT when missing, -EFBIG when too large,
 * -EINVAL when not a regular file, -EIO when it could not be read) and a
 * message naming |path| in |err|. */
char *gw_read_file(const char *path, int flags, size_t max, size_t *len, int *err_out, char *err,
		   size_t err_size);

/* Replace |path| with |len| bytes of |data|: written to a new file next to
 * it (mode |mode|, fsync'd), then renamed over it, so that a reader never
 * sees half a file and a symbolic link planted at |path| is replaced, not
 * written through.  Returns 0 or -errno (the new file removed). */
int gw_write_file_atomic(const char *path, const void *data, size_t len, int mode);

/* Text built in memory: write to |f| (open_memstream), then take it with
 * gw_memtext_close. */
struct gw_memtext {
	FILE *f;
	char *p;
	size_t len;
};

/* Returns false when out of memory. */
bool gw_memtext_open(struct gw_memtext *t);

/* Close the stream and return the text (malloc'd, NUL-terminated; its
 * length in |*len| when not NULL), or NULL when a write failed or |keep|
 * is false (the text is then freed). */
char *gw_memtext_close(struct gw_memtext *t, bool keep, size_t *len);

/* The home directory: |home| (the HOME variable) when it is absolute,
 * else the password database's entry for the real uid, else NULL. */
const char *gw_home_dir(const char *home);

#endif
