/* tests/fuzz/fuzz_scan.c - mcp/scan (and mcp_classify) on arbitrary bytes.
 *
 * The whole input is one message.
 *
 * Invariants:
 *  - feeding the message in pieces (cut at two positions derived from the
 *    input, and byte by byte for short inputs) gives the same result, error
 *    offset and envelope as mcp_scan in one piece;
 *  - jansson agrees on validity, except for the documented differences of
 *    json_oracle.h (lone surrogate escapes, NUL in keys, number range,
 *    jansson's stray-NUL quirk);
 *  - when both accept an object, the envelope matches jansson's reading of
 *    it: the members present, their types, the decoded method / jsonrpc /
 *    string id, and the params/result/error spans parse to the same values;
 *  - mcp_classify is consistent with the envelope, and for a usable id the
 *    error reply built with mcp_build_error scans as a response with the
 *    same canonical id key, which mcp_id_key_from_raw also gives.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_oracle.h"
#include "mcp/message.h"
#include "mcp/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "fuzz_scan: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* The whole envelope, capture buffers included: also after an error or an
 * overflow it must not depend on the cuts (a regression test). */
static bool same_env(const struct mcp_envelope *a, const struct mcp_envelope *b)
{
	if (a->top != b->top || a->elements != b->elements || a->present != b->present ||
	    a->duplicate != b->duplicate || a->overflow != b->overflow || a->id_type != b->id_type ||
	    a->method_type != b->method_type || a->jsonrpc_type != b->jsonrpc_type ||
	    a->params_type != b->params_type || a->result_type != b->result_type ||
	    a->error_type != b->error_type)
		return false;
	if ((a->present & MCP_M_PARAMS) &&
	    (a->params.off != b->params.off || a->params.len != b->params.len))
		return false;
	if ((a->present & MCP_M_RESULT) &&
	    (a->result.off != b->result.off || a->result.len != b->result.len))
		return false;
	if ((a->present & MCP_M_ERROR) &&
	    (a->error.off != b->error.off || a->error.len != b->error.len))
		return false;
	return a->id_raw_len == b->id_raw_len && !memcmp(a->id_raw, b->id_raw, a->id_raw_len) &&
	       a->id_key_len == b->id_key_len && !memcmp(a->id_key, b->id_key, a->id_key_len) &&
	       a->method_len == b->method_len && !memcmp(a->method, b->method, a->method_len) &&
	       a->jsonrpc_len == b->jsonrpc_len && !memcmp(a->jsonrpc, b->jsonrpc, a->jsonrpc_len);
}

static int scan_cut(const char *s, size_t n, const size_t *cuts, size_t ncuts,
		    struct mcp_scanner *sc)
{
	mcp_scanner_init(sc);
	size_t at = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n;
		mcp_scanner_feed(sc, s + at, end - at);
		at = end;
	}
	return mcp_scanner_finish(sc);
}

static enum mcp_json_type jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return MCP_JSON_OBJECT;
	case JSON_ARRAY: return MCP_JSON_ARRAY;
	case JSON_STRING: return MCP_JSON_STRING;
	case JSON_INTEGER:
	case JSON_REAL: return MCP_JSON_NUMBER;
	case JSON_TRUE: return MCP_JSON_TRUE;
	case JSON_FALSE: return MCP_JSON_FALSE;
	case JSON_NULL: return MCP_JSON_NULL;
	}
	return MCP_JSON_NONE;
}

