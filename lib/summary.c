/*
 * lib/summary.c - incremental roll-ups (see summary.h).
 *
 * Numbers keep their JSON type where they can: a sum of integers stays an
 * integer, so a rebuild reproduces the same text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>

#include "summary.h"

/* a + b, an integer when both are. */
static json_t *add_numbers(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer(json_integer_value(a) +
				    json_integer_value(b));
	return json_real(json_number_value(a) + json_number_value(b));
}

static int set(json_t *obj, const char *key, json_t *v)
{
	return !v || json_object_set_new(obj, key, v) ? BRAIN_ENOMEM : 0;
}

static int add_source(json_t *summary, const char *source)
{
	json_t *list = json_object_get(summary, "data_sources"), *item;
	size_t i;

	json_array_foreach(list, i, item) if (!strcmp(json_string_value(item),
						       source)) return 0;
	/* keep data_sources last, so the summary reads count-first */
	json_incref(list);
	json_object_del(summary, "data_sources");
	if (json_array_append_new(list, json_string(source)) ||
	    json_object_set_new(summary, "data_sources", list))
		return BRAIN_ENOMEM;
	return 0;
}

/* ---- the writer's summary ---- */

#define MAX_METRICS BRAIN__MAX_METRICS

typedef struct mval {
	int has;         /* a value was seen */
	int real;        /* the number is a double */
	long long i;     /* sum, min, max as integer; avg's integer sum */
	double d;        /* the same as double */
	long long n;     /* avg: values averaged */
	json_t *json;    /* last: the value; count_by_value: the counts */
	long long other; /* count_by_value: values past max_keys */
	/* its part of the summary's text (key, value, other), kept while
	 * fresh: most records change only some of a stream's metrics */
	int fresh;
	brain__buf text;
	/* count_by_value: the count of the value counted last (borrowed
	 * from json), as a stream's values mostly repeat */
	char last_key[64];
	json_t *last_count;
} mval;

struct brain__msum {
	const brain__stream *s;
	long long total, last_seq;
	char first[40], last[40];
	mval m[MAX_METRICS];
	json_t *sources;
	char last_source[512]; /* the source last added (a fast check) */
	brain__buf sources_text; /* data_sources as JSON text, */
	int sources_stale;       /* unless sources changed since */
	char *key_text[MAX_METRICS]; /* ,"<metric's key>": */
	char *other_text[MAX_METRICS]; /* ,"<its other key>": or NULL */
};

/* The blueprint refuses a stream with more metrics than MAX_METRICS. */
static size_t nmetrics(const brain__stream *s)
{
	return s->nmetrics;
}

static int put_key(brain__buf *out, const char *key);

brain__msum *brain__msum_new(const brain__stream *s)
{
	brain__msum *m = calloc(1, sizeof(*m));
	size_t i;

	if (!m || !(m->sources = json_array())) {
		free(m);
		return NULL;
	}
	m->s = s;
	m->sources_stale = 1;
	for (i = 0; i < nmetrics(s); i++) {
		brain__buf key = {0}, other = {0};
		if ((s->metrics[i].op == BRAIN__M_COUNT_BY_VALUE &&
		     !(m->m[i].json = json_object())) ||
		    brain__buf_put(&key, ",", 1) ||
		    brain__json_put_string(&key, s->metrics[i].as) ||
		    brain__buf_put(&key, ":", 1) ||
		    (s->metrics[i].other_as &&
		     put_key(&other, s->metrics[i].other_as))) {
			brain__buf_free(&key);
			brain__buf_free(&other);
			brain__msum_free(m);
			return NULL;
		}
		m->key_text[i] = key.data;
		m->other_text[i] = other.data;
	}
	return m;
}

void brain__msum_free(brain__msum *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < MAX_METRICS; i++) {
		json_decref(m->m[i].json);
		brain__buf_free(&m->m[i].text);
		free(m->key_text[i]);
		free(m->other_text[i]);
	}
	json_decref(m->sources);
	brain__buf_free(&m->sources_text);
	free(m);
}

long long brain__msum_last_seq(const brain__msum *m)
{
	return m->last_seq;
}

