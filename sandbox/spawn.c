/* sandbox/spawn.c - start the server process. */
#include "sandbox/spawn.h"

#include "landlock_uapi.h"
#include "sandbox/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

const char *sbx_stage_name(enum sbx_stage stage)
{
	switch (stage) {
	case SBX_STAGE_NAMESPACE: return "PID namespace";
	case SBX_STAGE_SETSID: return "setsid";
	case SBX_STAGE_PDEATHSIG: return "parent-death signal";
	case SBX_STAGE_SIGNALS: return "signal reset";
	case SBX_STAGE_STDIO: return "stdio setup";
	case SBX_STAGE_FDS: return "closing descriptors";
	case SBX_STAGE_RLIMITS: return "resource limits";
	case SBX_STAGE_CHDIR: return "changing directory";
	case SBX_STAGE_CAPS: return "dropping capabilities";
	case SBX_STAGE_NO_NEW_PRIVS: return "no_new_privs";
	case SBX_STAGE_LANDLOCK: return "Landlock";
	case SBX_STAGE_SECCOMP: return "seccomp";
	case SBX_STAGE_OBSERVE: return "observation";
	case SBX_STAGE_EXEC: return "exec";
	default: return "spawn";
	}
}

int sbx_status_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int sbx_exec_exit_code(int err)
{
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

static int check_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (access(path, X_OK) != 0 || !S_ISREG(st.st_mode))
		return -EACCES;
	return 0;
}

int sbx_resolve_command(const char *cmd, const char *path_env, char *out, size_t size)
{
	if (!cmd || !*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(out, size, "%s", cmd) >= size)
			return -ENAMETOOLONG;
		int rc = check_file(out);
		return rc == -ENOTDIR ? -ENOENT : rc;
	}
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	int result = -ENOENT;
	char denied[4096] = "";
	const char *p = path_env;
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		int n = dlen ? snprintf(out, size, "%.*s/%s", (int)dlen, p, cmd)
			     : snprintf(out, size, "%s", cmd); /* empty entry: cwd */
		if (n > 0 && (size_t)n < size) {
			int rc = check_file(out);
			if (rc == 0)
				return 0;
			if (rc == -EACCES && result == -ENOENT) {
				result = -EACCES; /* remember, keep looking */
				snprintf(denied, sizeof(denied), "%s", out);
			}
		}
		if (!*end)
			break;
		p = end + 1;
	}
	if (result == -EACCES)
		snprintf(out, size, "%s", denied);
	return result;
}

/* ---- child side: async-signal-safe only ------------------------------ */

struct child_report {
	int stage;
	int err;
};

/* Not a failure: the listener's descriptor number is in |err|. */
#define REPORT_LISTENER (-1)

static void __attribute__((noreturn)) child_fail(int fd, enum sbx_stage stage)
{
	struct child_report r = {stage, errno};
	ssize_t n;
	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/* Drop every capability for good: the securebits first (they need
 * CAP_SETPCAP), so that exec of a setuid-root or file-capability binary
 * gives nothing back; then the bounding set, the ambient set, and last the
 * effective, permitted and inheritable sets. */
static int drop_capabilities(void)
{
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) != 0)
		return -1;
	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			if (errno == EINVAL)
				break; /* past the last capability this kernel knows */
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return -1;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

bool sbx_has_capabilities(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0)
		return true; /* cannot tell: drop */
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return true;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SYS_ADMIN, 0, 0) == 1)
		return true;
	/* uid 0 regains the bounding set on exec unless it is dropped. */
	return getuid() == 0 || geteuid() == 0;
}

/* The signals whose action is not the default (bit sig - 1): caught or
 * ignored, from the SigCgt and SigIgn lines of /proc/self/status, read
 * once before the fork so that the child resets only those (one system
 * call each).  Every signal when it cannot be read. */
static uint64_t nondefault_signals(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ~(uint64_t)0;
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return ~(uint64_t)0;
	buf[n] = '\0';
	uint64_t mask = 0;
	int found = 0;
	static const char *const keys[] = {"\nSigIgn:", "\nSigCgt:"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *p = strstr(buf, keys[k]);
		char *end;
		if (!p)
			continue;
		errno = 0;
		unsigned long long v = strtoull(p + strlen(keys[k]), &end, 16);
		if (errno == 0 && *end == '\n') {
			mask |= v;
			found++;
		}
	}
	return found == 2 ? mask : ~(uint64_t)0;
}

/* The signals of |mask| (bit sig - 1) back to their default action (the
 * gateway's handlers and ignored signals are inherited by a fork). */
static void default_dispositions(uint64_t mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG && sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && (mask >> (sig - 1) & 1))
			(void)sigaction(sig, &sa, NULL);
}

