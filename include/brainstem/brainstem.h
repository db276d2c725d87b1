/*
 * brainstem/brainstem.h - everything libbrainstem offers; include only this.
 *
 * libbrainstem reads a blueprint (Brain.QTL), builds the time-partitioned
 * tree of JSON files it describes, writes every record into it and keeps
 * the roll-ups current.  Start with brain_initialize_mode() in brain.h.
 */
#ifndef BRAINSTEM_BRAINSTEM_H
#define BRAINSTEM_BRAINSTEM_H

#include <brainstem/common.h>
#include <brainstem/version.h>
#include <brainstem/errors.h>
#include <brainstem/brain.h>
#include <brainstem/templates.h>
#include <brainstem/records.h>
#include <brainstem/validate.h>
#include <brainstem/pow.h>
#include <brainstem/work.h>
#include <brainstem/node.h>
#include <brainstem/stratum.h>
#include <brainstem/read.h>
#include <brainstem/report.h>
#include <brainstem/http.h>
#include <brainstem/log.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
