/* tests/unit/test_secrets.c - policies/secrets: credential detection, the
 * raw-JSON pre-filter and redaction. */
#include "testutil.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "policies/secrets.h"

/* Fake credentials of the documented shapes. */
#define AWS_ID "AKIAIOSFODNN7EXAMPLE" /* IAM User Guide example */
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define B36 "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
#define B32 "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv"
#define GH_PAT                                                                          \
	"github_pat_11ABCDEFG0123456789abc_"                                            \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
#define OPENAI_LEGACY "sk-abcdefghij0123456789T3BlbkFJABCDEFGHIJ0123456789"
#define OPENAI_PROJ "sk-proj-" B32 B32 B32 "_-x"
#define ANTHROPIC "sk-ant-api03-" B32 B32 "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St-AA"
#define SLACK_BOT "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
#define SLACK_HOOK "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
#define JWT                                                                             \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4g" \
	"RG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define GOOGLE "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"
#define STRIPE "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
#define PEM_RSA                                                                         \
	"-----BEGIN RSA PRIVATE KEY-----\n"                                             \
	"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"          \
	"VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"          \
	"-----END RSA PRIVATE KEY-----"

#define MAXM 16

struct found {
	size_t n;
	struct pol_secret_match m[MAXM];
};

static void on_match(void *ctx, const struct pol_secret_match *m)
{
	struct found *f = ctx;
	if (f->n < MAXM)
		f->m[f->n] = *m;
	f->n++;
}

static size_t find(const char *text, size_t len, struct found *f)
{
	memset(f, 0, sizeof(*f));
	size_t n = pol_secrets_find(text, len, on_match, f);
	assert_int_equal(n, f->n);
	return n;
}

/* The JSON text of |s| as a string member, dumped with |flags|. */
static char *as_json(const char *s, size_t len, size_t flags)
{
	json_t *o = json_pack("{s:s%}", "text", s, len);
	assert_non_null(o);
	char *raw = json_dumps(o, JSON_COMPACT | flags);
	assert_non_null(raw);
	json_decref(o);
	return raw;
}

static const size_t dump_flags[] = {0, JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH,
				    JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH};

/* ---- kinds ----------------------------------------------------------- */

static void test_kind_names(void **state)
{
	(void)state;
	static const char *const want[POL_SECRET_KIND_COUNT] = {
		"aws_access_key_id", "aws_secret_access_key", "github_token",
		"openai_api_key",    "anthropic_api_key",     "slack_token",
		"slack_webhook_url", "private_key",	      "jwt",
		"google_api_key",    "stripe_secret_key",
	};
	for (int k = 0; k < POL_SECRET_KIND_COUNT; k++)
		assert_string_equal(pol_secret_kind_name((enum pol_secret_kind)k), want[k]);
	assert_string_equal(pol_secret_kind_name(POL_SECRET_KIND_COUNT), "unknown");
	assert_string_equal(pol_secret_kind_name((enum pol_secret_kind)-1), "unknown");
}

/* ---- true positives -------------------------------------------------- */

