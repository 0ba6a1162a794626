/* gateway/sandbox_cmd.c - `assay-gateway sandbox [OPTIONS] -- CMD [ARGS...]`:
 * the server's sandbox around any command, stdio passed straight through,
 * no MCP inspection. */
#include "sandbox_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "log.h"
#include "policy_cmd.h"
#include "sandbox.h"

extern char **environ;

static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

int gw_sandbox_command(int argc, char **argv)
{
	struct gw_options opt;
	int rc = gw_cli_parse(argc, argv, &opt, stdout, stderr);
	if (rc != GW_CLI_RUN) {
		gw_options_close(&opt);
		return rc == GW_CLI_DONE ? 0 : 2;
	}
	if (opt.tools.count || opt.deny_reply_set || opt.dry_run || opt.name) {
		fprintf(stderr, "assay-gateway: sandbox: the tool options (--allow-tool, "
				"--deny-tool, --deny-reply, --dry-run, --name) apply to MCP "
				"servers only (see 'assay-gateway --help')\n");
		gw_options_close(&opt);
		return 2;
	}
	gw_log_init(opt.verbosity);
	int code = 2;
	struct pol_policy policy;
	struct gw_sandbox sb;
	gw_sandbox_init(&sb);
	pol_policy_init(&policy);
	if (gw_policy_resolve(&opt, &policy) != 0)
		goto out;
	if (opt.audit_path && gw_audit_open(opt.audit_path) != 0) {
		gw_error("cannot open the audit log '%s'", opt.audit_path);
		goto out;
	}
	char cwd[PATH_MAX], err[4096], path[PATH_MAX];
	struct gw_sandbox_own own = {.policy = opt.policy_path ? opt.policy_path : getenv("ASSAY_POLICY"),
				     .audit = opt.audit_path};
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	rc = sbx_resolve_command(opt.cmd[0], getenv("PATH"), path, sizeof(path));
	if (rc != 0) {
		gw_error("cannot run '%s': %s", opt.cmd[0],
			 rc == -ENOENT ? "command not found" : strerror(-rc));
		code = rc == -ENOENT ? 127 : 126;
		goto out;
	}
	if (gw_sandbox_prepare(&sb, &policy.sandbox, &opt.sandbox, &own, path, cwd[0] ? cwd : NULL,
			       environ,
			       err, sizeof(err)) != 0) {
		gw_error("sandbox: %s", err);
		goto out;
	}
	gw_sandbox_log(&sb);
	/* The child's stdio must come from descriptors above 2. */
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0) {
		gw_error("cannot duplicate stdio: %s", strerror(errno));
		goto out;
	}
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct sbx_spawn_opts so = {.path = path, .argv = opt.cmd, .stdio = {fds[0], fds[1], fds[2]}};
	gw_sandbox_spawn_opts(&sb, &so);
	struct sbx_spawn_error serr;
	pid_t child;
	rc = sbx_spawn(&so, &child, &serr);
	gw_sandbox_spawned(&sb, &serr);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (rc != 0) {
		if (rc == -ECHILD && serr.stage == SBX_STAGE_EXEC) {
			code = sbx_exec_exit_code(serr.err);
			gw_error("cannot run '%s': %s", path, strerror(serr.err));
		} else {
			gw_error("cannot start '%s': %s%s%s", path,
				 rc == -ECHILD ? sbx_stage_name(serr.stage) : "",
				 rc == -ECHILD ? " failed: " : "",
				 strerror(rc == -ECHILD ? serr.err : -rc));
		}
		goto out;
	}
	gw_sandbox_restrict_gateway(&sb);
	gw_audit("sandbox_start", json_pack("{s:s,s:i,s:o}", "executable", path, "pid",
					    (int)child, "sandbox", gw_sandbox_json(&sb)));
	gw_audit_flush(); /* now, not when the command has ended */
	/* Wait, passing signals on to the command's process group; the
	 * gateway's own stdio stays untouched. */
	int status = 0, forwarded = 0;
	for (;;) {
		pid_t w = waitpid(child, &status, 0);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR) {
			status = 2 << 8;
			break;
		}
		if (pending_signal) {
			int sig = pending_signal;
			pending_signal = 0;
			(void)kill(-child, ++forwarded > 1 ? SIGKILL : sig);
		}
	}
	if (sb.status_fd >= 0)
		(void)sbx_spawn_status(sb.status_fd, &status);
	code = sbx_status_exit_code(status);
	gw_sandbox_sweep(&sb);
	/* Nothing the command started outlives it. */
	sbx_kill_descendants(child);
	gw_audit("sandbox_end", json_pack("{s:i}", "exit_code", code));
out:
	gw_audit_close();
	gw_sandbox_close(&sb);
	pol_policy_close(&policy);
	gw_options_close(&opt);
	return code;
}
