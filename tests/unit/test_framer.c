/* tests/unit/test_framer.c - mcp/framer: line framing with a size limit. */
#include "testutil.h"

#include <stdbool.h>

#include "mcp/framer.h"

/* ---- a recorder that turns callbacks into a transcript ------------------
 *
 * Every delivered line becomes "L<len>:<bytes>\n" and every oversized line
 * (all its chunks concatenated) "O<total>:<bytes>\n".  The transcript does
 * not depend on where the input was cut, so it can be compared between
 * feeding patterns.  The recorder also checks the callback contract. */
struct rec {
	struct tu_buf log;
	struct tu_buf ov; /* chunks of the oversized line in progress */
	bool in_ov;
	size_t max;
	int bad;
	size_t lines, oversized, chunks;
	size_t line_bytes, ov_bytes;
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct rec *r = ctx;
	CHECK(r->bad, !r->in_ov, "line delivered inside an oversized line");
	CHECK(r->bad, len > 0, "empty line delivered");
	CHECK(r->bad, len <= r->max, "line of %zu bytes > max %zu", len, r->max);
	CHECK(r->bad, memchr(line, '\n', len) == NULL, "line contains a newline");
	r->lines++;
	r->line_bytes += len;
	tu_buf_addf(&r->log, "L%zu:", len);
	tu_buf_add(&r->log, line, len);
	tu_buf_add(&r->log, "\n", 1);
}

static void on_oversize(void *ctx, const char *chunk, size_t len, bool first, bool last,
			size_t total)
{
	struct rec *r = ctx;
	r->chunks++;
	if (first) {
		CHECK(r->bad, !r->in_ov, "first chunk while an oversized line is open");
		r->in_ov = true;
		r->ov.len = 0;
	} else {
		CHECK(r->bad, r->in_ov, "continuation chunk without a first one");
	}
	CHECK(r->bad, len == 0 || chunk != NULL, "NULL chunk with len %zu", len);
	CHECK(r->bad, len > 0 || last, "empty chunk that is not the last");
	CHECK(r->bad, chunk == NULL || memchr(chunk, '\n', len) == NULL,
	      "oversize chunk contains a newline");
	if (len)
		tu_buf_add(&r->ov, chunk, len);
	if (!last) {
		CHECK(r->bad, total == 0, "total %zu on a chunk that is not the last", total);
		return;
	}
	CHECK(r->bad, total == r->ov.len, "total %zu but chunks add up to %zu", total, r->ov.len);
	CHECK(r->bad, total > r->max, "oversized line of %zu bytes <= max %zu", total, r->max);
	r->in_ov = false;
	r->oversized++;
	r->ov_bytes += total;
	tu_buf_addf(&r->log, "O%zu:", total);
	tu_buf_add(&r->log, r->ov.p ? r->ov.p : "", r->ov.len);
	tu_buf_add(&r->log, "\n", 1);
}

static const struct mcp_framer_cbs cbs = {on_line, on_oversize};

static void rec_init(struct rec *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
	tu_buf_add(&r->log, "", 0);
}

static void rec_free(struct rec *r)
{
	tu_buf_free(&r->log);
	tu_buf_free(&r->ov);
}

/* Check the buffer bound after every feed. */
static void check_bounds(struct rec *r, const struct mcp_framer *fr)
{
	CHECK(r->bad, fr->cap <= fr->max_message_bytes + 1, "cap %zu > max+1 (%zu)", fr->cap,
	      fr->max_message_bytes + 1);
	CHECK(r->bad, mcp_framer_buffered(fr) <= fr->max_message_bytes + 1,
	      "buffered %zu > max+1", mcp_framer_buffered(fr));
	if (fr->discarding)
		CHECK(r->bad, mcp_framer_buffered(fr) == 0, "bytes buffered while discarding");
}

/* Feed |data| cut at the offsets |cuts| (ascending, ncuts of them), then
 * finish when |finish| is set; the transcript lands in |r|. */
