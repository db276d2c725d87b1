/*
 * lib/dashboard.c - the dashboard page (see dashboard.h): the live status
 * a program hands brain_http, then eight charts read from the roll-ups
 * through the read API - hash rate, blocks, shares and errors, per hour
 * for the last 48 hours and per day for the last 30 days.
 *
 * The figures of a partition:
 *   hash rate  the miners category's sum of attempts_this_round over the
 *              partition's seconds (for the current one: the seconds
 *              elapsed so far, so the last point is not diluted);
 *   blocks     the ledger's total_entries;
 *   shares     the miners category's sums of shares_accepted and
 *              shares_rejected;
 *   errors     the total_entries of every category's error tree, the
 *              categories being the blueprint's.
 * The summary keys are looked up in the blueprint's metrics, so a
 * blueprint that names them otherwise still draws.
 *
 * Cost: one summary file read per stream and partition, (2 + categories)
 * x 78 small reads in all, and a page of about 100 kB.  A stream that
 * cannot be read blanks its charts with the reason, never the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>
#include <brainstem/read.h>
#include <brainstem/version.h>

#include "brain_internal.h"
#include "dashboard.h"
#include "dashboard_svg.h"

/* What the miners write to (bin/miner) and the tree the library keeps
 * every category's errors in (lib/records.c). */
#define MINERS_STREAM "miners"
#define BLOCKS_STREAM "ledger"
#define ERROR_TREE "error"

enum { HASHRATE, BLOCKS, SHARES, ERRORS, NCHARTS };

static const struct {
	const char *name, *title, *noun;
	brain__chart_kind kind;
} chart_defs[NCHARTS] = {
	{"hashrate", "Hash rate", NULL, BRAIN__CHART_RATE},
	{"blocks", "Blocks found", "blocks", BRAIN__CHART_COUNT},
	{"shares", "Shares", "shares", BRAIN__CHART_SHARES},
	{"errors", "Errors", "errors", BRAIN__CHART_COUNT},
};

static const struct {
	brain_level_t level;
	const char *name, *title;
	size_t n;
} span_defs[2] = {
	{BRAIN_LEVEL_HOUR, "hour", "per hour, last 48 hours", 48},
	{BRAIN_LEVEL_DAY, "day", "per day, last 30 days", 30},
};

/* One series being read into one or two charts. */
typedef struct gather {
	brain__chart *a, *b; /* b: the shares chart, read with the rate */
	size_t i, n;
	time_t now;
	int add; /* errors: add every category into the same points */
	const char *key, *key_acc, *key_rej;
} gather;

static double num(const json_t *summary, const char *key)
{
	return key ? json_number_value(json_object_get(summary, key)) : 0;
}

static void take_point(brain__chart *c, size_t i, time_t start,
		       const char *scope)
{
	c->pt[i].start = start;
	snprintf(c->pt[i].scope, sizeof(c->pt[i].scope), "%s", scope);
}

static int take(void *ctx, time_t start, time_t end, const char *scope,
		const json_t *summary)
{
	gather *g = ctx;
	size_t i = g->i++;

	if (i >= g->n) /* the span has n partitions: nothing more to draw */
		return 0;
	take_point(g->a, i, start, scope);
	if (g->b) { /* hash rate and shares */
		time_t last = end < g->now ? end : g->now;
		double secs = last > start ? (double)(last - start) : 1;
		g->a->pt[i].v = num(summary, g->key) / secs;
		take_point(g->b, i, start, scope);
		g->b->pt[i].v = num(summary, g->key_acc);
		g->b->pt[i].v2 = num(summary, g->key_rej);
	} else if (g->add) {
		g->a->pt[i].v += num(summary, "total_entries");
	} else {
		g->a->pt[i].v = num(summary, "total_entries");
	}
	return 0;
}

/* The summary key of the stream's sum of `field`, or NULL. */
static const char *sum_key(const brain__stream *s, const char *field)
{
	size_t i;

	for (i = 0; s && i < s->nmetrics; i++)
		if (s->metrics[i].op == BRAIN__M_SUM &&
		    !strcmp(s->metrics[i].field, field))
			return s->metrics[i].as;
	return NULL;
}

static void blank(brain__chart *c, const char *fmt, const char *what,
		  const char *why)
{
	c->n = 0;
	snprintf(c->why, sizeof(c->why), fmt, what, why);
}

/* Reads `stream` over [from, to) into g's charts; on failure blanks them
 * with the reason. */
