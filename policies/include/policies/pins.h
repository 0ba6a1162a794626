/* policies/pins.h - tool pinning (rug-pull detection) and description
 * sanitising.
 *
 * The first time a server's tools are seen, a SHA-256 digest of each tool's
 * definition (and one per member, so a change can be named) and of the
 * server's "instructions" is pinned under a server identity.  Later
 * listings are compared with the pins: a changed tool is reported with
 * what changed, and the gateway hides it and denies calls to it
 * (pins.on_change: block) or logs it (warn) until the user approves the
 * new definition.
 *
 * A change is never adopted silently: a changed tool keeps its old pin and
 * the new digest is remembered as "pending" until approved; a removed tool
 * stays pinned (so removing a tool and bringing it back changed is still a
 * change); a tool that cannot be pinned (no string name, a name with a NUL
 * byte or over POL_PIN_NAME_MAX bytes, a definition over POL_PIN_DEF_MAX
 * canonical bytes, more than POL_PIN_MAX_TOOLS tools) is reported as
 * CHANGED, so block mode hides it.
 *
 * Store file (pretty-printed JSON, keys sorted):
 *   {"version": 1,
 *    "servers": {"<identity>": {
 *       "label": "<redacted command line>",
 *       "instructions": "<digest>" | null,    null: the server sent none;
 *                                             absent: not seen yet
 *       "instructions_pending": "<digest>",   optional: changed, unapproved
 *       "tools": {"<name>": {
 *          "digest": "<digest>",
 *          "first_seen": "<RFC 3339>",
 *          "approved": "<RFC 3339>",          optional: last approval
 *          "removed": "<RFC 3339>",           optional: missing from the
 *                                             listing since (reported once)
 *          "members": {"description": "<digest>", ...},   optional
 *          "pending": {"digest": "<digest>", "seen": "<RFC 3339>",
 *                      "members": {...}}}}}}}              optional
 * A digest is 64 lowercase hex digits.  "members" holds the digests of the
 * members of the pinned definition that were present (title, description,
 * inputSchema, outputSchema, annotations); without it a change is
 * reported as "definition changed".  The loader is strict: an unknown key,
 * a wrong type, a bad digest or timestamp, another version, duplicate keys
 * or trailing bytes are errors, never a silent reset.
 *
 * Text: tool descriptions and titles may carry terminal escape sequences,
 * control characters and invisible Unicode (bidirectional controls,
 * zero-width characters, tag characters, stacked variation selectors and
 * other invisible format characters) that show the user one text and the
 * model another.  pol_text_flag() counts them; pol_text_sanitize() removes
 * them.
 *
 * Pure: no I/O, no clock (timestamps are the caller's), no global state.
 * Digests use OpenSSL's EVP SHA-256.
 */
#ifndef POLICIES_PINS_H
#define POLICIES_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define POL_PIN_STORE_VERSION 1
#define POL_PIN_HEX_LEN 64		/* a digest in hex, without the NUL */
#define POL_PIN_NAME_MAX 1024		/* longest tool name pinned, bytes */
#define POL_PIN_MAX_TOOLS 4096		/* tools pinned per server */
#define POL_PIN_DEF_MAX (16u << 20)	/* longest canonical tool definition */
#define POL_PIN_ID_MAX 255		/* longest server identity */
#define POL_PIN_LABEL_MAX 1024		/* longest label kept in the store */
#define POL_PIN_TIME_MAX 40		/* longest RFC 3339 timestamp */
#define POL_PINSTORE_MAX_SERVERS 4096	/* servers per store */
#define POL_PINSTORE_MAX_BYTES (64u << 20) /* largest store text parsed */
#define POL_TEXT_MAX (16u << 20)	/* largest text pol_text_sanitize copies */
#define POL_IDENTITY_MAX_ARGS 65536	/* arguments hashed into an identity */
#define POL_IDENTITY_MAX_BYTES (4u << 20) /* total argument bytes */

/* ---- digests ---------------------------------------------------------- */

