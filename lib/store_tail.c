/*
 * lib/store_tail.c - a derived file's tail, written through a mapping.
 *
 * A slot's file is mapped from the page that holds its tail to its end,
 * and grown ahead of the text with spaces (JSON white space), so an
 * append is a memcpy, not a system call per file.  Every tail written
 * ends in a mark (brain__jfile_mark) that tells a whole tail from a torn
 * one.  The padding is cut off when the slot is let go (a new partition,
 * brain_close) or found by the next writer to load the file; whoever
 * cuts announces it first (brain__state_announce), so no process
 * touches a mapping past a file's end.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fsutil.h"
#include "store_state.h"
#include "store_tail.h"

#define PAGE ((off_t)4096)

static void slot_unmap(slot *sl)
{
	if (sl->map)
		munmap(sl->map, (size_t)(sl->fsize - sl->map_off));
	sl->map = NULL;
}

/* Drops the slot's state, pending lines included (callers flush first
 * when those must reach the file). */
void brain__slot_close(slot *sl)
{
	slot_unmap(sl);
	if (sl->fd >= 0)
		close(sl->fd);
	sl->fd = -1;
	brain__msum_free(sl->summary);
	sl->summary = NULL;
	brain__buf_free(&sl->pending);
	sl->dirty = 0;
}

void brain__slot_free(slot *sl)
{
	brain__slot_close(sl);
	free(sl->path);
	free(sl->rel);
	sl->path = sl->rel = NULL;
}

void brain__slots_close(sstate *st)
{
	int k, lv;

	st->foreign = 1; /* files it wrote are closed unsynced */
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			brain__slot_free(&st->slot[k][lv]);
	st->part[0] = '\0';
	brain__buf_free(&st->text);
	brain__buf_free(&st->head);
	brain__buf_free(&st->jtail);
	brain__buf_free(&st->jtext);
	for (k = 0; k < K_COUNT; k++) {
		brain__buf_free(&st->topen[k]);
		st->topen_sum[k] = -1;
	}
}

int brain__slot_scan(brain__store *store, slot *sl, const brain__jlayout *lay,
		     json_t **sum, char **last)
{
	int rc = brain__jfile_scan_tail(sl->fd, lay,
					(size_t)store->bp->max_record_bytes +
						1024,
					&sl->tail, sum, last, &sl->empty,
					&sl->end);

	if (rc == BRAIN_EIO)
		return brain__errno(store->err, rc, "cannot read %s",
				    sl->path);
	if (!rc)
		sl->fsize = lseek(sl->fd, 0, SEEK_END);
	return rc;
}

/* Cuts a slot's padding off its file (under the lock). */
int brain__slot_trim(brain__store *store, sstate *st, slot *sl)
{
	if (sl->fd < 0 || sl->fsize <= sl->end)
		return 0;
	slot_unmap(sl);
	brain__state_announce(st); /* before the cut, never after */
	assert(st->bump);
	if (brain__truncate(sl->fd, sl->end) != 0)
		return brain__ioerr(store->err, BRAIN_IOERR_TRUNCATE,
				    "cannot truncate %s", sl->path);
	sl->fsize = sl->end;
	return 0;
}

/* Grows the file with spaces (JSON white space after the closing brace)
 * so that [.., need) exists: an eighth more than needed, 16 to 64 KiB.
 * Written, not ftruncate'd, so no crash leaves zero bytes in the file and
 * the pages are in the cache before they are mapped. */
int brain__slot_grow(brain__store *store, slot *sl, off_t need)
{
	off_t size, slack = need / 8;
	char *spaces;
	int rc;

	if (need <= sl->fsize)
		return 0;
	slack = slack < 4 * PAGE ? 4 * PAGE : slack > 16 * PAGE ? 16 * PAGE : slack;
	size = (need + slack + PAGE - 1) / PAGE * PAGE;
	if (!(spaces = malloc((size_t)(size - sl->fsize))))
		return BRAIN_ENOMEM;
	memset(spaces, ' ', (size_t)(size - sl->fsize));
	rc = brain__write_at(sl->fd, spaces, (size_t)(size - sl->fsize), sl->fsize);
	free(spaces);
	/* a part written before the failure is padding past fsize: white
	 * space, overwritten by the next growth or cut by the next trim */
	if (rc)
		return brain__ioerr(store->err, BRAIN_IOERR_WRITE,
				    "cannot grow %s", sl->path);
	sl->fsize = size;
	return 0;
}

