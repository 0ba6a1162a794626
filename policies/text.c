/* policies/text.c - small pieces of text and JSON handling shared by the
 * pins' canonical form and the audit log's writer.  See
 * include/policies/text.h. */
#include "policies/text.h"

#include <stdlib.h>
#include <string.h>

#define MUT(v) ((json_t *)(uintptr_t)(v))

/* Decode the UTF-8 sequence at |s| (|n| >= 1 bytes).  Returns its length
 * with the code point in *cp; for ill-formed input, the length of the
 * maximal ill-formed subpart (Unicode 3.9, U+FFFD substitution of maximal
 * subparts) with *cp = UINT32_MAX.  Rejects overlongs, surrogates and
 * code points over U+10FFFF. */
size_t pol_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xBF;
	size_t need;
	uint32_t v;
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		v = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		v = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		v = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		*cp = UINT32_MAX;
		return 1;
	}
	size_t i = 1;
	for (; i <= need && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (i <= need) {
		*cp = UINT32_MAX;
		return i;
	}
	*cp = v;
	return need + 1;
}

/* Bytewise key order (a prefix sorts first): jansson's compare_keys. */
static int member_cmp(const void *a, const void *b)
{
	const struct pol_json_member *x = a, *y = b;
	int r = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
	if (r)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

struct pol_json_member *pol_json_members_sorted(const json_t *obj, size_t *n)
{
	size_t size = json_object_size(obj), i = 0;
	*n = 0;
	struct pol_json_member *m = size ? malloc(size * sizeof(*m)) : NULL;
	if (!m)
		return NULL;
	for (void *it = json_object_iter(MUT(obj)); it && i < size;
	     it = json_object_iter_next(MUT(obj), it), i++)
		m[i] = (struct pol_json_member){json_object_iter_key(it),
						json_object_iter_key_len(it),
						json_object_iter_value(it)};
	if (i > 1)
		qsort(m, i, sizeof(*m), member_cmp);
	*n = i;
	return m;
}
