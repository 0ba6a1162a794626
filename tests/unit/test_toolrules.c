/* tests/unit/test_toolrules.c - policies/toolrules: globs and decisions. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "policies/toolrules.h"

/* ---- glob ---------------------------------------------------------------- */

struct gcase {
	const char *pat;
	const char *name;
	size_t len;
	bool match;
};
#define G(p, n, m) {p, n, sizeof(n) - 1, m}

static const struct gcase globs[] = {
	/* literal */
	G("echo", "echo", true), G("echo", "echo2", false), G("echo", "ech", false),
	G("echo", "Echo", false), G("echo", "", false), G("a", "a", true),
	/* '*' anywhere */
	G("*", "", true), G("*", "a", true), G("*", "anything at all", true),
	G("**", "", true), G("***", "abc", true), G("a*", "a", true), G("a*", "abc", true),
	G("a*", "ba", false), G("*a", "a", true), G("*a", "ba", true), G("*a", "ab", false),
	G("*_file", "write_file", true), G("*_file", "write_files", false),
	G("read_*", "read_file", true), G("read_*", "read", false), G("read_*", "read_", true),
	G("a*b", "ab", true), G("a*b", "axxb", true), G("a*b", "axxbx", false),
	G("a**b", "ab", true), G("*a*", "xax", true), G("*a*", "xxx", false),
	G("a*b*c", "abxbc", true), G("a*bc", "abcbc", true), G("*abc", "ababc", true),
	G("*ab", "aab", true), G("a*a", "a", false), G("a*a", "aa", true),
	G("*x*y*", "..x..y..", true), G("*x*y*", "..y..x..", false),
	G("fs.*.read", "fs.local.read", true), G("fs.*.read", "fs.read", false),
	/* '?' exactly one byte */
	G("?", "", false), G("?", "a", true), G("?", "ab", false), G("??", "ab", true),
	G("a?c", "abc", true), G("a?c", "ac", false), G("a?c", "abbc", false),
	G("?*", "", false), G("?*", "a", true), G("*?", "abc", true), G("*??", "a", false),
	G("?", "\xc3\xa9", false), G("??", "\xc3\xa9", true), /* bytes, not characters */
	/* escapes */
	G("\\*", "*", true), G("\\*", "a", false), G("\\*", "", false), G("\\*", "**", false),
	G("\\?", "?", true), G("\\?", "a", false), G("\\\\", "\\", true), G("\\\\", "a", false),
	G("a\\b", "ab", true), G("a\\b", "a\\b", false), G("a\\*b", "a*b", true),
	G("a\\*b", "axb", false), G("*\\*", "abc*", true), G("*\\*", "abc", false),
	G("\\**", "*abc", true), G("\\**", "abc", false), G("a\\\\*", "a\\bc", true),
	G("\\a\\b\\c", "abc", true),
	/* empty names, NUL bytes */
	G("", "", true), G("", "a", false), G("a", "", false),
	G("a?b", "a\0b", true), G("a*", "a\0b", true), G("*b", "a\0b", true),
	G("a", "a\0", false), G("a*", "a\0", true), G("*", "\0", true), G("?", "\0", true),
	G("a", "\0a", false),
	/* non-ASCII */
	G("\xc3\xa9*", "\xc3\xa9t\xc3\xa9", true), G("*\xe2\x82\xac", "cost \xe2\x82\xac", true),
	G("\xc3\xa9", "\xc3\xa8", false),
};

static void glob_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		const struct gcase *g = &globs[i];
		bool m = pol_glob_match(g->pat, g->name, g->len);
		CHECK(bad, m == g->match, "glob '%s' vs '%s': %d, want %d", g->pat,
		      tu_show(g->name, g->len, 0), m, g->match);
	}
	assert_int_equal(bad, 0);
}

/* Reference matcher: tokenise, then dynamic programming. */
enum { T_LIT, T_ANY, T_STAR };
struct tok {
	int type;
	unsigned char c;
};

