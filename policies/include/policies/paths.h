/* policies/paths.h - path arguments of tool calls: spellings, normalisation,
 * containment (tools.rules[].args: under / not_under), and the ${...}
 * variables of policy values.
 *
 * A path argument arrives in many spellings ("a/../b", "//x", "~/x",
 * "file:///x", "file://localhost/x%20y", ...) and a check must not be
 * fooled by any of them.  Every spelling is first read the way a server
 * reads it (pol_path_absolute), then checked in up to three forms:
 *
 *   lexical   the absolute path with ".", ".." and "//" removed lexically
 *             (what a server that normalises the string before opening it
 *             means);
 *   kernel    the raw absolute path walked as the kernel walks it: the
 *             components are resolved (symlinks followed) BEFORE a ".." is
 *             applied, so "allowed/link/../x" with link -> /etc is /x;
 *   resolved  the lexical form with its symlinks followed (what a server
 *             that normalises first and then opens reaches).
 *
 * Symlinks are followed through a resolver the program provides (see
 * pol_resolve_fn); without one only the lexical form exists.  The check
 * is made at call time: a symlink changed between the check and the
 * server's access is the sandbox's business, not this module's.
 *
 * Pure: no I/O, no global state -- except pol_resolve_realpath at the end,
 * which is the program's resolver and is not used by the other functions.
 */
#ifndef POLICIES_PATHS_H
#define POLICIES_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Longest path handled, terminating NUL included (Linux PATH_MAX).  A
 * path argument of POL_PATH_MAX bytes or more, or one whose absolute or
 * resolved form would be that long, is refused with -ENAMETOOLONG. */
#define POL_PATH_MAX 4096

/* Most directories one under/not_under check takes (-E2BIG beyond). */
#define POL_PATH_MAX_DIRS 256

/* Most resolver calls spent on one form of one path: one per run of
 * names followed by "..", plus one.  A path needing more is refused with
 * -ELOOP (the resolver touches the disk; a client must not make a single
 * check cost thousands of realpath(3) calls). */
#define POL_PATH_MAX_RESOLVE 64

/* Longest result of pol_expand, terminating NUL included. */
#define POL_EXPAND_MAX 65536

/* Resolve |path| (absolute, normalised: no ".", "..", "//" or trailing
 * slash) as the kernel would, following the symlinks of the components
 * that exist -- also a dangling symlink, whose target is where a create
 * would land: write to |out| (|size| bytes) the resolved absolute path of
 * the longest existing prefix followed by the non-existing rest.  Returns
 * 0 or -errno (-ELOOP for a symlink loop, -EACCES, -ENAMETOOLONG, ...).
 * Provided by the program (pol_resolve_realpath) or by a test. */
typedef int (*pol_resolve_fn)(void *ctx, const char *path, char *out, size_t size);

struct pol_path_ctx {
	const char *cwd;	/* the server's working directory, absolute; NULL:
				 * relative paths are refused */
	const char *home;	/* for "~" and "~/..."; NULL: "~" is refused */
	pol_resolve_fn resolve; /* NULL: lexical form only */
	void *resolve_ctx;
};

/* Turn the path argument |in| (|len| bytes, any bytes) into the absolute,
 * lexically normalised path a server would read, in |out| (|size| bytes,
 * NUL-terminated):
 *
 *  - "file:" URIs (RFC 8089; the scheme in any case): "file:/p",
 *    "file:///p", "file://localhost/p" (host in any case).  Any other host,
 *    a missing path ("file://", "file:x"), a query or fragment ('?' or '#':
 *    servers disagree on whether they are part of the name), a bad
 *    percent-escape ("%zz", "%4"), "%00" and "%2F" (an encoded '/': one
 *    server would split on it, another would refuse it) are -EINVAL.  The
 *    other escapes are decoded, so "%2e%2e" is a ".." component.  Plain
 *    paths are never percent-decoded: "/a%20b" is a name with a '%'.
 *  - "~" and "~/x": |c->home|.  "~user" is -EINVAL (another account's home
 *    is never a legitimate argument, and resolving it needs the passwd
 *    database).
 *  - a relative path: against |c->cwd|.
 *  - then: repeated slashes, "." and ".." components and a trailing slash
 *    are removed; ".." above "/" stays at "/".
 *
 * The result starts with '/', contains no "//", no "." or ".." component,
 * and ends without '/' unless it is "/"; normalising it again gives it
 * back unchanged.  Returns 0, -EINVAL (NULL argument, empty, a NUL byte, a
 * bad URI, "~user", "~" without home, a relative path without cwd), or
 * -ENAMETOOLONG (|len| >= POL_PATH_MAX, or the result does not fit
 * POL_PATH_MAX or |size|). */
int pol_path_absolute(const struct pol_path_ctx *c, const char *in, size_t len, char *out,
		      size_t size);

/* Containment for allow lists (under: [dirs]).  |in| is under |dirs|
 * only when every form of it (lexical; and, with a resolver, kernel and
 * resolved) is under one of the directories -- not necessarily the same
 * one: the allowed area is their union, so a symlink from one allowed
 * directory into another is fine.  A directory is spelled like a path
 * argument (pol_path_absolute; relative ones are against cwd) and is
 * resolved too, as a policy may name a symlinked directory: the lexical
 * form may be under either spelling of a directory, the kernel and
 * resolved forms must be under its resolved spelling.  Containment is by
 * whole components: /home/me2 is not under /home/me; a directory is under
 * itself; everything is under "/".
 *
 * The path is read the way a server reads it, only: "file:///x" is /x,
 * not the relative name "file:/x" (requiring both readings would refuse
 * every URI and "~" path whenever cwd is not an allowed directory).
 *
 * Returns 1 (under), 0 (not under: |why|, when not NULL, then says which
 * form escaped, e.g. " (following symlinks it is /etc/passwd)", starting
 * with a space, printable ASCII only, truncated to |why_size|), or a
 * negative errno and the caller denies: the path is invalid
 * (pol_path_absolute's errors), a directory is invalid (a policy must not
 * silently lose a rule), the resolver failed (-ELOOP, -EACCES, ...), too
 * many directories (-E2BIG), -ENOMEM. */
