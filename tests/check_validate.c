/*
 * tests/check_validate.c - opening without creating (BRAIN_OPEN_EXISTING,
 * BRAIN_OPEN_READONLY), a failed open that leaves the disk as it was,
 * required streams, and brain_validate seeing damage anywhere: files no
 * aggregate lists, empty streams, missing files.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* ---- a listing of every path under a folder: type, size, mtime ---- */

static char *listing;
static size_t listing_len, listing_cap;

static int list_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	char *line;
	int n;

	(void)ftw;
	n = asprintf(&line, "%s %d %ld %ld.%09ld\n", path, flag,
		     (long)st->st_size, (long)st->st_mtim.tv_sec,
		     st->st_mtim.tv_nsec);
	ck_assert_int_ge(n, 0);
	if (listing_len + (size_t)n + 1 > listing_cap) {
		listing_cap = (listing_len + (size_t)n + 1) * 2;
		listing = realloc(listing, listing_cap);
		ck_assert_ptr_nonnull(listing);
	}
	memcpy(listing + listing_len, line, (size_t)n + 1);
	listing_len += (size_t)n;
	free(line);
	return 0;
}

/* Every path under dir (or "" when dir does not exist); caller frees. */
static char *snapshot(const char *dir)
{
	listing = NULL;
	listing_len = listing_cap = 0;
	nftw(dir, list_one, 16, FTW_PHYS);
	return listing ? listing : strdup("");
}

/* The listings are equal; else the first line that differs is shown. */
static void assert_unchanged(const char *before, const char *dir)
{
	char *after = snapshot(dir);
	size_t i = 0, line = 0;

	while (before[i] && before[i] == after[i]) {
		if (before[i] == '\n')
			line = i + 1;
		i++;
	}
	ck_assert_msg(before[i] == after[i],
		      "under %s, was: %.200s; now: %.200s", dir,
		      before + line, after + line);
	free(after);
}

/* ---- trees ---- */

static int open_flags(brain_t **b, const char *root, const char *bp,
		      time_t *now, unsigned flags, const char *const *require)
{
	brain_options_t o = tu_options(root, bp, now);

	o.flags = flags;
	o.require = require;
	return brain_initialize_mode(b, "demo", "Tester", &o);
}

static brain_t *open_rw(const char *root, time_t *now)
{
	brain_t *b;

	ck_assert_msg(open_flags(&b, root, NULL, now, 0, NULL) == 0, "%s",
		      brain_errmsg(NULL));
	return b;
}

static brain_t *open_ro(const char *root, time_t *now)
{
	brain_t *b;

	ck_assert_msg(open_flags(&b, root, NULL, now, BRAIN_OPEN_READONLY,
				 NULL) == 0,
		      "%s", brain_errmsg(NULL));
	return b;
}

/* A demo tree with three miners reports in the hour of `now` and nothing
 * in any other stream. */
static void make_tree(const char *root, time_t now)
{
	brain_t *b = open_rw(root, &now);
	int i;

	for (i = 0; i < 3; i++) {
		json_t *r = json_pack("{s:s, s:i}", "event",
				      "mining_round_complete",
				      "attempts_this_round", 1000 + i);
		ck_assert_int_eq(brain_save_system_report(b, "miners", r), 0);
		json_decref(r);
	}
	brain_close(b);
}

typedef struct found {
	char text[8192];
} found;

static void collect(void *ctx, const brain_problem_t *p)
{
	found *f = ctx;
	char line[1200];

	snprintf(line, sizeof(line), "%s: %s: %s\n", p->path, p->check,
		 p->message);
	strncat(f->text, line, sizeof(f->text) - strlen(f->text) - 1);
}

/* Validates through a read-only handle; returns the problem count. */
static uint64_t validate_ro(const char *root, time_t now, found *f)
{
	brain_t *b = open_ro(root, &now);
	uint64_t n = 0;

	f->text[0] = '\0';
	ck_assert_msg(brain_validate(b, NULL, collect, NULL, f, &n) == 0,
		      "%s", brain_errmsg(b));
	brain_close(b);
	return n;
}

static char *stream_file(const char *root, time_t now, const char *stream,
			 const char *level)
{
	brain_t *b = open_ro(root, &now);
	char *p, *out;

	ck_assert_int_eq(brain_get_path(b, stream, level, now, &p), 0);
	out = strdup(p);
	brain_free(p);
	brain_close(b);
	return out;
}

