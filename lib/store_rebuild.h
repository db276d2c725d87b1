/*
 * lib/store_rebuild.h - every derived file of a stream recomputed from its
 * journal (see lib/store_rebuild.c).
 */
#ifndef BRAIN_LIB_STORE_REBUILD_H
#define BRAIN_LIB_STORE_REBUILD_H

#include "store_internal.h"

/* Under the lock, the journal loaded: the journal checked against its
 * copies, then every derived file replaced by its empty template and
 * filled again by a replay.  A marker file (st->rebuild_path) exists
 * until it is done; the next writer finishes a rebuild that was cut
 * short. */
int brain__rebuild_all(brain__store *store, sstate *st,
		       const brain__when *w);

#endif
