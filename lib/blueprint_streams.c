/*
 * lib/blueprint_streams.c - the blueprint's streams: one per record kind,
 * and one per category in each report tree, each with its folder, names,
 * entry fields, metrics and the layout it is bound to.
 *
 * A category's metrics and entry fields go to the first report tree's
 * stream only; no two streams may write the same file.  Validation is as
 * in lib/blueprint.c: the first problem stops the load, with its position.
 *
 * Cost: linear in the number of streams times their metrics, and
 * quadratic in the number of streams for the collision check (a few
 * dozen).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "blueprint.h"
#include "blueprint_internal.h"
#include "names.h"
#include "schema.h"
#include "yamltree.h"

/* A metric's `where`: a mapping of field names to the scalar each must
 * equal (as JSON values: 1 is not "1"). */
static int load_where(brain__vctx *v, const brain__ynode *n, brain__metric *mt)
{
	size_t i;
	int rc;

	if (!n)
		return 0;
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "where")))
		return rc;
	if (!n->count)
		return brain__verr(v, n, "'where' needs at least one field");
	if (!(mt->where = json_object()))
		return BRAIN_ENOMEM;
	for (i = 0; i < n->count; i++) {
		const brain__ynode *k = n->keys[i], *val = n->items[i];
		json_t *j;
		if (strlen(k->value) != k->len || !*k->value)
			return brain__verr(v, k, "a field name in 'where' is "
					   "empty or contains a NUL byte");
		if (val->kind != BRAIN__Y_SCALAR)
			return brain__verr(v, val, "expected a scalar for "
					   "'%s' in 'where', found %s",
					   k->value,
					   val->kind == BRAIN__Y_MAP
						   ? "a mapping"
						   : "a list");
		if ((rc = brain__to_json(v, val, &j)))
			return rc;
		if (json_object_set_new(mt->where, k->value, j))
			return BRAIN_ENOMEM;
	}
	return 0;
}

/* The summary keys fixed by the library, which no metric may take. */
static const char *const summary_keys[] = {
	"total_entries", "first_timestamp", "last_timestamp", "last_seq",
	"data_sources", NULL};

/* Is `key` already a summary key of the stream (its first `n` metrics)? */
static int key_taken(const brain__stream *s, size_t n, const char *key)
{
	size_t i;

	for (i = 0; summary_keys[i]; i++)
		if (!strcmp(summary_keys[i], key))
			return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(s->metrics[i].as, key) ||
		    (s->metrics[i].other_as &&
		     !strcmp(s->metrics[i].other_as, key)))
			return 1;
	return 0;
}