/* Each text holds exactly one credential, |secret|, of kind |kind|. */
static const struct tp {
	const char *text;
	const char *secret;
	enum pol_secret_kind kind;
} true_positives[] = {
	{"key: " AWS_ID, AWS_ID, POL_SECRET_AWS_ACCESS_KEY_ID},
	{"ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE", POL_SECRET_AWS_ACCESS_KEY_ID},
	{"id=ABIAI44QH8DHBEXAMPLE;", "ABIAI44QH8DHBEXAMPLE", POL_SECRET_AWS_ACCESS_KEY_ID},
	{"(ACCAI44QH8DHBEXAMPLE)", "ACCAI44QH8DHBEXAMPLE", POL_SECRET_AWS_ACCESS_KEY_ID},
	{"aws_secret_access_key = " AWS_SECRET, AWS_SECRET, POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"AWS_SECRET_ACCESS_KEY=" AWS_SECRET "\n", AWS_SECRET, POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"{\"SecretAccessKey\": \"" AWS_SECRET "\"}", AWS_SECRET,
	 POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"{\\\"SecretAccessKey\\\":\\\"" AWS_SECRET "\\\"}", AWS_SECRET,
	 POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"secretAccessKey: '" AWS_SECRET "'", AWS_SECRET, POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"secret-access-key => \"" AWS_SECRET "\"", AWS_SECRET, POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"Secret access key: " AWS_SECRET, AWS_SECRET, POL_SECRET_AWS_SECRET_ACCESS_KEY},
	{"export GITHUB_TOKEN=ghp_" B36, "ghp_" B36, POL_SECRET_GITHUB_TOKEN},
	{"gho_" B36, "gho_" B36, POL_SECRET_GITHUB_TOKEN},
	{"ghu_" B36 ".", "ghu_" B36, POL_SECRET_GITHUB_TOKEN},
	{"'ghs_" B36 "'", "ghs_" B36, POL_SECRET_GITHUB_TOKEN},
	{"ghr_" B36 "abc", "ghr_" B36 "abc", POL_SECRET_GITHUB_TOKEN},
	{"token " GH_PAT " end", GH_PAT, POL_SECRET_GITHUB_TOKEN},
	{"OPENAI_API_KEY=" OPENAI_LEGACY, OPENAI_LEGACY, POL_SECRET_OPENAI_API_KEY},
	{"\"" OPENAI_PROJ "\"", OPENAI_PROJ, POL_SECRET_OPENAI_API_KEY},
	{"x-api-key: " ANTHROPIC, ANTHROPIC, POL_SECRET_ANTHROPIC_API_KEY},
	{"SLACK_BOT_TOKEN=" SLACK_BOT, SLACK_BOT, POL_SECRET_SLACK_TOKEN},
	{"xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef",
	 "xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef",
	 POL_SECRET_SLACK_TOKEN},
	{"xoxa-2-1234567890-abcdefABCDEF0123456789", "xoxa-2-1234567890-abcdefABCDEF0123456789",
	 POL_SECRET_SLACK_TOKEN},
	{"url=" SLACK_HOOK "&x", SLACK_HOOK, POL_SECRET_SLACK_WEBHOOK_URL},
	{"hooks.slack.com/workflows/T01234567/A01234567/123456789012345678/abcdefghijklmnopqrstuvwx",
	 "hooks.slack.com/workflows/T01234567/A01234567/123456789012345678/abcdefghijklmnopqrstuvwx",
	 POL_SECRET_SLACK_WEBHOOK_URL},
	{"Authorization: Bearer " JWT, JWT, POL_SECRET_JWT},
	{"key=" GOOGLE "&callback=init", GOOGLE, POL_SECRET_GOOGLE_API_KEY},
	{"stripe: " STRIPE, STRIPE, POL_SECRET_STRIPE_SECRET_KEY},
	{"rk_live_51H8abcDEFghiJKLmnoPQRstuVWX", "rk_live_51H8abcDEFghiJKLmnoPQRstuVWX",
	 POL_SECRET_STRIPE_SECRET_KEY},
	{"key = \"\"\"" PEM_RSA "\"\"\"\n", PEM_RSA, POL_SECRET_PRIVATE_KEY},
	{"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBGR0\n-----END PGP PRIVATE KEY BLOCK-----",
	 "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBGR0\n-----END PGP PRIVATE KEY BLOCK-----",
	 POL_SECRET_PRIVATE_KEY},
};

/* Every true positive, alone, at the start and end of a text, next to
 * punctuation, and inside long texts at every alignment (which runs each
 * pre-filter over it: scalar at the tail, SSE2 for short texts, AVX2 for
 * long ones when the processor has it). */
