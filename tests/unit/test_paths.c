/* tests/unit/test_paths.c - policies/paths: spellings, normalisation,
 * containment against a fake filesystem, ${...} expansion, and the real
 * realpath(3) resolver in a temporary directory. */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/paths.h"

/* ---- a fake filesystem ---------------------------------------------------
 *
 * Paths that exist (with all their parents) and symlinks.  The resolver
 * walks a path as the kernel does: a symlink is replaced by its target
 * (relative to the link's directory), ".." applies to what is resolved so
 * far, at most 40 links are followed (then -ELOOP); from the first missing
 * component on, the rest is appended lexically.  A dangling symlink is
 * followed (a create lands on its target). */
struct fake_link {
	const char *from, *to;
};

struct fake_fs {
	const char *const *exists; /* NULL-terminated */
	const struct fake_link *links; /* {NULL} terminated */
	int calls;
	int force; /* when non-zero: return it (error injection) */
	const char *force_out; /* when not NULL: write it and return 0 */
};

static const char *const fs_exists[] = {
	"/home/me/proj/sub/f.txt", "/home/me/proj/f.txt", "/home/me/proj/~/x",
	"/home/me2/x",		    "/etc/passwd",	   "/data/proj/d.txt",
	"/tmp/x",		    NULL,
};

static const struct fake_link fs_links[] = {
	{"/home/me/proj/out", "/etc"},
	{"/home/me/proj/in", "sub"},
	{"/home/me/proj/abs-in", "/home/me/proj/sub"},
	{"/home/me/proj/up", "../.."},
	{"/home/me/proj/loop", "loop"},
	{"/home/me/proj/ping", "pong"},
	{"/home/me/proj/pong", "ping"},
	{"/home/me/proj/dangling", "/etc/newfile"},
	{"/home/me/proj/sub/esc", "../../proj2"},
	{"/home/me/proj/sub/self", "."},
	{"/home/me/link-proj", "/data/proj"},
	{"/home/me/link-proj-rel", "../../data/proj"},
	{"/home/me/proj/file:", "/etc"},
	{NULL, NULL},
};

static bool fake_exists(const struct fake_fs *fs, const char *p)
{
	size_t n = strlen(p);
	for (size_t i = 0; fs->exists[i]; i++)
		if (strncmp(fs->exists[i], p, n) == 0 &&
		    (fs->exists[i][n] == '\0' || fs->exists[i][n] == '/'))
			return true;
	return false;
}

static const char *fake_link_to(const struct fake_fs *fs, const char *p)
{
	for (size_t i = 0; fs->links[i].from; i++)
		if (strcmp(fs->links[i].from, p) == 0)
			return fs->links[i].to;
	return NULL;
}

static int fake_resolve(void *ctx, const char *path, char *out, size_t size)
{
	struct fake_fs *fs = ctx;
	fs->calls++;
	if (fs->force)
		return fs->force;
	if (fs->force_out) {
		snprintf(out, size, "%s", fs->force_out);
		return 0;
	}
	if (path[0] != '/')
		return -EINVAL;
	char todo[2 * PATH_MAX], cur[2 * PATH_MAX] = "", next[2 * PATH_MAX];
	snprintf(todo, sizeof(todo), "%s", path);
	size_t i = 0;
	int hops = 0;
	bool missing = false;
	while (todo[i]) {
		while (todo[i] == '/')
			i++;
		size_t st = i;
		while (todo[i] && todo[i] != '/')
			i++;
		size_t cl = i - st;
		if (cl == 0 || (cl == 1 && todo[st] == '.'))
			continue;
		if (cl == 2 && todo[st] == '.' && todo[st + 1] == '.') {
			char *slash = strrchr(cur, '/');
			if (slash)
				*slash = '\0';
			continue;
		}
		char cand[2 * PATH_MAX];
		if (strlen(cur) + 1 + cl >= sizeof(cand))
			return -ENAMETOOLONG;
		int cn = snprintf(cand, sizeof(cand), "%s/", cur);
		memcpy(cand + cn, todo + st, cl);
		cand[(size_t)cn + cl] = '\0';
		const char *to = missing ? NULL : fake_link_to(fs, cand);
		if (to) {
			if (++hops > 40)
				return -ELOOP;
			snprintf(next, sizeof(next), "%s/%s", to, todo + i);
			snprintf(todo, sizeof(todo), "%s", next);
			i = 0;
			if (to[0] == '/')
				cur[0] = '\0';
			continue;
		}
		if (!missing && !fake_exists(fs, cand))
			missing = true;
		snprintf(cur, sizeof(cur), "%s", cand);
	}
	if (strlen(cur) + 2 > size)
		return -ENAMETOOLONG;
	snprintf(out, size, "%s", cur[0] ? cur : "/");
	return 0;
}

static struct fake_fs fake_fs(void)
{
	return (struct fake_fs){fs_exists, fs_links, 0, 0, NULL};
}

static struct pol_path_ctx fake_ctx(struct fake_fs *fs)
{
	return (struct pol_path_ctx){"/home/me/proj", "/home/me", fake_resolve, fs};
}

#define NOLEN ((size_t)-1)

/* ---- pol_path_absolute ---------------------------------------------------- */

struct abs_case {
	const char *in;
	size_t len; /* NOLEN: strlen(in) */
	int rc;
	const char *out;
};

