/* gateway/archive_lazy.c - libarchive, loaded when a bundle is first used.
 *
 * libarchive pulls in libxml2, ICU, libstdc++ and five compression
 * libraries: linked normally, loading them costs every gateway start about
 * 6 ms, for a feature most runs never use (--bundle, `evidence`).  So the
 * program is not linked with it: each function the project calls is defined
 * here with libarchive's own prototype (from its headers, so the compiler
 * checks them) and forwards to the library, opened with dlopen on the first
 * call.  When it cannot be loaded, the functions fail as libarchive's do
 * (NULL, ARCHIVE_FATAL, -1) and archive_error_string says why.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "lazy_forward.h"

/* The SONAME of libarchive 3 (unchanged since 3.0). */
#define LIBARCHIVE_SONAME "libarchive.so.13"

static void *lib;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lib = lazy_open(LIBARCHIVE_SONAME, load_error, sizeof(load_error));
}

static void *sym(const char *name)
{
	pthread_once(&once, load);
	return lib ? dlsym(lib, name) : NULL;
}


const char *archive_error_string(struct archive *a)
{
	static const char *(*f)(struct archive *);
	if (!f)
		*(void **)&f = sym("archive_error_string");
	if (!f)
		return load_error[0] ? load_error : "libarchive lacks archive_error_string";
	return f(a);
}

FORWARD(struct archive *, archive_read_new, NULL, (void), ())
FORWARD(struct archive *, archive_write_new, NULL, (void), ())
FORWARD(int, archive_read_free, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_write_free, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_write_close, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_read_support_filter_gzip, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_read_support_format_tar, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_write_add_filter_gzip, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_write_set_format_pax_restricted, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_write_set_format_ustar, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_filter_count, ARCHIVE_FATAL, (struct archive * a), (a))
FORWARD(int, archive_filter_code, ARCHIVE_FATAL, (struct archive * a, int n), (a, n))
FORWARD(int, archive_write_set_options, ARCHIVE_FATAL, (struct archive * a, const char *o), (a, o))
FORWARD(int, archive_read_next_header, ARCHIVE_FATAL,
	(struct archive * a, struct archive_entry **e), (a, e))
FORWARD(int, archive_read_open_fd, ARCHIVE_FATAL, (struct archive * a, int fd, size_t bs),
	(a, fd, bs))
FORWARD(int, archive_read_open_filename, ARCHIVE_FATAL,
	(struct archive * a, const char *name, size_t bs), (a, name, bs))
FORWARD(int, archive_write_open_fd, ARCHIVE_FATAL, (struct archive * a, int fd), (a, fd))
FORWARD(int, archive_write_open_filename, ARCHIVE_FATAL, (struct archive * a, const char *name),
	(a, name))
FORWARD(int, archive_write_header, ARCHIVE_FATAL, (struct archive * a, struct archive_entry *e),
	(a, e))
FORWARD(la_ssize_t, archive_read_data, -1, (struct archive * a, void *buf, size_t n), (a, buf, n))
FORWARD(la_ssize_t, archive_write_data, -1, (struct archive * a, const void *buf, size_t n),
	(a, buf, n))

FORWARD(struct archive_entry *, archive_entry_new, NULL, (void), ())
FORWARD_VOID(archive_entry_free, (struct archive_entry * e), (e))
FORWARD(__LA_MODE_T, archive_entry_filetype, 0, (struct archive_entry * e), (e))
FORWARD(__LA_MODE_T, archive_entry_perm, 0, (struct archive_entry * e), (e))
FORWARD(la_int64_t, archive_entry_gid, 0, (struct archive_entry * e), (e))
FORWARD(la_int64_t, archive_entry_uid, 0, (struct archive_entry * e), (e))
FORWARD(la_int64_t, archive_entry_size, 0, (struct archive_entry * e), (e))
FORWARD(int, archive_entry_size_is_set, 0, (struct archive_entry * e), (e))
FORWARD(time_t, archive_entry_mtime, 0, (struct archive_entry * e), (e))
FORWARD(const char *, archive_entry_pathname, NULL, (struct archive_entry * e), (e))
FORWARD(const char *, archive_entry_hardlink, NULL, (struct archive_entry * e), (e))
FORWARD(const char *, archive_entry_symlink, NULL, (struct archive_entry * e), (e))
FORWARD_VOID(archive_entry_set_filetype, (struct archive_entry * e, unsigned int t), (e, t))
FORWARD_VOID(archive_entry_set_gid, (struct archive_entry * e, la_int64_t g), (e, g))
FORWARD_VOID(archive_entry_set_uid, (struct archive_entry * e, la_int64_t u), (e, u))
FORWARD_VOID(archive_entry_set_mtime, (struct archive_entry * e, time_t t, long ns), (e, t, ns))
FORWARD_VOID(archive_entry_set_pathname, (struct archive_entry * e, const char *p), (e, p))
FORWARD_VOID(archive_entry_set_perm, (struct archive_entry * e, __LA_MODE_T m), (e, m))
FORWARD_VOID(archive_entry_set_size, (struct archive_entry * e, la_int64_t s), (e, s))
FORWARD_VOID(archive_entry_set_symlink, (struct archive_entry * e, const char *p), (e, p))
