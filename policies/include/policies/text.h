/* policies/text.h - small pieces of text and JSON handling shared by the
 * pins' canonical form (pins.c) and the audit log's writer.  Pure. */
#ifndef POL_TEXT_H
#define POL_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Decode the UTF-8 sequence at |s| (|n| >= 1 bytes).  Returns its length
 * with the code point in *cp; for ill-formed input, the length of the
 * maximal ill-formed subpart (Unicode 3.9) with *cp = UINT32_MAX.
 * Rejects overlongs, surrogates and code points over U+10FFFF, as
 * jansson does. */
size_t pol_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

struct pol_json_member {
	const char *key;
	size_t len;
	const json_t *val;
};

/* The members of object |obj| in bytewise key order (a prefix first, as
 * jansson's JSON_SORT_KEYS): a malloc'd array of *n, borrowing |obj|'s keys
 * and values; NULL with *n = 0 when it is empty or memory runs out
 * (json_object_size tells which). */
struct pol_json_member *pol_json_members_sorted(const json_t *obj, size_t *n);

#endif
