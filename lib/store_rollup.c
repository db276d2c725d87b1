/*
 * lib/store_rollup.c - the roll-ups: every record of a stream reaches, in
 * the same save, the time-level copies of its partition and the
 * aggregated and index files of every level, bottom-up.
 *
 * Slots: for the partition (hour) being written, each stream keeps one
 * slot per derived file - the time-level copies, the seven aggregated and
 * the seven index files - holding an open fd, the tail's offset, the last
 * seq the file holds and, for aggregated and index files, its summary.
 * A record is applied to the slots in memory and flushed (one write per
 * file, lib/store_tail.c) when the blueprint's aggregate_lag says; then
 * the state file records it as applied, never before.  Every file knows
 * the last seq it holds, so a replay of the journal is idempotent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "record_line.h"
#include "store_files.h"
#include "store_journal.h"
#include "store_refile.h"
#include "store_rollup.h"
#include "store_state.h"
#include "store_tail.h"

/* Writes the slot's pending lines and its new tail in one pwrite.  head:
 * the summary's first half when the caller has it (see
 * brain__msum_text_head), else NULL. */
static int flush_slot(brain__store *store, sstate *st, int k, slot *sl,
		      const brain__buf *head)
{
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, k);
	int depth = st->depth[k], with = sl->summary != NULL;
	brain__buf *text = &st->text, *open = &st->topen[k];
	int rc;

	if (!sl->dirty)
		return 0;
	if (st->topen_sum[k] != with) { /* the same for every file of k */
		open->len = 0;
		if (brain__jfile_tail_open(depth, with, open) ||
		    brain__buf_put(open, "", 0))
			return BRAIN_ENOMEM;
		st->topen_sum[k] = with;
	}
	/* the tail, its summary rendered into it in place */
	text->len = 0;
	if (brain__buf_put(text, open->data, open->len) ||
	    (sl->summary &&
	     ((head ? brain__buf_put(text, head->data, head->len)
		    : brain__msum_text_head(sl->summary, text)) ||
	      brain__msum_text_sources(sl->summary, text))) ||
	    brain__jfile_tail_close(text))
		return BRAIN_ENOMEM;
	if (!lay.entries)
		sl->pending.len = 0;
	if ((rc = brain__slot_write(store, sl,
				    sl->pending.data ? sl->pending.data : "",
				    sl->pending.len, text->data, text->len)))
		return rc;
	sl->tail += (off_t)sl->pending.len;
	sl->pending.len = 0;
	sl->dirty = 0;
	return 0;
}

/* Adds a derived file to those the next checkpoint syncs. */
static int note_letgo(sstate *st, const char *path)
{
	if (!st->letgo && !(st->letgo = json_object()))
		return BRAIN_ENOMEM;
	return json_object_set_new(st->letgo, path, json_true()) ? BRAIN_ENOMEM
								   : 0;
}

/* n as `width` digits at p (n fits: the caller checked). */
static char *put_digits(char *p, int n, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
	return p + width;
}

/* The partition's key, "YYYYMMDDHHWww", without printf: once a save. */
static void part_key(const brain__when *w, char part[32])
{
	char *p = part;

	if (w->year < 0 || w->year > 9999 || w->month < 0 || w->month > 99 ||
	    w->day < 0 || w->day > 99 || w->hour < 0 || w->hour > 99 ||
	    w->week < 0 || w->week > 99) {
		snprintf(part, 32, "%04d%02d%02d%02dW%02d", w->year, w->month,
			 w->day, w->hour, w->week);
		return;
	}
	p = put_digits(p, w->year, 4);
	p = put_digits(p, w->month, 2);
	p = put_digits(p, w->day, 2);
	p = put_digits(p, w->hour, 2);
	*p++ = 'W';
	p = put_digits(p, w->week, 2);
	*p = '\0';
}

/* Points every slot at its file for partition w (closing those whose file
 * changes).  Cheap when the hour is the one already bound. */
int brain__rollup_bind(brain__store *store, sstate *st, const brain__when *w)
{
	char part[32];
	int k, lv;

	part_key(w, part);
	if (!strcmp(part, st->part))
		return 0;
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl =
				brain__sto_plevel(store->bp, st->s, k, lv);
			slot *sl = &st->slot[k][lv];
			char *path;
			if (!pl)
				continue;
			path = brain__level_path(store->base, st->s, pl, w, 1);
			if (!path)
				return BRAIN_ENOMEM;
			if (sl->path && !strcmp(sl->path, path)) {
				free(path);
				continue;
			}
			if (sl->dirty) {
				int rc = flush_slot(store, st, k, sl, NULL);
				if (!rc)
					rc = brain__slot_trim(store, st, sl);
				if (rc) {
					free(path);
					return rc;
				}
			} else if (brain__slot_trim(store, st, sl)) {
				free(path);
				return BRAIN_EIO;
			}
			/* the next checkpoint syncs it */
			if (store->durability != BRAIN_DURABILITY_NONE &&
			    sl->fd >= 0 && note_letgo(st, sl->path)) {
				free(path);
				return BRAIN_ENOMEM;
			}
			brain__slot_free(sl);
			sl->path = path;
			sl->rel = strdup(path + strlen(store->base) + 1);
			if (!sl->rel)
				return BRAIN_ENOMEM;
		}
	strcpy(st->part, part);
	return 0;
}

