/*
 * lib/store.h - the store engine: durable, ordered, multi-process appends
 * of one stream's records and everything derived from them.
 *
 * Each stream's global file is its journal.  A save, under the stream's
 * flock: (1) gives the record the next seq and appends it to the journal
 * (synced at durability always), (2) appends it to the time-level copies
 * and the aggregated files and rewrites the index summaries of its
 * partition, (3) records the seq as applied in the state file.  Every
 * derived file knows the last seq it holds, so replaying the journal after
 * a crash is idempotent; reopening replays from the last checkpoint.
 *
 * Cost per record: one journal append, one pwrite per derived file (about
 * twenty), one state pwrite; no file is re-read or rewritten in proportion
 * to its history.  Open files are cached per handle for the current hour.
 */
#ifndef BRAIN_LIB_STORE_H
#define BRAIN_LIB_STORE_H

#include "brain_internal.h"

typedef struct brain__store brain__store;

int brain__store_open(brain_t *b);
/* Syncs what batch durability left pending, checkpoints, closes files. */
int brain__store_close(brain_t *b);

/*
 * Saves `entry` (already merged and validated: an object whose first
 * member is "seq") into stream s, with partition time t.  Returns 0 once
 * the record is durable as the durability setting says.
 */
int brain__store_save(brain_t *b, const brain__stream *s, json_t *entry,
		      time_t t);

/* Brings the stream's derived files up to date with its journal (replay
 * after a crash) and makes sure the files of partition t exist. */
int brain__store_update(brain_t *b, const brain__stream *s, time_t t);

/* Takes the stream's lock and replays what a crashed writer left undone,
 * finishes an interrupted rebuild and writes again from its copies a
 * journal that lost records; releases the files again (start-up). */
int brain__store_recover(brain_t *b, const brain__stream *s);

/* Recomputes every derived file of the stream from its journal, after
 * checking every journal line (and recovering lost ones from the copies).
 * Resumable: a marker beside the state file says a rebuild is unfinished,
 * and the next writer to take the lock starts it again. */
int brain__store_rebuild(brain_t *b, const brain__stream *s);

/* Creates the file of level pl for partition w if missing (start-up). */
int brain__store_ensure_file(brain_t *b, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w);

/* Takes / releases the stream's lock (for readers that need a moment in
 * which no save is half done, such as brain_validate). */
int brain__store_lock(brain_t *b, const brain__stream *s);
void brain__store_unlock(brain_t *b, const brain__stream *s);

/* A reader's lock: waits for writers with a shared flock on the stream's
 * lock file, without creating it (a read-only handle changes nothing);
 * *fd is -1 when no writer ever made it.  Released by
 * brain__store_read_unlock(*fd). */
int brain__store_read_lock(brain_t *b, const brain__stream *s, int *fd);
void brain__store_read_unlock(int fd);

/* fdatasync of every journal with unsynced records. */
int brain__store_flush(brain_t *b);

#endif