static bool ref_match(const char *pat, const char *name, size_t len)
{
	struct tok t[64];
	size_t nt = 0;
	for (const char *p = pat; *p; p++) {
		assert_true(nt < 64);
		if (*p == '*')
			t[nt++] = (struct tok){T_STAR, 0};
		else if (*p == '?')
			t[nt++] = (struct tok){T_ANY, 0};
		else if (*p == '\\' && p[1])
			t[nt++] = (struct tok){T_LIT, (unsigned char)*++p};
		else
			t[nt++] = (struct tok){T_LIT, (unsigned char)*p};
	}
	/* dp[i][j]: tokens [i..) match name [j..) */
	static bool dp[65][130];
	assert_true(len < 129);
	for (size_t i = nt + 1; i-- > 0;)
		for (size_t j = len + 1; j-- > 0;) {
			bool r;
			if (i == nt)
				r = j == len;
			else if (t[i].type == T_STAR)
				r = dp[i + 1][j] || (j < len && dp[i][j + 1]);
			else if (j == len)
				r = false;
			else if (t[i].type == T_ANY)
				r = dp[i + 1][j + 1];
			else
				r = (unsigned char)name[j] == t[i].c && dp[i + 1][j + 1];
			dp[i][j] = r;
		}
	return dp[0][0];
}

