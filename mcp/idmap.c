/* mcp/idmap.c - requests in flight, keyed by canonical id. */
#include "mcp/idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: ids are short and chosen by peers; the table never holds more
 * than max_entries, so a peer that forces collisions only slows itself. */
static uint64_t hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

void mcp_idmap_init(struct mcp_idmap *m, size_t max_entries)
{
	memset(m, 0, sizeof(*m));
	m->max_entries = max_entries;
}

void mcp_idmap_close(struct mcp_idmap *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		free(m->slots[i]);
	free(m->slots);
	m->slots = NULL;
	m->nslots = m->count = 0;
}

static size_t find_slot(const struct mcp_idmap *m, const char *key, size_t key_len)
{
	size_t mask = m->nslots - 1;
	size_t i = (size_t)hash(key, key_len) & mask;
	for (;;) {
		const struct mcp_pending *e = m->slots[i];
		if (!e || (e->key_len == key_len && memcmp(e->key, key, key_len) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static int grow(struct mcp_idmap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 16;
	struct mcp_pending **slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct mcp_pending **old = m->slots;
	size_t oldn = m->nslots;
	m->slots = slots;
	m->nslots = n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			m->slots[find_slot(m, old[i]->key, old[i]->key_len)] = old[i];
	free(old);
	return 0;
}

int mcp_idmap_add(struct mcp_idmap *m, const char *key, size_t key_len, const char *raw_id,
		  size_t raw_id_len, const char *method, const char *tool, uint64_t start_ns,
		  uint32_t bytes, struct mcp_pending **out)
{
	if (m->nslots && m->slots[find_slot(m, key, key_len)])
		return -EEXIST;
	if (m->count >= m->max_entries)
		return -ENOSPC;
	/* Keep the load factor at or below one half. */
	if ((m->count + 1) * 2 > m->nslots && grow(m) != 0)
		return -ENOMEM;

	size_t mlen = strlen(method), tlen = tool ? strlen(tool) : 0;
	struct mcp_pending *e = malloc(sizeof(*e) + key_len + raw_id_len + mlen + 1 +
				       (tool ? tlen + 1 : 0));
	if (!e)
		return -ENOMEM;
	char *p = e->data;
	memcpy(p, key, key_len);
	e->key = p, e->key_len = key_len, p += key_len;
	memcpy(p, raw_id, raw_id_len);
	e->raw_id = p, e->raw_id_len = raw_id_len, p += raw_id_len;
	memcpy(p, method, mlen + 1);
	e->method = p, p += mlen + 1;
	if (tool) {
		memcpy(p, tool, tlen + 1);
		e->tool = p;
	} else {
		e->tool = NULL;
	}
	e->start_ns = start_ns;
	e->bytes = bytes;
	e->flags = 0;
	e->seq = m->next_seq++;
	m->slots[find_slot(m, key, key_len)] = e;
	m->count++;
	if (out)
		*out = e;
	return 0;
}

struct mcp_pending *mcp_idmap_find(const struct mcp_idmap *m, const char *key, size_t key_len)
{
	if (!m->count)
		return NULL;
	return m->slots[find_slot(m, key, key_len)];
}

/* Remove slot |i| and shift later members of its probe run back. */
static struct mcp_pending *remove_slot(struct mcp_idmap *m, size_t i)
{
	size_t mask = m->nslots - 1;
	struct mcp_pending *e = m->slots[i];
	m->slots[i] = NULL;
	m->count--;
	for (size_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
		size_t home = (size_t)hash(m->slots[j]->key, m->slots[j]->key_len) & mask;
		/* Move j back to i if its home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j] = NULL;
			i = j;
		}
	}
	return e;
}

struct mcp_pending *mcp_idmap_take(struct mcp_idmap *m, const char *key, size_t key_len)
{
	if (!m->count)
		return NULL;
	size_t i = find_slot(m, key, key_len);
	return m->slots[i] ? remove_slot(m, i) : NULL;
}

struct mcp_pending *mcp_idmap_take_oldest(struct mcp_idmap *m)
{
	size_t best = 0;
	struct mcp_pending *b = NULL;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i] && (!b || m->slots[i]->seq < b->seq))
			b = m->slots[i], best = i;
	return b ? remove_slot(m, best) : NULL;
}
