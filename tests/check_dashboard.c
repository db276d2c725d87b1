/*
 * tests/check_dashboard.c - the page brain_http serves at "/": a tree with
 * records saved at known hours (an injected clock, explicit timestamps) is
 * drawn as eight charts of 48 and 30 points whose values are the figures
 * computed here from the records the test saved; the status on top is
 * HTML-escaped; a roll-up that cannot be read blanks its charts, not the
 * page; and the numbers people read are rounded with their units.
 *
 * With BRAINSTEM_DASHBOARD_HTML set, the thirty-days test also writes its
 * page there (what docs/dashboard.png is a screenshot of; see
 * tests/tools/dashboard_check.sh).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <brainstem/read.h>

#include "dashboard.h"
#include "dashboard_svg.h"
#include "testutil.h"

/* 2026-11-29T10:30:00Z: half way through the current hour. */
#define NOW ((time_t)1795948200)
#define HOUR 3600
#define DAY 86400
#define H0 (NOW - 1800) /* the current hour's start */
#define D0 (NOW - 10 * HOUR - 1800) /* today's start */

/* The records a test saved, to compute the expected figures from. */
typedef struct rec {
	time_t t;
	const char *stream; /* "miners", "ledger", "error:<category>" */
	const char *event;  /* miners: the event */
	double attempts, acc, rej;
} rec;

typedef struct tree {
	char *dir;
	time_t now;
	brain_t *b, *ro;
	rec recs[12000];
	size_t n;
} tree;

static tree *tree_new(void)
{
	tree *t = calloc(1, sizeof(*t));
	brain_options_t o;

	t->dir = tu_tmpdir();
	t->now = NOW;
	o = tu_options(t->dir, NULL, &t->now);
	ck_assert_msg(brain_initialize_mode(&t->b, "test", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	return t;
}

/* The reader brain_http would have: read-only, on the same tree. */
static void tree_reader(tree *t)
{
	brain_options_t o = tu_options(t->dir, NULL, &t->now);

	ck_assert_msg(brain_flush(t->b) == 0, "%s", brain_errmsg(t->b));
	o.flags = BRAIN_OPEN_READONLY;
	ck_assert_msg(brain_initialize_mode(&t->ro, "test", "Dashboard", &o) ==
			      0,
		      "%s", brain_errmsg(NULL));
}

static void tree_free(tree *t)
{
	brain_close(t->ro);
	brain_close(t->b);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t);
}

static void iso(time_t when, char *out)
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void save(tree *t, rec r)
{
	char ts[24];
	json_t *j;
	int rc;

	iso(r.t, ts);
	if (!strcmp(r.stream, "miners"))
		j = json_pack("{s:s, s:s, s:f, s:f, s:f}", "timestamp", ts,
			      "event", r.event, "attempts_this_round",
			      r.attempts, "shares_accepted", r.acc,
			      "shares_rejected", r.rej);
	else if (!strcmp(r.stream, "ledger"))
		j = json_pack("{s:s, s:s}", "timestamp", ts, "block_hash",
			      "00000000deadbeef");
	else
		j = json_pack("{s:s, s:s, s:s}", "timestamp", ts, "error_type",
			      "test", "message", "something failed");
	rc = brain_save_record(t->b, r.stream, j);
	ck_assert_msg(rc == 0, "%s", brain_errmsg(t->b));
	json_decref(j);
	ck_assert_uint_lt(t->n, sizeof(t->recs) / sizeof(t->recs[0]));
	t->recs[t->n++] = r;
}

static void round_at(tree *t, time_t when, double attempts, double acc,
		     double rej)
{
	save(t, (rec){when, "miners", "mining_round_complete", attempts, acc,
		      rej});
}

/* The points of one chart, read back from the page as a test (and a
 * browser) sees them. */
typedef struct pts {
	int n;
	time_t t[64];
	double v[64], rej[64];
	const char *error; /* data-error, or NULL */
} pts;

static const char *attr(const char *from, const char *end, const char *name)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), " %s=\"", name);
	at = strstr(from, key);
	return at && at < end ? at + strlen(key) : NULL;
}