/* Opens the slot's file (creating it from its template) and reads its
 * tail; BRAIN_ECORRUPT (the slot closed) when the tail is damaged. */
static int open_slot(brain__store *store, sstate *st, int k, int lv,
		     const brain__when *w)
{
	slot *sl = &st->slot[k][lv];
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, k);
	json_t *sum = NULL;
	char *last = NULL;
	int rc, tries;

	for (tries = 0; tries < 4; tries++) {
		sl->fd = brain__open(sl->path, O_RDWR | O_CLOEXEC, 0);
		if (sl->fd >= 0 ||
		    (errno != ENOENT && errno != ENOTDIR && errno != EISDIR))
			break;
		/* a folder where the file belongs is set aside; a file
		 * where one of its folders belongs, by brain__files_create */
		if (errno == EISDIR &&
		    (rc = brain__files_move_aside(store, sl->path, "a file")))
			return rc;
		rc = brain__files_create(store, st->s, k, lv, w, sl->path);
		if (rc)
			return rc;
	}
	if (sl->fd < 0)
		return brain__ioerr(store->err, BRAIN_IOERR_OPEN,
				    "cannot open %s", sl->path);
	rc = brain__slot_scan(store, sl, &lay, &sum, &last);
	if (!rc && sum) {
		sl->summary = brain__msum_new(st->s);
		rc = sl->summary ? brain__msum_load(sl->summary, sum)
				 : BRAIN_ENOMEM;
		json_decref(sum);
	}
	/* a writer's padding: was its last tail written whole? */
	if (!rc && sl->fsize > sl->end &&
	    !(rc = brain__jfile_check_mark(sl->fd, sl->tail, sl->end,
					   sl->fsize)))
		rc = brain__slot_trim(store, st, sl);
	if (!rc)
		sl->last_seq = last	   ? brain__record_seq(last)
			       : sl->summary ? brain__msum_last_seq(sl->summary)
					     : 0;
	else if (rc == BRAIN_ECORRUPT)
		brain__slot_close(sl);
	free(last);
	return rc;
}

/* Opens the slot's file and reads its tail.  A damaged tail is
 * recomputed from the journal (brain__refile), once. */
int brain__rollup_load(brain__store *store, sstate *st, int k, int lv,
		       const brain__when *w)
{
	int rc;

	if (st->slot[k][lv].fd >= 0)
		return 0;
	while ((rc = open_slot(store, st, k, lv, w)) == BRAIN_ECORRUPT)
		if ((rc = brain__refile(store, st, k, lv)))
			return rc; /* the second time, refile refuses */
	return rc;
}

/* The relative path of the file one level down of (k, lv). */
static const char *child_rel(sstate *st, int k, int lv)
{
	int ck, clv;

	brain__sto_child(k, lv, &ck, &clv);
	return st->slot[ck][clv].rel;
}

/* Adds one record (line, its parsed form and UTC time text) to a slot, in
 * memory; flush_slot writes it. */
static int apply_slot(brain__store *store, sstate *st, int k, int lv,
		      const brain__when *w, const char *line, size_t len,
		      long long seq, const brain__mvals *vals, const char *ts)
{
	slot *sl = &st->slot[k][lv];
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, k);
	int rc;

	if (!sl->path)
		return 0; /* the layout has no such level */
	if ((rc = brain__rollup_load(store, st, k, lv, w)))
		return rc;
	if (sl->last_seq >= seq)
		return 0; /* already there: replay is idempotent */
	if (sl->summary &&
	    (rc = brain__msum_add(sl->summary, vals, ts, seq,
				  child_rel(st, k, lv))))
		return rc;
	if (lay.entries &&
	    brain__jfile_frame(&sl->pending, st->depth[k],
			       sl->empty, line, len))
		return BRAIN_ENOMEM;
	sl->empty = 0;
	sl->dirty = 1;
	sl->last_seq = seq;
	return 0;
}

