/*
 * lib/validate.c - brain_validate: every file of a stream checked against
 * what its children say (see validate.h).
 *
 * The walk goes by scope: a scope (root, a year, ..., an hour) has one
 * aggregated and one index file; their children are the scopes one level
 * down listed in data_sources.  Each scope returns the summary its files
 * should have, computed bottom-up from the hourly source files, and a
 * fingerprint of the records it should hold (count, sum of seqs, sum of a
 * hash of each record line).  A file is compared with those, so a fault is
 * reported at the file that has it, not again at each parent.
 *
 * Then the stream's folders are listed: a file the walk did not reach is
 * either one the patterns make ahead of its records (it must be empty) or
 * an orphan, or one no pattern makes (a stray).  Nothing is written: a
 * read-only handle only takes a shared lock on an existing lock file.
 *
 * Cost: the journal and the hourly source files are parsed once; the
 * other files are scanned line by line without parsing records.  Memory:
 * one summary per level of the walk, and the paths of the stream's files
 * (to tell the unreached ones).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brain_internal.h"
#include "fsutil.h"
#include "jsonfile.h"
#include "names.h"
#include "record_line.h"
#include "store.h"
#include "summary.h"
#include "templates_internal.h"

#define FULL_PARSE_MAX (1u << 20) /* files up to this are parsed whole: memory stays a few MB */

typedef struct fprint {
	unsigned long long count, seqsum, hash;
} fprint;

typedef struct vctx {
	brain_t *b;
	const brain__stream *s;
	brain_problem_fn on_problem;
	brain_progress_fn on_progress;
	void *ctx;
	uint64_t problems, done, total;
	json_t *blocks; /* block hash -> {"ledger": i, ...} */
	json_t *hours;  /* hourly source file -> the journal's fingerprint of
			   it: [count, seq sum, hash sum] (one per hour) */
	const brain__msum *all; /* the journal's: which values keep a key */
	json_t *seen;   /* every file the walk of the stream opened (or
			   looked for): rel path -> true */
	json_t *strays; /* files no pattern produces, reported once */
} vctx;