/* SHA-256, as 64 lowercase hex digits and a NUL in |out|, of the canonical
 * JSON of |tool|'s definition: the members name, title, description,
 * inputSchema, outputSchema and annotations that are present (an absent
 * member is absent, not null), object keys sorted bytewise at every depth,
 * no whitespace, strings as UTF-8 with only '"', '\' and control characters
 * escaped, integral numbers of magnitude below 2^53 written as integers (so
 * 1, 1.0 and 1e0 are one number), other reals with %.17g.  Every other
 * member (_meta, icons, execution, ...) is ignored: _meta is protocol
 * metadata servers may vary per listing (timestamps, request ids, vendor
 * data) and icons are presentation for the user's UI; neither is given to
 * the model as the tool's contract, and pinning them would raise false
 * alarms that train users to approve blindly.  Compute digests on the
 * definition as the server sent it, before pol_tools_sanitize().
 * Returns 0, -EINVAL when |tool| is not an object, -E2BIG when the
 * canonical text exceeds POL_PIN_DEF_MAX bytes, -ELOOP when it nests
 * deeper than JSON_PARSER_MAX_DEPTH, -ENOMEM, -EIO (libcrypto failure). */
int pol_pin_tool_digest(const json_t *tool, char out[POL_PIN_HEX_LEN + 1]);

/* SHA-256 of |len| raw bytes (the server's instructions, a server's
 * identity for its file in the store) in hex into |out|.  Returns 0 or
 * -EINVAL (|text| NULL with |len| > 0). */
int pol_pin_text_digest(const char *text, size_t len, char out[POL_PIN_HEX_LEN + 1]);

/* ---- one server's pins ------------------------------------------------- */

struct pol_pinset; /* opaque */

enum pol_pin_change {
	POL_PIN_SAME = 0,
	POL_PIN_NEW,	 /* not pinned before */
	POL_PIN_CHANGED, /* differs from the pin, or cannot be pinned */
	POL_PIN_REMOVED, /* pinned, missing from the listing */
};

/* Report of one tool.  |name| and |what| are borrowed for the call and
 * never NULL: |what| is "" for SAME, "new tool", "tool removed", or for
 * CHANGED what changed ("description changed, inputSchema changed") or why
 * the tool cannot be pinned ("cannot be pinned: ..."; |name| is then "" if
 * the tool has no string name). */
typedef void (*pol_pin_cb)(void *ctx, const char *name, enum pol_pin_change c, const char *what);

/* A new empty set (instructions not seen yet); NULL on ENOMEM.  The caller
 * owns it and frees it with pol_pinset_free() (NULL is accepted). */
struct pol_pinset *pol_pinset_new(void);
void pol_pinset_free(struct pol_pinset *set);

/* Number of tools pinned in |set|. */
size_t pol_pinset_count(const struct pol_pinset *set);

/* Compare one tools/list page |tools| (an array of tool objects) with the
 * pins and call |cb| (may be NULL) once per element, in order.  With
 * |record|: NEW tools are pinned with first_seen |now| (an RFC 3339
 * timestamp); a CHANGED tool keeps its pin and its new digest is noted as
 * pending (seen |now|); a tool seen again loses its removed mark; a tool
 * back at its pinned definition loses its pending change.  Without
 * |record| the set is not modified and |now| may be NULL.  A name listed
 * twice is compared twice (the second definition against the first when
 * the first was just recorded).
 * Returns 0, -EINVAL (|set| NULL, |tools| not an array, |now| not RFC 3339
 * with |record|), -ENOMEM or -EIO (then some callbacks may have run). */
int pol_pinset_check_tools(struct pol_pinset *set, const json_t *tools, bool record,
			   const char *now, pol_pin_cb cb, void *ctx);

/* After the last page: report as REMOVED each pinned tool whose name is
 * not among the |nseen| names |seen| (borrowed; NULL entries are skipped)
 * and is not already marked removed.  With |record| such tools are marked
 * removed at |now| (they stay pinned).  Returns 0, -EINVAL, -E2BIG (more
 * than POL_PIN_MAX_TOOLS * 4 names), -ENOMEM. */
int pol_pinset_check_removed(struct pol_pinset *set, const char *const *seen, size_t nseen,
			     bool record, const char *now, pol_pin_cb cb, void *ctx);