static pts chart(const char *html, const char *name)
{
	char key[64];
	const char *s, *end, *p, *a;
	pts out;

	memset(&out, 0, sizeof(out));
	snprintf(key, sizeof(key), "<svg class=\"chart\" id=\"%s\"", name);
	s = strstr(html, key);
	ck_assert_msg(s != NULL, "no chart %s", name);
	end = strstr(s, "</svg>");
	ck_assert_ptr_nonnull(end);
	out.error = attr(s, strchr(s, '>'), "data-error");
	for (p = s; (p = strstr(p, "class=\"point\"")) && p < end; p++) {
		const char *tag_end = strchr(p, '>');
		struct tm tm;

		ck_assert_int_lt(out.n, 64);
		memset(&tm, 0, sizeof(tm));
		a = attr(p, tag_end, "data-time");
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(strptime(a, "%Y-%m-%dT%H:%M:%SZ", &tm));
		out.t[out.n] = timegm(&tm);
		a = attr(p, tag_end, "data-value");
		ck_assert_ptr_nonnull(a);
		out.v[out.n] = strtod(a, NULL);
		a = attr(p, tag_end, "data-rejected");
		out.rej[out.n] = a ? strtod(a, NULL) : 0;
		out.n++;
	}
	return out;
}

/* What a point of `what` over [start, start + len) must read, computed
 * from the records saved. */
static double expected(const tree *t, const char *what, time_t start,
		       time_t len, int rejected)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const rec *r = &t->recs[i];
		int round;
		if (r->t < start || r->t >= start + len)
			continue;
		round = !strcmp(r->stream, "miners") &&
			!strcmp(r->event, "mining_round_complete");
		if (!strcmp(what, "hashrate") && round)
			sum += r->attempts;
		else if (!strcmp(what, "shares") && round)
			sum += rejected ? r->rej : r->acc;
		else if (!strcmp(what, "blocks") && !strcmp(r->stream, "ledger"))
			sum += 1;
		else if (!strcmp(what, "errors") &&
			 !strncmp(r->stream, "error:", 6))
			sum += 1;
	}
	if (!strcmp(what, "hashrate")) /* over the seconds gone by */
		sum /= (double)((start + len < NOW ? start + len : NOW) - start);
	return sum;
}

static char *page(tree *t, const json_t *status)
{
	char *html = NULL;

	ck_assert_int_eq(brain__dashboard_html(t->ro, status, NOW, &html), 0);
	ck_assert_ptr_nonnull(html);
	return html;
}

/* Every point of every chart is the figure of its partition, the spans
 * ending with the partition that holds now. */
static void check_charts(const tree *t, const char *html)
{
	static const char *const what[] = {"hashrate", "blocks", "shares",
					   "errors"};
	static const struct {
		const char *level;
		int n;
		time_t len, last;
	} spans[] = {{"hour", 48, HOUR, H0}, {"day", 30, DAY, D0}};
	size_t w, s;
	int i;

	for (w = 0; w < 4; w++)
		for (s = 0; s < 2; s++) {
			char name[32];
			pts p;
			snprintf(name, sizeof(name), "%s-%s", what[w],
				 spans[s].level);
			p = chart(html, name);
			ck_assert_msg(!p.error, "%s: %.200s", name, p.error);
			ck_assert_int_eq(p.n, spans[s].n);
			for (i = 0; i < p.n; i++) {
				time_t at = spans[s].last -
					    (spans[s].n - 1 - i) * spans[s].len;
				double want = expected(t, what[w], at,
						       spans[s].len, 0);
				ck_assert_int_eq(p.t[i], at);
				ck_assert_msg(fabs(p.v[i] - want) <=
						      1e-9 * (want > 1 ? want : 1),
					      "%s point %d: %.10g, want %.10g",
					      name, i, p.v[i], want);
				if (w == 2)
					ck_assert_double_eq(
						p.rej[i],
						expected(t, what[w], at,
							 spans[s].len, 1));
			}
		}
}

