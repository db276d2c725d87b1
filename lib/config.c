/*
 * lib/config.c - config.json, validated as strictly as the blueprint.
 *
 * JSON syntax is checked by jansson (its line and column); the shape is
 * then checked on libyaml's reading of the same text (JSON is YAML flow
 * syntax), which keeps the position of every value, so a wrong type says
 * exactly where it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brain.h>
#include <brainstem/errors.h>

#include "config.h"
#include "fsutil.h"
#include "names.h"
#include "schema.h"

#define CONFIG_MAX_BYTES (1 << 20)

static int load_mining(brain__vctx *v, const brain__ynode *root, json_t *cfg)
{
	static const char *const keys[] = {"default_zeros",
					   "round_duration_seconds",
					   "max_attempts_per_round", NULL};
	const brain__ynode *n = brain__yaml_get(root, "mining");
	long zeros = BRAIN_DEFAULT_ZEROS, round = BRAIN_DEFAULT_ROUND_SECONDS,
	     attempts = BRAIN_DEFAULT_MAX_ATTEMPTS;
	int rc;

	if (n && ((rc = brain__want(v, n, BRAIN__Y_MAP, "mining")) ||
		  (rc = brain__check_keys(v, n, "mining", keys, NULL)) ||
		  (rc = brain__get_long(v, n, "default_zeros", 0, 64,
					&zeros)) ||
		  (rc = brain__get_long(v, n, "round_duration_seconds", 1,
					31622400L, &round)) ||
		  (rc = brain__get_long(v, n, "max_attempts_per_round", 0,
					0x7fffffffffffffffL, &attempts))))
		return rc;
	return json_object_set_new(
		       cfg, "mining",
		       json_pack("{s:I, s:I, s:I}", "default_zeros",
				 (json_int_t)zeros, "round_duration_seconds",
				 (json_int_t)round, "max_attempts_per_round",
				 (json_int_t)attempts))
		       ? BRAIN_ENOMEM
		       : 0;
}

static int load_paths(brain__vctx *v, const brain__ynode *root, json_t *cfg,
		      const brain__blueprint *bp)
{
	const brain__ynode *n = brain__yaml_get(root, "paths");
	json_t *paths = json_deep_copy(bp->paths);
	const char **keys;
	const char *key, *why;
	json_t *val;
	size_t i = 0;
	int rc = 0;

	if (!paths)
		return BRAIN_ENOMEM;
	keys = calloc(json_object_size(paths) + 1, sizeof(*keys));
	if (!keys) {
		json_decref(paths);
		return BRAIN_ENOMEM;
	}
	json_object_foreach(paths, key, val) keys[i++] = key;
	if (n && !(rc = brain__want(v, n, BRAIN__Y_MAP, "paths")) &&
	    !(rc = brain__check_keys(v, n, "paths", keys, NULL))) {
		for (i = 0; !rc && i < n->count; i++) {
			const brain__ynode *p = n->items[i];
			if ((rc = brain__want(v, p, BRAIN__Y_SCALAR,
					      n->keys[i]->value)))
				break;
			if ((why = brain__relpath_problem(p->value)))
				rc = brain__verr(v, p, "path '%s' %s",
						 p->value, why);
			else
				json_object_set_new(paths, n->keys[i]->value,
						    json_string(p->value));
		}
	}
	free(keys);
	if (rc) {
		json_decref(paths);
		return rc;
	}
	return json_object_set_new(cfg, "paths", paths) ? BRAIN_ENOMEM : 0;
}

static int load_flags(brain__vctx *v, const brain__ynode *root, json_t *cfg)
{
	const brain__ynode *n = brain__yaml_get(root, "flags");
	json_t *flags = NULL;
	size_t i;
	int rc;

	if (!n)
		return json_object_set_new(cfg, "flags", json_object())
			       ? BRAIN_ENOMEM
			       : 0;
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, "flags")))
		return rc;
	for (i = 0; i < n->count; i++)
		if (n->items[i]->kind != BRAIN__Y_SCALAR)
			return brain__verr(v, n->items[i],
					   "expected true, false, a number "
					   "or a string for flag '%s'",
					   n->keys[i]->value);
	if ((rc = brain__to_json(v, n, &flags)))
		return rc;
	return json_object_set_new(cfg, "flags", flags) ? BRAIN_ENOMEM : 0;
}

/* One set of node settings: bitcoin_rpc itself, or its "staging" or
 * "live" member.  Strings stay strings whatever they look like (a
 * password of digits is still a password). */
