/*
 * lib/store.c - the store engine (see store.h for the protocol).
 *
 * Slots: for the partition (hour) being written, each stream keeps one
 * slot per derived file - the time-level copies, the seven aggregated and
 * the seven index files - holding an open fd, the tail's offset, the last
 * seq the file holds and, for aggregated and index files, its summary.
 * Slots stay valid while this handle is the only writer; the state file's
 * applied seq tells when another process wrote, and then they are reloaded
 * from the files' tails.
 *
 * Writing: a slot's file is mapped from the page that holds its tail to
 * its end, and grown ahead of the text with spaces (JSON white space), so
 * an append is a memcpy, not a system call per file.  The padding is cut
 * off when the slot is let go (a new partition, brain_close) or found by
 * the next writer to load the file.  Whoever cuts or replaces a file that
 * others may have mapped first bumps the state file's generation (under
 * the lock, before the cut, so that even a writer killed right after the
 * cut leaves the news), and a writer that sees a new generation drops its
 * slots and maps afresh: no process touches a mapping past a file's end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonfile.h"
#include "store.h"
#include "summary.h"
#include "templates_internal.h"

enum { K_SOURCE, K_FULL, K_INDEX, K_COUNT };

#define STATE_FMT                                                              \
	"{\"applied_seq\": %-20lld, \"checkpoint_seq\": %-20lld, "            \
	"\"generation\": %-20lld}\n"
#define STATE_LEN 114 /* the format's length: rewritten in place */

typedef struct slot {
	char *path; /* absolute */
	char *rel;  /* relative to the base: what data_sources lists */
	int fd;
	off_t tail, end;    /* the tail's offset; the end of the text */
	off_t fsize;        /* the file's size: end plus the padding */
	char *map;          /* [map_off, fsize) of the file, or NULL */
	off_t map_off;
	int empty;         /* no record yet, counting pending ones */
	long long last_seq; /* counting pending records */
	brain__msum *summary;
	brain__buf pending; /* record lines not yet written */
	int dirty;          /* pending lines or a changed summary */
} slot;

typedef struct sstate {
	const brain__stream *s;
	char *lock_path, *state_path;
	int lock_fd, state_fd;
	char *state_map; /* the state file's STATE_LEN bytes */
	slot slot[K_COUNT][BRAIN__LV_COUNT];
	char part[32]; /* the partition the time slots are bound to */
	int loaded;
	long long last_seq;      /* the journal's */
	long long known_applied; /* state's applied seq when last seen */
	long long generation, checkpoint;
	long long since_checkpoint;
	int recovering; /* replaying after a crash: torn tails are expected */
	int unsynced;
	struct timespec last_sync;
	long pending;             /* records applied in memory only */
	struct timespec pending_since;
	brain__buf text, sum, head; /* scratch for flush_slot, kept */
	int bump; /* a cut was announced under the lock held now */
	char *rebuild_path; /* exists while a rebuild is unfinished */
	int checked; /* the journal was checked against its copies */
	unsigned moved_seen; /* the store's moved when last replayed */
	int rewriting; /* recover_journal is writing the journal again */
	/* the derived files trail the journal because they could not be
	 * written (lag_begin): saves go on into the journal, and every
	 * save, flush and open tries to catch them up */
	int lag;
	/* what the next checkpoint syncs besides the open slots (see
	 * checkpoint): derived files let go since the last one (path ->
	 * true), and whether this handle dropped slots or saw another
	 * writer since, so that only the journal can say which files
	 * records went to */
	json_t *letgo;
	int foreign;
	struct timespec last_checkpoint;
	/* the journal's text from its tail to its end, as on disk: what an
	 * append overwrites, and puts back if it fails (append_journal) */
	brain__buf jtail;
	brain__buf jtext; /* scratch for append_journal, kept */
} sstate;

struct brain__store {
	sstate *st;
	size_t n;
	json_t *rebuilt; /* path -> the file this handle rebuilt there */
	unsigned moved;  /* obstacles moved aside by this handle */
};

/* ---- slots ---- */

static const brain__plevel *plevel_of(const brain__blueprint *bp,
				      const brain__stream *s, int k, int lv)
{
	return k == K_SOURCE ? s->source[lv]
	       : k == K_FULL ? bp->full[lv]
			     : bp->index[lv];
}

static brain__jlayout layout_of(const brain__blueprint *bp,
				const brain__stream *s, int k)
{
	brain__jlayout l = {NULL, 0};

	if (k == K_SOURCE)
		l.entries = s->entries;
	else if (k == K_FULL)
		l.entries = bp->agg_entries, l.with_summary = 1;
	else
		l.with_summary = 1;
	return l;
}

/* Drops the slot's state, pending lines included (callers flush first
 * when those must reach the file). */
static void slot_unmap(slot *sl)
{
	if (sl->map)
		munmap(sl->map, (size_t)(sl->fsize - sl->map_off));
	sl->map = NULL;
}

static void slot_close(slot *sl)
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

static void slot_free(slot *sl)
{
	slot_close(sl);
	free(sl->path);
	free(sl->rel);
	sl->path = sl->rel = NULL;
}

static void close_all(sstate *st)
{
	int k, lv;

	st->foreign = 1; /* files it wrote are closed unsynced */
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			slot_free(&st->slot[k][lv]);
	st->part[0] = '\0';
	brain__buf_free(&st->text);
	brain__buf_free(&st->sum);
	brain__buf_free(&st->head);
	brain__buf_free(&st->jtail);
	brain__buf_free(&st->jtext);
}

static int write_at(int fd, const char *data, size_t len, off_t off);
static void announce_cut(sstate *st);

#define PAGE ((off_t)4096)

/* Cuts a slot's padding off its file (under the lock). */
static int slot_trim(brain_t *b, sstate *st, slot *sl)
{
	if (sl->fd < 0 || sl->fsize <= sl->end)
		return 0;
	slot_unmap(sl);
	announce_cut(st);
	if (brain__truncate(sl->fd, sl->end) != 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_TRUNCATE,
				    "cannot truncate %s", sl->path);
	sl->fsize = sl->end;
	return 0;
}

/* Grows the file with spaces (JSON white space after the closing brace)
 * so that [.., need) exists: an eighth more than needed, 16 to 64 KiB.
 * Written, not ftruncate'd, so no crash leaves zero bytes in the file and
 * the pages are in the cache before they are mapped. */
static int reserve(brain_t *b, slot *sl, off_t need)
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
	rc = write_at(sl->fd, spaces, (size_t)(size - sl->fsize), sl->fsize);
	free(spaces);
	/* a part written before the failure is padding past fsize: white
	 * space, overwritten by the next growth or cut by the next trim */
	if (rc)
		return brain__ioerr(&b->err, BRAIN_IOERR_WRITE,
				    "cannot grow %s", sl->path);
	sl->fsize = size;
	return 0;
}

/* Makes [tail, need) writable through the map. */
static int slot_reserve(brain_t *b, slot *sl, off_t need)
{
	off_t map_off = sl->tail / PAGE * PAGE;
	void *map;
	int rc;

	if (sl->map && need <= sl->fsize)
		return 0;
	slot_unmap(sl);
	if ((rc = reserve(b, sl, need)))
		return rc;
	map = mmap(NULL, (size_t)(sl->fsize - map_off), PROT_READ | PROT_WRITE,
		   MAP_SHARED, sl->fd, map_off);
	if (map == MAP_FAILED)
		return brain__ioerr(&b->err, BRAIN_IOERR_MMAP, "cannot map %s",
				    sl->path);
	sl->map = map;
	sl->map_off = map_off;
	return 0;
}

/* Writes the pending records, the new tail and its mark (see
 * brain__jfile_mark) at the slot's tail, in that order, then spaces over
 * whatever of the old text and mark lies beyond them. */
static int slot_write(brain_t *b, slot *sl, const char *records,
		      size_t records_len, const char *tail, size_t tail_len)
{
	off_t end = sl->tail + (off_t)(records_len + tail_len);
	off_t stale = sl->end + BRAIN__MARK_LEN;
	char mark[BRAIN__MARK_LEN], *at;
	int rc;

	if ((rc = slot_reserve(b, sl, end + BRAIN__MARK_LEN)))
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

/* Writes the slot's pending lines and its new tail in one pwrite.  head:
 * the summary's first half when the caller has it (see
 * brain__msum_text_head), else NULL. */
static int flush_slot(brain_t *b, sstate *st, int k, slot *sl,
		      const brain__buf *head)
{
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	int depth = lay.entries ? brain__jfile_depth(lay.entries) : 0;
	brain__buf *text = &st->text, *sum = &st->sum;
	int rc;

	if (!sl->dirty)
		return 0;
	text->len = sum->len = 0;
	if (sl->summary &&
	    ((head ? brain__buf_put(sum, head->data, head->len)
		   : brain__msum_text_head(sl->summary, sum)) ||
	     brain__msum_text_sources(sl->summary, sum)))
		return BRAIN_ENOMEM;
	if (brain__jfile_tail_text(depth, sl->summary ? sum->data : NULL,
				   sum->len, text))
		return BRAIN_ENOMEM;
	if (!lay.entries)
		sl->pending.len = 0;
	if ((rc = slot_write(b, sl, sl->pending.data ? sl->pending.data : "",
			     sl->pending.len, text->data, text->len)))
		return rc;
	sl->tail += (off_t)sl->pending.len;
	sl->pending.len = 0;
	sl->dirty = 0;
	return 0;
}

/* Adds a derived file to those the next checkpoint syncs. */
static int note_letgo(sstate *st, const char *path)
{
	if (!st->letgo && !(st->letgo = json_object()))
		return BRAIN_ENOMEM;
	return json_object_set_new(st->letgo, path, json_true()) ? BRAIN_ENOMEM
								   : 0;
}

/* n as `width` digits at p (n fits: the caller checked). */
static char *put_digits(char *p, int n, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
	return p + width;
}

/* The partition's key, "YYYYMMDDHHWww", without printf: once a save. */
static void part_key(const brain__when *w, char part[32])
{
	char *p = part;

	if (w->year < 0 || w->year > 9999 || w->month < 0 || w->month > 99 ||
	    w->day < 0 || w->day > 99 || w->hour < 0 || w->hour > 99 ||
	    w->week < 0 || w->week > 99) {
		snprintf(part, 32, "%04d%02d%02d%02dW%02d", w->year, w->month,
			 w->day, w->hour, w->week);
		return;
	}
	p = put_digits(p, w->year, 4);
	p = put_digits(p, w->month, 2);
	p = put_digits(p, w->day, 2);
	p = put_digits(p, w->hour, 2);
	*p++ = 'W';
	p = put_digits(p, w->week, 2);
	*p = '\0';
}

/* Points every slot at its file for partition w (closing those whose file
 * changes).  Cheap when the hour is the one already bound. */
static int bind(brain_t *b, sstate *st, const brain__when *w)
{
	char part[32];
	int k, lv;

	part_key(w, part);
	if (!strcmp(part, st->part))
		return 0;
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl =
				plevel_of(b->bp, st->s, k, lv);
			slot *sl = &st->slot[k][lv];
			char *path;
			if (!pl)
				continue;
			path = brain__level_path(b->base, st->s, pl, w, 1);
			if (!path)
				return BRAIN_ENOMEM;
			if (sl->path && !strcmp(sl->path, path)) {
				free(path);
				continue;
			}
			if (sl->dirty) {
				int rc = flush_slot(b, st, k, sl, NULL);
				if (!rc)
					rc = slot_trim(b, st, sl);
				if (rc) {
					free(path);
					return rc;
				}
			} else if (slot_trim(b, st, sl)) {
				free(path);
				return BRAIN_EIO;
			}
			/* the next checkpoint syncs it */
			if (b->durability != BRAIN_DURABILITY_NONE &&
			    sl->fd >= 0 && note_letgo(st, sl->path)) {
				free(path);
				return BRAIN_ENOMEM;
			}
			slot_free(sl);
			sl->path = path;
			sl->rel = strdup(path + strlen(b->base) + 1);
			if (!sl->rel)
				return BRAIN_ENOMEM;
		}
	strcpy(st->part, part);
	return 0;
}