static void glob_vs_reference(void **state)
{
	(void)state;
	static const char palphabet[] = "ab*?\\";
	static const char nalphabet[] = "ab*?\\";
	uint64_t seed = 99;
	int bad = 0;
	for (int iter = 0; iter < 200000 && bad < 10; iter++) {
		char pat[16], name[24];
		size_t pl = tu_rand(&seed) % 10, nl = tu_rand(&seed) % 14;
		for (size_t i = 0; i < pl; i++)
			pat[i] = palphabet[tu_rand(&seed) % 5];
		pat[pl] = '\0';
		for (size_t i = 0; i < nl; i++)
			name[i] = tu_rand(&seed) % 7 == 0 ? '\0' : nalphabet[tu_rand(&seed) % 5];
		if (pol_glob_check(pat) != 0 && pl > 0)
			continue;
		bool got = pol_glob_match(pat, name, nl);
		bool want = ref_match(pat, name, nl);
		CHECK(bad, got == want, "glob '%s' vs '%s': %d, reference %d", pat,
		      tu_show(name, nl, 0), got, want);
	}
	assert_int_equal(bad, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void glob_pathological(void **state)
{
	(void)state;
	size_t n = 200000;
	char *name = malloc(n + 1);
	assert_non_null(name);
	memset(name, 'a', n);
	name[n] = '\0';
	static const char *pats[] = {"a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
				     "*a*a*a*a*a*a*a*a*a*a*?b", "*?*?*?*?*?*?*?*?*?b", "**********b",
				     "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"};
	double t0 = now();
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		assert_false(pol_glob_match(pats[i], name, n));
	/* ... and the same shapes that do match. */
	name[n - 1] = 'b';
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		assert_true(pol_glob_match(pats[i], name, n));
	double dt = now() - t0;
	print_message("pathological globs over %zu bytes: %.3f s\n", n, dt);
	assert_true(dt < 5.0);
	free(name);
}

static void glob_check(void **state)
{
	(void)state;
	assert_int_equal(pol_glob_check("a"), 0);
	assert_int_equal(pol_glob_check("*"), 0);
	assert_int_equal(pol_glob_check("\\\\"), 0);
	assert_int_equal(pol_glob_check("\\*"), 0);
	assert_int_equal(pol_glob_check("a\\b"), 0);
	assert_int_equal(pol_glob_check(""), -EINVAL);
	assert_int_equal(pol_glob_check("\\"), -EINVAL);
	assert_int_equal(pol_glob_check("a\\"), -EINVAL);
	assert_int_equal(pol_glob_check("a\\\\\\"), -EINVAL);
	assert_int_equal(pol_glob_check("\\\\\\\\"), 0);
}

/* ---- decisions ----------------------------------------------------------- */

static void decide(const struct pol_tool_rules *r, const char *name, struct pol_decision *d)
{
	memset(d, 0x5a, sizeof(*d));
	pol_tool_rules_decide(r, name, strlen(name), d);
}

static void no_rules_allow_all(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	assert_false(pol_tool_rules_active(&r));
	struct pol_decision d;
	decide(&r, "anything", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "default");
	assert_null(d.glob);
	assert_non_null(d.reason);
	/* Without rules even an empty name or one with NUL is allowed. */
	pol_tool_rules_decide(&r, "", 0, &d);
	assert_int_equal(d.action, POL_ALLOW);
	pol_tool_rules_decide(&r, "a\0b", 3, &d);
	assert_int_equal(d.action, POL_ALLOW);
	pol_tool_rules_close(&r);
}

static void deny_rules(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "write_*"), 0);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "rm"), 0);
	assert_true(pol_tool_rules_active(&r));
	assert_int_equal(r.count, 2);
	assert_int_equal(r.n_deny, 2);
	assert_int_equal(r.n_allow, 0);
	assert_string_equal(r.rules[0].id, "cli.deny_tool[0]");
	assert_string_equal(r.rules[1].id, "cli.deny_tool[1]");

	struct pol_decision d;
	decide(&r, "write_file", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[0]");
	assert_string_equal(d.glob, "write_*");
	assert_string_equal(d.reason, "it matches --deny-tool");
	decide(&r, "rm", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[1]");
	decide(&r, "read_file", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "default");
	assert_null(d.glob);
	/* Empty and NUL-containing names are denied once rules exist. */
	pol_tool_rules_decide(&r, "", 0, &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "invalid_name");
	pol_tool_rules_decide(&r, "read\0write_x", 12, &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "invalid_name");
	pol_tool_rules_decide(&r, "rm\0", 3, &d);
	assert_string_equal(d.rule_id, "invalid_name");
	/* The length is what counts, not a terminator. */
	pol_tool_rules_decide(&r, "rmdir", 2, &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[1]");
	pol_tool_rules_close(&r);
}

static void allow_list_default_deny(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	assert_int_equal(pol_tool_rules_add(&r, POL_ALLOW, "read_*"), 0);
	assert_int_equal(pol_tool_rules_add(&r, POL_ALLOW, "echo"), 0);
	assert_string_equal(r.rules[1].id, "cli.allow_tool[1]");
	struct pol_decision d;
	decide(&r, "read_file", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "cli.allow_tool[0]");
	assert_string_equal(d.glob, "read_*");
	assert_string_equal(d.reason, "it matches --allow-tool");
	decide(&r, "echo", &d);
	assert_string_equal(d.rule_id, "cli.allow_tool[1]");
	decide(&r, "write_file", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.allow_tool.unmatched");
	assert_null(d.glob);
	assert_string_equal(d.reason, "it matches no --allow-tool");
	decide(&r, "echo2", &d);
	assert_int_equal(d.action, POL_DENY);
	pol_tool_rules_close(&r);
}

static void deny_wins(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	/* allow added first, deny still wins; both ids count per action. */
	assert_int_equal(pol_tool_rules_add(&r, POL_ALLOW, "*"), 0);
	assert_int_equal(pol_tool_rules_add(&r, POL_ALLOW, "rm"), 0);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "r?"), 0);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "*secret*"), 0);
	assert_string_equal(r.rules[2].id, "cli.deny_tool[0]");
	assert_string_equal(r.rules[3].id, "cli.deny_tool[1]");
	struct pol_decision d;
	decide(&r, "rm", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[0]");
	assert_string_equal(d.glob, "r?");
	decide(&r, "get_secret_key", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[1]");
	decide(&r, "ls", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "cli.allow_tool[0]");
	assert_string_equal(d.glob, "*");
	pol_tool_rules_close(&r);
}

static void named_rules_and_defaults(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	pol_tool_rules_set_section(&r, "tools");
	r.has_default = true;
	r.default_action = POL_DENY;
	assert_true(pol_tool_rules_active(&r));
	struct pol_decision d;
	decide(&r, "x", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "tools.default");
	assert_string_equal(d.reason, "no rule allows it (tools.default: deny)");
	assert_int_equal(pol_tool_rules_add_named(&r, POL_ALLOW, "git_*", "tools.allow[0]"), 0);
	assert_int_equal(pol_tool_rules_add_named(&r, POL_DENY, "git_push", "tools.deny[2]"), 0);
	decide(&r, "git_status", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "tools.allow[0]");
	assert_string_equal(d.reason, "it matches an allow rule");
	decide(&r, "git_push", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "tools.deny[2]");
	assert_string_equal(d.reason, "it matches a deny rule");
	decide(&r, "curl", &d);
	assert_string_equal(d.rule_id, "tools.default");
	/* Default allow: unmatched names pass even with allow rules. */
	r.default_action = POL_ALLOW;
	decide(&r, "curl", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "default");
	pol_tool_rules_close(&r);

	/* Default deny without a section name. */
	pol_tool_rules_init(&r);
	r.has_default = true;
	r.default_action = POL_DENY;
	decide(&r, "x", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "default");
	assert_string_equal(d.reason, "no rule allows it");
	/* Default allow, no rules: not active. */
	r.default_action = POL_ALLOW;
	assert_false(pol_tool_rules_active(&r));
	pol_tool_rules_close(&r);

	/* Prompts section; a long id is truncated, still terminated. */
	pol_tool_rules_init(&r);
	pol_tool_rules_set_section(&r, "prompts");
	char id[200];
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_int_equal(pol_tool_rules_add_named(&r, POL_DENY, "x", id), 0);
	assert_int_equal(strlen(r.rules[0].id), sizeof(r.rules[0].id) - 1);
	r.has_default = true;
	r.default_action = POL_DENY;
	decide(&r, "y", &d);
	assert_string_equal(d.rule_id, "prompts.default");
	assert_string_equal(d.reason, "no rule allows it (prompts.default: deny)");
	pol_tool_rules_close(&r);
}

static void add_rejects_bad_globs(void **state)
{
	(void)state;
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, ""), -EINVAL);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "a\\"), -EINVAL);
	assert_int_equal(pol_tool_rules_add_named(&r, POL_ALLOW, "\\", "x"), -EINVAL);
	assert_int_equal(r.count, 0);
	assert_false(pol_tool_rules_active(&r));
	/* The glob is copied. */
	char g[] = "abc";
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, g), 0);
	g[0] = 'x';
	struct pol_decision d;
	decide(&r, "abc", &d);
	assert_int_equal(d.action, POL_DENY);
	/* A failed add does not shift the numbering. */
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, ""), -EINVAL);
	assert_int_equal(pol_tool_rules_add(&r, POL_DENY, "b"), 0);
	assert_string_equal(r.rules[1].id, "cli.deny_tool[1]");
	pol_tool_rules_close(&r);
	assert_int_equal(r.count, 0);
	/* Many rules. */
	pol_tool_rules_init(&r);
	for (int i = 0; i < 500; i++) {
		char glob[32];
		snprintf(glob, sizeof(glob), "tool_%d", i);
		assert_int_equal(pol_tool_rules_add(&r, i % 2 ? POL_ALLOW : POL_DENY, glob), 0);
	}
	decide(&r, "tool_498", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.deny_tool[249]");
	decide(&r, "tool_499", &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.rule_id, "cli.allow_tool[249]");
	decide(&r, "tool_500", &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "cli.allow_tool.unmatched");
	pol_tool_rules_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_table),
		cmocka_unit_test(glob_vs_reference),
		cmocka_unit_test(glob_pathological),
		cmocka_unit_test(glob_check),
		cmocka_unit_test(no_rules_allow_all),
		cmocka_unit_test(deny_rules),
		cmocka_unit_test(allow_list_default_deny),
		cmocka_unit_test(deny_wins),
		cmocka_unit_test(named_rules_and_defaults),
		cmocka_unit_test(add_rejects_bad_globs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
