/* policies/policy.h - the policy: model, loader, effective-policy dump.
 *
 * A policy is a YAML file (docs/policy.md).  Loading is strict: an unknown
 * key, a wrong type or a bad value is an error naming file:line:column,
 * what was expected and, for a misspelt key, the likely intended one.  The
 * loader accepts only what the gateway enforces, so a policy can never
 * promise a protection that silently does not happen.
 *
 * Pure: parses a buffer; the caller reads files.
 */
#ifndef POLICIES_POLICY_H
#define POLICIES_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include <regex.h>

#include "policies/toolrules.h"

struct pol_vars;     /* policies/paths.h */
struct pol_path_ctx; /* policies/paths.h */

#define POL_VERSION 1

enum pol_mode {
	POL_MODE_ENFORCE = 0, /* denials are applied */
	POL_MODE_AUDIT = 1,   /* denials are logged as would_deny; everything is forwarded */
};

enum pol_secrets_action {
	POL_SECRETS_REDACT = 0, /* replace each credential with [REDACTED:<kind>] */
	POL_SECRETS_BLOCK,	/* withhold the whole result */
	POL_SECRETS_OFF,
};

enum pol_pins_on_change {
	POL_PINS_BLOCK = 0, /* hide a changed tool and deny calls until approved */
	POL_PINS_WARN,	    /* log the change, let it through */
	POL_PINS_OFF,	    /* no pinning */
};

enum pol_audit_args {
	POL_AUDIT_ARGS_HASH = 0, /* keyed HMAC-SHA256 of the canonical arguments */
	POL_AUDIT_ARGS_REDACTED, /* the shape, with every value replaced */
	POL_AUDIT_ARGS_FULL,	 /* the arguments as sent */
};

/* One condition on the values found at an argument path of a tool call
 * (tools.rules[].args).  Every value found must pass every matcher set. */
struct pol_arg_matcher {
	char *path;	   /* as written: "path", "edits[].path", "any" */
	char **segs;	   /* parsed path; a segment ending in "[]" is every element */
	size_t nsegs;
	bool any;	   /* "any": every string at any depth */
	char **under;	   /* expanded directories */
	size_t n_under;
	char **not_under;
	size_t n_not_under;
	regex_t *regex, *not_regex; /* POSIX ERE, unanchored */
	char *regex_src, *not_regex_src;
	long long max_length; /* bytes; -1: none */
	char **enum_values;
	size_t n_enum;
	bool secrets;  /* deny when the value contains a credential */
	bool required; /* deny when no value is found */
};

struct pol_arg_rule {
	char id[64];
	char *tool; /* glob */
	struct pol_arg_matcher *matchers;
	size_t n_matchers;
};

/* tools.rate_limits.per_minute entries: calls to each tool whose name
 * matches |glob|, at most |limit| a minute. */
struct pol_rate_limit {
	char *glob;
	unsigned limit;
	char id[64];
};

/* Requests a server sends to its client. */
enum pol_client_request {
	POL_CR_SAMPLING = 0, /* sampling/createMessage */
	POL_CR_ELICITATION,  /* elicitation/create, form mode */
	POL_CR_ELICITATION_URL, /* elicitation/create with mode "url" */
	POL_CR_ROOTS,	     /* roots/list */
	POL_CR_COUNT,
};

enum pol_env_mode {
	POL_ENV_SCRUB = 0,   /* remove secrets, code-injection and door-out variables */
	POL_ENV_STRICT,	     /* only a small safe base */
	POL_ENV_PASSTHROUGH, /* nothing removed */
};

enum pol_cwd_access { POL_CWD_READ = 0, POL_CWD_WRITE, POL_CWD_NONE };

enum pol_limit {
	POL_LIMIT_OPEN_FILES = 0,
	POL_LIMIT_FILE_SIZE,
	POL_LIMIT_PROCESSES,
	POL_LIMIT_ADDRESS_SPACE,
	POL_LIMIT_CPU_SECONDS,
	POL_LIMIT_COUNT,
};

#define POL_MAX_PORTS 64

/* The sandbox section: what the server process may do (sandbox/ enforces
 * it).  Filesystem lists add to the built-in system list; the network
 * section replaces the default (TCP connect to 443 and 53). */
