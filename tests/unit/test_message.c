/* tests/unit/test_message.c - mcp/message: classification, replies, filters. */
#include "testutil.h"

#include <jansson.h>
#include <stdbool.h>

#include "mcp/message.h"
#include "mcp/scan.h"

/* ---- mcp_classify -------------------------------------------------------- */

#define REQ MCP_KIND_REQUEST
#define NOTIF MCP_KIND_NOTIFICATION
#define RESP MCP_KIND_RESPONSE
#define BATCH MCP_KIND_BATCH
#define INV MCP_KIND_INVALID
#define PARSE MCP_ERR_PARSE
#define INVREQ MCP_ERR_INVALID_REQUEST

struct ccase {
	const char *text;
	size_t len;
	enum mcp_kind kind;
	int code;     /* for INV */
	int id_usable; /* -1: don't care */
};
#define C(s, k, code, u) {s, sizeof(s) - 1, k, code, u}

static const struct ccase classify_cases[] = {
	/* requests */
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/list\",\"params\":{}}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"x\",\"params\":[1,2]}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"x\"}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":-0.5e3,\"method\":\"x\"}", REQ, 0, 1),
	C("{\"method\":\"tools/call\",\"params\":{\"name\":\"a\"},\"id\":7,\"jsonrpc\":\"2.0\"}", REQ,
	  0, 1),
	C("{\"jsonrpc\":\"2\\u002e0\",\"\\u0069d\":1,\"m\\u0065thod\":\"x\"}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"extra\":{\"result\":1}}", REQ, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", REQ, 0, 1),
	/* notifications */
	C("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NOTIF, 0, 0),
	C("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}",
	  NOTIF, 0, 0),
	/* responses */
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", RESP, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":null}", RESP, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1]}", RESP, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no\"}}", RESP, 0, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse\"}}", RESP,
	  0, 0),
	/* batches */
	C("[{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]", BATCH, 0, 0),
	C("[1,2]", BATCH, 0, 0),
	C("[[]]", BATCH, 0, 0),
	C("[]", INV, INVREQ, 0),
	C(" [ ] ", INV, INVREQ, 0),
	/* parse errors: -32700 */
	C("", INV, PARSE, 0),
	C("   ", INV, PARSE, 0),
	C("{", INV, PARSE, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}x", INV, PARSE, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\x80\"}", INV, PARSE, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":01,\"method\":\"x\"}", INV, PARSE, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",}", INV, PARSE, 0),
	C("{'jsonrpc':'2.0'}", INV, PARSE, 0),
	/* not an object */
	C("1", INV, INVREQ, 0),
	C("\"x\"", INV, INVREQ, 0),
	C("null", INV, INVREQ, 0),
	C("true", INV, INVREQ, 0),
	/* jsonrpc */
	C("{\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0 \",\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\\u0000\",\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.00000000\",\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":null,\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2\",\"id\":1,\"method\":\"x\"}", INV, INVREQ, 1),
	/* id */
	C("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":false,\"method\":\"x\"}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":true,\"result\":{}}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":1,\"method\":\"x\"}", INV, INVREQ, 0),
	/* method */
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":1}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":{}}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"method\":[\"x\"]}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"method\":\"x\"}", INV, INVREQ, 1),
	/* params */
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":1}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"a\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":null}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":true}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":false}", INV, INVREQ, 0),
	/* result / error */
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1}}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\"}", INV, INVREQ, 0),
	C("{}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"result\":{}}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1}}", INV, INVREQ, 0),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":1}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"bad\"}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":null}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"result\":{}}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"error\":{}}", INV, INVREQ, 1),
	C("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"result\":2}", INV, INVREQ, 1),
};

static void classify_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
		const struct ccase *c = &classify_cases[i];
		struct mcp_envelope env;
		int rc = mcp_scan(c->text, c->len, &env);
		struct mcp_class cl;
		memset(&cl, 0x5a, sizeof(cl));
		mcp_classify(rc, &env, &cl);
		CHECK(bad, cl.kind == c->kind, "'%s': kind %d, want %d (%s)", c->text, cl.kind, c->kind,
		      cl.reason ? cl.reason : "");
		if (c->kind == INV) {
			CHECK(bad, cl.error_code == c->code, "'%s': code %d, want %d", c->text,
			      cl.error_code, c->code);
			CHECK(bad, cl.reason && *cl.reason, "'%s': no reason", c->text);
		}
		if (c->id_usable >= 0)
			CHECK(bad, cl.id_usable == (c->id_usable == 1), "'%s': id_usable %d, want %d",
			      c->text, cl.id_usable, c->id_usable);
	}
	assert_int_equal(bad, 0);
}

