/*
 * bin/dtm/dtm.h - what brainstem-dtm's commands share: its options.
 */
#ifndef BRAINSTEM_DTM_H
#define BRAINSTEM_DTM_H

#include <time.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

typedef struct dtm {
	cli_common cli;
	int json, force, zeros;
	const char *category, *header, *target;
	int progress; /* a bar on stderr */
	unsigned long problems_shown;
	/* report */
	brain_level_t level;
	time_t at; /* --at TIME, when at_given; else now */
	int at_given;
} dtm;

/*
 * TIME of --at: "2026-11-29", "2026-11-29T10", "2026-11-29T10:00",
 * "2026-11-29T10:00:00" (a space may stand for T, seconds may have a
 * fraction), then "Z", "+hh:mm", "-hh:mm", "+hhmm" or nothing (UTC).
 * 0, or -1 when s is not one.
 */
int dtm_parse_time(const char *s, time_t *out);

/* brainstem-dtm report: prints the report of d->level at d->at (text or
 * --json).  Returns the exit status. */
int dtm_report(brain_t *b, const dtm *d);

#endif