/* How far before the tail a mapping may start and still be grown in
 * place: beyond it, the pages behind the tail are let go (a file that
 * grows for ever does not keep ever more of itself mapped). */
#define MAP_WINDOW (64 * PAGE)

/* Makes [tail, need) writable through the map.  A mapping near the tail
 * grows with the file (mremap keeps the pages it has), else the file is
 * mapped afresh from the tail's page. */
static int slot_reserve(brain__store *store, slot *sl, off_t need)
{
	off_t map_off = sl->tail / PAGE * PAGE;
	void *map;
	int rc;

	if (sl->map && need <= sl->fsize)
		return 0;
	if (sl->map && sl->tail - sl->map_off <= MAP_WINDOW) {
		size_t was = (size_t)(sl->fsize - sl->map_off);
		if ((rc = brain__slot_grow(store, sl, need)))
			return rc;
		map = mremap(sl->map, was, (size_t)(sl->fsize - sl->map_off),
			     MREMAP_MAYMOVE);
		if (map != MAP_FAILED) {
			sl->map = map;
			return 0;
		}
		munmap(sl->map, was); /* mapped afresh below */
		sl->map = NULL;
	}
	slot_unmap(sl);
	if ((rc = brain__slot_grow(store, sl, need)))
		return rc;
	map = mmap(NULL, (size_t)(sl->fsize - map_off), PROT_READ | PROT_WRITE,
		   MAP_SHARED, sl->fd, map_off);
	if (map == MAP_FAILED)
		return brain__ioerr(store->err, BRAIN_IOERR_MMAP, "cannot map %s",
				    sl->path);
	sl->map = map;
	sl->map_off = map_off;
	return 0;
}

/* Writes the pending records, the new tail and its mark (see
 * brain__jfile_mark) at the slot's tail, in that order, then spaces over
 * whatever of the old text and mark lies beyond them. */
int brain__slot_write(brain__store *store, slot *sl, const char *records,
		      size_t records_len, const char *tail, size_t tail_len)
{
	off_t end = sl->tail + (off_t)(records_len + tail_len);
	off_t stale = sl->end + BRAIN__MARK_LEN;
	char mark[BRAIN__MARK_LEN], *at;
	int rc;

	assert(sl->tail <= sl->end && sl->end <= sl->fsize);
	if ((rc = slot_reserve(store, sl, end + BRAIN__MARK_LEN)))
		return rc;
	brain__jfile_mark(tail, tail_len, mark);
	at = sl->map + (sl->tail - sl->map_off);
	memcpy(at, records, records_len);
	memcpy(at + records_len, tail, tail_len);
	/* the mark only once the text is whole: a kill in between leaves
	 * them disagreeing (stores reach the page cache in program order) */
	__asm__ volatile("" ::: "memory");
	memcpy(at + records_len + tail_len, mark, BRAIN__MARK_LEN);
	if (stale > sl->fsize)
		stale = sl->fsize;
	if (stale > end + BRAIN__MARK_LEN)
		memset(sl->map + (end + BRAIN__MARK_LEN - sl->map_off), ' ',
		       (size_t)(stale - end - BRAIN__MARK_LEN));
	sl->end = end;
	return 0;
}

int brain__slots_padded(const sstate *st)
{
	int k, lv;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if (st->slot[k][lv].fd >= 0 &&
			    st->slot[k][lv].fsize > st->slot[k][lv].end)
				return 1;
	return 0;
}

int brain__slots_trim(brain__store *store, sstate *st)
{
	int k, lv, rc;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if ((rc = brain__slot_trim(store, st, &st->slot[k][lv])))
				return rc;
	return 0;
}