static int load_metrics(brain__vctx *v, const brain__ynode *list, brain__stream *s)
{
	static const char *const keys[] = {"field", "op", "as", "where",
					   "max_keys", NULL};
	static const char *const required[] = {"field", "op", NULL};
	size_t i, base = s->nmetrics;
	brain__metric *m;
	int rc;

	if (!list)
		return 0;
	if ((rc = brain__want(v, list, BRAIN__Y_SEQ, "metrics")))
		return rc;
	if (base + list->count > BRAIN__MAX_METRICS)
		return brain__verr(v, list->items[BRAIN__MAX_METRICS - base],
				   "too many metrics for '%s': at most %d per "
				   "stream", s->id, BRAIN__MAX_METRICS);
	m = realloc(s->metrics, (base + list->count) * sizeof(*m));
	if (!m && base + list->count)
		return BRAIN_ENOMEM;
	s->metrics = m;
	for (i = 0; i < list->count; i++) {
		const brain__ynode *n = list->items[i], *mk;
		brain__metric *mt = &s->metrics[base + i];
		int op = 0;

		memset(mt, 0, sizeof(*mt));
		mt->max_keys = BRAIN__DEFAULT_MAX_KEYS;
		s->nmetrics = base + i + 1;
		if ((rc = brain__want(v, n, BRAIN__Y_MAP, "metrics")) ||
		    (rc = brain__check_keys(v, n, "a metric", keys, required)) ||
		    (rc = brain__get_str(v, n, "field", 1, &mt->field)) ||
		    (rc = brain__get_choice(v, n, "op", brain__metric_op_names,
				     &op)) ||
		    (rc = brain__get_str(v, n, "as", 0, &mt->as)) ||
		    (rc = load_where(v, brain__yaml_get(n, "where"), mt)) ||
		    (rc = brain__get_long(v, n, "max_keys", 1, 100000,
					  &mt->max_keys)))
			return rc;
		mt->op = (brain__metric_op)op;
		mk = brain__yaml_get(n, "max_keys");
		if (mk && mt->op != BRAIN__M_COUNT_BY_VALUE)
			return brain__verr(v, mk, "'max_keys' is for "
					   "count_by_value metrics only");
		if (!mt->as) {
			size_t len = strlen(mt->field) + 20;
			mt->as = malloc(len);
			if (!mt->as)
				return BRAIN_ENOMEM;
			snprintf(mt->as, len, "%s_%s",
				 brain__metric_op_names[op], mt->field);
		}
		if (mt->op == BRAIN__M_COUNT_BY_VALUE) {
			size_t len = strlen(mt->as) + 7;
			if (!(mt->other_as = malloc(len)))
				return BRAIN_ENOMEM;
			snprintf(mt->other_as, len, "%s_other", mt->as);
		}
		if (key_taken(s, base + i, mt->as) ||
		    (mt->other_as && key_taken(s, base + i, mt->other_as)))
			return brain__verr(v, n, "summary key '%s' of '%s' is "
					   "taken by the summary or another "
					   "metric (set 'as')",
					   key_taken(s, base + i, mt->as)
						   ? mt->as
						   : mt->other_as,
					   s->id);
	}
	return 0;
}

/* Binds the stream to its layout's source levels. */
static int bind_layout(brain__vctx *v, const brain__ynode *at, brain__stream *s,
		       const char *layout)
{
	int lv, any = 0;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		if (lv == BRAIN__LV_ROOT)
			continue;
		s->source[lv] = brain__bp_find_plevel(BP(v), layout,
						       (brain__level)lv);
		any |= s->source[lv] != NULL;
	}
	if (!s->source[BRAIN__LV_HOUR] || !s->source[BRAIN__LV_GLOBAL])
		return brain__verr(v, at, "layout '%s' needs pattern levels "
			    "'%s_global' (the journal) and '%s_hour'%s",
			    layout, layout, layout,
			    any ? "" : " (it has none)");
	return 0;
}

static brain__stream *new_stream(brain__blueprint *bp)
{
	brain__stream *s = realloc(bp->streams,
				   (bp->nstreams + 1) * sizeof(*s));
	if (!s)
		return NULL;
	bp->streams = s;
	s = &bp->streams[bp->nstreams++];
	memset(s, 0, sizeof(*s));
	return s;
}

static int check_stream_names(brain__vctx *v, const brain__ynode *at, brain__stream *s)
{
	const char *why;

	if ((why = brain__relpath_problem(s->folder)))
		return brain__verr(v, at, "folder '%s' %s", s->folder, why);
	if ((why = brain__name_problem(s->name)))
		return brain__verr(v, at, "name '%s' %s", s->name, why);
	if (*s->tag && (why = brain__name_problem(s->tag)))
		return brain__verr(v, at, "tag '%s' %s", s->tag, why);
	if (!*s->entries || strchr(s->entries, '.'))
		return brain__verr(v, at, "'entries' must be a plain member name");
	return 0;
}

