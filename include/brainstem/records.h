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
 * else now.  The cost of a save does not depend on how many records the
 * tree already holds.
 *
 * Threads: calls on one handle must not overlap; separate handles (in one
 * process or many) may save into the same category at once.
 *
 * Ownership: every json_t * argument is borrowed; the library never keeps
 * or modifies it.
 */
#ifndef BRAINSTEM_RECORDS_H
#define BRAINSTEM_RECORDS_H

#include <time.h>
#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

/*
 * brain_save_system_report - record one event of a component.
 *
 * category: a report category of the blueprint ("miners", "looping",
 *           "dtm", "brainstem" in the default one); its files live in
 *           System/System_Reports/<Folder>/.
 * report:   a JSON object, at most store.max_record_bytes once serialised.
 *
 * Returns 0, or BRAIN_EINVAL (bad category name, not an object, a
 * timestamp that is not ISO 8601, invalid UTF-8), BRAIN_ENOTFOUND (no such
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
			 json_t *report) BRAIN_WARN_UNUSED;

/*
 * brain_save_system_error - the same into System/Error_Reports/<Folder>/.
 */
BRAIN_EXTERN(int)
brain_save_system_error(brain_t *b, const char *category,
			json_t *error) BRAIN_WARN_UNUSED;

/*
 * brain_save_ledger_entry, brain_save_math_proof, brain_save_submission -
 * record a found block, its proof of work and its submission, into the
 * blueprint's record kinds "ledger", "math_proof" and "submission"
 * (Ledgers/ and Submission_Logs/ in the default blueprint, with files at
 * every time level).  Returns as brain_save_system_report.
 */
BRAIN_EXTERN(int)
brain_save_ledger_entry(brain_t *b, json_t *entry) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(int)
brain_save_math_proof(brain_t *b, json_t *proof) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(int)
brain_save_submission(brain_t *b, json_t *submission) BRAIN_WARN_UNUSED;

/*
 * brain_save_record - the general form: `stream` is a record kind
 * ("ledger"), a report category ("miners") or "<tree>:<category>"
 * ("error:miners").
 */
BRAIN_EXTERN(int)
brain_save_record(brain_t *b, const char *stream,
		  json_t *record) BRAIN_WARN_UNUSED;

/*
 * brain_update_aggregated_index - bring the aggregated and index files of
 * `category` (a report category: both its report and error trees; or a
 * record kind) up to date with its journal, and make sure the files of
 * the partition holding `when` exist.  Saves do this themselves; call it
 * to finish the work of a writer that crashed, or before reading.
 *
 * Returns 0, BRAIN_ENOTFOUND, BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ECORRUPT,
 * BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_update_aggregated_index(brain_t *b, const char *category,
			      time_t when) BRAIN_WARN_UNUSED;

/*
 * brain_rebuild - recompute every derived file (time-level copies,
 * aggregated and index files) of `name` (as in brain_update_aggregated_
 * index; NULL: every stream) from its journal.  Interrupted, it resumes
 * at the next open.
 *
 * Returns 0, BRAIN_ENOTFOUND, BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ENOMEM.
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

#endif
