/* mcp/scan.c - one-pass JSON validation and JSON-RPC envelope capture.
 *
 * A byte-at-a-time state machine (RFC 8259 grammar, UTF-8 per RFC 3629,
 * rejecting overlong forms and surrogates exactly as jansson does), with a
 * fast inner loop for the plain ASCII runs that make up most of a message.
 * Strings are decoded only while a capture is active.
 */
#include "mcp/scan.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

enum state {
	ST_START, /* nothing but whitespace yet */
	ST_VALUE, /* a value must follow (after ':' or ',' in an array) */
	ST_VALUE_OR_CLOSE, /* after '[' */
	ST_KEY_OR_CLOSE,   /* after '{' */
	ST_KEY,		   /* after ',' in an object */
	ST_COLON,
	ST_AFTER, /* after a value inside a container */
	ST_STRING,
	ST_ESCAPE,
	ST_UNICODE,
	ST_UTF8,
	ST_NUM_MINUS,
	ST_NUM_ZERO,
	ST_NUM_INT,
	ST_NUM_DOT,
	ST_NUM_FRAC,
	ST_NUM_E,
	ST_NUM_ESIGN,
	ST_NUM_EXP,
	ST_LITERAL,
	ST_DONE,
};

/* Where decoded string bytes go while a capture is active. */
enum capture_target { CAP_NONE, CAP_KEY, CAP_ID, CAP_METHOD, CAP_JSONRPC };

static const struct {
	const char *name;
	unsigned member;
} members[] = {
	{"jsonrpc", MCP_M_JSONRPC}, {"id", MCP_M_ID},	    {"method", MCP_M_METHOD},
	{"params", MCP_M_PARAMS},   {"result", MCP_M_RESULT}, {"error", MCP_M_ERROR},
};

/* Start building the envelope in |e|.  Only its header is cleared: the
 * buffers hold meaningful bytes up to their lengths only (method and
 * jsonrpc stay NUL-terminated), and clearing 1.7 KiB per message costs
 * more than the rest of a small one's scan. */
static void scanner_init(struct mcp_scanner *s, struct mcp_envelope *e)
{
	s->e = e;
	memset(e, 0, offsetof(struct mcp_envelope, id_raw));
	e->id_raw_len = e->id_key_len = e->method_len = e->jsonrpc_len = 0;
	e->method[0] = e->jsonrpc[0] = '\0';
	s->offset = 0;
	s->error = MCP_SCAN_OK;
	s->error_offset = 0;
	s->state = ST_START;
	s->cur_member = 0;
	s->lit = NULL;
	s->lit_pos = 0;
	s->utf8_need = 0;
	s->hex_left = 0;
	s->hex_value = 0;
	s->pending_high = 0;
	s->capture_raw = false;
	s->capture_str = false;
	s->in_key = false;
	s->depth = 0;
	s->key_len = 0;
	s->cap_buf = NULL;
	s->cap_len = s->cap_max = 0;
	s->after_string = CAP_NONE;
	s->value_start = 0;
}

void mcp_scanner_init(struct mcp_scanner *s)
{
	scanner_init(s, &s->env);
}

static inline bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The bytes of |w| (8 bytes of text, the first in the low byte) that are
 * '"', '\\', a control character or non-ASCII, as their high bits (SWAR).
 * Zero when there is none; otherwise the lowest bit set is exactly the
 * first such byte's (a borrow can only mark bytes after a true one). */
static inline uint64_t special_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
	uint64_t has_quote = (quote - ones) & ~quote & highs;
	uint64_t has_bslash = (bslash - ones) & ~bslash & highs;
	uint64_t has_ctrl = (w - ones * 0x20) & ~w & highs;
	return has_quote | has_bslash | has_ctrl | (w & highs);
}

static inline bool top_is_object(const struct mcp_scanner *s)
{
	return s->depth > 0 && (s->stack[(s->depth - 1) / 8] >> ((s->depth - 1) % 8)) & 1;
}

