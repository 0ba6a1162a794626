/* tests/sandbox/probe.c - one sandbox escape attempt per run.
 *
 *   assay-probe ATTACK [ARGS...]
 *
 * Standalone: libc and the Linux UAPI headers only, no project library, and
 * never built with sanitizers (their runtimes trip seccomp and Landlock).
 * The battery (battery.test.mjs) runs it as the command of
 * `assay-gateway sandbox -- assay-probe ATTACK ARGS`, and directly (no
 * sandbox) as the control that shows the attack works without the sandbox.
 *
 * Output: exactly one line of JSON on stdout,
 *   {"attack":NAME,"outcome":O,"errno":E,"detail":TEXT[,extra members]}
 * O is "blocked", "succeeded", "skipped" (the attack could not be tried:
 * bad arguments, a setup step failed, the environment cannot tell), or
 * "info" (helper modes); E is the errno's name ("EACCES") or null.
 * Exit status: 0 blocked (and info), 1 succeeded, 3 skipped / setup error.
 * The probe never prints a secret: not a variable's value, not a byte read
 * from a file (only counts).
 *
 * Paths: an argument starting with "$TMPDIR" or "$HOME" has that prefix
 * replaced by the variable's value *inside* the sandbox (the private tmp is
 * not known before the run).  PID arguments: "parent" (getppid(), the
 * gateway), "self", "child" (a child the probe forks, inside the sandbox:
 * a positive control), or a number.
 *
 * Attack             Arguments            Tries                                        Sandbox should answer
 * -----------------  -------------------  -------------------------------------------  ---------------------
 * read-file          PATH                 open(O_RDONLY) + read                        EACCES (Landlock)
 * read-dir           DIR                  opendir/readdir, then open+read each file    EACCES (Landlock)
 * write-file         PATH                 open(O_WRONLY|O_CREAT|O_APPEND) + write      EACCES (Landlock)
 * symlink-read       DIR TARGET           symlink DIR/x -> TARGET, read through it     EACCES (Landlock)
 * hardlink           DIR TARGET           link(TARGET, DIR/x), read through it         EXDEV (Landlock REFER)
 * rename             SRC DIR              rename(SRC, DIR/basename(SRC))               EACCES (Landlock)
 * truncate           PATH                 truncate(), open(O_WRONLY|O_TRUNC),          EACCES (Landlock ABI>=3)
 *                                         open(O_RDONLY|O_TRUNC)
 * mknod              DIR [block|char]     mknod a block (7:0) or char (1:3) device     EACCES (Landlock)
 * exec-writable      [DIR]                copy /bin/true into DIR ($TMPDIR), chmod     EACCES (Landlock)
 *                                         0755, execve it
 * exec-via-ldso      [DIR]                the same copy, run as `ld.so COPY` (mmap     not enforceable:
 *                                         PROT_EXEC, no execve of the copy)            Landlock EXECUTE
 *                                                                                      covers execve only
 * setuid-exec        PATH                 execve PATH (a setuid copy of this probe,    euid unchanged (NNP)
 *                                         mode `ids`) and compare euid
 * proc-environ       [PID]                open+read /proc/PID/environ (parent)         EACCES
 * proc-mem           [PID]                open /proc/PID/mem (parent)                  EACCES
 * ptrace             [PID]                ptrace(PTRACE_SEIZE) (parent)                EPERM (seccomp)
 * process-vm-readv   [PID]                process_vm_readv (self)                      EPERM (seccomp)
 * signal             [PID] [SIGNO]        kill(PID, SIGNO) (parent, SIGURG: ignored    EPERM (Landlock scope,
 *                                         by default; signal 0 is checked as well)     ABI>=6)
 * env                NAME...              getenv each NAME; succeeded if any is set    all absent
 *                                         (names only, never values)
 * no-new-privs       -                    prctl(PR_GET_NO_NEW_PRIVS); succeeded if 0   NoNewPrivs 1
 * capabilities       -                    capget + bounding + ambient sets; succeeded  all zero
 *                                         if any is non-zero
 * inherited-fd       [N...]               fcntl(N, F_GETFD) on each N (none: 3..4095)  EBADF
 * tcp-connect        PORT [HOST]          TCP connect (127.0.0.1; "::1" for IPv6)      EACCES (Landlock ABI>=4)
 * tcp-bind           PORT [HOST]          TCP bind (+ listen)                          EACCES / EPERM
 * tcp-listen         -                    listen() on an unbound TCP socket (autobind) EPERM / EACCES
 * udp-send           PORT [HOST]          UDP socket + sendto                          EPERM (seccomp)
 * mptcp-socket       -                    socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)  EPERM (seccomp)
 * socket             FAMILY TYPE [PROTO]  socket(); FAMILY inet|inet6|unix|packet|     (per case)
 *                                         netlink|NUMBER, TYPE stream|dgram|raw|
 *                                         seqpacket|NUMBER, "+cloexec" "+nonblock"
 * unix-connect       PATH                 AF_UNIX stream socket + connect to PATH      EPERM (seccomp)
 * abstract-unix      NAME                 AF_UNIX stream socket + connect to "\0NAME"  EPERM (seccomp/scope)
 *                                         (exact length, then padded like libuv)
 * socketpair         -                    socketpair(AF_UNIX) + one byte each way      SUCCEEDS (allowed)
 * io-uring           -                    io_uring_setup(1)                            EPERM (seccomp)
 * unshare            [user|mount|net|pid| unshare(CLONE_NEW*) (user)                   EPERM (seccomp)
 *                    ipc|uts|cgroup]
 * clone-newuser      -                    raw clone(CLONE_NEWUSER|SIGCHLD)             EPERM (seccomp)
 * clone3             -                    raw clone3 (plain fork)                      ENOSYS (seccomp)
 * keyctl             -                    keyctl(KEYCTL_GET_KEYRING_ID, session)       EPERM (seccomp)
 * add-key            -                    add_key("user", ..., process keyring)        EPERM (seccomp)
 * bpf                -                    bpf(BPF_MAP_CREATE, array)                   EPERM (seccomp)
 * perf-event-open    -                    perf_event_open(sw cpu-clock, self)          EPERM (seccomp)
 * userfaultfd        -                    userfaultfd(UFFD_USER_MODE_ONLY)             EPERM (seccomp)
 * mount              -                    mount tmpfs on a fresh dir (umount after)    EPERM (seccomp)
 * fsopen             -                    fsopen("tmpfs") (new mount API)              EPERM (seccomp)
 * personality        -                    personality(cur | ADDR_NO_RANDOMIZE)         (not specified)
 * tiocsti            -                    setsid + TIOCSCTTY on fd 0, then             EPERM (seccomp)
 *                                         ioctl(0, TIOCSTI, "x"); needs a pty on fd 0
 * tiocsti-high       -                    the same with 0x100000000|TIOCSTI as the     EPERM (32-bit masked
 *                                         request (raw syscall)                        compare)
 * tioclinux          -                    ioctl(0, TIOCLINUX, 6)                       EPERM (seccomp)
 * compat-keyctl      -                    i386 keyctl through int $0x80 (x86_64)       EPERM or SIGSYS
 * x32-keyctl         -                    x32 keyctl (nr | 0x40000000) (x86_64)        EPERM or SIGSYS
 *
 * Helpers (outcome "info", exit 0):
 * landlock-abi       -                    landlock_create_ruleset(NULL, 0, VERSION): "abi":N (0: none)
 * sleep-print-tmpdir -                    writes $TMPDIR/assay-marker, prints "tmpdir", "tmp",
 *                                         "temp" (the variables) and "marker", then waits for EOF
 *                                         on stdin
 * ids                -                    prints "ruid","euid","rgid","egid" (run by setuid-exec)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <link.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#define PROBE_LANDLOCK_CREATE_RULESET_VERSION 1U
#define PROBE_KEYCTL_GET_KEYRING_ID 0
#define PROBE_KEY_SPEC_PROCESS_KEYRING (-2)
#define PROBE_KEY_SPEC_SESSION_KEYRING (-3)
#define PROBE_UFFD_USER_MODE_ONLY 1
#define PROBE_FSOPEN_CLOEXEC 1U
#define PROBE_I386_KEYCTL 288
#define PROBE_X86_64_KEYCTL 250
#define PROBE_X32_SYSCALL_BIT 0x40000000L

/* ------------------------------------------------------------------ */
/* Output */

