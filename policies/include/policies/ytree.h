/* policies/ytree.h - a YAML document as a small tree with source positions.
 *
 * libyaml's event parser is turned into maps, sequences and scalars, each
 * remembering its line and column for error messages.  What a policy file
 * has no use for is refused rather than interpreted: aliases and anchors
 * (exponential expansion), tags, several documents, duplicate keys, and
 * complex keys.  Size and depth are capped.
 *
 * Pure: parses a buffer; no I/O.
 */
#ifndef POLICIES_YTREE_H
#define POLICIES_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#define POL_YAML_MAX_BYTES (1024 * 1024)
#define POL_YAML_MAX_DEPTH 32
#define POL_YAML_MAX_NODES 100000

enum pol_ynode_kind { POL_Y_SCALAR, POL_Y_MAP, POL_Y_SEQ };

struct pol_ynode {
	enum pol_ynode_kind kind;
	unsigned line, col;  /* 1-based */
	char *value;	     /* scalar text (NUL-terminated) */
	size_t value_len;
	bool quoted;	     /* scalar written with quotes or as a block */
	struct pol_ynode **items; /* map: key, value, key, value...; seq: items */
	size_t count;		  /* number of items (map: 2 * pairs) */
};

/* Parse |len| bytes of YAML.  Returns the root (a map for a policy; an
 * empty document gives an empty map) or NULL with a message
 * "LINE:COL: what" in |err|. */
struct pol_ynode *pol_ytree_parse(const char *text, size_t len, char *err, size_t err_size);
void pol_ytree_free(struct pol_ynode *n);

/* Map lookup: the value of |key| in map |n|, or NULL. */
const struct pol_ynode *pol_ytree_get(const struct pol_ynode *n, const char *key);

#endif
