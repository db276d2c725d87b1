/*
 * lib/validate_unlisted.c - the files of a stream's folders that no
 * aggregate lists (see lib/validate_internal.h).
 *
 * After the walk, the stream's folders are listed: a file the walk did not
 * reach is either one the patterns make ahead of its records (the current
 * hour at start-up: it must be empty), or an orphan (it holds records), or
 * one no pattern of any stream makes (a stray, reported once).  Side files
 * of the store (dot files, .corrupt-*, .tmp.*) are not data files.
 *
 * Cost: one directory listing per folder; each unreached file is matched
 * against every pattern level of every stream and read like a walked one.
 * Memory: the paths the walk reached (in the context).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "names.h"
#include "summary.h"
#include "validate_internal.h"

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

	if (brain__val_open_checked(v, rel, &lay, &fd, &sum, &whole))
		return;
	brain__val_check_shape(v, rel, whole, pl, 0);
	if (lay.entries)
		brain__jfile_each_record(fd, 0, brain__val_on_line, &c);
	close(fd);
	empty = sum ? brain__summary_new(v->s) : NULL;
	if (c.fp.count)
		brain__val_problem(v, rel, -1, "orphan",
			"holds %llu records, but no aggregate lists this file",
			c.fp.count);
	else if (empty && !brain__summary_equal(sum, empty, &what)) {
		char *text = json_dumps(json_object_get(sum, what),
					JSON_COMPACT | JSON_ENCODE_ANY);
		brain__val_problem(v, rel, -1, "orphan",
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

int brain__val_scan_folder(vctx *v, const char *rel_dir)
{
	const brain__blueprint *bp = v->b->bp;
	char *dir = brain__val_abs_of(v, rel_dir);
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
		abs = rel ? brain__val_abs_of(v, rel) : NULL;
		if (!rel || !abs) {
			rc = BRAIN_ENOMEM;
		} else if (lstat(abs, &st) != 0) {
			/* gone meanwhile */
		} else if (S_ISDIR(st.st_mode)) {
			rc = brain__val_scan_folder(v, rel);
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
				brain__val_progress(v, 1, 1);
				check_unlisted(v, rel, pl);
			} else if (!other &&
				   !json_object_get(v->strays, rel)) {
				json_object_set_new(v->strays, rel,
						    json_true());
				brain__val_problem(v, rel, -1, "stray",
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
