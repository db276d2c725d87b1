/*
 * lib/validate_internal.h - what the files of brain_validate share: the
 * context of one validation, the fingerprint of a set of records, and the
 * reading of one file's lines.
 *
 * brain_validate is in five files; each uses only those below it in this
 * list, never one above:
 *
 *   validate.c           brain_validate: each stream under its lock, then
 *                        the agreement across streams
 *   validate_unlisted.c  files no aggregate lists: made ahead (empty),
 *                        orphans, strays
 *   validate_walk.c      the walk: the journal, the global files, then the
 *                        tree scope by scope, each against its children
 *   validate_proof.c     proofs recomputed, blocks noted, and the
 *                        agreement of proofs, ledger and submissions
 *   validate_read.c      problems and progress reported; a file opened and
 *                        read as ours: its lines, its tail, its shape
 *
 * Nothing is written; a validation is used by one thread.
 */
#ifndef BRAIN_LIB_VALIDATE_INTERNAL_H
#define BRAIN_LIB_VALIDATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "brain_internal.h"
#include "jsonfile.h"
#include "summary.h"

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

/* What brain__val_on_line reads a file's record lines into. */
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

/* validate_read.c */

/* One problem with file rel (entry -1: the file as a whole) to the
 * caller's callback, counted. */
void brain__val_problem(vctx *v, const char *rel, long entry,
			const char *check, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* new_files more to check, checked more done, to the caller's callback. */
void brain__val_progress(vctx *v, int new_files, int checked);
/* The absolute path of rel below the base; NULL on ENOMEM. */
char *brain__val_abs_of(vctx *v, const char *rel);
/* The path of the stream's file of level pl at time 0 (for the global and
 * root levels, whose paths hold no time), relative to the base; NULL on
 * ENOMEM. */
char *brain__val_rel_path(vctx *v, const brain__plevel *pl);
/* One record line into the lines_ctx vc (brain__jfile_each_record). */
int brain__val_on_line(void *vc, const char *line, size_t len);
/* Opens rel, reads its tail and, when small, parses it whole; reports a
 * problem and returns 1 when it cannot be read as ours. */
int brain__val_open_checked(vctx *v, const char *rel,
			    const brain__jlayout *lay, int *fd_out,
			    json_t **summary, json_t **whole);
/* The parsed file has its template's members (and no others). */
void brain__val_check_shape(vctx *v, const char *rel, const json_t *file,
			    const brain__plevel *pl, time_t t);

/* validate_proof.c */

/* A journal record: its proof checked, or its block noted. */
void brain__val_each_journal_record(vctx *v, const char *rel, long index,
				    json_t *rec);
/* Every ledger entry has its proof, every submission its ledger entry. */
void brain__val_check_agreement(vctx *v);

/* validate_walk.c */

/* The stream v->s: its journal, its global files, then its tree. */
int brain__val_stream(vctx *v);

/* validate_unlisted.c */

/* The files below rel_dir that the walk did not reach. */
int brain__val_scan_folder(vctx *v, const char *rel_dir);

#endif
