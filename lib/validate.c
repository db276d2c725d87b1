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
 * This file takes each stream's lock and runs the walk
 * (lib/validate_walk.c) and the listing (lib/validate_unlisted.c); the
 * files are listed in lib/validate_internal.h.
 *
 * Cost: the journal and the hourly source files are parsed once; the
 * other files are scanned line by line without parsing records.  Memory:
 * one summary per level of the walk, and the paths of the stream's files
 * (to tell the unreached ones).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "validate_internal.h"

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
		rc = brain__val_stream(&v);
		if (!rc)
			rc = brain__val_scan_folder(&v, s->folder);
		if (!b->readonly)
			brain__store_unlock(b->store, s);
		else
			brain__store_read_unlock(lock_fd);
	}
	if (!rc && !name)
		brain__val_check_agreement(&v);
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
