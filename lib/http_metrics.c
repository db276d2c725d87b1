/*
 * lib/http_metrics.c - the status object (brainstem/http.h) as Prometheus'
 * text exposition format, version 0.0.4.
 *
 * Each family is written whole - HELP, TYPE, then its samples - in the
 * order of the table below, so one family's samples are never split (the
 * format requires it).  Names follow Prometheus' conventions: a
 * "brainstem_" prefix, base units in the name (seconds, hashes per
 * second), "_total" on counters and only on counters.  Label values are
 * escaped (backslash, double quote, newline); a member missing from the
 * status gives no sample, never a made-up zero.  A miner id or pool url
 * that comes twice in its list gives samples once, from the first: two
 * samples of one series make Prometheus refuse the whole scrape.  The
 * cost is one pass over the status (the duplicate check is quadratic in
 * the miners and pools, a few dozen at most): a few hundred bytes per
 * miner.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "http_internal.h"

/* ---- writing ------------------------------------------------------------- */

typedef struct out {
	brain__buf *b;
	int rc;
} out;

static void put(out *o, const char *s)
{
	if (!o->rc)
		o->rc = brain__buf_puts(o->b, s);
}

static void put_n(out *o, const char *s, size_t n)
{
	if (!o->rc)
		o->rc = brain__buf_put(o->b, s, n);
}

/* A label value or HELP text: \ and newline escaped, and " in labels. */
static void put_escaped(out *o, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\'		? "\\\\"
				  : *s == '\n'		? "\\n"
				  : *s == '"' && quote	? "\\\""
							: NULL;
		if (!esc)
			continue;
		put_n(o, run, (size_t)(s - run));
		put(o, esc);
		run = s + 1;
	}
	put_n(o, run, (size_t)(s - run));
}

static void family(out *o, const char *name, const char *type,
		   const char *help)
{
	put(o, "# HELP ");
	put(o, name);
	put(o, " ");
	put_escaped(o, help, 0);
	put(o, "\n# TYPE ");
	put(o, name);
	put(o, " ");
	put(o, type);
	put(o, "\n");
}

/* A sample value: integers exactly, other numbers with 17 digits, and the
 * format's spellings of the infinities and NaN. */
static void put_value(out *o, double v)
{
	char num[64];

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), "%.17g", v);
	put(o, num);
}

/*
 * One sample: name{k1="v1",k2="v2"} value.  labels: NULL or pairs of
 * name and value, NULL-terminated.
 */
static void sample(out *o, const char *name, const char *const *labels,
		   double v)
{
	int i;

	put(o, name);
	for (i = 0; labels && labels[i]; i += 2) {
		put(o, i ? "," : "{");
		put(o, labels[i]);
		put(o, "=\"");
		put_escaped(o, labels[i + 1] ? labels[i + 1] : "", 1);
		put(o, "\"");
	}
	if (labels && labels[0])
		put(o, "}");
	put(o, " ");
	put_value(o, v);
	put(o, "\n");
}

/* ---- reading the status -------------------------------------------------- */

static int number(const json_t *obj, const char *key, double *v)
{
	const json_t *n = json_object_get(obj, key);

	if (json_is_true(n) || json_is_false(n)) {
		*v = json_is_true(n);
		return 1;
	}
	if (!json_is_number(n))
		return 0;
	*v = json_number_value(n);
	return 1;
}

static const char *string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Whether the i-th element of list has the string `key` that an element
 * before it had: its series were written already. */
static int seen_before(const json_t *list, size_t i, const char *key)
{
	const char *s = string(json_array_get(list, i), key);
	size_t j;

	for (j = 0; s && j < i; j++) {
		const char *t = string(json_array_get(list, j), key);
		if (t && !strcmp(s, t))
			return 1;
	}
	return 0;
}

/* ---- the families -------------------------------------------------------- */

/* A per-miner family: one sample for each miner with an "id" and the
 * member (in the miner, or in its "shares" object when sub is set). */
typedef struct miner_metric {
	const char *name, *type, *help, *key;
} miner_metric;

static const miner_metric miner_metrics[] = {
	{"brainstem_hashrate_hashes_per_second", "gauge",
	 "Hash rate of a miner (double SHA-256 of block headers), hashes per "
	 "second.",
	 "hashrate"},
	{"brainstem_hashes_total", "counter",
	 "Block headers hashed by a miner over the program's life (across "
	 "the miner's restarts).",
	 "hashes"},
	{"brainstem_blocks_total", "counter",
	 "Blocks found by a miner (hashes that met the block target).",
	 "blocks"},
	{"brainstem_miner_restarts_total", "counter",
	 "Times the supervisor restarted a miner.", "restarts"},
	{"brainstem_miner_up", "gauge",
	 "1 when a miner is running and heard from, else 0.", "up"},
	{"brainstem_miner_last_heartbeat_timestamp_seconds", "gauge",
	 "Unix time of a miner's last heartbeat.", "last_heartbeat"},
};

