/*
 * lib/records.c - the public save calls: checking a record, merging it
 * over its entry template, stamping it (seq, timestamp, component, mode)
 * and handing it to the store engine.
 *
 * Invariant: everything that can be wrong with a record is found before
 * the store is touched, so a refused record writes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_internal.h"
#include "jsonfile.h"
#include "names.h"
#include "store.h"
#include "templates_internal.h"

/* At most 40 bytes of s for a message: printable ASCII kept, others '?'. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, n = len < size - 4 ? len : size - 4;

	for (i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	if (n < len)
		memcpy(buf + n, "...", 4);
	else
		buf[n] = '\0';
	return buf;
}

/* 0 when the bytes of a key or string can be written and read back. */
static int text_ok(brain_t *b, const char *what, const char *key,
		   size_t keylen, const char *s, size_t len)
{
	char kb[44];

	if (memchr(s, '\0', len))
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "record %s \"%s\" contains U+0000, which "
				   "cannot be read back",
				   what, shown(key, keylen, kb, sizeof(kb)));
	if (!brain__utf8_valid(s, len))
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "record %s \"%s\" is not valid UTF-8", what,
				   shown(key, keylen, kb, sizeof(kb)));
	return 0;
}

/* One container being walked by check_record. */
typedef struct walk {
	const json_t *c;
	void *iter;   /* objects: the next member */
	size_t index; /* arrays: the next element */
	const char *key;
	size_t keylen;
} walk;

/*
 * check_record - refuse what would not read back byte for byte (DESIGN.md,
 * "What a save promises"): keys and strings that are not UTF-8 or hold
 * U+0000, numbers that are not finite, nesting deeper than
 * BRAIN_RECORD_MAX_DEPTH.  It runs before anything that recurses over the
 * record (json_dumps) and walks with its own stack, so no record can
 * exhaust the C stack; and since every value serialises to at least one
 * byte, a record of more values than store.max_record_bytes is too big
 * however it shares its members.
 */
static int check_record(brain_t *b, const json_t *rec)
{
	walk stack[BRAIN_RECORD_MAX_DEPTH];
	size_t top = 0, values = 1;

	stack[0] = (walk){rec, json_object_iter((json_t *)rec), 0, "", 0};
	for (;;) {
		walk *w = &stack[top];
		const json_t *v;
		const char *key;
		size_t keylen;
		int rc;

		if (json_is_object(w->c)) {
			if (!w->iter)
				goto pop;
			key = json_object_iter_key(w->iter);
			keylen = json_object_iter_key_len(w->iter);
			v = json_object_iter_value(w->iter);
			w->iter = json_object_iter_next((json_t *)w->c,
							w->iter);
			if ((rc = text_ok(b, "key", key, keylen, key, keylen)))
				return rc;
		} else {
			if (w->index >= json_array_size(w->c))
				goto pop;
			v = json_array_get(w->c, w->index++);
			key = w->key; /* name the member holding the array */
			keylen = w->keylen;
		}
		if (++values > (size_t)b->bp->max_record_bytes)
			return brain__errf(&b->err, BRAIN_ETOOBIG,
					   "record is over the limit of %ld "
					   "bytes (store.max_record_bytes)",
					   b->bp->max_record_bytes);
		if (json_is_string(v) &&
		    (rc = text_ok(b, "string under key", key, keylen,
				  json_string_value(v), json_string_length(v))))
			return rc;
		if (json_is_real(v) && !isfinite(json_real_value(v))) {
			char kb[44];
			return brain__errf(&b->err, BRAIN_EINVAL,
					   "record number under key \"%s\" is "
					   "not finite",
					   shown(key, keylen, kb, sizeof(kb)));
		}
		if (!json_is_object(v) && !json_is_array(v))
			continue;
		if (top + 1 >= BRAIN_RECORD_MAX_DEPTH)
			return brain__errf(&b->err, BRAIN_EINVAL,
					   "record nests deeper than %d levels "
					   "(BRAIN_RECORD_MAX_DEPTH)",
					   BRAIN_RECORD_MAX_DEPTH);
		stack[++top] = (walk){v, json_is_object(v)
					     ? json_object_iter((json_t *)v)
					     : NULL,
				      0, key, keylen};
		continue;
	pop:
		if (top == 0)
			return 0;
		top--;
	}
}