static int read_into(brain_t *ro, const char *stream, brain_level_t lv,
		     time_t from, time_t to, gather *g)
{
	int rc;

	g->i = 0;
	rc = brain_read_series(ro, stream, lv, from, to, take, g);
	if (rc) {
		const char *fmt = "cannot read the roll-ups of %s: %s";
		blank(g->a, fmt, stream, brain_errmsg(ro));
		if (g->b)
			blank(g->b, fmt, stream, brain_errmsg(ro));
		return rc;
	}
	g->a->n = g->i < g->n ? g->i : g->n;
	if (g->b)
		g->b->n = g->a->n;
	return 0;
}

static void read_miners(brain_t *ro, brain_level_t lv, time_t from,
			time_t to, gather *g)
{
	const brain__stream *s =
		brain__blueprint_stream(ro->bp, MINERS_STREAM);
	const char *fmt = "the blueprint's %s category keeps no %s";

	g->key = sum_key(s, "attempts_this_round");
	g->key_acc = sum_key(s, "shares_accepted");
	g->key_rej = sum_key(s, "shares_rejected");
	if (read_into(ro, MINERS_STREAM, lv, from, to, g))
		return;
	if (!g->key)
		blank(g->a, fmt, MINERS_STREAM, "sum of attempts_this_round");
	if (!g->key_acc || !g->key_rej)
		blank(g->b, fmt, MINERS_STREAM, "sums of shares_accepted "
						"and shares_rejected");
}

static void read_errors(brain_t *ro, brain_level_t lv, time_t from,
			time_t to, gather *g)
{
	const brain__blueprint *bp = ro->bp;
	size_t i;

	memset(g->a->pt, 0, sizeof(g->a->pt));
	for (i = 0; i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		if (!s->tree || strcmp(s->tree, ERROR_TREE))
			continue;
		if (read_into(ro, s->id, lv, from, to, g))
			return;
		g->add = 1;
	}
}

/* The span's charts, hash rate, blocks, shares and errors, in c[]. */
static void read_span(brain_t *ro, int span, time_t now, brain__chart *c)
{
	brain_level_t lv = span_defs[span].level;
	time_t from, to, end;
	gather g;
	size_t i;
	int rc;

	for (i = 0; i < NCHARTS; i++) {
		snprintf(c[i].name, sizeof(c[i].name), "%s-%s",
			 chart_defs[i].name, span_defs[span].name);
		snprintf(c[i].title, sizeof(c[i].title), "%s %s",
			 chart_defs[i].title, span_defs[span].title);
		c[i].level = span_defs[span].name;
		c[i].noun = chart_defs[i].noun;
		c[i].kind = chart_defs[i].kind;
	}
	/* the span: the partition holding now and the n - 1 before it */
	rc = brain_partition(ro, lv, now, &from, &to, NULL, 0);
	for (i = 1; !rc && i < span_defs[span].n; i++)
		rc = brain_partition(ro, lv, from - 1, &from, &end, NULL, 0);
	if (rc) {
		for (i = 0; i < NCHARTS; i++)
			blank(&c[i], "cannot tell the %s partitions: %s",
			      span_defs[span].name, brain_errmsg(ro));
		return;
	}
	memset(&g, 0, sizeof(g));
	g.n = span_defs[span].n;
	g.now = now;
	g.a = &c[HASHRATE];
	g.b = &c[SHARES];
	read_miners(ro, lv, from, to, &g);
	memset(&g, 0, sizeof(g));
	g.n = span_defs[span].n;
	g.a = &c[BLOCKS];
	read_into(ro, BLOCKS_STREAM, lv, from, to, &g);
	g.a = &c[ERRORS];
	read_errors(ro, lv, from, to, &g);
}

