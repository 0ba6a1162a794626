/* policies/ratelimit.c - token buckets per tool and rule. */
#include "policies/ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pol_rate_tool {
	char *name;
	size_t len;
	double *tokens;	  /* one bucket per per_minute rule */
	uint64_t *last_ns; /* when each bucket was last refilled */
};

void pol_rate_init(struct pol_rate_state *st)
{
	memset(st, 0, sizeof(*st));
}

void pol_rate_close(struct pol_rate_state *st)
{
	for (size_t i = 0; i < st->ntools; i++) {
		free(st->tools[i].name);
		free(st->tools[i].tokens);
		free(st->tools[i].last_ns);
	}
	free(st->tools);
	memset(st, 0, sizeof(*st));
}

static struct pol_rate_tool *lookup(struct pol_rate_state *st, const struct pol_policy *p,
				    const char *tool, size_t len, uint64_t now_ns)
{
	for (size_t i = 0; i < st->ntools; i++)
		if (st->tools[i].len == len && memcmp(st->tools[i].name, tool, len) == 0)
			return &st->tools[i];
	if (st->ntools >= POL_RATE_MAX_TOOLS)
		return NULL;
	if (st->ntools == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct pol_rate_tool *t = realloc(st->tools, cap * sizeof(*t));
		if (!t)
			return NULL;
		st->tools = t;
		st->cap = cap;
	}
	struct pol_rate_tool *t = &st->tools[st->ntools];
	t->name = malloc(len + 1);
	t->tokens = calloc(p->n_rate_limits, sizeof(*t->tokens));
	t->last_ns = calloc(p->n_rate_limits, sizeof(*t->last_ns));
	if (!t->name || !t->tokens || !t->last_ns) {
		free(t->name);
		free(t->tokens);
		free(t->last_ns);
		return NULL;
	}
	memcpy(t->name, tool, len);
	t->name[len] = '\0';
	t->len = len;
	for (size_t i = 0; i < p->n_rate_limits; i++) {
		t->tokens[i] = p->rate_limits[i].limit; /* start full */
		t->last_ns[i] = now_ns;
	}
	st->ntools++;
	return t;
}

int pol_rate_check(struct pol_rate_state *st, const struct pol_policy *p, const char *tool,
		   size_t len, uint64_t now_ns, struct pol_decision *out, char *detail,
		   size_t detail_size)
{
	memset(out, 0, sizeof(*out));
	out->action = POL_ALLOW;
	out->rule_id = "default";
	out->reason = "within the rate limits";
	if (p->session_total && st->session_calls >= p->session_total) {
		snprintf(detail, detail_size, "the session limit of %u tool calls is reached",
			 p->session_total);
		out->action = POL_DENY;
		out->rule_id = "tools.rate_limits.session_total";
		out->reason = detail;
		return 1;
	}
	bool any = false;
	for (size_t i = 0; i < p->n_rate_limits; i++)
		any |= pol_glob_match(p->rate_limits[i].glob, tool, len);
	if (any) {
		struct pol_rate_tool *t = lookup(st, p, tool, len, now_ns);
		if (!t) {
			snprintf(detail, detail_size, "too many distinct tool names to rate-limit "
				 "(at most %d)", POL_RATE_MAX_TOOLS);
			out->action = POL_DENY;
			out->rule_id = "tools.rate_limits";
			out->reason = detail;
			return 1;
		}
		/* Refill every matching bucket, then all must hold a token. */
		for (size_t i = 0; i < p->n_rate_limits; i++) {
			const struct pol_rate_limit *rl = &p->rate_limits[i];
			if (!pol_glob_match(rl->glob, tool, len))
				continue;
			double elapsed = (double)(now_ns - t->last_ns[i]) / 1e9;
			t->last_ns[i] = now_ns;
			t->tokens[i] += elapsed * rl->limit / 60.0;
			if (t->tokens[i] > rl->limit)
				t->tokens[i] = rl->limit;
			if (t->tokens[i] < 1.0) {
				snprintf(detail, detail_size,
					 "at most %u calls a minute to tools matching '%s'",
					 rl->limit, rl->glob);
				out->action = POL_DENY;
				out->rule_id = rl->id;
				out->reason = detail;
				return 1;
			}
		}
		for (size_t i = 0; i < p->n_rate_limits; i++)
			if (pol_glob_match(p->rate_limits[i].glob, tool, len))
				t->tokens[i] -= 1.0;
	}
	st->session_calls++;
	return 0;
}
