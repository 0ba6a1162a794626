/* policies/ratelimit.h - tools.rate_limits: calls per minute per tool, and
 * calls per session.
 *
 * Each (tool, per_minute rule) pair is a token bucket holding at most
 * |limit| calls and refilled at |limit| per minute: a burst of |limit|
 * calls, then one every 60/|limit| seconds.  The clock is the caller's.
 *
 * Pure: no clock, no I/O.
 */
#ifndef POLICIES_RATELIMIT_H
#define POLICIES_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "policies/policy.h"

/* Most distinct tool names tracked; a call to a further one is denied
 * (the names come from the client, so the table must not grow forever). */
#define POL_RATE_MAX_TOOLS 1024

struct pol_rate_state {
	struct pol_rate_tool *tools;
	size_t ntools, cap;
	uint64_t session_calls;
};

void pol_rate_init(struct pol_rate_state *st);
void pol_rate_close(struct pol_rate_state *st);

/* Decide whether a call to |tool| (|len| bytes) at |now_ns| is within the
 * limits of |p|, and count it when it is.  Returns 0 when allowed;
 * otherwise 1 with |out| naming the rule and |detail| saying which limit
 * (|out->reason| points at |detail|). */
int pol_rate_check(struct pol_rate_state *st, const struct pol_policy *p, const char *tool,
		   size_t len, uint64_t now_ns, struct pol_decision *out, char *detail,
		   size_t detail_size);

#endif
