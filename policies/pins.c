/* policies/pins.c - tool pinning (rug-pull detection), server identity and
 * description sanitising.  See include/policies/pins.h. */
#include "policies/pins.h"
#include "policies/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 from Nettle: the gateway needs its first digests on its
 * start-up path (server identity, instructions), and Nettle costs a
 * process about 0.1 ms to load where libcrypto costs about 3.5 ms. */
#include <nettle/sha2.h>

#define HEX_SIZE (POL_PIN_HEX_LEN + 1)
#define TIME_SIZE (POL_PIN_TIME_MAX + 1)
#define STR_(x) #x
#define STR(x) STR_(x)

/* jansson's iterators take non-const pointers even to read; every use of
 * this cast only reads. */
#define MUT(v) ((json_t *)(uintptr_t)(v))

/* ---- small helpers ------------------------------------------------------ */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alnum(unsigned char c)
{
	return is_digit(c) || is_lower(c) || is_upper(c);
}

static unsigned char to_lower(unsigned char c)
{
	return is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Lowercase hex of |n| bytes into |out| (2n + 1 bytes). */
static void to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* True when |s| is exactly 64 lowercase hex digits. */
static bool valid_hex(const char *s)
{
	if (!s)
		return false;
	size_t i = 0;
	for (; i < POL_PIN_HEX_LEN; i++)
		if (!is_digit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return s[i] == '\0';
}

/* Read |n| digits at |s| as a number in [lo, hi]; false otherwise. */
static bool digits_in(const char *s, int n, int lo, int hi)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi;
}

/* True when |t| is an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac]
 * followed by Z or +HH:MM), at most POL_PIN_TIME_MAX bytes. */
static bool valid_time(const char *t)
{
	if (!t || strnlen(t, TIME_SIZE) > POL_PIN_TIME_MAX)
		return false;
	if (strlen(t) < 20 || !digits_in(t, 4, 0, 9999) || t[4] != '-' ||
	    !digits_in(t + 5, 2, 1, 12) || t[7] != '-' || !digits_in(t + 8, 2, 1, 31) ||
	    (t[10] != 'T' && t[10] != 't') || !digits_in(t + 11, 2, 0, 23) || t[13] != ':' ||
	    !digits_in(t + 14, 2, 0, 59) || t[16] != ':' || !digits_in(t + 17, 2, 0, 60))
		return false;
	const char *p = t + 19;
	if (*p == '.') {
		int n = 0;
		while (is_digit((unsigned char)*++p))
			n++;
		if (n < 1 || n > 9)
			return false;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	return (*p == '+' || *p == '-') && digits_in(p + 1, 2, 0, 23) && p[3] == ':' &&
	       digits_in(p + 4, 2, 0, 59) && p[6] == '\0';
}

/* Copy |src| (|len| bytes) into |dst| of |size| bytes, cut at a UTF-8
 * boundary with "..." when it does not fit. */
static void cut_copy(char *dst, size_t size, const char *src, size_t len)
{
	if (!size)
		return;
	if (len < size) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return;
	}
	bool dots = size > 4;
	size_t keep = size - 1 - (dots ? 3 : 0);
	while (keep > 0 && ((unsigned char)src[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(dst, src, keep);
	if (dots)
		memcpy(dst + keep, "...", 3);
	dst[keep + (dots ? 3 : 0)] = '\0';
}

/* A growing byte buffer; |oom| is sticky. */
struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Append |n| bytes, keeping a NUL after them; on ENOMEM sets |oom|. */
static void buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* ---- canonical JSON and digests ---------------------------------------- */

/* The members of a tool definition that are pinned, in bytewise order of
 * their names (the canonical order). */
static const char *const def_members[] = {"annotations", "description", "inputSchema",
					   "name",	  "outputSchema", "title"};

/* The members with their own digest, in the order "what" names them. */
enum { M_TITLE, M_DESCRIPTION, M_INPUT, M_OUTPUT, M_ANNOTATIONS, M_COUNT };
static const char *const member_names[M_COUNT] = {"title", "description", "inputSchema",
						  "outputSchema", "annotations"};

struct pin_members {
	bool known;    /* false: not recorded ("definition changed") */
	unsigned mask; /* bit i: member_names[i] was present */
	char hex[M_COUNT][HEX_SIZE];
};

/* Streams canonical JSON into SHA-256.  |err| is sticky. */
struct canon {
	struct sha256_ctx md;
	size_t total; /* canonical bytes so far, capped at POL_PIN_DEF_MAX */
	int err;
	size_t n;
	unsigned char buf[4096];
};

static int canon_begin(struct canon *c)
{
	c->total = c->n = 0;
	c->err = 0;
	sha256_init(&c->md);
	return 0;
}

/* Hash the buffered bytes. */
static void canon_flush(struct canon *c)
{
	if (c->n && !c->err)
		sha256_update(&c->md, c->n, c->buf);
	c->n = 0;
}

/* Add |n| canonical bytes; sets -E2BIG past POL_PIN_DEF_MAX. */
static void canon_put(struct canon *c, const void *p, size_t n)
{
	if (c->err)
		return;
	if (n > POL_PIN_DEF_MAX - c->total) {
		c->err = -E2BIG;
		return;
	}
	c->total += n;
	const unsigned char *s = p;
	while (n && !c->err) {
		if (c->n == sizeof(c->buf))
			canon_flush(c);
		size_t k = sizeof(c->buf) - c->n;
		if (k > n)
			k = n;
		memcpy(c->buf + c->n, s, k);
		c->n += k;
		s += k;
		n -= k;
	}
}

/* Finish: the hex digest into |out|, and free the context.  Returns the
 * sticky error or 0. */
static int canon_end(struct canon *c, char out[HEX_SIZE])
{
	canon_flush(c);
	unsigned char md[SHA256_DIGEST_SIZE];
	sha256_digest(&c->md, sizeof(md), md);
	if (!c->err)
		to_hex(md, sizeof(md), out);
	return c->err;
}

/* A JSON string: only '"', '\' and control characters escaped. */
static void canon_string(struct canon *c, const char *s, size_t len)
{
	canon_put(c, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		canon_put(c, s + run, i - run);
		run = i + 1;
		char esc[8];
		switch (ch) {
		case '"': canon_put(c, "\\\"", 2); break;
		case '\\': canon_put(c, "\\\\", 2); break;
		case '\b': canon_put(c, "\\b", 2); break;
		case '\f': canon_put(c, "\\f", 2); break;
		case '\n': canon_put(c, "\\n", 2); break;
		case '\r': canon_put(c, "\\r", 2); break;
		case '\t': canon_put(c, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			canon_put(c, esc, 6);
		}
	}
	canon_put(c, s + run, len - run);
	canon_put(c, "\"", 1);
}

/* A number: integers, and integral reals below 2^53, as integers. */
static void canon_number(struct canon *c, const json_t *v)
{
	char num[40];
	int n;
	if (json_is_integer(v)) {
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else {
		double d = json_real_value(v);
		/* Integral and exactly representable: write it as an integer,
		 * so 1, 1.0 and 1e0 (and -0.0 and 0) are one number. */
		if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(long long)d) {
			n = snprintf(num, sizeof(num), "%lld", (long long)d);
		} else {
			n = snprintf(num, sizeof(num), "%.17g", d);
			for (int i = 0; i < n; i++) /* whatever the locale */
				if (num[i] == ',')
					num[i] = '.';
		}
	}
	if (n > 0 && (size_t)n < sizeof(num))
		canon_put(c, num, (size_t)n);
	else
		c->err = -EIO;
}

static void canon_value(struct canon *c, const json_t *v, int depth);

/* An object with its keys sorted; |v|'s keys and values are borrowed. */
static void canon_object(struct canon *c, const json_t *v, int depth)
{
	size_t n;
	struct pol_json_member *kv = pol_json_members_sorted(v, &n);
	if (!kv && json_object_size(v)) {
		c->err = -ENOMEM;
		return;
	}
	canon_put(c, "{", 1);
	for (size_t i = 0; i < n && !c->err; i++) {
		if (i)
			canon_put(c, ",", 1);
		canon_string(c, kv[i].key, kv[i].len);
		canon_put(c, ":", 1);
		canon_value(c, kv[i].val, depth + 1);
	}
	canon_put(c, "}", 1);
	free(kv);
}

/* Canonical JSON of |v| at nesting |depth| (the tool object is 0). */
static void canon_value(struct canon *c, const json_t *v, int depth)
{
	if (c->err)
		return;
	if (depth > JSON_PARSER_MAX_DEPTH) {
		c->err = -ELOOP;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		canon_object(c, v, depth);
		break;
	case JSON_ARRAY:
		canon_put(c, "[", 1);
		for (size_t i = 0; i < json_array_size(v) && !c->err; i++) {
			if (i)
				canon_put(c, ",", 1);
			canon_value(c, json_array_get(v, i), depth + 1);
		}
		canon_put(c, "]", 1);
		break;
	case JSON_STRING:
		canon_string(c, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		canon_number(c, v);
		break;
	case JSON_TRUE:
		canon_put(c, "true", 4);
		break;
	case JSON_FALSE:
		canon_put(c, "false", 5);
		break;
	default:
		canon_put(c, "null", 4);
		break;
	}
}

/* Digest of the definition of |tool| (an object) into |digest| and, when
 * |m| is not NULL, of each member into |m|.  Returns 0 or the errors of
 * pol_pin_tool_digest(). */
static int tool_digests(const json_t *tool, char digest[HEX_SIZE], struct pin_members *m)
{
	if (!json_is_object(tool))
		return -EINVAL;
	struct canon c;
	int r = canon_begin(&c);
	if (r)
		return r;
	bool first = true;
	canon_put(&c, "{", 1);
	for (size_t i = 0; i < sizeof(def_members) / sizeof(def_members[0]); i++) {
		const json_t *v = json_object_get(tool, def_members[i]);
		if (!v)
			continue;
		if (!first)
			canon_put(&c, ",", 1);
		first = false;
		canon_string(&c, def_members[i], strlen(def_members[i]));
		canon_put(&c, ":", 1);
		canon_value(&c, v, 1);
	}
	canon_put(&c, "}", 1);
	r = canon_end(&c, digest);
	if (r || !m)
		return r;
	memset(m, 0, sizeof(*m));
	m->known = true;
	for (int i = 0; i < M_COUNT; i++) {
		const json_t *v = json_object_get(tool, member_names[i]);
		if (!v)
			continue;
		r = canon_begin(&c);
		if (r)
			return r;
		canon_value(&c, v, 1);
		r = canon_end(&c, m->hex[i]);
		if (r)
			return r;
		m->mask |= 1u << i;
	}
	return 0;
}

int pol_pin_tool_digest(const json_t *tool, char out[POL_PIN_HEX_LEN + 1])
{
	return tool_digests(tool, out, NULL);
}

int pol_pin_text_digest(const char *text, size_t len, char out[POL_PIN_HEX_LEN + 1])
{
	if (!text && len)
		return -EINVAL;
	unsigned char md[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)(len ? text : ""));
	sha256_digest(&c, sizeof(md), md);
	to_hex(md, sizeof(md), out);
	return 0;
}

/* ---- text: flagging and sanitising -------------------------------------- */

enum finding {
	FK_ESC,
	FK_CTRL,
	FK_BIDI,
	FK_ZW,
	FK_TAG,
	FK_VS,
	FK_INVIS,
	FK_UTF8,
	FK_COUNT
};

static const char *const finding_names[FK_COUNT] = {
	"ANSI escape sequence",	       "control character",    "bidirectional control character",
	"zero-width character",	       "tag character",	       "misplaced variation selector",
	"invisible format character", "invalid UTF-8 sequence",
};

/* Length of the escape sequence starting with the ESC at |s| (|n| >= 1
 * bytes), as a terminal would consume it. */
static size_t esc_len(const unsigned char *s, size_t n)
{
	if (n < 2)
		return 1;
	unsigned char b = s[1];
	size_t i = 2;
	if (b == '[') { /* CSI: parameters, intermediates, final byte */
		while (i < n && s[i] >= 0x30 && s[i] <= 0x3F)
			i++;
		while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
			i++;
		if (i < n && s[i] >= 0x40 && s[i] <= 0x7E)
			i++;
		return i;
	}
	if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
		/* OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \ or
		 * U+009C); another ESC ends it and starts a new sequence. */
		for (; i < n; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1B)
				return i + 1 < n && s[i + 1] == '\\' ? i + 2 : i;
			if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x9C)
				return i + 2;
		}
		return n;
	}
	if (b >= 0x20 && b <= 0x2F) { /* nF: intermediates, then a final byte */
		while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
			i++;
		if (i < n && s[i] >= 0x30 && s[i] <= 0x7E)
			i++;
		return i;
	}
	if (b >= 0x30 && b <= 0x7E) /* Fp, Fe, Fs: ESC 7, ESC c, ESC M, ... */
		return 2;
	return 1;
}

static bool is_bidi(uint32_t c)
{
	return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

static bool is_zero_width(uint32_t c)
{
	return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

static bool is_variation_selector(uint32_t c)
{
	return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF) ||
	       (c >= 0x180B && c <= 0x180D) || c == 0x180F;
}

/* Other default-ignorable or invisible characters that render as nothing
 * and can hide text: soft hyphen, combining grapheme joiner, Hangul
 * fillers, Khmer inherent vowels, Mongolian vowel separator, invisible
 * math operators, deprecated format characters, interlinear annotation
 * controls, shorthand format controls, musical formatting controls. */
static bool is_invisible(uint32_t c)
{
	return c == 0x00AD || c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 ||
	       c == 0x17B5 || c == 0x180E || (c >= 0x2061 && c <= 0x2064) ||
	       (c >= 0x206A && c <= 0x206F) || c == 0x3164 || c == 0xFFA0 ||
	       (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
	       (c >= 0x1D173 && c <= 0x1D17A);
}

/* One pass over a text: counts findings and, when |out| is set, writes
 * the sanitised text there (at most 3 bytes per input byte). */
struct tscan {
	size_t count[FK_COUNT];
	char *out;
	size_t out_len;
};

/* Keep |n| bytes (counted only, when not writing). */
static void tscan_emit(struct tscan *t, const void *p, size_t n)
{
	if (t->out)
		memcpy(t->out + t->out_len, p, n);
	t->out_len += n;
}

static void text_scan(const char *str, size_t len, struct tscan *t)
{
	const unsigned char *s = (const unsigned char *)str;
	bool vs_ok = false; /* the last character kept may carry a variation selector */
	size_t i = 0;
	while (i < len) {
		unsigned char b = s[i];
		if (b == 0x1B) {
			t->count[FK_ESC]++;
			i += esc_len(s + i, len - i);
			continue;
		}
		if (b < 0x80) {
			if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F) {
				t->count[FK_CTRL]++;
				i++;
				continue;
			}
			size_t j = i + 1;
			while (j < len && ((s[j] >= 0x20 && s[j] < 0x7F) || s[j] == '\n' || s[j] == '\t'))
				j++;
			tscan_emit(t, s + i, j - i);
			vs_ok = true;
			i = j;
			continue;
		}
		uint32_t cp;
		size_t n = pol_utf8_next(s + i, len - i, &cp);
		if (cp == UINT32_MAX) {
			t->count[FK_UTF8]++;
			tscan_emit(t, "\xEF\xBF\xBD", 3);
			vs_ok = true;
		} else if (cp <= 0x9F) {
			t->count[FK_CTRL]++; /* C1 controls, U+0080..U+009F */
		} else if (cp == 0x2028 || cp == 0x2029) {
			t->count[FK_CTRL]++;
			tscan_emit(t, "\n", 1);
			vs_ok = true;
		} else if (is_bidi(cp)) {
			t->count[FK_BIDI]++;
		} else if (is_zero_width(cp)) {
			t->count[FK_ZW]++;
		} else if (cp >= 0xE0000 && cp <= 0xE007F) {
			t->count[FK_TAG]++;
		} else if (is_invisible(cp)) {
			t->count[FK_INVIS]++;
		} else if (is_variation_selector(cp)) {
			/* One selector after a visible character is ordinary
			 * (emoji presentation); a run of them encodes hidden
			 * bytes. */
			if (vs_ok)
				tscan_emit(t, s + i, n);
			else
				t->count[FK_VS]++;
			vs_ok = false;
		} else {
			tscan_emit(t, s + i, n);
			vs_ok = true;
		}
		i += n;
	}
}

/* Total findings of |t|; the summary into |what| when not NULL. */
static size_t summarize(const struct tscan *t, char *what, size_t size)
{
	size_t total = 0, off = 0;
	if (what && size)
		what[0] = '\0';
	for (int k = 0; k < FK_COUNT; k++) {
		size_t n = t->count[k];
		if (!n)
			continue;
		if (what && size && off + 1 < size) {
			int r = snprintf(what + off, size - off, "%s%zu %s%s", total ? ", " : "", n,
					 finding_names[k], n == 1 ? "" : "s");
			if (r > 0)
				off += (size_t)r < size - off ? (size_t)r : size - off - 1;
		}
		total += n;
	}
	return total;
}

size_t pol_text_flag(const char *s, size_t len, char *what, size_t what_size)
{
	struct tscan t = {0};
	if (s)
		text_scan(s, len, &t);
	return summarize(&t, what, what_size);
}

char *pol_text_sanitize(const char *s, size_t len, size_t *out_len)
{
	if (!s && len) {
		errno = EINVAL;
		return NULL;
	}
	if (len > POL_TEXT_MAX) {
		errno = E2BIG;
		return NULL;
	}
	struct tscan t = {0};
	t.out = malloc(len * 3 + 1);
	if (!t.out) {
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		text_scan(s, len, &t);
	t.out[t.out_len] = '\0';
	char *shrunk = realloc(t.out, t.out_len + 1);
	if (shrunk)
		t.out = shrunk;
	if (out_len)
		*out_len = t.out_len;
	return t.out;
}

/* True when |s| (|len| bytes) is valid UTF-8 with nothing pol_text_flag()
 * reports and no \n or \t either: safe as a key or on one log line. */
static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return pol_text_flag(s, len, NULL, 0) == 0;
}

/* ---- one server's pins --------------------------------------------------- */

struct pin_tool {
	char *name;
	char digest[HEX_SIZE];
	struct pin_members members;
	char first_seen[TIME_SIZE];
	char approved[TIME_SIZE]; /* "" when never approved */
	char removed[TIME_SIZE];  /* "" unless missing since then */
	bool pending;		  /* a changed definition awaits approval */
	char pending_digest[HEX_SIZE];
	struct pin_members pending_members;
	char pending_seen[TIME_SIZE];
};

enum ins_state { INS_UNKNOWN, INS_NONE, INS_DIGEST };

struct pol_pinset {
	struct pin_tool **tools; /* sorted by name (strcmp) */
	size_t n, cap;
	enum ins_state ins;
	char ins_digest[HEX_SIZE];
	bool ins_pending;
	char ins_pending_digest[HEX_SIZE];
};

struct pol_pinset *pol_pinset_new(void)
{
	return calloc(1, sizeof(struct pol_pinset));
}

void pol_pinset_free(struct pol_pinset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->tools[i]->name);
		free(set->tools[i]);
	}
	free(set->tools);
	free(set);
}

size_t pol_pinset_count(const struct pol_pinset *set)
{
	return set ? set->n : 0;
}

/* Index of |name| in |set| (*found) or where it would be inserted. */
static size_t set_find(const struct pol_pinset *set, const char *name, bool *found)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(set->tools[mid]->name, name);
		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct pin_tool *set_get(const struct pol_pinset *set, const char *name)
{
	bool found;
	size_t i = set_find(set, name, &found);
	return found ? set->tools[i] : NULL;
}

/* Insert a new zeroed tool |name| at |pos|; *out points at it (owned by
 * the set).  Returns 0, -ENOSPC (POL_PIN_MAX_TOOLS), -ENOMEM. */
static int set_insert(struct pol_pinset *set, size_t pos, const char *name, struct pin_tool **out)
{
	if (set->n >= POL_PIN_MAX_TOOLS)
		return -ENOSPC;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct pin_tool **t = realloc(set->tools, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		set->tools = t;
		set->cap = cap;
	}
	struct pin_tool *t = calloc(1, sizeof(*t));
	if (!t || !(t->name = strdup(name))) {
		free(t);
		return -ENOMEM;
	}
	memmove(set->tools + pos + 1, set->tools + pos, (set->n - pos) * sizeof(*set->tools));
	set->tools[pos] = t;
	set->n++;
	*out = t;
	return 0;
}

/* What differs between the pinned members |old| and the listed |cur|:
 * "description changed, outputSchema added". */
static void describe(const struct pin_members *old, const struct pin_members *cur, char *what,
		     size_t size)
{
	size_t off = 0;
	what[0] = '\0';
	for (int i = 0; i < M_COUNT && old->known && cur->known; i++) {
		bool a = old->mask & (1u << i), b = cur->mask & (1u << i);
		const char *verb = a && b && strcmp(old->hex[i], cur->hex[i]) != 0 ? "changed"
				   : !a && b				       ? "added"
				   : a && !b				       ? "removed"
									       : NULL;
		if (!verb || off + 1 >= size)
			continue;
		int r = snprintf(what + off, size - off, "%s%s %s", off ? ", " : "", member_names[i],
				 verb);
		if (r > 0)
			off += (size_t)r < size - off ? (size_t)r : size - off - 1;
	}
	if (!off)
		snprintf(what, size, "definition changed");
}

/* Why |tool| cannot be pinned (a static string), or NULL; *name is its
 * name, or "" when it has no string name. */
static const char *tool_name(const json_t *tool, const char **name)
{
	*name = "";
	if (!json_is_object(tool))
		return "cannot be pinned: not an object";
	const json_t *n = json_object_get(tool, "name");
	if (!json_is_string(n))
		return "cannot be pinned: no string name";
	size_t len = json_string_length(n);
	*name = json_string_value(n);
	if (len == 0)
		return "cannot be pinned: empty name";
	if (len > POL_PIN_NAME_MAX)
		return "cannot be pinned: name longer than " STR(POL_PIN_NAME_MAX) " bytes";
	if (memchr(*name, '\0', len))
		return "cannot be pinned: name contains a NUL byte";
	return NULL;
}

/* Call |cb| when set. */
static void report(pol_pin_cb cb, void *ctx, const char *name, enum pol_pin_change c,
		   const char *what)
{
	if (cb)
		cb(ctx, name, c, what);
}

int pol_pinset_check_tools(struct pol_pinset *set, const json_t *tools, bool record,
			   const char *now, pol_pin_cb cb, void *ctx)
{
	if (!set || !json_is_array(tools) || (record && !valid_time(now)))
		return -EINVAL;
	for (size_t i = 0; i < json_array_size(tools); i++) {
		const json_t *tool = json_array_get(tools, i);
		const char *name;
		const char *why = tool_name(tool, &name);
		char digest[HEX_SIZE], what[192];
		struct pin_members m;
		if (!why) {
			int r = tool_digests(tool, digest, &m);
			if (r == -E2BIG)
				why = "cannot be pinned: definition over 16 MiB";
			else if (r == -ELOOP)
				why = "cannot be pinned: definition nested too deep";
			else if (r)
				return r;
		}
		if (why) {
			report(cb, ctx, name, POL_PIN_CHANGED, why);
			continue;
		}
		bool found;
		size_t pos = set_find(set, name, &found);
		if (!found) {
			if (record) {
				struct pin_tool *t;
				int r = set_insert(set, pos, name, &t);
				if (r == -ENOSPC) {
					report(cb, ctx, name, POL_PIN_CHANGED,
					       "cannot be pinned: the server has more than " STR(
						       POL_PIN_MAX_TOOLS) " tools");
					continue;
				}
				if (r)
					return r;
				memcpy(t->digest, digest, HEX_SIZE);
				t->members = m;
				snprintf(t->first_seen, sizeof(t->first_seen), "%s", now);
			}
			report(cb, ctx, name, POL_PIN_NEW, "new tool");
			continue;
		}
		struct pin_tool *t = set->tools[pos];
		if (record)
			t->removed[0] = '\0';
		if (strcmp(t->digest, digest) == 0) {
			if (record)
				t->pending = false;
			report(cb, ctx, name, POL_PIN_SAME, "");
			continue;
		}
		describe(&t->members, &m, what, sizeof(what));
		if (record && !(t->pending && strcmp(t->pending_digest, digest) == 0)) {
			t->pending = true;
			memcpy(t->pending_digest, digest, HEX_SIZE);
			t->pending_members = m;
			snprintf(t->pending_seen, sizeof(t->pending_seen), "%s", now);
		}
		report(cb, ctx, name, POL_PIN_CHANGED, what);
	}
	return 0;
}

/* qsort/bsearch order of an array of C strings. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pol_pinset_check_removed(struct pol_pinset *set, const char *const *seen, size_t nseen,
			     bool record, const char *now, pol_pin_cb cb, void *ctx)
{
	if (!set || (nseen && !seen) || (record && !valid_time(now)))
		return -EINVAL;
	if (nseen > (size_t)POL_PIN_MAX_TOOLS * 4)
		return -E2BIG;
	const char **sorted = nseen ? malloc(nseen * sizeof(*sorted)) : NULL;
	if (nseen && !sorted)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < nseen; i++)
		if (seen[i])
			sorted[n++] = seen[i];
	if (n)
		qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < set->n; i++) {
		struct pin_tool *t = set->tools[i];
		const char *key = t->name;
		if ((n && bsearch(&key, sorted, n, sizeof(*sorted), cmp_str)) || t->removed[0])
			continue;
		if (record)
			snprintf(t->removed, sizeof(t->removed), "%s", now);
		report(cb, ctx, t->name, POL_PIN_REMOVED, "tool removed");
	}
	free(sorted);
	return 0;
}

enum pol_pin_change pol_pinset_check_instructions(struct pol_pinset *set, const char *text,
						  size_t len, bool record)
{
	char d[HEX_SIZE];
	bool none = !text || len == 0;
	if (!set || (!none && pol_pin_text_digest(text, len, d) != 0))
		return POL_PIN_CHANGED;
	switch (set->ins) {
	case INS_UNKNOWN:
		if (record) {
			set->ins = none ? INS_NONE : INS_DIGEST;
			if (!none)
				memcpy(set->ins_digest, d, HEX_SIZE);
		}
		return POL_PIN_NEW;
	case INS_DIGEST:
		if (none)
			return POL_PIN_REMOVED;
		if (strcmp(set->ins_digest, d) == 0) {
			if (record)
				set->ins_pending = false;
			return POL_PIN_SAME;
		}
		break;
	case INS_NONE:
		if (none) {
			if (record)
				set->ins_pending = false;
			return POL_PIN_SAME;
		}
		break;
	}
	if (record) {
		set->ins_pending = true;
		memcpy(set->ins_pending_digest, d, HEX_SIZE);
	}
	return POL_PIN_CHANGED;
}

/* Make |t|'s pending definition its pin, approved at |now|. */
static void adopt_pending(struct pin_tool *t, const char *now)
{
	memcpy(t->digest, t->pending_digest, HEX_SIZE);
	t->members = t->pending_members;
	t->pending = false;
	snprintf(t->approved, sizeof(t->approved), "%s", now);
}

int pol_pinset_approve(struct pol_pinset *set, const char *tool, const char *digest,
		       const char *now)
{
	if (!set || !valid_time(now) || (digest && !valid_hex(digest)))
		return -EINVAL;
	if (!tool) {
		if (digest)
			return -EINVAL;
		int n = 0;
		for (size_t i = 0; i < set->n; i++)
			if (set->tools[i]->pending) {
				adopt_pending(set->tools[i], now);
				n++;
			}
		n += pol_pinset_approve_instructions(set, NULL);
		return n;
	}
	struct pin_tool *t = set_get(set, tool);
	if (!t)
		return -ENOENT;
	if (t->pending && (!digest || strcmp(t->pending_digest, digest) == 0)) {
		adopt_pending(t, now);
		return 1;
	}
	if (!digest)
		return 0;
	t->pending = false;
	if (strcmp(t->digest, digest) == 0)
		return 0;
	memcpy(t->digest, digest, HEX_SIZE);
	memset(&t->members, 0, sizeof(t->members)); /* unknown: "definition changed" */
	snprintf(t->approved, sizeof(t->approved), "%s", now);
	return 1;
}

int pol_pinset_approve_instructions(struct pol_pinset *set, const char *digest)
{
	if (!set || (digest && !valid_hex(digest)))
		return -EINVAL;
	if (!digest) {
		if (!set->ins_pending)
			return 0;
		digest = set->ins_pending_digest;
	}
	bool same = set->ins == INS_DIGEST && strcmp(set->ins_digest, digest) == 0;
	memmove(set->ins_digest, digest, HEX_SIZE);
	set->ins = INS_DIGEST;
	set->ins_pending = false;
	return same ? 0 : 1;
}

int pol_pinset_pending(const struct pol_pinset *set, const char *tool, char *what,
		       size_t what_size)
{
	if (what && what_size)
		what[0] = '\0';
	const struct pin_tool *t = set && tool ? set_get(set, tool) : NULL;
	if (!t)
		return -ENOENT;
	if (!t->pending)
		return 0;
	if (what && what_size)
		describe(&t->members, &t->pending_members, what, what_size);
	return 1;
}

/* ---- the store ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t size, const char *fmt,
						      ...)
{
	if (err && size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* |s| (|len| bytes) quoted for a message: escaped, cut to 48 bytes. */
static void quote(char out[80], const char *s, size_t len)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < len && o < 72; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 48) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, 80 - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Check that every key of |obj| is in |allowed| (NULL-terminated). */
static int only_keys(const json_t *obj, const char *const *allowed, const char *path, char *err,
		     size_t size)
{
	for (void *it = json_object_iter(MUT(obj)); it; it = json_object_iter_next(MUT(obj), it)) {
		const char *key = json_object_iter_key(it);
		size_t len = json_object_iter_key_len(it);
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strlen(allowed[i]) == len && memcmp(allowed[i], key, len) == 0;
		if (!ok) {
			char q[80];
			quote(q, key, len);
			return fail(err, size, "%s: unknown key %s", path, q);
		}
	}
	return 0;
}

