/* policies/secrets.h - credentials in tool results and arguments.
 *
 * The gateway looks for credentials in the decoded strings of tool results
 * (text content, structuredContent, embedded resources), of resources/read
 * results and of tool arguments, and either redacts each one or refuses the
 * whole message (policy: responses.secrets, args "secrets" matcher).
 *
 * The detector is a set of hand-written matchers, one per provider format,
 * each anchored at a fixed trigger ("AKIA", "ghp_", "-----BEGIN", ...) and
 * checked with explicit character classes, lengths and word boundaries, so
 * that ordinary text (hashes, UUIDs, base64, prose) does not match.  A
 * vectorised pre-filter finds the few places where a trigger can be, so
 * clean text is scanned at several GB/s (bench/secrets-bench.c).
 *
 * Pure: no I/O, no global state.  Every function is linear in its input.
 */
#ifndef POLICIES_SECRETS_H
#define POLICIES_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum pol_secret_kind {
	POL_SECRET_AWS_ACCESS_KEY_ID,	  /* AKIA/ASIA/ABIA/ACCA + 16 */
	POL_SECRET_AWS_SECRET_ACCESS_KEY, /* 40 chars after aws_secret_access_key= */
	POL_SECRET_GITHUB_TOKEN,	  /* ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ */
	POL_SECRET_OPENAI_API_KEY,	  /* sk-..., sk-proj-... */
	POL_SECRET_ANTHROPIC_API_KEY,	  /* sk-ant-... */
	POL_SECRET_SLACK_TOKEN,		  /* xoxb- xoxp- xoxa- xoxr- xoxs- */
	POL_SECRET_SLACK_WEBHOOK_URL,	  /* https://hooks.slack.com/services/... */
	POL_SECRET_PRIVATE_KEY,		  /* PEM -----BEGIN ... PRIVATE KEY----- */
	POL_SECRET_JWT,			  /* eyJ...eyJ...sig */
	POL_SECRET_GOOGLE_API_KEY,	  /* AIza + 35 */
	POL_SECRET_STRIPE_SECRET_KEY,	  /* sk_live_ rk_live_ */
	POL_SECRET_KIND_COUNT
};

/* The kind's stable name, used in markers, logs and the audit trail:
 * "aws_access_key_id", "aws_secret_access_key", "github_token",
 * "openai_api_key", "anthropic_api_key", "slack_token",
 * "slack_webhook_url", "private_key", "jwt", "google_api_key",
 * "stripe_secret_key".  "unknown" for a value outside the enum. */
const char *pol_secret_kind_name(enum pol_secret_kind k);

struct pol_secret_match {
	size_t off, len; /* bytes of the credential within the scanned text */
	enum pol_secret_kind kind;
};

/* Callback for each match; |m| is valid only during the call. */
typedef void (*pol_secret_cb)(void *ctx, const struct pol_secret_match *m);

/* Find credentials in |len| bytes of decoded text (any bytes, including
 * NUL; not NUL-terminated; |text| may be NULL when |len| is 0).  Calls |cb|
 * (when not NULL) for each match, in order of offset; matches never overlap
 * and always lie within the text.  Returns the number of matches. */
size_t pol_secrets_find(const char *text, size_t len, pol_secret_cb cb, void *ctx);

/* True when pol_secrets_find() would find at least one match; stops at the
 * first. */
bool pol_secrets_contains(const char *text, size_t len);

/* Pre-filter over RAW JSON text (escapes not decoded).  Returns false only
 * when no string in it, once decoded, can contain a credential, so that the
 * caller can skip parsing and redacting.  Conservative around escapes: a
 * \u escape that decodes to a printable ASCII character could spell part of
 * a credential ("\u0041KIA..."), so its presence answers true; escapes of
 * non-ASCII characters, controls, quotes, slashes and backslashes cannot,
 * and are handled exactly.  Object keys are strings too: a credential in a
 * key answers true although pol_secrets_redact_json() leaves keys alone.
 * Any text is accepted (invalid JSON just answers what the matchers see). */
bool pol_secrets_maybe_json(const char *raw, size_t len);

/* Deepest nesting pol_secrets_redact_json() walks: jansson's own parser
 * limit, so only a tree built by hand (or a cycle) can exceed it. */
#define POL_SECRETS_MAX_DEPTH 2048

/* Replace every credential inside every string value of the tree |root|
 * (objects and arrays at any depth; object keys are left alone) with
 * "[REDACTED:<kind>]", in place.  Does not take ownership of |root|.
 * Returns the number of replacements (capped at INT_MAX), or -1 on
 * allocation failure or when the tree is nested deeper than
 * POL_SECRETS_MAX_DEPTH; after -1 the tree may be partly redacted and must
 * not be forwarded. */
int pol_secrets_redact_json(json_t *root);

#endif
