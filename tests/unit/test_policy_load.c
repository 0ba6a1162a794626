/* tests/unit/test_policy_load.c - policies/load.c: the strict policy loader,
 * the effective-policy dump and the decisions of the loaded tool rules.
 *
 * The contract is docs/policy.md: a bad policy is refused with
 * "FILE:LINE:COLUMN: message" naming what was expected (and, for a misspelt
 * key, the key that was probably meant); a good one loads, dumps as YAML
 * that loads back to the same policy, and decides tool calls by the rule
 * ids the documentation names. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/toolrules.h"

/* ---- helpers -------------------------------------------------------------- */

static int load(struct pol_policy *p, const char *text, char *err, size_t err_size)
{
	return pol_policy_load(p, text, strlen(text), "t.yaml", NULL, err, err_size);
}

/* The dump of |p| as a malloc'd string. */
static char *dump(const struct pol_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	pol_policy_dump(p, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The repository root, from this file's path (CMake compiles it by its
 * absolute path: <root>/tests/unit/test_policy_load.c). */
static const char *repo_root(void)
{
	static char root[PATH_MAX];
	if (root[0])
		return root;
	snprintf(root, sizeof(root), "%s", __FILE__);
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(root, '/');
		if (!slash) {
			/* A relative __FILE__ without enough components: assume
			 * the test runs from the build directory next to the
			 * sources. */
			snprintf(root, sizeof(root), "..");
			return root;
		}
		*slash = '\0';
	}
	if (!root[0])
		snprintf(root, sizeof(root), "/");
	return root;
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct tu_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tu_buf_add(&b, chunk, n);
	fclose(f);
	if (!b.p)
		tu_buf_add(&b, "", 0);
	*len = b.len;
	return b.p;
}

/* The shipped packs, policies/<name>.yaml, sorted by name. */
struct pack {
	char name[64];
	char path[PATH_MAX + 80];
};

static int cmp_pack(const void *a, const void *b)
{
	return strcmp(((const struct pack *)a)->name, ((const struct pack *)b)->name);
}

static size_t list_packs(struct pack *out, size_t max)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s/policies", repo_root());
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s: %s (the test finds the sources from __FILE__ = %s)", dir,
			 strerror(errno), __FILE__);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0 || l >= sizeof(out[n].name))
			continue;
		memcpy(out[n].name, e->d_name, l + 1);
		if (strlen(dir) + 1 + l >= sizeof(out[n].path))
			continue;
		memcpy(out[n].path, dir, strlen(dir));
		out[n].path[strlen(dir)] = '/';
		memcpy(out[n].path + strlen(dir) + 1, e->d_name, l + 1);
		n++;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), cmp_pack);
	return n;
}

static void load_pack(struct pol_policy *p, const char *name)
{
	char path[PATH_MAX + 80], err[1024];
	snprintf(path, sizeof(path), "%s/policies/%s", repo_root(), name);
	size_t len;
	char *text = read_whole(path, &len);
	if (!text)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	int rc = pol_policy_load(p, text, len, name, NULL, err, sizeof(err));
	free(text);
	if (rc != 0)
		fail_msg("%s does not load: %s", name, err);
}

/* Two tool-rule sets are the same (order, globs, actions, ids, default). */
static void same_rules(int *bad, const char *what, const struct pol_tool_rules *a,
		       const struct pol_tool_rules *b)
{
	CHECK(*bad, a->count == b->count, "%s: %zu rules, then %zu", what, a->count, b->count);
	CHECK(*bad, a->n_allow == b->n_allow && a->n_deny == b->n_deny, "%s: allow/deny counts",
	      what);
	bool da = a->has_default ? a->default_action == POL_DENY : a->n_allow > 0;
	bool db = b->has_default ? b->default_action == POL_DENY : b->n_allow > 0;
	CHECK(*bad, da == db, "%s: default %s, then %s", what, da ? "deny" : "allow",
	      db ? "deny" : "allow");
	CHECK(*bad, strcmp(a->default_id, b->default_id) == 0, "%s: default id '%s', then '%s'",
	      what, a->default_id, b->default_id);
	for (size_t i = 0; i < a->count && i < b->count; i++) {
		CHECK(*bad, a->rules[i].action == b->rules[i].action, "%s[%zu]: action", what, i);
		CHECK(*bad, strcmp(a->rules[i].glob, b->rules[i].glob) == 0,
		      "%s[%zu]: glob '%s', then '%s'", what, i, tu_show(a->rules[i].glob, strlen(a->rules[i].glob), 0),
		      tu_show(b->rules[i].glob, strlen(b->rules[i].glob), 1));
		CHECK(*bad, strcmp(a->rules[i].id, b->rules[i].id) == 0, "%s[%zu]: id '%s', then '%s'",
		      what, i, a->rules[i].id, b->rules[i].id);
	}
}

/* Field by field: the dump must not lose anything the loader read. */
static int same_policy(const struct pol_policy *a, const struct pol_policy *b)
{
	int bad = 0;
	CHECK(bad, a->version == b->version, "version");
	CHECK(bad, a->mode == b->mode, "mode");
	CHECK(bad, a->deny_reply_error == b->deny_reply_error, "deny_reply");
	same_rules(&bad, "tools", &a->tools, &b->tools);
	same_rules(&bad, "resources", &a->resources, &b->resources);
	same_rules(&bad, "prompts", &a->prompts, &b->prompts);
	CHECK(bad, a->n_arg_rules == b->n_arg_rules, "tools.rules: %zu rules, then %zu",
	      a->n_arg_rules, b->n_arg_rules);
	for (size_t i = 0; i < a->n_arg_rules && i < b->n_arg_rules; i++) {
		const struct pol_arg_rule *x = &a->arg_rules[i], *y = &b->arg_rules[i];
		CHECK(bad, strcmp(x->id, y->id) == 0, "tools.rules[%zu]: id '%s', then '%s'", i, x->id,
		      y->id);
		CHECK(bad, x->tool && y->tool && strcmp(x->tool, y->tool) == 0,
		      "tools.rules[%zu]: tool", i);
		CHECK(bad, x->n_matchers == y->n_matchers, "tools.rules[%zu]: %zu matchers, then %zu",
		      i, x->n_matchers, y->n_matchers);
		for (size_t j = 0; j < x->n_matchers && j < y->n_matchers; j++) {
			const struct pol_arg_matcher *m = &x->matchers[j], *k = &y->matchers[j];
			CHECK(bad, m->path && k->path && strcmp(m->path, k->path) == 0,
			      "tools.rules[%zu] matcher %zu: path", i, j);
			CHECK(bad, m->n_under == k->n_under && m->n_not_under == k->n_not_under &&
					   m->max_length == k->max_length && m->n_enum == k->n_enum &&
					   m->secrets == k->secrets && m->required == k->required &&
					   !m->regex_src == !k->regex_src &&
					   !m->not_regex_src == !k->not_regex_src,
			      "tools.rules[%zu] matcher %zu ('%s'): conditions differ", i, j,
			      m->path ? m->path : "?");
		}
	}
	CHECK(bad, a->n_rate_limits == b->n_rate_limits, "per_minute: %zu, then %zu",
	      a->n_rate_limits, b->n_rate_limits);
	for (size_t i = 0; i < a->n_rate_limits && i < b->n_rate_limits; i++) {
		CHECK(bad, strcmp(a->rate_limits[i].glob, b->rate_limits[i].glob) == 0,
		      "per_minute[%zu]: glob", i);
		CHECK(bad, a->rate_limits[i].limit == b->rate_limits[i].limit,
		      "per_minute[%zu]: limit", i);
		CHECK(bad, strcmp(a->rate_limits[i].id, b->rate_limits[i].id) == 0,
		      "per_minute[%zu]: id", i);
	}
	CHECK(bad, a->session_total == b->session_total, "session_total");
	for (int i = 0; i < POL_CR_COUNT; i++)
		CHECK(bad, a->client_requests[i] == b->client_requests[i], "client_requests.%s",
		      pol_client_request_name((enum pol_client_request)i));
	CHECK(bad, a->responses_max_bytes == b->responses_max_bytes, "responses.max_bytes");
	CHECK(bad, a->responses_secrets == b->responses_secrets, "responses.secrets");
	CHECK(bad, a->pins_on_change == b->pins_on_change, "pins.on_change");
	CHECK(bad, !a->pins_store == !b->pins_store &&
			   (!a->pins_store || strcmp(a->pins_store, b->pins_store) == 0),
	      "pins.store '%s', then '%s'", a->pins_store ? a->pins_store : "(default)",
	      b->pins_store ? b->pins_store : "(default)");
	CHECK(bad, a->pins_keep_descriptions == b->pins_keep_descriptions, "pins.sanitize");
	CHECK(bad, a->audit_arguments == b->audit_arguments, "audit.arguments");
	return bad;
}

/* Load |text|, dump it, load the dump, dump again: both loads succeed,
 * the dumps are identical and the policies equal field by field.  Returns
 * the number of failed checks. */
/* Variables for the shipped policies (the built-in one names ${HOME}). */
static const struct pol_vars pack_vars = {.cwd = "/work", .home = "/home/test", .tmpdir = "/tmp"};

