/* gateway/cli.h - command-line parsing. */
#ifndef GW_CLI_H
#define GW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policies/toolrules.h"
#include "sandbox.h"

enum gw_verbosity { GW_QUIET = 0, GW_NORMAL = 1, GW_VERBOSE = 2 };

struct gw_options {
	char **cmd;	/* server command and arguments (borrowed from argv) */
	int cmd_argc;
	struct pol_tool_rules tools;
	bool deny_reply_error; /* --deny-reply error */
	bool deny_reply_set;   /* --deny-reply was given */
	const char *policy_path; /* --policy FILE */
	bool dry_run;		 /* --dry-run */
	const char *name;	 /* --name: the server's identity for pinning */
	const char *audit_path;
	int verbosity;
	size_t max_message_bytes;
	size_t max_pending;
	uint64_t drain_timeout_ms;
	uint64_t grace_ms;
	struct gw_sandbox_cli sandbox; /* --fail-closed, --enforce, --env-*, --no-sandbox */
	/* Evidence (docs/evidence.md). */
	const char *profile_path;   /* --profile FILE: the suggested policy */
	char *profile_evidence;	    /* FILE without .yaml/.json + .evidence.yaml/.json */
	char *profile_report;	    /* --profile-report, default FILE.report.md */
	bool profile_json;	    /* --profile-format json */
	const char *bundle_path;    /* --bundle FILE */
	const char *bundle_key;	    /* --bundle-key PEM: sign the bundle */
};

enum gw_cli_result {
	GW_CLI_RUN = 0,	  /* options parsed, run the gateway */
	GW_CLI_DONE = 1,  /* --help or --version printed; exit 0 */
	GW_CLI_USAGE = 2, /* error printed; exit 2 */
};

/* Parse argv into |o| (initialised here; release with gw_options_close).
 * Help and version go to |out|, errors to |err|.  Returns a gw_cli_result. */
int gw_cli_parse(int argc, char **argv, struct gw_options *o, FILE *out, FILE *err);
void gw_options_close(struct gw_options *o);

/* "64M", "1048576", "4KiB" -> bytes.  Returns 0 or -EINVAL / -ERANGE. */
int gw_parse_size(const char *s, size_t *out);
/* "2", "2s", "1.5s", "500ms" -> milliseconds.  Returns 0 or -EINVAL. */
int gw_parse_duration(const char *s, uint64_t *ms);

#endif
