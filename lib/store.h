/*
 * lib/store.h - the store engine: durable, ordered, multi-process appends
 * of one stream's records and everything derived from them.
 *
 * Each stream's global file is its journal.  A save, under the stream's
 * flock: (1) gives the record the next seq and appends it to the journal
 * (synced at durability always, every batch_ms at batch), (2) appends it
 * to the time-level copies and the aggregated files and rewrites the index
 * summaries of its partition, (3) records the seq as applied in the state
 * file.  Every derived file knows the last seq it holds, so replaying the
 * journal after a crash is idempotent; the first refresh of every handle
 * replays from the last checkpoint, the seq every derived file holds on
 * disk (derived files are synced only there: lib/store_rollup.c).
 *
 * Cost per record: one journal append, one pwrite per derived file (about
 * twenty), one state pwrite; no file is re-read or rewritten in proportion
 * to its history.  Open files are cached per handle for the current hour.
 */
#ifndef BRAIN_LIB_STORE_H
#define BRAIN_LIB_STORE_H

#include <brainstem/brainstem.h>

#include "blueprint.h"
#include "error.h"
#include "layout.h"

typedef struct brain__store brain__store;

/*
 * What the store needs of the handle that owns it, and nothing more: the
 * blueprint, where the mode's tree is, the durability, where to describe
 * failures, the clock and notice sink, and how a new file's JSON is made
 * (the owner's templates).  The pointers must outlive the store.
 */
typedef struct brain__store_ctx {
	const brain__blueprint *bp;
	const char *root;  /* absolute: named when a read-only store refuses */
	const char *base;  /* absolute: the mode's base */
	int durability;    /* a brain_durability_t, not DEFAULT */
	int readonly;      /* refuse every write (BRAIN_OPEN_READONLY) */
	brain__err *err;   /* failures are described here */
	brain_clock_fn clock;
	void *clock_ctx;
	brain_notice_fn notice;
	void *notice_ctx;
	/* the JSON a new file of (s, pl) for partition w starts as; the
	 * caller owns *out (templates.c: brain__template_instance) */
	int (*instance)(void *owner, const brain__stream *s,
			const brain__plevel *pl, const brain__when *w,
			json_t **out);
	void *owner;
} brain__store_ctx;

/* A store for cx (copied); creates nothing on disk.  *out is NULL on
 * failure (BRAIN_ENOMEM). */
int brain__store_open(const brain__store_ctx *cx, brain__store **out);
/* Syncs what batch durability left pending, checkpoints, closes files and
 * frees the store (NULL: nothing).  The return is the flush's outcome. */
int brain__store_close(brain__store *store);

/*
 * The reports of damage the store found and dealt with since the last
 * call (a file kept aside and rebuilt, a journal written again from its
 * copies, an obstacle moved): a JSON array the caller owns, or NULL when
 * there were none.  The store never records them itself: its owner saves
 * them where error reports go.
 */
json_t *brain__store_take_events(brain__store *store);

/*
 * Saves `entry` (already merged and validated: an object whose first
 * member is "seq") into stream s, with partition time t.  Returns 0 once
 * the record is durable as the durability setting says.
 */
int brain__store_save(brain__store *store, const brain__stream *s,
		      json_t *entry, time_t t);

/* Brings the stream's derived files up to date with its journal (replay
 * after a crash) and makes sure the files of partition t exist. */
int brain__store_update(brain__store *store, const brain__stream *s,
			time_t t);

/* Takes the stream's lock and replays what a crashed writer left undone,
 * finishes an interrupted rebuild and writes again from its copies a
 * journal that lost records; releases the files again (start-up). */
int brain__store_recover(brain__store *store, const brain__stream *s);

/* Recomputes every derived file of the stream from its journal, after
 * checking every journal line (and recovering lost ones from the copies).
 * Resumable: a marker beside the state file says a rebuild is unfinished,
 * and the next writer to take the lock starts it again. */
int brain__store_rebuild(brain__store *store, const brain__stream *s);

/* Creates the file of level pl for partition w if missing (start-up). */
int brain__store_ensure_file(brain__store *store, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w);

/* Takes / releases the stream's lock (for readers that need a moment in
 * which no save is half done, such as brain_validate). */
int brain__store_lock(brain__store *store, const brain__stream *s);
void brain__store_unlock(brain__store *store, const brain__stream *s);

/* A reader's lock: waits for writers with a shared flock on the stream's
 * lock file, without creating it (a read-only handle changes nothing);
 * *fd is -1 when no writer ever made it.  Released by
 * brain__store_read_unlock(*fd). */
int brain__store_read_lock(brain__store *store, const brain__stream *s,
			   int *fd);
void brain__store_read_unlock(int fd);

/* fdatasync of every journal with unsynced records. */
int brain__store_flush(brain__store *store);

#endif
