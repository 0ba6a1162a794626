/* mcp/json.c - JSON text to jansson values, read in place, without
 * recursion.
 *
 * The reading is jansson 2.14's (src/load.c, src/utf.c), which is RFC 8259
 * with these choices:
 *  - UTF-8 per RFC 3629 everywhere in the text: no overlong forms, no
 *    surrogates (U+D800..U+DFFF), nothing above U+10FFFF;
 *  - a \u escape of a high surrogate must be followed by a \u escape of a
 *    low one; a lone surrogate escape is refused;
 *  - \u0000 is allowed in a string value (JSON_ALLOW_NUL), refused in a key;
 *  - a duplicate key is refused (JSON_REJECT_DUPLICATES);
 *  - every value, a scalar too, counts one level of nesting, the top-level
 *    value being at level 1; a value deeper than JSON_PARSER_MAX_DEPTH is
 *    refused;
 *  - a number without '.', 'e' or 'E' is an integer (strtoll, which reads
 *    "-0" as 0), any other a real (strtod, with the locale's decimal point);
 *  - any value at the top level (JSON_DECODE_ANY), then only whitespace.
 *
 * The values are built with the constructors jansson's reader uses
 * (json_object_setn_new_nocheck, json_stringn_nocheck, json_integer,
 * json_real, json_array_append_new), in text order, so that key order and
 * types are the same.  A container is attached to its parent as soon as it
 * opens, which keeps the whole partial tree owned by the root: giving up
 * is one json_decref.
 */
#include "mcp/json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes that stand for themselves inside a string, in the fast loop:
 * printable ASCII and DEL, but not '"' (0x22) or '\\' (0x5c).  Control
 * characters are refused; bytes from 0x80 start a UTF-8 sequence. */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
};

/* Where decoded strings go when they hold escapes: a small buffer, then the
 * heap, growing to the longest such string (never more than its raw
 * length, which is an upper bound of the decoded one). */
struct scratch {
	char *buf;
	size_t cap;
	char small[256];
};

struct reader {
	const unsigned char *p, *end;
	struct scratch key, val;
	bool nul; /* the last string read holds \u0000 */
};

static void scratch_init(struct scratch *s)
{
	s->buf = s->small;
	s->cap = sizeof(s->small);
}

static void scratch_close(struct scratch *s)
{
	if (s->buf != s->small)
		free(s->buf);
}

/* A buffer of at least |n| bytes, or NULL when out of memory. */
static char *scratch_reserve(struct scratch *s, size_t n)
{
	if (n <= s->cap)
		return s->buf;
	size_t cap = s->cap * 2 > n ? s->cap * 2 : n;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	scratch_close(s);
	s->buf = b;
	s->cap = cap;
	return b;
}

/* The end of the run of plain bytes at |p|, eight at a time: a word has
 * none below 0x20 or from 0x80, no '"' and no '\\' (the "has less" and
 * "has zero byte" word tests, exact as to whether such a byte exists).
 * Kept out of line: most strings are short. */
static __attribute__((noinline)) const unsigned char *skip_plain_long(const unsigned char *p,
								      const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	for (; end - p >= 8; p += 8) {
		uint64_t w, q, b;
		memcpy(&w, p, sizeof(w));
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high)
			break;
	}
	while (p < end && plain[*p])
		p++;
	return p;
}