/* ---- captures --------------------------------------------------------- */

static void raw_append(struct mcp_scanner *s, const char *p, size_t n)
{
	if (s->e->id_raw_len + n > sizeof(s->e->id_raw)) {
		/* Keep nothing: the result must not depend on how the input
		 * was cut into pieces. */
		s->e->overflow |= MCP_M_ID;
		s->e->id_raw_len = 0;
		s->capture_raw = false;
		return;
	}
	memcpy(s->e->id_raw + s->e->id_raw_len, p, n);
	s->e->id_raw_len += n;
}

static void cap_put(struct mcp_scanner *s, const char *p, size_t n)
{
	if (s->cap_len + n > s->cap_max) {
		s->cap_len = s->cap_max + 1; /* marks overflow */
		s->capture_str = false;
		return;
	}
	memcpy(s->cap_buf + s->cap_len, p, n);
	s->cap_len += n;
}

/* Encode a code point (or a lone surrogate, as WTF-8) into the capture. */
static void cap_code_point(struct mcp_scanner *s, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	cap_put(s, b, n);
}

static void cap_flush_high(struct mcp_scanner *s)
{
	if (s->pending_high) {
		cap_code_point(s, s->pending_high);
		s->pending_high = 0;
	}
}

static void cap_bytes(struct mcp_scanner *s, const char *p, size_t n)
{
	if (!s->capture_str)
		return;
	cap_flush_high(s);
	cap_put(s, p, n);
}

static void cap_unit(struct mcp_scanner *s, uint16_t u)
{
	if (!s->capture_str)
		return;
	if (s->pending_high) {
		if (u >= 0xDC00 && u <= 0xDFFF) {
			uint32_t cp = 0x10000 + (((uint32_t)s->pending_high - 0xD800) << 10) +
				      (u - 0xDC00);
			s->pending_high = 0;
			cap_code_point(s, cp);
			return;
		}
		cap_flush_high(s);
	}
	if (u >= 0xD800 && u <= 0xDBFF)
		s->pending_high = u;
	else
		cap_code_point(s, u);
}

static void cap_begin(struct mcp_scanner *s, enum capture_target t)
{
	s->after_string = (uint8_t)t;
	s->capture_str = true;
	s->cap_len = 0;
	s->pending_high = 0;
	switch (t) {
	case CAP_KEY:
		s->cap_buf = s->key;
		s->cap_max = sizeof(s->key) - 1;
		break;
	case CAP_ID:
		s->e->id_key[0] = 's'; /* set now: the envelope is read after an error too */
		s->cap_buf = s->e->id_key + 1;
		s->cap_max = MCP_ID_MAX;
		break;
	case CAP_METHOD:
		s->cap_buf = s->e->method;
		s->cap_max = MCP_METHOD_MAX;
		break;
	case CAP_JSONRPC:
		s->cap_buf = s->e->jsonrpc;
		s->cap_max = sizeof(s->e->jsonrpc) - 1;
		break;
	default:
		s->capture_str = false;
		s->cap_buf = NULL;
		break;
	}
}

/* The string being captured ended: store its length where it belongs. */
static void cap_end(struct mcp_scanner *s)
{
	if (s->capture_str)
		cap_flush_high(s);
	bool over = s->cap_len > s->cap_max;
	size_t n = over ? 0 : s->cap_len;
	switch ((enum capture_target)s->after_string) {
	case CAP_KEY:
		s->key_len = over ? sizeof(s->key) : n; /* too long: no member */
		break;
	case CAP_ID:
		s->e->id_key_len = n ? n + 1 : (over ? 0 : 1);
		if (over)
			s->e->overflow |= MCP_M_ID;
		break;
	/* A member given twice is its last value, as for a JSON parser:
	 * whether an earlier one overflowed does not matter. */
	case CAP_METHOD:
		s->e->method_len = n;
		s->e->method[n] = '\0';
		s->e->overflow = over ? s->e->overflow | MCP_M_METHOD
				      : s->e->overflow & ~(unsigned)MCP_M_METHOD;
		break;
	case CAP_JSONRPC:
		s->e->jsonrpc_len = n;
		s->e->jsonrpc[n] = '\0';
		s->e->overflow = over ? s->e->overflow | MCP_M_JSONRPC
				      : s->e->overflow & ~(unsigned)MCP_M_JSONRPC;
		break;
	default:
		break;
	}
	s->capture_str = false;
	s->cap_buf = NULL;
	s->after_string = CAP_NONE;
}

