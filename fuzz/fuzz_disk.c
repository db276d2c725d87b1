/*
 * fuzz/fuzz_disk.c - libFuzzer target for the on-disk readers, through the
 * public API: the journal's repair, the tail scan of derived files and the
 * stream state file.
 *
 * A small demo tree is made once (three reports in "miners") and its mode
 * folder kept in memory.  Each input first puts the tree back as it was,
 * then becomes (part of) one of the stream's files, chosen by its first
 * byte: the journal (global file), the hourly file, the hour's or the
 * root's aggregated file, the hour's index file or the state file.  The
 * second byte says how: replace the file, cut the file at an offset and
 * append the input, or overwrite it in place at that offset (bytes three
 * and four).  Then brain_initialize_mode, one save and brain_validate
 * must neither crash, hang nor leak, and every call returns 0 or a known
 * BRAIN_E* code with a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T_FUZZ ((time_t)1766022461) /* 2025-12-18T01:47:41Z */

static char root[64];
static time_t now = T_FUZZ;

typedef struct sfile {
	char *path;
	char *data; /* NULL for a directory */
	size_t len;
	struct timespec mtime;
	off_t size;
	int seen;
} sfile;

static sfile *snap;
static size_t nsnap, capsnap;
static char *target[6];

static time_t fixed_clock(void *ctx)
{
	return *(time_t *)ctx;
}

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_disk: %s: %s\n", what, msg ? msg : "");
	abort();
}

static brain_options_t options(void)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;

	o.root = root;
	o.blueprint = SOURCE_DIR "/blueprint/brain.qtl";
	o.clock = fixed_clock;
	o.clock_ctx = &now;
	o.notice = quiet;
	o.durability = BRAIN_DURABILITY_NONE;
	return o;
}

/* rc must be 0 or a known code; a failure says why. */
static void check_rc(const char *call, int rc, const char *msg)
{
	if (rc == 0)
		return;
	if (rc > 0 || !strcmp(brain_strerror(rc), "unknown error"))
		fail(call, "returned an unknown code");
	if (!msg || !*msg)
		fail(call, "failed without a message");
}

static int save(brain_t *b, time_t t)
{
	char ts[32];
	json_t *r;
	int rc;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	r = json_pack("{s:s, s:s, s:i, s:i}", "timestamp", ts, "event",
		      "mining_round_complete", "round_number", 7,
		      "attempts_this_round", 1000);
	if (!r)
		fail("json_pack", "out of memory");
	rc = brain_save_system_report(b, "miners", r);
	json_decref(r);
	return rc;
}

/* ---- the snapshot of the mode folder ---- */

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const sfile *)a)->path, ((const sfile *)b)->path);
}

static sfile *find(const char *path)
{
	sfile key;

	key.path = (char *)path;
	return bsearch(&key, snap, nsnap, sizeof(*snap), cmp_path);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(buf = realloc(buf, cap)))
				fail("snapshot", "out of memory");
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

static void put_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		fail("cannot write", path);
	close(fd);
}

static void restat(sfile *f)
{
	struct stat st;

	if (lstat(f->path, &st))
		fail("cannot stat", f->path);
	f->mtime = st.st_mtim;
	f->size = st.st_size;
}

static int snap_one(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	sfile *f;

	(void)sb;
	(void)ftw;
	if (nsnap == capsnap) {
		capsnap = capsnap ? 2 * capsnap : 256;
		if (!(snap = realloc(snap, capsnap * sizeof(*snap))))
			fail("snapshot", "out of memory");
	}
	f = &snap[nsnap++];
	memset(f, 0, sizeof(*f));
	f->path = strdup(p);
	if (flag == FTW_F && !(f->data = slurp(p, &f->len)))
		f->data = strdup("");
	if (flag == FTW_F)
		restat(f);
	return 0;
}

/* Puts back a changed file, takes away what was not there. */
static int restore_one(const char *p, const struct stat *sb, int flag,
		       struct FTW *ftw)
{
	sfile *f = find(p);

	(void)ftw;
	if (!f || (flag == FTW_DP) != !f->data) {
		if (remove(p) && errno != ENOENT)
			fail("cannot remove", p);
		return 0;
	}
	f->seen = 1;
	if (f->data && (sb->st_size != f->size ||
			sb->st_mtim.tv_sec != f->mtime.tv_sec ||
			sb->st_mtim.tv_nsec != f->mtime.tv_nsec)) {
		put_file(p, f->data, f->len);
		restat(f);
	}
	return 0;
}

