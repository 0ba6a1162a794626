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

static bool load_tools(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"default", "allow", "deny", NULL};
	if (!expect(c, n, POL_Y_MAP, "tools") || !check_keys(c, n, "tools", keys))
		return false;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "default")) != NULL) {
		static const char *const actions[] = {"allow", "deny", NULL};
		int i = choice(c, v, "tools.default", actions);
		if (i < 0)
			return false;
		p->tools.has_default = true;
		p->tools.default_action = i == 1 ? POL_DENY : POL_ALLOW;
	}
	if ((v = pol_ytree_get(n, "deny")) != NULL &&
	    !load_globs(c, v, "tools.deny", &p->tools, POL_DENY, "tools.deny"))
		return false;
	if ((v = pol_ytree_get(n, "allow")) != NULL &&
	    !load_globs(c, v, "tools.allow", &p->tools, POL_ALLOW, "tools.allow"))
		return false;
	if (!p->tools.has_default) {
		/* An allow list means "only these", as on the command line. */
		p->tools.has_default = true;
		p->tools.default_action = p->tools.n_allow ? POL_DENY : POL_ALLOW;
	}
	return true;
}

void pol_policy_init(struct pol_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->version = POL_VERSION;
	p->mode = POL_MODE_ENFORCE;
	pol_tool_rules_init(&p->tools);
}

void pol_policy_close(struct pol_policy *p)
{
	free(p->source);
	pol_tool_rules_close(&p->tools);
	pol_policy_init(p);
}

int pol_policy_load(struct pol_policy *p, const char *text, size_t len, const char *source,
		    char *err, size_t err_size)
{
	struct ctx c = {.source = source, .err = err, .err_size = err_size};
	pol_policy_init(p);
	char yerr[256];
	struct pol_ynode *root = pol_ytree_parse(text, len, yerr, sizeof(yerr));
	if (!root) {
		snprintf(err, err_size, "%s:%s", source, yerr);
		return -1;
	}
	static const char *const keys[] = {"version", "mode", "deny_reply", "tools", NULL};
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

void pol_policy_dump(const struct pol_policy *p, FILE *out)
{
	fprintf(out, "# effective policy from %s\n", p->source ? p->source : "(none)");
	fprintf(out, "version: %d\n", p->version);
	fprintf(out, "mode: %s\n", p->mode == POL_MODE_AUDIT ? "audit" : "enforce");
	fprintf(out, "deny_reply: %s\n", p->deny_reply_error ? "error" : "result");
	fprintf(out, "tools:\n");
	bool deny_default = p->tools.has_default ? p->tools.default_action == POL_DENY
						 : p->tools.n_allow > 0;
	fprintf(out, "  default: %s\n", deny_default ? "deny" : "allow");
	for (int pass = 0; pass < 2; pass++) {
		enum pol_action a = pass == 0 ? POL_DENY : POL_ALLOW;
		size_t n = a == POL_DENY ? p->tools.n_deny : p->tools.n_allow;
		fprintf(out, "  %s:%s\n", a == POL_DENY ? "deny" : "allow", n ? "" : " []");
		for (size_t i = 0; i < p->tools.count; i++) {
			if (p->tools.rules[i].action != a)
				continue;
			fputs("    - ", out);
			dump_string(out, p->tools.rules[i].glob);
			fprintf(out, "   # %s\n", p->tools.rules[i].id);
		}
	}
}
