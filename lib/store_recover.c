/*
 * lib/store_recover.c - the journal checked against its copies.
 *
 * Every record is in the journal, in its hourly file and in the aggregated
 * files of its scope (the Global and root ones hold them all), as the same
 * bytes.  A journal that ends before what its copies or the state file
 * say was applied, or whose seqs do not run 1, 2, 3, ..., lost records: it
 * is not a torn write.  brain__recover_journal collects the records of
 * every copy it can find (the journal's, then the Global and root
 * aggregates', then every time-level file of each hour seen), and writes
 * the journal again in seq order after keeping the old one as a
 * .corrupt-* file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "record_line.h"
#include "store_files.h"
#include "store_journal.h"
#include "store_recover.h"
#include "store_rollup.h"
#include "store_state.h"

/*
 * Every record is in the journal, in its hourly file and in the aggregated
 * files of its scope (the Global and root ones hold them all), as the same
 * bytes.  A journal that ends before what its copies or the state file
 * say was applied, or whose seqs do not run 1, 2, 3, ..., lost records: it
 * is not a torn write.  recover_journal collects the records of every
 * copy it can find (the journal's, then the Global and root aggregates',
 * then every time-level file of each hour seen), and writes the journal
 * again in seq order after keeping the old one as a .corrupt-* file.
 */
typedef struct gather_ctx {
	brain__store *store;
	sstate *st;
	json_t *lines;   /* seq -> line, trusted */
	json_t *suspect; /* seq -> line, journal lines out of the run */
	json_t *hours;   /* "YYYYMMDDHH" -> 1, the hours seen */
	json_t *times;   /* one time per hour seen, in the order seen */
	json_t *read;    /* path -> 1, files read */
	long long prev;  /* the journal's previous record's seq */
	long long max;   /* the largest seq gathered */
	long long whole; /* journal lines in the run */
	int in_journal;
	int keep;        /* 0: only check the journal, keeping nothing */
	long damaged;    /* journal lines that broke the run */
} gather_ctx;

static int gather_line(void *vctx, const char *line, size_t len)
{
	gather_ctx *g = vctx;
	char key[32];
	json_t *rec, *into;
	brain__when w;
	time_t t;
	long long seq = brain__record_seq(line);

	if (brain__journal_parse(g->store, line, len, &rec, &t)) {
		g->damaged += g->in_journal;
		return 0;
	}
	if (json_integer_value(json_object_get(rec, "seq")) != seq ||
	    seq <= 0) {
		json_decref(rec);
		g->damaged += g->in_journal;
		return 0;
	}
	json_decref(rec);
	into = g->lines;
	if (g->in_journal) {
		if (seq != g->prev + 1) {
			into = g->suspect; /* after a gap, or out of order */
			g->damaged++;
		}
		g->prev = seq;
		if (into == g->lines && !g->keep) {
			g->whole++;
			g->max = seq > g->max ? seq : g->max;
			return 0;
		}
	}
	snprintf(key, sizeof(key), "%lld", seq);
	if (!json_object_get(g->lines, key) && !json_object_get(into, key)) {
		json_t *v = json_stringn_nocheck(line, len);
		if (!v || json_object_set_new(into, key, v))
			return BRAIN_ENOMEM;
		if (into == g->lines && seq > g->max)
			g->max = seq;
	}
	brain__when_of(g->store->bp, t, &w);
	snprintf(key, sizeof(key), "%04d%02d%02d%02d", w.year, w.month, w.day,
		 w.hour);
	if (!json_object_get(g->hours, key) &&
	    (json_object_set_new(g->hours, key, json_true()) ||
	     json_array_append_new(g->times, json_integer((json_int_t)t))))
		return BRAIN_ENOMEM;
	return 0;
}

/* Gathers the records of the derived file (k, lv) of partition w. */
static int gather_file(gather_ctx *g, int k, int lv, const brain__when *w)
{
	const brain__plevel *pl = brain__sto_plevel(g->store->bp, g->st->s, k, lv);
	char *path;
	int fd, rc = 0;

	if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL) ||
	    (k == K_FULL && !g->store->bp->agg_entries))
		return 0;
	if (!(path = brain__level_path(g->store->base, g->st->s, pl, w, 1)))
		return BRAIN_ENOMEM;
	if (!json_object_get(g->read, path)) {
		json_object_set_new(g->read, path, json_true());
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			rc = brain__jfile_each_record(fd, 0, gather_line, g);
			close(fd);
		}
	}
	free(path);
	return rc == BRAIN_EIO ? 0 : rc; /* an unreadable copy: the next */
}

