/*
 * brainstem/validate.h - "trust nothing": checking a whole tree.
 *
 * brain_validate walks every stream of the open mode and checks, without
 * changing anything:
 *   - the journal (the global file): it parses, seqs run 1, 2, 3, ...;
 *   - every aggregated and index file, recursively from the root and the
 *     Global one: it parses, has its template's shape, its records (for
 *     aggregated files) are exactly its children's, and its summary -
 *     total_entries, time range, metrics, data_sources - equals what its
 *     children say, down to the hourly source files;
 *   - every data_sources path exists;
 *   - the time-level copies (yearly ... daily files) hold the same records
 *     as the aggregated file of their scope;
 *   - every math proof re-hashes (double SHA-256 of its header) to its
 *     hash, meets its target and has the zeros it claims;
 *   - ledger entries, math proofs and submissions name the same blocks;
 *   - every other file in the stream's folders: a file the blueprint's
 *     patterns make that no aggregate lists (made ahead of its records:
 *     the current hour's files at start-up, every file of a stream with no
 *     records) must have its template's shape, no records and an empty
 *     summary, else it is an "orphan"; a file no pattern makes is a
 *     "stray".  Hidden files (the lock and state files), files set aside
 *     as *.corrupt-* and *.tmp.* files are not looked at.
 * Missing files - a listed one, a stream's journal, Global or root files,
 * even of a stream with no records - are "source" problems.
 * A file's shape is its template's members and those of its objects, no
 * fewer, no more ("shape" problems), with one old name accepted: a
 * metadata "generated_at" in place of the template's "created_at" (the
 * creation time's name in source files - journals and hourly files -
 * before every file used created_at; those files are never rewritten, so
 * a tree written then keeps it).  A file with both, or with any other
 * key, still has the problem.
 * Memory does not grow with the number of records: files are read a line
 * at a time and only summaries are kept, one per level being walked.
 */
#ifndef BRAINSTEM_VALIDATE_H
#define BRAINSTEM_VALIDATE_H

#include <stdint.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct brain_problem {
	const char *path;    /* the file, relative to the mode's base */
	long entry;          /* index of the record in that file, or -1 */
	const char *check;   /* "parse", "shape", "journal", "records",
				"summary", "source", "copy", "proof",
				"agreement", "orphan", "stray" */
	const char *message; /* one line */
} brain_problem_t;

/* Called once per problem; the strings live until the callback returns. */
typedef void (*brain_problem_fn)(void *ctx, const brain_problem_t *p);

/* Called as files are checked: `done` of at least `total` so far (the
 * total grows as the walk discovers files). */
typedef void (*brain_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/*
 * brain_validate - check the tree (or one category or record kind).
 *
 * name:       NULL for every stream, else as brain_rebuild's name.
 * on_problem: may be NULL (then only the count is kept).
 * on_progress: may be NULL.
 * problems:   receives the number of problems found.
 *
 * Returns 0 when the walk completed (whatever it found), or BRAIN_ENOTFOUND,
 * BRAIN_ELOCKED, BRAIN_EIO, BRAIN_ENOMEM when it could not.  Each stream
 * is checked under its lock, so writers wait while it is read.
 *
 * On a handle opened with BRAIN_OPEN_READONLY nothing is created or
 * changed: the lock is a shared one on the stream's lock file when that
 * exists (none is made), and the files are checked as they are, so records
 * a crashed writer left in the journal alone are reported until a writer's
 * start-up replays them.  On a writing handle the handle's own pending
 * records are written and a crashed writer's replayed first.
 */
BRAIN_EXTERN(int)
brain_validate(brain_t *b, const char *name, brain_problem_fn on_problem,
	       brain_progress_fn on_progress, void *ctx,
	       uint64_t *problems) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
