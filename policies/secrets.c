/* policies/secrets.c - credential detection and redaction.
 *
 * Two stages.  A pre-filter looks at 64 positions at a time for the few
 * places where a trigger ("AKIA", "ghp_", "sk-", "-----BEGIN", "eyJ", ...)
 * can be (the table at "the pre-filter" below).  It only rules positions
 * out: every position it keeps goes to the matchers for the byte found
 * there (match_at()), which decide exactly, so the pre-filter can never
 * change a result, only its speed.  On clean text it rejects nearly every
 * 64-byte stretch with one branch, at 10 GB/s and more with AVX2.
 *
 * The same matchers serve decoded text (pol_secrets_find) and raw JSON text
 * (pol_secrets_maybe_json).  In raw JSON they must accept whatever they
 * would accept once the strings are decoded; how is said where it matters:
 * struct scan.raw, starts_word(), dchar() and m_escape().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem(); the build defines it, a hand-built fuzzer may not */
#endif
#include "policies/secrets.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The pre-filter is vector code: GNU C vector extensions (SSE2 on x86-64,
 * NEON on Arm, ...), and AVX2 on x86-64 when the processor has it.
 * POL_SECRETS_NO_AVX2 stops at the vector extensions, POL_SECRETS_NO_SIMD
 * builds the scalar code (which other compilers get), and
 * POL_SECRETS_NO_FILTER turns the pre-filter off: differential tests build
 * those variants and compare them. */
#if defined(__GNUC__) && !defined(POL_SECRETS_NO_SIMD)
#define USE_VECTORS 1
#if defined(__SSE2__)
#include <immintrin.h>
#endif
#if defined(__x86_64__) && !defined(POL_SECRETS_NO_AVX2)
#define USE_AVX2 1
#endif
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
	/* The pre-filter chosen for this text, and its tables. */
	size_t (*skip)(const struct scan *sc, size_t i, uint64_t *bits);
	const struct nibble_tables *nt;
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

static int hex_value(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	return -1;
}

/* A decoded character that is in no class: a \u escape of a non-ASCII
 * character, or a malformed escape. */
#define NOT_ASCII 0x100u

/* The character at |q| once decoded; |*next| is where the next one starts.
 * In decoded text that is simply the byte.  In raw JSON a backslash escape
 * is decoded (RFC 8259 section 7: \" \\ \/ \b \f \n \r \t \uXXXX), so the
 * matchers that read on past their trigger (the AWS secret's assignment,
 * a webhook's path, what follows a PEM header) see what the decoded string
 * holds.  Past the end: 0, which is in no class. */
static unsigned dchar(const struct scan *sc, size_t q, size_t *next)
{
	unsigned c = at(sc, q);
	*next = q + 1;
	if (!sc->raw || c != '\\')
		return c;
	unsigned e = at(sc, q + 1);
	*next = q + 2;
	switch (e) {
	case '"':
	case '\\':
	case '/':
		return e;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'u': {
		unsigned v = 0;
		for (size_t i = 2; i < 6; i++) {
			int d = hex_value(at(sc, q + i));
			if (d < 0)
				return NOT_ASCII;
			v = v * 16 + (unsigned)d;
		}
		*next = q + 6;
		return v < 0x80 ? v : NOT_ASCII;
	}
	default:
		return NOT_ASCII;
	}
}

/* Read the decoded characters of |lit| at |*q|; on success move |*q| past
 * them. */
static bool take(const struct scan *sc, size_t *q, const char *lit)
{
	size_t p = *q, next;
	for (; *lit; lit++, p = next)
		if (dchar(sc, p, &next) != (unsigned char)*lit)
			return false;
	*q = p;
	return true;
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
 * Each takes the position where its trigger would start, and returns true
 * with |m| filled when a credential is there.  Runs of
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
	if (!prefix || !starts_word(sc, p, is_alnum) || run(sc, p + 4, is_upper_alnum, 16) < 16 ||
	    is_alnum(at(sc, p + 20)))
		return false;
	return found(m, p, 20, POL_SECRET_AWS_ACCESS_KEY_ID);
}

/* Google API key.  Google Cloud docs, "Manage API keys": "AIza" and 35
 * characters of [A-Za-z0-9_-], 39 in all (e.g. the docs'
 * AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe). */
