/* policies/load.c - the strict policy loader. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policies/policy.h"
#include "policies/ytree.h"

struct ctx {
	const char *source;
	char *err;
	size_t err_size;
	bool failed;
};

static bool __attribute__((format(printf, 3, 4)))
error_at(struct ctx *c, const struct pol_ynode *n, const char *fmt, ...)
{
	if (c->failed)
		return false;
	c->failed = true;
	int k = snprintf(c->err, c->err_size, "%s:%u:%u: ", c->source, n ? n->line : 1,
			 n ? n->col : 1);
	if (k > 0 && (size_t)k < c->err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->err_size - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Levenshtein distance, capped: enough to suggest a misspelt key. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* Every key of map |n| must be in |known| (NULL-terminated). */
static bool check_keys(struct ctx *c, const struct pol_ynode *n, const char *where,
		       const char *const *known)
{
	for (size_t i = 0; i < n->count; i += 2) {
		const struct pol_ynode *k = n->items[i];
		bool ok = false;
		const char *best = NULL;
		size_t best_d = 3;
		for (const char *const *kk = known; *kk; kk++) {
			if (strcmp(k->value, *kk) == 0) {
				ok = true;
				break;
			}
			size_t d = distance(k->value, *kk);
			if (d < best_d)
				best_d = d, best = *kk;
		}
		if (ok)
			continue;
		char list[256] = "";
		for (const char *const *kk = known; *kk; kk++) {
			strncat(list, *kk, sizeof(list) - strlen(list) - 1);
			if (kk[1])
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		}
		if (best)
			return error_at(c, k, "unknown key '%s' in %s (did you mean '%s'?)", k->value,
					where, best);
		return error_at(c, k, "unknown key '%s' in %s (expected one of: %s)", k->value,
				where, list);
	}
	return true;
}

static bool expect(struct ctx *c, const struct pol_ynode *n, enum pol_ynode_kind kind,
		   const char *what)
{
	static const char *const names[] = {"a single value", "a map", "a list"};
	if (n->kind == kind)
		return true;
	return error_at(c, n, "%s must be %s, not %s", what, names[kind], names[n->kind]);
}

/* |n| must be one of |choices| (NULL-terminated); returns its index. */
static int choice(struct ctx *c, const struct pol_ynode *n, const char *what,
		  const char *const *choices)
{
	if (!expect(c, n, POL_Y_SCALAR, what))
		return -1;
	for (int i = 0; choices[i]; i++)
		if (strcmp(n->value, choices[i]) == 0)
			return i;
	char list[128] = "";
	for (int i = 0; choices[i]; i++) {
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
		if (choices[i + 1])
			strncat(list, " or ", sizeof(list) - strlen(list) - 1);
	}
	error_at(c, n, "%s must be %s, not '%s'", what, list, n->value);
	return -1;
}

/* A list of glob strings (a single string is accepted as a list of one). */
static bool load_globs(struct ctx *c, const struct pol_ynode *n, const char *what,
		       struct pol_tool_rules *r, enum pol_action action, const char *id_base)
{
	const struct pol_ynode *const *items = (const struct pol_ynode *const *)&n;
	size_t count = 1;
	if (n->kind == POL_Y_SEQ) {
		items = (const struct pol_ynode *const *)n->items;
		count = n->count;
	}
	for (size_t i = 0; i < count; i++) {
		const struct pol_ynode *g = items[i];
		if (!expect(c, g, POL_Y_SCALAR, what))
			return false;
		char id[48];
		snprintf(id, sizeof(id), "%s[%zu]", id_base, i);
		int rc = pol_tool_rules_add_named(r, action, g->value, id);
		if (rc == -EINVAL)
			return error_at(c, g, "%s: '%s' is not a valid glob (empty, or ends with a "
					"lone backslash)", what, g->value);
		if (rc != 0)
			return error_at(c, g, "out of memory");
	}
	return true;
}

static bool parse_uint(struct ctx *c, const struct pol_ynode *n, const char *what,
		       unsigned long long max, unsigned long long *out)
{
	if (!expect(c, n, POL_Y_SCALAR, what))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(n->value, &end, 10);
	if (n->quoted || !*n->value || *n->value == '-' || *n->value == '+' || *end || errno ||
	    v > max)
		return error_at(c, n, "%s must be a whole number from 0 to %llu, not '%s'", what, max,
				n->value);
	*out = v;
	return true;
}