static void problem(vctx *v, const char *rel, long entry, const char *check,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem(vctx *v, const char *rel, long entry, const char *check,
		    const char *fmt, ...)
{
	char msg[1024];
	brain_problem_t p = {rel, entry, check, msg};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->problems++;
	if (v->on_problem)
		v->on_problem(v->ctx, &p);
}

static void progress(vctx *v, int new_files, int checked)
{
	v->total += (uint64_t)new_files;
	v->done += (uint64_t)checked;
	if (v->on_progress)
		v->on_progress(v->ctx, v->done, v->total);
}

static char *abs_of(vctx *v, const char *rel)
{
	return brain__path_join(v->b->base, rel);
}

/* ---- reading files ---- */

typedef struct lines_ctx {
	vctx *v;
	const char *rel;
	fprint fp;
	long index;
	/* when parsing: */
	brain__msum *summary;
	const char *child;
	void (*each)(vctx *v, const char *rel, long index, json_t *rec);
	long long prev_seq;
	int check_seq;
	int count_hours; /* the journal: fingerprint each hour's records */
} lines_ctx;

/* Adds a journal record to the fingerprint of its hourly source file. */
static int count_hour(vctx *v, time_t t, long long seq, unsigned long long h)
{
	brain__when w;
	char *path;
	json_t *fp;

	brain__when_of(v->b->bp, t, &w);
	path = brain__level_path(v->b->base, v->s,
				 v->s->source[BRAIN__LV_HOUR], &w, 1);
	if (!path)
		return BRAIN_ENOMEM;
	fp = json_object_get(v->hours, path + strlen(v->b->base) + 1);
	if (!fp) {
		fp = json_pack("[I,I,I]", (json_int_t)0, (json_int_t)0,
			       (json_int_t)0);
		json_object_set_new(v->hours, path + strlen(v->b->base) + 1, fp);
	}
	free(path);
	if (!fp)
		return BRAIN_ENOMEM;
	json_array_set_new(fp, 0, json_integer(json_integer_value(
					  json_array_get(fp, 0)) + 1));
	json_array_set_new(
		fp, 1,
		json_integer((json_int_t)((unsigned long long)json_integer_value(
						  json_array_get(fp, 1)) +
					  (unsigned long long)seq)));
	json_array_set_new(
		fp, 2,
		json_integer((json_int_t)((unsigned long long)json_integer_value(
						  json_array_get(fp, 2)) +
					  h)));
	return 0;
}

static int on_line(void *vc, const char *line, size_t len)
{
	lines_ctx *c = vc;
	long long seq = brain__record_seq(line);
	uint64_t line_hash = brain__hash_bytes(line, len);
	json_t *rec;
	time_t t;
	char ts[32];
	const char *tss;

	c->fp.count++;
	c->fp.seqsum += (unsigned long long)seq;
	c->fp.hash += line_hash;
	if (c->check_seq && seq != c->prev_seq + 1)
		problem(c->v, c->rel, c->index, "journal",
			"seq %lld follows %lld", seq, c->prev_seq);
	c->prev_seq = seq;
	if (c->summary) {
		rec = json_loadb(line, len, 0, NULL);
		tss = json_string_value(json_object_get(rec, "timestamp"));
		if (!rec || !tss || brain__parse_iso8601(c->v->b->bp, tss, &t)) {
			problem(c->v, c->rel, c->index, "parse",
				"record is not a json object with an ISO 8601 "
				"timestamp");
		} else {
			brain__mvals vals;
			brain__utc_text(t, ts, sizeof(ts));
			brain__mvals_of(c->v->s, rec, c->v->all, &vals);
			if (brain__msum_add(c->summary, &vals, ts, seq, c->child))
				return BRAIN_ENOMEM;
			if (c->each)
				c->each(c->v, c->rel, c->index, rec);
			if (c->count_hours &&
			    count_hour(c->v, t, seq, line_hash))
				return BRAIN_ENOMEM;
		}
		json_decref(rec);
	}
	c->index++;
	return 0;
}

/* Reads a file's tail and, when small enough, parses it whole; a problem
 * is reported and 1 returned when it cannot be read as ours. */
static int open_checked(vctx *v, const char *rel, const brain__jlayout *lay,
			int *fd_out, json_t **summary, json_t **whole)
{
	char *path = abs_of(v, rel), *last = NULL;
	struct stat st;
	off_t tail;
	int fd, empty, rc;

	*fd_out = -1;
	*summary = *whole = NULL;
	if (!path)
		return BRAIN_ENOMEM;
	json_object_set_new(v->seen, rel, json_true());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		problem(v, rel, -1, "source", "listed file is missing");
		free(path);
		return 1;
	}
	if (fstat(fd, &st) == 0 && st.st_size <= (off_t)FULL_PARSE_MAX) {
		json_error_t err;
		*whole = json_load_file(path, 0, &err);
		if (!*whole) {
			problem(v, rel, -1, "parse", "%d:%d: %s", err.line,
				err.column, err.text);
			close(fd);
			free(path);
			return 1;
		}
	}
	free(path);
	rc = brain__jfile_scan_tail(fd, lay,
				    (size_t)v->b->bp->max_record_bytes + 1024,
				    &tail, summary, &last, &empty, NULL);
	free(last);
	if (rc == BRAIN_ENOMEM) {
		close(fd);
		return rc;
	}
	if (rc) {
		problem(v, rel, -1, "parse", "the end of the file is not a "
			"well-formed records array%s",
			lay->with_summary ? " and summary" : "");
		json_decref(*whole);
		*whole = NULL;
		close(fd);
		return 1;
	}
	*fd_out = fd;
	return 0;
}

/*
 * A key the blueprint renamed, whose old name a tree written before still
 * holds: only the creation time.  Source files said generated_at and the
 * other files created_at until every file named it created_at (issue 13);
 * journals and hourly source files are never rewritten, not even by a
 * rebuild, so a file's generated_at stands for its template's created_at
 * when the file has no created_at.  Only this pair.
 */
#define KEY_NOW "created_at"
#define KEY_OLD "generated_at"