static int round_trip(const char *name, const char *text, size_t len)
{
	int bad = 0;
	struct pol_policy a, b;
	char err[1024];
	if (pol_policy_load(&a, text, len, name, &pack_vars, err, sizeof(err)) != 0) {
		print_error("%s: does not load: %s\n", name, err);
		return 1;
	}
	char *d1 = dump(&a);
	if (pol_policy_load(&b, d1, strlen(d1), name, NULL, err, sizeof(err)) != 0) {
		print_error("%s: the dump does not load: %s\n--- dump ---\n%s\n", name, err, d1);
		pol_policy_close(&a);
		free(d1);
		return 1;
	}
	char *d2 = dump(&b);
	CHECK(bad, strcmp(d1, d2) == 0, "%s: the dump of the dump differs:\n--- first ---\n%s\n--- second ---\n%s",
	      name, d1, d2);
	int diff = same_policy(&a, &b);
	CHECK(bad, diff == 0, "%s: the dump loads to a different policy:\n%s", name, d1);
	pol_policy_close(&a);
	pol_policy_close(&b);
	free(d1);
	free(d2);
	return bad;
}

/* ---- bad policies ---------------------------------------------------------- */

struct bad_case {
	const char *name;
	const char *yaml;
	const char *prefix; /* the exact start of the message: "t.yaml:L:C: " */
	const char *part;   /* a key part of the message */
	const char *part2;  /* another, or NULL */
};

