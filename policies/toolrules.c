/* policies/toolrules.c - allow/deny decisions on tool names. */
#include "policies/toolrules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pol_tool_rules_init(struct pol_tool_rules *r)
{
	memset(r, 0, sizeof(*r));
}

void pol_tool_rules_set_section(struct pol_tool_rules *r, const char *section)
{
	snprintf(r->default_id, sizeof(r->default_id), "%s.default", section);
	snprintf(r->default_reason, sizeof(r->default_reason), "no rule allows it (%s.default: deny)",
		 section);
}

void pol_tool_rules_close(struct pol_tool_rules *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->rules[i].glob);
	free(r->rules);
	memset(r, 0, sizeof(*r));
}

int pol_glob_check(const char *p)
{
	if (!*p)
		return -EINVAL;
	for (; *p; p++)
		if (*p == '\\' && !*++p)
			return -EINVAL;
	return 0;
}

int pol_tool_rules_add(struct pol_tool_rules *r, enum pol_action action, const char *glob)
{
	return pol_tool_rules_add_named(r, action, glob, NULL);
}

int pol_tool_rules_add_named(struct pol_tool_rules *r, enum pol_action action, const char *glob,
			     const char *id)
{
	if (pol_glob_check(glob) != 0)
		return -EINVAL;
	struct pol_tool_rule *n = realloc(r->rules, (r->count + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->rules = n;
	struct pol_tool_rule *rule = &r->rules[r->count];
	rule->glob = strdup(glob);
	if (!rule->glob)
		return -ENOMEM;
	rule->action = action;
	size_t idx = action == POL_DENY ? r->n_deny++ : r->n_allow++;
	if (id)
		snprintf(rule->id, sizeof(rule->id), "%s", id);
	else
		snprintf(rule->id, sizeof(rule->id), "cli.%s_tool[%zu]",
			 action == POL_DENY ? "deny" : "allow", idx);
	r->count++;
	return 0;
}

bool pol_glob_match(const char *pat, const char *name, size_t len)
{
	/* Classic iterative matcher: remember the last '*' and retry from
	 * one byte further on mismatch. */
	const char *star = NULL;
	size_t star_i = 0, i = 0;
	while (i < len) {
		if (*pat == '*') {
			star = ++pat;
			star_i = i;
			continue;
		}
		if (*pat == '?') {
			pat++, i++;
			continue;
		}
		const char *lit = pat;
		if (*lit == '\\' && lit[1])
			lit++;
		if (*lit && *lit == name[i]) {
			pat = lit + 1, i++;
			continue;
		}
		if (!star)
			return false;
		pat = star;
		i = ++star_i;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

void pol_tool_rules_decide(const struct pol_tool_rules *r, const char *name, size_t len,
			   struct pol_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->action = POL_ALLOW;
	out->rule_id = "default";
	out->reason = "no rule denies it";
	if (!pol_tool_rules_active(r))
		return;
	if (len == 0 || memchr(name, '\0', len)) {
		out->action = POL_DENY;
		out->rule_id = "invalid_name";
		out->reason = "the tool name is empty or contains a NUL byte";
		return;
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct pol_tool_rule *rule = &r->rules[i];
		if (rule->action == POL_DENY && pol_glob_match(rule->glob, name, len)) {
			out->action = POL_DENY;
			out->rule_id = rule->id;
			out->glob = rule->glob;
			out->reason = strncmp(rule->id, "cli.", 4) == 0 ? "it matches --deny-tool"
								       : "it matches a deny rule";
			return;
		}
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct pol_tool_rule *rule = &r->rules[i];
		if (rule->action == POL_ALLOW && pol_glob_match(rule->glob, name, len)) {
			out->rule_id = rule->id;
			out->glob = rule->glob;
			out->reason = strncmp(rule->id, "cli.", 4) == 0 ? "it matches --allow-tool"
								       : "it matches an allow rule";
			return;
		}
	}
	if (r->has_default) {
		bool named = r->default_id[0] != '\0';
		out->action = r->default_action;
		out->rule_id = r->default_action == POL_DENY ? (named ? r->default_id : "default")
							     : "default";
		out->reason = r->default_action == POL_DENY
				      ? (named ? r->default_reason : "no rule allows it")
				      : "no rule denies it";
		return;
	}
	if (!r->n_allow)
		return;
	out->action = POL_DENY;
	out->rule_id = "cli.allow_tool.unmatched";
	out->reason = "it matches no --allow-tool";
}