struct pol_sandbox {
	bool enabled;		 /* sandbox.enabled (default true) */
	bool fail_closed;	 /* stop when a protection cannot be enforced */
	bool require_landlock;	 /* refuse to run without Landlock */
	enum pol_env_mode env_mode;
	char **env_allow; /* globs kept in any mode */
	size_t n_env_allow;
	bool fs_system; /* the built-in list of system directories (default true) */
	enum pol_cwd_access fs_cwd;
	char **fs_read, **fs_write, **fs_exec, **fs_deny; /* expanded absolute paths */
	size_t n_fs_read, n_fs_write, n_fs_exec, n_fs_deny;
	bool net_open; /* network: open -- no network restriction at all */
	uint16_t connect_tcp[POL_MAX_PORTS];
	size_t n_connect_tcp;
	uint16_t bind_tcp[POL_MAX_PORTS];
	size_t n_bind_tcp;
	bool udp;
	char **unix_sockets; /* pathname sockets the server may connect to */
	size_t n_unix_sockets;
	bool scope_abstract_unix, scope_signals; /* default true */
	long long limits[POL_LIMIT_COUNT];	 /* -1: the default */
};

struct pol_policy {
	char *source; /* file name, or "<built-in default>" */
	int version;
	enum pol_mode mode;
	bool deny_reply_error;	   /* deny_reply: error */
	struct pol_tool_rules tools; /* tools: default, allow, deny */
	struct pol_arg_rule *arg_rules; /* tools.rules */
	size_t n_arg_rules;
	struct pol_rate_limit *rate_limits; /* tools.rate_limits.per_minute */
	size_t n_rate_limits;
	unsigned session_total; /* tools.rate_limits.session_total; 0 = none */
	struct pol_tool_rules resources; /* resources/read by URI glob */
	struct pol_tool_rules prompts;	 /* prompts/get by name glob */
	enum pol_action client_requests[POL_CR_COUNT];
	size_t responses_max_bytes; /* responses.max_bytes; 0 = none */
	enum pol_secrets_action responses_secrets; /* responses.secrets */
	enum pol_pins_on_change pins_on_change;	   /* pins.on_change */
	char *pins_store;			   /* pins.store, expanded; NULL: default */
	bool pins_keep_descriptions;		   /* pins.sanitize: false */
	enum pol_audit_args audit_arguments;
	struct pol_sandbox sandbox;
};

/* An empty policy: everything allowed, enforce mode, result replies. */
void pol_policy_init(struct pol_policy *p);
void pol_policy_close(struct pol_policy *p);

/* Load |len| bytes of YAML into |p| (initialised here).  |source| names
 * the file in messages; |vars| expands ${CWD}, ${HOME}, ${TMPDIR} and
 * ${ENV:NAME} where values may hold them (NULL: any variable is an error).
 * Returns 0, or -1 with "SOURCE:LINE:COL: message" in |err|; |p| is then
 * empty. */
int pol_policy_load(struct pol_policy *p, const char *text, size_t len, const char *source,
		    const struct pol_vars *vars, char *err, size_t err_size);

/* Decide the argument rules for a call to |tool| with |args| (a JSON
 * object, or NULL).  |pc| resolves paths for under/not_under.  Returns 0
 * when every rule whose tool glob matches passes; otherwise 1 with |out|
 * naming the rule and |detail| saying which argument failed and why
 * (|out->reason| points at |detail|). */
int pol_args_decide(const struct pol_policy *p, const char *tool, size_t len, const json_t *args,
		    const struct pol_path_ctx *pc, struct pol_decision *out, char *detail,
		    size_t detail_size);

/* Resolve every directory of the argument rules through |pc| once, so
 * that a caching resolver can keep them (pol_resolve_cache_stick). */
void pol_args_prime(const struct pol_policy *p, const struct pol_path_ctx *pc);

/* Write the effective policy (defaults applied) as YAML that loads back to
 * the same policy. */
void pol_policy_dump(const struct pol_policy *p, FILE *out);

/* Names of the limits as written in the policy ("open_files"). */
const char *pol_limit_name(enum pol_limit l);

/* Name of a client request kind as written in the policy ("sampling"). */
const char *pol_client_request_name(enum pol_client_request r);

/* The policy compiled into the program (policies/default.yaml). */
extern const char pol_default_yaml[];
extern const size_t pol_default_yaml_len;

#endif
