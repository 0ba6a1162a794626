/* policies/load.c - the strict policy loader. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/ytree.h"

struct ctx {
	const struct pol_vars *vars;
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

/* A value that may hold variables, expanded. */
static char *expand(struct ctx *c, const struct pol_ynode *n, const char *what)
{
	if (!expect(c, n, POL_Y_SCALAR, what))
		return NULL;
	char *out = NULL, msg[256];
	if (!c->vars) {
		if (strstr(n->value, "${")) {
			error_at(c, n, "%s: '%s': variables (${...}) are not available here", what,
				 n->value);
			return NULL;
		}
		out = strdup(n->value);
	} else if (pol_expand(c->vars, n->value, &out, msg, sizeof(msg)) != 0) {
		error_at(c, n, "%s: %s", what, msg);
		return NULL;
	}
	if (!out)
		error_at(c, n, "out of memory");
	return out;
}

/* A list of strings (one string is a list of one); |dirs| wants absolute
 * directories after expansion. */
static bool load_strings(struct ctx *c, const struct pol_ynode *n, const char *what, bool dirs,
			 char ***out, size_t *count)
{
	const struct pol_ynode *const *items = (const struct pol_ynode *const *)&n;
	size_t k = 1;
	if (n->kind == POL_Y_SEQ) {
		items = (const struct pol_ynode *const *)n->items;
		k = n->count;
	}
	if (k == 0)
		return error_at(c, n, "%s must not be empty", what);
	*out = calloc(k, sizeof(char *));
	if (!*out)
		return error_at(c, n, "out of memory");
	for (size_t i = 0; i < k; i++) {
		char *v = dirs ? expand(c, items[i], what)
			       : (expect(c, items[i], POL_Y_SCALAR, what) ? strdup(items[i]->value)
									  : NULL);
		if (!v)
			return false;
		(*out)[(*count)++] = v;
		if (dirs && v[0] != '/')
			return error_at(c, items[i], "%s: '%s' is not an absolute path", what, v);
	}
	return true;
}

#define MAX_REGEX_BYTES 1024
#define MAX_REGEX_REPEAT 255

/* glibc compiles some expressions in exponential time or memory: stacked
 * repetitions ("a**") and counted repetitions, which it expands by copying
 * the repeated atom ("((a{255}){255}){255}" is 16 million copies).  They
 * add nothing a policy needs, so they are refused before regcomp sees
 * them: stacked repetitions outright, and any expression whose expansion
 * (each atom counted once per copy) exceeds MAX_REGEX_NODES. */
#define MAX_REGEX_NODES 10000
#define MAX_REGEX_DEPTH 32

static const char *regex_problem(const char *re)
{
	if (strlen(re) > MAX_REGEX_BYTES)
		return "longer than 1024 bytes";
	unsigned long long sum[MAX_REGEX_DEPTH + 1] = {0}; /* size of each open group */
	unsigned long long atom = 0;			     /* size of the last atom */
	int depth = 0;
	bool after_repeat = false;
	for (const char *p = re; *p; p++) {
		switch (*p) {
		case '(':
			if (++depth > MAX_REGEX_DEPTH)
				return "groups are nested more than 32 deep";
			sum[depth] = 0;
			atom = 0;
			after_repeat = false;
			continue;
		case ')':
			if (depth == 0) {
				atom = 1;
				break; /* an unmatched ')' is regcomp's to refuse */
			}
			atom = sum[depth] ? sum[depth] : 1;
			depth--;
			sum[depth] += atom;
			after_repeat = false;
			continue;
		case '\\':
			if (p[1])
				p++;
			atom = 1;
			break;
		case '[': {
			/* A bracket expression: ']' first is literal. */
			const char *q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			p = *q ? q : q - 1;
			atom = 1;
			break;
		}
		case '*':
		case '+':
		case '?':
			if (after_repeat)
				return "it stacks repetitions (such as '**' or '+*'), which can take "
				       "exponential time to compile";
			after_repeat = true;
			continue;
		case '{': {
			if (after_repeat)
				return "it stacks repetitions (such as 'a*{2}'), which can take "
				       "exponential time to compile";
			char *end;
			unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;
			if (*end == ',')
				hi = end[1] == '}' ? lo : strtoul(end + 1, &end, 10);
			if (lo > MAX_REGEX_REPEAT || hi > MAX_REGEX_REPEAT)
				return "a repetition count is larger than 255";
			unsigned long long copies = (hi > lo ? hi : lo) + 1;
			/* The atom is already counted once; add the other copies. */
			sum[depth] += atom * (copies - 1);
			atom *= copies;
			if (sum[depth] > MAX_REGEX_NODES || atom > MAX_REGEX_NODES)
				return "its counted repetitions expand to more than 10000 copies";
			after_repeat = true;
			while (p[1] && p[1] != '}')
				p++;
			continue;
		}
		default:
			atom = 1;
			break;
		}
		sum[depth] += atom;
		after_repeat = false;
		if (sum[depth] > MAX_REGEX_NODES)
			return "it is too large";
	}
	return NULL;
}

