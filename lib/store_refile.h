/*
 * lib/store_refile.h - one derived file recomputed from the journal (see
 * lib/store_refile.c).
 */
#ifndef BRAIN_LIB_STORE_REFILE_H
#define BRAIN_LIB_STORE_REFILE_H

#include "store_internal.h"

/*
 * The slot (k, lv)'s file, damaged, written again from the journal and
 * renamed over it; the slot is closed and the caller loads it again.
 * BRAIN_ECORRUPT when this handle rebuilt that very file before and finds
 * it damaged again (never a loop).
 */
int brain__refile(brain__store *store, sstate *st, int k, int lv);

#endif
