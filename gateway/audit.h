/* gateway/audit.h - the JSON Lines audit log (--audit FILE).
 *
 * One JSON object per line on a file opened O_APPEND.  Every record starts
 * with "ts" (RFC 3339, UTC, microseconds), "event" and "seq".
 * docs/audit.md documents every field.
 *
 * Records are collected in a buffer and reach the file with one write(2)
 * holding only whole records (continued if the kernel takes part of it):
 *   - once per turn of the event loop, before the loop waits for more input
 *     (gw_audit_attach), so the records of every message read in a turn are
 *     written together;
 *   - before the gateway sends an answer of its own (a denial, an error):
 *     the relay calls gw_audit_flush first, so whoever sees a denial can
 *     find its record (the record of an invalid message is made after the
 *     error answering it, and written with the turn);
 *   - as soon as the buffer holds AUDIT_FLUSH_BYTES;
 *   - when a caller says so: the session once it has recorded its "exit",
 *     the sandbox command once the command has started;
 *   - at gw_audit_close.
 * A gateway killed with SIGKILL, or one that crashes, loses the records of
 * the messages of its current turn (at most AUDIT_FLUSH_BYTES and one
 * record); those messages may already have been passed on.
 *
 * Two ways to make a record: gw_audit() takes a jansson object (the rare
 * records); the hot ones (every request and response) are written member
 * by member with gw_audit_begin() ... gw_audit_end(), straight into the
 * buffer, byte for byte as json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) of
 * the equivalent object would write them.  Not thread-safe: the loop's
 * thread only.
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <uv.h>

/* The buffer is written once it holds this many bytes. */
#define AUDIT_FLUSH_BYTES (64 * 1024)

/* Open |path| for appending (created 0600).  Returns 0 or -errno. */
int gw_audit_open(const char *path);
/* Write what is buffered and close the file. */
void gw_audit_close(void);
bool gw_audit_enabled(void);

/* Write the buffered records at every turn of |loop| (a prepare handle,
 * which runs before the loop waits for I/O; it does not keep the loop
 * alive).  Does nothing when the log is not open.  Returns 0 or a libuv
 * error. */
int gw_audit_attach(uv_loop_t *loop);
/* Close that handle (before the loop is closed); the records stay
 * buffered until the next gw_audit_flush or gw_audit_close. */
void gw_audit_detach(void);
/* Write the buffered records now.  A write failure is logged once; the
 * records of that write are lost and the relay goes on. */
void gw_audit_flush(void);

/* Make one record: "ts", "event": |event|, "seq", then the members of
 * |fields| in order.  Takes ownership of |fields| (may be NULL). */
void gw_audit(const char *event, json_t *fields);

/* ---- records written member by member ------------------------------------
 *
 *	if (gw_audit_begin("response")) {
 *		gw_audit_str("dir", "server_to_client");
 *		gw_audit_int("bytes", len);
 *		gw_audit_end();
 *	}
 *
 * |key| is always one of our own field names (plain ASCII, written as is).
 * A member whose text is not valid UTF-8 is left out (jansson refuses to
 * make such a string) and its function returns false.
 */

/* Start a record of |event| (plain ASCII).  Returns false, and nothing is
 * to be written, when the audit log is off. */
bool gw_audit_begin(const char *event);
/* A string member: |s| NUL-terminated, or |len| bytes (NULs escaped); left
 * out when |s| is NULL. */
bool gw_audit_str(const char *key, const char *s);
bool gw_audit_strn(const char *key, const char *s, size_t len);
void gw_audit_int(const char *key, long long v);
/* A JSON-RPC id given as its |len| bytes of raw JSON text (NULL or empty:
 * null), recorded as the value jansson reads from it: 1.0 and 1e2 as reals
 * (1.0, 100.0), "\u0041" as "A", -0 as 0; an integer too large for 64 bits
 * as a string holding the text. */
bool gw_audit_id(const char *key, const char *raw, size_t len);
/* Any jansson value (borrowed). */
bool gw_audit_json(const char *key, const json_t *v);
/* Tool-call |args| (borrowed) as |mode| (an enum pol_audit_args) says:
 * "hash" gives "hmac-sha256:<hex>" over the canonical JSON (sorted keys,
 * compact, as json_dumps with JSON_SORT_KEYS writes it) with the install
 * key, so equal arguments are recognisable across records and runs while
 * a short secret cannot be recovered by guessing; "redacted" keeps the
 * shape with every value replaced by its type; "full" is the arguments
 * themselves.  Left out when the key is not loaded or the digest fails. */
bool gw_audit_arguments(const char *key, const json_t *args, int mode);
/* Drop the members written since gw_audit_begin: the record keeps only
 * "ts", "event" and "seq". */
void gw_audit_cut(void);
/* Finish the record. */
void gw_audit_end(void);

/* Load (or create, once) the per-install key that makes argument hashes
 * unguessable: $XDG_STATE_HOME/assay-gateway/audit.key (else
 * ~/.local/state/...), 32 random bytes, mode 0600, created atomically so
 * that two gateways starting together agree on one key.  Returns 0, or -1
 * with a message in |err|. */
int gw_audit_key_setup(char *err, size_t err_size);

/* Current wall-clock time as RFC 3339 UTC with microseconds. */
void gw_rfc3339_now(char *out, size_t size);

/* ---- internal, for the unit tests ------------------------------------------ */

/* |v| as the records write it (|canonical| false: json_dumps with
 * JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY) or as the argument
 * hash reads it (true: JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY).
 * Returns a new NUL-terminated text (free() it), with its length in
 * |*len|, or NULL where json_dumps fails too (text that is not UTF-8). */
char *gw__audit_dumps(const json_t *v, bool canonical, size_t *len);
/* The string of |len| bytes at |s| as a JSON string, the same way. */
char *gw__audit_dump_string(const char *s, size_t len, bool ascii, size_t *out_len);
/* HMAC-SHA256 of |len| bytes with the install key.  Returns 0, or -1 when
 * the key is not loaded. */
int gw__audit_hmac(const void *data, size_t len, unsigned char mac[32]);
/* |t| (seconds since the epoch) as YYYY-MM-DDTHH:MM:SS UTC, as gmtime_r and
 * strftime would write it; returns the length, 0 when |size| is too
 * small. */
size_t gw__audit_utc(time_t t, char *buf, size_t size);

#endif
