/*
 * lib/yamltree.h - a YAML document as a small tree of nodes that remember
 * where they were written (line and column, from 1), so that every later
 * check can say "file:line:column: ...".
 *
 * Deliberately narrow: one document, scalars, mappings and sequences.
 * Anchors, aliases and tags are refused (a blueprint has no use for them and
 * aliases make "billion laughs" inputs possible); duplicate mapping keys are
 * an error.
 */
#ifndef BRAIN_LIB_YAMLTREE_H
#define BRAIN_LIB_YAMLTREE_H

#include <stddef.h>

#include "error.h"

typedef enum brain__ynode_kind {
	BRAIN__Y_SCALAR,
	BRAIN__Y_MAP,
	BRAIN__Y_SEQ,
} brain__ynode_kind;

typedef struct brain__ynode brain__ynode;
struct brain__ynode {
	brain__ynode_kind kind;
	int line, col;
	int plain;    /* scalar written without quotes or block style */
	char *value;  /* scalar text, NUL-terminated */
	size_t len;   /* its length (it may hold NULs: refused by users) */
	size_t count; /* mapping pairs or sequence items */
	size_t cap;
	brain__ynode **keys;  /* mapping keys (scalars), count of them */
	brain__ynode **items; /* mapping values or sequence items */
};

/*
 * Parses `len` bytes of YAML.  `name` is used in messages only.
 * Returns 0 and *out, or BRAIN_EBLUEPRINT with "name:line:col: ..." in e,
 * or BRAIN_ENOMEM.  An empty document gives an empty mapping.
 */
int brain__yaml_parse(const char *name, const unsigned char *buf, size_t len,
		      brain__ynode **out, brain__err *e);

void brain__yaml_free(brain__ynode *n);

/* The value for `key` in mapping m, or NULL. */
brain__ynode *brain__yaml_get(const brain__ynode *m, const char *key);

#endif
