/*
 * lib/blueprint.c - Brain.QTL: YAML in, a validated brain__blueprint out.
 *
 * Validation is strict and positional: every problem is reported as
 * "file:line:column: what was expected", unknown keys come with a "did you
 * mean" when one is close, and nothing is guessed.  The first problem stops
 * the load, so the user fixes one thing at a time with an exact pointer.
 *
 * This file loads the sections in order and frees what the load made; the
 * streams (record kinds and report trees) are loaded in
 * lib/blueprint_streams.c, and lookups are in lib/blueprint_find.c (see
 * lib/blueprint_internal.h).
 *
 * Cost: linear in the blueprint's size; it is read once per handle.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "blueprint.h"
#include "blueprint_internal.h"
#include "fsutil.h"
#include "names.h"
#include "schema.h"
#include "yamltree.h"

/* ---- patterns ---- */

static const char *const time_holders[] = {"YYYY", "MM", "WW", "DD", "HH",
					   NULL};

/* Checks the {placeholders} of s (a scalar node's value); sets bit i of
 * *time_used for time_holders[i]. */
static int check_holders(brain__vctx *v, const brain__ynode *n, const char *key,
			 const char *const *allowed, unsigned *time_used)
{
	const char *s = n->value, *p;
	int quote = n->plain ? 0 : 1;

	for (p = s; *p; p++) {
		const char *close;
		char name[32];
		size_t len;
		int i;

		if (*p == '}')
			return brain__errf(v->e, BRAIN_EBLUEPRINT,
					   "%s:%d:%d: '}' without '{' in '%s'",
					   v->file, n->line,
					   n->col + quote + (int)(p - s), key);
		if (*p != '{')
			continue;
		close = strchr(p, '}');
		len = close ? (size_t)(close - p - 1) : 0;
		if (!close || len == 0 || len >= sizeof(name))
			return brain__errf(v->e, BRAIN_EBLUEPRINT,
					   "%s:%d:%d: unterminated or empty "
					   "placeholder in '%s'",
					   v->file, n->line,
					   n->col + quote + (int)(p - s), key);
		memcpy(name, p + 1, len);
		name[len] = '\0';
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], name))
				break;
		if (!allowed[i]) {
			const char *hint = brain__suggest(name, allowed);
			return brain__errf(
				v->e, BRAIN_EBLUEPRINT,
				"%s:%d:%d: unknown placeholder '{%s}' in "
				"'%s'%s%s%s",
				v->file, n->line,
				n->col + quote + (int)(p - s), name, key,
				hint ? " (did you mean '{" : "",
				hint ? hint : "", hint ? "}'?)" : "");
		}
		for (i = 0; time_holders[i]; i++)
			if (!strcmp(time_holders[i], name))
				*time_used |= 1u << i;
		p = close;
	}
	return 0;
}

/* The time placeholders a level needs (bits of time_holders) and those it
 * may use. */
static void level_holders(brain__level lv, unsigned *need, unsigned *may)
{
	static const unsigned needs[BRAIN__LV_COUNT] = {
		0, 0, 0x1, 0x3, 0x7, 0xb, 0x1b};
	static const unsigned mays[BRAIN__LV_COUNT] = {
		0, 0, 0x1, 0x3, 0x7, 0xf, 0x1f};
	*need = needs[lv];
	*may = mays[lv];
}

static int parse_level_key(brain__vctx *v, const brain__ynode *k, char **layout,
			   brain__level *lv)
{
	const char *us = strrchr(k->value, '_');
	int i;

	for (i = 0; us && i < BRAIN__LV_COUNT; i++)
		if (!strcmp(us + 1, brain__level_names[i]))
			break;
	if (!us || i == BRAIN__LV_COUNT || us == k->value)
		return brain__verr(v, k, "pattern level '%s' must be named "
			    "<layout>_<level>, level one of global, root, "
			    "year, month, week, day, hour", k->value);
	*lv = (brain__level)i;
	*layout = strndup(k->value, (size_t)(us - k->value));
	return *layout ? 0 : BRAIN_ENOMEM;
}

