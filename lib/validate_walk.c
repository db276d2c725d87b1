/*
 * lib/validate_walk.c - the walk of one stream: its journal, its global
 * files against the journal, then its tree by scope (see
 * lib/validate_internal.h).
 *
 * A scope (root, a year, ..., an hour) has one aggregated and one index
 * file; their children are the scopes one level down listed in
 * data_sources.  Each scope returns the summary its files should have,
 * computed bottom-up from the hourly source files, and a fingerprint of
 * the records it should hold.  A file is compared with those, so a fault
 * is reported at the file that has it, not again at each parent.  The
 * hourly source files are compared with what the journal has for their
 * hour, and the record kind's copies at year to day with their scope.
 *
 * Cost: the journal and the hourly source files are parsed once; the
 * other files are scanned line by line without parsing records.  Memory:
 * one summary per level of the walk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "summary.h"
#include "validate_internal.h"

static time_t first_time(vctx *v, const json_t *summary)
{
	const char *ts = json_string_value(
		json_object_get(summary, "first_timestamp"));
	time_t t = 0;

	if (ts)
		brain__parse_iso8601(v->b->bp, ts, &t);
	return t;
}

static int fp_equal(const fprint *a, const fprint *b)
{
	return a->count == b->count && a->seqsum == b->seqsum &&
	       a->hash == b->hash;
}

static void fp_add(fprint *a, const fprint *b)
{
	a->count += b->count;
	a->seqsum += b->seqsum;
	a->hash += b->hash;
}

static void compare_summary(vctx *v, const char *rel, const json_t *stored,
			    const json_t *expected)
{
	const char *what = NULL;

	if (!brain__summary_equal(stored, expected, &what)) {
		char *s = json_dumps(json_object_get(stored, what),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		char *e = json_dumps(json_object_get(expected, what),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		brain__val_problem(v, rel, -1, "summary",
			"summary.%s is %.200s; its children say %.200s", what,
			s ? s : "absent", e ? e : "absent");
		free(s);
		free(e);
	}
}

typedef struct scope_out {
	json_t *full, *index; /* expected summaries */
	fprint fp;            /* expected records */
} scope_out;

static int visit(vctx *v, int lv, const char *full_rel, const char *index_rel,
		 scope_out *out);

/* The hourly source file holds what the journal has for its hour. */
static void check_hour(vctx *v, const char *rel, const fprint *have)
{
	json_t *fp = json_object_get(v->hours, rel);
	fprint want = {0, 0, 0};

	if (fp) {
		want.count = (unsigned long long)json_integer_value(
			json_array_get(fp, 0));
		want.seqsum = (unsigned long long)json_integer_value(
			json_array_get(fp, 1));
		want.hash = (unsigned long long)json_integer_value(
			json_array_get(fp, 2));
	}
	if (!fp_equal(have, &want))
		brain__val_problem(v, rel, -1, "records",
			"holds %llu records where the journal has %llu for its "
			"hour (or other records)", have->count, want.count);
	json_object_del(v->hours, rel);
}

/* An hour: its expected summaries come from the hourly source file. */
static int expect_hour(vctx *v, time_t t, scope_out *out)
{
	const brain__plevel *pl = v->s->source[BRAIN__LV_HOUR];
	brain__jlayout lay = {v->s->entries, 0};
	lines_ctx c = {.v = v};
	json_t *tail_sum = NULL, *whole = NULL;
	brain__when w;
	char *path, *rel;
	int fd, rc;

	brain__when_of(v->b->bp, t, &w);
	path = brain__level_path(v->b->base, v->s, pl, &w, 1);
	if (!path)
		return BRAIN_ENOMEM;
	rel = path + strlen(v->b->base) + 1;
	c.summary = brain__msum_new(v->s);
	if (!c.summary) {
		free(path);
		return BRAIN_ENOMEM;
	}
	rc = brain__val_open_checked(v, rel, &lay, &fd, &tail_sum, &whole);
	brain__val_progress(v, 1, 1);
	if (rc == 0) {
		brain__val_check_shape(v, rel, whole, pl, t);
		c.rel = rel;
		c.child = rel;
		if (!strcmp(v->s->kind, "math_proof"))
			/* proofs, here too */
			c.each = brain__val_each_journal_record;
		rc = brain__jfile_each_record(fd, 0, brain__val_on_line, &c);
		out->fp = c.fp;
		close(fd);
		check_hour(v, rel, &c.fp);
	} else if (rc == 1) {
		rc = 0;
	}
	json_decref(whole);
	json_decref(tail_sum);
	out->full = brain__msum_json(c.summary);
	out->index = out->full ? json_deep_copy(out->full) : NULL;
	brain__msum_free(c.summary);
	free(path);
	return rc || !out->index ? BRAIN_ENOMEM : 0;
}