static bool m_google_api_key(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has(sc, p, "AIza", 4) || !starts_word(sc, p, is_b64url) ||
	    run(sc, p + 4, is_b64url, 35) != 35)
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
 * character or '='.  A quote may be backslash-escaped once (JSON inside a
 * string).  The match is the value alone, so a redaction keeps the name:
 * "aws_secret_access_key = [REDACTED:aws_secret_access_key]".
 *
 * |p| is at the 's' of "secret". */
static void skip_quote(const struct scan *sc, size_t *q)
{
	size_t next, next2;
	unsigned c = dchar(sc, *q, &next);
	if (c == '\\') {
		c = dchar(sc, next, &next2);
		if (c == '"' || c == '\'')
			*q = next2;
	} else if (c == '"' || c == '\'' || c == '`') {
		*q = next;
	}
}

static void skip_blanks(const struct scan *sc, size_t *q)
{
	size_t next;
	for (size_t n = 0; n < 16 && is_hspace(dchar(sc, *q, &next)); n++)
		*q = next;
}

static bool m_aws_secret(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	if (!has_ci(sc, p, "secret", 6))
		return false;
	size_t q = p + 6, next;
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
	skip_quote(sc, &q);
	skip_blanks(sc, &q);
	c = dchar(sc, q, &next);
	if (c != ':' && c != '=')
		return false;
	q = next;
	unsigned c2 = dchar(sc, q, &next);
	if ((c == ':' && c2 == '=') || (c == '=' && c2 == '>'))
		q = next;
	skip_blanks(sc, &q);
	skip_quote(sc, &q);
	size_t value = q;
	for (size_t n = 0; n < 40; n++, q = next)
		if (!is_b64(dchar(sc, q, &next)))
			return false;
	c = dchar(sc, q, &next);
	if (is_b64(c) || c == '=')
		return false;
	return found(m, value, q - value, POL_SECRET_AWS_SECRET_ACCESS_KEY);
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
static bool github_body(const struct scan *sc, size_t p, size_t body, size_t min,
			char_class cls, struct pol_secret_match *m)
{
	if (!starts_word(sc, p, is_word))
		return false;
	size_t n = run(sc, p + body, cls, MAX_TOKEN);
	if (n < min || n > MAX_TOKEN || is_word(at(sc, p + body + n)))
		return false;
	return found(m, p, body + n, POL_SECRET_GITHUB_TOKEN);
}

static bool m_github(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	unsigned t = at(sc, p + 2);
	if (!has(sc, p, "gh", 2) || !t || !strchr("pousr", (int)t) || at(sc, p + 3) != '_')
		return false;
	return github_body(sc, p, 4, 36, is_alnum, m);
}

static bool m_github_pat(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	return has(sc, p, "github_pat_", 11) && github_body(sc, p, 11, 82, is_word, m);
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
	if (!(has(sc, p, "sk_live_", 8) || has(sc, p, "rk_live_", 8)) ||
	    !starts_word(sc, p, is_word))
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
 * (|floor|). */
static bool m_slack_webhook(const struct scan *sc, size_t p, size_t floor,
			    struct pol_secret_match *m)
{
	if (!has(sc, p, "hooks.slack.com", 15) || !starts_word(sc, p, is_alnum))
		return false;
	size_t q = p + 15, next;
	if (!take(sc, &q, "/services/") && !take(sc, &q, "/workflows/") &&
	    !take(sc, &q, "/triggers/"))
		return false;
	size_t n = 0, slashes = 0, segment = 0;
	for (unsigned c; is_webhook_path_char(c = dchar(sc, q, &next)); q = next) {
		if (++n > MAX_TOKEN)
			return false;
		if (c == '/')
			slashes++, segment = 0;
		else
			segment++;
	}
	if (slashes < 2 || segment < 16)
		return false;
	size_t start = p;
	if (p >= floor + 8 && has(sc, p - 8, "https://", 8))
		start = p - 8;
	else if (p >= floor + 7 && has(sc, p - 7, "http://", 7))
		start = p - 7;
	return found(m, start, q - start, POL_SECRET_SLACK_WEBHOOK_URL);
}

/* PEM private keys.  RFC 7468 section 2: "-----BEGIN " label "-----", an
 * end of line, base64 lines, "-----END " label "-----"; the private-key
 * labels are "PRIVATE KEY" (PKCS #8, section 10), "ENCRYPTED PRIVATE KEY"
 * (section 11) and the older "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA
 * PRIVATE KEY", "OPENSSH PRIVATE KEY"; OpenPGP armor (RFC 4880 section 6.2)
 * writes "PGP PRIVATE KEY BLOCK".  Accepted: a label of upper-case letters,
 * digits and spaces ending in "PRIVATE KEY" or "PRIVATE KEY BLOCK", then
 * key material: after blanks and line ends (real ones, or "\n" written out
 * as in a string literal), a base64 character when there was a line end
 * (a body line, or a header such as "Proc-Type:" or "Version:"), or 16 of
 * them when there was none (a key flattened onto one line).  Source code
 * and prose that only name the header ("-----BEGIN PRIVATE KEY-----")
 * then do not match.  The match runs through the END line with the same
 * label, or to the end of the text when there is none (a truncated key is
 * still a key). */
#define PEM_LABEL_MAX 64

static bool pem_material_follows(const struct scan *sc, size_t q)
{
	bool eol = false;
	size_t next, next2;
	for (size_t n = 0; n < 64; n++) {
		unsigned c = dchar(sc, q, &next);
		if (c == '\\') {
			c = dchar(sc, next, &next2);
			if (c != 'n' && c != 'r')
				return false;
			next = next2;
			eol = true;
		} else if (c == '\n' || c == '\r') {
			eol = true;
		} else if (!is_hspace(c)) {
			break;
		}
		q = next;
	}
	size_t need = eol ? 1 : 16;
	for (size_t n = 0; n < need; n++, q = next)
		if (!is_b64(dchar(sc, q, &next)))
			return false;
	return true;
}

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
	size_t q = lab + n + 5;
	if (!key || !pem_material_follows(sc, q))
		return false;
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

/* Raw JSON only: a \u escape of a printable ASCII character (\u0020 to
 * \u007e: always "\u00" and a digit 2 to 7), which could spell part of a
 * credential or of its trigger ("\u0041KIA...").  It counts as a match, as
 * does one that is malformed after "\u00" and a digit 2 to 7.  An escape of a
 * control character or of anything beyond ASCII (either half of a
 * surrogate pair included) cannot spell anything: those characters are in
 * no matcher's class, and starts_word() lets a credential begin right after
 * one.  A backslash that is itself escaped ("\\u0041" is a backslash and
 * "u0041") starts no escape; after a run of more than 64 backslashes the
 * count is not worth making and the escape is assumed. */
static bool m_escape(const struct scan *sc, size_t p, struct pol_secret_match *m)
{
	unsigned hi = at(sc, p + 4);
	if (!sc->raw || at(sc, p) != '\\' || at(sc, p + 1) != 'u' || at(sc, p + 2) != '0' ||
	    at(sc, p + 3) != '0' || hi < '2' || hi > '7')
		return false;
	size_t k = 0;
	while (k < p && k <= 64 && sc->s[p - 1 - k] == '\\')
		k++;
	if (k % 2 == 1 && k <= 64)
		return false;
	int d = hex_value(at(sc, p + 5));
	if (d >= 0 && (hi - '0') * 16 + (unsigned)d == 0x7f)
		return false;
	return found(m, p, 6, POL_SECRET_KIND_COUNT);
}

/* Try the matchers whose trigger has the byte at |p| at its candidate
 * position (the table below), each at the start that implies.  |floor| is
 * where the search started (the end of the previous match); no trigger
 * may start before it. */
static bool match_at(const struct scan *sc, size_t p, size_t floor, struct pol_secret_match *m)
{
	switch (sc->s[p]) {
	case 'A':
		return m_aws_key_id(sc, p, m) || m_google_api_key(sc, p, m);
	case 'g':
		return m_github(sc, p, m);
	case 'p':
		return p >= floor + 7 && m_github_pat(sc, p - 7, m);
	case 's':
		return m_sk_dash(sc, p, m) || m_stripe(sc, p, m);
	case 'r':
		return m_stripe(sc, p, m);
	case 'x':
		return m_slack_token(sc, p, m);
	case 'k':
		return p >= floor + 10 && m_slack_webhook(sc, p - 10, floor, m);
	case '-':
		return p >= floor + 2 && m_pem(sc, p - 2, m);
	case 'e':
		return m_jwt(sc, p, m);
	case 't':
	case 'T':
		return p >= floor + 5 && m_aws_secret(sc, p - 5, m);
	case 'u':
		return p >= floor + 1 && m_escape(sc, p - 1, m);
	default:
		return false;
	}
}

/* ---- the pre-filter -------------------------------------------------------
 *
 * A candidate is a position where the matchers are worth trying.  For most
 * triggers it is the first byte; for those whose first bytes are common
 * ("github", "hooks", "secret", "-----", "\u00e9") it is a rarer spot
 * further in, and match_at() goes back by a fixed distance:
 *
 *   trigger              candidate at      tests at the candidate
 *   AKIA ASIA ABIA ACCA  'A'               A [KSBC] [IC] A
 *   AIza                 'A'               A I z a
 *   ghp_ gho_ ...        'g'               g h [pousr] _
 *   github_pat_          'p' (+7)          p a t _
 *   sk- sk-proj- sk-ant- 's'               s k - .
 *   sk_live_ rk_live_    's', 'r'          [sr] k _ l
 *   xoxb- xoxp- ...      'x'               x o x [bpars]
 *   hooks.slack.com      'k' (+10)         k . c o
 *   -----BEGIN           '-' (+2)          - - - B
 *   eyJ                  'e'               e y J .
 *   secret_access (etc.) 't' 'T' (+5)      [tT] [_- aA] [aAcC] [cC]
 *   \u0020..\u007f       'u' (+1)          u 0 0 [2-7]   (raw JSON only)
 *
 * Going back is safe because no other trigger can start in the bytes
 * skipped ("ithub_", "ooks.slack", "--", "ecre", "\"), so visiting a match
 * at its candidate finds what visiting it at its start would.
 *
 * Three implementations mark candidates; each marks at least the positions
 * where the tests above pass, and the matchers then decide, so the choice
 * cannot change a result, only its speed:
 *
 * - candidate(): looser scalar tests (compilers without vector extensions,
 *   and the last stretch of every text);
 * - the same tests on 16-byte vectors (short texts, processors without
 *   AVX2, other architectures);
 * - for texts of TEDDY_MIN bytes or more on processors with AVX2, the tests
 *   of the table themselves as a nibble-table filter (the "Teddy" technique
 *   of Intel's Hyperscan): each of 8 buckets allows a set of bytes at each
 *   of the positions p..p+3; a byte's membership is looked up by its low
 *   and high nibble in two 16-entry tables with vpshufb (which widens a set
 *   to the product of its nibbles), and the buckets' bits are ANDed over
 *   the four positions.  32 positions cost about 30 instructions.
 *
 * The scan reads 64 positions (67 bytes) at a time and rejects the whole
 * stretch with one branch when none is a candidate.  All tests read only
 * bytes of their trigger, so a trigger that ends before the end of the text
 * is never missed at the tail, where the bytes past the end read as 0.
 */
#define LOOKAHEAD 3

/* The scalar tests (c|0x20 folds ASCII case); looser than the table. */
static inline bool candidate(const unsigned char *q)
{
	unsigned l0 = q[0] | 0x20u, l2 = q[2] | 0x20u, l3 = q[3] | 0x20u;
	return (q[0] == 'A' && l3 == 'a') || (q[0] == 'k' && q[1] == '.') ||
	       (q[0] == 'u' && q[1] == '0' && q[2] == '0') ||
	       ((q[0] == 'g' || q[0] == 'p') && q[3] == '_') ||
	       (q[0] == 'x' && q[1] == 'o' && q[2] == 'x') || (q[0] == '-' && q[3] == 'B') ||
	       ((q[0] & 0xfe) == 'r' && q[1] == 'k' && (q[2] == '-' || q[2] == '_')) ||
	       (q[1] == 'y' && q[2] == 'J') || (l0 == 't' && l3 == 'c' && (l2 == 'a' || l2 == 'c'));
}

/* The candidates among the 64 positions at |q|, which must have 67 bytes. */
__attribute__((unused)) static uint64_t candidates64_scalar(const unsigned char *q)
{
	uint64_t r = 0;
	for (unsigned k = 0; k < 64; k++)
		r |= (uint64_t)candidate(q + k) << k;
	return r;
}

/* The skip functions find the first stretch of 64 positions from |i| that
 * holds a candidate: they return its start and set |*bits| (bit k for
 * position start + k; none at or past the end), or return a value >= the
 * length when there is none.  DEFINE_SKIP wraps a 64-position test |block|
 * (called as block(q, nt)): whole stretches in place, the last one from a
 * zero-padded copy (most argument strings are shorter than one stretch). */
#define DEFINE_SKIP(name, attr, block)                                                       \
	attr static size_t name(const struct scan *sc, size_t i, uint64_t *bits)             \
	{                                                                                    \
		for (; i < sc->len && sc->len - i >= 64 + LOOKAHEAD; i += 64) {              \
			uint64_t r = block(sc->s + i, sc->nt);                               \
			if (r) {                                                             \
				*bits = r;                                                   \
				return i;                                                    \
			}                                                                    \
		}                                                                            \
		if (i >= sc->len)                                                            \
			return i;                                                            \
		unsigned char pad[64 + 16] = {0};                                            \
		size_t left = sc->len - i;                                                   \
		memcpy(pad, sc->s + i, left);                                                \
		uint64_t r = block(pad, sc->nt);                                             \
		*bits = left < 64 ? r & (((uint64_t)1 << left) - 1) : r;                     \
		return i;                                                                    \
	}

/* Nibble tables: bucket bit b of lo[k][c & 15] & hi[k][c >> 4] is set when
 * bucket b allows byte c at position p + k. */
struct nibble_tables {
	uint8_t lo[4][16], hi[4][16];
};

/* Texts shorter than this are not worth building the tables for. */
#define TEDDY_MIN 4096

#if defined(POL_SECRETS_NO_FILTER)
/* Differential testing: every position is a candidate, so the matchers
 * alone decide, as if there were no pre-filter. */
static size_t skip_all(const struct scan *sc, size_t i, uint64_t *bits)
{
	(void)candidates64_scalar; /* still compiled, not used */
	size_t left = sc->len - i;
	*bits = left >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << left) - 1;
	return i;
}

static void choose_filter(struct scan *sc, struct nibble_tables *nt)
{
	(void)nt;
	sc->skip = skip_all;
}
#elif defined(USE_VECTORS)
/* The vector code is only fast when it is one loop without calls. */
#define INLINE __attribute__((always_inline))

typedef unsigned char vec16 __attribute__((vector_size(16)));
typedef signed char mask16 __attribute__((vector_size(16)));

static inline vec16 load16(const unsigned char *q)
{
	vec16 v;
	memcpy(&v, q, sizeof(v));
	return v;
}

/* candidate() for the 16 positions at |q|: -1 in the byte of each. */
INLINE static inline mask16 tests16(const unsigned char *q)
{
	vec16 b0 = load16(q), b1 = load16(q + 1), b2 = load16(q + 2), b3 = load16(q + 3);
	vec16 l0 = b0 | 0x20, l2 = b2 | 0x20, l3 = b3 | 0x20;
	return ((b0 == 'A') & (l3 == 'a')) | ((b0 == 'k') & (b1 == '.')) |
	       ((b0 == 'u') & (b1 == '0') & (b2 == '0')) |
	       (((b0 == 'g') | (b0 == 'p')) & (b3 == '_')) |
	       ((b0 == 'x') & (b1 == 'o') & (b2 == 'x')) | ((b0 == '-') & (b3 == 'B')) |
	       (((b0 & 0xfe) == 'r') & (b1 == 'k') & ((b2 == '-') | (b2 == '_'))) |
	       ((b1 == 'y') & (b2 == 'J')) |
	       ((l0 == 't') & (l3 == 'c') & ((l2 == 'a') | (l2 == 'c')));
}

/* Bit i set when byte i of |m| is -1. */
static inline uint64_t bits16(mask16 m)
{
#ifdef __SSE2__
	return (uint16_t)_mm_movemask_epi8((__m128i)m);
#else
	uint64_t r = 0;
	for (unsigned i = 0; i < 16; i++)
		r |= (uint64_t)(m[i] & 1) << i;
	return r;
#endif
}

INLINE static inline uint64_t candidates64_vec(const unsigned char *q,
					       const struct nibble_tables *nt)
{
	(void)nt;
	mask16 a = tests16(q), b = tests16(q + 16), c = tests16(q + 32), d = tests16(q + 48);
	mask16 any = a | b | c | d;
	uint64_t w[2];
	memcpy(w, &any, sizeof(w));
	if (!(w[0] | w[1]))
		return 0;
	return bits16(a) | bits16(b) << 16 | bits16(c) << 32 | bits16(d) << 48;
}
DEFINE_SKIP(skip_vec, , candidates64_vec)

#ifdef USE_AVX2
/* The table above, as nibble-table buckets: for each trigger, its bucket and
 * the bytes allowed at p, p+1, p+2, p+3 (NULL: any).  Triggers share a
 * bucket in the pairs whose products (and nibble widening) let the fewest
 * other strings through, measured on English, source code, JSON records and
 * base64: "kKIo", "gat_", "x-xB" and the like, all rare. */
static const struct {
	unsigned bucket;
	const char *at[4];
} fingerprints[] = {
	{0, {"A", "KSBC", "IC", "A"}},	    /* AKIA ASIA ABIA ACCA */
	{0, {"k", ".", "c", "o"}},	    /* hooks.slack.com */
	{1, {"A", "I", "z", "a"}},	    /* AIza */
	{1, {"u", "0", "0", "234567"}},	    /* \u0020..\u007f */
	{2, {"g", "h", "pousr", "_"}},	    /* ghp_ gho_ ghu_ ghs_ ghr_ */
	{2, {"p", "a", "t", "_"}},	    /* github_pat_ */
	{3, {"x", "o", "x", "bpars"}},	    /* xoxb- xoxp- xoxa- xoxr- xoxs- */
	{3, {"-", "-", "-", "B"}},	    /* -----BEGIN */
	{4, {"s", "k", "-", NULL}},	    /* sk-... */
	{5, {"sr", "k", "_", "l"}},	    /* sk_live_ rk_live_ */
	{6, {"e", "y", "J", NULL}},	    /* eyJ */
	{7, {"tT", "_- aA", "aAcC", "cC"}}, /* secret_access, SecretAccess, ... */
};

static void build_tables(struct nibble_tables *nt)
{
	memset(nt, 0, sizeof(*nt));
	for (size_t f = 0; f < sizeof(fingerprints) / sizeof(fingerprints[0]); f++) {
		unsigned b = fingerprints[f].bucket;
		for (unsigned k = 0; k < 4; k++) {
			const char *set = fingerprints[f].at[k];
			if (!set) {
				for (unsigned n = 0; n < 16; n++) {
					nt->lo[k][n] |= (uint8_t)(1u << b);
					nt->hi[k][n] |= (uint8_t)(1u << b);
				}
				continue;
			}
			for (; *set; set++) {
				unsigned char c = (unsigned char)*set;
				nt->lo[k][c & 15] |= (uint8_t)(1u << b);
				nt->hi[k][c >> 4] |= (uint8_t)(1u << b);
			}
		}
	}
}

#define AVX2 __attribute__((target("avx2")))

/* The tables of one position, in both 128-bit lanes (vpshufb looks up
 * within each lane). */
struct teddy_pos {
	__m256i lo, hi;
};

/* The bucket bits that the bytes at |q| allow at position k, for 32
 * positions. */
AVX2 INLINE static inline __m256i teddy_step(const unsigned char *q, struct teddy_pos t)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i l = _mm256_shuffle_epi8(t.lo, _mm256_and_si256(v, nib));
	__m256i h = _mm256_shuffle_epi8(t.hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
	return _mm256_and_si256(l, h);
}

/* The bucket bits of the 32 positions at |q|, one byte each: nonzero at a
 * candidate. */
AVX2 INLINE static inline __m256i teddy32(const unsigned char *q, struct teddy_pos t0,
					  struct teddy_pos t1, struct teddy_pos t2,
					  struct teddy_pos t3)
{
	return _mm256_and_si256(_mm256_and_si256(teddy_step(q, t0), teddy_step(q + 1, t1)),
				_mm256_and_si256(teddy_step(q + 2, t2), teddy_step(q + 3, t3)));
}

AVX2 static __m256i both_lanes(const uint8_t table[16])
{
	return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)table));
}

