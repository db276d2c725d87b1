/*
 * lib/templates.c - System_File_Examples: generated from the blueprint,
 * versioned by the blueprint's SHA-256, and the source of every new file.
 *
 * Layout: <root>/<templates.folder>/<stream folder>/<pattern level>/
 * <name>_example.json for every file a stream has, and .../entry/
 * <name>_example.json for the shape of one record.  Examples keep the
 * placeholders that differ per file ({file_type}, {scope}, {now},
 * {component}, {mode}); those fixed per stream ({name}, {level}) are filled.
 *
 * Invariants: the folder is replaced whole (built beside it, then renamed
 * in), so it is never half-written; a folder being replaced is moved to
 * <templates.previous_folder>/<its hash>/, never deleted.  Generation runs
 * under an flock so concurrent start-ups generate once.
 *
 * Cost: start-up reads one small version file; a new data file reads one
 * small example.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "brain_internal.h"
#include "fsutil.h"
#include "jsonfile.h"
#include "names.h"
#include "templates_internal.h"

#define EXAMPLE_SUFFIX "_example.json"
#define ENTRY_FOLDER "entry"

typedef struct var {
	const char *name, *value;
} var;

static const char *var_value(void *ctx, const char *name, size_t n)
{
	const var *v;

	for (v = ctx; v->name; v++)
		if (strlen(v->name) == n && !memcmp(v->name, name, n))
			return v->value;
	return NULL;
}

/* Replaces each "{name}" of vars in s; NULL on ENOMEM. */
static char *subst_str(const char *s, const var *vars)
{
	return brain__fill(s, var_value, (void *)vars);
}

/* Fills the placeholders of one string value in place. */
static int subst_item(json_t *str, const var *vars)
{
	char *s = subst_str(json_string_value(str), vars);
	int rc;

	if (!s)
		return BRAIN_ENOMEM;
	rc = json_string_set(str, s) ? BRAIN_ENOMEM : 0;
	free(s);
	return rc;
}

static int subst_json(json_t *j, const var *vars)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, key, item) {
			if (json_is_string(item)) {
				if (subst_item(item, vars))
					return BRAIN_ENOMEM;
			} else if (subst_json(item, vars)) {
				return BRAIN_ENOMEM;
			}
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, item) {
			if (json_is_string(item)) {
				if (subst_item(item, vars))
					return BRAIN_ENOMEM;
			} else if (subst_json(item, vars)) {
				return BRAIN_ENOMEM;
			}
		}
	}
	return 0;
}

typedef enum tpl_class { TPL_SOURCE, TPL_AGGREGATED, TPL_INDEX } tpl_class;

static tpl_class class_of(const brain__blueprint *bp, const brain__plevel *pl)
{
	if (pl == bp->full[pl->level])
		return TPL_AGGREGATED;
	if (pl == bp->index[pl->level])
		return TPL_INDEX;
	return TPL_SOURCE;
}

/* The blueprint's template for a file, with stream constants filled. */
static int blueprint_template(const brain__blueprint *bp,
			      const brain__stream *s, const brain__plevel *pl,
			      json_t **out)
{
	const var vars[] = {{"name", s->name},
			    {"level", brain__level_names[pl->level]},
			    {"category", s->kind},
			    {NULL, NULL}};
	tpl_class c = class_of(bp, pl);
	json_t *j = json_deep_copy(c == TPL_SOURCE	   ? bp->tpl_source
				   : c == TPL_AGGREGATED ? bp->tpl_aggregated
							 : bp->tpl_index);
	int rc;

	if (!j)
		return BRAIN_ENOMEM;
	rc = subst_json(j, vars);
	if (!rc && c != TPL_INDEX)
		rc = brain__jfile_prepare(j, c == TPL_SOURCE ? s->entries
						     : bp->agg_entries);
	if (rc) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return 0;
}

static char *example_path(const char *folder, const brain__stream *s,
			  const char *sub)
{
	return brain__strf("%s/%s/%s/%s" EXAMPLE_SUFFIX, folder, s->folder,
			   sub, s->name);
}

static int write_json(brain__err *e, const char *path, const json_t *j)
{
	size_t len;
	char *text = brain__dump(j, &len), *dir, *slash;
	int rc;

	if (!text)
		return BRAIN_ENOMEM;
	dir = strdup(path);
	if (!dir) {
		free(text);
		return BRAIN_ENOMEM;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	rc = brain__mkdir_p(dir);
	if (rc == 0)
		rc = brain__replace_file(path, text, len, 0);
	if (rc == BRAIN_EIO)
		rc = brain__errno(e, rc, "cannot write %s", path);
	free(dir);
	free(text);
	return rc;
}

static int write_stream_examples(brain_t *b, const char *folder,
				 const brain__stream *s)
{
	const brain__blueprint *bp = b->bp;
	const brain__plevel *all[3 * BRAIN__LV_COUNT];
	size_t n = 0, i;
	char *path;
	int lv, rc;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		if (s->source[lv])
			all[n++] = s->source[lv];
		all[n++] = bp->full[lv];
		all[n++] = bp->index[lv];
	}
	for (i = 0; i < n; i++) {
		json_t *j;
		if ((rc = blueprint_template(bp, s, all[i], &j)))
			return rc;
		path = example_path(folder, s, all[i]->key);
		rc = path ? write_json(&b->err, path, j) : BRAIN_ENOMEM;
		free(path);
		json_decref(j);
		if (rc)
			return rc;
	}
	path = example_path(folder, s, ENTRY_FOLDER);
	rc = path ? write_json(&b->err, path, s->entry) : BRAIN_ENOMEM;
	free(path);
	return rc;
}

