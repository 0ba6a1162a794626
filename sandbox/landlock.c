/* sandbox/landlock.c - build the Landlock ruleset for the server. */
#include "sandbox/landlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock_uapi.h"

#define FS_DIR_ONLY                                                                           \
	(SBX_LL_FS_READ_DIR | SBX_LL_FS_REMOVE_DIR | SBX_LL_FS_REMOVE_FILE |                  \
	 SBX_LL_FS_MAKE_CHAR | SBX_LL_FS_MAKE_DIR | SBX_LL_FS_MAKE_REG | SBX_LL_FS_MAKE_SOCK | \
	 SBX_LL_FS_MAKE_FIFO | SBX_LL_FS_MAKE_BLOCK | SBX_LL_FS_MAKE_SYM | SBX_LL_FS_REFER)

/* A rename or link into a tree may need to be deeper than this to stop
 * following a user's directory layout; deeper denies are refused. */
#define MAX_DEPTH 64

int sbx_landlock_abi(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0,
			 SBX_LANDLOCK_CREATE_RULESET_VERSION);
	if (v < 0)
		return -errno;
	return (int)v;
}

unsigned sbx_landlock_errata(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0,
			 SBX_LANDLOCK_CREATE_RULESET_ERRATA);
	return v < 0 ? 0 : (unsigned)v;
}

static uint64_t fs_handled(int abi)
{
	uint64_t all = (SBX_LL_FS_IOCTL_DEV << 1) - 1;
	/* Fall through from the newest ABI down, as the kernel's sample does. */
	switch (abi) {
	case 1:
		all &= ~SBX_LL_FS_REFER;
		/* fallthrough */
	case 2:
		all &= ~SBX_LL_FS_TRUNCATE;
		/* fallthrough */
	case 3:
	case 4:
		all &= ~SBX_LL_FS_IOCTL_DEV;
		/* fallthrough */
	default:
		break;
	}
	return abi >= 1 ? all : 0;
}

uint64_t sbx_landlock_rights(unsigned r, bool dir)
{
	uint64_t a = 0;
	if (r & SBX_FS_READ)
		a |= SBX_LL_FS_READ_FILE | SBX_LL_FS_READ_DIR;
	if (r & SBX_FS_WRITE)
		a |= SBX_LL_FS_READ_FILE | SBX_LL_FS_READ_DIR | SBX_LL_FS_WRITE_FILE |
		     SBX_LL_FS_TRUNCATE | SBX_LL_FS_MAKE_REG | SBX_LL_FS_MAKE_DIR |
		     SBX_LL_FS_MAKE_SYM | SBX_LL_FS_MAKE_SOCK | SBX_LL_FS_MAKE_FIFO |
		     SBX_LL_FS_REMOVE_FILE | SBX_LL_FS_REMOVE_DIR | SBX_LL_FS_REFER;
	if (r & SBX_FS_EXEC)
		a |= SBX_LL_FS_EXECUTE | SBX_LL_FS_READ_FILE;
	if (r & SBX_FS_DEV)
		a |= SBX_LL_FS_IOCTL_DEV;
	return dir ? a : a & ~FS_DIR_ONLY;
}

unsigned sbx_landlock_restrict_flags(int abi)
{
	/* A denial by this domain is the server's business; the kernel's audit
	 * log would fill with them.  Nested sandboxes the server builds keep
	 * their own logging. */
	return abi >= 7 ? SBX_LL_RESTRICT_SELF_LOG_SAME_EXEC_OFF : 0;
}

struct build {
	int ruleset;
	uint64_t handled;
	struct sbx_report *rep;
	char *err;
	size_t err_size;
	char **deny; /* canonical */
	size_t ndeny;
	bool expect_file; /* the last rule named a file (add_path_rule) */
};

bool sbx_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int add_rule_fd(const struct build *b, int fd, uint64_t access)
{
	struct sbx_landlock_path_beneath_attr attr = {.allowed_access = access, .parent_fd = fd};
	return (int)syscall(__NR_landlock_add_rule, b->ruleset, SBX_LANDLOCK_RULE_PATH_BENEATH,
			    &attr, 0);
}

/* Most rules name directories, and rules of one kind come together (the
 * system directories, then device files, ...).  When the last rule named a
 * directory, the rights of a directory are tried first: the kernel refuses
 * them for a file (EINVAL), and only then is the descriptor's type looked
 * at, which saves one system call per directory.  (The rights of a file
 * cannot be tried first: the kernel accepts them for a directory too.) */
