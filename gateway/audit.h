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

/* Load (or create, once) the per-install key that makes argument hashes
 * unguessable: $XDG_STATE_HOME/assay-gateway/audit.key (else
 * ~/.local/state/...), 32 random bytes, mode 0600, created atomically so
 * that two gateways starting together agree on one key.  Returns 0, or -1
 * with a message in |err|. */
int gw_audit_key_setup(char *err, size_t err_size);

/* The value to record for tool-call |args| under |mode| (an enum
 * pol_audit_args): "hash" gives "hmac-sha256:<hex>" over the canonical
 * JSON (sorted keys, compact) with the install key, so equal arguments are
 * recognisable across records while a short secret cannot be recovered by
 * guessing; "redacted" keeps the shape with every value replaced by its
 * type; "full" is the arguments themselves.  Returns a new reference or
 * NULL. */
json_t *gw_audit_arguments(json_t *args, int mode);

/* Current wall-clock time as RFC 3339 UTC with microseconds. */
void gw_rfc3339_now(char *out, size_t size);

#endif