static void num_in(mval *v, const json_t *j)
{
	v->has = 1;
	v->real = json_is_real(j);
	v->i = json_is_integer(j) ? json_integer_value(j) : 0;
	v->d = json_number_value(j);
}

static json_t *num_out(const mval *v)
{
	if (!v->has)
		return json_null();
	return v->real ? json_real(v->d) : json_integer(v->i);
}

int brain__msum_load(brain__msum *m, const json_t *sum)
{
	const json_t *f = json_object_get(sum, "first_timestamp");
	const json_t *l = json_object_get(sum, "last_timestamp");
	size_t i;

	if (!json_is_integer(json_object_get(sum, "total_entries")) ||
	    !json_is_array(json_object_get(sum, "data_sources")))
		return BRAIN_ECORRUPT;
	m->total = json_integer_value(json_object_get(sum, "total_entries"));
	m->last_seq = json_integer_value(json_object_get(sum, "last_seq"));
	snprintf(m->first, sizeof(m->first), "%s",
		 json_is_string(f) ? json_string_value(f) : "");
	snprintf(m->last, sizeof(m->last), "%s",
		 json_is_string(l) ? json_string_value(l) : "");
	for (i = 0; i < nmetrics(m->s); i++) {
		const brain__metric *mt = &m->s->metrics[i];
		const json_t *v = json_object_get(sum, mt->as);
		mval *mv = &m->m[i];
		mv->fresh = 0;
		mv->last_count = NULL;
		switch (mt->op) {
		case BRAIN__M_SUM:
		case BRAIN__M_MIN:
		case BRAIN__M_MAX:
			if (json_is_number(v))
				num_in(mv, v);
			if (mt->op == BRAIN__M_SUM && !json_is_number(v))
				mv->has = 1;
			break;
		case BRAIN__M_AVG:
			num_in(mv, json_object_get(v, "sum"));
			mv->n = json_integer_value(json_object_get(v, "n"));
			break;
		case BRAIN__M_LAST:
			if (v && !json_is_null(v)) {
				mv->has = 1;
				mv->json = json_deep_copy(v);
			}
			break;
		case BRAIN__M_COUNT_BY_VALUE:
			if (json_is_object(v)) {
				json_decref(mv->json);
				mv->json = json_deep_copy(v);
			}
			mv->other = json_integer_value(
				json_object_get(sum, mt->other_as));
			break;
		}
	}
	json_decref(m->sources);
	m->sources = json_deep_copy(json_object_get(sum, "data_sources"));
	m->last_source[0] = '\0';
	m->sources_stale = 1;
	return m->sources ? 0 : BRAIN_ENOMEM;
}

json_t *brain__msum_json(const brain__msum *m)
{
	json_t *j = json_object();
	size_t i;

	if (!j ||
	    set(j, "total_entries", json_integer(m->total)) ||
	    set(j, "first_timestamp",
		m->first[0] ? json_string(m->first) : json_null()) ||
	    set(j, "last_timestamp",
		m->last[0] ? json_string(m->last) : json_null()) ||
	    set(j, "last_seq", json_integer(m->last_seq)))
		goto fail;
	for (i = 0; i < nmetrics(m->s); i++) {
		const brain__metric *mt = &m->s->metrics[i];
		const mval *v = &m->m[i];
		json_t *out;
		switch (mt->op) {
		case BRAIN__M_SUM:
			out = v->real ? json_real(v->d) : json_integer(v->i);
			break;
		case BRAIN__M_AVG:
			out = json_pack("{s:o, s:o, s:I}", "mean",
					v->n ? json_real((v->real ? v->d
								  : (double)v->i) /
							 (double)v->n)
					     : json_null(),
					"sum",
					v->real ? json_real(v->d)
						: json_integer(v->i),
					"n", (json_int_t)v->n);
			break;
		case BRAIN__M_LAST:
			out = v->json ? json_deep_copy(v->json) : json_null();
			break;
		case BRAIN__M_COUNT_BY_VALUE:
			out = json_deep_copy(v->json);
			break;
		default:
			out = num_out(v);
			break;
		}
		if (set(j, mt->as, out) ||
		    (mt->other_as &&
		     set(j, mt->other_as, json_integer(v->other))))
			goto fail;
	}
	if (set(j, "data_sources", json_deep_copy(m->sources)))
		goto fail;
	return j;
fail:
	json_decref(j);
	return NULL;
}