/* The aggregated file of the scope whose index file is irel (found from
 * the index's first timestamp), for walking on below a damaged file. */
static char *full_of_index(vctx *v, int lv, const char *irel)
{
	brain__jlayout ilay = {NULL, 1};
	json_t *sum = NULL;
	char *path = brain__val_abs_of(v, irel), *last = NULL, *out = NULL;
	brain__when w;
	off_t tail;
	int fd, empty;

	if (!path)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return NULL;
	if (brain__jfile_scan_tail(fd, &ilay, 4096, &tail, &sum, &last,
				   &empty, NULL) == 0) {
		brain__when_of(v->b->bp, first_time(v, sum), &w);
		out = brain__level_path(v->b->base, v->s, v->b->bp->full[lv], &w,
					1);
		if (out)
			memmove(out, out + strlen(v->b->base) + 1,
				strlen(out) - strlen(v->b->base));
	}
	close(fd);
	free(last);
	json_decref(sum);
	return out;
}

/* A scope above the hour: its children are listed in data_sources. */
static int expect_children(vctx *v, int lv, const json_t *full_sum,
			   const json_t *index_sum, scope_out *out)
{
	const json_t *fsrc = json_object_get(full_sum, "data_sources");
	const json_t *isrc = json_object_get(index_sum, "data_sources");
	size_t i, n = json_array_size(fsrc);
	int child_lv = lv == BRAIN__LV_ROOT ? BRAIN__LV_YEAR : lv + 1;
	int rc = 0;

	out->full = brain__summary_new(v->s);
	out->index = brain__summary_new(v->s);
	if (!out->full || !out->index)
		return BRAIN_ENOMEM;
	brain__val_progress(v, (int)n, 0);
	if (!full_sum) /* unreadable: its index names the same scopes */
		n = json_array_size(isrc);
	for (i = 0; !rc && i < n; i++) {
		const char *frel = json_string_value(json_array_get(fsrc, i));
		const char *irel = json_string_value(json_array_get(isrc, i));
		char *derived = NULL;
		scope_out child = {0};
		if (!frel && irel)
			frel = derived = full_of_index(v, child_lv, irel);
		if (!frel)
			continue;
		rc = visit(v, child_lv, frel, irel, &child);
		if (!rc && child.full) {
			rc = brain__summary_merge(out->full, v->s, child.full,
						  frel);
			if (!rc && irel)
				rc = brain__summary_merge(out->index, v->s,
							  child.index, irel);
			fp_add(&out->fp, &child.fp);
		}
		json_decref(child.full);
		json_decref(child.index);
		free(derived);
	}
	return rc;
}