static int load_rpc_set(brain__vctx *v, const brain__ynode *n,
			const char *what, int top, json_t *out)
{
	static const char *const strs[] = {"url", "user", "password",
					   "cookie_file", "payout_address",
					   "payout_script", NULL};
	static const char *const top_keys[] = {
		"url", "user", "password", "cookie_file", "payout_address",
		"payout_script", "timeout_seconds", "poll_seconds",
		"max_retries", "staging", "live", NULL};
	static const struct {
		const char *key;
		long min, max;
	} nums[] = {{"timeout_seconds", 1, 3600},
		    {"poll_seconds", 1, 600},
		    {"max_retries", 0, 1000000000L}};
	long num;
	size_t i;
	int rc;

	if ((rc = brain__want(v, n, BRAIN__Y_MAP, what)) ||
	    (rc = brain__check_keys(v, n, what, top_keys,
				    NULL)))
		return rc;
	if (!top && (brain__yaml_get(n, "staging") ||
		     brain__yaml_get(n, "live")))
		return brain__verr(v, n, "'%s' cannot hold staging or live "
				   "settings", what);
	for (i = 0; strs[i]; i++) {
		char *str;
		if ((rc = brain__get_str(v, n, strs[i], 0, &str)))
			return rc;
		if (str && json_object_set_new(out, strs[i], json_string(str))) {
			free(str);
			return BRAIN_ENOMEM;
		}
		free(str);
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		num = nums[i].min - 1; /* absent */
		if ((rc = brain__get_long(v, n, nums[i].key, nums[i].min,
					  nums[i].max, &num)))
			return rc;
		if (num >= nums[i].min &&
		    json_object_set_new(out, nums[i].key, json_integer(num)))
			return BRAIN_ENOMEM;
	}
	return 0;
}

static int load_rpc(brain__vctx *v, const brain__ynode *root, json_t *cfg)
{
	static const char *const modes[] = {"staging", "live", NULL};
	const brain__ynode *n = brain__yaml_get(root, "bitcoin_rpc");
	json_t *rpc = json_object();
	size_t i;
	int rc = 0;

	if (!rpc)
		return BRAIN_ENOMEM;
	if (n && !(rc = load_rpc_set(v, n, "bitcoin_rpc", 1, rpc))) {
		for (i = 0; !rc && modes[i]; i++) {
			const brain__ynode *m = brain__yaml_get(n, modes[i]);
			json_t *set;
			char what[32];
			if (!m)
				continue;
			if (!(set = json_object()))
				rc = BRAIN_ENOMEM;
			snprintf(what, sizeof(what), "bitcoin_rpc.%s", modes[i]);
			if (!rc && !(rc = load_rpc_set(v, m, what, 0, set)))
				rc = json_object_set(rpc, modes[i], set)
					     ? BRAIN_ENOMEM
					     : 0;
			json_decref(set);
		}
	}
	if (rc) {
		json_decref(rpc);
		return rc;
	}
	return json_object_set_new(cfg, "bitcoin_rpc", rpc) ? BRAIN_ENOMEM : 0;
}

/* What is wrong with a pool url, or NULL: the form brain_stratum_open
 * takes, stratum+tcp://host:port with a port from 1 to 65535. */
static const char *pool_url_problem(const char *url)
{
	static const char scheme[] = "stratum+tcp://";
	const char *host = url + sizeof(scheme) - 1, *colon;
	char *end;
	long port;

	if (strncmp(url, scheme, sizeof(scheme) - 1))
		return "does not start with stratum+tcp://";
	colon = strrchr(host, ':');
	if (!colon || colon == host)
		return "has no host:port";
	if (strcspn(host, "/?#@ ") < (size_t)(colon - host))
		return "has a character a host cannot have";
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535 ||
	    !strchr("0123456789", colon[1]))
		return "has no port from 1 to 65535";
	return NULL;
}

/* pools: [{url, user, pass}, ...] in order of preference (the first is
 * the primary), and the client's timings.  The list is kept as given;
 * an absent list is an empty one (the miner then mines a node). */
