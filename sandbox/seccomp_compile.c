/* sandbox/seccomp_compile.c - the filters, compiled with libseccomp (at build
 * time: sandbox/gen/seccomp_gen.c). */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Denied outright: the kernel's attack surface and the ways out of a
 * sandbox that no MCP server needs. */
const char *const sbx_seccomp_denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "keyctl", "add_key",
	"request_key", "bpf", "perf_event_open", "userfaultfd", "kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module", "mount", "umount2", "pivot_root",
	"move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"swapon", "swapoff", "reboot", "acct", "syslog", "setns", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "open_by_handle_at", "name_to_handle_at",
	"lookup_dcookie", "quotactl", "quotactl_fd", "vhangup", "iopl", "ioperm", "uselib",
	"chroot", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "nfsservctl",
	"_sysctl", "fanotify_init", "kcmp", NULL};

const char *const sbx_seccomp_observed[] = {
	"execve", "execveat", "open", "openat", "openat2", "creat", "truncate", "mkdir",
	"mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link",
	"linkat", "symlink", "symlinkat", "connect", "bind", "sendto", "sendmsg", "sendmmsg",
	NULL};

/* Masked compares see only the low 32 bits of an int argument, as the
 * kernel does (CVE-2019-10063: TIOCSTI with high bits set). */
#define A32(n, v) SCMP_CMP((n), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (v))

struct fb {
	scmp_filter_ctx ctx;
	char *err;
	size_t err_size;
	int rc;
};

static void rule(struct fb *f, uint32_t action, const char *name, unsigned n,
		 const struct scmp_arg_cmp *cmp)
{
	if (f->rc)
		return;
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return; /* not on this architecture (iopl on arm64): nothing to deny */
	int rc = seccomp_rule_add_array(f->ctx, action, nr, n, cmp);
	if (rc != 0) {
		snprintf(f->err, f->err_size, "cannot add the seccomp rule for %s: %s", name,
			 strerror(-rc));
		f->rc = -1;
	}
}

#define DENY SCMP_ACT_ERRNO(EPERM)

/* A filter that allows by default, kills a foreign architecture, has
 * attribute |attr| set to |value|, and denies sbx_seccomp_denied (clone3
 * with ENOSYS, so libc falls back to clone) but |keep| (NULL: none).
 * Returns 0 or -1. */
static int filter_new(struct fb *f, enum scmp_filter_attr attr, uint32_t value, const char *keep)
{
	f->ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!f->ctx) {
		snprintf(f->err, f->err_size, "cannot create a seccomp filter");
		return -1;
	}
	if (seccomp_attr_set(f->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(f->ctx, attr, value) != 0) {
		snprintf(f->err, f->err_size, "cannot set the seccomp filter's attributes");
		seccomp_release(f->ctx);
		f->ctx = NULL;
		return -1;
	}
	for (const char *const *n = sbx_seccomp_denied; *n; n++)
		if (!keep || strcmp(*n, keep) != 0)
			rule(f, DENY, *n, 0, NULL);
	rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	return 0;
}

/* Deny socket() for every value of argument |arg| in [lo, hi] (within
 * |bits|, the bits of the argument that hold it), with |extra| conditions
 * on the other arguments: the range is cut into aligned power-of-two blocks,
 * one masked comparison each, so a few rules cover what one rule per value
 * would (libseccomp's compile time grows with the rule count). */
static void deny_socket_range(struct fb *f, unsigned arg, uint32_t lo, uint32_t hi, uint32_t bits,
			      const struct scmp_arg_cmp *extra, unsigned nextra)
{
	while (lo <= hi) {
		uint32_t size = 1;
		while ((lo & (size * 2 - 1)) == 0 && lo + size * 2 - 1 <= hi && size * 2 <= bits)
			size *= 2;
		struct scmp_arg_cmp c[3];
		unsigned n = 0;
		for (unsigned i = 0; i < nextra; i++)
			c[n++] = extra[i];
		c[n++] = (struct scmp_arg_cmp)SCMP_CMP(arg, SCMP_CMP_MASKED_EQ,
						       bits & ~(scmp_datum_t)(size - 1), lo);
		rule(f, DENY, "socket", n, c);
		if (hi - lo < size)
			break;
		lo += size;
	}
}