/* Compare the server's instructions (|len| bytes; NULL or empty: none)
 * with the pin.  Returns NEW the first time (pinned when |record|), SAME,
 * CHANGED when they differ or were added (a pending change is noted when
 * |record|), REMOVED when pinned instructions are now absent (the pin
 * stays).  Fails closed: |set| NULL returns CHANGED. */
enum pol_pin_change pol_pinset_check_instructions(struct pol_pinset *set, const char *text,
						  size_t len, bool record);

/* Approve changes, marking each approved tool approved at |now|.
 * |tool| non-NULL: with |digest| NULL, adopt the tool's pending definition
 * (no-op when none is pending); with |digest|, pin exactly that digest (a
 * matching pending definition is adopted with its member digests; any
 * other pending change is dropped, so a definition that changed again
 * after the user looked stays unapproved).
 * |tool| NULL: adopt every pending tool definition and pending
 * instructions; |digest| must then be NULL.
 * Returns the number of pins updated (>= 0), -EINVAL (bad |digest| or
 * |now|, or |digest| with |tool| NULL), -ENOENT (|tool| is not pinned). */
int pol_pinset_approve(struct pol_pinset *set, const char *tool, const char *digest,
		       const char *now);

/* Approve the pending instructions (|digest| NULL) or pin |digest|.
 * Returns 1 when the pin changed, 0 when nothing was pending, -EINVAL. */
int pol_pinset_approve_instructions(struct pol_pinset *set, const char *digest);

/* Whether |tool| has an unapproved change: returns 1 (with what changed in
 * |what|, may be NULL), 0, or -ENOENT when it is not pinned. */
int pol_pinset_pending(const struct pol_pinset *set, const char *tool, char *what,
		       size_t what_size);

/* ---- the store --------------------------------------------------------- */

/* A new empty store {"version":1,"servers":{}} (new reference), or NULL. */
json_t *pol_pinstore_new(void);

/* Parse and validate |len| bytes of store text; on success *store_out is a
 * new reference.  Empty text is an error too (a truncated file must not
 * reset the pins: use pol_pinstore_new() when the file does not exist).
 * Returns 0, or -EINVAL (corrupt: message in |err|, e.g.
 * "servers[\"github\"].tools[\"x\"].digest: not 64 lowercase hex digits"),
 * -E2BIG (over POL_PINSTORE_MAX_BYTES), -ENOMEM. */
int pol_pinstore_parse(const char *text, size_t len, json_t **store_out, char *err,
		       size_t err_size);

/* Serialise |store| (sorted keys, 2-space indent, final newline) into a
 * malloc'd NUL-terminated *text_out of *len_out bytes (caller frees).
 * Returns 0, -EINVAL, -ENOMEM. */
int pol_pinstore_serialize(const json_t *store, char **text_out, size_t *len_out);

/* The pins of |identity| as a new set in *out (caller frees), or *out NULL
 * when the store has no such server.  (An int return, not a bare pointer:
 * NULL for both "absent" and "out of memory" would make the caller re-pin
 * everything on ENOMEM.)  Returns 0, -EINVAL (|store| not a valid store,
 * e.g. edited after parsing), -ENOMEM. */
int pol_pinstore_get(const json_t *store, const char *identity, struct pol_pinset **out);

/* Replace the pins of |identity| in |store| by |set| (copied) with |label|
 * (sanitised to printable UTF-8 and cut to POL_PIN_LABEL_MAX bytes).
 * Returns 0, -EINVAL (bad identity: empty, over POL_PIN_ID_MAX bytes, not
 * printable UTF-8), -ENOSPC (a new server beyond POL_PINSTORE_MAX_SERVERS),
 * -ENOMEM. */
int pol_pinstore_put(json_t *store, const char *identity, const char *label,
		     const struct pol_pinset *set);

/* Forget the server |identity|.  Returns 0, -ENOENT, -EINVAL. */
int pol_pinstore_remove(json_t *store, const char *identity);

/* ---- server identity --------------------------------------------------- */