static long long seq_of_line(const char *line)
{
	return strtoll(line + strlen("{\"seq\":"), NULL, 10);
}

/* Moves `path` out of the way of a derived file or its folder, keeping
 * it as a .corrupt-* name, and says so. */
static int move_aside(brain_t *b, const char *path, const char *why)
{
	char *aside;
	int rc = brain__set_aside(path, (long long)brain_now(b), 0, &aside);

	if (rc == BRAIN_EIO)
		return brain__errno(&b->err, rc, "cannot move aside %s", path);
	if (rc)
		return rc;
	b->store->moved++; /* files were lost with it: replay (refresh) */
	brain__notice(b, "%s was in the way of %s; kept it as %s", path, why,
		      aside);
	brain__queue_report(
		b, json_pack("{s:s, s:s, s:s, s:s}", "error_type",
			     "obstacle_moved", "message",
			     "something else stood where the blueprint puts a "
			     "folder or file; kept aside",
			     "path", path + strlen(b->base) + 1, "kept_as",
			     aside + strlen(b->base) + 1));
	free(aside);
	return 0;
}

/* mkdir -p for a derived file's folder.  A file where one of its folders
 * belongs (an hour's or a year's folder replaced by a file) is set aside
 * and the folder made: what the folder held is derived, and rebuilt from
 * the journal. */
static int make_dir(brain_t *b, const char *dir)
{
	int tries, rc = 0;

	for (tries = 0; tries < 16; tries++) {
		char *obstacle;
		rc = brain__mkdir_p(dir);
		if (rc != BRAIN_EIO || (errno != ENOTDIR && errno != EEXIST))
			break;
		if ((rc = brain__obstacle(dir, &obstacle)))
			return rc;
		if (!obstacle || strncmp(obstacle, b->base, strlen(b->base))) {
			free(obstacle);
			errno = ENOTDIR;
			rc = BRAIN_EIO;
			break; /* not ours to move: above the mode's base */
		}
		rc = move_aside(b, obstacle, "a folder");
		free(obstacle);
		if (rc)
			return rc;
	}
	if (rc == BRAIN_EIO)
		rc = brain__errno(&b->err, rc, "cannot create folder %s", dir);
	return rc;
}

/* Writes a new empty file for (k, lv) at partition w, if none exists. */
static int create_slot_file(brain_t *b, const brain__stream *s, int k,
			    int lv, const brain__when *w, const char *path,
			    int sync)
{
	const brain__plevel *pl = plevel_of(b->bp, s, k, lv);
	brain__jlayout lay = layout_of(b->bp, s, k);
	brain__buf text = {0};
	json_t *tpl = NULL, *sum = NULL;
	char *dir = NULL, *slash;
	size_t tail_off;
	int created, rc;

	if ((rc = brain__template_instance(b, s, pl, w, &tpl)))
		return rc;
	rc = BRAIN_ENOMEM;
	if (lay.with_summary && !(sum = brain__summary_new(s)))
		goto out;
	if ((rc = brain__jfile_render(tpl, &lay, sum, &text, &tail_off)))
		goto out;
	rc = BRAIN_ENOMEM;
	if (!(dir = strdup(path)))
		goto out;
	slash = strrchr(dir, '/');
	*slash = '\0';
	if ((rc = make_dir(b, dir)))
		goto out;
	rc = brain__create_file(path, text.data, text.len, sync, &created);
	if (rc == BRAIN_EIO)
		rc = brain__ioerr(&b->err, brain__fs_step(), "cannot create %s",
				  path);
out:
	free(dir);
	json_decref(tpl);
	json_decref(sum);
	brain__buf_free(&text);
	return rc;
}

int brain__store_ensure_file(brain_t *b, const brain__stream *s,
			     const brain__plevel *pl, const brain__when *w)
{
	char *path = brain__level_path(b->base, s, pl, w, 1);
	int k = pl == b->bp->full[pl->level]    ? K_FULL
		: pl == b->bp->index[pl->level] ? K_INDEX
						: K_SOURCE;
	int rc;

	if (!path)
		return BRAIN_ENOMEM;
	rc = brain__exists(path)
		     ? 0
		     : create_slot_file(b, s, k, pl->level, w, path,
					b->durability ==
							BRAIN_DURABILITY_ALWAYS &&
						k == K_SOURCE &&
						pl->level == BRAIN__LV_GLOBAL);
	free(path);
	return rc;
}

static int rebuild_file(brain_t *b, sstate *st, int k, int lv);
static long long claimed_seq(brain_t *b, sstate *st, const brain__when *w);
static int recover_journal(brain_t *b, sstate *st, const brain__when *w,
			   long long claimed, int force);

/* Opens the slot's file (creating it from its template) and reads its
 * tail.  A tail that does not parse is repaired from the journal. */
static int load_slot(brain_t *b, sstate *st, int k, int lv,
		     const brain__when *w)
{
	slot *sl = &st->slot[k][lv];
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	json_t *sum = NULL;
	char *last = NULL;
	int rc, tries;

	if (sl->fd >= 0)
		return 0;
	for (tries = 0; tries < 4; tries++) {
		sl->fd = brain__open(sl->path, O_RDWR | O_CLOEXEC, 0);
		if (sl->fd >= 0 ||
		    (errno != ENOENT && errno != ENOTDIR && errno != EISDIR))
			break;
		/* a folder where the file belongs is set aside; a file
		 * where one of its folders belongs, by create_slot_file */
		if (errno == EISDIR && (rc = move_aside(b, sl->path, "a file")))
			return rc;
		rc = create_slot_file(b, st->s, k, lv, w, sl->path,
				      b->durability == BRAIN_DURABILITY_ALWAYS &&
					      k == K_SOURCE &&
					      lv == BRAIN__LV_GLOBAL);
		if (rc)
			return rc;
	}
	if (sl->fd < 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_OPEN, "cannot open %s",
				    sl->path);
	rc = brain__jfile_scan_tail(sl->fd, &lay,
				    (size_t)b->bp->max_record_bytes + 1024,
				    &sl->tail, &sum, &last, &sl->empty,
				    &sl->end);
	if (!rc && sum) {
		sl->summary = brain__msum_new(st->s);
		rc = sl->summary ? brain__msum_load(sl->summary, sum)
				 : BRAIN_ENOMEM;
		json_decref(sum);
	}
	if (rc == BRAIN_ECORRUPT) {
		free(last);
		slot_close(sl);
		return rebuild_file(b, st, k, lv);
	}
	if (rc)
		return rc == BRAIN_EIO ? brain__errno(&b->err, rc,
						      "cannot read %s",
						      sl->path)
				       : rc;
	sl->fsize = lseek(sl->fd, 0, SEEK_END);
	if (sl->fsize > sl->end) {
		/* a writer's padding: was its last tail written whole? */
		rc = brain__jfile_check_mark(sl->fd, sl->tail, sl->end,
					     sl->fsize);
		if (rc == BRAIN_ECORRUPT) {
			free(last);
			slot_close(sl);
			return rebuild_file(b, st, k, lv);
		}
		if (rc || (rc = slot_trim(b, st, sl))) {
			free(last);
			return rc;
		}
	}
	sl->last_seq = last	   ? seq_of_line(last)
		       : sl->summary ? brain__msum_last_seq(sl->summary)
				     : 0;
	free(last);
	return 0;
}

static int write_at(int fd, const char *data, size_t len, off_t off)
{
	return brain__write_at(fd, data, len, off);
}

/* The relative path of the file one level down of (k, lv). */
static const char *child_rel(sstate *st, int k, int lv)
{
	if (lv == BRAIN__LV_GLOBAL)
		return st->slot[K_SOURCE][BRAIN__LV_GLOBAL].rel;
	if (lv == BRAIN__LV_HOUR)
		return st->slot[K_SOURCE][BRAIN__LV_HOUR].rel;
	return st->slot[k][lv == BRAIN__LV_ROOT ? BRAIN__LV_YEAR : lv + 1].rel;
}

/* Adds one record (line, its parsed form and UTC time text) to a slot, in
 * memory; flush_slot writes it. */
static int apply_slot(brain_t *b, sstate *st, int k, int lv,
		      const brain__when *w, const char *line, size_t len,
		      long long seq, const brain__mvals *vals, const char *ts)
{
	slot *sl = &st->slot[k][lv];
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	static const char spaces[] = "                ";
	int rc;

	if (!sl->path)
		return 0; /* the layout has no such level */
	if ((rc = load_slot(b, st, k, lv, w)))
		return rc;
	if (sl->last_seq >= seq)
		return 0; /* already there: replay is idempotent */
	if (sl->summary &&
	    (rc = brain__msum_add(sl->summary, vals, ts, seq,
				  child_rel(st, k, lv))))
		return rc;
	if (lay.entries &&
	    ((!sl->empty && brain__buf_put(&sl->pending, ",", 1)) ||
	     brain__buf_put(&sl->pending, "\n", 1) ||
	     brain__buf_put(&sl->pending, spaces,
			    2 * (size_t)brain__jfile_depth(lay.entries) + 2) ||
	     brain__buf_put(&sl->pending, line, len)))
		return BRAIN_ENOMEM;
	sl->empty = 0;
	sl->dirty = 1;
	sl->last_seq = seq;
	return 0;
}