static int load_plevel(brain__vctx *v, const brain__ynode *k, const brain__ynode *n,
		       brain__plevel *pl)
{
	static const char *const keys[] = {"pattern", "file", NULL};
	static const char *const holders[] = {"YYYY",   "MM",  "WW",  "DD",
					      "HH",     "folder", "name",
					      "tag",    NULL};
	unsigned used = 0, need, may;
	const brain__ynode *pat, *file;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, k->value)) ||
	    (rc = brain__check_keys(v, n, "a pattern level", keys, keys)) ||
	    (rc = parse_level_key(v, k, &pl->layout, &pl->level)))
		return rc;
	pat = brain__yaml_get(n, "pattern");
	file = brain__yaml_get(n, "file");
	if ((rc = brain__want(v, pat, BRAIN__Y_SCALAR, "pattern")) ||
	    (rc = brain__want(v, file, BRAIN__Y_SCALAR, "file")) ||
	    (rc = check_holders(v, pat, "pattern", holders, &used)) ||
	    (rc = check_holders(v, file, "file", holders, &used)))
		return rc;
	if (strchr(file->value, '/'))
		return brain__verr(v, file, "a file name may not contain '/'");
	if (strncmp(pat->value, "{folder}", 8) != 0)
		return brain__verr(v, pat, "a pattern starts with {folder}");
	level_holders(pl->level, &need, &may);
	if ((used & need) != need || (used & ~may)) {
		char list[64] = "";
		int i;
		for (i = 0; time_holders[i]; i++)
			if (need & (1u << i)) {
				strcat(list, list[0] ? " {" : "{");
				strcat(list, time_holders[i]);
				strcat(list, "}");
			}
		return brain__verr(v, pat, "a %s level uses exactly the time "
			    "placeholders %s%s", brain__level_names[pl->level],
			    list[0] ? list : "(none)",
			    pl->level >= BRAIN__LV_DAY ? " (and may add {WW})"
						       : "");
	}
	if ((rc = dup_str(k->value, &pl->key)) ||
	    (rc = dup_str(pat->value, &pl->pattern)) ||
	    (rc = dup_str(file->value, &pl->file)))
		return rc;
	return 0;
}

static int load_plevels(brain__vctx *v, const brain__ynode *root)
{
	const brain__ynode *n = brain__yaml_get(root, "pattern_levels");
	brain__blueprint *bp = BP(v);
	size_t i;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "pattern_levels")))
		return rc;
	bp->levels = calloc(n->count + 1, sizeof(*bp->levels));
	if (!bp->levels)
		return BRAIN_ENOMEM;
	for (i = 0; i < n->count; i++) {
		rc = load_plevel(v, n->keys[i], n->items[i], &bp->levels[i]);
		bp->nlevels = i + 1;
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- sections ---- */

static int load_time(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"zone", "weeks", NULL};
	static const char *const zones[] = {"utc", "local", NULL};
	static const char *const weeks[] = {"monday", "iso", NULL};
	const brain__ynode *n = brain__yaml_get(root, "time");
	int rc;

	if (!n)
		return 0;
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "time")) ||
	    (rc = brain__check_keys(v, n, "time", keys, NULL)) ||
	    (rc = brain__get_choice(v, n, "zone", zones, &BP(v)->zone_local)) ||
	    (rc = brain__get_choice(v, n, "weeks", weeks, &BP(v)->weeks_iso)))
		return rc;
	return 0;
}