static const struct bad_case bad_cases[] = {
	{"missing version", "mode: enforce\n", "t.yaml:1:1: ", "missing 'version: 1'", NULL},
	{"empty file", "", "t.yaml:1:1: ", "missing 'version: 1'", NULL},
	{"only a comment", "# nothing here\n", "t.yaml:1:1: ", "missing 'version: 1'", NULL},
	{"version 2", "version: 2\n", "t.yaml:1:10: ", "unsupported policy version '2'",
	 "version 1"},
	{"version 1.0", "version: 1.0\n", "t.yaml:1:10: ", "unsupported policy version '1.0'", NULL},
	{"version as a list", "version: [1]\n", "t.yaml:1:10: ", "unsupported policy version", NULL},
	{"misspelt top-level key", "version: 1\ntoools:\n  default: allow\n", "t.yaml:2:1: ",
	 "unknown key 'toools' in the policy", "(did you mean 'tools'?)"},
	{"misspelt key before version", "verison: 1\n", "t.yaml:1:1: ", "unknown key 'verison'",
	 "did you mean 'version'?"},
	{"misspelt deny_reply", "version: 1\ndeny-reply: error\n", "t.yaml:2:1: ",
	 "unknown key 'deny-reply'", "did you mean 'deny_reply'?"},
	{"unknown key, no close match", "version: 1\nfrobnicate: 1\n", "t.yaml:2:1: ",
	 "unknown key 'frobnicate' in the policy (expected one of: version, mode, deny_reply, tools, "
	 "resources, prompts, client_requests, responses, ",
	 "sandbox)"},
	{"sandbox: port out of range", "version: 1\nsandbox:\n  network:\n    connect_tcp: [443, 70000]\n",
	 "t.yaml:4:24: ", "sandbox.network.connect_tcp must be a whole number from 0 to 65535",
	 "'70000'"},
	{"sandbox: port 0", "version: 1\nsandbox:\n  network:\n    bind_tcp: 0\n", "t.yaml:4:15: ",
	 "sandbox.network.bind_tcp: port 0 is not a port", NULL},
	{"sandbox: relative write path", "version: 1\nsandbox:\n  filesystem:\n    write: [data]\n",
	 "t.yaml:4:13: ", "sandbox.filesystem.write: 'data' is not an absolute path", NULL},
	{"sandbox: env mode typo", "version: 1\nsandbox:\n  env:\n    mode: strct\n", "t.yaml:4:11: ",
	 "sandbox.env.mode must be", "not 'strct'"},
	{"sandbox: network word", "version: 1\nsandbox:\n  network: some\n", "t.yaml:3:12: ",
	 "sandbox.network must be", "not 'some'"},
	{"sandbox: misspelt filesystem key", "version: 1\nsandbox:\n  filesystem:\n    exec: [/x]\n",
	 "t.yaml:4:5: ", "unknown key 'exec' in sandbox.filesystem", NULL},
	{"sandbox: zero open files", "version: 1\nsandbox:\n  limits:\n    open_files: 0\n",
	 "t.yaml:4:17: ", "sandbox.limits.open_files must be at least 1", NULL},
	{"sandbox: env allow with =", "version: 1\nsandbox:\n  env:\n    allow: [\"A=B\"]\n",
	 "t.yaml:4:12: ", "sandbox.env.allow: 'A=B' is not a variable name or glob", NULL},
	{"sandbox: enabled not a bool", "version: 1\nsandbox:\n  enabled: yes\n", "t.yaml:3:12: ",
	 "sandbox.enabled must be", "not 'yes'"},
	{"unknown key in tools", "version: 1\ntools:\n  dany: [x]\n", "t.yaml:3:3: ",
	 "unknown key 'dany' in tools", "did you mean 'deny'?"},
	{"unknown key in tools, no match", "version: 1\ntools:\n  whitelist: [x]\n", "t.yaml:3:3: ",
	 "unknown key 'whitelist' in tools (expected one of: ", "default, allow, deny"},
	{"unknown key in resources", "version: 1\nresources:\n  alow: [x]\n", "t.yaml:3:3: ",
	 "unknown key 'alow' in resources", "did you mean 'allow'?"},
	{"tools is a list", "version: 1\ntools: []\n", "t.yaml:2:8: ", "tools must be a map",
	 "not a list"},
	{"tools is a value", "version: 1\ntools: allow\n", "t.yaml:2:8: ", "tools must be a map",
	 "not a single value"},
	{"tools is empty", "version: 1\ntools:\n", "t.yaml:2:7: ", "tools must be a map", NULL},
	{"tools.deny is a map", "version: 1\ntools:\n  deny: {a: 1}\n", "t.yaml:3:9: ",
	 "tools.deny", "not a map"},
	{"tools.allow holds a list", "version: 1\ntools:\n  allow: [a, [b]]\n", "t.yaml:3:14: ",
	 "tools.allow", "not a list"},
	{"mode: fast", "version: 1\nmode: fast\n", "t.yaml:2:7: ", "mode must be enforce or audit",
	 "not 'fast'"},
	{"mode as a map", "version: 1\nmode: {a: b}\n", "t.yaml:2:7: ", "mode must be",
	 "not a map"},
	{"deny_reply: maybe", "version: 1\ndeny_reply: maybe\n", "t.yaml:2:13: ",
	 "deny_reply must be result or error", "not 'maybe'"},
	{"tools.default: perhaps", "version: 1\ntools:\n  default: perhaps\n", "t.yaml:3:12: ",
	 "tools.default must be allow or deny", "not 'perhaps'"},
	{"prompts.default: no", "version: 1\nprompts:\n  default: no\n", "t.yaml:3:12: ",
	 "prompts.default must be allow or deny", "not 'no'"},
	{"empty glob", "version: 1\ntools:\n  deny: [\"\"]\n", "t.yaml:3:10: ",
	 "tools.deny: '' is not a valid glob", NULL},
	{"glob with a lone trailing backslash", "version: 1\ntools:\n  allow: ['abc\\']\n",
	 "t.yaml:3:11: ", "tools.allow: 'abc\\' is not a valid glob", NULL},
	{"empty glob as a single value", "version: 1\nresources:\n  deny: ''\n", "t.yaml:3:9: ",
	 "resources.deny: '' is not a valid glob", NULL},
	{"rate limit 0", "version: 1\ntools:\n  rate_limits:\n    per_minute: {echo: 0}\n",
	 "t.yaml:4:24: ", "per-minute limit of 0", "tools.deny"},
	{"rate limit negative", "version: 1\ntools:\n  rate_limits:\n    per_minute: {echo: -1}\n",
	 "t.yaml:4:24: ", "a per-minute limit must be a whole number", "not '-1'"},
	{"rate limit not a number",
	 "version: 1\ntools:\n  rate_limits:\n    per_minute:\n      echo: ten\n", "t.yaml:5:13: ",
	 "a per-minute limit must be a whole number", "not 'ten'"},
	{"rate limit too large",
	 "version: 1\ntools:\n  rate_limits:\n    per_minute:\n      echo: 1000001\n",
	 "t.yaml:5:13: ", "a per-minute limit must be a whole number from 0 to 1000000", NULL},
	{"rate limit with a bad glob",
	 "version: 1\ntools:\n  rate_limits:\n    per_minute:\n      'x\\': 5\n", "t.yaml:5:7: ",
	 "'x\\' is not a valid tool glob", NULL},
	{"per_minute is a list", "version: 1\ntools:\n  rate_limits:\n    per_minute: [5]\n",
	 "t.yaml:4:17: ", "tools.rate_limits.per_minute must be a map", NULL},
	{"session_total 0", "version: 1\ntools:\n  rate_limits:\n    session_total: 0\n",
	 "t.yaml:4:20: ", "tools.rate_limits.session_total must be at least 1", NULL},
	{"session_total quoted", "version: 1\ntools:\n  rate_limits:\n    session_total: '5'\n",
	 "t.yaml:4:20: ", "tools.rate_limits.session_total must be a whole number", NULL},
	{"session_total too large",
	 "version: 1\ntools:\n  rate_limits:\n    session_total: 100000001\n", "t.yaml:4:20: ",
	 "from 0 to 100000000", NULL},
	{"rate_limits misspelt key", "version: 1\ntools:\n  rate_limits:\n    per_minut: {a: 1}\n",
	 "t.yaml:4:5: ", "unknown key 'per_minut' in tools.rate_limits",
	 "did you mean 'per_minute'?"},
	{"max_bytes 12Q", "version: 1\nresponses:\n  max_bytes: 12Q\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be a size such as 16M", "not '12Q'"},
	{"max_bytes 0", "version: 1\nresponses:\n  max_bytes: 0\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be more than 0", NULL},
	{"max_bytes 0K", "version: 1\nresponses:\n  max_bytes: 0K\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be more than 0", NULL},
	{"max_bytes negative", "version: 1\nresponses:\n  max_bytes: -5\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be a size", NULL},
	{"max_bytes with a space", "version: 1\nresponses:\n  max_bytes: 16 M\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be a size", NULL},
	{"max_bytes over 1T", "version: 1\nresponses:\n  max_bytes: 1025G\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be a size", NULL},
	{"max_bytes empty", "version: 1\nresponses:\n  max_bytes: ''\n", "t.yaml:3:14: ",
	 "responses.max_bytes must be a size", NULL},
	{"responses misspelt key", "version: 1\nresponses:\n  max_byte: 5\n", "t.yaml:3:3: ",
	 "unknown key 'max_byte' in responses", "did you mean 'max_bytes'?"},
	{"client_requests misspelt key", "version: 1\nclient_requests:\n  root: deny\n",
	 "t.yaml:3:3: ", "unknown key 'root' in client_requests", "(did you mean 'roots'?)"},
	{"client_requests misspelt key 2", "version: 1\nclient_requests:\n  samplng: deny\n",
	 "t.yaml:3:3: ", "unknown key 'samplng' in client_requests", "did you mean 'sampling'?"},
	{"client_requests bad value", "version: 1\nclient_requests:\n  roots: block\n",
	 "t.yaml:3:10: ", "client_requests.roots must be allow or deny", "not 'block'"},
	{"client_requests as a list", "version: 1\nclient_requests: [roots]\n", "t.yaml:2:18: ",
	 "client_requests must be a map", NULL},
	{"audit.arguments bad value", "version: 1\naudit:\n  arguments: plain\n", "t.yaml:3:14: ",
	 "audit.arguments must be hash or redacted or full", "not 'plain'"},
	{"audit misspelt key", "version: 1\naudit:\n  argument: full\n", "t.yaml:3:3: ",
	 "unknown key 'argument' in audit", "did you mean 'arguments'?"},
	{"anchor on a map", "version: 1\ntools: &t\n  default: allow\n", "t.yaml:2:8: ",
	 "anchors (&t) are not allowed", NULL},
	{"anchor on a value", "version: 1\nmode: &m enforce\n", "t.yaml:2:7: ",
	 "anchors (&m) are not allowed", NULL},
	{"alias", "version: 1\nmode: *m\n", "t.yaml:2:7: ", "aliases (*m) are not allowed", NULL},
	{"merge key with an alias", "version: 1\ntools:\n  <<: *base\n", "t.yaml:3:7: ",
	 "aliases (*base) are not allowed", NULL},
	{"tag", "version: !!int 1\n", "t.yaml:1:10: ", "tags (", "are not allowed"},
	{"local tag", "version: 1\ntools: !custom\n  default: allow\n", "t.yaml:2:8: ", "tags (",
	 "are not allowed"},
	{"duplicate top-level key", "version: 1\nmode: enforce\nmode: audit\n", "t.yaml:3:1: ",
	 "duplicate key 'mode'", NULL},
	{"duplicate nested key", "version: 1\ntools:\n  deny: [a]\n  deny: [b]\n", "t.yaml:4:3: ",
	 "duplicate key 'deny'", NULL},
	{"duplicate key in a flow map", "version: 1\nclient_requests: {roots: deny, roots: allow}\n",
	 "t.yaml:2:32: ", "duplicate key 'roots'", NULL},
	{"duplicate key spelt differently", "version: 1\n\"version\": 1\n", "t.yaml:2:1: ",
	 "duplicate key 'version'", NULL},
	{"two documents", "version: 1\n---\nversion: 1\n", "t.yaml:2:1: ",
	 "only one YAML document is allowed", NULL},
	{"two explicit documents", "---\nversion: 1\n...\n---\nversion: 1\n", "t.yaml:4:1: ",
	 "only one YAML document is allowed", NULL},
	{"a list document", "- version\n- 1\n", "t.yaml:1:1: ", "a policy must be a map", NULL},
	{"a scalar document", "hello\n", "t.yaml:1:1: ", "a policy must be a map", NULL},
	{"a map key that is a map", "version: 1\n? {a: b}\n: c\n", "t.yaml:2:3: ",
	 "a key must be a plain value", NULL},
	{"invalid YAML: unclosed flow list", "version: 1\ntools:\n  deny: [a, b\n", "t.yaml:4:1: ",
	 "invalid YAML: ", NULL},
	{"invalid YAML: bad indentation", "version: 1\ntools:\n  deny: [a]\n default: deny\n",
	 "t.yaml:4:2: ", "invalid YAML: ", NULL},
	{"invalid YAML: tab indentation", "version: 1\ntools:\n\tdeny: [a]\n", "t.yaml:3:1: ",
	 "invalid YAML: ", NULL},
	{"invalid YAML: unterminated quote", "version: 1\nmode: \"enforce\n", "t.yaml:3:1: ",
	 "invalid YAML: ", NULL},
	{"invalid UTF-8", "version: 1\nmode: \xff\xfe\n", "t.yaml:", "invalid YAML: ", NULL},
	{"a NUL in a value", "version: 1\ntools:\n  deny: [\"a\\0b\"]\n", "t.yaml:3:10: ",
	 "NUL", NULL},
	{"a NUL in a key", "version: 1\n\"a\\0b\": 1\n", "t.yaml:2:1: ", "NUL", NULL},
	{"responses.secrets bad value", "version: 1\nresponses:\n  secrets: maybe\n", "t.yaml:3:12: ",
	 "responses.secrets must be redact or block or off", "not 'maybe'"},
	{"pins.on_change bad value", "version: 1\npins:\n  on_change: sometimes\n", "t.yaml:3:14: ",
	 "pins.on_change must be block or warn or off", "not 'sometimes'"},
	{"pins misspelt key", "version: 1\npins:\n  on_chang: warn\n", "t.yaml:3:3: ",
	 "unknown key 'on_chang' in pins", "did you mean 'on_change'?"},
	{"pins.sanitize yes", "version: 1\npins:\n  sanitize: yes\n", "t.yaml:3:13: ", "pins.sanitize",
	 "not 'yes'"},
	{"pins.store relative", "version: 1\npins:\n  store: relative/pins.json\n", "t.yaml:3:10: ",
	 "pins.store", "not an absolute path"},
	/* tools.rules (argument rules): the same strictness. */
	{"tools.rules misspelt matcher",
	 "version: 1\ntools:\n  rules:\n    - id: r\n      tool: read_file\n      args:\n"
	 "        path: {undr: [/tmp]}\n",
	 "t.yaml:7:16: ", "unknown key 'undr'", "did you mean 'under'?"},
	{"tools.rules misspelt rule key",
	 "version: 1\ntools:\n  rules:\n    - id: r\n      tol: read_file\n      args:\n"
	 "        path: {max_length: 5}\n",
	 "t.yaml:5:7: ", "unknown key 'tol'", "did you mean 'tool'?"},
	{"tools.rules bad regex",
	 "version: 1\ntools:\n  rules:\n    - id: r\n      tool: echo\n      args:\n"
	 "        text: {regex: '(unclosed'}\n",
	 "t.yaml:7:23: ", "regex", "not a valid POSIX extended regular expression"},
	{"tools.rules bad secrets value",
	 "version: 1\ntools:\n  rules:\n    - id: r\n      tool: echo\n      args:\n"
	 "        any: {secrets: maybe}\n",
	 "t.yaml:7:24: ", "secrets", "not 'maybe'"},
	{"tools.rules variable without vars",
	 "version: 1\ntools:\n  rules:\n    - id: r\n      tool: read_file\n      args:\n"
	 "        path: {under: ['${CWD}/allowed']}\n",
	 "t.yaml:7:24: ", "under", "variables"},
	{"tools.rules is a map",
	 "version: 1\ntools:\n  rules: {id: r}\n", "t.yaml:3:10: ", "tools.rules must be a list",
	 NULL},
};

