/* policies/secrets.c - credential detection and redaction.
 *
 * Two stages.  A pre-filter looks at 64 positions at a time for the places
 * where a trigger ("AKIA", "ghp_", "sk-", "-----BEGIN", "eyJ", ...) can
 * start, testing two or three bytes at fixed distances that each family of
 * triggers shares (the table above candidates_scalar()).  It only rules
 * positions out: every surviving position goes to the matchers for the byte
 * found there (match_at()), which decide exactly, so the pre-filter can
 * never change a result, only its speed.  On clean text it rejects nearly
 * every 64-byte stretch with one branch; with SSE2 that runs at several
 * GB/s.
 *
 * The same matchers serve decoded text (pol_secrets_find) and raw JSON text
 * (pol_secrets_maybe_json).  What differs in raw JSON is said where it
 * matters: struct scan.raw, starts_word(), m_escape() and the two matchers
 * that only look for their trigger there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem(); the build defines it, a hand-built fuzzer may not */
#endif
#include "policies/secrets.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(POL_SECRETS_NO_SIMD)
#include <emmintrin.h>
#define USE_SSE2 1
#endif

static const char *const kind_names[POL_SECRET_KIND_COUNT] = {
	[POL_SECRET_AWS_ACCESS_KEY_ID] = "aws_access_key_id",
	[POL_SECRET_AWS_SECRET_ACCESS_KEY] = "aws_secret_access_key",
	[POL_SECRET_GITHUB_TOKEN] = "github_token",
	[POL_SECRET_OPENAI_API_KEY] = "openai_api_key",
	[POL_SECRET_ANTHROPIC_API_KEY] = "anthropic_api_key",
	[POL_SECRET_SLACK_TOKEN] = "slack_token",
	[POL_SECRET_SLACK_WEBHOOK_URL] = "slack_webhook_url",
	[POL_SECRET_PRIVATE_KEY] = "private_key",
	[POL_SECRET_JWT] = "jwt",
	[POL_SECRET_GOOGLE_API_KEY] = "google_api_key",
	[POL_SECRET_STRIPE_SECRET_KEY] = "stripe_secret_key",
};