static void feed_cuts(struct rec *r, const char *data, size_t len, size_t max, const size_t *cuts,
		      size_t ncuts, bool finish)
{
	struct mcp_framer fr;
	assert_int_equal(mcp_framer_init(&fr, max), 0);
	size_t at = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		assert_int_equal(mcp_framer_feed(&fr, data + at, end - at, &cbs, r), 0);
		check_bounds(r, &fr);
		at = end;
	}
	if (finish) {
		mcp_framer_finish(&fr, &cbs, r);
		CHECK(r->bad, mcp_framer_buffered(&fr) == 0, "bytes left after finish");
		CHECK(r->bad, !r->in_ov, "oversized line left open after finish");
	}
	mcp_framer_close(&fr);
}

static void run_once(struct rec *r, const char *data, size_t len, size_t max, bool finish)
{
	rec_init(r, max);
	feed_cuts(r, data, len, max, NULL, 0, finish);
}

/* The specification as a model: split at '\n'; strip one trailing '\r';
 * skip empty lines; a content longer than max is oversized and reported
 * with every byte before the '\n' (the '\r' included). */
static void model(struct tu_buf *out, const char *data, size_t len, size_t max, bool finish)
{
	tu_buf_add(out, "", 0);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len;
		if (!end && data[i] != '\n')
			continue;
		if (end && (!finish || i == start))
			break;
		size_t l = i - start;
		size_t c = l && data[start + l - 1] == '\r' ? l - 1 : l;
		if (c == 0) {
			/* empty line: skipped */
		} else if (c <= max) {
			tu_buf_addf(out, "L%zu:", c);
			tu_buf_add(out, data + start, c);
			tu_buf_add(out, "\n", 1);
		} else {
			tu_buf_addf(out, "O%zu:", l);
			tu_buf_add(out, data + start, l);
			tu_buf_add(out, "\n", 1);
		}
		start = i + 1;
	}
}

static void expect_transcript(const char *data, size_t len, size_t max, bool finish,
			      const char *want, size_t want_len)
{
	struct rec r;
	run_once(&r, data, len, max, finish);
	if (r.log.len != want_len || memcmp(r.log.p, want, want_len) != 0) {
		print_error("input  '%s' max %zu\n", tu_show(data, len, 0), max);
		print_error("got    '%s'\n", tu_show(r.log.p, r.log.len, 1));
		print_error("wanted '%s'\n", tu_show(want, want_len, 2));
		fail();
	}
	assert_int_equal(r.bad, 0);
	rec_free(&r);
}

#define EXPECT(data, max, finish, want)                                                   \
	expect_transcript(data, sizeof(data) - 1, max, finish, want, sizeof(want) - 1)

/* ---- explicit cases ----------------------------------------------------- */

static void basic_lines(void **state)
{
	(void)state;
	EXPECT("a\nbc\n", 8, false, "L1:a\nL2:bc\n");
	EXPECT("{\"jsonrpc\":\"2.0\"}\n", 64, false, "L17:{\"jsonrpc\":\"2.0\"}\n");
	/* Without finish an unterminated line stays buffered. */
	EXPECT("a\nbc", 8, false, "L1:a\n");
	EXPECT("", 8, true, "");
}

static void crlf_accepted(void **state)
{
	(void)state;
	EXPECT("abc\r\n", 8, false, "L3:abc\n");
	EXPECT("abc\r\ndef\n", 8, false, "L3:abc\nL3:def\n");
	/* Only one '\r' is part of the terminator; a lone '\r' mid-line is data. */
	EXPECT("a\rb\r\r\n", 8, false, "L4:a\rb\r\n");
	EXPECT("\r\r\n", 8, false, "L1:\r\n");
}

static void empty_lines_skipped(void **state)
{
	(void)state;
	EXPECT("\n\n\r\n\na\n\n", 8, false, "L1:a\n");
	EXPECT("\r\n", 8, true, "");
	EXPECT("\n", 1, true, "");
	EXPECT("\r", 8, true, ""); /* a final "\r" is an empty line */
}