/* "16M", "1048576", "64K": bytes, powers of 1024. */
static bool parse_size(struct ctx *c, const struct pol_ynode *n, const char *what, size_t *out)
{
	if (!expect(c, n, POL_Y_SCALAR, what))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(n->value, &end, 10);
	unsigned long long mult = 1;
	if (end != n->value && *n->value != '-' && *n->value != '+' && !errno) {
		if (*end == 'K' || *end == 'k')
			mult = 1024ull, end++;
		else if (*end == 'M' || *end == 'm')
			mult = 1024ull * 1024, end++;
		else if (*end == 'G' || *end == 'g')
			mult = 1024ull * 1024 * 1024, end++;
		if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
			end += strlen(end);
		if (!*end && v <= (1ull << 40) / mult) {
			*out = (size_t)(v * mult);
			return true;
		}
	}
	return error_at(c, n, "%s must be a size such as 16M, 512K or 1048576, not '%s'", what,
			n->value);
}

static const char *const allow_deny[] = {"allow", "deny", NULL};

/* default / allow / deny of a name-rule section (tools, resources, prompts). */
static bool load_name_rules(struct ctx *c, const struct pol_ynode *n, const char *section,
			    struct pol_tool_rules *r)
{
	char what[64], id[64];
	const struct pol_ynode *v;
	pol_tool_rules_set_section(r, section);
	if ((v = pol_ytree_get(n, "default")) != NULL) {
		snprintf(what, sizeof(what), "%s.default", section);
		int i = choice(c, v, what, allow_deny);
		if (i < 0)
			return false;
		r->has_default = true;
		r->default_action = i == 1 ? POL_DENY : POL_ALLOW;
	}
	snprintf(what, sizeof(what), "%s.deny", section);
	snprintf(id, sizeof(id), "%s.deny", section);
	if ((v = pol_ytree_get(n, "deny")) != NULL && !load_globs(c, v, what, r, POL_DENY, id))
		return false;
	snprintf(what, sizeof(what), "%s.allow", section);
	snprintf(id, sizeof(id), "%s.allow", section);
	if ((v = pol_ytree_get(n, "allow")) != NULL && !load_globs(c, v, what, r, POL_ALLOW, id))
		return false;
	if (!r->has_default) {
		/* An allow list means "only these", as on the command line. */
		r->has_default = true;
		r->default_action = r->n_allow ? POL_DENY : POL_ALLOW;
	}
	return true;
}

static bool load_rate_limits(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"per_minute", "session_total", NULL};
	if (!expect(c, n, POL_Y_MAP, "tools.rate_limits") ||
	    !check_keys(c, n, "tools.rate_limits", keys))
		return false;
	const struct pol_ynode *v;
	unsigned long long u;
	if ((v = pol_ytree_get(n, "session_total")) != NULL) {
		if (!parse_uint(c, v, "tools.rate_limits.session_total", 100000000ull, &u))
			return false;
		if (u == 0)
			return error_at(c, v, "tools.rate_limits.session_total must be at least 1 "
					"(leave it out for no limit)");
		p->session_total = (unsigned)u;
	}
	if ((v = pol_ytree_get(n, "per_minute")) != NULL) {
		if (!expect(c, v, POL_Y_MAP, "tools.rate_limits.per_minute"))
			return false;
		size_t pairs = v->count / 2;
		p->rate_limits = calloc(pairs ? pairs : 1, sizeof(*p->rate_limits));
		if (!p->rate_limits)
			return error_at(c, v, "out of memory");
		for (size_t i = 0; i < pairs; i++) {
			const struct pol_ynode *k = v->items[2 * i], *val = v->items[2 * i + 1];
			if (pol_glob_check(k->value) != 0)
				return error_at(c, k, "'%s' is not a valid tool glob", k->value);
			if (!parse_uint(c, val, "a per-minute limit", 1000000ull, &u))
				return false;
			if (u == 0)
				return error_at(c, val, "a per-minute limit of 0 would deny the tool: "
						"use tools.deny instead");
			struct pol_rate_limit *rl = &p->rate_limits[p->n_rate_limits++];
			rl->glob = strdup(k->value);
			if (!rl->glob)
				return error_at(c, k, "out of memory");
			rl->limit = (unsigned)u;
			snprintf(rl->id, sizeof(rl->id), "tools.rate_limits.per_minute[%zu]", i);
		}
	}
	return true;
}

static bool load_tools(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"default", "allow", "deny", "rate_limits", NULL};
	if (!expect(c, n, POL_Y_MAP, "tools") || !check_keys(c, n, "tools", keys))
		return false;
	if (!load_name_rules(c, n, "tools", &p->tools))
		return false;
	const struct pol_ynode *v = pol_ytree_get(n, "rate_limits");
	return !v || load_rate_limits(c, v, p);
}

