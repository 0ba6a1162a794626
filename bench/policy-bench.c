/* bench/policy-bench.c - how long the policy takes to decide a tools/call.
 *
 * A policy of 100 tool-name rules and 20 argument matchers (paths, regular
 * expressions, lengths, enums, secrets) decides a typical call: the same
 * steps the relay runs per call (parse params, name rules, argument rules
 * with the real path resolver, rate limits).  Prints p50/p99 in
 * microseconds as one JSON object.
 *
 * Usage: assay-policy-bench [ITERATIONS]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mcp/message.h"
#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/ratelimit.h"

static const char *env_get(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 100000;
	if (iters < 100)
		iters = 100;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;

	/* 50 deny and 50 allow globs, then 5 argument rules of 4 matchers. */
	size_t cap = 1 << 16, len = 0;
	char *y = malloc(cap);
	len += (size_t)snprintf(y + len, cap - len, "version: 1\ntools:\n  deny:\n");
	for (int i = 0; i < 50; i++)
		len += (size_t)snprintf(y + len, cap - len, "    - \"danger_%d_*\"\n", i);
	len += (size_t)snprintf(y + len, cap - len, "  allow:\n");
	for (int i = 0; i < 49; i++)
		len += (size_t)snprintf(y + len, cap - len, "    - \"tool_%d_?x*\"\n", i);
	len += (size_t)snprintf(y + len, cap - len, "    - \"read_*\"\n  rules:\n");
	for (int r = 0; r < 5; r++)
		len += (size_t)snprintf(y + len, cap - len,
					"    - id: r%d\n      tool: \"read_*\"\n      args:\n"
					"        path: {under: [\"${CWD}\", \"/tmp\"], required: true}\n"
					"        mode: {enum: [\"text\", \"lines\", \"bytes\"]}\n"
					"        pattern: {regex: \"^[a-z0-9_.*-]{1,64}$\", max_length: 64}\n"
					"        any: {secrets: deny}\n", r);
	len += (size_t)snprintf(y + len, cap - len,
				"  rate_limits:\n    per_minute: {\"*\": 1000000}\n");

	struct pol_vars vars = {cwd, getenv("HOME"), "/tmp", env_get, NULL};
	struct pol_policy p;
	char err[512];
	if (pol_policy_load(&p, y, len, "bench.yaml", &vars, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	free(y);
	size_t matchers = 0;
	for (size_t i = 0; i < p.n_arg_rules; i++)
		matchers += p.arg_rules[i].n_matchers;

	char params[512];
	int plen = snprintf(params, sizeof(params),
			    "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"%s/README.md\","
			    "\"mode\":\"lines\",\"pattern\":\"*.md\",\"head\":20}}", cwd);
	/* The resolver as the gateway sets it up: a cache in front of
	 * realpath, primed with the policy's directories. */
	struct pol_resolve_cache cache = {.resolve = pol_resolve_realpath};
	struct pol_path_ctx pc = {cwd, getenv("HOME"), pol_resolve_cached, &cache};
	if (getenv("BENCH_LEXICAL"))
		pc.resolve = NULL;
	pol_args_prime(&p, &pc);
	pol_resolve_cache_stick(&cache);
	struct pol_rate_state rs;
	pol_rate_init(&rs);
	uint64_t *t = malloc((size_t)iters * sizeof(*t));
	int denied = 0;
	for (int i = -1000; i < iters; i++) {
		uint64_t t0 = bench_now_ns();
		pol_resolve_cache_forget(&cache);
		json_t *pj = mcp_json_parse(params, (size_t)plen, NULL);
		json_t *name = json_object_get(pj, "name");
		struct pol_decision d;
		char detail[512];
		pol_tool_rules_decide(&p.tools, json_string_value(name), json_string_length(name), &d);
		if (d.action == POL_ALLOW)
			pol_args_decide(&p, json_string_value(name), json_string_length(name),
					json_object_get(pj, "arguments"), &pc, &d, detail, sizeof(detail));
		if (d.action == POL_ALLOW)
			pol_rate_check(&rs, &p, json_string_value(name), json_string_length(name), t0,
				       &d, detail, sizeof(detail));
		denied += d.action == POL_DENY;
		json_decref(pj);
		if (i >= 0)
			t[i] = bench_now_ns() - t0;
	}
	qsort(t, (size_t)iters, sizeof(*t), bench_cmp_u64);
	printf("{\"name_rules\":%zu,\"arg_matchers\":%zu,\"iterations\":%d,\"denied\":%d,"
	       "\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
	       p.tools.count, matchers, iters, denied, (double)t[iters / 2] / 1000.0,
	       (double)t[iters * 99 / 100] / 1000.0);
	free(t);
	pol_rate_close(&rs);
	pol_resolve_cache_close(&cache);
	pol_policy_close(&p);
	return denied ? 1 : 0;
}