static void exact_max_boundary(void **state)
{
	(void)state;
	/* max exactly: delivered; max+1: oversized. */
	EXPECT("12345678\n", 8, false, "L8:12345678\n");
	EXPECT("123456789\n", 8, false, "O9:123456789\n");
	/* CRLF: content of exactly max followed by \r\n passes. */
	EXPECT("12345678\r\n", 8, false, "L8:12345678\n");
	EXPECT("123456789\r\n", 8, false, "O10:123456789\r\n");
	/* max 1 */
	EXPECT("a\nab\nb\r\n", 1, false, "L1:a\nO2:ab\nL1:b\n");
	/* finish() with a final line of exactly max and max+1. */
	EXPECT("12345678", 8, true, "L8:12345678\n");
	EXPECT("123456789", 8, true, "O9:123456789\n");
	EXPECT("12345678\r", 8, true, "L8:12345678\n");
}

static void max_zero_is_one(void **state)
{
	(void)state;
	struct mcp_framer fr;
	assert_int_equal(mcp_framer_init(&fr, 0), 0);
	assert_int_equal(fr.max_message_bytes, 1);
	mcp_framer_close(&fr);
	struct rec r;
	rec_init(&r, 1);
	feed_cuts(&r, "a\nbb\n", 5, 0, NULL, 0, false);
	assert_string_equal(r.log.p, "L1:a\nO2:bb\n");
	assert_int_equal(r.bad, 0);
	rec_free(&r);
}

static void line_after_oversized_intact(void **state)
{
	(void)state;
	EXPECT("0123456789ABCDEF\n{\"id\":1}\n", 8, false,
	       "O16:0123456789ABCDEF\nL8:{\"id\":1}\n");
	EXPECT("0123456789\r\nabc\r\n0123456789\nx", 8, true,
	       "O11:0123456789\r\nL3:abc\nO10:0123456789\nL1:x\n");
}

static void bytes_pass_through(void **state)
{
	(void)state;
	/* Framing is byte-level: NUL, invalid UTF-8, control bytes pass. */
	EXPECT("a\0b\n", 8, false, "L3:a\0b\n");
	EXPECT("\xff\xfe\xc0\x80\xed\xa0\x80\n", 16, false, "L7:\xff\xfe\xc0\x80\xed\xa0\x80\n");
	EXPECT("\0\n", 8, false, "L1:\0\n");
	EXPECT("\x1b[31m\x7f\n", 16, false, "L6:\x1b[31m\x7f\n");
	EXPECT("\0\0\0\0\0\0\0\0\0\n", 8, false, "O9:\0\0\0\0\0\0\0\0\0\n");
}

static void finish_delivers_last_line(void **state)
{
	(void)state;
	EXPECT("{\"a\":1}\n{\"b\":2}", 64, true, "L7:{\"a\":1}\nL7:{\"b\":2}\n");
	EXPECT("{\"a\":1}\n{\"b\":2}", 64, false, "L7:{\"a\":1}\n");

	/* finish() twice delivers nothing the second time; the framer is
	 * reusable after it. */
	struct rec r;
	rec_init(&r, 16);
	struct mcp_framer fr;
	mcp_framer_init(&fr, 16);
	assert_int_equal(mcp_framer_feed(&fr, "abc", 3, &cbs, &r), 0);
	assert_int_equal(mcp_framer_buffered(&fr), 3);
	mcp_framer_finish(&fr, &cbs, &r);
	mcp_framer_finish(&fr, &cbs, &r);
	assert_int_equal(mcp_framer_buffered(&fr), 0);
	assert_int_equal(mcp_framer_feed(&fr, "def\n", 4, &cbs, &r), 0);
	assert_string_equal(r.log.p, "L3:abc\nL3:def\n");
	/* An unterminated oversized line is closed by finish(). */
	assert_int_equal(mcp_framer_feed(&fr, "0123456789abcdefXYZ", 19, &cbs, &r), 0);
	assert_true(r.in_ov);
	mcp_framer_finish(&fr, &cbs, &r);
	assert_false(r.in_ov);
	assert_string_equal(r.log.p, "L3:abc\nL3:def\nO19:0123456789abcdefXYZ\n");
	assert_int_equal(r.bad, 0);
	mcp_framer_close(&fr);
	/* Close then init again. */
	mcp_framer_init(&fr, 4);
	assert_int_equal(mcp_framer_feed(&fr, "ab\n", 3, &cbs, &r), 0);
	mcp_framer_close(&fr);
	assert_string_equal(r.log.p, "L3:abc\nL3:def\nO19:0123456789abcdefXYZ\nL2:ab\n");
	rec_free(&r);
}

