/* tests/unit/test_scan.c - mcp/scan: one-pass JSON validation and the
 * JSON-RPC envelope. */
#include "testutil.h"

#include <jansson.h>
#include <stdbool.h>

#include "../fuzz/json_oracle.h"
#include "mcp/scan.h"

#define OK MCP_SCAN_OK
#define ESYN MCP_SCAN_ESYNTAX
#define EUTF MCP_SCAN_EUTF8
#define EDEP MCP_SCAN_EDEPTH
#define ETRL MCP_SCAN_ETRAILING
#define EEMP MCP_SCAN_EEMPTY
#define EINC MCP_SCAN_EINCOMPLETE
#define EANY 99 /* some error; which one is not specified */

struct vcase {
	const char *text;
	size_t len;
	int rc;	  /* expected scanner result */
	int diff; /* documented jansson difference (JSON_ORACLE_*), or 0 */
};
#define V(s, rc) {s, sizeof(s) - 1, rc, 0}
#define VD(s, rc, d) {s, sizeof(s) - 1, rc, d}

static const struct vcase validity[] = {
	/* numbers */
	V("0", OK), V("-0", OK), V("1e5", OK), V("1.5E-3", OK), V("-1.5e+3", OK),
	V("123", OK), V("0.0", OK), V("1E0", OK), V("1e-0", OK), V("-0.0e00", OK),
	V("9007199254740993", OK), V("[0,-0,1,-1]", OK), V("0e1", OK), V("10.01", OK),
	VD("123456789012345678901234567890", OK, JSON_ORACLE_RANGE),
	VD("-9223372036854775809", OK, JSON_ORACLE_RANGE),
	VD("1e400", OK, JSON_ORACLE_RANGE),
	VD("[-1e999]", OK, JSON_ORACLE_RANGE),
	V("01", ESYN), V("-01", ESYN), V("00", ESYN), V("1.", EINC), V("[1.]", ESYN),
	V(".5", ESYN), V("+1", ESYN), V("-", EINC), V("-a", ESYN), V("[-]", ESYN),
	V("1e", EINC), V("1e+", EINC), V("[1e]", ESYN), V("[1e+]", ESYN), V("1.e5", ESYN),
	V("0x10", EANY), V("Infinity", ESYN), V("-Infinity", ESYN), V("NaN", ESYN),
	V("1 2", ETRL), V("[1 2]", ESYN), V("--1", ESYN), V("1e5.0", EANY), V("1.2.3", EANY),
	V("[01]", ESYN), V("[1,-]", ESYN), V("[.1]", ESYN),
	/* literals */
	V("true", OK), V("false", OK), V("null", OK), V(" \t\r\nnull \t\r\n", OK),
	V("tru", EINC), V("tRue", ESYN), V("nul", EINC), V("nulll", ETRL), V("True", ESYN),
	V("[true false]", ESYN), V("nan", ESYN), V("undefined", ESYN),
	/* containers */
	V("[]", OK), V("{}", OK), V(" [ ] ", OK), V("[1,2,3]", OK), V("{\"a\":[{\"b\":null}]}", OK),
	V("{\"a\":1,\"a\":2}", OK), V("[[[]],{}]", OK), V("{\"\":\"\"}", OK),
	V("{", EINC), V("[", EINC), V("[1,", EINC), V("{\"a\"", EINC), V("{\"a\":", EINC),
	V("{\"a\":1", EINC), V("[1,]", ESYN), V("{\"a\":1,}", ESYN), V("{,}", ESYN),
	V("[,]", ESYN), V("[,1]", ESYN), V("{\"a\" 1}", ESYN), V("{1:2}", ESYN),
	V("{\"a\":1 \"b\":2}", ESYN), V("{'a':1}", ESYN), V("{\"a\"::1}", ESYN), V("[}", ESYN),
	V("{]", ESYN), V("{\"a\":1]", ESYN), V("[1}", ESYN), V("{a:1}", ESYN), V("{\"a\"}", ESYN),
	V("]", ESYN), V("}", ESYN), V(":", ESYN), V(",", ESYN),
	/* strings and escapes */
	V("\"\"", OK), V("\"abc\"", OK),
	V("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", OK),
	V("\"\\u0000\\u001f\\u0020\\u007F\\u00e9\\u00E9\\u20ac\\uFFFF\\uffFe\"", OK),
	V("\"\\uD83D\\uDE00\"", OK), V("\"\\udbff\\udfff\"", OK),
	VD("\"\\ud800\"", OK, JSON_ORACLE_SURROGATE), VD("\"\\udc00\"", OK, JSON_ORACLE_SURROGATE),
	VD("\"\\ud800\\u0041\"", OK, JSON_ORACLE_SURROGATE),
	VD("\"\\ud800\\ud800\\udc00\"", OK, JSON_ORACLE_SURROGATE),
	VD("\"\\udfff\\ud800\"", OK, JSON_ORACLE_SURROGATE),
	VD("{\"a\\u0000b\":1}", OK, JSON_ORACLE_NUL_KEY),
	VD("{\"\\u0000\":1}", OK, JSON_ORACLE_NUL_KEY),
	V("{\"a\":\"\\u0000\"}", OK), V("\"\x7f\"", OK),
	V("\"\x01\"", ESYN), V("\"\t\"", ESYN), V("\"\n\"", ESYN), V("\"\x1f\"", ESYN),
	V("\"\0\"", ESYN), V("\"a\rb\"", ESYN),
	V("\"\\x\"", ESYN), V("\"\\a\"", ESYN), V("\"\\'\"", ESYN), V("\"\\U0041\"", ESYN),
	V("\"\\u12\"", ESYN), V("\"\\u12G4\"", ESYN), V("\"\\u-123\"", ESYN), V("\"\\ \"", ESYN),
	V("\"\\0\"", ESYN), V("\"abc", EINC), V("\"\\", EINC), V("\"\\u00", EINC),
	V("'abc'", ESYN), V("\"a\"\"b\"", ETRL),
	/* UTF-8 */
	V("\"\xc3\xa9\"", OK), V("\"\xe2\x82\xac\"", OK), V("\"\xf0\x9f\x98\x80\"", OK),
	V("\"\xf4\x8f\xbf\xbf\"", OK), V("\"\xef\xbf\xbf\"", OK), V("\"\xee\x80\x80\"", OK),
	V("\"\xed\x9f\xbf\"", OK), V("\"\xc2\x80\"", OK), V("\"\xe0\xa0\x80\"", OK),
	V("\"\xf0\x90\x80\x80\"", OK),
	V("\"\xc0\x80\"", EUTF), V("\"\xc1\xbf\"", EUTF), V("\"\xe0\x80\x80\"", EUTF),
	V("\"\xe0\x9f\xbf\"", EUTF), V("\"\xf0\x80\x80\x80\"", EUTF), V("\"\xf0\x8f\xbf\xbf\"", EUTF),
	V("\"\xed\xa0\x80\"", EUTF), V("\"\xed\xbf\xbf\"", EUTF), V("\"\xed\xa0\x80\xed\xb0\x80\"", EUTF),
	V("\"\xf4\x90\x80\x80\"", EUTF), V("\"\xf5\x80\x80\x80\"", EUTF), V("\"\xf8\x88\x80\x80\x80\"", EUTF),
	V("\"\xff\"", EUTF), V("\"\xfe\"", EUTF), V("\"\x80\"", EUTF), V("\"\xbf\"", EUTF),
	V("\"\xc3\"", EUTF), V("\"\xe2\x82\"", EUTF), V("\"\xf0\x9f\x98\"", EUTF),
	V("\"\xc3\xc3\xa9\"", EUTF), V("\"\xe2\x28\xa1\"", EUTF), V("\"\xc3", EINC),
	V("\"\xf0\x9f", EINC), V("{\"\xc0\xaf\":1}", EUTF),
	/* non-ASCII or odd bytes outside strings */
	V("\xc3\xa9", ESYN), V("\xef\xbb\xbf{}", ESYN), V("\v1", ESYN), V("\f1", ESYN),
	V("\xc2\xa0" "1", ESYN), V("\0", ESYN), V("[1,\0]", ESYN),
	/* trailing garbage, empty */
	V("{}x", ETRL), V("{} {}", ETRL), V("[]]", ETRL), V("{}\0", ETRL), V("[1]\0", ETRL),
	VD("1\0", ETRL, JSON_ORACLE_STRAY_NUL), VD("true\0", ETRL, JSON_ORACLE_STRAY_NUL),
	VD("-1.5\0", ETRL, JSON_ORACLE_STRAY_NUL), VD("[1\0]", ESYN, JSON_ORACLE_STRAY_NUL),
	VD("{\"a\":null\0}", ESYN, JSON_ORACLE_STRAY_NUL), VD("[1\0 ,2]", ESYN, JSON_ORACLE_STRAY_NUL),
	V("[\"a\"\0]", ESYN), V("[[]\0]", ESYN), V("[1\0\0]", ESYN), V("1\0\0", ETRL), V("1 \0", ETRL),
	V("{} \n", OK), V("\"a\" ,", ETRL), V("null null", ETRL),
	V("", EEMP), V(" ", EEMP), V("  \t\r\n", EEMP),
};