/* Every derived file of the record's partition. */
static int apply_derived(brain_t *b, sstate *st, const brain__when *w,
			 const char *line, size_t len, long long seq,
			 const json_t *entry)
{
	brain__mvals vals;
	char ts[32];
	int k, lv, rc;

	brain__utc_text(w->t, ts, sizeof(ts));
	if ((rc = bind(b, st, w)))
		return rc;
	/* the Global aggregate's summary says which values keep a key */
	if ((rc = load_slot(b, st, K_FULL, BRAIN__LV_GLOBAL, w)))
		return rc;
	brain__mvals_of(st->s, entry, st->slot[K_FULL][BRAIN__LV_GLOBAL].summary,
			&vals);
	/* bottom-up, so data_sources name files that exist */
	for (lv = BRAIN__LV_HOUR; lv >= 0; lv--)
		for (k = 0; k < K_COUNT; k++) {
			if (k == K_SOURCE && lv == BRAIN__LV_GLOBAL)
				continue; /* the journal */
			if ((rc = apply_slot(b, st, k, lv, w, line, len, seq,
					     &vals, ts)))
				return rc;
		}
	return 0;
}

/* ---- state file ---- */

/* The state file is written in place, always STATE_LEN bytes, and read
 * and written through a mapping: twice a save, so no system call. */
#define KEY_APPLIED "{\"applied_seq\": "
#define KEY_CHECKPOINT ", \"checkpoint_seq\": "
#define KEY_GENERATION ", \"generation\": "
#define FIELD 20

/* A number as "%-20lld" does, into FIELD bytes (any long long fits). */
static char *put_field(char *p, long long v)
{
	char digits[FIELD];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;
	int n = 0;

	do
		digits[FIELD - 1 - n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		digits[FIELD - 1 - n++] = '-';
	memcpy(p, digits + FIELD - n, (size_t)n);
	memset(p + n, ' ', (size_t)(FIELD - n));
	return p + FIELD;
}

/* STATE_FMT's text, without printf: twice a save. */
static void state_text(char text[STATE_LEN], long long applied,
		       long long checkpoint, long long generation)
{
	char *p = text;

	memcpy(p, KEY_APPLIED, sizeof(KEY_APPLIED) - 1);
	p = put_field(p + sizeof(KEY_APPLIED) - 1, applied);
	memcpy(p, KEY_CHECKPOINT, sizeof(KEY_CHECKPOINT) - 1);
	p = put_field(p + sizeof(KEY_CHECKPOINT) - 1, checkpoint);
	memcpy(p, KEY_GENERATION, sizeof(KEY_GENERATION) - 1);
	p = put_field(p + sizeof(KEY_GENERATION) - 1, generation);
	memcpy(p, "}\n", 2);
}

static int state_write(brain_t *b, sstate *st, long long applied, int sync)
{
	char text[STATE_LEN];

	state_text(text, applied, st->checkpoint, st->generation);
	memcpy(st->state_map, text, STATE_LEN);
	if (sync && brain__sync(st->state_fd) != 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_FSYNC,
				    "cannot sync %s", st->state_path);
	st->known_applied = applied;
	return 0;
}

/* One number of the state text at `at`, after `key`; 0, or -1 when the
 * text is not what state_write writes. */
static int state_field(const char *text, size_t at, const char *key,
		       long long *v)
{
	char *end;
	size_t klen = strlen(key);

	if (memcmp(text + at - klen, key, klen) != 0)
		return -1;
	*v = strtoll(text + at, &end, 10);
	return end > text + at && end <= text + at + FIELD &&
			       (*end == ' ' || end == text + at + FIELD)
		       ? 0
		       : -1;
}

static void state_read(sstate *st, long long *applied)
{
	static const size_t at_a = sizeof(KEY_APPLIED) - 1;
	static const size_t at_c = at_a + FIELD + sizeof(KEY_CHECKPOINT) - 1;
	static const size_t at_g = at_c + FIELD + sizeof(KEY_GENERATION) - 1;
	char text[STATE_LEN + 1];
	long long a, c, g;

	*applied = 0;
	st->checkpoint = 0;
	memcpy(text, st->state_map, STATE_LEN);
	text[STATE_LEN] = '\0';
	if (state_field(text, at_a, KEY_APPLIED, &a) ||
	    state_field(text, at_c, KEY_CHECKPOINT, &c) ||
	    state_field(text, at_g, KEY_GENERATION, &g))
		return; /* new, or torn: replay everything (idempotent) */
	*applied = a;
	st->checkpoint = c;
	st->generation = g;
}

/*
 * announce_cut - under the lock, before cutting or replacing a file that
 * other writers may have mapped: a new generation in the state file
 * tells them to drop their mappings and map afresh.  Written before the
 * cut, not when the lock is let go, so that a writer killed in between
 * still leaves the news behind (the state file is a shared mapping: its
 * pages outlive the process).  Once per holding of the lock.
 */
static void announce_cut(sstate *st)
{
	static const size_t at_g = sizeof(KEY_APPLIED) - 1 + FIELD +
				   sizeof(KEY_CHECKPOINT) - 1 + FIELD +
				   sizeof(KEY_GENERATION) - 1;
	char field[FIELD + 1];

	if (st->bump)
		return;
	st->generation++;
	snprintf(field, sizeof(field), "%-20lld", st->generation);
	memcpy(st->state_map + at_g, field, FIELD);
	st->bump = 1;
}

/* Under the lock, once: a state file shorter than STATE_LEN (new, or
 * torn in its first write) becomes the zero state, which means the same
 * (replay from the start), and is mapped. */
static int state_map(brain_t *b, sstate *st)
{
	struct stat sb;
	void *map;

	if (st->state_map)
		return 0;
	if (fstat(st->state_fd, &sb) != 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_READ, "cannot read %s",
				    st->state_path);
	if (sb.st_size < STATE_LEN) {
		char text[STATE_LEN + 1];
		snprintf(text, sizeof(text), STATE_FMT, 0LL, 0LL, 0LL);
		if (write_at(st->state_fd, text, STATE_LEN, 0) != 0)
			return brain__ioerr(&b->err, BRAIN_IOERR_WRITE,
					    "cannot write %s", st->state_path);
	}
	map = mmap(NULL, STATE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		   st->state_fd, 0);
	if (map == MAP_FAILED)
		return brain__ioerr(&b->err, BRAIN_IOERR_MMAP, "cannot map %s",
				    st->state_path);
	st->state_map = map;
	return 0;
}

/* ---- journal ---- */

/* Cuts a torn journal back to its last whole record and closes it. */
static int repair_journal(brain_t *b, sstate *st, const brain__when *w)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	brain__jlayout lay = layout_of(b->bp, st->s, K_SOURCE);
	size_t want = (size_t)b->bp->max_record_bytes + 65536, n;
	struct stat sb;
	char *chunk, *p, *cut = NULL;
	brain__buf tail = {0};
	off_t start;
	int fd, rc = 0;

	fd = open(j->path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot open %s",
				  j->path);
		goto out_fd;
	}
	n = (size_t)sb.st_size < want ? (size_t)sb.st_size : want;
	start = sb.st_size - (off_t)n;
	if (!(chunk = malloc(n + 1))) {
		rc = BRAIN_ENOMEM;
		goto out_fd;
	}
	if (pread(fd, chunk, n, start) != (ssize_t)n) {
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot read %s",
				  j->path);
		goto out;
	}
	chunk[n] = '\0';
	/* the last line that is a whole record, or the array's opening */
	for (p = chunk + n; p > chunk && !cut;) {
		char *line_end = p, *line;
		while (p > chunk && p[-1] != '\n')
			p--;
		line = p;
		if (p > chunk)
			p--;
		while (line < line_end && *line == ' ')
			line++;
		if (line_end > line && line_end[-1] == '[') {
			cut = line_end;
		} else if (!strncmp(line, "{\"seq\":", 7)) {
			char *e = line_end;
			json_t *rec;
			while (e > line && (e[-1] == ',' || e[-1] == '\n'))
				e--;
			rec = json_loadb(line, (size_t)(e - line), 0, NULL);
			if (rec)
				cut = e;
			json_decref(rec);
		}
	}
	if (!cut) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s: journal has no whole record near its "
				 "end; it needs a rebuild from its hourly "
				 "files", j->path);
		goto out;
	}
	if ((rc = brain__jfile_tail(brain__jfile_depth(lay.entries), NULL,
				    &tail)))
		goto out;
	announce_cut(st);
	if (ftruncate(fd, start + (cut - chunk)) != 0 ||
	    write_at(fd, tail.data, tail.len, start + (cut - chunk)) != 0 ||
	    fdatasync(fd) != 0)
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot repair %s",
				  j->path);
	else
		brain__notice(b, "repaired the end of %s after an "
			      "interrupted write", j->path);
	(void)w;
out:
	brain__buf_free(&tail);
	free(chunk);
out_fd:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* st->jtail from the file: [tail, end) of the loaded journal. */
static int read_jtail(brain_t *b, sstate *st)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	size_t n = (size_t)(j->end - j->tail);
	char *text = malloc(n + 1);
	int rc;

	if (!text)
		return BRAIN_ENOMEM;
	if (brain__read_at(j->fd, text, n, j->tail))
		rc = brain__ioerr(&b->err, BRAIN_IOERR_READ, "cannot read %s",
				  j->path);
	else
		rc = (st->jtail.len = 0, brain__buf_put(&st->jtail, text, n))
			     ? BRAIN_ENOMEM
			     : 0;
	free(text);
	return rc;
}

static int load_journal(brain_t *b, sstate *st, const brain__when *w)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	brain__jlayout lay = layout_of(b->bp, st->s, K_SOURCE);
	char *last = NULL;
	int rc, tries;

	if ((rc = bind(b, st, w)))
		return rc;
	for (tries = 0; tries < 2; tries++) {
		if (j->fd < 0) {
			j->fd = brain__open(j->path, O_RDWR | O_CLOEXEC, 0);
			if (j->fd < 0 && errno == ENOENT) {
				rc = create_slot_file(
					b, st->s, K_SOURCE, BRAIN__LV_GLOBAL, w,
					j->path,
					b->durability ==
						BRAIN_DURABILITY_ALWAYS);
				if (rc)
					return rc;
				j->fd = brain__open(j->path, O_RDWR | O_CLOEXEC,
						    0);
			}
			if (j->fd < 0)
				return brain__ioerr(&b->err, BRAIN_IOERR_OPEN,
						    "cannot open %s",
						    j->path);
		}
		json_t *none = NULL; /* a journal has no summary */
		rc = brain__jfile_scan_tail(
			j->fd, &lay, (size_t)b->bp->max_record_bytes + 1024,
			&j->tail, &none, &last, &j->empty, &j->end);
		json_decref(none);
		if (rc != BRAIN_ECORRUPT)
			break;
		slot_close(j);
		if ((rc = repair_journal(b, st, w)) != BRAIN_ECORRUPT) {
			if (rc)
				return rc;
			continue;
		}
		/* no whole record near its end: written again from the
		 * copies (which loads it again), or refused */
		if (st->rewriting)
			return rc;
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0)
			return brain__errno(&b->err, BRAIN_EIO,
					    "cannot open %s", j->path);
		st->rewriting = 1;
		rc = recover_journal(b, st, w, claimed_seq(b, st, w), 1);
		st->rewriting = 0;
		return rc;
	}
	if (rc)
		return rc == BRAIN_EIO ? brain__errno(&b->err, rc,
						      "cannot read %s",
						      j->path)
				       : rc;
	j->fsize = lseek(j->fd, 0, SEEK_END);
	if (j->fsize > j->end && (rc = slot_trim(b, st, j))) {
		free(last);
		return rc; /* zero bytes a crash left after the text */
	}
	j->last_seq = last ? seq_of_line(last) : 0;
	st->last_seq = j->last_seq;
	free(last);
	/* the tail as it is, once: appends keep it up to date */
	return read_jtail(b, st);
}