/* Oversize callbacks in detail, the line arriving in many pieces. */
struct ov_call {
	size_t len;
	bool first, last;
	size_t total;
};
struct ov_rec {
	struct ov_call calls[64];
	size_t n;
	struct tu_buf concat;
	struct tu_buf lines;
};

static void ov_line(void *ctx, const char *line, size_t len)
{
	struct ov_rec *r = ctx;
	tu_buf_add(&r->lines, line, len);
	tu_buf_add(&r->lines, "|", 1);
}

static void ov_chunk(void *ctx, const char *chunk, size_t len, bool first, bool last,
		     size_t total)
{
	struct ov_rec *r = ctx;
	assert_true(r->n < 64);
	r->calls[r->n++] = (struct ov_call){len, first, last, total};
	tu_buf_add(&r->concat, chunk, len);
}

static void oversize_callbacks(void **state)
{
	(void)state;
	static const struct mcp_framer_cbs c = {ov_line, ov_chunk};
	struct ov_rec r;
	memset(&r, 0, sizeof(r));
	struct mcp_framer fr;
	mcp_framer_init(&fr, 10);
	const char *pieces[] = {"0123", "4567", "89A", "BCDEFGH", "IJ", "K\nnext\n"};
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(mcp_framer_feed(&fr, pieces[i], strlen(pieces[i]), &c, &r), 0);
	assert_true(r.n >= 2);
	assert_true(r.calls[0].first);
	for (size_t i = 1; i < r.n; i++)
		assert_false(r.calls[i].first);
	for (size_t i = 0; i + 1 < r.n; i++) {
		assert_false(r.calls[i].last);
		assert_int_equal(r.calls[i].total, 0);
	}
	assert_true(r.calls[r.n - 1].last);
	assert_int_equal(r.calls[r.n - 1].total, 21);
	assert_int_equal(r.concat.len, 21);
	assert_memory_equal(r.concat.p, "0123456789ABCDEFGHIJK", 21);
	assert_string_equal(r.lines.p, "next|");
	/* Nothing of the oversized line stayed in the buffer. */
	assert_int_equal(mcp_framer_buffered(&fr), 0);
	mcp_framer_close(&fr);
	tu_buf_free(&r.concat);
	tu_buf_free(&r.lines);

	/* The whole oversized line in one feed: a single first+last call. */
	memset(&r, 0, sizeof(r));
	mcp_framer_init(&fr, 4);
	assert_int_equal(mcp_framer_feed(&fr, "abcdefgh\nxy\n", 12, &c, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(r.calls[0].first && r.calls[0].last);
	assert_int_equal(r.calls[0].total, 8);
	assert_int_equal(r.calls[0].len, 8);
	assert_string_equal(r.lines.p, "xy|");
	mcp_framer_close(&fr);
	tu_buf_free(&r.concat);
	tu_buf_free(&r.lines);

	/* Terminator alone in the last feed: the last call has len 0. */
	memset(&r, 0, sizeof(r));
	mcp_framer_init(&fr, 4);
	assert_int_equal(mcp_framer_feed(&fr, "abcdefgh", 8, &c, &r), 0);
	assert_int_equal(mcp_framer_feed(&fr, "\n", 1, &c, &r), 0);
	assert_true(r.n >= 2);
	assert_true(r.calls[r.n - 1].last);
	assert_int_equal(r.calls[r.n - 1].total, 8);
	assert_int_equal(r.concat.len, 8);
	mcp_framer_close(&fr);
	tu_buf_free(&r.concat);
	tu_buf_free(&r.lines);
}

/* A huge line streamed in small pieces never makes the framer allocate
 * more than max+1 bytes. */
static void buffer_bounded(void **state)
{
	(void)state;
	static const size_t maxes[] = {1, 7, 100, 4095, 4096, 5000, 70000};
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		size_t max = maxes[m];
		struct rec r;
		rec_init(&r, max);
		struct mcp_framer fr;
		mcp_framer_init(&fr, max);
		char chunk[1000];
		memset(chunk, 'x', sizeof(chunk));
		size_t total = 0, peak = 0;
		uint64_t seed = 42 + m;
		while (total < 1000000) {
			size_t n = 1 + tu_rand(&seed) % sizeof(chunk);
			assert_int_equal(mcp_framer_feed(&fr, chunk, n, &cbs, &r), 0);
			total += n;
			if (fr.cap > peak)
				peak = fr.cap;
			check_bounds(&r, &fr);
		}
		assert_int_equal(mcp_framer_feed(&fr, "\nk\n", 3, &cbs, &r), 0);
		assert_true(peak <= max + 1);
		assert_int_equal(r.oversized, 1);
		assert_int_equal(r.ov_bytes, total);
		assert_int_equal(r.lines, 1);
		assert_int_equal(r.bad, 0);
		mcp_framer_close(&fr);
		rec_free(&r);
	}
}

/* A line just under a large limit is delivered, and the big buffer is
 * released afterwards. */
static void large_line_released(void **state)
{
	(void)state;
	size_t max = 1 << 20, n = 600 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'y', n);
	big[n] = '\n';
	struct rec r;
	rec_init(&r, max);
	struct mcp_framer fr;
	mcp_framer_init(&fr, max);
	for (size_t at = 0; at <= n; at += 4096) {
		size_t k = n + 1 - at < 4096 ? n + 1 - at : 4096;
		assert_int_equal(mcp_framer_feed(&fr, big + at, k, &cbs, &r), 0);
	}
	assert_int_equal(r.lines, 1);
	assert_int_equal(r.line_bytes, n);
	assert_int_equal(mcp_framer_buffered(&fr), 0);
	assert_true(fr.cap <= 256 * 1024);
	assert_int_equal(r.bad, 0);
	mcp_framer_close(&fr);
	rec_free(&r);
	free(big);
}