AVX2 static struct teddy_pos teddy_pos(const struct nibble_tables *nt, unsigned k)
{
	return (struct teddy_pos){both_lanes(nt->lo[k]), both_lanes(nt->hi[k])};
}

AVX2 static size_t skip_teddy(const struct scan *sc, size_t i, uint64_t *bits)
{
	struct teddy_pos t0 = teddy_pos(sc->nt, 0), t1 = teddy_pos(sc->nt, 1),
			 t2 = teddy_pos(sc->nt, 2), t3 = teddy_pos(sc->nt, 3);
	for (; i < sc->len && sc->len - i >= 64 + LOOKAHEAD; i += 64) {
		__m256i a = teddy32(sc->s + i, t0, t1, t2, t3);
		__m256i b = teddy32(sc->s + i + 32, t0, t1, t2, t3);
		__m256i any = _mm256_or_si256(a, b);
		if (_mm256_testz_si256(any, any))
			continue;
		const __m256i zero = _mm256_setzero_si256();
		uint32_t none_a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero));
		uint32_t none_b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero));
		*bits = ~((uint64_t)none_a | (uint64_t)none_b << 32);
		return i;
	}
	/* The rest is shorter than a stretch: the scalar tests. */
	return skip_vec(sc, i, bits);
}
#endif