/* The record kind's copy at this scope holds the same records. */
static void check_copy(vctx *v, int lv, time_t t, const fprint *want)
{
	const brain__plevel *pl = v->s->source[lv];
	brain__jlayout lay = {v->s->entries, 0};
	lines_ctx c = {.v = v};
	json_t *sum = NULL, *whole = NULL;
	brain__when w;
	char *path;
	int fd;

	if (!pl)
		return;
	brain__when_of(v->b->bp, t, &w);
	path = brain__level_path(v->b->base, v->s, pl, &w, 1);
	if (!path)
		return;
	c.rel = path + strlen(v->b->base) + 1;
	if (brain__val_open_checked(v, c.rel, &lay, &fd, &sum, &whole) == 0) {
		brain__val_check_shape(v, c.rel, whole, pl, t);
		brain__jfile_each_record(fd, 0, brain__val_on_line, &c);
		close(fd);
		if (!fp_equal(&c.fp, want))
			brain__val_problem(v, c.rel, -1, "copy",
				"holds %llu records where its scope has %llu "
				"(or other records)", c.fp.count, want->count);
	}
	json_decref(sum);
	json_decref(whole);
	free(path);
}

static int visit(vctx *v, int lv, const char *full_rel, const char *index_rel,
		 scope_out *out)
{
	brain__jlayout flay = {v->b->bp->agg_entries, 1}, ilay = {NULL, 1};
	json_t *fsum = NULL, *isum = NULL, *fwhole = NULL, *iwhole = NULL;
	lines_ctx own = {.v = v, .rel = full_rel};
	int ffd = -1, ifd = -1, rc;
	time_t t;

	memset(out, 0, sizeof(*out));
	rc = brain__val_open_checked(v, full_rel, &flay, &ffd, &fsum, &fwhole);
	if (rc == BRAIN_ENOMEM)
		return rc;
	if (!index_rel)
		brain__val_problem(v, full_rel, -1, "source",
			"the index lists no file "
			"for this scope");
	else if ((rc = brain__val_open_checked(v, index_rel, &ilay, &ifd, &isum,
				    &iwhole)) == BRAIN_ENOMEM)
		goto out;
	brain__val_progress(v, 0, 1);
	rc = 0;
	if (!fsum && !isum)
		goto out; /* both unreadable: reported, the walk stops here */
	t = first_time(v, fsum ? fsum : isum);
	brain__val_check_shape(v, full_rel, fwhole, v->b->bp->full[lv], t);
	if (iwhole)
		brain__val_check_shape(v, index_rel, iwhole,
				       v->b->bp->index[lv], t);
	rc = lv == BRAIN__LV_HOUR ? expect_hour(v, t, out)
				  : expect_children(v, lv, fsum,
						    isum ? isum : fsum, out);
	if (rc)
		goto out;
	if (!fsum)
		goto out; /* reported by brain__val_open_checked */
	if (rc)
		goto out;
	if ((rc = brain__jfile_each_record(ffd, 0, brain__val_on_line, &own)))
		goto out;
	if (!fp_equal(&own.fp, &out->fp))
		brain__val_problem(v, full_rel, -1, "records",
			"holds %llu records where its children hold %llu (or "
			"other records)", own.fp.count, out->fp.count);
	compare_summary(v, full_rel, fsum, out->full);
	if (isum)
		compare_summary(v, index_rel, isum, out->index);
	if (lv >= BRAIN__LV_YEAR && lv <= BRAIN__LV_DAY)
		check_copy(v, lv, t, &out->fp);
out:
	if (ffd >= 0)
		close(ffd);
	if (ifd >= 0)
		close(ifd);
	json_decref(fsum);
	json_decref(isum);
	json_decref(fwhole);
	json_decref(iwhole);
	return rc;
}

