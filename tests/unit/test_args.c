/* tests/unit/test_args.c - argument rules (tools.rules[].args): a table of
 * calls against one policy holding every kind of condition, decided with
 * lexical paths (the path module's own tests cover symlinks). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policies/paths.h"
#include "policies/policy.h"

static const char policy_text[] =
	"version: 1\n"
	"tools:\n"
	"  rules:\n"
	"    - id: confined\n"
	"      tool: \"read_*\"\n"
	"      args:\n"
	"        path: {under: [\"/srv/p\"], required: true}\n"
	"        \"paths[]\": {under: [\"/srv/p\", \"/tmp\"]}\n"
	"        \"edits[].path\": {not_under: [\"/srv/p/.git\"]}\n"
	"    - id: run-git\n"
	"      tool: run\n"
	"      args:\n"
	"        command: {regex: \"^git (status|log)( |$)\", not_regex: \"[;&|]\", max_length: 40}\n"
	"        mode: {enum: [\"fast\", \"slow\"]}\n"
	"        \"opts.level\": {enum: [\"1\", \"2\"]}\n"
	"    - tool: \"*\"\n"
	"      args:\n"
	"        any: {secrets: deny}\n";

struct row {
	const char *tool;
	const char *args; /* JSON object */
	int denied;
	const char *rule;   /* expected rule id when denied */
	const char *reason; /* a part of the reason when denied */
};

static const struct row rows[] = {
	{"read_file", "{\"path\":\"/srv/p/a.txt\"}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"/srv/p\"}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"/srv/p2/a.txt\"}", 1, "confined", "not under an allowed directory"},
	{"read_file", "{\"path\":\"/srv/p/../x\"}", 1, "confined", "it is /srv/x"},
	{"read_file", "{\"path\":\"//srv//p/./a\"}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"file:///srv/p/a\"}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"file:///srv/p/%2e%2e/x\"}", 1, "confined", "not under"},
	{"read_file", "{\"path\":\"a.txt\"}", 1, "confined", "relative path"},
	{"read_file", "{\"path\":\"~/x\"}", 1, "confined", "not under"},
	{"read_file", "{\"path\":42}", 1, "confined", "not a string"},
	{"read_file", "{}", 1, "confined", "is required"},
	{"read_file", "{\"path\":\"/srv/p/a\",\"paths\":[\"/tmp/x\",\"/srv/p/y\"]}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"/srv/p/a\",\"paths\":[\"/tmp/x\",\"/etc/y\"]}", 1, "confined",
	 "'paths[]' ('/etc/y')"},
	{"read_file", "{\"path\":\"/srv/p/a\",\"paths\":\"/etc/y\"}", 1, "confined", "not under"},
	{"read_file", "{\"path\":\"/srv/p/a\",\"edits\":[{\"path\":\"/srv/p/b\"}]}", 0, NULL, NULL},
	{"read_file", "{\"path\":\"/srv/p/a\",\"edits\":[{\"path\":\"/srv/p/.git/config\"}]}", 1,
	 "confined", "under a denied directory"},
	{"write_file", "{\"path\":\"/etc/passwd\"}", 0, NULL, NULL}, /* no rule for it */
	{"run", "{\"command\":\"git status\",\"mode\":\"fast\"}", 0, NULL, NULL},
	{"run", "{\"command\":\"git log --oneline\"}", 0, NULL, NULL},
	{"run", "{\"command\":\"rm -rf /\"}", 1, "run-git", "does not match"},
	{"run", "{\"command\":\"git status && rm -rf /\"}", 1, "run-git", "matches /[;&|]/"},
	{"run", "{\"command\":\"git log aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 1, "run-git",
	 "longer than 40 bytes"},
	{"run", "{\"command\":\"git status\",\"mode\":\"medium\"}", 1, "run-git", "allowed values"},
	{"run", "{\"command\":\"git status\",\"opts\":{\"level\":\"3\"}}", 1, "run-git", "allowed values"},
	{"run", "{\"command\":\"git status\",\"opts\":{\"level\":\"2\"}}", 0, NULL, NULL},
	{"run", "{\"command\":\"git status\\u0000x\"}", 1, "run-git", "does not match"},
	{"echo", "{\"text\":\"hello\"}", 0, NULL, NULL},
	{"echo", "{\"deep\":[{\"x\":\"key AKIAIOSFODNN7EXAMPLE\"}]}", 1, "tools.rules[2]",
	 "contains a credential"},
};

static void table(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[512];
	assert_int_equal(pol_policy_load(&p, policy_text, sizeof(policy_text) - 1, "t.yaml", NULL,
					 err, sizeof(err)),
			 0);
	struct pol_path_ctx pc = {"/srv/p", "/home/u", NULL, NULL};
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		json_t *args = json_loads(r->args, JSON_ALLOW_NUL, NULL);
		assert_non_null(args);
		struct pol_decision d;
		char detail[512];
		int rc = pol_args_decide(&p, r->tool, strlen(r->tool), args, &pc, &d, detail,
					 sizeof(detail));
		bool ok = rc == r->denied && (d.action == POL_DENY) == (r->denied == 1);
		if (ok && r->denied)
			ok = strcmp(d.rule_id, r->rule) == 0 && strstr(d.reason, r->reason) != NULL;
		if (!ok) {
			print_error("row %zu: %s %s -> rc %d rule %s reason '%s'\n", i, r->tool, r->args,
				    rc, d.rule_id, d.reason);
			bad++;
		}
		/* A credential is never quoted back. */
		if (r->denied && strstr(r->args, "AKIA"))
			assert_null(strstr(d.reason, "AKIA"));
		json_decref(args);
	}
	pol_policy_close(&p);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(table)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
