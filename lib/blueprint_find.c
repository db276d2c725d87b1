/*
 * lib/blueprint_find.c - the names of a blueprint's levels and metric
 * operations, and lookups in a loaded blueprint: a stream by its public
 * name, a mode, a pattern level.
 *
 * Nothing here changes the blueprint or allocates.  Cost: linear in the
 * number of streams, modes or pattern levels (a few dozen).
 */
#include <string.h>

#include "blueprint.h"
#include "blueprint_internal.h"

const char *const brain__level_names[BRAIN__LV_COUNT] = {
	"global", "root", "year", "month", "week", "day", "hour"};

const char *const brain__metric_op_names[] = {
	"sum", "min", "max", "avg", "last", "count_by_value", NULL};

const brain__plevel *brain__bp_find_plevel(const brain__blueprint *bp,
					  const char *layout, brain__level lv)
{
	size_t i;

	for (i = 0; i < bp->nlevels; i++)
		if (bp->levels[i].level == lv &&
		    !strcmp(bp->levels[i].layout, layout))
			return &bp->levels[i];
	return NULL;
}

const brain__stream *brain__blueprint_stream(const brain__blueprint *bp,
					     const char *name)
{
	size_t i;

	for (i = 0; i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		if (!strcmp(s->id, name))
			return s;
	}
	return brain__blueprint_report(bp, "report", name);
}

const brain__stream *brain__blueprint_report(const brain__blueprint *bp,
					     const char *tree, const char *cat)
{
	size_t i;

	for (i = 0; i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		if (s->tree && !strcmp(s->tree, tree) && !strcmp(s->kind, cat))
			return s;
	}
	return NULL;
}

const brain__mode *brain__blueprint_mode(const brain__blueprint *bp,
					 const char *name)
{
	size_t i;

	for (i = 0; i < bp->nmodes; i++)
		if (!strcmp(bp->modes[i].name, name))
			return &bp->modes[i];
	return NULL;
}

const brain__plevel *brain__blueprint_plevel(const brain__blueprint *bp,
					     const brain__stream *s,
					     const char *key)
{
	int lv;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		if (s->source[lv] && !strcmp(s->source[lv]->key, key))
			return s->source[lv];
		if (!strcmp(bp->full[lv]->key, key))
			return bp->full[lv];
		if (!strcmp(bp->index[lv]->key, key))
			return bp->index[lv];
	}
	return NULL;
}