int brain__bp_load_record_kinds(brain__vctx *v, const brain__ynode *root)
{
	static const char *const keys[] = {"folder", "layout", "name", "tag",
					   "entries", "entry", "metrics", NULL};
	static const char *const required[] = {"folder", "layout", "name",
					       "entries", NULL};
	const brain__ynode *n = brain__yaml_get(root, "record_kinds");
	size_t i;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "record_kinds")))
		return rc;
	for (i = 0; i < n->count; i++) {
		const brain__ynode *k = n->keys[i], *m = n->items[i];
		brain__stream *s = new_stream(BP(v));
		char *layout = NULL;
		const char *why;

		if (!s)
			return BRAIN_ENOMEM;
		if ((why = brain__name_problem(k->value)) ||
		    strchr(k->value, ':'))
			return brain__verr(v, k, "record kind name %s",
				    why ? why : "contains ':'");
		if ((rc = brain__want(v, m, BRAIN__Y_MAP, k->value)) ||
		    (rc = brain__check_keys(v, m, "a record kind", keys, required)) ||
		    (rc = dup_str(k->value, &s->id)) ||
		    (rc = dup_str(k->value, &s->kind)) ||
		    (rc = brain__get_str(v, m, "folder", 1, &s->folder)) ||
		    (rc = brain__get_str(v, m, "name", 1, &s->name)) ||
		    (rc = brain__get_str(v, m, "tag", 0, &s->tag)) ||
		    (!s->tag && (rc = dup_str("", &s->tag))) ||
		    (rc = brain__get_str(v, m, "entries", 1, &s->entries)) ||
		    (rc = brain__get_object(v, m, "entry", 0, &s->entry)) ||
		    (rc = load_metrics(v, brain__yaml_get(m, "metrics"), s)) ||
		    (rc = check_stream_names(v, m, s)) ||
		    (rc = brain__get_str(v, m, "layout", 1, &layout)))
			return rc;
		rc = bind_layout(v, brain__yaml_get(m, "layout"), s, layout);
		free(layout);
		if (rc)
			return rc;
		if (!s->entry && !(s->entry = json_object()))
			return BRAIN_ENOMEM;
	}
	return 0;
}