static int entry_template(brain_t *b, const brain__stream *s, json_t **out)
{
	size_t i = (size_t)(s - b->bp->streams);
	int rc;

	if (!b->entry_tpl &&
	    !(b->entry_tpl = calloc(b->bp->nstreams, sizeof(json_t *))))
		return BRAIN_ENOMEM;
	if (!b->entry_tpl[i] &&
	    (rc = brain__template_entry(b, s, &b->entry_tpl[i])))
		return rc;
	*out = b->entry_tpl[i];
	return 0;
}

/* The record merged over its template and stamped; *t its partition. */
static int make_entry(brain_t *b, const brain__stream *s, const json_t *rec,
		      json_t **out, time_t *t)
{
	json_t *tpl, *e, *ts;
	brain__when w;
	char now[64];
	int rc;

	if ((rc = entry_template(b, s, &tpl)))
		return rc;
	e = json_object();
	if (!e || json_object_set_new(e, "seq", json_integer(0)) ||
	    json_object_update(e, tpl) || json_object_update(e, (json_t *)rec))
		goto nomem;
	json_object_set_new(e, "seq", json_integer(0)); /* first, always ours */
	ts = json_object_get(e, "timestamp");
	if (json_is_string(ts)) {
		if (brain__parse_iso8601(b->bp, json_string_value(ts), t)) {
			rc = brain__errf(&b->err, BRAIN_EINVAL,
					 "record timestamp '%s' is not ISO "
					 "8601 (e.g. 2025-12-18T01:47:41Z)",
					 json_string_value(ts));
			json_decref(e);
			return rc;
		}
		if ((rc = brain__check_time(&b->err, (long long)*t,
					    "record timestamp"))) {
			json_decref(e);
			return rc;
		}
	} else if (!ts || json_is_null(ts)) {
		*t = brain_now(b);
		if ((rc = brain__check_time(&b->err, (long long)*t,
					    "the clock's time"))) {
			json_decref(e);
			return rc;
		}
		brain__when_of(b->bp, *t, &w);
		brain__iso8601(&w, now, sizeof(now));
		if (json_object_set_new(e, "timestamp", json_string(now)))
			goto nomem;
	} else {
		json_decref(e);
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "record timestamp must be a string");
	}
	if (json_object_set_new(e, "component", json_string(b->component)) ||
	    json_object_set_new(e, "mode", json_string(b->mode)))
		goto nomem;
	*out = e;
	return 0;
nomem:
	json_decref(e);
	return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
}

/* The store's reports of damage it dealt with join the handle's queue of
 * the library's own error reports (b->pending). */
static void queue_events(brain_t *b)
{
	json_t *events = brain__store_take_events(b->store);

	if (!events)
		return;
	if (!b->pending) {
		b->pending = events;
		return;
	}
	if (json_array_extend(b->pending, events))
		brain__notice(b, "out of memory queueing an error report");
	json_decref(events);
}

void brain__report_pending(brain_t *b)
{
	const brain__stream *s;
	json_t *list;
	brain__err saved = b->err;
	size_t i;

	if (b->reporting)
		return;
	queue_events(b);
	if (!(list = b->pending))
		return;
	b->pending = NULL;
	b->reporting = 1;
	s = brain__blueprint_report(b->bp, "error", b->bp->own_category);
	for (i = 0; s && i < json_array_size(list); i++) {
		json_t *rec = json_array_get(list, i);
		json_t *e = NULL;
		time_t t;
		if (make_entry(b, s, rec, &e, &t) == 0 &&
		    brain__store_save(b->store, s, e, t) == 0) {
			json_decref(e);
			continue;
		}
		json_decref(e);
		brain__notice(b, "could not record an error report: %s",
			      b->err.msg);
	}
	b->reporting = 0;
	b->err = saved; /* the caller's outcome is what it reports */
	json_decref(list);
}