static void check_span(const char *s, struct mcp_span sp, const json_t *want)
{
	json_t *got = json_loadb(s + sp.off, sp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	CHECK(got != NULL);
	CHECK(json_equal(got, want));
	json_decref(got);
}

/* Compare the envelope with jansson's tree of the same object. */
static void check_against_tree(const char *s, const struct mcp_envelope *env, json_t *root)
{
	static const struct {
		const char *name;
		unsigned bit;
	} m[] = {{"jsonrpc", MCP_M_JSONRPC}, {"id", MCP_M_ID},	     {"method", MCP_M_METHOD},
		 {"params", MCP_M_PARAMS},   {"result", MCP_M_RESULT}, {"error", MCP_M_ERROR}};
	CHECK(env->top == jtype(root));
	if (json_is_array(root))
		CHECK(env->elements == json_array_size(root));
	if (!json_is_object(root))
		return;
	for (size_t i = 0; i < 6; i++) {
		json_t *v = json_object_get(root, m[i].name);
		CHECK(!!(env->present & m[i].bit) == (v != NULL));
		if (!v)
			continue;
		enum mcp_json_type t = jtype(v);
		switch (m[i].bit) {
		case MCP_M_JSONRPC:
			CHECK(env->jsonrpc_type == t);
			if (t == MCP_JSON_STRING && json_string_length(v) < sizeof(env->jsonrpc))
				CHECK(env->jsonrpc_len == json_string_length(v) &&
				      !memcmp(env->jsonrpc, json_string_value(v), env->jsonrpc_len));
			break;
		case MCP_M_ID:
			CHECK(env->id_type == t);
			if (t == MCP_JSON_STRING && !(env->overflow & MCP_M_ID)) {
				CHECK(env->id_key_len == json_string_length(v) + 1);
				CHECK(env->id_key[0] == 's');
				CHECK(!memcmp(env->id_key + 1, json_string_value(v),
					      json_string_length(v)));
			}
			break;
		case MCP_M_METHOD:
			CHECK(env->method_type == t);
			if (t == MCP_JSON_STRING) {
				size_t l = json_string_length(v);
				if (l <= MCP_METHOD_MAX)
					CHECK(env->method_len == l &&
					      !memcmp(env->method, json_string_value(v), l) &&
					      !(env->overflow & MCP_M_METHOD));
				else
					CHECK(env->overflow & MCP_M_METHOD);
			}
			break;
		case MCP_M_PARAMS:
			CHECK(env->params_type == t);
			check_span(s, env->params, v);
			break;
		case MCP_M_RESULT:
			CHECK(env->result_type == t);
			check_span(s, env->result, v);
			break;
		case MCP_M_ERROR:
			CHECK(env->error_type == t);
			check_span(s, env->error, v);
			break;
		}
	}
}

static void check_classify(int rc, const struct mcp_envelope *env)
{
	struct mcp_class cl;
	mcp_classify(rc, env, &cl);
	if (rc != MCP_SCAN_OK) {
		CHECK(cl.kind == MCP_KIND_INVALID && cl.error_code == MCP_ERR_PARSE);
		CHECK(!cl.id_usable);
	}
	if (cl.kind == MCP_KIND_INVALID) {
		CHECK(cl.error_code == MCP_ERR_PARSE || cl.error_code == MCP_ERR_INVALID_REQUEST);
		CHECK(cl.reason != NULL && cl.reason[0] != '\0');
	}
	switch (cl.kind) {
	case MCP_KIND_REQUEST:
		CHECK(cl.id_usable);
		/* fallthrough */
	case MCP_KIND_NOTIFICATION:
		CHECK(env->top == MCP_JSON_OBJECT && env->method_type == MCP_JSON_STRING);
		CHECK(!(env->present & (MCP_M_RESULT | MCP_M_ERROR)));
		CHECK(env->jsonrpc_len == 3 && !memcmp(env->jsonrpc, "2.0", 3));
		CHECK(env->duplicate == 0);
		CHECK(!!(env->present & MCP_M_ID) == (cl.kind == MCP_KIND_REQUEST));
		break;
	case MCP_KIND_RESPONSE:
		CHECK(env->top == MCP_JSON_OBJECT && !(env->present & MCP_M_METHOD));
		CHECK(!!(env->present & MCP_M_RESULT) != !!(env->present & MCP_M_ERROR));
		CHECK(env->present & MCP_M_ID);
		CHECK(env->duplicate == 0);
		break;
	case MCP_KIND_BATCH:
		CHECK(env->top == MCP_JSON_ARRAY && env->elements > 0);
		break;
	default:
		break;
	}
	if (!cl.id_usable)
		return;
	CHECK(env->id_key_len > 0);
	/* The raw id gives the same key on its own... */
	char key[MCP_ID_MAX + 32];
	int kl = mcp_id_key_from_raw(env->id_raw, env->id_raw_len, key, sizeof(key));
	CHECK(kl > 0 && (size_t)kl == env->id_key_len && !memcmp(key, env->id_key, (size_t)kl));
	/* ...and echoed in a reply. */
	size_t len;
	char *reply = mcp_build_error(env->id_raw, env->id_raw_len, MCP_ERR_DENIED, "denied", &len);
	CHECK(reply != NULL);
	CHECK(strlen(reply) == len);
	struct mcp_envelope renv;
	CHECK(mcp_scan(reply, len, &renv) == MCP_SCAN_OK);
	struct mcp_class rcl;
	mcp_classify(MCP_SCAN_OK, &renv, &rcl);
	CHECK(rcl.kind == MCP_KIND_RESPONSE && rcl.id_usable);
	CHECK(renv.id_key_len == env->id_key_len &&
	      !memcmp(renv.id_key, env->id_key, env->id_key_len));
	CHECK(renv.id_raw_len == env->id_raw_len &&
	      !memcmp(renv.id_raw, env->id_raw, env->id_raw_len));
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mcp_scanner one;
	int rc = scan_cut(s, size, NULL, 0, &one);
	struct mcp_envelope env;
	CHECK(mcp_scan(s, size, &env) == rc);
	CHECK(same_env(&env, &one.env));

	/* Incremental feeding. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	size_t cuts[2] = {size ? h % (size + 1) : 0, size ? (h >> 16) % (size + 1) : 0};
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	struct mcp_scanner two;
	CHECK(scan_cut(s, size, cuts, 2, &two) == rc);
	CHECK(two.error_offset == one.error_offset);
	CHECK(same_env(&two.env, &one.env));
	if (size <= 256) {
		struct mcp_scanner bb;
		mcp_scanner_init(&bb);
		for (size_t i = 0; i < size; i++)
			mcp_scanner_feed(&bb, s + i, 1);
		CHECK(mcp_scanner_finish(&bb) == rc);
		CHECK(bb.error_offset == one.error_offset);
		CHECK(same_env(&bb.env, &one.env));
	}

	/* jansson as the oracle. */
	int why;
	bool theirs = json_oracle_accepts(s, size, &why);
	bool ours = rc == MCP_SCAN_OK;
	if (ours != theirs && !why) {
		fprintf(stderr, "fuzz_scan: scanner %s (%s), jansson %s\n",
			ours ? "accepts" : "rejects", mcp_scan_strerror(rc),
			theirs ? "accepts" : "rejects");
		abort();
	}
	if (ours && theirs) {
		json_t *root = json_loadb(s, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		CHECK(root != NULL);
		check_against_tree(s, &env, root);
		json_decref(root);
	}

	check_classify(rc, &env);
	return 0;
}