/* ---- replay ---- */

typedef struct replay_ctx {
	brain_t *b;
	sstate *st;
	long long from; /* apply records with seq > from */
	int rc;
	/* for rebuild_file: only this slot */
	int only_k, only_lv;
	int out_fd;
	const char *only_path;
	brain__buf *out;
	json_t *summary;
	int empty;
} replay_ctx;

static int parse_record(brain_t *b, const char *line, size_t len,
			json_t **rec, time_t *t)
{
	json_t *r = json_loadb(line, len, 0, NULL);
	const char *ts = json_string_value(json_object_get(r, "timestamp"));

	if (!r || !ts || brain__parse_iso8601(b->bp, ts, t) != 0) {
		json_decref(r);
		return BRAIN_ECORRUPT;
	}
	*rec = r;
	return 0;
}

static int replay_one(void *vctx, const char *line, size_t len)
{
	replay_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	time_t t;
	long long seq = strtoll(line + 7, NULL, 10);
	int rc;

	if (seq <= c->from)
		return 0;
	if (parse_record(c->b, line, len, &rec, &t))
		return 0; /* a foreign line: not ours to replay */
	brain__when_of(c->b->bp, t, &w);
	rc = apply_derived(c->b, c->st, &w, line, len, seq, rec);
	json_decref(rec);
	return c->rc = rc;
}

/* The seq of the first record line starting at or after `off`; 0 when
 * none starts in the next few KiB. */
static long long seq_after(int fd, off_t off, off_t end, off_t *line_off)
{
	char buf[4096 + 1], *nl, *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1,
			  off > 0 ? off - 1 : 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	nl = off > 0 ? memchr(buf, '\n', (size_t)n) : buf - 1;
	while (nl && nl + 1 < buf + n) {
		p = nl + 1;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "{\"seq\":", 7)) {
			*line_off = (off > 0 ? off - 1 : 0) + (nl + 1 - buf);
			return *line_off < end ? strtoll(p + 7, NULL, 10) : 0;
		}
		nl = memchr(p, '\n', (size_t)(buf + n - p));
	}
	return 0;
}

/* Where in the journal to start reading for the records after `from`.
 * Seqs grow along the journal, so it is found by bisection: a walk from
 * there costs what it walks, not the journal's length. */
static off_t journal_after(sstate *st, long long from)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	off_t lo = 0, hi = j->tail;

	while (hi - lo > 8192) {
		off_t mid = lo + (hi - lo) / 2, at = 0;
		long long seq = seq_after(j->fd, mid, j->tail, &at);
		if (seq && seq <= from)
			lo = at;
		else
			hi = mid;
	}
	return lo;
}

/* Replays journal records after `from` into the derived files. */
static int replay(brain_t *b, sstate *st, long long from)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	replay_ctx c = {.b = b, .st = st, .from = from};
	off_t lo = journal_after(st, from);
	int rc;

	st->recovering = 1;
	rc = brain__jfile_each_record(j->fd, lo, replay_one, &c);
	st->recovering = 0;
	if (rc == BRAIN_EIO && !c.rc) /* reading the journal failed */
		return brain__ioerr(&b->err, BRAIN_IOERR_READ,
				    "cannot read %s", j->path);
	return rc;
}

/* Every record line of fd from `from` on, as brain__jfile_each_record;
 * a read that fails is named (the callbacks name their own failures). */
static int each_record(brain_t *b, int fd, const char *path, off_t from,
		       int (*fn)(void *ctx, const char *line, size_t len),
		       void *ctx)
{
	int rc = brain__jfile_each_record(fd, from, fn, ctx);

	if (rc == BRAIN_EIO && !b->err.msg[0])
		return brain__ioerr(&b->err, BRAIN_IOERR_READ,
				    "cannot read %s", path);
	return rc;
}

/* One derived file, recomputed from the journal into a temporary file and
 * renamed into place.  A tail we did not tear ourselves is foreign damage:
 * that file is kept aside first and reported. */
typedef struct one_ctx {
	brain_t *b;
	sstate *st;
	int k, lv;
	const char *path;
	brain__buf body;
	brain__msum *summary;
	brain__msum *all; /* every record so far: the values keeping a key */
	int empty;
	long long last_seq;
	int depth;
} one_ctx;

static int rebuild_one(void *vctx, const char *line, size_t len)
{
	one_ctx *c = vctx;
	const brain__plevel *pl = plevel_of(c->b->bp, c->st->s, c->k, c->lv);
	const brain__plevel *child;
	brain__mvals vals;
	brain__when w;
	json_t *rec;
	char *path, *cpath, ts[32];
	time_t t;
	int rc = 0;

	if (parse_record(c->b, line, len, &rec, &t))
		return 0;
	brain__when_of(c->b->bp, t, &w);
	brain__utc_text(t, ts, sizeof(ts));
	if (c->all) {
		/* every record, in seq order: which values keep a key */
		brain__mvals_of(c->st->s, rec, c->all, &vals);
		if (brain__msum_add(c->all, &vals, ts, seq_of_line(line),
				    NULL)) {
			json_decref(rec);
			return BRAIN_ENOMEM;
		}
	}
	path = brain__level_path(c->b->base, c->st->s, pl, &w, 1);
	if (!path) {
		json_decref(rec);
		return BRAIN_ENOMEM;
	}
	if (strcmp(path, c->path) != 0)
		goto out;
	c->last_seq = strtoll(line + 7, NULL, 10);
	if (c->summary) {
		int clv = c->lv == BRAIN__LV_GLOBAL ? BRAIN__LV_GLOBAL
			  : c->lv == BRAIN__LV_HOUR ? BRAIN__LV_HOUR
			  : c->lv == BRAIN__LV_ROOT ? BRAIN__LV_YEAR
						    : c->lv + 1;
		int ck = (c->lv == BRAIN__LV_GLOBAL || c->lv == BRAIN__LV_HOUR)
				 ? K_SOURCE
				 : c->k;
		child = plevel_of(c->b->bp, c->st->s, ck, clv);
		cpath = brain__level_path(c->b->base, c->st->s, child, &w, 1);
		rc = cpath ? brain__msum_add(c->summary, &vals, ts, c->last_seq,
					     cpath + strlen(c->b->base) + 1)
			   : BRAIN_ENOMEM;
		free(cpath);
	}
	if (!rc && c->depth) {
		char ind[80];
		memset(ind, ' ', sizeof(ind));
		if ((!c->empty && brain__buf_puts(&c->body, ",")) ||
		    brain__buf_puts(&c->body, "\n") ||
		    brain__buf_put(&c->body, ind, (size_t)(2 * c->depth + 2)) ||
		    brain__buf_put(&c->body, line, len))
			rc = BRAIN_ENOMEM;
		c->empty = 0;
	}
out:
	free(path);
	json_decref(rec);
	return rc;
}

/* The identity of the file at path (inode and size), as text. */
static void file_id(const char *path, char id[64])
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		snprintf(id, 64, "none");
	else
		snprintf(id, 64, "%llu:%lld", (unsigned long long)sb.st_ino,
			 (long long)sb.st_size);
}

/* Whether the file at path is, unchanged, one this handle rebuilt: found
 * damaged again, a second rebuild would make the same file again. */
static int rebuilt_before(brain_t *b, const char *path)
{
	const char *was = json_string_value(
		json_object_get(b->store->rebuilt, path));
	char id[64];

	file_id(path, id);
	return was && !strcmp(was, id);
}

static void note_rebuilt(brain_t *b, const char *path)
{
	char id[64];

	if (!b->store->rebuilt && !(b->store->rebuilt = json_object()))
		return;
	file_id(path, id);
	json_object_set_new(b->store->rebuilt, path, json_string(id));
}

/*
 * One damaged derived file, recomputed from the journal and renamed over
 * it.  Foreign damage (a tail we did not tear ourselves) is kept: the
 * original gets a .corrupt-* name too before the replacement takes its
 * place, so there is no moment without the file.  Once per damage: the
 * file this rebuild wrote, found damaged again unchanged, is reported
 * (BRAIN_ECORRUPT), not rebuilt in a loop.
 */
static int rebuild_file(brain_t *b, sstate *st, int k, int lv)
{
	slot *sl = &st->slot[k][lv];
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	one_ctx c = {.b = b, .st = st, .k = k, .lv = lv, .path = sl->path,
		     .empty = 1};
	brain__buf head = {0}, sum = {0};
	json_t *tpl = NULL, *empty_sum = NULL;
	char *aside = NULL;
	brain__when w;
	size_t tail_off;
	int rc;

	if (rebuilt_before(b, sl->path))
		return brain__errf(&b->err, BRAIN_ECORRUPT,
				   "%s: still unreadable after it was rebuilt "
				   "from %s; left as it is", sl->path, j->path);
	brain__when_of(b->bp, brain_now(b), &w);
	c.depth = lay.entries ? brain__jfile_depth(lay.entries) : 0;
	rc = BRAIN_ENOMEM;
	if (lay.with_summary &&
	    (!(c.summary = brain__msum_new(st->s)) ||
	     !(c.all = brain__msum_new(st->s)) ||
	     !(empty_sum = brain__summary_new(st->s))))
		goto out;
	if ((rc = brain__template_instance(b, st->s,
					   plevel_of(b->bp, st->s, k, lv), &w,
					   &tpl)) ||
	    (rc = brain__jfile_render(tpl, &lay, empty_sum, &head, &tail_off)))
		goto out;
	head.len = tail_off; /* keep the head; the tail is written last */
	if ((rc = each_record(b, j->fd, j->path, 0, rebuild_one, &c)))
		goto out;
	rc = BRAIN_ENOMEM;
	if ((c.summary && brain__msum_text(c.summary, &sum)) ||
	    brain__buf_put(&head, c.body.data ? c.body.data : "", c.body.len) ||
	    brain__jfile_tail_text(c.depth, c.summary ? sum.data : NULL,
				   sum.len, &head))
		goto out;
	announce_cut(st); /* it is replaced below */
	if (!st->recovering &&
	    (rc = brain__set_aside(sl->path, (long long)brain_now(b), 1,
				   &aside))) {
		if (rc == BRAIN_EIO)
			rc = brain__errno(&b->err, rc, "cannot keep %s aside",
					  sl->path);
		goto out;
	}
	rc = brain__replace_file(sl->path, head.data, head.len, 0);
	if (rc) {
		if (rc == BRAIN_EIO)
			rc = brain__errno(&b->err, rc, "cannot write %s",
					  sl->path);
		if (aside)
			unlink(aside); /* the original is still in place */
		goto out;
	}
	if (aside) {
		brain__notice(b, "%s was damaged; kept it as %s and rebuilt "
			      "it from %s", sl->path, aside, j->path);
		brain__queue_report(
			b, json_pack("{s:s, s:s, s:s, s:s, s:s}", "error_type",
				     "corrupt_file", "message",
				     "damaged file kept aside and rebuilt from "
				     "its journal",
				     "path", sl->rel, "kept_as",
				     aside + strlen(b->base) + 1, "journal",
				     j->rel));
	}
	/* reload the slot from what was just written */
	note_rebuilt(b, sl->path);
	rc = load_slot(b, st, k, lv, &w);
out:
	free(aside);
	json_decref(tpl);
	brain__buf_free(&sum);
	brain__msum_free(c.summary);
	brain__msum_free(c.all);
	json_decref(empty_sum);
	brain__buf_free(&head);
	brain__buf_free(&c.body);
	return rc;
}