static void validity_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(validity) / sizeof(validity[0]); i++) {
		const struct vcase *c = &validity[i];
		struct mcp_envelope env;
		int rc = mcp_scan(c->text, c->len, &env);
		if (c->rc == EANY)
			CHECK(bad, rc != OK, "row %zu '%s': accepted", i, tu_show(c->text, c->len, 0));
		else
			CHECK(bad, rc == c->rc, "row %zu '%s': rc %d, want %d", i,
			      tu_show(c->text, c->len, 0), rc, c->rc);
	}
	assert_int_equal(bad, 0);
}

/* The same table against jansson: they agree except where a documented
 * difference explains it (then jansson must really refuse it). */
static void validity_vs_jansson(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(validity) / sizeof(validity[0]); i++) {
		const struct vcase *c = &validity[i];
		struct mcp_envelope env;
		bool ours = mcp_scan(c->text, c->len, &env) == OK;
		int why;
		bool theirs = json_oracle_accepts(c->text, c->len, &why);
		if (c->diff) {
			CHECK(bad, ours != theirs && (why & c->diff),
			      "row %zu '%s': documented difference %d not seen (ours %d, jansson %d, "
			      "why %d)",
			      i, tu_show(c->text, c->len, 0), c->diff, ours, theirs, why);
		} else {
			CHECK(bad, ours == theirs, "row %zu '%s': scanner %s, jansson %s", i,
			      tu_show(c->text, c->len, 0), ours ? "accepts" : "rejects",
			      theirs ? "accepts" : "rejects");
		}
	}
	assert_int_equal(bad, 0);
}

/* Mutations of real messages (delete, duplicate, replace one byte with an
 * interesting one, insert escapes), each checked against jansson. */
static void mutations_vs_jansson(void **state)
{
	(void)state;
	static const char *seeds[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		"\"echo\",\"arguments\":{\"text\":\"h\\u00e9llo \\ud83d\\ude00\",\"n\":-1.5e3}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"result\":{\"tools\":[{\"name\":\"x\","
		"\"inputSchema\":{\"type\":\"object\"}}],\"ok\":true,\"none\":null}}",
		"[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
		"\"requestId\":0}},{\"a\":[0.5,10,false]}]",
		"{\"error\":{\"code\":-32601,\"message\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"},"
		"\"id\":null,\"jsonrpc\":\"2.0\"}",
	};
	static const char subst[] = "{}[]\":,\\ 0-1e.E+tfnu\x80\xc3\xed\xf4\xff\x01\t\nad";
	uint64_t seed = 12345;
	int bad = 0, rejected = 0, accepted = 0;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t n = strlen(seeds[s]);
		char buf[512];
		for (int iter = 0; iter < 4000; iter++) {
			memcpy(buf, seeds[s], n);
			size_t len = n;
			int edits = 1 + (int)(tu_rand(&seed) % 3);
			for (int e = 0; e < edits && len > 1; e++) {
				size_t at = tu_rand(&seed) % len;
				switch (tu_rand(&seed) % 4) {
				case 0: /* delete */
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
					break;
				case 1: /* duplicate */
					if (len + 1 < sizeof(buf)) {
						memmove(buf + at + 1, buf + at, len - at);
						len++;
					}
					break;
				case 2: /* replace */
					buf[at] = subst[tu_rand(&seed) % (sizeof(subst) - 1)];
					break;
				default: { /* insert an escape */
					static const char *esc[] = {"\\ud800", "\\udc00", "\\u0000",
								    "\\uD83D\\uDE00", "\\\"", "\\/"};
					const char *x = esc[tu_rand(&seed) % 6];
					size_t xl = strlen(x);
					if (len + xl < sizeof(buf)) {
						memmove(buf + at + xl, buf + at, len - at);
						memcpy(buf + at, x, xl);
						len += xl;
					}
					break;
				}
				}
			}
			struct mcp_envelope env;
			bool ours = mcp_scan(buf, len, &env) == OK;
			int why;
			bool theirs = json_oracle_accepts(buf, len, &why);
			ours ? accepted++ : rejected++;
			CHECK(bad, ours == theirs || why, "'%s': scanner %s, jansson %s",
			      tu_show(buf, len, 0), ours ? "accepts" : "rejects",
			      theirs ? "accepts" : "rejects");
			if (bad > 10)
				break;
		}
	}
	print_message("mutations: %d accepted, %d rejected\n", accepted, rejected);
	assert_int_equal(bad, 0);
}