static void miners(out *o, const json_t *st)
{
	const json_t *list = json_object_get(st, "miners");
	size_t f, i;

	for (f = 0; f < sizeof(miner_metrics) / sizeof(*miner_metrics); f++) {
		const miner_metric *m = &miner_metrics[f];
		family(o, m->name, m->type, m->help);
		for (i = 0; i < json_array_size(list); i++) {
			const json_t *mi = json_array_get(list, i);
			const char *id = string(mi, "id");
			const char *labels[] = {"miner", id, NULL};
			double v;
			if (id && number(mi, m->key, &v) &&
			    !seen_before(list, i, "id"))
				sample(o, m->name, labels, v);
		}
	}
}

static void share_samples(out *o, const char *name, const char *pool,
			  const json_t *counts)
{
	static const char *const results[] = {"accepted", "rejected",
					      "stale"};
	size_t r;

	for (r = 0; r < 3; r++) {
		const char *labels[] = {"pool", pool, "result", results[r],
					NULL};
		double v;
		if (number(counts, results[r], &v))
			sample(o, name, labels, v);
	}
}

/* Shares per pool: the "pools" list, else the one "pool" and "shares". */
static void shares(out *o, const json_t *st)
{
	const char *name = "brainstem_shares_total";
	const json_t *pools = json_object_get(st, "pools");
	size_t i;

	family(o, name, "counter",
	       "Shares sent to a pool, by the pool's verdict: accepted, "
	       "rejected, or stale (refused as stale, unanswered or not sent "
	       "because their job ended).");
	if (json_array_size(pools)) {
		for (i = 0; i < json_array_size(pools); i++) {
			const json_t *p = json_array_get(pools, i);
			if (string(p, "url") && !seen_before(pools, i, "url"))
				share_samples(o, name, string(p, "url"), p);
		}
	} else if (string(st, "pool")) {
		share_samples(o, name, string(st, "pool"),
			      json_object_get(st, "shares"));
	}
}

static void errors(out *o, const json_t *st)
{
	const char *name = "brainstem_errors_total";
	const char *cat;
	json_t *n;

	family(o, name, "counter",
	       "Errors recorded into the error tree, by category.");
	json_object_foreach((json_t *)json_object_get(st, "errors"), cat, n)
	{
		const char *labels[] = {"category", cat, NULL};
		if (json_is_number(n))
			sample(o, name, labels, json_number_value(n));
	}
}

int brain__http_metrics(const json_t *st, brain__buf *b)
{
	const char *info_labels[] = {
		"version", BRAIN_VERSION_STRING,
		"engine", string(st, "engine") ? string(st, "engine") : "",
		"program", string(st, "program") ? string(st, "program") : "",
		"mode", string(st, "mode") ? string(st, "mode") : "",
		NULL};
	out o = {b, 0};
	double v;

	family(&o, "brainstem_build_info", "gauge",
	       "Always 1; the labels say the library's version, the hashing "
	       "engine, the program and its mode.");
	sample(&o, "brainstem_build_info", info_labels, 1);
	family(&o, "brainstem_start_time_seconds", "gauge",
	       "Unix time the program started.");
	if (number(st, "started", &v))
		sample(&o, "brainstem_start_time_seconds", NULL, v);
	family(&o, "brainstem_threads", "gauge",
	       "Hashing threads of the program, all miners together.");
	if (number(st, "threads", &v))
		sample(&o, "brainstem_threads", NULL, v);
	family(&o, "brainstem_program_hashrate_hashes_per_second", "gauge",
	       "Hash rate of the whole program (the sum of its miners'), "
	       "hashes per second.");
	if (number(st, "hashrate", &v))
		sample(&o, "brainstem_program_hashrate_hashes_per_second", NULL,
		       v);
	miners(&o, st);
	shares(&o, st);
	errors(&o, st);
	family(&o, "brainstem_last_error_timestamp_seconds", "gauge",
	       "Unix time of the last error recorded.");
	if (number(json_object_get(st, "last_error"), "time", &v))
		sample(&o, "brainstem_last_error_timestamp_seconds", NULL, v);
	return o.rc;
}