static int load_paths(brain__vctx *v, const brain__ynode *root)
{
	const brain__ynode *n = brain__yaml_get(root, "paths");
	const char *why;
	size_t i;
	int rc;

	if (!n) {
		BP(v)->paths = json_object();
		return BP(v)->paths ? 0 : BRAIN_ENOMEM;
	}
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "paths")))
		return rc;
	for (i = 0; i < n->count; i++) {
		const brain__ynode *p = n->items[i];
		if ((rc = brain__want(v, p, BRAIN__Y_SCALAR,
				      n->keys[i]->value)))
			return rc;
		if ((why = brain__relpath_problem(p->value)))
			return brain__verr(v, p, "path '%s' %s", p->value,
					   why);
	}
	return brain__to_json(v, n, &BP(v)->paths);
}

static const char *path_value(void *ctx, const char *name, size_t n)
{
	char key[128];

	if (n >= sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	return json_string_value(json_object_get(ctx, key));
}

char *brain__mode_base(const brain__mode *m, const json_t *paths)
{
	return brain__fill(m->base, path_value, (void *)paths);
}

/* The base's placeholders are keys of `paths`, and the base it makes with
 * the default paths is a valid relative path. */
static int check_base(brain__vctx *v, const brain__ynode *n,
		      const brain__mode *m)
{
	const char *p, *why;
	char *base;
	int rc = 0;

	for (p = n->value; (p = strchr(p, '{')); p++) {
		const char *close = strchr(p, '}');
		char key[128];
		size_t kl = close ? (size_t)(close - p - 1) : 0;
		if (!close || kl == 0 || kl >= sizeof(key))
			return brain__verr(v, n, "unterminated placeholder "
					   "in base '%s'", n->value);
		memcpy(key, p + 1, kl);
		key[kl] = '\0';
		if (!json_object_get(BP(v)->paths, key))
			return brain__verr(v, n, "base '%s' uses '{%s}', "
					   "which 'paths' does not define",
					   n->value, key);
	}
	if (!(base = brain__mode_base(m, BP(v)->paths)))
		return BRAIN_ENOMEM;
	if ((why = brain__relpath_problem(base)))
		rc = brain__verr(v, n, "base folder '%s' %s", base, why);
	free(base);
	return rc;
}

static int load_modes(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"base", "flag", NULL};
	const brain__ynode *n = brain__yaml_get(root, "modes");
	brain__blueprint *bp = BP(v);
	const char *why;
	size_t i;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "modes")))
		return rc;
	if (n->count == 0)
		return brain__verr(v, n, "'modes' names no mode");
	bp->modes = calloc(n->count, sizeof(*bp->modes));
	if (!bp->modes)
		return BRAIN_ENOMEM;
	for (i = 0; i < n->count; i++) {
		const brain__ynode *m = n->items[i];
		brain__mode *mode = &bp->modes[i];

		bp->nmodes = i + 1;
		if ((why = brain__name_problem(n->keys[i]->value)))
			return brain__verr(v, n->keys[i], "mode name %s", why);
		if ((rc = brain__want(v, m, BRAIN__Y_MAP, n->keys[i]->value)) ||
		    (rc = brain__check_keys(v, m, "a mode", keys, keys)) ||
		    (rc = dup_str(n->keys[i]->value, &mode->name)) ||
		    (rc = brain__get_str(v, m, "base", 1, &mode->base)) ||
		    (rc = brain__get_str(v, m, "flag", 1, &mode->flag)))
			return rc;
		if ((rc = check_base(v, brain__yaml_get(m, "base"), mode)))
			return rc;
	}
	return 0;
}

static int load_flags(brain__vctx *v, const brain__ynode *root)
{
	const brain__ynode *n = brain__yaml_get(root, "flags");
	size_t i;
	int rc;

	if (!n) {
		BP(v)->flags = json_object();
		return BP(v)->flags ? 0 : BRAIN_ENOMEM;
	}
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "flags")))
		return rc;
	for (i = 0; i < n->count; i++)
		if (n->items[i]->kind != BRAIN__Y_SCALAR)
			return brain__verr(v, n->items[i], "flag '%s' must be a "
				    "scalar", n->keys[i]->value);
	return brain__to_json(v, n, &BP(v)->flags);
}

