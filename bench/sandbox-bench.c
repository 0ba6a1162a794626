/* bench/sandbox-bench.c - what the sandbox adds to the server's spawn.
 *
 *   assay-sandbox-bench [N] [COMMAND...]     (default: 200 runs of /bin/true)
 *
 * Side by side, taking turns: fork+exec+wait of COMMAND bare, and the same
 * with the whole sandbox of the built-in policy prepared first (private
 * tmp, environment, Landlock ruleset, seccomp program) and applied in the
 * child (under the PID namespace's init), its tmp removed after.  Prints,
 * in microseconds, the median and p90 of the time until the exec succeeded
 * (what a server's start waits for), of the preparation alone, and of the
 * whole spawn to exit (which includes tearing the namespace down).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "policy_cmd.h"
#include "sandbox.h"

extern char **environ;

static double now_us(void)
{
	return (double)bench_now_ns() / 1e3;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return v[(int)(p * (n - 1))];
}

/* Fork and exec |argv| (in |sb| when given) and wait for it.  |*exec_us|
 * gets the time until sbx_spawn returned, that is until the exec
 * succeeded. */
static int run(const char *path, char **argv, struct gw_sandbox *sb, double *exec_us)
{
	double t0 = now_us();
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct sbx_spawn_opts so = {.path = path, .argv = argv, .envp = environ,
				    .stdio = {fds[0], fds[1], fds[2]}};
	if (sb)
		gw_sandbox_spawn_opts(sb, &so);
	struct sbx_spawn_error serr;
	pid_t pid;
	int rc = sbx_spawn(&so, &pid, &serr);
	*exec_us = now_us() - t0;
	if (sb)
		gw_sandbox_spawned(sb, &serr);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (rc != 0) {
		fprintf(stderr, "spawn failed: %s (%s)\n", strerror(rc == -ECHILD ? serr.err : -rc),
			sbx_stage_name(serr.stage));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the command failed (status %d)\n", status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	char *def[] = {(char *)"/bin/true", NULL};
	char **cmd = argc > 2 ? argv + 2 : def;
	if (n < 1)
		n = 1;
	char path[PATH_MAX];
	if (sbx_resolve_command(cmd[0], getenv("PATH"), path, sizeof(path)) != 0) {
		fprintf(stderr, "cannot find %s\n", cmd[0]);
		return 2;
	}
	struct gw_options opt;
	memset(&opt, 0, sizeof(opt));
	pol_tool_rules_init(&opt.tools);
	struct pol_policy policy;
	pol_policy_init(&policy);
	unsetenv("ASSAY_POLICY");
	if (gw_policy_resolve(&opt, &policy) != 0)
		return 2;
	char cwd[PATH_MAX], err[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	double *bare = calloc((size_t)n, sizeof(double)), *sbx = calloc((size_t)n, sizeof(double));
	double *prep = calloc((size_t)n, sizeof(double));
	double *bare_exec = calloc((size_t)n, sizeof(double)), *sbx_exec = calloc((size_t)n, sizeof(double));
	if (!bare || !sbx || !prep || !bare_exec || !sbx_exec)
		return 2;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (run(path, cmd, NULL, &bare_exec[i]) != 0)
			return 1;
		bare[i] = now_us() - t0;

		t0 = now_us();
		struct gw_sandbox sb;
		if (gw_sandbox_prepare(&sb, &policy.sandbox, &opt.sandbox, NULL, path, cwd, environ, err,
				       sizeof(err)) != 0) {
			fprintf(stderr, "sandbox: %s\n", err);
			return 1;
		}
		prep[i] = now_us() - t0;
		double e;
		if (run(path, cmd, &sb, &e) != 0)
			return 1;
		sbx_exec[i] = prep[i] + e;
		gw_sandbox_close(&sb);
		sbx[i] = now_us() - t0;
	}
	double b50 = pct(bare, n, 0.5), b90 = pct(bare, n, 0.9);
	double s50 = pct(sbx, n, 0.5), s90 = pct(sbx, n, 0.9);
	double p50 = pct(prep, n, 0.5), p90 = pct(prep, n, 0.9);
	double be50 = pct(bare_exec, n, 0.5), be90 = pct(bare_exec, n, 0.9);
	double se50 = pct(sbx_exec, n, 0.5), se90 = pct(sbx_exec, n, 0.9);
	printf("spawn %s, %d runs each, microseconds\n", path, n);
	printf("  bare, until exec succeeded:      p50 %8.0f  p90 %8.0f\n", be50, be90);
	printf("  sandboxed, until exec succeeded: p50 %8.0f  p90 %8.0f\n", se50, se90);
	printf("  added to the spawn (p50):        %8.0f\n", se50 - be50);
	printf("  of which preparation:            p50 %8.0f  p90 %8.0f\n", p50, p90);
	printf("  bare, spawn to exit:             p50 %8.0f  p90 %8.0f\n", b50, b90);
	printf("  sandboxed, spawn to exit:        p50 %8.0f  p90 %8.0f\n", s50, s90);
	printf("  added, spawn to exit (p50):      %8.0f\n", s50 - b50);
	pol_policy_close(&policy);
	gw_options_close(&opt);
	free(bare);
	free(sbx);
	free(prep);
	free(bare_exec);
	free(sbx_exec);
	return 0;
}
