/*
 * tests/storecheck.c - see storecheck.h.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storecheck.h"

static char problem[2048];

json_t *sc_load(const char *path)
{
	json_error_t err;

	return json_load_file(path, 0, &err);
}

json_t *sc_entries(json_t *file)
{
	json_t *agg = json_object_get(file, "aggregated_data");
	const char *key;
	json_t *v, *last = NULL;

	if (agg)
		return json_object_get(agg, "reports");
	json_object_foreach(file, key, v) if (json_is_array(v)) last = v;
	return last;
}

json_t *sc_journal(brain_t *b, const char *stream)
{
	char *path;
	json_t *f, *e;

	if (brain_get_path(b, stream,
			   strchr(stream, ':') || !strcmp(stream, "miners") ||
				   !strcmp(stream, "looping")
				   ? "report_global"
				   : "ledger_global",
			   0, &path))
		return NULL;
	f = sc_load(path);
	brain_free(path);
	e = f ? json_incref(sc_entries(f)) : NULL;
	json_decref(f);
	return e;
}

long long sc_index_total(brain_t *b, const char *stream)
{
	char *path;
	json_t *f;
	long long n;

	if (brain_get_path(b, stream, "aggregated_index_root", 0, &path))
		return -1;
	f = sc_load(path);
	brain_free(path);
	n = f ? json_integer_value(json_object_get(
			json_object_get(f, "summary"), "total_entries"))
	      : -1;
	json_decref(f);
	return n;
}

static time_t parse_utc(const char *s)
{
	struct tm tm = {0};

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return (time_t)-1;
	return timegm(&tm);
}

static const char *const agg_levels[] = {
	"aggregated_global",	   "aggregated_root",	     "aggregated_year",
	"aggregated_month",	   "aggregated_week",	     "aggregated_day",
	"aggregated_hour",	   "aggregated_index_global", "aggregated_index_root",
	"aggregated_index_year",   "aggregated_index_month", "aggregated_index_week",
	"aggregated_index_day",	   "aggregated_index_hour",  NULL};
static const char *const ledger_levels[] = {"ledger_year", "ledger_month",
					    "ledger_week", "ledger_day",
					    "ledger_hour", NULL};
static const char *const report_levels[] = {"report_hour", NULL};

/* Compares one file with the seqs expected in it. */
static const char *check_file(const char *path, json_t *seqs)
{
	json_t *f = sc_load(path), *entries, *sum;
	size_t i;
	long long total;

	if (!f) {
		snprintf(problem, sizeof(problem), "%s does not parse", path);
		return problem;
	}
	sum = json_object_get(f, "summary");
	entries = strstr(path, "Aggregated_Index") ? NULL : sc_entries(f);
	if (entries && json_array_size(entries) != json_array_size(seqs)) {
		snprintf(problem, sizeof(problem), "%s holds %zu records, the "
			 "journal says %zu", path, json_array_size(entries),
			 json_array_size(seqs));
		goto bad;
	}
	for (i = 0; entries && i < json_array_size(seqs); i++)
		if (json_integer_value(json_object_get(
			    json_array_get(entries, i), "seq")) !=
		    json_integer_value(json_array_get(seqs, i))) {
			snprintf(problem, sizeof(problem),
				 "%s record %zu has the wrong seq", path, i);
			goto bad;
		}
	if (sum) {
		total = json_integer_value(json_object_get(sum, "total_entries"));
		if (total != (long long)json_array_size(seqs)) {
			snprintf(problem, sizeof(problem), "%s summary counts "
				 "%lld, the journal says %zu", path, total,
				 json_array_size(seqs));
			goto bad;
		}
	}
	json_decref(f);
	return NULL;
bad:
	json_decref(f);
	return problem;
}

const char *sc_check_stream(brain_t *b, const char *stream,
			    int is_record_kind)
{
	json_t *journal = sc_journal(b, stream), *expect = json_object(), *r;
	const char *const *lists[2] = {agg_levels, is_record_kind
							   ? ledger_levels
							   : report_levels};
	const char *path, *res = NULL;
	json_t *seqs;
	size_t i;
	int l, k;

	if (!journal) {
		snprintf(problem, sizeof(problem), "no journal for %s", stream);
		json_decref(expect);
		return problem;
	}
	json_array_foreach(journal, i, r) {
		time_t t = parse_utc(json_string_value(
			json_object_get(r, "timestamp")));
		for (l = 0; l < 2; l++)
			for (k = 0; lists[l][k]; k++) {
				char *p;
				json_t *arr;
				if (brain_get_path(b, stream, lists[l][k], t, &p))
					continue;
				arr = json_object_get(expect, p);
				if (!arr) {
					arr = json_array();
					json_object_set_new(expect, p, arr);
				}
				json_array_append_new(
					arr, json_integer(json_integer_value(
						     json_object_get(r, "seq"))));
				brain_free(p);
			}
	}
	json_object_foreach(expect, path, seqs) {
		if ((res = check_file(path, seqs)))
			break;
	}
	json_decref(expect);
	json_decref(journal);
	return res;
}

static int parse_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	size_t n = strlen(path);
	json_t *j;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || n < 5 || strcmp(path + n - 5, ".json"))
		return 0;
	j = sc_load(path);
	if (!j) {
		snprintf(problem, sizeof(problem), "%s does not parse", path);
		return 1;
	}
	json_decref(j);
	return 0;
}

const char *sc_all_parse(const char *dir)
{
	return nftw(dir, parse_one, 16, FTW_PHYS) ? problem : NULL;
}