static int add_path_rule(struct build *b, int fd, const char *path, unsigned rights)
{
	uint64_t dir = sbx_landlock_rights(rights, true) & b->handled,
		 file = sbx_landlock_rights(rights, false) & b->handled;
	int rc = -1;
	errno = EINVAL;
	if (!b->expect_file && dir)
		rc = add_rule_fd(b, fd, dir);
	if (rc != 0 && errno == EINVAL) {
		struct stat st;
		if (fstat(fd, &st) != 0) {
			snprintf(b->err, b->err_size, "cannot stat '%s': %s", path,
				 strerror(errno));
			return -1;
		}
		b->expect_file = !S_ISDIR(st.st_mode);
		uint64_t access = b->expect_file ? file : dir;
		rc = access ? add_rule_fd(b, fd, access) : 0;
	}
	if (rc != 0) {
		snprintf(b->err, b->err_size, "cannot add a Landlock rule for '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Grant |rights| on everything in directory |dirfd| (|path|) except the
 * denied entries, descending into the entries that lead to one. */
static int carve(struct build *b, int dirfd, const char *path, unsigned rights, int depth)
{
	if (depth > MAX_DEPTH) {
		snprintf(b->err, b->err_size, "a denied path under '%s' is too deep", path);
		return -1;
	}
	int lfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d) {
		if (lfd >= 0)
			close(lfd);
		snprintf(b->err, b->err_size,
			 "cannot list '%s' to enforce a denied path inside it: %s", path,
			 strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	char child[PATH_MAX];
	while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				     e->d_name) >= sizeof(child))
			continue; /* unreachable through a path anyway */
		bool denied = false, leads = false;
		for (size_t i = 0; i < b->ndeny; i++) {
			if (strcmp(b->deny[i], child) == 0)
				denied = true;
			else if (sbx_path_within(b->deny[i], child))
				leads = true;
		}
		if (denied)
			continue;
		/* A symbolic link gets no rule: access through it lands on its
		 * target, which its own rules govern (as without the carve). */
		int fd = openat(dirfd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* vanished */
		struct stat st;
		if (fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode)) {
			if (leads && S_ISDIR(st.st_mode))
				rc = carve(b, fd, child, rights, depth + 1);
			else
				rc = add_path_rule(b, fd, child, rights);
		}
		close(fd);
	}
	if (rc == 0 && errno != 0) {
		snprintf(b->err, b->err_size, "cannot list '%s': %s", path, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

/* The path the kernel has for an open descriptor. */
static char *fd_path(int fd)
{
	char proc[64], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* One open and one readlink per tried prefix (realpath(3) reads every
 * component). */
char *sbx_canonical_path(const char *path)
{
	char buf[PATH_MAX];
	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return NULL;
	size_t len = strlen(buf);
	for (;;) {
		int fd = open(buf, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			char *r = fd_path(fd);
			close(fd);
			if (!r || len == strlen(path))
				return r;
			char *out = NULL;
			if (asprintf(&out, "%s%s", strcmp(r, "/") ? r : "", path + len) < 0)
				out = NULL;
			free(r);
			return out;
		}
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return strdup(path);
		*slash = '\0';
		len = (size_t)(slash - buf);
	}
}

/* Denied paths share parents ($HOME and the like) and mostly do not exist.
 * The canonical form of a path whose last component is not a symlink (or
 * does not exist) is its parent's plus that name: one lstat, with the
 * parents' canonical forms kept (a few distinct ones), instead of an
 * open, a readlink and a close for every path. */
#define CANON_PARENTS 16

struct canon_cache {
	struct {
		char *parent, *real;
	} e[CANON_PARENTS];
	size_t n, next;
};

static const char *canonical_parent(struct canon_cache *c, const char *parent, size_t plen)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->e[i].parent) == plen && strncmp(c->e[i].parent, parent, plen) == 0)
			return c->e[i].real;
	char *p = strndup(parent, plen);
	char *r = p ? sbx_canonical_path(p) : NULL;
	if (!r) {
		free(p);
		return NULL;
	}
	size_t k = c->n < CANON_PARENTS ? c->n++ : c->next++ % CANON_PARENTS;
	free(c->e[k].parent);
	free(c->e[k].real);
	c->e[k].parent = p;
	c->e[k].real = r;
	return r;
}

static void canon_cache_free(struct canon_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].parent);
		free(c->e[i].real);
	}
	c->n = 0;
}