static const struct abs_case abs_cases[] = {
	/* plain absolute paths and normalisation */
	{"/", NOLEN, 0, "/"},
	{"//", NOLEN, 0, "/"},
	{"///", NOLEN, 0, "/"},
	{"/a//b///c", NOLEN, 0, "/a/b/c"},
	{"//a", NOLEN, 0, "/a"},
	{"/./a/./b/.", NOLEN, 0, "/a/b"},
	{"/a/b/", NOLEN, 0, "/a/b"},
	{"/a/b//", NOLEN, 0, "/a/b"},
	{"/a/b/..", NOLEN, 0, "/a"},
	{"/a/b/../", NOLEN, 0, "/a"},
	{"/a/../../..", NOLEN, 0, "/"},
	{"/..", NOLEN, 0, "/"},
	{"/../etc/passwd", NOLEN, 0, "/etc/passwd"},
	{"/a/./../b", NOLEN, 0, "/b"},
	{"/...", NOLEN, 0, "/..."},
	{"/a/.../b", NOLEN, 0, "/a/.../b"},
	{"/.a/..b/b..", NOLEN, 0, "/.a/..b/b.."},
	{"/a%20b", NOLEN, 0, "/a%20b"},		/* plain paths are not decoded */
	{"/%2e%2e/x", NOLEN, 0, "/%2e%2e/x"},	/* ... so this is a name */
	{"/a\\..\\b", NOLEN, 0, "/a\\..\\b"},	/* a backslash is a byte */
	{"/\xc3\xa9t\xe9", NOLEN, 0, "/\xc3\xa9t\xe9"}, /* any bytes */
	/* relative paths: against cwd */
	{"a", NOLEN, 0, "/home/me/proj/a"},
	{".", NOLEN, 0, "/home/me/proj"},
	{"./", NOLEN, 0, "/home/me/proj"},
	{"..", NOLEN, 0, "/home/me"},
	{"../..", NOLEN, 0, "/home"},
	{"../../../../..", NOLEN, 0, "/"},
	{"a/../../proj2", NOLEN, 0, "/home/me/proj2"},
	{"sub//f.txt/", NOLEN, 0, "/home/me/proj/sub/f.txt"},
	{"~x", NOLEN, -EINVAL, NULL}, /* ~user */
	{"a/~", NOLEN, 0, "/home/me/proj/a/~"},
	{"file", NOLEN, 0, "/home/me/proj/file"},
	{"file:", NOLEN, -EINVAL, NULL},
	{"files:/x", NOLEN, 0, "/home/me/proj/files:/x"},
	{"http://x/y", NOLEN, 0, "/home/me/proj/http:/x/y"},
	/* home */
	{"~", NOLEN, 0, "/home/me"},
	{"~/", NOLEN, 0, "/home/me"},
	{"~/a/b", NOLEN, 0, "/home/me/a/b"},
	{"~//a/", NOLEN, 0, "/home/me/a"},
	{"~/..", NOLEN, 0, "/home"},
	{"~/../../../x", NOLEN, 0, "/x"},
	{"~root", NOLEN, -EINVAL, NULL},
	{"~root/.ssh", NOLEN, -EINVAL, NULL},
	{"~~", NOLEN, -EINVAL, NULL},
	/* file: URIs */
	{"file:///", NOLEN, 0, "/"},
	{"file:///etc/passwd", NOLEN, 0, "/etc/passwd"},
	{"file:/etc/passwd", NOLEN, 0, "/etc/passwd"},
	{"file://localhost/etc/passwd", NOLEN, 0, "/etc/passwd"},
	{"file://LocalHost/etc", NOLEN, 0, "/etc"},
	{"FILE:///etc", NOLEN, 0, "/etc"},
	{"File:/etc", NOLEN, 0, "/etc"},
	{"file:////etc//x/", NOLEN, 0, "/etc/x"},
	{"file://host/etc/passwd", NOLEN, -EINVAL, NULL},
	{"file://localhost:80/etc", NOLEN, -EINVAL, NULL},
	{"file://127.0.0.1/etc", NOLEN, -EINVAL, NULL},
	{"file://%6cocalhost/etc", NOLEN, -EINVAL, NULL},
	{"file://", NOLEN, -EINVAL, NULL},
	{"file://localhost", NOLEN, -EINVAL, NULL},
	{"file:etc/passwd", NOLEN, -EINVAL, NULL},
	{"file:~/x", NOLEN, -EINVAL, NULL},
	{"file:///~/x", NOLEN, 0, "/~/x"},
	{"file:///a/%2e%2e/%2E%2E/etc", NOLEN, 0, "/etc"},
	{"file:///a/%2e/b", NOLEN, 0, "/a/b"},
	{"file:///a%20b/c%41%7e", NOLEN, 0, "/a b/cA~"},
	{"file:///%c3%a9", NOLEN, 0, "/\xc3\xa9"},
	{"file:///%25", NOLEN, 0, "/%"},
	{"file:///%2525", NOLEN, 0, "/%25"}, /* decoded once only */
	{"file:///a%00b", NOLEN, -EINVAL, NULL},
	{"file:///a%2Fb", NOLEN, -EINVAL, NULL},
	{"file:///a%2fb", NOLEN, -EINVAL, NULL},
	{"file:///a%zzb", NOLEN, -EINVAL, NULL},
	{"file:///a%g0", NOLEN, -EINVAL, NULL},
	{"file:///a%0", NOLEN, -EINVAL, NULL},
	{"file:///a%", NOLEN, -EINVAL, NULL},
	{"file:///a%2", NOLEN, -EINVAL, NULL},
	{"file:///a?b", NOLEN, -EINVAL, NULL},
	{"file:///a#b", NOLEN, -EINVAL, NULL},
	{"file:///a%3fb", NOLEN, 0, "/a?b"}, /* an encoded '?' is a name byte */
	/* invalid arguments */
	{"", NOLEN, -EINVAL, NULL},
	{"a\0b", 3, -EINVAL, NULL},
	{"/etc/passwd\0/home/me/proj", 25, -EINVAL, NULL},
	{"\0", 1, -EINVAL, NULL},
	{"/a", 2, 0, "/a"},
	{"/abc", 2, 0, "/a"}, /* |len| bounds the argument */
};

static void test_absolute_table(void **state)
{
	(void)state;
	const struct pol_path_ctx c = {"/home/me/proj", "/home/me", NULL, NULL};
	int bad = 0;
	for (size_t i = 0; i < sizeof(abs_cases) / sizeof(abs_cases[0]); i++) {
		const struct abs_case *t = &abs_cases[i];
		size_t len = t->len == NOLEN ? strlen(t->in) : t->len;
		char out[POL_PATH_MAX];
		strcpy(out, "untouched");
		int rc = pol_path_absolute(&c, t->in, len, out, sizeof(out));
		CHECK(bad, rc == t->rc, "row %zu '%s': rc %d, want %d", i, tu_show(t->in, len, 0),
		      rc, t->rc);
		if (rc == 0 && t->out)
			CHECK(bad, strcmp(out, t->out) == 0, "row %zu '%s': '%s', want '%s'", i,
			      tu_show(t->in, len, 0), tu_show(out, strlen(out), 1), t->out);
	}
	assert_int_equal(bad, 0);
}