/* A stable key for a server, without its secrets.  From the command line
 * (|argc| >= 1 strings in |argv|): basename(argv[0]) and the arguments
 * with credentials replaced by "<redacted>": known token prefixes (ghp_,
 * github_pat_, sk-, xoxb-, AKIA, glpat-, AIza, hf_, eyJ JWTs, ...), the
 * value of a NAME=value or "Name: value" whose name says token, secret,
 * password, key, auth, credential..., the argument after such a flag
 * ("--api-key K"), a URL's password, "Bearer X", long high-entropy runs.
 * |id| gets "sha256:<hex>" of the redacted words (so a rotated token keeps
 * the identity), |label| the redacted command line, shell-quoted, printable
 * UTF-8, cut with "..." to fit.  With |name| (--name), |id| is |name|
 * itself (1..128 bytes of printable UTF-8, not starting "sha256:") and
 * |label| the redacted command line, or |name| when |argc| is 0.
 * |label| may be NULL.  Returns 0, -EINVAL, -ENOSPC (|id_size| < 72, or
 * too small for |name|), -E2BIG (over POL_IDENTITY_MAX_ARGS or _BYTES),
 * -ENOMEM, -EIO. */
int pol_server_identity(char *const *argv, int argc, const char *name, char *id, size_t id_size,
			char *label, size_t label_size);

/* The command line |argv| (|argc| words) with its credentials replaced by
 * "<redacted>" as pol_server_identity finds them (argv[0] whole), each
 * word as printable UTF-8 (pol_text_sanitize): a new JSON array of
 * strings, or NULL when out of memory. */
json_t *pol_redact_argv(char *const *argv, int argc);

/* ---- descriptions ------------------------------------------------------ */

/* Count what pol_text_sanitize() would remove or replace in |len| bytes at
 * |s|: escape sequences (ESC ... : CSI, OSC, DCS/SOS/PM/APC strings, and
 * two-byte escapes, each counted once), C0/C1 control characters other
 * than \n and \t (also DEL, U+2028, U+2029), bidirectional controls,
 * zero-width characters, tag characters, variation selectors that do not
 * directly follow a kept character other than a variation selector (one
 * after a character is emoji presentation; a run of them can encode hidden
 * bytes), other invisible format characters (soft hyphen, Hangul fillers,
 * invisible math operators, ...), invalid UTF-8 (each maximal ill-formed
 * subsequence).
 * Writes a summary such as "2 zero-width characters, 1 ANSI escape
 * sequence" to |what| ("" when none; |what| may be NULL).  No allocation;
 * linear time. */
size_t pol_text_flag(const char *s, size_t len, char *what, size_t what_size);

/* A malloc'd, NUL-terminated copy of |s| with what pol_text_flag() counts
 * removed (U+2028/U+2029 become \n; invalid UTF-8 becomes U+FFFD); its
 * length in *out_len (may be NULL).  The result is valid UTF-8 with no
 * control character but \n and \t, and sanitising it again changes
 * nothing.  Returns NULL with errno E2BIG (|len| > POL_TEXT_MAX), EINVAL
 * or ENOMEM. */
char *pol_text_sanitize(const char *s, size_t len, size_t *out_len);

/* Report from pol_tools_sanitize_report(): tool |name| ("" if none), the
 * member cleaned (|where|: "description", "title", "annotations.title",
 * "inputSchema", "outputSchema"), the findings and their summary. */
typedef void (*pol_sanitize_cb)(void *ctx, const char *name, const char *where, size_t findings,
				const char *what);

/* Sanitise in place every tool's description, title, annotations.title and
 * every "description" and "title" string inside inputSchema and
 * outputSchema (not inside const, default, enum or examples: those are
 * data the server compares against).  |tools| is the tools array, or the
 * tools/list result object holding it.  A string over POL_TEXT_MAX bytes
 * is cut to that size.  Names are never changed (a client calls the tool
 * by name).  Returns the number of tools changed, -EINVAL (no tools
 * array), -ELOOP (nested deeper than JSON_PARSER_MAX_DEPTH), -ENOMEM;
 * on error some tools may already be sanitised. */
int pol_tools_sanitize(json_t *tools);
int pol_tools_sanitize_report(json_t *tools, pol_sanitize_cb cb, void *ctx);

#endif