static bool load_simple_rules(struct ctx *c, const struct pol_ynode *n, const char *section,
			      struct pol_tool_rules *r)
{
	static const char *const keys[] = {"default", "allow", "deny", NULL};
	return expect(c, n, POL_Y_MAP, section) && check_keys(c, n, section, keys) &&
	       load_name_rules(c, n, section, r);
}

static const char *const client_request_names[] = {"sampling", "elicitation", "elicitation_url",
						   "roots", NULL};

const char *pol_client_request_name(enum pol_client_request r)
{
	return r < POL_CR_COUNT ? client_request_names[r] : "?";
}

static bool load_client_requests(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	if (!expect(c, n, POL_Y_MAP, "client_requests") ||
	    !check_keys(c, n, "client_requests", client_request_names))
		return false;
	for (int i = 0; i < POL_CR_COUNT; i++) {
		const struct pol_ynode *v = pol_ytree_get(n, client_request_names[i]);
		if (!v)
			continue;
		char what[64];
		snprintf(what, sizeof(what), "client_requests.%s", client_request_names[i]);
		int a = choice(c, v, what, allow_deny);
		if (a < 0)
			return false;
		p->client_requests[i] = a == 1 ? POL_DENY : POL_ALLOW;
	}
	return true;
}

static bool load_responses(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"max_bytes", NULL};
	if (!expect(c, n, POL_Y_MAP, "responses") || !check_keys(c, n, "responses", keys))
		return false;
	const struct pol_ynode *v = pol_ytree_get(n, "max_bytes");
	if (v && !parse_size(c, v, "responses.max_bytes", &p->responses_max_bytes))
		return false;
	if (v && p->responses_max_bytes == 0)
		return error_at(c, v, "responses.max_bytes must be more than 0");
	return true;
}

static bool load_audit(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"arguments", NULL};
	static const char *const modes[] = {"hash", "redacted", "full", NULL};
	if (!expect(c, n, POL_Y_MAP, "audit") || !check_keys(c, n, "audit", keys))
		return false;
	const struct pol_ynode *v = pol_ytree_get(n, "arguments");
	if (!v)
		return true;
	int i = choice(c, v, "audit.arguments", modes);
	if (i < 0)
		return false;
	p->audit_arguments = (enum pol_audit_args)i;
	return true;
}

void pol_policy_init(struct pol_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->version = POL_VERSION;
	p->mode = POL_MODE_ENFORCE;
	pol_tool_rules_init(&p->tools);
	pol_tool_rules_init(&p->resources);
	pol_tool_rules_init(&p->prompts);
	pol_tool_rules_set_section(&p->tools, "tools");
	pol_tool_rules_set_section(&p->resources, "resources");
	pol_tool_rules_set_section(&p->prompts, "prompts");
}

void pol_policy_close(struct pol_policy *p)
{
	free(p->source);
	pol_tool_rules_close(&p->tools);
	pol_tool_rules_close(&p->resources);
	pol_tool_rules_close(&p->prompts);
	for (size_t i = 0; i < p->n_rate_limits; i++)
		free(p->rate_limits[i].glob);
	free(p->rate_limits);
	pol_policy_init(p);
}