static int load_store(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"durability", "batch_ms",
					   "max_record_bytes",
					   "checkpoint_records", "lock_file",
					   "state_file", "own_category",
					   "aggregate_lag_ms",
					   "aggregate_lag_records", NULL};
	static const char *const dur[] = {"none", "batch", "always", NULL};
	const brain__ynode *n = brain__yaml_get(root, "store");
	int d = 2, rc;

	BP(v)->batch_ms = 200;
	BP(v)->max_record_bytes = 65536;
	BP(v)->checkpoint_records = 1000;
	BP(v)->aggregate_lag_ms = 0;
	BP(v)->aggregate_lag_records = 256;
	if (n && ((rc = brain__want(v, n, BRAIN__Y_MAP, "store")) ||
		  (rc = brain__check_keys(v, n, "store", keys, NULL)) ||
		  (rc = brain__get_choice(v, n, "durability", dur, &d)) ||
		  (rc = brain__get_long(v, n, "batch_ms", 1, 60000,
				 &BP(v)->batch_ms)) ||
		  (rc = brain__get_long(v, n, "max_record_bytes", 256, 16 << 20,
				 &BP(v)->max_record_bytes)) ||
		  (rc = brain__get_long(v, n, "checkpoint_records", 1,
					1000000000L,
					&BP(v)->checkpoint_records)) ||
		  (rc = brain__get_long(v, n, "aggregate_lag_ms", 0, 60000,
					&BP(v)->aggregate_lag_ms)) ||
		  (rc = brain__get_long(v, n, "aggregate_lag_records", 1,
					100000,
					&BP(v)->aggregate_lag_records)) ||
		  (rc = brain__get_str(v, n, "lock_file", 0,
				       &BP(v)->lock_file)) ||
		  (rc = brain__get_str(v, n, "state_file", 0,
				       &BP(v)->state_file)) ||
		  (rc = brain__get_str(v, n, "own_category", 0,
				       &BP(v)->own_category))))
		return rc;
	BP(v)->durability = d + BRAIN_DURABILITY_NONE;
	if ((!BP(v)->lock_file &&
	     !(BP(v)->lock_file = strdup(".{name}.lock"))) ||
	    (!BP(v)->state_file &&
	     !(BP(v)->state_file = strdup(".{name}.state"))) ||
	    (!BP(v)->own_category &&
	     !(BP(v)->own_category = strdup("brainstem"))))
		return BRAIN_ENOMEM;
	if (strchr(BP(v)->lock_file, '/') || strchr(BP(v)->state_file, '/') ||
	    !strcmp(BP(v)->lock_file, BP(v)->state_file))
		return brain__verr(v, n, "lock_file and state_file are two "
				   "different file names");
	return 0;
}

static int load_templates_section(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"folder", "version_file",
					   "previous_folder", NULL};
	const brain__ynode *n = brain__yaml_get(root, "templates");
	brain__blueprint *bp = BP(v);
	const char *why;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "templates")) ||
	    (rc = brain__check_keys(v, n, "templates", keys, keys)) ||
	    (rc = brain__get_str(v, n, "folder", 1, &bp->tpl_folder)) ||
	    (rc = brain__get_str(v, n, "version_file", 1, &bp->tpl_version_file)) ||
	    (rc = brain__get_str(v, n, "previous_folder", 1, &bp->tpl_previous)))
		return rc;
	if ((why = brain__relpath_problem(bp->tpl_folder)))
		return brain__verr(v, brain__yaml_get(n, "folder"), "folder %s", why);
	if ((why = brain__name_problem(bp->tpl_version_file)))
		return brain__verr(v, brain__yaml_get(n, "version_file"),
			    "version_file %s", why);
	if ((why = brain__relpath_problem(bp->tpl_previous)))
		return brain__verr(v, brain__yaml_get(n, "previous_folder"),
			    "previous_folder %s", why);
	if (!strcmp(bp->tpl_folder, bp->tpl_previous))
		return brain__verr(v, brain__yaml_get(n, "previous_folder"),
			    "previous_folder must differ from folder");
	return 0;
}

