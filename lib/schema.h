/*
 * lib/schema.h - checking a YAML tree against what is expected of it, with
 * every complaint as "file:line:column: what was expected".  Shared by the
 * blueprint and config.json readers, so both speak the same way.
 */
#ifndef BRAIN_LIB_SCHEMA_H
#define BRAIN_LIB_SCHEMA_H

#include <jansson.h>

#include "error.h"
#include "yamltree.h"

typedef struct brain__vctx {
	const char *file; /* named in every message */
	brain__err *e;
	void *user;       /* what the reader is filling in */
	int code;         /* BRAIN_EBLUEPRINT or BRAIN_ECONFIG */
} brain__vctx;

/* "file:line:col: <message>" at node n; returns the error code of the
 * reader (v->code). */
int brain__verr(brain__vctx *v, const brain__ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* n is of `kind`, else "expected a mapping for 'what', found a list". */
int brain__want(brain__vctx *v, const brain__ynode *n, brain__ynode_kind kind,
		const char *what);

/* Every key of map is one of `allowed` (else "unknown key 'x' in what
 * (did you mean 'y'?)"), and each of `required` (may be NULL) is there. */
int brain__check_keys(brain__vctx *v, const brain__ynode *map,
		      const char *what, const char *const *allowed,
		      const char *const *required);

/* A string member; *out NULL when absent and not required.  Caller frees. */
int brain__get_str(brain__vctx *v, const brain__ynode *map, const char *key,
		   int required, char **out);

/* A whole number member in [min, max]; *out untouched when absent. */
int brain__get_long(brain__vctx *v, const brain__ynode *map, const char *key,
		    long min, long max, long *out);

/* A member that is one of `choices`; *out its index, untouched if absent. */
int brain__get_choice(brain__vctx *v, const brain__ynode *map,
		      const char *key, const char *const *choices, int *out);

/* Any node as JSON (plain scalars typed as YAML does: null, true, 12, 1.5). */
int brain__to_json(brain__vctx *v, const brain__ynode *n, json_t **out);

/* A mapping member as a JSON object; *out NULL when absent, not required. */
int brain__get_object(brain__vctx *v, const brain__ynode *map,
		      const char *key, int required, json_t **out);

#endif