/* 1 when the member k of an object of the template is in the file's
 * object fo, by its name or by its old one. */
static int has_member(const json_t *fo, const char *k)
{
	return json_object_get(fo, k) ||
	       (!strcmp(k, KEY_NOW) && json_object_get(fo, KEY_OLD));
}

/* 1 when the member k of the file's object fo is in the template's
 * object to, by its name or as the old name of one fo lacks. */
static int in_template(const json_t *to, const json_t *fo, const char *k)
{
	return json_object_get(to, k) ||
	       (!strcmp(k, KEY_OLD) && json_object_get(to, KEY_NOW) &&
		!json_object_get(fo, KEY_NOW));
}

/* The file has its template's members (and those of its objects). */
static void check_shape(vctx *v, const char *rel, const json_t *file,
			const brain__plevel *pl, time_t t)
{
	brain__when w;
	json_t *tpl = NULL, *tv;
	const char *key;

	if (!file)
		return; /* too large to parse whole: its lines were checked */
	brain__when_of(v->b->bp, t, &w);
	if (brain__template_instance(v->b, v->s, pl, &w, &tpl))
		return;
	json_object_foreach(tpl, key, tv) {
		json_t *fv = json_object_get(file, key);
		const char *k2;
		json_t *x;
		if (!fv) {
			problem(v, rel, -1, "shape", "template member '%s' is "
				"missing", key);
			continue;
		}
		if (!json_is_object(tv) || !json_is_object(fv))
			continue;
		json_object_foreach(tv, k2, x) if (!has_member(fv, k2))
			problem(v, rel, -1, "shape",
				"template member '%s.%s' is missing", key, k2);
		json_object_foreach(fv, k2, x) if (!in_template(tv, fv, k2))
			problem(v, rel, -1, "shape",
				"member '%s.%s' is not in the template", key, k2);
	}
	json_object_foreach((json_t *)file, key, tv) {
		if (!json_object_get(tpl, key) && strcmp(key, "summary"))
			problem(v, rel, -1, "shape",
				"member '%s' is not in the template", key);
	}
	json_decref(tpl);
}

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
		problem(v, rel, -1, "summary",
			"summary.%s is %.200s; its children say %.200s", what,
			s ? s : "absent", e ? e : "absent");
		free(s);
		free(e);
	}
}

/* ---- proofs and agreement ---- */

static void note_block(vctx *v, const char *hash, const char *kind,
		       long index)
{
	json_t *entry;

	if (!hash)
		return;
	entry = json_object_get(v->blocks, hash);
	if (!entry) {
		entry = json_object();
		json_object_set_new(v->blocks, hash, entry);
	}
	json_object_set_new(entry, kind, json_integer(index));
}

static void check_proof(vctx *v, const char *rel, long index, json_t *rec)
{
	const char *hex = json_string_value(json_object_get(rec, "header_hex"));
	const char *claimed = json_string_value(json_object_get(rec, "hash"));
	const char *target_hex = json_string_value(json_object_get(rec, "target"));
	brain_header_t h;
	uint8_t hash[32], target[32];
	char shown[65];
	unsigned zeros;

	note_block(v, claimed, v->s->kind, index);
	if (!hex || brain_header_from_hex(hex, &h) != 0) {
		problem(v, rel, index, "proof", "header_hex is not an 80-byte "
			"header in hex");
		return;
	}
	brain_header_hash(&h, hash);
	brain_hash_to_hex(hash, shown);
	zeros = brain_hash_leading_zeros(hash);
	if (!claimed || strcmp(shown, claimed))
		problem(v, rel, index, "proof", "header hashes to %s, not the "
			"recorded %s", shown, claimed ? claimed : "(none)");
	if (json_is_integer(json_object_get(rec, "nonce")) &&
	    json_integer_value(json_object_get(rec, "nonce")) != h.nonce)
		problem(v, rel, index, "proof", "nonce %lld is not the "
			"header's %u",
			(long long)json_integer_value(
				json_object_get(rec, "nonce")),
			h.nonce);
	if (!target_hex || brain_hash_from_hex(target_hex, target) != 0)
		problem(v, rel, index, "proof", "target is not 64 hex digits");
	else if (!brain_hash_meets_target(hash, target))
		problem(v, rel, index, "proof", "hash %s does not meet target "
			"%s", shown, target_hex);
	if (json_is_integer(json_object_get(rec, "leading_zeros")) &&
	    json_integer_value(json_object_get(rec, "leading_zeros")) !=
		    (json_int_t)zeros)
		problem(v, rel, index, "proof", "hash has %u leading zeros, "
			"not the recorded %lld", zeros,
			(long long)json_integer_value(
				json_object_get(rec, "leading_zeros")));
	if (json_is_integer(json_object_get(rec, "zeros_required")) &&
	    json_integer_value(json_object_get(rec, "zeros_required")) >
		    (json_int_t)zeros)
		problem(v, rel, index, "proof", "hash has %u leading zeros, "
			"fewer than the %lld required", zeros,
			(long long)json_integer_value(
				json_object_get(rec, "zeros_required")));
}