enum outcome { BLOCKED, SUCCEEDED, SKIPPED, INFO };

static const char *g_attack = "?";
static char g_extra[2048]; /* extra members, each starting with ',' */

static const struct {
	int num;
	const char *name;
} errno_names[] = {
	{EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"},
	{EIO, "EIO"}, {ENXIO, "ENXIO"}, {E2BIG, "E2BIG"}, {ENOEXEC, "ENOEXEC"},
	{EBADF, "EBADF"}, {ECHILD, "ECHILD"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"},
	{EACCES, "EACCES"}, {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"},
	{EXDEV, "EXDEV"}, {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
	{EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"},
	{ETXTBSY, "ETXTBSY"}, {EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
	{EROFS, "EROFS"}, {EMLINK, "EMLINK"}, {EPIPE, "EPIPE"}, {ERANGE, "ERANGE"},
	{ENAMETOOLONG, "ENAMETOOLONG"}, {ENOSYS, "ENOSYS"}, {ENOTEMPTY, "ENOTEMPTY"},
	{ELOOP, "ELOOP"}, {ENOKEY, "ENOKEY"}, {EOPNOTSUPP, "EOPNOTSUPP"},
	{EAFNOSUPPORT, "EAFNOSUPPORT"}, {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	{ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"}, {EPROTOTYPE, "EPROTOTYPE"},
	{EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	{ENETUNREACH, "ENETUNREACH"}, {ECONNREFUSED, "ECONNREFUSED"},
	{ETIMEDOUT, "ETIMEDOUT"}, {EHOSTUNREACH, "EHOSTUNREACH"},
	{EINPROGRESS, "EINPROGRESS"}, {EALREADY, "EALREADY"}, {EISCONN, "EISCONN"},
	{ENOTCONN, "ENOTCONN"}, {ENOTSOCK, "ENOTSOCK"}, {EDESTADDRREQ, "EDESTADDRREQ"},
	{EMSGSIZE, "EMSGSIZE"}, {ENOPROTOOPT, "ENOPROTOOPT"}, {ECONNRESET, "ECONNRESET"},
	{ECONNABORTED, "ECONNABORTED"}, {ENOBUFS, "ENOBUFS"}, {EDQUOT, "EDQUOT"},
	{EKEYREVOKED, "EKEYREVOKED"}, {EKEYEXPIRED, "EKEYEXPIRED"},
	{EOVERFLOW, "EOVERFLOW"}, {ENOMSG, "ENOMSG"}, {ENOTBLK, "ENOTBLK"},
};

static const char *errno_name(int e)
{
	static char buf[24];
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].num == e)
			return errno_names[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Append |s| to |out| (|size| bytes, NUL-terminated) as a JSON string. */
static void json_str(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);
	if (n + 1 >= size)
		return;
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < size; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	if (n + 1 < size)
		out[n++] = '"';
	out[n] = '\0';
}

static void extra_str(const char *key, const char *val)
{
	size_t n = strlen(g_extra);
	snprintf(g_extra + n, sizeof(g_extra) - n, ",\"%s\":", key);
	if (val)
		json_str(g_extra, sizeof(g_extra), val);
	else {
		n = strlen(g_extra);
		snprintf(g_extra + n, sizeof(g_extra) - n, "null");
	}
}

static void extra_int(const char *key, long long val)
{
	size_t n = strlen(g_extra);
	snprintf(g_extra + n, sizeof(g_extra) - n, ",\"%s\":%lld", key, val);
}

static void extra_bool(const char *key, int val)
{
	size_t n = strlen(g_extra);
	snprintf(g_extra + n, sizeof(g_extra) - n, ",\"%s\":%s", key, val ? "true" : "false");
}

static const int outcome_codes[] = {0, 1, 3, 0};

/* Print the result line (and keep running). */
__attribute__((format(printf, 3, 0))) static void emit(enum outcome o, int err, const char *fmt,
							va_list ap)
{
	static const char *names[] = {"blocked", "succeeded", "skipped", "info"};
	char detail[1024];
	char line[4096] = "";

	vsnprintf(detail, sizeof(detail), fmt, ap);

	snprintf(line, sizeof(line), "{\"attack\":");
	json_str(line, sizeof(line), g_attack);
	size_t n = strlen(line);
	snprintf(line + n, sizeof(line) - n, ",\"outcome\":\"%s\",\"errno\":", names[o]);
	n = strlen(line);
	if (err)
		snprintf(line + n, sizeof(line) - n, "\"%s\"", errno_name(err));
	else
		snprintf(line + n, sizeof(line) - n, "null");
	n = strlen(line);
	snprintf(line + n, sizeof(line) - n, ",\"detail\":");
	json_str(line, sizeof(line), detail);
	n = strlen(line);
	snprintf(line + n, sizeof(line) - n, "%s}\n", g_extra);
	fputs(line, stdout);
	fflush(stdout);
}

/* Print the result line and exit with the outcome's status. */
__attribute__((noreturn, format(printf, 3, 4))) static void report(enum outcome o, int err,
								   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(o, err, fmt, ap);
	va_end(ap);
	exit(outcome_codes[o]);
}

__attribute__((format(printf, 3, 4))) static void report_and_continue(enum outcome o, int err,
								       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(o, err, fmt, ap);
	va_end(ap);
}

#define SETUP_ERROR(...) report(SKIPPED, 0, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Helpers */

/* Expand a leading "$TMPDIR" or "$HOME" (the values inside the sandbox). */
static const char *arg_path(const char *a)
{
	static char bufs[4][PATH_MAX];
	static int next;
	const char *vars[] = {"TMPDIR", "HOME"};

	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(vars[i]);
		if (a[0] == '$' && strncmp(a + 1, vars[i], len) == 0 &&
		    (a[len + 1] == '\0' || a[len + 1] == '/')) {
			const char *v = getenv(vars[i]);
			if (!v)
				SETUP_ERROR("$%s is not set", vars[i]);
			char *b = bufs[next++ % 4];
			snprintf(b, PATH_MAX, "%s%s", v, a + len + 1);
			return b;
		}
	}
	return a;
}

static long parse_long(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		SETUP_ERROR("%s: not a number: %s", what, s);
	return v;
}

/* A child that waits (blocked in read) until the probe exits. */
static pid_t spawn_idle_child(void)
{
	int p[2];
	if (pipe(p) < 0)
		SETUP_ERROR("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		SETUP_ERROR("fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		close(p[1]);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]); /* p[1] stays open until the probe exits */
	return pid;
}

/* "parent", "self", "child" or a number; |def| when |arg| is NULL. */
static pid_t target_pid(const char *arg, const char *def)
{
	const char *a = arg ? arg : def;
	pid_t pid;

	if (strcmp(a, "parent") == 0)
		pid = getppid();
	else if (strcmp(a, "self") == 0)
		pid = getpid();
	else if (strcmp(a, "child") == 0)
		pid = spawn_idle_child();
	else
		pid = (pid_t)parse_long(a, "pid");
	extra_str("target", a);
	extra_int("pid", pid);
	return pid;
}

/* Read at most |max| bytes from |fd| (counted, never shown). */
static ssize_t read_count(int fd, size_t max)
{
	char buf[4096];
	ssize_t total = 0;
	while ((size_t)total < max) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		total += r;
	}
	return total;
}

/* Run |fn| in a forked child; returns its wait status. */
static int in_child(void (*fn)(int wfd), long *result, int *got)
{
	int p[2];
	if (pipe(p) < 0)
		SETUP_ERROR("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		SETUP_ERROR("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	*got = read(p[0], result, sizeof(*result)) == (ssize_t)sizeof(*result);
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			SETUP_ERROR("waitpid: %s", strerror(errno));
	return st;
}

/* ------------------------------------------------------------------ */
/* Filesystem */

static void atk_read_file(int argc, char **argv)
{
	(void)argc;
	const char *path = arg_path(argv[0]);
	extra_str("path", path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		report(BLOCKED, errno, "open(O_RDONLY) refused");
	ssize_t n = read_count(fd, 1 << 20);
	int e = errno;
	close(fd);
	if (n < 0)
		report(BLOCKED, e, "opened, but read() refused");
	report(SUCCEEDED, 0, "read %zd bytes", n);
}

static void atk_read_dir(int argc, char **argv)
{
	(void)argc;
	const char *path = arg_path(argv[0]);
	extra_str("path", path);
	DIR *d = opendir(path);
	if (!d)
		report(BLOCKED, errno, "opendir refused");
	int entries = 0, files = 0, readable = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		entries++;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			files++;
			if (read_count(fd, 1 << 16) >= 0)
				readable++;
		}
		close(fd);
	}
	int e = errno;
	closedir(d);
	extra_int("entries", entries);
	extra_int("readable_files", readable);
	if (e && entries == 0)
		report(BLOCKED, e, "opendir worked, readdir refused");
	report(SUCCEEDED, 0, "listed %d entries; %d of %d regular files readable", entries,
	       readable, files);
}

static void atk_write_file(int argc, char **argv)
{
	(void)argc;
	const char *path = arg_path(argv[0]);
	extra_str("path", path);
	struct stat st;
	int existed = stat(path, &st) == 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		report(BLOCKED, errno, "open(O_WRONLY|O_CREAT) refused");
	static const char msg[] = "assay-probe was here\n";
	ssize_t w = write(fd, msg, sizeof(msg) - 1);
	int e = errno;
	close(fd);
	if (w < 0)
		report(BLOCKED, e, "opened, but write() refused");
	report(SUCCEEDED, 0, "wrote %zd bytes to %s file", w, existed ? "an existing" : "a new");
}

static void atk_symlink_read(int argc, char **argv)
{
	(void)argc;
	const char *dir = arg_path(argv[0]);
	const char *target = arg_path(argv[1]);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/assay-probe-symlink-%d", dir, (int)getpid());
	extra_str("link", link);
	if (symlink(target, link) < 0)
		report(BLOCKED, errno, "symlink() refused");
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	int e = errno;
	ssize_t n = -1;
	if (fd >= 0) {
		n = read_count(fd, 1 << 20);
		e = errno;
		close(fd);
	}
	unlink(link);
	if (fd < 0)
		report(BLOCKED, e, "symlink created; open through it refused");
	if (n < 0)
		report(BLOCKED, e, "symlink created and opened; read refused");
	report(SUCCEEDED, 0, "read %zd bytes through the symlink", n);
}

static void atk_hardlink(int argc, char **argv)
{
	(void)argc;
	const char *dir = arg_path(argv[0]);
	const char *target = arg_path(argv[1]);
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/assay-probe-hardlink-%d", dir, (int)getpid());
	extra_str("link", link);
	if (linkat(AT_FDCWD, target, AT_FDCWD, link, 0) < 0)
		report(BLOCKED, errno, "link() refused");
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	int e = errno;
	ssize_t n = -1;
	if (fd >= 0) {
		n = read_count(fd, 1 << 20);
		close(fd);
	}
	unlink(link);
	if (fd < 0)
		report(SUCCEEDED, 0, "hard link created (open through it refused: %s)",
		       errno_name(e));
	report(SUCCEEDED, 0, "hard link created; read %zd bytes through it", n);
}

static void atk_rename(int argc, char **argv)
{
	(void)argc;
	const char *src = arg_path(argv[0]);
	const char *dir = arg_path(argv[1]);
	const char *base = strrchr(src, '/');
	base = base ? base + 1 : src;
	char dst[PATH_MAX];
	snprintf(dst, sizeof(dst), "%s/%s", dir, base);
	extra_str("from", src);
	extra_str("to", dst);
	if (rename(src, dst) < 0)
		report(BLOCKED, errno, "rename() refused");
	report(SUCCEEDED, 0, "moved the file into the writable directory");
}

static void atk_truncate(int argc, char **argv)
{
	(void)argc;
	const char *path = arg_path(argv[0]);
	struct stat st;
	long long before = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	int e_trunc = 0, e_wr = 0, e_rd = 0;
	int fd;

	extra_str("path", path);
	if (truncate(path, 0) < 0)
		e_trunc = errno;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		e_wr = errno;
	else
		close(fd);
	/* Linux truncates on O_RDONLY|O_TRUNC too: only Landlock's TRUNCATE
	 * right (ABI 3) stops it for a readable file. */
	fd = open(path, O_RDONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		e_rd = errno;
	else
		close(fd);
	long long after = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	extra_str("truncate", e_trunc ? errno_name(e_trunc) : "ok");
	extra_str("open_wronly_trunc", e_wr ? errno_name(e_wr) : "ok");
	extra_str("open_rdonly_trunc", e_rd ? errno_name(e_rd) : "ok");
	extra_int("size_before", before);
	extra_int("size_after", after);
	if (!e_trunc || !e_wr || !e_rd)
		report(SUCCEEDED, 0, "truncate()=%s open(O_WRONLY|O_TRUNC)=%s open(O_RDONLY|O_TRUNC)=%s",
		       e_trunc ? errno_name(e_trunc) : "ok", e_wr ? errno_name(e_wr) : "ok",
		       e_rd ? errno_name(e_rd) : "ok");
	report(BLOCKED, e_trunc, "all three refused (truncate()=%s, O_WRONLY|O_TRUNC=%s, O_RDONLY|O_TRUNC=%s)",
	       errno_name(e_trunc), errno_name(e_wr), errno_name(e_rd));
}

static void atk_mknod(int argc, char **argv)
{
	const char *dir = arg_path(argv[0]);
	int chr = argc > 1 && strcmp(argv[1], "char") == 0;
	if (argc > 1 && !chr && strcmp(argv[1], "block") != 0)
		SETUP_ERROR("mknod: kind must be block or char, not %s", argv[1]);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/assay-probe-%s-%d", dir, chr ? "chr" : "blk", (int)getpid());
	extra_str("path", path);
	mode_t mode = (chr ? S_IFCHR : S_IFBLK) | 0600;
	dev_t dev = chr ? makedev(1, 3) : makedev(7, 0);
	if (mknod(path, mode, dev) < 0)
		report(BLOCKED, errno, "mknod(%s) refused", chr ? "S_IFCHR 1:3" : "S_IFBLK 7:0");
	unlink(path);
	report(SUCCEEDED, 0, "created a %s device node (removed again)", chr ? "character" : "block");
}

/* Copy /bin/true into |dir| (mode 0755); the path goes to |path|. */
static void copy_true(const char *dir, char *path, size_t size)
{
	snprintf(path, size, "%s/assay-probe-exec-XXXXXX", dir);
	int out = mkstemp(path);
	if (out < 0)
		SETUP_ERROR("cannot create a file in %s: %s", dir, strerror(errno));
	extra_str("path", path);
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		in = open("/usr/bin/true", O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		int e = errno;
		unlink(path);
		SETUP_ERROR("cannot read /bin/true: %s", strerror(e));
	}
	char buf[65536];
	ssize_t r;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r) {
			int e = errno;
			unlink(path);
			SETUP_ERROR("cannot copy /bin/true: %s", strerror(e));
		}
	close(in);
	if (fchmod(out, 0755) < 0 || close(out) < 0) {
		int e = errno;
		unlink(path);
		SETUP_ERROR("cannot chmod the copy: %s", strerror(e));
	}
}

/* Fork and execve |file| with |av| and an empty environment.  Returns the
 * execve errno (0 when it ran); the wait status goes to |*status|. */
static int run_file(const char *file, char *const av[], int *status)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		SETUP_ERROR("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		SETUP_ERROR("fork: %s", strerror(errno));
	if (pid == 0) {
		char *const ev[] = {NULL};
		execve(file, av, ev);
		int e = errno;
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t got = read(p[0], &e, sizeof(e));
	close(p[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return got == (ssize_t)sizeof(e) ? e : 0;
}

static const char *exec_dir(int argc, char **argv)
{
	const char *dir = argc > 0 ? arg_path(argv[0]) : getenv("TMPDIR");
	if (!dir)
		SETUP_ERROR("no directory given and $TMPDIR is not set");
	return dir;
}

static void atk_exec_writable(int argc, char **argv)
{
	char path[PATH_MAX];
	copy_true(exec_dir(argc, argv), path, sizeof(path));
	char *const av[] = {path, NULL};
	int st;
	int e = run_file(path, av, &st);
	unlink(path);
	if (e)
		report(BLOCKED, e, "execve() of the copy refused");
	report(SUCCEEDED, 0, "executed a copy of /bin/true (exit status %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The dynamic loader of this very program (its PT_INTERP), or NULL. */
static const char *own_interpreter(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	size_t n = getauxval(AT_PHNUM);
	uintptr_t base = 0;
	if (!ph)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			base = (uintptr_t)ph - ph[i].p_vaddr;
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_INTERP)
			return (const char *)(base + ph[i].p_vaddr);
	return NULL;
}

static void atk_exec_via_ldso(int argc, char **argv)
{
	const char *ldso = own_interpreter();
	if (!ldso)
		SETUP_ERROR("this probe has no dynamic loader (static build)");
	char path[PATH_MAX];
	copy_true(exec_dir(argc, argv), path, sizeof(path));
	extra_str("loader", ldso);
	char *const av[] = {(char *)ldso, path, NULL};
	int st;
	int e = run_file(ldso, av, &st);
	unlink(path);
	if (e)
		report(BLOCKED, e, "execve() of the loader refused");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		report(SUCCEEDED, 0, "the loader ran the copy of /bin/true (mmap PROT_EXEC allowed)");
	report(BLOCKED, 0, "the loader could not run the copy (wait status %#x)", (unsigned)st);
}

static void atk_setuid_exec(int argc, char **argv)
{
	(void)argc;
	char *path = (char *)arg_path(argv[0]);
	struct stat st;
	if (stat(path, &st) < 0)
		SETUP_ERROR("stat %s: %s", path, strerror(errno));
	if (!(st.st_mode & S_ISUID))
		SETUP_ERROR("%s is not setuid", path);
	extra_str("path", path);
	extra_int("file_owner", st.st_uid);
	extra_int("euid_before", geteuid());

	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		SETUP_ERROR("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		SETUP_ERROR("fork: %s", strerror(errno));
	if (pid == 0) {
		char ids[] = "ids";
		char *const av[] = {path, ids, NULL};
		dup2(out[1], STDOUT_FILENO);
		execv(path, av);
		int e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	int e = 0;
	ssize_t got = read(err[0], &e, sizeof(e));
	char buf[1024];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(out[0], buf + n, sizeof(buf) - 1 - n);
		if (r > 0 && (n += (size_t)r) < sizeof(buf) - 1)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	buf[n] = '\0';
	int status;
	waitpid(pid, &status, 0);
	if (got == (ssize_t)sizeof(e))
		report(SKIPPED, e, "execve of the setuid file failed: cannot tell");
	const char *p = strstr(buf, "\"euid\":");
	if (!p)
		SETUP_ERROR("the setuid program printed no euid");
	long euid = strtol(p + 7, NULL, 10);
	extra_int("euid_after", euid);
	if (euid != (long)geteuid())
		report(SUCCEEDED, 0, "the setuid bit was honoured: euid %ld -> %ld", (long)geteuid(),
		       euid);
	report(BLOCKED, 0, "the setuid bit was ignored: euid stayed %ld", euid);
}

/* ------------------------------------------------------------------ */
/* Processes */

static void proc_file(const char *arg, const char *file, int read_it)
{
	pid_t pid = target_pid(arg, "parent");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		report(BLOCKED, errno, "open(%s) refused", path);
	if (!read_it) {
		close(fd);
		report(SUCCEEDED, 0, "opened %s", path);
	}
	ssize_t n = read_count(fd, 1 << 20);
	int e = errno;
	close(fd);
	if (n < 0)
		report(BLOCKED, e, "opened %s, read refused", path);
	report(SUCCEEDED, 0, "read %zd bytes of %s", n, path);
}

static void atk_proc_environ(int argc, char **argv)
{
	proc_file(argc > 0 ? argv[0] : NULL, "environ", 1);
}

static void atk_proc_mem(int argc, char **argv)
{
	proc_file(argc > 0 ? argv[0] : NULL, "mem", 0);
}

static void atk_ptrace(int argc, char **argv)
{
	pid_t pid = target_pid(argc > 0 ? argv[0] : NULL, "parent");
	/* PTRACE_SEIZE does not stop the tracee; exiting detaches. */
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		report(BLOCKED, errno, "ptrace(PTRACE_SEIZE) refused");
	report(SUCCEEDED, 0, "attached to pid %d", (int)pid);
}

static volatile long vm_target = 0x5a5a5a5a;

static void atk_process_vm_readv(int argc, char **argv)
{
	pid_t pid = target_pid(argc > 0 ? argv[0] : NULL, "self");
	long local = 0;
	struct iovec l = {&local, sizeof(local)};
	struct iovec r = {(void *)&vm_target, sizeof(local)};
	ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);
	if (n < 0 && errno == EFAULT)
		report(SUCCEEDED, 0, "access granted (the address is not mapped there: EFAULT)");
	if (n < 0)
		report(BLOCKED, errno, "process_vm_readv refused");
	report(SUCCEEDED, 0, "read %zd bytes of pid %d", n, (int)pid);
}

static void atk_signal(int argc, char **argv)
{
	pid_t pid = target_pid(argc > 0 ? argv[0] : NULL, "parent");
	int sig = argc > 1 ? (int)parse_long(argv[1], "signal") : SIGURG;
	extra_int("signal", sig);
	if (kill(pid, sig) < 0)
		report(BLOCKED, errno, "kill(%d, %d) refused", (int)pid, sig);
	report(SUCCEEDED, 0, "kill(%d, %d) allowed", (int)pid, sig);
}

/* ------------------------------------------------------------------ */
/* Environment, privileges, descriptors */

static void atk_env(int argc, char **argv)
{
	char present[1024] = "";
	int n = 0;
	size_t len = strlen(g_extra);
	snprintf(g_extra + len, sizeof(g_extra) - len, ",\"present\":[");
	for (int i = 0; i < argc; i++) {
		if (!getenv(argv[i]))
			continue;
		/* The name only: never the value. */
		size_t pl = strlen(present);
		snprintf(present + pl, sizeof(present) - pl, "%s%s", n ? "," : "", argv[i]);
		if (n)
			strncat(g_extra, ",", sizeof(g_extra) - strlen(g_extra) - 1);
		json_str(g_extra, sizeof(g_extra), argv[i]);
		n++;
	}
	strncat(g_extra, "]", sizeof(g_extra) - strlen(g_extra) - 1);
	if (n)
		report(SUCCEEDED, 0, "present: %s", present);
	report(BLOCKED, 0, "all %d absent", argc);
}

/* "Name:\tvalue" from /proc/self/status, or NULL. */
static const char *status_field(const char *name, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return NULL;
	char line[256];
	size_t len = strlen(name);
	const char *res = NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			snprintf(out, size, "%s", v);
			out[strcspn(out, "\n")] = '\0';
			res = out;
			break;
		}
	}
	fclose(f);
	return res;
}

static void atk_no_new_privs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char buf[64];
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		SETUP_ERROR("prctl(PR_GET_NO_NEW_PRIVS): %s", strerror(errno));
	int sc = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	extra_int("no_new_privs", nnp);
	extra_int("seccomp", sc < 0 ? -errno : sc);
	extra_str("status_NoNewPrivs", status_field("NoNewPrivs", buf, sizeof(buf)));
	extra_str("status_Seccomp", status_field("Seccomp", buf, sizeof(buf)));
	if (nnp == 0)
		report(SUCCEEDED, 0, "NoNewPrivs is 0: setuid and file capabilities still work");
	report(BLOCKED, 0, "NoNewPrivs is 1");
}

static void atk_capabilities(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		SETUP_ERROR("capget: %s", strerror(errno));
	unsigned long long eff = data[0].effective | (unsigned long long)data[1].effective << 32;
	unsigned long long prm = data[0].permitted | (unsigned long long)data[1].permitted << 32;
	unsigned long long inh = data[0].inheritable | (unsigned long long)data[1].inheritable << 32;
	unsigned long long bnd = 0, amb = 0;
	for (int cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r)
			bnd |= 1ULL << cap;
		r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
		if (r > 0)
			amb |= 1ULL << cap;
	}
	char hex[5][20];
	unsigned long long v[5] = {eff, prm, inh, bnd, amb};
	const char *k[5] = {"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"};
	char nonzero[128] = "";
	for (int i = 0; i < 5; i++) {
		snprintf(hex[i], sizeof(hex[i]), "%016llx", v[i]);
		extra_str(k[i], hex[i]);
		if (v[i]) {
			size_t l = strlen(nonzero);
			snprintf(nonzero + l, sizeof(nonzero) - l, "%s%s", l ? "," : "", k[i]);
		}
	}
	if (nonzero[0])
		report(SUCCEEDED, 0, "non-zero capability sets: %s", nonzero);
	report(BLOCKED, 0, "every capability set is empty");
}

static void atk_inherited_fd(int argc, char **argv)
{
	char open_fds[512] = "";
	int n = 0;
	int lo = 3, hi = 4095;
	for (int i = argc > 0 ? 0 : -1; i < argc; i++) {
		if (i >= 0)
			lo = hi = (int)parse_long(argv[i], "fd");
		for (int fd = lo; fd <= hi; fd++) {
			if (fcntl(fd, F_GETFD) < 0)
				continue;
			char link[64], target[256];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			ssize_t l = readlink(link, target, sizeof(target) - 1);
			if (l < 0)
				snprintf(target, sizeof(target), "?");
			else
				target[l] = '\0';
			size_t pl = strlen(open_fds);
			snprintf(open_fds + pl, sizeof(open_fds) - pl, "%s%d=%s", n ? ", " : "", fd, target);
			n++;
		}
		if (i < 0)
			break;
	}
	extra_int("open", n);
	if (n)
		report(SUCCEEDED, 0, "open: %s", open_fds);
	if (argc > 0)
		report(BLOCKED, EBADF, "none of the %d descriptors is open", argc);
	report(BLOCKED, EBADF, "no descriptor above 2 is open");
}

/* ------------------------------------------------------------------ */
/* Network */

static socklen_t make_addr(struct sockaddr_storage *ss, const char *host, const char *port_s)
{
	long port = parse_long(port_s, "port");
	if (port < 0 || port > 65535)
		SETUP_ERROR("port out of range: %ld", port);
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	SETUP_ERROR("not a numeric address: %s", host);
}

static void atk_tcp_connect(int argc, char **argv)
{
	struct sockaddr_storage ss;
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	socklen_t len = make_addr(&ss, host, argv[0]);
	extra_str("host", host);
	extra_str("port", argv[0]);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		report(BLOCKED, errno, "socket(SOCK_STREAM) refused");
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		report(BLOCKED, errno, "connect() refused");
	report(SUCCEEDED, 0, "connected to %s port %s", host, argv[0]);
}

static void atk_tcp_bind(int argc, char **argv)
{
	struct sockaddr_storage ss;
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	socklen_t len = make_addr(&ss, host, argv[0]);
	extra_str("host", host);
	extra_str("port", argv[0]);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		report(BLOCKED, errno, "socket(SOCK_STREAM) refused");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		report(BLOCKED, errno, "bind() refused");
	int l = listen(fd, 1);
	extra_str("listen", l < 0 ? errno_name(errno) : "ok");
	report(SUCCEEDED, 0, "bound %s port %s (listen: %s)", host, argv[0],
	       l < 0 ? errno_name(errno) : "ok");
}

static void atk_tcp_listen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		report(BLOCKED, errno, "socket(SOCK_STREAM) refused");
	if (listen(fd, 1) < 0)
		report(BLOCKED, errno, "listen() on an unbound socket refused");
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int port = getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 ? ntohs(sin.sin_port) : -1;
	extra_int("port", port);
	report(SUCCEEDED, 0, "listening on the autobound port %d", port);
}

static void atk_udp_send(int argc, char **argv)
{
	struct sockaddr_storage ss;
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	socklen_t len = make_addr(&ss, host, argv[0]);
	extra_str("host", host);
	extra_str("port", argv[0]);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		report(BLOCKED, errno, "socket(SOCK_DGRAM) refused");
	static const char msg[] = "assay-probe-udp";
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&ss, len) < 0)
		report(BLOCKED, errno, "sendto() refused");
	report(SUCCEEDED, 0, "sent a datagram to %s port %s", host, argv[0]);
}

static int parse_family(const char *s)
{
	static const struct {
		const char *n;
		int v;
	} t[] = {{"inet", AF_INET}, {"inet6", AF_INET6}, {"unix", AF_UNIX},
		 {"packet", AF_PACKET}, {"netlink", AF_NETLINK}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].v;
	return (int)parse_long(s, "family");
}

static int parse_type(const char *s)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	int type = -1, flags = 0;
	for (char *save = NULL, *tok = strtok_r(buf, "+", &save); tok;
	     tok = strtok_r(NULL, "+", &save)) {
		if (strcmp(tok, "stream") == 0)
			type = SOCK_STREAM;
		else if (strcmp(tok, "dgram") == 0)
			type = SOCK_DGRAM;
		else if (strcmp(tok, "raw") == 0)
			type = SOCK_RAW;
		else if (strcmp(tok, "seqpacket") == 0)
			type = SOCK_SEQPACKET;
		else if (strcmp(tok, "cloexec") == 0)
			flags |= SOCK_CLOEXEC;
		else if (strcmp(tok, "nonblock") == 0)
			flags |= SOCK_NONBLOCK;
		else
			type = (int)parse_long(tok, "type");
	}
	if (type < 0)
		SETUP_ERROR("no socket type in %s", s);
	return type | flags;
}

static void atk_socket(int argc, char **argv)
{
	int fam = parse_family(argv[0]);
	int type = parse_type(argv[1]);
	int proto = argc > 2 ? (int)parse_long(argv[2], "protocol") : 0;
	extra_int("family", fam);
	extra_int("type", type);
	extra_int("protocol", proto);
	int fd = socket(fam, type, proto);
	if (fd < 0)
		report(BLOCKED, errno, "socket(%d, %#x, %d) refused", fam, type, proto);
	report(SUCCEEDED, 0, "socket(%d, %#x, %d) created", fam, type, proto);
}

static void atk_mptcp_socket(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (fd < 0)
		report(BLOCKED, errno, "socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) refused");
	report(SUCCEEDED, 0, "MPTCP socket created");
}

static int unix_try(const struct sockaddr_un *sun, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		report(BLOCKED, errno, "socket(AF_UNIX) refused");
	int r = connect(fd, (const struct sockaddr *)sun, len);
	int e = errno;
	close(fd);
	return r < 0 ? e : 0;
}

static void unix_connect(const char *name, int abstract)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	size_t nl = strlen(name);
	if (nl + 1 > sizeof(sun.sun_path))
		SETUP_ERROR("socket name too long");
	memcpy(sun.sun_path + abstract, name, nl);
	extra_str(abstract ? "name" : "path", name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)abstract + nl +
				    (abstract ? 0 : 1));
	int e = unix_try(&sun, len);
	/* An abstract name is its exact bytes; node (libuv) binds it padded
	 * with NULs to the whole sun_path, so try that form too. */
	if (e == ECONNREFUSED && abstract) {
		extra_str("form", "padded");
		e = unix_try(&sun, (socklen_t)sizeof(sun));
	} else if (abstract) {
		extra_str("form", "exact");
	}
	if (e)
		report(BLOCKED, e, "connect() refused");
	report(SUCCEEDED, 0, "connected to the %s socket", abstract ? "abstract" : "pathname");
}

