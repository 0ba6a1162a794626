/* tests/fuzz/fuzz_secrets.c - policies/secrets detection, pre-filter and
 * redaction.
 *
 * Input: any bytes, scanned as decoded text.
 *
 * Invariants:
 *  - pol_secrets_find reports matches inside the input, non-empty, in order
 *    of offset and not overlapping, of a valid kind, and as many as it
 *    returns; pol_secrets_contains agrees with it;
 *  - the same input after 4100 spaces (long enough for the AVX2 pre-filter,
 *    where the short input used the SSE2 and scalar ones) gives the same
 *    matches, shifted;
 *  - pol_secrets_maybe_json is true for the JSON text of any string that
 *    holds a credential: the input (made valid UTF-8 if needed) as a string
 *    member, dumped with and without JSON_ENSURE_ASCII and
 *    JSON_ESCAPE_SLASH, in a short and in a padded long message;
 *  - pol_secrets_redact_json replaces exactly the matches of find in every
 *    string value, nested anywhere, leaves keys alone, and its output holds
 *    no credential.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c)) {                                                             \
			fprintf(stderr, "fuzz_secrets: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                        \
		}                                                                       \
	} while (0)

#define PAD 4100
#define MAX_MATCHES 4096

struct matches {
	size_t n, len;
	bool overflow;
	struct pol_secret_match m[MAX_MATCHES];
};

static void collect(void *ctx, const struct pol_secret_match *m)
{
	struct matches *ms = ctx;
	CHECK(m->len > 0);
	CHECK(m->off <= ms->len && m->len <= ms->len - m->off);
	CHECK((unsigned)m->kind < POL_SECRET_KIND_COUNT);
	if (ms->n > 0) {
		const struct pol_secret_match *prev = &ms->m[ms->n - 1];
		CHECK(m->off >= prev->off + prev->len);
	}
	if (ms->n == MAX_MATCHES) {
		ms->overflow = true;
		return;
	}
	ms->m[ms->n++] = *m;
}

static size_t find_all(const char *text, size_t len, struct matches *ms)
{
	ms->n = 0;
	ms->len = len;
	ms->overflow = false;
	size_t n = pol_secrets_find(text, len, collect, ms);
	CHECK(ms->overflow || n == ms->n);
	CHECK(pol_secrets_contains(text, len) == (n > 0));
	return n;
}

/* The input as a jansson string: as is when it is valid UTF-8, otherwise
 * with the top bit of every byte cleared (NUL bytes stay). */
static json_t *as_string(const uint8_t *data, size_t size)
{
	json_t *s = json_stringn((const char *)data, size);
	if (s || size == 0)
		return s;
	char *ascii = malloc(size);
	CHECK(ascii);
	for (size_t i = 0; i < size; i++)
		ascii[i] = (char)(data[i] & 0x7f);
	s = json_stringn(ascii, size);
	free(ascii);
	return s;
}

static void check_maybe_json(json_t *str, bool has_credential)
{
	static const size_t flags[] = {0, JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH,
				       JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH};
	char *pad = malloc(PAD + 1);
	CHECK(pad);
	memset(pad, 'x', PAD);
	pad[PAD] = '\0';
	json_t *shortmsg = json_pack("{s:O}", "text", str);
	json_t *longmsg = json_pack("{s:s, s:[{s:s, s:O}]}", "pad", pad, "content", "type", "text",
				    "text", str);
	CHECK(shortmsg && longmsg);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		json_t *msgs[] = {shortmsg, longmsg};
		for (size_t j = 0; j < 2; j++) {
			char *raw = json_dumps(msgs[j], JSON_COMPACT | flags[i]);
			CHECK(raw);
			if (has_credential)
				CHECK(pol_secrets_maybe_json(raw, strlen(raw)));
			free(raw);
		}
	}
	json_decref(shortmsg);
	json_decref(longmsg);
	free(pad);
}

/* The text |s| with the matches |ms| replaced as the redactor should. */
static char *expected_redaction(const char *s, size_t len, const struct matches *ms,
				size_t *out_len)
{
	size_t cap = len + ms->n * 64 + 1, n = 0, done = 0;
	char *out = malloc(cap);
	CHECK(out);
	for (size_t i = 0; i < ms->n; i++) {
		const struct pol_secret_match *m = &ms->m[i];
		memcpy(out + n, s + done, m->off - done);
		n += m->off - done;
		n += (size_t)sprintf(out + n, "[REDACTED:%s]", pol_secret_kind_name(m->kind));
		done = m->off + m->len;
	}
	memcpy(out + n, s + done, len - done);
	n += len - done;
	*out_len = n;
	return out;
}

static void check_redaction(json_t *str, const struct matches *ms)
{
	const char *key = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
	json_t *tree = json_pack("{s:o, s:[o, {s:o}], s:i}", "text", json_copy(str), "content",
				 json_copy(str), key, json_copy(str), "n", 1);
	CHECK(tree);
	int r = pol_secrets_redact_json(tree);
	CHECK(r == (int)(3 * ms->n));
	size_t want_len;
	char *want = expected_redaction(json_string_value(str), json_string_length(str), ms,
					&want_len);
	json_t *got[] = {json_object_get(tree, "text"),
			 json_array_get(json_object_get(tree, "content"), 0),
			 json_object_get(json_array_get(json_object_get(tree, "content"), 1), key)};
	for (size_t i = 0; i < 3; i++) {
		CHECK(json_is_string(got[i]));
		CHECK(json_string_length(got[i]) == want_len);
		CHECK(memcmp(json_string_value(got[i]), want, want_len) == 0);
		CHECK(!pol_secrets_contains(json_string_value(got[i]), want_len));
	}
	CHECK(pol_secrets_redact_json(tree) == 0);
	free(want);
	json_decref(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct matches ms, padded;
	const char *text = (const char *)data;
	size_t n = find_all(text, size, &ms);
	if (ms.overflow)
		return 0;

	char *buf = malloc(PAD + size);
	CHECK(buf);
	memset(buf, ' ', PAD);
	if (size)
		memcpy(buf + PAD, data, size);
	CHECK(find_all(buf, PAD + size, &padded) == n);
	for (size_t i = 0; i < ms.n; i++) {
		CHECK(padded.m[i].off == PAD + ms.m[i].off);
		CHECK(padded.m[i].len == ms.m[i].len);
		CHECK(padded.m[i].kind == ms.m[i].kind);
	}
	free(buf);

	json_t *str = as_string(data, size);
	if (!str)
		return 0;
	size_t dn = find_all(json_string_value(str), json_string_length(str), &ms);
	if (ms.overflow) {
		json_decref(str);
		return 0;
	}
	check_maybe_json(str, dn > 0);
	check_redaction(str, &ms);
	json_decref(str);
	return 0;
}