static void socket_rules(struct fb *f, const struct sbx_seccomp_request *rq)
{
	const uint32_t all = 0xffffffffu;
	bool inet = rq->allow_inet || rq->allow_udp;
	/* Families: only unix, IPv4, IPv6 and netlink route exist for the
	 * server.  Anything above netlink is refused, high bits included. */
	struct scmp_arg_cmp above = SCMP_CMP(0, SCMP_CMP_GT, AF_NETLINK);
	rule(f, DENY, "socket", 1, &above);
	deny_socket_range(f, 0, 0, rq->allow_unix ? 0 : 1, all, NULL, 0);
	if (!inet)
		deny_socket_range(f, 0, AF_INET, AF_INET, all, NULL, 0);
	deny_socket_range(f, 0, AF_INET + 1, AF_INET6 - 1, all, NULL, 0);
	if (!inet)
		deny_socket_range(f, 0, AF_INET6, AF_INET6, all, NULL, 0);
	deny_socket_range(f, 0, AF_INET6 + 1, AF_NETLINK - 1, all, NULL, 0);
	/* Netlink: only NETLINK_ROUTE (interface lists; changing them needs
	 * capabilities the server does not have). */
	struct scmp_arg_cmp nl[2] = {A32(0, AF_NETLINK), SCMP_CMP(2, SCMP_CMP_NE, 0)};
	rule(f, DENY, "socket", 2, nl);
	if (!inet)
		goto listen;

	/* IPv4 and IPv6 in one comparison: 2 and 10 differ in bit 3 only. */
	struct scmp_arg_cmp fam = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, all & ~8u, AF_INET);
	/* Socket types other than the allowed ones (the low four bits; the
	 * others are SOCK_NONBLOCK and SOCK_CLOEXEC): raw, packet, seqpacket
	 * (SCTP), DCCP... */
	uint32_t first = rq->allow_inet ? SOCK_STREAM : SOCK_DGRAM;
	uint32_t last = rq->allow_udp ? SOCK_DGRAM : SOCK_STREAM;
	if (first > 0)
		deny_socket_range(f, 1, 0, first - 1, 0xf, &fam, 1);
	deny_socket_range(f, 1, last + 1, 0xf, 0xf, &fam, 1);
	/* Protocols: 0 or TCP for streams (no MPTCP, no SCTP), 0 or UDP for
	 * datagrams (no ICMP, no UDP-Lite); above them refused, high bits
	 * included. */
	const struct {
		bool on;
		int type, proto;
	} kinds[] = {{rq->allow_inet, SOCK_STREAM, IPPROTO_TCP}, {rq->allow_udp, SOCK_DGRAM, IPPROTO_UDP}};
	for (size_t i = 0; i < 2; i++) {
		if (!kinds[i].on)
			continue;
		struct scmp_arg_cmp c[3] = {
			fam, SCMP_CMP(1, SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)kinds[i].type),
			SCMP_CMP(2, SCMP_CMP_GT, (scmp_datum_t)kinds[i].proto)};
		rule(f, DENY, "socket", 3, c);
		deny_socket_range(f, 2, 1, (uint32_t)kinds[i].proto - 1, all, c, 2);
	}
listen:
	/* listen() without bind() takes an automatic port Landlock never sees. */
	if (!rq->allow_listen)
		rule(f, DENY, "listen", 0, NULL);
}

/* Export |f|'s program into |out| and release the context.  Returns 0, or
 * -1 with a message in f->err. */
static int export_bpf(struct fb *f, struct sbx_bpf *out)
{
	/* libseccomp 2.5 exports only to a descriptor. */
	int mfd = memfd_create("assay-seccomp", MFD_CLOEXEC);
	int rc = mfd < 0 ? -errno : seccomp_export_bpf(f->ctx, mfd);
	seccomp_release(f->ctx);
	f->ctx = NULL;
	off_t size = rc == 0 ? lseek(mfd, 0, SEEK_END) : -1;
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		snprintf(f->err, f->err_size, "cannot export the seccomp filter: %s",
			 rc ? strerror(-rc) : "bad size");
		if (mfd >= 0)
			close(mfd);
		return -1;
	}
	out->insns = malloc((size_t)size);
	if (!out->insns || pread(mfd, out->insns, (size_t)size, 0) != size) {
		snprintf(f->err, f->err_size, "cannot read the exported seccomp filter");
		free(out->insns);
		out->insns = NULL;
		close(mfd);
		return -1;
	}
	close(mfd);
	out->len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

