/*
 * tests/check_main.c - runs every suite; exits non-zero on any failure.
 * Check's fork mode is on (its default), so a crash fails one test only.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

char tu_notices[4096];

Suite *api_suite(void); /* tests/check_api.c */

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/brainstem-test.XXXXXX",
		     base && *base ? base : "/tmp") < 0)
		abort();
	if (!mkdtemp(path))
		abort();
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

time_t tu_clock(void *ctx)
{
	return *(time_t *)ctx;
}

static void collect_notice(void *ctx, const char *line)
{
	(void)ctx;
	strncat(tu_notices, line, sizeof(tu_notices) - strlen(tu_notices) - 2);
	strcat(tu_notices, "\n");
}

brain_options_t tu_options(const char *root, const char *blueprint,
			   time_t *now)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;

	o.root = root;
	o.blueprint = blueprint ? blueprint : DEFAULT_BLUEPRINT;
	o.clock = tu_clock;
	o.clock_ctx = now;
	o.notice = collect_notice;
	o.durability = BRAIN_DURABILITY_NONE;
	tu_notices[0] = '\0';
	return o;
}

char *tu_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void tu_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

int tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *tu_default_with(const char *find, const char *repl)
{
	char *text = tu_read(DEFAULT_BLUEPRINT), *at, *out;

	ck_assert_ptr_nonnull(text);
	at = strstr(text, find);
	ck_assert_msg(at != NULL, "default blueprint lacks '%s'", find);
	if (asprintf(&out, "%.*s%s%s", (int)(at - text), text, repl,
		     at + strlen(find)) < 0)
		abort();
	free(text);
	return out;
}

int tu_line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *p;
	int line = 1;

	ck_assert_ptr_nonnull(at);
	for (p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

char *tu_path(const char *root, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", root, rel) < 0)
		abort();
	return p;
}

int main(void)
{
	SRunner *sr = srunner_create(blueprint_suite());
	int failed;

	srunner_add_suite(sr, layout_suite());
	srunner_add_suite(sr, names_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, tree_suite());
	srunner_add_suite(sr, templates_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, crash_suite());
	srunner_add_suite(sr, recovery_suite());
	srunner_add_suite(sr, faults_suite());
	srunner_add_suite(sr, pow_suite());
	srunner_add_suite(sr, node_suite());
	srunner_add_suite(sr, stratum_job_suite());
	srunner_add_suite(sr, stratum_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, read_suite());
	srunner_add_suite(sr, dashboard_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, report_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
