/* sandbox/notify.c - the supervisor of observed system calls. */
#include "sandbox/notify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

static const char *const access_names[SBX_ACC_COUNT] = {
	"read", "write", "create", "truncate", "mkdir", "remove", "rename", "link", "symlink",
};

const char *sbx_access_name(unsigned i)
{
	return i < SBX_ACC_COUNT ? access_names[i] : "?";
}

int sbx_notify_init(struct sbx_notifier *nt, int fd, sbx_effect_cb cb, void *ctx)
{
	memset(nt, 0, sizeof(*nt));
	nt->fd = fd;
	nt->cb = cb;
	nt->ctx = ctx;
	struct seccomp_notif_sizes sz;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) != 0)
		return -errno;
	/* The kernel's structures may be larger than our headers' (newer
	 * fields): allocate what it says, never less than we use. */
	nt->req_size = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif
									: sizeof(struct seccomp_notif);
	nt->resp_size = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
				? sz.seccomp_notif_resp
				: sizeof(struct seccomp_notif_resp);
	nt->req = calloc(1, nt->req_size);
	nt->resp = calloc(1, nt->resp_size);
	if (!nt->req || !nt->resp) {
		sbx_notify_close(nt);
		return -ENOMEM;
	}
	return 0;
}

void sbx_notify_close(struct sbx_notifier *nt)
{
	free(nt->req);
	free(nt->resp);
	nt->req = nt->resp = NULL;
}

void sbx_path_normalize(char *path)
{
	/* Components are copied down in place; ".." pops the last one. */
	char *out = path;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, start, len);
		out += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* ---- reading the caller ---------------------------------------------- */

static bool read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	return addr != 0 && process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* A NUL-terminated string, read up to each page end so that a string near
 * an unmapped page still reads. */
static bool read_string(pid_t pid, uint64_t addr, char *out, size_t size)
{
	if (addr == 0)
		return false;
	size_t got = 0;
	while (got < size - 1) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at & 4095);
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		struct iovec local = {out + got, chunk};
		struct iovec remote = {(void *)(uintptr_t)at, chunk};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return false;
		char *nul = memchr(out + got, '\0', (size_t)n);
		if (nul)
			return true;
		got += (size_t)n;
	}
	return false; /* longer than PATH_MAX: the kernel refuses it too */
}

/* The absolute path the caller means by |rel| relative to |dirfd|. */
static bool resolve(pid_t pid, int dirfd, const char *rel, char *out, size_t size)
{
	if (rel[0] == '/') {
		if (strlen(rel) >= size)
			return false;
		strcpy(out, rel);
	} else {
		char link[64];
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
		else
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd);
		ssize_t n = readlink(link, out, size - 1);
		if (n <= 0 || out[0] != '/')
			return false;
		out[n] = '\0';
		if (rel[0] && (size_t)snprintf(out + n, size - (size_t)n, "/%s", rel) >= size - (size_t)n)
			return false;
	}
	/* The caller's /proc/self is not ours. */
	static const char self[] = "/proc/self", tself[] = "/proc/thread-self";
	const char *rest = NULL;
	char pfx[64];
	if (strncmp(out, self, sizeof(self) - 1) == 0 &&
	    (out[sizeof(self) - 1] == '/' || !out[sizeof(self) - 1])) {
		rest = out + sizeof(self) - 1;
		snprintf(pfx, sizeof(pfx), "/proc/%d", (int)pid);
	} else if (strncmp(out, tself, sizeof(tself) - 1) == 0 &&
		   (out[sizeof(tself) - 1] == '/' || !out[sizeof(tself) - 1])) {
		rest = out + sizeof(tself) - 1;
		snprintf(pfx, sizeof(pfx), "/proc/%d/task/%d", (int)pid, (int)pid);
	}
	if (rest) {
		size_t pl = strlen(pfx), rl = strlen(rest);
		if (pl + rl >= size)
			return false;
		memmove(out + pl, rest, rl + 1);
		memcpy(out, pfx, pl);
	}
	sbx_path_normalize(out);
	return true;
}

