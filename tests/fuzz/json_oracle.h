/* tests/fuzz/json_oracle.h - jansson as the reference for mcp_scan's validity
 * verdict, with the known, documented differences between the two.
 *
 * Used by tests/fuzz/fuzz_scan.c and tests/unit/test_scan.c (header only).
 *
 * Differences that are not scanner bugs:
 *  - JSON_ORACLE_SURROGATE: a \u escape of a lone surrogate (\ud800 without
 *    a low surrogate after it, or a lone \udc00).  The scanner accepts it
 *    like JavaScript's JSON.parse; jansson refuses it.
 *  - JSON_ORACLE_NUL_KEY: an object key containing \u0000.  jansson cannot
 *    hold it ("NUL byte in object key not supported") even with
 *    JSON_ALLOW_NUL; it is valid JSON.
 *  - JSON_ORACLE_RANGE: a number outside jansson's range (an integer beyond
 *    int64 or a real beyond double).  RFC 8259 lets implementations limit
 *    the range; the scanner does not.
 *  - JSON_ORACLE_STRAY_NUL: jansson skips one raw NUL byte right after a
 *    number or literal token ("1\0", "[true\0]", "{\"a\":1\0}"); a raw NUL
 *    is never valid outside a string (and jansson refuses it inside one),
 *    so whenever jansson accepts a text holding a NUL byte it is jansson's
 *    bug and the scanner is right to refuse it.
 * (The depth limit used to differ -- fixed -- and
 * is now counted the same way, so it is no longer an excuse.)
 */
#ifndef ASSAY_JSON_ORACLE_H
#define ASSAY_JSON_ORACLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum {
	JSON_ORACLE_SURROGATE = 1,
	JSON_ORACLE_NUL_KEY = 2,
	JSON_ORACLE_RANGE = 4,
	JSON_ORACLE_STRAY_NUL = 8,
};

static inline int json_oracle_hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		int d = c >= '0' && c <= '9'	 ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Walk the strings of |s| (JSON text whose strings are well formed) and
 * report the JSON_ORACLE_SURROGATE and JSON_ORACLE_NUL_KEY features. */
static inline int json_oracle_string_features(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int f = 0;
	size_t i = 0;
	while (i < n) {
		if (p[i] != '"') {
			i++;
			continue;
		}
		bool nul = false;
		i++;
		while (i < n && p[i] != '"') {
			if (p[i] != '\\') {
				i++;
				continue;
			}
			if (i + 1 >= n)
				return f;
			if (p[i + 1] != 'u') {
				i += 2;
				continue;
			}
			if (i + 6 > n)
				return f;
			int u = json_oracle_hex4(p + i + 2);
			if (u < 0)
				return f;
			i += 6;
			if (u == 0)
				nul = true;
			if (u >= 0xDC00 && u <= 0xDFFF) {
				f |= JSON_ORACLE_SURROGATE;
			} else if (u >= 0xD800 && u <= 0xDBFF) {
				int lo = i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u'
						 ? json_oracle_hex4(p + i + 2)
						 : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
					i += 6;
				else
					f |= JSON_ORACLE_SURROGATE;
			}
		}
		i++; /* closing quote */
		if (nul) {
			size_t j = i;
			while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\n' || p[j] == '\r'))
				j++;
			if (j < n && p[j] == ':')
				f |= JSON_ORACLE_NUL_KEY;
		}
	}
	return f;
}

/* jansson's verdict: true when it parses |s|.  |*why| gets the documented
 * differences that explain a disagreement with the scanner (0 when none
 * does): when jansson refuses, why it may be wrong to; when it accepts, why
 * it may be wrong to. */
static inline bool json_oracle_accepts(const char *s, size_t n, int *why)
{
	json_error_t e;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	*why = 0;
	if (j) {
		json_decref(j);
		if (memchr(s, '\0', n) != NULL)
			*why |= JSON_ORACLE_STRAY_NUL;
		return true;
	}
	if (json_error_code(&e) == json_error_numeric_overflow)
		*why |= JSON_ORACLE_RANGE;
	if (json_error_code(&e) == json_error_null_byte_in_key)
		*why |= JSON_ORACLE_NUL_KEY;
	*why |= json_oracle_string_features(s, n) & JSON_ORACLE_SURROGATE;
	return false;
}

#endif