static bool compile_regex(struct ctx *c, const struct pol_ynode *n, const char *what,
			  regex_t **re, char **src)
{
	if (!expect(c, n, POL_Y_SCALAR, what))
		return false;
	const char *problem = regex_problem(n->value);
	if (problem)
		return error_at(c, n, "%s: this regular expression is refused: %s", what, problem);
	*re = calloc(1, sizeof(regex_t));
	*src = strdup(n->value);
	if (!*re || !*src)
		return error_at(c, n, "out of memory");
	int rc = regcomp(*re, n->value, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, *re, msg, sizeof(msg));
		free(*re);
		*re = NULL;
		return error_at(c, n, "%s: '%s' is not a valid POSIX extended regular expression: %s",
				what, n->value, msg);
	}
	return true;
}

/* "path", "a.b", "edits[].path", "any". */
static bool parse_arg_path(struct ctx *c, const struct pol_ynode *k, struct pol_arg_matcher *m)
{
	m->path = strdup(k->value);
	if (!m->path)
		return error_at(c, k, "out of memory");
	if (strcmp(k->value, "any") == 0) {
		m->any = true;
		return true;
	}
	const char *p = k->value;
	for (;;) {
		const char *dot = strchrnul(p, '.');
		size_t len = (size_t)(dot - p);
		const char *br = memchr(p, '[', len);
		if (len == 0 || (br && (br != dot - 2 || br[1] != ']')) || memchr(p, ']', len - (br ? 1 : 0)))
			return error_at(c, k, "'%s' is not an argument path (names separated by '.', "
					"a name may end in '[]' for every element of a list, or 'any')",
					k->value);
		char **segs = realloc(m->segs, (m->nsegs + 1) * sizeof(char *));
		if (!segs)
			return error_at(c, k, "out of memory");
		m->segs = segs;
		m->segs[m->nsegs] = strndup(p, len);
		if (!m->segs[m->nsegs++])
			return error_at(c, k, "out of memory");
		if (!*dot)
			return true;
		p = dot + 1;
	}
}

static bool load_matcher(struct ctx *c, const struct pol_ynode *k, const struct pol_ynode *n,
			 struct pol_arg_matcher *m)
{
	static const char *const keys[] = {"under", "not_under", "regex", "not_regex",
					   "max_length", "enum", "secrets", "required", NULL};
	m->max_length = -1;
	if (!parse_arg_path(c, k, m))
		return false;
	char where[300];
	snprintf(where, sizeof(where), "the rule for argument '%s'", k->value);
	if (!expect(c, n, POL_Y_MAP, where) || !check_keys(c, n, where, keys))
		return false;
	if (n->count == 0)
		return error_at(c, n, "%s has no condition", where);
	const struct pol_ynode *v;
	unsigned long long u;
	if ((v = pol_ytree_get(n, "under")) && !load_strings(c, v, "under", true, &m->under,
							       &m->n_under))
		return false;
	if ((v = pol_ytree_get(n, "not_under")) &&
	    !load_strings(c, v, "not_under", true, &m->not_under, &m->n_not_under))
		return false;
	if ((v = pol_ytree_get(n, "regex")) && !compile_regex(c, v, "regex", &m->regex,
							       &m->regex_src))
		return false;
	if ((v = pol_ytree_get(n, "not_regex")) &&
	    !compile_regex(c, v, "not_regex", &m->not_regex, &m->not_regex_src))
		return false;
	if ((v = pol_ytree_get(n, "max_length"))) {
		if (!parse_uint(c, v, "max_length", 1ull << 40, &u))
			return false;
		m->max_length = (long long)u;
	}
	if ((v = pol_ytree_get(n, "enum")) &&
	    !load_strings(c, v, "enum", false, &m->enum_values, &m->n_enum))
		return false;
	if ((v = pol_ytree_get(n, "secrets"))) {
		static const char *const deny_only[] = {"deny", NULL};
		if (choice(c, v, "secrets", deny_only) < 0)
			return false;
		m->secrets = true;
	}
	if ((v = pol_ytree_get(n, "required"))) {
		static const char *const bools[] = {"false", "true", NULL};
		int b = choice(c, v, "required", bools);
		if (b < 0)
			return false;
		m->required = b == 1;
	}
	return true;
}