static void test_bad_policies(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pol_policy p;
		char err[1024];
		memset(err, 0, sizeof(err));
		int rc = load(&p, c->yaml, err, sizeof(err));
		CHECK(bad, rc == -1, "[%s] loaded, but should not: %s", c->name,
		      tu_show(c->yaml, strlen(c->yaml), 0));
		if (rc != -1) {
			pol_policy_close(&p);
			continue;
		}
		CHECK(bad, strncmp(err, c->prefix, strlen(c->prefix)) == 0,
		      "[%s] message does not start with '%s': %s", c->name, c->prefix, err);
		CHECK(bad, strstr(err, c->part) != NULL, "[%s] message lacks '%s': %s", c->name,
		      c->part, err);
		CHECK(bad, !c->part2 || strstr(err, c->part2) != NULL, "[%s] message lacks '%s': %s",
		      c->name, c->part2 ? c->part2 : "", err);
		CHECK(bad, strchr(err, '\n') == NULL, "[%s] message has a newline: %s", c->name, err);
		/* A failed load leaves an empty policy that closes cleanly. */
		CHECK(bad, p.tools.count == 0 && p.n_rate_limits == 0 && p.n_arg_rules == 0 &&
				   p.source == NULL,
		      "[%s] the policy is not empty after a failed load", c->name);
		pol_policy_close(&p);
	}
	assert_int_equal(bad, 0);
}

/* The message names the file as given, and a short buffer is cut, not
 * overrun. */
static void test_error_source_and_truncation(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[256];
	const char *y = "version: 1\nmode: fast\n";
	assert_int_equal(pol_policy_load(&p, y, strlen(y), "/etc/assay/policy.yaml", NULL, err,
					 sizeof(err)),
			 -1);
	assert_string_equal(err, "/etc/assay/policy.yaml:2:7: mode must be enforce or audit, not 'fast'");

	char small[16];
	memset(small, 'Z', sizeof(small));
	assert_int_equal(pol_policy_load(&p, y, strlen(y), "t.yaml", NULL, small, 12), -1);
	assert_int_equal(small[11], '\0');
	assert_int_equal(small[12], 'Z');
	assert_memory_equal(small, "t.yaml:2:7:", 11);

	/* A syntax error too. */
	memset(small, 'Z', sizeof(small));
	const char *s = "version: 1\nmode: [\n";
	assert_int_equal(pol_policy_load(&p, s, strlen(s), "t.yaml", NULL, small, 10), -1);
	assert_int_equal(small[9], '\0');
	assert_int_equal(small[10], 'Z');
}