static int load_structure(brain__vctx *v, const brain__ynode *root)
{
	const brain__ynode *n = brain__yaml_get(root, "auto_create_structure");
	brain__blueprint *bp = BP(v);
	const char *why;
	size_t i;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_SEQ, "auto_create_structure")))
		return rc;
	bp->structure = calloc(n->count + 1, sizeof(char *));
	if (!bp->structure)
		return BRAIN_ENOMEM;
	for (i = 0; i < n->count; i++) {
		const brain__ynode *f = n->items[i];
		if ((rc = brain__want(v, f, BRAIN__Y_SCALAR, "auto_create_structure")))
			return rc;
		if ((why = brain__relpath_problem(f->value)))
			return brain__verr(v, f, "folder %s", why);
		if ((rc = dup_str(f->value, &bp->structure[i])))
			return rc;
		bp->nstructure = i + 1;
	}
	return 0;
}

static int load_aggregation(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"full", "index", "entries", NULL};
	const brain__ynode *n = brain__yaml_get(root, "aggregation");
	brain__blueprint *bp = BP(v);
	char *full = NULL, *index = NULL;
	int lv, rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "aggregation")) ||
	    (rc = brain__check_keys(v, n, "aggregation", keys, keys)) ||
	    (rc = brain__get_str(v, n, "full", 1, &full)) ||
	    (rc = brain__get_str(v, n, "index", 1, &index)) ||
	    (rc = brain__get_str(v, n, "entries", 1, &bp->agg_entries)))
		goto out;
	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		bp->full[lv] = brain__bp_find_plevel(bp, full,
						      (brain__level)lv);
		bp->index[lv] = brain__bp_find_plevel(bp, index,
						       (brain__level)lv);
		if (!bp->full[lv] || !bp->index[lv]) {
			rc = brain__verr(v, n, "aggregation layout '%s' has no "
				  "pattern level '%s_%s'",
				  bp->full[lv] ? index : full,
				  bp->full[lv] ? index : full,
				  brain__level_names[lv]);
			goto out;
		}
	}
	if (!*bp->agg_entries || strchr(bp->agg_entries, '/'))
		rc = brain__verr(v, brain__yaml_get(n, "entries"),
			  "'entries' is a member name or a dotted path");
out:
	free(full);
	free(index);
	return rc;
}

static int load_file_templates(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"source", "aggregated", "index",
					   NULL};
	const brain__ynode *n = brain__yaml_get(root, "file_templates");
	brain__blueprint *bp = BP(v);
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "file_templates")) ||
	    (rc = brain__check_keys(v, n, "file_templates", keys, keys)) ||
	    (rc = brain__get_object(v, n, "source", 1, &bp->tpl_source)) ||
	    (rc = brain__get_object(v, n, "aggregated", 1, &bp->tpl_aggregated)) ||
	    (rc = brain__get_object(v, n, "index", 1, &bp->tpl_index)))
		return rc;
	return 0;
}

static int load_root(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {
		"version",	  "time",	    "paths", "modes",
		"flags",	  "store",	    "templates",
		"auto_create_structure", "pattern_levels", "aggregation",
		"file_templates", "record_kinds",	    "report_trees",
		"categories",	  NULL};
	static const char *const required[] = {
		"version",	  "modes",	    "templates",
		"auto_create_structure", "pattern_levels", "aggregation",
		"file_templates", "record_kinds",	    "report_trees",
		"categories",	  NULL};
	long version = 0;
	int rc;

	if ((rc = brain__want(v, root, BRAIN__Y_MAP, "the blueprint")) ||
	    (rc = brain__check_keys(v, root, "the blueprint", keys, required)) ||
	    (rc = brain__get_long(v, root, "version", 1, 1, &version)) ||
	    (rc = load_time(v, root)) || (rc = load_paths(v, root)) ||
	    (rc = load_modes(v, root)) ||
	    (rc = load_flags(v, root)) || (rc = load_store(v, root)) ||
	    (rc = load_templates_section(v, root)) ||
	    (rc = load_structure(v, root)) || (rc = load_plevels(v, root)) ||
	    (rc = load_aggregation(v, root)) ||
	    (rc = load_file_templates(v, root)) ||
	    (rc = brain__bp_load_record_kinds(v, root)) ||
	    (rc = brain__bp_load_reports(v, root)) ||
	    (rc = brain__bp_check_collisions(v, root)))
		return rc;
	return 0;
}

