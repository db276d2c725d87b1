/*
 * lib/brain_internal.h - the inside of a brain_t, shared by the files that
 * implement the public calls.
 */
#ifndef BRAIN_LIB_BRAIN_INTERNAL_H
#define BRAIN_LIB_BRAIN_INTERNAL_H

#include <brainstem/brainstem.h>

#include "blueprint.h"
#include "error.h"
#include "layout.h"

struct brain {
	brain__err err;
	char *mode;
	char *component;
	char *root;      /* absolute */
	char *base;      /* absolute: root + the mode's base */
	char *bp_path;
	char bp_hash[65];
	brain__blueprint *bp;
	json_t *config;
	json_t *flags;
	brain_clock_fn clock;
	void *clock_ctx;
	brain_notice_fn notice;
	void *notice_ctx;
	int durability;
	int readonly;               /* BRAIN_OPEN_READONLY: never writes */
	struct brain__store *store; /* lib/store.h */
	json_t **entry_tpl;         /* per stream, loaded on first save */
	json_t *pending;            /* the library's own error reports, saved
				       once the current call's locks are
				       released (brain__report_pending) */
	int reporting;
};

/* BRAIN_EINVAL "... opened read-only" when b is a read-only handle
 * (BRAIN_OPEN_READONLY), else 0; `what` names the refused call. */
int brain__check_writable(brain_t *b, const char *what);

/* Saves the queued reports; failures become notices. */
void brain__report_pending(brain_t *b);

/* Sends one notice line to the handle's sink. */
void brain__notice(brain_t *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Serialises a file's JSON the way every data file is written: two-space
 * indent, members in order, a final newline.  NULL on ENOMEM. */
char *brain__dump(const json_t *j, size_t *len);

#endif