/* Replaces every "{category}" in pattern by cat. */
static char *subst_category(const char *pattern, const char *cat)
{
	size_t len = strlen(pattern) + 1, cl = strlen(cat);
	const char *p;
	char *out, *o;

	for (p = pattern; (p = strstr(p, "{category}")); p += 10)
		len += cl;
	out = o = malloc(len);
	if (!out)
		return NULL;
	for (p = pattern; *p;) {
		if (!strncmp(p, "{category}", 10)) {
			memcpy(o, cat, cl);
			o += cl;
			p += 10;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int add_report_stream(brain__vctx *v, const brain__ynode *tk, const brain__ynode *tree,
			     const brain__ynode *ck, const brain__ynode *cat)
{
	brain__stream *s = new_stream(BP(v));
	char *folder = NULL, *name = NULL, *layout = NULL, *cfolder = NULL;
	json_t *extra = NULL;
	size_t len;
	int rc;

	if (!s)
		return BRAIN_ENOMEM;
	len = strlen(tk->value) + strlen(ck->value) + 2;
	if (!(s->id = malloc(len)))
		return BRAIN_ENOMEM;
	snprintf(s->id, len, "%s:%s", tk->value, ck->value);
	if ((rc = dup_str(ck->value, &s->kind)) ||
	    (rc = dup_str(tk->value, &s->tree)) ||
	    (rc = dup_str("", &s->tag)) ||
	    (rc = brain__get_str(v, tree, "folder", 1, &folder)) ||
	    (rc = brain__get_str(v, tree, "name", 1, &name)) ||
	    (rc = brain__get_str(v, tree, "entries", 1, &s->entries)) ||
	    (rc = brain__get_str(v, cat, "folder", 1, &cfolder)) ||
	    (rc = brain__get_object(v, tree, "entry", 0, &s->entry)) ||
	    (rc = brain__get_object(v, cat, "entry", 0, &extra)) ||
	    (rc = load_metrics(v, brain__yaml_get(tree, "metrics"), s)))
		goto out;
	/* A category's own metrics and entry fields belong to the tree its
	 * reports go to (the first tree listed). */
	if (!strcmp(tk->value, "report")) {
		if ((rc = load_metrics(v, brain__yaml_get(cat, "metrics"), s)))
			goto out;
		if (extra && s->entry)
			json_object_update(s->entry, extra);
		else if (extra)
			s->entry = json_incref(extra);
	}
	if (!s->entry && !(s->entry = json_object())) {
		rc = BRAIN_ENOMEM;
		goto out;
	}
	len = strlen(folder) + strlen(cfolder) + 2;
	rc = BRAIN_ENOMEM;
	if (!(s->folder = malloc(len)) ||
	    !(s->name = subst_category(name, ck->value)))
		goto out;
	snprintf(s->folder, len, "%s/%s", folder, cfolder);
	if ((rc = check_stream_names(v, cat, s)) ||
	    (rc = brain__get_str(v, tree, "layout", 1, &layout)))
		goto out;
	rc = bind_layout(v, brain__yaml_get(tree, "layout"), s, layout);
out:
	json_decref(extra);
	free(folder);
	free(name);
	free(layout);
	free(cfolder);
	return rc;
}

int brain__bp_load_reports(brain__vctx *v, const brain__ynode *root)
{
	static const char *const tkeys[] = {"folder", "layout", "name",
					    "entries", "entry", "metrics",
					    NULL};
	static const char *const treq[] = {"folder", "layout", "name",
					   "entries", NULL};
	static const char *const trees_req[] = {"report", "error", NULL};
	static const char *const ckeys[] = {"folder", "entry", "metrics",
					    NULL};
	static const char *const creq[] = {"folder", NULL};
	const brain__ynode *trees = brain__yaml_get(root, "report_trees");
	const brain__ynode *cats = brain__yaml_get(root, "categories");
	size_t t, c;
	int rc;

	if ((rc = brain__want(v, trees, BRAIN__Y_MAP, "report_trees")) ||
	    (rc = brain__check_keys(v, trees, "report_trees", trees_req,
			     trees_req)) ||
	    (rc = brain__want(v, cats, BRAIN__Y_MAP, "categories")))
		return rc;
	for (t = 0; t < trees->count; t++)
		if ((rc = brain__want(v, trees->items[t], BRAIN__Y_MAP,
			       trees->keys[t]->value)) ||
		    (rc = brain__check_keys(v, trees->items[t], "a report tree",
				     tkeys, treq)))
			return rc;
	for (c = 0; c < cats->count; c++) {
		const brain__ynode *ck = cats->keys[c], *cat = cats->items[c];
		const char *why = brain__name_problem(ck->value);

		if (why || strchr(ck->value, ':'))
			return brain__verr(v, ck, "category name %s",
				    why ? why : "contains ':'");
		if ((rc = brain__want(v, cat, BRAIN__Y_MAP, ck->value)) ||
		    (rc = brain__check_keys(v, cat, "a category", ckeys, creq)))
			return rc;
		if (brain__blueprint_stream(BP(v), ck->value))
			return brain__verr(v, ck, "category '%s' has the name of a "
				    "record kind", ck->value);
		for (t = 0; t < trees->count; t++)
			if ((rc = add_report_stream(v, trees->keys[t],
						    trees->items[t], ck, cat)))
				return rc;
	}
	return 0;
}

/* Two streams must not write the same file. */
int brain__bp_check_collisions(brain__vctx *v, const brain__ynode *root)
{
	const brain__blueprint *bp = BP(v);
	size_t i, j;

	for (i = 0; i < bp->nstreams; i++)
		for (j = i + 1; j < bp->nstreams; j++) {
			const brain__stream *a = &bp->streams[i];
			const brain__stream *b = &bp->streams[j];
			if (!strcmp(a->folder, b->folder) &&
			    (!strcmp(a->name, b->name) ||
			     !strcmp(a->tag, b->tag)))
				return brain__verr(v, root, "'%s' and '%s' share "
					    "folder '%s' and need different "
					    "names and tags", a->id, b->id,
					    a->folder);
		}
	return 0;
}
