/* mcp/scan.h - one-pass JSON validation and JSON-RPC envelope capture.
 *
 * The relay must know, for every message, whether it is valid JSON and what
 * its top-level "jsonrpc", "id", "method", "params", "result" and "error"
 * members are, without building a tree of a 4 MiB tool result.  The scanner
 * validates the whole text (grammar, UTF-8, nesting depth) in one pass and
 * captures those members.  Keys and captured strings are compared after
 * escape decoding, so "\u0069d" is "id" and "tools\/call" is "tools/call",
 * exactly as the peer's JSON parser will read them.
 *
 * The scanner is incremental: bytes can be fed in pieces, which lets the
 * relay find the id of a message too large to keep.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef MCP_SCAN_H
#define MCP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting limit; the same as jansson's JSON_PARSER_MAX_DEPTH, counted the
 * same way: every value, a scalar inside the innermost container too. */
#define MCP_SCAN_MAX_DEPTH 2048
/* Longest id accepted: decoded string bytes, or raw JSON text. */
#define MCP_ID_MAX 256
#define MCP_ID_RAW_MAX 1024
/* Longest method name captured. */
#define MCP_METHOD_MAX 255

enum mcp_json_type {
	MCP_JSON_NONE = 0, /* absent */
	MCP_JSON_OBJECT,
	MCP_JSON_ARRAY,
	MCP_JSON_STRING,
	MCP_JSON_NUMBER,
	MCP_JSON_TRUE,
	MCP_JSON_FALSE,
	MCP_JSON_NULL,
};

/* The top-level members the scanner captures, as bits. */
enum mcp_member {
	MCP_M_JSONRPC = 1u << 0,
	MCP_M_ID = 1u << 1,
	MCP_M_METHOD = 1u << 2,
	MCP_M_PARAMS = 1u << 3,
	MCP_M_RESULT = 1u << 4,
	MCP_M_ERROR = 1u << 5,
};

struct mcp_span {
	size_t off; /* offset from the start of the message */
	size_t len;
};

struct mcp_envelope {
	enum mcp_json_type top; /* type of the whole message */
	size_t elements;	/* top-level array: number of elements */
	unsigned present;	/* enum mcp_member bits seen at top level */
	unsigned duplicate;	/* members seen more than once */
	unsigned overflow;	/* captured value longer than its buffer */

	enum mcp_json_type id_type, method_type, jsonrpc_type;
	enum mcp_json_type params_type, result_type, error_type;
	struct mcp_span params, result, error; /* whole value text */

	/* "id": the raw JSON text (echoed in replies) and a canonical key
	 * under which equal ids compare equal (1, 1.0 and 1e0 are one id;
	 * "a" and "\u0061" are one id). */
	char id_raw[MCP_ID_RAW_MAX];
	size_t id_raw_len;
	char id_key[MCP_ID_MAX + 32];
	size_t id_key_len;

	char method[MCP_METHOD_MAX + 1]; /* decoded, NUL-terminated */
	size_t method_len;		 /* may contain NUL bytes */
	char jsonrpc[8];
	size_t jsonrpc_len;
};

enum mcp_scan_error {
	MCP_SCAN_OK = 0,
	MCP_SCAN_ESYNTAX = -1,	 /* not JSON */
	MCP_SCAN_EUTF8 = -2,	 /* invalid UTF-8 */
	MCP_SCAN_EDEPTH = -3,	 /* nested deeper than MCP_SCAN_MAX_DEPTH */
	MCP_SCAN_ETRAILING = -4, /* bytes after the value */
	MCP_SCAN_EEMPTY = -5,	 /* only whitespace */
	MCP_SCAN_EINCOMPLETE = -6, /* input ended inside the value */
};

struct mcp_scanner {
	struct mcp_envelope env; /* the envelope, for a scanner fed piece by piece */
	size_t offset; /* bytes consumed so far */
	int error;     /* first error, sticky */
	size_t error_offset;

	/* private state */
	struct mcp_envelope *e; /* where the envelope is built: &env, or mcp_scan's */
	uint8_t state, after_string, cur_member, lit_pos;
	const char *lit;
	uint8_t utf8_need, utf8_lo, utf8_hi, hex_left;
	uint16_t hex_value, pending_high;
	bool capture_raw, capture_str, in_key;
	unsigned depth;
	uint8_t stack[MCP_SCAN_MAX_DEPTH / 8 + 1]; /* 1 = object */
	char key[16];
	size_t key_len;
	char *cap_buf;
	size_t cap_len, cap_max;
	size_t *cap_len_out;
	size_t value_start;
};

/* Prepare |s| for a new message. */
void mcp_scanner_init(struct mcp_scanner *s);
/* Consume |len| more bytes.  Returns MCP_SCAN_OK or the (sticky) error. */
int mcp_scanner_feed(struct mcp_scanner *s, const char *data, size_t len);
/* End of the message: returns MCP_SCAN_OK when it held exactly one complete
 * JSON value, else the error.  Computes env.id_key. */
int mcp_scanner_finish(struct mcp_scanner *s);

/* One-shot: init, feed, finish.  |env| receives the envelope (also on
 * error, with what was seen).  Returns MCP_SCAN_OK or an error. */
int mcp_scan(const char *msg, size_t len, struct mcp_envelope *env);

/* A short English description of a scan error. */
const char *mcp_scan_strerror(int err);

/* True when the captured method equals |name| (NUL-terminated). */
bool mcp_envelope_method_is(const struct mcp_envelope *env, const char *name);

/* Canonical id key of a JSON id given as raw JSON text (a string or a
 * number).  Writes at most |size| bytes to |out| and returns the key length,
 * or -1 when |raw| is not a valid string or number id or is too long. */
int mcp_id_key_from_raw(const char *raw, size_t raw_len, char *out, size_t size);

#endif
