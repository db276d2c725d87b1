/*
 * lib/store_state.h - a stream's lock and shared state file (see
 * lib/store_state.c).
 */
#ifndef BRAIN_LIB_STORE_STATE_H
#define BRAIN_LIB_STORE_STATE_H

#include "store_internal.h"

/* Takes the stream's lock (opening its lock and state files, and mapping
 * the state file, the first time). */
int brain__state_lock(brain__store *store, sstate *st);
/* Lets the lock go; the change announced under it stays announced. */
void brain__state_unlock(sstate *st);
/* Closes the lock and state files (not locked). */
void brain__state_close(sstate *st);

/* The state file's applied seq into *applied, its checkpoint and
 * generation into st (zeros when torn or new). */
void brain__state_read(sstate *st, long long *applied);
/* Writes applied, st->checkpoint and st->generation (synced when `sync`);
 * applied is never past the journal's last seq. */
int brain__state_write(brain__store *store, sstate *st, long long applied,
		       int sync);
/* Before a change others cannot see in the applied seq (a file they may
 * have mapped cut or replaced, the journal grown): a new generation,
 * written at once (once per holding of the lock). */
void brain__state_announce(sstate *st);

#endif
