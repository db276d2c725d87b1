/*
 * tests/check_config.c - config.json: defaults, overrides, and errors with
 * file:line:column.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int open_with_config(const char *dir, const char *config_text,
			    brain_t **b)
{
	time_t now = T_SEED_EXAMPLE;
	char *cfg = tu_path(dir, "config.json");
	brain_options_t o;
	int rc;

	tu_write(cfg, config_text);
	o = tu_options(dir, NULL, &now);
	rc = brain_initialize_mode(b, "demo", "Tester", &o);
	free(cfg);
	return rc;
}

static void expect_config_error(const char *text, const char *msg_tail)
{
	char *dir = tu_tmpdir(), want[512];
	brain_t *b;

	ck_assert_int_eq(open_with_config(dir, text, &b), BRAIN_ECONFIG);
	snprintf(want, sizeof(want), "%s/config.json:%s", dir, msg_tail);
	ck_assert_str_eq(brain_errmsg(NULL), want);
	tu_rmrf(dir);
	free(dir);
}

static long long mining_value(const brain_t *b, const char *key)
{
	return (long long)json_integer_value(json_object_get(
		json_object_get(brain_get_config(b), "mining"), key));
}

/* Without a config.json a round lasts a minute and has no cap on its
 * attempts (the seed's 1,000,000 made rounds of a quarter second). */
START_TEST(defaults_without_a_config_file)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_options_t o = tu_options(dir, NULL, &now);
	brain_t *b;

	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o), 0);
	ck_assert_int_eq(mining_value(b, "default_zeros"), 6);
	ck_assert_int_eq(mining_value(b, "round_duration_seconds"), 60);
	ck_assert_int_eq(mining_value(b, "max_attempts_per_round"), 0);
	ck_assert_int_eq(BRAIN_DEFAULT_ZEROS, 6);
	ck_assert_int_eq(BRAIN_DEFAULT_ROUND_SECONDS, 60);
	ck_assert_int_eq(BRAIN_DEFAULT_MAX_ATTEMPTS, 0);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* The seed's own config.json values are kept exactly; a mining section
 * that names only some keys gets the defaults for the others. */