static void choose_filter(struct scan *sc, struct nibble_tables *nt)
{
	sc->skip = skip_vec;
#ifdef USE_AVX2
	/* libgcc reads CPUID once, at start-up. */
	if (sc->len >= TEDDY_MIN && __builtin_cpu_supports("avx2")) {
		build_tables(nt);
		sc->nt = nt;
		sc->skip = skip_teddy;
	}
#else
	(void)nt;
#endif
}
#else
static inline uint64_t candidates64_portable(const unsigned char *q, const struct nibble_tables *nt)
{
	(void)nt;
	return candidates64_scalar(q);
}
DEFINE_SKIP(skip_scalar, , candidates64_portable)

static void choose_filter(struct scan *sc, struct nibble_tables *nt)
{
	(void)nt;
	sc->skip = skip_scalar;
}
#endif

/* The first match at a candidate position >= |from|. */
static bool next_match(const struct scan *sc, size_t from, struct pol_secret_match *m)
{
	uint64_t bits = 0;
	for (size_t i = from; (i = sc->skip(sc, i, &bits)) < sc->len; i += 64) {
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

static void scan_init(struct scan *sc, const char *text, size_t len, bool raw,
		      struct nibble_tables *nt)
{
	sc->s = (const unsigned char *)text;
	sc->len = text ? len : 0;
	sc->raw = raw;
	sc->nt = NULL;
	choose_filter(sc, nt);
}

size_t pol_secrets_find(const char *text, size_t len, pol_secret_cb cb, void *ctx)
{
	struct nibble_tables nt;
	struct scan sc;
	scan_init(&sc, text, len, false, &nt);
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

/* Is there a first match in |text| (|json|: raw JSON text, escapes and all)? */
static bool any_match(const char *text, size_t len, bool json)
{
	struct nibble_tables nt;
	struct scan sc;
	scan_init(&sc, text, len, json, &nt);
	struct pol_secret_match m;
	return next_match(&sc, 0, &m);
}

bool pol_secrets_contains(const char *text, size_t len)
{
	return any_match(text, len, false);
}

bool pol_secrets_maybe_json(const char *raw, size_t len)
{
	return any_match(raw, len, true);
}

/* ---- redaction ------------------------------------------------------------ */

struct redaction {
	const char *text;
	size_t done; /* bytes of |text| already dealt with */
	char *out;
	size_t len, cap;
	size_t first_cap; /* the first allocation: enough for a few markers */
	bool failed;
};

static void out_add(struct redaction *r, const char *p, size_t n)
{
	if (r->failed || n == 0)
		return;
	if (r->cap - r->len < n) {
		size_t cap = r->cap ? r->cap : r->first_cap;
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
	struct redaction r = {.text = v, .first_cap = len < SIZE_MAX - 256 ? len + 256 : len};
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
	stack[depth++] =
		(struct frame){root, json_is_object(root) ? json_object_iter(root) : NULL, 0};
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
