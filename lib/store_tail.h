/*
 * lib/store_tail.h - a derived file's mapped, padded tail (see
 * lib/store_tail.c).
 */
#ifndef BRAIN_LIB_STORE_TAIL_H
#define BRAIN_LIB_STORE_TAIL_H

#include "store_internal.h"

/* Closes the slot's file and drops its state (pending lines too). */
void brain__slot_close(slot *sl);
/* That, and forgets which file it is. */
void brain__slot_free(slot *sl);
/* Every slot of the stream freed: nothing bound, nothing open. */
void brain__slots_close(sstate *st);

/* Reads the open slot's tail (its offset, end, emptiness, the file's size
 * with the padding), its last record line into *last (NULL: none; the
 * caller frees) and its summary into *sum (the caller owns it).
 * BRAIN_ECORRUPT when the tail does not parse; a failed read is named. */
int brain__slot_scan(brain__store *store, slot *sl, const brain__jlayout *lay,
		     json_t **sum, char **last);

/* Grows the slot's file with spaces so that [0, need) exists. */
int brain__slot_grow(brain__store *store, slot *sl, off_t need);
/* Writes `records` then `tail` and its mark at the slot's tail, through
 * the mapping; sl->end becomes the new end of the text. */
int brain__slot_write(brain__store *store, slot *sl, const char *records,
		      size_t records_len, const char *tail, size_t tail_len);
/* Cuts the padding off the slot's file (announced first). */
int brain__slot_trim(brain__store *store, sstate *st, slot *sl);
/* Whether any open slot of the stream has padding; cuts it off all. */
int brain__slots_padded(const sstate *st);
int brain__slots_trim(brain__store *store, sstate *st);

#endif