static int save(brain_t *b, const brain__stream *s, const json_t *rec)
{
	json_t *e = NULL;
	time_t t;
	int rc;

	if (!json_is_object(rec))
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "a record must be a json object");
	if ((rc = check_record(b, rec)))
		return rc;
	if ((rc = make_entry(b, s, rec, &e, &t)))
		return rc;
	rc = brain__store_save(b->store, s, e, t);
	if (rc == BRAIN_ENOMEM)
		brain__errf(&b->err, rc, "out of memory");
	json_decref(e);
	brain__report_pending(b);
	return rc;
}

/* The categories of the blueprint, for messages. */
static void list_categories(const brain__blueprint *bp, char *buf,
			    size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		if (!s->tree || strcmp(s->tree, "report"))
			continue;
		if (buf[0])
			strncat(buf, ", ", size - strlen(buf) - 1);
		strncat(buf, s->kind, size - strlen(buf) - 1);
	}
}

static int find_report(brain_t *b, const char *tree, const char *category,
		       const brain__stream **out)
{
	const char *why = brain__name_problem(category);
	char list[512];

	if (why || strchr(category, ':'))
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "category name '%s' %s", category ? category : "",
				   why ? why : "contains ':'");
	*out = brain__blueprint_report(b->bp, tree, category);
	if (*out)
		return 0;
	list_categories(b->bp, list, sizeof(list));
	return brain__errf(&b->err, BRAIN_ENOTFOUND,
			   "unknown category '%s' (the blueprint has %s)",
			   category, list);
}

int brain_save_system_report(brain_t *b, const char *category,
			     const json_t *report)
{
	const brain__stream *s;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, category);
	if ((rc = find_report(b, "report", category, &s)))
		return rc;
	return save(b, s, report);
}

int brain_save_system_error(brain_t *b, const char *category,
			    const json_t *error)
{
	const brain__stream *s;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, category);
	if ((rc = find_report(b, "error", category, &s)))
		return rc;
	return save(b, s, error);
}

int brain_save_record(brain_t *b, const char *stream, const json_t *record)
{
	const brain__stream *s;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, stream);
	s = brain__blueprint_stream(b->bp, stream);
	if (!s)
		return brain__errf(&b->err, BRAIN_ENOTFOUND,
				   "no record kind or category '%s' in %s",
				   stream ? stream : "", b->bp_path);
	return save(b, s, record);
}

int brain_save_ledger_entry(brain_t *b, const json_t *entry)
{
	return brain_save_record(b, "ledger", entry);
}

int brain_save_math_proof(brain_t *b, const json_t *proof)
{
	return brain_save_record(b, "math_proof", proof);
}

int brain_save_submission(brain_t *b, const json_t *submission)
{
	return brain_save_record(b, "submission", submission);
}

/* Calls fn for every stream that `name` covers: a record kind, or a
 * category's streams in every report tree; NULL covers all. */
static int each_stream(brain_t *b, const char *name,
		       int (*fn)(brain__store *, const brain__stream *, time_t),
		       time_t t)
{
	size_t i, hits = 0;
	int rc = 0;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	for (i = 0; !rc && i < b->bp->nstreams; i++) {
		const brain__stream *s = &b->bp->streams[i];
		if (name && strcmp(s->kind, name) && strcmp(s->id, name))
			continue;
		hits++;
		rc = fn(b->store, s, t);
	}
	if (!rc && !hits)
		rc = brain__errf(&b->err, BRAIN_ENOTFOUND,
				 "no record kind or category '%s' in %s", name,
				 b->bp_path);
	brain__report_pending(b);
	if (rc == BRAIN_ENOMEM)
		brain__errf(&b->err, rc, "out of memory");
	return rc;
}

int brain_update_aggregated_index(brain_t *b, const char *category,
				  time_t when)
{
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, category);
	if ((rc = brain__check_time(&b->err, (long long)when, "time")))
		return rc;
	return each_stream(b, category, brain__store_update, when);
}

static int rebuild_stream(brain__store *store, const brain__stream *s,
			  time_t t)
{
	(void)t;
	return brain__store_rebuild(store, s);
}

int brain_rebuild(brain_t *b, const char *name)
{
	BRAIN__ARG(brain__thread_err(), b);
	return each_stream(b, name, rebuild_stream, 0);
}

int brain_flush(brain_t *b)
{
	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	return brain__store_flush(b->store);
}
