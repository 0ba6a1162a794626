/* policies/ytree.c - YAML to a small tree, strictly. */
#include "policies/ytree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
	yaml_parser_t parser;
	char *err;
	size_t err_size;
	size_t nodes;
	bool failed;
};

static void __attribute__((format(printf, 4, 5)))
fail(struct builder *b, unsigned line, unsigned col, const char *fmt, ...)
{
	if (b->failed)
		return;
	b->failed = true;
	int n = snprintf(b->err, b->err_size, "%u:%u: ", line, col);
	if (n > 0 && (size_t)n < b->err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->err + n, b->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

void pol_ytree_free(struct pol_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->count; i++)
		pol_ytree_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}

static struct pol_ynode *new_node(struct builder *b, enum pol_ynode_kind kind,
				  const yaml_mark_t *mark)
{
	if (++b->nodes > POL_YAML_MAX_NODES) {
		fail(b, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
		     "the document has too many nodes");
		return NULL;
	}
	struct pol_ynode *n = calloc(1, sizeof(*n));
	if (!n) {
		fail(b, 0, 0, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)mark->line + 1;
	n->col = (unsigned)mark->column + 1;
	return n;
}

static bool add_item(struct builder *b, struct pol_ynode *parent, struct pol_ynode *child)
{
	struct pol_ynode **items = realloc(parent->items, (parent->count + 1) * sizeof(*items));
	if (!items) {
		fail(b, 0, 0, "out of memory");
		return false;
	}
	parent->items = items;
	parent->items[parent->count++] = child;
	return true;
}

static bool next_event(struct builder *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return true;
	const yaml_mark_t *m = &b->parser.problem_mark;
	fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1, "invalid YAML: %s",
	     b->parser.problem ? b->parser.problem : "syntax error");
	return false;
}

static struct pol_ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth);

/* Parse the children of a map or sequence until its end event. */
static bool parse_children(struct builder *b, struct pol_ynode *n, yaml_event_type_t end,
			   int depth)
{
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			return false;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return true;
		}
		struct pol_ynode *child = parse_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!child)
			return false;
		if (n->kind == POL_Y_MAP && n->count % 2 == 0) {
			if (child->kind != POL_Y_SCALAR) {
				fail(b, child->line, child->col, "a key must be a plain value");
				pol_ytree_free(child);
				return false;
			}
			for (size_t i = 0; i < n->count; i += 2)
				if (strcmp(n->items[i]->value, child->value) == 0) {
					fail(b, child->line, child->col, "duplicate key '%s'",
					     child->value);
					pol_ytree_free(child);
					return false;
				}
		}
		if (!add_item(b, n, child)) {
			pol_ytree_free(child);
			return false;
		}
	}
}

static struct pol_ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth)
{
	const yaml_mark_t *m = &ev->start_mark;
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;
	if (depth > POL_YAML_MAX_DEPTH) {
		fail(b, line, col, "nested too deeply");
		return NULL;
	}
	const yaml_char_t *anchor = NULL, *tag = NULL;
	struct pol_ynode *n = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fail(b, line, col, "aliases (*%s) are not allowed in a policy",
		     (const char *)ev->data.alias.anchor);
		return NULL;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		fail(b, line, col, "unexpected YAML structure");
		return NULL;
	}
	if (anchor) {
		fail(b, line, col, "anchors (&%s) are not allowed in a policy", (const char *)anchor);
		return NULL;
	}
	if (tag) {
		fail(b, line, col, "tags (%s) are not allowed in a policy", (const char *)tag);
		return NULL;
	}
	if (ev->type == YAML_SCALAR_EVENT) {
		n = new_node(b, POL_Y_SCALAR, m);
		if (!n)
			return NULL;
		size_t len = ev->data.scalar.length;
		n->value = malloc(len + 1);
		if (!n->value) {
			pol_ytree_free(n);
			fail(b, 0, 0, "out of memory");
			return NULL;
		}
		memcpy(n->value, ev->data.scalar.value, len);
		n->value[len] = '\0';
		n->value_len = len;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (memchr(n->value, '\0', len)) {
			fail(b, line, col, "a value contains a NUL character");
			pol_ytree_free(n);
			return NULL;
		}
		return n;
	}
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	n = new_node(b, map ? POL_Y_MAP : POL_Y_SEQ, m);
	if (!n)
		return NULL;
	if (!parse_children(b, n, map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT, depth)) {
		pol_ytree_free(n);
		return NULL;
	}
	return n;
}

struct pol_ynode *pol_ytree_parse(const char *text, size_t len, char *err, size_t err_size)
{
	struct builder b = {.err = err, .err_size = err_size};
	if (err_size)
		err[0] = '\0';
	if (len > POL_YAML_MAX_BYTES) {
		snprintf(err, err_size, "1:1: the file is larger than %d bytes", POL_YAML_MAX_BYTES);
		return NULL;
	}
	if (!yaml_parser_initialize(&b.parser)) {
		snprintf(err, err_size, "0:0: out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	struct pol_ynode *root = NULL;
	yaml_event_t ev;
	bool ok = next_event(&b, &ev) && ev.type == YAML_STREAM_START_EVENT;
	if (ok)
		yaml_event_delete(&ev);
	if (ok && next_event(&b, &ev)) {
		if (ev.type == YAML_STREAM_END_EVENT) {
			/* Empty file: an empty map. */
			yaml_mark_t m = {0, 0, 0};
			root = new_node(&b, POL_Y_MAP, &m);
		} else if (ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			if (next_event(&b, &ev)) {
				if (ev.type == YAML_DOCUMENT_END_EVENT) {
					root = new_node(&b, POL_Y_MAP, &ev.start_mark);
				} else {
					root = parse_node(&b, &ev, 0);
					yaml_event_delete(&ev);
					if (root && next_event(&b, &ev)) {
						if (ev.type != YAML_DOCUMENT_END_EVENT)
							fail(&b, 0, 0, "unexpected content");
					}
				}
				yaml_event_delete(&ev);
				if (!b.failed && next_event(&b, &ev)) {
					if (ev.type != YAML_STREAM_END_EVENT)
						fail(&b, (unsigned)ev.start_mark.line + 1,
						     (unsigned)ev.start_mark.column + 1,
						     "only one YAML document is allowed");
				}
			}
		} else {
			fail(&b, 0, 0, "unexpected YAML structure");
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.parser);
	if (b.failed || (root && root->kind != POL_Y_MAP)) {
		if (!b.failed && root)
			snprintf(err, err_size, "%u:%u: a policy must be a map of keys", root->line,
				 root->col);
		pol_ytree_free(root);
		return NULL;
	}
	return root;
}

const struct pol_ynode *pol_ytree_get(const struct pol_ynode *n, const char *key)
{
	if (!n || n->kind != POL_Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < n->count; i += 2)
		if (strcmp(n->items[i]->value, key) == 0)
			return n->items[i + 1];
	return NULL;
}
