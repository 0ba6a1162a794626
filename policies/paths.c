/* policies/paths.c - path arguments: spellings, normalisation, containment,
 * ${...} expansion; and the program's realpath(3) resolver. */
#include "policies/paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <uninorm.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A raw absolute spelling: a base (cwd or home, < POL_PATH_MAX), a '/',
 * and an argument (< POL_PATH_MAX), NUL included. */
#define RAW_MAX (2 * POL_PATH_MAX + 2)

/* ---- lexical ------------------------------------------------------------ */

/* True when |s| is a usable base directory: absolute and short enough. */
static bool usable_base(const char *s)
{
	return s && s[0] == '/' && strnlen(s, POL_PATH_MAX) < POL_PATH_MAX;
}

/* Next component of |s| (|n| bytes) from |*i|: skips slashes, sets |*start|
 * and returns its length (0 at the end). */
static size_t next_comp(const char *s, size_t n, size_t *i, size_t *start)
{
	while (*i < n && s[*i] == '/')
		(*i)++;
	*start = *i;
	while (*i < n && s[*i] != '/')
		(*i)++;
	return *i - *start;
}

static bool is_dot(const char *s, size_t n)
{
	return n == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t n)
{
	return n == 2 && s[0] == '.' && s[1] == '.';
}

/* Drop the last component of the normalised absolute |p| (|*o| bytes);
 * "/" stays "/". */
static void pop_comp(char *p, size_t *o)
{
	while (*o > 1 && p[*o - 1] != '/')
		(*o)--;
	if (*o > 1)
		(*o)--;
	p[*o] = '\0';
}

/* Append component |s| (|n| bytes) to the normalised absolute |p| (|*o|
 * bytes, |size| bytes of room).  Returns 0 or -ENAMETOOLONG. */
static int push_comp(char *p, size_t *o, size_t size, const char *s, size_t n)
{
	size_t need = *o + (*o > 1) + n;
	if (need >= size)
		return -ENAMETOOLONG;
	if (*o > 1)
		p[(*o)++] = '/';
	memcpy(p + *o, s, n);
	*o += n;
	p[*o] = '\0';
	return 0;
}

/* Normalise |src| (|n| bytes, absolute) lexically into |dst| (|size|
 * bytes): no "//", ".", "..", trailing slash; ".." at "/" stays "/".
 * Returns 0 or -ENAMETOOLONG. */
static int normalise(const char *src, size_t n, char *dst, size_t size)
{
	if (size < 2)
		return -ENAMETOOLONG;
	size_t o = 1, i = 0, st;
	dst[0] = '/';
	dst[1] = '\0';
	size_t cl;
	while ((cl = next_comp(src, n, &i, &st)) > 0) {
		if (is_dot(src + st, cl))
			continue;
		if (is_dotdot(src + st, cl)) {
			pop_comp(dst, &o);
			continue;
		}
		int r = push_comp(dst, &o, size, src + st, cl);
		if (r)
			return r;
	}
	return 0;
}

/* Copy the NUL-terminated |s| to |out| (|size| bytes).  Returns 0 or
 * -ENAMETOOLONG when it does not fit |size| or POL_PATH_MAX. */
static int copy_out(const char *s, char *out, size_t size)
{
	size_t n = strlen(s);
	if (n >= POL_PATH_MAX || n >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, n + 1);
	return 0;
}

/* Component-wise containment of normalised absolute paths. */
static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1)
		return true; /* "/" */
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* ---- spellings -------------------------------------------------------- */

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool has_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	return n >= k && strncasecmp(s, lit, k) == 0;
}

/* Decode the file: URI |in| (|len| bytes, "file:" included) into the
 * absolute path |raw| (RAW_MAX bytes), length in |*rawlen|.  Returns 0 or
 * -EINVAL (see pol_path_absolute for what is refused). */