static bool load_arg_rules(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"id", "tool", "args", NULL};
	if (!expect(c, n, POL_Y_SEQ, "tools.rules"))
		return false;
	p->arg_rules = calloc(n->count ? n->count : 1, sizeof(*p->arg_rules));
	if (!p->arg_rules)
		return error_at(c, n, "out of memory");
	for (size_t i = 0; i < n->count; i++) {
		const struct pol_ynode *r = n->items[i];
		struct pol_arg_rule *rule = &p->arg_rules[p->n_arg_rules++];
		if (!expect(c, r, POL_Y_MAP, "a tools.rules entry") ||
		    !check_keys(c, r, "a tools.rules entry", keys))
			return false;
		const struct pol_ynode *v = pol_ytree_get(r, "id");
		if (v) {
			if (!expect(c, v, POL_Y_SCALAR, "id") || !*v->value ||
			    strlen(v->value) >= sizeof(rule->id))
				return error_at(c, v, "id must be a name of 1 to %zu characters",
						sizeof(rule->id) - 1);
			snprintf(rule->id, sizeof(rule->id), "%s", v->value);
		} else {
			snprintf(rule->id, sizeof(rule->id), "tools.rules[%zu]", i);
		}
		if (!(v = pol_ytree_get(r, "tool")))
			return error_at(c, r, "a tools.rules entry needs 'tool' (a glob)");
		if (!expect(c, v, POL_Y_SCALAR, "tool") || pol_glob_check(v->value) != 0)
			return error_at(c, v, "tool must be a glob");
		if (!(rule->tool = strdup(v->value)))
			return error_at(c, v, "out of memory");
		if (!(v = pol_ytree_get(r, "args")))
			return error_at(c, r, "a tools.rules entry needs 'args'");
		if (!expect(c, v, POL_Y_MAP, "args"))
			return false;
		if (v->count == 0)
			return error_at(c, v, "args must name at least one argument");
		rule->matchers = calloc(v->count / 2, sizeof(*rule->matchers));
		if (!rule->matchers)
			return error_at(c, v, "out of memory");
		for (size_t j = 0; j + 1 < v->count; j += 2) {
			struct pol_arg_matcher *m = &rule->matchers[rule->n_matchers++];
			if (!load_matcher(c, v->items[j], v->items[j + 1], m))
				return false;
		}
	}
	return true;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_arg_rules(struct pol_policy *p)
{
	for (size_t i = 0; i < p->n_arg_rules; i++) {
		struct pol_arg_rule *r = &p->arg_rules[i];
		for (size_t j = 0; j < r->n_matchers; j++) {
			struct pol_arg_matcher *m = &r->matchers[j];
			free(m->path);
			free_strings(m->segs, m->nsegs);
			free_strings(m->under, m->n_under);
			free_strings(m->not_under, m->n_not_under);
			free_strings(m->enum_values, m->n_enum);
			if (m->regex)
				regfree(m->regex);
			if (m->not_regex)
				regfree(m->not_regex);
			free(m->regex);
			free(m->not_regex);
			free(m->regex_src);
			free(m->not_regex_src);
		}
		free(r->matchers);
		free(r->tool);
	}
	free(p->arg_rules);
	p->arg_rules = NULL;
	p->n_arg_rules = 0;
}