/* ---- split invariance --------------------------------------------------- */

struct split_case {
	const char *data;
	size_t len;
	size_t max;
};
#define SC(s, m) {s, sizeof(s) - 1, m}

static const struct split_case split_cases[] = {
	SC("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n"
	   "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\r\n"
	   "\n\r\n"
	   "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{}}\n",
	   64),
	SC("short\nTHIS LINE IS FAR TOO LONG FOR THE LIMIT\nok\r\nexactly16bytes!!\n"
	   "exactly16bytes!!\r\n17bytes-too-long!\r\ntail",
	   16),
	SC("a\r\nb\rc\n\r\r\n\n\rd\n", 2),
	SC("0123456789\n0123456789\r\n012345678\r\n01234567\r\r\n", 9),
	SC("\0\xff\n\xc0\x80\r\n\xed\xa0\x80\xed\xb0\x80\n", 4),
	SC("abcdefgh\r", 8),
	SC("abcdefghi\r", 8),
	SC("x\ny\nz", 1),
};

static void split_invariance(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t c = 0; c < sizeof(split_cases) / sizeof(split_cases[0]); c++) {
		const struct split_case *sc = &split_cases[c];
		for (int fin = 0; fin <= 1; fin++) {
			struct tu_buf want = {0};
			model(&want, sc->data, sc->len, sc->max, fin);
			struct rec one;
			run_once(&one, sc->data, sc->len, sc->max, fin);
			CHECK(bad, one.bad == 0, "case %zu: contract violated", c);
			CHECK(bad, one.log.len == want.len && !memcmp(one.log.p, want.p, want.len),
			      "case %zu fin %d: one-shot '%s' != model '%s'", c, fin,
			      tu_show(one.log.p, one.log.len, 0), tu_show(want.p, want.len, 1));

			/* Every single cut point. */
			for (size_t k = 0; k <= sc->len; k++) {
				struct rec r;
				rec_init(&r, sc->max);
				feed_cuts(&r, sc->data, sc->len, sc->max, &k, 1, fin);
				CHECK(bad, r.bad == 0 && r.log.len == want.len &&
						   !memcmp(r.log.p, want.p, want.len),
				      "case %zu fin %d cut %zu: '%s'", c, fin, k,
				      tu_show(r.log.p, r.log.len, 0));
				rec_free(&r);
			}
			/* Every pair of cut points. */
			for (size_t i = 0; i <= sc->len; i++) {
				for (size_t j = i; j <= sc->len; j++) {
					size_t cuts[2] = {i, j};
					struct rec r;
					rec_init(&r, sc->max);
					feed_cuts(&r, sc->data, sc->len, sc->max, cuts, 2, fin);
					CHECK(bad, r.bad == 0 && r.log.len == want.len &&
							   !memcmp(r.log.p, want.p, want.len),
					      "case %zu fin %d cuts %zu,%zu: '%s'", c, fin, i, j,
					      tu_show(r.log.p, r.log.len, 0));
					rec_free(&r);
				}
			}
			/* Byte by byte. */
			size_t *cuts = malloc((sc->len + 1) * sizeof(*cuts));
			assert_non_null(cuts);
			for (size_t k = 0; k < sc->len; k++)
				cuts[k] = k + 1;
			struct rec r;
			rec_init(&r, sc->max);
			feed_cuts(&r, sc->data, sc->len, sc->max, cuts, sc->len ? sc->len - 1 : 0,
				  fin);
			CHECK(bad, r.bad == 0 && r.log.len == want.len &&
					   !memcmp(r.log.p, want.p, want.len),
			      "case %zu fin %d byte by byte: '%s'", c, fin,
			      tu_show(r.log.p, r.log.len, 0));
			rec_free(&r);
			free(cuts);
			rec_free(&one);
			tu_buf_free(&want);
		}
	}
	assert_int_equal(bad, 0);
}

