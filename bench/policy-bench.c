/* bench/policy-bench.c - how long the policy takes to decide a tools/call.
 *
 *   assay-policy-bench [ITERATIONS]          (default 100000 per configuration)
 *
 * A policy of 100 tool-name rules (50 deny globs, 50 allow globs) and 5
 * argument rules of 4 matchers each (a path `under` two directories, an
 * enum, a regular expression with a length limit, secrets in any string:
 * 20 matchers) decides a read_text_file call with a path in the working
 * directory: the steps the relay runs per call (parse the params, the name
 * rules, the argument rules with the gateway's path resolver, the rate
 * limits).  Two policies of that size: in one the five argument rules name
 * five different tools, so one rule (4 matchers) applies to the call, as
 * in a policy with rules for several tools; in the other all five name
 * the called tool (20 matchers apply).  Each is measured with the path
 * resolved on the filesystem as the gateway does (symlinks followed) and
 * lexically only.  The four configurations take turns, one decision each.
 * Prints the median and p99 in microseconds.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "mcp/message.h"
#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/ratelimit.h"

enum { N_CONFIGS = 4 };

struct config {
	const char *label;
	struct pol_policy policy;
	struct pol_resolve_cache cache;
	struct pol_path_ctx paths;
	struct pol_rate_state rate;
	uint64_t *t;
};

static const char *env_get(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* The policy: argument rule r names "read_*" when |all_apply| or r == 0,
 * else a tool of another family. */
static int load_policy(struct pol_policy *p, bool all_apply, const struct pol_vars *vars)
{
	static const char *const other[] = {"read_*", "write_*", "edit_*", "search_*", "move_*"};
	size_t cap = 1 << 16, len = 0;
	char *y = malloc(cap);
	if (!y)
		return -1;
	len += (size_t)snprintf(y + len, cap - len, "version: 1\ntools:\n  deny:\n");
	for (int i = 0; i < 50; i++)
		len += (size_t)snprintf(y + len, cap - len, "    - \"danger_%d_*\"\n", i);
	len += (size_t)snprintf(y + len, cap - len, "  allow:\n");
	for (int i = 0; i < 49; i++)
		len += (size_t)snprintf(y + len, cap - len, "    - \"tool_%d_?x*\"\n", i);
	len += (size_t)snprintf(y + len, cap - len, "    - \"read_*\"\n  rules:\n");
	for (int r = 0; r < 5; r++)
		len += (size_t)snprintf(y + len, cap - len,
					"    - id: r%d\n      tool: \"%s\"\n      args:\n"
					"        path: {under: [\"${CWD}\", \"/tmp\"], required: true}\n"
					"        mode: {enum: [\"text\", \"lines\", \"bytes\"]}\n"
					"        pattern: {regex: \"^[a-z0-9_.*-]{1,64}$\", max_length: 64}\n"
					"        any: {secrets: deny}\n",
					r, all_apply ? "read_*" : other[r]);
	len += (size_t)snprintf(y + len, cap - len,
				"  rate_limits:\n    per_minute: {\"*\": 1000000}\n");
	char err[512];
	int rc = pol_policy_load(p, y, len, "bench.yaml", vars, err, sizeof(err));
	free(y);
	if (rc != 0)
		fprintf(stderr, "assay-policy-bench: %s\n", err);
	return rc;
}

/* One decision, as the relay makes it; returns the action. */
static int decide(struct config *c, const char *params, size_t plen, uint64_t now)
{
	pol_resolve_cache_forget(&c->cache);
	json_t *pj = mcp_json_parse(params, plen, NULL);
	json_t *name = json_object_get(pj, "name");
	const char *n = json_string_value(name);
	size_t nl = json_string_length(name);
	struct pol_decision d;
	char detail[512];
	pol_tool_rules_decide(&c->policy.tools, n, nl, &d);
	if (d.action == POL_ALLOW)
		pol_args_decide(&c->policy, n, nl, json_object_get(pj, "arguments"), &c->paths, &d,
				detail, sizeof(detail));
	if (d.action == POL_ALLOW)
		pol_rate_check(&c->rate, &c->policy, n, nl, now, &d, detail, sizeof(detail));
	json_decref(pj);
	return d.action;
}