static void classify_long_members(void **state)
{
	(void)state;
	char m[4096];
	struct mcp_envelope env;
	struct mcp_class cl;
	/* Method name too long. */
	int n = snprintf(m, sizeof(m), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%0*d\"}",
			 MCP_METHOD_MAX + 1, 0);
	mcp_classify(mcp_scan(m, (size_t)n, &env), &env, &cl);
	assert_int_equal(cl.kind, INV);
	assert_int_equal(cl.error_code, INVREQ);
	assert_true(cl.id_usable);
	n = snprintf(m, sizeof(m), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%0*d\"}",
		     MCP_METHOD_MAX, 0);
	mcp_classify(mcp_scan(m, (size_t)n, &env), &env, &cl);
	assert_int_equal(cl.kind, REQ);
	/* Id too long: invalid, and the id cannot be echoed. */
	n = snprintf(m, sizeof(m), "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"x\"}",
		     MCP_ID_MAX + 1, 0);
	mcp_classify(mcp_scan(m, (size_t)n, &env), &env, &cl);
	assert_int_equal(cl.kind, INV);
	assert_int_equal(cl.error_code, INVREQ);
	assert_false(cl.id_usable);
	n = snprintf(m, sizeof(m), "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"x\"}",
		     MCP_ID_MAX, 0);
	mcp_classify(mcp_scan(m, (size_t)n, &env), &env, &cl);
	assert_int_equal(cl.kind, REQ);
	assert_true(cl.id_usable);
}

static void server_to_client_methods(void **state)
{
	(void)state;
	assert_true(mcp_is_server_to_client_method("roots/list"));
	assert_true(mcp_is_server_to_client_method("sampling/createMessage"));
	assert_true(mcp_is_server_to_client_method("elicitation/create"));
	assert_true(mcp_is_server_to_client_method("ping"));
	assert_false(mcp_is_server_to_client_method("tools/call"));
	assert_false(mcp_is_server_to_client_method(""));
	assert_false(mcp_is_server_to_client_method("Ping"));
	assert_false(mcp_is_server_to_client_method("roots/list "));
}

/* ---- reply builders ------------------------------------------------------ */

/* The reply starts with {"jsonrpc":"2.0","id":RAW, byte for byte. */
static void check_prefix(int *bad, const char *out, size_t len, const char *raw, size_t raw_len)
{
	static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	CHECK(*bad, len == strlen(out), "len %zu but strlen %zu", len, strlen(out));
	CHECK(*bad, strncmp(out, pre, sizeof(pre) - 1) == 0, "'%s': wrong prefix", out);
	const char *r = raw ? raw : "null";
	size_t rl = raw ? raw_len : 4;
	CHECK(*bad, len > sizeof(pre) - 1 + rl && memcmp(out + sizeof(pre) - 1, r, rl) == 0 &&
			    out[sizeof(pre) - 1 + rl] == ',',
	      "'%s': id is not '%.*s' byte for byte", out, (int)rl, r);
	CHECK(*bad, memchr(out, '\n', len) == NULL, "'%s': contains a newline", out);
}

static const char *const raw_ids[] = {
	"1", "0", "-0", "-7", "1.5e3", "12345678901234567890", "\"a\"", "\"\"", "\"a\\u0062\"",
	"\"x\\\"y\"", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"", "\"\\u0000\"", "\"a/b\\/c\"", NULL,
};