static void atk_unix_connect(int argc, char **argv)
{
	(void)argc;
	unix_connect(arg_path(argv[0]), 0);
}

static void atk_abstract_unix(int argc, char **argv)
{
	(void)argc;
	unix_connect(argv[0], 1);
}

static void atk_socketpair(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		report(BLOCKED, errno, "socketpair(AF_UNIX) refused");
	char c = 'a', d = 0;
	if (write(sv[0], &c, 1) != 1 || read(sv[1], &d, 1) != 1 || d != 'a')
		report(BLOCKED, errno, "socketpair created, but no byte went through");
	if (write(sv[1], &c, 1) != 1 || read(sv[0], &d, 1) != 1 || d != 'a')
		report(BLOCKED, errno, "socketpair created, but no byte came back");
	report(SUCCEEDED, 0, "socketpair works both ways");
}

/* ------------------------------------------------------------------ */
/* System calls */

static void atk_io_uring(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof(params));
	long fd = syscall(__NR_io_uring_setup, 1, params);
	if (fd < 0)
		report(BLOCKED, errno, "io_uring_setup refused");
	report(SUCCEEDED, 0, "io_uring instance created");
}

static void atk_unshare(int argc, char **argv)
{
	static const struct {
		const char *n;
		int flag;
	} t[] = {{"user", CLONE_NEWUSER}, {"mount", CLONE_NEWNS}, {"net", CLONE_NEWNET},
		 {"pid", CLONE_NEWPID},	  {"ipc", CLONE_NEWIPC},  {"uts", CLONE_NEWUTS},
		 {"cgroup", CLONE_NEWCGROUP}};
	const char *kind = argc > 0 ? argv[0] : "user";
	int flag = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(kind, t[i].n) == 0)
			flag = t[i].flag;
	if (!flag)
		SETUP_ERROR("unknown namespace kind: %s", kind);
	extra_str("namespace", kind);
	if (unshare(flag) < 0)
		report(BLOCKED, errno, "unshare(CLONE_NEW%s) refused", kind);
	report(SUCCEEDED, 0, "entered a new %s namespace", kind);
}