/* Limits: 1 MiB of text, 32 levels of nesting. */
static void test_size_limit(void **state)
{
	(void)state;
	const size_t max = 1024 * 1024;
	char *text = malloc(max + 2);
	assert_non_null(text);
	/* Exactly 1 MiB: "version: 1\n" then comment lines. */
	size_t n = (size_t)snprintf(text, max, "version: 1\n");
	while (n < max) {
		size_t line = max - n < 80 ? max - n : 80;
		memset(text + n, '#', line - 1);
		text[n + line - 1] = '\n';
		n += line;
	}
	assert_int_equal(n, max);
	struct pol_policy p;
	char err[1024];
	int rc = pol_policy_load(&p, text, max, "t.yaml", NULL, err, sizeof(err));
	if (rc != 0)
		fail_msg("a policy of exactly 1 MiB does not load: %s", err);
	pol_policy_close(&p);

	/* One byte more. */
	text[max] = '\n';
	rc = pol_policy_load(&p, text, max + 1, "t.yaml", NULL, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_true(strncmp(err, "t.yaml:1:1: ", 12) == 0);
	assert_non_null(strstr(err, "larger than 1048576 bytes"));
	free(text);
}

static char *nested(int levels, bool flow)
{
	/* tools: then |levels| nested lists, the innermost holding "x". */
	struct tu_buf b = {0};
	tu_buf_add(&b, "version: 1\ntools:", 17);
	if (flow) {
		tu_buf_add(&b, " ", 1);
		for (int i = 0; i < levels; i++)
			tu_buf_add(&b, "[", 1);
		tu_buf_add(&b, "x", 1);
		for (int i = 0; i < levels; i++)
			tu_buf_add(&b, "]", 1);
		tu_buf_add(&b, "\n", 1);
	} else {
		tu_buf_add(&b, "\n", 1);
		for (int i = 0; i < levels; i++) {
			for (int j = 0; j < i + 1; j++)
				tu_buf_add(&b, " ", 1);
			tu_buf_add(&b, i + 1 < levels ? "-\n" : "- x\n", i + 1 < levels ? 2 : 4);
		}
	}
	return b.p;
}

static void test_depth_limit(void **state)
{
	(void)state;
	int bad = 0;
	for (int flow = 0; flow < 2; flow++) {
		/* The root map is level 1 and tools' value level 2: with 31 lists
		 * the innermost value is level 33 (depth 32 from the root). */
		for (int levels = 20; levels <= 40; levels++) {
			char *y = nested(levels, flow);
			struct pol_policy p;
			char err[1024];
			int rc = load(&p, y, err, sizeof(err));
			CHECK(bad, rc == -1, "%d %s levels loaded", levels, flow ? "flow" : "block");
			bool deep = strstr(err, "nested too deeply") != NULL;
			/* depth of "x" = levels + 1 (root = 0) */
			bool want_deep = levels + 1 > 32;
			CHECK(bad, deep == want_deep, "%d %s levels: %s", levels, flow ? "flow" : "block",
			      err);
			if (!want_deep)
				CHECK(bad, strstr(err, "tools must be a map") != NULL, "%d levels: %s",
				      levels, err);
			if (flow && want_deep)
				CHECK(bad, strncmp(err, "t.yaml:2:", 9) == 0, "position: %s", err);
			free(y);
		}
	}
	/* Nesting in a flow map counts the same. */
	struct tu_buf b = {0};
	tu_buf_addf(&b, "version: 1\nx: ");
	for (int i = 0; i < 100; i++)
		tu_buf_add(&b, "{a: ", 4);
	tu_buf_add(&b, "1", 1);
	for (int i = 0; i < 100; i++)
		tu_buf_add(&b, "}", 1);
	struct pol_policy p;
	char err[1024];
	CHECK(bad, load(&p, b.p, err, sizeof(err)) == -1, "deep flow maps loaded");
	CHECK(bad, strstr(err, "nested too deeply") != NULL, "deep flow maps: %s", err);
	tu_buf_free(&b);
	assert_int_equal(bad, 0);
}

/* Many nodes in few bytes are refused, not expanded without bound. */
static void test_node_limit(void **state)
{
	(void)state;
	struct tu_buf b = {0};
	tu_buf_addf(&b, "version: 1\ntools:\n  deny: [");
	for (int i = 0; i < 100100; i++)
		tu_buf_add(&b, "a,", 2);
	tu_buf_add(&b, "a]\n", 3);
	assert_true(b.len < 1024 * 1024);
	struct pol_policy p;
	char err[1024];
	assert_int_equal(load(&p, b.p, err, sizeof(err)), -1);
	assert_true(strncmp(err, "t.yaml:3:", 9) == 0);
	assert_non_null(strstr(err, "too many nodes"));
	tu_buf_free(&b);

	/* 10,000 deny globs are fine. */
	tu_buf_addf(&b, "version: 1\ntools:\n  deny: [");
	for (int i = 0; i < 10000; i++)
		tu_buf_addf(&b, "t%d,", i);
	tu_buf_add(&b, "last]\n", 6);
	if (load(&p, b.p, err, sizeof(err)) != 0)
		fail_msg("10001 deny globs: %s", err);
	assert_int_equal(p.tools.n_deny, 10001);
	assert_string_equal(p.tools.rules[10000].id, "tools.deny[10000]");
	struct pol_decision d;
	pol_tool_rules_decide(&p.tools, "t9999", 5, &d);
	assert_int_equal(d.action, POL_DENY);
	assert_string_equal(d.rule_id, "tools.deny[9999]");
	pol_policy_close(&p);
	tu_buf_free(&b);
}

/* ---- good policies ---------------------------------------------------------- */

/* The sandbox section: defaults, and each key landing where it should. */
static void test_sandbox_values(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[1024];
	assert_int_equal(load(&p, "version: 1\n", err, sizeof(err)), 0);
	const struct pol_sandbox *sb = &p.sandbox;
	assert_true(sb->enabled);
	assert_false(sb->fail_closed);
	assert_int_equal(sb->env_mode, POL_ENV_SCRUB);
	assert_true(sb->fs_system);
	assert_int_equal(sb->fs_cwd, POL_CWD_READ);
	assert_false(sb->net_open);
	assert_int_equal(sb->n_connect_tcp, 2);
	assert_int_equal(sb->connect_tcp[0], 443);
	assert_int_equal(sb->connect_tcp[1], 53);
	assert_int_equal(sb->n_bind_tcp, 0);
	assert_false(sb->udp);
	assert_true(sb->scope_abstract_unix);
	assert_true(sb->scope_signals);
	for (int i = 0; i < POL_LIMIT_COUNT; i++)
		assert_int_equal(sb->limits[i], -1);
	pol_policy_close(&p);

	assert_int_equal(load(&p,
			      "version: 1\nsandbox:\n  env: {mode: strict, allow: [K_*]}\n"
			      "  filesystem: {cwd: write, write: [/srv/w], deny: [/srv/w/x]}\n"
			      "  network: {bind_tcp: [8080]}\n  limits: {file_size: 2M}\n",
			      err, sizeof(err)),
			 0);
	assert_int_equal(sb->env_mode, POL_ENV_STRICT);
	assert_int_equal(sb->n_env_allow, 1);
	assert_string_equal(sb->env_allow[0], "K_*");
	assert_int_equal(sb->fs_cwd, POL_CWD_WRITE);
	assert_int_equal(sb->n_fs_write, 1);
	assert_string_equal(sb->fs_write[0], "/srv/w");
	assert_string_equal(sb->fs_deny[0], "/srv/w/x");
	/* A network map replaces the default ports: no connect at all here. */
	assert_int_equal(sb->n_connect_tcp, 0);
	assert_int_equal(sb->n_bind_tcp, 1);
	assert_int_equal(sb->bind_tcp[0], 8080);
	assert_int_equal(sb->limits[POL_LIMIT_FILE_SIZE], 2 * 1024 * 1024);
	assert_int_equal(sb->limits[POL_LIMIT_OPEN_FILES], -1);
	pol_policy_close(&p);

	assert_int_equal(load(&p, "version: 1\nsandbox:\n  network: none\n", err, sizeof(err)), 0);
	assert_int_equal(sb->n_connect_tcp, 0);
	assert_false(sb->net_open);
	pol_policy_close(&p);
	assert_int_equal(load(&p, "version: 1\nsandbox:\n  network: open\n", err, sizeof(err)), 0);
	assert_true(sb->net_open);
	pol_policy_close(&p);
}

static void test_values(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[1024];
	const char *y = "version: 1\n"
			"mode: audit\n"
			"deny_reply: error\n"
			"tools:\n"
			"  default: allow\n"
			"  deny: [\"write_*\", \"delete_*\", \"move_file\"]\n"
			"  rate_limits:\n"
			"    per_minute: {\"*\": 120, \"edit_*\": 10}\n"
			"    session_total: 5000\n"
			"resources:\n"
			"  deny: [\"file:///etc/*\"]\n"
			"prompts:\n"
			"  default: allow\n"
			"client_requests:\n"
			"  elicitation_url: deny\n"
			"  roots: deny\n"
			"responses:\n"
			"  max_bytes: 16M\n"
			"audit:\n"
			"  arguments: redacted\n";
	if (load(&p, y, err, sizeof(err)) != 0)
		fail_msg("the example of docs/policy.md: %s", err);
	assert_string_equal(p.source, "t.yaml");
	assert_int_equal(p.version, 1);
	assert_int_equal(p.mode, POL_MODE_AUDIT);
	assert_true(p.deny_reply_error);
	assert_int_equal(p.tools.count, 3);
	assert_int_equal(p.tools.n_deny, 3);
	assert_string_equal(p.tools.rules[2].glob, "move_file");
	assert_string_equal(p.tools.rules[2].id, "tools.deny[2]");
	assert_int_equal(p.n_rate_limits, 2);
	assert_string_equal(p.rate_limits[0].glob, "*");
	assert_int_equal(p.rate_limits[0].limit, 120);
	assert_string_equal(p.rate_limits[0].id, "tools.rate_limits.per_minute[0]");
	assert_string_equal(p.rate_limits[1].glob, "edit_*");
	assert_int_equal(p.rate_limits[1].limit, 10);
	assert_string_equal(p.rate_limits[1].id, "tools.rate_limits.per_minute[1]");
	assert_int_equal(p.session_total, 5000);
	assert_int_equal(p.resources.count, 1);
	assert_string_equal(p.resources.rules[0].id, "resources.deny[0]");
	assert_int_equal(p.prompts.count, 0);
	assert_int_equal(p.client_requests[POL_CR_SAMPLING], POL_ALLOW);
	assert_int_equal(p.client_requests[POL_CR_ELICITATION], POL_ALLOW);
	assert_int_equal(p.client_requests[POL_CR_ELICITATION_URL], POL_DENY);
	assert_int_equal(p.client_requests[POL_CR_ROOTS], POL_DENY);
	assert_int_equal(p.responses_max_bytes, 16u * 1024 * 1024);
	assert_int_equal(p.audit_arguments, POL_AUDIT_ARGS_REDACTED);
	pol_policy_close(&p);

	/* Defaults. */
	const char *v = "version: 1\n";
	assert_int_equal(load(&p, v, err, sizeof(err)), 0);
	assert_int_equal(p.mode, POL_MODE_ENFORCE);
	assert_false(p.deny_reply_error);
	assert_false(pol_tool_rules_active(&p.tools));
	assert_false(pol_tool_rules_active(&p.resources));
	assert_false(pol_tool_rules_active(&p.prompts));
	assert_int_equal(p.n_rate_limits, 0);
	assert_int_equal(p.session_total, 0);
	for (int i = 0; i < POL_CR_COUNT; i++)
		assert_int_equal(p.client_requests[i], POL_ALLOW);
	assert_int_equal(p.responses_max_bytes, 0);
	assert_int_equal(p.audit_arguments, POL_AUDIT_ARGS_HASH);
	assert_int_equal(p.n_arg_rules, 0);
	pol_policy_close(&p);

	/* Sizes. */
	static const struct {
		const char *text;
		size_t bytes;
	} sizes[] = {
		{"1", 1},
		{"1048576", 1048576},
		{"512K", 512 * 1024},
		{"512k", 512 * 1024},
		{"16M", 16u * 1024 * 1024},
		{"1G", 1024u * 1024 * 1024},
		{"16MiB", 16u * 1024 * 1024},
		{"2KB", 2048},
		{"1024G", (size_t)1 << 40},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "version: 1\nresponses:\n  max_bytes: %s\n", sizes[i].text);
		int rc = load(&p, text, err, sizeof(err));
		CHECK(bad, rc == 0, "max_bytes %s: %s", sizes[i].text, err);
		CHECK(bad, rc != 0 || p.responses_max_bytes == sizes[i].bytes, "max_bytes %s: %zu",
		      sizes[i].text, p.responses_max_bytes);
		pol_policy_close(&p);
	}
	/* Each audit mode, each client request. */
	static const char *const modes[] = {"hash", "redacted", "full"};
	for (int i = 0; i < 3; i++) {
		char text[128];
		snprintf(text, sizeof(text), "version: 1\naudit: {arguments: %s}\n", modes[i]);
		CHECK(bad, load(&p, text, err, sizeof(err)) == 0, "%s: %s", text, err);
		CHECK(bad, (int)p.audit_arguments == i, "audit.arguments %s", modes[i]);
		pol_policy_close(&p);
	}
	for (int i = 0; i < POL_CR_COUNT; i++) {
		char text[128];
		snprintf(text, sizeof(text), "version: 1\nclient_requests:\n  %s: deny\n",
			 pol_client_request_name((enum pol_client_request)i));
		CHECK(bad, load(&p, text, err, sizeof(err)) == 0, "%s: %s", text, err);
		for (int j = 0; j < POL_CR_COUNT; j++)
			CHECK(bad, p.client_requests[j] == (i == j ? POL_DENY : POL_ALLOW),
			      "client_requests %d after denying %d", j, i);
		pol_policy_close(&p);
	}
	assert_string_equal(pol_client_request_name(POL_CR_ELICITATION_URL), "elicitation_url");
	assert_int_equal(bad, 0);
}

static void test_shipped_packs_load(void **state)
{
	(void)state;
	struct pack packs[32];
	size_t n = list_packs(packs, 32);
	int bad = 0;
	/* The four documented packs are there. */
	static const char *const documented[] = {"ci.yaml", "default.yaml",
						 "filesystem-readonly.yaml", "strict.yaml"};
	for (size_t i = 0; i < 4; i++) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			found |= strcmp(packs[j].name, documented[i]) == 0;
		CHECK(bad, found, "policies/%s is missing", documented[i]);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *text = read_whole(packs[i].path, &len);
		CHECK(bad, text != NULL, "cannot read %s", packs[i].path);
		if (!text)
			continue;
		struct pol_policy p;
		char err[1024];
		int rc = pol_policy_load(&p, text, len, packs[i].name, &pack_vars, err, sizeof(err));
		CHECK(bad, rc == 0, "%s does not load: %s", packs[i].name, err);
		if (rc == 0) {
			CHECK(bad, strcmp(p.source, packs[i].name) == 0, "%s: source", packs[i].name);
			pol_policy_close(&p);
		}
		bad += round_trip(packs[i].name, text, len);
		free(text);
	}
	assert_int_equal(bad, 0);
}

