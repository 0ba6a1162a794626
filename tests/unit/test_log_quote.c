/* tests/unit/test_log_quote.c - gateway/log: gw_log_quote. */
#include "testutil.h"

#include <stdbool.h>

#include "log.h"

static void quote_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len, max;
		const char *out;
	} t[] = {
		{"echo", 4, 80, "echo"},
		{"", 0, 80, ""},
		{"a b~", 4, 80, "a b~"},
		{"a\\b", 3, 80, "a\\x5cb"},
		{"a\nb\r\t", 5, 80, "a\\x0ab\\x0d\\x09"},
		{"a\0b", 3, 80, "a\\x00b"},
		{"\xc3\xa9", 2, 80, "\\xc3\\xa9"},
		{"\x7f\x1b[0m", 5, 80, "\\x7f\\x1b[0m"},
		{"\"quoted\" 'x'", 12, 80, "\"quoted\" 'x'"},
		{"abcdef", 6, 3, "abc..."},
		{"abcdef", 6, 6, "abcdef"},
		{"abcdef", 6, 0, "..."},
		{"\n\n\n\n", 4, 2, "\\x0a\\x0a..."},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[256];
		memset(out, '#', sizeof(out));
		char *r = gw_log_quote(t[i].in, t[i].len, t[i].max, out, sizeof(out));
		CHECK(bad, r == out, "row %zu: return value", i);
		CHECK(bad, strcmp(out, t[i].out) == 0, "row %zu: '%s', want '%s'", i, out, t[i].out);
	}
	assert_int_equal(bad, 0);
}

/* Whatever the sizes, the output stays inside out_size, is NUL-terminated,
 * holds only printable ASCII, and is a prefix of the full rendering. */
static void quote_bounded(void **state)
{
	(void)state;
	uint64_t seed = 5;
	int bad = 0;
	for (int iter = 0; iter < 20000 && bad < 5; iter++) {
		unsigned char in[64];
		size_t len = tu_rand(&seed) % sizeof(in);
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)tu_rand(&seed);
		size_t max = tu_rand(&seed) % 70;
		size_t size = 1 + tu_rand(&seed) % 300;
		char full[64 * 4 + 8];
		gw_log_quote((const char *)in, len, max, full, sizeof(full));
		char buf[320];
		memset(buf, '#', sizeof(buf));
		gw_log_quote((const char *)in, len, max, buf, size);
		size_t n = strnlen(buf, size);
		CHECK(bad, n < size, "iter %d: not terminated within %zu", iter, size);
		for (size_t i = size; i < sizeof(buf); i++)
			if (buf[i] != '#') {
				CHECK(bad, false, "iter %d: wrote byte %zu past size %zu", iter, i, size);
				break;
			}
		for (size_t i = 0; i < n; i++)
			CHECK(bad, buf[i] >= 0x20 && buf[i] < 0x7f, "iter %d: byte 0x%02x", iter,
			      (unsigned char)buf[i]);
		/* A prefix of the full rendering, apart from a final "..." that
		 * marks the cut when it fits. */
		size_t cmp = n >= 3 && !memcmp(buf + n - 3, "...", 3) ? n - 3 : n;
		CHECK(bad, strncmp(full, buf, cmp) == 0, "iter %d: '%s' is not a prefix of '%s'", iter,
		      buf, full);
		/* With enough room the rendering is complete. */
		if (size >= 4 * (len < max ? len : max) + 4 + 8)
			CHECK(bad, strcmp(full, buf) == 0, "iter %d: '%s' != '%s' with room %zu", iter,
			      buf, full, size);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_table),
		cmocka_unit_test(quote_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
