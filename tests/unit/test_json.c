/* tests/unit/test_json.c - mcp_json_parse and its fast reader: the same
 * verdict and the same tree as json_loadb with the relay's flags. */
#include "testutil.h"

#include <jansson.h>
#include <locale.h>
#include <stdbool.h>

#include "mcp/json.h"
#include "mcp/message.h"

#define FOK MCP_JSON_FAST_OK
#define FINV MCP_JSON_FAST_INVALID
#define FUNS MCP_JSON_FAST_UNSUPPORTED

struct jcase {
	const char *text;
	size_t len;
	int fast;	  /* what the fast reader answers */
	const char *want; /* jansson's compact dump of the tree, NULL: refused */
};
#define J(s, fast, want) {s, sizeof(s) - 1, fast, want}

static const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY;

/* The reference: json_loadb with the relay's flags, read again with
 * JSON_DECODE_INT_AS_REAL when it refuses a number out of range. */
static json_t *reference(const char *s, size_t n, json_error_t *err)
{
	json_t *j = json_loadb(s, n, flags, err);
	if (!j && json_error_code(err) == json_error_numeric_overflow)
		j = json_loadb(s, n, flags | JSON_DECODE_INT_AS_REAL, err);
	return j;
}

/* The compact dump of |j| (malloc'd), or NULL for NULL. */
static char *dump(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const struct jcase table[] = {
	/* the shape on the hot path */
	J("{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/srv/README.md\",\"mode\":"
	  "\"lines\",\"pattern\":\"*.md\",\"head\":20}}",
	  FOK,
	  "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/srv/README.md\",\"mode\":"
	  "\"lines\",\"pattern\":\"*.md\",\"head\":20}}"),
	/* key order is text order, whatever the hash */
	J("{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}},\"\":null}", FOK,
	  "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}},\"\":null}"),
	/* any top-level value, whitespace around */
	J(" \t\r\n17 \n", FOK, "17"), J("\"s\"", FOK, "\"s\""), J("null", FOK, "null"),
	J("true", FOK, "true"), J("false", FOK, "false"), J("[ ]", FOK, "[]"),
	J("{ }", FOK, "{}"), J("[1 , [ 2 ] , { \"a\" : 3 } ]", FOK, "[1,[2],{\"a\":3}]"),
	/* integers: strtoll's range; "-0" is the integer 0 */
	J("-0", FOK, "0"), J("0", FOK, "0"), J("[-1,10,-10]", FOK, "[-1,10,-10]"),
	J("9223372036854775807", FOK, "9223372036854775807"),
	J("-9223372036854775808", FOK, "-9223372036854775808"),
	J("00009", FINV, NULL),
	/* out of range: every integer of the text becomes a real */
	J("[9223372036854775808,1,-0]", FUNS, "[9.2233720368547758e18,1.0,-0.0]"),
	J("-9223372036854775809", FUNS, "-9.2233720368547758e18"),
	J("{\"a\":1,\"a\":99999999999999999999}", FUNS, NULL),
	/* reals: strtod, bit for bit */
	J("[1.0,1e2,1E-2,-0.0,0.1,2.5e+3]", FOK, "[1.0,100.0,0.01,-0.0,0.10000000000000001,2500.0]"),
	J("[1.7976931348623157e308,4.9e-324,1e-400]", FOK,
	  "[1.7976931348623157e308,4.9406564584124654e-324,0.0]"),
	J("0.30000000000000004441", FOK, "0.30000000000000004"),
	J("1e400", FINV, NULL), J("[-1e309]", FINV, NULL),
	J("0.000000000000000000000000000000000000000000000000000000000000001", FUNS,
	  "1.0000000000000001e-63"),
	/* bad numbers */
	J("01", FINV, NULL), J("-01", FINV, NULL), J("1.", FINV, NULL), J(".5", FINV, NULL),
	J("+1", FINV, NULL), J("-", FINV, NULL), J("1e", FINV, NULL), J("1e+", FINV, NULL),
	J("1.e5", FINV, NULL), J("0x10", FINV, NULL), J("1 2", FINV, NULL),
	J("[1.5.3]", FINV, NULL), J("NaN", FINV, NULL), J("-Infinity", FINV, NULL),
	/* literals */
	J("tru", FINV, NULL), J("truex", FINV, NULL), J("true1", FINV, NULL),
	J("[nul]", FINV, NULL), J("True", FINV, NULL), J("[true false]", FINV, NULL),
	/* containers */
	J("[1,]", FINV, NULL), J("{\"a\":1,}", FINV, NULL), J("[,1]", FINV, NULL),
	J("{,}", FINV, NULL), J("{\"a\" 1}", FINV, NULL), J("{1:2}", FINV, NULL),
	J("{'a':1}", FINV, NULL), J("[}", FINV, NULL), J("{\"a\":1]", FINV, NULL),
	J("[", FINV, NULL), J("{", FINV, NULL), J("{\"a\"", FINV, NULL),
	J("{\"a\":", FINV, NULL), J("]", FINV, NULL), J("", FINV, NULL), J(" ", FINV, NULL),
	J("{} {}", FINV, NULL), J("[]x", FINV, NULL), J("\xef\xbb\xbf{}", FINV, NULL),
	/* duplicate keys, also after decoding and deeper down */
	J("{\"a\":1,\"a\":1}", FINV, NULL), J("{\"a\":1,\"\\u0061\":2}", FINV, NULL),
	J("{\"x\":{\"b\":[],\"b\":{}}}", FINV, NULL), J("{\"a\":{},\"a\":[]}", FINV, NULL),
	J("[{\"a\":1},{\"a\":1}]", FOK, "[{\"a\":1},{\"a\":1}]"),
	/* escapes */
	J("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", FOK, "\"\\\"\\\\/\\b\\f\\n\\r\\t\""),
	J("\"a\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\"", FOK, "\"aA\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\""),
	J("\"\\uD83D\\uDE00\\udbff\\udfff\"", FOK, "\"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""),
	J("{\"\\u006b\\n\":\"v\\t\"}", FOK, "{\"k\\n\":\"v\\t\"}"),
	J("\"\\ud800\"", FINV, NULL), J("\"\\udc00\"", FINV, NULL), J("\"\\ud800x\"", FINV, NULL),
	J("\"\\ud800\\u0041\"", FINV, NULL), J("\"\\ud800\\ud800\\udc00\"", FINV, NULL),
	J("\"\\udfff\\ud800\"", FINV, NULL), J("\"\\ud800\\n\"", FINV, NULL),
	J("\"\\x\"", FINV, NULL), J("\"\\U0041\"", FINV, NULL), J("\"\\u12\"", FINV, NULL),
	J("\"\\u12G4\"", FINV, NULL), J("\"\\'\"", FINV, NULL), J("\"\\", FINV, NULL),
	J("\"\\u00", FINV, NULL), J("\"abc", FINV, NULL),
	/* \u0000: in a value yes (JSON_ALLOW_NUL), in a key no */
	J("{\"a\":\"x\\u0000y\"}", FOK, "{\"a\":\"x\\u0000y\"}"), J("\"\\u0000\"", FOK, "\"\\u0000\""),
	J("{\"a\\u0000\":1}", FINV, NULL), J("{\"\\u0000\":1}", FINV, NULL),
	/* raw bytes in strings: control characters refused, DEL and UTF-8 kept */
	J("\"\x7f\"", FOK, "\"\x7f\""), J("\"a\tb\"", FINV, NULL), J("\"\n\"", FINV, NULL),
	J("\"\x01\"", FINV, NULL), J("\"\x1f\"", FINV, NULL), J("\"a\0b\"", FINV, NULL),
	J("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
	  FOK, "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""),
	J("{\"cl\xc3\xa9\":\"\xe2\x82\xac\"}", FOK, "{\"cl\xc3\xa9\":\"\xe2\x82\xac\"}"),
	/* invalid UTF-8: overlong, surrogates, beyond U+10FFFF, truncated */
	J("\"\xc0\xaf\"", FINV, NULL), J("\"\xc1\xbf\"", FINV, NULL), J("\"\xe0\x9f\xbf\"", FINV, NULL),
	J("\"\xf0\x8f\xbf\xbf\"", FINV, NULL), J("\"\xed\xa0\x80\"", FINV, NULL),
	J("\"\xed\xbf\xbf\"", FINV, NULL), J("\"\xf4\x90\x80\x80\"", FINV, NULL),
	J("\"\xf5\x80\x80\x80\"", FINV, NULL), J("\"\xff\"", FINV, NULL), J("\"\x80\"", FINV, NULL),
	J("\"\xc3\"", FINV, NULL), J("\"\xe2\x82\"", FINV, NULL), J("\"\xe2\x82", FINV, NULL),
	J("\"\xc3\xc3\xa9\"", FINV, NULL), J("\"\\n\xe2\x28\xa1\"", FINV, NULL),
	J("\xc3\xa9", FINV, NULL), J("[1]\xff", FINV, NULL),
	/* jansson skips one raw NUL after a number or literal; refused here,
	 * and mcp_json_parse still answers as jansson does */
	J("1\0", FINV, "1"), J("[true\0]", FINV, "[true]"), J("{\"a\":1\0}", FINV, "{\"a\":1}"),
	J("1\0\0", FINV, NULL), J("[\"a\"\0]", FINV, NULL), J("\0", FINV, NULL),
};

static void same_as_jansson(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct jcase *c = &table[i];
		const char *show = tu_show(c->text, c->len, 0);
		/* An exact-size copy: reading past the end is caught by ASan. */
		char *text = malloc(c->len ? c->len : 1);
		assert_non_null(text);
		memcpy(text, c->text, c->len);

		json_error_t ref_err, err;
		json_t *ref = reference(text, c->len, &ref_err);
		char *ref_dump = dump(ref);
		CHECK(bad, same_str(ref_dump, c->want), "row %zu '%s': jansson gives %s, table %s",
		      i, show, ref_dump ? ref_dump : "(refused)", c->want ? c->want : "(refused)");

		json_t *got = mcp_json_parse(text, c->len, &err);
		char *got_dump = dump(got);
		CHECK(bad, same_str(got_dump, ref_dump), "row %zu '%s': mcp_json_parse gives %s",
		      i, show, got_dump ? got_dump : "(refused)");
		if (!ref && !got)
			CHECK(bad,
			      !strcmp(err.text, ref_err.text) &&
				      json_error_code(&err) == json_error_code(&ref_err) &&
				      err.line == ref_err.line && err.column == ref_err.column &&
				      err.position == ref_err.position,
			      "row %zu '%s': error '%s', jansson's '%s'", i, show, err.text,
			      ref_err.text);

		json_t *fast;
		int rc = mcp_json_parse_fast(text, c->len, &fast);
		char *fast_dump = dump(fast);
		CHECK(bad, rc == c->fast, "row %zu '%s': fast reader %d, want %d", i, show, rc,
		      c->fast);
		CHECK(bad, (rc == FOK) == (fast != NULL), "row %zu '%s': tree and result", i, show);
		if (rc == FOK)
			CHECK(bad, same_str(fast_dump, ref_dump) && json_equal(fast, ref),
			      "row %zu '%s': fast reader gives %s", i, show, fast_dump);
		free(fast_dump);
		free(got_dump);
		free(ref_dump);
		json_decref(fast);
		json_decref(got);
		json_decref(ref);
		free(text);
	}
	assert_int_equal(bad, 0);
}

/* The types and values jansson gives, through the API rather than a dump. */
static void tree_types(void **state)
{
	(void)state;
	const char *t = "{\"name\":\"read_text_file\",\"arguments\":{\"path\":\"/srv/a b\","
			"\"head\":20,\"ratio\":0.5,\"neg\":-0,\"on\":true,\"off\":false,"
			"\"none\":null,\"list\":[\"x\",1],\"nul\":\"a\\u0000b\"}}";
	json_t *j = mcp_json_parse(t, strlen(t), NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "read_text_file");
	json_t *a = json_object_get(j, "arguments");
	assert_int_equal(json_object_size(a), 9);
	assert_true(json_is_integer(json_object_get(a, "head")));
	assert_int_equal(json_integer_value(json_object_get(a, "head")), 20);
	assert_true(json_is_real(json_object_get(a, "ratio")));
	assert_true(json_real_value(json_object_get(a, "ratio")) == 0.5);
	assert_true(json_is_integer(json_object_get(a, "neg")));
	assert_true(json_is_true(json_object_get(a, "on")));
	assert_true(json_is_false(json_object_get(a, "off")));
	assert_true(json_is_null(json_object_get(a, "none")));
	assert_int_equal(json_array_size(json_object_get(a, "list")), 2);
	json_t *nul = json_object_get(a, "nul");
	assert_int_equal(json_string_length(nul), 3);
	assert_memory_equal(json_string_value(nul), "a\0b", 3);
	/* Keys in text order. */
	static const char *const order[] = {"path", "head", "ratio", "neg", "on",
					    "off",  "none", "list",  "nul"};
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(a, key, v) {
		assert_true(i < 9);
		assert_string_equal(key, order[i]);
		i++;
	}
	json_decref(j);
}

/* JSON_PARSER_MAX_DEPTH counts every value: 2047 containers around a
 * scalar or 2048 empty ones are fine, one more level is not. */
static void depth_limit(void **state)
{
	(void)state;
	static const struct {
		bool obj;    /* {"k":...} rather than [...] around |inner| */
		size_t open; /* containers around |inner| */
		const char *inner;
		bool ok;
	} rows[] = {
		{false, 2047, "1", true},     {false, 2048, "", true},
		{false, 2048, "1", false},    {false, 2049, "", false},
		{false, 2047, "{}", true},    {false, 2047, "{\"a\":1}", false},
		{false, 100000, "", false},   {true, 2047, "1", true},
		{true, 2047, "[]", true},     {true, 2048, "1", false},
		{true, 2047, "[null]", false}, {true, 2048, "{}", false},
	};
	int bad = 0;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tu_buf b = {0};
		bool obj = rows[r].obj;
		if (!obj && !rows[r].inner[0]) {
			/* 2048 empty arrays: the last one is the innermost value */
			for (size_t i = 0; i < rows[r].open; i++)
				tu_buf_add(&b, "[", 1);
		} else {
			for (size_t i = 0; i < rows[r].open; i++)
				tu_buf_add(&b, obj ? "{\"k\":" : "[", obj ? 5 : 1);
		}
		tu_buf_add(&b, rows[r].inner, strlen(rows[r].inner));
		for (size_t i = 0; i < rows[r].open; i++)
			tu_buf_add(&b, obj ? "}" : "]", 1);
		json_error_t e;
		json_t *ref = reference(b.p, b.len, &e);
		json_t *fast;
		int rc = mcp_json_parse_fast(b.p, b.len, &fast);
		json_t *got = mcp_json_parse(b.p, b.len, NULL);
		CHECK(bad, !ref == !rows[r].ok, "row %zu: jansson %d", r, ref != NULL);
		CHECK(bad, rc == (ref ? FOK : FINV), "row %zu: fast %d", r, rc);
		CHECK(bad, !got == !ref && (!ref || json_equal(got, ref)), "row %zu: mcp_json_parse",
		      r);
		if (!ref)
			CHECK(bad, json_error_code(&e) == json_error_stack_overflow,
			      "row %zu: jansson's error %s", r, e.text);
		json_decref(ref);
		json_decref(fast);
		json_decref(got);
		tu_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* Long strings, plain and escaped (past the small decoding buffers, a key
 * and a value at once), and many keys: the same tree as jansson's. */
static void long_and_many(void **state)
{
	(void)state;
	uint64_t seed = 42;
	for (int round = 0; round < 40; round++) {
		struct tu_buf b = {0};
		tu_buf_add(&b, "{", 1);
		int members = 1 + (int)(tu_rand(&seed) % 300);
		for (int m = 0; m < members; m++) {
			if (m)
				tu_buf_add(&b, ",", 1);
			tu_buf_addf(&b, "\"k%d", m);
			size_t klen = tu_rand(&seed) % 600;
			for (size_t i = 0; i < klen; i++)
				tu_buf_add(&b, i % 97 == 3 ? "\\u00e9" : "x", i % 97 == 3 ? 6 : 1);
			tu_buf_add(&b, "\":\"", 3);
			size_t vlen = tu_rand(&seed) % 5000;
			for (size_t i = 0; i < vlen; i++) {
				uint64_t r = tu_rand(&seed) % 64;
				if (r == 0)
					tu_buf_add(&b, "\\n", 2);
				else if (r == 1)
					tu_buf_add(&b, "\xe2\x82\xac", 3);
				else if (r == 2)
					tu_buf_add(&b, "\\ud83d\\ude00", 12);
				else
					tu_buf_add(&b, &"abcdefghijklmnopqrstuvwxyz0123456789 /._-"[r % 41], 1);
			}
			tu_buf_add(&b, "\"", 1);
		}
		tu_buf_add(&b, "}", 1);
		json_error_t e;
		json_t *ref = reference(b.p, b.len, &e);
		assert_non_null(ref);
		json_t *fast;
		assert_int_equal(mcp_json_parse_fast(b.p, b.len, &fast), FOK);
		char *d1 = dump(ref), *d2 = dump(fast);
		assert_string_equal(d1, d2);
		assert_true(json_equal(ref, fast));
		free(d1);
		free(d2);
		json_decref(fast);
		json_decref(ref);
		tu_buf_free(&b);
	}

	/* 20000 keys, then the first again. */
	struct tu_buf b = {0};
	tu_buf_add(&b, "{", 1);
	for (int m = 0; m < 20000; m++)
		tu_buf_addf(&b, "%s\"key%d\":%d", m ? "," : "", m, m);
	tu_buf_add(&b, "}", 1);
	json_t *j = mcp_json_parse(b.p, b.len, NULL);
	assert_int_equal(json_object_size(j), 20000);
	json_decref(j);
	b.p[b.len - 1] = ',';
	tu_buf_add(&b, "\"key0\":1}", 9);
	json_t *fast;
	assert_int_equal(mcp_json_parse_fast(b.p, b.len, &fast), FINV);
	assert_null(mcp_json_parse(b.p, b.len, NULL));
	tu_buf_free(&b);
}

/* |err| as json_loadb leaves it: after a success, and after each failure
 * with its message (callers print it). */
static void error_reporting(void **state)
{
	(void)state;
	static const char *const bad[] = {"{\"a\":1,\"a\":2}", "[1,]", "\"\\ud800\"",
					  "{\"\\u0000\":1}", "\"\xc3\"", "1e400", "[1] x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_error_t e, want;
		assert_null(mcp_json_parse(bad[i], strlen(bad[i]), &e));
		assert_null(reference(bad[i], strlen(bad[i]), &want));
		assert_string_equal(e.text, want.text);
		assert_string_equal(e.source, want.source);
		assert_int_equal(json_error_code(&e), json_error_code(&want));
		assert_int_equal(e.line, want.line);
		assert_int_equal(e.column, want.column);
		assert_int_equal(e.position, want.position);
	}
	const char *t = " {\"a\":[1]} \n";
	json_error_t e, want;
	json_t *j = mcp_json_parse(t, strlen(t), &e);
	json_t *r = reference(t, strlen(t), &want);
	assert_non_null(j);
	assert_non_null(r);
	assert_string_equal(e.text, "");
	assert_string_equal(e.source, want.source);
	assert_int_equal(e.line, want.line);
	assert_int_equal(e.column, want.column);
	assert_int_equal(e.position, want.position);
	json_decref(j);
	json_decref(r);
}

/* In a locale whose decimal point is not '.', jansson converts reals its
 * own way: the fast reader leaves them to it. */
static void decimal_comma_locale(void **state)
{
	(void)state;
	static const char *const names[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR",
					    "ru_RU.UTF-8"};
	const char *old = setlocale(LC_NUMERIC, NULL);
	char *saved = strdup(old ? old : "C");
	assert_non_null(saved);
	bool set = false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !set; i++)
		set = setlocale(LC_NUMERIC, names[i]) != NULL &&
		      strcmp(localeconv()->decimal_point, ".") != 0;
	if (!set) {
		setlocale(LC_NUMERIC, saved);
		free(saved);
		print_message("no locale with a decimal comma installed\n");
		skip();
		return;
	}
	const char *t = "[2.5,1e3,7]";
	json_t *fast;
	assert_int_equal(mcp_json_parse_fast(t, strlen(t), &fast), FUNS);
	json_t *j = mcp_json_parse(t, strlen(t), NULL);
	assert_non_null(j);
	assert_true(json_real_value(json_array_get(j, 0)) == 2.5);
	json_decref(j);
	setlocale(LC_NUMERIC, saved);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_jansson),   cmocka_unit_test(tree_types),
		cmocka_unit_test(depth_limit),	     cmocka_unit_test(long_and_many),
		cmocka_unit_test(error_reporting),   cmocka_unit_test(decimal_comma_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