static inline void skip_ws(struct reader *r)
{
	while (r->p < r->end && *r->p <= ' ' &&
	       (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static inline bool is_cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

/* The length of the well-formed UTF-8 sequence of two to four bytes at |p|,
 * before |end|, or 0 when there is none (utf8_check_first and
 * utf8_check_full in jansson: RFC 3629, Table 3-7 of Unicode). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t avail = (size_t)(end - p);
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && is_cont(p[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
		unsigned char hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
		return avail >= 3 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
		return avail >= 4 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) && is_cont(p[3])
			       ? 4
			       : 0;
	}
	return 0;
}

/* The value of the four hex digits at |p|, or -1. */
static long hex4(const unsigned char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static char *utf8_put(char *o, long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decode the string whose contents start at |start| and whose first
 * backslash is at |p| into |sc|.  On MCP_JSON_FAST_OK, |*s| and |*n| are
 * the decoded bytes and r->p is past the closing quote. */
static enum mcp_json_fast_rc read_escaped(struct reader *r, struct scratch *sc,
					  const unsigned char *start, const unsigned char *p,
					  const char **s, size_t *n)
{
	/* Find the closing quote first, to size the buffer: an escape is a
	 * backslash and the byte after it (the hex digits of \u are plain). */
	const unsigned char *q = p, *end = r->end;
	while (q < end && *q != '"') {
		if (*q == '\\') {
			if (end - q < 2)
				return MCP_JSON_FAST_INVALID;
			q += 2;
		} else {
			q++;
		}
	}
	if (q == end)
		return MCP_JSON_FAST_INVALID;
	char *buf = scratch_reserve(sc, (size_t)(q - start));
	if (!buf)
		return MCP_JSON_FAST_UNSUPPORTED;
	memcpy(buf, start, (size_t)(p - start));
	char *o = buf + (p - start);
	bool nul = false;
	while (p < q) {
		const unsigned char *run = p;
		while (p < q && plain[*p])
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == q)
			break;
		unsigned char c = *p;
		if (c < 0x20)
			return MCP_JSON_FAST_INVALID;
		if (c >= 0x80) {
			size_t k = utf8_seq(p, q);
			if (!k)
				return MCP_JSON_FAST_INVALID;
			memcpy(o, p, k);
			o += k, p += k;
			continue;
		}
		/* A backslash: q is past the escaped byte. */
		c = p[1];
		p += 2;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			long cp = q - p >= 4 ? hex4(p) : -1;
			if (cp < 0)
				return MCP_JSON_FAST_INVALID;
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* Only a low surrogate escape may follow. */
				long lo = q - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return MCP_JSON_FAST_INVALID;
				p += 6;
				cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return MCP_JSON_FAST_INVALID;
			}
			nul |= cp == 0;
			o = utf8_put(o, cp);
			break;
		}
		default:
			return MCP_JSON_FAST_INVALID;
		}
	}
	r->p = q + 1;
	r->nul = nul;
	*s = buf;
	*n = (size_t)(o - buf);
	return MCP_JSON_FAST_OK;
}

/* The rest of read_string, from |p|, where the first sixteen bytes (or the
 * string) did not end plainly. */
static enum mcp_json_fast_rc read_string_rest(struct reader *r, struct scratch *sc,
					      const unsigned char *p, const char **s, size_t *n)
{
	const unsigned char *start = r->p, *end = r->end;
	for (;;) {
		p = skip_plain_long(p, end);
		if (p == end)
			return MCP_JSON_FAST_INVALID;
		if (*p == '"')
			break;
		if (*p == '\\')
			return read_escaped(r, sc, start, p, s, n);
		if (*p < 0x20)
			return MCP_JSON_FAST_INVALID;
		size_t k = utf8_seq(p, end);
		if (!k)
			return MCP_JSON_FAST_INVALID;
		p += k;
	}
	r->p = p + 1;
	r->nul = false;
	*s = (const char *)start;
	*n = (size_t)(p - start);
	return MCP_JSON_FAST_OK;
}

/* Read the string after the opening quote at r->p - 1.  Without escapes
 * (the common case) |*s| points into the text; with escapes, into |sc|.
 * Inline, for the short plain strings that most keys and values are. */
static inline enum mcp_json_fast_rc read_string(struct reader *r, struct scratch *sc,
						const char **s, size_t *n)
{
	const unsigned char *start = r->p, *p = r->p, *end = r->end;
	const unsigned char *stop = end - p > 16 ? p + 16 : end;
	while (p < stop && plain[*p])
		p++;
	if (p == stop || *p != '"')
		return read_string_rest(r, sc, p, s, n);
	r->p = p + 1;
	r->nul = false;
	*s = (const char *)start;
	*n = (size_t)(p - start);
	return MCP_JSON_FAST_OK;
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Read the number at r->p into |*v|. */
static enum mcp_json_fast_rc read_number(struct reader *r, json_t **v)
{
	const unsigned char *start = r->p, *p = r->p, *end = r->end;
	bool neg = *p == '-';
	if (neg)
		p++;
	if (p == end || !is_digit(*p))
		return MCP_JSON_FAST_INVALID;
	const unsigned char *digits = p;
	uint64_t u = 0;
	if (*p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return MCP_JSON_FAST_INVALID;
	} else {
		/* Wraps past 20 digits; the count below says so. */
		while (p < end && is_digit(*p))
			u = u * 10 + (unsigned)(*p++ - '0');
	}
	if (p == end || (*p != '.' && *p != 'e' && *p != 'E')) {
		/* strtoll's range; beyond it jansson refuses the text, and
		 * mcp_json_parse reads it again with every integer a real. */
		if (p - digits > 19 || u > (uint64_t)INT64_MAX + neg)
			return MCP_JSON_FAST_UNSUPPORTED;
		r->p = p;
		*v = json_integer(!neg ? (json_int_t)u : u ? -(json_int_t)(u - 1) - 1 : 0);
		return *v ? MCP_JSON_FAST_OK : MCP_JSON_FAST_UNSUPPORTED;
	}
	bool point = *p == '.';
	if (point) {
		p++;
		if (p == end || !is_digit(*p))
			return MCP_JSON_FAST_INVALID;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return MCP_JSON_FAST_INVALID;
		while (p < end && is_digit(*p))
			p++;
	}
	/* The very strtod call jansson makes, on the same text: jansson
	 * first swaps '.' for the locale's decimal point, which is left to
	 * it when that is not '.'. */
	char text[64];
	size_t len = (size_t)(p - start);
	if (len >= sizeof(text))
		return MCP_JSON_FAST_UNSUPPORTED;
	if (point && strcmp(localeconv()->decimal_point, ".") != 0)
		return MCP_JSON_FAST_UNSUPPORTED;
	memcpy(text, start, len);
	text[len] = '\0';
	char *tail;
	errno = 0;
	double d = strtod(text, &tail);
	if (tail != text + len)
		return MCP_JSON_FAST_UNSUPPORTED;
	if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
		return MCP_JSON_FAST_INVALID; /* "real number overflow" */
	r->p = p;
	*v = json_real(d);
	return *v ? MCP_JSON_FAST_OK : MCP_JSON_FAST_UNSUPPORTED;
}

static bool literal(struct reader *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

enum mcp_json_fast_rc mcp_json_parse_fast(const char *text, size_t len, json_t **out)
{
	json_t *stack[MCP_JSON_MAX_DEPTH]; /* the open containers */
	size_t depth = 0;
	json_t *root = NULL, *v, *parent;
	const char *key = NULL, *s;
	size_t key_len = 0, n;
	enum mcp_json_fast_rc rc;
	struct reader r;

	*out = NULL;
	if (!text)
		return MCP_JSON_FAST_INVALID;
	r.p = (const unsigned char *)text;
	r.end = r.p + len;
	r.nul = false;
	scratch_init(&r.key);
	scratch_init(&r.val);

value:	/* A value must start here. */
	skip_ws(&r);
	rc = MCP_JSON_FAST_INVALID;
	if (r.p == r.end || depth >= MCP_JSON_MAX_DEPTH)
		goto error;
	switch (*r.p) {
	case '{':
		v = json_object();
		break;
	case '[':
		v = json_array();
		break;
	case '"':
		r.p++;
		rc = read_string(&r, &r.val, &s, &n);
		if (rc != MCP_JSON_FAST_OK)
			goto error;
		v = json_stringn_nocheck(s, n);
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		rc = read_number(&r, &v);
		if (rc != MCP_JSON_FAST_OK)
			goto error;
		break;
	case 't':
		if (!literal(&r, "true", 4))
			goto error;
		v = json_true();
		break;
	case 'f':
		if (!literal(&r, "false", 5))
			goto error;
		v = json_false();
		break;
	case 'n':
		if (!literal(&r, "null", 4))
			goto error;
		v = json_null();
		break;
	default:
		goto error;
	}
	rc = MCP_JSON_FAST_UNSUPPORTED; /* out of memory, until further notice */
	if (!v)
		goto error;
	if (depth == 0) {
		root = v;
	} else if (json_is_array(stack[depth - 1])) {
		if (json_array_append_new(stack[depth - 1], v) != 0)
			goto error;
	} else {
		/* A key seen before replaces its value, and the size stays:
		 * cheaper than looking it up first, and the tree is dropped. */
		parent = stack[depth - 1];
		size_t size = json_object_size(parent);
		if (json_object_setn_new_nocheck(parent, key, key_len, v) != 0)
			goto error;
		rc = MCP_JSON_FAST_INVALID; /* "duplicate object key" */
		if (json_object_size(parent) == size)
			goto error;
	}
	if (json_is_object(v) || json_is_array(v)) {
		stack[depth++] = v;
		r.p++;
		skip_ws(&r);
		if (r.p < r.end && *r.p == (json_is_object(v) ? '}' : ']')) {
			r.p++;
			depth--;
			goto after;
		}
		if (json_is_object(v))
			goto member;
		goto value;
	}

after:	/* A value has ended: a separator, a closing bracket or the end. */
	skip_ws(&r);
	rc = MCP_JSON_FAST_INVALID;
	if (depth == 0) {
		if (r.p != r.end)
			goto error;
		scratch_close(&r.key);
		scratch_close(&r.val);
		*out = root;
		return MCP_JSON_FAST_OK;
	}
	if (r.p == r.end)
		goto error;
	parent = stack[depth - 1];
	if (*r.p == ',') {
		r.p++;
		if (json_is_array(parent))
			goto value;
		skip_ws(&r);
		goto member;
	}
	if (*r.p != (json_is_object(parent) ? '}' : ']'))
		goto error;
	r.p++;
	depth--;
	goto after;

member:	/* An object member must start here (whitespace skipped). */
	rc = MCP_JSON_FAST_INVALID;
	if (r.p == r.end || *r.p != '"')
		goto error;
	r.p++;
	rc = read_string(&r, &r.key, &key, &key_len);
	if (rc != MCP_JSON_FAST_OK)
		goto error;
	rc = MCP_JSON_FAST_INVALID;
	if (r.nul) /* "NUL byte in object key not supported" */
		goto error;
	skip_ws(&r);
	if (r.p == r.end || *r.p != ':')
		goto error;
	r.p++;
	goto value;

error:
	json_decref(root);
	scratch_close(&r.key);
	scratch_close(&r.val);
	return rc;
}
