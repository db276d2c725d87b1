/*
 * brainstem/brain.h - opening a data tree, its blueprint, flags and paths.
 *
 * A brain_t is one open data tree: a root folder, a mode (demo, test,
 * staging, live) whose base folder lies under that root, the blueprint that
 * names everything in it, and the component that writes through it.
 *
 * Threads: a brain_t is used by one thread at a time.  Separate handles on
 * the same tree, in one process or in many, are safe together.  No call
 * keeps mutable global state; the last error of a failed constructor is
 * kept per thread.
 */
#ifndef BRAINSTEM_BRAIN_H
#define BRAINSTEM_BRAIN_H

#include <time.h>
#include <jansson.h>
#include <brainstem/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct brain brain_t;                 /* opaque */
typedef struct brain_options brain_options_t; /* NULL = defaults */

/* The clock the library reads "now" from; tests inject a fixed one. */
typedef time_t (*brain_clock_fn)(void *ctx);

/*
 * Where the library's notices go: one line, no newline, e.g.
 * "Brain.QTL updated - regenerating templates (old ones kept in ...)".
 * The default prints "brainstem: <line>" on stderr.
 */
typedef void (*brain_notice_fn)(void *ctx, const char *line);

/* How hard a save works to reach the disk (Redis' appendfsync). */
typedef enum brain_durability {
	BRAIN_DURABILITY_DEFAULT = 0, /* what the blueprint's store says */
	BRAIN_DURABILITY_NONE = 1,    /* leave it to the kernel */
	BRAIN_DURABILITY_BATCH = 2,   /* fdatasync at most every batch_ms */
	BRAIN_DURABILITY_ALWAYS = 3,  /* on disk before the save returns */
} brain_durability_t;

#define BRAIN_OPTIONS_VERSION 2

/*
 * brain_options_t.flags (version 2).
 *
 * BRAIN_OPEN_EXISTING: the mode's base folder must already exist; when it
 *   does not, brain_initialize_mode fails with BRAIN_ENOTFOUND ("no demo
 *   tree under <root>") and creates nothing.  An existing tree is opened
 *   as usual (templates brought up to date, the current hour's files made,
 *   a crashed writer's work finished).
 * BRAIN_OPEN_READONLY: BRAIN_OPEN_EXISTING, and neither the open nor the
 *   handle creates or changes any file: no templates are generated, no
 *   folder or file is made, nothing is replayed.  Calls that write (saves,
 *   brain_rebuild, brain_update_aggregated_index,
 *   brain_init_hierarchical_structure, brain_templates_generate) return
 *   BRAIN_EINVAL.  Readers (brain_validate, brain_templates_status, the
 *   read API) see the tree exactly as it is on disk; brain_validate waits
 *   for writers with a shared lock on the stream's existing lock file and
 *   creates no lock or state file.
 */
#define BRAIN_OPEN_EXISTING 0x1u
#define BRAIN_OPEN_READONLY 0x2u

/*
 * The moments a tree can hold: 1970-01-01T00:00:00Z to
 * 9999-12-31T23:59:59Z.  A record timestamp, a `when` or a clock reading
 * outside them is refused with BRAIN_EINVAL.
 */
#define BRAIN_TIME_MIN ((time_t)0)
#define BRAIN_TIME_MAX ((time_t)253402300799LL)

/*
 * Options for brain_initialize_mode.  Fields are only ever added at the end;
 * start from BRAIN_OPTIONS_INIT so new fields get their defaults.
 */
struct brain_options {
	unsigned int version; /* BRAIN_OPTIONS_VERSION */
	/* The tree's root folder.  NULL: $BRAINSTEM_ROOT, else the current
	 * directory. */
	const char *root;
	/* The blueprint file.  NULL: $BRAINSTEM_BLUEPRINT, else <root>/Brain.QTL,
	 * else the installed default (brain_default_blueprint()). */
	const char *blueprint;
	/* config.json.  NULL: <root>/config.json when it exists, else defaults. */
	const char *config;
	/* "Now".  NULL: the system clock. */
	brain_clock_fn clock;
	void *clock_ctx;
	/* Notices.  NULL: "brainstem: <line>" on stderr. */
	brain_notice_fn notice;
	void *notice_ctx;
	/* DEFAULT: the blueprint's store.durability. */
	brain_durability_t durability;
	/* --- version 2 --- */
	/* BRAIN_OPEN_* (above); 0: open the tree, creating what is missing. */
	unsigned int flags;
	/* NULL, or the streams this component writes, NULL-terminated, named
	 * as brain_get_path's stream ("miners", "error:miners", "ledger"):
	 * each must be in the blueprint, else brain_initialize_mode fails
	 * with BRAIN_EBLUEPRINT ("<blueprint>: blueprint has no category
	 * 'miners' (needed by Production-Miner)") before anything is
	 * created.  The array is only read during the call. */
	const char *const *require;
};

