/* tests/fuzz/fuzz_paths.c - policies/paths on arbitrary bytes.
 *
 * Input: <flags byte> <path> [ '\n' <dir> ]...  (at most 8 directories).
 * Flag bit 0 selects a fake resolver (a small table of symlinks, loops
 * included) instead of the lexical check; bit 1 drops cwd, bit 2 home.
 *
 * Invariants:
 *  - nothing crashes, leaks or reads out of bounds (sanitizers);
 *  - pol_path_absolute gives an absolute path with no "//", no "." or ".."
 *    component, no trailing slash (except "/"), shorter than POL_PATH_MAX,
 *    and normalising it again gives it back unchanged;
 *  - results are 1, 0 or a negative errno; under (allow list) implies
 *    may-be-under (deny list) or an error there (its literal reading of a
 *    "file:" or "~" name may fail), an error in under is an error there;
 *  - the normalised path is under itself; under the lexical check a path is
 *    under its directory exactly when the strings say so component-wise;
 *  - pol_expand on the bytes (up to the first NUL) does not crash and
 *    returns 0 with a string or an error with a message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/paths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *from, *to;
} links[] = {
	{"/p/out", "/etc"}, {"/p/in", "sub"},	 {"/p/up", "../.."},   {"/p/loop", "loop"},
	{"/p/a", "b"},	    {"/p/b", "a"},	 {"/p/self", "."},     {"/p/dot", "/p/./sub/"},
	{"/q", "/p"},	    {"/p/sub/esc", "../../p2"},
};

static const char *link_to(const char *p)
{
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (strcmp(links[i].from, p) == 0)
			return links[i].to;
	return NULL;
}

/* Kernel-like walk over the table; nothing else exists but "/p/sub". */
static int fake_resolve(void *ctx, const char *path, char *out, size_t size)
{
	(void)ctx;
	static const size_t cap = 3 * POL_PATH_MAX;
	char *todo = malloc(cap), *cur = malloc(cap), *next = malloc(cap);
	int rc = 0, hops = 0;
	size_t i = 0;
	if (!todo || !cur || !next) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(todo, cap, "%s", path);
	cur[0] = '\0';
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
		size_t n = strlen(cur);
		if (n + 1 + cl >= cap) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		cur[n] = '/';
		memcpy(cur + n + 1, todo + st, cl);
		cur[n + 1 + cl] = '\0';
		const char *to = link_to(cur);
		if (to) {
			if (++hops > 40) {
				rc = -ELOOP;
				goto out;
			}
			cur[n] = '\0';
			snprintf(next, cap, "%s/%s", to, todo + i);
			memcpy(todo, next, strlen(next) + 1);
			i = 0;
			if (to[0] == '/')
				cur[0] = '\0';
		}
	}
	if (strlen(cur) + 2 > size)
		rc = -ENAMETOOLONG;
	else
		snprintf(out, size, "%s", cur[0] ? cur : "/");
out:
	free(todo);
	free(cur);
	free(next);
	return rc;
}

static bool normalised(const char *p)
{
	size_t n = strlen(p);
	if (n == 0 || n >= POL_PATH_MAX || p[0] != '/')
		return false;
	if (n == 1)
		return true;
	return p[n - 1] != '/' && !strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../") &&
	       !(n >= 2 && strcmp(p + n - 2, "/.") == 0) &&
	       !(n >= 3 && strcmp(p + n - 3, "/..") == 0);
}

static bool lexically_under(const char *p, const char *d)
{
	size_t n = strlen(d);
	return n == 1 || (strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/'));
}

static const char *fuzz_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "X") == 0 ? "/x" : NULL;
}

static void check_expand(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	const struct pol_vars v = {"/p", "/h", "/t", fuzz_getenv, NULL};
	char *out = NULL, err[128];
	int rc = pol_expand(&v, s, &out, err, sizeof(err));
	if ((rc == 0) != (out != NULL) || (rc != 0 && (rc != -EINVAL || !err[0])))
		abort();
	free(out);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4 * POL_PATH_MAX)
		return 0;
	uint8_t flags = data[0];
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	struct pol_path_ctx c = {(flags & 2) ? NULL : "/p", (flags & 4) ? NULL : "/h",
				 (flags & 1) ? fake_resolve : NULL, NULL};

	/* Split off the directories. */
	const char *nl = memchr(in, '\n', n);
	size_t plen = nl ? (size_t)(nl - in) : n;
	char *dirbuf = malloc(n + 1);
	const char *dirs[8];
	size_t nd = 0;
	if (!dirbuf)
		return 0;
	if (nl) {
		size_t rest = n - plen - 1;
		memcpy(dirbuf, nl + 1, rest);
		dirbuf[rest] = '\0';
		for (char *d = dirbuf; nd < 8;) {
			dirs[nd++] = d;
			char *e = strchr(d, '\n');
			if (!e)
				break;
			*e = '\0';
			d = e + 1;
		}
	}

	/* Normalisation invariants. */
	char out[POL_PATH_MAX], again[POL_PATH_MAX];
	int rc = pol_path_absolute(&c, in, plen, out, sizeof(out));
	if (rc != 0 && rc != -EINVAL && rc != -ENAMETOOLONG)
		abort();
	if (rc == 0) {
		if (!normalised(out))
			abort();
		if (pol_path_absolute(&c, out, strlen(out), again, sizeof(again)) != 0 ||
		    strcmp(out, again) != 0)
			abort();
		const char *self[] = {out};
		char why[64];
		if (pol_path_under(&c, out, strlen(out), self, 1, why, sizeof(why)) == 0)
			abort(); /* 1, or a resolver error (a loop) */
	}

	/* Containment invariants. */
	char why[256];
	int u = pol_path_under(&c, in, plen, dirs, nd, why, sizeof(why));
	if ((u == 0 && !why[0]) || (u != 0 && why[0]))
		abort();
	int m = pol_path_may_be_under(&c, in, plen, dirs, nd, why, sizeof(why));
	if (u > 1 || m > 1 || (u == 1 && m == 0) || (u < 0 && m >= 0))
		abort();
	if (!c.resolve && rc == 0 && u >= 0) {
		bool any = false;
		for (size_t i = 0; i < nd; i++) {
			char d[POL_PATH_MAX];
			if (pol_path_absolute(&c, dirs[i], strlen(dirs[i]), d, sizeof(d)) == 0 &&
			    lexically_under(out, d))
				any = true;
		}
		if (any != (u == 1))
			abort();
	}
	free(dirbuf);

	check_expand(data, size);
	return 0;
}
