/*
 * lib/report.c - the report of one period (see brainstem/report.h): every
 * stream's summary of the partition, read through the read API, turned
 * into the figures a person asks for, and the period's blocks from the
 * ledger's records.
 *
 * Which figure a summary value is comes from the blueprint: the metric's
 * field and op (hashrate/avg is the mean rate, duration_ms/sum the time
 * spent hashing ...), so a blueprint that renames a summary key ("as")
 * still reports the same figures; a metric the report does not know is
 * shown under "metrics" by its summary key.
 */
#include <stdlib.h>
#include <string.h>

#include <brainstem/report.h>

#include "brain_internal.h"

/* The record kind whose records are blocks (brain_save_ledger_entry's). */
#define LEDGER "ledger"

/* A figure of a category's report tree: a metric's field and op. */
typedef enum figure {
	FIG_NONE,
	FIG_EVENTS,
	FIG_HASHES,
	FIG_RATE_MEAN,
	FIG_RATE_MIN,
	FIG_RATE_MAX,
	FIG_BLOCKS,
	FIG_BEST,
	FIG_ACCEPTED,
	FIG_REJECTED,
	FIG_STALE,
	FIG_UPTIME,
	FIG_MINERS,
	FIG_ERROR_TYPES,
} figure;

static const struct {
	const char *field;
	brain__metric_op op;
	figure fig;
} figures[] = {
	{"event", BRAIN__M_COUNT_BY_VALUE, FIG_EVENTS},
	{"attempts_this_round", BRAIN__M_SUM, FIG_HASHES},
	{"hashrate", BRAIN__M_AVG, FIG_RATE_MEAN},
	{"hashrate", BRAIN__M_MIN, FIG_RATE_MIN},
	{"hashrate", BRAIN__M_MAX, FIG_RATE_MAX},
	{"blocks_found", BRAIN__M_SUM, FIG_BLOCKS},
	{"best_difficulty", BRAIN__M_MAX, FIG_BEST},
	{"shares_accepted", BRAIN__M_SUM, FIG_ACCEPTED},
	{"shares_rejected", BRAIN__M_SUM, FIG_REJECTED},
	{"shares_stale", BRAIN__M_SUM, FIG_STALE},
	{"duration_ms", BRAIN__M_SUM, FIG_UPTIME},
	{"miner_id", BRAIN__M_COUNT_BY_VALUE, FIG_MINERS},
	{"error_type", BRAIN__M_COUNT_BY_VALUE, FIG_ERROR_TYPES},
};

static figure figure_of(const brain__metric *m)
{
	size_t i;

	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		if (figures[i].op == m->op && !strcmp(figures[i].field, m->field))
			return figures[i].fig;
	return FIG_NONE;
}

/* The running totals over the categories.  Hashes add up as a double:
 * exact to 2^53, and a sum the roll-ups keep as a real stays one. */
typedef struct totals {
	json_int_t rounds, errors;
	double hashes, uptime;
	json_int_t accepted, rejected, stale, blocks_found;
} totals;

/* o[key] = v (stolen); BRAIN_ENOMEM when it cannot be set. */
static int put(json_t *o, const char *key, json_t *v)
{
	return v && !json_object_set_new(o, key, v) ? 0 : BRAIN_ENOMEM;
}

/* 1 when the summary has records but not metric m: its roll-ups were
 * written under a blueprint without the metric (until a rebuild). */
static int lacks(const json_t *summary, const brain__metric *m)
{
	const json_t *n = json_object_get(summary, "total_entries");

	return !json_object_get(summary, m->as) && json_is_integer(n) &&
	       json_integer_value(n) > 0;
}

/* m's summary key onto cat's "not_in_roll_ups" list when the summary
 * lacks it.  0 or BRAIN_ENOMEM. */
