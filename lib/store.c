/*
 * lib/store.c - the store's coordinator: the entry points of store.h.
 *
 * Every operation on a stream begins the same way (enter): take the
 * stream's lock and bring this handle up to date with what other writers
 * did (refresh: reload after another writer, replay after a crash, finish
 * an interrupted rebuild, recover a journal that lost records).  A save
 * then appends the record to the journal and applies it to the roll-ups;
 * once it is in the journal it has succeeded, and derived files that
 * cannot take it make the stream lag until they can (lag_begin).
 *
 * The modules below it, each owning one rule, are listed in
 * store_internal.h.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "store_journal.h"
#include "store_rebuild.h"
#include "store_recover.h"
#include "store_rollup.h"
#include "store_state.h"
#include "store_tail.h"

/*
 * lag_begin - the derived files could not be brought up to date with the
 * journal (a full disk, an unwritable hourly file): what this handle had
 * in memory for them is dropped - the journal and the state file's
 * applied seq say what they still need, and a replay brings it - and the
 * failure becomes a notice, once, instead of the caller's error.  A save
 * whose record is in the journal has succeeded (DESIGN.md "What a save
 * promises"); brain_flush reports derived files that still cannot be
 * written.
 */
static void lag_begin(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);
	int k, lv;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if (&st->slot[k][lv] != j)
				brain__slot_close(&st->slot[k][lv]);
	st->pending = 0;
	st->loaded = 0;
	st->foreign = 1; /* slots dropped unsynced */
	if (!st->lag)
		brain__sto_notice(store,
				  "the files derived from %s trail it: %s; "
				  "they catch up from it once they can be "
				  "written",
				  j->path,
				  store->err->msg[0] ? store->err->msg
						     : "out of memory");
	st->lag = 1;
	brain__err_clear(store->err);
}

static void lag_end(brain__store *store, sstate *st)
{
	if (st->lag)
		brain__sto_notice(store,
				  "the files derived from %s have caught up "
				  "with it",
				  JOURNAL(st)->path);
	st->lag = 0;
}

/* Under the lock: makes the slots current and the derived files complete
 * (replaying after someone's crash).  With lag_ok (a save), only loading
 * the journal must succeed: derived files that cannot be caught up make
 * the stream lag (lag_begin). */
static int refresh(brain__store *store, sstate *st, const brain__when *w,
		   int lag_ok)
{
	long long applied;
	long long gen = st->generation;
	int rc, first = !st->checked;

	brain__state_read(st, &applied);
	if (st->loaded && applied == st->known_applied &&
	    gen == st->generation)
		return 0;
	st->loaded = 0;
	st->known_applied = applied;
	if ((rc = brain__recover_load(store, st, w)))
		return rc;
	if (brain__exists(st->rebuild_path)) {
		brain__sto_notice(store,
				  "finishing the interrupted rebuild of %s",
				  JOURNAL(st)->path);
		return brain__rebuild_all(store, st, w);
	}
	/* a journal behind what was applied lost records: not a torn
	 * write.  The all-time aggregates are asked once per handle. */
	if (st->checked ? (applied > st->last_seq ||
			   st->checkpoint > st->last_seq)
			: brain__recover_claimed(store, st, w) > st->last_seq) {
		if ((rc = brain__recover_journal(
			     store, st, w, brain__recover_claimed(store, st, w),
			     0)))
			return rc;
		brain__state_read(st, &applied);
	}
	st->checked = 1;
	/* the first time, whatever applied says: a power loss may have
	 * taken the unsynced tail of a derived file (lib/store_rollup.c,
	 * checkpoints) */
	if (first || applied != st->last_seq ||
	    st->moved_seen != store->moved) {
		long long from = st->checkpoint < applied ? st->checkpoint
							  : applied;
		if (applied > st->last_seq)
			from = 0; /* state ahead of the journal: recheck all */
		if (st->moved_seen != store->moved)
			from = 0; /* files went with an obstacle: refill */
		if ((rc = brain__rollup_replay(store, st, from)) ||
		    (rc = brain__rollup_flush(store, st))) {
			if (!lag_ok || rc == BRAIN_ECORRUPT)
				return rc;
			lag_begin(store, st);
			return 0;
		}
		st->moved_seen = store->moved;
	}
	if (first) /* the checkpoint's interval counts from here, not from
		    * the open (which may take a while on a large tree) */
		clock_gettime(CLOCK_MONOTONIC, &st->last_checkpoint);
	lag_end(store, st);
	st->known_applied = st->last_seq;
	st->loaded = 1;
	return 0;
}

/* Whether the records applied in memory should reach the files now: the
 * blueprint's aggregate_lag_ms bounds how long derived files may trail
 * the journal while a writer is busy (0: every call). */
static int flush_due(brain__store *store, sstate *st)
{
	return store->bp->aggregate_lag_ms == 0 ||
	       st->pending >= store->bp->aggregate_lag_records ||
	       brain__sto_since_ms(&st->pending_since) >=
		       (double)store->bp->aggregate_lag_ms;
}