static void wait_raw_child(long pid)
{
	if (pid == 0)
		syscall(SYS_exit, 0); /* the child: leave at once */
	int st;
	waitpid((pid_t)pid, &st, 0);
}

static void atk_clone_newuser(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0L, 0L, 0L, 0L);
	if (pid < 0)
		report(BLOCKED, errno, "clone(CLONE_NEWUSER) refused");
	wait_raw_child(pid);
	report(SUCCEEDED, 0, "a child started in a new user namespace");
}

static void atk_clone3(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	long pid = syscall(__NR_clone3, &args, sizeof(args));
	if (pid < 0)
		report(BLOCKED, errno, "clone3 refused");
	wait_raw_child(pid);
	report(SUCCEEDED, 0, "clone3 created a child");
}

static void atk_keyctl(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long id = syscall(SYS_keyctl, PROBE_KEYCTL_GET_KEYRING_ID, PROBE_KEY_SPEC_SESSION_KEYRING, 0);
	if (id < 0)
		report(BLOCKED, errno, "keyctl(KEYCTL_GET_KEYRING_ID) refused");
	report(SUCCEEDED, 0, "the session keyring is reachable");
}

static void atk_add_key(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long id = syscall(SYS_add_key, "user", "assay-probe", "x", 1, PROBE_KEY_SPEC_PROCESS_KEYRING);
	if (id < 0)
		report(BLOCKED, errno, "add_key refused");
	report(SUCCEEDED, 0, "added a key to the process keyring");
}

