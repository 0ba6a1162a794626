/* tests/fuzz/fuzz_decide.c - the policy decision path on hostile calls.
 *
 * A fixed policy with every kind of rule (name globs, argument rules with
 * under / not_under / regex / not_regex / max_length / enum / secrets /
 * required, an "any" matcher, rate limits) decides tools/call params made
 * from the input, as the relay does: parse params, name rules, argument
 * rules (lexical paths: the fuzzer must not depend on this machine's
 * files), rate limits.  Invariants: no crash, the same decision twice, a
 * denial always names a rule and a reason.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/message.h"
#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/ratelimit.h"

static const char policy_text[] =
	"version: 1\n"
	"tools:\n"
	"  default: deny\n"
	"  deny: [\"*delete*\", \"rm?\"]\n"
	"  allow: [\"read_*\", \"write_file\", \"search\", \"run\"]\n"
	"  rules:\n"
	"    - id: confined\n"
	"      tool: \"read_*\"\n"
	"      args:\n"
	"        path: {under: [\"/srv/project\", \"/tmp\"], required: true}\n"
	"        \"paths[]\": {under: [\"/srv/project\"]}\n"
	"        \"edits[].path\": {not_under: [\"/srv/project/.git\"]}\n"
	"    - id: writes\n"
	"      tool: write_file\n"
	"      args:\n"
	"        path: {under: [\"/srv/project\"], not_under: [\"/srv/project/.ssh\"]}\n"
	"        content: {max_length: 4096, not_regex: \"BEGIN [A-Z ]*PRIVATE KEY\"}\n"
	"    - id: commands\n"
	"      tool: run\n"
	"      args:\n"
	"        command: {regex: \"^(ls|git status)( |$)\", max_length: 200}\n"
	"        mode: {enum: [\"fast\", \"slow\"]}\n"
	"    - id: no-secrets\n"
	"      tool: \"*\"\n"
	"      args:\n"
	"        any: {secrets: deny}\n"
	"  rate_limits:\n"
	"    per_minute: {\"*\": 1000000}\n"
	"    session_total: 100000000\n";

static struct pol_policy policy;
static bool loaded;

static int decide(const uint8_t *data, size_t size, struct pol_rate_state *rs, char *rule,
		  size_t rule_size)
{
	struct pol_path_ctx pc = {"/srv/project", "/home/user", NULL, NULL};
	json_t *params = mcp_json_parse((const char *)data, size, NULL);
	json_t *name = json_object_get(params, "name");
	int action = -1;
	rule[0] = '\0';
	if (json_is_string(name)) {
		const char *n = json_string_value(name);
		size_t nl = json_string_length(name);
		struct pol_decision d;
		char detail[512];
		pol_tool_rules_decide(&policy.tools, n, nl, &d);
		if (d.action == POL_ALLOW)
			pol_args_decide(&policy, n, nl, json_object_get(params, "arguments"), &pc, &d,
					detail, sizeof(detail));
		if (d.action == POL_ALLOW)
			pol_rate_check(rs, &policy, n, nl, 1, &d, detail, sizeof(detail));
		if (d.action == POL_DENY && (!d.rule_id || !d.reason || !*d.rule_id))
			abort(); /* a denial always says why */
		action = (int)d.action;
		snprintf(rule, rule_size, "%s", d.rule_id ? d.rule_id : "");
	}
	json_decref(params);
	return action;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		char err[256];
		if (pol_policy_load(&policy, policy_text, sizeof(policy_text) - 1, "fuzz.yaml", NULL,
				    err, sizeof(err)) != 0)
			abort();
		loaded = true;
	}
	struct pol_rate_state rs;
	pol_rate_init(&rs);
	char r1[128], r2[128];
	int a = decide(data, size, &rs, r1, sizeof(r1));
	int b = decide(data, size, &rs, r2, sizeof(r2));
	if (a != b || strcmp(r1, r2) != 0)
		abort(); /* deterministic */
	pol_rate_close(&rs);
	return 0;
}