static char *nested(size_t depth, bool objects)
{
	size_t len = objects ? depth * 6 + 1 : depth * 2;
	char *s = malloc(len + 1), *p = s;
	assert_non_null(s);
	for (size_t i = 0; i < depth; i++) {
		if (objects)
			memcpy(p, "{\"a\":", 5), p += 5;
		else
			*p++ = '[';
	}
	if (objects)
		*p++ = '0';
	for (size_t i = 0; i < depth; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	return s;
}

static void depth_limit(void **state)
{
	(void)state;
	for (int obj = 0; obj <= 1; obj++) {
		/* Objects hold a scalar, which counts as a level (as in jansson). */
		struct mcp_envelope env;
		char *s = nested(MCP_SCAN_MAX_DEPTH - (size_t)obj, obj);
		assert_int_equal(mcp_scan(s, strlen(s), &env), OK);
		free(s);
		s = nested(MCP_SCAN_MAX_DEPTH + 1 - (size_t)obj, obj);
		assert_int_equal(mcp_scan(s, strlen(s), &env), EDEP);
		int why;
		assert_false(json_oracle_accepts(s, strlen(s), &why));
		free(s);
	}
	/* 2048 empty nested arrays: jansson agrees. */
	int why;
	char *e = nested(MCP_SCAN_MAX_DEPTH, false);
	assert_true(json_oracle_accepts(e, strlen(e), &why));
	free(e);
	/* The depth error is reported at the opening bracket past the limit,
	 * and nothing further is consumed. */
	char *s = nested(MCP_SCAN_MAX_DEPTH + 5, false);
	struct mcp_scanner sc;
	mcp_scanner_init(&sc);
	assert_int_equal(mcp_scanner_feed(&sc, s, strlen(s)), EDEP);
	assert_int_equal(sc.error_offset, MCP_SCAN_MAX_DEPTH);
	assert_int_equal(mcp_scanner_finish(&sc), EDEP);
	free(s);
	/* A deep value that closes again can be followed by more siblings. */
	char *d = nested(MCP_SCAN_MAX_DEPTH - 1, false);
	size_t dl = strlen(d);
	char *w = malloc(dl * 2 + 8);
	sprintf(w, "[%s,%s]", d, d);
	struct mcp_envelope env;
	assert_int_equal(mcp_scan(w, strlen(w), &env), OK);
	assert_int_equal(env.elements, 2);
	free(w);
	free(d);
}

/* Regression: scan.h says the limit is the same
 * as jansson's, but jansson counts the innermost scalar as a level too. */
static void depth_scalar_leaf_vs_jansson(void **state)
{
	(void)state;
	int bad = 0;
	for (int obj = 0; obj <= 1; obj++) {
		char *s = nested(MCP_SCAN_MAX_DEPTH, obj);
		if (!obj) { /* put a scalar in the innermost array */
			size_t n = strlen(s);
			s = realloc(s, n + 2);
			memmove(s + MCP_SCAN_MAX_DEPTH + 1, s + MCP_SCAN_MAX_DEPTH,
				n - MCP_SCAN_MAX_DEPTH + 1);
			s[MCP_SCAN_MAX_DEPTH] = '0';
		}
		struct mcp_envelope env;
		bool ours = mcp_scan(s, strlen(s), &env) == OK;
		int why;
		bool theirs = json_oracle_accepts(s, strlen(s), &why);
		CHECK(bad, ours == theirs, "%d nested %s around a scalar: scanner %s, jansson %s",
		      MCP_SCAN_MAX_DEPTH, obj ? "objects" : "arrays", ours ? "accepts" : "rejects",
		      theirs ? "accepts" : "rejects");
		free(s);
	}
	assert_int_equal(bad, 0);
}

static void error_offsets(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int rc;
		size_t off;
	} t[] = {
		{"[1,]", ESYN, 3}, {"{\"a\":1}x", ETRL, 7}, {"\"\xc0\x80\"", EUTF, 1},
		{"\"\xe2\x28\"", EUTF, 2}, {"[01]", ESYN, 2}, {"  ", EEMP, 2}, {"[1", EINC, 2},
		{"\"a\x01\"", ESYN, 2},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mcp_scanner s;
		mcp_scanner_init(&s);
		mcp_scanner_feed(&s, t[i].text, strlen(t[i].text));
		int rc = mcp_scanner_finish(&s);
		CHECK(bad, rc == t[i].rc && s.error_offset == t[i].off,
		      "'%s': rc %d at %zu, want %d at %zu", tu_show(t[i].text, strlen(t[i].text), 0),
		      rc, s.error_offset, t[i].rc, t[i].off);
		/* The error is sticky. */
		CHECK(bad, mcp_scanner_feed(&s, "1", 1) == rc || rc == OK, "not sticky");
	}
	assert_int_equal(bad, 0);
}

/* ---- envelope ----------------------------------------------------------- */

static struct mcp_envelope scan_ok(const char *text)
{
	struct mcp_envelope env;
	int rc = mcp_scan(text, strlen(text), &env);
	if (rc != OK) {
		print_error("scan of '%s' failed: %s\n", text, mcp_scan_strerror(rc));
		fail();
	}
	return env;
}

static void span_is(const char *text, struct mcp_span sp, const char *want)
{
	if (sp.len != strlen(want) || sp.off + sp.len > strlen(text) ||
	    memcmp(text + sp.off, want, sp.len) != 0) {
		print_error("span %zu+%zu of '%s' is '%.*s', want '%s'\n", sp.off, sp.len, text,
			    (int)(sp.off + sp.len <= strlen(text) ? sp.len : 0), text + sp.off, want);
		fail();
	}
}

static void envelope_request(void **state)
{
	(void)state;
	const char *m = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
			"\"params\":{\"name\":\"echo\",\"arguments\":{\"id\":9,\"method\":\"x\"}}}";
	struct mcp_envelope env = scan_ok(m);
	assert_int_equal(env.top, MCP_JSON_OBJECT);
	assert_int_equal(env.present, MCP_M_JSONRPC | MCP_M_ID | MCP_M_METHOD | MCP_M_PARAMS);
	assert_int_equal(env.duplicate, 0);
	assert_int_equal(env.overflow, 0);
	assert_int_equal(env.id_type, MCP_JSON_NUMBER);
	assert_int_equal(env.method_type, MCP_JSON_STRING);
	assert_int_equal(env.jsonrpc_type, MCP_JSON_STRING);
	assert_int_equal(env.params_type, MCP_JSON_OBJECT);
	assert_int_equal(env.result_type, MCP_JSON_NONE);
	assert_int_equal(env.error_type, MCP_JSON_NONE);
	assert_int_equal(env.id_raw_len, 1);
	assert_memory_equal(env.id_raw, "1", 1);
	assert_int_equal(env.id_key_len, 2);
	assert_memory_equal(env.id_key, "n1", 2);
	assert_string_equal(env.method, "tools/call");
	assert_int_equal(env.method_len, 10);
	assert_string_equal(env.jsonrpc, "2.0");
	assert_int_equal(env.jsonrpc_len, 3);
	assert_true(mcp_envelope_method_is(&env, "tools/call"));
	assert_false(mcp_envelope_method_is(&env, "tools/cal"));
	assert_false(mcp_envelope_method_is(&env, "tools/calls"));
	span_is(m, env.params, "{\"name\":\"echo\",\"arguments\":{\"id\":9,\"method\":\"x\"}}");
}