static void build_error_keeps_raw_id(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(raw_ids) / sizeof(raw_ids[0]); i++) {
		const char *raw = raw_ids[i];
		size_t rl = raw ? strlen(raw) : 0;
		size_t len = 0;
		const char *msg = "assay-gateway denied it: \"quoted\" \\ \x01 \xc3\xa9 \xf0\x9f\x98\x80";
		char *out = mcp_build_error(raw, rl, MCP_ERR_DENIED, msg, &len);
		assert_non_null(out);
		check_prefix(&bad, out, len, raw, rl);
		json_error_t e;
		json_t *j = mcp_json_parse(out, len, &e);
		CHECK(bad, j != NULL, "'%s' does not parse: %s", out, e.text);
		if (j) {
			CHECK(bad, json_object_size(j) == 3, "'%s': extra members", out);
			CHECK(bad, json_is_string(json_object_get(j, "jsonrpc")) &&
					   !strcmp(json_string_value(json_object_get(j, "jsonrpc")), "2.0"),
			      "'%s': jsonrpc", out);
			json_t *err = json_object_get(j, "error");
			CHECK(bad, json_number_value(json_object_get(err, "code")) == (double)MCP_ERR_DENIED,
			      "'%s': code", out);
			json_t *m = json_object_get(err, "message");
			CHECK(bad, json_is_string(m) && !strcmp(json_string_value(m), msg),
			      "'%s': message", out);
			json_t *id = json_object_get(j, "id");
			if (!raw) {
				CHECK(bad, json_is_null(id), "'%s': id not null", out);
			} else {
				json_t *want = mcp_json_parse(raw, rl, NULL);
				CHECK(bad, want && json_equal(want, id), "'%s': id differs", out);
				json_decref(want);
			}
			json_decref(j);
		}
		/* The envelope scanner reads the same id key back. */
		struct mcp_envelope env;
		CHECK(bad, mcp_scan(out, len, &env) == MCP_SCAN_OK, "'%s': scan fails", out);
		if (raw) {
			char key[MCP_ID_MAX + 32];
			int kl = mcp_id_key_from_raw(raw, rl, key, sizeof(key));
			CHECK(bad, kl > 0 && (size_t)kl == env.id_key_len &&
					   !memcmp(key, env.id_key, (size_t)kl),
			      "'%s': id key changed", out);
		}
		struct mcp_class cl;
		mcp_classify(MCP_SCAN_OK, &env, &cl);
		CHECK(bad, cl.kind == MCP_KIND_RESPONSE, "'%s': not a response (%s)", out,
		      cl.reason ? cl.reason : "");
		free(out);
	}
	/* A lone surrogate id (valid for the scanner, not for jansson) is still
	 * echoed byte for byte. */
	size_t len;
	char *out = mcp_build_error("\"\\ud800\"", 8, -32600, "x", &len);
	assert_non_null(out);
	check_prefix(&bad, out, len, "\"\\ud800\"", 8);
	free(out);
	assert_int_equal(bad, 0);
}

static const char *str_or_empty(const json_t *j)
{
	const char *s = json_string_value(j);
	return s ? s : "";
}

static void build_tool_error_keeps_raw_id(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(raw_ids) / sizeof(raw_ids[0]); i++) {
		const char *raw = raw_ids[i];
		size_t rl = raw ? strlen(raw) : 0;
		size_t len = 0;
		const char *text = "denied 'write_file': it matches --deny-tool 'write_*'\n\t\"x\"";
		char *out = mcp_build_tool_error(raw, rl, text, &len);
		assert_non_null(out);
		check_prefix(&bad, out, len, raw, rl);
		json_error_t e;
		json_t *j = mcp_json_parse(out, len, &e);
		CHECK(bad, j != NULL, "'%s' does not parse: %s", out, e.text);
		json_t *res = json_object_get(j, "result");
		json_t *c0 = json_array_get(json_object_get(res, "content"), 0);
		CHECK(bad, json_array_size(json_object_get(res, "content")) == 1, "'%s': content",
		      out);
		CHECK(bad, !strcmp(str_or_empty(json_object_get(c0, "type")), "text"),
		      "'%s': type", out);
		CHECK(bad, !strcmp(str_or_empty(json_object_get(c0, "text")), text),
		      "'%s': text", out);
		CHECK(bad, json_is_true(json_object_get(res, "isError")), "'%s': isError", out);
		CHECK(bad, json_object_get(j, "error") == NULL, "'%s': has error", out);
		json_decref(j);
		free(out);
	}
	assert_int_equal(bad, 0);
}

/* Regression: text that is not valid UTF-8 (for
 * example cut in the middle of a character by snprintf) must still give a
 * reply, or the denied request is never answered. */
static void build_error_invalid_utf8_text(void **state)
{
	(void)state;
	static const char *texts[] = {"\xc3", "a\xc3", "denied '\xe2\x82' (rule x)", "\xff\xfe",
				      "\xed\xa0\x80", "ok \xf0\x9f\x98"};
	int bad = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = 0;
		char *a = mcp_build_error("1", 1, MCP_ERR_DENIED, texts[i], &len);
		CHECK(bad, a != NULL, "mcp_build_error('%s') returned NULL",
		      tu_show(texts[i], strlen(texts[i]), 0));
		if (a) {
			json_t *j = json_loadb(a, len, 0, NULL);
			CHECK(bad, j != NULL, "'%s' is not valid JSON", tu_show(a, len, 0));
			json_decref(j);
			check_prefix(&bad, a, len, "1", 1);
		}
		free(a);
		char *b = mcp_build_tool_error("\"x\"", 3, texts[i], &len);
		CHECK(bad, b != NULL, "mcp_build_tool_error('%s') returned NULL",
		      tu_show(texts[i], strlen(texts[i]), 0));
		if (b) {
			json_t *j = json_loadb(b, len, 0, NULL);
			CHECK(bad, j != NULL, "'%s' is not valid JSON", tu_show(b, len, 0));
			json_decref(j);
			check_prefix(&bad, b, len, "\"x\"", 3);
		}
		free(b);
	}
	assert_int_equal(bad, 0);
}