static void replace_in_file(const char *path, const char *find,
			    const char *repl)
{
	char *text = tu_read(path), *at, *out;

	ck_assert_ptr_nonnull(text);
	at = strstr(text, find);
	ck_assert_msg(at != NULL, "%s: no '%s'", path, find);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - text), text,
				  repl, at + strlen(find)),
			 0);
	tu_write(path, out);
	free(out);
	free(text);
}

/* ---- opening without creating ---- */

START_TEST(readonly_open_of_a_missing_tree_creates_nothing)
{
	static const unsigned flags[] = {BRAIN_OPEN_READONLY,
					 BRAIN_OPEN_EXISTING};
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *root = tu_path(dir, "root"), *want;
	brain_t *b = (brain_t *)1;
	size_t i;

	ck_assert_int_ge(asprintf(&want, "no demo tree under %s", root), 0);
	for (i = 0; i < 2; i++) {
		/* no root at all, then an empty root */
		ck_assert_int_eq(open_flags(&b, root, NULL, &now, flags[i],
					    NULL),
				 BRAIN_ENOTFOUND);
		ck_assert_ptr_null(b);
		ck_assert_str_eq(brain_errmsg(NULL), want);
		ck_assert(!tu_exists(root));
		ck_assert_int_eq(mkdir(root, 0755), 0);
		{
			char *before = snapshot(dir);
			ck_assert_int_eq(open_flags(&b, root, NULL, &now,
						    flags[i], NULL),
					 BRAIN_ENOTFOUND);
			ck_assert_str_eq(brain_errmsg(NULL), want);
			assert_unchanged(before, dir);
			free(before);
		}
		ck_assert_int_eq(rmdir(root), 0);
	}
	free(want);
	free(root);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(readonly_validate_and_status_change_nothing)
{
	time_t now = T_SEED_EXAMPLE, later = T_SEED_EXAMPLE + 7200;
	char *dir = tu_tmpdir(), *before, *lock;
	brain_t *b;
	json_t *st = NULL, *r;
	found f;
	uint64_t n = 0;
	int regenerated = 1;

	make_tree(dir, now);
	/* a stream whose lock file is gone: a reader must not make it */
	lock = tu_path(dir, "Test/Demo/Mining/System/System_Reports/Miners/"
			    ".miners_report.lock");
	ck_assert(tu_exists(lock));
	ck_assert_int_eq(unlink(lock), 0);
	before = snapshot(dir);
	/* two hours later: a writer's open would add that hour's files */
	b = open_ro(dir, &later);
	ck_assert_int_eq(brain_validate(b, NULL, collect, NULL, &f, &n), 0);
	ck_assert_msg(n == 0, "%s", f.text);
	ck_assert_int_eq(brain_templates_status(b, &st), 0);
	ck_assert(json_is_true(json_object_get(st, "current")));
	json_decref(st);
	/* and the calls that write are refused */
	r = json_pack("{s:s}", "event", "x");
	ck_assert_int_eq(brain_save_system_report(b, "miners", r),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(brain_errmsg(b), "open read-only") != NULL, "%s",
		      brain_errmsg(b));
	json_decref(r);
	ck_assert_int_eq(brain_rebuild(b, NULL), BRAIN_EINVAL);
	ck_assert_int_eq(brain_templates_generate(b, 1, &regenerated),
			 BRAIN_EINVAL);
	ck_assert_int_eq(regenerated, 0);
	ck_assert_int_eq(brain_init_hierarchical_structure(b, later),
			 BRAIN_EINVAL);
	brain_close(b);
	assert_unchanged(before, dir);
	ck_assert_str_eq(tu_notices, "");
	free(before);
	free(lock);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- a failed open leaves the disk as it was ---- */

static void assert_open_fails(const char *dir, const char *root,
			      const char *bp, const char *const *require,
			      int code, const char *msg_part)
{
	time_t now = T_SEED_EXAMPLE;
	char *before = snapshot(dir);
	brain_t *b = (brain_t *)1;

	ck_assert_int_eq(open_flags(&b, root, bp, &now, 0, require), code);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(brain_errmsg(NULL), msg_part) != NULL,
		      "'%s' lacks '%s'", brain_errmsg(NULL), msg_part);
	assert_unchanged(before, dir);
	free(before);
}

START_TEST(failed_open_creates_nothing)
{
	static const char *const miner_needs[] = {"miners", "error:miners",
						  "ledger", NULL};
	char *dir = tu_tmpdir(), *root = tu_path(dir, "root");
	char *bad_bp = tu_path(dir, "bad.qtl"), *renamed = tu_path(dir,
								   "ren.qtl");
	char *config = tu_path(root, "config.json"), *blocker, *text;
	char *file_root = tu_path(dir, "a-file");

	ck_assert_int_eq(mkdir(root, 0755), 0);
	/* a blueprint that does not parse */
	tu_write(bad_bp, "modes: [\n");
	assert_open_fails(dir, root, bad_bp, NULL, BRAIN_EBLUEPRINT, "bad.qtl");
	/* a config.json that does not parse */
	tu_write(config, "{\"mining\": \n");
	assert_open_fails(dir, root, NULL, NULL, BRAIN_ECONFIG, "config.json");
	ck_assert_int_eq(unlink(config), 0);
	/* a root that is a file, and one under a file */
	tu_write(file_root, "x\n");
	assert_open_fails(dir, file_root, NULL, NULL, BRAIN_EIO,
			  "Not a directory");
	free(file_root);
	file_root = tu_path(dir, "a-file/sub");
	assert_open_fails(dir, file_root, NULL, NULL, BRAIN_EIO,
			  "Not a directory");
	/* the mode's base blocked by a file: not even System_File_Examples */
	blocker = tu_path(root, "Test");
	tu_write(blocker, "x\n");
	assert_open_fails(dir, root, NULL, NULL, BRAIN_EIO,
			  "cannot create folder");
	ck_assert_int_eq(unlink(blocker), 0);
	/* a blueprint without a category the component writes */
	text = tu_default_with("  miners:\n    folder: Miners",
			       "  minerz:\n    folder: Miners");
	tu_write(renamed, text);
	free(text);
	assert_open_fails(dir, root, renamed, miner_needs, BRAIN_EBLUEPRINT,
			  "blueprint has no category 'miners' (needed by "
			  "Tester)");
	/* with every stream there, the same open works */
	{
		time_t now = T_SEED_EXAMPLE;
		brain_t *b;
		ck_assert_int_eq(open_flags(&b, root, NULL, &now, 0,
					    miner_needs),
				 0);
		brain_close(b);
	}
	free(blocker);
	free(file_root);
	free(config);
	free(bad_bp);
	free(renamed);
	free(root);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(version_1_options_ignore_the_new_fields)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *root = tu_path(dir, "root");
	brain_options_t o = tu_options(root, NULL, &now);
	brain_t *b;

	o.version = 1;
	o.flags = BRAIN_OPEN_READONLY; /* not a field of version 1 */
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o), 0);
	ck_assert(tu_exists(root));
	brain_close(b);
	free(root);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- validate sees damage anywhere ---- */