static int note_lack(json_t *cat, const json_t *summary,
		     const brain__metric *m)
{
	json_t *list = json_object_get(cat, "not_in_roll_ups");

	if (!lacks(summary, m))
		return 0;
	if (!list && put(cat, "not_in_roll_ups", list = json_array()))
		return BRAIN_ENOMEM;
	return json_array_append_new(list, json_string(m->as)) ? BRAIN_ENOMEM
							       : 0;
}

/* A summary's value of metric m: what the summary holds, else null when
 * it lacks the metric (see lacks), else what an empty partition's would
 * be (0 for a sum, null, {} for count_by_value). */
static json_t *value_of(const json_t *summary, const brain__metric *m)
{
	json_t *v = json_object_get(summary, m->as);

	if (v)
		return json_incref(v);
	if (lacks(summary, m))
		return json_null();
	switch (m->op) {
	case BRAIN__M_SUM:
		return json_integer(0);
	case BRAIN__M_COUNT_BY_VALUE:
		return json_object();
	default:
		return json_null();
	}
}

static json_int_t int_of(const json_t *v)
{
	return json_is_integer(v) ? json_integer_value(v)
	       : json_is_real(v)  ? (json_int_t)json_real_value(v)
				  : 0;
}

/* A number's value; 0 for anything else. */
static double num_of(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* The count of values past a count_by_value's kept keys, as <key>_other
 * beside the figure when there are any. */
static int put_other(json_t *o, const char *key, const json_t *summary,
		     const brain__metric *m)
{
	json_int_t n = m->other_as
			       ? int_of(json_object_get(summary, m->other_as))
			       : 0;
	char name[64];

	if (!n)
		return 0;
	snprintf(name, sizeof(name), "%s_other", key);
	return put(o, name, json_integer(n));
}

/* The figures of a category's report tree summary into `cat`. */
static int report_figures(json_t *cat, const brain__stream *s,
			  const json_t *summary, totals *t)
{
	json_t *rate = NULL, *shares = NULL, *metrics = json_object();
	size_t i;
	int rc = metrics ? 0 : BRAIN_ENOMEM;

	for (i = 0; !rc && i < s->nmetrics; i++) {
		const brain__metric *m = &s->metrics[i];
		json_t *v = value_of(summary, m);
		figure f = figure_of(m);

		if (!v || (rc = note_lack(cat, summary, m))) {
			json_decref(v);
			rc = BRAIN_ENOMEM;
			break;
		}
		if ((f >= FIG_RATE_MEAN && f <= FIG_RATE_MAX) && !rate &&
		    (rc = put(cat, "hashrate", rate = json_pack(
			"{s:n, s:n, s:n}", "mean", "min", "max"))))
			rate = NULL;
		if ((f >= FIG_ACCEPTED && f <= FIG_STALE) && !shares &&
		    (rc = put(cat, "shares", shares = json_pack(
			"{s:I, s:I, s:I}", "accepted", (json_int_t)0,
			"rejected", (json_int_t)0, "stale", (json_int_t)0))))
			shares = NULL;
		if (rc) {
			json_decref(v);
			break;
		}
		switch (f) {
		case FIG_EVENTS:
			rc = put(cat, "events", v);
			if (!rc)
				rc = put_other(cat, "events", summary, m);
			break;
		case FIG_HASHES:
			t->hashes += num_of(v);
			rc = put(cat, "hashes", v);
			break;
		case FIG_RATE_MEAN: {
			json_int_t n = int_of(json_object_get(v, "n"));
			json_t *mean = json_object_get(v, "mean");

			rc = put(rate, "mean", n && json_is_number(mean)
						       ? json_incref(mean)
						       : json_null());
			if (!rc)
				rc = put(cat, "rounds", lacks(summary, m)
							? json_null()
							: json_integer(n));
			t->rounds += n;
			json_decref(v);
			break;
		}
		case FIG_RATE_MIN:
			rc = put(rate, "min", v);
			break;
		case FIG_RATE_MAX:
			rc = put(rate, "max", v);
			break;
		case FIG_BLOCKS:
			t->blocks_found += int_of(v);
			rc = put(cat, "blocks_found", v);
			break;
		case FIG_BEST:
			rc = put(cat, "best_difficulty", v);
			break;
		case FIG_ACCEPTED:
			t->accepted += int_of(v);
			rc = put(shares, "accepted", v);
			break;
		case FIG_REJECTED:
			t->rejected += int_of(v);
			rc = put(shares, "rejected", v);
			break;
		case FIG_STALE:
			t->stale += int_of(v);
			rc = put(shares, "stale", v);
			break;
		case FIG_UPTIME:
			/* the rounds' duration_ms, in seconds */
			t->uptime += num_of(v) / 1000;
			rc = put(cat, "uptime_seconds",
				 json_is_null(v)
					 ? json_null()
					 : json_real(num_of(v) / 1000));
			json_decref(v);
			break;
		case FIG_MINERS:
			rc = put(cat, "miners_seen",
				 json_is_null(v)
					 ? json_null()
					 : json_integer((json_int_t)
							json_object_size(v)));
			if (!rc)
				rc = put(cat, "miners", v);
			else
				json_decref(v);
			if (!rc)
				rc = put_other(cat, "miners", summary, m);
			break;
		default:
			rc = put(metrics, m->as, v);
			if (!rc && m->other_as &&
			    int_of(json_object_get(summary, m->other_as)))
				rc = put(metrics, m->other_as,
					 json_integer(int_of(json_object_get(
						 summary, m->other_as))));
		}
	}
	if (!rc && json_object_size(metrics))
		return put(cat, "metrics", metrics);
	json_decref(metrics);
	return rc;
}

/* The order a category's figures are shown in; others follow. */
static const char *const category_order[] = {
	"records", "rounds", "hashes", "hashrate", "blocks_found",
	"best_difficulty", "shares", "uptime_seconds", "miners_seen", "miners",
	"miners_other", "events", "events_other", "errors", "metrics",
	"not_in_roll_ups", NULL};

/* cat's members in category_order.  0 or BRAIN_ENOMEM. */
static int reorder(json_t *cat)
{
	json_t *copy = json_copy(cat);
	const char *const *k;
	const char *key;
	json_t *v;
	int rc = copy ? 0 : BRAIN_ENOMEM;

	if (!rc)
		json_object_clear(cat);
	for (k = category_order; !rc && *k; k++)
		if ((v = json_object_get(copy, *k)) &&
		    (json_object_set(cat, *k, v) || json_object_del(copy, *k)))
			rc = BRAIN_ENOMEM;
	json_object_foreach(copy, key, v)
		if (!rc && json_object_set(cat, key, v))
			rc = BRAIN_ENOMEM;
	json_decref(copy);
	return rc;
}

/* A category's error tree: {"total": N, "by_type": {...}}. */
static int error_figures(json_t *cat, const brain__stream *s,
			 const json_t *summary, totals *t)
{
	json_int_t n = int_of(json_object_get(summary, "total_entries"));
	json_t *errors = json_pack("{s:I, s:{}}", "total", n, "by_type");
	size_t i;
	int rc;

	if ((rc = put(cat, "errors", errors)))
		return rc;
	t->errors += n;
	for (i = 0; !rc && i < s->nmetrics; i++) {
		const brain__metric *m = &s->metrics[i];
		json_t *v = value_of(summary, m);

		if (figure_of(m) == FIG_ERROR_TYPES) {
			rc = put(errors, "by_type", v);
			if (!rc)
				rc = put_other(errors, "by_type", summary, m);
		} else {
			rc = put(errors, m->as, v);
		}
	}
	return rc;
}

/* The period's blocks: the latest BRAIN_REPORT_MAX_BLOCKS, oldest first. */
typedef struct blocks {
	json_t *list;
	json_int_t dropped;
} blocks;

static int on_block(void *ctx, const json_t *r)
{
	blocks *bl = ctx;
	json_t *e = json_pack("{s:O?, s:O?, s:O?, s:O?}", "timestamp",
			      json_object_get(r, "timestamp"), "block_hash",
			      json_object_get(r, "block_hash"), "height",
			      json_object_get(r, "height"), "miner_id",
			      json_object_get(r, "miner_id"));

	if (!e || json_array_append_new(bl->list, e))
		return BRAIN_ENOMEM;
	if (json_array_size(bl->list) > BRAIN_REPORT_MAX_BLOCKS) {
		json_array_remove(bl->list, 0);
		bl->dropped++;
	}
	return 0;
}

/* The ledger's records of [start, end), read only over the hours that
 * hold any (from the summary's first and last timestamps). */
static int ledger_blocks(brain_t *b, json_t *kind, const json_t *summary,
			 time_t start, time_t end)
{
	blocks bl = {json_array(), 0};
	time_t first, last;
	int rc;

	if (!bl.list)
		return BRAIN_ENOMEM;
	if (int_of(json_object_get(summary, "total_entries")) > 0 &&
	    !brain__parse_iso8601(b->bp, json_string_value(json_object_get(
				  summary, "first_timestamp")), &first) &&
	    !brain__parse_iso8601(b->bp, json_string_value(json_object_get(
				  summary, "last_timestamp")), &last)) {
		if (first > start)
			start = first;
		if (last + 1 < end)
			end = last + 1;
		if (start < end &&
		    (rc = brain_read_records(b, LEDGER, start, end, on_block,
					     &bl))) {
			json_decref(bl.list);
			return rc;
		}
	}
	if ((rc = put(kind, "blocks", bl.list)))
		return rc;
	return put(kind, "blocks_not_listed", json_integer(bl.dropped));
}

/* A record kind's entry: records, its metrics, the ledger's blocks. */
static int kind_entry(brain_t *b, json_t *kinds, const brain__stream *s,
		      const json_t *summary, time_t start, time_t end)
{
	json_int_t n = int_of(json_object_get(summary, "total_entries"));
	json_t *kind = json_pack("{s:I, s:{}}", "records", n, "metrics");
	json_t *metrics = json_object_get(kind, "metrics");
	size_t i;
	int rc;

	if ((rc = put(kinds, s->kind, kind)))
		return rc;
	for (i = 0; !rc && i < s->nmetrics; i++) {
		const brain__metric *m = &s->metrics[i];

		rc = put(metrics, m->as, value_of(summary, m));
		if (!rc)
			rc = note_lack(kind, summary, m);
		if (!rc && m->other_as &&
		    int_of(json_object_get(summary, m->other_as)))
			rc = put(metrics, m->other_as,
				 json_integer(int_of(json_object_get(
					 summary, m->other_as))));
	}
	if (!rc && !strcmp(s->kind, LEDGER))
		rc = ledger_blocks(b, kind, summary, start, end);
	return rc;
}

/* The summary object of one stream's partition. */
static int summary_of(brain_t *b, const char *stream, brain_level_t level,
		      time_t when, json_t **read, const json_t **summary)
{
	int rc = brain_read_summary(b, stream, level, when, read);

	if (rc)
		return rc;
	*summary = json_object_get(*read, "summary");
	return 0;
}

static int build(brain_t *b, brain_level_t level, time_t when,
		 time_t start, time_t end, json_t *rep)
{
	const brain__blueprint *bp = b->bp;
	json_t *cats = json_object_get(rep, "categories");
	json_t *kinds = json_object_get(rep, "record_kinds");
	json_int_t ledger_blocks_n = -1;
	totals t;
	size_t i;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; !rc && i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		const json_t *summary;
		json_t *read = NULL, *cat;
		char name[256];

		if (!s->tree) {
			if (!(rc = summary_of(b, s->kind, level, when, &read,
					      &summary)))
				rc = kind_entry(b, kinds, s, summary, start,
						end);
			if (!rc && !strcmp(s->kind, LEDGER))
				ledger_blocks_n = int_of(json_object_get(
					summary, "total_entries"));
			json_decref(read);
			continue;
		}
		/* a category: its entry is made by the first of its trees */
		cat = json_object_get(cats, s->kind);
		if (!cat && (rc = put(cats, s->kind, cat = json_object())))
			break;
		if (!strcmp(s->tree, "report"))
			snprintf(name, sizeof(name), "%s", s->kind);
		else
			snprintf(name, sizeof(name), "%s:%s", s->tree, s->kind);
		if ((rc = summary_of(b, name, level, when, &read, &summary)))
			break;
		if (!strcmp(s->tree, "report")) {
			rc = put(cat, "records",
				 json_integer(int_of(json_object_get(
					 summary, "total_entries"))));
			if (!rc)
				rc = report_figures(cat, s, summary, &t);
		} else if (!strcmp(s->tree, "error")) {
			rc = error_figures(cat, s, summary, &t);
		}
		json_decref(read);
	}
	if (rc)
		return rc;
	/* a category without an error tree still says it had no errors */
	{
		const char *key;
		json_t *cat;

		json_object_foreach(cats, key, cat) {
			if (!json_object_get(cat, "errors") &&
			    (rc = put(cat, "errors",
				      json_pack("{s:I, s:{}}", "total",
						(json_int_t)0, "by_type"))))
				return rc;
			if ((rc = reorder(cat)))
				return rc;
		}
	}
	return put(rep, "totals",
		   json_pack("{s:o, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:I}}",
			     "hashes",
			     t.hashes <= 9e15 ? json_integer((json_int_t)t.hashes)
					      : json_real(t.hashes),
			     "rounds", t.rounds, "blocks",
			     ledger_blocks_n >= 0 ? ledger_blocks_n
						  : t.blocks_found,
			     "errors", t.errors, "uptime_seconds",
			     json_real(t.uptime), "shares", "accepted",
			     t.accepted, "rejected", t.rejected, "stale",
			     t.stale));
}