/* Writes the whole example folder at `folder` (which must not exist). */
static int generate_into(brain_t *b, const char *folder)
{
	char *version;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < b->bp->nstreams; i++)
		rc = write_stream_examples(b, folder, &b->bp->streams[i]);
	if (rc)
		return rc;
	version = brain__path_join(folder, b->bp->tpl_version_file);
	if (!version)
		return BRAIN_ENOMEM;
	{
		char line[66];
		snprintf(line, sizeof(line), "%s\n", b->bp_hash);
		rc = brain__replace_file(version, line, 65, 1);
		if (rc)
			rc = brain__errno(&b->err, rc, "cannot write %s",
					  version);
	}
	free(version);
	return rc;
}

/* The hash recorded in the folder, or "" when there is none. */
static void recorded_hash(brain_t *b, const char *folder, char out[65])
{
	char *version = brain__path_join(folder, b->bp->tpl_version_file);
	unsigned char *buf = NULL;
	size_t len = 0, n = 0;

	out[0] = '\0';
	if (version && brain__read_file(version, 4096, &buf, &len) == 0) {
		while (n < len && n < 64 && buf[n] != '\n' && buf[n] != '\r')
			n++;
		memcpy(out, buf, n);
		out[n] = '\0';
	}
	free(buf);
	free(version);
}

/* Moves the current folder to <previous>/<hash>[-N]/; *where gets it. */
static int keep_aside(brain_t *b, const char *folder, const char *old_hash,
		      char **where)
{
	char *prev = brain__path_join(b->root, b->bp->tpl_previous), *dest;
	int n, rc;

	*where = NULL;
	if (!prev)
		return BRAIN_ENOMEM;
	if ((rc = brain__mkdir_p(prev))) {
		rc = brain__errno(&b->err, rc, "cannot create %s", prev);
		free(prev);
		return rc;
	}
	for (n = 0;; n++) {
		const char *h = *old_hash ? old_hash : "unversioned";
		dest = n ? brain__strf("%s/%s-%d", prev, h, n)
			 : brain__strf("%s/%s", prev, h);
		if (!dest || !brain__exists(dest))
			break;
		free(dest);
	}
	free(prev);
	if (!dest)
		return BRAIN_ENOMEM;
	if (rename(folder, dest) != 0) {
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot move %s to %s",
				  folder, dest);
		free(dest);
		return rc;
	}
	*where = dest;
	return 0;
}

static int regenerate(brain_t *b, const char *folder, const char *old_hash)
{
	char *tmp = brain__strf("%s.tmp.XXXXXX", folder), *aside = NULL;
	int had = brain__exists(folder), rc;

	if (!tmp)
		return BRAIN_ENOMEM;
	if (!mkdtemp(tmp)) {
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot create %s", tmp);
		free(tmp);
		return rc;
	}
	rc = generate_into(b, tmp);
	if (!rc && had)
		rc = keep_aside(b, folder, old_hash, &aside);
	if (!rc && rename(tmp, folder) != 0)
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot move %s to %s",
				  tmp, folder);
	if (rc)
		brain__remove_tree(tmp);
	else if (had)
		brain__notice(b, "%s changed - regenerated templates in %s "
			      "(previous ones kept in %s)",
			      b->bp_path, folder, aside);
	else
		brain__notice(b, "generated templates in %s", folder);
	free(aside);
	free(tmp);
	return rc;
}

static int sync_locked(brain_t *b, int force, int *regenerated)
{
	char *folder = brain__path_join(b->root, b->bp->tpl_folder);
	char *lockp = brain__strf("%s.lock", folder ? folder : "");
	char old[65];
	int fd, rc = 0;

	*regenerated = 0;
	if (!folder || !lockp) {
		rc = BRAIN_ENOMEM;
		goto out;
	}
	fd = brain__lock(lockp);
	if (fd < 0) {
		rc = brain__errno(&b->err, fd, "cannot lock %s", lockp);
		goto out;
	}
	recorded_hash(b, folder, old);
	if (force || strcmp(old, b->bp_hash) != 0 || !brain__is_dir(folder)) {
		rc = regenerate(b, folder, old);
		*regenerated = rc == 0;
	}
	brain__unlock(fd);
out:
	free(folder);
	free(lockp);
	return rc;
}

int brain__templates_sync(brain_t *b)
{
	int regenerated;

	return sync_locked(b, 0, &regenerated);
}