static bool load_tools(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"default", "allow", "deny", "rules", "rate_limits", NULL};
	if (!expect(c, n, POL_Y_MAP, "tools") || !check_keys(c, n, "tools", keys))
		return false;
	if (!load_name_rules(c, n, "tools", &p->tools))
		return false;
	const struct pol_ynode *v = pol_ytree_get(n, "rules");
	if (v && !load_arg_rules(c, v, p))
		return false;
	v = pol_ytree_get(n, "rate_limits");
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
	static const char *const keys[] = {"secrets", "max_bytes", NULL};
	static const char *const actions[] = {"redact", "block", "off", NULL};
	if (!expect(c, n, POL_Y_MAP, "responses") || !check_keys(c, n, "responses", keys))
		return false;
	const struct pol_ynode *v = pol_ytree_get(n, "secrets");
	if (v) {
		int i = choice(c, v, "responses.secrets", actions);
		if (i < 0)
			return false;
		p->responses_secrets = (enum pol_secrets_action)i;
	}
	v = pol_ytree_get(n, "max_bytes");
	if (v && !parse_size(c, v, "responses.max_bytes", &p->responses_max_bytes))
		return false;
	if (v && p->responses_max_bytes == 0)
		return error_at(c, v, "responses.max_bytes must be more than 0");
	return true;
}

static bool load_pins(struct ctx *c, const struct pol_ynode *n, struct pol_policy *p)
{
	static const char *const keys[] = {"on_change", "store", "sanitize", NULL};
	static const char *const actions[] = {"block", "warn", "off", NULL};
	static const char *const bools[] = {"false", "true", NULL};
	if (!expect(c, n, POL_Y_MAP, "pins") || !check_keys(c, n, "pins", keys))
		return false;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "on_change"))) {
		int i = choice(c, v, "pins.on_change", actions);
		if (i < 0)
			return false;
		p->pins_on_change = (enum pol_pins_on_change)i;
	}
	if ((v = pol_ytree_get(n, "sanitize"))) {
		int i = choice(c, v, "pins.sanitize", bools);
		if (i < 0)
			return false;
		p->pins_keep_descriptions = i == 0;
	}
	if ((v = pol_ytree_get(n, "store"))) {
		if (!(p->pins_store = expand(c, v, "pins.store")))
			return false;
		if (p->pins_store[0] != '/')
			return error_at(c, v, "pins.store: '%s' is not an absolute path",
					p->pins_store);
	}
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

static const char *const bool_words[] = {"false", "true", NULL};

static bool load_bool(struct ctx *c, const struct pol_ynode *n, const char *what, bool *out)
{
	int i = choice(c, n, what, bool_words);
	if (i < 0)
		return false;
	*out = i == 1;
	return true;
}

/* A list of absolute paths (may be empty; one string is a list of one). */
static bool load_paths(struct ctx *c, const struct pol_ynode *n, const char *what, char ***out,
		       size_t *count)
{
	if (n->kind == POL_Y_SEQ && n->count == 0)
		return true;
	return load_strings(c, n, what, true, out, count);
}

static bool load_ports(struct ctx *c, const struct pol_ynode *n, const char *what,
		       uint16_t *ports, size_t *count)
{
	const struct pol_ynode *const *items = (const struct pol_ynode *const *)&n;
	size_t k = 1;
	if (n->kind == POL_Y_SEQ) {
		items = (const struct pol_ynode *const *)n->items;
		k = n->count;
	}
	if (k > POL_MAX_PORTS)
		return error_at(c, n, "%s: at most %d ports", what, POL_MAX_PORTS);
	*count = 0;
	for (size_t i = 0; i < k; i++) {
		unsigned long long u;
		if (!parse_uint(c, items[i], what, 65535, &u))
			return false;
		if (u == 0)
			return error_at(c, items[i], "%s: port 0 is not a port", what);
		ports[(*count)++] = (uint16_t)u;
	}
	return true;
}

static const char *const limit_names[] = {"open_files", "file_size", "processes",
					  "address_space", "cpu_seconds", NULL};

const char *pol_limit_name(enum pol_limit l)
{
	return l < POL_LIMIT_COUNT ? limit_names[l] : "?";
}

