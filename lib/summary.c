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

json_t *brain__summary_new(const brain__stream *s)
{
	json_t *sum = json_pack("{s:I, s:n, s:n, s:I}", "total_entries",
				(json_int_t)0, "first_timestamp",
				"last_timestamp", "last_seq", (json_int_t)0);
	size_t i;

	if (!sum)
		return NULL;
	for (i = 0; i < s->nmetrics; i++) {
		const brain__metric *m = &s->metrics[i];
		json_t *v;
		switch (m->op) {
		case BRAIN__M_SUM:
			v = json_integer(0);
			break;
		case BRAIN__M_AVG:
			v = json_pack("{s:n, s:I, s:I}", "mean", "sum",
				      (json_int_t)0, "n", (json_int_t)0);
			break;
		case BRAIN__M_COUNT_BY_VALUE:
			v = json_object();
			break;
		default:
			v = json_null();
			break;
		}
		if (!v || json_object_set_new(sum, m->as, v)) {
			json_decref(sum);
			return NULL;
		}
	}
	if (json_object_set_new(sum, "data_sources", json_array())) {
		json_decref(sum);
		return NULL;
	}
	return sum;
}

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

static int add_avg(json_t *avg, const json_t *v)
{
	json_t *sum = add_numbers(json_object_get(avg, "sum"), v);
	json_int_t n = json_integer_value(json_object_get(avg, "n")) + 1;

	if (!sum)
		return BRAIN_ENOMEM;
	if (set(avg, "mean", json_real(json_number_value(sum) / (double)n)) ||
	    set(avg, "sum", sum) || set(avg, "n", json_integer(n)))
		return BRAIN_ENOMEM;
	return 0;
}

/* The key a value is counted under: strings as they are, others as JSON. */
static int count_value(json_t *counts, const json_t *v)
{
	char *text = json_is_string(v) ? NULL
				       : json_dumps(v, JSON_COMPACT |
							       JSON_ENCODE_ANY);
	const char *key = json_is_string(v) ? json_string_value(v) : text;
	json_t *old;
	int rc;

	if (!key)
		return BRAIN_ENOMEM;
	old = json_object_get(counts, key);
	rc = set(counts, key, json_integer(json_integer_value(old) + 1));
	free(text);
	return rc;
}

static int add_metric(json_t *summary, const brain__metric *m,
		      const json_t *record)
{
	const json_t *v = json_object_get(record, m->field);
	json_t *cur = json_object_get(summary, m->as);

	if (!v)
		return 0;
	switch (m->op) {
	case BRAIN__M_SUM:
		return json_is_number(v)
			       ? set(summary, m->as, add_numbers(cur, v))
			       : 0;
	case BRAIN__M_MIN:
	case BRAIN__M_MAX:
		if (!json_is_number(v))
			return 0;
		if (json_is_number(cur) &&
		    (m->op == BRAIN__M_MIN
			     ? json_number_value(v) >= json_number_value(cur)
			     : json_number_value(v) <= json_number_value(cur)))
			return 0;
		return set(summary, m->as, json_deep_copy(v));
	case BRAIN__M_AVG:
		return json_is_number(v) ? add_avg(cur, v) : 0;
	case BRAIN__M_LAST:
		return set(summary, m->as, json_deep_copy(v));
	case BRAIN__M_COUNT_BY_VALUE:
		return count_value(cur, v);
	}
	return 0;
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

int brain__summary_add(json_t *summary, const brain__stream *s,
		       const json_t *record, const char *ts, long long seq,
		       const char *source)
{
	json_t *first = json_object_get(summary, "first_timestamp");
	json_t *last = json_object_get(summary, "last_timestamp");
	size_t i;
	int rc;

	rc = set(summary, "total_entries",
		 json_integer(json_integer_value(json_object_get(
				      summary, "total_entries")) + 1));
	if (!rc && (!json_is_string(first) ||
		    strcmp(ts, json_string_value(first)) < 0))
		rc = set(summary, "first_timestamp", json_string(ts));
	if (!rc && (!json_is_string(last) ||
		    strcmp(ts, json_string_value(last)) >= 0))
		rc = set(summary, "last_timestamp", json_string(ts));
	if (!rc)
		rc = set(summary, "last_seq", json_integer(seq));
	for (i = 0; !rc && i < s->nmetrics; i++)
		rc = add_metric(summary, &s->metrics[i], record);
	if (!rc && source)
		rc = add_source(summary, source);
	return rc;
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
		json_object_foreach((json_t *)v, key, n) {
			json_int_t old = json_integer_value(
				json_object_get(cur, key));
			if (set(cur, key,
				json_integer(old + json_integer_value(n))))
				return BRAIN_ENOMEM;
		}
		return 0;
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
