/*
 * lib/config.h - config.json: the operator's settings beside the blueprint.
 */
#ifndef BRAIN_LIB_CONFIG_H
#define BRAIN_LIB_CONFIG_H

#include <jansson.h>

#include "blueprint.h"
#include "error.h"

/*
 * Reads and validates config.json at `path` (NULL: defaults only) against
 * the blueprint, and returns it with every default filled in:
 *   mining.default_zeros (6), mining.round_duration_seconds (3600),
 *   mining.max_attempts_per_round (1000000), paths (the blueprint's paths
 *   overlaid), flags (config's own flags only), bitcoin_rpc (the node
 *   settings as given: url, user, password, cookie_file, payout_address,
 *   payout_script, timeout_seconds, poll_seconds, max_retries, and the
 *   same under "staging" and "live"; {} when absent).
 * BRAIN_ECONFIG with "path:line:col: ..." on any problem.
 */
int brain__config_load(const char *path, const brain__blueprint *bp,
		       json_t **out, brain__err *e);

#endif
