/* tests/unit/testutil.h - small helpers shared by the cmocka unit tests. */
#ifndef ASSAY_TESTUTIL_H
#define ASSAY_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Table-driven tests report every failing row, then fail once:
 *
 *	int bad = 0;
 *	for (...) CHECK(bad, cond, "row %zu: ...", i);
 *	assert_int_equal(bad, 0);
 */
#define CHECK(bad, cond, ...)                                                        \
	do {                                                                          \
		if (!(cond)) {                                                        \
			print_error("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			print_error(__VA_ARGS__);                                     \
			print_error("\n");                                            \
			(bad)++;                                                      \
		}                                                                     \
	} while (0)

/* Render bytes for a failure message (static buffer, one at a time per slot). */
static inline const char *tu_show(const void *data, size_t len, int slot)
{
	static char bufs[4][512];
	char *out = bufs[slot & 3];
	const unsigned char *p = data;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 8 < sizeof(bufs[0]); i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, sizeof(bufs[0]) - o, "\\x%02x", p[i]);
	}
	if (o + 8 >= sizeof(bufs[0]))
		memcpy(out + o, "...", 4), o += 3;
	out[o] = '\0';
	return out;
}

/* A growable byte string. */
struct tu_buf {
	char *p;
	size_t len, cap;
};

static inline void tu_buf_add(struct tu_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		b->p = realloc(b->p, ncap);
		assert_non_null(b->p);
		b->cap = ncap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void tu_buf_addf(struct tu_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void tu_buf_addf(struct tu_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	tu_buf_add(b, tmp, (size_t)n);
}

static inline void tu_buf_free(struct tu_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* The whole file at |path| (which must exist), NUL-terminated; its length
 * in |*len|. */
static inline char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct tu_buf b = {0};
	char chunk[4096];
	size_t n;
	tu_buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tu_buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.p;
}

/* Deterministic PRNG (xorshift64*). */
static inline uint64_t tu_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

#endif