/* Copy the digest member |key| of |obj| into |out|; *present (may be
 * NULL) says whether it was there.  Returns 0 or -EINVAL with a message. */
static int get_digest(const json_t *obj, const char *key, bool required, char out[HEX_SIZE],
		      bool *present, const char *path, char *err, size_t size)
{
	const json_t *v = json_object_get(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? fail(err, size, "%s: missing \"%s\"", path, key) : 0;
	if (!json_is_string(v) || !valid_hex(json_string_value(v)) ||
	    json_string_length(v) != POL_PIN_HEX_LEN)
		return fail(err, size, "%s.%s: not a digest (64 lowercase hex digits)", path, key);
	memcpy(out, json_string_value(v), HEX_SIZE);
	return 0;
}

/* Copy the RFC 3339 member |key| of |obj| into |out| ("" when absent and
 * not |required|).  Returns 0 or -EINVAL with a message. */
static int get_time(const json_t *obj, const char *key, bool required, char out[TIME_SIZE],
		    const char *path, char *err, size_t size)
{
	const json_t *v = json_object_get(obj, key);
	out[0] = '\0';
	if (!v)
		return required ? fail(err, size, "%s: missing \"%s\"", path, key) : 0;
	if (!json_is_string(v) || !valid_time(json_string_value(v)) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fail(err, size, "%s.%s: not an RFC 3339 timestamp", path, key);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* Read a "members" object |v| (borrowed; NULL: absent, not known) into
 * |m|.  Returns 0 or -EINVAL with a message. */
static int members_from_json(const json_t *v, struct pin_members *m, const char *path, char *err,
			     size_t size)
{
	memset(m, 0, sizeof(*m));
	if (!v)
		return 0;
	char p[512];
	snprintf(p, sizeof(p), "%s.members", path);
	if (!json_is_object(v))
		return fail(err, size, "%s: expected an object", p);
	static const char *const allowed[] = {"title", "description", "inputSchema",
					      "outputSchema", "annotations", NULL};
	int r = only_keys(v, allowed, p, err, size);
	for (int i = 0; i < M_COUNT && !r; i++) {
		bool present;
		r = get_digest(v, member_names[i], false, m->hex[i], &present, p, err, size);
		if (present)
			m->mask |= 1u << i;
	}
	m->known = true;
	return r;
}

/* Validate the tool entry |v| (borrowed) named |name| and add it to |set|.
 * Returns 0, -EINVAL with a message, -ENOMEM. */
static int tool_from_json(struct pol_pinset *set, const char *name, size_t name_len,
			  const json_t *v, const char *spath, char *err, size_t size)
{
	char q[80], path[512];
	quote(q, name, name_len);
	snprintf(path, sizeof(path), "%s.tools[%s]", spath, q);
	if (name_len == 0 || name_len > POL_PIN_NAME_MAX || strlen(name) != name_len)
		return fail(err, size, "%s: bad tool name", path);
	if (!json_is_object(v))
		return fail(err, size, "%s: expected an object", path);
	static const char *const allowed[] = {"digest",  "first_seen", "approved", "removed",
					      "members", "pending",    NULL};
	int r = only_keys(v, allowed, path, err, size);
	if (r)
		return r;
	bool found;
	size_t pos = set_find(set, name, &found);
	struct pin_tool *t;
	if (found)
		return fail(err, size, "%s: duplicate tool", path);
	r = set_insert(set, pos, name, &t);
	if (r == -ENOSPC)
		return fail(err, size, "%s: more than " STR(POL_PIN_MAX_TOOLS) " tools", spath);
	if (r)
		return r;
	if ((r = get_digest(v, "digest", true, t->digest, NULL, path, err, size)) ||
	    (r = get_time(v, "first_seen", true, t->first_seen, path, err, size)) ||
	    (r = get_time(v, "approved", false, t->approved, path, err, size)) ||
	    (r = get_time(v, "removed", false, t->removed, path, err, size)) ||
	    (r = members_from_json(json_object_get(v, "members"), &t->members, path, err, size)))
		return r;
	const json_t *pend = json_object_get(v, "pending");
	if (!pend)
		return 0;
	char ppath[560];
	snprintf(ppath, sizeof(ppath), "%s.pending", path);
	static const char *const pallowed[] = {"digest", "seen", "members", NULL};
	if (!json_is_object(pend))
		return fail(err, size, "%s: expected an object", ppath);
	if ((r = only_keys(pend, pallowed, ppath, err, size)) ||
	    (r = get_digest(pend, "digest", true, t->pending_digest, NULL, ppath, err, size)) ||
	    (r = get_time(pend, "seen", true, t->pending_seen, ppath, err, size)) ||
	    (r = members_from_json(json_object_get(pend, "members"), &t->pending_members, ppath,
				   err, size)))
		return r;
	t->pending = true;
	return 0;
}

/* Convert (and so validate) the server entry |v| of |ident| into a new set.
 * Returns 0 with *out, -EINVAL with a message, -ENOMEM. */
static int server_from_json(const json_t *v, const char *ident, size_t ident_len,
			    struct pol_pinset **out, char *err, size_t size)
{
	char q[80], path[128];
	*out = NULL;
	quote(q, ident, ident_len);
	snprintf(path, sizeof(path), "servers[%s]", q);
	if (ident_len == 0 || ident_len > POL_PIN_ID_MAX || !printable(ident, ident_len))
		return fail(err, size, "%s: bad server identity", path);
	if (!json_is_object(v))
		return fail(err, size, "%s: expected an object", path);
	static const char *const allowed[] = {"label", "instructions", "instructions_pending",
					      "tools", NULL};
	int r = only_keys(v, allowed, path, err, size);
	if (r)
		return r;
	const json_t *label = json_object_get(v, "label");
	if (!json_is_string(label) || json_string_length(label) > POL_PIN_LABEL_MAX)
		return fail(err, size, "%s.label: %s", path,
			    label ? "not a string of at most " STR(POL_PIN_LABEL_MAX) " bytes"
				  : "missing");
	const json_t *tools = json_object_get(v, "tools");
	if (!json_is_object(tools))
		return fail(err, size, "%s.tools: %s", path, tools ? "expected an object" : "missing");
	if (json_object_size(tools) > POL_PIN_MAX_TOOLS)
		return fail(err, size, "%s.tools: more than " STR(POL_PIN_MAX_TOOLS) " tools", path);
	struct pol_pinset *set = pol_pinset_new();
	if (!set)
		return -ENOMEM;
	const json_t *ins = json_object_get(v, "instructions");
	bool has_pending = false;
	if (json_is_null(ins))
		set->ins = INS_NONE;
	else if (ins && !(r = get_digest(v, "instructions", true, set->ins_digest, NULL, path, err,
					 size)))
		set->ins = INS_DIGEST;
	if (!r)
		r = get_digest(v, "instructions_pending", false, set->ins_pending_digest,
			       &has_pending, path, err, size);
	if (!r && has_pending && !ins)
		r = fail(err, size, "%s: instructions_pending without instructions", path);
	set->ins_pending = has_pending;
	for (void *it = json_object_iter(MUT(tools)); it && !r;
	     it = json_object_iter_next(MUT(tools), it))
		r = tool_from_json(set, json_object_iter_key(it), json_object_iter_key_len(it),
				   json_object_iter_value(it), path, err, size);
	if (r) {
		pol_pinset_free(set);
		return r;
	}
	*out = set;
	return 0;
}

/* The servers object of a store whose header is valid, or NULL with a
 * message. */
static const json_t *store_servers(const json_t *store, int *r, char *err, size_t size)
{
	*r = -EINVAL;
	if (!json_is_object(store)) {
		fail(err, size, "the store is not a JSON object");
		return NULL;
	}
	static const char *const allowed[] = {"version", "servers", NULL};
	if ((*r = only_keys(store, allowed, "store", err, size)))
		return NULL;
	*r = -EINVAL;
	const json_t *version = json_object_get(store, "version");
	if (!json_is_integer(version)) {
		fail(err, size, "version: %s", version ? "not an integer" : "missing");
		return NULL;
	}
	if (json_integer_value(version) != POL_PIN_STORE_VERSION) {
		fail(err, size,
		     "version: %" JSON_INTEGER_FORMAT " is not supported (this build reads version "
		     "%d)",
		     json_integer_value(version), POL_PIN_STORE_VERSION);
		return NULL;
	}
	const json_t *servers = json_object_get(store, "servers");
	if (!json_is_object(servers)) {
		fail(err, size, "servers: %s", servers ? "expected an object" : "missing");
		return NULL;
	}
	if (json_object_size(servers) > POL_PINSTORE_MAX_SERVERS) {
		fail(err, size, "servers: more than " STR(POL_PINSTORE_MAX_SERVERS) " servers");
		return NULL;
	}
	*r = 0;
	return servers;
}

json_t *pol_pinstore_new(void)
{
	return json_pack("{s:i, s:{}}", "version", POL_PIN_STORE_VERSION, "servers");
}

int pol_pinstore_parse(const char *text, size_t len, json_t **store_out, char *err,
		       size_t err_size)
{
	if (err && err_size)
		err[0] = '\0';
	if (!store_out)
		return -EINVAL;
	*store_out = NULL;
	if (!text && len)
		return fail(err, err_size, "no text");
	if (len > POL_PINSTORE_MAX_BYTES) {
		fail(err, err_size, "the store is larger than 64 MiB");
		return -E2BIG;
	}
	if (len == 0)
		return fail(err, err_size, "the store is empty");
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return -ENOMEM;
		return fail(err, err_size, "line %d column %d: %s", je.line, je.column, je.text);
	}
	int r;
	const json_t *servers = store_servers(root, &r, err, err_size);
	for (void *it = servers ? json_object_iter(MUT(servers)) : NULL; it && !r;
	     it = json_object_iter_next(MUT(servers), it)) {
		struct pol_pinset *set;
		r = server_from_json(json_object_iter_value(it), json_object_iter_key(it),
				     json_object_iter_key_len(it), &set, err, err_size);
		pol_pinset_free(set);
	}
	if (r) {
		json_decref(root);
		return r;
	}
	*store_out = root;
	return 0;
}

int pol_pinstore_serialize(const json_t *store, char **text_out, size_t *len_out)
{
	if (!store || !text_out)
		return -EINVAL;
	*text_out = NULL;
	char *s = json_dumps(store, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!s)
		return -ENOMEM;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return -ENOMEM;
	}
	t[n++] = '\n';
	t[n] = '\0';
	*text_out = t;
	if (len_out)
		*len_out = n;
	return 0;
}

int pol_pinstore_get(const json_t *store, const char *identity, struct pol_pinset **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	int r;
	const json_t *servers = store_servers(store, &r, NULL, 0);
	if (!servers || !identity)
		return -EINVAL;
	const json_t *srv = json_object_get(servers, identity);
	if (!srv)
		return 0;
	return server_from_json(srv, identity, strlen(identity), out, NULL, 0);
}

/* Set |key| of |obj| to the new reference |v|; clears *ok on failure. */
static void jset(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

/* A new reference to the "members" object of |m|, or NULL (ENOMEM). */
static json_t *members_to_json(const struct pin_members *m)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	for (int i = 0; i < M_COUNT && ok; i++)
		if (m->mask & (1u << i))
			jset(o, member_names[i], json_string(m->hex[i]), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A new reference to the store entry of |t|, or NULL (ENOMEM). */
static json_t *tool_to_json(const struct pin_tool *t)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	if (ok) {
		jset(o, "digest", json_string(t->digest), &ok);
		jset(o, "first_seen", json_string(t->first_seen), &ok);
	}
	if (ok && t->approved[0])
		jset(o, "approved", json_string(t->approved), &ok);
	if (ok && t->removed[0])
		jset(o, "removed", json_string(t->removed), &ok);
	if (ok && t->members.known)
		jset(o, "members", members_to_json(&t->members), &ok);
	if (ok && t->pending) {
		json_t *p = json_object();
		bool pok = p != NULL;
		if (pok) {
			jset(p, "digest", json_string(t->pending_digest), &pok);
			jset(p, "seen", json_string(t->pending_seen), &pok);
		}
		if (pok && t->pending_members.known)
			jset(p, "members", members_to_json(&t->pending_members), &pok);
		if (!pok) {
			json_decref(p);
			p = NULL;
		}
		jset(o, "pending", p, &ok);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* |label| made printable on one line and cut to POL_PIN_LABEL_MAX bytes,
 * as a new JSON string. */
static json_t *label_json(const char *label)
{
	size_t n = label ? strnlen(label, POL_TEXT_MAX) : 0;
	char *s = pol_text_sanitize(label ? label : "", n, &n);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' || s[i] == '\t')
			s[i] = ' ';
	char cut[POL_PIN_LABEL_MAX + 1];
	cut_copy(cut, sizeof(cut), s, n);
	free(s);
	return json_string(cut);
}

int pol_pinstore_put(json_t *store, const char *identity, const char *label,
		     const struct pol_pinset *set)
{
	int r;
	json_t *servers = MUT(store_servers(store, &r, NULL, 0));
	if (!servers || !identity || !set)
		return -EINVAL;
	size_t len = strnlen(identity, POL_PIN_ID_MAX + 1);
	if (len == 0 || len > POL_PIN_ID_MAX || !printable(identity, len))
		return -EINVAL;
	if (!json_object_get(servers, identity) &&
	    json_object_size(servers) >= POL_PINSTORE_MAX_SERVERS)
		return -ENOSPC;
	json_t *srv = json_object(), *tools = json_object();
	bool ok = srv && tools;
	if (ok) {
		jset(srv, "label", label_json(label), &ok);
		if (set->ins == INS_NONE)
			jset(srv, "instructions", json_null(), &ok);
		else if (set->ins == INS_DIGEST)
			jset(srv, "instructions", json_string(set->ins_digest), &ok);
		if (set->ins_pending && set->ins != INS_UNKNOWN)
			jset(srv, "instructions_pending", json_string(set->ins_pending_digest), &ok);
	}
	for (size_t i = 0; i < set->n && ok; i++)
		jset(tools, set->tools[i]->name, tool_to_json(set->tools[i]), &ok);
	if (ok) {
		ok = json_object_set_new(srv, "tools", tools) == 0;
		tools = NULL;
	}
	if (ok) {
		ok = json_object_set_new(servers, identity, srv) == 0;
		srv = NULL;
	}
	json_decref(tools);
	json_decref(srv);
	return ok ? 0 : -ENOMEM;
}

int pol_pinstore_remove(json_t *store, const char *identity)
{
	int r;
	json_t *servers = MUT(store_servers(store, &r, NULL, 0));
	if (!servers || !identity)
		return -EINVAL;
	return json_object_del(servers, identity) == 0 ? 0 : -ENOENT;
}

/* ---- server identity ------------------------------------------------------ */

/* Words that make a name (flag, variable, header, query parameter)
 * sensitive, as one of its components. */
static const char *const secret_words[] = {
	"token",      "tokens",	    "secret",	 "secrets",	"password",   "passwd",
	"pass",	      "pwd",	    "passphrase", "apikey",	"auth",	      "authorization",
	"credential", "credentials", "cookie",	 "bearer",	"pat",	      "key",
	"privatekey", "accesskey",   "secretkey", "signature", "sig",	      NULL,
};
/* A last component that makes the value a reference to the secret, not
 * the secret: --token-file, --api-key-env, --auth-url, --key-id. */
static const char *const reference_words[] = {
	"file", "path", "dir",	   "env",    "var",  "name",   "type",	   "mode",    "id",
	"url",	"uri",	"endpoint", "host",   "port", "method", "provider", "format", "length",
	"len",	"size", "ttl",	   "timeout", NULL,
};
/* A first component that makes a flag a switch: --no-auth, --skip-auth. */
static const char *const switch_words[] = {"no", "disable", "enable", "without", "skip",
					   "use", "allow", "require", NULL};

/* Whether |w| is one of the NULL-terminated |list|. */
static bool word_in(const char *w, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Whether the |n| bytes at |s| end with |suffix|. */
static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Whether the name |s| (|len| bytes: "--api-key", "GITHUB_TOKEN",
 * "apiKey") names a secret.  Components are split at non-alphanumerics
 * and lower-to-upper case changes, and compared in lowercase. */
static bool name_sensitive(const char *s, size_t len)
{
	char comp[32], last[32] = "", joined[64];
	size_t cl = 0, jl = 0, ncomp = 0;
	bool sensitive = false, is_switch = false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : 0;
		bool boundary = !is_alnum(c) || (i > 0 && is_lower((unsigned char)s[i - 1]) &&
						 is_upper(c));
		if (boundary && cl) {
			comp[cl] = '\0';
			if (word_in(comp, secret_words))
				sensitive = true;
			if (ncomp++ == 0 && word_in(comp, switch_words))
				is_switch = true;
			memcpy(last, comp, cl + 1);
			cl = 0;
		}
		if (is_alnum(c)) {
			if (cl < sizeof(comp) - 1)
				comp[cl++] = (char)to_lower(c);
			if (jl < sizeof(joined))
				joined[jl++] = (char)to_lower(c);
		}
	}
	if (ends_with(joined, jl, "token") || ends_with(joined, jl, "secret") ||
	    ends_with(joined, jl, "password") || ends_with(joined, jl, "apikey"))
		sensitive = true;
	return sensitive && !is_switch && !word_in(last, reference_words);
}

/* Whether the name |s| (|len| bytes) names a reference to something rather
 * than a value that could be secret: --project-id, --db-path, --base-url.
 * The entropy rule spares such values (an id is random-looking by design,
 * and redacting it would give two servers one identity); known token
 * prefixes are still redacted. */
static bool name_is_reference(const char *s, size_t len)
{
	size_t e = len;
	while (e > 0 && !is_alnum((unsigned char)s[e - 1]))
		e--;
	size_t a = e;
	while (a > 0 && is_alnum((unsigned char)s[a - 1]) &&
	       !(is_upper((unsigned char)s[a - 1]) && a > 1 && is_lower((unsigned char)s[a - 2])))
		a--;
	if (a > 0 && is_upper((unsigned char)s[a - 1]))
		a--; /* camelCase: "projectId" -> "Id" */
	char w[16];
	size_t n = e - a;
	if (n == 0 || n >= sizeof(w))
		return false;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)to_lower((unsigned char)s[a + i]);
	w[n] = '\0';
	return word_in(w, reference_words);
}

/* Byte ranges of an argument to replace by "<redacted>". */
#define MAX_SPANS 64
struct spans {
	size_t a[MAX_SPANS], b[MAX_SPANS];
	size_t n;
	bool all; /* too many: redact the whole argument */
};

/* Note bytes [a, b) for redaction. */
static void span_add(struct spans *sp, size_t a, size_t b)
{
	if (b <= a)
		return;
	if (sp->n == MAX_SPANS) {
		sp->all = true;
		return;
	}
	sp->a[sp->n] = a;
	sp->b[sp->n++] = b;
}

/* Characters of a token (base64, base64url, JWT); '=' is left out so that
 * NAME=value splits into two runs. */
static bool is_token_char(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '+' || c == '/';
}

/* Whether the |n| bytes at |s| start with the lowercase ASCII |p|,
 * ignoring ASCII case (no locale). */
static bool prefix_ci(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (to_lower((unsigned char)s[i]) != (unsigned char)p[i])
			return false;
	return true;
}

/* Characters of a variable, flag or parameter name. */
static bool is_name_char(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Known credential prefixes and the token characters that must follow. */
static const struct {
	const char *prefix;
	unsigned min;
} token_prefixes[] = {
	{"ghp_", 20},	  {"gho_", 20},	    {"ghu_", 20},     {"ghs_", 20},    {"ghr_", 20},
	{"github_pat_", 20}, {"glpat-", 16},	    {"sk-", 16},      {"sk_live_", 16}, {"sk_test_", 16},
	{"rk_live_", 16}, {"rk_test_", 16},   {"xoxb-", 10},    {"xoxp-", 10},   {"xoxa-", 10},
	{"xoxr-", 10},	  {"xoxs-", 10},    {"xapp-", 10},    {"AKIA", 16},    {"ASIA", 16},
	{"AIza", 30},	  {"hf_", 30},	    {"npm_", 30},     {"pypi-", 30},   {"shpat_", 20},
	{"shpss_", 20},	  {"glsa_", 20},    {"dop_v1_", 20},  {"SG.", 20},     {"eyJ", 20},
};

/* Rényi entropy of order 2 of |s| at least |bits| per character, without
 * libm: sum(count^2) * 2^bits <= n^2. */
static bool entropy_at_least(const unsigned char *s, size_t n, unsigned bits)
{
	size_t count[256] = {0};
	for (size_t i = 0; i < n; i++)
		count[s[i]]++;
	unsigned long long sq = 0;
	for (size_t i = 0; i < 256; i++)
		sq += (unsigned long long)count[i] * count[i];
	return (sq << bits) <= (unsigned long long)n * n;
}

/* A long random-looking run: at least 32 characters mixing letters and
 * digits with high entropy (hex: 3 bits, other: 4 bits per character). */
static bool high_entropy(const unsigned char *s, size_t n)
{
	if (n < 32 || n > 4096)
		return n > 4096;
	bool lower = false, upper = false, digit = false, hex = true;
	for (size_t i = 0; i < n; i++) {
		lower |= is_lower(s[i]);
		upper |= is_upper(s[i]);
		digit |= is_digit(s[i]);
		hex &= is_digit(s[i]) || (to_lower(s[i]) >= 'a' && to_lower(s[i]) <= 'f') ||
		       s[i] == '-';
	}
	if (!digit || !(lower || upper))
		return false;
	return entropy_at_least(s, n, hex ? 3 : 4);
}

/* Find the credentials in |arg| (|len| bytes).  |reference|: the argument
 * is the value of a flag naming a reference (--project-id X): no entropy
 * rule. */
static void find_secrets(const char *arg, size_t len, bool reference, struct spans *sp)
{
	const unsigned char *s = (const unsigned char *)arg;
	size_t start = 0, entropy_until = reference ? 0 : len; /* entropy rule before */
	while (start < len && s[start] == '-')
		start++;
	/* --project-id=X: no entropy rule for X either. */
	size_t eq = start;
	while (eq < len && is_name_char(s[eq]))
		eq++;
	if (eq < len && eq > start && s[eq] == '=' && name_is_reference(arg + start, eq - start))
		entropy_until = 0;
	/* NAME=value and NAME: value; a leading one takes the rest. */
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=' && s[i] != ':')
			continue;
		size_t a = i;
		while (a > 0 && is_name_char(s[a - 1]))
			a--;
		/* At the start of the argument or of a flag's value: the
		 * value is the rest ("--token=a&b", "--header=X-Api-Key: k"). */
		bool leading = a <= start || s[a - 1] == '=';
		if (a == i || (s[i] == ':' && !leading) ||
		    (s[i] == ':' && i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/'))
			continue;
		if (!name_sensitive(arg + a, i - a))
			continue;
		size_t v = i + 1, e = v;
		while (s[i] == ':' && v < len && s[v] == ' ')
			e = ++v;
		if (leading)
			e = len;
		else
			while (e < len && !strchr("&;, \t\"'", s[e]))
				e++;
		span_add(sp, v, e);
	}
	/* scheme://user:password@host */
	for (const char *p = arg; (p = strstr(p, "://")) != NULL; p += 3) {
		size_t u = (size_t)(p - arg) + 3, e = u, at = 0, colon = 0;
		while (e < len && !strchr("/?#", s[e])) {
			if (s[e] == '@')
				at = e;
			e++;
		}
		for (size_t i = u; i < at && !colon; i++)
			if (s[i] == ':')
				colon = i;
		if (at && colon)
			span_add(sp, colon + 1, at);
	}
	/* Bearer X, Basic X */
	for (size_t i = 0; i + 6 < len; i++) {
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		size_t k = 0;
		if (prefix_ci(arg + i, len - i, "bearer "))
			k = 7;
		else if (prefix_ci(arg + i, len - i, "basic "))
			k = 6;
		if (!k)
			continue;
		size_t e = i + k;
		while (e < len && s[e] != ' ' && s[e] != '\t' && s[e] != '"' && s[e] != '\'')
			e++;
		span_add(sp, i + k, e);
	}
	/* Known token prefixes at the start of a word, and long
	 * high-entropy runs. */
	for (size_t i = 0; i < len;) {
		if (!is_token_char(s[i])) {
			i++;
			continue;
		}
		size_t e = i, last_digit = 0; /* 1 + index of the run's last digit */
		while (e < len && is_token_char(s[e])) {
			if (is_digit(s[e]))
				last_digit = e + 1;
			e++;
		}
		/* The first match redacts the rest of the run: linear time. */
		bool matched = false;
		for (size_t j = i; j < e && !matched; j++) {
			if (j > i && is_alnum(s[j - 1]))
				continue;
			for (size_t k = 0; k < sizeof(token_prefixes) / sizeof(token_prefixes[0]); k++) {
				size_t pl = strlen(token_prefixes[k].prefix);
				if (e - j >= pl + token_prefixes[k].min &&
				    memcmp(s + j, token_prefixes[k].prefix, pl) == 0 &&
				    last_digit > j + pl) {
					span_add(sp, j, e);
					matched = true;
					break;
				}
			}
		}
		if (i < entropy_until && (s[i] == '/' || s[i] == '.')) {
			/* A path: judge each segment. */
			for (size_t a = i, j = i; j <= e; j++) {
				if (j < e && s[j] != '/')
					continue;
				if (high_entropy(s + a, j - a))
					span_add(sp, a, j);
				a = j + 1;
			}
		} else if (i < entropy_until && high_entropy(s + i, e - i)) {
			span_add(sp, i, e);
		}
		i = e;
	}
}

/* qsort order of spans by their start. */
static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	return a < b ? -1 : a > b;
}

/* Append |arg| to |out| with its credentials redacted.  |after_secret|:
 * the previous argument was a flag such as --token; |after_reference|: a
 * flag such as --project-id. */
static void redact_into(struct buf *out, const char *arg, size_t len, bool after_secret,
			bool after_reference)
{
	if (after_secret && arg[0] != '-') {
		buf_str(out, "<redacted>");
		return;
	}
	struct spans sp = {.n = 0};
	find_secrets(arg, len, after_reference, &sp);
	if (sp.all) {
		buf_str(out, "<redacted>");
		return;
	}
	/* Sort the spans by start (pairs sorted together via an index). */
	size_t order[MAX_SPANS][2];
	for (size_t i = 0; i < sp.n; i++) {
		order[i][0] = sp.a[i];
		order[i][1] = sp.b[i];
	}
	qsort(order, sp.n, sizeof(order[0]), cmp_size);
	size_t pos = 0;
	for (size_t i = 0; i < sp.n;) {
		size_t a = order[i][0], b = order[i][1];
		for (i++; i < sp.n && order[i][0] <= b; i++)
			if (order[i][1] > b)
				b = order[i][1];
		if (a < pos)
			a = pos;
		buf_put(out, arg + pos, a - pos);
		buf_str(out, "<redacted>");
		pos = b;
	}
	buf_put(out, arg + pos, len - pos);
}

/* Whether |arg| is a flag whose next argument is a secret: --token,
 * --api-key, -password (no '=' in it). */
static bool is_secret_flag(const char *arg)
{
	if (arg[0] != '-' || strchr(arg, '='))
		return false;
	size_t i = 0;
	while (arg[i] == '-')
		i++;
	return arg[i] && name_sensitive(arg + i, strlen(arg + i));
}

/* Whether |arg| is a flag whose next argument names something: --db-path,
 * --project-id. */
static bool is_reference_flag(const char *arg)
{
	return arg[0] == '-' && !strchr(arg, '=') && name_is_reference(arg, strlen(arg));
}

/* Append |w| to the label, single-quoted when the shell would split or
 * expand it. */
static void label_word(struct buf *label, const char *w, size_t len)
{
	bool quote_it = len == 0;
	for (size_t i = 0; i < len && !quote_it; i++)
		quote_it = strchr(" \t\n'\"\\$`;&|*?!()[]{}#~", w[i]) != NULL;
	if (!quote_it) {
		buf_put(label, w, len);
		return;
	}
	buf_str(label, "'");
	for (size_t i = 0; i < len; i++)
		if (w[i] == '\'')
			buf_str(label, "'\\''");
		else
			buf_put(label, w + i, 1);
	buf_str(label, "'");
}

/* Append the |argc| words of |argv| to |words|, each followed by a NUL,
 * with their credentials redacted; argv[0] whole, or its basename with
 * |basename|. */
static void redact_words(struct buf *words, char *const *argv, int argc, bool basename)
{
	if (argc > 0) {
		const char *base = strrchr(argv[0], '/');
		base = basename && base && base[1] ? base + 1 : argv[0];
		buf_put(words, base, strlen(base) + 1);
	}
	bool after_secret = false, after_reference = false;
	for (int i = 1; i < argc; i++) {
		redact_into(words, argv[i], strlen(argv[i]), after_secret, after_reference);
		buf_put(words, "", 1);
		after_secret = is_secret_flag(argv[i]);
		after_reference = is_reference_flag(argv[i]);
	}
}

json_t *pol_redact_argv(char *const *argv, int argc)
{
	struct buf words = {0};
	redact_words(&words, argv, argc, false);
	json_t *out = words.oom ? NULL : json_array();
	for (size_t off = 0; out && off < words.len;) {
		size_t n = strlen(words.p + off), clean_len;
		char *clean = pol_text_sanitize(words.p + off, n, &clean_len);
		json_t *w = clean ? json_stringn(clean, clean_len) : NULL;
		free(clean);
		if (!w || json_array_append_new(out, w) != 0) {
			json_decref(out);
			out = NULL;
		}
		off += n + 1;
	}
	free(words.p);
	return out;
}

int pol_server_identity(char *const *argv, int argc, const char *name, char *id, size_t id_size,
			char *label, size_t label_size)
{
	if (!id || argc < 0 || (argc > 0 && !argv) || (argc == 0 && !name))
		return -EINVAL;
	if (argc > POL_IDENTITY_MAX_ARGS)
		return -E2BIG;
	size_t total = 0;
	for (int i = 0; i < argc; i++) {
		if (!argv[i])
			return -EINVAL;
		total += strnlen(argv[i], POL_IDENTITY_MAX_BYTES + 1);
		if (total > POL_IDENTITY_MAX_BYTES)
			return -E2BIG;
	}
	if (argc > 0 && argv[0][0] == '\0')
		return -EINVAL;
	if (name) {
		size_t n = strnlen(name, 129);
		if (n == 0 || n > 128 || !printable(name, n) || strncmp(name, "sha256:", 7) == 0)
			return -EINVAL;
		if (n + 1 > id_size)
			return -ENOSPC;
	} else if (id_size < sizeof("sha256:") + POL_PIN_HEX_LEN) {
		return -ENOSPC;
	}

	/* Redacted words, each followed by a NUL: what is hashed. */
	struct buf words = {0}, line = {0};
	redact_words(&words, argv, argc, true);
	int r = 0;
	for (size_t off = 0; off < words.len && !words.oom && !r;) {
		size_t n = strlen(words.p + off), clean_len;
		char *clean = pol_text_sanitize(words.p + off, n, &clean_len);
		if (!clean) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < clean_len; i++)
			if (clean[i] == '\n' || clean[i] == '\t')
				clean[i] = ' ';
		if (off)
			buf_str(&line, " ");
		label_word(&line, clean, clean_len);
		free(clean);
		off += n + 1;
	}
	if (words.oom || line.oom)
		r = -ENOMEM;
	if (!r && name) {
		memcpy(id, name, strlen(name) + 1);
	} else if (!r) {
		static const char domain[] = "assay-gateway server identity v1";
		char hex[HEX_SIZE];
		struct canon c;
		r = canon_begin(&c);
		if (!r) {
			canon_put(&c, domain, sizeof(domain)); /* with its NUL */
			canon_put(&c, words.p, words.len);
			r = canon_end(&c, hex);
		}
		if (!r)
			snprintf(id, id_size, "sha256:%s", hex);
	}
	if (!r && label && label_size) {
		const char *text = argc > 0 ? (line.p ? line.p : "") : name;
		cut_copy(label, label_size, text, strlen(text));
	}
	free(words.p);
	free(line.p);
	return r;
}

/* ---- sanitising tools/list ------------------------------------------------ */

struct san {
	pol_sanitize_cb cb;
	void *ctx;
	const char *tool;
	bool changed;
};

/* Sanitise the JSON string |str| in place. */
static int san_string(struct san *s, json_t *str, const char *where)
{
	const char *v = json_string_value(str);
	size_t len = json_string_length(str), n = len > POL_TEXT_MAX ? POL_TEXT_MAX : len;
	char what[192];
	size_t findings = pol_text_flag(v, n, what, sizeof(what));
	if (findings == 0 && n == len)
		return 0;
	if (findings == 0)
		snprintf(what, sizeof(what), "cut to 16 MiB");
	size_t out_len;
	char *out = pol_text_sanitize(v, n, &out_len);
	if (!out)
		return -ENOMEM;
	int r = json_string_setn(str, out, out_len);
	free(out);
	if (r)
		return -ENOMEM;
	s->changed = true;
	if (s->cb)
		s->cb(s->ctx, s->tool, where, findings, what);
	return 0;
}

/* Sanitise the "description" and "title" strings of a JSON Schema. */
static int san_schema(struct san *s, json_t *v, const char *where, int depth)
{
	if (depth > JSON_PARSER_MAX_DEPTH)
		return -ELOOP;
	int r = 0;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && !r; i++)
			r = san_schema(s, json_array_get(v, i), where, depth + 1);
		return r;
	}
	if (!json_is_object(v))
		return 0;
	for (void *it = json_object_iter(v); it && !r; it = json_object_iter_next(v, it)) {
		const char *key = json_object_iter_key(it);
		json_t *val = json_object_iter_value(it);
		if (!strcmp(key, "const") || !strcmp(key, "default") || !strcmp(key, "enum") ||
		    !strcmp(key, "examples"))
			continue;
		if ((!strcmp(key, "description") || !strcmp(key, "title")) && json_is_string(val))
			r = san_string(s, val, where);
		else
			r = san_schema(s, val, where, depth + 1);
	}
	return r;
}

int pol_tools_sanitize_report(json_t *tools, pol_sanitize_cb cb, void *ctx)
{
	json_t *arr = json_is_object(tools) ? json_object_get(tools, "tools") : tools;
	if (!json_is_array(arr))
		return -EINVAL;
	int changed = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *t = json_array_get(arr, i);
		if (!json_is_object(t))
			continue;
		const json_t *name = json_object_get(t, "name");
		struct san s = {cb, ctx, json_is_string(name) ? json_string_value(name) : "", false};
		json_t *v, *ann = json_object_get(t, "annotations");
		int r = 0;
		if (json_is_string(v = json_object_get(t, "description")))
			r = san_string(&s, v, "description");
		if (!r && json_is_string(v = json_object_get(t, "title")))
			r = san_string(&s, v, "title");
		if (!r && json_is_object(ann) && json_is_string(v = json_object_get(ann, "title")))
			r = san_string(&s, v, "annotations.title");
		if (!r && (v = json_object_get(t, "inputSchema")))
			r = san_schema(&s, v, "inputSchema", 1);
		if (!r && (v = json_object_get(t, "outputSchema")))
			r = san_schema(&s, v, "outputSchema", 1);
		if (r)
			return r;
		if (s.changed && changed < INT32_MAX)
			changed++;
	}
	return changed;
}

int pol_tools_sanitize(json_t *tools)
{
	return pol_tools_sanitize_report(tools, NULL, NULL);
}