#define BRAIN_OPTIONS_INIT                                                     \
	{ BRAIN_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL,     \
	  BRAIN_DURABILITY_DEFAULT, 0, NULL }

/*
 * brain_initialize_mode - open (and build) the data tree of one mode.
 *
 * Reads and validates the blueprint and config.json; brings
 * System_File_Examples/ up to date with the blueprint (regenerating it, the
 * old folder kept aside, when the blueprint's SHA-256 changed); creates the
 * mode's base folder, every auto_create_structure folder, the current hour's
 * hierarchy of every pattern level and the global files, each from its
 * template.  Idempotent: what exists is left as it is.
 *
 * out:       receives the handle; NULL on failure.  Not NULL.
 * mode:      "demo", "test", "staging", "live" (the blueprint's modes), or
 *            NULL to take the mode whose flag is true in the blueprint.
 * component: who writes through this handle, e.g. "Production-Miner"; it is
 *            recorded in every file and entry.  No '/', "..", control
 *            characters; not empty.
 * opts:      NULL for defaults.  opts->version must be 1 to
 *            BRAIN_OPTIONS_VERSION and opts->durability one of the
 *            brain_durability_t values, else BRAIN_EINVAL.
 *
 * The clock's time must lie within BRAIN_TIME_MIN..BRAIN_TIME_MAX.
 *
 * Returns 0, or BRAIN_EINVAL (bad mode, component, options, or the clock
 * out of range), BRAIN_EBLUEPRINT (message "file:line:column: ..."; or a
 * required stream is missing), BRAIN_ECONFIG, BRAIN_ENOTFOUND
 * (BRAIN_OPEN_EXISTING and no tree), BRAIN_EIO, BRAIN_ENOMEM.  On failure
 * nothing is created and brain_errmsg(NULL) says why: the blueprint,
 * config.json, the mode, the required streams and whether the root and
 * base can be made are all checked before the first file or folder is
 * created.  Only a failure of the file system during creation itself (a
 * full disk) can leave some folders behind.
 *
 * Options of version 1 (without flags and require) are accepted and mean
 * flags 0 and require NULL.
 *
 * Ownership: the caller owns *out and frees it with brain_close().  Strings
 * in opts are copied.
 */
BRAIN_EXTERN(int)
brain_initialize_mode(brain_t **out, const char *mode, const char *component,
		      const brain_options_t *opts) BRAIN_WARN_UNUSED;

/*
 * brain_close - flush and free a handle.
 *
 * Puts on disk what durability "batch" still held back (as brain_flush),
 * checkpoints and closes the files, then frees b - also when the flush
 * failed.  NULL is accepted (returns 0).
 *
 * Returns 0, or BRAIN_EIO (the final flush failed: records saved since
 * the last successful flush may not be on disk), BRAIN_ELOCKED,
 * BRAIN_ENOMEM; the message is then in brain_errmsg(NULL), b being gone.
 */
BRAIN_EXTERN(int) brain_close(brain_t *b);

/*
 * brain_errmsg - the last failure on b, one line.
 *
 * b: a handle, or NULL for the calling thread's last failure of a call that
 *    had no handle to report on (a failed brain_initialize_mode).
 * Ownership: belongs to b (or to the thread) until the next call on it.
 * Returns "" when nothing failed.
 */
BRAIN_EXTERN(const char *) brain_errmsg(const brain_t *b);

/*
 * brain_get_flags - the flags: the blueprint's, overlaid by config.json's,
 * with the mode flags set for the open mode (demo_mode_flag is true in demo
 * mode and the other modes' flags false).
 *
 * Ownership: borrowed; valid until brain_close(b).  Do not modify.
 * NULL when b is NULL.
 */
BRAIN_EXTERN(const json_t *) brain_get_flags(const brain_t *b);

/*
 * The mining defaults, for a config.json without them:
 *   default_zeros 6           leading hex zeros of a synthetic target
 *   round_duration_seconds 60 a round lasts a minute: the tree's finest
 *                             level is the hour, so a miner writes 60
 *                             round reports an hour, points enough for an
 *                             hour's roll-up and its chart, and a looper of
 *                             many miners still writes a few a second
 *   max_attempts_per_round 0  no cap: a round ends by its duration (N > 0:
 *                             a round ends after exactly N hashes, or its
 *                             duration, whichever comes first)
 * A config.json's own values (the seed's 3600 and 1000000) are used as
 * given.
 */