START_TEST(edited_total_in_an_empty_streams_aggregate_is_found)
{
	static const char *const levels[] = {"aggregated_hour",
					     "aggregated_index_day",
					     "aggregated_year"};
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	found f;
	size_t i;

	make_tree(dir, now);
	ck_assert_msg(validate_ro(dir, now, &f) == 0, "%s", f.text);
	for (i = 0; i < 3; i++) {
		/* "looping" has no records: its files of the hour the tree
		 * was made in are listed by no aggregate */
		char *p = stream_file(dir, now, "error:looping", levels[i]);
		replace_in_file(p, "\"total_entries\":0",
				"\"total_entries\":5");
		ck_assert_uint_eq(validate_ro(dir, now, &f), 1);
		ck_assert_msg(strstr(f.text, "summary.total_entries is 5") &&
				      strstr(f.text, "orphan") &&
				      strstr(f.text,
					     strstr(p, "System/Error_Reports")),
			      "%s", f.text);
		replace_in_file(p, "\"total_entries\":5",
				"\"total_entries\":0");
		free(p);
	}
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(a_file_no_aggregate_lists_is_found)
{
	time_t now = T_SEED_EXAMPLE, other = T_SEED_EXAMPLE + 3 * 3600;
	char *dir = tu_tmpdir(), *src, *dst, *text, *slash, *stray;
	found f;

	make_tree(dir, now);
	/* an hourly file copied into an hour that has no records */
	src = stream_file(dir, now, "miners", "report_hour");
	dst = stream_file(dir, other, "miners", "report_hour");
	text = tu_read(src);
	slash = strrchr(dst, '/');
	*slash = '\0';
	ck_assert_int_eq(mkdir(dst, 0755), 0);
	*slash = '/';
	tu_write(dst, text);
	free(text);
	ck_assert_uint_eq(validate_ro(dir, now, &f), 1);
	ck_assert_msg(strstr(f.text, "orphan: holds 3 records, but no "
				     "aggregate lists this file") &&
			      strstr(f.text, strstr(dst, "System/")),
		      "%s", f.text);
	ck_assert_int_eq(unlink(dst), 0);
	/* a file no pattern of the blueprint makes */
	stray = tu_path(dir, "Test/Demo/Mining/Ledgers/Aggregated/notes.json");
	tu_write(stray, "{}\n");
	ck_assert_uint_eq(validate_ro(dir, now, &f), 1);
	ck_assert_msg(strstr(f.text, "Ledgers/Aggregated/notes.json: stray"),
		      "%s", f.text);
	ck_assert_int_eq(unlink(stray), 0);
	ck_assert_msg(validate_ro(dir, now, &f) == 0, "%s", f.text);
	free(stray);
	free(src);
	free(dst);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(a_missing_file_is_found)
{
	static const struct {
		const char *stream, *level;
	} gone[] = {{"error:looping", "aggregated_root"},
		    {"error:looping", "aggregated_index_global"},
		    {"miners", "report_global"},
		    {"miners", "report_hour"}};
	time_t now = T_SEED_EXAMPLE;
	found f;
	size_t i;

	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		char *dir = tu_tmpdir(), *p;
		make_tree(dir, now);
		p = stream_file(dir, now, gone[i].stream, gone[i].level);
		ck_assert_int_eq(unlink(p), 0);
		ck_assert_uint_ge(validate_ro(dir, now, &f), 1);
		ck_assert_msg(strstr(f.text, strstr(p, "System/")) &&
				      strstr(f.text, "is missing"),
			      "%s: %s", p, f.text);
		free(p);
		tu_rmrf(dir);
		free(dir);
	}
}
END_TEST

/* ---- pool shares ---- */

/* A block found through a pool: header, its hash and the target it meets
 * (regtest's bits, so that a few nonces find one). */
typedef struct pool_block {
	brain_header_t h;
	uint8_t hash[32], target[32];
	char hash_hex[65], target_hex[65], header_hex[161];
} pool_block;

static void find_pool_block(pool_block *pb)
{
	brain_work_t w;
	brain_match_t m;
	brain_scan_t r;

	ck_assert_int_eq(brain_work_synthetic(7, "pool", 1, 0, 0,
					      (uint32_t)T_SEED_EXAMPLE, &w),
			 0);
	pb->h = w.header;
	pb->h.bits = 0x207fffff;
	ck_assert_int_eq(brain_bits_to_target(pb->h.bits, pb->target), 0);
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &pb->h, 0, 1000,
				    pb->target, &m, 1, NULL, &r),
			 0);
	ck_assert_uint_ge(r.nmatches, 1);
	pb->h.nonce = m.nonce;
	memcpy(pb->hash, m.hash, 32);
	brain_hash_to_hex(pb->hash, pb->hash_hex);
	brain_hash_to_hex(pb->target, pb->target_hex);
	brain_header_to_hex(&pb->h, pb->header_hex);
}