/* ---- the summary as text ---- */

static int put_key(brain__buf *out, const char *key)
{
	return brain__buf_put(out, ",", 1) ||
			       brain__json_put_string(out, key) ||
			       brain__buf_put(out, ":", 1)
		       ? BRAIN_ENOMEM
		       : 0;
}

static int put_number(brain__buf *out, int real, long long i, double d)
{
	return real ? brain__json_put_real(out, d) : brain__json_put_int(out, i);
}

/* Any JSON value, through jansson (only "last" metrics hold these). */
static int put_value(brain__buf *out, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
					   JSON_ENCODE_ANY);
	int rc = text ? brain__buf_puts(out, text) : BRAIN_ENOMEM;

	free(text);
	return rc;
}

static int put_counts(brain__buf *out, const json_t *counts)
{
	const char *key;
	json_t *n;
	int first = 1;

	if (brain__buf_put(out, "{", 1))
		return BRAIN_ENOMEM;
	json_object_foreach((json_t *)counts, key, n) {
		if ((!first && brain__buf_put(out, ",", 1)) ||
		    brain__json_put_string(out, key) ||
		    brain__buf_put(out, ":", 1) ||
		    brain__json_put_int(out, json_integer_value(n)))
			return BRAIN_ENOMEM;
		first = 0;
	}
	return brain__buf_put(out, "}", 1);
}

static int put_metric(brain__buf *out, const brain__metric *mt,
		      const mval *v)
{
	switch (mt->op) {
	case BRAIN__M_SUM:
		return put_number(out, v->real, v->i, v->d);
	case BRAIN__M_AVG:
		if (brain__buf_puts(out, "{\"mean\":") ||
		    (v->n ? brain__json_put_real(
				    out, (v->real ? v->d : (double)v->i) /
						 (double)v->n)
			  : brain__buf_puts(out, "null")) ||
		    brain__buf_puts(out, ",\"sum\":") ||
		    put_number(out, v->real, v->i, v->d) ||
		    brain__buf_puts(out, ",\"n\":") ||
		    brain__json_put_int(out, v->n) ||
		    brain__buf_put(out, "}", 1))
			return BRAIN_ENOMEM;
		return 0;
	case BRAIN__M_LAST:
		return v->json ? put_value(out, v->json)
			       : brain__buf_puts(out, "null");
	case BRAIN__M_COUNT_BY_VALUE:
		return put_counts(out, v->json);
	default:
		return v->has ? put_number(out, v->real, v->i, v->d)
			      : brain__buf_puts(out, "null");
	}
}

static int put_timestamp(brain__buf *out, const char *ts)
{
	return ts[0] ? brain__json_put_string(out, ts)
		     : brain__buf_puts(out, "null");
}

int brain__msum_text_head(brain__msum *m, brain__buf *out)
{
	size_t i;

	if (brain__buf_puts(out, "{\"total_entries\":") ||
	    brain__json_put_int(out, m->total) ||
	    brain__buf_puts(out, ",\"first_timestamp\":") ||
	    put_timestamp(out, m->first) ||
	    brain__buf_puts(out, ",\"last_timestamp\":") ||
	    put_timestamp(out, m->last) ||
	    brain__buf_puts(out, ",\"last_seq\":") ||
	    brain__json_put_int(out, m->last_seq))
		return BRAIN_ENOMEM;
	for (i = 0; i < nmetrics(m->s); i++) {
		const brain__metric *mt = &m->s->metrics[i];
		mval *v = &m->m[i];
		if (!v->fresh) {
			v->text.len = 0;
			if (brain__buf_puts(&v->text, m->key_text[i]) ||
			    put_metric(&v->text, mt, v) ||
			    (m->other_text[i] &&
			     (brain__buf_puts(&v->text, m->other_text[i]) ||
			      brain__json_put_int(&v->text, v->other))))
				return BRAIN_ENOMEM;
			v->fresh = 1;
		}
		if (brain__buf_put(out, v->text.data, v->text.len))
			return BRAIN_ENOMEM;
	}
	return 0;
}