static unsigned lookup_member(const char *key, size_t len)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (strlen(members[i].name) == len && memcmp(members[i].name, key, len) == 0)
			return members[i].member;
	return 0;
}

/* ---- values ----------------------------------------------------------- */

static void set_member_type(struct mcp_envelope *env, unsigned m, enum mcp_json_type t)
{
	switch (m) {
	case MCP_M_JSONRPC: env->jsonrpc_type = t; break;
	case MCP_M_ID: env->id_type = t; break;
	case MCP_M_METHOD: env->method_type = t; break;
	case MCP_M_PARAMS: env->params_type = t; break;
	case MCP_M_RESULT: env->result_type = t; break;
	case MCP_M_ERROR: env->error_type = t; break;
	default: break;
	}
}

static struct mcp_span *member_span(struct mcp_envelope *env, unsigned m)
{
	switch (m) {
	case MCP_M_PARAMS: return &env->params;
	case MCP_M_RESULT: return &env->result;
	case MCP_M_ERROR: return &env->error;
	default: return NULL;
	}
}

/* A value of type |t| starts at absolute offset |pos| with byte |c|. */
static void begin_value(struct mcp_scanner *s, enum mcp_json_type t, size_t pos, char c)
{
	if (s->depth == 0) {
		s->e->top = t;
		return;
	}
	if (s->depth != 1)
		return;
	if (!top_is_object(s)) {
		s->e->elements++;
		return;
	}
	unsigned m = s->cur_member;
	if (!m)
		return;
	if (s->e->present & m)
		s->e->duplicate |= m;
	s->e->present |= m;
	set_member_type(s->e, m, t);
	s->value_start = pos;
	if (m == MCP_M_ID) {
		s->e->id_raw_len = 0;
		s->e->id_key_len = 0;
		s->e->overflow &= ~(unsigned)MCP_M_ID;
		s->capture_raw = true;
		raw_append(s, &c, 1);
	}
}

/* The value that began last at this depth ended just before |end|. */
static void end_value(struct mcp_scanner *s, size_t end)
{
	if (s->depth == 1 && top_is_object(s) && s->cur_member) {
		struct mcp_span *sp = member_span(s->e, s->cur_member);
		if (sp) {
			sp->off = s->value_start;
			sp->len = end - s->value_start;
		}
		s->capture_raw = false;
		s->cur_member = 0;
	}
	s->state = s->depth == 0 ? ST_DONE : ST_AFTER;
}

static int fail(struct mcp_scanner *s, int err, size_t pos)
{
	if (s->error == MCP_SCAN_OK) {
		s->error = err;
		s->error_offset = pos;
		/* A string cut short by the error was never a value: forget it
		 * rather than leave half of it over an earlier one. */
		if (s->capture_str || s->after_string != CAP_NONE) {
			switch ((enum capture_target)s->after_string) {
			case CAP_METHOD:
				s->e->method_len = 0;
				s->e->method[0] = '\0';
				break;
			case CAP_JSONRPC:
				s->e->jsonrpc_len = 0;
				s->e->jsonrpc[0] = '\0';
				break;
			case CAP_ID:
				s->e->id_key_len = 0;
				break;
			default:
				break;
			}
		}
		if (s->capture_raw) {
			s->e->id_raw_len = 0;
			s->capture_raw = false;
		}
	}
	return s->error;
}