static bool load_sandbox_env(struct ctx *c, const struct pol_ynode *n, struct pol_sandbox *sb)
{
	static const char *const keys[] = {"mode", "allow", NULL};
	static const char *const modes[] = {"scrub", "strict", "passthrough", NULL};
	if (!expect(c, n, POL_Y_MAP, "sandbox.env") || !check_keys(c, n, "sandbox.env", keys))
		return false;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "mode"))) {
		int i = choice(c, v, "sandbox.env.mode", modes);
		if (i < 0)
			return false;
		sb->env_mode = (enum pol_env_mode)i;
	}
	if ((v = pol_ytree_get(n, "allow"))) {
		if (v->kind == POL_Y_SEQ && v->count == 0)
			return true;
		if (!load_strings(c, v, "sandbox.env.allow", false, &sb->env_allow,
				  &sb->n_env_allow))
			return false;
		for (size_t i = 0; i < sb->n_env_allow; i++)
			if (pol_glob_check(sb->env_allow[i]) != 0 || strchr(sb->env_allow[i], '='))
				return error_at(c, v, "sandbox.env.allow: '%s' is not a variable "
						"name or glob", sb->env_allow[i]);
	}
	return true;
}

static bool load_sandbox_fs(struct ctx *c, const struct pol_ynode *n, struct pol_sandbox *sb)
{
	static const char *const keys[] = {"system", "cwd", "read", "write", "execute", "deny",
					   NULL};
	static const char *const cwd[] = {"read", "write", "none", NULL};
	if (!expect(c, n, POL_Y_MAP, "sandbox.filesystem") ||
	    !check_keys(c, n, "sandbox.filesystem", keys))
		return false;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "system")) &&
	    !load_bool(c, v, "sandbox.filesystem.system", &sb->fs_system))
		return false;
	if ((v = pol_ytree_get(n, "cwd"))) {
		int i = choice(c, v, "sandbox.filesystem.cwd", cwd);
		if (i < 0)
			return false;
		sb->fs_cwd = (enum pol_cwd_access)i;
	}
	if ((v = pol_ytree_get(n, "read")) &&
	    !load_paths(c, v, "sandbox.filesystem.read", &sb->fs_read, &sb->n_fs_read))
		return false;
	if ((v = pol_ytree_get(n, "write")) &&
	    !load_paths(c, v, "sandbox.filesystem.write", &sb->fs_write, &sb->n_fs_write))
		return false;
	if ((v = pol_ytree_get(n, "execute")) &&
	    !load_paths(c, v, "sandbox.filesystem.execute", &sb->fs_exec, &sb->n_fs_exec))
		return false;
	if ((v = pol_ytree_get(n, "deny")) &&
	    !load_paths(c, v, "sandbox.filesystem.deny", &sb->fs_deny, &sb->n_fs_deny))
		return false;
	return true;
}

static bool load_sandbox_net(struct ctx *c, const struct pol_ynode *n, struct pol_sandbox *sb)
{
	static const char *const keys[] = {"connect_tcp", "bind_tcp", "udp", "unix_sockets",
					   NULL};
	if (n->kind == POL_Y_SCALAR) {
		static const char *const words[] = {"none", "open", NULL};
		int i = choice(c, n, "sandbox.network", words);
		if (i < 0)
			return false;
		sb->n_connect_tcp = 0;
		sb->net_open = i == 1;
		return true;
	}
	if (!expect(c, n, POL_Y_MAP, "sandbox.network") ||
	    !check_keys(c, n, "sandbox.network", keys))
		return false;
	/* A network map replaces the default: what it leaves out is denied. */
	sb->n_connect_tcp = 0;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "connect_tcp")) &&
	    !load_ports(c, v, "sandbox.network.connect_tcp", sb->connect_tcp, &sb->n_connect_tcp))
		return false;
	if ((v = pol_ytree_get(n, "bind_tcp")) &&
	    !load_ports(c, v, "sandbox.network.bind_tcp", sb->bind_tcp, &sb->n_bind_tcp))
		return false;
	if ((v = pol_ytree_get(n, "udp")) && !load_bool(c, v, "sandbox.network.udp", &sb->udp))
		return false;
	if ((v = pol_ytree_get(n, "unix_sockets")) &&
	    !load_paths(c, v, "sandbox.network.unix_sockets", &sb->unix_sockets,
			&sb->n_unix_sockets))
		return false;
	return true;
}

