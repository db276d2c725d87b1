/*
 * bin/looper/hourly.c - the previous hour's report, kept in the tree.
 *
 * Once an hour has ended the looper saves brain_report's report of it
 * into its own category, as one record:
 *
 *   {"event": "hourly_report", "scope": "2026-11-29T10",
 *    "report": {...brain_report's object...}}
 *
 * Never two for one hour, whatever restarts: before saving, the records
 * of the category from the end of that hour on (the only time a report of
 * it can be saved) are read back through the library for an
 * hourly_report of that scope.
 *
 * A record must stay under the blueprint's store.max_record_bytes (64 KiB
 * in the shipped one), and a report is not bounded: it lists up to
 * BRAIN_REPORT_MAX_BLOCKS blocks, and count_by_value figures (miners,
 * events, error types, a pool's reject reasons) of up to max_keys values
 * each, of any length.  So the whole report is saved when the library
 * takes it, and when it refuses it as too big (BRAIN_ETOOBIG) a smaller
 * digest is tried in turn; "trimmed" in the record names what was left
 * out:
 *   1. the whole report;
 *   2. without the blocks' list ("blocks": [], and "blocks_not_listed"
 *      counts them all): ["blocks"];
 *   3. also without the lists of values by key (each category's miners,
 *      events, errors' by_type and metrics; each record kind's metrics):
 *      ["blocks", "miners", "events", "errors.by_type", "metrics"];
 *   4. the totals alone, without categories and record kinds:
 *      ["blocks", "categories", "record_kinds"].
 * The text the dtm prints of the hour (brainstem-dtm report --at) is
 * always whole: it is read from the roll-ups, not from this record.
 */
#include <string.h>

#include "looper.h"

/* The hour's report is already in the tree: the record's scope. */
typedef struct find_ctx {
	const char *scope;
} find_ctx;

static int is_hourly_of(void *ctx, const json_t *r)
{
	const find_ctx *f = ctx;
	const char *event = json_string_value(json_object_get(r, "event"));
	const char *scope = json_string_value(json_object_get(r, "scope"));

	return event && scope && !strcmp(event, LOOPER_HOURLY_EVENT) &&
	       !strcmp(scope, f->scope);
}

/* Records of the report's period: any category's report or error tree or
 * any record kind. */
static json_int_t records_in(const json_t *rep)
{
	const char *key;
	json_t *v;
	json_int_t n = 0;

	json_object_foreach(json_object_get(rep, "categories"), key, v) {
		n += json_integer_value(json_object_get(v, "records"));
		n += json_integer_value(json_object_get(
			json_object_get(v, "errors"), "total"));
	}
	json_object_foreach(json_object_get(rep, "record_kinds"), key, v)
		n += json_integer_value(json_object_get(v, "records"));
	return n;
}

/* The members a digest of step 3 drops from each entry. */
static const char *const by_key_lists[] = {
	"miners", "miners_other", "events", "events_other", "metrics", NULL};

/* rep cut down to digest `step` (2 to 4, above); "trimmed" into *trimmed.
 * Works on rep itself.  0, or -1 when out of memory. */
static int digest(json_t *rep, int step, json_t **trimmed)
{
	const char *key;
	const char *const *k;
	json_t *v;

	json_object_foreach(json_object_get(rep, "record_kinds"), key, v) {
		json_t *list = json_object_get(v, "blocks");
		if (json_is_array(list)) {
			json_int_t all = json_integer_value(json_object_get(
						 v, "blocks_not_listed")) +
					 (json_int_t)json_array_size(list);
			if (json_object_set_new(v, "blocks_not_listed",
						json_integer(all)) ||
			    json_array_clear(list))
				return -1;
		}
		if (step >= 3)
			json_object_del(v, "metrics");
	}
	if (step >= 3)
		json_object_foreach(json_object_get(rep, "categories"), key, v) {
			json_t *errors = json_object_get(v, "errors");
			for (k = by_key_lists; *k; k++)
				json_object_del(v, *k);
			json_object_del(errors, "by_type");
			json_object_del(errors, "by_type_other");
		}
	if (step >= 4) {
		json_object_del(rep, "categories");
		json_object_del(rep, "record_kinds");
	}
	*trimmed = step == 2   ? json_pack("[s]", "blocks")
		   : step == 3 ? json_pack("[s, s, s, s, s]", "blocks",
					   "miners", "events",
					   "errors.by_type", "metrics")
			       : json_pack("[s, s, s]", "blocks",
					   "categories", "record_kinds");
	return *trimmed ? 0 : -1;
}

int looper_hourly_save(brain_t *b, const char *category, time_t ref,
		       int if_records, char *scope, size_t size)
{
	time_t start, end, pstart, pend, now = brain_now(b);
	find_ctx f;
	json_t *rep = NULL;
	int rc, step;

	/* the hour before the one `ref` lies in */
	if ((rc = brain_partition(b, BRAIN_LEVEL_HOUR, ref, &start, &end, NULL,
				  0)) ||
	    (rc = brain_partition(b, BRAIN_LEVEL_HOUR, start - 1, &pstart,
				  &pend, scope, size)))
		return rc;
	if (now < pend)
		return 0; /* not over yet */
	/* its report can only have been saved from its end on */
	f.scope = scope;
	rc = brain_read_records(b, category, pend, now + 1, is_hourly_of, &f);
	if (rc)
		return rc > 0 ? 0 : rc;
	if ((rc = brain_report(b, BRAIN_LEVEL_HOUR, pstart, &rep)))
		return rc;
	if (if_records && records_in(rep) == 0) {
		json_decref(rep);
		return 0;
	}
	for (step = 1; step <= 4; step++) {
		json_t *trimmed = NULL, *r;
		if (step > 1 && digest(rep, step, &trimmed)) {
			rc = BRAIN_ENOMEM;
			break;
		}
		r = json_pack("{s:s, s:s, s:O, s:o*}", "event",
			      LOOPER_HOURLY_EVENT, "scope", scope, "report",
			      rep, "trimmed", trimmed);
		if (!r) {
			rc = BRAIN_ENOMEM;
			break;
		}
		rc = brain_save_system_report(b, category, r);
		json_decref(r);
		if (rc != BRAIN_ETOOBIG)
			break;
	}
	json_decref(rep);
	if (rc == BRAIN_ENOMEM)
		return rc;
	return rc ? rc : step;
}
