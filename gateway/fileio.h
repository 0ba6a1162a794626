/* gateway/fileio.h - reading the gateway's own small files. */
#ifndef GW_FILEIO_H
#define GW_FILEIO_H

#include <stddef.h>

/* Read the whole regular file |path| of at most |max| bytes; |flags| are
 * added to O_RDONLY | O_CLOEXEC (e.g. O_NOFOLLOW).  Returns a malloc'd,
 * NUL-terminated copy (caller frees) with its length in |*len|, or NULL
 * with -errno in |*err_out| (-ENOENT when missing, -EFBIG when too large,
 * -EINVAL when not a regular file, -EIO when it could not be read) and a
 * message naming |path| in |err|. */
char *gw_read_file(const char *path, int flags, size_t max, size_t *len, int *err_out, char *err,
		   size_t err_size);

/* The home directory: |home| (the HOME variable) when it is absolute,
 * else the password database's entry for the real uid, else NULL. */
const char *gw_home_dir(const char *home);

#endif
