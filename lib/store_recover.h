/*
 * lib/store_recover.h - the journal checked against its copies, and
 * written again from them (see lib/store_recover.c).
 */
#ifndef BRAIN_LIB_STORE_RECOVER_H
#define BRAIN_LIB_STORE_RECOVER_H

#include "store_internal.h"

/* What the state file and the all-time aggregates say the journal holds
 * at least. */
long long brain__recover_claimed(brain__store *store, sstate *st,
				 const brain__when *w);

/*
 * The loaded journal checked line by line (it parses, seqs run 1, 2, 3,
 * ...) and against `claimed`; when it fails (or `force`), written again
 * from every copy's records, the old one kept aside, and loaded again.
 * BRAIN_ECORRUPT when a seq no copy holds is missing: nothing written.
 */
int brain__recover_journal(brain__store *store, sstate *st,
			   const brain__when *w, long long claimed, int force);

/* brain__rollup_reload, and a journal with no whole record near its end
 * written again from its copies. */
int brain__recover_load(brain__store *store, sstate *st,
			const brain__when *w);

#endif
