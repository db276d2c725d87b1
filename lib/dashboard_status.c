/*
 * lib/dashboard_status.c - the dashboard's top: the live status a program
 * hands brain_http (see brainstem/http.h for its members) as tiles - hash
 * rate, miners up, blocks, shares, hashes, uptime, restarts, errors, pool
 * - the last error, and one table row per miner.  Every member is
 * optional: a missing one reads "-".  Every string from the status is
 * HTML-escaped, so a miner named "<script>" is shown as text.
 */
#include <stdio.h>
#include <string.h>

#include <brainstem/brain.h>

#include "dashboard_svg.h"

static int get_num(const json_t *o, const char *key, double *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return 1;
}

static void tile_begin(brain__page *p, const char *id, const char *label)
{
	brain__page_printf(p, "<div class=\"tile\" id=\"st-%s\"><span "
			      "class=\"k\">%s</span><span class=\"v\">",
			   id, label);
}

/* A tile with a count, or "-" when the status has no such member. */
static void tile_count(brain__page *p, const char *id, const char *label,
		       const json_t *o, const char *key)
{
	char text[32] = "-";
	double v;

	if (get_num(o, key, &v))
		brain__fmt_count(v, text, sizeof(text));
	tile_begin(p, id, label);
	brain__page_printf(p, "%s</span></div>\n", text);
}

static void shares_text(const json_t *shares, char *out, size_t size)
{
	char a[32] = "-", r[32] = "-", s[32] = "-";
	double v;

	if (get_num(shares, "accepted", &v))
		brain__fmt_count(v, a, sizeof(a));
	if (get_num(shares, "rejected", &v))
		brain__fmt_count(v, r, sizeof(r));
	if (get_num(shares, "stale", &v))
		brain__fmt_count(v, s, sizeof(s));
	snprintf(out, size, "%s / %s / %s", a, r, s);
}

static void tiles(brain__page *p, const json_t *st, time_t now)
{
	const json_t *miners = json_object_get(st, "miners"), *m, *pool;
	char text[64] = "-";
	double v, started;
	size_t i, up = 0;
	const char *key;

	brain__page_puts(p, "<div class=\"tiles\">\n");
	tile_begin(p, "hashrate", "Hash rate");
	if (get_num(st, "hashrate", &v))
		brain__fmt_rate(v, text, sizeof(text));
	brain__page_printf(p, "%s</span></div>\n", text);
	json_array_foreach(miners, i, m)
		up += json_is_true(json_object_get(m, "up"));
	tile_begin(p, "miners", "Miners up");
	brain__page_printf(p, "%zu of %zu</span></div>\n", up,
			   json_array_size(miners));
	tile_count(p, "blocks", "Blocks", st, "blocks");
	shares_text(json_object_get(st, "shares"), text, sizeof(text));
	tile_begin(p, "shares", "Shares accepted / rejected / stale");
	brain__page_printf(p, "%s</span></div>\n", text);
	tile_count(p, "hashes", "Hashes", st, "hashes");
	snprintf(text, sizeof(text), "-");
	if (get_num(st, "uptime", &v))
		brain__fmt_duration(v, text, sizeof(text));
	else if (get_num(st, "started", &started))
		brain__fmt_duration((double)now - started, text, sizeof(text));
	tile_begin(p, "uptime", "Uptime");
	brain__page_printf(p, "%s</span></div>\n", text);
	tile_count(p, "restarts", "Restarts", st, "restarts");
	v = 0;
	json_object_foreach((json_t *)json_object_get(st, "errors"), key, m)
		v += json_number_value(m);
	brain__fmt_count(v, text, sizeof(text));
	tile_begin(p, "errors", "Errors");
	brain__page_printf(p, "%s</span></div>\n", text);
	pool = json_object_get(st, "pool");
	tile_begin(p, "pool", "Pool");
	brain__page_text(p, json_is_string(pool) ? json_string_value(pool)
						 : "none (solo)");
	brain__page_puts(p, "</span></div>\n</div>\n");
}

static void last_error(brain__page *p, const json_t *st, time_t now)
{
	const json_t *e = json_object_get(st, "last_error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	char iso[32], ago[32];
	double t;

	if (!msg)
		return;
	brain__page_puts(p, "<p id=\"last-error\" class=\"err\">Last error");
	/* a time outside the years 1970 to 9999 is not a time to show */
	if (get_num(e, "time", &t) && t >= (double)BRAIN_TIME_MIN &&
	    t <= (double)BRAIN_TIME_MAX) {
		brain__fmt_iso((time_t)t, iso, sizeof(iso));
		brain__fmt_duration((double)now - t, ago, sizeof(ago));
		brain__page_printf(p, " at %s (%s ago)", iso, ago);
	}
	brain__page_puts(p, ": ");
	brain__page_text(p, msg);
	brain__page_puts(p, "</p>\n");
}

/* A table cell with a count, empty when the member is missing. */
static void cell_count(brain__page *p, const json_t *o, const char *key)
{
	char text[32] = "";
	double v;

	if (get_num(o, key, &v))
		brain__fmt_count(v, text, sizeof(text));
	brain__page_printf(p, "<td>%s</td>", text);
}

static void miner_row(brain__page *p, const json_t *m, time_t now)
{
	const char *id = json_string_value(json_object_get(m, "id"));
	const char *state = json_string_value(json_object_get(m, "state"));
	int up = json_is_true(json_object_get(m, "up"));
	char text[64] = "";
	double v;

	brain__page_puts(p, "<tr class=\"miner\" data-id=\"");
	brain__page_text(p, id ? id : "");
	brain__page_puts(p, "\"><td>");
	brain__page_text(p, id ? id : "?");
	brain__page_printf(p, "</td><td class=\"%s\">", up ? "up" : "down");
	brain__page_text(p, state ? state : up ? "up" : "down");
	brain__page_puts(p, "</td>");
	cell_count(p, m, "pid");
	if (get_num(m, "hashrate", &v))
		brain__fmt_rate(v, text, sizeof(text));
	brain__page_printf(p, "<td>%s</td>", text);
	cell_count(p, m, "hashes");
	cell_count(p, m, "blocks");
	shares_text(json_object_get(m, "shares"), text, sizeof(text));
	brain__page_printf(p, "<td>%s</td>", text);
	cell_count(p, m, "restarts");
	if (!get_num(m, "last_heartbeat", &v)) {
		brain__page_puts(p, "<td></td></tr>\n");
		return;
	}
	/* " ago" on the page, not in text, which the duration may fill */
	brain__fmt_duration((double)now - v, text, sizeof(text));
	brain__page_printf(p, "<td>%s ago</td></tr>\n", text);
}

void brain__dashboard_status(brain__page *p, const json_t *st, time_t now)
{
	const json_t *miners = json_object_get(st, "miners"), *m;
	size_t i;

	brain__page_printf(p, "<section id=\"status\" data-miners=\"%zu\">\n",
			   json_array_size(miners));
	tiles(p, st, now);
	last_error(p, st, now);
	if (!json_array_size(miners)) {
		brain__page_puts(p, "</section>\n");
		return;
	}
	brain__page_puts(p, "<table id=\"miners\"><thead><tr><th>Miner</th>"
			    "<th>State</th><th>PID</th><th>Hash rate</th>"
			    "<th>Hashes</th><th>Blocks</th><th>Shares "
			    "a / r / s</th><th>Restarts</th><th>Last "
			    "heartbeat</th></tr></thead><tbody>\n");
	json_array_foreach(miners, i, m)
		miner_row(p, m, now);
	brain__page_puts(p, "</tbody></table>\n</section>\n");
}