int main(int argc, char **argv)
{
	long iters = 100000;
	if (argc > 1 && !bench_parse_long(argv[1], 100, 100000000, &iters)) {
		fprintf(stderr, "usage: assay-policy-bench [ITERATIONS (100 or more)]\n");
		return 2;
	}
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;
	struct pol_vars vars = {cwd, getenv("HOME"), "/tmp", env_get, NULL};
	char params[4608];
	int plen = snprintf(params, sizeof(params),
			    "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"%s/README.md\","
			    "\"mode\":\"lines\",\"pattern\":\"*.md\",\"head\":20}}",
			    cwd);

	struct config cfg[N_CONFIGS] = {
		{.label = "one rule applies (4 matchers), paths resolved:"},
		{.label = "one rule applies (4 matchers), lexical only:  "},
		{.label = "all rules apply (20 matchers), paths resolved:"},
		{.label = "all rules apply (20 matchers), lexical only:  "},
	};
	for (int k = 0; k < N_CONFIGS; k++) {
		struct config *c = &cfg[k];
		if (load_policy(&c->policy, k >= 2, &vars) != 0)
			return 1;
		/* The resolver as the gateway sets it up: a cache in front of
		 * the filesystem, primed with the policy's directories. */
		c->cache.resolve = pol_resolve_realpath;
		c->paths = (struct pol_path_ctx){cwd, getenv("HOME"),
						 k % 2 ? NULL : pol_resolve_cached, &c->cache};
		pol_args_prime(&c->policy, &c->paths);
		pol_resolve_cache_stick(&c->cache);
		pol_rate_init(&c->rate);
		c->t = malloc((size_t)iters * sizeof(*c->t));
		if (!c->t)
			return 1;
	}
	int denied = 0;
	for (long i = -1000; i < iters; i++)
		for (int k = 0; k < N_CONFIGS; k++) {
			uint64_t t0 = bench_now_ns();
			denied += decide(&cfg[k], params, (size_t)plen, t0) == POL_DENY;
			uint64_t t1 = bench_now_ns();
			if (i >= 0)
				cfg[k].t[i] = t1 - t0;
		}
	size_t matchers = 0;
	for (size_t i = 0; i < cfg[0].policy.n_arg_rules; i++)
		matchers += cfg[0].policy.arg_rules[i].n_matchers;
	printf("policy decision of a tools/call, %zu tool-name rules, %zu argument matchers "
	       "in all;\n%ld decisions per configuration, taking turns; microseconds\n",
	       cfg[0].policy.tools.count, matchers, iters);
	for (int k = 0; k < N_CONFIGS; k++) {
		struct config *c = &cfg[k];
		qsort(c->t, (size_t)iters, sizeof(*c->t), bench_cmp_u64);
		printf("  %s p50 %7.2f  p99 %7.2f\n", c->label,
		       (double)bench_pct(c->t, (size_t)iters, 50) / 1e3,
		       (double)bench_pct(c->t, (size_t)iters, 99) / 1e3);
		free(c->t);
		pol_rate_close(&c->rate);
		pol_resolve_cache_close(&c->cache);
		pol_policy_close(&c->policy);
	}
	/* What the filesystem lookups cost here: the resolved configurations
	 * make two system calls per decision (pol_resolve_cached). */
	uint64_t s0 = bench_now_ns();
	for (int i = 0; i < 100000; i++)
		syscall(SYS_getppid);
	printf("  one system call (getppid) on this machine:    %7.2f\n",
	       (double)(bench_now_ns() - s0) / 1e3 / 100000);
	if (denied) {
		fprintf(stderr, "assay-policy-bench: %d decisions denied the call\n", denied);
		return 1;
	}
	return 0;
}
