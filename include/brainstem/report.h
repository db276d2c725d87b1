/*
 * brainstem/report.h - what one period of mining adds up to: the report a
 * person reads (brainstem-dtm report) and the looper can keep in the tree.
 *
 * A report covers one partition of a time level (the hour, day, week or
 * month holding a moment, as brain_partition gives it) and is built from
 * the roll-ups the saves keep (brain_read_summary): one summary per
 * stream, whatever the period holds.  Only the list of blocks reads
 * records, one hour's ledger file at a time (brain_read_records), and
 * keeps at most BRAIN_REPORT_MAX_BLOCKS of them.
 *
 * Threads: as every call on a brain_t: one thread at a time per handle.
 */
#ifndef BRAINSTEM_REPORT_H
#define BRAINSTEM_REPORT_H

#include <time.h>
#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>
#include <brainstem/read.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most blocks a report lists (the latest ones); "blocks" counts all. */
#define BRAIN_REPORT_MAX_BLOCKS 100

/*
 * brain_report - the report of the partition of `level` that holds `when`.
 *
 * out receives a new object:
 *
 *   {"level": "hour", "scope": "2026-11-29T10",
 *    "start": "2026-11-29T10:00:00Z", "end": "2026-11-29T11:00:00Z",
 *    "complete": true,          (false while the period is still going on
 *                                by the handle's clock)
 *    "generated_at": "...Z", "mode": "test",
 *    "categories": {"<category>": {...}, ...},
 *    "record_kinds": {"<kind>": {...}, ...},
 *    "totals": {"hashes", "rounds", "blocks", "errors", "uptime_seconds",
 *               "shares": {"accepted", "rejected", "stale"}}}
 *
 * Every report category and record kind of the blueprint has its entry, in
 * the blueprint's order, empty ones included.  A category's entry holds
 * "records" (its report tree's records in the period) and "errors":
 * {"total": N, "by_type": {"<error_type>": N}} (its error tree's), and
 * each of the following whose roll-up the blueprint keeps (the default
 * blueprint keeps them all for "miners"):
 *
 *   "events":      {"<event>": N}            count_by_value of event
 *   "rounds":      N                         rounds with a hash rate
 *   "hashes":      N                         sum of attempts_this_round
 *   "hashrate":    {"mean", "min", "max"}    of the rounds' own rates, in
 *                                            hashes per second (null with
 *                                            no round)
 *   "blocks_found": N                        sum of the rounds' blocks
 *   "best_difficulty": N                     most leading zeros of a round
 *   "shares":      {"accepted", "rejected", "stale"}   sums of the rounds'
 *   "uptime_seconds": S                      sum of the rounds' durations:
 *                                            time spent hashing, added up
 *                                            over the miners
 *   "miners":      {"<miner_id>": rounds}    count_by_value of miner_id
 *   "miners_seen": N                         miners that ran a round
 *
 * and "metrics": {"<summary key>": value} for any other metric of the
 * blueprint.  A figure whose metric the period's roll-ups do not hold
 * although they count records (they were written under a blueprint that
 * lacked it; brain_rebuild computes it) is null, and its summary key is
 * listed in "not_in_roll_ups".  A record kind's entry holds "records" and its metrics by
 * summary key in "metrics"; the ledger's also "blocks": [{"timestamp",
 * "block_hash", "height", "miner_id"}] (the latest BRAIN_REPORT_MAX_BLOCKS
 * of the period, oldest first) and "blocks_not_listed": N.
 *
 * The totals add up the categories: hashes, rounds, uptime and shares
 * over every category that keeps them, errors over every error tree,
 * blocks as the ledger's records.
 *
 * level: BRAIN_LEVEL_HOUR to BRAIN_LEVEL_ROOT.
 * when:  any moment of the period, within BRAIN_TIME_MIN..BRAIN_TIME_MAX.
 *
 * Returns 0, or BRAIN_EINVAL (b or out NULL, a bad level, `when` out of
 * range), BRAIN_ECORRUPT (a roll-up or hour file does not parse: the
 * message names it), BRAIN_EIO, BRAIN_ENOMEM; *out is NULL then.  The
 * tree is only read: a BRAIN_OPEN_READONLY handle does.
 * Ownership: the caller owns *out (json_decref).
 */
BRAIN_EXTERN(int)
brain_report(brain_t *b, brain_level_t level, time_t when,
	     json_t **out) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
