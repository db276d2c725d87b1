/*
 * lib/validate_read.c - how brain_validate reports and how it reads one
 * file (see lib/validate_internal.h).
 *
 * A problem goes to the caller's callback and is counted; nothing is
 * printed.  A file is read as ours when its tail is a well-formed records
 * array (and summary); then its record lines are fingerprinted (count,
 * sum of seqs, sum of a hash of each line) and, when asked, parsed into a
 * summary.  A file is parsed whole only when it is small, to check it has
 * its template's members.
 *
 * Cost: one scan of the tail per file; one parse per record line when a
 * summary is asked for; files up to FULL_PARSE_MAX parsed once more whole.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonfile.h"
#include "names.h"
#include "record_line.h"
#include "summary.h"
#include "templates_internal.h"
#include "validate_internal.h"

#define FULL_PARSE_MAX (1u << 20) /* files up to this are parsed whole: memory stays a few MB */

void brain__val_problem(vctx *v, const char *rel, long entry,
			const char *check, const char *fmt, ...)
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

void brain__val_progress(vctx *v, int new_files, int checked)
{
	v->total += (uint64_t)new_files;
	v->done += (uint64_t)checked;
	if (v->on_progress)
		v->on_progress(v->ctx, v->done, v->total);
}

char *brain__val_abs_of(vctx *v, const char *rel)
{
	return brain__path_join(v->b->base, rel);
}

char *brain__val_rel_path(vctx *v, const brain__plevel *pl)
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

/* ---- reading files ---- */

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

int brain__val_on_line(void *vc, const char *line, size_t len)
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
		brain__val_problem(c->v, c->rel, c->index, "journal",
			"seq %lld follows %lld", seq, c->prev_seq);
	c->prev_seq = seq;
	if (c->summary) {
		rec = json_loadb(line, len, 0, NULL);
		tss = json_string_value(json_object_get(rec, "timestamp"));
		if (!rec || !tss || brain__parse_iso8601(c->v->b->bp, tss, &t)) {
			brain__val_problem(c->v, c->rel, c->index, "parse",
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
int brain__val_open_checked(vctx *v, const char *rel,
			    const brain__jlayout *lay, int *fd_out,
			    json_t **summary, json_t **whole)
{
	char *path = brain__val_abs_of(v, rel), *last = NULL;
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
		brain__val_problem(v, rel, -1, "source",
			"listed file is missing");
		free(path);
		return 1;
	}
	if (fstat(fd, &st) == 0 && st.st_size <= (off_t)FULL_PARSE_MAX) {
		json_error_t err;
		*whole = json_load_file(path, 0, &err);
		if (!*whole) {
			brain__val_problem(v, rel, -1, "parse",
				"%d:%d: %s", err.line,
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
		brain__val_problem(v, rel, -1, "parse",
			"the end of the file is not a "
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
void brain__val_check_shape(vctx *v, const char *rel, const json_t *file,
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
			brain__val_problem(v, rel, -1, "shape",
				"template member '%s' is "
				"missing", key);
			continue;
		}
		if (!json_is_object(tv) || !json_is_object(fv))
			continue;
		json_object_foreach(tv, k2, x) if (!has_member(fv, k2))
			brain__val_problem(v, rel, -1, "shape",
				"template member '%s.%s' is missing", key, k2);
		json_object_foreach(fv, k2, x) if (!in_template(tv, fv, k2))
			brain__val_problem(v, rel, -1, "shape",
				"member '%s.%s' is not in the template", key, k2);
	}
	json_object_foreach((json_t *)file, key, tv) {
		if (!json_object_get(tpl, key) && strcmp(key, "summary"))
			brain__val_problem(v, rel, -1, "shape",
				"member '%s' is not in the template", key);
	}
	json_decref(tpl);
}