static bool push(struct mcp_scanner *s, bool object)
{
	if (s->depth >= MCP_SCAN_MAX_DEPTH)
		return false;
	unsigned d = s->depth++;
	if (object)
		s->stack[d / 8] |= (uint8_t)(1u << (d % 8));
	else
		s->stack[d / 8] &= (uint8_t)~(1u << (d % 8));
	return true;
}

/* Start a value with its first byte |c|; false when |c| cannot start one. */
static bool start_value(struct mcp_scanner *s, unsigned char c, size_t pos)
{
	/* jansson counts every value, the innermost scalar too, against its
	 * limit; so does the scanner, so that the two agree. */
	if (c != '{' && c != '[' && s->depth >= MCP_SCAN_MAX_DEPTH) {
		fail(s, MCP_SCAN_EDEPTH, pos);
		return true;
	}
	switch (c) {
	case '{':
		begin_value(s, MCP_JSON_OBJECT, pos, (char)c);
		if (!push(s, true))
			return fail(s, MCP_SCAN_EDEPTH, pos), true;
		s->state = ST_KEY_OR_CLOSE;
		return true;
	case '[':
		begin_value(s, MCP_JSON_ARRAY, pos, (char)c);
		if (!push(s, false))
			return fail(s, MCP_SCAN_EDEPTH, pos), true;
		s->state = ST_VALUE_OR_CLOSE;
		return true;
	case '"': {
		begin_value(s, MCP_JSON_STRING, pos, (char)c);
		s->in_key = false;
		enum capture_target t = CAP_NONE;
		if (s->depth == 1 && top_is_object(s)) {
			if (s->cur_member == MCP_M_ID)
				t = CAP_ID;
			else if (s->cur_member == MCP_M_METHOD)
				t = CAP_METHOD;
			else if (s->cur_member == MCP_M_JSONRPC)
				t = CAP_JSONRPC;
		}
		cap_begin(s, t);
		s->state = ST_STRING;
		return true;
	}
	case '-':
		begin_value(s, MCP_JSON_NUMBER, pos, (char)c);
		s->state = ST_NUM_MINUS;
		return true;
	case '0':
		begin_value(s, MCP_JSON_NUMBER, pos, (char)c);
		s->state = ST_NUM_ZERO;
		return true;
	case 't':
	case 'f':
	case 'n':
		begin_value(s, c == 't' ? MCP_JSON_TRUE : c == 'f' ? MCP_JSON_FALSE : MCP_JSON_NULL,
			    pos, (char)c);
		s->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		s->lit_pos = 1;
		s->state = ST_LITERAL;
		return true;
	default:
		if (c >= '1' && c <= '9') {
			begin_value(s, MCP_JSON_NUMBER, pos, (char)c);
			s->state = ST_NUM_INT;
			return true;
		}
		return false;
	}
}

static void close_container(struct mcp_scanner *s, size_t pos)
{
	s->depth--;
	end_value(s, pos + 1);
}

static bool in_number(uint8_t st)
{
	return st >= ST_NUM_MINUS && st <= ST_NUM_EXP;
}

static bool number_complete(uint8_t st)
{
	return st == ST_NUM_ZERO || st == ST_NUM_INT || st == ST_NUM_FRAC || st == ST_NUM_EXP;
}

static bool is_num_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