static void test_true_positives(void **state)
{
	(void)state;
	static const struct {
		const char *pre, *post;
		size_t npre, npost;
	} around[] = {
		{"", "", 0, 0},	    {" ", " ", 1, 1},	{"(", ")", 1, 1},   {"\"", "\"", 1, 1},
		{"'", "'", 1, 1},   {"<", ">", 1, 1},	{"\n", "\n", 1, 1}, {"=", ";", 1, 1},
		{"[", "]", 1, 1},   {"\t", ",", 1, 1},	{"\xc3\xa9", "\xc3\xa9", 2, 2},
		{"\0", "\x01", 1, 1},
	};
	int bad = 0;
	struct found f;
	for (size_t i = 0; i < sizeof(true_positives) / sizeof(true_positives[0]); i++) {
		const struct tp *t = &true_positives[i];
		size_t tlen = strlen(t->text), slen = strlen(t->secret);
		const char *where = strstr(t->text, t->secret);
		assert_non_null(where);
		size_t off = (size_t)(where - t->text);
		CHECK(bad, find(t->text, tlen, &f) == 1, "row %zu: %zu matches in %s", i, f.n,
		      tu_show(t->text, tlen, 0));
		CHECK(bad, f.m[0].off == off && f.m[0].len == slen && f.m[0].kind == t->kind,
		      "row %zu: got %s (%s) in %s", i, tu_show(t->text + f.m[0].off, f.m[0].len, 0),
		      pol_secret_kind_name(f.m[0].kind), tu_show(t->text, tlen, 1));
		CHECK(bad, pol_secrets_contains(t->text, tlen), "row %zu", i);
		for (size_t j = 0; j < sizeof(dump_flags) / sizeof(dump_flags[0]); j++) {
			char *raw = as_json(t->text, tlen, dump_flags[j]);
			CHECK(bad, pol_secrets_maybe_json(raw, strlen(raw)), "row %zu: %s", i, raw);
			free(raw);
		}
		/* The credential alone and with punctuation around. */
		for (size_t a = 0; a < sizeof(around) / sizeof(around[0]); a++) {
			size_t pre = around[a].npre, post = around[a].npost;
			char buf[1024];
			memcpy(buf, around[a].pre, pre);
			memcpy(buf + pre, t->secret, slen);
			memcpy(buf + pre + slen, around[a].post, post);
			size_t len = pre + slen + post;
			/* A PEM block runs to its END line; a bare secret with no
			 * assignment is no AWS secret key. */
			if (t->kind == POL_SECRET_AWS_SECRET_ACCESS_KEY)
				continue;
			CHECK(bad, find(buf, len, &f) == 1 && f.m[0].off == pre && f.m[0].len == slen,
			      "row %zu around %zu: %zu matches in %s", i, a, f.n, tu_show(buf, len, 0));
		}
		/* Inside long texts, at every alignment of a 64-byte stretch,
		 * and at the very end. */
		size_t fill[] = {10, 100, 5000};
		for (size_t k = 0; k < sizeof(fill) / sizeof(fill[0]); k++) {
			for (size_t shift = 0; shift < 70; shift++) {
				size_t pre = fill[k] + shift;
				struct tu_buf b = {0};
				for (size_t n = 0; n < pre; n++)
					tu_buf_add(&b, n % 7 == 6 ? " " : "x", 1);
				tu_buf_add(&b, " ", 1);
				tu_buf_add(&b, t->text, tlen);
				size_t at_end = b.len;
				CHECK(bad, find(b.p, b.len, &f) == 1 && f.m[0].off == pre + 1 + off &&
						   f.m[0].len == slen && f.m[0].kind == t->kind,
				      "row %zu at %zu (end): %zu matches", i, pre + 1 + off, f.n);
				if (t->kind != POL_SECRET_PRIVATE_KEY || strstr(t->text, "-----END")) {
					tu_buf_add(&b, " yyyy yyyy yyyy\n", 16);
					CHECK(bad, find(b.p, b.len, &f) == 1 &&
							   f.m[0].off == pre + 1 + off &&
							   f.m[0].len == slen,
					      "row %zu at %zu: %zu matches", i, pre + 1 + off, f.n);
				}
				(void)at_end;
				free(b.p);
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- false positives ------------------------------------------------- */

static const char *const false_positives[] = {
	/* hashes, ids, random data */
	"commit 0123456789abcdef0123456789abcdef01234567",
	"da39a3ee5e6b4b0d3255bfef95601890afd80709 and 356a192b7913b04c54653ccdc8b9cbb5f2b4e2d8",
	"550e8400-e29b-41d4-a716-446655440000 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
	"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"QUtJQUlPU0ZPRE5ON0VYQU1QTEUgd0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
	"Rk9PQkFSQkFaUVVYcXV1eHh4eXl5enp6MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3Bx",
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY (forty base64 characters, no name)",
	/* words and near-misses */
	"a skeleton in the closet; task-manager, desk-lamp, ask-me-anything, risk-free",
	"see https://example.com/sk-learn-tutorial-for-beginners-part-one-of-three",
	"pip install scikit-learn sk-learn-extra sklearn; sk-" "0123456789abcdef0123456789abcdef",
	"sk-thisisaverylongslugwithoutanyuppercaseordigitsinit-at-all-really",
	"ASIAN markets, Acacia trees, ACCEPT headers, AKIA is a prefix, AIza too",
	"AKIAIOSFODNN7EXAMPL (19), AKIAIOSFODNN7EXAMPLEX (21), xAKIAIOSFODNN7EXAMPLE",
	"AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE",
	"akiaiosfodnn7example AKIAiosfodnn7example",
	"ghp_short gho_ ghp_" "aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678 ghx_" B36,
	"my_ghp_" B36,
	"github_pat_tooshort github.com/org/repo/blob/main/github_pat_notes.md",
	"xoxb-token-here xoxb-your-bot-token-goes-in-here xoxp-1234 xoxz-1234567890-1234567890",
	"hooks.slack.com/services/ https://hooks.slack.com/services/T000/B000/short",
	"eyJhbGciOiJIUzI1NiJ9 eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. eyJ.eyJ.sig",
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.payload.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	"AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQ AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQeX",
	"sk_test_4eC39HqLyjWDarjtT1zdp7dc sk_live_short pk_live_4eC39HqLyjWDarjtT1zdp7dc",
	"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE (39)",
	"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX (41)",
	"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY= (padding)",
	"The secret access key is shown only once; the access key id is not secret.",
	"secret_access_key_rotation: 0123456789012345678901234567890123456789abc",
	/* PEM mentions that carry no key */
	"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
	"if (!pem.startsWith(\"-----BEGIN PRIVATE KEY-----\")) throw new TypeError('pkcs8');",
	"The file starts with -----BEGIN OPENSSH PRIVATE KEY----- and then base64.",
	"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
	"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
	"-----BEGIN rsa private key-----\nMIIE\n",
	"| --- | ---------- |\n|-----|------------|\n-----BEGIN-----",
	/* escapes in decoded text are just characters */
	"\\u0041KIAIOSFODNN7EXAMPLE is not a key once decoded",
};

static void test_false_positives(void **state)
{
	(void)state;
	int bad = 0;
	struct found f;
	for (size_t i = 0; i < sizeof(false_positives) / sizeof(false_positives[0]); i++) {
		const char *t = false_positives[i];
		size_t len = strlen(t);
		CHECK(bad, find(t, len, &f) == 0, "row %zu: found %s (%s) in %s", i,
		      f.n ? tu_show(t + f.m[0].off, f.m[0].len, 0) : "",
		      f.n ? pol_secret_kind_name(f.m[0].kind) : "", tu_show(t, len, 1));
		CHECK(bad, !pol_secrets_contains(t, len), "row %zu", i);
		for (size_t j = 0; j < sizeof(dump_flags) / sizeof(dump_flags[0]); j++) {
			char *raw = as_json(t, len, dump_flags[j]);
			CHECK(bad, !pol_secrets_maybe_json(raw, strlen(raw)), "row %zu flags %zu: %s",
			      i, j, raw);
			free(raw);
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- several matches -------------------------------------------------- */

static void test_several_and_overlapping(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t n;
		const char *secret[3];
		enum pol_secret_kind kind[3];
	} rows[] = {
		/* adjacent, separated by punctuation */
		{AWS_ID "," AWS_ID, 2, {AWS_ID, AWS_ID}, {0, 0}},
		{GOOGLE ";" STRIPE "|" JWT, 3, {GOOGLE, STRIPE, JWT},
		 {POL_SECRET_GOOGLE_API_KEY, POL_SECRET_STRIPE_SECRET_KEY, POL_SECRET_JWT}},
		/* sk-ant- is Anthropic, not OpenAI */
		{ANTHROPIC " " OPENAI_LEGACY, 2, {ANTHROPIC, OPENAI_LEGACY},
		 {POL_SECRET_ANTHROPIC_API_KEY, POL_SECRET_OPENAI_API_KEY}},
		/* the id and the secret of a credentials file */
		{"[default]\naws_access_key_id = " AWS_ID "\naws_secret_access_key = " AWS_SECRET
		 "\n",
		 2, {AWS_ID, AWS_SECRET},
		 {POL_SECRET_AWS_ACCESS_KEY_ID, POL_SECRET_AWS_SECRET_ACCESS_KEY}},
		/* triggers inside a match belong to it */
		{"-----BEGIN PRIVATE KEY-----\nMIIE" AWS_ID "ghp_" B36 "\n-----END PRIVATE KEY-----",
		 1, {"-----BEGIN PRIVATE KEY-----\nMIIE" AWS_ID "ghp_" B36 "\n-----END PRIVATE KEY-----"},
		 {POL_SECRET_PRIVATE_KEY}},
		{"https://hooks.slack.com/services/T00000000/B00000000/ghp_" B36, 1,
		 {"https://hooks.slack.com/services/T00000000/B00000000/ghp_" B36},
		 {POL_SECRET_SLACK_WEBHOOK_URL}},
		{"aws_secret_access_key=AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE", 1,
		 {"AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE"}, {POL_SECRET_AWS_SECRET_ACCESS_KEY}},
		/* a trigger repeated inside a word is not a second start */
		{"sk-sk-sk-" B32 B32, 1, {"sk-sk-sk-" B32 B32}, {POL_SECRET_OPENAI_API_KEY}},
		/* a PEM block without its END line runs to the end */
		{"key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBYx\n" AWS_ID "\nand more", 1,
		 {"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBYx\n" AWS_ID "\nand more"},
		 {POL_SECRET_PRIVATE_KEY}},
		/* an END line of another label does not end it */
		{"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END PRIVATE KEY-----\n" AWS_ID, 1,
		 {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END PRIVATE KEY-----\n" AWS_ID},
		 {POL_SECRET_PRIVATE_KEY}},
		/* a key flattened onto one line, and one in a string literal */
		{"PEM=\"-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE "
		 "KEY-----\"",
		 1,
		 {"-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE "
		  "KEY-----"},
		 {POL_SECRET_PRIVATE_KEY}},
		{"k = \"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n\"", 1,
		 {"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----"},
		 {POL_SECRET_PRIVATE_KEY}},
	};
	int bad = 0;
	struct found f;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *t = rows[i].text;
		size_t len = strlen(t), n = find(t, len, &f);
		CHECK(bad, n == rows[i].n, "row %zu: %zu matches, want %zu", i, n, rows[i].n);
		const char *from = t;
		for (size_t k = 0; k < rows[i].n && k < n; k++) {
			const char *w = strstr(from, rows[i].secret[k]);
			assert_non_null(w);
			CHECK(bad,
			      f.m[k].off == (size_t)(w - t) &&
				      f.m[k].len == strlen(rows[i].secret[k]) &&
				      f.m[k].kind == rows[i].kind[k],
			      "row %zu match %zu: %s (%s)", i, k, tu_show(t + f.m[k].off, f.m[k].len, 0),
			      pol_secret_kind_name(f.m[k].kind));
			from = w + strlen(rows[i].secret[k]);
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- redaction ---------------------------------------------------------- */

static void test_redact_strings(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		int n;
	} rows[] = {
		{"key: " AWS_ID, "key: [REDACTED:aws_access_key_id]", 1},
		{"[default]\naws_access_key_id = " AWS_ID "\naws_secret_access_key = " AWS_SECRET "\n",
		 "[default]\naws_access_key_id = [REDACTED:aws_access_key_id]\n"
		 "aws_secret_access_key = [REDACTED:aws_secret_access_key]\n",
		 2},
		{"here is a key: " AWS_ID " and secret " AWS_SECRET,
		 "here is a key: [REDACTED:aws_access_key_id] and secret " AWS_SECRET, 1},
		{"Bearer " JWT, "Bearer [REDACTED:jwt]", 1},
		{"post to " SLACK_HOOK " with " SLACK_BOT,
		 "post to [REDACTED:slack_webhook_url] with [REDACTED:slack_token]", 2},
		{"key = \"\"\"" PEM_RSA "\"\"\"", "key = \"\"\"[REDACTED:private_key]\"\"\"", 1},
		{GOOGLE STRIPE, GOOGLE STRIPE, 0},
		{GOOGLE " " STRIPE, "[REDACTED:google_api_key] [REDACTED:stripe_secret_key]", 2},
		{"nothing here", "nothing here", 0},
		{"", "", 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *s = json_string(rows[i].in);
		assert_non_null(s);
		int n = pol_secrets_redact_json(s);
		CHECK(bad, n == rows[i].n, "row %zu: %d replacements", i, n);
		CHECK(bad, strcmp(json_string_value(s), rows[i].out) == 0, "row %zu: %s", i,
		      json_string_value(s));
		json_decref(s);
	}
	assert_int_equal(bad, 0);
}

/* A tool result with credentials at every level, and in keys. */
static void test_redact_json_tree(void **state)
{
	(void)state;
	json_error_t err;
	json_t *msg = json_loads(
		"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{"
		"\"content\":[{\"type\":\"text\",\"text\":\"id " AWS_ID "\"},"
		"{\"type\":\"resource\",\"resource\":{\"uri\":\"file:///x/.env\","
		"\"text\":\"A=ghp_" B36 "\\nB=" STRIPE "\"}}],"
		"\"structuredContent\":{\"deep\":[[[{\"jwt\":\"" JWT "\"}]]],"
		"\"" AWS_ID "\":\"the key stays\",\"n\":42,\"ok\":true,\"none\":null,"
		"\"list\":[\"" GOOGLE "\",1.5,\"plain\"]},"
		"\"isError\":false}}",
		0, &err);
	assert_non_null(msg);
	assert_int_equal(pol_secrets_redact_json(msg), 5);
	char *out = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
		out,
		"{\"id\":7,\"jsonrpc\":\"2.0\",\"result\":{"
		"\"content\":[{\"text\":\"id [REDACTED:aws_access_key_id]\",\"type\":\"text\"},"
		"{\"resource\":{\"text\":\"A=[REDACTED:github_token]\\nB=[REDACTED:stripe_secret_key]\","
		"\"uri\":\"file:///x/.env\"},\"type\":\"resource\"}],"
		"\"isError\":false,"
		"\"structuredContent\":{\"" AWS_ID "\":\"the key stays\","
		"\"deep\":[[[{\"jwt\":\"[REDACTED:jwt]\"}]]],"
		"\"list\":[\"[REDACTED:google_api_key]\",1.5,\"plain\"],"
		"\"n\":42,\"none\":null,\"ok\":true}}}");
	free(out);
	/* Nothing is left to redact. */
	assert_int_equal(pol_secrets_redact_json(msg), 0);
	json_decref(msg);
}

static void test_redact_json_edges(void **state)
{
	(void)state;
	assert_int_equal(pol_secrets_redact_json(NULL), 0);
	json_t *v = json_integer(1);
	assert_int_equal(pol_secrets_redact_json(v), 0);
	json_decref(v);
	v = json_object();
	assert_int_equal(pol_secrets_redact_json(v), 0);
	json_decref(v);

	/* NUL bytes inside a string stay, and both keys go. */
	const char with_nul[] = AWS_ID "\0" AWS_ID;
	v = json_stringn(with_nul, sizeof(with_nul) - 1);
	assert_int_equal(pol_secrets_redact_json(v), 2);
	const char want[] = "[REDACTED:aws_access_key_id]\0[REDACTED:aws_access_key_id]";
	assert_int_equal(json_string_length(v), sizeof(want) - 1);
	assert_memory_equal(json_string_value(v), want, sizeof(want) - 1);
	json_decref(v);

	/* A string jansson did not check for UTF-8 is redacted as it is. */
	v = json_stringn_nocheck("\xff " AWS_ID " \xfe", 24);
	assert_int_equal(pol_secrets_redact_json(v), 1);
	assert_string_equal(json_string_value(v), "\xff [REDACTED:aws_access_key_id] \xfe");
	json_decref(v);

	/* The parser's maximum depth is walked; one more level is refused. */
	for (size_t depth = POL_SECRETS_MAX_DEPTH; depth <= POL_SECRETS_MAX_DEPTH + 1; depth++) {
		json_t *leaf = json_string("x " AWS_ID);
		json_t *root = leaf;
		for (size_t d = 0; d < depth; d++) {
			json_t *a = json_array();
			assert_int_equal(json_array_append_new(a, root), 0);
			root = a;
		}
		int r = pol_secrets_redact_json(root);
		assert_int_equal(r, depth == POL_SECRETS_MAX_DEPTH ? 1 : -1);
		json_decref(root);
	}

	/* A cycle (jansson lets one be built through two objects) ends with
	 * -1 instead of running forever. */
	json_t *a = json_object(), *b = json_object();
	assert_int_equal(json_object_set(a, "b", b), 0);
	assert_int_equal(json_object_set(b, "a", a), 0);
	assert_int_equal(json_object_set_new(b, "k", json_string(AWS_ID)), 0);
	assert_int_equal(pol_secrets_redact_json(a), -1);
	json_object_del(b, "a");
	json_decref(b);
	json_decref(a);
}

/* ---- the raw-JSON pre-filter -------------------------------------------- */

static void test_maybe_json(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		bool maybe;
	} rows[] = {
		/* a \u escape can spell any part of a credential */
		{"{\"t\":\"\\u0041KIAIOSFODNN7EXAMPLE\"}", true},
		{"{\"t\":\"AKIA\\u0049OSFODNN7EXAMPLE\"}", true},
		{"{\"t\":\"AKIAIOSFODNN7EXAMPL\\u0045\"}", true},
		{"{\"t\":\"\\u0073k_live_4eC39HqLyjWDarjtT1zdp7dc\"}", true},
		{"{\"t\":\"AI\\u007aSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe\"}", true},
		{"{\"t\":\"-----BEGIN RSA PRIVATE KEY-----\\u000aMIIEow\"}", true},
		/* escapes before and after a credential */
		{"{\"t\":\"line\\nAKIAIOSFODNN7EXAMPLE\\n\"}", true},
		{"{\"t\":\"caf\\u00e9AKIAIOSFODNN7EXAMPLE\\u00e9\"}", true},
		{"{\"t\":\"\\ud83d\\ude00" GOOGLE "\"}", true},
		{"{\"t\":\"\\\"" AWS_ID "\\\"\"}", true},
		/* escaped slashes and quotes inside the context */
		{"{\"t\":\"aws_secret_access_key=wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY\"}", true},
		{"{\"t\":\"{\\\"SecretAccessKey\\\": \\\"" AWS_SECRET "\\\"}\"}", true},
		{"{\"t\":\"https:\\/\\/hooks.slack.com\\/services\\/T00000000\\/B00000000\\/"
		 "XXXXXXXXXXXXXXXXXXXXXXXX\"}",
		 true},
		{"{\"t\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----\"}",
		 true},
		/* at the very start and end of the raw text */
		{AWS_ID, true},
		{"\"" JWT, true},
		/* escapes that cannot spell a credential */
		{"{\"t\":\"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00 \\u0001\\u001f\\u007f\"}", false},
		{"{\"t\":\"\\\\u0041KIAIOSFODNN7EXAMPLE\"}", false},
		{"{\"t\":\"a\\\\\\\\u0041b\"}", false},
		{"{\"t\":\"line\\none\\ttab \\\"quoted\\\" back\\\\slash \\/ \"}", false},
		{"{\"t\":\"The secret access key is shown once.\"}", false},
		{"{\"t\":\"aws_secret_access_key=\\u00e9JalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
		 false},
		{"", false},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *raw = rows[i].raw;
		CHECK(bad, pol_secrets_maybe_json(raw, strlen(raw)) == rows[i].maybe, "row %zu: %s",
		      i, raw);
		/* After JSON whitespace, long enough for every pre-filter. */
		for (size_t pad = 4096; pad < 4096 + 64; pad += 7) {
			struct tu_buf b = {0};
			for (size_t k = 0; k < pad; k++)
				tu_buf_add(&b, k % 80 == 79 ? "\n" : " ", 1);
			tu_buf_add(&b, raw, strlen(raw));
			CHECK(bad, pol_secrets_maybe_json(b.p, b.len) == rows[i].maybe,
			      "row %zu after %zu spaces", i, pad);
			free(b.p);
		}
	}
	assert_false(pol_secrets_maybe_json(NULL, 0));
	assert_int_equal(bad, 0);
}

/* A credential split by an escape is found once the JSON is parsed: the
 * redactor works on decoded strings. */
static void test_split_by_escape(void **state)
{
	(void)state;
	const char *raw = "{\"content\":[{\"type\":\"text\",\"text\":\"key AKIA\\u0049OSFODNN7EXAMPLE, "
			  "\\u0067hp_" B36 "\"}]}";
	assert_true(pol_secrets_maybe_json(raw, strlen(raw)));
	json_error_t err;
	json_t *msg = json_loads(raw, 0, &err);
	assert_non_null(msg);
	assert_int_equal(pol_secrets_redact_json(msg), 2);
	json_t *text = json_object_get(json_array_get(json_object_get(msg, "content"), 0), "text");
	assert_string_equal(json_string_value(text),
			    "key [REDACTED:aws_access_key_id], [REDACTED:github_token]");
	json_decref(msg);
}

/* Clean 4 MiB results of the kinds a tool returns: no candidate survives,
 * so the gateway skips parsing them. */
static void test_maybe_json_clean_large(void **state)
{
	(void)state;
	static const char *const words[] = {
		"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "skeleton",
		"task", "desk", "access", "secret", "success", "github", "hooks", "AWS", "Asia",
		"API", "JSON", "ECR", "eyes", "-", "--", "x", "A", "key", "token", "begin",
	};
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t rnd = 88172645463325252ull;
	for (int kind = 0; kind < 3; kind++) {
		struct tu_buf b = {0};
		while (b.len < (4u << 20)) {
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			if (kind == 0) {
				const char *w = words[rnd % (sizeof(words) / sizeof(words[0]))];
				tu_buf_add(&b, w, strlen(w));
				tu_buf_add(&b, rnd % 11 ? " " : ".\n\"quoted\"\t", rnd % 11 ? 1 : 12);
			} else if (kind == 1) {
				char c = b64[rnd % 64];
				tu_buf_add(&b, &c, 1);
				if (b.len % 77 == 76)
					tu_buf_add(&b, "\n", 1);
			} else {
				tu_buf_add(&b, "xxxxxxxx", 8);
			}
		}
		for (size_t j = 0; j < sizeof(dump_flags) / sizeof(dump_flags[0]); j++) {
			char *raw = as_json(b.p, b.len, dump_flags[j]);
			assert_false(pol_secrets_maybe_json(raw, strlen(raw)));
			free(raw);
		}
		assert_int_equal(pol_secrets_find(b.p, b.len, NULL, NULL), 0);
		free(b.p);
	}
}

/* Inputs built to make a careless scanner quadratic finish in linear time. */
static void test_pathological_inputs(void **state)
{
	(void)state;
	static const char *const units[] = {
		"sk-", "eyJa.", "eyJhbGciOiJIUzI1NiJ9.", "ghp_", "AKIA", "\\u0041", "xoxb-1",
		"-----BEGIN RSA PRIVATE KEY-----\nM-----END DSA PRIVATE KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nM-----END RSA PRIVATE KEY-----\n",
		"hooks.slack.com/services/", "secret_access_key=",
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		struct tu_buf b = {0};
		while (b.len < (2u << 20))
			tu_buf_add(&b, units[i], strlen(units[i]));
		clock_t t0 = clock();
		size_t n = pol_secrets_find(b.p, b.len, NULL, NULL);
		(void)pol_secrets_maybe_json(b.p, b.len);
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		/* Linear is milliseconds (tens under sanitizers); quadratic
		 * would be hours. */
		if (secs > 10)
			fail_msg("unit %zu: %.1f s for 2 MiB (%zu matches)", i, secs, n);
		free(b.p);
	}
}

static void test_empty(void **state)
{
	(void)state;
	struct found f;
	assert_int_equal(pol_secrets_find(NULL, 0, on_match, &f), 0);
	assert_int_equal(pol_secrets_find("", 0, NULL, NULL), 0);
	assert_false(pol_secrets_contains(NULL, 0));
	assert_false(pol_secrets_contains(AWS_ID, 19));
	assert_true(pol_secrets_contains(AWS_ID, 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_true_positives),
		cmocka_unit_test(test_false_positives),
		cmocka_unit_test(test_several_and_overlapping),
		cmocka_unit_test(test_redact_strings),
		cmocka_unit_test(test_redact_json_tree),
		cmocka_unit_test(test_redact_json_edges),
		cmocka_unit_test(test_maybe_json),
		cmocka_unit_test(test_split_by_escape),
		cmocka_unit_test(test_maybe_json_clean_large),
		cmocka_unit_test(test_pathological_inputs),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