static void each_journal_record(vctx *v, const char *rel, long index,
				json_t *rec)
{
	if (json_object_get(rec, "header_hex"))
		check_proof(v, rel, index, rec);
	else if (!v->s->tree)
		note_block(v, json_string_value(json_object_get(rec,
								"block_hash")),
			   v->s->kind, index);
}

/* ---- the walk ---- */

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
		problem(v, rel, -1, "records",
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
	rc = open_checked(v, rel, &lay, &fd, &tail_sum, &whole);
	progress(v, 1, 1);
	if (rc == 0) {
		check_shape(v, rel, whole, pl, t);
		c.rel = rel;
		c.child = rel;
		if (!strcmp(v->s->kind, "math_proof"))
			c.each = each_journal_record; /* proofs, here too */
		rc = brain__jfile_each_record(fd, 0, on_line, &c);
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
	char *path = abs_of(v, irel), *last = NULL, *out = NULL;
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
	progress(v, (int)n, 0);
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
	if (open_checked(v, c.rel, &lay, &fd, &sum, &whole) == 0) {
		check_shape(v, c.rel, whole, pl, t);
		brain__jfile_each_record(fd, 0, on_line, &c);
		close(fd);
		if (!fp_equal(&c.fp, want))
			problem(v, c.rel, -1, "copy",
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
	rc = open_checked(v, full_rel, &flay, &ffd, &fsum, &fwhole);
	if (rc == BRAIN_ENOMEM)
		return rc;
	if (!index_rel)
		problem(v, full_rel, -1, "source", "the index lists no file "
			"for this scope");
	else if ((rc = open_checked(v, index_rel, &ilay, &ifd, &isum,
				    &iwhole)) == BRAIN_ENOMEM)
		goto out;
	progress(v, 0, 1);
	rc = 0;
	if (!fsum && !isum)
		goto out; /* both unreadable: reported, the walk stops here */
	t = first_time(v, fsum ? fsum : isum);
	check_shape(v, full_rel, fwhole, v->b->bp->full[lv], t);
	if (iwhole)
		check_shape(v, index_rel, iwhole, v->b->bp->index[lv], t);
	rc = lv == BRAIN__LV_HOUR ? expect_hour(v, t, out)
				  : expect_children(v, lv, fsum,
						    isum ? isum : fsum, out);
	if (rc)
		goto out;
	if (!fsum)
		goto out; /* reported by open_checked */
	if (rc)
		goto out;
	if ((rc = brain__jfile_each_record(ffd, 0, on_line, &own)))
		goto out;
	if (!fp_equal(&own.fp, &out->fp))
		problem(v, full_rel, -1, "records",
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

static char *rel_path(vctx *v, const brain__plevel *pl)
{
	brain__when w;
	char *p;

	brain__when_of(v->b->bp, 0, &w);
	p = brain__level_path(v->b->base, v->s, pl, &w, 1);
	if (p)
		memmove(p, p + strlen(v->b->base) + 1,
			strlen(p) - strlen(v->b->base));
	return p;
}

/* The journal, then the global files against it, then the tree. */
static int validate_stream(vctx *v)
{
	const brain__blueprint *bp = v->b->bp;
	brain__jlayout jlay = {v->s->entries, 0};
	char *jrel = rel_path(v, v->s->source[BRAIN__LV_GLOBAL]);
	char *grel = rel_path(v, bp->full[BRAIN__LV_GLOBAL]);
	char *girel = rel_path(v, bp->index[BRAIN__LV_GLOBAL]);
	char *rrel = rel_path(v, bp->full[BRAIN__LV_ROOT]);
	char *rirel = rel_path(v, bp->index[BRAIN__LV_ROOT]);
	lines_ctx j = {.v = v, .check_seq = 1};
	json_t *jsum = NULL, *jwhole = NULL, *gsum = NULL, *jexp = NULL;
	scope_out g = {0}, root = {0};
	int fd, rc = BRAIN_ENOMEM;

	if (!jrel || !grel || !girel || !rrel || !rirel)
		goto out;
	j.rel = jrel;
	j.child = jrel;
	j.each = each_journal_record;
	j.count_hours = 1;
	json_object_clear(v->hours);
	if (!(j.summary = brain__msum_new(v->s)))
		goto out;
	v->all = j.summary;
	rc = open_checked(v, jrel, &jlay, &fd, &jsum, &jwhole);
	progress(v, 1, 1);
	if (rc == BRAIN_ENOMEM)
		goto out;
	if (rc == 0) {
		check_shape(v, jrel, jwhole, v->s->source[BRAIN__LV_GLOBAL], 0);
		rc = brain__jfile_each_record(fd, 0, on_line, &j);
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
		if (open_checked(v, grel, &flay, &gfd, &gsum, &w1) == 0) {
			check_shape(v, grel, w1, bp->full[BRAIN__LV_GLOBAL], 0);
			brain__jfile_each_record(gfd, 0, on_line, &own);
			close(gfd);
			if (!fp_equal(&own.fp, &j.fp))
				problem(v, grel, -1, "records",
					"holds %llu records, the journal %llu "
					"(or other records)", own.fp.count,
					j.fp.count);
			compare_summary(v, grel, gsum, jexp);
		}
		json_decref(w1);
		w1 = NULL;
		if (open_checked(v, girel, &ilay, &ifd, &isum, &w1) == 0) {
			check_shape(v, girel, w1, bp->index[BRAIN__LV_GLOBAL], 0);
			close(ifd);
			compare_summary(v, girel, isum, jexp);
		}
		progress(v, 2, 2);
		json_decref(w1);
		json_decref(isum);
	}
	rc = visit(v, BRAIN__LV_ROOT, rrel, rirel, &root);
	{
		const char *hour;
		json_t *fp;
		json_object_foreach(v->hours, hour, fp)
			problem(v, jrel, -1, "journal",
				"%lld records of the journal belong in %s, "
				"which no aggregate lists",
				(long long)json_integer_value(
					json_array_get(fp, 0)),
				hour);
	}
	if (!rc && root.full && !fp_equal(&root.fp, &j.fp))
		problem(v, rrel, -1, "journal",
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

/* ---- files no aggregate lists ---- */

/* {folder}, {name} and {tag} of the stream; the time placeholders are
 * kept as written. */
static const char *stream_holder(void *ctx, const char *name, size_t n)
{
	const brain__stream *s = ctx;

	if (n == 6 && !memcmp(name, "folder", 6))
		return s->folder;
	if (n == 4 && !memcmp(name, "name", 4))
		return s->name;
	if (n == 3 && !memcmp(name, "tag", 3))
		return s->tag;
	return NULL;
}

/* rel matches the template: literal text, and digits for {YYYY} (4) and
 * {MM} {WW} {DD} {HH} (2). */
static int matches(const char *tpl, const char *rel)
{
	static const struct {
		const char *holder;
		int digits;
	} nums[] = {{"{YYYY}", 4}, {"{MM}", 2}, {"{WW}", 2}, {"{DD}", 2},
		    {"{HH}", 2}};
	size_t k;
	int i;

	while (*tpl) {
		for (k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
			if (!strncmp(tpl, nums[k].holder,
				     strlen(nums[k].holder)))
				break;
		if (k < sizeof(nums) / sizeof(nums[0])) {
			for (i = 0; i < nums[k].digits; i++)
				if (rel[i] < '0' || rel[i] > '9')
					return 0;
			rel += nums[k].digits;
			tpl += strlen(nums[k].holder);
		} else if (*tpl++ != *rel++) {
			return 0;
		}
	}
	return *rel == '\0';
}

/* The pattern level of stream s that produces rel, or NULL. */
static const brain__plevel *level_of(const brain__blueprint *bp,
				     const brain__stream *s, const char *rel,
				     int *nomem)
{
	const brain__plevel *pls[3];
	int lv, k;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		pls[0] = s->source[lv];
		pls[1] = bp->full[lv];
		pls[2] = bp->index[lv];
		for (k = 0; k < 3; k++) {
			char *tpl, *dir, *file;
			int hit;
			if (!pls[k])
				continue;
			dir = brain__fill(pls[k]->pattern, stream_holder,
					  (void *)s);
			file = brain__fill(pls[k]->file, stream_holder,
					   (void *)s);
			tpl = dir && file ? brain__strf("%s/%s", dir, file)
					  : NULL;
			free(dir);
			free(file);
			if (!tpl) {
				*nomem = 1;
				return NULL;
			}
			hit = matches(tpl, rel);
			free(tpl);
			if (hit)
				return pls[k];
		}
	}
	return NULL;
}

/* A file the patterns produce that no aggregate lists: it was made ahead
 * of its records (the current hour at start-up) and must be empty. */
static void check_unlisted(vctx *v, const char *rel, const brain__plevel *pl)
{
	const brain__blueprint *bp = v->b->bp;
	int source = pl == v->s->source[pl->level];
	brain__jlayout lay = {source ? v->s->entries
			      : pl == bp->full[pl->level] ? bp->agg_entries
							  : NULL,
			      !source};
	lines_ctx c = {.v = v, .rel = rel};
	json_t *sum = NULL, *whole = NULL, *empty;
	const char *what = NULL;
	int fd;

	if (open_checked(v, rel, &lay, &fd, &sum, &whole))
		return;
	check_shape(v, rel, whole, pl, 0);
	if (lay.entries)
		brain__jfile_each_record(fd, 0, on_line, &c);
	close(fd);
	empty = sum ? brain__summary_new(v->s) : NULL;
	if (c.fp.count)
		problem(v, rel, -1, "orphan",
			"holds %llu records, but no aggregate lists this file",
			c.fp.count);
	else if (empty && !brain__summary_equal(sum, empty, &what)) {
		char *text = json_dumps(json_object_get(sum, what),
					JSON_COMPACT | JSON_ENCODE_ANY);
		problem(v, rel, -1, "orphan",
			"summary.%s is %.200s, but no aggregate lists this "
			"file, so it should be empty", what,
			text ? text : "absent");
		free(text);
	}
	json_decref(empty);
	json_decref(sum);
	json_decref(whole);
}

/* Side files of the store and what it keeps aside are not data files. */
static int side_name(const char *name)
{
	return name[0] == '.' || strstr(name, ".corrupt-") ||
	       strstr(name, ".tmp.");
}

static int scan_folder(vctx *v, const char *rel_dir)
{
	const brain__blueprint *bp = v->b->bp;
	char *dir = abs_of(v, rel_dir);
	struct dirent *ent;
	DIR *d;
	int rc = 0;

	if (!dir)
		return BRAIN_ENOMEM;
	d = opendir(dir);
	free(dir);
	if (!d)
		return 0; /* a missing folder: its files are reported missing */
	while (!rc && (ent = readdir(d))) {
		char *rel, *abs;
		struct stat st;
		if (side_name(ent->d_name))
			continue;
		rel = brain__path_join(rel_dir, ent->d_name);
		abs = rel ? abs_of(v, rel) : NULL;
		if (!rel || !abs) {
			rc = BRAIN_ENOMEM;
		} else if (lstat(abs, &st) != 0) {
			/* gone meanwhile */
		} else if (S_ISDIR(st.st_mode)) {
			rc = scan_folder(v, rel);
		} else if (!json_object_get(v->seen, rel)) {
			const brain__plevel *pl;
			const brain__stream *other = NULL;
			int nomem = 0;
			size_t i;
			pl = level_of(bp, v->s, rel, &nomem);
			for (i = 0; !pl && !other && !nomem && i < bp->nstreams;
			     i++)
				if (level_of(bp, &bp->streams[i], rel, &nomem))
					other = &bp->streams[i];
			if (nomem) {
				rc = BRAIN_ENOMEM;
			} else if (pl) {
				progress(v, 1, 1);
				check_unlisted(v, rel, pl);
			} else if (!other &&
				   !json_object_get(v->strays, rel)) {
				json_object_set_new(v->strays, rel,
						    json_true());
				problem(v, rel, -1, "stray",
					"no pattern of the blueprint makes "
					"this file");
			}
		}
		free(rel);
		free(abs);
	}
	closedir(d);
	return rc;
}

/* Blocks are recorded proof first, then ledger entry, then submission (a
 * writer stopped in between leaves a prefix of that): every ledger entry
 * needs its proof, every submission its ledger entry. */
static void check_agreement(vctx *v)
{
	static const char *const needs[][2] = {{"ledger", "math_proof"},
					       {"submission", "ledger"}};
	const char *hash;
	json_t *seen;
	int k;

	json_object_foreach(v->blocks, hash, seen) {
		for (k = 0; k < 2; k++) {
			const brain__stream *s =
				brain__blueprint_stream(v->b->bp, needs[k][0]);
			char *rel;
			if (!s || !json_object_get(seen, needs[k][0]) ||
			    json_object_get(seen, needs[k][1]) ||
			    !brain__blueprint_stream(v->b->bp, needs[k][1]))
				continue;
			v->s = s;
			rel = rel_path(v, s->source[BRAIN__LV_GLOBAL]);
			problem(v, rel ? rel : needs[k][0],
				json_integer_value(json_object_get(seen,
								   needs[k][0])),
				"agreement", "block %s has no %s entry", hash,
				needs[k][1]);
			free(rel);
		}
	}
}

int brain_validate(brain_t *b, const char *name, brain_problem_fn on_problem,
		   brain_progress_fn on_progress, void *ctx, uint64_t *problems)
{
	vctx v = {.b = b, .on_problem = on_problem, .on_progress = on_progress,
		  .ctx = ctx};
	size_t i, hits = 0;
	int lock_fd = -1, rc = 0;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, problems);
	*problems = 0;
	v.blocks = json_object();
	v.hours = json_object();
	v.seen = json_object();
	v.strays = json_object();
	if (!v.blocks || !v.hours || !v.seen || !v.strays) {
		json_decref(v.blocks);
		json_decref(v.hours);
		json_decref(v.seen);
		json_decref(v.strays);
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	}
	for (i = 0; !rc && i < b->bp->nstreams; i++) {
		const brain__stream *s = &b->bp->streams[i];
		if (name && strcmp(s->kind, name) && strcmp(s->id, name))
			continue;
		hits++;
		v.s = s;
		json_object_clear(v.seen);
		if (b->readonly) {
			if ((rc = brain__store_read_lock(b->store, s, &lock_fd)))
				break;
		} else if ((rc = brain__store_lock(b->store, s))) {
			break;
		}
		rc = validate_stream(&v);
		if (!rc)
			rc = scan_folder(&v, s->folder);
		if (!b->readonly)
			brain__store_unlock(b->store, s);
		else
			brain__store_read_unlock(lock_fd);
	}
	if (!rc && !name)
		check_agreement(&v);
	json_decref(v.blocks);
	json_decref(v.hours);
	json_decref(v.seen);
	json_decref(v.strays);
	if (!rc && !hits)
		rc = brain__errf(&b->err, BRAIN_ENOTFOUND,
				 "no record kind or category '%s' in %s", name,
				 b->bp_path);
	else if (rc == BRAIN_ENOMEM)
		brain__errf(&b->err, rc, "out of memory");
	*problems = v.problems;
	return rc;
}
