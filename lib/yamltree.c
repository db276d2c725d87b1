/*
 * lib/yamltree.c - libyaml's event stream folded into brain__ynode trees.
 *
 * Cost: one pass over the input, one allocation per node.  Depth is capped
 * (BRAIN__YAML_MAX_DEPTH) so hostile input cannot exhaust the stack of the
 * code that walks the tree.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <brainstem/errors.h>

#include "yamltree.h"

#define BRAIN__YAML_MAX_DEPTH 64

typedef struct ybuild {
	const char *name;
	yaml_parser_t parser;
	brain__err *e;
} ybuild;

void brain__yaml_free(brain__ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->count; i++) {
		if (n->keys)
			brain__yaml_free(n->keys[i]);
		brain__yaml_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n);
}

brain__ynode *brain__yaml_get(const brain__ynode *m, const char *key)
{
	size_t i;

	if (!m || m->kind != BRAIN__Y_MAP)
		return NULL;
	for (i = 0; i < m->count; i++)
		if (strcmp(m->keys[i]->value, key) == 0)
			return m->items[i];
	return NULL;
}

static brain__ynode *node_new(brain__ynode_kind kind, yaml_mark_t mark)
{
	brain__ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	return n;
}

static int node_push(brain__ynode *parent, brain__ynode *key,
		     brain__ynode *item)
{
	if (parent->count == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		brain__ynode **items = realloc(parent->items,
					       cap * sizeof(*items));
		if (!items)
			return -1;
		parent->items = items;
		if (parent->kind == BRAIN__Y_MAP) {
			brain__ynode **keys = realloc(parent->keys,
						      cap * sizeof(*keys));
			if (!keys)
				return -1;
			parent->keys = keys;
		}
		parent->cap = cap;
	}
	if (parent->kind == BRAIN__Y_MAP)
		parent->keys[parent->count] = key;
	parent->items[parent->count++] = item;
	return 0;
}

static int fail_at(ybuild *y, yaml_mark_t mark, const char *what)
{
	return brain__errf(y->e, BRAIN_EBLUEPRINT, "%s:%zu:%zu: %s", y->name,
			   mark.line + 1, mark.column + 1, what);
}

static int next_event(ybuild *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->parser, ev)) {
		yaml_mark_t m = y->parser.problem_mark;
		const char *problem = y->parser.problem ? y->parser.problem
							: "malformed yaml";
		if (y->parser.error == YAML_MEMORY_ERROR)
			return brain__errf(y->e, BRAIN_ENOMEM,
					   "%s: out of memory", y->name);
		return brain__errf(y->e, BRAIN_EBLUEPRINT,
				   "%s:%zu:%zu: yaml: %s", y->name,
				   m.line + 1, m.column + 1, problem);
	}
	return 0;
}

static int parse_node(ybuild *y, yaml_event_t *ev, int depth,
		      brain__ynode **out);

static int refuse_extras(ybuild *y, yaml_event_t *ev, const yaml_char_t *anchor,
			 const yaml_char_t *tag, int implicit_tag)
{
	if (anchor)
		return fail_at(y, ev->start_mark,
			       "anchors and aliases are not supported");
	if (tag && !implicit_tag)
		return fail_at(y, ev->start_mark, "tags are not supported");
	return 0;
}

static int parse_scalar(ybuild *y, yaml_event_t *ev, brain__ynode **out)
{
	brain__ynode *n;
	int rc = refuse_extras(y, ev, ev->data.scalar.anchor,
			       ev->data.scalar.tag,
			       ev->data.scalar.plain_implicit ||
				       ev->data.scalar.quoted_implicit);

	if (rc)
		return rc;
	n = node_new(BRAIN__Y_SCALAR, ev->start_mark);
	if (!n)
		return BRAIN_ENOMEM;
	n->len = ev->data.scalar.length;
	n->value = malloc(n->len + 1);
	if (!n->value) {
		free(n);
		return BRAIN_ENOMEM;
	}
	memcpy(n->value, ev->data.scalar.value, n->len);
	n->value[n->len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	*out = n;
	return 0;
}

static int check_duplicate(ybuild *y, const brain__ynode *map,
			   const brain__ynode *key)
{
	size_t i;

	for (i = 0; i < map->count; i++) {
		const brain__ynode *k = map->keys[i];
		if (strcmp(k->value, key->value) == 0)
			return brain__errf(y->e, BRAIN_EBLUEPRINT,
					   "%s:%d:%d: duplicate key '%s' "
					   "(first at line %d)",
					   y->name, key->line, key->col,
					   key->value, k->line);
	}
	return 0;
}

/* Reads items until the matching end event; for mappings, key then value. */
static int parse_children(ybuild *y, brain__ynode *n, int depth)
{
	yaml_event_type_t end = n->kind == BRAIN__Y_MAP
					? YAML_MAPPING_END_EVENT
					: YAML_SEQUENCE_END_EVENT;

	for (;;) {
		yaml_event_t ev;
		brain__ynode *key = NULL, *item = NULL;
		int rc = next_event(y, &ev);

		if (rc)
			return rc;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->kind == BRAIN__Y_MAP) {
			if (ev.type != YAML_SCALAR_EVENT) {
				rc = fail_at(y, ev.start_mark,
					     "mapping keys must be plain "
					     "scalars");
				yaml_event_delete(&ev);
				return rc;
			}
			rc = parse_node(y, &ev, depth + 1, &key);
			yaml_event_delete(&ev);
			if (!rc)
				rc = check_duplicate(y, n, key);
			if (!rc)
				rc = next_event(y, &ev);
			if (rc) {
				brain__yaml_free(key);
				return rc;
			}
		}
		rc = parse_node(y, &ev, depth + 1, &item);
		yaml_event_delete(&ev);
		if (!rc && node_push(n, key, item) != 0)
			rc = BRAIN_ENOMEM;
		if (rc) {
			brain__yaml_free(key);
			brain__yaml_free(item);
			return rc;
		}
	}
}