int brain__msum_text_sources(brain__msum *m, brain__buf *out)
{
	if (m->sources_stale) {
		char *text = json_dumps(m->sources, JSON_COMPACT);
		m->sources_text.len = 0;
		if (!text || brain__buf_puts(&m->sources_text, text)) {
			free(text);
			return BRAIN_ENOMEM;
		}
		free(text);
		m->sources_stale = 0;
	}
	return put_key(out, "data_sources") ||
			       brain__buf_put(out, m->sources_text.data,
					      m->sources_text.len) ||
			       brain__buf_put(out, "}", 1)
		       ? BRAIN_ENOMEM
		       : 0;
}

int brain__msum_text(brain__msum *m, brain__buf *out)
{
	return brain__msum_text_head(m, out) ||
			       brain__msum_text_sources(m, out)
		       ? BRAIN_ENOMEM
		       : 0;
}

int brain__msum_same_records(const brain__msum *a, const brain__msum *b)
{
	return a->s == b->s && a->total == b->total &&
	       a->last_seq == b->last_seq && !strcmp(a->first, b->first) &&
	       !strcmp(a->last, b->last);
}

json_t *brain__summary_new(const brain__stream *s)
{
	brain__msum *m = brain__msum_new(s);
	json_t *j = m ? brain__msum_json(m) : NULL;

	brain__msum_free(m);
	return j;
}

/* Does the record have every field of the metric's `where`? */
static int wanted(const brain__metric *mt, const json_t *record)
{
	const char *key;
	json_t *want;

	json_object_foreach(mt->where, key, want) {
		const json_t *have = json_object_get(record, key);
		if (!have || !json_equal(have, want))
			return 0;
	}
	return 1;
}

/* The count_by_value key of a long value, allocated. */
static char *long_key(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v))
				 : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* snprintf(to, size, "%s", from) without printf (fourteen times a save). */
static void copy_text(char *to, size_t size, const char *from)
{
	size_t n = strnlen(from, size - 1);

	memcpy(to, from, n);
	to[n] = '\0';
}

void brain__mvals_of(const brain__stream *s, const json_t *record,
		     const brain__msum *all, brain__mvals *vals)
{
	size_t i;

	for (i = 0; i < nmetrics(s); i++) {
		const brain__metric *mt = &s->metrics[i];
		const json_t *v = json_object_get(record, mt->field);
		const json_t *counts;
		char *key = NULL;
		if (v && mt->where && !wanted(mt, record))
			v = NULL;
		vals->v[i] = v;
		vals->ncbv_ok[i] = 0;
		vals->other[i] = 0;
		if (mt->op != BRAIN__M_COUNT_BY_VALUE || !v)
			continue;
		if (json_is_string(v)) {
			size_t n = strlen(json_string_value(v));
			vals->ncbv_ok[i] = n < sizeof(vals->cbv[i]);
			if (vals->ncbv_ok[i])
				copy_text(vals->cbv[i], sizeof(vals->cbv[i]),
					  json_string_value(v));
		} else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			vals->ncbv_ok[i] = t && snprintf(vals->cbv[i],
							 sizeof(vals->cbv[i]),
							 "%s", t) <
						       (int)sizeof(vals->cbv[i]);
			free(t);
		}
		/* A value keeps its own key if the stream has it or still has
		 * room for it; else it counts under other, at every level. */
		counts = all ? all->m[i].json : NULL;
		if (!counts ||
		    json_object_size(counts) < (size_t)mt->max_keys)
			continue;
		if (!vals->ncbv_ok[i] && !(key = long_key(v)))
			continue; /* out of memory: fold reports it */
		vals->other[i] = !json_object_get(
			counts, vals->ncbv_ok[i] ? vals->cbv[i] : key);
		free(key);
	}
}