static void envelope_method_escapes(void **state)
{
	(void)state;
	static const char *t[] = {
		"{\"method\":\"tools/call\"}",
		"{\"method\":\"tools\\/call\"}",
		"{\"method\":\"tools\\u002fcall\"}",
		"{\"method\":\"tools\\u002Fcall\"}",
		"{\"method\":\"\\u0074\\u006f\\u006F\\u006c\\u0073\\u002f\\u0063\\u0061\\u006c\\u006c\"}",
		"{\"\\u006dethod\":\"tools/call\"}",
		"{\"m\\u0065thod\" : \"tools\\/call\" }",
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mcp_envelope env = scan_ok(t[i]);
		CHECK(bad, mcp_envelope_method_is(&env, "tools/call"), "'%s' -> method '%s'", t[i],
		      env.method);
	}
	/* Escapes decode to the bytes a JSON parser would see. */
	struct mcp_envelope env = scan_ok("{\"method\":\"a\\u0000b\\n\\u00e9\\ud83d\\ude00\"}");
	assert_int_equal(env.method_len, 1 + 1 + 1 + 1 + 2 + 4);
	assert_memory_equal(env.method, "a\0b\n\xc3\xa9\xf0\x9f\x98\x80", 10);
	assert_false(mcp_envelope_method_is(&env, "a"));
	/* A lone surrogate is kept as WTF-8. */
	env = scan_ok("{\"method\":\"\\ud800x\"}");
	assert_int_equal(env.method_len, 4);
	assert_memory_equal(env.method, "\xed\xa0\x80x", 4);
	/* Method not a string: type recorded, nothing captured. */
	env = scan_ok("{\"method\":1}");
	assert_int_equal(env.method_type, MCP_JSON_NUMBER);
	assert_false(mcp_envelope_method_is(&env, "1"));
	/* Longest method and one byte more. */
	char big[MCP_METHOD_MAX + 32];
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"method\":\"");
	memset(big + 11, 'm', MCP_METHOD_MAX);
	strcat(big, "\"}");
	env = scan_ok(big);
	assert_int_equal(env.method_len, MCP_METHOD_MAX);
	assert_int_equal(env.overflow & MCP_M_METHOD, 0);
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"method\":\"");
	memset(big + 11, 'm', MCP_METHOD_MAX + 1);
	strcat(big, "\"}");
	env = scan_ok(big);
	assert_true(env.overflow & MCP_M_METHOD);
	assert_int_equal(env.method_len, 0);
	assert_true(env.method[0] == 0);
	assert_int_equal(bad, 0);
}

static void envelope_key_escapes(void **state)
{
	(void)state;
	struct mcp_envelope env =
		scan_ok("{\"\\u0069d\":5,\"json\\u0072pc\":\"2\\u002e0\",\"p\\u0061rams\":[1],"
			"\"\\u0072esult\":{},\"\\u0065rror\":{\"code\":1}}");
	assert_int_equal(env.present,
			 MCP_M_ID | MCP_M_JSONRPC | MCP_M_PARAMS | MCP_M_RESULT | MCP_M_ERROR);
	assert_int_equal(env.id_type, MCP_JSON_NUMBER);
	assert_memory_equal(env.id_key, "n5", 2);
	assert_string_equal(env.jsonrpc, "2.0");
	/* Keys that only look alike are not members. */
	env = scan_ok("{\"id \":1,\"Id\":2,\"ID\":3,\"i\":4,\"idd\":5,\"id\\u0000\":6,"
		      "\"methodmethodmethod\":7,\"\":8}");
	assert_int_equal(env.present, 0);
	assert_int_equal(env.id_type, MCP_JSON_NONE);
	/* A long key that starts with a member name. */
	env = scan_ok("{\"paramsparamsparamsparamsparams\":1,\"params\":2}");
	assert_int_equal(env.present, MCP_M_PARAMS);
	assert_int_equal(env.duplicate, 0);
	assert_int_equal(env.params_type, MCP_JSON_NUMBER);
}

static void envelope_duplicates(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned dup;
	} t[] = {
		{"{\"id\":1,\"id\":2}", MCP_M_ID},
		{"{\"id\":1,\"\\u0069d\":1}", MCP_M_ID},
		{"{\"method\":\"a\",\"method\":\"a\"}", MCP_M_METHOD},
		{"{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.0\"}", MCP_M_JSONRPC},
		{"{\"params\":{},\"params\":[]}", MCP_M_PARAMS},
		{"{\"result\":1,\"error\":{},\"result\":2}", MCP_M_RESULT},
		{"{\"error\":{},\"err\\u006fr\":{}}", MCP_M_ERROR},
		{"{\"id\":null,\"id\":null,\"method\":\"x\",\"method\":\"y\"}", MCP_M_ID | MCP_M_METHOD},
		/* Not envelope duplicates: */
		{"{\"x\":1,\"x\":2}", 0},
		{"{\"params\":{\"id\":1,\"id\":2}}", 0},
		{"{\"id\":1,\"params\":{\"id\":2}}", 0},
		{"[{\"id\":1},{\"id\":2}]", 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mcp_envelope env = scan_ok(t[i].text);
		CHECK(bad, env.duplicate == t[i].dup, "'%s': duplicate 0x%x, want 0x%x", t[i].text,
		      env.duplicate, t[i].dup);
	}
	/* The nested id is not the envelope id. */
	struct mcp_envelope env = scan_ok("{\"params\":{\"id\":2},\"id\":7}");
	assert_memory_equal(env.id_key, "n7", 2);
	assert_int_equal(bad, 0);
}

/* Canonical id keys. */
static int key_of(const char *raw, char *out, size_t size)
{
	return mcp_id_key_from_raw(raw, strlen(raw), out, size);
}

static void check_same_keys(int *bad, const char *const *group, size_t n)
{
	char k0[MCP_ID_MAX + 32], k[MCP_ID_MAX + 32];
	int n0 = key_of(group[0], k0, sizeof(k0));
	CHECK(*bad, n0 > 0, "no key for '%s'", group[0]);
	for (size_t i = 1; i < n; i++) {
		int ni = key_of(group[i], k, sizeof(k));
		CHECK(*bad, ni == n0 && n0 > 0 && memcmp(k, k0, (size_t)n0) == 0,
		      "'%s' -> '%s' but '%s' -> '%s'", group[i], tu_show(k, ni > 0 ? (size_t)ni : 0, 0),
		      group[0], tu_show(k0, n0 > 0 ? (size_t)n0 : 0, 1));
	}
}