static int uri_path(const char *in, size_t len, char *raw, size_t *rawlen)
{
	const char *p = in + 5, *end = in + len;
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		const char *host = p + 2, *slash = memchr(host, '/', (size_t)(end - host));
		if (!slash)
			return -EINVAL;
		size_t hl = (size_t)(slash - host);
		if (hl != 0 && !(hl == 9 && strncasecmp(host, "localhost", 9) == 0))
			return -EINVAL;
		p = slash;
	}
	if (p == end || *p != '/')
		return -EINVAL;
	size_t o = 0;
	for (; p < end; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '?' || ch == '#')
			return -EINVAL;
		if (ch == '%') {
			int hi = end - p > 2 ? hexval((unsigned char)p[1]) : -1;
			int lo = hi >= 0 ? hexval((unsigned char)p[2]) : -1;
			if (lo < 0)
				return -EINVAL;
			ch = (unsigned char)(hi << 4 | lo);
			if (ch == '\0' || ch == '/')
				return -EINVAL;
			p += 2;
		}
		raw[o++] = (char)ch; /* decoded <= encoded < POL_PATH_MAX */
	}
	raw[o] = '\0';
	*rawlen = o;
	return 0;
}

/* Write |base| + "/" + |rest| (|n| bytes) to |raw| (RAW_MAX bytes). */
static void join_raw(const char *base, const char *rest, size_t n, char *raw, size_t *rawlen)
{
	size_t bl = strlen(base); /* < POL_PATH_MAX: usable_base */
	memcpy(raw, base, bl);
	raw[bl] = '/';
	memcpy(raw + bl + 1, rest, n);
	*rawlen = bl + 1 + n;
	raw[*rawlen] = '\0';
}

/* The readings of an argument: as a server reads it, or taken literally
 * (a "~" or "file:" name relative to cwd, for a server that expands
 * neither). */
enum reading { READ_SERVER, READ_LITERAL };

/* True when the literal reading of |in| differs from the server's. */
static bool has_literal_reading(const char *in, size_t len)
{
	return (len > 0 && in[0] == '~') || has_prefix_ci(in, len, "file:");
}

/* Build the raw (unnormalised) absolute spelling of |in| in |raw|
 * (RAW_MAX bytes).  Returns 0, -EINVAL or -ENAMETOOLONG. */
static int raw_path(const struct pol_path_ctx *c, const char *in, size_t len, enum reading rd,
		    char *raw, size_t *rawlen)
{
	if (len == 0 || memchr(in, '\0', len))
		return -EINVAL;
	if (len >= POL_PATH_MAX)
		return -ENAMETOOLONG;
	if (rd == READ_SERVER && has_prefix_ci(in, len, "file:"))
		return uri_path(in, len, raw, rawlen);
	if (rd == READ_SERVER && in[0] == '~') {
		if (len > 1 && in[1] != '/')
			return -EINVAL; /* ~user */
		if (!usable_base(c->home))
			return -EINVAL;
		join_raw(c->home, in + 1, len - 1, raw, rawlen);
		return 0;
	}
	if (in[0] == '/') {
		memcpy(raw, in, len);
		raw[len] = '\0';
		*rawlen = len;
		return 0;
	}
	if (!usable_base(c->cwd))
		return -EINVAL;
	join_raw(c->cwd, in, len, raw, rawlen);
	return 0;
}

int pol_path_absolute(const struct pol_path_ctx *c, const char *in, size_t len, char *out,
		      size_t size)
{
	if (!c || !in || !out)
		return -EINVAL;
	char raw[RAW_MAX], norm[RAW_MAX];
	size_t rawlen;
	int r = raw_path(c, in, len, READ_SERVER, raw, &rawlen);
	if (r)
		return r;
	r = normalise(raw, rawlen, norm, sizeof(norm));
	return r ? r : copy_out(norm, out, size);
}

/* ---- resolution --------------------------------------------------------- */

/* Resolve the normalised absolute |path| with the program's resolver into
 * |out| (POL_PATH_MAX bytes; may be |path|), normalised again: a resolver
 * is trusted for what it finds, not for its spelling.  Returns 0, the
 * resolver's error, -ENAMETOOLONG, or -EIO for a resolver that breaks its
 * contract (positive return, unterminated or relative result). */