static bool load_sandbox_limits(struct ctx *c, const struct pol_ynode *n, struct pol_sandbox *sb)
{
	if (!expect(c, n, POL_Y_MAP, "sandbox.limits") ||
	    !check_keys(c, n, "sandbox.limits", limit_names))
		return false;
	for (int i = 0; i < POL_LIMIT_COUNT; i++) {
		const struct pol_ynode *v = pol_ytree_get(n, limit_names[i]);
		if (!v)
			continue;
		char what[64];
		snprintf(what, sizeof(what), "sandbox.limits.%s", limit_names[i]);
		if (i == POL_LIMIT_FILE_SIZE || i == POL_LIMIT_ADDRESS_SPACE) {
			size_t sz;
			if (!parse_size(c, v, what, &sz))
				return false;
			sb->limits[i] = (long long)sz;
		} else {
			unsigned long long u;
			if (!parse_uint(c, v, what, 1ull << 31, &u))
				return false;
			sb->limits[i] = (long long)u;
		}
		if (sb->limits[i] == 0 && i != POL_LIMIT_FILE_SIZE)
			return error_at(c, v, "%s must be at least 1", what);
	}
	return true;
}

static bool load_sandbox(struct ctx *c, const struct pol_ynode *n, struct pol_sandbox *sb)
{
	static const char *const keys[] = {"enabled", "fail_closed", "require_landlock", "env",
					   "filesystem", "network", "isolate", "limits", NULL};
	static const char *const iso_keys[] = {"abstract_unix", "signals", NULL};
	if (!expect(c, n, POL_Y_MAP, "sandbox") || !check_keys(c, n, "sandbox", keys))
		return false;
	const struct pol_ynode *v;
	if ((v = pol_ytree_get(n, "enabled")) &&
	    !load_bool(c, v, "sandbox.enabled", &sb->enabled))
		return false;
	if ((v = pol_ytree_get(n, "fail_closed")) &&
	    !load_bool(c, v, "sandbox.fail_closed", &sb->fail_closed))
		return false;
	if ((v = pol_ytree_get(n, "require_landlock")) &&
	    !load_bool(c, v, "sandbox.require_landlock", &sb->require_landlock))
		return false;
	if ((v = pol_ytree_get(n, "env")) && !load_sandbox_env(c, v, sb))
		return false;
	if ((v = pol_ytree_get(n, "filesystem")) && !load_sandbox_fs(c, v, sb))
		return false;
	if ((v = pol_ytree_get(n, "network")) && !load_sandbox_net(c, v, sb))
		return false;
	if ((v = pol_ytree_get(n, "isolate"))) {
		if (!expect(c, v, POL_Y_MAP, "sandbox.isolate") ||
		    !check_keys(c, v, "sandbox.isolate", iso_keys))
			return false;
		const struct pol_ynode *w;
		if ((w = pol_ytree_get(v, "abstract_unix")) &&
		    !load_bool(c, w, "sandbox.isolate.abstract_unix", &sb->scope_abstract_unix))
			return false;
		if ((w = pol_ytree_get(v, "signals")) &&
		    !load_bool(c, w, "sandbox.isolate.signals", &sb->scope_signals))
			return false;
	}
	if ((v = pol_ytree_get(n, "limits")) && !load_sandbox_limits(c, v, sb))
		return false;
	return true;
}

static void sandbox_init(struct pol_sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->enabled = true;
	sb->fs_system = true;
	sb->fs_cwd = POL_CWD_READ;
	/* HTTPS, and DNS over TCP (the resolver is switched with RES_OPTIONS). */
	sb->connect_tcp[0] = 443;
	sb->connect_tcp[1] = 53;
	sb->n_connect_tcp = 2;
	sb->scope_abstract_unix = true;
	sb->scope_signals = true;
	for (int i = 0; i < POL_LIMIT_COUNT; i++)
		sb->limits[i] = -1;
}

static void sandbox_close(struct pol_sandbox *sb)
{
	free_strings(sb->env_allow, sb->n_env_allow);
	free_strings(sb->fs_read, sb->n_fs_read);
	free_strings(sb->fs_write, sb->n_fs_write);
	free_strings(sb->fs_exec, sb->n_fs_exec);
	free_strings(sb->fs_deny, sb->n_fs_deny);
	free_strings(sb->unix_sockets, sb->n_unix_sockets);
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
	sandbox_init(&p->sandbox);
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
	free_arg_rules(p);
	free(p->pins_store);
	sandbox_close(&p->sandbox);
	pol_policy_init(p);
}

