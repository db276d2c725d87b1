/*
 * lib/dashboard_svg.h - the dashboard's drawing: a page being written, the
 * numbers people read (rates with auto-scaled units, counts, durations),
 * and one chart as inline SVG from figures already read.
 *
 * Nothing here reads the tree: dashboard.c reads the roll-ups into a
 * brain__chart and hands it over, so the drawing is tested with figures
 * made up in a test.
 */
#ifndef BRAIN_LIB_DASHBOARD_SVG_H
#define BRAIN_LIB_DASHBOARD_SVG_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

#include "jsonfile.h"

/*
 * The page being written.  The first failure (BRAIN_ENOMEM) sticks in rc
 * and makes every later write a no-op, so a page is written without a
 * check after each piece and tested once at the end.
 */
typedef struct brain__page {
	brain__buf buf;
	int rc;
} brain__page;

void brain__page_puts(brain__page *p, const char *s);
void brain__page_printf(brain__page *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s with & < > " ' escaped, for text and attribute values alike. */
void brain__page_text(brain__page *p, const char *s);

/* Hashes per second with a unit that keeps 3 significant digits:
 * "0 H/s", "950 H/s", "12.3 kH/s", "1.25 MH/s", "3.40 GH/s". */
void brain__fmt_rate(double hps, char *out, size_t size);
/* A count: "999", "12,345", then "1.23 M", "4.56 G" past a million. */
void brain__fmt_count(double n, char *out, size_t size);
/* A duration: "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
void brain__fmt_duration(double seconds, char *out, size_t size);
/* "2026-11-29T10:00:00Z" (at least 21 bytes). */
void brain__fmt_iso(time_t t, char *out, size_t size);

typedef enum brain__chart_kind {
	BRAIN__CHART_RATE,   /* a line of hash rates (H/s) */
	BRAIN__CHART_COUNT,  /* bars of a count */
	BRAIN__CHART_SHARES, /* bars: accepted, rejected stacked on them */
} brain__chart_kind;

/* The most points a chart holds: 48 hours. */
#define BRAIN__CHART_MAX 48

typedef struct brain__chart_point {
	time_t start;   /* the partition's first second */
	char scope[24]; /* as the tree names it: "2026-11-29T10", "2026-11-29" */
	double v;       /* the figure; shares: accepted */
	double v2;      /* shares: rejected; else unused */
} brain__chart_point;

typedef struct brain__chart {
	char name[32];     /* the <svg>'s id and data-chart: "hashrate-hour" */
	char title[80];    /* "Hash rate per hour, last 48 hours" */
	const char *level; /* "hour" or "day": how time labels read */
	const char *noun;  /* what a count counts: "blocks", "errors" */
	brain__chart_kind kind;
	size_t n;
	brain__chart_point pt[BRAIN__CHART_MAX];
	char why[512]; /* not empty: the figures could not be read, and why */
} brain__chart;

/*
 * Writes the chart as one <svg class="chart" id=NAME data-chart=NAME
 * data-level=LEVEL data-points=N>: a title, the value axis with gridlines
 * and auto-scaled labels, the time axis, and one element of class "point"
 * per partition, oldest first, carrying data-time (the partition's start,
 * ISO 8601 UTC), data-scope and data-value (shares: data-value is the
 * accepted count, data-rejected the rejected one) and a <title> that reads
 * the point for a person.  A chart with `why` set draws that text instead
 * of points (and carries it as data-error).
 */
void brain__chart_svg(brain__page *p, const brain__chart *c);

/*
 * The status block (dashboard_status.c): <section id="status"
 * data-miners=N> with tiles (ids "st-hashrate", "st-blocks", ...), the
 * last error, and a table of the miners (<tr class="miner" data-id=ID>).
 * `now` gives uptime and the age of heartbeats.
 */
void brain__dashboard_status(brain__page *p, const json_t *st, time_t now);

#endif