/* ---- the journal against its copies ---- */

/*
 * Every record is in the journal, in its hourly file and in the aggregated
 * files of its scope (the Global and root ones hold them all), as the same
 * bytes.  A journal that ends before what its copies or the state file
 * say was applied, or whose seqs do not run 1, 2, 3, ..., lost records: it
 * is not a torn write.  recover_journal collects the records of every
 * copy it can find (the journal's, then the Global and root aggregates',
 * then every time-level file of each hour seen), and writes the journal
 * again in seq order after keeping the old one as a .corrupt-* file.
 */
typedef struct gather_ctx {
	brain_t *b;
	sstate *st;
	json_t *lines;   /* seq -> line, trusted */
	json_t *suspect; /* seq -> line, journal lines out of the run */
	json_t *hours;   /* "YYYYMMDDHH" -> 1, the hours seen */
	json_t *times;   /* one time per hour seen, in the order seen */
	json_t *read;    /* path -> 1, files read */
	long long prev;  /* the journal's previous record's seq */
	long long max;   /* the largest seq gathered */
	long long whole; /* journal lines in the run */
	int in_journal;
	int keep;        /* 0: only check the journal, keeping nothing */
	long damaged;    /* journal lines that broke the run */
} gather_ctx;

static int gather_line(void *vctx, const char *line, size_t len)
{
	gather_ctx *g = vctx;
	char key[32];
	json_t *rec, *into;
	brain__when w;
	time_t t;
	long long seq = seq_of_line(line);

	if (parse_record(g->b, line, len, &rec, &t)) {
		g->damaged += g->in_journal;
		return 0;
	}
	if (json_integer_value(json_object_get(rec, "seq")) != seq ||
	    seq <= 0) {
		json_decref(rec);
		g->damaged += g->in_journal;
		return 0;
	}
	json_decref(rec);
	into = g->lines;
	if (g->in_journal) {
		if (seq != g->prev + 1) {
			into = g->suspect; /* after a gap, or out of order */
			g->damaged++;
		}
		g->prev = seq;
		if (into == g->lines && !g->keep) {
			g->whole++;
			g->max = seq > g->max ? seq : g->max;
			return 0;
		}
	}
	snprintf(key, sizeof(key), "%lld", seq);
	if (!json_object_get(g->lines, key) && !json_object_get(into, key)) {
		json_t *v = json_stringn_nocheck(line, len);
		if (!v || json_object_set_new(into, key, v))
			return BRAIN_ENOMEM;
		if (into == g->lines && seq > g->max)
			g->max = seq;
	}
	brain__when_of(g->b->bp, t, &w);
	snprintf(key, sizeof(key), "%04d%02d%02d%02d", w.year, w.month, w.day,
		 w.hour);
	if (!json_object_get(g->hours, key) &&
	    (json_object_set_new(g->hours, key, json_true()) ||
	     json_array_append_new(g->times, json_integer((json_int_t)t))))
		return BRAIN_ENOMEM;
	return 0;
}

/* Gathers the records of the derived file (k, lv) of partition w. */
static int gather_file(gather_ctx *g, int k, int lv, const brain__when *w)
{
	const brain__plevel *pl = plevel_of(g->b->bp, g->st->s, k, lv);
	char *path;
	int fd, rc = 0;

	if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL) ||
	    (k == K_FULL && !g->b->bp->agg_entries))
		return 0;
	if (!(path = brain__level_path(g->b->base, g->st->s, pl, w, 1)))
		return BRAIN_ENOMEM;
	if (!json_object_get(g->read, path)) {
		json_object_set_new(g->read, path, json_true());
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			rc = brain__jfile_each_record(fd, 0, gather_line, g);
			close(fd);
		}
	}
	free(path);
	return rc == BRAIN_EIO ? 0 : rc; /* an unreadable copy: the next */
}

static int gather_copies(gather_ctx *g, const brain__when *now)
{
	size_t i;
	int k, lv, rc;

	g->in_journal = 0;
	if ((rc = gather_file(g, K_FULL, BRAIN__LV_GLOBAL, now)) ||
	    (rc = gather_file(g, K_FULL, BRAIN__LV_ROOT, now)))
		return rc;
	/* the array grows while it is walked: hours found in a copy */
	for (i = 0; i < json_array_size(g->times); i++) {
		brain__when w;
		brain__when_of(g->b->bp,
			       (time_t)json_integer_value(
				       json_array_get(g->times, i)),
			       &w);
		for (lv = BRAIN__LV_HOUR; lv >= 0; lv--)
			for (k = K_SOURCE; k <= K_FULL; k++)
				if ((rc = gather_file(g, k, lv, &w)))
					return rc;
	}
	return 0;
}

/* The last seq the derived file (k, lv) holds, from its tail; 0 when it
 * is missing or unreadable. */
static long long copy_last_seq(brain_t *b, sstate *st, int k, int lv,
			       const brain__when *w)
{
	const brain__plevel *pl = plevel_of(b->bp, st->s, k, lv);
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	json_t *sum = NULL;
	char *path, *last = NULL;
	off_t tail;
	long long seq = 0;
	int fd, empty;

	if (!pl || !lay.entries ||
	    !(path = brain__level_path(b->base, st->s, pl, w, 1)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	if (!brain__jfile_scan_tail(fd, &lay,
				    (size_t)b->bp->max_record_bytes + 1024,
				    &tail, &sum, &last, &empty, NULL) &&
	    last)
		seq = seq_of_line(last);
	json_decref(sum);
	free(last);
	close(fd);
	return seq;
}

/* What the state file and the all-time aggregates say the journal holds
 * at least. */
static long long claimed_seq(brain_t *b, sstate *st, const brain__when *w)
{
	long long applied, claimed, seq;

	state_read(st, &applied);
	claimed = applied > st->checkpoint ? applied : st->checkpoint;
	seq = copy_last_seq(b, st, K_FULL, BRAIN__LV_GLOBAL, w);
	claimed = seq > claimed ? seq : claimed;
	seq = copy_last_seq(b, st, K_FULL, BRAIN__LV_ROOT, w);
	return seq > claimed ? seq : claimed;
}

/* The journal's text with `g`'s records 1..g->max, in seq order. */
static int journal_text(brain_t *b, sstate *st, gather_ctx *g,
			const brain__when *w, brain__buf *out)
{
	brain__jlayout lay = layout_of(b->bp, st->s, K_SOURCE);
	int depth = brain__jfile_depth(lay.entries);
	json_t *tpl = NULL;
	size_t tail_off;
	long long seq;
	char ind[80];
	int rc;

	memset(ind, ' ', sizeof(ind));
	if ((rc = brain__template_instance(
		     b, st->s, plevel_of(b->bp, st->s, K_SOURCE,
					 BRAIN__LV_GLOBAL),
		     w, &tpl)) ||
	    (rc = brain__jfile_render(tpl, &lay, NULL, out, &tail_off)))
		goto out;
	out->len = tail_off;
	rc = BRAIN_ENOMEM;
	for (seq = 1; seq <= g->max; seq++) {
		char key[32];
		const char *line;
		snprintf(key, sizeof(key), "%lld", seq);
		line = json_string_value(json_object_get(g->lines, key));
		if ((seq > 1 && brain__buf_puts(out, ",")) ||
		    brain__buf_puts(out, "\n") ||
		    brain__buf_put(out, ind, (size_t)(2 * depth + 2)) ||
		    brain__buf_puts(out, line))
			goto out;
	}
	rc = brain__jfile_tail_text(depth, NULL, 0, out);
out:
	json_decref(tpl);
	return rc;
}

/*
 * Under the lock, the journal loaded: checks every line of the journal
 * (it parses, seqs run 1, 2, 3, ...) and that it reaches `claimed`.  If
 * not, writes it again from the records of every copy, the old one kept
 * aside, and reloads it.  A seq below the largest found that no copy
 * holds makes it refuse (BRAIN_ECORRUPT naming the journal): nothing is
 * written then.  Cost: one read of the journal; with damage, of every
 * copy found.
 */
static int recover_journal(brain_t *b, sstate *st, const brain__when *w,
			   long long claimed, int force)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	gather_ctx g = {.b = b, .st = st, .in_journal = 1};
	brain__buf text = {0};
	long long seq, gap_lo = 0, gap_hi = 0, journal_max;
	char *aside = NULL;
	int rc = BRAIN_ENOMEM;

	if (!(g.lines = json_object()) || !(g.suspect = json_object()) ||
	    !(g.hours = json_object()) || !(g.times = json_array()) ||
	    !(g.read = json_object()))
		goto out;
	if ((rc = each_record(b, j->fd, j->path, 0, gather_line, &g)))
		goto out;
	if (!force && !g.damaged && g.whole == g.max && g.max >= claimed)
		goto out; /* whole: the usual case, checked keeping nothing */
	/* again, keeping the lines and the hours they name */
	json_object_clear(g.suspect);
	g.keep = 1;
	g.prev = g.max = g.damaged = 0;
	if ((rc = each_record(b, j->fd, j->path, 0, gather_line, &g)))
		goto out;
	journal_max = g.max;
	if ((rc = gather_copies(&g, w)))
		goto out;
	{
		/* journal lines out of the run fill what no copy has */
		const char *key;
		json_t *v;
		json_object_foreach(g.suspect, key, v) {
			seq = strtoll(key, NULL, 10);
			if (!json_object_get(g.lines, key)) {
				json_object_set(g.lines, key, v);
				g.max = seq > g.max ? seq : g.max;
			}
		}
	}
	for (seq = 1; seq <= g.max; seq++) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", seq);
		if (json_object_get(g.lines, key))
			continue;
		if (!gap_lo)
			gap_lo = seq;
		gap_hi = seq;
	}
	if (gap_lo) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s: the journal lost records (seq %lld to "
				 "%lld) that no other copy holds; left it as "
				 "it is", j->path, gap_lo, gap_hi);
		goto out;
	}
	if (!force && !g.damaged && g.max == journal_max)
		goto reset; /* the state claimed more than any copy holds */
	if ((rc = journal_text(b, st, &g, w, &text)))
		goto out;
	announce_cut(st);
	if ((rc = brain__set_aside(j->path, (long long)brain_now(b), 1,
				   &aside)) ||
	    (rc = brain__replace_file(j->path, text.data, text.len, 1))) {
		if (aside)
			unlink(aside); /* the original is still in place */
		if (rc == BRAIN_EIO)
			rc = brain__errno(&b->err, rc, "cannot recover %s",
					  j->path);
		goto out;
	}
	brain__notice(b, "%s had lost records; kept it as %s and wrote it "
		      "again from its copies (%lld records)", j->path, aside,
		      g.max);
	brain__queue_report(
		b, json_pack("{s:s, s:s, s:s, s:s, s:I}", "error_type",
			     "journal_recovered", "message",
			     "journal had lost records; kept aside and "
			     "written again from the hourly and aggregated "
			     "files",
			     "path", j->rel, "kept_as",
			     aside + strlen(b->base) + 1, "records",
			     (json_int_t)g.max));