static void id_key_equivalence(void **state)
{
	(void)state;
	int bad = 0;
	static const char *one[] = {"1", "1.0", "1e0", "10e-1", "1E0", "0.1e1", "100e-2", "1.000",
				    "1e+0", "0.01E2"};
	static const char *zero[] = {"0", "-0", "0.0", "-0.0", "0e10", "-0E-5", "0.000"};
	static const char *neg[] = {"-12", "-12.0", "-1.2e1", "-120e-1"};
	static const char *a[] = {"\"a\"", "\"\\u0061\"", "\"\\u0061\" "};
	static const char *slash[] = {"\"a/b\"", "\"a\\/b\"", "\"a\\u002Fb\""};
	static const char *smile[] = {"\"\xf0\x9f\x98\x80\"", "\"\\ud83d\\ude00\"",
				      "\"\\uD83D\\uDE00\""};
	static const char *big[] = {"1e16", "10000000000000000", "1.0e16", "10000000000000000.0"};
	static const char *mid[] = {"123456789012345", "123456789012345.0", "1.23456789012345e14"};
	static const char *neg15[] = {"-999999999999999", "-999999999999999.0",
				      "-9.99999999999999e14"};
	static const char *inf[] = {"1e400", "2e400", "1E999"};
	check_same_keys(&bad, one, sizeof(one) / sizeof(one[0]));
	check_same_keys(&bad, zero, sizeof(zero) / sizeof(zero[0]));
	check_same_keys(&bad, neg, sizeof(neg) / sizeof(neg[0]));
	check_same_keys(&bad, a, sizeof(a) / sizeof(a[0]));
	check_same_keys(&bad, slash, sizeof(slash) / sizeof(slash[0]));
	check_same_keys(&bad, smile, sizeof(smile) / sizeof(smile[0]));
	check_same_keys(&bad, big, sizeof(big) / sizeof(big[0]));
	check_same_keys(&bad, mid, sizeof(mid) / sizeof(mid[0]));
	check_same_keys(&bad, neg15, sizeof(neg15) / sizeof(neg15[0]));
	check_same_keys(&bad, inf, sizeof(inf) / sizeof(inf[0]));

	/* Different ids have different keys. */
	static const char *distinct[] = {
		"1", "\"1\"", "2", "-1", "1.5", "0", "\"\"", "\"\\u0000\"", "\"a\"", "\"A\"",
		"\"a \"", "\" a\"", "\"n1\"", "\"s\"", "\"0\"", "\"-0\"", "\"1.0\"", "0.5", "-0.5",
		"1e-5", "123456789012345", "123456789012346", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\udc00\"", "\"\\ud800\\ud800\"", "\"\xc3\xa9\"", "\"e\\u0301\"",
		"-1e400",
	};
	size_t nd = sizeof(distinct) / sizeof(distinct[0]);
	char keys[sizeof(distinct) / sizeof(distinct[0])][MCP_ID_MAX + 32];
	int lens[sizeof(distinct) / sizeof(distinct[0])];
	for (size_t i = 0; i < nd; i++) {
		lens[i] = key_of(distinct[i], keys[i], sizeof(keys[i]));
		CHECK(bad, lens[i] > 0, "no key for '%s'", distinct[i]);
	}
	for (size_t i = 0; i < nd; i++)
		for (size_t j = i + 1; j < nd; j++)
			CHECK(bad, lens[i] != lens[j] || memcmp(keys[i], keys[j], (size_t)lens[i]) != 0,
			      "'%s' and '%s' have the same key '%s'", distinct[i], distinct[j],
			      tu_show(keys[i], (size_t)lens[i], 0));
	assert_int_equal(bad, 0);
}

/* Regression: 16-digit integers >= 2^53 keep
 * their text while the same number written otherwise goes through a double. */
static void id_key_equivalence_above_2p53(void **state)
{
	(void)state;
	int bad = 0;
	static const char *g1[] = {"9007199254740992", "9007199254740992.0",
				   "9.007199254740992e15"};
	static const char *g2[] = {"9007199254740993", "9007199254740993.0"};
	static const char *g3[] = {"9999999999999999", "9999999999999999.0", "1e16"};
	check_same_keys(&bad, g1, 3);
	check_same_keys(&bad, g2, 2);
	check_same_keys(&bad, g3, 3);
	assert_int_equal(bad, 0);
}

static void id_key_from_raw_table(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		int len; /* -1: refused */
		const char *key;
	} t[] = {
		{"1", 2, "n1"},
		{"0", 2, "n0"},
		{"-0", 2, "n0"},
		{"-7", 3, "n-7"},
		{"\"a\"", 2, "sa"},
		{"\"\"", 1, "s"},
		{"\"\\u0061\\n\"", 3, "sa\n"},
		{" 1 ", 2, "n1"},
		{"1.5", -2, NULL}, /* any key, just not refused */
		{"null", -1, NULL},
		{"true", -1, NULL},
		{"false", -1, NULL},
		{"{}", -1, NULL},
		{"[1]", -1, NULL},
		{"", -1, NULL},
		{"  ", -1, NULL},
		{"01", -1, NULL},
		{"\"a", -1, NULL},
		{"a", -1, NULL},
		{"\"\xc0\x80\"", -1, NULL},
		{"1}", -1, NULL},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[MCP_ID_MAX + 32];
		int n = key_of(t[i].raw, out, sizeof(out));
		if (t[i].len == -2)
			CHECK(bad, n > 0, "'%s' refused", t[i].raw);
		else
			CHECK(bad, n == t[i].len && (n < 0 || !memcmp(out, t[i].key, (size_t)n)),
			      "'%s' -> %d '%s', want %d '%s'", t[i].raw, n,
			      tu_show(out, n > 0 ? (size_t)n : 0, 0), t[i].len,
			      t[i].key ? t[i].key : "");
	}
	/* The output size is honoured. */
	char out[8];
	assert_int_equal(mcp_id_key_from_raw("\"abcdef\"", 8, out, 7), 7);
	assert_int_equal(mcp_id_key_from_raw("\"abcdefg\"", 9, out, 7), -1);
	/* Longest decoded string id, one more; longest raw text, one more. */
	char raw[MCP_ID_RAW_MAX + 8];
	raw[0] = '"';
	memset(raw + 1, 'x', MCP_ID_MAX);
	raw[MCP_ID_MAX + 1] = '"';
	char key[MCP_ID_MAX + 32];
	assert_int_equal(mcp_id_key_from_raw(raw, MCP_ID_MAX + 2, key, sizeof(key)), MCP_ID_MAX + 1);
	memset(raw + 1, 'x', MCP_ID_MAX + 1);
	raw[MCP_ID_MAX + 2] = '"';
	assert_int_equal(mcp_id_key_from_raw(raw, MCP_ID_MAX + 3, key, sizeof(key)), -1);
	memset(raw, ' ', sizeof(raw));
	raw[0] = '1';
	assert_int_equal(mcp_id_key_from_raw(raw, MCP_ID_RAW_MAX, key, sizeof(key)), 2);
	assert_int_equal(mcp_id_key_from_raw(raw, MCP_ID_RAW_MAX + 1, key, sizeof(key)), -1);
	assert_int_equal(bad, 0);
}

