/* tests/fuzz/fuzz_framer.c - mcp/framer on arbitrary bytes.
 *
 * Input: <max byte> <split byte> <stream...>
 *   max   = 1 + first byte (1..256), the framer's max_message_bytes;
 *   split = second byte: 0 feeds the stream in one piece, 1 byte by byte,
 *           otherwise pieces of pseudo-random length 1..(split % 64 + 1).
 * The stream is fed, then finish() is called.
 *
 * Invariants:
 *  - the callback contract: no line longer than max, none empty, none with
 *    '\n'; oversize chunks come as first ... last with total on the last
 *    call only, total = the sum of the chunk lengths > max; no line inside
 *    an oversized one; every oversized line is closed by finish();
 *  - accounting: input = delivered line bytes + oversize totals + one byte
 *    per '\n' + the '\r's stripped before '\n' (or at the end) and the
 *    bytes of skipped empty lines, which are only such '\r's;
 *  - the framer never holds more than max+1 bytes;
 *  - the transcript equals a simple model (split at '\n', strip one '\r',
 *    skip empty lines, longer than max -> oversized with every byte), so
 *    it does not depend on where the input was cut.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->len + n)
			c *= 2;
		b->p = realloc(b->p, c);
		if (!b->p)
			abort();
		b->cap = c;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void buf_addz(struct buf *b, size_t n, char tag)
{
	char tmp[32];
	int k = snprintf(tmp, sizeof(tmp), "%c%zu:", tag, n);
	buf_add(b, tmp, (size_t)k);
}

struct rec {
	struct buf log, ov;
	bool in_ov;
	size_t max;
	size_t line_bytes, ov_bytes;
};

#define CHECK(c)                                                                     \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "fuzz_framer: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                     \
		}                                                                    \
	} while (0)

static void on_line(void *ctx, const char *line, size_t len)
{
	struct rec *r = ctx;
	CHECK(!r->in_ov);
	CHECK(len > 0 && len <= r->max);
	CHECK(memchr(line, '\n', len) == NULL);
	r->line_bytes += len;
	buf_addz(&r->log, len, 'L');
	buf_add(&r->log, line, len);
	buf_add(&r->log, "\n", 1);
}

static void on_oversize(void *ctx, const char *chunk, size_t len, bool first, bool last,
			size_t total)
{
	struct rec *r = ctx;
	CHECK(first == !r->in_ov);
	if (first)
		r->ov.len = 0;
	r->in_ov = true;
	CHECK(len == 0 || chunk != NULL);
	CHECK(len > 0 || last);
	CHECK(len == 0 || memchr(chunk, '\n', len) == NULL);
	buf_add(&r->ov, chunk, len);
	if (!last) {
		CHECK(total == 0);
		return;
	}
	CHECK(total == r->ov.len);
	CHECK(total > r->max);
	r->in_ov = false;
	r->ov_bytes += total;
	buf_addz(&r->log, total, 'O');
	buf_add(&r->log, r->ov.p, r->ov.len);
	buf_add(&r->log, "\n", 1);
}

static void model(struct buf *out, const char *d, size_t len, size_t max)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && d[i] != '\n')
			continue;
		if (i == len && i == start)
			break;
		size_t l = i - start;
		size_t c = l && d[start + l - 1] == '\r' ? l - 1 : l;
		if (c > max) {
			buf_addz(out, l, 'O');
			buf_add(out, d + start, l);
			buf_add(out, "\n", 1);
		} else if (c > 0) {
			buf_addz(out, c, 'L');
			buf_add(out, d + start, c);
			buf_add(out, "\n", 1);
		}
		start = i + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = 1 + (size_t)data[0];
	unsigned split = data[1];
	const char *s = (const char *)data + 2;
	size_t n = size - 2;

	static const struct mcp_framer_cbs cbs = {on_line, on_oversize};
	struct rec r;
	memset(&r, 0, sizeof(r));
	r.max = max;
	struct mcp_framer fr;
	CHECK(mcp_framer_init(&fr, max) == 0);

	uint32_t rng = 2166136261u ^ split ^ (uint32_t)n;
	size_t at = 0;
	while (at < n) {
		size_t k;
		if (split == 0)
			k = n - at;
		else if (split == 1)
			k = 1;
		else {
			rng = rng * 1103515245u + 12345u;
			k = 1 + (rng >> 16) % (split % 64 + 1);
		}
		if (k > n - at)
			k = n - at;
		CHECK(mcp_framer_feed(&fr, s + at, k, &cbs, &r) == 0);
		at += k;
		CHECK(fr.cap <= max + 1);
		CHECK(mcp_framer_buffered(&fr) <= max + 1);
		CHECK(!fr.discarding || mcp_framer_buffered(&fr) == 0);
	}
	mcp_framer_finish(&fr, &cbs, &r);
	CHECK(!r.in_ov);
	CHECK(mcp_framer_buffered(&fr) == 0);
	mcp_framer_close(&fr);

	/* Accounting. */
	size_t newlines = 0, crs = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			newlines++;
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] == '\n'))
			crs++;
	}
	CHECK(r.line_bytes + r.ov_bytes + newlines <= n);
	size_t rest = n - r.line_bytes - r.ov_bytes - newlines;
	CHECK(rest <= crs);

	/* The model. */
	struct buf want = {0};
	model(&want, s, n, max);
	CHECK(want.len == r.log.len && (want.len == 0 || memcmp(want.p, r.log.p, want.len) == 0));

	free(want.p);
	free(r.log.p);
	free(r.ov.p);
	return 0;
}
