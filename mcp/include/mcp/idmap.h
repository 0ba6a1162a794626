/* mcp/idmap.h - requests in flight, keyed by canonical JSON-RPC id.
 *
 * One map per direction: ids of client requests and ids of server requests
 * live in separate spaces and may collide.  Entries remember what the relay
 * needs when the response arrives or never does: the raw id to echo in an
 * error, the method, the tool, the time it was sent.
 *
 * Pure: no I/O.  Open addressing with linear probing and backward-shift
 * deletion; the number of entries is capped by the caller.
 */
#ifndef MCP_IDMAP_H
#define MCP_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct mcp_pending {
	uint64_t start_ns; /* caller's clock when the request was sent */
	uint64_t seq;	   /* insertion order */
	uint32_t flags;	   /* caller-defined */
	uint32_t bytes;	   /* size of the request */
	const char *key;   /* canonical id key (not NUL-terminated) */
	size_t key_len;
	const char *raw_id; /* raw JSON text of the id */
	size_t raw_id_len;
	const char *method; /* NUL-terminated */
	const char *tool;   /* NUL-terminated, or NULL */
	char data[];	    /* storage for the strings above */
};

struct mcp_idmap {
	struct mcp_pending **slots;
	size_t nslots; /* power of two */
	size_t count;
	size_t max_entries;
	uint64_t next_seq;
};

/* Initialise an empty map holding at most |max_entries| entries. */
void mcp_idmap_init(struct mcp_idmap *m, size_t max_entries);
/* Free every entry and the table. */
void mcp_idmap_close(struct mcp_idmap *m);

/* Add an entry.  Strings are copied; |tool| may be NULL.  On success stores
 * the new entry (owned by the map) in |*out| when |out| is not NULL.
 * Returns 0, -EEXIST when the id is already in flight, -ENOSPC when the map
 * is full, -ENOMEM. */
int mcp_idmap_add(struct mcp_idmap *m, const char *key, size_t key_len, const char *raw_id,
		  size_t raw_id_len, const char *method, const char *tool, uint64_t start_ns,
		  uint32_t bytes, struct mcp_pending **out);

/* The entry for |key|, still owned by the map, or NULL. */
struct mcp_pending *mcp_idmap_find(const struct mcp_idmap *m, const char *key, size_t key_len);

/* Remove the entry for |key| and return it; the caller frees it with
 * free().  NULL when absent. */
struct mcp_pending *mcp_idmap_take(struct mcp_idmap *m, const char *key, size_t key_len);

/* Remove and return the oldest entry (lowest seq), or NULL when empty.  The
 * caller frees it.  O(slots); used only at shutdown. */
struct mcp_pending *mcp_idmap_take_oldest(struct mcp_idmap *m);

static inline size_t mcp_idmap_count(const struct mcp_idmap *m)
{
	return m->count;
}

#endif