int pol_policy_load(struct pol_policy *p, const char *text, size_t len, const char *source,
		    const struct pol_vars *vars, char *err, size_t err_size)
{
	struct ctx c = {.vars = vars, .source = source, .err = err, .err_size = err_size};
	pol_policy_init(p);
	char yerr[256];
	struct pol_ynode *root = pol_ytree_parse(text, len, yerr, sizeof(yerr));
	if (!root) {
		snprintf(err, err_size, "%s:%s", source, yerr);
		return -1;
	}
	static const char *const keys[] = {"version",	      "mode",	   "deny_reply",
					   "tools",	      "resources", "prompts",
					   "client_requests", "responses", "pins",
					   "audit",	      "sandbox",   NULL};
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
	if (ok && (v = pol_ytree_get(root, "pins")) != NULL)
		ok = load_pins(&c, v, p);
	if (ok && (v = pol_ytree_get(root, "audit")) != NULL)
		ok = load_audit(&c, v, p);
	if (ok && (v = pol_ytree_get(root, "sandbox")) != NULL)
		ok = load_sandbox(&c, v, &p->sandbox);
	pol_ytree_free(root);
	if (!ok) {
		pol_policy_close(p);
		return -1;
	}
	p->source = strdup(source);
	return 0;
}

/* YAML double-quoted scalar.  Everything outside printable ASCII is an
 * escape, by code point: libyaml folds some raw characters (U+0085, U+2028)
 * into spaces when it reads them back. */
static void dump_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', out);
	while (*p) {
		unsigned char ch = *p;
		if (ch == '"' || ch == '\\') {
			fprintf(out, "\\%c", ch);
			p++;
		} else if (ch >= 0x20 && ch < 0x7f) {
			fputc(ch, out);
			p++;
		} else if (ch < 0x80) {
			fprintf(out, "\\x%02x", ch);
			p++;
		} else {
			/* The loader only accepts valid UTF-8 (libyaml checks it). */
			unsigned n = ch >= 0xF0 ? 3 : ch >= 0xE0 ? 2 : 1;
			unsigned cp = ch & (0x3F >> n);
			for (unsigned k = 1; k <= n && p[k]; k++)
				cp = cp << 6 | (p[k] & 0x3F);
			fprintf(out, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", cp);
			for (unsigned k = 0; k <= n && *p; k++)
				p++;
		}
	}
	fputc('"', out);
}

/* A value that was expanded when it was loaded: written with every '$'
 * doubled, so that loading the dump gives the same value back. */
static void dump_expanded(FILE *out, const char *s)
{
	size_t n = strlen(s), extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += s[i] == '$';
	char *d = malloc(n + extra + 1);
	if (!d) {
		dump_string(out, s);
		return;
	}
	char *q = d;
	for (size_t i = 0; i < n; i++) {
		*q++ = s[i];
		if (s[i] == '$')
			*q++ = '$';
	}
	*q = '\0';
	dump_string(out, d);
	free(d);
}