static void save(brain_t *b, const char *stream, json_t *r)
{
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(brain_save_record(b, stream, r) == 0, "%s: %s", stream,
		      brain_errmsg(b));
	json_decref(r);
}

/* A share submission as brainstem-miner writes it (bin/miner/pool.c). */
static json_t *share(const char *hash, int accepted, const char *result,
		     int code, double difficulty)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:f, s:b, "
			 "s:s, s:o, s:b, s:s, s:s, s:b}",
			 "share_hash", hash, "pool", "stratum+tcp://pool:3333",
			 "worker", "addr", "job_id", "1a", "extranonce2",
			 "01000000", "ntime", 1766022461, "nonce", 7,
			 "share_difficulty", difficulty, "hash_difficulty",
			 2 * difficulty, "accepted", accepted, "result", result,
			 "reject_code",
			 code ? json_integer(code) : json_null(), "stale",
			 code == 21, "miner_id", "m1", "work_source", "pool",
			 "submitted", 1);
}

static json_t *summary_of(const char *root, time_t now, const char *stream)
{
	char *p = stream_file(root, now, stream, "aggregated_global");
	char *text = tu_read(p), *at = strstr(text, "\"summary\": ");
	json_error_t err;
	json_t *s;

	ck_assert_msg(at != NULL, "%s has no summary", p);
	s = json_loads(at + strlen("\"summary\": "),
		       JSON_DISABLE_EOF_CHECK, &err);
	ck_assert_msg(s != NULL, "%s: %s", p, err.text);
	free(text);
	free(p);
	return s;
}