START_TEST(seed_round_settings_are_kept_as_given)
{
	char *dir = tu_tmpdir();
	brain_t *b;

	ck_assert_int_eq(
		open_with_config(dir,
				 "{\"mining\": {\"default_zeros\": 6,\n"
				 "  \"round_duration_seconds\": 3600,\n"
				 "  \"max_attempts_per_round\": 1000000}}\n",
				 &b),
		0);
	ck_assert_int_eq(mining_value(b, "round_duration_seconds"), 3600);
	ck_assert_int_eq(mining_value(b, "max_attempts_per_round"), 1000000);
	brain_close(b);
	ck_assert_int_eq(open_with_config(dir,
					  "{\"mining\": "
					  "{\"max_attempts_per_round\": 0}}",
					  &b),
			 0);
	ck_assert_int_eq(mining_value(b, "max_attempts_per_round"), 0);
	ck_assert_int_eq(mining_value(b, "round_duration_seconds"), 60);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(round_settings_out_of_range_are_refused)
{
	expect_config_error("{\"mining\": {\"max_attempts_per_round\": -1}}",
			    "1:39: expected a whole number from 0 to "
			    "9223372036854775807 for 'max_attempts_per_round'");
	expect_config_error("{\"mining\": {\"round_duration_seconds\": 0}}",
			    "1:39: expected a whole number from 1 to 31622400 "
			    "for 'round_duration_seconds'");
}
END_TEST

START_TEST(seed_config_is_read_and_flags_overlay)
{
	char *dir = tu_tmpdir();
	brain_t *b;

	ck_assert_int_eq(
		open_with_config(dir,
				 "{\"mining\": {\"default_zeros\": 4,\n"
				 "  \"round_duration_seconds\": 60,\n"
				 "  \"max_attempts_per_round\": 5000},\n"
				 " \"paths\": {\"mining_dir\": \"Mining\", "
				 "\"test_dir\": \"Test\", \"demo_dir\": "
				 "\"Test/Demo\"},\n"
				 " \"flags\": {\"auto_submit\": false, "
				 "\"verbose_logging\": true}}\n",
				 &b),
		0);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(brain_get_config(b), "mining"),
				 "default_zeros")), 4);
	ck_assert(json_is_false(json_object_get(brain_get_flags(b), "auto_submit")));
	ck_assert(json_is_true(json_object_get(brain_get_flags(b), "verbose_logging")));
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(paths_move_the_mode_base)
{
	char *dir = tu_tmpdir(), *want = tu_path(dir, "Elsewhere/Demo/Mining");
	brain_t *b;

	ck_assert_int_eq(open_with_config(dir, "{\"paths\": {\"demo_dir\": "
					       "\"Elsewhere/Demo\"}}",
					  &b),
			 0);
	ck_assert_str_eq(brain_base_path(b), want);
	brain_close(b);
	free(want);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(wrong_type_has_line_and_column)
{
	expect_config_error("{\n  \"mining\": {\n    \"default_zeros\": \"six\"\n  }\n}\n",
			    "3:22: expected a whole number from 0 to 64 for "
			    "'default_zeros'");
}
END_TEST

START_TEST(unknown_key_gets_a_suggestion)
{
	expect_config_error("{\"minning\": {}}",
			    "1:2: unknown key 'minning' in config (did you "
			    "mean 'mining'?)");
}
END_TEST

START_TEST(json_syntax_error_has_line_and_column)
{
	expect_config_error("{\"mining\": {\"default_zeros\": 6,}}",
			    "1:32: string or '}' expected near '}'");
}
END_TEST

START_TEST(path_climbing_out_is_refused)
{
	expect_config_error("{\"paths\": {\"demo_dir\": \"../x\"}}",
			    "1:24: path '../x' has a '.' or '..' segment");
}
END_TEST

/* The shipped example loads, and pays nobody in live mode until the
 * operator puts their own address there (the miner then refuses to start:
 * tests/shell/test_miner.sh). */
START_TEST(shipped_example_loads_with_no_live_payout)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_options_t o = tu_options(dir, NULL, &now);
	const json_t *rpc;
	brain_t *b;

	o.config = SOURCE_DIR "/config.json.example";
	ck_assert_msg(brain_initialize_mode(&b, "live", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	rpc = json_object_get(brain_get_config(b), "bitcoin_rpc");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(rpc, "live"), "payout_address")),
			 "");
	ck_assert_ptr_null(json_object_get(rpc, "payout_address"));
	/* and rounds as the defaults make them: a minute, no cap */
	ck_assert_int_eq(mining_value(b, "round_duration_seconds"), 60);
	ck_assert_int_eq(mining_value(b, "max_attempts_per_round"), 0);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* pools: read in order, pass optional; the timings kept only when given
 * (the client's defaults otherwise). */
START_TEST(pools_are_read_in_order)
{
	char *dir = tu_tmpdir();
	const json_t *pools, *cfg;
	brain_t *b;

	ck_assert_msg(
		open_with_config(
			dir,
			"{\"pools\": [\n"
			"  {\"url\": \"stratum+tcp://127.0.0.1:3333\", "
			"\"user\": \"addr1\", \"pass\": \"x\"},\n"
			"  {\"url\": \"stratum+tcp://pool.example:3334\", "
			"\"user\": \"addr2\"}],\n"
			" \"pool_timeout_seconds\": 30}\n",
			&b) == 0,
		"%s", brain_errmsg(NULL));
	cfg = brain_get_config(b);
	pools = json_object_get(cfg, "pools");
	ck_assert_int_eq(json_array_size(pools), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(pools, 0), "url")),
			 "stratum+tcp://127.0.0.1:3333");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(pools, 1), "user")),
			 "addr2");
	ck_assert_ptr_null(json_object_get(json_array_get(pools, 1), "pass"));
	ck_assert_int_eq(json_integer_value(json_object_get(
				 cfg, "pool_timeout_seconds")), 30);
	ck_assert_ptr_null(json_object_get(cfg, "failover_retry_seconds"));
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(no_pools_is_an_empty_list)
{
	char *dir = tu_tmpdir();
	brain_t *b;

	ck_assert_int_eq(open_with_config(dir, "{}", &b), 0);
	ck_assert_int_eq(json_array_size(json_object_get(brain_get_config(b),
							 "pools")), 0);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(bad_pool_url_has_line_and_column)
{
	expect_config_error("{\"pools\": [\n  {\"url\": \"http://pool:3333\", "
			    "\"user\": \"a\"}]}",
			    "2:11: pool url 'http://pool:3333' does not start "
			    "with stratum+tcp://");
	expect_config_error("{\"pools\": [{\"url\": \"stratum+tcp://pool\", "
			    "\"user\": \"a\"}]}",
			    "1:20: pool url 'stratum+tcp://pool' has no "
			    "host:port");
	expect_config_error("{\"pools\": [{\"url\": "
			    "\"stratum+tcp://pool:70000\", \"user\": \"a\"}]}",
			    "1:20: pool url 'stratum+tcp://pool:70000' has no "
			    "port from 1 to 65535");
}
END_TEST

START_TEST(pool_without_a_user_is_refused)
{
	expect_config_error("{\"pools\": [{\"url\": "
			    "\"stratum+tcp://pool:3333\"}]}",
			    "1:12: missing key 'user' in a pool");
	expect_config_error("{\"pools\": [{\"url\": "
			    "\"stratum+tcp://pool:3333\", \"user\": \"\"}]}",
			    "1:55: pool user is empty");
	expect_config_error("{\"pools\": [{\"url\": "
			    "\"stratum+tcp://pool:3333\", \"usr\": \"a\"}]}",
			    "1:47: unknown key 'usr' in a pool (did you mean "
			    "'user'?)");
}
END_TEST

START_TEST(pools_must_be_a_list_and_timings_in_range)
{
	expect_config_error("{\"pools\": {\"url\": \"stratum+tcp://p:1\"}}",
			    "1:11: expected a list for 'pools', found a "
			    "mapping");
	expect_config_error("{\"pool_timeout_seconds\": 0}",
			    "1:26: expected a whole number from 1 to 3600 for "
			    "'pool_timeout_seconds'");
	expect_config_error("{\"failover_retry_seconds\": \"soon\"}",
			    "1:28: expected a whole number from 1 to 86400 for "
			    "'failover_retry_seconds'");
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config_json");

	tcase_add_test(tc, defaults_without_a_config_file);
	tcase_add_test(tc, seed_round_settings_are_kept_as_given);
	tcase_add_test(tc, round_settings_out_of_range_are_refused);
	tcase_add_test(tc, seed_config_is_read_and_flags_overlay);
	tcase_add_test(tc, paths_move_the_mode_base);
	tcase_add_test(tc, wrong_type_has_line_and_column);
	tcase_add_test(tc, unknown_key_gets_a_suggestion);
	tcase_add_test(tc, json_syntax_error_has_line_and_column);
	tcase_add_test(tc, path_climbing_out_is_refused);
	tcase_add_test(tc, shipped_example_loads_with_no_live_payout);
	tcase_add_test(tc, pools_are_read_in_order);
	tcase_add_test(tc, no_pools_is_an_empty_list);
	tcase_add_test(tc, bad_pool_url_has_line_and_column);
	tcase_add_test(tc, pool_without_a_user_is_refused);
	tcase_add_test(tc, pools_must_be_a_list_and_timings_in_range);
	suite_add_tcase(s, tc);
	return s;
}
