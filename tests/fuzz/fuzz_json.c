/* tests/fuzz/fuzz_json.c - mcp_json_parse and its fast reader against
 * jansson on arbitrary bytes.
 *
 * The whole input is one JSON text.  The reference is json_loadb with the
 * relay's flags (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY),
 * read again with JSON_DECODE_INT_AS_REAL when it refuses a number out of
 * range.  "The same tree" means json_equal() and byte-identical
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY), which also compares the order
 * of keys and integer against real.
 *
 * Invariants:
 *  - mcp_json_parse accepts exactly what the reference accepts, with the
 *    same tree; when it refuses, |err| is the reference's error (text,
 *    line, column, position, code); when it accepts, |err| is what
 *    json_loadb leaves after a success;
 *  - mcp_json_parse_fast:
 *    OK: the reference accepts, with the same tree;
 *    INVALID: the reference refuses, except for jansson's stray NUL (a raw
 *      NUL byte right after a number or literal, which jansson skips):
 *      then the text holds a NUL byte and, without its NUL bytes, the fast
 *      reader accepts it with the reference's tree (or leaves it to
 *      json_loadb, as below, which gives that tree);
 *    UNSUPPORTED: only for an integer out of int64 range (the reference's
 *      first reading refuses it as a numeric overflow, or for what it reads
 *      first: invalid UTF-8 right after it, or a duplicate key before it) or
 *      a number of 64 characters or more.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/json.h"
#include "mcp/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "fuzz_json: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                   \
		}                                                                  \
	} while (0)

static const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY;

/* The reference reading; |*first| gets the error of the first attempt. */
static json_t *reference(const char *s, size_t n, json_error_t *err, json_error_t *first)
{
	json_t *j = json_loadb(s, n, flags, err);
	*first = *err;
	if (!j && json_error_code(err) == json_error_numeric_overflow)
		j = json_loadb(s, n, flags | JSON_DECODE_INT_AS_REAL, err);
	return j;
}

static bool same_tree(json_t *a, json_t *b)
{
	if (!a || !b || !json_equal(a, b))
		return false;
	char *da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	char *db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
	bool same = da && db && strcmp(da, db) == 0;
	free(da);
	free(db);
	return same;
}

/* A run of 64 or more bytes that can make up a number. */
static bool has_long_number(const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = strchr("0123456789+-.eE", s[i]) && s[i] ? run + 1 : 0;
		if (run >= 64)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	json_error_t ref_err, first, got_err;
	memset(&ref_err, 0, sizeof(ref_err));
	json_t *ref = reference(s, size, &ref_err, &first);

	/* The public function: jansson's verdict, tree and error. */
	json_t *got = mcp_json_parse(s, size, &got_err);
	CHECK(!ref == !got);
	if (ref) {
		CHECK(same_tree(ref, got));
		CHECK(got_err.text[0] == '\0' && got_err.line == -1 && got_err.column == -1);
		CHECK(got_err.position == ref_err.position);
		CHECK(strcmp(got_err.source, ref_err.source) == 0);
	} else {
		CHECK(strcmp(got_err.text, ref_err.text) == 0);
		CHECK(json_error_code(&got_err) == json_error_code(&ref_err));
		CHECK(got_err.line == ref_err.line && got_err.column == ref_err.column);
		CHECK(got_err.position == ref_err.position);
	}
	json_decref(got);
	got = mcp_json_parse(s, size, NULL);
	CHECK(!ref == !got);
	json_decref(got);

	/* The fast reader on its own. */
	json_t *fast;
	switch (mcp_json_parse_fast(s, size, &fast)) {
	case MCP_JSON_FAST_OK:
		CHECK(same_tree(ref, fast));
		break;
	case MCP_JSON_FAST_INVALID:
		CHECK(!fast);
		if (ref) {
			/* jansson's stray NUL: only then may it accept. */
			CHECK(memchr(s, '\0', size) != NULL);
			char *stripped = malloc(size);
			CHECK(stripped);
			size_t n = 0;
			for (size_t i = 0; i < size; i++)
				if (s[i] != '\0')
					stripped[n++] = s[i];
			json_t *again;
			json_error_t e1, e2;
			switch (mcp_json_parse_fast(stripped, n, &again)) {
			case MCP_JSON_FAST_OK:
				break;
			case MCP_JSON_FAST_UNSUPPORTED: /* e.g. a large integer too */
				again = reference(stripped, n, &e1, &e2);
				break;
			default:
				CHECK(!"refused without its NUL bytes");
			}
			CHECK(same_tree(ref, again));
			json_decref(again);
			free(stripped);
		}
		break;
	case MCP_JSON_FAST_UNSUPPORTED:
		CHECK(!fast);
		/* jansson decodes the byte after a number before converting
		 * it, so invalid UTF-8 there is its first error; and it finds
		 * a duplicate key before reading the value, the fast reader
		 * after. */
		CHECK(json_error_code(&first) == json_error_numeric_overflow ||
		      json_error_code(&first) == json_error_invalid_utf8 ||
		      json_error_code(&first) == json_error_duplicate_key ||
		      has_long_number(s, size));
		break;
	default:
		CHECK(!"unknown result");
	}
	json_decref(fast);
	json_decref(ref);
	return 0;
}