static void atk_bpf(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		report(BLOCKED, errno, "bpf(BPF_MAP_CREATE) refused");
	report(SUCCEEDED, 0, "created a BPF map");
}

static void atk_perf_event_open(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0UL);
	if (fd < 0)
		report(BLOCKED, errno, "perf_event_open refused");
	report(SUCCEEDED, 0, "opened a perf event");
}

static void atk_userfaultfd(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | PROBE_UFFD_USER_MODE_ONLY);
	if (fd < 0)
		report(BLOCKED, errno, "userfaultfd refused");
	report(SUCCEEDED, 0, "created a userfaultfd");
}

static void atk_mount(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/assay-probe-mnt-XXXXXX", tmp ? tmp : "/tmp");
	int made = mkdtemp(dir) != NULL;
	if (!made) /* the mount call is refused before the path is looked at */
		snprintf(dir, sizeof(dir), "/nonexistent-assay-probe-mnt");
	extra_str("target", dir);
	int r = mount("none", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k");
	int e = errno;
	if (r == 0)
		umount2(dir, MNT_DETACH);
	if (made)
		rmdir(dir);
	if (r < 0)
		report(BLOCKED, e, "mount(tmpfs) refused");
	report(SUCCEEDED, 0, "mounted a tmpfs (unmounted again)");
}

static void atk_fsopen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long fd = syscall(__NR_fsopen, "tmpfs", PROBE_FSOPEN_CLOEXEC);
	if (fd < 0)
		report(BLOCKED, errno, "fsopen(\"tmpfs\") refused");
	report(SUCCEEDED, 0, "got a filesystem context");
}

