/* policies/args.c - argument rules of tool calls (tools.rules[].args). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/secrets.h"

/* Collect the values at |segs| below |v| (at most |max| of them). */
static void collect(const json_t *v, char *const *segs, size_t nsegs, const json_t **out,
		    size_t *n, size_t max)
{
	if (*n >= max || !v)
		return;
	if (nsegs == 0) {
		out[(*n)++] = v;
		return;
	}
	const char *seg = segs[0];
	size_t len = strlen(seg);
	bool each = len >= 2 && strcmp(seg + len - 2, "[]") == 0;
	const json_t *child = v;
	if (!each || len > 2) {
		char key[256];
		size_t klen = each ? len - 2 : len;
		if (klen >= sizeof(key))
			return;
		memcpy(key, seg, klen);
		key[klen] = '\0';
		child = json_object_get(v, key);
		if (!child)
			return;
	}
	if (!each) {
		collect(child, segs + 1, nsegs - 1, out, n, max);
		return;
	}
	if (!json_is_array(child)) {
		/* A scalar where a list was expected is still checked: a server
		 * may accept one path where it documents a list. */
		collect(child, segs + 1, nsegs - 1, out, n, max);
		return;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(child, i, e)
		collect(e, segs + 1, nsegs - 1, out, n, max);
}

/* Every string at any depth (values, not keys). */
static void collect_strings(const json_t *v, const json_t **out, size_t *n, size_t max, int depth)
{
	if (*n >= max || !v || depth > 64)
		return;
	if (json_is_string(v)) {
		out[(*n)++] = v;
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e)
			collect_strings(e, out, n, max, depth + 1);
	} else if (json_is_object(v)) {
		const char *k;
		const json_t *e;
		json_object_foreach((json_t *)v, k, e)
			collect_strings(e, out, n, max, depth + 1);
	}
}

#define MAX_VALUES 4096

/* An absolute path, a "~" path or a file: URI: the spellings whose meaning
 * does not depend on a base directory the gateway cannot know. */
static bool anchored_path(const char *s, size_t len)
{
	return (len > 0 && (s[0] == '/' || s[0] == '~')) ||
	       (len >= 5 && strncasecmp(s, "file:", 5) == 0);
}