static int fold(mval *mv, const brain__metric *mt, const json_t *v,
		const brain__mvals *vals, size_t i)
{
	switch (mt->op) {
	case BRAIN__M_SUM:
	case BRAIN__M_AVG:
		if (!json_is_number(v))
			return 0;
		mv->fresh = 0;
		if (json_is_real(v) && !mv->real) {
			mv->real = 1;
			mv->d = (double)mv->i;
		}
		if (mv->real)
			mv->d += json_number_value(v);
		else
			mv->i += json_integer_value(v);
		mv->has = 1;
		mv->n++;
		return 0;
	case BRAIN__M_MIN:
	case BRAIN__M_MAX: {
		double x = json_number_value(v);
		double cur = mv->real ? mv->d : (double)mv->i;
		if (!json_is_number(v))
			return 0;
		if (mv->has && (mt->op == BRAIN__M_MIN ? x >= cur : x <= cur))
			return 0;
		num_in(mv, v);
		mv->fresh = 0;
		return 0;
	}
	case BRAIN__M_LAST:
		mv->fresh = 0;
		json_decref(mv->json);
		mv->json = json_deep_copy(v);
		mv->has = 1;
		return mv->json ? 0 : BRAIN_ENOMEM;
	case BRAIN__M_COUNT_BY_VALUE: {
		char *key;
		const char *k;
		json_t *old;
		int rc;
		mv->fresh = 0;
		if (vals->other[i]) {
			mv->other++;
			return 0;
		}
		if (vals->ncbv_ok[i] && mv->last_count &&
		    !strcmp(vals->cbv[i], mv->last_key))
			return json_integer_set(
				       mv->last_count,
				       json_integer_value(mv->last_count) + 1)
				       ? BRAIN_ENOMEM
				       : 0;
		key = vals->ncbv_ok[i] ? NULL : long_key(v);
		k = vals->ncbv_ok[i] ? vals->cbv[i] : key;
		if (!k)
			return BRAIN_ENOMEM;
		old = json_object_get(mv->json, k);
		rc = old ? json_integer_set(old, json_integer_value(old) + 1)
			 : json_object_set_new(mv->json, k, json_integer(1));
		mv->last_count = NULL;
		if (!rc && vals->ncbv_ok[i] &&
		    (mv->last_count = json_object_get(mv->json, k)))
			copy_text(mv->last_key, sizeof(mv->last_key), k);
		free(key);
		return rc ? BRAIN_ENOMEM : 0;
	}
	}
	return 0;
}

int brain__msum_add(brain__msum *m, const brain__mvals *vals, const char *ts,
		    long long seq, const char *source)
{
	size_t i;
	int rc;

	m->total++;
	if (!m->first[0] || strcmp(ts, m->first) < 0)
		copy_text(m->first, sizeof(m->first), ts);
	if (!m->last[0] || strcmp(ts, m->last) >= 0)
		copy_text(m->last, sizeof(m->last), ts);
	m->last_seq = seq;
	for (i = 0; i < nmetrics(m->s); i++)
		if (vals->v[i] &&
		    (rc = fold(&m->m[i], &m->s->metrics[i], vals->v[i], vals, i)))
			return rc;
	if (source && strcmp(source, m->last_source)) {
		json_t *item;
		size_t k;
		json_array_foreach(m->sources, k, item) if (
			!strcmp(json_string_value(item), source)) break;
		if (k == json_array_size(m->sources)) {
			if (json_array_append_new(m->sources,
						  json_string(source)))
				return BRAIN_ENOMEM;
			m->sources_stale = 1;
		}
		snprintf(m->last_source, sizeof(m->last_source), "%s", source);
	}
	return 0;
}