int mcp_scanner_feed(struct mcp_scanner *s, const char *data, size_t len)
{
	if (s->error)
		return s->error;
	const unsigned char *p = (const unsigned char *)data;
	const size_t base = s->offset;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		size_t pos = base + i;

		if (s->capture_raw && !(in_number(s->state) && !is_num_char(c)))
			raw_append(s, (const char *)&p[i], 1);
	again:
		switch (s->state) {
		case ST_START:
		case ST_VALUE:
		case ST_VALUE_OR_CLOSE:
			if (is_ws(c))
				break;
			if (c == ']' && s->state == ST_VALUE_OR_CLOSE) {
				close_container(s, pos);
				break;
			}
			if (!start_value(s, c, pos))
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			if (s->error)
				return s->error;
			break;
		case ST_KEY_OR_CLOSE:
		case ST_KEY:
			if (is_ws(c))
				break;
			if (c == '}' && s->state == ST_KEY_OR_CLOSE) {
				close_container(s, pos);
				break;
			}
			if (c != '"')
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			s->in_key = true;
			cap_begin(s, s->depth == 1 && top_is_object(s) ? CAP_KEY : CAP_NONE);
			s->state = ST_STRING;
			break;
		case ST_COLON:
			if (is_ws(c))
				break;
			if (c != ':')
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			s->state = ST_VALUE;
			break;
		case ST_AFTER:
			if (is_ws(c))
				break;
			if (c == ',') {
				s->state = top_is_object(s) ? ST_KEY : ST_VALUE;
			} else if (c == '}' && top_is_object(s)) {
				close_container(s, pos);
			} else if (c == ']' && !top_is_object(s)) {
				close_container(s, pos);
			} else {
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			}
			break;
		case ST_STRING:
			if (c == '"') {
				bool key = s->in_key;
				uint8_t target = s->after_string;
				cap_end(s);
				if (key) {
					s->in_key = false;
					if (target == CAP_KEY)
						s->cur_member = (uint8_t)lookup_member(s->key, s->key_len);
					s->state = ST_COLON;
				} else {
					end_value(s, pos + 1);
				}
			} else if (c == '\\') {
				s->state = ST_ESCAPE;
			} else if (c < 0x20) {
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			} else if (c >= 0x80) {
				if (c >= 0xC2 && c <= 0xDF) {
					s->utf8_need = 1, s->utf8_lo = 0x80, s->utf8_hi = 0xBF;
				} else if (c == 0xE0) {
					s->utf8_need = 2, s->utf8_lo = 0xA0, s->utf8_hi = 0xBF;
				} else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
					s->utf8_need = 2, s->utf8_lo = 0x80, s->utf8_hi = 0xBF;
				} else if (c == 0xED) {
					s->utf8_need = 2, s->utf8_lo = 0x80, s->utf8_hi = 0x9F;
				} else if (c == 0xF0) {
					s->utf8_need = 3, s->utf8_lo = 0x90, s->utf8_hi = 0xBF;
				} else if (c >= 0xF1 && c <= 0xF3) {
					s->utf8_need = 3, s->utf8_lo = 0x80, s->utf8_hi = 0xBF;
				} else if (c == 0xF4) {
					s->utf8_need = 3, s->utf8_lo = 0x80, s->utf8_hi = 0x8F;
				} else {
					return fail(s, MCP_SCAN_EUTF8, pos);
				}
				cap_bytes(s, (const char *)&p[i], 1);
				s->state = ST_UTF8;
			} else {
				/* Plain ASCII run: the common case, 8 bytes at a
				 * time while no byte can be special. */
				size_t j = i + 1;
				while (j + 8 <= len) {
					uint64_t w;
					memcpy(&w, p + j, 8);
					uint64_t m = special_bytes(w);
					if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
						j += (size_t)__builtin_ctzll(m) / 8;
#endif
						break;
					}
					j += 8;
				}
				/* Here from the word: one test, at the special byte. */
				while (j < len && is_plain(p[j]))
					j++;
				cap_bytes(s, (const char *)&p[i], j - i);
				if (s->capture_raw && j > i + 1)
					raw_append(s, (const char *)&p[i + 1], j - i - 1);
				i = j - 1;
			}
			break;
		case ST_UTF8:
			if (c < s->utf8_lo || c > s->utf8_hi)
				return fail(s, MCP_SCAN_EUTF8, pos);
			cap_bytes(s, (const char *)&p[i], 1);
			s->utf8_lo = 0x80, s->utf8_hi = 0xBF;
			if (--s->utf8_need == 0)
				s->state = ST_STRING;
			break;
		case ST_ESCAPE: {
			char d;
			switch (c) {
			case '"': d = '"'; break;
			case '\\': d = '\\'; break;
			case '/': d = '/'; break;
			case 'b': d = '\b'; break;
			case 'f': d = '\f'; break;
			case 'n': d = '\n'; break;
			case 'r': d = '\r'; break;
			case 't': d = '\t'; break;
			case 'u':
				s->hex_left = 4;
				s->hex_value = 0;
				s->state = ST_UNICODE;
				continue;
			default:
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			}
			cap_bytes(s, &d, 1);
			s->state = ST_STRING;
			break;
		}
		case ST_UNICODE: {
			unsigned v;
			if (c >= '0' && c <= '9')
				v = c - '0';
			else if (c >= 'a' && c <= 'f')
				v = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v = c - 'A' + 10;
			else
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			s->hex_value = (uint16_t)(s->hex_value << 4 | v);
			if (--s->hex_left == 0) {
				cap_unit(s, s->hex_value);
				s->state = ST_STRING;
			}
			break;
		}
		case ST_NUM_MINUS:
			if (c == '0')
				s->state = ST_NUM_ZERO;
			else if (c >= '1' && c <= '9')
				s->state = ST_NUM_INT;
			else
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			break;
		case ST_NUM_ZERO:
		case ST_NUM_INT:
			if (c >= '0' && c <= '9' && s->state == ST_NUM_INT)
				break;
			if (c == '.') {
				s->state = ST_NUM_DOT;
				break;
			}
			if (c == 'e' || c == 'E') {
				s->state = ST_NUM_E;
				break;
			}
			if (c >= '0' && c <= '9') /* digit after a leading 0 */
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			end_value(s, pos);
			goto again;
		case ST_NUM_DOT:
			if (c < '0' || c > '9')
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			s->state = ST_NUM_FRAC;
			break;
		case ST_NUM_FRAC:
			if (c >= '0' && c <= '9')
				break;
			if (c == 'e' || c == 'E') {
				s->state = ST_NUM_E;
				break;
			}
			end_value(s, pos);
			goto again;
		case ST_NUM_E:
			if (c == '+' || c == '-')
				s->state = ST_NUM_ESIGN;
			else if (c >= '0' && c <= '9')
				s->state = ST_NUM_EXP;
			else
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			break;
		case ST_NUM_ESIGN:
			if (c < '0' || c > '9')
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			s->state = ST_NUM_EXP;
			break;
		case ST_NUM_EXP:
			if (c >= '0' && c <= '9')
				break;
			end_value(s, pos);
			goto again;
		case ST_LITERAL:
			if (c != (unsigned char)s->lit[s->lit_pos])
				return fail(s, MCP_SCAN_ESYNTAX, pos);
			if (s->lit[++s->lit_pos] == '\0')
				end_value(s, pos + 1);
			break;
		case ST_DONE:
			if (!is_ws(c))
				return fail(s, MCP_SCAN_ETRAILING, pos);
			break;
		}
	}
	s->offset += len;
	return MCP_SCAN_OK;
}