reset:
	/* derived files: replay everything (idempotent) */
	st->checkpoint = 0;
	if ((rc = state_write(b, st, 0, b->durability != BRAIN_DURABILITY_NONE)))
		goto out;
	close_all(st);
	rc = load_journal(b, st, w);
out:
	free(aside);
	brain__buf_free(&text);
	json_decref(g.lines);
	json_decref(g.suspect);
	json_decref(g.hours);
	json_decref(g.times);
	json_decref(g.read);
	return rc;
}

static int flush_stream(brain_t *b, sstate *st);

/* ---- per-stream state and locking ---- */

static sstate *state_of(brain_t *b, const brain__stream *s)
{
	return &b->store->st[s - b->bp->streams];
}

static char *side_file(brain_t *b, const brain__stream *s, const char *pat)
{
	brain__when w = {0};
	char *name = brain__expand(pat, s, &w), *dir, *out = NULL;

	dir = brain__path_join(b->base, s->folder);
	if (name && dir)
		out = brain__path_join(dir, name);
	free(name);
	free(dir);
	return out;
}

static int stream_open_files(brain_t *b, sstate *st)
{
	char *dir;
	int rc;

	if (st->lock_fd >= 0)
		return 0;
	dir = brain__path_join(b->base, st->s->folder);
	if (!dir)
		return BRAIN_ENOMEM;
	rc = brain__mkdir_p(dir);
	if (rc == BRAIN_EIO)
		rc = brain__ioerr(&b->err, BRAIN_IOERR_MKDIR,
				  "cannot create folder %s", dir);
	free(dir);
	if (rc)
		return rc;
	st->lock_fd = brain__open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC,
				  0644);
	if (st->lock_fd < 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_OPEN, "cannot open %s",
				    st->lock_path);
	st->state_fd = brain__open(st->state_path,
				   O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->state_fd < 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_OPEN, "cannot open %s",
				    st->state_path);
	return 0;
}

static int lock_stream(brain_t *b, sstate *st)
{
	int rc = stream_open_files(b, st);

	if (rc)
		return rc;
	while (flock(st->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			rc = brain__errno(&b->err, BRAIN_ELOCKED,
					  "cannot lock %s", st->lock_path);
			b->err.io_step = BRAIN_IOERR_LOCK;
			return rc;
		}
	if ((rc = state_map(b, st)))
		flock(st->lock_fd, LOCK_UN);
	return rc;
}

/* Lets go of the lock (a cut made under it was announced before it was
 * made: announce_cut). */
static void unlock_stream(sstate *st)
{
	st->bump = 0;
	flock(st->lock_fd, LOCK_UN);
}

static int do_rebuild(brain_t *b, sstate *st, const brain__when *w);

/*
 * lag_begin - the derived files could not be brought up to date with the
 * journal (a full disk, an unwritable hourly file): what this handle had
 * in memory for them is dropped - the journal and the state file's
 * applied seq say what they still need, and a replay brings it - and the
 * failure becomes a notice, once, instead of the caller's error.  A save
 * whose record is in the journal has succeeded (DESIGN.md "What a save
 * promises"); brain_flush reports derived files that still cannot be
 * written.
 */
static void lag_begin(brain_t *b, sstate *st)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	int k, lv;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if (&st->slot[k][lv] != j)
				slot_close(&st->slot[k][lv]);
	st->pending = 0;
	st->loaded = 0;
	st->foreign = 1; /* slots dropped unsynced */
	if (!st->lag)
		brain__notice(b, "the files derived from %s trail it: %s; they "
			      "catch up from it once they can be written",
			      j->path, b->err.msg[0] ? b->err.msg
						     : "out of memory");
	st->lag = 1;
	brain__err_clear(&b->err);
}

static void lag_end(brain_t *b, sstate *st)
{
	if (st->lag)
		brain__notice(b, "the files derived from %s have caught up "
			      "with it", st->slot[K_SOURCE][BRAIN__LV_GLOBAL].path);
	st->lag = 0;
}

/* Under the lock: makes the slots current and the derived files complete
 * (replaying after someone's crash).  With lag_ok (a save), only loading
 * the journal must succeed: derived files that cannot be caught up make
 * the stream lag (lag_begin). */
static int refresh(brain_t *b, sstate *st, const brain__when *w, int lag_ok)
{
	long long applied;
	long long gen = st->generation;
	int rc, first = !st->checked;

	state_read(st, &applied);
	if (st->loaded && applied == st->known_applied &&
	    gen == st->generation)
		return 0;
	close_all(st);
	st->loaded = 0;
	st->known_applied = applied;
	if ((rc = load_journal(b, st, w)))
		return rc;
	if (brain__exists(st->rebuild_path)) {
		brain__notice(b, "finishing the interrupted rebuild of %s",
			      st->slot[K_SOURCE][BRAIN__LV_GLOBAL].path);
		return do_rebuild(b, st, w);
	}
	/* a journal behind what was applied lost records: not a torn
	 * write.  The all-time aggregates are asked once per handle. */
	if (st->checked ? (applied > st->last_seq ||
			   st->checkpoint > st->last_seq)
			: claimed_seq(b, st, w) > st->last_seq) {
		if ((rc = recover_journal(b, st, w, claimed_seq(b, st, w), 0)))
			return rc;
		state_read(st, &applied);
	}
	st->checked = 1;
	/* the first time, whatever applied says: a power loss may have
	 * taken the unsynced tail of a derived file (see checkpoint) */
	if (first || applied != st->last_seq ||
	    st->moved_seen != b->store->moved) {
		long long from = st->checkpoint < applied ? st->checkpoint
							  : applied;
		if (applied > st->last_seq)
			from = 0; /* state ahead of the journal: recheck all */
		if (st->moved_seen != b->store->moved)
			from = 0; /* files went with an obstacle: refill */
		if ((rc = replay(b, st, from)) || (rc = flush_stream(b, st))) {
			if (!lag_ok || rc == BRAIN_ECORRUPT)
				return rc;
			lag_begin(b, st);
			return 0;
		}
		st->moved_seen = b->store->moved;
	}
	lag_end(b, st);
	st->known_applied = st->last_seq;
	st->loaded = 1;
	return 0;
}

static double since_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static int sync_journal(brain_t *b, sstate *st)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];

	if (j->fd >= 0 && brain__sync(j->fd) != 0)
		return brain__ioerr(&b->err, BRAIN_IOERR_FSYNC,
				    "cannot sync %s", j->path);
	st->unsynced = 0;
	clock_gettime(CLOCK_MONOTONIC, &st->last_sync);
	return 0;
}

/*
 * ---- checkpoints: where a replay after a power loss starts ----
 *
 * The journal is the record; derived files are written through the page
 * cache and are not synced with it.  A power loss can therefore leave any
 * derived file without its last records - and the state file, written back
 * on its own, saying that every record of the journal was applied, so
 * applied_seq cannot tell that a replay is due.  The protocol:
 *
 *  - checkpoint_seq in the state file is a seq that every derived file
 *    holds on disk, with everything before it.  checkpoint() makes it so:
 *    it syncs the journal, then every derived file written since the last
 *    checkpoint, and only then writes the new checkpoint_seq and syncs the
 *    state file.  Nothing else changes checkpoint_seq upwards, so whatever
 *    survives of the state file names a durable point.
 *  - the first refresh of every handle replays the journal from
 *    checkpoint_seq, whatever applied_seq says.  Replay is idempotent (each
 *    derived file knows the last seq it holds and skips what it has), so
 *    after a power loss every file catches up, and after a clean close
 *    (which checkpoints) there is nothing to replay.
 *  - the files written since the last checkpoint are the open slots and
 *    the files this handle let go (note_letgo, as it moves to another
 *    partition), as long as this handle was the only writer and kept its
 *    slots.  Otherwise (another writer came in between, slots were
 *    dropped: `foreign`) the journal says which: every partition of the
 *    records after checkpoint_seq (touched_since_checkpoint).
 *
 * A checkpoint is due every checkpoint_records records; at batch also not
 * before CHECKPOINT_MS since the last one, so that batch syncs the journal
 * and little else: a power loss then costs a replay of at most that
 * stretch of records at the next open, and no record.  At none nothing
 * is synced and the checkpoint bounds the replay after a crash only.
 */
#define CHECKPOINT_MS 1000.0

typedef struct touched_ctx {
	brain_t *b;
	sstate *st;
	long long from;
	char hour[16]; /* the partition seen last */
} touched_ctx;

static int touched_one(void *vctx, const char *line, size_t len)
{
	touched_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	char hour[16];
	time_t t;
	int k, lv;

	if (seq_of_line(line) <= c->from ||
	    parse_record(c->b, line, len, &rec, &t))
		return 0;
	json_decref(rec);
	brain__when_of(c->b->bp, t, &w);
	snprintf(hour, sizeof(hour), "%04d%02d%02d%02d", w.year, w.month,
		 w.day, w.hour);
	if (!strcmp(hour, c->hour))
		return 0;
	strcpy(c->hour, hour);
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl =
				plevel_of(c->b->bp, c->st->s, k, lv);
			char *path;
			int rc;
			if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL))
				continue;
			if (!(path = brain__level_path(c->b->base, c->st->s, pl,
						       &w, 1)))
				return BRAIN_ENOMEM;
			rc = note_letgo(c->st, path);
			free(path);
			if (rc)
				return rc;
		}
	return 0;
}

/* Every derived file of the partitions of the records after the
 * checkpoint, into st->letgo. */
static int touched_since_checkpoint(brain_t *b, sstate *st)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	touched_ctx c = {.b = b, .st = st, .from = st->checkpoint};

	if (j->fd < 0)
		return 0;
	return each_record(b, j->fd, j->path, journal_after(st, c.from),
			   touched_one, &c);
}