static void atk_personality(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int cur = personality(0xffffffff);
	if (cur < 0)
		report(BLOCKED, errno, "personality(query) refused");
	extra_int("before", cur);
	if (personality((unsigned long)cur | ADDR_NO_RANDOMIZE) < 0)
		report(BLOCKED, errno, "personality(ADDR_NO_RANDOMIZE) refused");
	int now = personality(0xffffffff);
	extra_int("after", now);
	if (now >= 0 && (now & ADDR_NO_RANDOMIZE))
		report(SUCCEEDED, 0, "ADDR_NO_RANDOMIZE set: the next exec runs without ASLR");
	report(BLOCKED, 0, "the call returned but the persona did not change");
}

/* The terminal ioctls work on fd 0.  TIOCSTI needs the terminal to be our
 * controlling tty (or CAP_SYS_ADMIN), so try to make it one first: else
 * the tty layer's own EPERM would look like the filter's. */
static void tty_ioctl(unsigned long req, const void *arg, const char *what)
{
	pid_t sid = setsid(); /* fails when already a session leader: fine */
	(void)sid;
	int sctty = ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	int sctty_err = sctty < 0 ? errno : 0;
	int is_tty = isatty(STDIN_FILENO);
	pid_t tsid = tcgetsid(STDIN_FILENO);
	int ctty = tsid >= 0 && tsid == getsid(0);
	extra_bool("stdin_is_tty", is_tty);
	extra_bool("ctty", ctty);
	extra_str("tiocsctty", sctty_err ? errno_name(sctty_err) : "ok");
	extra_str("request", what);
	long r = syscall(SYS_ioctl, STDIN_FILENO, req, arg);
	int e = errno;
	if (r == 0)
		report(SUCCEEDED, 0, "ioctl %s on fd 0 worked", what);
	if (e == ENOTTY && !is_tty)
		report(SKIPPED, e, "fd 0 is not a terminal: cannot tell");
	report(BLOCKED, e, "ioctl %s on fd 0 refused", what);
}