/* Regression: raw text with more than one value. */
static void id_key_from_raw_rejects_extra_members(void **state)
{
	(void)state;
	static const char *t[] = {"1,\"x\":2", "1,\"id\":2", "\"a\" ,\"b\":1", "1,\"method\":\"x\""};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[MCP_ID_MAX + 32];
		int n = key_of(t[i], out, sizeof(out));
		CHECK(bad, n == -1, "'%s' accepted as an id: key '%s'", t[i],
		      tu_show(out, n > 0 ? (size_t)n : 0, 0));
	}
	assert_int_equal(bad, 0);
}

static void envelope_id_raw_and_types(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum mcp_json_type type;
		const char *raw;
		const char *key; /* NULL: no key */
		size_t key_len;
	} t[] = {
		{"{\"id\":0}", MCP_JSON_NUMBER, "0", "n0", 2},
		{"{\"id\": -0 }", MCP_JSON_NUMBER, "-0", "n0", 2},
		{"{\"id\":1.5E-3,\"x\":1}", MCP_JSON_NUMBER, "1.5E-3", NULL, 0},
		{"{\"id\":\"a\\u0062\\\"\"}", MCP_JSON_STRING, "\"a\\u0062\\\"\"", "sab\"", 4},
		{"{\"id\":\"\"}", MCP_JSON_STRING, "\"\"", "s", 1},
		{"{\"id\":\"\\u0000\"}", MCP_JSON_STRING, "\"\\u0000\"", "s\0", 2},
		{"{\"id\":\"\xc3\xa9\"}", MCP_JSON_STRING, "\"\xc3\xa9\"", "s\xc3\xa9", 3},
		{"{\"id\":null}", MCP_JSON_NULL, "null", NULL, 0},
		{"{\"id\":true}", MCP_JSON_TRUE, "true", NULL, 0},
		{"{\"id\":false}", MCP_JSON_FALSE, "false", NULL, 0},
		{"{\"id\":{\"a\":1}}", MCP_JSON_OBJECT, NULL, NULL, 0},
		{"{\"id\":[]}", MCP_JSON_ARRAY, NULL, NULL, 0},
		{"{\"x\":1}", MCP_JSON_NONE, "", NULL, 0},
		{"{\"id\":12345678901234567890}", MCP_JSON_NUMBER, "12345678901234567890", NULL, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mcp_envelope env = scan_ok(t[i].text);
		CHECK(bad, env.id_type == t[i].type, "'%s': id type %d, want %d", t[i].text,
		      env.id_type, t[i].type);
		if (t[i].raw)
			CHECK(bad,
			      env.id_raw_len == strlen(t[i].raw) &&
				      !memcmp(env.id_raw, t[i].raw, env.id_raw_len),
			      "'%s': raw '%s', want '%s'", t[i].text,
			      tu_show(env.id_raw, env.id_raw_len, 0), t[i].raw);
		if (t[i].key)
			CHECK(bad,
			      env.id_key_len == t[i].key_len &&
				      !memcmp(env.id_key, t[i].key, t[i].key_len),
			      "'%s': key '%s'", t[i].text, tu_show(env.id_key, env.id_key_len, 0));
		else if (t[i].type != MCP_JSON_NUMBER)
			CHECK(bad, env.id_key_len == 0, "'%s': unexpected key '%s'", t[i].text,
			      tu_show(env.id_key, env.id_key_len, 0));
		else
			CHECK(bad, env.id_key_len > 0, "'%s': no key", t[i].text);
	}
	/* Id too long: decoded > MCP_ID_MAX, or raw > MCP_ID_RAW_MAX. */
	char m[4096];
	int n = snprintf(m, sizeof(m), "{\"id\":\"%0*d\"}", MCP_ID_MAX + 1, 0);
	struct mcp_envelope env;
	assert_int_equal(mcp_scan(m, (size_t)n, &env), OK);
	assert_true(env.overflow & MCP_M_ID);
	assert_int_equal(env.id_key_len, 0);
	n = snprintf(m, sizeof(m), "{\"id\":\"%0*d\"}", MCP_ID_MAX, 0);
	assert_int_equal(mcp_scan(m, (size_t)n, &env), OK);
	assert_false(env.overflow & MCP_M_ID);
	assert_int_equal(env.id_key_len, MCP_ID_MAX + 1);
	assert_int_equal(env.id_raw_len, MCP_ID_MAX + 2);
	n = snprintf(m, sizeof(m), "{\"id\":1%0*d}", MCP_ID_RAW_MAX, 0);
	assert_int_equal(mcp_scan(m, (size_t)n, &env), OK);
	assert_true(env.overflow & MCP_M_ID);
	assert_int_equal(env.id_key_len, 0);
	/* A later id replaces an overflowed one (and is flagged duplicate). */
	n = snprintf(m, sizeof(m), "{\"id\":\"%0*d\",\"id\":2}", MCP_ID_MAX + 1, 0);
	assert_int_equal(mcp_scan(m, (size_t)n, &env), OK);
	assert_true(env.duplicate & MCP_M_ID);
	assert_false(env.overflow & MCP_M_ID);
	assert_memory_equal(env.id_key, "n2", 2);
	assert_int_equal(bad, 0);
}