static void test_absolute_context(void **state)
{
	(void)state;
	char out[POL_PATH_MAX];
	const struct pol_path_ctx none = {NULL, NULL, NULL, NULL};
	assert_int_equal(pol_path_absolute(&none, "/x", 2, out, sizeof(out)), 0);
	assert_int_equal(pol_path_absolute(&none, "x", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&none, "~", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&none, "~/x", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&none, "file:///x", 9, out, sizeof(out)), 0);
	/* A relative cwd or home is no base. */
	const struct pol_path_ctx rel = {"proj", "me", NULL, NULL};
	assert_int_equal(pol_path_absolute(&rel, "x", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&rel, "~/x", 3, out, sizeof(out)), -EINVAL);
	/* cwd "/" */
	const struct pol_path_ctx root = {"/", "/", NULL, NULL};
	assert_int_equal(pol_path_absolute(&root, "x/", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "/x");
	assert_int_equal(pol_path_absolute(&root, "..", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(pol_path_absolute(&root, "~/a", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "/a");
	/* An unnormalised cwd is normalised with the rest. */
	const struct pol_path_ctx odd = {"/a//b/./c/..", NULL, NULL, NULL};
	assert_int_equal(pol_path_absolute(&odd, "x", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b/x");
	/* NULL arguments */
	assert_int_equal(pol_path_absolute(NULL, "/x", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&root, NULL, 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(pol_path_absolute(&root, "/x", 2, NULL, 0), -EINVAL);
}

static void test_absolute_lengths(void **state)
{
	(void)state;
	const struct pol_path_ctx c = {"/home/me/proj", "/home/me", NULL, NULL};
	static char in[3 * POL_PATH_MAX], out[POL_PATH_MAX];
	/* The longest absolute path: POL_PATH_MAX - 1 bytes. */
	memset(in, 'a', sizeof(in));
	in[0] = '/';
	for (size_t i = 200; i < sizeof(in); i += 200)
		in[i] = '/';
	assert_int_equal(pol_path_absolute(&c, in, POL_PATH_MAX - 1, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), POL_PATH_MAX - 1);
	assert_memory_equal(out, in, POL_PATH_MAX - 1);
	assert_int_equal(pol_path_absolute(&c, in, POL_PATH_MAX, out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(pol_path_absolute(&c, in, sizeof(in), out, sizeof(out)), -ENAMETOOLONG);
	/* |size| too small by one, then just right. */
	assert_int_equal(pol_path_absolute(&c, "/abc", 4, out, 4), -ENAMETOOLONG);
	assert_int_equal(pol_path_absolute(&c, "/abc", 4, out, 5), 0);
	assert_string_equal(out, "/abc");
	assert_int_equal(pol_path_absolute(&c, "/", 1, out, 1), -ENAMETOOLONG);
	assert_int_equal(pol_path_absolute(&c, "/", 1, out, 0), -ENAMETOOLONG);
	/* A relative path that fits but not with cwd in front. */
	assert_int_equal(pol_path_absolute(&c, in + 1, POL_PATH_MAX - 2, out, sizeof(out)),
			 -ENAMETOOLONG);
	/* ... unless ".." brings it back: the limit is on the result. */
	size_t n = 0;
	while (n + 5 < POL_PATH_MAX - 20)
		memcpy(in + n, "abc/../", 7), n += 7;
	memcpy(in + n, "x", 1), n += 1;
	assert_int_equal(pol_path_absolute(&c, in, n, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/me/proj/x");
	/* A long cwd plus a long relative path that comes back. */
	static char cwd[POL_PATH_MAX];
	memset(cwd, 'c', POL_PATH_MAX - 1);
	cwd[0] = '/';
	cwd[POL_PATH_MAX - 1] = '\0';
	const struct pol_path_ctx lc = {cwd, NULL, NULL, NULL};
	assert_int_equal(pol_path_absolute(&lc, in, n, out, sizeof(out)), -ENAMETOOLONG);
	memcpy(in + n - 1, "..", 2);
	assert_int_equal(pol_path_absolute(&lc, in, n + 1, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	/* A cwd of POL_PATH_MAX bytes is no base. */
	static char huge[POL_PATH_MAX + 1];
	memset(huge, 'h', POL_PATH_MAX);
	huge[0] = '/';
	const struct pol_path_ctx hc = {huge, NULL, NULL, NULL};
	assert_int_equal(pol_path_absolute(&hc, "x", 1, out, sizeof(out)), -EINVAL);
	/* A URI of POL_PATH_MAX bytes is refused even if it decodes shorter. */
	memset(in, 'a', POL_PATH_MAX);
	memcpy(in, "file:///", 8);
	for (size_t i = 8; i + 3 <= POL_PATH_MAX; i += 3)
		memcpy(in + i, "%41", 3);
	assert_int_equal(pol_path_absolute(&c, in, POL_PATH_MAX, out, sizeof(out)),
			 -ENAMETOOLONG);
	assert_int_equal(pol_path_absolute(&c, in, POL_PATH_MAX - 1, out, sizeof(out)), 0);
	assert_true(strlen(out) < POL_PATH_MAX / 2);
}

/* The output invariants, checked on random spellings. */
static bool normalised(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/')
		return false;
	if (n == 1)
		return true;
	if (p[n - 1] == '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
		return false;
	if ((n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0))
		return false;
	return true;
}

static void test_absolute_random(void **state)
{
	(void)state;
	const struct pol_path_ctx c = {"/home/me/proj", "/home/me", NULL, NULL};
	static const char alphabet[] = "//..a~%2eEfF:l";
	static const char *const starts[] = {"", "/", "~", "~/", "file:", "file://",
					     "file:///", "file://localhost/", "./", "../"};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int bad = 0;
	for (int iter = 0; iter < 20000; iter++) {
		char in[64], out[POL_PATH_MAX], again[POL_PATH_MAX];
		size_t n = (size_t)snprintf(in, sizeof(in), "%s",
					    starts[tu_rand(&seed) % (sizeof(starts) / sizeof(*starts))]);
		size_t extra = tu_rand(&seed) % 24;
		for (size_t k = 0; k < extra; k++)
			in[n++] = alphabet[tu_rand(&seed) % (sizeof(alphabet) - 1)];
		in[n] = '\0';
		int rc = pol_path_absolute(&c, in, n, out, sizeof(out));
		CHECK(bad, rc == 0 || rc == -EINVAL, "'%s': rc %d", in, rc);
		if (rc != 0)
			continue;
		CHECK(bad, normalised(out), "'%s' gave '%s'", in, out);
		rc = pol_path_absolute(&c, out, strlen(out), again, sizeof(again));
		CHECK(bad, rc == 0 && strcmp(out, again) == 0, "'%s' -> '%s' -> '%s' (%d)", in,
		      out, again, rc);
	}
	assert_int_equal(bad, 0);
}

/* ---- pol_path_under / pol_path_may_be_under --------------------------- */

#define MAXD 3

struct under_case {
	const char *in;
	const char *dirs[MAXD]; /* NULL-terminated when shorter */
	int rc;
	const char *why; /* a substring of |why| when rc is 0, or NULL */
};

static const struct under_case under_cases[] = {
	/* the allowed directory itself and its contents */
	{"/home/me/proj", {"/home/me/proj"}, 1, NULL},
	{"/home/me/proj/", {"/home/me/proj"}, 1, NULL},
	{"/home/me/proj//", {"/home/me/proj/"}, 1, NULL},
	{"/home/me/proj/sub/f.txt", {"/home/me/proj"}, 1, NULL},
	{"/home/me/proj/new/deeper/file", {"/home/me/proj"}, 1, NULL},
	{"/home/me/proj/./sub/../f.txt", {"/home/me/proj"}, 1, NULL},
	{"//home///me/proj/./f.txt", {"/home/me/proj"}, 1, NULL},
	/* relative paths */
	{".", {"/home/me/proj"}, 1, NULL},
	{"sub/f.txt", {"/home/me/proj"}, 1, NULL},
	{"./sub//f.txt", {"/home/me/proj"}, 1, NULL},
	{"sub/../sub/f.txt", {"/home/me/proj"}, 1, NULL},
	{"../proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"..", {"/home/me/proj"}, 0, " (it is /home/me)"},
	{"../proj2/x", {"/home/me/proj"}, 0, "it is /home/me/proj2/x"},
	{"../../../../../etc/passwd", {"/home/me/proj"}, 0, "it is /etc/passwd"},
	{"sub/../../proj2", {"/home/me/proj"}, 0, "/home/me/proj2"},
	/* prefix confusion: whole components only */
	{"/home/me/proj2", {"/home/me/proj"}, 0, "/home/me/proj2"},
	{"/home/me/proj-x/f", {"/home/me/proj"}, 0, NULL},
	{"/home/me/pro", {"/home/me/proj"}, 0, NULL},
	{"/home/me2/x", {"/home/me"}, 0, NULL},
	{"/home/me/x", {"/home/me"}, 1, NULL},
	{"/home/me/proj/../proj2", {"/home/me/proj"}, 0, NULL},
	/* "/" and relative directories */
	{"/", {"/home/me/proj"}, 0, " (it is /)"},
	{"/", {"/"}, 1, NULL},
	{"/etc/passwd", {"/"}, 1, NULL},
	{"/home/me/proj/sub/f.txt", {"sub"}, 1, NULL},
	{"f.txt", {"sub"}, 0, NULL},
	{"/home/me/proj/f.txt", {"."}, 1, NULL},
	{"/home/me/x", {"~"}, 1, NULL},
	{"/home/me/x", {"file:///home/me"}, 1, NULL},
	/* several directories: the allowed area is their union */
	{"/tmp/x", {"/home/me/proj", "/tmp"}, 1, NULL},
	{"/var/x", {"/home/me/proj", "/tmp"}, 0, NULL},
	{"/home/me/proj/out/passwd", {"/home/me/proj", "/etc"}, 1, NULL},
	/* symlinks inside the allowed directory */
	{"out", {"/home/me/proj"}, 0, "following symlinks it is /etc)"},
	{"out/passwd", {"/home/me/proj"}, 0, "following symlinks it is /etc/passwd"},
	{"/home/me/proj/out/../../x", {"/home/me/proj"}, 0, NULL},
	{"in/f.txt", {"/home/me/proj"}, 1, NULL},
	{"abs-in/f.txt", {"/home/me/proj"}, 1, NULL},
	{"sub/self/self/f.txt", {"/home/me/proj"}, 1, NULL},
	{"up", {"/home/me/proj"}, 0, "following symlinks it is /home)"},
	{"up/me/proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"up/me2/x", {"/home/me/proj"}, 0, "/home/me2/x"},
	{"sub/esc/x", {"/home/me/proj"}, 0, "/home/me/proj2/x"},
	{"dangling", {"/home/me/proj"}, 0, "/etc/newfile"},
	{"new/../out/x", {"/home/me/proj"}, 0, "/etc/x"},
	/* the kernel applies ".." after following the link */
	{"out/../sub/f.txt", {"/home/me/proj"}, 0, "following symlinks it is /sub/f.txt"},
	{"/home/me/proj/out/..", {"/home/me/proj"}, 0, "following symlinks it is /)"},
	{"in/../f.txt", {"/home/me/proj"}, 1, NULL},
	{"in/../../proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"in/../..", {"/home/me/proj"}, 0, NULL},
	{"up/../x", {"/home/me/proj"}, 0, "following symlinks it is /x"},
	/* symlink loops are refused */
	{"loop", {"/home/me/proj"}, -ELOOP, NULL},
	{"loop/x", {"/home/me/proj"}, -ELOOP, NULL},
	{"ping/x", {"/home/me/proj"}, -ELOOP, NULL},
	{"loop/..", {"/home/me/proj"}, -ELOOP, NULL},
	{"/tmp/x", {"/home/me/proj/loop"}, -ELOOP, NULL}, /* a looping directory */
	/* a symlinked allowed directory: both spellings work */
	{"/home/me/link-proj/x", {"/home/me/link-proj"}, 1, NULL},
	{"/home/me/link-proj", {"/home/me/link-proj"}, 1, NULL},
	{"/data/proj/d.txt", {"/home/me/link-proj"}, 1, NULL},
	{"/data/proj/d.txt", {"/home/me/link-proj-rel"}, 1, NULL},
	{"/data/proj2", {"/home/me/link-proj"}, 0, "it is /data/proj2"},
	{"/home/me/link-proj/../x", {"/home/me/link-proj"}, 0, "it is /home/me/x"},
	{"/home/me/link-proj/../proj/x", {"/data/proj"}, 0, NULL},
	/* file: URIs */
	{"file:///home/me/proj/sub/f.txt", {"/home/me/proj"}, 1, NULL},
	{"file://localhost/home/me/proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"file:/home/me/proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"file:///etc/passwd", {"/home/me/proj"}, 0, "it is /etc/passwd"},
	{"file://host/home/me/proj/f.txt", {"/home/me/proj"}, -EINVAL, NULL},
	{"file:///home/me/proj/%2e%2e/proj2", {"/home/me/proj"}, 0, "/home/me/proj2"},
	{"file:///home/me/proj/%2E%2E/%2e%2e/%2e%2e/etc", {"/home/me/proj"}, 0, "it is /etc"},
	{"file:///home/me/proj/a%20b", {"/home/me/proj"}, 1, NULL},
	{"file:///home/me/proj/out%2fpasswd", {"/home/me/proj"}, -EINVAL, NULL},
	{"file:///home/me/proj/x%00", {"/home/me/proj"}, -EINVAL, NULL},
	{"file:///home/me/proj/x%zz", {"/home/me/proj"}, -EINVAL, NULL},
	{"file:///home/me/proj/ou%74/passwd", {"/home/me/proj"}, 0, "/etc/passwd"},
	{"%2e%2e/x", {"/home/me/proj"}, 1, NULL}, /* not a URI: a name */
	/* home */
	{"~/proj/f.txt", {"/home/me/proj"}, 1, NULL},
	{"~", {"/home/me/proj"}, 0, "it is /home/me)"},
	{"~/", {"/home/me/proj"}, 0, NULL},
	{"~/../me/proj", {"/home/me/proj"}, 1, NULL},
	{"~/.ssh/id_rsa", {"/home/me/proj"}, 0, NULL},
	{"~me/proj/f.txt", {"/home/me/proj"}, -EINVAL, NULL},
	{"~root", {"/"}, -EINVAL, NULL},
	/* invalid paths and directories */
	{"", {"/home/me/proj"}, -EINVAL, NULL},
	{"/home/me/proj/x", {""}, -EINVAL, NULL},
	{"/home/me/proj/x", {"/home/me/proj", "file://host/x"}, -EINVAL, NULL},
	{"/home/me/proj/x", {NULL}, 0, NULL}, /* no directory: nothing is under */
};

static size_t ndirs_of(const struct under_case *t)
{
	size_t n = 0;
	while (n < MAXD && t->dirs[n])
		n++;
	return n;
}

static void test_under_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(under_cases) / sizeof(under_cases[0]); i++) {
		const struct under_case *t = &under_cases[i];
		struct fake_fs fs = fake_fs();
		struct pol_path_ctx c = fake_ctx(&fs);
		char why[256];
		size_t nd = ndirs_of(t);
		int rc = pol_path_under(&c, t->in, strlen(t->in), t->dirs, nd, why, sizeof(why));
		CHECK(bad, rc == t->rc, "row %zu '%s': rc %d, want %d (why '%s')", i, t->in, rc,
		      t->rc, why);
		if (rc == 0 && t->why)
			CHECK(bad, strstr(why, t->why) != NULL, "row %zu '%s': why '%s' lacks '%s'",
			      i, t->in, why, t->why);
		if (rc == 1)
			CHECK(bad, why[0] == '\0', "row %zu: why '%s' on success", i, why);
		/* Consistency: under for an allow list implies may-be-under for a deny
		 * list; an invalid path is invalid for both. */
		int m = pol_path_may_be_under(&c, t->in, strlen(t->in), t->dirs, nd, why,
					      sizeof(why));
		if (rc == 1)
			CHECK(bad, m == 1, "row %zu '%s': under but may_be_under %d", i, t->in, m);
		if (rc < 0)
			CHECK(bad, m < 0, "row %zu '%s': error %d but may_be_under %d", i, t->in,
			      rc, m);
	}
	assert_int_equal(bad, 0);
}

/* Deny lists: any form, any reading. */
static const struct under_case may_cases[] = {
	{"/etc/passwd", {"/etc"}, 1, NULL},
	{"/etc", {"/etc"}, 1, NULL},
	{"/etcx", {"/etc"}, 0, NULL},
	{"/home/me/proj/f.txt", {"/etc"}, 0, NULL},
	{"out/passwd", {"/etc"}, 1, "following symlinks it is /etc/passwd"},
	{"out/../sub/f.txt", {"/sub"}, 1, "following symlinks it is /sub/f.txt"},
	{"out/../sub/f.txt", {"/home/me/proj/sub"}, 1, ""},
	{"dangling", {"/etc"}, 1, "/etc/newfile"},
	{"file:///etc/shadow", {"/etc"}, 1, ""},
	{"file://host/etc/shadow", {"/etc"}, -EINVAL, NULL},
	/* the literal reading of "~" and "file:" names, relative to cwd */
	{"~/x", {"/home/me/proj/~"}, 1, "read literally, it is /home/me/proj/~/x"},
	{"~/x", {"/home/me/x"}, 1, ""},
	{"file:/x", {"/etc"}, 1, "read literally, following symlinks it is /etc/x"},
	{"FILE:/passwd", {"/home/me/proj/FILE:"}, 1, "read literally"},
	/* a denied directory reached through a symlinked spelling */
	{"/data/proj/d.txt", {"/home/me/link-proj"}, 1, ""},
	{"/home/me/link-proj/d.txt", {"/data/proj"}, 1, "following symlinks it is /data/proj/d.txt"},
	{"/home/me/link-proj/d.txt", {"/home/me"}, 1, ""},
	{"/home/me/proj/x", {"/tmp", "/var", "/home/me"}, 1, ""},
	{"/home/me/proj/x", {"/tmp", "/var", "/opt"}, 0, NULL},
	/* every directory must be valid, wherever the path is */
	{"/home/me/proj/x", {"/home/me", "file://host/x"}, -EINVAL, NULL},
	{"/home/me/proj/x", {"/home/me", "/home/me/proj/loop"}, -ELOOP, NULL},
	{"loop", {"/etc"}, -ELOOP, NULL},
	{"/x", {"/home/me/proj/ping"}, -ELOOP, NULL},
};

static void test_may_be_under_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(may_cases) / sizeof(may_cases[0]); i++) {
		const struct under_case *t = &may_cases[i];
		struct fake_fs fs = fake_fs();
		struct pol_path_ctx c = fake_ctx(&fs);
		char why[256];
		int rc = pol_path_may_be_under(&c, t->in, strlen(t->in), t->dirs, ndirs_of(t), why,
					       sizeof(why));
		CHECK(bad, rc == t->rc, "row %zu '%s': rc %d, want %d", i, t->in, rc, t->rc);
		if (rc == 1 && t->why)
			CHECK(bad, t->why[0] ? strstr(why, t->why) != NULL : why[0] == '\0',
			      "row %zu '%s': why '%s', want '%s'", i, t->in, why, t->why);
	}
	assert_int_equal(bad, 0);
}

static void test_under_lexical_only(void **state)
{
	(void)state;
	/* Without a resolver only the lexical form exists: symlinks are not seen.
	 * (The program always passes one; this documents what it adds.) */
	const struct pol_path_ctx c = {"/home/me/proj", "/home/me", NULL, NULL};
	const char *dirs[] = {"/home/me/proj"};
	char why[128];
	assert_int_equal(pol_path_under(&c, "out/passwd", 10, dirs, 1, why, sizeof(why)), 1);
	assert_int_equal(pol_path_under(&c, "out/../x", 8, dirs, 1, why, sizeof(why)), 1);
	assert_int_equal(pol_path_under(&c, "../x", 4, dirs, 1, why, sizeof(why)), 0);
	assert_string_equal(why, " (it is /home/me/x)");
	assert_int_equal(pol_path_under(&c, "/home/me/proj2", 14, dirs, 1, why, sizeof(why)), 0);
	assert_int_equal(pol_path_under(&c, "/home/me/proj", 13, dirs, 1, NULL, 0), 1);
	/* why may be NULL or tiny */
	assert_int_equal(pol_path_under(&c, "/etc", 4, dirs, 1, NULL, 0), 0);
	char tiny[4] = "abc";
	assert_int_equal(pol_path_under(&c, "/etc", 4, dirs, 1, tiny, sizeof(tiny)), 0);
	assert_string_equal(tiny, " (i");
	/* bad arguments */
	assert_int_equal(pol_path_under(NULL, "/x", 2, dirs, 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(pol_path_under(&c, NULL, 0, dirs, 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(pol_path_under(&c, "/x", 2, NULL, 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(pol_path_may_be_under(&c, "/x", 2, NULL, 1, why, sizeof(why)), -EINVAL);
	assert_int_equal(pol_path_under(&c, "/x", 2, NULL, 0, why, sizeof(why)), 0);
	static const char *many[POL_PATH_MAX_DIRS + 1];
	for (size_t i = 0; i <= POL_PATH_MAX_DIRS; i++)
		many[i] = "/";
	assert_int_equal(pol_path_under(&c, "/x", 2, many, POL_PATH_MAX_DIRS, why, sizeof(why)), 1);
	assert_int_equal(pol_path_under(&c, "/x", 2, many, POL_PATH_MAX_DIRS + 1, why, sizeof(why)),
			 -E2BIG);
}

static void test_under_why_is_printable(void **state)
{
	(void)state;
	const struct pol_path_ctx c = {"/home/me/proj", "/home/me", NULL, NULL};
	const char *dirs[] = {"/home/me/proj"};
	char why[512];
	const char in[] = "/etc/\x01\xff\x7f\xc3\xa9";
	assert_int_equal(pol_path_under(&c, in, sizeof(in) - 1, dirs, 1, why, sizeof(why)), 0);
	assert_string_equal(why, " (it is /etc/?\?\?\?\?)");
	/* a long path is cut */
	static char longp[POL_PATH_MAX];
	memset(longp, 'x', sizeof(longp));
	longp[0] = '/';
	assert_int_equal(pol_path_under(&c, longp, 1000, dirs, 1, why, sizeof(why)), 0);
	assert_true(strlen(why) < 200);
	assert_non_null(strstr(why, "...)"));
}

static void test_under_resolver_contract(void **state)
{
	(void)state;
	struct fake_fs fs = fake_fs();
	struct pol_path_ctx c = fake_ctx(&fs);
	const char *dirs[] = {"/home/me/proj"};
	char why[256];
	/* One resolver call per run of names before "..", plus one; the
	 * directory costs one. */
	fs.calls = 0;
	assert_int_equal(pol_path_under(&c, "sub/f.txt", 9, dirs, 1, why, sizeof(why)), 1);
	assert_int_equal(fs.calls, 2);
	fs.calls = 0;
	assert_int_equal(pol_path_under(&c, "sub/../f.txt", 12, dirs, 1, why, sizeof(why)), 1);
	assert_int_equal(fs.calls, 4); /* kernel: 2, resolved lexical: 1, dir: 1 */
	/* Too many ".." runs: refused rather than hundreds of realpath calls. */
	char in[1024] = "";
	for (int i = 0; i < POL_PATH_MAX_RESOLVE + 1; i++)
		strcat(in, "a/../");
	fs.calls = 0;
	assert_int_equal(pol_path_under(&c, in, strlen(in), dirs, 1, why, sizeof(why)), -ELOOP);
	assert_int_equal(fs.calls, POL_PATH_MAX_RESOLVE);
	in[strlen(in) - 5] = '\0'; /* exactly POL_PATH_MAX_RESOLVE runs */
	assert_int_equal(pol_path_under(&c, in, strlen(in), dirs, 1, why, sizeof(why)), 1);
	/* ".." runs without names in between cost nothing */
	assert_int_equal(pol_path_under(&c, "a/../../../../../../../home/me/proj/x", 37, dirs, 1,
					why, sizeof(why)),
			 1);
	/* Resolver errors are passed on; a broken resolver is -EIO. */
	fs.force = -EACCES;
	assert_int_equal(pol_path_under(&c, "x", 1, dirs, 1, why, sizeof(why)), -EACCES);
	assert_int_equal(pol_path_may_be_under(&c, "x", 1, dirs, 1, why, sizeof(why)), -EACCES);
	fs.force = 1;
	assert_int_equal(pol_path_under(&c, "x", 1, dirs, 1, why, sizeof(why)), -EIO);
	fs.force = 0;
	fs.force_out = "relative/x";
	assert_int_equal(pol_path_under(&c, "x", 1, dirs, 1, why, sizeof(why)), -EIO);
	fs.force_out = "";
	assert_int_equal(pol_path_under(&c, "x", 1, dirs, 1, why, sizeof(why)), -EIO);
	/* A sloppy but absolute spelling is normalised. */
	fs.force_out = "//home/me/proj/./x/";
	assert_int_equal(pol_path_under(&c, "x", 1, dirs, 1, why, sizeof(why)), 1);
}

/* ---- pol_expand --------------------------------------------------------- */

static const char *test_getenv(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "PROJECT") == 0)
		return "/srv/project";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	if (strcmp(name, "_x9") == 0)
		return "under";
	if (strcmp(name, "TRICKY") == 0)
		return "${HOME}$$";
	return NULL;
}

struct expand_case {
	const char *in;
	int rc;
	const char *out; /* on success; on error a substring of the message */
};

static const struct expand_case expand_cases[] = {
	{"", 0, ""},
	{"plain", 0, "plain"},
	{"${CWD}", 0, "/home/me/proj"},
	{"${CWD}/sub", 0, "/home/me/proj/sub"},
	{"${HOME}/.ssh:${TMPDIR}", 0, "/home/me/.ssh:/tmp"},
	{"${ENV:PROJECT}/x", 0, "/srv/project/x"},
	{"${ENV:_x9}", 0, "under"},
	{"${ENV:TRICKY}", 0, "${HOME}$$"}, /* values are not expanded again */
	{"$$", 0, "$"},
	{"$$$$", 0, "$$"},
	{"$${CWD}", 0, "${CWD}"},
	{"$$$${CWD}", 0, "$${CWD}"},
	{"$$${CWD}", 0, "$/home/me/proj"},
	{"\\.txt$", 0, "\\.txt$"},
	{"a$b", 0, "a$b"},
	{"$", 0, "$"},
	{"${CWD}${HOME}", 0, "/home/me/proj/home/me"},
	{"}{$}", 0, "}{$}"},
	{"${FOO}", -EINVAL, "unknown variable \"${FOO}\" at offset 0"},
	{"x${cwd}", -EINVAL, "unknown variable \"${cwd}\" at offset 1"},
	{"${ CWD}", -EINVAL, "unknown variable"},
	{"${}", -EINVAL, "empty variable name"},
	{"${CWD", -EINVAL, "unterminated \"${\" at offset 0"},
	{"ok ${", -EINVAL, "unterminated \"${\" at offset 3"},
	{"${ENV:UNSET_VAR}", -EINVAL, "environment variable UNSET_VAR is not set"},
	{"${ENV:EMPTY}", -EINVAL, "environment variable EMPTY is empty"},
	{"${ENV:}", -EINVAL, "invalid environment variable name"},
	{"${ENV:9X}", -EINVAL, "invalid environment variable name"},
	{"${ENV:A-B}", -EINVAL, "invalid environment variable name"},
	{"${ENV:${X}}", -EINVAL, "invalid environment variable name"},
	{"${env:PROJECT}", -EINVAL, "unknown variable"},
	{"${\x01\xff}", -EINVAL, "\"${??}\""},
};

static void test_expand_table(void **state)
{
	(void)state;
	const struct pol_vars v = {"/home/me/proj", "/home/me", "/tmp", test_getenv, NULL};
	int bad = 0;
	for (size_t i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]); i++) {
		const struct expand_case *t = &expand_cases[i];
		char *out = (char *)1, err[256] = "junk";
		int rc = pol_expand(&v, t->in, &out, err, sizeof(err));
		CHECK(bad, rc == t->rc, "row %zu '%s': rc %d, want %d (%s)", i, t->in, rc, t->rc,
		      err);
		if (rc == 0) {
			CHECK(bad, out && strcmp(out, t->out) == 0, "row %zu '%s': '%s', want '%s'",
			      i, t->in, out ? out : "(null)", t->out);
			CHECK(bad, err[0] == '\0', "row %zu: message '%s' on success", i, err);
			free(out);
		} else {
			CHECK(bad, out == NULL, "row %zu: out not NULL on error", i);
			CHECK(bad, strstr(err, t->out) != NULL, "row %zu '%s': message '%s' lacks '%s'",
			      i, t->in, err, t->out);
		}
	}
	assert_int_equal(bad, 0);
}

static void test_expand_missing_values(void **state)
{
	(void)state;
	char *out, err[256];
	/* No variables at all: "$$" still works, any ${...} is an error. */
	assert_int_equal(pol_expand(NULL, "a$$b", &out, err, sizeof(err)), 0);
	assert_string_equal(out, "a$b");
	free(out);
	assert_int_equal(pol_expand(NULL, "${CWD}", &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"${CWD}\" at offset 0 has no value"));
	assert_int_equal(pol_expand(NULL, "${ENV:PATH}", &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "PATH is not set"));
	/* Partial variables. */
	const struct pol_vars v = {"/w", NULL, "", NULL, NULL};
	assert_int_equal(pol_expand(&v, "${CWD}", &out, err, sizeof(err)), 0);
	assert_string_equal(out, "/w");
	free(out);
	assert_int_equal(pol_expand(&v, "${HOME}", &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "${HOME}"));
	assert_int_equal(pol_expand(&v, "${TMPDIR}", &out, err, sizeof(err)), -EINVAL);
	assert_int_equal(pol_expand(&v, "${ENV:X}", &out, err, sizeof(err)), -EINVAL);
	/* NULL in, NULL out, NULL err */
	assert_int_equal(pol_expand(&v, NULL, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_int_equal(pol_expand(&v, "x", NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(pol_expand(&v, "${X}", &out, NULL, 0), -EINVAL);
	/* A small err buffer truncates. */
	char small[8];
	assert_int_equal(pol_expand(&v, "${X}", &out, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_expand_limits(void **state)
{
	(void)state;
	static char big[POL_PATH_MAX + 1];
	memset(big, 'b', POL_PATH_MAX);
	big[0] = '/';
	const struct pol_vars v = {big, "/h", "/t", NULL, NULL};
	char in[256] = "", *out, err[256];
	/* 15 x 4096 bytes fit, 16 do not. */
	for (int i = 0; i < 15; i++)
		strcat(in, "${CWD}");
	assert_int_equal(pol_expand(&v, in, &out, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), 15 * POL_PATH_MAX);
	free(out);
	strcat(in, "${CWD}");
	assert_int_equal(pol_expand(&v, in, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(err, "65536"));
	/* A plain input of POL_EXPAND_MAX - 1 bytes fits; one more does not. */
	char *plain = malloc(POL_EXPAND_MAX + 1);
	assert_non_null(plain);
	memset(plain, 'p', POL_EXPAND_MAX);
	plain[POL_EXPAND_MAX - 1] = '\0';
	assert_int_equal(pol_expand(&v, plain, &out, err, sizeof(err)), 0);
	free(out);
	plain[POL_EXPAND_MAX - 1] = 'p';
	plain[POL_EXPAND_MAX] = '\0';
	assert_int_equal(pol_expand(&v, plain, &out, err, sizeof(err)), -EINVAL);
	free(plain);
	/* A long variable name is shown cut. */
	char name[400] = "${";
	memset(name + 2, 'N', 300);
	strcpy(name + 302, "}");
	assert_int_equal(pol_expand(&v, name, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "...}"));
}

/* ---- pol_resolve_realpath on a real filesystem ---------------------------- */

struct tmpfs {
	char base[PATH_MAX]; /* realpath of the mkdtemp directory */
};

/* |dst| = |a| + |b|, which must fit. */
static void cat2(char *dst, size_t size, const char *a, const char *b)
{
	int n = snprintf(dst, size, "%s%s", a, b);
	assert_true(n >= 0 && (size_t)n < size);
}

static void mk(const struct tmpfs *t, const char *rel, char kind, const char *target)
{
	char p[PATH_MAX], sub[PATH_MAX];
	cat2(sub, sizeof(sub), "/", rel);
	cat2(p, sizeof(p), t->base, sub);
	if (kind == 'd')
		assert_int_equal(mkdir(p, 0700), 0);
	else if (kind == 'f') {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	} else {
		char tp[PATH_MAX];
		if (target[0] == '@') { /* '@': absolute, below base */
			cat2(sub, sizeof(sub), "/", target + 1);
			cat2(tp, sizeof(tp), t->base, sub);
		} else {
			cat2(tp, sizeof(tp), target, "");
		}
		assert_int_equal(symlink(tp, p), 0);
	}
}

static const struct {
	const char *rel;
	char kind;
	const char *target;
} tree[] = {
	{"proj", 'd', NULL},
	{"proj/sub", 'd', NULL},
	{"proj/sub/f.txt", 'f', NULL},
	{"outside", 'd', NULL},
	{"outside/secret", 'f', NULL},
	{"proj/out", 'l', "@outside"},
	{"proj/rel-out", 'l', "../outside"},
	{"proj/in", 'l', "sub"},
	{"proj/dangling", 'l', "@outside/new"},
	{"proj/dangling-rel", 'l', "../outside/new2"},
	{"proj/dangling-chain", 'l', "dangling"},
	{"proj/dangling-dir", 'l', "../nodir/deeper"},
	{"proj/loop", 'l', "loop"},
	{"proj/ping", 'l', "pong"},
	{"proj/pong", 'l', "ping"},
	{"proj/file-link", 'l', "sub/f.txt"},
	{"proj/dangling-back", 'l', "nodir/../out/x"}, /* missing, then back to a link */
};

static void rm_tree(const struct tmpfs *t)
{
	for (size_t i = sizeof(tree) / sizeof(tree[0]); i-- > 0;) {
		char p[PATH_MAX], sub[PATH_MAX];
		cat2(sub, sizeof(sub), "/", tree[i].rel);
		cat2(p, sizeof(p), t->base, sub);
		if (tree[i].kind == 'd')
			rmdir(p);
		else
			unlink(p);
	}
	rmdir(t->base);
}

static void make_tree(struct tmpfs *t)
{
	char tmpl[] = "/tmp/assay-paths-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, t->base));
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		mk(t, tree[i].rel, tree[i].kind, tree[i].target);
}

static const struct {
	const char *rel; /* below base */
	int rc;
	const char *want; /* below base */
} cases[] = {
	{"", 0, ""},
	{"/proj", 0, "/proj"},
	{"/proj/sub/f.txt", 0, "/proj/sub/f.txt"},
	{"/proj/new", 0, "/proj/new"},
	{"/proj/new/deeper/x", 0, "/proj/new/deeper/x"},
	{"/proj/out", 0, "/outside"},
	{"/proj/out/secret", 0, "/outside/secret"},
	{"/proj/out/new/x", 0, "/outside/new/x"},
	{"/proj/rel-out/secret", 0, "/outside/secret"},
	{"/proj/in/f.txt", 0, "/proj/sub/f.txt"},
	{"/proj/file-link", 0, "/proj/sub/f.txt"},
	{"/proj/file-link/x", 0, "/proj/sub/f.txt/x"},
	{"/proj/sub/f.txt/x", 0, "/proj/sub/f.txt/x"},
	{"/proj/dangling", 0, "/outside/new"},
	{"/proj/dangling/x", 0, "/outside/new/x"},
	{"/proj/dangling-rel", 0, "/outside/new2"},
	{"/proj/dangling-chain", 0, "/outside/new"},
	{"/proj/dangling-dir", 0, "/nodir/deeper"},
	{"/proj/dangling-dir/y", 0, "/nodir/deeper/y"},
	{"/proj/dangling-back", 0, "/outside/x"},
	{"/proj/loop", -ELOOP, NULL},
	{"/proj/loop/x", -ELOOP, NULL},
	{"/proj/ping", -ELOOP, NULL},
};

static void test_resolve_realpath(void **state)
{
	(void)state;
	struct tmpfs t;
	make_tree(&t);
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char in[PATH_MAX], want[PATH_MAX], out[PATH_MAX];
		cat2(in, sizeof(in), t.base, cases[i].rel);
		int rc = pol_resolve_realpath(NULL, in, out, sizeof(out));
		CHECK(bad, rc == cases[i].rc, "'%s': rc %d, want %d", cases[i].rel, rc,
		      cases[i].rc);
		if (rc == 0 && cases[i].want) {
			cat2(want, sizeof(want), t.base, cases[i].want);
			CHECK(bad, strcmp(out, want) == 0, "'%s': '%s', want '%s'", cases[i].rel, out,
			      want);
		}
	}
	/* "/" and the contract's errors */
	char out[PATH_MAX];
	CHECK(bad, pol_resolve_realpath(NULL, "/", out, sizeof(out)) == 0 && strcmp(out, "/") == 0,
	      "'/' -> '%s'", out);
	CHECK(bad, pol_resolve_realpath(NULL, "relative", out, sizeof(out)) == -EINVAL, "relative");
	CHECK(bad, pol_resolve_realpath(NULL, t.base, out, 4) == -ENAMETOOLONG, "small out");

	/* The whole chain: containment with the real resolver. */
	char proj[PATH_MAX], cwd[PATH_MAX];
	cat2(proj, sizeof(proj), t.base, "/proj");
	cat2(cwd, sizeof(cwd), proj, "");
	const struct pol_path_ctx c = {cwd, "/nonexistent-home", pol_resolve_realpath, NULL};
	const char *dirs[] = {proj};
	static const struct {
		const char *in;
		int rc;
	} u[] = {
		{"sub/f.txt", 1},   {"in/f.txt", 1},	  {"new/file", 1},    {"out/secret", 0},
		{"rel-out", 0},	    {"dangling", 0},	  {"dangling-rel", 0}, {"dangling-chain", 0},
		{"dangling-dir", 0}, {"in/../f.txt", 1},	  {"out/../proj/x", 1}, {"out/../x", 0},
		{"loop", -ELOOP},   {"ping/x", -ELOOP}, {"file-link", 1},	  {".", 1},
		{"..", 0}, {"dangling-back", 0},
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		char why[256];
		int rc = pol_path_under(&c, u[i].in, strlen(u[i].in), dirs, 1, why, sizeof(why));
		CHECK(bad, rc == u[i].rc, "under '%s': rc %d, want %d (%s)", u[i].in, rc, u[i].rc,
		      why);
	}
	/* A symlinked allowed directory. */
	char outlink[PATH_MAX], secret[PATH_MAX];
	cat2(outlink, sizeof(outlink), t.base, "/proj/out");
	cat2(secret, sizeof(secret), t.base, "/outside/secret");
	const char *odirs[] = {outlink};
	CHECK(bad, pol_path_under(&c, secret, strlen(secret), odirs, 1, NULL, 0) == 1,
	      "a symlinked allowed directory");
	rm_tree(&t);
	assert_int_equal(bad, 0);
}

/* The cache in front of pol_resolve_realpath: below a sticky directory it
 * walks from that directory's resolution, and gives what the resolver
 * gives for the whole path. */
static void test_resolve_cached(void **state)
{
	(void)state;
	struct tmpfs t;
	make_tree(&t);
	int bad = 0;
	char proj[PATH_MAX], out[PATH_MAX], want[PATH_MAX], in[PATH_MAX];
	cat2(proj, sizeof(proj), t.base, "/proj");
	struct pol_resolve_cache c = {.resolve = pol_resolve_realpath};
	assert_int_equal(pol_resolve_cached(&c, proj, out, sizeof(out)), 0);
	pol_resolve_cache_stick(&c);
	for (int round = 0; round < 2; round++) /* the second from the cache */
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			cat2(in, sizeof(in), t.base, cases[i].rel);
			int rw = pol_resolve_realpath(NULL, in, want, sizeof(want));
			int rc = pol_resolve_cached(&c, in, out, sizeof(out));
			CHECK(bad, rc == rw && (rc != 0 || strcmp(out, want) == 0),
			      "'%s' (round %d): %d '%s', the resolver gives %d '%s'", cases[i].rel,
			      round, rc, rc ? "" : out, rw, rw ? "" : want);
		}
	pol_resolve_cache_forget(&c);
	assert_int_equal(c.n, 1);

	/* The sticky directory's name now leads elsewhere (a symlink to
	 * "outside"): the whole path is resolved again. */
	char moved[PATH_MAX], secret[PATH_MAX];
	cat2(moved, sizeof(moved), t.base, "/proj-moved");
	assert_int_equal(rename(proj, moved), 0);
	assert_int_equal(symlink("outside", proj), 0);
	cat2(in, sizeof(in), proj, "/secret");
	cat2(secret, sizeof(secret), t.base, "/outside/secret");
	CHECK(bad, pol_resolve_cached(&c, in, out, sizeof(out)) == 0 && strcmp(out, secret) == 0,
	      "through the replaced directory: '%s', want '%s'", out, secret);
	pol_resolve_cache_forget(&c);
	/* It leads to the same directory again, under its new name: below it,
	 * paths are the sticky directory's, as the policy named it. */
	assert_int_equal(unlink(proj), 0);
	assert_int_equal(symlink("proj-moved", proj), 0);
	cat2(in, sizeof(in), proj, "/sub/f.txt");
	CHECK(bad, pol_resolve_cached(&c, in, out, sizeof(out)) == 0 && strcmp(out, in) == 0,
	      "the same directory under another name: '%s', want '%s'", out, in);
	pol_resolve_cache_forget(&c);
	/* A symlink below it is still followed. */
	cat2(in, sizeof(in), proj, "/out/secret");
	CHECK(bad, pol_resolve_cached(&c, in, out, sizeof(out)) == 0 && strcmp(out, secret) == 0,
	      "a symlink below: '%s', want '%s'", out, secret);
	pol_resolve_cache_close(&c);
	assert_int_equal(unlink(proj), 0);
	assert_int_equal(rename(moved, proj), 0);

	/* A policy directory named through a symlink (current ->
	 * releases/v1).  The directory is moved (v1b) and the link follows it,
	 * a decoy takes its old place, and below the real one a symlink leads
	 * outside: the walk must look at the directory itself, not at its old
	 * name. */
	char rel[PATH_MAX], v1[PATH_MAX], v1b[PATH_MAX], cur[PATH_MAX], x[PATH_MAX];
	cat2(rel, sizeof(rel), t.base, "/releases");
	cat2(v1, sizeof(v1), rel, "/v1");
	cat2(v1b, sizeof(v1b), rel, "/v1b");
	cat2(cur, sizeof(cur), t.base, "/current");
	assert_int_equal(mkdir(rel, 0700), 0);
	assert_int_equal(mkdir(v1, 0700), 0);
	assert_int_equal(symlink("releases/v1", cur), 0);
	struct pol_resolve_cache c2 = {.resolve = pol_resolve_realpath};
	assert_int_equal(pol_resolve_cached(&c2, cur, out, sizeof(out)), 0);
	pol_resolve_cache_stick(&c2);
	assert_int_equal(rename(v1, v1b), 0);
	assert_int_equal(unlink(cur), 0);
	assert_int_equal(symlink("releases/v1b", cur), 0);
	assert_int_equal(mkdir(v1, 0700), 0);
	cat2(x, sizeof(x), v1, "/x");
	FILE *f = fopen(x, "w");
	assert_non_null(f);
	fclose(f);
	cat2(x, sizeof(x), v1b, "/x");
	assert_int_equal(symlink(secret, x), 0);
	cat2(in, sizeof(in), cur, "/x");
	CHECK(bad, pol_resolve_cached(&c2, in, out, sizeof(out)) == 0 && strcmp(out, secret) == 0,
	      "below a moved directory named through a symlink: '%s', want '%s'", out, secret);
	pol_resolve_cache_close(&c2);
	unlink(x);
	cat2(x, sizeof(x), v1, "/x");
	unlink(x);
	rmdir(v1);
	rmdir(v1b);
	rmdir(rel);
	unlink(cur);
	rm_tree(&t);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_table),
		cmocka_unit_test(test_absolute_context),
		cmocka_unit_test(test_absolute_lengths),
		cmocka_unit_test(test_absolute_random),
		cmocka_unit_test(test_under_table),
		cmocka_unit_test(test_may_be_under_table),
		cmocka_unit_test(test_under_lexical_only),
		cmocka_unit_test(test_under_why_is_printable),
		cmocka_unit_test(test_under_resolver_contract),
		cmocka_unit_test(test_expand_table),
		cmocka_unit_test(test_expand_missing_values),
		cmocka_unit_test(test_expand_limits),
		cmocka_unit_test(test_resolve_realpath),
		cmocka_unit_test(test_resolve_cached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