/* Every derived file of the record's partition. */
int brain__rollup_apply(brain__store *store, sstate *st,
			const brain__when *w, const char *line, size_t len,
			long long seq, const json_t *entry)
{
	brain__mvals vals;
	char ts[32];
	int k, lv, rc;

	/* only what the journal holds is applied, under the lock */
	assert(st->locked && seq <= st->last_seq);
	brain__utc_text(w->t, ts, sizeof(ts));
	if ((rc = brain__rollup_bind(store, st, w)))
		return rc;
	/* the Global aggregate's summary says which values keep a key */
	if ((rc = brain__rollup_load(store, st, K_FULL, BRAIN__LV_GLOBAL, w)))
		return rc;
	brain__mvals_of(st->s, entry,
			st->slot[K_FULL][BRAIN__LV_GLOBAL].summary, &vals);
	/* bottom-up, so data_sources name files that exist */
	for (lv = BRAIN__LV_HOUR; lv >= 0; lv--)
		for (k = 0; k < K_COUNT; k++) {
			if (k == K_SOURCE && lv == BRAIN__LV_GLOBAL)
				continue; /* the journal */
			if ((rc = apply_slot(store, st, k, lv, w, line, len,
					     seq, &vals, ts)))
				return rc;
		}
	return 0;
}

typedef struct replay_ctx {
	brain__store *store;
	sstate *st;
	long long from; /* apply records with seq > from */
	int rc;         /* the failure of an apply */
} replay_ctx;

static int replay_one(void *vctx, const char *line, size_t len)
{
	replay_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	time_t t;
	long long seq = brain__record_seq(line);
	int rc;

	if (seq <= c->from)
		return 0;
	if (brain__journal_parse(c->store, line, len, &rec, &t))
		return 0; /* a foreign line: not ours to replay */
	brain__when_of(c->store->bp, t, &w);
	rc = brain__rollup_apply(c->store, c->st, &w, line, len, seq, rec);
	json_decref(rec);
	return c->rc = rc;
}

/* Replays the journal's records after `from` into the derived files
 * (idempotent: each file skips what it holds). */
int brain__rollup_replay(brain__store *store, sstate *st, long long from)
{
	slot *j = JOURNAL(st);
	replay_ctx c = {.store = store, .st = st, .from = from};
	int rc;

	st->recovering = 1;
	rc = brain__jfile_each_record(j->fd, brain__journal_find(st, from),
				      replay_one, &c);
	st->recovering = 0;
	if (rc == BRAIN_EIO && !c.rc) /* reading the journal failed */
		return brain__ioerr(store->err, BRAIN_IOERR_READ,
				    "cannot read %s", j->path);
	return rc;
}

/*
 * ---- checkpoints: where a replay after a power loss starts ----
 *
 * The journal is the record; derived files are written through the page
 * cache and are not synced with it.  A power loss can therefore leave any
 * derived file without its last records - and the state file, written back
 * on its own, saying that every record of the journal was applied, so
 * applied_seq cannot tell that a replay is due.  The protocol:
 *
 *  - checkpoint_seq in the state file is a seq that every derived file
 *    holds on disk, with everything before it.  brain__rollup_checkpoint
 *    makes it so: it syncs the journal, then every derived file written
 *    since the last checkpoint, and only then writes the new
 *    checkpoint_seq and syncs the state file.  Nothing else moves
 *    checkpoint_seq up, so whatever survives of the state file names a
 *    durable point (and never one past the journal's synced end).
 *  - the first refresh of every handle (lib/store.c) replays the journal
 *    from checkpoint_seq, whatever applied_seq says.  Replay is idempotent
 *    (each derived file knows the last seq it holds and skips what it
 *    has), so after a power loss every file catches up, and after a clean
 *    close (which checkpoints) there is nothing to replay.
 *  - the files written since the last checkpoint are the open slots and
 *    the files this handle let go (note_letgo, when it moves to another
 *    partition), as long as this handle was the only writer and kept its
 *    slots.  Otherwise (another writer came in between, or slots were
 *    dropped: st->foreign) the journal says which: every file of every
 *    partition of the records after checkpoint_seq (touched_since).
 *
 * A checkpoint is due every checkpoint_records records; at batch also not
 * before CHECKPOINT_MS since the last one, so that batch syncs the journal
 * and little else: a power loss then costs a replay of at most that
 * stretch of records at the next open, and no record.  At none nothing
 * is synced, and the checkpoint bounds the replay after a crash only.
 */
#define CHECKPOINT_MS 1000.0

typedef struct touched_ctx {
	brain__store *store;
	sstate *st;
	long long from;
	char hour[32]; /* the partition seen last */
} touched_ctx;