static void envelope_spans(void **state)
{
	(void)state;
	const char *m = "{ \"result\" : [1, {\"a\":\"}\\\"\"}] , \"id\":1,\"error\" :{\"code\":-1}"
			" ,\"params\":\"s\\\"x\"}";
	struct mcp_envelope env = scan_ok(m);
	span_is(m, env.result, "[1, {\"a\":\"}\\\"\"}]");
	span_is(m, env.error, "{\"code\":-1}");
	span_is(m, env.params, "\"s\\\"x\"");
	assert_int_equal(env.result_type, MCP_JSON_ARRAY);
	assert_int_equal(env.error_type, MCP_JSON_OBJECT);
	assert_int_equal(env.params_type, MCP_JSON_STRING);

	static const struct {
		const char *text, *span;
		enum mcp_json_type type;
	} t[] = {
		{"{\"result\":1}", "1", MCP_JSON_NUMBER},
		{"{\"result\":-1.5e+3 }", "-1.5e+3", MCP_JSON_NUMBER},
		{"{\"result\":0,\"id\":1}", "0", MCP_JSON_NUMBER},
		{"{\"result\":true}", "true", MCP_JSON_TRUE},
		{"{\"result\":false}", "false", MCP_JSON_FALSE},
		{"{\"result\":null}", "null", MCP_JSON_NULL},
		{"{\"result\":\"\"}", "\"\"", MCP_JSON_STRING},
		{"{\"result\":{}}", "{}", MCP_JSON_OBJECT},
		{"{\"result\":[[],[{}]]}", "[[],[{}]]", MCP_JSON_ARRAY},
		{"{\"result\":\"\xf0\x9f\x98\x80\\u00e9\"}", "\"\xf0\x9f\x98\x80\\u00e9\"",
		 MCP_JSON_STRING},
		{"{\"res\\u0075lt\":\n\t{\"x\" : [ 1 ] }\n}", "{\"x\" : [ 1 ] }", MCP_JSON_OBJECT},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		env = scan_ok(t[i].text);
		span_is(t[i].text, env.result, t[i].span);
		assert_int_equal(env.result_type, t[i].type);
	}
	/* Duplicate: the span is the last value. */
	const char *d = "{\"params\":{\"a\":1},\"params\":[2]}";
	env = scan_ok(d);
	span_is(d, env.params, "[2]");
	assert_int_equal(env.params_type, MCP_JSON_ARRAY);
}

static void envelope_top_and_batches(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum mcp_json_type top;
		size_t elements;
	} t[] = {
		{"[]", MCP_JSON_ARRAY, 0},
		{"[1]", MCP_JSON_ARRAY, 1},
		{"[{\"id\":1},{\"id\":2},3]", MCP_JSON_ARRAY, 3},
		{"[[1,2],[3]]", MCP_JSON_ARRAY, 2},
		{" [ \"a\" , [ ] , { } , null , -1 ] ", MCP_JSON_ARRAY, 5},
		{"{}", MCP_JSON_OBJECT, 0},
		{"\"x\"", MCP_JSON_STRING, 0},
		{"12", MCP_JSON_NUMBER, 0},
		{"true", MCP_JSON_TRUE, 0},
		{"false", MCP_JSON_FALSE, 0},
		{"null", MCP_JSON_NULL, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mcp_envelope env = scan_ok(t[i].text);
		CHECK(bad, env.top == t[i].top && env.elements == t[i].elements,
		      "'%s': top %d elements %zu", t[i].text, env.top, env.elements);
		if (t[i].top == MCP_JSON_ARRAY)
			CHECK(bad, env.present == 0, "'%s': members captured in a batch", t[i].text);
	}
	assert_int_equal(bad, 0);
}

static void strerror_texts(void **state)
{
	(void)state;
	int codes[] = {OK, ESYN, EUTF, EDEP, ETRL, EEMP, EINC};
	for (size_t i = 0; i < 7; i++) {
		const char *s = mcp_scan_strerror(codes[i]);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, mcp_scan_strerror(codes[j]));
	}
	assert_non_null(mcp_scan_strerror(-100));
}

/* ---- incremental feeding ----------------------------------------------- */

static int env_diff(const struct mcp_envelope *a, const struct mcp_envelope *b)
{
	if (a->top != b->top || a->elements != b->elements || a->present != b->present ||
	    a->duplicate != b->duplicate || a->overflow != b->overflow)
		return 1;
	if (a->id_type != b->id_type || a->method_type != b->method_type ||
	    a->jsonrpc_type != b->jsonrpc_type || a->params_type != b->params_type ||
	    a->result_type != b->result_type || a->error_type != b->error_type)
		return 2;
	if ((a->present & MCP_M_PARAMS) &&
	    (a->params.off != b->params.off || a->params.len != b->params.len))
		return 3;
	if ((a->present & MCP_M_RESULT) &&
	    (a->result.off != b->result.off || a->result.len != b->result.len))
		return 3;
	if ((a->present & MCP_M_ERROR) &&
	    (a->error.off != b->error.off || a->error.len != b->error.len))
		return 3;
	if (a->id_raw_len != b->id_raw_len || memcmp(a->id_raw, b->id_raw, a->id_raw_len))
		return 4;
	if (a->id_key_len != b->id_key_len || memcmp(a->id_key, b->id_key, a->id_key_len))
		return 5;
	if (a->method_len != b->method_len || memcmp(a->method, b->method, a->method_len))
		return 6;
	if (a->jsonrpc_len != b->jsonrpc_len || memcmp(a->jsonrpc, b->jsonrpc, a->jsonrpc_len))
		return 7;
	return 0;
}

static int scan_pieces(const char *text, size_t len, const size_t *cuts, size_t ncuts,
		       struct mcp_scanner *s)
{
	mcp_scanner_init(s);
	size_t at = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		mcp_scanner_feed(s, text + at, end - at);
		at = end;
	}
	return mcp_scanner_finish(s);
}

static const char *const incremental_msgs[] = {
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
	"\"arguments\":{\"text\":\"h\\u00e9llo \xf0\x9f\x98\x80\"}}}",
	"{\"jsonrpc\":\"2\\u002e0\",\"\\u0069d\":\"a\\\"\\ud83d\\ude00\\ud800\",\"method\":"
	"\"tools\\/list\"}",
	"{\"id\":-12.5e-3,\"result\":[1,2,{\"x\":null}],\"jsonrpc\":\"2.0\"}",
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"bad\"}}",
	"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"},{\"jsonrpc\":\"2.0\",\"method\":\"b\"}]",
	"  {\"id\":1,\"id\":\"x\",\"method\":1,\"params\":true}  ",
	"{\"id\":12345}",
	"-0.5e10",
	"{\"id\":1,\"method\":\"x\",\"params\":{\"a\":\"\xc3\x28\"}}", /* invalid UTF-8 */
	"{\"id\":1,\"method\":\"x\" \"params\":{}}",		   /* syntax error */
	"{\"id\":1}  x",					   /* trailing */
	"{\"method\":\"\\ud83d\\ude0",				   /* incomplete */
	"{\"a\":[1,2,{\"b\":\"\\u12x4\"}]}",
};