/* The compiled-in default is policies/default.yaml, byte for byte. */
static void test_builtin_default(void **state)
{
	(void)state;
	char path[PATH_MAX + 80];
	snprintf(path, sizeof(path), "%s/policies/default.yaml", repo_root());
	size_t len;
	char *text = read_whole(path, &len);
	assert_non_null(text);
	assert_int_equal(pol_default_yaml_len, len);
	assert_memory_equal(pol_default_yaml, text, len);
	assert_int_equal(pol_default_yaml[len], '\0');
	free(text);
	struct pol_policy p;
	char err[1024];
	if (pol_policy_load(&p, pol_default_yaml, pol_default_yaml_len, "<built-in default>",
			    &pack_vars, err, sizeof(err)) != 0)
		fail_msg("the built-in default does not load: %s", err);
	/* Everything allowed. */
	struct pol_decision d;
	pol_tool_rules_decide(&p.tools, "write_file", 10, &d);
	assert_int_equal(d.action, POL_ALLOW);
	assert_int_equal(p.mode, POL_MODE_ENFORCE);
	assert_false(p.deny_reply_error);
	pol_policy_close(&p);
}

static const char *const round_trip_cases[] = {
	"version: 1\n",
	"version: 1\nmode: audit\ndeny_reply: error\n",
	"version: 1\ntools:\n  allow: [read_file]\n",
	"version: 1\ntools:\n  default: allow\n  allow: [read_file]\n  deny: write_file\n",
	"version: 1\ntools:\n  default: deny\n",
	"version: 1\ntools:\n  deny: [\"a\\\\*b\", \"quote\\\"d\", \"back\\\\\\\\slash\", \"col: on\", "
	"\"# hash\", \"tab\\there\", \"- dash\", \"[x]\", \"{y}\", \"&a\", \"*b\", \"!t\", \"%p\", \"@\", "
	"\"`\", \"'\", \"\\u00e9\\u2603\"]\n",
	"version: 1\ntools:\n  rate_limits:\n    per_minute: {\"*\": 120, \"edit_*\": 10, \"a: b\": 1, "
	"\"#\": 2}\n    session_total: 100000000\n",
	"version: 1\ntools:\n  rate_limits:\n    session_total: 1\n",
	"version: 1\nresources:\n  default: deny\n  allow: [\"file:///srv/*\"]\n  deny: "
	"[\"file:///srv/secret*\"]\nprompts:\n  deny: [\"*\"]\n",
	"version: 1\nclient_requests: {sampling: deny, elicitation: deny, elicitation_url: deny, roots: "
	"deny}\n",
	"version: 1\nresponses:\n  max_bytes: 1024G\naudit:\n  arguments: full\n",
	"version: 1\nresponses: {}\naudit: {}\nclient_requests: {}\nprompts: {}\n",
	"version: 1\nresponses:\n  secrets: block\npins:\n  on_change: warn\n  sanitize: false\n"
	"  store: \"/var/lib/a b/pins.json\"\n",
	"version: 1\nresponses:\n  secrets: off\npins:\n  on_change: off\n",
	"version: 1\nsandbox:\n  fail_closed: true\n  require_landlock: true\n  env:\n    mode: strict\n"
	"    allow: [\"MY_API_KEY\", \"FOO_*\"]\n  filesystem:\n    system: false\n    cwd: write\n"
	"    read: [/srv/data]\n    write: [\"/var/tmp/a b\"]\n    execute: [/opt/tool]\n"
	"    deny: [/srv/data/private]\n  network:\n    connect_tcp: [443, 8080]\n    bind_tcp: [3000]\n"
	"    udp: true\n    unix_sockets: [/run/app.sock]\n  isolate: {abstract_unix: false, signals: "
	"false}\n  limits: {open_files: 256, file_size: 1G, processes: 64, address_space: 8G, "
	"cpu_seconds: 3600}\n",
	"version: 1\nsandbox:\n  network: none\n  env: {mode: passthrough}\n",
	"version: 1\nsandbox:\n  network: open\n  enabled: false\n  filesystem: {cwd: none}\n",

	/* Characters a YAML reader folds or drops when written raw. */
	"version: 1\ntools:\n  deny: [\"a\\u0085b\"]\n",
	"version: 1\ntools:\n  deny: [\"c\\u2028d\"]\n",
	"version: 1\ntools:\n  deny: [\"e\\u2029f\"]\n",
	"version: 1\ntools:\n  deny: [\"g\\ufeffh\", \"\\x7f\", \"\\x01\", \"\\r\\n\", \"\\t\"]\n",
	"version: 1\nresources:\n  deny: [\"file:///a\\u0085b\"]\n",
	"version: 1\ntools:\n  rate_limits:\n    per_minute: {\"x\\u0085y\": 3}\n",
	"version: 1\ntools:\n  deny: [\" lead\", \"trail \", \"  \"]\n",
	"version: 1\ntools:\n  rules:\n    - id: echo-short\n      tool: echo\n      args:\n"
	"        text: {max_length: 10, regex: '^[a-z]*$', not_regex: 'x', enum: [a, b], "
	"required: true}\n        any: {secrets: deny}\n",
};

static void test_round_trip(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(round_trip_cases) / sizeof(round_trip_cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "case %zu", i);
		bad += round_trip(name, round_trip_cases[i], strlen(round_trip_cases[i]));
	}
	assert_int_equal(bad, 0);
}

/* The source name is shown in the dump's first comment; a name with a
 * line break (a file may be called anything) must not become policy text. */
static void test_dump_source_name(void **state)
{
	(void)state;
	int bad = 0;
	static const char *const names[] = {"plain.yaml", "dir with spaces/p.yaml",
					    "evil\nmode: enforce\n#", "cr\rmode: enforce",
					    "x\ntools: {default: deny}", "nel\xc2\x85mode: enforce",
					    "ls\xe2\x80\xa8mode: enforce", "ps\xe2\x80\xa9mode: enforce"};
	const char *y = "version: 1\nmode: audit\n";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pol_policy a, b;
		char err[1024];
		assert_int_equal(pol_policy_load(&a, y, strlen(y), names[i], NULL, err, sizeof(err)), 0);
		assert_string_equal(a.source, names[i]);
		char *d = dump(&a);
		int rc = pol_policy_load(&b, d, strlen(d), "again.yaml", NULL, err, sizeof(err));
		CHECK(bad, rc == 0, "source '%s': the dump does not load: %s\n%s",
		      tu_show(names[i], strlen(names[i]), 0), err, d);
		if (rc == 0) {
			CHECK(bad, same_policy(&a, &b) == 0,
			      "source '%s': the dump loads to another policy:\n%s",
			      tu_show(names[i], strlen(names[i]), 0), d);
			pol_policy_close(&b);
		}
		free(d);
		pol_policy_close(&a);
	}
	assert_int_equal(bad, 0);
}

/* The dump states every default and names every rule id. */
static void test_dump_content(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[1024];
	const char *y = "version: 1\ntools:\n  allow: [read_file]\n  deny: [\"w*\"]\n"
			"  rate_limits: {per_minute: {echo: 2}}\n";
	assert_int_equal(load(&p, y, err, sizeof(err)), 0);
	char *d = dump(&p);
	int bad = 0;
	static const char *const want[] = {
		"version: 1\n", "mode: enforce\n", "deny_reply: result\n", "tools:\n",
		"  default: deny\n", "tools.deny[0]", "tools.allow[0]",
		"tools.rate_limits.per_minute[0]", "resources:\n", "prompts:\n",
		"client_requests:\n", "  roots: allow\n", "  sampling: allow\n", "responses:\n",
		"audit:\n  arguments: hash\n", "t.yaml",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(bad, strstr(d, want[i]) != NULL, "the dump lacks '%s':\n%s", want[i], d);
	free(d);
	pol_policy_close(&p);
	assert_int_equal(bad, 0);
}

/* ---- decisions of the loaded rules ------------------------------------------ */

struct want {
	const char *tool;
	enum pol_action action;
	const char *rule_id;
};

static int decide_all(const char *what, const struct pol_tool_rules *r, const struct want *w,
		      size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct pol_decision d;
		pol_tool_rules_decide(r, w[i].tool, strlen(w[i].tool), &d);
		CHECK(bad, d.action == w[i].action, "%s: '%s' is %s, want %s (rule %s)", what,
		      w[i].tool, d.action == POL_DENY ? "denied" : "allowed",
		      w[i].action == POL_DENY ? "denied" : "allowed", d.rule_id);
		CHECK(bad, d.rule_id && strcmp(d.rule_id, w[i].rule_id) == 0,
		      "%s: '%s' decided by %s, want %s", what, w[i].tool, d.rule_id ? d.rule_id : "(null)",
		      w[i].rule_id);
		CHECK(bad, d.reason != NULL, "%s: '%s' without a reason", what, w[i].tool);
	}
	return bad;
}

