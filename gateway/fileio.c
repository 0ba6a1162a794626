/* gateway/fileio.c - reading the gateway's own small files. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *gw_read_file(const char *path, int flags, size_t max, size_t *len, int *err_out, char *err,
		   size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0) {
		*err_out = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err_out = -EINVAL;
		snprintf(err, err_size, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		*err_out = -EFBIG;
		snprintf(err, err_size, "%s: larger than %zu bytes", path, max);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		*err_out = buf ? -EIO : -ENOMEM;
		snprintf(err, err_size, "%s: could not read the file", path);
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	*err_out = 0;
	return buf;
}

const char *gw_home_dir(const char *home)
{
	if (home && home[0] == '/')
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

int gw_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc = fd < 0 ? -errno : 0;
	if (rc == 0 && fchmod(fd, (mode_t)mode) != 0)
		rc = -errno;
	const char *p = data;
	size_t off = 0;
	while (rc == 0 && off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

bool gw_memtext_open(struct gw_memtext *t)
{
	t->p = NULL;
	t->len = 0;
	t->f = open_memstream(&t->p, &t->len);
	return t->f != NULL;
}

char *gw_memtext_close(struct gw_memtext *t, bool keep, size_t *len)
{
	bool failed = !t->f || ferror(t->f);
	if (t->f && fclose(t->f) != 0)
		failed = true;
	t->f = NULL;
	if (failed || !keep) {
		free(t->p);
		t->p = NULL;
		t->len = 0;
	}
	if (len)
		*len = t->len;
	return t->p;
}
