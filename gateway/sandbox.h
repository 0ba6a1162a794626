/* gateway/sandbox.h - the policy's sandbox section turned into the spawn
 * options for the server: environment, private tmp, Landlock ruleset,
 * seccomp program, resource limits, capabilities.
 *
 * Everything is prepared before the fork; what the kernel cannot enforce is
 * collected in a report, logged and audited, and with fail_closed stops the
 * run before the server starts.
 */
#ifndef GW_SANDBOX_H
#define GW_SANDBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policies/policy.h"
#include "sandbox/env.h"
#include "sandbox/landlock.h"
#include "sandbox/report.h"
#include "sandbox/seccomp.h"
#include "sandbox/spawn.h"
#include "sandbox/tmpdir.h"

/* Command-line settings that override or extend the policy's section. */
struct gw_sandbox_cli {
	bool fail_closed;      /* --fail-closed */
	bool require_landlock; /* --enforce */
	bool env_strict;       /* --env-strict */
	bool env_passthrough;  /* --env-passthrough */
	const char **env_allow; /* --env-allow GLOB (repeatable) */
	size_t n_env_allow;
	bool disabled; /* --no-sandbox */
	bool observe;  /* profile mode: observe the calls in sbx_seccomp_observed */
	/* --dry-run: the policy's filesystem and network rules are computed
	 * (and effects checked against them) but not enforced; credentials and
	 * the gateway's own files stay denied, everything else stays on. */
	bool learn;
};

/* The gateway's own files, which no write grant may cover. */
struct gw_sandbox_own {
	const char *policy; /* --policy FILE; NULL: built-in */
	const char *pins;   /* the pin store; NULL: none */
	const char *audit;  /* --audit FILE; NULL: none */
	const char *outputs[4]; /* --profile, its evidence and report, --bundle; NULL: none */
	const char *key;	/* --bundle-key: never readable by the server; NULL: none */
};

#define GW_SANDBOX_MAX_RULES 160
#define GW_SANDBOX_MAX_DENY 64

struct gw_sandbox {
	bool enabled;
	int abi; /* Landlock ABI, or -errno */
	struct sbx_tmpdir tmp;
	struct sbx_env env;
	int ruleset_fd;
	struct sbx_bpf bpf;	 /* the server's filter */
	struct sbx_bpf self_bpf; /* the gateway's own, loaded once the server runs */
	struct sbx_report report;
	struct sbx_rlimit rlimits[POL_LIMIT_COUNT + 1];
	size_t nrlimits;
	bool drop_caps;
	bool net_restricted;
	/* The filesystem rules, for the log and the audit record. */
	struct sbx_fs_rule rules[GW_SANDBOX_MAX_RULES];
	char *rule_paths[GW_SANDBOX_MAX_RULES]; /* owned */
	size_t nrules;
	char *deny[GW_SANDBOX_MAX_DENY]; /* owned */
	size_t ndeny;
	bool gateway_restricted; /* the gateway's own filter is loaded */
	int status_fd;		 /* the PID namespace's init reports the command's status here */
	bool pid_namespace;	 /* the command runs under our init in its own PID namespace */
	bool observe, learn;	 /* see struct gw_sandbox_cli */
	int listener_fd;	 /* the seccomp notification listener (observe), or -1 */
};

/* An empty sandbox (nothing open): gw_sandbox_close is safe on it. */
void gw_sandbox_init(struct gw_sandbox *sb);

/* Prepare the sandbox for running |exe| (the resolved command, which gets
 * read and execute rights on that one file; NULL: none) in |cwd| with the
 * gateway's environment |envp|.  Returns 0, or 2 with a message in |err|
 * (a rule that cannot be applied, a write grant covering one of |own| or
 * the gateway's state directory, or a degradation with fail_closed). */
int gw_sandbox_prepare(struct gw_sandbox *sb, const struct pol_sandbox *pol,
		       const struct gw_sandbox_cli *cli, const struct gw_sandbox_own *own,
		       const char *exe, const char *cwd, char *const *envp, char *err,
		       size_t err_size);

/* Remove the private directories of runs that died (sbx_tmpdir_sweep);
 * returns how many.  Off every path a client waits on: call it when the
 * command has ended. */
unsigned gw_sandbox_sweep(const struct gw_sandbox *sb);

/* Once the server runs, the gateway restricts itself (the filter of
 * sbx_seccomp_build_self, compiled with the project).  Not in
 * sanitizer builds: LeakSanitizer stops the threads with ptrace at exit.
 * Returns true when restricted; a failure is logged and leaves the
 * gateway as it was. */
bool gw_sandbox_restrict_gateway(struct gw_sandbox *sb);

/* Fill the sandbox part of |so| (envp included). */
void gw_sandbox_spawn_opts(struct gw_sandbox *sb, struct sbx_spawn_opts *so);

/* After sbx_spawn: record what it could not do (a refused PID namespace). */
void gw_sandbox_spawned(struct gw_sandbox *sb, const struct sbx_spawn_error *err);

/* Log what the sandbox does and does not enforce. */
void gw_sandbox_log(const struct gw_sandbox *sb);

/* The sandbox as an audit record field. */
json_t *gw_sandbox_json(const struct gw_sandbox *sb);

/* Does the tool error text |text| look like the sandbox refusing the
 * server: a permission error ("permission denied", EACCES, EPERM,
 * "operation not permitted") naming an absolute path the sandbox does not
 * let the server write (or, for |*what| "access", reach at all)?  Writes
 * the path to |path|.  An unprivileged process cannot read the kernel's
 * Landlock audit records, so this is a guess from the text, marked as
 * "probable" wherever it is reported. */
bool gw_sandbox_explains(const struct gw_sandbox *sb, const char *text, char *path,
			 size_t path_size, const char **what);

/* Does the built-in system list (sandbox.filesystem.system: true) grant
 * |rights| (SBX_FS_*) on absolute |path|, for a user whose home is |home|
 * (may be NULL)?  Lexical: |path| as written. */
bool gw_sandbox_builtin_grants(const char *path, unsigned rights, const char *home);

/* Is |path| (absolute) one of the credential paths that stay denied even
 * inside a granted directory (~/.ssh, /etc/shadow...)? */
bool gw_sandbox_credential(const char *path, const char *home);

/* Close the ruleset, free the program, remove the private tmp.  Safe to
 * call on a zeroed or partly prepared sandbox, and more than once. */
void gw_sandbox_close(struct gw_sandbox *sb);

#endif
