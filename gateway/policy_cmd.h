/* gateway/policy_cmd.h - choosing the policy, and `assay-gateway policy`. */
#ifndef GW_POLICY_CMD_H
#define GW_POLICY_CMD_H

#include "cli.h"
#include "policies/policy.h"

/* The effective policy of a run: --policy FILE, else $ASSAY_POLICY, else
 * the built-in default; then the command-line shorthands (--allow-tool,
 * --deny-tool, --deny-reply, --dry-run) on top.  Never falls back to
 * another policy when the chosen one does not load.  Returns 0, or -1
 * after printing why to stderr (the caller exits 2). */
int gw_policy_resolve(const struct gw_options *o, struct pol_policy *p);

/* `assay-gateway policy check FILE` / `policy show [--default]`; argv[0]
 * is "policy".  Returns the exit status. */
int gw_policy_command(int argc, char **argv);

#endif
