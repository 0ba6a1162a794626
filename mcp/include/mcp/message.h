/* mcp/message.h - JSON-RPC classification and the messages the gateway
 * writes itself.
 *
 * Pure: builds strings with jansson, no I/O.
 */
#ifndef MCP_MESSAGE_H
#define MCP_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mcp/scan.h"

/* JSON-RPC 2.0 error codes, and the gateway's own (implementation-defined
 * range, avoiding -32000/-32001 which the TypeScript SDK uses). */
enum {
	MCP_ERR_PARSE = -32700,
	MCP_ERR_INVALID_REQUEST = -32600,
	MCP_ERR_METHOD_NOT_FOUND = -32601,
	MCP_ERR_INVALID_PARAMS = -32602,
	MCP_ERR_INTERNAL = -32603,
	MCP_ERR_DENIED = -32050,	  /* the gateway's policy denied it */
	MCP_ERR_SERVER_EXITED = -32051,	  /* the server went away */
	MCP_ERR_TOO_LARGE = -32052,	  /* over --max-message-bytes */
	MCP_ERR_TOO_MANY_PENDING = -32053, /* too many requests in flight */
};

enum mcp_kind {
	MCP_KIND_INVALID = 0,
	MCP_KIND_REQUEST,
	MCP_KIND_NOTIFICATION,
	MCP_KIND_RESPONSE,
	MCP_KIND_BATCH,
};

struct mcp_class {
	enum mcp_kind kind;
	int error_code;	    /* for MCP_KIND_INVALID: -32700 or -32600 */
	const char *reason; /* for MCP_KIND_INVALID: static English text */
	bool id_usable;	    /* the envelope id can be echoed in an error */
};

/* Classify a message from its scan result |scan_rc| and envelope. */
void mcp_classify(int scan_rc, const struct mcp_envelope *env, struct mcp_class *out);

/* The methods whose requests a server sends to its client. */
bool mcp_is_server_to_client_method(const char *method);

/* Build {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M}} followed
 * by nothing (no newline).  |raw_id| is the raw JSON text of the id, or NULL
 * for null.  Returns a malloc'd NUL-terminated string (caller frees) and its
 * length in |*len|, or NULL on allocation failure. */
char *mcp_build_error(const char *raw_id, size_t raw_id_len, int code, const char *message,
		      size_t *len);

/* Build a tools/call result {"content":[{"type":"text","text":T}],
 * "isError":true} for |raw_id|.  Same contract as mcp_build_error. */
char *mcp_build_tool_error(const char *raw_id, size_t raw_id_len, const char *text,
			   size_t *len);

/* Remove from |result|[|array_key|] every element whose string member
 * |name_key| |keep| rejects (an element without it is judged by the empty
 * name).  Returns the number removed, or -1 when there is no such array.
 * Used for tools/list ("tools", "name"), prompts/list ("prompts", "name")
 * and resources/list ("resources", "uri"). */
int mcp_filter_named(json_t *result, const char *array_key, const char *name_key,
		     bool (*keep)(void *ctx, const char *name, size_t len), void *ctx);

/* Remove from a tools/list |result| object every tool for which |keep|
 * returns false.  Returns the number removed, or -1 when |result| has no
 * "tools" array (nothing is changed then).  Tools without a string name
 * are removed when |keep| rejects the empty name. */
int mcp_filter_tools(json_t *result, bool (*keep)(void *ctx, const char *name, size_t len),
		     void *ctx);

/* Parse the JSON text |text| of |len| bytes with the flags the relay uses
 * everywhere (reject duplicate keys, allow \u0000, any top-level value; a
 * number too large for an integer is read as a real rather than refused).
 * Returns a new reference, or NULL with |err| filled (|err| may be NULL). */
json_t *mcp_json_parse(const char *text, size_t len, json_error_t *err);

#endif