static bool exists(const char *path, bool follow)
{
	struct stat st;
	/* Never trigger an automount: a path the server names must not make
	 * the gateway wait on a network file system. */
	return fstatat(AT_FDCWD, path, &st, AT_NO_AUTOMOUNT | (follow ? 0 : AT_SYMLINK_NOFOLLOW)) == 0 ||
	       errno != ENOENT;
}

/* ---- decoding -------------------------------------------------------- */

struct decoded {
	struct sbx_effect e[8];
	size_t n;
	bool unreadable;
};

static struct sbx_effect *next(struct decoded *d, enum sbx_effect_kind kind, pid_t pid,
			       const char *call)
{
	if (d->n == sizeof(d->e) / sizeof(d->e[0]))
		return NULL;
	struct sbx_effect *e = &d->e[d->n];
	/* Not memset: the path buffers are large and written before use. */
	e->kind = kind;
	e->pid = pid;
	e->call = call;
	e->path[0] = e->addr[0] = '\0';
	e->access = 0;
	e->missing = false;
	e->op = SBX_NET_CONNECT;
	e->family = 0;
	e->port = 0;
	return e;
}

static void file_effect(struct decoded *d, pid_t pid, const char *call, int dirfd,
			uint64_t addr, unsigned access, bool follow)
{
	char rel[PATH_MAX];
	struct sbx_effect *e = next(d, SBX_EFFECT_FILE, pid, call);
	if (!e)
		return;
	if (!read_string(pid, addr, rel, sizeof(rel)) ||
	    !resolve(pid, dirfd, rel, e->path, sizeof(e->path))) {
		d->unreadable = true;
		return;
	}
	e->access = access;
	bool there = exists(e->path, follow);
	if (access & SBX_ACC_CREATE) {
		if (there)
			e->access &= ~SBX_ACC_CREATE;
	} else if (!there) {
		e->missing = true;
	}
	if (!e->access)
		e->access = SBX_ACC_READ; /* an existing file opened O_CREAT read-only */
	d->n++;
}

static unsigned open_access(uint64_t flags)
{
	if (flags & O_PATH)
		return 0; /* no data access */
	unsigned a = 0;
	switch (flags & O_ACCMODE) {
	case O_RDONLY: a = SBX_ACC_READ; break;
	case O_WRONLY: a = SBX_ACC_WRITE; break;
	default: a = SBX_ACC_READ | SBX_ACC_WRITE; break;
	}
	if (flags & O_CREAT)
		a |= SBX_ACC_CREATE;
	if ((flags & O_TRUNC) && (a & SBX_ACC_WRITE))
		a |= SBX_ACC_TRUNCATE;
	return a;
}

static void exec_effect(struct decoded *d, pid_t pid, const char *call, int dirfd,
			uint64_t addr, bool empty_path)
{
	char rel[PATH_MAX];
	struct sbx_effect *e = next(d, SBX_EFFECT_EXEC, pid, call);
	if (!e)
		return;
	if (empty_path)
		rel[0] = '\0';
	else if (!read_string(pid, addr, rel, sizeof(rel))) {
		d->unreadable = true;
		return;
	}
	if (!resolve(pid, dirfd, rel, e->path, sizeof(e->path))) {
		d->unreadable = true;
		return;
	}
	d->n++;
}