static int resolve_once(const struct pol_path_ctx *c, const char *path, char *out)
{
	char tmp[POL_PATH_MAX];
	tmp[0] = '\0';
	int r = c->resolve(c->resolve_ctx, path, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (r > 0 || !memchr(tmp, '\0', sizeof(tmp)) || tmp[0] != '/')
		return -EIO;
	return normalise(tmp, strlen(tmp), out, POL_PATH_MAX);
}

/* The kernel form of the raw absolute |raw| (|n| bytes) into |out|
 * (POL_PATH_MAX bytes): names are resolved before a ".." applies, since
 * the kernel follows "link" before it sees "link/..".  Each run of names
 * costs one resolver call; after it the prefix is symlink-free, so the
 * ".." is its lexical parent.  |*dotdot| tells whether a ".." was seen.
 * Returns 0, a resolver error, -ENAMETOOLONG, or -ELOOP past
 * POL_PATH_MAX_RESOLVE calls. */
static int kernel_form(const struct pol_path_ctx *c, const char *raw, size_t n, char *out,
		       bool *dotdot)
{
	char cur[POL_PATH_MAX] = "/";
	size_t o = 1, i = 0, st, cl;
	bool dirty = false;
	unsigned calls = 0;
	int r;
	*dotdot = false;
	while ((cl = next_comp(raw, n, &i, &st)) > 0) {
		if (is_dot(raw + st, cl))
			continue;
		if (!is_dotdot(raw + st, cl)) {
			if ((r = push_comp(cur, &o, sizeof(cur), raw + st, cl)))
				return r;
			dirty = true;
			continue;
		}
		*dotdot = true;
		if (dirty) {
			if (++calls > POL_PATH_MAX_RESOLVE)
				return -ELOOP;
			if ((r = resolve_once(c, cur, cur)))
				return r;
			o = strlen(cur);
			dirty = false;
		}
		pop_comp(cur, &o);
	}
	if (dirty)
		return ++calls > POL_PATH_MAX_RESOLVE ? -ELOOP : resolve_once(c, cur, out);
	memcpy(out, cur, o + 1);
	return 0;
}

/* The forms of one reading of a path. */
enum form { FORM_LEXICAL, FORM_KERNEL, FORM_RESOLVED };

struct forms {
	char path[3][POL_PATH_MAX];
	enum form kind[3];
	size_t n;
};

/* Compute the forms of |in| in reading |rd| into |fs|.  Returns 0 or the
 * errors of raw_path, normalise and kernel_form. */
static int compute_forms(const struct pol_path_ctx *c, const char *in, size_t len,
			 enum reading rd, struct forms *fs)
{
	char raw[RAW_MAX], norm[RAW_MAX];
	size_t rawlen;
	bool dotdot;
	fs->n = 0;
	int r = raw_path(c, in, len, rd, raw, &rawlen);
	if (!r)
		r = normalise(raw, rawlen, norm, sizeof(norm));
	if (!r)
		r = copy_out(norm, fs->path[0], sizeof(fs->path[0]));
	if (r)
		return r;
	fs->kind[fs->n++] = FORM_LEXICAL;
	if (!c->resolve)
		return 0;
	if ((r = kernel_form(c, raw, rawlen, fs->path[1], &dotdot)))
		return r;
	fs->kind[fs->n++] = FORM_KERNEL;
	if (!dotdot)
		return 0; /* one run of names: the kernel form is the resolved form */
	if ((r = kernel_form(c, fs->path[0], strlen(fs->path[0]), fs->path[2], &dotdot)))
		return r;
	if (strcmp(fs->path[2], fs->path[1]) != 0)
		fs->kind[fs->n++] = FORM_RESOLVED;
	return 0;
}

/* The two spellings of a policy directory: lexical and resolved (the
 * lexical one with its symlinks followed). */
static int dir_forms(const struct pol_path_ctx *c, const char *dir, char *lex, char *res)
{
	if (!dir)
		return -EINVAL;
	int r = pol_path_absolute(c, dir, strnlen(dir, POL_PATH_MAX), lex, POL_PATH_MAX);
	if (r)
		return r;
	if (!c->resolve) {
		memcpy(res, lex, strlen(lex) + 1);
		return 0;
	}
	bool dotdot;
	return kernel_form(c, lex, strlen(lex), res, &dotdot);
}

/* Write " (<what> <path>)" to |why|, the path shown as printable ASCII
 * ('?' for any other byte) and cut at 160 bytes. */
static void say_why(char *why, size_t size, enum reading rd, enum form kind, const char *path)
{
	if (!why || size == 0)
		return;
	char shown[168];
	size_t k = 0, n = strlen(path);
	for (size_t i = 0; i < n && k < 160; i++) {
		unsigned char ch = (unsigned char)path[i];
		shown[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (k < n)
		memcpy(shown + k, "...", 3), k += 3;
	shown[k] = '\0';
	snprintf(why, size, " (%s%s %s)", rd == READ_LITERAL ? "read literally, " : "",
		 kind == FORM_LEXICAL ? "it is" : "following symlinks it is", shown);
}

/* Work space of a containment check (too big for a stack frame). */
struct under_work {
	struct forms fs[2]; /* [READ_SERVER], [READ_LITERAL] */
	size_t nreadings;
	char lex[POL_PATH_MAX], res[POL_PATH_MAX];
	bool covered[3];
};

/* Common argument checks and forms of a containment check; |*w| is
 * malloc'd on success.  Returns 0 or a negative errno. */
static int under_begin(const struct pol_path_ctx *c, const char *in, size_t len,
		       const char *const *dirs, size_t ndirs, bool literal, char *why,
		       size_t why_size, struct under_work **w)
{
	if (why && why_size)
		why[0] = '\0';
	if (!c || !in || (ndirs && !dirs))
		return -EINVAL;
	if (ndirs > POL_PATH_MAX_DIRS)
		return -E2BIG;
	/* ~32 KiB of path buffers: not zeroed (that alone cost more than the
	 * whole check); only what is read before it is written is set. */
	*w = malloc(sizeof(**w));
	if (!*w)
		return -ENOMEM;
	(*w)->fs[0].n = (*w)->fs[1].n = 0;
	(*w)->nreadings = 0;
	(*w)->lex[0] = (*w)->res[0] = '\0';
	(*w)->covered[0] = (*w)->covered[1] = (*w)->covered[2] = false;
	int r = compute_forms(c, in, len, READ_SERVER, &(*w)->fs[0]);
	(*w)->nreadings = 1;
	if (!r && literal && has_literal_reading(in, len) && usable_base(c->cwd)) {
		r = compute_forms(c, in, len, READ_LITERAL, &(*w)->fs[1]);
		(*w)->nreadings = 2;
	}
	if (r) {
		free(*w);
		*w = NULL;
	}
	return r;
}

int pol_path_under(const struct pol_path_ctx *c, const char *in, size_t len,
		   const char *const *dirs, size_t ndirs, char *why, size_t why_size)
{
	struct under_work *w;
	int r = under_begin(c, in, len, dirs, ndirs, false, why, why_size, &w);
	if (r)
		return r;
	const struct forms *fs = &w->fs[0];
	for (size_t d = 0; d < ndirs; d++) {
		if ((r = dir_forms(c, dirs[d], w->lex, w->res)))
			goto out;
		for (size_t i = 0; i < fs->n; i++)
			w->covered[i] = w->covered[i] || path_under(fs->path[i], w->res) ||
					(fs->kind[i] == FORM_LEXICAL &&
					 path_under(fs->path[i], w->lex));
	}
	r = 1;
	for (size_t i = 0; i < fs->n && r == 1; i++) {
		if (!w->covered[i]) {
			say_why(why, why_size, READ_SERVER, fs->kind[i], fs->path[i]);
			r = 0;
		}
	}
out:
	free(w);
	return r;
}

int pol_path_may_be_under(const struct pol_path_ctx *c, const char *in, size_t len,
			  const char *const *dirs, size_t ndirs, char *why, size_t why_size)
{
	struct under_work *w;
	int r = under_begin(c, in, len, dirs, ndirs, true, why, why_size, &w);
	if (r)
		return r;
	int found = 0;
	for (size_t d = 0; d < ndirs; d++) { /* every one: an invalid one is an error */
		if ((r = dir_forms(c, dirs[d], w->lex, w->res)))
			break;
		for (size_t k = 0; k < w->nreadings && !found; k++) {
			const struct forms *fs = &w->fs[k];
			for (size_t i = 0; i < fs->n && !found; i++) {
				if (!path_under(fs->path[i], w->lex) &&
				    !path_under(fs->path[i], w->res))
					continue;
				if (k != READ_SERVER || fs->kind[i] != FORM_LEXICAL)
					say_why(why, why_size, (enum reading)k, fs->kind[i],
						fs->path[i]);
				found = 1;
			}
		}
	}
	free(w);
	if (r && why && why_size)
		why[0] = '\0';
	return r ? r : found;
}

/* ---- ${...} expansion ------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

/* Append |n| bytes; returns 0, -E2BIG past POL_EXPAND_MAX, or -ENOMEM. */
static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (n >= POL_EXPAND_MAX - b->len)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Show |n| bytes of a variable name in a message: printable ASCII, cut. */
static void show_name(char *dst, size_t size, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		dst[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (k < n && k + 4 <= size)
		memcpy(dst + k, "...", 3), k += 3;
	dst[k] = '\0';
}

static bool valid_env_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!(ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9')))
			return false;
	}
	return true;
}

/* The value of the variable |name| (|n| bytes) at offset |at|, or NULL
 * with a message in |err|. */
static const char *var_value(const struct pol_vars *v, const char *name, size_t n, size_t at,
			     char *err, size_t err_size)
{
	char shown[80];
	show_name(shown, sizeof(shown), name, n);
	if (n == 0) {
		snprintf(err, err_size, "empty variable name \"${}\" at offset %zu", at);
		return NULL;
	}
	const char *val = NULL;
	bool env = n >= 4 && memcmp(name, "ENV:", 4) == 0;
	if (env) {
		char ename[256];
		if (n - 4 >= sizeof(ename) || !valid_env_name(name + 4, n - 4)) {
			snprintf(err, err_size,
				 "invalid environment variable name in \"${%s}\" at offset %zu",
				 shown, at);
			return NULL;
		}
		memcpy(ename, name + 4, n - 4);
		ename[n - 4] = '\0';
		val = v && v->getenv ? v->getenv(v->ctx, ename) : NULL;
		if (!val || !*val) {
			snprintf(err, err_size, "\"${%s}\" at offset %zu: environment variable %s is %s",
				 shown, at, ename, val ? "empty" : "not set");
			return NULL;
		}
		return val;
	}
	if (n == 3 && memcmp(name, "CWD", 3) == 0)
		val = v ? v->cwd : NULL;
	else if (n == 4 && memcmp(name, "HOME", 4) == 0)
		val = v ? v->home : NULL;
	else if (n == 6 && memcmp(name, "TMPDIR", 6) == 0)
		val = v ? v->tmpdir : NULL;
	else {
		snprintf(err, err_size,
			 "unknown variable \"${%s}\" at offset %zu (known: ${CWD}, ${HOME}, "
			 "${TMPDIR}, ${ENV:NAME})",
			 shown, at);
		return NULL;
	}
	if (!val || !*val)
		snprintf(err, err_size, "\"${%s}\" at offset %zu has no value here", shown, at);
	return val && *val ? val : NULL;
}

int pol_expand(const struct pol_vars *v, const char *in, char **out, char *err, size_t err_size)
{
	char dummy[1];
	if (!err || err_size == 0)
		err = dummy, err_size = sizeof(dummy);
	err[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!in) {
		snprintf(err, err_size, "no value to expand");
		return -EINVAL;
	}
	struct sbuf b = {0};
	int r = sb_add(&b, "", 0);
	const char *p = in;
	while (!r && *p) {
		const char *dollar = strchr(p, '$');
		if (!dollar) {
			r = sb_add(&b, p, strlen(p));
			break;
		}
		if ((r = sb_add(&b, p, (size_t)(dollar - p))))
			break;
		if (dollar[1] != '{') {
			r = sb_add(&b, "$", 1); /* "$$" and a lone '$' */
			p = dollar + 1 + (dollar[1] == '$');
			continue;
		}
		const char *name = dollar + 2, *close = strchr(name, '}');
		size_t at = (size_t)(dollar - in);
		if (!close) {
			snprintf(err, err_size, "unterminated \"${\" at offset %zu", at);
			r = -EINVAL;
			break;
		}
		const char *val = var_value(v, name, (size_t)(close - name), at, err, err_size);
		if (!val) {
			r = -EINVAL;
			break;
		}
		r = sb_add(&b, val, strlen(val));
		p = close + 1;
	}
	if (r == -E2BIG) {
		snprintf(err, err_size, "the expanded value is %d bytes or longer", POL_EXPAND_MAX);
		r = -EINVAL;
	} else if (r == -ENOMEM) {
		snprintf(err, err_size, "out of memory");
	}
	if (r) {
		free(b.p);
		return r;
	}
	*out = b.p;
	return 0;
}

/* ---- the program's resolver (touches the filesystem) -------------------- */

/* Join |a| + "/" + |b| (|bn| bytes) into |dst| (PATH_MAX bytes). */
static int join_path(char *dst, const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	if (an + 1 + bn >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(dst + an + 1, b, bn); /* |b| may live in |dst| */
	memmove(dst, a, an);
	dst[an] = '/';
	dst[an + 1 + bn] = '\0';
	return 0;
}

/* An entry of the directory |dir| whose name differs from the |len| bytes
 * of |name| but is equal to it in Unicode NFC; its name goes to |out|.
 * Only non-ASCII names have other spellings (ASCII is its own normal
 * form).  Scans at most 100000 entries. */
static bool equivalent_entry(const char *dir, const char *name, size_t len, char *out,
			     size_t size)
{
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = !((unsigned char)name[i] & 0x80);
	if (ascii)
		return false;
	size_t nl = 0;
	uint8_t *want = u8_normalize(UNINORM_NFC, (const uint8_t *)name, len, NULL, &nl);
	if (!want)
		return false;
	DIR *d = opendir(dir);
	bool found = false;
	struct dirent *de;
	for (int n = 0; d && !found && n < 100000 && (de = readdir(d)) != NULL; n++) {
		size_t el = strlen(de->d_name);
		bool plain = true;
		for (size_t i = 0; i < el && plain; i++)
			plain = !((unsigned char)de->d_name[i] & 0x80);
		if (plain || (el == len && memcmp(de->d_name, name, len) == 0) || el >= size)
			continue;
		size_t gl = 0;
		uint8_t *got = u8_normalize(UNINORM_NFC, (const uint8_t *)de->d_name, el, NULL, &gl);
		if (got && gl == nl && memcmp(got, want, nl) == 0) {
			memcpy(out, de->d_name, el + 1);
			found = true;
		}
		free(got);
	}
	if (d)
		closedir(d);
	free(want);
	return found;
}

int pol_resolve_realpath(void *ctx, const char *path, char *out, size_t size)
{
	(void)ctx;
	char cur[PATH_MAX], base[PATH_MAX], rest[PATH_MAX], link[PATH_MAX];
	if (!path || path[0] != '/' || !out)
		return -EINVAL;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(cur, path);
	for (int hops = 0; hops <= 40; hops++) {
		if (realpath(cur, base))
			return copy_out(base, out, size);
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		/* Walk up to the longest prefix realpath accepts. */
		size_t k = strlen(cur);
		for (;;) {
			while (k > 1 && cur[k - 1] == '/')
				k--;
			while (k > 1 && cur[k - 1] != '/')
				k--;
			size_t pk = k; /* the prefix, without its trailing slashes */
			while (pk > 1 && cur[pk - 1] == '/')
				pk--;
			char save = cur[pk];
			cur[pk] = '\0';
			char *ok = realpath(cur, base);
			int e = errno;
			cur[pk] = save;
			if (ok)
				break;
			if (e != ENOENT && e != ENOTDIR)
				return -e;
			if (k <= 1)
				return -ENOENT; /* "/" itself is missing */
		}
		/* cur[k..] is the missing rest; look at its first component. */
		size_t i = k, st, cl = next_comp(cur, strlen(cur), &i, &st);
		char *after = cur + i;
		struct stat sb;
		int e = 0;
		if (join_path(link, base, cur + st, cl))
			return -ENAMETOOLONG;
		if (lstat(link, &sb) != 0)
			e = errno;
		if (e && e != ENOENT && e != ENOTDIR)
			return -e;
		char equiv[NAME_MAX + 1];
		if (e == ENOENT && equivalent_entry(base, cur + st, cl, equiv, sizeof(equiv))) {
			/* Servers (server-filesystem among them) open a missing
			 * name through an existing entry equal to it under Unicode
			 * normalisation: continue through that entry, so that a
			 * symlink spelled another way is judged by where it leads. */
			size_t an = strlen(after);
			if (strlen(base) + 1 + strlen(equiv) + an + 1 >= PATH_MAX)
				return -ENAMETOOLONG;
			memmove(rest, after, an + 1);
			if (join_path(cur, base, equiv, strlen(equiv)))
				return -ENAMETOOLONG;
			if (an && join_path(cur, cur, rest, an))
				return -ENAMETOOLONG;
			continue;
		}
		if (e || !S_ISLNK(sb.st_mode)) {
			/* Missing (or a file with names after it): append lexically.
			 * A ".." in the rest (from a dangling link's target) may
			 * lead back to existing names: resolve the result again. */
			bool dotdot = false;
			size_t j = k, js, jl;
			while ((jl = next_comp(cur, strlen(cur), &j, &js)) > 0)
				dotdot = dotdot || is_dotdot(cur + js, jl);
			if (join_path(rest, base, cur + k, strlen(cur + k)))
				return -ENAMETOOLONG;
			if (normalise(rest, strlen(rest), cur, sizeof(cur)))
				return -ENAMETOOLONG;
			if (dotdot)
				continue;
			return copy_out(cur, out, size);
		}
		/* A dangling symlink: continue with its target. */
		ssize_t ln = readlink(link, rest, sizeof(rest));
		if (ln < 0)
			return -errno;
		if ((size_t)ln >= sizeof(rest))
			return -ENAMETOOLONG;
		rest[ln] = '\0';
		size_t an = strlen(after);
		if ((size_t)ln + 1 + strlen(base) + 1 + an >= PATH_MAX)
			return -ENAMETOOLONG;
		memmove(link, after, an + 1);
		if (rest[0] == '/')
			strcpy(cur, rest);
		else if (join_path(cur, base, rest, (size_t)ln))
			return -ENAMETOOLONG;
		if (an && join_path(cur, cur, link, an))
			return -ENAMETOOLONG;
	}
	return -ELOOP;
}

/* ---- resolver cache -------------------------------------------------------- */

/* The sticky directory with the longest name that |path| lies below, or
 * NULL; |*rest| is set to the part of |path| after it and its slash. */
static const char *below_sticky(const struct pol_resolve_cache *c, const char *path,
				size_t *idx, const char **rest)
{
	size_t best = 0;
	const char *found = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const char *d = c->e[i].path;
		size_t dn = strlen(d);
		if (!c->e[i].dir || dn <= best || strncmp(path, d, dn) != 0)
			continue;
		if (dn == 1 || path[dn] != '/' || !path[dn + 1])
			continue; /* "/" itself is no shortcut; "d/" is d */
		best = dn;
		found = d;
		*idx = i;
		*rest = path + dn + 1;
	}
	return found;
}

/* pol_resolve_realpath's result for |path|, which lies below the sticky
 * directory |e|, from |e|'s resolution: 1 with the result in |out|, 0 when
 * the walk cannot decide (the caller resolves the whole path).  The walk
 * goes through the descriptor of the directory itself, held since it was
 * made sticky, never through a name: what the policy's name led to then
 * is what is looked at, and the stat checks that the name still leads
 * there. */
static int resolve_below(const struct pol_resolve_cache *c, size_t i, const char *rest,
			 char *out, size_t size)
{
	const char *base = c->e[i].out;
	size_t bn = strlen(base), rn = strlen(rest);
	if (bn + 1 + rn >= PATH_MAX || bn + 1 + rn >= size)
		return 0;
	struct stat st;
	if (stat(c->e[i].path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_dev != c->e[i].dev ||
	    st.st_ino != c->e[i].ino)
		return 0;
	char sub[PATH_MAX], link[1];
	for (const char *p = rest; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		/* Only plain names: the path is lexically normal, but a "." or
		 * ".." component is for the resolver. */
		if (n == 0 || is_dot(p, n) || is_dotdot(p, n))
			return 0;
		memcpy(sub, rest, (size_t)(p - rest) + n);
		sub[(size_t)(p - rest) + n] = '\0';
		/* EINVAL: it exists and is not a symlink. */
		if (readlinkat(c->e[i].fd, sub, link, sizeof(link)) >= 0 || errno != EINVAL)
			return 0;
		p += n + (e != NULL);
	}
	size_t k = bn == 1 ? 0 : bn; /* base "/" */
	memcpy(out, base, k);
	out[k] = '/';
	memcpy(out + k + 1, rest, rn + 1);
	return 1;
}

int pol_resolve_cached(void *ctx, const char *path, char *out, size_t size)
{
	struct pol_resolve_cache *c = ctx;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].path, path) != 0)
			continue;
		if (c->e[i].rc != 0)
			return c->e[i].rc;
		return copy_out(c->e[i].out, out, size);
	}
	size_t sticky;
	const char *rest;
	int rc;
	if (c->resolve == pol_resolve_realpath && below_sticky(c, path, &sticky, &rest) &&
	    resolve_below(c, sticky, rest, out, size))
		rc = 0;
	else
		rc = c->resolve(c->resolve_ctx, path, out, size);
	if (c->n < POL_RESOLVE_CACHE_SIZE) {
		char *p = strdup(path), *o = rc == 0 ? strdup(out) : NULL;
		if (p && (rc != 0 || o)) {
			c->e[c->n].path = p;
			c->e[c->n].out = o;
			c->e[c->n].rc = rc;
			c->e[c->n].sticky = false;
			c->e[c->n].dir = false;
			c->e[c->n].fd = -1;
			c->n++;
		} else {
			free(p);
			free(o);
		}
	}
	return rc;
}

void pol_resolve_cache_stick(struct pol_resolve_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct stat st;
		if (c->e[i].sticky)
			continue;
		c->e[i].sticky = true;
		c->e[i].fd = c->e[i].rc == 0 && c->e[i].path[0] == '/'
				     ? open(c->e[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC)
				     : -1;
		if (c->e[i].fd >= 0 && fstat(c->e[i].fd, &st) != 0) {
			close(c->e[i].fd);
			c->e[i].fd = -1;
		}
		c->e[i].dir = c->e[i].fd >= 0;
		if (c->e[i].dir) {
			c->e[i].dev = st.st_dev;
			c->e[i].ino = st.st_ino;
		}
	}
}

void pol_resolve_cache_forget(struct pol_resolve_cache *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->e[i].sticky) {
			c->e[k++] = c->e[i];
		} else {
			free(c->e[i].path);
			free(c->e[i].out);
		}
	}
	c->n = k;
}

void pol_resolve_cache_close(struct pol_resolve_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].path);
		free(c->e[i].out);
		if (c->e[i].dir)
			close(c->e[i].fd);
	}
	c->n = 0;
}
