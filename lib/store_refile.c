/*
 * lib/store_refile.c - one derived file recomputed from its journal, when
 * its tail is damaged: written to a temporary file and renamed into place,
 * the damaged one kept aside (.corrupt-*) and reported, unless the damage
 * is a tail our own crash tore.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "record_line.h"
#include "store_files.h"
#include "store_journal.h"
#include "store_refile.h"
#include "store_state.h"

/* One derived file, recomputed from the journal into a temporary file and
 * renamed into place.  A tail we did not tear ourselves is foreign damage:
 * that file is kept aside first and reported. */
typedef struct one_ctx {
	brain__store *store;
	sstate *st;
	int k, lv;
	const char *path;
	brain__buf body;
	brain__msum *summary;
	brain__msum *all; /* every record so far: the values keeping a key */
	int empty;
	long long last_seq;
	int depth;
} one_ctx;

static int rebuild_one(void *vctx, const char *line, size_t len)
{
	one_ctx *c = vctx;
	const brain__plevel *pl =
		brain__sto_plevel(c->store->bp, c->st->s, c->k, c->lv);
	brain__mvals vals;
	brain__when w;
	json_t *rec;
	char *path, *cpath, ts[32];
	time_t t;
	int rc = 0;

	if (brain__journal_parse(c->store, line, len, &rec, &t))
		return 0;
	brain__when_of(c->store->bp, t, &w);
	brain__utc_text(t, ts, sizeof(ts));
	if (c->all) {
		/* every record, in seq order: which values keep a key */
		brain__mvals_of(c->st->s, rec, c->all, &vals);
		if (brain__msum_add(c->all, &vals, ts, brain__record_seq(line),
				    NULL)) {
			json_decref(rec);
			return BRAIN_ENOMEM;
		}
	}
	path = brain__level_path(c->store->base, c->st->s, pl, &w, 1);
	if (!path) {
		json_decref(rec);
		return BRAIN_ENOMEM;
	}
	if (strcmp(path, c->path) != 0)
		goto out;
	c->last_seq = brain__record_seq(line);
	if (c->summary) {
		int ck, clv;
		brain__sto_child(c->k, c->lv, &ck, &clv);
		cpath = brain__level_path(
			c->store->base, c->st->s,
			brain__sto_plevel(c->store->bp, c->st->s, ck, clv), &w,
			1);
		rc = cpath ? brain__msum_add(c->summary, &vals, ts, c->last_seq,
					     cpath + strlen(c->store->base) + 1)
			   : BRAIN_ENOMEM;
		free(cpath);
	}
	if (!rc && c->depth) {
		rc = brain__jfile_frame(&c->body, c->depth, c->empty, line,
					len);
		c->empty = 0;
	}
out:
	free(path);
	json_decref(rec);
	return rc;
}

/* The identity of the file at path (inode and size), as text. */
static void file_id(const char *path, char id[64])
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		snprintf(id, 64, "none");
	else
		snprintf(id, 64, "%llu:%lld", (unsigned long long)sb.st_ino,
			 (long long)sb.st_size);
}

/* Whether the file at path is, unchanged, one this handle rebuilt: found
 * damaged again, a second rebuild would make the same file again. */
static int rebuilt_before(brain__store *store, const char *path)
{
	const char *was = json_string_value(
		json_object_get(store->rebuilt, path));
	char id[64];

	file_id(path, id);
	return was && !strcmp(was, id);
}

static void note_rebuilt(brain__store *store, const char *path)
{
	char id[64];

	if (!store->rebuilt && !(store->rebuilt = json_object()))
		return;
	file_id(path, id);
	json_object_set_new(store->rebuilt, path, json_string(id));
}

/*
 * One damaged derived file, recomputed from the journal and renamed over
 * it.  Foreign damage (a tail we did not tear ourselves) is kept: the
 * original gets a .corrupt-* name too before the replacement takes its
 * place, so there is no moment without the file.  Once per damage: the
 * file this rebuild wrote, found damaged again unchanged, is reported
 * (BRAIN_ECORRUPT), not rebuilt in a loop.
 */
int brain__refile(brain__store *store, sstate *st, int k, int lv)
{
	slot *sl = &st->slot[k][lv];
	slot *j = JOURNAL(st);
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, k);
	one_ctx c = {.store = store, .st = st, .k = k, .lv = lv,
		     .path = sl->path, .empty = 1};
	brain__buf head = {0}, sum = {0};
	char *aside = NULL;
	brain__when w;
	size_t tail_off;
	int rc;

	if (rebuilt_before(store, sl->path))
		return brain__errf(store->err, BRAIN_ECORRUPT,
				   "%s: still unreadable after it was rebuilt "
				   "from %s; left as it is", sl->path, j->path);
	brain__when_of(store->bp, brain__sto_now(store), &w);
	c.depth = lay.entries ? brain__jfile_depth(lay.entries) : 0;
	rc = BRAIN_ENOMEM;
	if (lay.with_summary && (!(c.summary = brain__msum_new(st->s)) ||
				 !(c.all = brain__msum_new(st->s))))
		goto out;
	if ((rc = brain__files_render(store, st->s, k, lv, &w, &head,
				      &tail_off)))
		goto out;
	head.len = tail_off; /* keep the head; the tail is written last */
	if ((rc = brain__journal_each(store, j->fd, j->path, 0, rebuild_one,
				      &c)))
		goto out;
	rc = BRAIN_ENOMEM;
	if ((c.summary && brain__msum_text(c.summary, &sum)) ||
	    brain__buf_put(&head, c.body.data ? c.body.data : "", c.body.len) ||
	    brain__jfile_tail_text(c.depth, c.summary ? sum.data : NULL,
				   sum.len, &head))
		goto out;
	brain__state_announce(st); /* it is replaced below */
	if (!st->recovering &&
	    (rc = brain__set_aside(sl->path, (long long)brain__sto_now(store),
				   1, &aside))) {
		if (rc == BRAIN_EIO)
			rc = brain__errno(store->err, rc, "cannot keep %s aside",
					  sl->path);
		goto out;
	}
	rc = brain__replace_file(sl->path, head.data, head.len, 0);
	if (rc) {
		if (rc == BRAIN_EIO)
			rc = brain__errno(store->err, rc, "cannot write %s",
					  sl->path);
		if (aside)
			unlink(aside); /* the original is still in place */
		goto out;
	}
	if (aside) {
		brain__sto_notice(store,
				  "%s was damaged; kept it as %s and rebuilt "
				  "it from %s",
				  sl->path, aside, j->path);
		brain__sto_event(
			store, json_pack("{s:s, s:s, s:s, s:s, s:s}", "error_type",
				     "corrupt_file", "message",
				     "damaged file kept aside and rebuilt from "
				     "its journal",
				     "path", sl->rel, "kept_as",
				     aside + strlen(store->base) + 1, "journal",
				     j->rel));
	}
	note_rebuilt(store, sl->path); /* the caller loads it again */
out:
	free(aside);
	brain__buf_free(&sum);
	brain__msum_free(c.summary);
	brain__msum_free(c.all);
	brain__buf_free(&head);
	brain__buf_free(&c.body);
	return rc;
}