/* Random inputs over a small alphabet, random limits and random cuts,
 * against the model. */
static void random_against_model(void **state)
{
	(void)state;
	static const char alphabet[] = "ab\r\n\n\0\xff";
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int bad = 0;
	for (int iter = 0; iter < 3000 && bad < 5; iter++) {
		char data[96];
		size_t len = tu_rand(&seed) % sizeof(data);
		for (size_t i = 0; i < len; i++)
			data[i] = alphabet[tu_rand(&seed) % (sizeof(alphabet) - 1)];
		size_t max = 1 + tu_rand(&seed) % 12;
		size_t cuts[8], ncuts = tu_rand(&seed) % 8;
		for (size_t k = 0; k < ncuts; k++)
			cuts[k] = len ? tu_rand(&seed) % (len + 1) : 0;
		for (size_t a = 1; a < ncuts; a++) /* insertion sort */
			for (size_t b = a; b > 0 && cuts[b - 1] > cuts[b]; b--) {
				size_t t = cuts[b];
				cuts[b] = cuts[b - 1];
				cuts[b - 1] = t;
			}
		bool fin = tu_rand(&seed) & 1;
		struct tu_buf want = {0};
		model(&want, data, len, max, fin);
		struct rec r;
		rec_init(&r, max);
		feed_cuts(&r, data, len, max, cuts, ncuts, fin);
		CHECK(bad, r.bad == 0 && r.log.len == want.len && !memcmp(r.log.p, want.p, want.len),
		      "iter %d max %zu input '%s': got '%s' want '%s'", iter, max,
		      tu_show(data, len, 0), tu_show(r.log.p, r.log.len, 1),
		      tu_show(want.p, want.len, 2));
		rec_free(&r);
		tu_buf_free(&want);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_lines),
		cmocka_unit_test(crlf_accepted),
		cmocka_unit_test(empty_lines_skipped),
		cmocka_unit_test(exact_max_boundary),
		cmocka_unit_test(max_zero_is_one),
		cmocka_unit_test(line_after_oversized_intact),
		cmocka_unit_test(bytes_pass_through),
		cmocka_unit_test(finish_delivers_last_line),
		cmocka_unit_test(oversize_callbacks),
		cmocka_unit_test(buffer_bounded),
		cmocka_unit_test(large_line_released),
		cmocka_unit_test(split_invariance),
		cmocka_unit_test(random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