static int touched_one(void *vctx, const char *line, size_t len)
{
	touched_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	char hour[32];
	time_t t;
	int k, lv;

	if (brain__record_seq(line) <= c->from ||
	    brain__journal_parse(c->store, line, len, &rec, &t))
		return 0;
	json_decref(rec);
	brain__when_of(c->store->bp, t, &w);
	part_key(&w, hour);
	if (!strcmp(hour, c->hour))
		return 0;
	strcpy(c->hour, hour);
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl = brain__sto_plevel(
				c->store->bp, c->st->s, k, lv);
			char *path;
			int rc;
			if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL))
				continue;
			if (!(path = brain__level_path(c->store->base, c->st->s,
						       pl, &w, 1)))
				return BRAIN_ENOMEM;
			rc = note_letgo(c->st, path);
			free(path);
			if (rc)
				return rc;
		}
	return 0;
}

/* Every derived file of the partitions of the records after the
 * checkpoint, into st->letgo. */
static int touched_since(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);
	touched_ctx c = {.store = store, .st = st, .from = st->checkpoint};

	if (j->fd < 0)
		return 0;
	return brain__journal_each(store, j->fd, j->path,
				   brain__journal_find(st, c.from),
				   touched_one, &c);
}

/* fdatasync of a derived file that is not open; one that is not there
 * (moved aside since) holds nothing to lose. */
static int sync_path(brain__store *store, const char *path)
{
	int fd = brain__open(path, O_RDONLY | O_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0
				       : brain__ioerr(store->err,
						      BRAIN_IOERR_OPEN,
						      "cannot open %s", path);
	if (brain__sync(fd) != 0)
		rc = brain__ioerr(store->err, BRAIN_IOERR_FSYNC,
				  "cannot sync %s", path);
	close(fd);
	return rc;
}

int brain__rollup_checkpoint(brain__store *store, sstate *st)
{
	slot *j = JOURNAL(st);
	const char *path;
	void *tmp;
	json_t *v;
	int k, lv, rc;

	if (store->durability != BRAIN_DURABILITY_NONE) {
		if (st->unsynced && (rc = brain__journal_sync(store, st)))
			return rc;
		if (st->foreign && (rc = touched_since(store, st)))
			return rc;
		for (k = 0; k < K_COUNT; k++)
			for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
				slot *sl = &st->slot[k][lv];
				if (sl == j || sl->fd < 0)
					continue;
				if (brain__sync(sl->fd) != 0)
					return brain__ioerr(
						store->err, BRAIN_IOERR_FSYNC,
						"cannot sync %s", sl->path);
				json_object_del(st->letgo, sl->path);
			}
		json_object_foreach_safe(st->letgo, tmp, path, v) {
			if ((rc = sync_path(store, path)))
				return rc;
			json_object_del(st->letgo, path);
		}
	}
	st->foreign = 0;
	clock_gettime(CLOCK_MONOTONIC, &st->last_checkpoint);
	st->checkpoint = st->known_applied;
	st->since_checkpoint = 0;
	return brain__state_write(store, st, st->known_applied,
				  store->durability != BRAIN_DURABILITY_NONE);
}

static int checkpoint_due(brain__store *store, sstate *st)
{
	return st->since_checkpoint >= store->bp->checkpoint_records &&
	       (store->durability != BRAIN_DURABILITY_BATCH ||
		brain__sto_since_ms(&st->last_checkpoint) >= CHECKPOINT_MS);
}

/* Writes every slot's pending records, then records them as applied:
 * the state file never claims more than the derived files hold. */
int brain__rollup_flush(brain__store *store, sstate *st)
{
	int lv, rc;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		slot *full = &st->slot[K_FULL][lv];
		slot *index = &st->slot[K_INDEX][lv];
		const brain__buf *head = NULL;
		/* an aggregated file and its index share a summary head */
		if (full->dirty && index->dirty && full->summary &&
		    index->summary &&
		    brain__msum_same_records(full->summary, index->summary)) {
			st->head.len = 0;
			if (brain__msum_text_head(full->summary, &st->head))
				return BRAIN_ENOMEM;
			head = &st->head;
		}
		if ((rc = flush_slot(store, st, K_SOURCE,
				     &st->slot[K_SOURCE][lv], NULL)) ||
		    (rc = flush_slot(store, st, K_FULL, full, head)) ||
		    (rc = flush_slot(store, st, K_INDEX, index, head)))
			return rc;
	}
	st->pending = 0;
	if (st->known_applied == st->last_seq)
		return 0;
	if ((rc = brain__state_write(store, st, st->last_seq, 0)))
		return rc;
	if (checkpoint_due(store, st))
		return brain__rollup_checkpoint(store, st);
	return 0;
}

/* Drops every slot and loads the journal for partition w afresh (see
 * brain__journal_load for its returns). */
int brain__rollup_reload(brain__store *store, sstate *st, const brain__when *w)
{
	int rc;

	brain__slots_close(st);
	if ((rc = brain__rollup_bind(store, st, w)))
		return rc;
	return brain__journal_load(store, st, w);
}