/* Pool mining's records - accepted and refused shares, their rejection
 * entries, and a share that is also a block (proof, ledger entry, then
 * the submission naming the block) - make a tree that validates clean,
 * and the blueprint's share metrics add them up. */
START_TEST(pool_shares_and_rejections_validate_clean)
{
	static const char *const hashes[] = {
		"00000000aa000000000000000000000000000000000000000000000000000001",
		"00000000bb000000000000000000000000000000000000000000000000000002",
		"00000000cc000000000000000000000000000000000000000000000000000003"};
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_t *b = open_rw(dir, &now);
	pool_block pb;
	json_t *r, *sum;
	found f;

	find_pool_block(&pb);
	save(b, "submission", share(hashes[0], 1, "accepted", 0, 0.5));
	save(b, "submission", share(hashes[1], 0, "low difficulty share", 23,
				    0.5));
	save(b, "rejection",
	     json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:f, s:s}",
		       "share_hash", hashes[1], "pool",
		       "stratum+tcp://pool:3333", "worker", "addr", "job_id",
		       "1a", "reason", "low difficulty share", "reject_code",
		       23, "stale", 0, "share_difficulty", 0.5, "miner_id",
		       "m1"));
	save(b, "submission", share(hashes[2], 0, "job not found", 21, 0.5));
	save(b, "rejection",
	     json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:f, s:s}",
		       "share_hash", hashes[2], "pool",
		       "stratum+tcp://pool:3334", "worker", "addr", "job_id",
		       "1b", "reason", "job not found", "reject_code", 21,
		       "stale", 1, "share_difficulty", 0.5, "miner_id", "m1"));
	/* the block: proof, ledger entry, submission */
	save(b, "math_proof",
	     json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:s, s:s}",
		       "header_hex", pb.header_hex, "nonce",
		       (json_int_t)pb.h.nonce, "hash", pb.hash_hex, "target",
		       pb.target_hex, "leading_zeros",
		       (int)brain_hash_leading_zeros(pb.hash), "bits",
		       (json_int_t)pb.h.bits, "miner_id", "m1", "pool",
		       "stratum+tcp://pool:3333"));
	save(b, "ledger",
	     json_pack("{s:s, s:n, s:i, s:s, s:s, s:s, s:s, s:b}",
		       "block_hash", pb.hash_hex, "height", "leading_zeros",
		       (int)brain_hash_leading_zeros(pb.hash), "target",
		       pb.target_hex, "miner_id", "m1", "work_source", "pool",
		       "pool", "stratum+tcp://pool:3333", "accepted", 1));
	r = share(pb.hash_hex, 1, "accepted", 0, 2.0);
	json_object_set_new(r, "block_hash", json_string(pb.hash_hex));
	save(b, "submission", r);
	brain_close(b);

	ck_assert_msg(validate_ro(dir, now, &f) == 0, "%s", f.text);
	sum = summary_of(dir, now, "submission");
	ck_assert_int_eq(json_integer_value(json_object_get(sum,
							    "total_entries")),
			 4);
	ck_assert(json_real_value(json_object_get(sum, "accepted_difficulty")) ==
		  2.5);
	json_decref(sum);
	sum = summary_of(dir, now, "rejection");
	ck_assert_int_eq(json_integer_value(json_object_get(sum,
							    "total_entries")),
			 2);
	json_decref(sum);

	/* a block's submission without its ledger entry is found */
	b = open_rw(dir, &now);
	r = share(hashes[0], 1, "accepted", 0, 0.5);
	json_object_set_new(r, "block_hash", json_string(hashes[0]));
	save(b, "submission", r);
	brain_close(b);
	ck_assert_uint_eq(validate_ro(dir, now, &f), 1);
	ck_assert_msg(strstr(f.text, "has no ledger entry"), "%s", f.text);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- a tree written before created_at ---- */

static brain_t *open_bp(const char *root, const char *bp, time_t *now)
{
	brain_t *b;

	ck_assert_msg(open_flags(&b, root, bp, now, 0, NULL) == 0, "%s",
		      brain_errmsg(NULL));
	return b;
}

