/*
 * lib/record_line.h - the one place that spells a record line.
 *
 * Every file that holds records (the journal, the time-level copies, the
 * aggregated files) keeps each one on a line of its own inside the
 * records array: the record as compact JSON whose first member is "seq",
 * indented two spaces deeper than the array, and a comma after every one
 * but the last:
 *
 *       {"seq":41,"timestamp":"...",...},
 *       {"seq":42,"timestamp":"...",...}
 *
 * so a record's seq is read without parsing it, and the records of a
 * file are found by scanning its lines (lib/jsonfile.c writes and scans
 * them; brain__jfile_frame writes the comma, newline and indent).
 */
#ifndef BRAIN_LIB_RECORD_LINE_H
#define BRAIN_LIB_RECORD_LINE_H

#include <stdlib.h>
#include <string.h>

#define BRAIN__RECORD_PREFIX "{\"seq\":"
#define BRAIN__RECORD_PREFIX_LEN (sizeof(BRAIN__RECORD_PREFIX) - 1)

/* Whether the len bytes at p (indent already skipped) start a record
 * line. */
static inline int brain__is_record(const char *p, size_t len)
{
	return len > BRAIN__RECORD_PREFIX_LEN &&
	       !memcmp(p, BRAIN__RECORD_PREFIX, BRAIN__RECORD_PREFIX_LEN);
}

/* The seq of a record line (brain__is_record holds), read as text. */
static inline long long brain__record_seq(const char *line)
{
	return strtoll(line + BRAIN__RECORD_PREFIX_LEN, NULL, 10);
}

#endif
