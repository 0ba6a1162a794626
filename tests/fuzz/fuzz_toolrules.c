/* tests/fuzz/fuzz_toolrules.c - policies/toolrules globs and decisions.
 *
 * Input: <pattern> NUL <name>.  The pattern is the bytes before the first
 * NUL (without one, the first half of the input); the name is the rest and
 * may contain anything, NUL included.  The pattern may hold several globs
 * separated by '|' for the decision part.
 *
 * Invariants:
 *  - pol_glob_match terminates (libFuzzer's timeout) and, for inputs small
 *    enough, agrees with a dynamic-programming reference matcher;
 *  - pol_tool_rules_add accepts exactly the globs pol_glob_check accepts;
 *  - decisions: an empty name or one with a NUL byte is denied when rules
 *    exist; a name matching a deny glob is denied by the first such rule;
 *    otherwise the first matching allow rule allows it; otherwise it is
 *    denied when there are allow rules and allowed when there are none;
 *    the rule id and glob name the rule that decided.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/toolrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c)) {                                                             \
			fprintf(stderr, "fuzz_toolrules: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* Reference: tokens, then a DP over (token, name position), one row at a
 * time from the end. */
static bool ref_match(const char *pat, const char *name, size_t len)
{
	size_t plen = strlen(pat);
	int *type = malloc((plen + 1) * sizeof(int));
	unsigned char *ch = malloc(plen + 1);
	bool *next = calloc(len + 1, 1), *cur = calloc(len + 1, 1);
	CHECK(type && ch && next && cur);
	size_t nt = 0;
	for (size_t i = 0; i < plen; i++) {
		if (pat[i] == '*')
			type[nt] = 2;
		else if (pat[i] == '?')
			type[nt] = 1;
		else {
			type[nt] = 0;
			ch[nt] = (unsigned char)(pat[i] == '\\' && i + 1 < plen ? pat[++i] : pat[i]);
		}
		nt++;
	}
	/* next = row for token index i+1; start with the row past the end. */
	for (size_t j = 0; j <= len; j++)
		next[j] = j == len;
	for (size_t i = nt; i-- > 0;) {
		for (size_t j = len + 1; j-- > 0;) {
			if (type[i] == 2)
				cur[j] = next[j] || (j < len && cur[j + 1]);
			else if (j == len)
				cur[j] = false;
			else if (type[i] == 1)
				cur[j] = next[j + 1];
			else
				cur[j] = (unsigned char)name[j] == ch[i] && next[j + 1];
		}
		bool *t = next;
		next = cur;
		cur = t;
	}
	bool r = next[0];
	free(type);
	free(ch);
	free(next);
	free(cur);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	const char *nul = memchr(d, '\0', size);
	size_t plen = nul ? (size_t)(nul - d) : size / 2;
	const char *name = nul ? nul + 1 : d + plen;
	size_t nlen = size - (size_t)(name - d);

	char *pat = malloc(plen + 1);
	CHECK(pat);
	memcpy(pat, d, plen);
	pat[plen] = '\0';

	/* The whole pattern as one glob. */
	bool m = pol_glob_match(pat, name, nlen);
	if (plen <= 512 && nlen <= 4096)
		CHECK(m == ref_match(pat, name, nlen));

	/* Rules: '|'-separated globs, alternately deny and allow, the action
	 * of the first chosen by the first byte of the name. */
	struct pol_tool_rules r;
	pol_tool_rules_init(&r);
	char *globs[16];
	enum pol_action acts[16];
	size_t ng = 0;
	unsigned flip = nlen ? (unsigned char)name[0] & 1 : 0;
	for (char *p = pat, *end; ng < 16; p = end + 1) {
		end = strchr(p, '|');
		if (end)
			*end = '\0';
		enum pol_action a = (ng + flip) % 2 ? POL_ALLOW : POL_DENY;
		int rc = pol_tool_rules_add(&r, a, p);
		CHECK((rc == 0) == (pol_glob_check(p) == 0));
		if (rc == 0) {
			globs[ng] = p;
			acts[ng] = a;
			ng++;
		}
		if (!end)
			break;
	}
	CHECK(r.count == ng);

	struct pol_decision dec;
	pol_tool_rules_decide(&r, name, nlen, &dec);
	CHECK(dec.rule_id != NULL && dec.reason != NULL);
	if (ng == 0) {
		CHECK(dec.action == POL_ALLOW);
	} else if (nlen == 0 || memchr(name, '\0', nlen)) {
		CHECK(dec.action == POL_DENY && !strcmp(dec.rule_id, "invalid_name"));
	} else {
		size_t first_deny = ng, first_allow = ng;
		bool any_allow = false;
		for (size_t i = 0; i < ng; i++) {
			any_allow |= acts[i] == POL_ALLOW;
			if (!pol_glob_match(globs[i], name, nlen))
				continue;
			if (acts[i] == POL_DENY && first_deny == ng)
				first_deny = i;
			if (acts[i] == POL_ALLOW && first_allow == ng)
				first_allow = i;
		}
		if (first_deny < ng) {
			CHECK(dec.action == POL_DENY);
			CHECK(dec.glob && !strcmp(dec.glob, globs[first_deny]));
			CHECK(!strcmp(dec.rule_id, r.rules[first_deny].id));
		} else if (first_allow < ng) {
			CHECK(dec.action == POL_ALLOW);
			CHECK(dec.glob && !strcmp(dec.glob, globs[first_allow]));
			CHECK(!strcmp(dec.rule_id, r.rules[first_allow].id));
		} else {
			CHECK(dec.action == (any_allow ? POL_DENY : POL_ALLOW));
			CHECK(dec.glob == NULL);
		}
	}
	pol_tool_rules_close(&r);
	free(pat);
	return 0;
}