#define BRAIN_DEFAULT_ZEROS 6
#define BRAIN_DEFAULT_ROUND_SECONDS 60
#define BRAIN_DEFAULT_MAX_ATTEMPTS 0

/*
 * brain_get_config - config.json after validation, with every default
 * filled in (above): {"mining": {"default_zeros" 0..64,
 * "round_duration_seconds" 1..31622400, "max_attempts_per_round" 0 (no
 * cap) or more}, "paths": {...}, "flags": {...},
 * "bitcoin_rpc": {...}}.  bitcoin_rpc holds the node settings as given
 * (strings url, user, password, cookie_file, payout_address,
 * payout_script; numbers timeout_seconds, poll_seconds, max_retries), and
 * the same keys again under "staging" and "live" for that mode only; it
 * is {} when config.json has none.
 *
 * Ownership: borrowed; valid until brain_close(b).  Do not modify.
 */
BRAIN_EXTERN(const json_t *) brain_get_config(const brain_t *b);

/*
 * Facts about an open tree.  Each returns a string owned by b, valid until
 * brain_close(b).
 *   brain_mode            "demo", "test", "staging" or "live"
 *   brain_component       the component given at initialisation
 *   brain_root_path       the root, absolute
 *   brain_base_path       the mode's base folder, absolute
 *   brain_blueprint_path  the blueprint file in use
 *   brain_blueprint_hash  its SHA-256, 64 lower-case hex digits
 * Each returns NULL when b is NULL.
 */
BRAIN_EXTERN(const char *) brain_mode(const brain_t *b);
BRAIN_EXTERN(const char *) brain_component(const brain_t *b);
BRAIN_EXTERN(const char *) brain_root_path(const brain_t *b);
BRAIN_EXTERN(const char *) brain_base_path(const brain_t *b);
BRAIN_EXTERN(const char *) brain_blueprint_path(const brain_t *b);
BRAIN_EXTERN(const char *) brain_blueprint_hash(const brain_t *b);

/*
 * brain_now - the handle's clock (the injected one, if any); -1 when b
 * is NULL.
 */
BRAIN_EXTERN(time_t) brain_now(const brain_t *b);

/*
 * brain_get_path - the absolute path of one file of the tree.
 *
 * stream: a record kind of the blueprint ("ledger", "math_proof",
 *         "submission"), a report category ("miners": its report tree), or
 *         "<tree>:<category>" for another report tree ("error:miners").
 * level:  a pattern_levels key that applies to the stream, e.g.
 *         "ledger_hour", "report_global", "aggregated_week",
 *         "aggregated_index_global".
 * when:   the moment whose partition is wanted (ignored for levels without
 *         time placeholders).
 * out:    receives the path.
 *
 * Returns 0, BRAIN_EINVAL (an argument NULL, `when` outside
 * BRAIN_TIME_MIN..BRAIN_TIME_MAX), BRAIN_ENOTFOUND (no such stream or
 * level for it), BRAIN_ENOMEM.
 * Ownership: the caller frees *out with brain_free().
 */
BRAIN_EXTERN(int)
brain_get_path(brain_t *b, const char *stream, const char *level, time_t when,
	       char **out) BRAIN_WARN_UNUSED;

/*
 * brain_init_hierarchical_structure - create the folders and files of the
 * hour containing `when` for every stream and pattern level (the seed's
 * function of the same name; brain_initialize_mode calls it for "now").
 * Existing files are left as they are.
 *
 * Returns 0, BRAIN_EINVAL (`when` outside BRAIN_TIME_MIN..BRAIN_TIME_MAX),
 * BRAIN_EIO, BRAIN_ECORRUPT (a template does not parse), BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_init_hierarchical_structure(brain_t *b, time_t when) BRAIN_WARN_UNUSED;

/*
 * brain_default_blueprint - where the installed default blueprint is,
 * e.g. "/usr/local/share/brainstem/brain.qtl".
 * Ownership: static string.
 */
BRAIN_EXTERN(const char *) brain_default_blueprint(void);

/*
 * brain_free - free memory the library handed to the caller (strings from
 * brain_get_path and the like).  NULL is accepted.
 */
BRAIN_EXTERN(void) brain_free(void *p);

/*
 * brain_suggest - the word of `candidates` (NULL-terminated) closest to
 * `word` by edit distance, when it is close enough to be a slip (at most a
 * third of the word's letters plus one, and at least 2), else NULL: for
 * "did you mean 'validate'?" (the library's own messages use it for
 * blueprint keys and modes).  NULL word or candidates: NULL.
 * Ownership: the result is one of `candidates` (borrowed).  Thread-safe.
 */
BRAIN_EXTERN(const char *)
brain_suggest(const char *word, const char *const *candidates);

#ifdef __cplusplus
}
#endif

#endif
