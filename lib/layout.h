/*
 * lib/layout.h - where things go: a moment's calendar partition (year,
 * month, week, day, hour in the blueprint's zone and week numbering) and
 * the expansion of pattern levels into paths.
 */
#ifndef BRAIN_LIB_LAYOUT_H
#define BRAIN_LIB_LAYOUT_H

#include <time.h>

#include "blueprint.h"

typedef struct brain__when {
	time_t t;
	int year, month, week, day, hour; /* month 1-12, day 1-31 */
	int minute, second;
	long utc_offset; /* seconds east of UTC of the zone used */
} brain__when;

/* Week of the year, weeks starting on Monday, 0-53 (strftime %W). */
int brain__week_monday(const struct tm *tm);

/* ISO 8601 week number, 1-53 (the ISO year may differ from tm's). */
int brain__week_iso(const struct tm *tm);

/* The partition of t under the blueprint's zone and week numbering. */
void brain__when_of(const brain__blueprint *bp, time_t t, brain__when *w);

/* Expands {YYYY} {MM} {WW} {DD} {HH} {folder} {name} {tag} in s; the
 * caller frees.  NULL on ENOMEM. */
char *brain__expand(const char *s, const brain__stream *st,
		    const brain__when *w);

/* "<base>/<pattern>" (folder) or "<base>/<pattern>/<file>" (with_file). */
char *brain__level_path(const char *base, const brain__stream *st,
			const brain__plevel *pl, const brain__when *w,
			int with_file);

/* The file name of the level, expanded. */
char *brain__level_file(const brain__stream *st, const brain__plevel *pl,
			const brain__when *w);

/* The scope text of a level: "global", "all", "2025", "2025-12",
 * "2025-12-W50", "2025-12-18", "2025-12-18T01"; into buf. */
void brain__scope(brain__level lv, const brain__when *w, char *buf,
		  size_t size);

/* ISO 8601 text of w: "2025-12-18T01:47:41Z" (UTC) or with "+hh:mm". */
void brain__iso8601(const brain__when *w, char *buf, size_t size);

/*
 * Parses an ISO 8601 date-time: "YYYY-MM-DDTHH:MM:SS" with optional
 * fraction and zone ("Z", "+hh:mm", "-hhmm"); a space may stand for "T".
 * Without a zone it is read in the blueprint's zone.  0 or -1.
 */
int brain__parse_iso8601(const brain__blueprint *bp, const char *s,
			 time_t *out);

/* The UTC text of t: "2025-12-18T01:47:41Z" (sorts as time does). */
void brain__utc_text(time_t t, char *buf, size_t size);

#endif