int pol_path_under(const struct pol_path_ctx *c, const char *in, size_t len,
		   const char *const *dirs, size_t ndirs, char *why, size_t why_size);

/* Containment for deny lists (not_under: [dirs]): 1 when ANY form of |in|
 * (as for pol_path_under), in any reading, is under one of |dirs| in
 * either spelling (lexical or resolved).  The readings are the server's
 * and, for an argument starting with "~" or "file:", also the literal one
 * (a relative name against cwd), in case the server does not expand it.
 * pol_path_under is NOT the negation of this: "allowed/link/../x" with
 * link -> /etc has one form under /etc and one not, so it is neither under
 * /etc for an allow list nor outside it for a deny list.  Every directory
 * is checked, so an invalid one is an error wherever the path is.  Returns
 * 1, 0, or the negative errnos of pol_path_under, also for a failure of the
 * literal reading (the caller denies); with 1, |why| says which form
 * matched when it is not the lexical one of the server's reading. */
int pol_path_may_be_under(const struct pol_path_ctx *c, const char *in, size_t len,
			  const char *const *dirs, size_t ndirs, char *why, size_t why_size);

/* Values for ${...} in policy values. */
struct pol_vars {
	const char *cwd, *home, *tmpdir; /* NULL or "": the variable is an error */
	const char *(*getenv)(void *ctx, const char *name); /* NULL: ${ENV:...} is an error */
	void *ctx;
};

/* Expand the NUL-terminated |in|: ${CWD}, ${HOME}, ${TMPDIR}, and
 * ${ENV:NAME} (NAME: [A-Za-z_][A-Za-z0-9_]*).  Names are case-sensitive.
 * "$$" is a literal "$" (so "$${CWD}" gives "${CWD}"); a '$' followed by
 * anything else than '{' or '$' is kept as is (regexes use "$").  Values
 * are inserted verbatim, never expanded again.  An unknown variable, an
 * unterminated "${", an empty or invalid name, a variable without a value
 * (NULL |v|, an unset or empty environment variable: a policy must never
 * silently change meaning) and a result of POL_EXPAND_MAX bytes or more
 * are errors.  Returns 0 with a malloc'd string in |*out|, -EINVAL with a
 * message naming the variable in |err| (|*out| NULL), or -ENOMEM. */
int pol_expand(const struct pol_vars *v, const char *in, char **out, char *err, size_t err_size);

/* THE PROGRAM'S RESOLVER -- it touches the filesystem and is not used by
 * the pure functions above; pass it as pol_path_ctx.resolve (|ctx| is
 * unused).  Implements pol_resolve_fn with realpath(3) on the longest
 * existing prefix of |path| (walking up until realpath succeeds), then
 * lstat(2)/readlink(2) on the first missing component: a dangling symlink
 * is followed to its target (at most 40 links, then -ELOOP), the rest is
 * appended lexically.  Returns 0, -EINVAL (not absolute), -ENAMETOOLONG,
 * or realpath's errors other than ENOENT/ENOTDIR (-ELOOP, -EACCES, ...). */
int pol_resolve_realpath(void *ctx, const char *path, char *out, size_t size);

/* A cache in front of a resolver: one decision resolves the same
 * argument for several rules, and the policy's own directories for every
 * decision.  Entries marked sticky (the policy's directories, resolved
 * once when the session starts: a directory the server later turns into a
 * symlink does not widen what is allowed) stay; the others are dropped by
 * pol_resolve_cache_forget() before each decision.
 *
 * With pol_resolve_realpath as the resolver, a path below a sticky
 * directory is resolved from that directory on: one stat(2) checks that
 * the directory's name still leads to the directory it led to when it was
 * made sticky (same device and inode), then one readlinkat(2) per
 * component below it, relative to a descriptor of that directory held
 * since (never through a name that may have changed).  Anything else (a
 * symlink, a missing component, a changed directory, an error) goes to
 * the resolver for the whole path.  pol_resolve_cache_close() closes the
 * descriptors. */
#define POL_RESOLVE_CACHE_SIZE 64

struct pol_resolve_cache {
	pol_resolve_fn resolve; /* the real resolver */
	void *resolve_ctx;
	struct {
		char *path, *out;
		int rc;
		bool sticky;
		bool dir; /* sticky, resolved, a directory: fd, dev and ino are set */
		int fd;	  /* O_PATH, of the directory the path led to when made sticky */
		dev_t dev;
		ino_t ino;
	} e[POL_RESOLVE_CACHE_SIZE];
	size_t n;
};

/* A pol_resolve_fn; |ctx| is a struct pol_resolve_cache. */
int pol_resolve_cached(void *ctx, const char *path, char *out, size_t size);
/* Mark every entry now in the cache sticky. */
void pol_resolve_cache_stick(struct pol_resolve_cache *c);
/* Drop the entries that are not sticky. */
void pol_resolve_cache_forget(struct pol_resolve_cache *c);
void pol_resolve_cache_close(struct pol_resolve_cache *c);

#endif