/* Records at known hours, in and just out of both spans. */
static void known_hours(tree *t)
{
	round_at(t, H0 + 300, 1800000, 3, 1);     /* 1000 H/s so far */
	round_at(t, H0 - 3000, 3600000, 5, 0);    /* 09:10 */
	round_at(t, H0 - 600, 7200000, 2, 2);     /* 09:50: 3000 H/s */
	/* a session's end repeats its rounds: it must not count */
	save(t, (rec){H0 - 300, "miners", "mining_session_end", 5e9, 9, 9});
	round_at(t, H0 - 47 * HOUR + 60, 360000, 1, 0); /* the first hour */
	round_at(t, H0 - 48 * HOUR + 60, 999, 0, 0);  /* a day point only */
	round_at(t, D0 - 29 * DAY + 60, 86400000, 0, 0); /* the first day */
	round_at(t, D0 - 30 * DAY + 60, 12345, 7, 7);    /* out of both */
	save(t, (rec){H0 - 1800, "ledger", NULL, 0, 0, 0});
	save(t, (rec){H0 - 1700, "ledger", NULL, 0, 0, 0});
	save(t, (rec){H0 + 60, "ledger", NULL, 0, 0, 0});
	save(t, (rec){D0 - 29 * DAY, "ledger", NULL, 0, 0, 0});
	save(t, (rec){D0 - 30 * DAY, "ledger", NULL, 0, 0, 0});
	save(t, (rec){H0 - 2400, "error:miners", NULL, 0, 0, 0});
	save(t, (rec){H0 - 1800, "error:looping", NULL, 0, 0, 0});
	save(t, (rec){H0 + 600, "error:dtm", NULL, 0, 0, 0});
	save(t, (rec){D0 - 20 * DAY, "error:brainstem", NULL, 0, 0, 0});
}

START_TEST(charts_are_the_figures_of_the_records_saved)
{
	tree *t = tree_new();
	char *html;
	pts p;

	known_hours(t);
	tree_reader(t);
	html = page(t, NULL);
	check_charts(t, html);
	/* the figures the records were chosen for, said plainly */
	p = chart(html, "hashrate-hour");
	ck_assert_double_eq_tol(p.v[47], 1000, 1e-9);
	ck_assert_double_eq_tol(p.v[46], 3000, 1e-9);
	ck_assert_double_eq_tol(p.v[0], 100, 1e-9);
	p = chart(html, "blocks-hour");
	ck_assert_double_eq(p.v[46], 2);
	ck_assert_double_eq(p.v[47], 1);
	p = chart(html, "errors-day");
	ck_assert_double_eq(p.v[29], 3);
	ck_assert_double_eq(p.v[9], 1);
	p = chart(html, "shares-hour");
	ck_assert_double_eq(p.v[46], 7);
	ck_assert_double_eq(p.rej[46], 2);
	p = chart(html, "hashrate-day");
	ck_assert_double_eq_tol(p.v[0], 1000, 1e-9);
	free(html);
	tree_free(t);
}
END_TEST

START_TEST(an_empty_tree_draws_eight_charts_of_zeros)
{
	tree *t = tree_new();
	char *html;

	tree_reader(t);
	html = page(t, NULL);
	check_charts(t, html);
	ck_assert_ptr_null(strstr(html, "id=\"status\""));
	/* nothing from the network: no fonts, scripts or styles to fetch */
	ck_assert_ptr_null(strstr(html, "http:"));
	ck_assert_ptr_null(strstr(html, "https:"));
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<link"));
	ck_assert_ptr_nonnull(strstr(html, "http-equiv=\"refresh\""));
	free(html);
	tree_free(t);
}
END_TEST

