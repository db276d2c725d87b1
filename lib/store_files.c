/*
 * lib/store_files.c - making a derived file from its template, replacing
 * one by its empty template, and moving aside whatever stands where the
 * blueprint puts a file or folder (kept as .corrupt-*, reported).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "store_files.h"
#include "store_state.h"

/* Moves `path` out of the way of a derived file or its folder, keeping
 * it as a .corrupt-* name, and says so. */
int brain__files_move_aside(brain__store *store, const char *path,
			    const char *why)
{
	char *aside;
	int rc = brain__set_aside(path, (long long)brain__sto_now(store), 0,
				  &aside);

	if (rc == BRAIN_EIO)
		return brain__errno(store->err, rc, "cannot move aside %s",
				    path);
	if (rc)
		return rc;
	store->moved++; /* files were lost with it: replay (refresh) */
	brain__sto_notice(store, "%s was in the way of %s; kept it as %s", path, why,
		      aside);
	brain__sto_event(
		store, json_pack("{s:s, s:s, s:s, s:s}", "error_type",
			     "obstacle_moved", "message",
			     "something else stood where the blueprint puts a "
			     "folder or file; kept aside",
			     "path", path + strlen(store->base) + 1, "kept_as",
			     aside + strlen(store->base) + 1));
	free(aside);
	return 0;
}

/* mkdir -p for a derived file's folder.  A file where one of its folders
 * belongs (an hour's or a year's folder replaced by a file) is set aside
 * and the folder made: what the folder held is derived, and rebuilt from
 * the journal. */
static int make_dir(brain__store *store, const char *dir)
{
	int tries, rc = 0;

	for (tries = 0; tries < 16; tries++) {
		char *obstacle;
		rc = brain__mkdir_p(dir);
		if (rc != BRAIN_EIO || (errno != ENOTDIR && errno != EEXIST))
			break;
		if ((rc = brain__obstacle(dir, &obstacle)))
			return rc;
		if (!obstacle || strncmp(obstacle, store->base, strlen(store->base))) {
			free(obstacle);
			errno = ENOTDIR;
			rc = BRAIN_EIO;
			break; /* not ours to move: above the mode's base */
		}
		rc = brain__files_move_aside(store, obstacle, "a folder");
		free(obstacle);
		if (rc)
			return rc;
	}
	if (rc == BRAIN_EIO)
		rc = brain__errno(store->err, rc, "cannot create folder %s", dir);
	return rc;
}

int brain__files_render(brain__store *store, const brain__stream *s, int k,
			int lv, const brain__when *w, brain__buf *text,
			size_t *tail_off)
{
	brain__jlayout lay = brain__sto_layout(store->bp, s, k);
	json_t *tpl = NULL, *sum = NULL;
	int rc;

	if ((rc = brain__sto_template(store, s,
				      brain__sto_plevel(store->bp, s, k, lv), w,
				      &tpl)))
		return rc;
	rc = BRAIN_ENOMEM;
	if (!lay.with_summary || (sum = brain__summary_new(s)))
		rc = brain__jfile_render(tpl, &lay, sum, text, tail_off);
	json_decref(tpl);
	json_decref(sum);
	return rc;
}

/* The folder a file at `path` goes in, made (make_dir). */
static int make_parent(brain__store *store, const char *path)
{
	char *dir = strdup(path);
	int rc;

	if (!dir)
		return BRAIN_ENOMEM;
	*strrchr(dir, '/') = '\0';
	rc = make_dir(store, dir);
	free(dir);
	return rc;
}

/* Writes a new empty file for (k, lv) at partition w, if none exists;
 * the journal is synced at durability always. */
int brain__files_create(brain__store *store, const brain__stream *s, int k,
			int lv, const brain__when *w, const char *path)
{
	int sync = store->durability == BRAIN_DURABILITY_ALWAYS &&
		   k == K_SOURCE && lv == BRAIN__LV_GLOBAL;
	brain__buf text = {0};
	size_t tail_off;
	int created, rc;

	if (!(rc = brain__files_render(store, s, k, lv, w, &text,
				       &tail_off)) &&
	    !(rc = make_parent(store, path))) {
		rc = brain__create_file(path, text.data, text.len, sync,
					&created);
		if (rc == BRAIN_EIO)
			rc = brain__ioerr(store->err, brain__fs_step(),
					  "cannot create %s", path);
	}
	brain__buf_free(&text);
	return rc;
}

/* Replaces a derived file by its empty template (announced: others may
 * have it mapped). */
int brain__files_reset(brain__store *store, sstate *st, const char *path,
		       int k, int lv, time_t t)
{
	brain__buf text = {0};
	brain__when w;
	size_t tail_off;
	int rc;

	brain__when_of(store->bp, t, &w);
	if ((rc = brain__files_render(store, st->s, k, lv, &w, &text,
				      &tail_off)))
		goto out;
	brain__state_announce(st);
	if ((rc = make_parent(store, path)))
		goto out;
	/* a folder where the file belongs is set aside first */
	if (brain__is_dir(path) &&
	    (rc = brain__files_move_aside(store, path, "a file")))
		goto out;
	rc = brain__replace_file(path, text.data, text.len, 0);
	if (rc == BRAIN_EIO)
		rc = brain__errno(store->err, rc, "cannot write %s", path);
out:
	brain__buf_free(&text);
	return rc;
}

int brain__store_ensure_file(brain__store *store, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w)
{
	char *path = brain__level_path(store->base, s, pl, w, 1);
	int k = pl == store->bp->full[pl->level]    ? K_FULL
		: pl == store->bp->index[pl->level] ? K_INDEX
						: K_SOURCE;
	int rc;

	if (!path)
		return BRAIN_ENOMEM;
	rc = brain__exists(path)
		     ? 0
		     : brain__files_create(store, s, k, pl->level, w, path);
	free(path);
	return rc;
}