int brain_templates_generate(brain_t *b, int force, int *regenerated)
{
	int dummy, rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	if (regenerated)
		*regenerated = 0;
	if ((rc = brain__check_writable(b, "templates generate")))
		return rc;
	rc = sync_locked(b, force, regenerated ? regenerated : &dummy);
	if (rc == BRAIN_ENOMEM)
		brain__errf(&b->err, rc, "out of memory");
	return rc;
}

static int list_previous(brain_t *b, json_t *arr)
{
	char *prev = brain__path_join(b->root, b->bp->tpl_previous);
	DIR *d;
	struct dirent *ent;

	if (!prev)
		return BRAIN_ENOMEM;
	d = opendir(prev);
	while (d && (ent = readdir(d))) {
		char *path;
		if (ent->d_name[0] == '.')
			continue;
		path = brain__path_join(prev, ent->d_name);
		if (!path)
			break;
		json_array_append_new(arr, json_pack("{s:s, s:s}", "hash",
						     ent->d_name, "path",
						     path));
		free(path);
	}
	if (d)
		closedir(d);
	free(prev);
	return 0;
}

int brain_templates_status(brain_t *b, json_t **out)
{
	char *folder;
	json_t *st, *prev;
	char old[65];
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, out);
	*out = NULL;
	folder = brain__path_join(b->root, b->bp->tpl_folder);
	prev = json_array();
	if (!folder || !prev) {
		free(folder);
		json_decref(prev);
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	}
	recorded_hash(b, folder, old);
	rc = list_previous(b, prev);
	st = json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "blueprint",
		       b->bp_path, "blueprint_hash", b->bp_hash, "folder",
		       folder, "recorded_hash",
		       *old ? json_string(old) : json_null(), "current",
		       strcmp(old, b->bp_hash) == 0, "previous", prev);
	free(folder);
	if (rc || !st) {
		json_decref(st);
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	}
	*out = st;
	return 0;
}

/* Loads the example a new file starts from; the blueprint's own template
 * when the example was removed. */
static int load_example(brain_t *b, const brain__stream *s,
			const brain__plevel *pl, json_t **out)
{
	char *folder = brain__path_join(b->root, b->bp->tpl_folder);
	char *path = folder ? example_path(folder, s, pl->key) : NULL;
	json_error_t jerr;
	int rc = 0;

	free(folder);
	if (!path)
		return BRAIN_ENOMEM;
	if (!brain__exists(path)) {
		free(path);
		return blueprint_template(b->bp, s, pl, out);
	}
	*out = json_load_file(path, 0, &jerr);
	if (!*out || !json_is_object(*out))
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s:%d:%d: template is not a json object%s%s",
				 path, jerr.line, jerr.column,
				 *out ? "" : ": ", *out ? "" : jerr.text);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	free(path);
	return rc;
}

int brain__template_instance(brain_t *b, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w,
			     json_t **out)
{
	char scope[64], now[64], *file;
	brain__when nw;
	tpl_class c = class_of(b->bp, pl);
	json_t *j;
	int rc;

	if ((rc = load_example(b, s, pl, &j)))
		return rc;
	file = brain__level_file(s, pl, w);
	if (!file) {
		json_decref(j);
		return BRAIN_ENOMEM;
	}
	if (strlen(file) > 5 && !strcmp(file + strlen(file) - 5, ".json"))
		file[strlen(file) - 5] = '\0';
	brain__scope(pl->level, w, scope, sizeof(scope));
	brain__when_of(b->bp, brain_now(b), &nw);
	brain__iso8601(&nw, now, sizeof(now));
	{
		const var vars[] = {{"file_type", file}, {"scope", scope},
				    {"now", now},	 {"component", b->component},
				    {"mode", b->mode},	 {"name", s->name},
				    {"level", brain__level_names[pl->level]},
				    {"category", s->kind}, {NULL, NULL}};
		rc = subst_json(j, vars);
	}
	if (!rc && c != TPL_INDEX)
		rc = brain__jfile_prepare(j, c == TPL_SOURCE ? s->entries
						     : b->bp->agg_entries);
	free(file);
	if (rc) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return 0;
}

int brain__template_entry(brain_t *b, const brain__stream *s, json_t **out)
{
	char *folder = brain__path_join(b->root, b->bp->tpl_folder);
	char *path = folder ? example_path(folder, s, ENTRY_FOLDER) : NULL;
	json_error_t jerr;
	int rc = 0;

	free(folder);
	if (!path)
		return BRAIN_ENOMEM;
	if (!brain__exists(path)) {
		free(path);
		*out = json_deep_copy(s->entry);
		return *out ? 0 : BRAIN_ENOMEM;
	}
	*out = json_load_file(path, 0, &jerr);
	if (!json_is_object(*out)) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s:%d:%d: entry template is not a json "
				 "object", path, jerr.line, jerr.column);
		json_decref(*out);
		*out = NULL;
	}
	free(path);
	return rc;
}