static json_t *status_two_miners(void)
{
	json_t *st = json_pack(
		"{s:s, s:s, s:s, s:i, s:I, s:f, s:I, s:i, s:i,"
		" s:{s:i, s:i, s:i}, s:s, s:{s:i, s:i},"
		" s:{s:I, s:s}, s:[{s:s, s:i, s:s, s:b, s:f, s:I, s:i,"
		" s:i, s:I, s:{s:i, s:i, s:i}}, {s:s, s:i, s:s, s:b}]}",
		"program", "brainstem-looper", "mode", "test", "engine",
		"shani", "threads", 4, "started", (json_int_t)(NOW - 7500),
		"hashrate", 12345678.9, "hashes", (json_int_t)98765432100LL,
		"blocks", 3, "restarts", 1, "shares", "accepted", 120,
		"rejected", 4, "stale", 1, "pool",
		"stratum+tcp://pool<x>.example:3333", "errors", "miners", 2,
		"looping", 1, "last_error", "time", (json_int_t)(NOW - 65),
		"message", "disk <full> & \"quoted\"", "miners", "id",
		"<script>alert(1)</script>", "pid", 4242, "state", "running",
		"up", 1, "hashrate", 6e6, "hashes", (json_int_t)5000000000LL,
		"blocks", 2, "restarts", 0, "last_heartbeat",
		(json_int_t)(NOW - 3), "shares", "accepted", 60, "rejected", 2,
		"stale", 0, "id", "miner_2", "pid", 4243, "state", "restarting",
		"up", 0);

	ck_assert_ptr_nonnull(st);
	return st;
}

START_TEST(status_strings_are_shown_as_text)
{
	json_t *st = status_two_miners();
	char *html = NULL;

	ck_assert_int_eq(brain__dashboard_html(NULL, st, NOW, &html), 0);
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_nonnull(
		strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "disk &lt;full&gt; &amp; "
					   "&quot;quoted&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "pool&lt;x&gt;.example"));
	ck_assert_ptr_nonnull(strstr(html, "<section id=\"status\" "
					   "data-miners=\"2\">"));
	ck_assert_ptr_nonnull(strstr(html, "data-id=\"miner_2\""));
	/* figures rounded for people, with their units */
	ck_assert_ptr_nonnull(strstr(html, ">12.3 MH/s<"));
	ck_assert_ptr_nonnull(strstr(html, ">6.00 MH/s<"));
	ck_assert_ptr_nonnull(strstr(html, ">98.8 G<"));
	ck_assert_ptr_nonnull(strstr(html, ">120 / 4 / 1<"));
	ck_assert_ptr_nonnull(strstr(html, ">2 h 5 min<")); /* uptime */
	ck_assert_ptr_nonnull(strstr(html, ">1 of 2<"));    /* miners up */
	ck_assert_ptr_nonnull(strstr(html, "(1 min 5 s ago)"));
	ck_assert_ptr_nonnull(strstr(html, ">3 s ago<"));
	/* no tree: the status only */
	ck_assert_ptr_null(strstr(html, "<svg"));
	free(html);
	json_decref(st);
}
END_TEST

/* Times no clock gives (fuzz_status found each): a heartbeat from the
 * far past fills its cell and still says "ago" (ASan watches the cell);
 * an error time outside 1970-9999 is not shown; the page is whole. */
START_TEST(far_off_status_times_still_draw_the_page)
{
	json_t *st = json_pack("{s:f, s:{s:f, s:s}, s:[{s:s, s:f}]}",
			       "started", -1e300, "last_error", "time", 1e30,
			       "message", "disk full", "miners", "id", "m",
			       "last_heartbeat", -1e300);
	char *html = NULL;

	ck_assert_int_eq(brain__dashboard_html(NULL, st, NOW, &html), 0);
	ck_assert_ptr_nonnull(strstr(html, " ago</td></tr>"));
	ck_assert_ptr_nonnull(strstr(html, "Last error: disk full</p>"));
	ck_assert_ptr_nonnull(strstr(html, "</body></html>\n"));
	free(html);
	json_decref(st);
}
END_TEST

START_TEST(an_unreadable_rollup_blanks_its_charts_not_the_page)
{
	tree *t = tree_new();
	json_t *st = status_two_miners();
	char *html, *path;
	pts p;

	known_hours(t);
	tree_reader(t);
	/* the hour of 09:00's miners summary is damaged */
	ck_assert_int_eq(brain_get_path(t->b, "miners",
					"aggregated_index_hour", H0 - 1, &path),
			 0);
	tu_write(path, "{\"metadata\": {}, \"summary\": ");
	html = page(t, st);
	p = chart(html, "hashrate-hour");
	ck_assert_ptr_nonnull(p.error);
	ck_assert_int_eq(p.n, 0);
	ck_assert_ptr_nonnull(chart(html, "shares-hour").error);
	/* the reason names the file, and shows in the chart */
	ck_assert_msg(strstr(p.error, "aggregated_index") != NULL, "%.300s",
		      p.error);
	ck_assert_int_eq(chart(html, "blocks-hour").n, 48);
	ck_assert_int_eq(chart(html, "errors-hour").n, 48);
	ck_assert_int_eq(chart(html, "hashrate-day").n, 30);
	ck_assert_ptr_nonnull(strstr(html, "data-miners=\"2\""));
	ck_assert_ptr_nonnull(strstr(html, "</html>"));
	brain_free(path);
	free(html);
	json_decref(st);
	tree_free(t);
}
END_TEST

START_TEST(numbers_are_rounded_with_units)
{
	static const struct {
		double v;
		const char *rate, *count;
	} cases[] = {
		{0, "0 H/s", "0"},
		{950, "950 H/s", "950"},
		{999.7, "1.00 kH/s", "1,000"},
		{12345, "12.3 kH/s", "12,345"},
		{1250000, "1.25 MH/s", "1.25 M"},
		{29963280.370999996, "30.0 MH/s", "30.0 M"},
		{3.4e9, "3.40 GH/s", "3.40 G"},
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		brain__fmt_rate(cases[i].v, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].rate);
		brain__fmt_count(cases[i].v, out, sizeof(out));
		ck_assert_str_eq(out, cases[i].count);
	}
	brain__fmt_duration(45, out, sizeof(out));
	ck_assert_str_eq(out, "45 s");
	brain__fmt_duration(3 * 86400 + 5 * 3600 + 59, out, sizeof(out));
	ck_assert_str_eq(out, "3 d 5 h");
	/* past what a long holds (a status may say anything; fuzz_status) */
	brain__fmt_duration(1e20, out, sizeof(out));
	ck_assert_str_eq(out, "1157407407407407 d 9 h");
}
END_TEST