/* |reset|: the signals to set back to their default action (see
 * nondefault_signals). */
static void __attribute__((noreturn)) child_run(const struct sbx_spawn_opts *o, int errfd,
						 pid_t parent, int maxfd, bool in_userns,
						 uint64_t reset)
{
	if (setsid() < 0)
		child_fail(errfd, SBX_STAGE_SETSID);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		child_fail(errfd, SBX_STAGE_PDEATHSIG);
	/* The parent may have died before the prctl took effect. */
	if (getppid() != parent)
		_exit(127);

	/* Dispositions set to SIG_IGN (the gateway ignores SIGPIPE) survive
	 * exec; a server expects the defaults. */
	default_dispositions(reset);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		child_fail(errfd, SBX_STAGE_SIGNALS);

	for (int i = 0; i < 3; i++)
		if (dup2(o->stdio[i], i) < 0)
			child_fail(errfd, SBX_STAGE_STDIO);

	/* Every descriptor above 2 closes on exec, the error pipe included,
	 * which keeps it usable until the exec succeeds. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
		for (int fd = 3; fd < maxfd; fd++)
			if (fd != errfd)
				(void)close(fd);
	}

	for (size_t i = 0; i < o->nrlimits; i++) {
		struct rlimit rl = {o->rlimits[i].value, o->rlimits[i].value};
		if (setrlimit(o->rlimits[i].resource, &rl) != 0)
			child_fail(errfd, SBX_STAGE_RLIMITS);
	}
	if (o->cwd && chdir(o->cwd) != 0)
		child_fail(errfd, SBX_STAGE_CHDIR);
	/* In a user namespace of its own the process holds every capability
	 * there: they go too. */
	if ((o->drop_caps || in_userns) && drop_capabilities() != 0)
		child_fail(errfd, SBX_STAGE_CAPS);
	if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(errfd, SBX_STAGE_NO_NEW_PRIVS);
	if (o->landlock_fd > 0 &&
	    syscall(__NR_landlock_restrict_self, o->landlock_fd, o->landlock_flags) != 0)
		child_fail(errfd, SBX_STAGE_LANDLOCK);
	if (o->seccomp && o->observe) {
		int lfd = sbx_seccomp_install_listener(o->seccomp);
		if (lfd < 0) {
			errno = -lfd;
			child_fail(errfd, SBX_STAGE_SECCOMP);
		}
		/* write() is not observed; execve is, and waits for the parent
		 * to have taken the listener. */
		struct child_report r = {REPORT_LISTENER, lfd};
		ssize_t n;
		do
			n = write(errfd, &r, sizeof(r));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(r))
			_exit(127);
	} else if (o->seccomp) {
		int rc = sbx_seccomp_install(o->seccomp);
		if (rc != 0) {
			errno = -rc;
			child_fail(errfd, SBX_STAGE_SECCOMP);
		}
	}

	execve(o->path, o->argv, o->envp);
	child_fail(errfd, SBX_STAGE_EXEC);
}

/* ---- the init of a PID namespace: async-signal-safe only --------------- */

static volatile pid_t init_command;

static void init_forward(int sig)
{
	int e = errno;
	pid_t c = init_command;
	/* Before the command's setsid its group does not exist yet. */
	if (c > 0 && kill(-c, sig) != 0)
		(void)kill(c, sig);
	errno = e;
}

static void init_wake(int sig)
{
	(void)sig;
}

struct cmd_args {
	const struct sbx_spawn_opts *o;
	int errfd, statusfd, maxfd;
	bool in_userns;
};

/* The command under the init.  Every signal is still blocked and every
 * action the default (the init installs its handlers once we have
 * exec'd): child_run has none to reset and unblocks them. */
static int cmd_start(void *arg)
{
	const struct cmd_args *a = arg;
	close(a->statusfd);
	child_run(a->o, a->errfd, 1, a->maxfd, a->in_userns, 0);
}

/* PID 1 of the new namespace: start the command, pass signals on, reap
 * everything, and leave with the command's status. */
