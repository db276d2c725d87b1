/*
 * lib/store_internal.h - what the store's modules share: the slot, the
 * stream state and the store itself, and the services of the store's
 * context (lib/store_base.c).
 *
 * The store is layered; each module uses only those above it in this
 * list, never one below:
 *
 *   store_base.c     the context's services; which file (kind, level) is
 *   store_state.c    the lock, the shared state file, the generation
 *   store_tail.c     mapped, padded tails: reserve, map, write, trim
 *   store_files.c    making, replacing and moving aside derived files
 *   store_journal.c  the journal: append, sync, repair, find by seq
 *   store_refile.c   one derived file recomputed from the journal
 *   store_rollup.c   roll-ups: bind, load, apply, flush, checkpoint, replay
 *   store_recover.c  the journal checked against its copies, and rewritten
 *   store_rebuild.c  every derived file of a stream recomputed
 *   store.c          the coordinator: the public entry points (store.h)
 *
 * Every function here is called with the stream's lock held unless it
 * says otherwise; a store is used by one thread at a time.
 */
#ifndef BRAIN_LIB_STORE_INTERNAL_H
#define BRAIN_LIB_STORE_INTERNAL_H

#include <assert.h>
#include <sys/types.h>
#include <time.h>

#include "jsonfile.h"
#include "store.h"
#include "summary.h"

/* The kinds of file a stream's record reaches: the time-level copies (the
 * Global one is the journal), the aggregated and the index files. */
enum { K_SOURCE, K_FULL, K_INDEX, K_COUNT };

/* One derived file of the bound partition, or the journal (lib/store_tail.c). */
typedef struct slot {
	char *path; /* absolute */
	char *rel;  /* relative to the base: what data_sources lists */
	int fd;
	off_t tail, end;    /* the tail's offset; the end of the text */
	off_t fsize;        /* the file's size: end plus the padding */
	char *map;          /* [map_off, fsize) of the file, or NULL */
	off_t map_off;
	int empty;         /* no record yet, counting pending ones */
	long long last_seq; /* counting pending records */
	brain__msum *summary;
	brain__buf pending; /* record lines not yet written */
	int dirty;          /* pending lines or a changed summary */
} slot;

/* One stream: its lock and state file, its slots, where its journal is. */
typedef struct sstate {
	const brain__stream *s;
	char *lock_path, *state_path;
	int lock_fd, state_fd;
	char *state_map; /* the state file's STATE_LEN bytes */
	slot slot[K_COUNT][BRAIN__LV_COUNT];
	char part[32]; /* the partition the time slots are bound to */
	int loaded;
	long long last_seq;      /* the journal's */
	long long known_applied; /* state's applied seq when last seen */
	long long generation, checkpoint;
	long long since_checkpoint;
	int recovering; /* replaying after a crash: torn tails are expected */
	int unsynced;
	struct timespec last_sync;
	long pending;             /* records applied in memory only */
	struct timespec pending_since;
	brain__buf text, head; /* scratch for flush_slot, kept */
	int locked; /* this handle holds the stream's lock */
	int bump; /* a change was announced under the lock held now */
	char *rebuild_path; /* exists while a rebuild is unfinished */
	int checked; /* the journal was checked against its copies */
	unsigned moved_seen; /* the store's moved when last replayed */
	int rewriting; /* recover_journal is writing the journal again */
	/* the derived files trail the journal because they could not be
	 * written (lag_begin): saves go on into the journal, and every
	 * save, flush and open tries to catch them up */
	int lag;
	/* what the next checkpoint syncs besides the open slots (see
	 * lib/store_rollup.c, checkpoints): derived files let go since the
	 * last one (path -> true), and whether this handle dropped slots or
	 * saw another writer since, so that only the journal can say which
	 * files records went to */
	json_t *letgo;
	int foreign;
	struct timespec last_checkpoint;
	/* the journal's text from its tail to its end, as on disk: what an
	 * append overwrites, and puts back if it fails */
	brain__buf jtail;
	brain__buf jtext; /* scratch for brain__journal_append, kept */
	brain__buf line;  /* a save's record line, kept (freed at close) */
	int depth[K_COUNT]; /* of each kind's records array (0: none) */
	/* each kind's tail up to its summary (brain__jfile_tail_open), and
	 * whether it was made with a summary key (1, 0) or not yet (-1) */
	brain__buf topen[K_COUNT];
	int topen_sum[K_COUNT];
} sstate;

/* The store: its context and every stream's state. */
struct brain__store {
	brain__store_ctx cx;
	/* the context's most used members, copied */
	const brain__blueprint *bp;
	const char *base;
	int durability;
	brain__err *err;
	sstate *st;
	size_t n;
	json_t *rebuilt; /* path -> the file this handle rebuilt there */
	unsigned moved;  /* obstacles moved aside by this handle */
	json_t *events;  /* reports for the owner: brain__store_take_events */
};

/* The journal's slot. */
#define JOURNAL(st) (&(st)->slot[K_SOURCE][BRAIN__LV_GLOBAL])

/* ---- the context's services (lib/store_base.c) ---- */

/* The owner's clock. */
time_t brain__sto_now(const brain__store *store);

/* One notice line to the owner's sink. */
void brain__sto_notice(brain__store *store, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keeps a report of damage dealt with, for brain__store_take_events
 * (steals it; NULL is ignored). */
void brain__sto_event(brain__store *store, json_t *report);

/* The JSON a new file of (s, pl) for partition w starts as (the caller
 * owns *out). */
int brain__sto_template(brain__store *store, const brain__stream *s,
			const brain__plevel *pl, const brain__when *w,
			json_t **out);

/* BRAIN_EINVAL when the store is read-only, else 0. */
int brain__sto_writable(brain__store *store);

/* The pattern level of file (k, lv) of stream s; NULL when the layout has
 * no such file. */
const brain__plevel *brain__sto_plevel(const brain__blueprint *bp,
				       const brain__stream *s, int k, int lv);

/* Where the records and summary of a file of kind k are. */
brain__jlayout brain__sto_layout(const brain__blueprint *bp,
				 const brain__stream *s, int k);

/* The file one level down of (k, lv), whose path its summary lists as a
 * data source: *ck, *clv. */
void brain__sto_child(int k, int lv, int *ck, int *clv);

/* Milliseconds since t0 (CLOCK_MONOTONIC). */
double brain__sto_since_ms(const struct timespec *t0);

/* The state of stream s. */
sstate *brain__sto_stream(brain__store *store, const brain__stream *s);

#endif
