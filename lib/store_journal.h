/*
 * lib/store_journal.h - a stream's journal (see lib/store_journal.c).
 */
#ifndef BRAIN_LIB_STORE_JOURNAL_H
#define BRAIN_LIB_STORE_JOURNAL_H

#include "store_internal.h"

/* brain__journal_load: the journal has no whole record near its end and
 * is open read-only for the recovery to gather what it still holds. */
#define BRAIN__JOURNAL_LOST 1

/* A serialised record fits the journal: within store.max_record_bytes
 * (BRAIN_ETOOBIG) and valid UTF-8 (BRAIN_EINVAL). */
int brain__journal_check_line(brain__store *store, const char *line,
			      size_t len);

/* A record line parsed, with its time (BRAIN_ECORRUPT: not a record of
 * ours: no "timestamp", or not JSON). */
int brain__journal_parse(brain__store *store, const char *line, size_t len,
			 json_t **rec, time_t *t);

/* fn for every record line of fd from offset `from` on (see
 * brain__jfile_each_record); a failed read is named after path. */
int brain__journal_each(brain__store *store, int fd, const char *path,
			off_t from,
			int (*fn)(void *ctx, const char *line, size_t len),
			void *ctx);

/* Opens the bound journal (made from its template when missing), repairs
 * a torn tail, and reads its last seq into st->last_seq.  0,
 * BRAIN__JOURNAL_LOST, or an error. */
int brain__journal_load(brain__store *store, sstate *st,
			const brain__when *w);

/* Where a replay of the records after seq `from` starts reading. */
off_t brain__journal_find(sstate *st, long long from);

/* Appends one record line (all or nothing), synced as the durability
 * says. */
int brain__journal_append(brain__store *store, sstate *st, const char *line,
			  size_t len);
/* fdatasync of the journal. */
int brain__journal_sync(brain__store *store, sstate *st);

#endif