/* A rate chart's axis is labelled in the unit its top calls for. */
START_TEST(rate_axis_is_scaled_to_its_top)
{
	brain__page p = {{NULL, 0, 0}, 0};
	brain__chart *c = calloc(1, sizeof(*c));
	size_t i;

	snprintf(c->name, sizeof(c->name), "hashrate-hour");
	snprintf(c->title, sizeof(c->title), "Hash rate");
	c->level = "hour";
	c->kind = BRAIN__CHART_RATE;
	c->n = 48;
	for (i = 0; i < c->n; i++) {
		c->pt[i].start = H0 - (time_t)(47 - i) * HOUR;
		snprintf(c->pt[i].scope, sizeof(c->pt[i].scope),
			 "2026-11-29T%02zu", i % 24);
		c->pt[i].v = 3.5e6 + 1e5 * (double)(i % 5);
	}
	brain__chart_svg(&p, c);
	ck_assert_int_eq(p.rc, 0);
	ck_assert_ptr_nonnull(strstr(p.buf.data, ">4 MH/s</text>"));
	ck_assert_ptr_nonnull(strstr(p.buf.data, ">0 MH/s</text>"));
	ck_assert_ptr_null(strstr(p.buf.data, "kH/s"));
	ck_assert_ptr_nonnull(strstr(p.buf.data, ">latest 3.70 MH/s<"));
	ck_assert_ptr_nonnull(strstr(p.buf.data, ">06:00</text>"));
	brain__buf_free(&p.buf);
	free(c);
}
END_TEST