static void build_error_codes(void **state)
{
	(void)state;
	static const int codes[] = {MCP_ERR_PARSE,	    MCP_ERR_INVALID_REQUEST,
				    MCP_ERR_METHOD_NOT_FOUND, MCP_ERR_INVALID_PARAMS,
				    MCP_ERR_INTERNAL,	    MCP_ERR_DENIED,
				    MCP_ERR_SERVER_EXITED,    MCP_ERR_TOO_LARGE,
				    MCP_ERR_TOO_MANY_PENDING, 0};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		size_t len;
		char *out = mcp_build_error("5", 1, codes[i], "", &len);
		assert_non_null(out);
		json_t *j = json_loadb(out, len, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "error"), "code")),
				 codes[i]);
		assert_string_equal(
			json_string_value(json_object_get(json_object_get(j, "error"), "message")), "");
		json_decref(j);
		free(out);
	}
	/* The gateway's codes are distinct and outside the SDK's -32000/-32001. */
	for (size_t i = 5; i < 9; i++) {
		assert_true(codes[i] != -32000 && codes[i] != -32001);
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(codes[i], codes[k]);
	}
}

/* ---- filters ------------------------------------------------------------- */

struct keep_ctx {
	const char *reject[8];
	size_t seen;
	char names[16][32];
	size_t lens[16];
};

static bool keep_fn(void *ctx, const char *name, size_t len)
{
	struct keep_ctx *k = ctx;
	if (k->seen < 16) {
		memcpy(k->names[k->seen], name, len < 31 ? len : 31);
		k->lens[k->seen] = len;
	}
	k->seen++;
	for (size_t i = 0; i < 8 && k->reject[i]; i++)
		if (strlen(k->reject[i]) == len && memcmp(k->reject[i], name, len) == 0)
			return false;
	return true;
}

static json_t *parse_or_fail(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &e);
	if (!j) {
		print_error("'%s': %s\n", text, e.text);
		fail();
	}
	return j;
}

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	return s;
}