static int gather_copies(gather_ctx *g, const brain__when *now)
{
	size_t i;
	int k, lv, rc;

	g->in_journal = 0;
	if ((rc = gather_file(g, K_FULL, BRAIN__LV_GLOBAL, now)) ||
	    (rc = gather_file(g, K_FULL, BRAIN__LV_ROOT, now)))
		return rc;
	/* the array grows while it is walked: hours found in a copy */
	for (i = 0; i < json_array_size(g->times); i++) {
		brain__when w;
		brain__when_of(g->store->bp,
			       (time_t)json_integer_value(
				       json_array_get(g->times, i)),
			       &w);
		for (lv = BRAIN__LV_HOUR; lv >= 0; lv--)
			for (k = K_SOURCE; k <= K_FULL; k++)
				if ((rc = gather_file(g, k, lv, &w)))
					return rc;
	}
	return 0;
}

/* The last seq the derived file (k, lv) holds, from its tail; 0 when it
 * is missing or unreadable. */
static long long copy_last_seq(brain__store *store, sstate *st, int k, int lv,
			       const brain__when *w)
{
	const brain__plevel *pl = brain__sto_plevel(store->bp, st->s, k, lv);
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, k);
	json_t *sum = NULL;
	char *path, *last = NULL;
	off_t tail;
	long long seq = 0;
	int fd, empty;

	if (!pl || !lay.entries ||
	    !(path = brain__level_path(store->base, st->s, pl, w, 1)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	if (!brain__jfile_scan_tail(fd, &lay,
				    (size_t)store->bp->max_record_bytes + 1024,
				    &tail, &sum, &last, &empty, NULL) &&
	    last)
		seq = brain__record_seq(last);
	json_decref(sum);
	free(last);
	close(fd);
	return seq;
}

/* What the state file and the all-time aggregates say the journal holds
 * at least. */
long long brain__recover_claimed(brain__store *store, sstate *st,
				 const brain__when *w)
{
	long long applied, claimed, seq;

	brain__state_read(st, &applied);
	claimed = applied > st->checkpoint ? applied : st->checkpoint;
	seq = copy_last_seq(store, st, K_FULL, BRAIN__LV_GLOBAL, w);
	claimed = seq > claimed ? seq : claimed;
	seq = copy_last_seq(store, st, K_FULL, BRAIN__LV_ROOT, w);
	return seq > claimed ? seq : claimed;
}

/* The journal's text with `g`'s records 1..g->max, in seq order. */
static int journal_text(brain__store *store, sstate *st, gather_ctx *g,
			const brain__when *w, brain__buf *out)
{
	brain__jlayout lay = brain__sto_layout(store->bp, st->s, K_SOURCE);
	int depth = brain__jfile_depth(lay.entries);
	size_t tail_off;
	long long seq;
	int rc;

	if ((rc = brain__files_render(store, st->s, K_SOURCE, BRAIN__LV_GLOBAL,
				      w, out, &tail_off)))
		return rc;
	out->len = tail_off;
	for (seq = 1; seq <= g->max; seq++) {
		char key[32];
		const char *line;
		snprintf(key, sizeof(key), "%lld", seq);
		line = json_string_value(json_object_get(g->lines, key));
		if (brain__jfile_frame(out, depth, seq == 1, line,
				       strlen(line)))
			return BRAIN_ENOMEM;
	}
	return brain__jfile_tail_text(depth, NULL, 0, out);
}

/*
 * Under the lock, the journal loaded: checks every line of the journal
 * (it parses, seqs run 1, 2, 3, ...) and that it reaches `claimed`.  If
 * not, writes it again from the records of every copy, the old one kept
 * aside, and loads it again.  A seq below the largest found that no copy
 * holds makes it refuse (BRAIN_ECORRUPT naming the journal): nothing is
 * written then.  Cost: one read of the journal; with damage, of every
 * copy found.
 */
int brain__recover_journal(brain__store *store, sstate *st,
			   const brain__when *w, long long claimed, int force)
{
	slot *j = JOURNAL(st);
	gather_ctx g = {.store = store, .st = st, .in_journal = 1};
	brain__buf text = {0};
	long long seq, gap_lo = 0, gap_hi = 0, journal_max;
	char *aside = NULL;
	int rc = BRAIN_ENOMEM;

	if (!(g.lines = json_object()) || !(g.suspect = json_object()) ||
	    !(g.hours = json_object()) || !(g.times = json_array()) ||
	    !(g.read = json_object()))
		goto out;
	if ((rc = brain__journal_each(store, j->fd, j->path, 0, gather_line,
				      &g)))
		goto out;
	if (!force && !g.damaged && g.whole == g.max && g.max >= claimed)
		goto out; /* whole: the usual case, checked keeping nothing */
	/* again, keeping the lines and the hours they name */
	json_object_clear(g.suspect);
	g.keep = 1;
	g.prev = g.max = g.damaged = 0;
	if ((rc = brain__journal_each(store, j->fd, j->path, 0, gather_line,
				      &g)))
		goto out;
	journal_max = g.max;
	if ((rc = gather_copies(&g, w)))
		goto out;
	{
		/* journal lines out of the run fill what no copy has */
		const char *key;
		json_t *v;
		json_object_foreach(g.suspect, key, v) {
			seq = strtoll(key, NULL, 10);
			if (!json_object_get(g.lines, key)) {
				json_object_set(g.lines, key, v);
				g.max = seq > g.max ? seq : g.max;
			}
		}
	}
	for (seq = 1; seq <= g.max; seq++) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", seq);
		if (json_object_get(g.lines, key))
			continue;
		if (!gap_lo)
			gap_lo = seq;
		gap_hi = seq;
	}
	if (gap_lo) {
		rc = brain__errf(store->err, BRAIN_ECORRUPT,
				 "%s: the journal lost records (seq %lld to "
				 "%lld) that no other copy holds; left it as "
				 "it is", j->path, gap_lo, gap_hi);
		goto out;
	}
	if (!force && !g.damaged && g.max == journal_max)
		goto reset; /* the state claimed more than any copy holds */
	if ((rc = journal_text(store, st, &g, w, &text)))
		goto out;
	brain__state_announce(st);
	if ((rc = brain__set_aside(j->path, (long long)brain__sto_now(store),
				   1, &aside)) ||
	    (rc = brain__replace_file(j->path, text.data, text.len, 1))) {
		if (aside)
			unlink(aside); /* the original is still in place */
		if (rc == BRAIN_EIO)
			rc = brain__errno(store->err, rc, "cannot recover %s",
					  j->path);
		goto out;
	}
	brain__sto_notice(store,
			  "%s had lost records; kept it as %s and wrote it "
			  "again from its copies (%lld records)",
			  j->path, aside, g.max);
	brain__sto_event(
		store, json_pack("{s:s, s:s, s:s, s:s, s:I}", "error_type",
			     "journal_recovered", "message",
			     "journal had lost records; kept aside and "
			     "written again from the hourly and aggregated "
			     "files",
			     "path", j->rel, "kept_as",
			     aside + strlen(store->base) + 1, "records",
			     (json_int_t)g.max));
reset:
	/* derived files: replay everything (idempotent) */
	st->checkpoint = 0;
	if ((rc = brain__state_write(store, st, 0,
				     store->durability !=
					     BRAIN_DURABILITY_NONE)))
		goto out;
	{
		/* a journal just written that will not load is refused */
		int rewriting = st->rewriting;
		st->rewriting = 1;
		rc = brain__rollup_reload(store, st, w);
		st->rewriting = rewriting;
	}
out:
	free(aside);
	brain__buf_free(&text);
	json_decref(g.lines);
	json_decref(g.suspect);
	json_decref(g.hours);
	json_decref(g.times);
	json_decref(g.read);
	return rc;
}

int brain__recover_load(brain__store *store, sstate *st, const brain__when *w)
{
	int rc = brain__rollup_reload(store, st, w);

	if (rc != BRAIN__JOURNAL_LOST)
		return rc;
	/* no whole record near its end: written again from the copies */
	st->rewriting = 1;
	rc = brain__recover_journal(store, st, w,
				    brain__recover_claimed(store, st, w), 1);
	st->rewriting = 0;
	return rc;
}