static void sock_effect(struct decoded *d, pid_t pid, const char *call, enum sbx_net_op op,
			uint64_t addr, uint64_t len)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (len > sizeof(ss))
		len = sizeof(ss);
	if (len < sizeof(sa_family_t) || !read_mem(pid, addr, &ss, (size_t)len)) {
		d->unreadable = true;
		return;
	}
	int fam = ss.ss_family;
	if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX)
		return; /* netlink and the like: no endpoint to speak of */
	struct sbx_effect *e = next(d, SBX_EFFECT_NET, pid, call);
	if (!e)
		return;
	e->op = op;
	e->family = fam;
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, e->addr, sizeof(e->addr));
		e->port = ntohs(in->sin_port);
	} else if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, e->addr, sizeof(e->addr));
		e->port = ntohs(in6->sin6_port);
	} else if (fam == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)&ss;
		size_t plen = (size_t)len - offsetof(struct sockaddr_un, sun_path);
		if (plen > sizeof(un->sun_path))
			plen = sizeof(un->sun_path);
		if (plen > 0 && un->sun_path[0] == '\0') {
			/* Abstract: a name, not a path; shown with '@'. */
			size_t k = 0;
			e->addr[k++] = '@';
			for (size_t i = 1; i < plen && k < sizeof(e->addr) - 1; i++)
				e->addr[k++] = (un->sun_path[i] >= 0x20 && un->sun_path[i] < 0x7f)
						       ? un->sun_path[i]
						       : '?';
			e->addr[k] = '\0';
		} else if (plen > 0) {
			char rel[sizeof(un->sun_path) + 1], abs[PATH_MAX];
			memcpy(rel, un->sun_path, plen);
			rel[plen] = '\0';
			if (!resolve(pid, AT_FDCWD, rel, abs, sizeof(abs)))
				snprintf(abs, sizeof(abs), "%s", rel);
			size_t al = strnlen(abs, sizeof(e->addr) - 1);
			memcpy(e->addr, abs, al); /* a unix path fits in 108 bytes */
			e->addr[al] = '\0';
		}
	} else {
		d->unreadable = true;
		return;
	}
	d->n++;
}

/* The layout of struct msghdr that matters: name pointer, then its length. */
struct msghdr_head {
	uint64_t name;
	uint32_t namelen;
};

static void msg_effect(struct decoded *d, pid_t pid, const char *call, uint64_t msg)
{
	struct msghdr_head h;
	if (!read_mem(pid, msg, &h, sizeof(h))) {
		d->unreadable = true;
		return;
	}
	if (h.name && h.namelen)
		sock_effect(d, pid, call, SBX_NET_SEND, h.name, h.namelen);
}

