/*
 * tests/storecheck.h - an independent check that a stream's files agree
 * with its journal: every time-level copy, aggregated and index file holds
 * exactly the records whose timestamps fall in its scope, in seq order,
 * and its summary counts them.  Written against the public API only
 * (brain_get_path), so it does not share the engine's mistakes.
 */
#ifndef BRAINSTEM_STORECHECK_H
#define BRAINSTEM_STORECHECK_H

#include <brainstem/brainstem.h>

/* Loads a JSON file; NULL if it does not parse. */
json_t *sc_load(const char *path);

/* The records array of a loaded data file (borrowed). */
json_t *sc_entries(json_t *file);

/* The journal's records of `stream` (caller decrefs). */
json_t *sc_journal(brain_t *b, const char *stream);

/* Number of records in the root index summary of `stream`. */
long long sc_index_total(brain_t *b, const char *stream);

/* NULL when every derived file of `stream` agrees with the journal, else
 * a description of the first disagreement (static buffer). */
const char *sc_check_stream(brain_t *b, const char *stream,
			    int is_record_kind);

/* NULL when every *.json file under dir parses, else the first that does
 * not (static buffer). */
const char *sc_all_parse(const char *dir);

#endif