int pol_policy_load(struct pol_policy *p, const char *text, size_t len, const char *source,
		    const struct pol_vars *vars, char *err, size_t err_size)
{
	(void)vars;
	struct ctx c = {.source = source, .err = err, .err_size = err_size};
	pol_policy_init(p);
	char yerr[256];
	struct pol_ynode *root = pol_ytree_parse(text, len, yerr, sizeof(yerr));
	if (!root) {
		snprintf(err, err_size, "%s:%s", source, yerr);
		return -1;
	}
	static const char *const keys[] = {"version",	      "mode",	   "deny_reply",
					   "tools",	      "resources", "prompts",
					   "client_requests", "responses", "audit",
					   NULL};
	const struct pol_ynode *v;
	bool ok = check_keys(&c, root, "the policy", keys);
	if (ok) {
		v = pol_ytree_get(root, "version");
		if (!v)
			ok = error_at(&c, root, "missing 'version: %d' at the top of the policy",
				      POL_VERSION);
		else if (v->kind != POL_Y_SCALAR || strcmp(v->value, "1") != 0)
			ok = error_at(&c, v, "unsupported policy version '%s' (this gateway reads "
				      "version %d)", v->kind == POL_Y_SCALAR ? v->value : "?",
				      POL_VERSION);
	}
	if (ok && (v = pol_ytree_get(root, "mode")) != NULL) {
		static const char *const modes[] = {"enforce", "audit", NULL};
		int i = choice(&c, v, "mode", modes);
		ok = i >= 0;
		p->mode = i == 1 ? POL_MODE_AUDIT : POL_MODE_ENFORCE;
	}
	if (ok && (v = pol_ytree_get(root, "deny_reply")) != NULL) {
		static const char *const replies[] = {"result", "error", NULL};
		int i = choice(&c, v, "deny_reply", replies);
		ok = i >= 0;
		p->deny_reply_error = i == 1;
	}
	if (ok && (v = pol_ytree_get(root, "tools")) != NULL)
		ok = load_tools(&c, v, p);
	if (ok && (v = pol_ytree_get(root, "resources")) != NULL)
		ok = load_simple_rules(&c, v, "resources", &p->resources);
	if (ok && (v = pol_ytree_get(root, "prompts")) != NULL)
		ok = load_simple_rules(&c, v, "prompts", &p->prompts);
	if (ok && (v = pol_ytree_get(root, "client_requests")) != NULL)
		ok = load_client_requests(&c, v, p);
	if (ok && (v = pol_ytree_get(root, "responses")) != NULL)
		ok = load_responses(&c, v, p);
	if (ok && (v = pol_ytree_get(root, "audit")) != NULL)
		ok = load_audit(&c, v, p);
	pol_ytree_free(root);
	if (!ok) {
		pol_policy_close(p);
		return -1;
	}
	p->source = strdup(source);
	return 0;
}

/* YAML double-quoted scalar. */
static void dump_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void dump_name_rules(FILE *out, const char *section, const struct pol_tool_rules *r)
{
	fprintf(out, "%s:\n", section);
	bool deny_default = r->has_default ? r->default_action == POL_DENY : r->n_allow > 0;
	fprintf(out, "  default: %s\n", deny_default ? "deny" : "allow");
	for (int pass = 0; pass < 2; pass++) {
		enum pol_action a = pass == 0 ? POL_DENY : POL_ALLOW;
		size_t n = a == POL_DENY ? r->n_deny : r->n_allow;
		fprintf(out, "  %s:%s\n", a == POL_DENY ? "deny" : "allow", n ? "" : " []");
		for (size_t i = 0; i < r->count; i++) {
			if (r->rules[i].action != a)
				continue;
			fputs("    - ", out);
			dump_string(out, r->rules[i].glob);
			fprintf(out, "   # %s\n", r->rules[i].id);
		}
	}
}

void pol_policy_dump(const struct pol_policy *p, FILE *out)
{
	static const char *const args[] = {"hash", "redacted", "full"};
	fprintf(out, "# effective policy from %s\n", p->source ? p->source : "(none)");
	fprintf(out, "version: %d\n", p->version);
	fprintf(out, "mode: %s\n", p->mode == POL_MODE_AUDIT ? "audit" : "enforce");
	fprintf(out, "deny_reply: %s\n", p->deny_reply_error ? "error" : "result");
	dump_name_rules(out, "tools", &p->tools);
	if (p->n_rate_limits || p->session_total) {
		fprintf(out, "  rate_limits:\n");
		if (p->n_rate_limits) {
			fprintf(out, "    per_minute:\n");
			for (size_t i = 0; i < p->n_rate_limits; i++) {
				fputs("      ", out);
				dump_string(out, p->rate_limits[i].glob);
				fprintf(out, ": %u   # %s\n", p->rate_limits[i].limit,
					p->rate_limits[i].id);
			}
		}
		if (p->session_total)
			fprintf(out, "    session_total: %u\n", p->session_total);
	}
	dump_name_rules(out, "resources", &p->resources);
	dump_name_rules(out, "prompts", &p->prompts);
	fprintf(out, "client_requests:\n");
	for (int i = 0; i < POL_CR_COUNT; i++)
		fprintf(out, "  %s: %s\n", client_request_names[i],
			p->client_requests[i] == POL_DENY ? "deny" : "allow");
	fprintf(out, "responses:\n");
	if (p->responses_max_bytes)
		fprintf(out, "  max_bytes: %zu\n", p->responses_max_bytes);
	else
		fprintf(out, "  {}\n");
	fprintf(out, "audit:\n  arguments: %s\n", args[p->audit_arguments]);
}