BRAIN_EXTERN(int)
brain_report(brain_t *b, brain_level_t level, time_t when, json_t **out)
{
	char scope[64], start_s[32], end_s[32], now_s[32];
	time_t start, end, now;
	json_t *rep;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, out);
	*out = NULL;
	BRAIN__ARG(&b->err, level >= BRAIN_LEVEL_HOUR &&
				    level <= BRAIN_LEVEL_ROOT);
	if ((rc = brain__check_time(&b->err, (long long)when, "when")))
		return rc;
	if ((rc = brain_partition(b, level, when, &start, &end, scope,
				  sizeof(scope))))
		return brain__errf(&b->err, rc, "the %s of %lld: %s",
				   brain_level_name(level), (long long)when,
				   brain_strerror(rc));
	now = brain_now(b);
	brain__utc_text(start, start_s, sizeof(start_s));
	brain__utc_text(end, end_s, sizeof(end_s));
	brain__utc_text(now, now_s, sizeof(now_s));
	rep = json_pack("{s:s, s:s, s:o, s:o, s:b, s:s, s:s, s:{}, s:{}}",
			"level", brain_level_name(level), "scope", scope,
			"start", level == BRAIN_LEVEL_ROOT ? json_null()
							   : json_string(start_s),
			"end", level == BRAIN_LEVEL_ROOT ? json_null()
							 : json_string(end_s),
			"complete", level != BRAIN_LEVEL_ROOT && end <= now,
			"generated_at", now_s, "mode", b->mode,
			"categories", "record_kinds");
	if (!rep)
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	if ((rc = build(b, level, when, start, end, rep))) {
		json_decref(rep);
		if (rc == BRAIN_ENOMEM)
			return brain__errf(&b->err, rc, "out of memory");
		return rc; /* the read call's message is in b->err */
	}
	*out = rep;
	return 0;
}