static void atk_tiocsti(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tty_ioctl(TIOCSTI, "x", "TIOCSTI");
}

static void atk_tiocsti_high(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* The kernel takes the request as an unsigned int: the high half is
	 * dropped and this is TIOCSTI, unless the filter compares all 64 bits. */
	tty_ioctl(0x100000000UL | TIOCSTI, "x", "0x100000000|TIOCSTI");
}

static void atk_tioclinux(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static char sub = 6; /* TIOCL_GETSHIFTSTATE: harmless */
	tty_ioctl(TIOCLINUX, &sub, "TIOCLINUX");
}

#if defined(__x86_64__)
static void compat_keyctl_child(int wfd)
{
	long ret;
	/* i386 keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"((long)PROBE_I386_KEYCTL), "b"((long)PROBE_KEYCTL_GET_KEYRING_ID),
			   "c"((long)PROBE_KEY_SPEC_SESSION_KEYRING), "d"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	if (write(wfd, &ret, sizeof(ret)) < 0)
		_exit(2);
}

static void x32_keyctl_child(int wfd)
{
	long ret = syscall(PROBE_X32_SYSCALL_BIT | PROBE_X86_64_KEYCTL, PROBE_KEYCTL_GET_KEYRING_ID,
			   PROBE_KEY_SPEC_SESSION_KEYRING, 0);
	if (ret < 0)
		ret = -errno;
	if (write(wfd, &ret, sizeof(ret)) < 0)
		_exit(2);
}

static void foreign_abi(void (*fn)(int), const char *abi)
{
	long ret = 0;
	int got = 0;
	int st = in_child(fn, &ret, &got);
	extra_str("abi", abi);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		report(BLOCKED, 0, "%s keyctl: the child was killed by SIGSYS", abi);
	if (WIFSIGNALED(st))
		report(SKIPPED, 0, "%s system calls are unavailable (signal %d)", abi, WTERMSIG(st));
	if (!got)
		SETUP_ERROR("%s keyctl: no answer from the child", abi);
	if (ret < 0 && ret > -4096)
		report(BLOCKED, (int)-ret, "%s keyctl refused", abi);
	report(SUCCEEDED, 0, "%s keyctl answered (the filter does not cover this ABI)", abi);
}
#endif

static void atk_compat_keyctl(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#if defined(__x86_64__)
	foreign_abi(compat_keyctl_child, "i386");
#else
	report(SKIPPED, 0, "x86_64 only");
#endif
}

static void atk_x32_keyctl(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#if defined(__x86_64__)
	foreign_abi(x32_keyctl_child, "x32");
#else
	report(SKIPPED, 0, "x86_64 only");
#endif
}

/* ------------------------------------------------------------------ */
/* Helpers */

static void helper_landlock_abi(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, PROBE_LANDLOCK_CREATE_RULESET_VERSION);
	int e = errno;
	extra_int("abi", abi < 0 ? 0 : abi);
	if (abi < 0)
		report(INFO, e, "Landlock is unavailable");
	report(INFO, 0, "Landlock ABI %ld", abi);
}

