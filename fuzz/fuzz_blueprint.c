/*
 * fuzz/fuzz_blueprint.c - libFuzzer target for the blueprint reader.
 *
 * Any byte string must either load into a complete model or fail with
 * BRAIN_EBLUEPRINT and a "name:line:col: ..." message - never crash, leak,
 * hang or read out of bounds.  A model that loads must also be usable:
 * every stream's paths expand.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "blueprint.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const brain__blueprint *bp)
{
	brain__when w;
	size_t i;
	int lv;

	brain__when_of(bp, 1766022461, &w); /* 2025-12-18T01:47:41Z */
	for (i = 0; i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pls[3] = {s->source[lv],
						       bp->full[lv],
						       bp->index[lv]};
			int k;
			for (k = 0; k < 3; k++) {
				char *p;
				if (!pls[k])
					continue;
				p = brain__level_path("/base", s, pls[k], &w, 1);
				if (!p)
					abort();
				free(p);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	brain__blueprint *bp = NULL;
	brain__err err;
	int rc;

	err.msg[0] = '\0';
	rc = brain__blueprint_parse("fuzz.qtl", data, size, &bp, &err);
	if (rc == 0) {
		exercise(bp);
		brain__blueprint_free(bp);
		return 0;
	}
	if (rc != BRAIN_EBLUEPRINT && rc != BRAIN_ENOMEM)
		abort();
	if (strncmp(err.msg, "fuzz.qtl", 8) != 0)
		abort(); /* every message names the file */
	return 0;
}