/* The journal, then the global files against it, then the tree. */
int brain__val_stream(vctx *v)
{
	const brain__blueprint *bp = v->b->bp;
	brain__jlayout jlay = {v->s->entries, 0};
	char *jrel = brain__val_rel_path(v, v->s->source[BRAIN__LV_GLOBAL]);
	char *grel = brain__val_rel_path(v, bp->full[BRAIN__LV_GLOBAL]);
	char *girel = brain__val_rel_path(v, bp->index[BRAIN__LV_GLOBAL]);
	char *rrel = brain__val_rel_path(v, bp->full[BRAIN__LV_ROOT]);
	char *rirel = brain__val_rel_path(v, bp->index[BRAIN__LV_ROOT]);
	lines_ctx j = {.v = v, .check_seq = 1};
	json_t *jsum = NULL, *jwhole = NULL, *gsum = NULL, *jexp = NULL;
	scope_out g = {0}, root = {0};
	int fd, rc = BRAIN_ENOMEM;

	if (!jrel || !grel || !girel || !rrel || !rirel)
		goto out;
	j.rel = jrel;
	j.child = jrel;
	j.each = brain__val_each_journal_record;
	j.count_hours = 1;
	json_object_clear(v->hours);
	if (!(j.summary = brain__msum_new(v->s)))
		goto out;
	v->all = j.summary;
	rc = brain__val_open_checked(v, jrel, &jlay, &fd, &jsum, &jwhole);
	brain__val_progress(v, 1, 1);
	if (rc == BRAIN_ENOMEM)
		goto out;
	if (rc == 0) {
		brain__val_check_shape(v, jrel, jwhole,
				       v->s->source[BRAIN__LV_GLOBAL], 0);
		rc = brain__jfile_each_record(fd, 0, brain__val_on_line, &j);
		close(fd);
		if (rc)
			goto out;
	}
	rc = 0; /* a journal that cannot be read is reported; go on */
	rc = BRAIN_ENOMEM;
	if (!(jexp = brain__msum_json(j.summary)))
		goto out;
	rc = 0;
	/* Global: the journal is its only child */
	{
		brain__jlayout flay = {bp->agg_entries, 1}, ilay = {NULL, 1};
		json_t *w1 = NULL, *isum = NULL;
		lines_ctx own = {.v = v, .rel = grel};
		int gfd, ifd;
		if (brain__val_open_checked(v, grel, &flay, &gfd, &gsum,
					    &w1) == 0) {
			brain__val_check_shape(v, grel, w1,
					       bp->full[BRAIN__LV_GLOBAL], 0);
			brain__jfile_each_record(gfd, 0, brain__val_on_line,
						 &own);
			close(gfd);
			if (!fp_equal(&own.fp, &j.fp))
				brain__val_problem(v, grel, -1, "records",
					"holds %llu records, the journal %llu "
					"(or other records)", own.fp.count,
					j.fp.count);
			compare_summary(v, grel, gsum, jexp);
		}
		json_decref(w1);
		w1 = NULL;
		if (brain__val_open_checked(v, girel, &ilay, &ifd, &isum,
					    &w1) == 0) {
			brain__val_check_shape(v, girel, w1,
					       bp->index[BRAIN__LV_GLOBAL], 0);
			close(ifd);
			compare_summary(v, girel, isum, jexp);
		}
		brain__val_progress(v, 2, 2);
		json_decref(w1);
		json_decref(isum);
	}
	rc = visit(v, BRAIN__LV_ROOT, rrel, rirel, &root);
	{
		const char *hour;
		json_t *fp;
		json_object_foreach(v->hours, hour, fp)
			brain__val_problem(v, jrel, -1, "journal",
				"%lld records of the journal belong in %s, "
				"which no aggregate lists",
				(long long)json_integer_value(
					json_array_get(fp, 0)),
				hour);
	}
	if (!rc && root.full && !fp_equal(&root.fp, &j.fp))
		brain__val_problem(v, rrel, -1, "journal",
			"the tree's hourly files hold %llu records, the journal "
			"%s holds %llu (or other records)",
			root.fp.count, jrel, j.fp.count);
out:
	v->all = NULL;
	brain__msum_free(j.summary);
	json_decref(jexp);
	json_decref(jsum);
	json_decref(jwhole);
	json_decref(gsum);
	json_decref(g.full);
	json_decref(g.index);
	json_decref(root.full);
	json_decref(root.index);
	free(jrel);
	free(grel);
	free(girel);
	free(rrel);
	free(rirel);
	return rc;
}