static void incremental_every_split(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t m = 0; m < sizeof(incremental_msgs) / sizeof(incremental_msgs[0]); m++) {
		const char *t = incremental_msgs[m];
		size_t len = strlen(t);
		struct mcp_scanner one;
		int rc1 = scan_pieces(t, len, NULL, 0, &one);
		struct mcp_envelope env;
		CHECK(bad, mcp_scan(t, len, &env) == rc1 && env_diff(&env, &one.env) == 0,
		      "mcp_scan differs from the scanner on '%s'", t);
		/* single cuts and pairs of cuts */
		for (size_t i = 0; i <= len; i++) {
			for (size_t j = i; j <= len; j++) {
				size_t cuts[2] = {i, j};
				struct mcp_scanner s;
				int rc = scan_pieces(t, len, cuts, 2, &s);
				int d = env_diff(&one.env, &s.env);
				CHECK(bad, rc == rc1 && d == 0 && s.error_offset == one.error_offset,
				      "msg %zu cut %zu,%zu: rc %d/%d diff %d", m, i, j, rc, rc1, d);
				if (bad > 10)
					goto out;
			}
		}
		/* byte by byte */
		struct mcp_scanner s;
		mcp_scanner_init(&s);
		for (size_t i = 0; i < len; i++)
			mcp_scanner_feed(&s, t + i, 1);
		int rc = mcp_scanner_finish(&s);
		CHECK(bad, rc == rc1 && env_diff(&one.env, &s.env) == 0, "msg %zu byte by byte", m);
		/* empty feeds change nothing */
		mcp_scanner_init(&s);
		for (size_t i = 0; i < len; i++) {
			mcp_scanner_feed(&s, t + i, 0);
			mcp_scanner_feed(&s, t + i, 1);
		}
		rc = mcp_scanner_finish(&s);
		CHECK(bad, rc == rc1 && env_diff(&one.env, &s.env) == 0, "msg %zu with empty feeds",
		      m);
	}
out:
	assert_int_equal(bad, 0);
}

/* Regression: after an error inside a repeated
 * member's string, the envelope must still describe something that was
 * seen, and not depend on how the input was cut. */
static void envelope_after_error_is_coherent(void **state)
{
	(void)state;
	int bad = 0;
	const char *m = "{\"method\":\"tools/call\",\"method\":\"abc\x01\"}";
	struct mcp_envelope env;
	assert_int_equal(mcp_scan(m, strlen(m), &env), ESYN);
	CHECK(bad, env.method_len == 0 || (env.method_len == 10 && !memcmp(env.method, "tools/call", 10)),
	      "method '%s' (len %zu) was never in the input", tu_show(env.method, env.method_len, 0),
	      env.method_len);
	/* The fuzz_scan find: one piece vs byte by byte. */
	struct tu_buf b = {0};
	tu_buf_addf(&b, "{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.");
	for (int i = 0; i < 30; i++)
		tu_buf_add(&b, " ", 1);
	tu_buf_add(&b, "\xd1\xd1\x19\"}", 5);
	struct mcp_scanner one, bb;
	mcp_scanner_init(&one);
	mcp_scanner_feed(&one, b.p, b.len);
	int rc1 = mcp_scanner_finish(&one);
	mcp_scanner_init(&bb);
	for (size_t i = 0; i < b.len; i++)
		mcp_scanner_feed(&bb, b.p + i, 1);
	int rc2 = mcp_scanner_finish(&bb);
	assert_int_equal(rc1, rc2);
	CHECK(bad, env_diff(&one.env, &bb.env) == 0,
	      "one piece: jsonrpc '%s'/%zu, byte by byte: '%s'/%zu",
	      tu_show(one.env.jsonrpc, one.env.jsonrpc_len, 0), one.env.jsonrpc_len,
	      tu_show(bb.env.jsonrpc, bb.env.jsonrpc_len, 1), bb.env.jsonrpc_len);
	tu_buf_free(&b);
	/* An over-long raw id: the envelope must not depend on the cuts either,
	 * even when the scan succeeds. */
	char big[2048];
	int n = snprintf(big, sizeof(big), "{\"jsonrpc\":\"2.0\",\"id\":\"%01100d\",\"method\":\"x\"}",
			 0);
	mcp_scanner_init(&one);
	mcp_scanner_feed(&one, big, (size_t)n);
	assert_int_equal(mcp_scanner_finish(&one), OK);
	mcp_scanner_init(&bb);
	for (int i = 0; i < n; i++)
		mcp_scanner_feed(&bb, big + i, 1);
	assert_int_equal(mcp_scanner_finish(&bb), OK);
	assert_true(one.env.overflow & MCP_M_ID);
	CHECK(bad, one.env.id_raw_len == bb.env.id_raw_len,
	      "overflowed id: id_raw_len %zu in one piece, %zu byte by byte", one.env.id_raw_len,
	      bb.env.id_raw_len);
	assert_int_equal(bad, 0);
}

/* A long message in random pieces; the id arrives at the very end (the
 * relay scans oversized lines this way to find the id). */
static void incremental_long_message(void **state)
{
	(void)state;
	struct tu_buf b = {0};
	tu_buf_addf(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"data\":\"");
	for (int i = 0; i < 20000; i++)
		tu_buf_add(&b, i % 7 ? "abcdefg" : "\\u00e9\xc3\xa9", i % 7 ? 7 : 8);
	tu_buf_addf(&b, "\",\"list\":[");
	for (int i = 0; i < 5000; i++)
		tu_buf_addf(&b, "%s%d.5e-2", i ? "," : "", i);
	tu_buf_addf(&b, "]},\"id\":\"req-\\u0031\"}");
	struct mcp_envelope want;
	assert_int_equal(mcp_scan(b.p, b.len, &want), OK);
	assert_int_equal(want.id_key_len, 6);
	assert_memory_equal(want.id_key, "sreq-1", 6);
	uint64_t seed = 7;
	for (int rep = 0; rep < 20; rep++) {
		struct mcp_scanner s;
		mcp_scanner_init(&s);
		size_t at = 0;
		while (at < b.len) {
			size_t n = 1 + tu_rand(&seed) % (rep < 10 ? 17 : 5000);
			if (n > b.len - at)
				n = b.len - at;
			assert_int_equal(mcp_scanner_feed(&s, b.p + at, n), OK);
			at += n;
		}
		assert_int_equal(mcp_scanner_finish(&s), OK);
		assert_int_equal(env_diff(&want, &s.env), 0);
	}
	tu_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validity_table),
		cmocka_unit_test(validity_vs_jansson),
		cmocka_unit_test(mutations_vs_jansson),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(depth_scalar_leaf_vs_jansson),
		cmocka_unit_test(error_offsets),
		cmocka_unit_test(envelope_request),
		cmocka_unit_test(envelope_method_escapes),
		cmocka_unit_test(envelope_key_escapes),
		cmocka_unit_test(envelope_duplicates),
		cmocka_unit_test(envelope_id_raw_and_types),
		cmocka_unit_test(envelope_spans),
		cmocka_unit_test(envelope_top_and_batches),
		cmocka_unit_test(id_key_equivalence),
		cmocka_unit_test(id_key_equivalence_above_2p53),
		cmocka_unit_test(id_key_from_raw_table),
		cmocka_unit_test(id_key_from_raw_rejects_extra_members),
		cmocka_unit_test(strerror_texts),
		cmocka_unit_test(incremental_every_split),
		cmocka_unit_test(incremental_long_message),
		cmocka_unit_test(envelope_after_error_is_coherent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