static int parse_node(ybuild *y, yaml_event_t *ev, int depth,
		      brain__ynode **out)
{
	brain__ynode *n;
	int rc;

	if (depth > BRAIN__YAML_MAX_DEPTH)
		return fail_at(y, ev->start_mark, "nesting too deep");
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return parse_scalar(y, ev, out);
	case YAML_ALIAS_EVENT:
		return fail_at(y, ev->start_mark,
			       "anchors and aliases are not supported");
	case YAML_MAPPING_START_EVENT:
		rc = refuse_extras(y, ev, ev->data.mapping_start.anchor,
				   ev->data.mapping_start.tag,
				   ev->data.mapping_start.implicit);
		if (rc)
			return rc;
		n = node_new(BRAIN__Y_MAP, ev->start_mark);
		break;
	case YAML_SEQUENCE_START_EVENT:
		rc = refuse_extras(y, ev, ev->data.sequence_start.anchor,
				   ev->data.sequence_start.tag,
				   ev->data.sequence_start.implicit);
		if (rc)
			return rc;
		n = node_new(BRAIN__Y_SEQ, ev->start_mark);
		break;
	default:
		return fail_at(y, ev->start_mark, "unexpected yaml event");
	}
	if (!n)
		return BRAIN_ENOMEM;
	rc = parse_children(y, n, depth);
	if (rc) {
		brain__yaml_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* STREAM-START, then DOCUMENT-START (or an empty stream). */
static int parse_document(ybuild *y, brain__ynode **out)
{
	yaml_event_t ev;
	int rc = next_event(y, &ev);

	if (rc)
		return rc;
	yaml_event_delete(&ev); /* stream start */
	if ((rc = next_event(y, &ev)))
		return rc;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		*out = node_new(BRAIN__Y_MAP, ev.start_mark);
		return *out ? 0 : BRAIN_ENOMEM;
	}
	yaml_event_delete(&ev); /* document start */
	if ((rc = next_event(y, &ev)))
		return rc;
	rc = parse_node(y, &ev, 0, out);
	yaml_event_delete(&ev);
	if (rc)
		return rc;
	if ((rc = next_event(y, &ev)))
		goto fail; /* document end */
	yaml_event_delete(&ev);
	if ((rc = next_event(y, &ev)))
		goto fail;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(y, ev.start_mark,
			     "only one yaml document is allowed");
	yaml_event_delete(&ev);
	if (rc)
		goto fail;
	return 0;
fail:
	brain__yaml_free(*out);
	*out = NULL;
	return rc;
}

int brain__yaml_parse(const char *name, const unsigned char *buf, size_t len,
		      brain__ynode **out, brain__err *e)
{
	ybuild y = {.name = name, .e = e};
	int rc;

	*out = NULL;
	if (!yaml_parser_initialize(&y.parser))
		return brain__errf(e, BRAIN_ENOMEM, "%s: out of memory", name);
	yaml_parser_set_input_string(&y.parser, buf, len);
	rc = parse_document(&y, out);
	yaml_parser_delete(&y.parser);
	return rc;
}