int brain__blueprint_parse(const char *name, const unsigned char *buf,
			   size_t len, brain__blueprint **out, brain__err *e)
{
	brain__blueprint *bp = calloc(1, sizeof(*bp));
	brain__ynode *root = NULL;
	brain__vctx v = {.code = BRAIN_EBLUEPRINT, .file = name, .e = e, .user = bp};
	int rc;

	*out = NULL;
	if (!bp || !(bp->path = strdup(name))) {
		free(bp);
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	}
	rc = brain__yaml_parse(name, buf, len, &root, e);
	if (!rc)
		rc = load_root(&v, root);
	if (rc == BRAIN_ENOMEM)
		brain__errf(e, rc, "%s: out of memory", name);
	brain__yaml_free(root);
	if (rc) {
		brain__blueprint_free(bp);
		return rc;
	}
	*out = bp;
	return 0;
}

int brain__blueprint_load(const char *path, brain__blueprint **out,
			  brain__err *e)
{
	unsigned char *buf;
	size_t len;
	int rc;

	*out = NULL;
	rc = brain__read_file(path, 16 << 20, &buf, &len);
	if (rc == BRAIN_ENOMEM)
		return brain__errf(e, rc, "%s: out of memory", path);
	if (rc == BRAIN_ETOOBIG)
		return brain__errf(e, BRAIN_EBLUEPRINT,
				   "%s: larger than 16 MiB", path);
	if (rc)
		return brain__errno(e, BRAIN_EBLUEPRINT,
				    "cannot read blueprint %s", path);
	rc = brain__blueprint_parse(path, buf, len, out, e);
	free(buf);
	return rc;
}

static void free_stream(brain__stream *s)
{
	size_t i;

	free(s->id);
	free(s->kind);
	free(s->tree);
	free(s->folder);
	free(s->name);
	free(s->tag);
	free(s->entries);
	json_decref(s->entry);
	for (i = 0; i < s->nmetrics; i++) {
		free(s->metrics[i].field);
		free(s->metrics[i].as);
		free(s->metrics[i].other_as);
		json_decref(s->metrics[i].where);
	}
	free(s->metrics);
}

void brain__blueprint_free(brain__blueprint *bp)
{
	size_t i;

	if (!bp)
		return;
	free(bp->path);
	for (i = 0; i < bp->nmodes; i++) {
		free(bp->modes[i].name);
		free(bp->modes[i].base);
		free(bp->modes[i].flag);
	}
	free(bp->modes);
	json_decref(bp->paths);
	json_decref(bp->flags);
	free(bp->own_category);
	free(bp->lock_file);
	free(bp->state_file);
	free(bp->tpl_folder);
	free(bp->tpl_version_file);
	free(bp->tpl_previous);
	for (i = 0; i < bp->nstructure; i++)
		free(bp->structure[i]);
	free(bp->structure);
	for (i = 0; i < bp->nlevels; i++) {
		free(bp->levels[i].key);
		free(bp->levels[i].layout);
		free(bp->levels[i].pattern);
		free(bp->levels[i].file);
	}
	free(bp->levels);
	free(bp->agg_entries);
	json_decref(bp->tpl_source);
	json_decref(bp->tpl_aggregated);
	json_decref(bp->tpl_index);
	for (i = 0; i < bp->nstreams; i++)
		free_stream(&bp->streams[i]);
	free(bp->streams);
	free(bp);
}