static void __attribute__((noreturn)) init_run(const struct sbx_spawn_opts *o, int errfd,
						int syncfd, int statusfd, int maxfd, bool in_userns,
						uint64_t reset)
{
	/* Until the handlers are ours, signals wait. */
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		child_fail(errfd, SBX_STAGE_PDEATHSIG);
	/* The gateway writes one byte once it has seen us; end of file means
	 * it died before the prctl took effect. */
	char b;
	ssize_t n;
	do
		n = read(syncfd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);
	close(syncfd);
	if (setsid() < 0)
		child_fail(errfd, SBX_STAGE_SETSID);

	default_dispositions(reset);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	/* The command shares our memory until it execs, and we wait for that
	 * (CLONE_VM | CLONE_VFORK, as posix_spawn does): no copy of the page
	 * tables, the largest part of a fork.  It runs on a stack of its own
	 * and writes nothing we use afterwards; its descriptors, signal
	 * handlers and credentials are its own. */
	struct cmd_args ca = {o, errfd, statusfd, maxfd, in_userns};
	size_t stack_size = 256 * 1024;
	void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		child_fail(errfd, SBX_STAGE_NAMESPACE);
	pid_t c = clone(cmd_start, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &ca);
	if (c < 0)
		child_fail(errfd, SBX_STAGE_NAMESPACE);
	(void)munmap(stack, stack_size);
	init_command = c;
	/* Nothing of the gateway's stays open here: the pipes' ends would
	 * keep the gateway from seeing the command's end of file. */
	if (syscall(SYS_close_range, 0U, (unsigned)statusfd - 1, 0U) != 0 ||
	    syscall(SYS_close_range, (unsigned)statusfd + 1, ~0U, 0U) != 0) {
		for (int fd = 0; fd < maxfd; fd++)
			if (fd != statusfd)
				(void)close(fd);
	}
	sa.sa_handler = init_forward;
	sigfillset(&sa.sa_mask);
	static const int forward[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				      SIGWINCH, SIGCONT};
	for (size_t i = 0; i < sizeof(forward) / sizeof(forward[0]); i++)
		(void)sigaction(forward[i], &sa, NULL);
	sa.sa_handler = init_wake;
	(void)sigaction(SIGCHLD, &sa, NULL);

	int status = 0;
	for (;;) {
		int st;
		pid_t w;
		bool done = false;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w == c) {
				status = st;
				done = true;
			}
		}
		if (done || (w < 0 && errno == ECHILD))
			break;
		sigsuspend(&none);
	}
	ssize_t wr;
	do
		wr = write(statusfd, &status, sizeof(status));
	while (wr < 0 && errno == EINTR);
	/* Leaving ends every other process of the namespace. */
	_exit(sbx_status_exit_code(status));
}

int sbx_spawn_status(int fd, int *status)
{
	int v;
	ssize_t n;
	do
		n = read(fd, &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(v))
		return -1;
	*status = v;
	return 0;
}

/* Map our own uid and gid into the user namespace of |pid| (identity:
 * the server sees the ids it would see without it). */
static int write_maps(pid_t pid)
{
	char path[64], line[64];
	const struct {
		const char *file;
		unsigned id;
	} maps[] = {{"setgroups", 0}, {"gid_map", (unsigned)getegid()}, {"uid_map", (unsigned)geteuid()}};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, maps[i].file);
		int n = i == 0 ? snprintf(line, sizeof(line), "deny")
			       : snprintf(line, sizeof(line), "%u %u 1\n", maps[i].id, maps[i].id);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ssize_t w = write(fd, line, (size_t)n);
		int e = errno;
		close(fd);
		if (w != n)
			return w < 0 ? -e : -EIO;
	}
	return 0;
}

/* Start the init in a new PID namespace: with CAP_SYS_ADMIN directly,
 * otherwise inside a new user namespace of its own (unprivileged).
 * Returns its pid, or -errno. */
static pid_t spawn_init(const struct sbx_spawn_opts *o, int errfd, int errfd_read, int maxfd,
			uint64_t reset, int *status_out)
{
	int sp[2], st[2];
	if (pipe2(sp, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(st, O_CLOEXEC | O_NONBLOCK) != 0) {
		int e = errno;
		close(sp[0]);
		close(sp[1]);
		return -e;
	}
	bool userns = false;
	pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (child < 0 && errno == EPERM) {
		userns = true;
		child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	}
	if (child == 0) {
		close(sp[1]);
		close(st[0]);
		close(errfd_read);
		init_run(o, errfd, sp[0], st[1], maxfd, userns, reset);
	}
	int e = errno;
	close(sp[0]);
	close(st[1]);
	if (child > 0 && userns && (e = -write_maps(child)) != 0) {
		/* The init sees the end of file and leaves. */
		close(sp[1]);
		close(st[0]);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		return -e;
	}
	if (child < 0) {
		close(sp[1]);
		close(st[0]);
		return -e;
	}
	ssize_t n;
	do
		n = write(sp[1], "g", 1);
	while (n < 0 && errno == EINTR);
	close(sp[1]);
	*status_out = st[0];
	return child;
}

/* The process that holds the listener: |child| itself, or under a PID
 * namespace's init its only child, as the gateway numbers it. */
static pid_t command_pid(pid_t child, bool under_init)
{
	if (!under_init)
		return child;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)child, (int)child);
	FILE *f = fopen(path, "re");
	int pid = -1;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return pid;
}

