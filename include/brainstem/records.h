/*
 * brainstem/records.h - saving records: system reports, errors, ledger
 * entries, math proofs, submissions; keeping roll-ups current; rebuilding.
 *
 * Every save merges the record over its entry template (System_File_
 * Examples/<folder>/entry/), adds "seq" (the stream's sequence number,
 * first), "timestamp" (now, when the record has none), "component" and
 * "mode", and then, under the stream's file lock:
 *   - appends it to the stream's global file (its journal) - on disk
 *     before the call returns at durability "always";
 *   - appends it to the time-level files of its hour (hourly_..., and for
 *     record kinds daily/weekly/monthly/yearly too);
 *   - appends it to the six aggregated files (root, year, month, week, day,
 *     hour) and Aggregated/Global, whose summaries it updates, and updates
 *     the seven index summaries in Aggregated_Index/.
 * The record's partition is its own "timestamp" when that is ISO 8601,
 * else now; either must lie within BRAIN_TIME_MIN..BRAIN_TIME_MAX (the
 * years 1970 to 9999), else the save is refused with BRAIN_EINVAL.  The
 * cost of a save does not depend on how many records the tree already
 * holds.
 *
 * Threads: calls on one handle must not overlap; separate handles (in one
 * process or many) may save into the same category at once.
 *
 * What is written reads back byte for byte with the library's own reader,
 * so a save refuses, before writing anything, a record that would not: a
 * key or string that is not valid UTF-8 or holds U+0000 (NUL), a real
 * that is not finite, nesting deeper than BRAIN_RECORD_MAX_DEPTH
 * (BRAIN_EINVAL), more values than store.max_record_bytes (BRAIN_ETOOBIG).
 *
 * Ownership: every record is borrowed (const json_t *): the library
 * merges it into an entry of its own before it adds seq, timestamp,
 * component and mode, and never keeps or modifies it.  (The entry holds
 * references to the record's members for the length of the call, so a
 * record shared between threads must not be modified meanwhile.)
 */
#ifndef BRAINSTEM_RECORDS_H
#define BRAINSTEM_RECORDS_H

#include <time.h>
#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The deepest a record may nest: the record object itself is level 1, an
 * object or array in it level 2, and so on.  Deeper records are refused
 * with BRAIN_EINVAL.
 */
#define BRAIN_RECORD_MAX_DEPTH 256

/*
 * brain_save_system_report - record one event of a component.
 *
 * category: a report category of the blueprint ("miners", "looping",
 *           "dtm", "brainstem" in the default one); its files live in
 *           System/System_Reports/<Folder>/.
 * report:   a JSON object, at most store.max_record_bytes once serialised.
 *
 * Returns 0, or BRAIN_EINVAL (b or category NULL, bad category name, not
 * an object, a timestamp that is not ISO 8601 or out of range, a record
 * that would not read back - see above), BRAIN_ENOTFOUND (no such
 * category), BRAIN_ETOOBIG, BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ECORRUPT,
 * BRAIN_ENOMEM.  0 means the record is in the journal (on disk at
 * durability "always"); an error means it is not in the tree at all (a
 * journal write that failed part-way is undone), so a retry records it
 * once.  Derived files that cannot take a journalled record (a full
 * disk, a file that cannot be opened) do not fail the save: they catch
 * up from the journal at the next save, brain_flush or open, and a
 * notice says they trail it.  For BRAIN_EIO, brain_errcode_extended and
 * brain_syserrno say which system call failed and why.
 */
BRAIN_EXTERN(int)
brain_save_system_report(brain_t *b, const char *category,
			 const json_t *report) BRAIN_WARN_UNUSED;

/*
 * brain_save_system_error - the same into System/Error_Reports/<Folder>/.
 */
BRAIN_EXTERN(int)
brain_save_system_error(brain_t *b, const char *category,
			const json_t *error) BRAIN_WARN_UNUSED;

/*
 * brain_save_ledger_entry, brain_save_math_proof, brain_save_submission -
 * record a found block, its proof of work and its submission, into the
 * blueprint's record kinds "ledger", "math_proof" and "submission"
 * (Ledgers/ and Submission_Logs/ in the default blueprint, with files at
 * every time level).  Returns as brain_save_system_report.
 */
BRAIN_EXTERN(int)
brain_save_ledger_entry(brain_t *b, const json_t *entry) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(int)
brain_save_math_proof(brain_t *b, const json_t *proof) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(int)
brain_save_submission(brain_t *b, const json_t *submission) BRAIN_WARN_UNUSED;

/*
 * brain_save_record - the general form: `stream` is a record kind
 * ("ledger"), a report category ("miners") or "<tree>:<category>"
 * ("error:miners").
 */
BRAIN_EXTERN(int)
brain_save_record(brain_t *b, const char *stream,
		  const json_t *record) BRAIN_WARN_UNUSED;

/*
 * brain_update_aggregated_index - bring the aggregated and index files of
 * `category` (a report category: both its report and error trees; or a
 * record kind) up to date with its journal, and make sure the files of
 * the partition holding `when` exist.  Saves do this themselves; call it
 * to finish the work of a writer that crashed, or before reading.
 *
 * Returns 0, BRAIN_EINVAL (b or category NULL, `when` outside
 * BRAIN_TIME_MIN..BRAIN_TIME_MAX), BRAIN_ENOTFOUND, BRAIN_EIO,
 * BRAIN_ELOCKED, BRAIN_ECORRUPT, BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_update_aggregated_index(brain_t *b, const char *category,
			      time_t when) BRAIN_WARN_UNUSED;

/*
 * brain_rebuild - recompute every derived file (time-level copies,
 * aggregated and index files) of `name` (as in brain_update_aggregated_
 * index; NULL: every stream) from its journal.  Interrupted, it resumes
 * at the next open.  A journal that lost records (cut short, a line
 * overwritten) is first written again from the hourly and aggregated
 * files, the old one kept as <journal>.corrupt-<time>.
 *
 * Returns 0, BRAIN_ENOTFOUND, BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ENOMEM,
 * BRAIN_ECORRUPT (a record the journal lost is in no other copy: nothing
 * was changed; the message names the journal).
 */
BRAIN_EXTERN(int) brain_rebuild(brain_t *b, const char *name) BRAIN_WARN_UNUSED;

/*
 * brain_flush - put every record saved so far on disk (what durability
 * "batch" may still hold back), and bring derived files that trail the
 * journal up to date.  brain_close() does this too.
 *
 * Returns 0, or BRAIN_EIO (the message names the file that still cannot
 * be written, e.g. on a full disk; the records are safe in the journal
 * and the next save, flush or open tries again), BRAIN_ELOCKED,
 * BRAIN_ECORRUPT, BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int) brain_flush(brain_t *b) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