static int load_pools(brain__vctx *v, const brain__ynode *root, json_t *cfg)
{
	static const char *const keys[] = {"url", "user", "pass", NULL};
	static const char *const required[] = {"url", "user", NULL};
	static const struct {
		const char *key;
		long min, max;
	} nums[] = {{"pool_timeout_seconds", 1, 3600},
		    {"failover_retry_seconds", 1, 86400}};
	const brain__ynode *n = brain__yaml_get(root, "pools");
	json_t *pools = json_array();
	size_t i, k;
	long num;
	int rc = 0;

	if (!pools)
		return BRAIN_ENOMEM;
	if (n && !(rc = brain__want(v, n, BRAIN__Y_SEQ, "pools")) &&
	    n->count > 16)
		rc = brain__verr(v, n, "at most 16 pools, not %zu", n->count);
	for (i = 0; n && !rc && i < n->count; i++) {
		const brain__ynode *p = n->items[i];
		char *str[3] = {NULL, NULL, NULL};
		const char *why;
		json_t *pool = NULL;

		if ((rc = brain__want(v, p, BRAIN__Y_MAP, "a pool")) ||
		    (rc = brain__check_keys(v, p, "a pool", keys, required)))
			break;
		for (k = 0; !rc && keys[k]; k++)
			rc = brain__get_str(v, p, keys[k], 0, &str[k]);
		if (!rc && (why = pool_url_problem(str[0])))
			rc = brain__verr(v, brain__yaml_get(p, "url"),
					 "pool url '%s' %s", str[0], why);
		else if (!rc && !*str[1])
			rc = brain__verr(v, brain__yaml_get(p, "user"),
					 "pool user is empty");
		if (!rc && (!(pool = json_pack("{s:s, s:s, s:s*}", "url",
					       str[0], "user", str[1], "pass",
					       str[2])) ||
			    json_array_append_new(pools, pool)))
			rc = BRAIN_ENOMEM;
		for (k = 0; k < 3; k++)
			free(str[k]);
	}
	if (!rc && json_object_set(cfg, "pools", pools))
		rc = BRAIN_ENOMEM;
	json_decref(pools);
	for (i = 0; !rc && i < sizeof(nums) / sizeof(nums[0]); i++) {
		num = 0; /* absent: the client's default */
		if (!(rc = brain__get_long(v, root, nums[i].key, nums[i].min,
					   nums[i].max, &num)) &&
		    num && json_object_set_new(cfg, nums[i].key,
					       json_integer(num)))
			rc = BRAIN_ENOMEM;
	}
	return rc;
}

static int validate(brain__vctx *v, const brain__ynode *root, json_t *cfg,
		    const brain__blueprint *bp)
{
	static const char *const keys[] = {
		"mining", "paths", "flags", "bitcoin_rpc", "pools",
		"pool_timeout_seconds", "failover_retry_seconds", NULL};
	int rc;

	if ((rc = brain__want(v, root, BRAIN__Y_MAP, "config")) ||
	    (rc = brain__check_keys(v, root, "config", keys, NULL)) ||
	    (rc = load_mining(v, root, cfg)) ||
	    (rc = load_paths(v, root, cfg, bp)) ||
	    (rc = load_flags(v, root, cfg)) ||
	    (rc = load_rpc(v, root, cfg)) ||
	    (rc = load_pools(v, root, cfg)))
		return rc;
	return 0;
}

static int parse(const char *path, const unsigned char *buf, size_t len,
		 const brain__blueprint *bp, json_t *cfg, brain__err *e)
{
	brain__vctx v = {.file = path, .e = e, .code = BRAIN_ECONFIG};
	brain__ynode *root = NULL;
	json_error_t jerr;
	json_t *strict;
	int rc;

	strict = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
			    &jerr);
	if (!strict)
		return brain__errf(e, BRAIN_ECONFIG, "%s:%d:%d: %s", path,
				   jerr.line, jerr.column, jerr.text);
	json_decref(strict);
	rc = brain__yaml_parse(path, buf, len, &root, e);
	if (rc == BRAIN_EBLUEPRINT)
		rc = BRAIN_ECONFIG; /* valid JSON that libyaml cannot read */
	if (!rc)
		rc = validate(&v, root, cfg, bp);
	brain__yaml_free(root);
	return rc;
}

int brain__config_load(const char *path, const brain__blueprint *bp,
		       json_t **out, brain__err *e)
{
	static const unsigned char empty[] = "{}";
	json_t *cfg = json_object();
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!cfg)
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	if (path) {
		rc = brain__read_file(path, CONFIG_MAX_BYTES, &buf, &len);
		if (rc == BRAIN_ETOOBIG)
			rc = brain__errf(e, BRAIN_ECONFIG,
					 "%s: larger than 1 MiB", path);
		else if (rc)
			rc = brain__errno(e, BRAIN_ECONFIG, "cannot read %s",
					  path);
		if (!rc)
			rc = parse(path, buf, len, bp, cfg, e);
	} else {
		rc = parse("config.json", empty, 2, bp, cfg, e);
	}
	free(buf);
	if (rc == BRAIN_ENOMEM)
		brain__errf(e, rc, "out of memory");
	if (rc) {
		json_decref(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}
