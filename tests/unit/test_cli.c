/* tests/unit/test_cli.c - gateway/cli: command line, sizes and durations. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>

#include "cli.h"

struct parsed {
	int rc;
	struct gw_options o;
	char *argv[40];
	int argc;
	char *out, *err;
	size_t out_len, err_len;
};

/* Parse "assay-gateway" + |args| (NULL-terminated); stdout/stderr texts
 * are captured. */
static void parse(struct parsed *p, const char *const *args)
{
	memset(p, 0, sizeof(*p));
	p->argv[p->argc++] = strdup("assay-gateway");
	for (size_t i = 0; args[i]; i++) {
		assert_true(p->argc < 39);
		p->argv[p->argc++] = strdup(args[i]);
	}
	p->argv[p->argc] = NULL;
	FILE *out = open_memstream(&p->out, &p->out_len);
	FILE *err = open_memstream(&p->err, &p->err_len);
	assert_non_null(out);
	assert_non_null(err);
	p->rc = gw_cli_parse(p->argc, p->argv, &p->o, out, err);
	fclose(out);
	fclose(err);
}

static void parsed_free(struct parsed *p)
{
	gw_options_close(&p->o);
	for (int i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->out);
	free(p->err);
}

static void expect_cmd(const struct parsed *p, const char *const *cmd)
{
	int n = 0;
	while (cmd[n])
		n++;
	if (p->rc != GW_CLI_RUN) {
		print_error("rc %d, err '%s'\n", p->rc, p->err);
		fail();
	}
	assert_int_equal(p->o.cmd_argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(p->o.cmd[i], cmd[i]);
	assert_null(p->o.cmd[n]);
	assert_int_equal(p->err_len, 0);
	assert_int_equal(p->out_len, 0);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void defaults(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, ARGS("server"));
	expect_cmd(&p, ARGS("server"));
	assert_int_equal(p.o.verbosity, GW_NORMAL);
	assert_int_equal(p.o.max_message_bytes, 64u * 1024 * 1024);
	assert_int_equal(p.o.max_pending, 4096);
	assert_int_equal(p.o.drain_timeout_ms, 10000);
	assert_int_equal(p.o.grace_ms, 2000);
	assert_false(p.o.deny_reply_error);
	assert_false(p.o.deny_reply_set);
	assert_false(p.o.dry_run);
	assert_null(p.o.policy_path);
	assert_null(p.o.audit_path);
	assert_int_equal(p.o.tools.count, 0);
	/* cmd points into argv (borrowed). */
	assert_ptr_equal(p.o.cmd, &p.argv[1]);
	parsed_free(&p);
}

static void options_stop_at_command(void **state)
{
	(void)state;
	struct parsed p;
	/* Options after the command belong to the server. */
	parse(&p, ARGS("node", "server.js", "--verbose"));
	expect_cmd(&p, ARGS("node", "server.js", "--verbose"));
	assert_int_equal(p.o.verbosity, GW_NORMAL);
	parsed_free(&p);

	parse(&p, ARGS("-q", "npx", "-y", "@modelcontextprotocol/server-everything", "--help"));
	expect_cmd(&p, ARGS("npx", "-y", "@modelcontextprotocol/server-everything", "--help"));
	assert_int_equal(p.o.verbosity, GW_QUIET);
	parsed_free(&p);

	parse(&p, ARGS("srv", "--deny-tool", "x", "--", "y"));
	expect_cmd(&p, ARGS("srv", "--deny-tool", "x", "--", "y"));
	assert_int_equal(p.o.tools.count, 0);
	parsed_free(&p);

	/* "--" ends the options. */
	parse(&p, ARGS("-v", "--", "node", "x"));
	expect_cmd(&p, ARGS("node", "x"));
	assert_int_equal(p.o.verbosity, GW_VERBOSE);
	parsed_free(&p);

	parse(&p, ARGS("--", "-v"));
	expect_cmd(&p, ARGS("-v"));
	assert_int_equal(p.o.verbosity, GW_NORMAL);
	parsed_free(&p);

	parse(&p, ARGS("--", "--"));
	expect_cmd(&p, ARGS("--"));
	parsed_free(&p);

	parse(&p, ARGS("--", "policy", "check"));
	expect_cmd(&p, ARGS("policy", "check"));
	parsed_free(&p);

	/* A lone "-" is not an option: it is the command. */
	parse(&p, ARGS("-", "a"));
	expect_cmd(&p, ARGS("-", "a"));
	parsed_free(&p);

	/* Parsing twice gives the same result (getopt state is reset). */
	for (int i = 0; i < 3; i++) {
		parse(&p, ARGS("-q", "--grace", "1s", "cmd", "-v"));
		expect_cmd(&p, ARGS("cmd", "-v"));
		assert_int_equal(p.o.verbosity, GW_QUIET);
		assert_int_equal(p.o.grace_ms, 1000);
		parsed_free(&p);
	}
}

static void values(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, ARGS("--max-message-bytes", "1M", "--max-pending", "10", "--drain-timeout",
		       "500ms", "--grace=1.5s", "--deny-reply", "error", "--policy", "p.yaml",
		       "--audit=a.jsonl", "--dry-run", "-v", "srv"));
	expect_cmd(&p, ARGS("srv"));
	assert_int_equal(p.o.max_message_bytes, 1024 * 1024);
	assert_int_equal(p.o.max_pending, 10);
	assert_int_equal(p.o.drain_timeout_ms, 500);
	assert_int_equal(p.o.grace_ms, 1500);
	assert_true(p.o.deny_reply_error);
	assert_true(p.o.deny_reply_set);
	assert_string_equal(p.o.policy_path, "p.yaml");
	assert_string_equal(p.o.audit_path, "a.jsonl");
	assert_true(p.o.dry_run);
	assert_int_equal(p.o.verbosity, GW_VERBOSE);
	parsed_free(&p);

	parse(&p, ARGS("--deny-reply", "error", "--deny-reply=result", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_false(p.o.deny_reply_error);
	assert_true(p.o.deny_reply_set);
	parsed_free(&p);

	/* Limits of --max-message-bytes and --max-pending. */
	parse(&p, ARGS("--max-message-bytes", "64", "--max-pending", "1", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_int_equal(p.o.max_message_bytes, 64);
	assert_int_equal(p.o.max_pending, 1);
	parsed_free(&p);
	parse(&p, ARGS("--max-message-bytes", "1G", "--max-pending", "1000000", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_int_equal(p.o.max_message_bytes, 1024u * 1024 * 1024);
	assert_int_equal(p.o.max_pending, 1000000);
	parsed_free(&p);

	/* Verbosity: the last one wins; clusters. */
	parse(&p, ARGS("-v", "-q", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_int_equal(p.o.verbosity, GW_QUIET);
	parsed_free(&p);
	parse(&p, ARGS("-qv", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_int_equal(p.o.verbosity, GW_VERBOSE);
	parsed_free(&p);
	parse(&p, ARGS("--quiet", "s"));
	assert_int_equal(p.o.verbosity, GW_QUIET);
	parsed_free(&p);
	/* Duration 0 is allowed. */
	parse(&p, ARGS("--grace", "0", "--drain-timeout", "0s", "s"));
	expect_cmd(&p, ARGS("s"));
	assert_int_equal(p.o.grace_ms, 0);
	assert_int_equal(p.o.drain_timeout_ms, 0);
	parsed_free(&p);
}

static void repeatable_tool_rules(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, ARGS("--deny-tool", "write_*", "--allow-tool", "read_*", "--deny-tool=rm",
		       "--allow-tool", "echo", "--allow-tool", "*", "srv", "--deny-tool", "z"));
	expect_cmd(&p, ARGS("srv", "--deny-tool", "z"));
	assert_int_equal(p.o.tools.count, 5);
	assert_int_equal(p.o.tools.n_deny, 2);
	assert_int_equal(p.o.tools.n_allow, 3);
	static const struct {
		enum pol_action a;
		const char *glob, *id;
	} want[] = {
		{POL_DENY, "write_*", "cli.deny_tool[0]"},
		{POL_ALLOW, "read_*", "cli.allow_tool[0]"},
		{POL_DENY, "rm", "cli.deny_tool[1]"},
		{POL_ALLOW, "echo", "cli.allow_tool[1]"},
		{POL_ALLOW, "*", "cli.allow_tool[2]"},
	};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(p.o.tools.rules[i].action, want[i].a);
		assert_string_equal(p.o.tools.rules[i].glob, want[i].glob);
		assert_string_equal(p.o.tools.rules[i].id, want[i].id);
	}
	struct pol_decision d;
	pol_tool_rules_decide(&p.o.tools, "rm", 2, &d);
	assert_int_equal(d.action, POL_DENY);
	pol_tool_rules_decide(&p.o.tools, "ls", 2, &d);
	assert_int_equal(d.action, POL_ALLOW);
	parsed_free(&p);
}

/* err contains |needle|, out is empty, and rc is GW_CLI_USAGE. */
static void expect_usage(int *bad, const char *const *args, const char *needle)
{
	struct parsed p;
	parse(&p, args);
	CHECK(*bad, p.rc == GW_CLI_USAGE, "%s...: rc %d, want usage", args[0] ? args[0] : "", p.rc);
	CHECK(*bad, p.err && strstr(p.err, needle) != NULL, "%s...: err '%s' does not name '%s'",
	      args[0] ? args[0] : "", p.err ? p.err : "", needle);
	CHECK(*bad, p.err && strncmp(p.err, "assay-gateway: ", 15) == 0, "err '%s': no prefix",
	      p.err ? p.err : "");
	CHECK(*bad, p.err_len > 0 && p.err[p.err_len - 1] == '\n', "err not one line");
	CHECK(*bad, p.out_len == 0, "out '%s' not empty", p.out);
	parsed_free(&p);
}

static void unknown_options(void **state)
{
	(void)state;
	int bad = 0;
	expect_usage(&bad, ARGS("--bogus", "srv"), "'--bogus'");
	expect_usage(&bad, ARGS("--bogus=1", "srv"), "--bogus");
	expect_usage(&bad, ARGS("-x", "srv"), "-x");
	expect_usage(&bad, ARGS("-v", "-Z", "srv"), "-Z");
	expect_usage(&bad, ARGS("-qx", "srv"), "-x");
	expect_usage(&bad, ARGS("--VERBOSE", "srv"), "--VERBOSE");
	/* Ambiguous abbreviation (--deny-tool, --deny-reply). */
	expect_usage(&bad, ARGS("--deny", "x", "srv"), "--deny");
	assert_int_equal(bad, 0);
}

/* Regression: an unknown short option that is not
 * the last of its cluster. */
static void unknown_option_in_cluster(void **state)
{
	(void)state;
	int bad = 0;
	expect_usage(&bad, ARGS("-xq", "srv"), "'-x'");
	expect_usage(&bad, ARGS("-vZq", "srv"), "'-Z'");
	assert_int_equal(bad, 0);
}

/* Regression: a value given to a long option
 * that takes none is reported as an unknown short option. */
static void long_option_with_unexpected_value(void **state)
{
	(void)state;
	int bad = 0;
	expect_usage(&bad, ARGS("--verbose=1", "srv"), "--verbose");
	expect_usage(&bad, ARGS("--quiet=yes", "srv"), "--quiet");
	expect_usage(&bad, ARGS("--dry-run=no", "srv"), "--dry-run");
	assert_int_equal(bad, 0);
}

static void missing_command_and_values(void **state)
{
	(void)state;
	int bad = 0;
	expect_usage(&bad, (const char *const[]){NULL}, "missing the server command");
	expect_usage(&bad, ARGS("-v"), "missing the server command");
	expect_usage(&bad, ARGS("--"), "missing the server command");
	expect_usage(&bad, ARGS("--deny-tool", "x"), "missing the server command");
	expect_usage(&bad, ARGS("--grace"), "--grace");
	expect_usage(&bad, ARGS("--deny-tool"), "--deny-tool");
	expect_usage(&bad, ARGS("-v", "--max-message-bytes"), "--max-message-bytes");
	assert_int_equal(bad, 0);
}

/* The sandbox options: repeatable allow globs, the modes, and the
 * combinations that contradict each other. */
static void sandbox_options(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, ARGS("--env-allow", "MY_KEY", "--env-allow", "APP_*", "--env-strict",
		       "--fail-closed", "--enforce", "srv"));
	static const char *const cmd[] = {"srv", NULL};
	expect_cmd(&p, cmd);
	assert_int_equal(p.o.sandbox.n_env_allow, 2);
	assert_string_equal(p.o.sandbox.env_allow[0], "MY_KEY");
	assert_string_equal(p.o.sandbox.env_allow[1], "APP_*");
	assert_true(p.o.sandbox.env_strict);
	assert_false(p.o.sandbox.env_passthrough);
	assert_true(p.o.sandbox.fail_closed);
	assert_true(p.o.sandbox.require_landlock);
	assert_false(p.o.sandbox.disabled);
	parsed_free(&p);
	parse(&p, ARGS("--no-sandbox", "--env-passthrough", "srv"));
	expect_cmd(&p, cmd);
	assert_true(p.o.sandbox.disabled);
	assert_true(p.o.sandbox.env_passthrough);
	parsed_free(&p);

	int bad = 0;
	expect_usage(&bad, ARGS("--env-allow", "", "srv"), "--env-allow");
	expect_usage(&bad, ARGS("--env-allow", "A=B", "srv"), "'A=B' is not a variable name");
	expect_usage(&bad, ARGS("--env-allow", "a\\", "srv"), "--env-allow");
	expect_usage(&bad, ARGS("--env-strict", "--env-passthrough", "srv"), "contradict");
	expect_usage(&bad, ARGS("--no-sandbox", "--fail-closed", "srv"),
		     "--no-sandbox contradicts --fail-closed");
	expect_usage(&bad, ARGS("--no-sandbox", "--enforce", "srv"),
		     "--no-sandbox contradicts --enforce");
	assert_int_equal(bad, 0);
}

/* --profile and --bundle: the derived file names, what they turn on, and
 * the combinations refused. */
static void evidence_options(void **state)
{
	(void)state;
	struct parsed p;
	static const char *const cmd[] = {"srv", NULL};
	parse(&p, ARGS("--profile", "run.profile.yaml", "srv"));
	expect_cmd(&p, cmd);
	assert_string_equal(p.o.profile_evidence, "run.profile.evidence.yaml");
	assert_string_equal(p.o.profile_report, "run.profile.yaml.report.md");
	assert_true(p.o.sandbox.observe);
	assert_false(p.o.sandbox.learn);
	parsed_free(&p);
	parse(&p, ARGS("--profile", "p.yml", "--profile-format", "json", "--profile-report", "r.md",
		       "srv"));
	expect_cmd(&p, cmd);
	assert_string_equal(p.o.profile_evidence, "p.evidence.json");
	assert_string_equal(p.o.profile_report, "r.md");
	assert_true(p.o.profile_json);
	parsed_free(&p);
	parse(&p, ARGS("--bundle", "b.tar.gz", "--bundle-key", "k.pem", "srv"));
	expect_cmd(&p, cmd);
	assert_string_equal(p.o.bundle_path, "b.tar.gz");
	assert_string_equal(p.o.bundle_key, "k.pem");
	assert_true(p.o.sandbox.observe);
	assert_null(p.o.profile_path);
	parsed_free(&p);
	parse(&p, ARGS("--dry-run", "srv"));
	expect_cmd(&p, cmd);
	assert_true(p.o.sandbox.observe);
	assert_true(p.o.sandbox.learn);
	parsed_free(&p);
	parse(&p, ARGS("srv"));
	expect_cmd(&p, cmd);
	assert_false(p.o.sandbox.observe);
	parsed_free(&p);

	int bad = 0;
	expect_usage(&bad, ARGS("--profile", "", "srv"), "--profile needs a file name");
	expect_usage(&bad, ARGS("--profile-format", "xml", "srv"), "'yaml' or 'json', not 'xml'");
	expect_usage(&bad, ARGS("--profile-report", "r.md", "srv"), "--profile-report needs --profile");
	expect_usage(&bad, ARGS("--bundle-key", "k.pem", "srv"), "--bundle-key needs --bundle");
	expect_usage(&bad, ARGS("--profile", "p.yaml", "--no-sandbox", "srv"),
		     "cannot be combined with --no-sandbox");
	expect_usage(&bad, ARGS("--bundle", "b.tar.gz", "--no-sandbox", "srv"),
		     "cannot be combined with --no-sandbox");
	assert_int_equal(bad, 0);
}

static void bad_values(void **state)
{
	(void)state;
	int bad = 0;
	static const char *sizes[] = {"63", "0", "1025M", "2G", "abc", "-1", "1T", "64 ", " 64",
				      "", "1.5M", "0x40", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		expect_usage(&bad, ARGS("--max-message-bytes", sizes[i], "srv"), "--max-message-bytes");
	static const char *pend[] = {"0", "1000001", "x", "-5", "1.5", ""};
	for (size_t i = 0; i < sizeof(pend) / sizeof(pend[0]); i++)
		expect_usage(&bad, ARGS("--max-pending", pend[i], "srv"), "--max-pending");
	static const char *reply[] = {"", "Error", "results", "json", "error "};
	for (size_t i = 0; i < sizeof(reply) / sizeof(reply[0]); i++)
		expect_usage(&bad, ARGS("--deny-reply", reply[i], "srv"), "--deny-reply");
	static const char *durs[] = {"", "abc", "-1", "2h", "1.5.5s", "s", "ms", "2 s", "25h",
				     "inf", "1e10", "nan"};
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		expect_usage(&bad, ARGS("--grace", durs[i], "srv"), "--grace");
		expect_usage(&bad, ARGS("--drain-timeout", durs[i], "srv"), "--drain-timeout");
	}
	expect_usage(&bad, ARGS("--deny-tool", "", "srv"), "invalid tool glob");
	expect_usage(&bad, ARGS("--allow-tool", "a\\", "srv"), "invalid tool glob");
	expect_usage(&bad, ARGS("--policy", "", "srv"), "--policy");
	expect_usage(&bad, ARGS("--audit", "", "srv"), "--audit");
	/* The bad value is quoted in the message. */
	expect_usage(&bad, ARGS("--max-message-bytes", "12q", "srv"), "'12q'");
	expect_usage(&bad, ARGS("--grace", "soon", "srv"), "'soon'");
	expect_usage(&bad, ARGS("--deny-reply", "maybe", "srv"), "'maybe'");
	assert_int_equal(bad, 0);
}

static void help_and_version(void **state)
{
	(void)state;
	const char *const *helps[] = {ARGS("--help"), ARGS("-h"), ARGS("-v", "--help", "x"),
					     ARGS("--help", "--bogus")};
	for (size_t i = 0; i < 4; i++) {
		struct parsed p;
		parse(&p, helps[i]);
		assert_int_equal(p.rc, GW_CLI_DONE);
		assert_non_null(strstr(p.out, "Usage: assay-gateway"));
		assert_non_null(strstr(p.out, "--max-message-bytes"));
		assert_non_null(strstr(p.out, "--deny-tool"));
		assert_int_equal(p.err_len, 0);
		parsed_free(&p);
	}
	const char *const *versions[] = {ARGS("--version"), ARGS("-V"), ARGS("-V", "x")};
	for (size_t i = 0; i < 3; i++) {
		struct parsed p;
		parse(&p, versions[i]);
		assert_int_equal(p.rc, GW_CLI_DONE);
		assert_string_equal(p.out, "assay-gateway " ASSAY_VERSION "\n");
		assert_int_equal(p.err_len, 0);
		parsed_free(&p);
	}
	/* After the command --help is the server's. */
	struct parsed p;
	parse(&p, ARGS("srv", "--help"));
	expect_cmd(&p, ARGS("srv", "--help"));
	parsed_free(&p);
}

/* ---- gw_parse_size / gw_parse_duration ----------------------------------- */

static void parse_size_table(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int rc;
		unsigned long long v;
	} t[] = {
		{"0", 0, 0},
		{"1", 0, 1},
		{"1048576", 0, 1048576},
		{"64M", 0, 64ull << 20},
		{"64m", 0, 64ull << 20},
		{"4KiB", 0, 4096},
		{"4kB", 0, 4096},
		{"4K", 0, 4096},
		{"1G", 0, 1ull << 30},
		{"2GiB", 0, 2ull << 30},
		{"3MB", 0, 3ull << 20},
		{"007", 0, 7},
		{"18446744073709551615", 0, 18446744073709551615ull},
		{"17179869183G", 0, 17179869183ull << 30},
		{"18446744073709551616", -ERANGE, 0},
		{"17179869184G", -ERANGE, 0},
		{"99999999999999999999K", -ERANGE, 0},
		{"", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" -5", -EINVAL, 0},
		{" +5", -EINVAL, 0},
		{"\t-1", -EINVAL, 0},
		{" 5", -EINVAL, 0},
		{"5 ", -EINVAL, 0},
		{"1B", -EINVAL, 0},
		{"1iB", -EINVAL, 0},
		{"1Ki", -EINVAL, 0},
		{"1KB ", -EINVAL, 0},
		{"1KiBB", -EINVAL, 0},
		{"1T", -EINVAL, 0},
		{"1.5M", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"M", -EINVAL, 0},
		{"abc", -EINVAL, 0},
		{"1 K", -EINVAL, 0},
		{"1e3", -EINVAL, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t v = 12345;
		int rc = gw_parse_size(t[i].s, &v);
		CHECK(bad, rc == t[i].rc, "'%s': rc %d, want %d (v %zu)", t[i].s, rc, t[i].rc, v);
		if (t[i].rc == 0 && rc == 0)
			CHECK(bad, v == t[i].v, "'%s': %zu, want %llu", t[i].s, v, t[i].v);
		if (rc != 0)
			CHECK(bad, v == 12345, "'%s': output written on error", t[i].s);
	}
	assert_int_equal(gw_parse_size(NULL, &(size_t){0}), -EINVAL);
	assert_int_equal(bad, 0);
}

static void parse_duration_table(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int rc;
		uint64_t ms;
	} t[] = {
		{"2", 0, 2000},
		{"2s", 0, 2000},
		{"1.5s", 0, 1500},
		{"500ms", 0, 500},
		{"0", 0, 0},
		{"0ms", 0, 0},
		{"0.5", 0, 500},
		{".5s", 0, 500},
		{"1m", 0, 60000},
		{"1min", 0, 60000},
		{"1.0006s", 0, 1001}, /* rounded */
		{"0.4ms", 0, 0},
		{"0.5ms", 0, 1},
		{"86400s", 0, 86400000},
		{"1440m", 0, 86400000},
		{"86400000ms", 0, 86400000},
		{"86400.001s", -EINVAL, 0},
		{"1441m", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"-0", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{" -1", -EINVAL, 0},
		{"1 ", -EINVAL, 0},
		{"1 s", -EINVAL, 0},
		{"s", -EINVAL, 0},
		{"ms", -EINVAL, 0},
		{"2h", -EINVAL, 0},
		{"2S", -EINVAL, 0},
		{"2sec", -EINVAL, 0},
		{"1e3ms", 0, 1000},
		{"inf", -EINVAL, 0},
		{"infinity", -EINVAL, 0},
		{"1e400", -EINVAL, 0},
		{"nan", -EINVAL, 0},
		{"NaN", -EINVAL, 0},
		{"nanms", -EINVAL, 0},
		{"nan(1)s", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"abc", -EINVAL, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t ms = 424242;
		int rc = gw_parse_duration(t[i].s, &ms);
		CHECK(bad, rc == t[i].rc, "'%s': rc %d, want %d (ms %llu)", t[i].s, rc, t[i].rc,
		      (unsigned long long)ms);
		if (t[i].rc == 0 && rc == 0)
			CHECK(bad, ms == t[i].ms, "'%s': %llu ms, want %llu", t[i].s,
			      (unsigned long long)ms, (unsigned long long)t[i].ms);
		if (rc != 0)
			CHECK(bad, ms == 424242, "'%s': output written on error", t[i].s);
	}
	assert_int_equal(gw_parse_duration(NULL, &(uint64_t){0}), -EINVAL);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(options_stop_at_command),
		cmocka_unit_test(values),
		cmocka_unit_test(repeatable_tool_rules),
		cmocka_unit_test(unknown_options),
		cmocka_unit_test(unknown_option_in_cluster),
		cmocka_unit_test(long_option_with_unexpected_value),
		cmocka_unit_test(missing_command_and_values),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(sandbox_options),
		cmocka_unit_test(evidence_options),
		cmocka_unit_test(help_and_version),
		cmocka_unit_test(parse_size_table),
		cmocka_unit_test(parse_duration_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