/* What enter does after taking the lock. */
enum {
	ENTER_ONLY,  /* bring the handle up to date (refresh) */
	ENTER_FLUSH, /* that, and write out this handle's pending records */
	ENTER_SAVE,  /* refresh, where derived files that cannot be caught up
			make the stream lag instead of failing (lag_begin) */
};

/*
 * enter - how every operation on a stream begins, a read-only handle
 * refused: take its lock and bring the handle up to date with what other
 * writers did (refresh), as `how` says.  On failure the lock is released
 * again and everything is reloaded next time.
 */
static int enter(brain__store *store, sstate *st, time_t t, brain__when *w,
		 int how)
{
	int rc;

	if ((rc = brain__sto_writable(store)))
		return rc;
	brain__when_of(store->bp, t, w);
	if ((rc = brain__state_lock(store, st)))
		return rc;
	if (!(rc = refresh(store, st, w, how == ENTER_SAVE)) &&
	    how == ENTER_FLUSH)
		rc = brain__rollup_flush(store, st);
	if (rc) {
		st->loaded = 0;
		brain__state_unlock(st);
	}
	return rc;
}

/*
 * A save: the record's answer is the journal's.  Everything that can fail
 * before the append fails the save with nothing written; the append
 * (brain__journal_append) is all or nothing; once the record is in the journal the save has
 * succeeded, and derived files that cannot take it make the stream lag
 * (lag_begin) instead of failing it - a retry of a "failed" save that is
 * in fact recorded would record it twice.
 */
int brain__store_save(brain__store *store, const brain__stream *s,
		      json_t *entry, time_t t)
{
	sstate *st = brain__sto_stream(store, s);
	brain__when w;
	long long seq;
	char *dumped = NULL;
	const char *line;
	size_t len;
	int rc;

	if ((rc = enter(store, st, t, &w, ENTER_SAVE)))
		return rc;
	seq = st->last_seq + 1;
	json_object_set_new(entry, "seq", json_integer(seq));
	/* the bytes json_dumps gives, without its callbacks; what it
	 * leaves (U+0000, not finite, too deep) goes to json_dumps */
	st->line.len = 0;
	rc = brain__json_put_compact(&st->line, entry);
	if (rc == BRAIN_EINVAL)
		rc = (dumped = json_dumps(entry, JSON_COMPACT |
							 JSON_PRESERVE_ORDER))
			     ? 0
			     : brain__errf(store->err, BRAIN_EINVAL,
					   "record cannot be serialised "
					   "(invalid UTF-8 or a number that "
					   "is not finite?)");
	if (rc)
		goto out;
	line = dumped ? dumped : st->line.data;
	len = dumped ? strlen(dumped) : st->line.len;
	if ((rc = brain__journal_check_line(store, line, len)))
		goto out;
	if ((rc = brain__journal_append(store, st, line, len)))
		goto out;
	st->last_seq = seq;
	JOURNAL(st)->last_seq = seq;
	if (st->lag)
		goto out; /* replayed from the journal when it catches up */
	rc = brain__rollup_apply(store, st, &w, line, len, seq, entry);
	if (!rc) {
		st->since_checkpoint++;
		if (st->pending++ == 0)
			clock_gettime(CLOCK_MONOTONIC, &st->pending_since);
		if (flush_due(store, st))
			rc = brain__rollup_flush(store, st);
	}
	if (rc) {
		lag_begin(store, st);
		rc = 0;
	}
out:
	if (rc && rc != BRAIN_ETOOBIG && rc != BRAIN_EINVAL)
		st->loaded = 0; /* reload everything next time */
	brain__state_unlock(st);
	free(dumped);
	return rc;
}

int brain__store_update(brain__store *store, const brain__stream *s,
			time_t t)
{
	sstate *st = brain__sto_stream(store, s);
	brain__when w;
	int k, lv, rc;

	if ((rc = enter(store, st, t, &w, ENTER_FLUSH)))
		return rc;
	if (!(rc = brain__rollup_bind(store, st, &w)))
		for (k = 0; !rc && k < K_COUNT; k++)
			for (lv = 0; !rc && lv < BRAIN__LV_COUNT; lv++)
				if (st->slot[k][lv].path)
					rc = brain__rollup_load(store, st, k,
								lv, &w);
	if (rc)
		st->loaded = 0;
	brain__state_unlock(st);
	return rc;
}

int brain__store_recover(brain__store *store, const brain__stream *s)
{
	sstate *st = brain__sto_stream(store, s);
	brain__when w;
	int rc;

	rc = enter(store, st, brain__sto_now(store), &w, ENTER_FLUSH);
	brain__slots_close(st); /* keep no files open for streams not written */
	st->loaded = 0;
	if (!rc)
		brain__state_unlock(st);
	return rc;
}

int brain__store_lock(brain__store *store, const brain__stream *s)
{
	brain__when w;

	return enter(store, brain__sto_stream(store, s), brain__sto_now(store),
		     &w, ENTER_FLUSH);
}