static void filter_tools(void **state)
{
	(void)state;
	json_t *r = parse_or_fail(
		"{\"tools\":[{\"name\":\"read_file\"},{\"name\":\"write_file\",\"x\":1},"
		"{\"name\":\"delete\"},{\"description\":\"no name\"},{\"name\":5},"
		"{\"name\":\"a\\u0000b\"},7,{\"name\":\"write_file\"}],\"nextCursor\":\"c\"}");
	struct keep_ctx k = {.reject = {"write_file", "", "delete"}};
	assert_int_equal(mcp_filter_tools(r, keep_fn, &k), 6);
	char *s = dump(r);
	assert_string_equal(s, "{\"tools\":[{\"name\":\"read_file\"},{\"name\":\"a\\u0000b\"}],"
			       "\"nextCursor\":\"c\"}");
	free(s);
	/* keep saw every element once, with exact lengths. */
	assert_int_equal(k.seen, 8);
	assert_int_equal(k.lens[5], 3);
	assert_memory_equal(k.names[5], "a\0b", 3);
	assert_int_equal(k.lens[3], 0);
	assert_int_equal(k.lens[4], 0);
	json_decref(r);

	/* Nothing rejected: unchanged. */
	r = parse_or_fail("{\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
	struct keep_ctx none = {.reject = {NULL}};
	assert_int_equal(mcp_filter_tools(r, keep_fn, &none), 0);
	s = dump(r);
	assert_string_equal(s, "{\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
	free(s);
	json_decref(r);

	/* Everything rejected. */
	r = parse_or_fail("{\"tools\":[{\"name\":\"a\"},{\"name\":\"a\"},{\"name\":\"a\"}]}");
	struct keep_ctx all = {.reject = {"a"}};
	assert_int_equal(mcp_filter_tools(r, keep_fn, &all), 3);
	s = dump(r);
	assert_string_equal(s, "{\"tools\":[]}");
	free(s);
	json_decref(r);

	/* No tools array: -1 and nothing changes. */
	static const char *no_array[] = {"{}", "{\"tools\":{}}", "{\"tools\":null}",
					 "{\"tools\":\"a\"}", "{\"Tools\":[]}", "[]"};
	for (size_t i = 0; i < sizeof(no_array) / sizeof(no_array[0]); i++) {
		r = parse_or_fail(no_array[i]);
		assert_int_equal(mcp_filter_tools(r, keep_fn, &all), -1);
		s = dump(r);
		json_t *again = parse_or_fail(no_array[i]);
		char *s2 = dump(again);
		assert_string_equal(s, s2);
		free(s);
		free(s2);
		json_decref(again);
		json_decref(r);
	}
	assert_int_equal(mcp_filter_tools(NULL, keep_fn, &all), -1);

	/* Other lists. */
	r = parse_or_fail("{\"resources\":[{\"uri\":\"file:///a\"},{\"uri\":\"file:///etc/passwd\","
			  "\"name\":\"a\"}],\"tools\":[{\"name\":\"file:///a\"}]}");
	struct keep_ctx res = {.reject = {"file:///etc/passwd"}};
	assert_int_equal(mcp_filter_named(r, "resources", "uri", keep_fn, &res), 1);
	s = dump(r);
	assert_string_equal(s, "{\"resources\":[{\"uri\":\"file:///a\"}],\"tools\":[{\"name\":"
			       "\"file:///a\"}]}");
	free(s);
	json_decref(r);
}

/* ---- mcp_json_parse ------------------------------------------------------ */

static void json_parse_flags(void **state)
{
	(void)state;
	json_error_t e;
	static const char *dups[] = {"{\"a\":1,\"a\":2}", "{\"x\":{\"a\":1,\"a\":1}}",
				     "[{\"b\":[],\"b\":[]}]", "{\"a\":1,\"\\u0061\":2}"};
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		assert_null(mcp_json_parse(dups[i], strlen(dups[i]), &e));
		assert_int_equal(json_error_code(&e), json_error_duplicate_key);
		assert_null(mcp_json_parse(dups[i], strlen(dups[i]), NULL));
	}
	/* \u0000 in strings, any top-level value. */
	json_t *j = mcp_json_parse("\"a\\u0000b\"", 10, &e);
	assert_non_null(j);
	assert_int_equal(json_string_length(j), 3);
	json_decref(j);
	j = mcp_json_parse("17", 2, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(j), 17);
	json_decref(j);
	j = mcp_json_parse("null", 4, NULL);
	assert_true(json_is_null(j));
	json_decref(j);
	/* Length honoured: a prefix of a longer text. */
	j = mcp_json_parse("[1]xxxx", 3, NULL);
	assert_non_null(j);
	json_decref(j);
	/* Errors. */
	assert_null(mcp_json_parse("{", 1, &e));
	assert_null(mcp_json_parse("", 0, NULL));
	assert_null(mcp_json_parse("[1,]", 4, NULL));
	assert_null(mcp_json_parse("1e400", 5, &e));
}

static void json_parse_huge_integer(void **state)
{
	(void)state;
	json_error_t e;
	const char *t = "{\"requestId\":123456789012345678901234567890,\"small\":5,"
			"\"neg\":-99999999999999999999}";
	json_t *j = mcp_json_parse(t, strlen(t), &e);
	assert_non_null(j);
	json_t *big = json_object_get(j, "requestId");
	assert_true(json_is_real(big));
	assert_true(json_real_value(big) > 1.2345678901234e29 &&
		    json_real_value(big) < 1.2345678901235e29);
	assert_true(json_real_value(json_object_get(j, "neg")) < -9.9e19);
	/* The rest of the document is read with the same flag. */
	assert_true(json_number_value(json_object_get(j, "small")) == 5.0);
	json_decref(j);
	/* Largest int64 stays an integer. */
	j = mcp_json_parse("9223372036854775807", 19, NULL);
	assert_true(json_is_integer(j));
	assert_true(json_integer_value(j) == INT64_MAX);
	json_decref(j);
	j = mcp_json_parse("9223372036854775808", 19, NULL);
	assert_true(json_is_real(j));
	json_decref(j);
	/* Duplicate keys are still rejected on the retry. */
	t = "{\"a\":123456789012345678901234567890,\"a\":1}";
	assert_null(mcp_json_parse(t, strlen(t), &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify_table),
		cmocka_unit_test(classify_long_members),
		cmocka_unit_test(server_to_client_methods),
		cmocka_unit_test(build_error_keeps_raw_id),
		cmocka_unit_test(build_tool_error_keeps_raw_id),
		cmocka_unit_test(build_error_invalid_utf8_text),
		cmocka_unit_test(build_error_codes),
		cmocka_unit_test(filter_tools),
		cmocka_unit_test(json_parse_flags),
		cmocka_unit_test(json_parse_huge_integer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