/* fdatasync of a derived file that is not open; one that is not there
 * (moved aside since) holds nothing to lose. */
static int sync_path(brain_t *b, const char *path)
{
	int fd = brain__open(path, O_RDONLY | O_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0
				       : brain__ioerr(&b->err, BRAIN_IOERR_OPEN,
						      "cannot open %s", path);
	if (brain__sync(fd) != 0)
		rc = brain__ioerr(&b->err, BRAIN_IOERR_FSYNC, "cannot sync %s",
				  path);
	close(fd);
	return rc;
}

static int checkpoint(brain_t *b, sstate *st)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	const char *path;
	void *tmp;
	json_t *v;
	int k, lv, rc;

	if (b->durability != BRAIN_DURABILITY_NONE) {
		if (st->unsynced && (rc = sync_journal(b, st)))
			return rc;
		if (st->foreign && (rc = touched_since_checkpoint(b, st)))
			return rc;
		for (k = 0; k < K_COUNT; k++)
			for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
				slot *sl = &st->slot[k][lv];
				if (sl == j || sl->fd < 0)
					continue;
				if (brain__sync(sl->fd) != 0)
					return brain__ioerr(
						&b->err, BRAIN_IOERR_FSYNC,
						"cannot sync %s", sl->path);
				json_object_del(st->letgo, sl->path);
			}
		json_object_foreach_safe(st->letgo, tmp, path, v) {
			if ((rc = sync_path(b, path)))
				return rc;
			json_object_del(st->letgo, path);
		}
	}
	st->foreign = 0;
	clock_gettime(CLOCK_MONOTONIC, &st->last_checkpoint);
	st->checkpoint = st->known_applied;
	st->since_checkpoint = 0;
	return state_write(b, st, st->known_applied,
			   b->durability != BRAIN_DURABILITY_NONE);
}

static int checkpoint_due(brain_t *b, sstate *st)
{
	return st->since_checkpoint >= b->bp->checkpoint_records &&
	       (b->durability != BRAIN_DURABILITY_BATCH ||
		since_ms(&st->last_checkpoint) >= CHECKPOINT_MS);
}

/* Writes every slot's pending records, then records them as applied:
 * the state file never claims more than the derived files hold. */
static int flush_stream(brain_t *b, sstate *st)
{
	int lv, rc;

	for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
		slot *full = &st->slot[K_FULL][lv], *index = &st->slot[K_INDEX][lv];
		const brain__buf *head = NULL;
		/* an aggregated file and its index share a summary head */
		if (full->dirty && index->dirty && full->summary &&
		    index->summary &&
		    brain__msum_same_records(full->summary, index->summary)) {
			st->head.len = 0;
			if (brain__msum_text_head(full->summary, &st->head))
				return BRAIN_ENOMEM;
			head = &st->head;
		}
		if ((rc = flush_slot(b, st, K_SOURCE, &st->slot[K_SOURCE][lv],
				     NULL)) ||
		    (rc = flush_slot(b, st, K_FULL, full, head)) ||
		    (rc = flush_slot(b, st, K_INDEX, index, head)))
			return rc;
	}
	st->pending = 0;
	if (st->known_applied == st->last_seq)
		return 0;
	if ((rc = state_write(b, st, st->last_seq, 0)))
		return rc;
	if (checkpoint_due(b, st))
		return checkpoint(b, st);
	return 0;
}

/* Whether the records applied in memory should reach the files now: the
 * blueprint's aggregate_lag_ms bounds how long derived files may trail
 * the journal while a writer is busy (0: every call). */
static int flush_due(brain_t *b, sstate *st)
{
	return b->bp->aggregate_lag_ms == 0 ||
	       st->pending >= b->bp->aggregate_lag_records ||
	       since_ms(&st->pending_since) >= (double)b->bp->aggregate_lag_ms;
}

/*
 * append_journal - the record line into the journal, synced at `always`
 * (and at `batch` when the interval is up).  All or nothing: when the
 * write fails part-way (a short write, then ENOSPC) or the sync fails,
 * the bytes it overwrote - the journal's tail and the padding spaces
 * after it - are put back before the error returns, so a failed save is
 * not in the journal and a retry does not record it twice.  Those bytes
 * are known without reading them: the tail as loaded or last written
 * (st->jtail), then the spaces reserve() wrote.
 */
static int append_journal(brain_t *b, sstate *st, const char *line,
			  size_t len)
{
	slot *j = &st->slot[K_SOURCE][BRAIN__LV_GLOBAL];
	brain__jlayout lay = layout_of(b->bp, st->s, K_SOURCE);
	int depth = brain__jfile_depth(lay.entries);
	brain__buf *text = &st->jtext;
	size_t had, line_part;
	int rc;

	text->len = 0;
	if ((rc = brain__jfile_append_text(depth, j->empty, line, len, NULL,
					   text)))
		return rc;
	line_part = (j->empty ? 0 : 1) + 1 + 2 * (size_t)depth + 2 + len;
	/* padded like the others, though written with pwrite: an
	 * fdatasync that changes no file size commits data only */
	if ((rc = reserve(b, j, j->tail + (off_t)text->len)))
		return rc;
	if ((rc = write_at(j->fd, text->data, text->len, j->tail)))
		rc = brain__ioerr(&b->err, brain__fs_step(), "cannot write %s",
				  j->path);
	else if (b->durability == BRAIN_DURABILITY_ALWAYS ||
		 (b->durability == BRAIN_DURABILITY_BATCH &&
		  since_ms(&st->last_sync) >= (double)b->bp->batch_ms))
		rc = sync_journal(b, st);
	else
		st->unsynced = 1;
	if (rc) {
		char *old = malloc(text->len);
		had = st->jtail.len < text->len ? st->jtail.len : text->len;
		if (old) {
			memcpy(old, st->jtail.data, had);
			memset(old + had, ' ', text->len - had);
		}
		if (!old || write_at(j->fd, old, text->len, j->tail) != 0) {
			size_t n = strlen(b->err.msg);
			snprintf(b->err.msg + n, sizeof(b->err.msg) - n,
				 " (and the record could not be taken back "
				 "out of it: %s)",
				 old ? strerror(errno) : "out of memory");
		}
		free(old);
		return rc;
	}
	/* the new tail, and what is left of the old one beyond it */
	if (st->jtail.len > text->len) {
		memmove(st->jtail.data + (text->len - line_part),
			st->jtail.data + text->len, st->jtail.len - text->len);
		st->jtail.len -= line_part;
		memcpy(st->jtail.data, text->data + line_part,
		       text->len - line_part);
	} else {
		st->jtail.len = 0;
		if (brain__buf_put(&st->jtail, text->data + line_part,
				   text->len - line_part))
			st->loaded = 0; /* out of memory: load it again */
	}
	if (j->tail + (off_t)text->len > j->end)
		j->end = j->tail + (off_t)text->len;
	j->tail += (off_t)line_part;
	j->empty = 0;
	return 0;
}

/* What enter does after taking the lock. */
enum {
	ENTER_ONLY,  /* bring the handle up to date (refresh) */
	ENTER_FLUSH, /* that, and write out this handle's pending records */
	ENTER_SAVE,  /* refresh, where derived files that cannot be caught up
			make the stream lag instead of failing (lag_begin) */
};

/*
 * enter - how every operation on a stream begins, a read-only handle
 * refused: take its lock and bring the handle up to date with what other
 * writers did (refresh), as `how` says.  On failure the lock is released
 * again and everything is reloaded next time.
 */
static int enter(brain_t *b, sstate *st, time_t t, brain__when *w,
		 int how)
{
	int rc;

	if ((rc = brain__check_writable(b, "writing")))
		return rc;
	brain__when_of(b->bp, t, w);
	if ((rc = lock_stream(b, st)))
		return rc;
	if (!(rc = refresh(b, st, w, how == ENTER_SAVE)) &&
	    how == ENTER_FLUSH)
		rc = flush_stream(b, st);
	if (rc) {
		st->loaded = 0;
		unlock_stream(st);
	}
	return rc;
}

/*
 * A save: the record's answer is the journal's.  Everything that can fail
 * before the append fails the save with nothing written; append_journal
 * is all or nothing; once the record is in the journal the save has
 * succeeded, and derived files that cannot take it make the stream lag
 * (lag_begin) instead of failing it - a retry of a "failed" save that is
 * in fact recorded would record it twice.
 */
int brain__store_save(brain_t *b, const brain__stream *s, json_t *entry,
		      time_t t)
{
	sstate *st = state_of(b, s);
	brain__when w;
	long long seq;
	char *line = NULL;
	int rc;

	if ((rc = enter(b, st, t, &w, ENTER_SAVE)))
		return rc;
	seq = st->last_seq + 1;
	json_object_set_new(entry, "seq", json_integer(seq));
	line = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line) {
		rc = brain__errf(&b->err, BRAIN_EINVAL,
				 "record cannot be serialised (invalid UTF-8 "
				 "or a number that is not finite?)");
		goto out;
	}
	if ((rc = brain__check_line(b, line, strlen(line))))
		goto out;
	if ((rc = append_journal(b, st, line, strlen(line))))
		goto out;
	st->last_seq = seq;
	st->slot[K_SOURCE][BRAIN__LV_GLOBAL].last_seq = seq;
	if (st->lag)
		goto out; /* replayed from the journal when it catches up */
	if ((rc = apply_derived(b, st, &w, line, strlen(line), seq, entry)) ==
	    0) {
		st->since_checkpoint++;
		if (st->pending++ == 0)
			clock_gettime(CLOCK_MONOTONIC, &st->pending_since);
		if (flush_due(b, st))
			rc = flush_stream(b, st);
	}
	if (rc) {
		lag_begin(b, st);
		rc = 0;
	}
out:
	if (rc && rc != BRAIN_ETOOBIG && rc != BRAIN_EINVAL)
		st->loaded = 0; /* reload everything next time */
	unlock_stream(st);
	free(line);
	return rc;
}

int brain__store_update(brain_t *b, const brain__stream *s, time_t t)
{
	sstate *st = state_of(b, s);
	brain__when w;
	int k, lv, rc;

	if ((rc = enter(b, st, t, &w, ENTER_FLUSH)))
		return rc;
	if (!(rc = bind(b, st, &w)))
		for (k = 0; !rc && k < K_COUNT; k++)
			for (lv = 0; !rc && lv < BRAIN__LV_COUNT; lv++)
				if (st->slot[k][lv].path)
					rc = load_slot(b, st, k, lv, &w);
	if (rc)
		st->loaded = 0;
	unlock_stream(st);
	return rc;
}

int brain__store_recover(brain_t *b, const brain__stream *s)
{
	sstate *st = state_of(b, s);
	brain__when w;
	int rc;

	rc = enter(b, st, brain_now(b), &w, ENTER_FLUSH);
	close_all(st); /* keep no files open for streams not written */
	st->loaded = 0;
	if (!rc)
		unlock_stream(st);
	return rc;
}

