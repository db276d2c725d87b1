/*
 * lib/store_files.h - making, replacing and moving aside derived files
 * (see lib/store_files.c).
 */
#ifndef BRAIN_LIB_STORE_FILES_H
#define BRAIN_LIB_STORE_FILES_H

#include "store_internal.h"

/* The text of a new, empty file (k, lv) of stream s for partition w, from
 * its template, appended to text; *tail_off: where its tail starts. */
int brain__files_render(brain__store *store, const brain__stream *s, int k,
			int lv, const brain__when *w, brain__buf *text,
			size_t *tail_off);
/* A new empty file (k, lv) of stream s for partition w at path, unless
 * one exists; its folders are made (obstacles moved aside). */
int brain__files_create(brain__store *store, const brain__stream *s, int k,
			int lv, const brain__when *w, const char *path);
/* The file (k, lv) at path, for time t, replaced by its empty template. */
int brain__files_reset(brain__store *store, sstate *st, const char *path,
		       int k, int lv, time_t t);
/* Keeps what is at path aside (.corrupt-*), reports it; `why` names what
 * it stood in the way of ("a file", "a folder"). */
int brain__files_move_aside(brain__store *store, const char *path,
			    const char *why);

#endif