int mcp_id_key_from_raw(const char *raw, size_t raw_len, char *out, size_t size)
{
	struct mcp_envelope env;
	char buf[MCP_ID_RAW_MAX + 16];
	if (raw_len > MCP_ID_RAW_MAX)
		return -1;
	/* Exactly one string or number, nothing around it. */
	if (mcp_scan(raw, raw_len, &env) != MCP_SCAN_OK ||
	    (env.top != MCP_JSON_STRING && env.top != MCP_JSON_NUMBER))
		return -1;
	memcpy(buf, "{\"id\":", 6);
	memcpy(buf + 6, raw, raw_len);
	buf[6 + raw_len] = '}';
	if (mcp_scan(buf, raw_len + 7, &env) != MCP_SCAN_OK || env.id_key_len == 0 ||
	    env.id_key_len > size)
		return -1;
	memcpy(out, env.id_key, env.id_key_len);
	return (int)env.id_key_len;
}

/* Canonical key of a number id: integers up to 15 digits keep their text;
 * anything else goes through a double, as a JavaScript peer would see it,
 * so 1, 1.0 and 1e0 are the same id. */
static void number_key(struct mcp_envelope *env)
{
	const char *r = env->id_raw;
	size_t n = env->id_raw_len;
	size_t digits = n - (n && r[0] == '-');
	/* Up to 15 digits an integer is exact as a double, so its text is
	 * already canonical; longer ones compare as the double they become. */
	bool integer = digits <= 15 && !memchr(r, '.', n) && !memchr(r, 'e', n) &&
		       !memchr(r, 'E', n);
	if (integer) {
		if (n == 2 && r[0] == '-' && r[1] == '0')
			r = "0", n = 1;
		env->id_key[0] = 'n';
		memcpy(env->id_key + 1, r, n);
		env->id_key_len = n + 1;
		return;
	}
	char tmp[MCP_ID_RAW_MAX + 1];
	memcpy(tmp, r, n);
	tmp[n] = '\0';
	double d = strtod(tmp, NULL);
	int k;
	if (d == 0.0)
		d = 0.0; /* folds -0 */
	if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0)
		k = snprintf(env->id_key, sizeof(env->id_key), "n%" PRId64, (int64_t)d);
	else
		k = snprintf(env->id_key, sizeof(env->id_key), "r%.17g", d);
	env->id_key_len = k > 0 ? (size_t)k : 0;
}

