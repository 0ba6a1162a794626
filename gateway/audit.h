/* gateway/audit.h - the JSON Lines audit log (--audit FILE).
 *
 * One JSON object per line, each written with a single write(2) on a file
 * opened O_APPEND, so a record is never interleaved or half-buffered when
 * the gateway is killed.  Every record starts with "ts" (RFC 3339, UTC,
 * microseconds), "event" and "seq".  docs/audit.md documents every field.
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Open |path| for appending (created 0600).  Returns 0 or -errno. */
int gw_audit_open(const char *path);
void gw_audit_close(void);
bool gw_audit_enabled(void);

/* Write one record: "ts", "event": |event|, "seq", then the members of
 * |fields| in order.  Takes ownership of |fields| (may be NULL).  A write
 * failure is logged once; the relay goes on. */
void gw_audit(const char *event, json_t *fields);

/* Current wall-clock time as RFC 3339 UTC with microseconds. */
void gw_rfc3339_now(char *out, size_t size);

#endif