static void decode(struct decoded *d, const struct seccomp_notif *q)
{
	const __u64 *a = q->data.args;
	pid_t pid = (pid_t)q->pid;
	long nr = q->data.nr;
	if (q->data.arch != AUDIT_ARCH_X86_64) {
		d->unreadable = true;
		return;
	}
	switch (nr) {
	case SYS_execve: exec_effect(d, pid, "execve", AT_FDCWD, a[0], false); break;
	case SYS_execveat:
		exec_effect(d, pid, "execveat", (int)a[0], a[1], (a[4] & AT_EMPTY_PATH) != 0);
		break;
	case SYS_open: {
		unsigned acc = open_access(a[1]);
		if (acc)
			file_effect(d, pid, "open", AT_FDCWD, a[0], acc, true);
		break;
	}
	case SYS_openat: {
		unsigned acc = open_access(a[2]);
		if (acc)
			file_effect(d, pid, "openat", (int)a[0], a[1], acc, true);
		break;
	}
	case SYS_openat2: {
		uint64_t flags;
		if (!read_mem(pid, a[2], &flags, sizeof(flags))) {
			d->unreadable = true;
			break;
		}
		unsigned acc = open_access(flags);
		if (acc)
			file_effect(d, pid, "openat2", (int)a[0], a[1], acc, true);
		break;
	}
	case SYS_creat:
		file_effect(d, pid, "creat", AT_FDCWD, a[0],
			    SBX_ACC_WRITE | SBX_ACC_CREATE | SBX_ACC_TRUNCATE, true);
		break;
	case SYS_truncate:
		file_effect(d, pid, "truncate", AT_FDCWD, a[0], SBX_ACC_TRUNCATE, true);
		break;
	case SYS_mkdir: file_effect(d, pid, "mkdir", AT_FDCWD, a[0], SBX_ACC_MKDIR, false); break;
	case SYS_mkdirat:
		file_effect(d, pid, "mkdirat", (int)a[0], a[1], SBX_ACC_MKDIR, false);
		break;
	case SYS_unlink:
		file_effect(d, pid, "unlink", AT_FDCWD, a[0], SBX_ACC_REMOVE, false);
		break;
	case SYS_rmdir: file_effect(d, pid, "rmdir", AT_FDCWD, a[0], SBX_ACC_REMOVE, false); break;
	case SYS_unlinkat:
		file_effect(d, pid, "unlinkat", (int)a[0], a[1], SBX_ACC_REMOVE, false);
		break;
	case SYS_rename:
		file_effect(d, pid, "rename", AT_FDCWD, a[0], SBX_ACC_RENAME, false);
		file_effect(d, pid, "rename", AT_FDCWD, a[1], SBX_ACC_RENAME, false);
		break;
	case SYS_renameat:
	case SYS_renameat2: {
		const char *c = nr == SYS_renameat ? "renameat" : "renameat2";
		file_effect(d, pid, c, (int)a[0], a[1], SBX_ACC_RENAME, false);
		file_effect(d, pid, c, (int)a[2], a[3], SBX_ACC_RENAME, false);
		break;
	}
	case SYS_link: file_effect(d, pid, "link", AT_FDCWD, a[1], SBX_ACC_LINK, false); break;
	case SYS_linkat: file_effect(d, pid, "linkat", (int)a[2], a[3], SBX_ACC_LINK, false); break;
	case SYS_symlink:
		file_effect(d, pid, "symlink", AT_FDCWD, a[1], SBX_ACC_SYMLINK, false);
		break;
	case SYS_symlinkat:
		file_effect(d, pid, "symlinkat", (int)a[1], a[2], SBX_ACC_SYMLINK, false);
		break;
	case SYS_connect: sock_effect(d, pid, "connect", SBX_NET_CONNECT, a[1], a[2]); break;
	case SYS_bind: sock_effect(d, pid, "bind", SBX_NET_BIND, a[1], a[2]); break;
	case SYS_sendto: sock_effect(d, pid, "sendto", SBX_NET_SEND, a[4], a[5]); break;
	case SYS_sendmsg: msg_effect(d, pid, "sendmsg", a[1]); break;
	case SYS_sendmmsg: {
		/* struct mmsghdr: a msghdr (56 bytes) and a length, 64 in all. */
		uint64_t vlen = a[2] < 8 ? a[2] : 8;
		for (uint64_t i = 0; i < vlen; i++)
			msg_effect(d, pid, "sendmmsg", a[1] + i * 64);
		break;
	}
	default: break;
	}
}

int sbx_notify_handle(struct sbx_notifier *nt)
{
	struct seccomp_notif *q = nt->req;
	memset(q, 0, nt->req_size);
	if (ioctl(nt->fd, SECCOMP_IOCTL_NOTIF_RECV, q) != 0) {
		if (errno == ENOENT || errno == EINTR)
			return 0; /* the caller died (or a signal): nothing to answer */
		return -errno;
	}
	nt->n.notifications++;
	/* Static: one notification at a time, and this frame stays small. */
	static struct decoded d;
	d.n = 0;
	d.unreadable = false;
	decode(&d, q);
	/* What was read belongs to this call only if the caller is still
	 * the one that made it. */
	int rc;
	do
		rc = ioctl(nt->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &q->id);
	while (rc != 0 && errno == EINTR);
	bool valid = rc == 0;

	/* The kernel takes its lock interruptibly: a signal may make the
	 * answer fail with EINTR, and a received notification left unanswered
	 * would stop the caller for good.  Try again. */
	struct seccomp_notif_resp *r = nt->resp;
	memset(r, 0, nt->resp_size);
	r->id = q->id;
	r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	do
		rc = ioctl(nt->fd, SECCOMP_IOCTL_NOTIF_SEND, r);
	while (rc != 0 && errno == EINTR);
	if (rc != 0 && errno != ENOENT)
		return -errno;
	if (!valid) {
		nt->n.gone++;
		return 1;
	}
	if (d.unreadable)
		nt->n.unreadable++;
	for (size_t i = 0; i < d.n; i++) {
		nt->n.effects++;
		if (nt->cb)
			nt->cb(nt->ctx, &d.e[i]);
	}
	return 1;
}