int mcp_scanner_finish(struct mcp_scanner *s)
{
	/* A capture cut short leaves its bytes unterminated. */
	s->e->method[s->e->method_len] = '\0';
	s->e->jsonrpc[s->e->jsonrpc_len] = '\0';
	if (s->error)
		return s->error;
	if (in_number(s->state)) {
		if (!number_complete(s->state))
			return fail(s, MCP_SCAN_EINCOMPLETE, s->offset);
		end_value(s, s->offset);
	}
	if (s->state == ST_START)
		return fail(s, MCP_SCAN_EEMPTY, s->offset);
	if (s->state != ST_DONE)
		return fail(s, MCP_SCAN_EINCOMPLETE, s->offset);

	struct mcp_envelope *env = s->e;
	if (env->overflow & MCP_M_ID) {
		env->id_key_len = 0;
	} else if (env->id_type == MCP_JSON_STRING) {
		env->id_key[0] = 's';
		if (env->id_key_len == 0)
			env->id_key_len = 1;
	} else if (env->id_type == MCP_JSON_NUMBER) {
		number_key(env);
	} else {
		env->id_key_len = 0;
	}
	return MCP_SCAN_OK;
}

int mcp_scan(const char *msg, size_t len, struct mcp_envelope *env)
{
	struct mcp_scanner s;
	scanner_init(&s, env); /* no copy of the envelope afterwards */
	mcp_scanner_feed(&s, msg, len);
	return mcp_scanner_finish(&s);
}

const char *mcp_scan_strerror(int err)
{
	switch (err) {
	case MCP_SCAN_OK: return "ok";
	case MCP_SCAN_ESYNTAX: return "invalid JSON";
	case MCP_SCAN_EUTF8: return "invalid UTF-8";
	case MCP_SCAN_EDEPTH: return "nested too deeply";
	case MCP_SCAN_ETRAILING: return "unexpected bytes after the JSON value";
	case MCP_SCAN_EEMPTY: return "empty message";
	case MCP_SCAN_EINCOMPLETE: return "incomplete JSON value";
	default: return "unknown scan error";
	}
}

bool mcp_envelope_method_is(const struct mcp_envelope *env, const char *name)
{
	size_t n = strlen(name);
	return env->method_type == MCP_JSON_STRING && env->method_len == n &&
	       memcmp(env->method, name, n) == 0;
}
