/* mcp/framer.h - split a byte stream into MCP stdio messages (one per line).
 *
 * The MCP stdio transport carries one JSON-RPC message per line.  The framer
 * accepts bytes at any boundary, strips the '\n' and an optional '\r' before
 * it, skips empty lines, and enforces a maximum message size: the bytes of an
 * oversized line beyond the limit are never buffered, they are handed to the
 * oversize callback as they stream in so the caller can still scan them (for
 * example to find the request id) and then forget them.
 *
 * Pure: no I/O, no libuv.
 */
#ifndef MCP_FRAMER_H
#define MCP_FRAMER_H

#include <stdbool.h>
#include <stddef.h>

struct mcp_framer_cbs {
	/* A complete message of at most max_message_bytes bytes, without its
	 * line terminator.  |line| is valid only during the call. */
	void (*line)(void *ctx, const char *line, size_t len);
	/* Pieces of a line longer than max_message_bytes, in order.  |first| is
	 * true for the first piece (which starts at the beginning of the line),
	 * |last| for the final call, made when the terminator arrives; |total|
	 * is then the full length of the line.  The last call may have len 0. */
	void (*oversize)(void *ctx, const char *chunk, size_t len, bool first,
			 bool last, size_t total);
};

struct mcp_framer {
	char *buf;		  /* incomplete line kept across feeds */
	size_t len;		  /* bytes in buf */
	size_t cap;		  /* allocated size of buf */
	size_t max_message_bytes; /* limit for one message (without "\r\n") */
	bool discarding;	  /* inside an oversized line */
	size_t oversize_total;	  /* bytes of the current oversized line so far */
};

/* Initialise |fr| for messages of at most |max_message_bytes| bytes (>= 1).
 * Returns 0. */
int mcp_framer_init(struct mcp_framer *fr, size_t max_message_bytes);
/* Release the buffer.  The framer may be initialised again. */
void mcp_framer_close(struct mcp_framer *fr);

/* Feed |len| bytes.  Calls cbs->line / cbs->oversize for every message the
 * bytes complete.  Returns 0, or -ENOMEM when the partial line could not be
 * stored (the line is then treated as oversized, so no input is lost
 * silently: the caller still gets the oversize calls). */
int mcp_framer_feed(struct mcp_framer *fr, const char *data, size_t len,
		    const struct mcp_framer_cbs *cbs, void *ctx);

/* At end of input: a final line without terminator is delivered as if it
 * had one (many clients end a piped file without a newline). */
void mcp_framer_finish(struct mcp_framer *fr, const struct mcp_framer_cbs *cbs,
		       void *ctx);

/* Bytes held for an incomplete line. */
static inline size_t mcp_framer_buffered(const struct mcp_framer *fr)
{
	return fr->len;
}

#endif