static void restore(const char *base)
{
	size_t i;

	for (i = 0; i < nsnap; i++)
		snap[i].seen = 0;
	nftw(base, restore_one, 16, FTW_DEPTH | FTW_PHYS);
	for (i = 0; i < nsnap; i++) /* sorted: parents first */
		if (!snap[i].seen) {
			if (!snap[i].data) {
				if (mkdir(snap[i].path, 0755) && errno != EEXIST)
					fail("cannot mkdir", snap[i].path);
			} else {
				put_file(snap[i].path, snap[i].data,
					 snap[i].len);
				restat(&snap[i]);
			}
		}
}

static char *base_dir;

static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void remove_tree(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tree(void)
{
	static const char *const levels[] = {
		"report_global",   "report_hour",	    "aggregated_hour",
		"aggregated_root", "aggregated_index_hour",
	};
	brain_options_t o;
	brain_t *b = NULL;
	char *dir;
	size_t i;

	snprintf(root, sizeof(root), "%s", "/tmp/fuzz_disk.XXXXXX");
	if (!mkdtemp(root))
		fail("mkdtemp", root);
	atexit(remove_tree);
	o = options();
	if (brain_initialize_mode(&b, "demo", "Fuzz-Tool", &o))
		fail("brain_initialize_mode", brain_errmsg(NULL));
	for (i = 0; i < 3; i++)
		if (save(b, T_FUZZ - 60 + (time_t)i * 10))
			fail("save", brain_errmsg(b));
	for (i = 0; i < 5; i++)
		if (brain_get_path(b, "miners", levels[i], now, &target[i]))
			fail("brain_get_path", brain_errmsg(b));
	/* the state file sits next to the journal's folder */
	dir = strdup(target[0]);
	if (!dir || asprintf(&target[5], "%s/.miners_report.state",
			     dirname(dirname(dir))) < 0)
		fail("state path", "out of memory");
	free(dir);
	base_dir = strdup(brain_base_path(b));
	if (brain_close(b))
		fail("brain_close", brain_errmsg(NULL));
	nftw(base_dir, snap_one, 16, FTW_PHYS);
	qsort(snap, nsnap, sizeof(*snap), cmp_path);
	for (i = 0; i < 6; i++)
		if (!find(target[i]))
			fail("no such file in the tree", target[i]);
}

/* ---- one input ---- */

static void plant(const uint8_t *data, size_t size)
{
	const sfile *f = find(target[data[0] % 6]);
	size_t off, len;
	char *text;
	int how = data[1] % 3;

	off = ((size_t)data[2] << 8 | data[3]) % (f->len + 1);
	data += 4;
	size -= 4;
	if (how == 0) {
		put_file(f->path, (const char *)data, size);
		return;
	}
	len = how == 1 ? off + size : off + size > f->len ? off + size : f->len;
	if (!(text = malloc(len + 1)))
		fail("plant", "out of memory");
	memcpy(text, f->data, how == 1 ? off : f->len);
	memcpy(text + off, data, size);
	put_file(f->path, text, len);
	free(text);
}

static void count(void *ctx, const brain_problem_t *p)
{
	(void)p;
	++*(long *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	brain_options_t o;
	brain_t *b = NULL;
	uint64_t problems = 0;
	long seen = 0;
	int rc;

	if (!snap)
		make_tree();
	if (size < 4)
		return 0;
	restore(base_dir);
	plant(data, size);
	o = options();
	rc = brain_initialize_mode(&b, "demo", "Fuzz-Tool", &o);
	check_rc("brain_initialize_mode", rc, brain_errmsg(NULL));
	if (rc)
		return 0;
	rc = save(b, now);
	check_rc("brain_save_system_report", rc, brain_errmsg(b));
	rc = brain_validate(b, "miners", count, NULL, &seen, &problems);
	check_rc("brain_validate", rc, brain_errmsg(b));
	if (rc == 0 && problems != (uint64_t)seen)
		fail("brain_validate", "problem count differs from callbacks");
	rc = brain_close(b);
	check_rc("brain_close", rc, brain_errmsg(NULL));
	return 0;
}