static void test_decisions(void **state)
{
	(void)state;
	int bad = 0;
	struct pol_policy p;
	char err[1024];

	/* Deny wins over allow, whatever the order in the file. */
	const char *y1 = "version: 1\ntools:\n  allow: [\"*\"]\n  deny: [\"write_*\", \"rm\"]\n";
	assert_int_equal(load(&p, y1, err, sizeof(err)), 0);
	static const struct want w1[] = {
		{"write_file", POL_DENY, "tools.deny[0]"},
		{"rm", POL_DENY, "tools.deny[1]"},
		{"rmdir", POL_ALLOW, "tools.allow[0]"},
		{"read_file", POL_ALLOW, "tools.allow[0]"},
		{"", POL_DENY, "invalid_name"},
	};
	bad += decide_all("deny wins", &p.tools, w1, sizeof(w1) / sizeof(w1[0]));
	pol_policy_close(&p);

	/* An allow list without a default means "only these". */
	const char *y2 = "version: 1\ntools:\n  allow: [read_file, \"list_*\"]\n";
	assert_int_equal(load(&p, y2, err, sizeof(err)), 0);
	static const struct want w2[] = {
		{"read_file", POL_ALLOW, "tools.allow[0]"},
		{"list_dir", POL_ALLOW, "tools.allow[1]"},
		{"write_file", POL_DENY, "tools.default"},
		{"read_file2", POL_DENY, "tools.default"},
		{"Read_file", POL_DENY, "tools.default"},
	};
	bad += decide_all("allow list", &p.tools, w2, sizeof(w2) / sizeof(w2[0]));
	{
		struct pol_decision d;
		pol_tool_rules_decide(&p.tools, "x", 1, &d);
		CHECK(bad, d.reason && strstr(d.reason, "tools.default: deny") != NULL,
		      "reason of a default denial: %s", d.reason ? d.reason : "(null)");
	}
	pol_policy_close(&p);

	/* An explicit default: allow keeps unlisted tools allowed. */
	const char *y3 = "version: 1\ntools:\n  default: allow\n  allow: [a]\n  deny: [b]\n";
	assert_int_equal(load(&p, y3, err, sizeof(err)), 0);
	static const struct want w3[] = {
		{"a", POL_ALLOW, "tools.allow[0]"},
		{"b", POL_DENY, "tools.deny[0]"},
		{"c", POL_ALLOW, "default"},
	};
	bad += decide_all("default allow", &p.tools, w3, sizeof(w3) / sizeof(w3[0]));
	pol_policy_close(&p);

	/* default: deny with nothing else. */
	const char *y4 = "version: 1\ntools:\n  default: deny\n";
	assert_int_equal(load(&p, y4, err, sizeof(err)), 0);
	CHECK(bad, pol_tool_rules_active(&p.tools), "default: deny is not active");
	static const struct want w4[] = {{"anything", POL_DENY, "tools.default"}};
	bad += decide_all("default deny", &p.tools, w4, 1);
	pol_policy_close(&p);

	/* Globs: ?, escapes, case. */
	const char *y5 = "version: 1\ntools:\n  deny: [\"a?c\", \"lit\\\\*\", \"ABC\"]\n";
	assert_int_equal(load(&p, y5, err, sizeof(err)), 0);
	static const struct want w5[] = {
		{"abc", POL_DENY, "tools.deny[0]"},
		{"ac", POL_ALLOW, "default"},
		{"lit*", POL_DENY, "tools.deny[1]"},
		{"litx", POL_ALLOW, "default"},
		{"abC", POL_ALLOW, "default"},
		{"ABC", POL_DENY, "tools.deny[2]"},
		{"aBc", POL_DENY, "tools.deny[0]"},
		{"abcd", POL_ALLOW, "default"},
	};
	bad += decide_all("globs", &p.tools, w5, sizeof(w5) / sizeof(w5[0]));
	/* A NUL byte in the name. */
	{
		struct pol_decision d;
		pol_tool_rules_decide(&p.tools, "ab\0c", 4, &d);
		CHECK(bad, d.action == POL_DENY && strcmp(d.rule_id, "invalid_name") == 0,
		      "a name with a NUL: %s", d.rule_id);
	}
	pol_policy_close(&p);

	/* The shipped packs. */
	load_pack(&p, "strict.yaml");
	static const struct want ws[] = {
		{"read_file", POL_ALLOW, "tools.allow[0]"},
		{"list_directory", POL_ALLOW, "tools.allow[1]"},
		{"get_file_info", POL_ALLOW, "tools.allow[2]"},
		{"directory_tree", POL_ALLOW, "tools.allow[5]"},
		{"write_file", POL_DENY, "tools.deny[0]"},
		{"read_and_write", POL_DENY, "tools.deny[0]"},
		{"get_and_delete", POL_DENY, "tools.deny[2]"},
		{"read_fetch", POL_DENY, "tools.deny[11]"},
		{"install_info", POL_DENY, "tools.deny[15]"},
		{"echo", POL_DENY, "tools.default"},
	};
	bad += decide_all("strict.yaml", &p.tools, ws, sizeof(ws) / sizeof(ws[0]));
	CHECK(bad, !p.deny_reply_error && p.mode == POL_MODE_ENFORCE, "strict.yaml settings");
	pol_policy_close(&p);

	load_pack(&p, "filesystem-readonly.yaml");
	static const struct want wf[] = {
		{"read_file", POL_ALLOW, "tools.allow[0]"},
		{"read_text_file", POL_ALLOW, "tools.allow[1]"},
		{"list_allowed_directories", POL_ALLOW, "tools.allow[9]"},
		{"write_file", POL_DENY, "tools.default"},
		{"edit_file", POL_DENY, "tools.default"},
		{"create_directory", POL_DENY, "tools.default"},
		{"move_file", POL_DENY, "tools.default"},
		{"read_text_files", POL_DENY, "tools.default"},
	};
	bad += decide_all("filesystem-readonly.yaml", &p.tools, wf, sizeof(wf) / sizeof(wf[0]));
	pol_policy_close(&p);

	load_pack(&p, "ci.yaml");
	static const struct want wc[] = {
		{"echo", POL_ALLOW, "default"},
		{"delete_file", POL_DENY, "tools.deny[0]"},
		{"remove", POL_DENY, "tools.deny[1]"},
		{"exec_command", POL_DENY, "tools.deny[2]"},
		{"run_shell", POL_DENY, "tools.deny[3]"},
		{"npm_install", POL_DENY, "tools.deny[4]"},
	};
	bad += decide_all("ci.yaml", &p.tools, wc, sizeof(wc) / sizeof(wc[0]));
	CHECK(bad, p.deny_reply_error, "ci.yaml answers denials with errors");
	pol_policy_close(&p);

	/* resources and prompts use the same rules with their own ids. */
	const char *y6 = "version: 1\nresources:\n  deny: [\"file:///etc/*\"]\nprompts:\n"
			 "  default: deny\n  allow: [greet]\n";
	assert_int_equal(load(&p, y6, err, sizeof(err)), 0);
	static const struct want wr[] = {
		{"file:///etc/passwd", POL_DENY, "resources.deny[0]"},
		{"file:///home/x", POL_ALLOW, "default"},
	};
	bad += decide_all("resources", &p.resources, wr, sizeof(wr) / sizeof(wr[0]));
	static const struct want wp[] = {
		{"greet", POL_ALLOW, "prompts.allow[0]"},
		{"other", POL_DENY, "prompts.default"},
	};
	bad += decide_all("prompts", &p.prompts, wp, sizeof(wp) / sizeof(wp[0]));
	CHECK(bad, !pol_tool_rules_active(&p.tools), "tools are not active");
	pol_policy_close(&p);

	assert_int_equal(bad, 0);
}

/* Loading never takes long: a regular expression whose compilation would
 * blow up (stacked quantifiers) is refused or compiled quickly, in a child
 * with an alarm so that a hang fails the test instead of stalling it. */
static void test_regex_compile_time(void **state)
{
	(void)state;
	/* "^[a-z]" + N stacked '*' + "+$", then whole expressions. */
	static const int stars[] = {8, 64, 200};
	static const char *const exprs[] = {"((a{255}){255}){255}", "(((a{100}){100}){100}){100}",
					    "((((((((((a*)*)*)*)*)*)*)*)*)*)*", "(a{255}){255}"};
	int bad = 0;
	const size_t nstars = sizeof(stars) / sizeof(stars[0]);
	for (size_t i = 0; i < nstars + sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct tu_buf b = {0};
		char what[64];
		if (i < nstars) {
			tu_buf_addf(&b, "version: 1\ntools:\n  rules:\n    - id: r\n      tool: echo\n"
					"      args:\n        text: {regex: \"^[a-z]");
			for (int k = 0; k < stars[i]; k++)
				tu_buf_add(&b, "*", 1);
			tu_buf_addf(&b, "+$\"}\n");
			snprintf(what, sizeof(what), "%d stacked quantifiers", stars[i]);
		} else {
			const char *e = exprs[i - nstars];
			tu_buf_addf(&b, "version: 1\ntools:\n  rules:\n    - id: r\n      tool: echo\n"
					"      args:\n        text: {regex: \"%s\"}\n", e);
			snprintf(what, sizeof(what), "'%s'", e);
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(5);
			struct pol_policy p;
			char err[1024];
			int rc = pol_policy_load(&p, b.p, b.len, "t.yaml", NULL, err, sizeof(err));
			if (rc != 0 && strncmp(err, "t.yaml:7:", 9) != 0)
				_exit(3);
			if (rc == 0)
				pol_policy_close(&p);
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		CHECK(bad, WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "a regex with %s: %s after %.1f s", what,
		      WIFSIGNALED(status) ? (WTERMSIG(status) == SIGALRM ? "still compiling (killed)"
									: "killed by a signal")
					  : "wrong message or status",
		      secs);
		tu_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* ---- variables --------------------------------------------------------------- */

static const char *fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "PROJECT") == 0)
		return "/srv/project";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	return NULL;
}