static char *canonical_cached(const char *path, struct canon_cache *c)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path || !slash[1] || strcmp(slash, "/.") == 0 ||
	    strcmp(slash, "/..") == 0)
		return sbx_canonical_path(path);
	struct stat st;
	if (lstat(path, &st) == 0 ? S_ISLNK(st.st_mode) : errno != ENOENT)
		return sbx_canonical_path(path);
	const char *real = canonical_parent(c, path, (size_t)(slash - path));
	if (!real)
		return NULL;
	char *out = NULL;
	if (asprintf(&out, "%s%s", strcmp(real, "/") ? real : "", slash) < 0)
		out = NULL;
	return out;
}

static int add_fs_rule(struct build *b, const struct sbx_fs_rule *r, char **real_out)
{
	int fd = open(r->path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		/* A built-in path this user cannot reach grants nothing. */
		if (r->optional && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
			return 0;
		snprintf(b->err, b->err_size, "cannot open '%s' for a sandbox rule: %s", r->path,
			 strerror(errno));
		return -1;
	}
	char *real = fd_path(fd);
	if (!real) {
		close(fd);
		snprintf(b->err, b->err_size, "cannot resolve '%s'", r->path);
		return -1;
	}
	int rc = 0;
	bool carve_needed = false;
	for (size_t i = 0; i < b->ndeny; i++) {
		if (sbx_path_within(real, b->deny[i])) {
			sbx_report_add(b->rep, SBX_NOTE, "filesystem",
				       "'%s' is not granted: it lies inside denied '%s'", r->path,
				       b->deny[i]);
			goto out;
		}
		if (sbx_path_within(b->deny[i], real))
			carve_needed = true;
	}
	struct stat st;
	if (carve_needed && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		rc = carve(b, fd, real, r->rights, 0);
	else
		rc = add_path_rule(b, fd, r->path, r->rights);
out:
	*real_out = real;
	close(fd);
	return rc;
}

static int add_port(struct build *b, uint64_t access, uint16_t port)
{
	struct sbx_landlock_net_port_attr attr = {.allowed_access = access, .port = port};
	if (syscall(__NR_landlock_add_rule, b->ruleset, SBX_LANDLOCK_RULE_NET_PORT, &attr, 0) !=
	    0) {
		snprintf(b->err, b->err_size, "cannot add a Landlock rule for TCP port %u: %s",
			 port, strerror(errno));
		return -1;
	}
	return 0;
}

static void report_missing(const struct sbx_landlock_request *rq, int abi, struct sbx_report *rep)
{
	if (abi < 1) {
		const char *why = abi == -ENOSYS	   ? "the kernel is built without Landlock"
				  : abi == -EOPNOTSUPP ? "Landlock is disabled at boot (add "
							 "landlock to the lsm= kernel parameter)"
						       : strerror(-abi);
		if (rq->nfs)
			sbx_report_add(rep, SBX_DEGRADED, "filesystem",
				       "file access is not restricted: %s", why);
		if (rq->net_restrict)
			sbx_report_add(rep, SBX_DEGRADED, "network",
				       "TCP ports are not restricted: %s", why);
		if (rq->scope_abstract_unix || rq->scope_signal)
			sbx_report_add(rep, SBX_DEGRADED, "scope",
				       "abstract unix sockets and signals reach outside the "
				       "sandbox: %s",
				       why);
		return;
	}
	/* What each ABI adds that the request needs: missing, a degradation. */
	const struct {
		int abi;
		bool needed;
		const char *area, *linux_version, *what;
	} lacks[] = {
		{3, rq->nfs > 0, "filesystem", "6.2", "truncating files is not restricted"},
		{4, rq->net_restrict, "network", "6.7",
		 "TCP connect and bind are not restricted by port"},
		{5, rq->nfs > 0, "filesystem", "6.10", "ioctl on device files is not restricted"},
		{6, rq->scope_abstract_unix, "scope", "6.12",
		 "abstract unix sockets outside the sandbox can be reached"},
		{6, rq->scope_signal, "scope", "6.12",
		 "signals can reach processes outside the sandbox that run as the same user"},
	};
	for (size_t i = 0; i < sizeof(lacks) / sizeof(lacks[0]); i++)
		if (abi < lacks[i].abi && lacks[i].needed)
			sbx_report_add(rep, SBX_DEGRADED, lacks[i].area,
				       "%s (needs Landlock ABI %d, Linux %s; this kernel has ABI %d)",
				       lacks[i].what, lacks[i].abi, lacks[i].linux_version, abi);
}

int sbx_landlock_build(const struct sbx_landlock_request *rq, int abi, int *fd,
		       struct sbx_report *rep, char *err, size_t err_size)
{
	*fd = -1;
	report_missing(rq, abi, rep);
	if (abi < 1)
		return 0;
	if (abi > SBX_LANDLOCK_ABI_KNOWN)
		abi = SBX_LANDLOCK_ABI_KNOWN;

	struct sbx_landlock_ruleset_attr attr = {.handled_access_fs = fs_handled(abi)};
	if (rq->net_restrict && abi >= 4)
		attr.handled_access_net = SBX_LL_NET_BIND_TCP | SBX_LL_NET_CONNECT_TCP;
	if (abi >= 6)
		attr.scoped = (rq->scope_abstract_unix ? SBX_LL_SCOPE_ABSTRACT_UNIX_SOCKET : 0) |
			      (rq->scope_signal ? SBX_LL_SCOPE_SIGNAL : 0);
	size_t size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 16 : 8;
	long r = syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (r < 0) {
		snprintf(err, err_size, "cannot create a Landlock ruleset (ABI %d): %s", abi,
			 strerror(errno));
		return -1;
	}
	struct build b = {.ruleset = (int)r,
			  .handled = attr.handled_access_fs,
			  .rep = rep,
			  .err = err,
			  .err_size = err_size}; /* the kernel makes it close on exec */
	int rc = 0;
	b.deny = calloc(rq->ndeny ? rq->ndeny : 1, sizeof(*b.deny));
	if (!b.deny) {
		snprintf(err, err_size, "out of memory");
		rc = -1;
	}
	struct canon_cache cache = {.n = 0};
	for (size_t i = 0; rc == 0 && i < rq->ndeny; i++) {
		b.deny[i] = canonical_cached(rq->deny[i], &cache);
		if (!b.deny[i]) {
			snprintf(err, err_size, "cannot resolve denied path '%s'", rq->deny[i]);
			rc = -1;
			break;
		}
		b.ndeny = i + 1;
	}
	canon_cache_free(&cache);
	char **reals = calloc(rq->nfs ? rq->nfs : 1, sizeof(*reals));
	if (!reals && rc == 0) {
		snprintf(err, err_size, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < rq->nfs; i++)
		rc = add_fs_rule(&b, &rq->fs[i], &reals[i]);
	for (size_t i = 0; rc == 0 && attr.handled_access_net && i < rq->nconnect; i++)
		rc = add_port(&b, SBX_LL_NET_CONNECT_TCP, rq->connect_tcp[i]);
	for (size_t i = 0; rc == 0 && attr.handled_access_net && i < rq->nbind; i++)
		rc = add_port(&b, SBX_LL_NET_BIND_TCP, rq->bind_tcp[i]);
	/* What a deny inside an allowed directory cannot hide (one note). */
	char list[2048];
	size_t off = 0, carved = 0;
	list[0] = '\0';
	for (size_t i = 0; rc == 0 && i < b.ndeny; i++) {
		bool inside = false;
		for (size_t j = 0; j < rq->nfs && !inside; j++)
			inside = reals[j] && strcmp(reals[j], b.deny[i]) != 0 &&
				 sbx_path_within(b.deny[i], reals[j]);
		if (inside && off < sizeof(list)) {
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						carved ? ", " : "", b.deny[i]);
			carved++;
		}
	}
	if (carved)
		sbx_report_add(rep, SBX_NOTE, "filesystem",
			       "%zu denied path%s inside allowed directories (%s): their names "
			       "and attributes stay visible to stat, and the directories between "
			       "the allowed one and each of them cannot be listed or get new "
			       "entries",
			       carved, carved == 1 ? "" : "s", list);
	for (size_t i = 0; reals && i < rq->nfs; i++)
		free(reals[i]);
	free(reals);
	for (size_t i = 0; i < b.ndeny; i++)
		free(b.deny[i]);
	free(b.deny);
	if (rc != 0) {
		close(b.ruleset);
		return -1;
	}
	*fd = b.ruleset;
	return 0;
}