static void save_round(brain_t *b)
{
	json_t *r = json_pack("{s:s, s:i}", "event", "mining_round_complete",
			      "attempts_this_round", 1000);

	ck_assert_int_eq(brain_save_system_report(b, "miners", r), 0);
	json_decref(r);
}

/* Source files said generated_at before every file said created_at: a
 * tree written then - its journal and hourly files keep the old name,
 * and a writer of today appends to them and makes new files with
 * created_at - validates clean; an unknown metadata key is still a
 * problem, and so is generated_at beside created_at. */
START_TEST(a_tree_written_with_generated_at_validates_clean)
{
	time_t now = T_SEED_EXAMPLE, later = T_SEED_EXAMPLE + 2 * 3600;
	char *dir = tu_tmpdir(), *old = tu_path(dir, "old.qtl");
	char *text = tu_default_with("created_at: \"{now}\"",
				     "generated_at: \"{now}\"");
	char *journal, *hour, *new_hour, *data;
	brain_t *b;
	found f;

	tu_write(old, text);
	free(text);
	b = open_bp(dir, old, &now);
	save_round(b);
	brain_close(b);
	journal = stream_file(dir, now, "miners", "report_global");
	hour = stream_file(dir, now, "miners", "report_hour");
	new_hour = stream_file(dir, later, "miners", "report_hour");
	data = tu_read(hour);
	ck_assert_msg(strstr(data, "\"generated_at\"") &&
			      !strstr(data, "\"created_at\""),
		      "%s", data);
	free(data);
	/* validated by today's brainstem before it writes anything */
	ck_assert_msg(validate_ro(dir, now, &f) == 0, "%.2000s", f.text);
	/* today's blueprint: the same hour's files, and a new hour's */
	b = open_rw(dir, &now);
	save_round(b);
	brain_close(b);
	b = open_rw(dir, &later);
	save_round(b);
	brain_close(b);
	data = tu_read(new_hour);
	ck_assert_msg(strstr(data, "\"created_at\"") &&
			      !strstr(data, "\"generated_at\""),
		      "%s", data);
	free(data);
	ck_assert_msg(validate_ro(dir, later, &f) == 0, "%.2000s", f.text);

	replace_in_file(hour, "\"generated_at\"",
			"\"note\": \"x\", \"generated_at\"");
	ck_assert_uint_eq(validate_ro(dir, later, &f), 1);
	ck_assert_msg(strstr(f.text, "member 'metadata.note' is not in the "
				     "template"),
		      "%.2000s", f.text);
	replace_in_file(hour, "\"note\": \"x\"",
			"\"created_at\": \"2025-12-18T01:47:41Z\"");
	ck_assert_uint_eq(validate_ro(dir, later, &f), 1);
	ck_assert_msg(strstr(f.text, "member 'metadata.generated_at' is not in "
				     "the template"),
		      "%.2000s", f.text);
	replace_in_file(hour, "\"created_at\": \"2025-12-18T01:47:41Z\", ",
			"");
	replace_in_file(journal, "\"generated_at\"", "\"made_at\"");
	ck_assert_uint_eq(validate_ro(dir, later, &f), 2);
	ck_assert_msg(strstr(f.text, "template member 'metadata.created_at' "
				     "is missing") &&
			      strstr(f.text, "member 'metadata.made_at' is "
					     "not in the template"),
		      "%.2000s", f.text);
	free(journal);
	free(hour);
	free(new_hour);
	free(old);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("open_and_validate");

	tcase_set_timeout(tc, 60); /* each test builds a tree or four */

	tcase_add_test(tc, readonly_open_of_a_missing_tree_creates_nothing);
	tcase_add_test(tc, readonly_validate_and_status_change_nothing);
	tcase_add_test(tc, failed_open_creates_nothing);
	tcase_add_test(tc, version_1_options_ignore_the_new_fields);
	tcase_add_test(tc, edited_total_in_an_empty_streams_aggregate_is_found);
	tcase_add_test(tc, a_file_no_aggregate_lists_is_found);
	tcase_add_test(tc, a_missing_file_is_found);
	tcase_add_test(tc, pool_shares_and_rejections_validate_clean);
	tcase_add_test(tc, a_tree_written_with_generated_at_validates_clean);
	suite_add_tcase(s, tc);
	return s;
}
