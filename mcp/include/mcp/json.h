/* mcp/json.h - a fast reader of JSON text into jansson values.
 *
 * mcp_json_parse() (mcp/message.h) runs on every tools/call and every
 * result the gateway inspects.  jansson's own reader goes through a
 * byte-at-a-time stream with a saved-text buffer; this one reads the text in
 * place and builds the very same tree with jansson's constructors.  It covers
 * the common shapes; whatever it does not handle it leaves to json_loadb.
 *
 * Pure: no I/O.
 */
#ifndef MCP_JSON_H
#define MCP_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Nesting limit, counted as jansson counts it: every value, scalars
 * included, is one level deeper than its container; the top-level value is
 * at depth 1. */
#define MCP_JSON_MAX_DEPTH JSON_PARSER_MAX_DEPTH

enum mcp_json_fast_rc {
	MCP_JSON_FAST_OK = 0,	   /* |*out| is the tree */
	MCP_JSON_FAST_INVALID,	   /* json_loadb refuses the text too */
	MCP_JSON_FAST_UNSUPPORTED, /* not handled here: ask json_loadb */
};

/* Parse the |len| bytes at |text| as json_loadb(text, len,
 * JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY) would, and
 * return MCP_JSON_FAST_OK with a new reference in |*out| holding exactly
 * the tree jansson builds (same types, values, key order).
 *
 * MCP_JSON_FAST_INVALID: jansson refuses the text as well.  The one text
 * refused here that jansson accepts holds a raw NUL byte right after a
 * number or a literal ("1\0", "[true\0]"): jansson's reader skips it, a raw
 * NUL is never valid JSON outside a string, so it is refused here (and
 * mcp_json_parse, which asks json_loadb about every refused text, still
 * accepts it, as jansson does).
 *
 * MCP_JSON_FAST_UNSUPPORTED: an integer outside int64 (jansson refuses the
 * text, and mcp_json_parse retries it with JSON_DECODE_INT_AS_REAL), a real
 * number of 64 characters or more, a locale whose decimal point is not '.',
 * or an allocation failure.
 *
 * |*out| is NULL unless MCP_JSON_FAST_OK. */
enum mcp_json_fast_rc mcp_json_parse_fast(const char *text, size_t len, json_t **out);

#endif