static const struct pol_vars test_vars = {
	.cwd = "/work/dir", .home = "/home/me", .tmpdir = "/tmp", .getenv = fake_getenv, .ctx = NULL,
};

static int load_vars(struct pol_policy *p, const char *text, char *err, size_t err_size)
{
	return pol_policy_load(p, text, strlen(text), "t.yaml", &test_vars, err, err_size);
}

static void test_variables(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[1024];
	const char *y = "version: 1\ntools:\n  rules:\n    - id: r\n      tool: \"*\"\n      args:\n"
			"        path: {under: [\"${CWD}/allowed\", \"${HOME}\", \"${TMPDIR}/x\", "
			"\"${ENV:PROJECT}/src\", \"/lit/$${CWD}\"], not_under: [\"${HOME}/.ssh\"]}\n";
	if (load_vars(&p, y, err, sizeof(err)) != 0)
		fail_msg("variables: %s", err);
	assert_int_equal(p.n_arg_rules, 1);
	const struct pol_arg_matcher *m = &p.arg_rules[0].matchers[0];
	assert_int_equal(m->n_under, 5);
	assert_string_equal(m->under[0], "/work/dir/allowed");
	assert_string_equal(m->under[1], "/home/me");
	assert_string_equal(m->under[2], "/tmp/x");
	assert_string_equal(m->under[3], "/srv/project/src");
	assert_string_equal(m->under[4], "/lit/${CWD}");
	assert_int_equal(m->n_not_under, 1);
	assert_string_equal(m->not_under[0], "/home/me/.ssh");
	pol_policy_close(&p);

	/* Errors name the position and the variable. */
	static const struct bad_case bad[] = {
		{"unknown variable", "version: 1\ntools:\n  rules:\n    - tool: x\n      args:\n"
				     "        p: {under: [\"${NOPE}/a\"]}\n",
		 "t.yaml:6:21: ", "NOPE", NULL},
		{"unset env", "version: 1\ntools:\n  rules:\n    - tool: x\n      args:\n"
			      "        p: {under: [\"${ENV:UNSET_VAR}\"]}\n",
		 "t.yaml:6:21: ", "UNSET_VAR", NULL},
		{"empty env", "version: 1\ntools:\n  rules:\n    - tool: x\n      args:\n"
			      "        p: {not_under: [\"${ENV:EMPTY}/x\"]}\n",
		 "t.yaml:6:25: ", "EMPTY", NULL},
		{"unterminated", "version: 1\ntools:\n  rules:\n    - tool: x\n      args:\n"
				 "        p: {under: [\"${CWD\"]}\n",
		 "t.yaml:6:21: ", "under", NULL},
		{"relative after expansion", "version: 1\ntools:\n  rules:\n    - tool: x\n      args:\n"
					     "        p: {under: [\"allowed\"]}\n",
		 "t.yaml:6:21: ", "absolute", NULL},
	};
	int nbad = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = load_vars(&p, bad[i].yaml, err, sizeof(err));
		CHECK(nbad, rc == -1, "[%s] loaded", bad[i].name);
		if (rc != -1) {
			pol_policy_close(&p);
			continue;
		}
		CHECK(nbad, strncmp(err, bad[i].prefix, strlen(bad[i].prefix)) == 0,
		      "[%s] message does not start with '%s': %s", bad[i].name, bad[i].prefix, err);
		CHECK(nbad, strstr(err, bad[i].part) != NULL, "[%s] message lacks '%s': %s",
		      bad[i].name, bad[i].part, err);
	}
	assert_int_equal(nbad, 0);
}

/* The dump holds the expanded directories; loading it again (with the same
 * variables) must give the same directories: a '$' that came from "$$"
 * must not become a variable again. */
static void test_round_trip_variables(void **state)
{
	(void)state;
	static const char *const dirs[] = {"${CWD}/allowed", "/lit/$${CWD}", "/d/$$$$", "/d/$x",
					   "${HOME}/a b", "/e/\\u00e9"};
	int bad = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char y[512], err[1024];
		snprintf(y, sizeof(y),
			 "version: 1\ntools:\n  rules:\n    - id: r\n      tool: x\n      args:\n"
			 "        p: {under: [\"%s\"]}\n",
			 dirs[i]);
		struct pol_policy a, b;
		if (load_vars(&a, y, err, sizeof(err)) != 0) {
			CHECK(bad, false, "'%s' does not load: %s", dirs[i], err);
			continue;
		}
		char *d = dump(&a);
		int rc = load_vars(&b, d, err, sizeof(err));
		CHECK(bad, rc == 0, "'%s': the dump does not load: %s\n%s", dirs[i], err, d);
		if (rc == 0) {
			CHECK(bad, b.n_arg_rules == 1 && b.arg_rules[0].n_matchers == 1 &&
					   b.arg_rules[0].matchers[0].n_under == 1 &&
					   strcmp(a.arg_rules[0].matchers[0].under[0],
						  b.arg_rules[0].matchers[0].under[0]) == 0,
			      "'%s' is '%s', then '%s' after the dump:\n%s", dirs[i],
			      a.arg_rules[0].matchers[0].under[0],
			      b.n_arg_rules ? b.arg_rules[0].matchers[0].under[0] : "?", d);
			pol_policy_close(&b);
		}
		free(d);
		pol_policy_close(&a);
	}
	/* pins.store takes variables too. */
	static const char *const stores[] = {"${HOME}/pins.json", "/x/$${CWD}/p.json", "/y/$$$$/p.json"};
	for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
		char y[256], err[1024];
		snprintf(y, sizeof(y), "version: 1\npins:\n  store: \"%s\"\n", stores[i]);
		struct pol_policy a, b;
		if (load_vars(&a, y, err, sizeof(err)) != 0) {
			CHECK(bad, false, "pins.store '%s' does not load: %s", stores[i], err);
			continue;
		}
		char *d = dump(&a);
		int rc = load_vars(&b, d, err, sizeof(err));
		CHECK(bad, rc == 0, "pins.store '%s': the dump does not load: %s\n%s", stores[i], err, d);
		if (rc == 0) {
			CHECK(bad, a.pins_store && b.pins_store && strcmp(a.pins_store, b.pins_store) == 0,
			      "pins.store '%s' is '%s', then '%s'", stores[i], a.pins_store ? a.pins_store : "?",
			      b.pins_store ? b.pins_store : "?");
			pol_policy_close(&b);
		}
		free(d);
		pol_policy_close(&a);
	}
	assert_int_equal(bad, 0);
}

/* tools.rules loads into arg_rules with the ids written. */
static void test_arg_rules_load(void **state)
{
	(void)state;
	struct pol_policy p;
	char err[1024];
	const char *y = "version: 1\n"
			"tools:\n"
			"  rules:\n"
			"    - id: echo-short\n"
			"      tool: echo\n"
			"      args:\n"
			"        text: {max_length: 10, required: true}\n"
			"    - id: notes-names\n"
			"      tool: \"notes_*\"\n"
			"      args:\n"
			"        name: {regex: '^[a-z]+$', not_regex: 'secret', enum: [a, b, c]}\n"
			"        \"items[].path\": {max_length: 100}\n"
			"        any: {secrets: deny}\n";
	if (load(&p, y, err, sizeof(err)) != 0)
		fail_msg("tools.rules does not load: %s", err);
	assert_int_equal(p.n_arg_rules, 2);
	assert_string_equal(p.arg_rules[0].id, "echo-short");
	assert_string_equal(p.arg_rules[0].tool, "echo");
	assert_int_equal(p.arg_rules[0].n_matchers, 1);
	assert_string_equal(p.arg_rules[0].matchers[0].path, "text");
	assert_int_equal(p.arg_rules[0].matchers[0].max_length, 10);
	assert_true(p.arg_rules[0].matchers[0].required);
	assert_string_equal(p.arg_rules[1].id, "notes-names");
	assert_int_equal(p.arg_rules[1].n_matchers, 3);
	const struct pol_arg_matcher *m = &p.arg_rules[1].matchers[0];
	assert_non_null(m->regex);
	assert_non_null(m->not_regex);
	assert_int_equal(m->n_enum, 3);
	assert_int_equal(m->max_length, -1);
	assert_false(m->required);
	assert_int_equal(p.arg_rules[1].matchers[1].nsegs, 2);
	assert_string_equal(p.arg_rules[1].matchers[1].segs[0], "items[]");
	assert_true(p.arg_rules[1].matchers[2].any);
	assert_true(p.arg_rules[1].matchers[2].secrets);
	pol_policy_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_policies),
		cmocka_unit_test(test_error_source_and_truncation),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sandbox_values),
		cmocka_unit_test(test_shipped_packs_load),
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_dump_content),
		cmocka_unit_test(test_dump_source_name),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_arg_rules_load),
		cmocka_unit_test(test_regex_compile_time),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_round_trip_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
