/*
 * lib/log.h - the log's internal hook (brainstem/log.h is the API).
 */
#ifndef BRAIN_LIB_LOG_H
#define BRAIN_LIB_LOG_H

#include <brainstem/brainstem.h>

/* Stamps l's lines with clock(ctx) instead of time(NULL): the unit test's
 * fixed time, so it can compare whole lines.  Call before any write. */
void brain__log_set_clock(brain_log_t *l, brain_clock_fn clock, void *ctx);

#endif
