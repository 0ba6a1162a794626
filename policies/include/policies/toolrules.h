/* policies/toolrules.h - allow/deny decisions on tool names.
 *
 * The first policy of the gateway: --allow-tool and --deny-tool globs.
 * Deny wins; when any allow rule exists, a tool that matches none is
 * denied.  Every decision names the rule that made it.
 *
 * Pure: no I/O.
 */
#ifndef POLICIES_TOOLRULES_H
#define POLICIES_TOOLRULES_H

#include <stdbool.h>
#include <stddef.h>

enum pol_action { POL_ALLOW = 0, POL_DENY = 1 };

struct pol_tool_rule {
	enum pol_action action;
	char *glob; /* owned */
	char id[48]; /* e.g. "cli.deny_tool[0]", "tools.deny[2]" */
};

struct pol_tool_rules {
	struct pol_tool_rule *rules;
	size_t count;
	size_t n_allow, n_deny;
	/* Decision for a name no rule matches; when unset, it is deny as
	 * soon as an allow rule exists (the --allow-tool behaviour). */
	bool has_default;
	enum pol_action default_action;
	char default_id[32];	/* "tools.default", "prompts.default", ... */
	char default_reason[64];
};

/* Name the section the rules belong to ("tools", "prompts", ...), for the
 * id and reason of the default decision. */
void pol_tool_rules_set_section(struct pol_tool_rules *r, const char *section);

struct pol_decision {
	enum pol_action action;
	const char *rule_id; /* borrowed from the rules, or a static string */
	const char *glob;    /* the matching glob, or NULL */
	const char *reason;  /* static English text */
};

void pol_tool_rules_init(struct pol_tool_rules *r);
void pol_tool_rules_close(struct pol_tool_rules *r);

/* Add a rule; |glob| is copied.  Returns 0, -EINVAL for an empty glob or
 * one with a trailing unescaped backslash, -ENOMEM. */
int pol_tool_rules_add(struct pol_tool_rules *r, enum pol_action action, const char *glob);

/* Add a rule with an explicit id (e.g. "tools.deny[0]"), as a policy file
 * does.  Same returns as pol_tool_rules_add. */
int pol_tool_rules_add_named(struct pol_tool_rules *r, enum pol_action action, const char *glob,
			     const char *id);

/* True when the rules can deny anything (so tools/list must be filtered). */
static inline bool pol_tool_rules_active(const struct pol_tool_rules *r)
{
	return r->count > 0 || (r->has_default && r->default_action == POL_DENY);
}

/* Decide on the tool |name| of |len| bytes (it may contain any byte; a name
 * with a NUL byte or an empty name is denied when any rule exists). */
void pol_tool_rules_decide(const struct pol_tool_rules *r, const char *name, size_t len,
			   struct pol_decision *out);

/* Glob match: '*' any run of bytes (also empty), '?' exactly one byte, '\'
 * makes the next character literal.  Matches the whole name.  Linear
 * memory, O(len(pattern) * len(name)) time at worst. */
bool pol_glob_match(const char *pattern, const char *name, size_t len);

/* Check a glob's syntax; returns 0 or -EINVAL. */
int pol_glob_check(const char *pattern);

#endif
