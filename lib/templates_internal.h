/*
 * lib/templates_internal.h - making files from System_File_Examples.
 */
#ifndef BRAIN_LIB_TEMPLATES_INTERNAL_H
#define BRAIN_LIB_TEMPLATES_INTERNAL_H

#include "brain_internal.h"

/* Brings System_File_Examples up to date at start-up (lock held inside). */
int brain__templates_sync(brain_t *b);

/*
 * The JSON a new file of stream `s` at pattern level `pl` starts as, for the
 * partition `w`: the example from System_File_Examples (the user's edits
 * included) with {file_type}, {scope}, {now}, {component} and {mode}
 * filled in, and the entries array last.  The caller owns *out.
 */
int brain__template_instance(brain_t *b, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w,
			     json_t **out);

/* The shape a record of stream s is merged over: its entry example (the
 * user's edits included), else the blueprint's.  The caller owns *out. */
int brain__template_entry(brain_t *b, const brain__stream *s, json_t **out);

#endif
