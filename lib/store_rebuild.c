/*
 * lib/store_rebuild.c - every derived file of a stream recomputed from
 * its journal (brain_rebuild), resumably.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsutil.h"
#include "store_files.h"
#include "store_journal.h"
#include "store_rebuild.h"
#include "store_recover.h"
#include "store_rollup.h"
#include "store_state.h"

typedef struct collect_ctx {
	brain__store *store;
	sstate *st;
	json_t *files; /* path -> [k, lv, t] */
} collect_ctx;

static int collect_one(void *vctx, const char *line, size_t len)
{
	collect_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	time_t t;
	int k, lv;

	if (brain__journal_parse(c->store, line, len, &rec, &t))
		return 0;
	json_decref(rec);
	brain__when_of(c->store->bp, t, &w);
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl =
				brain__sto_plevel(c->store->bp, c->st->s, k, lv);
			char *path;
			if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL))
				continue;
			path = brain__level_path(c->store->base, c->st->s, pl, &w,
						 1);
			if (!path)
				return BRAIN_ENOMEM;
			if (!json_object_get(c->files, path))
				json_object_set_new(
					c->files, path,
					json_pack("[i,i,I]", k, lv,
						  (json_int_t)t));
			free(path);
		}
	return 0;
}

/* Syncs every file of `files` (path -> ...), for a rebuild's end. */
static int sync_files(brain__store *store, json_t *files)
{
	const char *path;
	json_t *v;

	json_object_foreach(files, path, v) {
		int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
		if (fd < 0 || fdatasync(fd) != 0)
			rc = brain__errno(store->err, BRAIN_EIO,
					  "cannot sync %s", path);
		if (fd >= 0)
			close(fd);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Under the lock, the journal loaded: every derived file of the stream
 * recomputed from the journal.  Resumable: the journal is first checked
 * against its copies (brain__recover_journal: a rebuild never drops a record
 * that survives somewhere), then the rebuild marker is written, and only
 * then are files replaced (each by rename, so every file exists and
 * parses at every moment).  A process killed before the marker is
 * removed leaves it, and the next writer to take the lock (the next open
 * at the latest: refresh) starts the rebuild again from the top.
 */
int brain__rebuild_all(brain__store *store, sstate *st, const brain__when *w)
{
	collect_ctx c = {.store = store, .st = st, .files = json_object()};
	int sync = store->durability != BRAIN_DURABILITY_NONE, created;
	const char *path;
	json_t *v;
	int rc;

	if (!c.files)
		return BRAIN_ENOMEM;
	if ((rc = brain__recover_journal(store, st, w,
					 brain__recover_claimed(store, st, w),
					 0)))
		goto out;
	rc = brain__create_file(st->rebuild_path, "rebuilding\n", 11, sync,
				&created);
	if (rc == BRAIN_EIO)
		rc = brain__errno(store->err, rc, "cannot create %s",
				  st->rebuild_path);
	if (rc || (rc = brain__journal_each(store, JOURNAL(st)->fd,
					    JOURNAL(st)->path, 0, collect_one,
					    &c)))
		goto out;
	json_object_foreach(c.files, path, v) {
		rc = brain__files_reset(
			store, st, path,
			(int)json_integer_value(json_array_get(v, 0)),
			(int)json_integer_value(json_array_get(v, 1)),
			(time_t)json_integer_value(json_array_get(v, 2)));
		if (rc)
			goto out;
	}
	/* the files are empty; the state says so before they fill */
	brain__state_announce(st);
	st->checkpoint = 0;
	if ((rc = brain__state_write(store, st, 0, sync)))
		goto out;
	if ((rc = brain__recover_load(store, st, w)) ||
	    (rc = brain__rollup_replay(store, st, 0)) ||
	    (rc = brain__rollup_flush(store, st)) ||
	    (rc = brain__rollup_checkpoint(store, st)) ||
	    (sync && (rc = sync_files(store, c.files))))
		goto out;
	if (unlink(st->rebuild_path) != 0) {
		rc = brain__errno(store->err, BRAIN_EIO, "cannot remove %s",
				  st->rebuild_path);
		goto out;
	}
	st->known_applied = st->last_seq;
	st->moved_seen = store->moved; /* every file was just refilled */
	st->loaded = 1;
out:
	json_decref(c.files);
	return rc;
}