static void helper_sleep_print_tmpdir(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	char marker[PATH_MAX];
	int e = 0;
	extra_str("tmpdir", tmp);
	extra_str("tmp", getenv("TMP"));
	extra_str("temp", getenv("TEMP"));
	if (tmp) {
		snprintf(marker, sizeof(marker), "%s/assay-marker", tmp);
		int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, "private marker\n", 15) != 15)
			e = errno;
		if (fd >= 0)
			close(fd);
		extra_str("marker", e ? NULL : marker);
	}
	report_and_continue(INFO, e, "TMPDIR printed; waiting for EOF on stdin");
	char c;
	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
	exit(0);
}

static void helper_ids(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	extra_int("ruid", getuid());
	extra_int("euid", geteuid());
	extra_int("rgid", getgid());
	extra_int("egid", getegid());
	report(INFO, 0, "ids");
}

/* ------------------------------------------------------------------ */

typedef void attack_fn(int argc, char **argv);

static const struct attack {
	const char *name;
	int min_args;
	const char *usage;
	attack_fn *fn;
} attacks[] = {
	{"read-file", 1, "PATH", atk_read_file},
	{"read-dir", 1, "DIR", atk_read_dir},
	{"write-file", 1, "PATH", atk_write_file},
	{"symlink-read", 2, "DIR TARGET", atk_symlink_read},
	{"hardlink", 2, "DIR TARGET", atk_hardlink},
	{"rename", 2, "SRC DIR", atk_rename},
	{"truncate", 1, "PATH", atk_truncate},
	{"mknod", 1, "DIR [block|char]", atk_mknod},
	{"exec-writable", 0, "[DIR]", atk_exec_writable},
	{"exec-via-ldso", 0, "[DIR]", atk_exec_via_ldso},
	{"setuid-exec", 1, "PATH", atk_setuid_exec},
	{"proc-environ", 0, "[PID]", atk_proc_environ},
	{"proc-mem", 0, "[PID]", atk_proc_mem},
	{"ptrace", 0, "[PID]", atk_ptrace},
	{"process-vm-readv", 0, "[PID]", atk_process_vm_readv},
	{"signal", 0, "[PID] [SIGNO]", atk_signal},
	{"env", 1, "NAME...", atk_env},
	{"no-new-privs", 0, "", atk_no_new_privs},
	{"capabilities", 0, "", atk_capabilities},
	{"inherited-fd", 0, "[N...]", atk_inherited_fd},
	{"tcp-connect", 1, "PORT [HOST]", atk_tcp_connect},
	{"tcp-bind", 1, "PORT [HOST]", atk_tcp_bind},
	{"tcp-listen", 0, "", atk_tcp_listen},
	{"udp-send", 1, "PORT [HOST]", atk_udp_send},
	{"mptcp-socket", 0, "", atk_mptcp_socket},
	{"socket", 2, "FAMILY TYPE [PROTO]", atk_socket},
	{"unix-connect", 1, "PATH", atk_unix_connect},
	{"abstract-unix", 1, "NAME", atk_abstract_unix},
	{"socketpair", 0, "", atk_socketpair},
	{"io-uring", 0, "", atk_io_uring},
	{"unshare", 0, "[user|mount|net|pid|ipc|uts|cgroup]", atk_unshare},
	{"clone-newuser", 0, "", atk_clone_newuser},
	{"clone3", 0, "", atk_clone3},
	{"keyctl", 0, "", atk_keyctl},
	{"add-key", 0, "", atk_add_key},
	{"bpf", 0, "", atk_bpf},
	{"perf-event-open", 0, "", atk_perf_event_open},
	{"userfaultfd", 0, "", atk_userfaultfd},
	{"mount", 0, "", atk_mount},
	{"fsopen", 0, "", atk_fsopen},
	{"personality", 0, "", atk_personality},
	{"tiocsti", 0, "", atk_tiocsti},
	{"tiocsti-high", 0, "", atk_tiocsti_high},
	{"tioclinux", 0, "", atk_tioclinux},
	{"compat-keyctl", 0, "", atk_compat_keyctl},
	{"x32-keyctl", 0, "", atk_x32_keyctl},
	{"landlock-abi", 0, "", helper_landlock_abi},
	{"sleep-print-tmpdir", 0, "", helper_sleep_print_tmpdir},
	{"ids", 0, "", helper_ids},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		g_attack = "";
		SETUP_ERROR("usage: assay-probe ATTACK [ARGS...] (see the table in probe.c)");
	}
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		if (strcmp(argv[1], attacks[i].name) != 0)
			continue;
		g_attack = attacks[i].name;
		if (argc - 2 < attacks[i].min_args)
			SETUP_ERROR("usage: assay-probe %s %s", attacks[i].name, attacks[i].usage);
		attacks[i].fn(argc - 2, argv + 2);
		SETUP_ERROR("internal error: the attack returned without a result");
	}
	g_attack = argv[1];
	SETUP_ERROR("unknown attack");
}