/* A seeded generator, so the history is the same every run. */
static double rnd(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/* Thirty days of two pool miners: a round each per 15 minutes at about
 * 4.1 and 2.9 MH/s (at 5, 20, 35 and 50 past the hour), shares, a block now and then, miner_2 down for nine
 * hours twelve days ago and miner_1 slowed for two days last week. */
static void thirty_days(tree *t)
{
	unsigned long long seed = 0x9E3779B97F4A7C15ULL;
	time_t at;
	int m;

	for (at = D0 - 29 * DAY + 300; at <= NOW; at += 900)
		for (m = 0; m < 2; m++) {
			double rate = m ? 2.9e6 : 4.1e6;
			if (m && at >= D0 - 12 * DAY + 3 * HOUR &&
			    at < D0 - 12 * DAY + 12 * HOUR)
				continue;
			if (!m && at >= D0 - 6 * DAY && at < D0 - 4 * DAY)
				rate *= 0.7;
			rate *= 0.97 + 0.06 * rnd(&seed);
			round_at(t, at - m * 7, rate * 900,
				 (double)(int)(15 * rnd(&seed)),
				 rnd(&seed) < 0.09);
			if (rnd(&seed) < 0.03)
				save(t, (rec){at - m * 7, "ledger", NULL, 0, 0,
					      0});
			if (rnd(&seed) < 0.006)
				save(t, (rec){at - m * 7, "error:miners", NULL,
					      0, 0, 0});
		}
	save(t, (rec){D0 - 12 * DAY + 3 * HOUR, "error:looping", NULL, 0, 0,
		      0});
}

START_TEST(thirty_days_of_history_draw_every_point)
{
	const char *out = getenv("BRAINSTEM_DASHBOARD_HTML");
	tree *t = tree_new();
	json_t *st;
	char *html;

	thirty_days(t);
	tree_reader(t);
	st = json_pack(
		"{s:s, s:s, s:s, s:i, s:I, s:f, s:I, s:i, s:i,"
		" s:{s:i, s:i, s:i}, s:s, s:{s:i}, s:n,"
		" s:[{s:s, s:i, s:s, s:b, s:f, s:I, s:i, s:i, s:I,"
		" s:{s:i, s:i, s:i}}, {s:s, s:i, s:s, s:b, s:f, s:I, s:i,"
		" s:i, s:I, s:{s:i, s:i, s:i}}]}",
		"program", "brainstem-looper", "mode", "test", "engine", "shani",
		"threads", 2, "started", (json_int_t)(NOW - 3 * DAY - 4000),
		"hashrate", 7.04e6, "hashes", (json_int_t)1830000000000LL,
		"blocks", 24, "restarts", 1, "shares", "accepted", 5213,
		"rejected", 62, "stale", 3, "pool",
		"stratum+tcp://127.0.0.1:3333", "errors", "miners", 9,
		"last_error", "miners", "id", "miner_1", "pid", 31337, "state",
		"running", "up", 1, "hashrate", 4.12e6, "hashes",
		(json_int_t)1070000000000LL, "blocks", 14, "restarts", 0,
		"last_heartbeat", (json_int_t)(NOW - 2), "shares", "accepted",
		3021, "rejected", 35, "stale", 2, "id", "miner_2", "pid", 31338,
		"state", "running", "up", 1, "hashrate", 2.92e6, "hashes",
		(json_int_t)760000000000LL, "blocks", 10, "restarts", 1,
		"last_heartbeat", (json_int_t)(NOW - 4), "shares", "accepted",
		2192, "rejected", 27, "stale", 1);
	ck_assert_ptr_nonnull(st);
	html = page(t, st);
	check_charts(t, html);
	if (out && *out)
		tu_write(out, html);
	free(html);
	json_decref(st);
	tree_free(t);
}
END_TEST

Suite *dashboard_suite(void)
{
	Suite *s = suite_create("dashboard");
	TCase *tc = tcase_create("dashboard");

	tcase_add_test(tc, charts_are_the_figures_of_the_records_saved);
	tcase_add_test(tc, an_empty_tree_draws_eight_charts_of_zeros);
	tcase_add_test(tc, status_strings_are_shown_as_text);
	tcase_add_test(tc, far_off_status_times_still_draw_the_page);
	tcase_add_test(tc, an_unreadable_rollup_blanks_its_charts_not_the_page);
	tcase_add_test(tc, numbers_are_rounded_with_units);
	tcase_add_test(tc, rate_axis_is_scaled_to_its_top);
	suite_add_tcase(s, tc);
	/* about 6,000 saves: a case of its own, to run or time alone */
	tc = tcase_create("history");
	tcase_add_test(tc, thirty_days_of_history_draw_every_point);
	suite_add_tcase(s, tc);
	return s;
}