int sbx_seccomp_build(const struct sbx_seccomp_request *rq, struct sbx_bpf *out, char *err,
		      size_t err_size)
{
	memset(out, 0, sizeof(*out));
	struct fb f = {.err = err, .err_size = err_size};
	/* no_new_privs is set by the child itself, before Landlock. */
	if (filter_new(&f, SCMP_FLTATR_CTL_NNP, 0, NULL) != 0)
		return -1;

	/* Namespaces: unshare, and clone with any namespace flag. */
	static const unsigned long ns_flags[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,
						 CLONE_NEWNET, CLONE_NEWUTS,  CLONE_NEWIPC,
						 CLONE_NEWCGROUP, CLONE_NEWTIME};
	/* unshare outright: its other uses (CLONE_FILES, CLONE_FS) are rare,
	 * and one rule compiles faster than eight. */
	rule(&f, DENY, "unshare", 0, NULL);
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		struct scmp_arg_cmp c = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		/* clone's low byte is the exit signal, which CLONE_NEWTIME
		 * overlaps: only unshare and clone3 can ask for it. */
		if (ns_flags[i] != CLONE_NEWTIME)
			rule(&f, DENY, "clone", 1, &c);
	}
	/* Terminal input injection, compared on the low 32 bits. */
	struct scmp_arg_cmp sti = A32(1, 0x5412 /* TIOCSTI */);
	struct scmp_arg_cmp linux_ = A32(1, 0x541C /* TIOCLINUX */);
	rule(&f, DENY, "ioctl", 1, &sti);
	rule(&f, DENY, "ioctl", 1, &linux_);
	/* personality: only the default Linux one.  The others turn off
	 * address randomisation or make data executable; libseccomp cannot
	 * tell the query (0xffffffff) apart with one comparison, so it fails
	 * too (no common runtime asks). */
	struct scmp_arg_cmp pers = SCMP_CMP(0, SCMP_CMP_NE, 0);
	rule(&f, DENY, "personality", 1, &pers);

	if (rq->net_restrict)
		socket_rules(&f, rq);
	if (rq->observe) {
		for (const char *const *n = sbx_seccomp_observed; *n; n++) {
			if (strcmp(*n, "sendto") == 0) {
				/* Only with a destination: a stream's sends are not
				 * worth a round trip each. */
				struct scmp_arg_cmp to = SCMP_CMP(4, SCMP_CMP_NE, 0);
				rule(&f, SCMP_ACT_NOTIFY, *n, 1, &to);
			} else {
				rule(&f, SCMP_ACT_NOTIFY, *n, 0, NULL);
			}
		}
	}
	if (f.rc) {
		seccomp_release(f.ctx);
		return -1;
	}

	return export_bpf(&f, out);
}

int sbx_seccomp_build_self(bool supervise, struct sbx_bpf *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	struct fb f = {.err = err, .err_size = err_size};
	/* Installed by sbx_seccomp_install_self, which asks for TSYNC and
	 * sets no_new_privs itself. */
	if (filter_new(&f, SCMP_FLTATR_CTL_NNP, 0, supervise ? "process_vm_readv" : NULL) != 0)
		return -1;

	static const char *const more[] = {"execve", "execveat", "fork", "vfork", "unshare",
					   "socket", "socketpair", NULL};
	for (const char *const *n = more; *n; n++)
		rule(&f, DENY, *n, 0, NULL);
	/* clone for a thread only (libuv's thread pool); clone3 falls back. */
	struct scmp_arg_cmp no_thread = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
	rule(&f, DENY, "clone", 1, &no_thread);
	struct scmp_arg_cmp sti = A32(1, 0x5412 /* TIOCSTI */);
	rule(&f, DENY, "ioctl", 1, &sti);
	if (f.rc) {
		seccomp_release(f.ctx);
		return -1;
	}
	return export_bpf(&f, out);
}