void brain__store_unlock(brain__store *store, const brain__stream *s)
{
	brain__state_unlock(brain__sto_stream(store, s));
}

int brain__store_rebuild(brain__store *store, const brain__stream *s)
{
	sstate *st = brain__sto_stream(store, s);
	brain__when w;
	int rc;

	if ((rc = enter(store, st, brain__sto_now(store), &w, ENTER_ONLY)))
		return rc;
	rc = brain__rebuild_all(store, st, &w);
	if (rc)
		st->loaded = 0;
	brain__state_unlock(st);
	return rc;
}

/* A file beside the stream's records (its lock, its state file). */
static char *side_file(brain__store *store, const brain__stream *s,
		       const char *pat)
{
	brain__when w = {0};
	char *name = brain__expand(pat, s, &w), *dir, *out = NULL;

	dir = brain__path_join(store->base, s->folder);
	if (name && dir)
		out = brain__path_join(dir, name);
	free(name);
	free(dir);
	return out;
}

int brain__store_open(const brain__store_ctx *cx, brain__store **out)
{
	brain__store *store = calloc(1, sizeof(*store));
	size_t i;
	int k, lv;

	*out = NULL;
	if (!store)
		return BRAIN_ENOMEM;
	store->cx = *cx;
	store->bp = cx->bp;
	store->base = cx->base;
	store->durability = cx->durability;
	store->err = cx->err;
	store->n = store->bp->nstreams;
	store->st = calloc(store->n, sizeof(*store->st));
	if (!store->st) {
		free(store);
		return BRAIN_ENOMEM;
	}
	for (i = 0; i < store->n; i++) {
		sstate *st = &store->st[i];
		st->s = &store->bp->streams[i];
		st->lock_fd = st->state_fd = -1;
		for (k = 0; k < K_COUNT; k++) {
			brain__jlayout lay =
				brain__sto_layout(store->bp, st->s, k);
			st->depth[k] =
				lay.entries ? brain__jfile_depth(lay.entries) : 0;
			st->topen_sum[k] = -1;
		}
		st->known_applied = -1;
		for (k = 0; k < K_COUNT; k++)
			for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
				st->slot[k][lv].fd = -1;
	}
	*out = store; /* from here on, brain__store_close frees it */
	for (i = 0; i < store->n; i++) {
		sstate *st = &store->st[i];
		st->lock_path = side_file(store, st->s, store->bp->lock_file);
		st->state_path = side_file(store, st->s, store->bp->state_file);
		if (!st->state_path ||
		    !(st->rebuild_path =
			      brain__strf("%s.rebuilding", st->state_path)))
			return BRAIN_ENOMEM;
		if (!st->lock_path)
			return BRAIN_ENOMEM;
		clock_gettime(CLOCK_MONOTONIC, &st->last_sync);
		st->last_checkpoint = st->last_sync;
	}
	return 0;
}

/* Under the lock: the handle's pending records reach the files, unless
 * another writer came in between (it has replayed them from the journal,
 * and ours are dropped); a lagging stream's derived files catch up, or
 * the call fails saying which file cannot be written. */
static int flush_own(brain__store *store, sstate *st)
{
	brain__when w;
	int rc;

	if (!st->pending && !st->lag)
		return 0;
	if ((rc = enter(store, st, brain__sto_now(store), &w, ENTER_FLUSH)))
		return rc;
	brain__state_unlock(st);
	return 0;
}

int brain__store_flush(brain__store *store)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < store->n; i++) {
		sstate *st = &store->st[i];
		if (!rc)
			rc = flush_own(store, st);
		if (st->unsynced && !rc)
			rc = brain__journal_sync(store, st);
	}
	return rc;
}

int brain__store_close(brain__store *store)
{
	size_t i;
	int rc = 0;

	if (!store)
		return 0;
	rc = brain__store_flush(store);
	if (rc)
		brain__sto_notice(store,
				  "closing with work left undone: %s; the "
				  "next open finishes it",
				  store->err->msg);
	for (i = 0; i < store->n; i++) {
		sstate *st = &store->st[i];
		if (st->loaded && st->lock_fd >= 0 && !rc &&
		    (st->since_checkpoint || brain__slots_padded(st)) &&
		    brain__state_lock(store, st) == 0) {
			long long applied, gen = st->generation;
			brain__state_read(st, &applied);
			if (applied == st->known_applied &&
			    gen == st->generation) {
				/* our slots are current: checkpoint, and leave
				 * the files without their padding */
				if (st->since_checkpoint)
					rc = brain__rollup_checkpoint(store,
								      st);
				if (!rc)
					rc = brain__slots_trim(store, st);
			}
			brain__state_unlock(st);
		}
		brain__slots_close(st);
		brain__state_close(st);
		free(st->lock_path);
		free(st->state_path);
		free(st->rebuild_path);
		json_decref(st->letgo);
		brain__buf_free(&st->line);
	}
	json_decref(store->rebuilt);
	json_decref(store->events);
	free(store->st);
	free(store);
	return rc;
}