/* "argument 'PATH' ('VALUE') WHAT", with the value shown printable. */
static bool fail_value(const struct pol_arg_matcher *m, char *detail, size_t size,
		       const char *value, size_t vlen, const char *what)
{
	char shown[120];
	size_t k = 0;
	for (size_t i = 0; i < vlen && k + 5 < sizeof(shown); i++) {
		unsigned char c = (unsigned char)value[i];
		shown[k++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
	}
	if (vlen > k)
		memcpy(shown + k, "...", 4);
	else
		shown[k] = '\0';
	snprintf(detail, size, "argument '%s' ('%s') %s", m->path, shown, what);
	return false;
}

static bool check_value(const struct pol_arg_matcher *m, const json_t *v,
			const struct pol_path_ctx *pc, char *detail, size_t size)
{
	bool needs_string = m->n_under || m->n_not_under || m->regex || m->not_regex ||
			    m->max_length >= 0 || m->n_enum || m->secrets;
	if (!json_is_string(v)) {
		if (!needs_string)
			return true;
		snprintf(detail, size, "argument '%s' is not a string", m->path);
		return false;
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	char what[400];
	if (m->max_length >= 0 && (long long)len > m->max_length) {
		snprintf(what, sizeof(what), "is longer than %lld bytes", m->max_length);
		return fail_value(m, detail, size, s, len, what);
	}
	if (m->n_enum) {
		bool found = false;
		for (size_t i = 0; i < m->n_enum && !found; i++)
			found = strlen(m->enum_values[i]) == len &&
				memcmp(m->enum_values[i], s, len) == 0;
		if (!found)
			return fail_value(m, detail, size, s, len, "is not one of the allowed values");
	}
	if (m->regex || m->not_regex) {
		regmatch_t pm[1] = {{.rm_so = 0, .rm_eo = (regoff_t)len}};
		if (m->regex && regexec(m->regex, s, 1, pm, REG_STARTEND) != 0) {
			snprintf(what, sizeof(what), "does not match /%s/", m->regex_src);
			return fail_value(m, detail, size, s, len, what);
		}
		pm[0].rm_so = 0, pm[0].rm_eo = (regoff_t)len;
		if (m->not_regex && regexec(m->not_regex, s, 1, pm, REG_STARTEND) == 0) {
			snprintf(what, sizeof(what), "matches /%s/", m->not_regex_src);
			return fail_value(m, detail, size, s, len, what);
		}
	}
	if (m->secrets && pol_secrets_contains(s, len)) {
		/* Never quote the value: the text reaches logs and the audit log. */
		snprintf(detail, size, "argument '%s' contains a credential", m->path);
		return false;
	}
	char why[256] = "";
	if ((m->n_under || m->n_not_under) && !anchored_path(s, len)) {
		/* Servers resolve relative paths against different directories
		 * (server-filesystem: its first root, not its working
		 * directory), so no reading of one can be trusted. */
		return fail_value(m, detail, size, s, len,
				  "is a relative path, which cannot be confined: servers resolve "
				  "relative paths against different directories (use an absolute "
				  "path)");
	}
	if (m->n_under) {
		int r = pol_path_under(pc, s, len, (const char *const *)m->under, m->n_under, why,
				       sizeof(why));
		if (r < 0)
			return fail_value(m, detail, size, s, len, "is not a usable path");
		if (r == 0) {
			snprintf(what, sizeof(what), "is not under an allowed directory%s", why);
			return fail_value(m, detail, size, s, len, what);
		}
	}
	if (m->n_not_under) {
		int r = pol_path_may_be_under(pc, s, len, (const char *const *)m->not_under,
					      m->n_not_under, why, sizeof(why));
		if (r < 0)
			return fail_value(m, detail, size, s, len, "is not a usable path");
		if (r == 1) {
			snprintf(what, sizeof(what), "is under a denied directory%s", why);
			return fail_value(m, detail, size, s, len, what);
		}
	}
	return true;
}

int pol_args_decide(const struct pol_policy *p, const char *tool, size_t len, const json_t *args,
		    const struct pol_path_ctx *pc, struct pol_decision *out, char *detail,
		    size_t detail_size)
{
	memset(out, 0, sizeof(*out));
	out->action = POL_ALLOW;
	out->rule_id = "default";
	out->reason = "no argument rule refuses it";
	if (!p->n_arg_rules)
		return 0;
	const json_t **values = malloc(MAX_VALUES * sizeof(*values));
	if (!values) {
		snprintf(detail, detail_size, "out of memory checking the arguments");
		out->action = POL_DENY;
		out->rule_id = "tools.rules";
		out->reason = detail;
		return 1;
	}
	int denied = 0;
	for (size_t r = 0; r < p->n_arg_rules && !denied; r++) {
		const struct pol_arg_rule *rule = &p->arg_rules[r];
		if (!pol_glob_match(rule->tool, tool, len))
			continue;
		for (size_t i = 0; i < rule->n_matchers && !denied; i++) {
			const struct pol_arg_matcher *m = &rule->matchers[i];
			size_t n = 0;
			if (m->any)
				collect_strings(args, values, &n, MAX_VALUES, 0);
			else
				collect(args, m->segs, m->nsegs, values, &n, MAX_VALUES);
			if (n >= MAX_VALUES) {
				snprintf(detail, detail_size, "argument '%s' has more than %d values",
					 m->path, MAX_VALUES);
				denied = 1;
			} else if (n == 0 && m->required) {
				snprintf(detail, detail_size, "argument '%s' is required", m->path);
				denied = 1;
			}
			for (size_t k = 0; k < n && !denied; k++)
				if (!check_value(m, values[k], pc, detail, detail_size))
					denied = 1;
			if (denied) {
				out->action = POL_DENY;
				out->rule_id = rule->id;
				out->reason = detail;
			}
		}
	}
	free(values);
	return denied;
}

void pol_args_prime(const struct pol_policy *p, const struct pol_path_ctx *pc)
{
	for (size_t r = 0; r < p->n_arg_rules; r++)
		for (size_t i = 0; i < p->arg_rules[r].n_matchers; i++) {
			const struct pol_arg_matcher *m = &p->arg_rules[r].matchers[i];
			for (size_t k = 0; k < m->n_under; k++)
				pol_path_under(pc, m->under[k], strlen(m->under[k]),
					       (const char *const *)m->under, m->n_under, NULL, 0);
			for (size_t k = 0; k < m->n_not_under; k++)
				pol_path_under(pc, m->not_under[k], strlen(m->not_under[k]),
					       (const char *const *)m->not_under, m->n_not_under,
					       NULL, 0);
		}
}