const char *pol_secret_kind_name(enum pol_secret_kind k)
{
	if ((unsigned)k >= POL_SECRET_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

/* ---- character classes ------------------------------------------------ */

static inline bool is_upper(unsigned c)
{
	return c - 'A' < 26;
}

static inline bool is_lower(unsigned c)
{
	return c - 'a' < 26;
}

static inline bool is_digit(unsigned c)
{
	return c - '0' < 10;
}

static inline bool is_alnum(unsigned c)
{
	return is_upper(c) || is_lower(c) || is_digit(c);
}

static inline bool is_upper_alnum(unsigned c)
{
	return is_upper(c) || is_digit(c);
}

/* Letters, digits and '_' (identifier characters). */
static inline bool is_word(unsigned c)
{
	return is_alnum(c) || c == '_';
}

/* The base64url alphabet (RFC 4648 section 5). */
static inline bool is_b64url(unsigned c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

/* The base64 alphabet (RFC 4648 section 4), without '='. */
static inline bool is_b64(unsigned c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

static inline bool is_slack_token_char(unsigned c)
{
	return is_alnum(c) || c == '-';
}

static inline bool is_webhook_path_char(unsigned c)
{
	return is_word(c) || c == '/';
}

static inline bool is_hspace(unsigned c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned lower(unsigned c)
{
	return is_upper(c) ? c + 32 : c;
}

/* ---- the text being scanned -------------------------------------------- */

struct scan {
	const unsigned char *s;
	size_t len;
	/* Raw JSON text (pol_secrets_maybe_json): escapes are not decoded,
	 * and the answer only has to be true whenever the decoded strings
	 * hold a match.  Matchers then accept a little more than they do on
	 * decoded text, never less. */
	bool raw;
};

typedef bool (*char_class)(unsigned c);

/* The byte at |i|, or 0 past the end (0 is in no class). */
static inline unsigned at(const struct scan *sc, size_t i)
{
	return i < sc->len ? sc->s[i] : 0;
}

static inline bool has(const struct scan *sc, size_t p, const char *lit, size_t n)
{
	return p <= sc->len && sc->len - p >= n && memcmp(sc->s + p, lit, n) == 0;
}

/* Case-insensitive has(); |lit| is lower case. */
static bool has_ci(const struct scan *sc, size_t p, const char *lit, size_t n)
{
	if (p > sc->len || sc->len - p < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(sc->s[p + i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/* Length of the run of |cls| bytes at |p|, counting at most |max| + 1 so
 * that a caller can tell "longer than |max|" without walking a huge run. */
static size_t run(const struct scan *sc, size_t p, char_class cls, size_t max)
{
	size_t n = 0;
	while (n <= max && p + n < sc->len && cls(sc->s[p + n]))
		n++;
	return n;
}

/* True when a credential whose characters are in |cls| may start at |p|:
 * at the start of the text or after a byte outside |cls|.
 *
 * In raw JSON the byte before may instead be the last byte of an escape
 * ("\n", "\t", "\u00e9", ...) whose decoded character is outside every
 * class.  (An escape that decodes to a printable ASCII character is a
 * match of its own, m_escape(), and comes first.)  So there a backslash
 * two or six bytes back also lets the credential start. */
static bool starts_word(const struct scan *sc, size_t p, char_class cls)
{
	if (p == 0 || !cls(sc->s[p - 1]))
		return true;
	if (!sc->raw)
		return false;
	return (p >= 2 && sc->s[p - 2] == '\\') ||
	       (p >= 6 && sc->s[p - 6] == '\\' && sc->s[p - 5] == 'u');
}

static bool found(struct pol_secret_match *m, size_t off, size_t len, enum pol_secret_kind kind)
{
	m->off = off;
	m->len = len;
	m->kind = kind;
	return true;
}

/* ---- matchers ------------------------------------------------------------
 *
 * Each takes a position where the pre-filter saw the start of its trigger,
 * and returns true with |m| filled when a credential starts there.  Runs of
 * body characters are capped, which keeps every matcher's work bounded and
 * the whole scan linear: a run only passes the start-of-word test at its
 * first byte, so no run is walked twice by the same matcher.
 */

/* Longest run of body characters accepted for the token formats whose
 * length the provider may grow (GitHub documents "up to 255"). */
#define MAX_TOKEN 255

/* AWS access key id.  IAM User Guide, "IAM identifiers", unique ID
 * prefixes: AKIA an access key, ASIA a temporary (STS) access key, ABIA an
 * AWS STS service bearer token, ACCA a context-specific credential; an
 * access key id is 20 upper-case letters and digits (the guide's example is
 * AKIAIOSFODNN7EXAMPLE).  Bounded by anything but a letter or a digit. */
static bool m_aws_key_id(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	static const char prefixes[] = "AKIAASIAABIAACCA";
	bool prefix = false;
	for (size_t i = 0; i < sizeof(prefixes) - 1 && !prefix; i += 4)
		prefix = has(sc, p, prefixes + i, 4);
	if (!prefix || run(sc, p + 4, is_upper_alnum, 16) < 16 || is_alnum(at(sc, p + 20)) ||
	    !starts_word(sc, p, is_alnum))
		return false;
	return found(m, p, 20, POL_SECRET_AWS_ACCESS_KEY_ID);
}

/* Google API key.  Google Cloud docs, "Manage API keys": "AIza" and 35
 * characters of [A-Za-z0-9_-], 39 in all (e.g. the docs'
 * AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe). */
static bool m_google_api_key(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has(sc, p, "AIza", 4) || run(sc, p + 4, is_b64url, 35) != 35 ||
	    !starts_word(sc, p, is_b64url))
		return false;
	return found(m, p, 39, POL_SECRET_GOOGLE_API_KEY);
}

/* AWS secret access key: 40 characters of base64 ([A-Za-z0-9/+]; the IAM
 * User Guide's example is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).  Forty
 * such characters are common (hashes, base64), so only a value assigned to
 * a name saying what it is counts: "secret access key" in any case, the
 * words joined by nothing, '_', '-' or a space (aws_secret_access_key,
 * AWS_SECRET_ACCESS_KEY, SecretAccessKey, secret-access-key), an optional
 * closing quote, then ':', '=', ':=' or '=>' between optional blanks, an
 * optional opening quote, and the value, not followed by another base64
 * character or '='.  The match is the value alone, so a redaction keeps
 * the name: "aws_secret_access_key = [REDACTED:aws_secret_access_key]".
 *
 * |p| is at the 's' of "secret".  In raw JSON the name is enough: what
 * lies between it and the value ("\": \"") and the value itself ("\/")
 * may be escaped. */
static bool m_aws_secret(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has_ci(sc, p, "secret", 6))
		return false;
	size_t q = p + 6;
	unsigned c = at(sc, q);
	if (c == '_' || c == '-' || c == ' ')
		q++;
	if (!has_ci(sc, q, "access", 6))
		return false;
	q += 6;
	c = at(sc, q);
	if (c == '_' || c == '-' || c == ' ')
		q++;
	if (!has_ci(sc, q, "key", 3))
		return false;
	q += 3;
	if (sc->raw)
		return found(m, p, q - p, POL_SECRET_AWS_SECRET_ACCESS_KEY);
	/* A closing quote, possibly escaped once (JSON inside a string). */
	if (at(sc, q) == '\\' && at(sc, q + 1) == '"')
		q++;
	c = at(sc, q);
	if (c == '"' || c == '\'' || c == '`')
		q++;
	for (size_t n = 0; n < 16 && is_hspace(at(sc, q)); n++)
		q++;
	c = at(sc, q);
	if (c != ':' && c != '=')
		return false;
	q++;
	if ((c == ':' && at(sc, q) == '=') || (c == '=' && at(sc, q) == '>'))
		q++;
	for (size_t n = 0; n < 16 && is_hspace(at(sc, q)); n++)
		q++;
	if (at(sc, q) == '\\' && at(sc, q + 1) == '"')
		q++;
	c = at(sc, q);
	if (c == '"' || c == '\'' || c == '`')
		q++;
	if (run(sc, q, is_b64, 40) != 40 || at(sc, q + 40) == '=')
		return false;
	return found(m, q, 40, POL_SECRET_AWS_SECRET_ACCESS_KEY);
}

/* GitHub tokens.  GitHub Docs, "About authentication to GitHub", GitHub's
 * token formats (and the 2021 post "Behind GitHub's new authentication
 * token formats"): ghp_ personal access token (classic), gho_ OAuth access
 * token, ghu_ user-to-server token, ghs_ server-to-server token, ghr_
 * refresh token, each followed by 36 base62 characters (30 random and a
 * CRC32 checksum); a fine-grained personal access token is github_pat_ and
 * 82 characters of [A-Za-z0-9_].  Tokens may grow (GitHub tells clients to
 * allow 255 characters), so longer runs match too.  The checksum is not
 * verified: redacting a mistyped token is the right outcome. */
static bool m_github(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	size_t body, min;
	char_class cls;
	if (has(sc, p, "github_pat_", 11)) {
		body = 11, min = 82, cls = is_word;
	} else if (has(sc, p, "gh", 2) && at(sc, p + 3) == '_' && at(sc, p + 2) != 0 &&
		   strchr("pousr", (int)at(sc, p + 2))) {
		body = 4, min = 36, cls = is_alnum;
	} else {
		return false;
	}
	size_t n = run(sc, p + body, cls, MAX_TOKEN);
	if (n < min || n > MAX_TOKEN || is_word(at(sc, p + body + n)) || !starts_word(sc, p, is_word))
		return false;
	return found(m, p, body + n, POL_SECRET_GITHUB_TOKEN);
}

/* True when the |n| bytes at |p| hold an upper-case letter, a lower-case
 * letter and a digit: random base62/base64url of 40 characters or more
 * always does (the chance it does not is below 1e-3), words, slugs and hex
 * do not. */
static bool mixed(const struct scan *sc, size_t p, size_t n)
{
	bool up = false, lo = false, dig = false;
	for (size_t i = 0; i < n; i++) {
		unsigned c = sc->s[p + i];
		up |= is_upper(c);
		lo |= is_lower(c);
		dig |= is_digit(c);
	}
	return up && lo && dig;
}

/* "sk-" keys: Anthropic and OpenAI.
 *
 * Anthropic (Claude docs, "API keys"; the Console shows sk-ant-api03-...):
 * "sk-ant-", a kind and version ("api03-", "admin01-", "oat01-") and a
 * base64url body; an api03 key is 108 characters.  Accepted: "sk-ant-" and
 * a run of 32 to 255 [A-Za-z0-9_-].
 *
 * OpenAI (platform.openai.com, "API keys"): legacy user keys are "sk-" and
 * 48 base62 characters; project, service-account and admin keys are
 * "sk-proj-", "sk-svcacct-", "sk-admin-" and 100 or more [A-Za-z0-9_-].
 * Accepted: "sk-" and a run of 40 to 255 [A-Za-z0-9_-] holding an upper-
 * case letter, a lower-case letter and a digit, so that "sk-learn-..."
 * slugs, "task-" words and 32-hex keys of other providers do not match.
 * Both are bounded by anything outside [A-Za-z0-9_-]. */
static bool m_sk_dash(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has(sc, p, "sk-", 3) || !starts_word(sc, p, is_b64url))
		return false;
	if (has(sc, p + 3, "ant-", 4)) {
		size_t n = run(sc, p + 7, is_b64url, MAX_TOKEN);
		if (n >= 32 && n <= MAX_TOKEN)
			return found(m, p, 7 + n, POL_SECRET_ANTHROPIC_API_KEY);
		return false;
	}
	size_t n = run(sc, p + 3, is_b64url, MAX_TOKEN);
	if (n < 40 || n > MAX_TOKEN || !mixed(sc, p + 3, n))
		return false;
	return found(m, p, 3 + n, POL_SECRET_OPENAI_API_KEY);
}

/* Stripe secret and restricted keys (Stripe docs, "API keys"): sk_live_ and
 * rk_live_ followed by at least 24 letters and digits (newer keys are
 * longer).  Test-mode keys (sk_test_) cannot move money and are not
 * matched. */
static bool m_stripe(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!(has(sc, p, "sk_live_", 8) || has(sc, p, "rk_live_", 8)) || !starts_word(sc, p, is_word))
		return false;
	size_t n = run(sc, p + 8, is_alnum, MAX_TOKEN);
	if (n < 24 || n > MAX_TOKEN || is_word(at(sc, p + 8 + n)))
		return false;
	return found(m, p, 8 + n, POL_SECRET_STRIPE_SECRET_KEY);
}

/* Slack tokens (Slack API docs, "Token types"): xoxb- bot, xoxp- user,
 * xoxa- workspace app (xoxa-2-...), xoxr- refresh and xoxs- session tokens,
 * each followed by numeric team and user ids and a random part joined by
 * dashes (xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx).
 * Accepted: the prefix and a run of 20 to 255 [A-Za-z0-9-] holding a digit
 * and a dash, so "xoxb-token-here" placeholders do not match. */
static bool m_slack_token(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	unsigned t = at(sc, p + 3);
	if (!has(sc, p, "xox", 3) || !t || !strchr("bpars", (int)t) || at(sc, p + 4) != '-' ||
	    !starts_word(sc, p, is_alnum))
		return false;
	size_t n = run(sc, p + 5, is_slack_token_char, MAX_TOKEN);
	if (n < 20 || n > MAX_TOKEN)
		return false;
	bool dash = false, digit = false;
	for (size_t i = 0; i < n; i++) {
		dash |= sc->s[p + 5 + i] == '-';
		digit |= is_digit(sc->s[p + 5 + i]);
	}
	if (!dash || !digit)
		return false;
	return found(m, p, 5 + n, POL_SECRET_SLACK_TOKEN);
}

/* Slack incoming webhooks (Slack API docs, "Sending messages using
 * incoming webhooks"): https://hooks.slack.com/services/T00000000/
 * B00000000/XXXXXXXXXXXXXXXXXXXXXXXX - workspace id, integration id and a
 * 24-character secret; Workflow Builder webhooks have the same shape under
 * /workflows/ and /triggers/.  Accepted: "hooks.slack.com/", one of those
 * three, then a path of [A-Za-z0-9_/] with at least two more '/' whose last
 * segment has at least 16 characters.  The match takes in a "https://" or
 * "http://" just before, unless an earlier match ends after its start
 * (|floor|).
 *
 * In raw JSON "hooks.slack.com" is enough: the '/' may be escaped. */
static bool m_slack_webhook(const struct scan *sc, size_t p, size_t floor,
			    struct pol_secret_match *m)
{
	if (!has(sc, p, "hooks.slack.com", 15) || !starts_word(sc, p, is_alnum))
		return false;
	if (sc->raw)
		return found(m, p, 15, POL_SECRET_SLACK_WEBHOOK_URL);
	size_t q = p + 15;
	if (has(sc, q, "/services/", 10))
		q += 10;
	else if (has(sc, q, "/workflows/", 11))
		q += 11;
	else if (has(sc, q, "/triggers/", 10))
		q += 10;
	else
		return false;
	size_t n = run(sc, q, is_webhook_path_char, MAX_TOKEN);
	if (n > MAX_TOKEN)
		return false;
	size_t slashes = 0, last = 0;
	for (size_t i = 0; i < n; i++) {
		if (sc->s[q + i] == '/')
			slashes++, last = i + 1;
	}
	if (slashes < 2 || n - last < 16)
		return false;
	size_t start = p;
	if (p >= floor + 8 && has(sc, p - 8, "https://", 8))
		start = p - 8;
	else if (p >= floor + 7 && has(sc, p - 7, "http://", 7))
		start = p - 7;
	return found(m, start, q + n - start, POL_SECRET_SLACK_WEBHOOK_URL);
}

/* PEM private keys.  RFC 7468 section 2: "-----BEGIN " label "-----",
 * base64 lines, "-----END " label "-----"; the private-key labels are
 * "PRIVATE KEY" (PKCS #8, section 10), "ENCRYPTED PRIVATE KEY" (section
 * 11) and the older "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE
 * KEY", "OPENSSH PRIVATE KEY"; OpenPGP armor (RFC 4880 section 6.2) writes
 * "PGP PRIVATE KEY BLOCK".  Accepted: a label of upper-case letters, digits
 * and spaces ending in "PRIVATE KEY" or "PRIVATE KEY BLOCK".  The match
 * runs through the END line with the same label, or to the end of the text
 * when there is none (a truncated key is still a key). */
#define PEM_LABEL_MAX 64

static bool m_pem(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has(sc, p, "-----BEGIN ", 11))
		return false;
	size_t lab = p + 11, n = 0;
	while (n <= PEM_LABEL_MAX && (is_upper_alnum(at(sc, lab + n)) || at(sc, lab + n) == ' '))
		n++;
	if (n > PEM_LABEL_MAX || !has(sc, lab + n, "-----", 5))
		return false;
	const unsigned char *l = sc->s + lab;
	bool key = (n >= 11 && memcmp(l + n - 11, "PRIVATE KEY", 11) == 0) ||
		   (n >= 17 && memcmp(l + n - 17, "PRIVATE KEY BLOCK", 17) == 0);
	if (!key)
		return false;
	size_t q = lab + n + 5;
	while (q < sc->len) {
		const unsigned char *e = memmem(sc->s + q, sc->len - q, "-----END ", 9);
		if (!e)
			break;
		size_t end = (size_t)(e - sc->s) + 9;
		if (has(sc, end, (const char *)l, n) && has(sc, end + n, "-----", 5))
			return found(m, p, end + n + 5 - p, POL_SECRET_PRIVATE_KEY);
		q = end;
	}
	return found(m, p, sc->len - p, POL_SECRET_PRIVATE_KEY);
}

/* JSON Web Tokens in the JWS compact serialisation (RFC 7519 section 3.1,
 * RFC 7515 section 7.1): BASE64URL(header) "." BASE64URL(claims) "."
 * BASE64URL(signature), unpadded.  Header and claims are JSON objects, so
 * both start {" which base64url-encodes as "eyJ".  Minimum lengths: 16 for
 * the header (the smallest real one, {"alg":"none"}, is 19), 8 for the
 * claims, 16 for the signature (an HS256 one is 43).  An unsigned token
 * (empty signature) is not a credential.  Segments longer than 16 KiB are
 * not taken for a token. */
#define JWT_SEGMENT_MAX 16384

static bool m_jwt(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has(sc, p, "eyJ", 3) || !starts_word(sc, p, is_b64url))
		return false;
	size_t h = run(sc, p, is_b64url, JWT_SEGMENT_MAX);
	if (h < 16 || h > JWT_SEGMENT_MAX || at(sc, p + h) != '.')
		return false;
	size_t q = p + h + 1;
	if (!has(sc, q, "eyJ", 3))
		return false;
	size_t c = run(sc, q, is_b64url, JWT_SEGMENT_MAX);
	if (c < 8 || c > JWT_SEGMENT_MAX || at(sc, q + c) != '.')
		return false;
	q += c + 1;
	size_t s = run(sc, q, is_b64url, JWT_SEGMENT_MAX);
	if (s < 16 || s > JWT_SEGMENT_MAX)
		return false;
	return found(m, p, q + s - p, POL_SECRET_JWT);
}

static int hex_value(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	return -1;
}

/* Raw JSON only: a \u escape.  One that decodes to a printable ASCII
 * character could spell part of a credential or its trigger
 * ("\u0041KIA..."), so it counts as a match; so does a malformed one.  One
 * that decodes to a control character or to anything beyond ASCII (either
 * half of a surrogate pair included) cannot: those characters are in no
 * matcher's class, and starts_word() lets a credential begin right after
 * them. */
static bool m_escape(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!sc->raw || at(sc, p + 1) != 'u')
		return false;
	unsigned v = 0;
	for (size_t i = 2; i < 6; i++) {
		int d = hex_value(at(sc, p + i));
		if (d < 0)
			return found(m, p, 2, POL_SECRET_KIND_COUNT);
		v = v * 16 + (unsigned)d;
	}
	if (v < 0x20 || v > 0x7e)
		return false;
	return found(m, p, 6, POL_SECRET_KIND_COUNT);
}

/* Try every matcher whose trigger starts with the byte at |p|.  |floor| is
 * where the search started (the end of the previous match). */
static bool match_at(const struct scan *sc, size_t p, size_t floor, struct pol_secret_match *m)
{
	switch (sc->s[p]) {
	case 'A':
		return m_aws_key_id(sc, p, m) || m_google_api_key(sc, p, m);
	case 'g':
		return m_github(sc, p, m);
	case 's':
		return m_sk_dash(sc, p, m) || m_stripe(sc, p, m) || m_aws_secret(sc, p, m);
	case 'S':
		return m_aws_secret(sc, p, m);
	case 'r':
		return m_stripe(sc, p, m);
	case 'x':
		return m_slack_token(sc, p, m);
	case 'h':
		return m_slack_webhook(sc, p, floor, m);
	case '-':
		return m_pem(sc, p, m);
	case 'e':
		return m_jwt(sc, p, m);
	case '\\':
		return m_escape(sc, p, m);
	default:
		return false;
	}
}

/* ---- the pre-filter -------------------------------------------------------
 *
 * A position p is a candidate when the bytes at p..p+6 pass one of these
 * tests (c|0x20 folds ASCII case).  Each test holds for every trigger of
 * its family; the matchers check the rest.
 *
 *   [0]=='A' && [3]|0x20=='a'                 AKIA ASIA ABIA ACCA, AIza
 *   [0]=='g' && ([3]=='_' || [6]=='_')        ghp_ gho_ ghu_ ghs_ ghr_, github_pat_
 *   [0]&0xfe=='r' && [1]=='k' && [2] in "-_"  sk-, sk_live_, rk_live_
 *   [0]=='x' && [1]=='o' && [2]=='x'          xoxb- xoxp- ...
 *   [0]=='h' && [1]=='o' && [5]=='.'          hooks.slack.com
 *   [0]=='-' && [5]=='B'                      -----BEGIN
 *   [1]=='y' && [2]=='J'                      eyJ
 *   [0]=='\\' && [1]=='u'                     \u escapes (raw JSON)
 *   [1..3]|0x20 == "ecr"                      secret (access key), any case
 *
 * Every test reads only bytes of its trigger, so a trigger that ends before
 * the end of the text is never missed at the tail, where the bytes past the
 * end read as 0.
 */
#define LOOKAHEAD 6

static inline bool candidate(const unsigned char *q)
{
	unsigned l1 = q[1] | 0x20u, l2 = q[2] | 0x20u, l3 = q[3] | 0x20u;
	return (q[0] == 'A' && l3 == 'a') || (q[0] == 'g' && (q[3] == '_' || q[6] == '_')) ||
	       ((q[0] & 0xfe) == 'r' && q[1] == 'k' && (q[2] == '-' || q[2] == '_')) ||
	       (q[0] == 'x' && q[1] == 'o' && q[2] == 'x') ||
	       (q[0] == 'h' && q[1] == 'o' && q[5] == '.') || (q[0] == '-' && q[5] == 'B') ||
	       (q[1] == 'y' && q[2] == 'J') || (q[0] == '\\' && q[1] == 'u') ||
	       (l1 == 'e' && l2 == 'c' && l3 == 'r');
}

#ifdef USE_SSE2
/* candidate() for the 16 positions at |q|, as a bit mask; reads q[0..21]. */
static inline unsigned candidates16(const unsigned char *q)
{
#define LD(k) _mm_loadu_si128((const __m128i *)(const void *)(q + (k)))
#define EQ(v, c) _mm_cmpeq_epi8((v), _mm_set1_epi8((char)(c)))
#define AND _mm_and_si128
#define OR _mm_or_si128
	const __m128i fold = _mm_set1_epi8(0x20);
	__m128i b0 = LD(0), b1 = LD(1), b2 = LD(2), b3 = LD(3), b5 = LD(5), b6 = LD(6);
	__m128i l1 = OR(b1, fold), l2 = OR(b2, fold), l3 = OR(b3, fold);
	__m128i r = AND(EQ(b0, 'A'), EQ(l3, 'a'));
	r = OR(r, AND(EQ(b0, 'g'), OR(EQ(b3, '_'), EQ(b6, '_'))));
	r = OR(r, AND(AND(EQ(AND(b0, _mm_set1_epi8((char)0xfe)), 'r'), EQ(b1, 'k')),
		      OR(EQ(b2, '-'), EQ(b2, '_'))));
	r = OR(r, AND(EQ(b1, 'o'), OR(AND(EQ(b0, 'x'), EQ(b2, 'x')), AND(EQ(b0, 'h'), EQ(b5, '.')))));
	r = OR(r, AND(EQ(b0, '-'), EQ(b5, 'B')));
	r = OR(r, AND(EQ(b1, 'y'), EQ(b2, 'J')));
	r = OR(r, AND(EQ(b0, '\\'), EQ(b1, 'u')));
	r = OR(r, AND(AND(EQ(l1, 'e'), EQ(l2, 'c')), EQ(l3, 'r')));
	return (unsigned)_mm_movemask_epi8(r);
#undef LD
#undef EQ
#undef AND
#undef OR
}
#else
static inline unsigned candidates16(const unsigned char *q)
{
	unsigned r = 0;
	for (unsigned i = 0; i < 16; i++)
		r |= (unsigned)candidate(q + i) << i;
	return r;
}
#endif

/* Candidates among the 64 positions from |i|, as a bit mask (bit k for
 * position i + k; none at or past the end). */
static uint64_t candidates64(const struct scan *sc, size_t i)
{
#ifdef POL_SECRETS_NO_FILTER
	/* Differential testing: every position is a candidate. */
	size_t left = sc->len - i;
	return left >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << left) - 1;
#else
	const unsigned char *q = sc->s + i;
	size_t left = sc->len - i;
	unsigned char pad[64 + 16];
	if (left < 64 + LOOKAHEAD) {
		memset(pad, 0, sizeof(pad));
		memcpy(pad, q, left);
		q = pad;
	}
	uint64_t r = (uint64_t)candidates16(q) | (uint64_t)candidates16(q + 16) << 16 |
		     (uint64_t)candidates16(q + 32) << 32 | (uint64_t)candidates16(q + 48) << 48;
	if (left < 64)
		r &= ((uint64_t)1 << left) - 1;
	return r;
#endif
}

/* The first match at a candidate position >= |from|. */
static bool next_match(const struct scan *sc, size_t from, struct pol_secret_match *m)
{
	for (size_t i = from; i < sc->len; i += 64) {
		uint64_t bits = candidates64(sc, i);
		while (bits) {
			size_t p = i + (size_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (match_at(sc, p, from, m))
				return true;
		}
	}
	return false;
}

/* ---- public API --------------------------------------------------------- */

size_t pol_secrets_find(const char *text, size_t len, pol_secret_cb cb, void *ctx)
{
	struct scan sc = {(const unsigned char *)text, text ? len : 0, false};
	struct pol_secret_match m;
	size_t n = 0, pos = 0;
	while (pos < sc.len && next_match(&sc, pos, &m)) {
		if (cb)
			cb(ctx, &m);
		n++;
		pos = m.off + m.len;
	}
	return n;
}

bool pol_secrets_contains(const char *text, size_t len)
{
	struct scan sc = {(const unsigned char *)text, text ? len : 0, false};
	struct pol_secret_match m;
	return next_match(&sc, 0, &m);
}

bool pol_secrets_maybe_json(const char *raw, size_t len)
{
	struct scan sc = {(const unsigned char *)raw, raw ? len : 0, true};
	struct pol_secret_match m;
	return next_match(&sc, 0, &m);
}

/* ---- redaction ------------------------------------------------------------ */

struct redaction {
	const char *text;
	size_t done; /* bytes of |text| already dealt with */
	char *out;
	size_t len, cap;
	bool failed;
};

static void out_add(struct redaction *r, const char *p, size_t n)
{
	if (r->failed || n == 0)
		return;
	if (r->cap - r->len < n) {
		size_t cap = r->cap ? r->cap : 64;
		while (cap - r->len < n) {
			if (cap > SIZE_MAX / 2) {
				r->failed = true;
				return;
			}
			cap *= 2;
		}
		char *o = realloc(r->out, cap);
		if (!o) {
			r->failed = true;
			return;
		}
		r->out = o;
		r->cap = cap;
	}
	memcpy(r->out + r->len, p, n);
	r->len += n;
}

static void on_redact(void *ctx, const struct pol_secret_match *m)
{
	struct redaction *r = ctx;
	const char *name = pol_secret_kind_name(m->kind);
	out_add(r, r->text + r->done, m->off - r->done);
	out_add(r, "[REDACTED:", 10);
	out_add(r, name, strlen(name));
	out_add(r, "]", 1);
	r->done = m->off + m->len;
}

/* Redact the string |str|; adds the replacements to |*count|.  Returns 0
 * or -1 (allocation failure). */
static int redact_string(json_t *str, size_t *count)
{
	const char *v = json_string_value(str);
	size_t len = json_string_length(str);
	struct redaction r = {.text = v};
	size_t n = pol_secrets_find(v, len, on_redact, &r);
	if (n == 0)
		return 0;
	out_add(&r, v + r.done, len - r.done);
	/* jansson checks UTF-8 in json_string_setn(); cutting out matches,
	 * which begin and end at ASCII bytes, keeps the string as valid as it
	 * was, so the check is skipped (a string made with _nocheck stays
	 * redactable). */
	int rc = r.failed ? -1 : json_string_setn_nocheck(str, r.out, r.len);
	free(r.out);
	if (rc != 0)
		return -1;
	*count += n;
	return 0;
}

struct frame {
	json_t *node;
	void *iter;   /* objects: the next member */
	size_t index; /* arrays: the next element */
};

/* The next child of the container in |f|, or NULL when there is none. */
static json_t *next_child(struct frame *f)
{
	if (json_is_array(f->node))
		return f->index < json_array_size(f->node) ? json_array_get(f->node, f->index++)
							   : NULL;
	if (!f->iter)
		return NULL;
	json_t *v = json_object_iter_value(f->iter);
	f->iter = json_object_iter_next(f->node, f->iter);
	return v;
}

/* Object keys are left as they are.  A key is a name the receiver looks up
 * (structuredContent must match the tool's outputSchema, and MCP's own
 * members are keys), so rewriting one changes the meaning of the message
 * and can collide with a sibling key; and jansson cannot rename a key in
 * place.  A caller that must not forward a credential used as a key can
 * test keys with pol_secrets_contains(), or deny on
 * pol_secrets_maybe_json() of the serialised message.
 *
 * The walk is iterative with an explicit stack (a tree of the parser's
 * maximum depth would otherwise recurse 2048 frames deep), and the depth
 * cap also stops a cyclic tree. */
int pol_secrets_redact_json(json_t *root)
{
	size_t count = 0;
	if (!root)
		return 0;
	if (json_is_string(root))
		return redact_string(root, &count) ? -1 : (int)(count > INT_MAX ? INT_MAX : count);
	if (!json_is_object(root) && !json_is_array(root))
		return 0;
	size_t depth = 0, cap = 16;
	struct frame *stack = malloc(cap * sizeof(*stack));
	if (!stack)
		return -1;
	stack[depth++] = (struct frame){root, json_is_object(root) ? json_object_iter(root) : NULL, 0};
	int rc = 0;
	while (depth > 0) {
		json_t *child = next_child(&stack[depth - 1]);
		if (!child) {
			depth--;
			continue;
		}
		if (json_is_string(child)) {
			if (redact_string(child, &count) != 0) {
				rc = -1;
				break;
			}
		} else if (json_is_object(child) || json_is_array(child)) {
			if (depth == POL_SECRETS_MAX_DEPTH) {
				rc = -1;
				break;
			}
			if (depth == cap) {
				struct frame *s = realloc(stack, 2 * cap * sizeof(*stack));
				if (!s) {
					rc = -1;
					break;
				}
				stack = s;
				cap *= 2;
			}
			stack[depth++] = (struct frame){
				child, json_is_object(child) ? json_object_iter(child) : NULL, 0};
		}
	}
	free(stack);
	if (rc != 0)
		return rc;
	return count > INT_MAX ? INT_MAX : (int)count;
}