static void dump_list(FILE *out, const char *key, char **v, size_t n, bool expanded)
{
	if (!n)
		return;
	fprintf(out, "          %s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		if (expanded)
			dump_expanded(out, v[i]);
		else
			dump_string(out, v[i]);
	}
	fputs("]\n", out);
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

static void dump_paths(FILE *out, const char *key, char **v, size_t n)
{
	fprintf(out, "    %s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		dump_expanded(out, v[i]);
	}
	fputs("]\n", out);
}

static void dump_ports(FILE *out, const char *key, const uint16_t *v, size_t n)
{
	fprintf(out, "    %s: [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", v[i]);
	fputs("]\n", out);
}

static void dump_sandbox(FILE *out, const struct pol_sandbox *sb)
{
	static const char *const env[] = {"scrub", "strict", "passthrough"};
	static const char *const cwd[] = {"read", "write", "none"};
	fprintf(out, "sandbox:\n  enabled: %s\n  fail_closed: %s\n  require_landlock: %s\n",
		bool_words[sb->enabled], bool_words[sb->fail_closed],
		bool_words[sb->require_landlock]);
	fprintf(out, "  env:\n    mode: %s\n    allow: [", env[sb->env_mode]);
	for (size_t i = 0; i < sb->n_env_allow; i++) {
		if (i)
			fputs(", ", out);
		dump_string(out, sb->env_allow[i]);
	}
	fprintf(out, "]\n  filesystem:\n    system: %s\n    cwd: %s\n", bool_words[sb->fs_system],
		cwd[sb->fs_cwd]);
	dump_paths(out, "read", sb->fs_read, sb->n_fs_read);
	dump_paths(out, "write", sb->fs_write, sb->n_fs_write);
	dump_paths(out, "execute", sb->fs_exec, sb->n_fs_exec);
	dump_paths(out, "deny", sb->fs_deny, sb->n_fs_deny);
	if (sb->net_open) {
		fputs("  network: open\n", out);
	} else {
		fputs("  network:\n", out);
		dump_ports(out, "connect_tcp", sb->connect_tcp, sb->n_connect_tcp);
		dump_ports(out, "bind_tcp", sb->bind_tcp, sb->n_bind_tcp);
		fprintf(out, "    udp: %s\n", bool_words[sb->udp]);
		dump_paths(out, "unix_sockets", sb->unix_sockets, sb->n_unix_sockets);
	}
	fprintf(out, "  isolate:\n    abstract_unix: %s\n    signals: %s\n",
		bool_words[sb->scope_abstract_unix], bool_words[sb->scope_signals]);
	bool any = false;
	for (int i = 0; i < POL_LIMIT_COUNT; i++) {
		if (sb->limits[i] < 0)
			continue;
		if (!any)
			fputs("  limits:\n", out);
		any = true;
		fprintf(out, "    %s: %lld\n", limit_names[i], sb->limits[i]);
	}
}

void pol_policy_dump(const struct pol_policy *p, FILE *out)
{
	static const char *const args[] = {"hash", "redacted", "full"};
	/* Printable ASCII only: YAML also breaks lines at U+0085, U+2028, U+2029. */
	fputs("# effective policy from ", out);
	for (const char *c = p->source ? p->source : "(none)"; *c; c++)
		fputc((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f ? '?' : *c, out);
	fputc('\n', out);
	fprintf(out, "version: %d\n", p->version);
	fprintf(out, "mode: %s\n", p->mode == POL_MODE_AUDIT ? "audit" : "enforce");
	fprintf(out, "deny_reply: %s\n", p->deny_reply_error ? "error" : "result");
	dump_name_rules(out, "tools", &p->tools);
	if (p->n_arg_rules)
		fprintf(out, "  rules:\n");
	for (size_t i = 0; i < p->n_arg_rules; i++) {
		const struct pol_arg_rule *r = &p->arg_rules[i];
		fputs("    - id: ", out);
		dump_string(out, r->id);
		fputs("\n      tool: ", out);
		dump_string(out, r->tool);
		fputs("\n      args:\n", out);
		for (size_t j = 0; j < r->n_matchers; j++) {
			const struct pol_arg_matcher *m = &r->matchers[j];
			fputs("        ", out);
			dump_string(out, m->path);
			fputs(":\n", out);
			dump_list(out, "under", m->under, m->n_under, true);
			dump_list(out, "not_under", m->not_under, m->n_not_under, true);
			if (m->regex_src) {
				fputs("          regex: ", out);
				dump_string(out, m->regex_src);
				fputc('\n', out);
			}
			if (m->not_regex_src) {
				fputs("          not_regex: ", out);
				dump_string(out, m->not_regex_src);
				fputc('\n', out);
			}
			if (m->max_length >= 0)
				fprintf(out, "          max_length: %lld\n", m->max_length);
			dump_list(out, "enum", m->enum_values, m->n_enum, false);
			if (m->secrets)
				fputs("          secrets: deny\n", out);
			if (m->required)
				fputs("          required: true\n", out);
		}
	}
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
	static const char *const secrets[] = {"redact", "block", "off"};
	fprintf(out, "responses:\n  secrets: %s\n", secrets[p->responses_secrets]);
	if (p->responses_max_bytes)
		fprintf(out, "  max_bytes: %zu\n", p->responses_max_bytes);
	static const char *const pins[] = {"block", "warn", "off"};
	fprintf(out, "pins:\n  on_change: %s\n  sanitize: %s\n", pins[p->pins_on_change],
		p->pins_keep_descriptions ? "false" : "true");
	if (p->pins_store) {
		fputs("  store: ", out);
		dump_expanded(out, p->pins_store);
		fputc('\n', out);
	}
	fprintf(out, "audit:\n  arguments: %s\n", args[p->audit_arguments]);
	dump_sandbox(out, &p->sandbox);
}
