/*
 * lib/store_rollup.h - the roll-ups of a stream's records (see
 * lib/store_rollup.c).
 */
#ifndef BRAIN_LIB_STORE_ROLLUP_H
#define BRAIN_LIB_STORE_ROLLUP_H

#include "store_internal.h"

/* Points every slot at its file for partition w (flushing, trimming and
 * closing those whose file changes); cheap for the partition bound. */
int brain__rollup_bind(brain__store *store, sstate *st, const brain__when *w);
/* The bound slot (k, lv) opened and its tail read (a damaged one
 * recomputed from the journal). */
int brain__rollup_load(brain__store *store, sstate *st, int k, int lv,
		       const brain__when *w);
/* Drops every slot, binds partition w and loads the journal (see
 * brain__journal_load for the returns). */
int brain__rollup_reload(brain__store *store, sstate *st,
			 const brain__when *w);

/* One record (its line, seq and parsed form) applied in memory to every
 * derived file of partition w. */
int brain__rollup_apply(brain__store *store, sstate *st,
			const brain__when *w, const char *line, size_t len,
			long long seq, const json_t *entry);
/* The applied records written to the files, then recorded as applied in
 * the state file; a checkpoint when checkpoint_records are due. */
int brain__rollup_flush(brain__store *store, sstate *st);
/* The derived files synced (except at durability none) and the state
 * file's checkpoint moved up to what they hold. */
int brain__rollup_checkpoint(brain__store *store, sstate *st);
/* The journal's records after seq `from` applied again (idempotent). */
int brain__rollup_replay(brain__store *store, sstate *st, long long from);

#endif