int brain__store_lock(brain_t *b, const brain__stream *s)
{
	brain__when w;

	return enter(b, state_of(b, s), brain_now(b), &w, ENTER_FLUSH);
}

void brain__store_unlock(brain_t *b, const brain__stream *s)
{
	unlock_stream(state_of(b, s));
}

int brain__store_read_lock(brain_t *b, const brain__stream *s, int *fd)
{
	const char *path = state_of(b, s)->lock_path;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT ? 0
				       : brain__errno(&b->err, BRAIN_ELOCKED,
						      "cannot open %s", path);
	while (flock(*fd, LOCK_SH) != 0)
		if (errno != EINTR) {
			int rc = brain__errno(&b->err, BRAIN_ELOCKED,
					      "cannot lock %s", path);
			close(*fd);
			*fd = -1;
			return rc;
		}
	return 0;
}

void brain__store_read_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* and with it the shared lock */
}

/* ---- full rebuild ---- */

typedef struct collect_ctx {
	brain_t *b;
	sstate *st;
	json_t *files; /* path -> [k, lv, t] */
} collect_ctx;

static int collect_one(void *vctx, const char *line, size_t len)
{
	collect_ctx *c = vctx;
	brain__when w;
	json_t *rec;
	time_t t;
	int k, lv;

	if (parse_record(c->b, line, len, &rec, &t))
		return 0;
	json_decref(rec);
	brain__when_of(c->b->bp, t, &w);
	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++) {
			const brain__plevel *pl =
				plevel_of(c->b->bp, c->st->s, k, lv);
			char *path;
			if (!pl || (k == K_SOURCE && lv == BRAIN__LV_GLOBAL))
				continue;
			path = brain__level_path(c->b->base, c->st->s, pl, &w,
						 1);
			if (!path)
				return BRAIN_ENOMEM;
			if (!json_object_get(c->files, path))
				json_object_set_new(
					c->files, path,
					json_pack("[i,i,I]", k, lv,
						  (json_int_t)t));
			free(path);
		}
	return 0;
}

/* Replaces a derived file by its empty template. */
static int reset_file(brain_t *b, sstate *st, const char *path, int k,
		      int lv, time_t t)
{
	brain__jlayout lay = layout_of(b->bp, st->s, k);
	brain__buf text = {0};
	json_t *tpl = NULL, *sum = NULL;
	brain__when w;
	size_t off;
	char *dir = strdup(path), *slash;
	int rc;

	brain__when_of(b->bp, t, &w);
	rc = BRAIN_ENOMEM;
	if (!dir || (lay.with_summary && !(sum = brain__summary_new(st->s))))
		goto out;
	if ((rc = brain__template_instance(b, st->s,
					   plevel_of(b->bp, st->s, k, lv), &w,
					   &tpl)) ||
	    (rc = brain__jfile_render(tpl, &lay, sum, &text, &off)))
		goto out;
	slash = strrchr(dir, '/');
	*slash = '\0';
	announce_cut(st);
	if ((rc = make_dir(b, dir)))
		goto out;
	/* a folder where the file belongs is set aside first */
	if (brain__is_dir(path) && (rc = move_aside(b, path, "a file")))
		goto out;
	rc = brain__replace_file(path, text.data, text.len, 0);
	if (rc == BRAIN_EIO)
		rc = brain__errno(&b->err, rc, "cannot write %s", path);
out:
	free(dir);
	json_decref(tpl);
	json_decref(sum);
	brain__buf_free(&text);
	return rc;
}

/* Syncs every file of `files` (path -> ...), for a rebuild's end. */
static int sync_files(brain_t *b, json_t *files)
{
	const char *path;
	json_t *v;

	json_object_foreach(files, path, v) {
		int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
		if (fd < 0 || fdatasync(fd) != 0)
			rc = brain__errno(&b->err, BRAIN_EIO, "cannot sync %s",
					  path);
		if (fd >= 0)
			close(fd);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Under the lock, the journal loaded: every derived file of the stream
 * recomputed from the journal.  Resumable: the journal is first checked
 * against its copies (recover_journal: a rebuild never drops a record
 * that survives somewhere), then the rebuild marker is written, and only
 * then are files replaced (each by rename, so every file exists and
 * parses at every moment).  A process killed before the marker is
 * removed leaves it, and the next writer to take the lock (the next open
 * at the latest: refresh) starts the rebuild again from the top.
 */
static int do_rebuild(brain_t *b, sstate *st, const brain__when *w)
{
	collect_ctx c = {.b = b, .st = st, .files = json_object()};
	int sync = b->durability != BRAIN_DURABILITY_NONE, created;
	const char *path;
	json_t *v;
	int rc;

	if (!c.files)
		return BRAIN_ENOMEM;
	if ((rc = recover_journal(b, st, w, claimed_seq(b, st, w), 0)))
		goto out;
	rc = brain__create_file(st->rebuild_path, "rebuilding\n", 11, sync,
				&created);
	if (rc == BRAIN_EIO)
		rc = brain__errno(&b->err, rc, "cannot create %s",
				  st->rebuild_path);
	if (rc || (rc = each_record(b, st->slot[K_SOURCE][BRAIN__LV_GLOBAL].fd,
				    st->slot[K_SOURCE][BRAIN__LV_GLOBAL].path,
				    0, collect_one, &c)))
		goto out;
	json_object_foreach(c.files, path, v) {
		rc = reset_file(b, st, path,
				(int)json_integer_value(json_array_get(v, 0)),
				(int)json_integer_value(json_array_get(v, 1)),
				(time_t)json_integer_value(
					json_array_get(v, 2)));
		if (rc)
			goto out;
	}
	/* the files are empty; the state says so before they fill */
	st->generation++;
	st->checkpoint = 0;
	if ((rc = state_write(b, st, 0, sync)))
		goto out;
	close_all(st);
	if ((rc = load_journal(b, st, w)) || (rc = replay(b, st, 0)) ||
	    (rc = flush_stream(b, st)) || (rc = checkpoint(b, st)) ||
	    (sync && (rc = sync_files(b, c.files))))
		goto out;
	if (unlink(st->rebuild_path) != 0) {
		rc = brain__errno(&b->err, BRAIN_EIO, "cannot remove %s",
				  st->rebuild_path);
		goto out;
	}
	st->known_applied = st->last_seq;
	st->moved_seen = b->store->moved; /* every file was just refilled */
	st->loaded = 1;
out:
	json_decref(c.files);
	return rc;
}

int brain__store_rebuild(brain_t *b, const brain__stream *s)
{
	sstate *st = state_of(b, s);
	brain__when w;
	int rc;

	if ((rc = enter(b, st, brain_now(b), &w, ENTER_ONLY)))
		return rc;
	rc = do_rebuild(b, st, &w);
	if (rc)
		st->loaded = 0;
	unlock_stream(st);
	return rc;
}

/* ---- handle ---- */

int brain__store_open(brain_t *b)
{
	brain__store *store = calloc(1, sizeof(*store));
	size_t i;
	int k, lv;

	if (!store)
		return BRAIN_ENOMEM;
	b->store = store;
	store->n = b->bp->nstreams;
	store->st = calloc(store->n, sizeof(*store->st));
	if (!store->st)
		return BRAIN_ENOMEM;
	for (i = 0; i < store->n; i++) {
		sstate *st = &store->st[i];
		st->s = &b->bp->streams[i];
		st->lock_fd = st->state_fd = -1;
		st->known_applied = -1;
		for (k = 0; k < K_COUNT; k++)
			for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
				st->slot[k][lv].fd = -1;
		st->lock_path = side_file(b, st->s, b->bp->lock_file);
		st->state_path = side_file(b, st->s, b->bp->state_file);
		if (!st->state_path ||
		    !(st->rebuild_path =
			      brain__strf("%s.rebuilding", st->state_path)))
			return BRAIN_ENOMEM;
		if (!st->lock_path)
			return BRAIN_ENOMEM;
		clock_gettime(CLOCK_MONOTONIC, &st->last_sync);
		st->last_checkpoint = st->last_sync;
	}
	return 0;
}

/* Under the lock: the handle's pending records reach the files, unless
 * another writer came in between (it has replayed them from the journal,
 * and ours are dropped); a lagging stream's derived files catch up, or
 * the call fails saying which file cannot be written. */
static int flush_own(brain_t *b, sstate *st)
{
	brain__when w;
	int rc;

	if (!st->pending && !st->lag)
		return 0;
	if ((rc = enter(b, st, brain_now(b), &w, ENTER_FLUSH)))
		return rc;
	unlock_stream(st);
	return 0;
}

int brain__store_flush(brain_t *b)
{
	size_t i;
	int rc = 0;

	for (i = 0; b->store && i < b->store->n; i++) {
		sstate *st = &b->store->st[i];
		if (!rc)
			rc = flush_own(b, st);
		if (st->unsynced && !rc)
			rc = sync_journal(b, st);
	}
	return rc;
}

static int padded(const sstate *st)
{
	int k, lv;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if (st->slot[k][lv].fd >= 0 &&
			    st->slot[k][lv].fsize > st->slot[k][lv].end)
				return 1;
	return 0;
}

static int trim_all(brain_t *b, sstate *st)
{
	int k, lv, rc;

	for (k = 0; k < K_COUNT; k++)
		for (lv = 0; lv < BRAIN__LV_COUNT; lv++)
			if ((rc = slot_trim(b, st, &st->slot[k][lv])))
				return rc;
	return 0;
}

int brain__store_close(brain_t *b)
{
	size_t i;
	int rc = 0;

	if (!b->store)
		return 0;
	rc = brain__store_flush(b);
	if (rc)
		brain__notice(b, "closing with work left undone: %s; the next "
			      "open finishes it", b->err.msg);
	for (i = 0; i < b->store->n; i++) {
		sstate *st = &b->store->st[i];
		if (st->loaded && st->lock_fd >= 0 && !rc &&
		    (st->since_checkpoint || padded(st)) &&
		    lock_stream(b, st) == 0) {
			long long applied, gen = st->generation;
			state_read(st, &applied);
			if (applied == st->known_applied &&
			    gen == st->generation) {
				/* our slots are current: checkpoint, and leave
				 * the files without their padding */
				if (st->since_checkpoint)
					rc = checkpoint(b, st);
				if (!rc)
					rc = trim_all(b, st);
			}
			unlock_stream(st);
		}
		close_all(st);
		if (st->lock_fd >= 0)
			close(st->lock_fd);
		if (st->state_map)
			munmap(st->state_map, STATE_LEN);
		if (st->state_fd >= 0)
			close(st->state_fd);
		free(st->lock_path);
		free(st->state_path);
		free(st->rebuild_path);
		json_decref(st->letgo);
	}
	json_decref(b->store->rebuilt);
	free(b->store->st);
	free(b->store);
	b->store = NULL;
	return rc;
}
