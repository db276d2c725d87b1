/*
 * lib/blueprint_internal.h - what the blueprint's files share while a
 * blueprint is loaded.
 *
 * Loading is in three files; each uses only those below it in this list,
 * never one above:
 *
 *   blueprint.c          the load: the patterns, the sections, the root,
 *                        and freeing what the load made (blueprint.h)
 *   blueprint_streams.c  record kinds, report streams, their metrics, and
 *                        that no two streams write the same file
 *   blueprint_find.c     the level and metric operation names, and
 *                        lookups in a blueprint (streams, modes, levels)
 *
 * The loaders take the schema's context (schema.h) whose user pointer is
 * the blueprint being filled; they stop at the first problem.
 */
#ifndef BRAIN_LIB_BLUEPRINT_INTERNAL_H
#define BRAIN_LIB_BLUEPRINT_INTERNAL_H

#include <string.h>

#include <brainstem/errors.h>

#include "blueprint.h"
#include "schema.h"
#include "yamltree.h"

/* The blueprint a loader fills. */
#define BP(v) ((brain__blueprint *)(v)->user)

static inline int dup_str(const char *s, char **out)
{
	*out = strdup(s);
	return *out ? 0 : BRAIN_ENOMEM;
}

/* The pattern level of `layout` at level lv, or NULL (blueprint_find.c). */
const brain__plevel *brain__bp_find_plevel(const brain__blueprint *bp,
					  const char *layout, brain__level lv);

/* The section record_kinds: one stream per kind (blueprint_streams.c). */
int brain__bp_load_record_kinds(brain__vctx *v, const brain__ynode *root);
/* The sections report_trees and categories: one stream per category in
 * each tree (blueprint_streams.c). */
int brain__bp_load_reports(brain__vctx *v, const brain__ynode *root);
/* Two streams must not write the same file (blueprint_streams.c). */
int brain__bp_check_collisions(brain__vctx *v, const brain__ynode *root);

#endif
