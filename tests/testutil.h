/*
 * tests/testutil.h - what every suite needs: a fresh temporary root, an
 * injected clock, files in and out, and the default blueprint with one
 * change made to it.
 */
#ifndef BRAINSTEM_TESTUTIL_H
#define BRAINSTEM_TESTUTIL_H

#include <check.h>
#include <time.h>

#include <brainstem/brainstem.h>

/* 2025-12-18T01:47:41Z, the seed's example moment. */
#define T_SEED_EXAMPLE ((time_t)1766022461)

Suite *blueprint_suite(void);
Suite *layout_suite(void);
Suite *tree_suite(void);
Suite *templates_suite(void);
Suite *config_suite(void);
Suite *names_suite(void);
Suite *store_suite(void);
Suite *crash_suite(void);
Suite *recovery_suite(void);
Suite *faults_suite(void);
Suite *pow_suite(void);
Suite *node_suite(void);
Suite *stratum_job_suite(void);
Suite *stratum_suite(void);
Suite *metrics_suite(void);
Suite *validate_suite(void);
Suite *read_suite(void);
Suite *report_suite(void);
Suite *dashboard_suite(void);
Suite *log_suite(void);
Suite *http_suite(void);

/* A new empty folder under $TMPDIR; removed by tu_rmrf. Caller frees. */
char *tu_tmpdir(void);
void tu_rmrf(const char *path);

/* A clock that returns *(time_t *)ctx. */
time_t tu_clock(void *ctx);

/* Options for a test: root, blueprint (NULL = the source tree's default),
 * the fixed clock at *now, durability none, notices collected into
 * tu_notices. */
brain_options_t tu_options(const char *root, const char *blueprint,
			   time_t *now);
extern char tu_notices[4096];

/* Reads a whole file (NULL if it cannot); caller frees. */
char *tu_read(const char *path);
void tu_write(const char *path, const char *text);
int tu_exists(const char *path);

/* The default blueprint's text with the first `find` replaced by `repl`
 * (ck_assert that it is there). Caller frees. */
char *tu_default_with(const char *find, const char *repl);

/* 1-based line of the first occurrence of `needle` in `text`. */
int tu_line_of(const char *text, const char *needle);

/* A path joined under root; caller frees. */
char *tu_path(const char *root, const char *rel);

/* check_faults.c interposes the library's system calls; with this set to
 * n, the process ends (as SIGKILL would) right after its nth ftruncate. */
extern int tf_die_at_cut;
/* check_faults.c's interposers count every call that changes a file or a
 * folder (write, pwrite, ftruncate, rename, link, unlink, mkdir, fdatasync,
 * fsync) in tf_changes; with tf_die_at_change = n the process ends right
 * after the nth (check_crash.c kills a rebuild at every step with it). */
extern long tf_die_at_change, tf_changes;

#define DEFAULT_BLUEPRINT SOURCE_DIR "/blueprint/brain.qtl"

#endif
