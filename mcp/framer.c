/* mcp/framer.c - line framing for the MCP stdio transport. */
#include "mcp/framer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Buffers above this size are released once the line they held is done, so
 * that one huge message does not pin its memory for the rest of the run. */
#define KEEP_BUFFER_BYTES (256 * 1024)

int mcp_framer_init(struct mcp_framer *fr, size_t max_message_bytes)
{
	memset(fr, 0, sizeof(*fr));
	fr->max_message_bytes = max_message_bytes ? max_message_bytes : 1;
	return 0;
}

void mcp_framer_close(struct mcp_framer *fr)
{
	free(fr->buf);
	fr->buf = NULL;
	fr->len = fr->cap = 0;
	fr->discarding = false;
	fr->oversize_total = 0;
}

/* Deliver one complete line (terminator already removed). */
static void deliver(const char *line, size_t len,
		    const struct mcp_framer_cbs *cbs, void *ctx)
{
	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	cbs->line(ctx, line, len);
}

static void release_if_large(struct mcp_framer *fr)
{
	fr->len = 0;
	if (fr->cap > KEEP_BUFFER_BYTES) {
		free(fr->buf);
		fr->buf = NULL;
		fr->cap = 0;
	}
}

/* Append to the partial-line buffer.  The buffer may hold max+1 bytes: the
 * extra byte is room for a '\r' that is only known to be part of the
 * terminator when the '\n' arrives. */
static int append(struct mcp_framer *fr, const char *data, size_t len)
{
	size_t need = fr->len + len;
	if (need > fr->cap) {
		size_t ncap = fr->cap ? fr->cap : 4096;
		while (ncap < need)
			ncap *= 2;
		if (ncap > fr->max_message_bytes + 1)
			ncap = fr->max_message_bytes + 1;
		char *nbuf = realloc(fr->buf, ncap);
		if (!nbuf)
			return -ENOMEM;
		fr->buf = nbuf;
		fr->cap = ncap;
	}
	memcpy(fr->buf + fr->len, data, len);
	fr->len += len;
	return 0;
}

/* Switch to discarding: hand what is buffered to the oversize callback. */
static void start_discard(struct mcp_framer *fr, const struct mcp_framer_cbs *cbs,
			  void *ctx)
{
	fr->discarding = true;
	fr->oversize_total = fr->len;
	cbs->oversize(ctx, fr->buf, fr->len, true, false, 0);
	release_if_large(fr);
	fr->len = 0;
}

int mcp_framer_feed(struct mcp_framer *fr, const char *data, size_t len,
		    const struct mcp_framer_cbs *cbs, void *ctx)
{
	const size_t limit = fr->max_message_bytes + 1; /* + room for '\r' */
	int rc = 0;

	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;

		if (fr->discarding) {
			fr->oversize_total += seg;
			if (nl) {
				cbs->oversize(ctx, data, seg, false, true,
					      fr->oversize_total);
				fr->discarding = false;
				fr->oversize_total = 0;
			} else {
				cbs->oversize(ctx, data, seg, false, false, 0);
			}
		} else if (fr->len == 0 && nl) {
			/* Fast path: the whole line is in |data|. */
			if (seg <= limit &&
			    (seg < limit || data[seg - 1] == '\r')) {
				deliver(data, seg, cbs, ctx);
			} else {
				cbs->oversize(ctx, data, seg, true, true, seg);
			}
		} else if (fr->len + seg > limit) {
			/* The line outgrows the limit: keep nothing more. */
			if (fr->len == 0) {
				cbs->oversize(ctx, data, seg, true, !!nl,
					      nl ? seg : 0);
				if (!nl) {
					fr->discarding = true;
					fr->oversize_total = seg;
				}
			} else {
				size_t total = fr->len + seg;
				start_discard(fr, cbs, ctx);
				fr->discarding = !nl;
				fr->oversize_total = nl ? 0 : total;
				cbs->oversize(ctx, data, seg, false, !!nl,
					      nl ? total : 0);
			}
		} else if (append(fr, data, seg) != 0) {
			/* Out of memory: treat the line as oversized rather
			 * than drop input silently. */
			rc = -ENOMEM;
			size_t total = fr->len + seg;
			if (fr->len)
				start_discard(fr, cbs, ctx);
			else {
				cbs->oversize(ctx, NULL, 0, true, false, 0);
				fr->discarding = true;
			}
			fr->discarding = !nl;
			fr->oversize_total = nl ? 0 : total;
			cbs->oversize(ctx, data, seg, false, !!nl, nl ? total : 0);
		} else if (nl) {
			if (fr->len == limit && fr->buf[fr->len - 1] != '\r') {
				cbs->oversize(ctx, fr->buf, fr->len, true, true,
					      fr->len);
			} else {
				deliver(fr->buf, fr->len, cbs, ctx);
			}
			release_if_large(fr);
		}

		if (!nl)
			break;
		data = nl + 1;
		len -= seg + 1;
	}
	return rc;
}

void mcp_framer_finish(struct mcp_framer *fr, const struct mcp_framer_cbs *cbs,
		       void *ctx)
{
	if (fr->discarding) {
		cbs->oversize(ctx, NULL, 0, false, true, fr->oversize_total);
		fr->discarding = false;
		fr->oversize_total = 0;
	} else if (fr->len) {
		if (fr->len == fr->max_message_bytes + 1 &&
		    fr->buf[fr->len - 1] != '\r')
			cbs->oversize(ctx, fr->buf, fr->len, true, true, fr->len);
		else
			deliver(fr->buf, fr->len, cbs, ctx);
	}
	release_if_large(fr);
	fr->len = 0;
}