static int merge_metric(json_t *summary, const brain__metric *m,
			const json_t *child, int child_is_later)
{
	json_t *cur = json_object_get(summary, m->as);
	json_t *v = json_object_get(child, m->as);
	const char *key;
	json_t *n;

	if (!v || json_is_null(v))
		return 0;
	switch (m->op) {
	case BRAIN__M_SUM:
		return set(summary, m->as, add_numbers(cur, v));
	case BRAIN__M_MIN:
	case BRAIN__M_MAX:
		if (json_is_number(cur) &&
		    (m->op == BRAIN__M_MIN
			     ? json_number_value(v) >= json_number_value(cur)
			     : json_number_value(v) <= json_number_value(cur)))
			return 0;
		return set(summary, m->as, json_deep_copy(v));
	case BRAIN__M_AVG: {
		json_t *sum = add_numbers(json_object_get(cur, "sum"),
					  json_object_get(v, "sum"));
		json_int_t cnt = json_integer_value(json_object_get(cur, "n")) +
				 json_integer_value(json_object_get(v, "n"));
		if (!sum)
			return BRAIN_ENOMEM;
		if (cnt == 0) {
			json_decref(sum);
			return 0;
		}
		return set(cur, "mean",
			   json_real(json_number_value(sum) / (double)cnt)) ||
				       set(cur, "sum", sum) ||
				       set(cur, "n", json_integer(cnt))
			       ? BRAIN_ENOMEM
			       : 0;
	}
	case BRAIN__M_LAST:
		return child_is_later || json_is_null(cur)
			       ? set(summary, m->as, json_deep_copy(v))
			       : 0;
	case BRAIN__M_COUNT_BY_VALUE:
		/* every summary's keys are among the stream's first
		 * max_keys values, so the union stays within them */
		json_object_foreach((json_t *)v, key, n) {
			json_int_t old = json_integer_value(
				json_object_get(cur, key));
			if (set(cur, key,
				json_integer(old + json_integer_value(n))))
				return BRAIN_ENOMEM;
		}
		return set(summary, m->other_as,
			   json_integer(json_integer_value(json_object_get(
						summary, m->other_as)) +
					json_integer_value(json_object_get(
						child, m->other_as))));
	}
	return 0;
}

int brain__summary_merge(json_t *summary, const brain__stream *s,
			 const json_t *child, const char *source)
{
	json_t *cf = json_object_get(child, "first_timestamp");
	json_t *cl = json_object_get(child, "last_timestamp");
	json_t *first = json_object_get(summary, "first_timestamp");
	json_t *last = json_object_get(summary, "last_timestamp");
	json_int_t cseq = json_integer_value(json_object_get(child, "last_seq"));
	json_int_t seq = json_integer_value(json_object_get(summary, "last_seq"));
	json_int_t total = json_integer_value(
		json_object_get(child, "total_entries"));
	size_t i;
	int rc = 0;

	if (total == 0)
		return 0; /* the engine lists only children that hold records */
	rc = set(summary, "total_entries",
		 json_integer(json_integer_value(json_object_get(
				      summary, "total_entries")) + total));
	if (!rc && json_is_string(cf) &&
	    (!json_is_string(first) ||
	     strcmp(json_string_value(cf), json_string_value(first)) < 0))
		rc = set(summary, "first_timestamp", json_deep_copy(cf));
	if (!rc && json_is_string(cl) &&
	    (!json_is_string(last) ||
	     strcmp(json_string_value(cl), json_string_value(last)) >= 0))
		rc = set(summary, "last_timestamp", json_deep_copy(cl));
	for (i = 0; !rc && i < s->nmetrics; i++)
		rc = merge_metric(summary, &s->metrics[i], child, cseq > seq);
	if (!rc && cseq > seq)
		rc = set(summary, "last_seq", json_integer(cseq));
	if (!rc && source)
		rc = add_source(summary, source);
	return rc;
}

static int numbers_close(const json_t *a, const json_t *b)
{
	double x = json_number_value(a), y = json_number_value(b);
	double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);

	return fabs(x - y) <= 1e-9 * (scale > 1 ? scale : 1);
}

static int values_equal(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_number(a) && json_is_number(b))
		return numbers_close(a, b);
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, key, v) if (
			!values_equal(v, json_object_get(b, key))) return 0;
		return 1;
	}
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!values_equal(json_array_get(a, i),
					  json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

int brain__summary_equal(const json_t *a, const json_t *b, const char **what)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)a, key, v) {
		if (!values_equal(v, json_object_get(b, key))) {
			*what = key;
			return 0;
		}
	}
	json_object_foreach((json_t *)b, key, v) {
		if (!json_object_get(a, key)) {
			*what = key;
			return 0;
		}
	}
	return 1;
}