/* The page's look: small, inline, no fonts from anywhere. */
static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;"
	"color:#1f2430;background:#f4f5f8}"
	"h1{font-size:20px;margin:0}h2{font-size:15px;margin:18px 0 8px}"
	".sub{color:#5d6475;margin:2px 0 12px}"
	".tiles{display:flex;flex-wrap:wrap;gap:8px}"
	".tile{background:#fff;border:1px solid #dde0e8;border-radius:6px;"
	"padding:8px 12px;min-width:120px}"
	".tile .k{display:block;color:#5d6475;font-size:12px}"
	".tile .v{font-size:18px;font-weight:600}"
	".err{color:#b42318}.up{color:#1b7f4b}.down{color:#b42318}"
	"table{border-collapse:collapse;background:#fff;margin-top:10px;"
	"width:100%;border:1px solid #dde0e8}"
	"th,td{padding:4px 10px;border-bottom:1px solid #eceef3;"
	"text-align:right}th{font-size:12px;color:#5d6475}"
	"th:first-child,td:first-child{text-align:left}"
	".charts{display:grid;grid-template-columns:1fr 1fr;gap:12px;"
	"margin-top:14px}"
	"svg.chart{background:#fff;border:1px solid #dde0e8;"
	"border-radius:6px;width:100%;height:auto}"
	"svg text{font:11px system-ui,sans-serif;fill:#5d6475}"
	"svg text.title{font-size:14px;font-weight:600;fill:#1f2430}"
	"svg text.headline{font-size:12px;fill:#1f2430}"
	"svg text.why{font-size:12px;fill:#b42318}"
	".grid{stroke:#eceef3}.axis{stroke:#9aa1b1}"
	".line{fill:none;stroke:#2563b0;stroke-width:1.5}"
	"circle.point{fill:#2563b0}rect.point{fill:#6d4fc2}"
	"svg[data-chart^=errors] rect.point{fill:#b42318}"
	".acc{fill:#1b7f4b}.rej{fill:#b42318}";

/* The first line under the title: program, mode, engine and threads. */
static void subtitle(brain__page *p, const json_t *st, brain_t *ro,
		     time_t now)
{
	const char *prog = json_string_value(json_object_get(st, "program"));
	const char *mode = json_string_value(json_object_get(st, "mode"));
	const char *engine = json_string_value(json_object_get(st, "engine"));
	char iso[32];
	double threads;

	if (!mode && ro)
		mode = brain_mode(ro);
	brain__page_puts(p, "<p class=\"sub\">");
	if (prog) {
		brain__page_text(p, prog);
		brain__page_puts(p, " &middot; ");
	}
	if (mode) {
		brain__page_text(p, mode);
		brain__page_puts(p, " mode &middot; ");
	}
	if (engine) {
		brain__page_text(p, engine);
		threads = json_number_value(json_object_get(st, "threads"));
		if (threads > 0)
			brain__page_printf(p, " &times; %.0f threads", threads);
		brain__page_puts(p, " &middot; ");
	}
	brain__fmt_iso(now, iso, sizeof(iso));
	brain__page_printf(p, "as of %s &middot; brainstem %s &middot; "
			      "refreshes every 10 s</p>\n",
			   iso, brain_version());
}

static void charts_html(brain__page *p, brain_t *ro, time_t now)
{
	brain__chart *c = calloc(2 * NCHARTS, sizeof(*c));
	int kind, span;

	if (!c) {
		p->rc = BRAIN_ENOMEM;
		return;
	}
	for (span = 0; span < 2; span++)
		read_span(ro, span, now, c + span * NCHARTS);
	brain__page_puts(p, "<section class=\"charts\" id=\"charts\">\n");
	/* one row per figure: its last 48 hours, then its last 30 days */
	for (kind = 0; kind < NCHARTS; kind++)
		for (span = 0; span < 2; span++)
			brain__chart_svg(p, &c[span * NCHARTS + kind]);
	brain__page_puts(p, "</section>\n");
	free(c);
}

int brain__dashboard_html(brain_t *ro, const json_t *status, time_t now,
			  char **html)
{
	brain__page p = {{NULL, 0, 0}, 0};
	const char *prog = status ? json_string_value(
					    json_object_get(status, "program"))
				  : NULL;

	*html = NULL;
	brain__page_puts(&p, "<!doctype html>\n<html lang=\"en\"><head>"
			     "<meta charset=\"utf-8\">"
			     "<meta http-equiv=\"refresh\" content=\"10\">"
			     "<meta name=\"viewport\" content=\"width=device-"
			     "width\"><title>");
	brain__page_text(&p, prog ? prog : "brainstem");
	brain__page_puts(&p, "</title><style>");
	brain__page_puts(&p, style);
	brain__page_puts(&p, "</style></head>\n<body>\n<h1>brainstem</h1>\n");
	subtitle(&p, status, ro, now);
	if (status && json_is_object(status))
		brain__dashboard_status(&p, status, now);
	if (ro)
		charts_html(&p, ro, now);
	brain__page_puts(&p, "</body></html>\n");
	if (p.rc) {
		brain__buf_free(&p.buf);
		return p.rc;
	}
	*html = p.buf.data;
	return 0;
}
