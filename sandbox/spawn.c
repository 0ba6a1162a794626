/* sandbox/spawn.c - start the server process. */
#include "sandbox/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
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
	case SBX_STAGE_SETSID: return "setsid";
	case SBX_STAGE_PDEATHSIG: return "parent-death signal";
	case SBX_STAGE_SIGNALS: return "signal reset";
	case SBX_STAGE_STDIO: return "stdio setup";
	case SBX_STAGE_FDS: return "closing descriptors";
	case SBX_STAGE_EXEC: return "exec";
	default: return "spawn";
	}
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

static void __attribute__((noreturn)) child_fail(int fd, enum sbx_stage stage)
{
	struct child_report r = {stage, errno};
	ssize_t n;
	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

static void __attribute__((noreturn)) child_run(const struct sbx_spawn_opts *o, int errfd,
						 pid_t parent, int maxfd)
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
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
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

	execve(o->path, o->argv, o->envp);
	child_fail(errfd, SBX_STAGE_EXEC);
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

	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(ep[0]);
		close(ep[1]);
		return -e;
	}
	if (child == 0)
		child_run(o, ep[1], parent, (int)maxfd);

	close(ep[1]);
	struct child_report r;
	ssize_t n;
	do
		n = read(ep[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == 0) {
		*pid = child;
		return 0;
	}
	/* The child failed before exec: collect it. */
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	err->stage = n == (ssize_t)sizeof(r) ? (enum sbx_stage)r.stage : SBX_STAGE_NONE;
	err->err = n == (ssize_t)sizeof(r) ? r.err : EIO;
	return -ECHILD;
}