/* Take descriptor |num| of process |pid| (the seccomp listener).  Returns
 * it (close-on-exec) or -errno. */
static int take_listener(pid_t pid, int num)
{
	if (pid <= 0)
		return -ESRCH;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return -errno;
	int fd = (int)syscall(SYS_pidfd_getfd, pfd, num, 0);
	int e = errno;
	close(pfd);
	return fd < 0 ? -e : fd;
}

/* Read the child's report from |fd|, serving the listener once it is
 * known.  Returns what read() returned for the last report. */
static ssize_t await_exec(const struct sbx_spawn_opts *o, int fd, pid_t child, bool under_init,
			  struct child_report *r, int *lfd)
{
	bool serving = false;
	for (;;) {
		if (serving) {
			struct pollfd p[2] = {{fd, POLLIN, 0}, {*lfd, POLLIN, 0}};
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (p[1].revents & POLLIN)
				o->serve(o->serve_ctx, *lfd);
			else if (p[1].revents)
				serving = false; /* nothing left to observe */
			if (!p[0].revents)
				continue;
		}
		ssize_t n;
		do
			n = read(fd, r, sizeof(*r));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(*r) || r->stage != REPORT_LISTENER)
			return n;
		if (*lfd >= 0 || !o->observe || !o->serve) {
			*r = (struct child_report){SBX_STAGE_OBSERVE, EPROTO};
			return n;
		}
		int got = take_listener(command_pid(child, under_init), r->err);
		if (got < 0) {
			*r = (struct child_report){SBX_STAGE_OBSERVE, -got};
			return n;
		}
		*lfd = got;
		serving = true;
	}
}

int sbx_spawn(const struct sbx_spawn_opts *o, pid_t *pid, struct sbx_spawn_error *err)
{
	int ep[2];
	memset(err, 0, sizeof(*err));
	for (int i = 0; i < 3; i++)
		if (o->stdio[i] <= 2)
			return -EINVAL;
	if (pipe2(ep, O_CLOEXEC) != 0)
		return -errno;
	long maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	pid_t parent = getpid();
	if (o->status_fd)
		*o->status_fd = -1;

	if (o->listener_fd)
		*o->listener_fd = -1;

	uint64_t reset = nondefault_signals();
	/* No handler of the gateway may run in a child before the child has
	 * reset it: every signal waits from before the fork until then. */
	sigset_t all, saved;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid_t child = -1;
	if (o->pid_namespace && o->status_fd) {
		child = spawn_init(o, ep[1], ep[0], (int)maxfd, reset, o->status_fd);
		if (child < 0) {
			/* Refused (no CAP_SYS_ADMIN, a container's limits): a
			 * plain child, and the caller says so. */
			err->no_namespace = -child;
			child = -1;
		}
	}
	if (child < 0)
		child = fork();
	if (child == 0)
		child_run(o, ep[1], parent, (int)maxfd, false, reset);
	int fork_errno = errno;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (child < 0) {
		close(ep[0]);
		close(ep[1]);
		return -fork_errno;
	}

	close(ep[1]);
	struct child_report r;
	int lfd = -1;
	ssize_t n = await_exec(o, ep[0], child, o->status_fd && *o->status_fd >= 0, &r, &lfd);
	close(ep[0]);
	if (n == 0) {
		*pid = child;
		if (o->listener_fd)
			*o->listener_fd = lfd;
		return 0;
	}
	/* The child failed before exec: collect it (one that reported the
	 * listener and then failed, or whose listener could not be taken,
	 * waits in an observed call or exec: kill it). */
	if (lfd >= 0)
		close(lfd);
	if (n == (ssize_t)sizeof(r) && r.stage == SBX_STAGE_OBSERVE)
		(void)kill(child, SIGKILL);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (o->status_fd && *o->status_fd >= 0) {
		close(*o->status_fd);
		*o->status_fd = -1;
	}
	err->stage = n == (ssize_t)sizeof(r) ? (enum sbx_stage)r.stage : SBX_STAGE_NONE;
	err->err = n == (ssize_t)sizeof(r) ? r.err : EIO;
	return -ECHILD;
}

void sbx_kill_descendants(pid_t group)
{
	if (group > 0)
		(void)kill(-group, SIGKILL);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	for (int round = 0; round < 4; round++) {
		FILE *f = fopen(path, "re");
		if (!f)
			return;
		int pid, found = 0;
		while (fscanf(f, "%d", &pid) == 1) {
			(void)kill(pid, SIGKILL);
			found++;
		}
		fclose(f);
		if (!found)
			return;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		usleep(2000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
