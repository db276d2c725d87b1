/*
 * lib/brain.c - opening a tree: finding and reading the blueprint and
 * config.json, choosing the mode's base, bringing the templates up to date
 * and creating the folders and files the blueprint says must exist.
 *
 * Invariant: everything that can be wrong with the inputs (names, mode,
 * blueprint, config) is checked before the first folder is created, so a
 * failed start-up leaves the disk as it was.
 *
 * Cost: start-up reads the blueprint and config once and stats every file
 * of the current hour (a few hundred); files are written only when missing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "brain_internal.h"
#include "config.h"
#include "fsutil.h"
#include "names.h"
#include "store.h"
#include "templates_internal.h"

#ifndef BRAIN_DATADIR
#define BRAIN_DATADIR "/usr/local/share"
#endif

#define BLUEPRINT_MAX_BYTES (16 << 20)
#define DEFAULT_BLUEPRINT_NAME "brain.qtl"
#define ROOT_BLUEPRINT_NAME "Brain.QTL"
#define UNINSTALLED_BLUEPRINT_NAME "brainstem-uninstalled.qtl"
#define ROOT_CONFIG_NAME "config.json"

const char *brain_version(void)
{
	return BRAIN_VERSION_STRING;
}

const char *brain_default_blueprint(void)
{
	return BRAIN_DATADIR "/brainstem/" DEFAULT_BLUEPRINT_NAME;
}

void brain_free(void *p)
{
	free(p);
}

static void default_notice(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "brainstem: %s\n", line);
}

static time_t system_clock(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

/* ---- locating inputs ---- */

static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (!strcmp(path, "."))
		return strdup(cwd);
	return brain__path_join(cwd, path);
}

/* An uninstalled build's blueprint: the Makefile puts a link named
 * UNINSTALLED_BLUEPRINT_NAME to the source tree's blueprint beside the
 * library it builds (and beside its test tools, which link the library's
 * objects), so the programs run from a build tree read the blueprint being
 * edited there.  No path of the build tree is compiled in; an installed
 * library has no such file beside it.  The link is resolved, so messages
 * name the file the user edits. */
static char *uninstalled_blueprint(void)
{
	Dl_info info;
	char *self, *slash, *link, *real;

	if (!dladdr((void *)brain_version, &info) || !info.dli_fname ||
	    !strchr(info.dli_fname, '/'))
		return NULL;
	self = absolute(info.dli_fname);
	if (!self)
		return NULL;
	slash = strrchr(self, '/');
	*slash = '\0';
	link = brain__path_join(self, UNINSTALLED_BLUEPRINT_NAME);
	free(self);
	if (!link)
		return NULL;
	real = realpath(link, NULL);
	free(link);
	return real;
}

static char *find_blueprint(const brain_options_t *opts, const char *root)
{
	const char *env = getenv("BRAINSTEM_BLUEPRINT");
	char *p;

	if (opts && opts->blueprint)
		return strdup(opts->blueprint);
	if (env && *env)
		return strdup(env);
	p = brain__path_join(root, ROOT_BLUEPRINT_NAME);
	if (!p || brain__exists(p))
		return p;
	free(p);
	if ((p = uninstalled_blueprint()))
		return p;
	return strdup(brain_default_blueprint());
}

static char *find_config(const brain_options_t *opts, const char *root)
{
	char *p;

	if (opts && opts->config)
		return strdup(opts->config);
	p = brain__path_join(root, ROOT_CONFIG_NAME);
	if (p && !brain__exists(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static void hex_sha256(const unsigned char *buf, size_t len, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, buf, len);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

static int sodium_rc;

static void sodium_once(void)
{
	sodium_rc = sodium_init() < 0 ? BRAIN_EIO : 0;
}

static int read_blueprint(brain_t *b)
{
	unsigned char *buf;
	size_t len;
	int rc;

	rc = brain__read_file(b->bp_path, BLUEPRINT_MAX_BYTES, &buf, &len);
	if (rc == BRAIN_ETOOBIG)
		return brain__errf(&b->err, BRAIN_EBLUEPRINT,
				   "%s: larger than 16 MiB", b->bp_path);
	if (rc == BRAIN_ENOMEM)
		return brain__errf(&b->err, rc, "out of memory");
	if (rc)
		return brain__errno(&b->err, BRAIN_EBLUEPRINT,
				    "cannot read blueprint %s", b->bp_path);
	hex_sha256(buf, len, b->bp_hash);
	rc = brain__blueprint_parse(b->bp_path, buf, len, &b->bp, &b->err);
	free(buf);
	return rc;
}

/* ---- mode and flags ---- */

/* With no mode given, the one mode whose flag the blueprint sets. */
static int choose_mode(brain_t *b, const char *mode)
{
	const brain__blueprint *bp = b->bp;
	const brain__mode *chosen = NULL;
	size_t i;

	if (mode) {
		if (!brain__blueprint_mode(bp, mode)) {
			char list[256] = "";
			const char *names[17], *near;
			for (i = 0; i < bp->nmodes; i++) {
				strncat(list, i ? ", " : "",
					sizeof(list) - strlen(list) - 1);
				strncat(list, bp->modes[i].name,
					sizeof(list) - strlen(list) - 1);
				if (i < 16)
					names[i] = bp->modes[i].name;
			}
			names[i < 16 ? i : 16] = NULL;
			/* a slip ("tset") gets the mode meant */
			near = brain__suggest(mode, names);
			return brain__errf(&b->err, BRAIN_EINVAL,
					   "unknown mode '%s' (%s%s%sthe "
					   "blueprint has %s)", mode,
					   near ? "did you mean '" : "",
					   near ? near : "", near ? "'? " : "",
					   list);
		}
		return (b->mode = strdup(mode)) ? 0 : BRAIN_ENOMEM;
	}
	for (i = 0; i < bp->nmodes; i++) {
		if (!json_is_true(json_object_get(bp->flags,
						  bp->modes[i].flag)))
			continue;
		if (chosen && strcmp(chosen->flag, bp->modes[i].flag))
			return brain__errf(&b->err, BRAIN_EINVAL,
					   "%s: flags '%s' and '%s' are both "
					   "true; give a mode", bp->path,
					   chosen->flag, bp->modes[i].flag);
		if (!chosen)
			chosen = &bp->modes[i];
	}
	if (!chosen)
		return brain__errf(&b->err, BRAIN_EINVAL,
				   "%s: no mode flag is true; give a mode",
				   bp->path);
	return (b->mode = strdup(chosen->name)) ? 0 : BRAIN_ENOMEM;
}

static int build_flags(brain_t *b)
{
	const brain__blueprint *bp = b->bp;
	const brain__mode *m = brain__blueprint_mode(bp, b->mode);
	size_t i;

	b->flags = json_deep_copy(bp->flags);
	if (!b->flags)
		return BRAIN_ENOMEM;
	json_object_update(b->flags, json_object_get(b->config, "flags"));
	for (i = 0; i < bp->nmodes; i++)
		json_object_set_new(b->flags, bp->modes[i].flag, json_false());
	json_object_set_new(b->flags, m->flag, json_true());
	return 0;
}

/* ---- building the tree ---- */

/*
 * Whether the folder `path` exists or can be made: its deepest existing
 * ancestor (or itself) is a folder we may write into.  Checked before
 * anything is created, so an unusable root fails with nothing made.
 */
static int check_creatable(brain_t *b, const char *path)
{
	char *p = strdup(path), *slash;
	struct stat st;
	int made = 0, rc = 0;

	if (!p)
		return BRAIN_ENOMEM;
	for (;;) {
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				rc = brain__errno(&b->err, BRAIN_EIO,
						  "cannot create folder %s",
						  path);
			} else if (made && access(p, W_OK | X_OK) != 0) {
				rc = brain__errno(&b->err, BRAIN_EIO,
						  "cannot create folder %s",
						  path);
			}
			break;
		}
		if (errno != ENOENT) {
			rc = brain__errno(&b->err, BRAIN_EIO,
					  "cannot create folder %s", path);
			break;
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break; /* up to "/": mkdir will say */
		*slash = '\0';
		made = 1;
	}
	free(p);
	return rc;
}

static int make_dir(brain_t *b, const char *path)
{
	int rc = brain__mkdir_p(path);

	if (rc == BRAIN_EIO)
		return brain__errno(&b->err, rc, "cannot create folder %s",
				    path);
	return rc;
}

static int create_structure(brain_t *b)
{
	size_t i;
	int rc;

	if ((rc = make_dir(b, b->base)))
		return rc;
	for (i = 0; i < b->bp->nstructure; i++) {
		char *p = brain__path_join(b->base, b->bp->structure[i]);
		if (!p)
			return BRAIN_ENOMEM;
		rc = make_dir(b, p);
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

int brain_init_hierarchical_structure(brain_t *b, time_t when)
{
	const brain__blueprint *bp;
	brain__when w;
	size_t i;
	int lv, rc;

	BRAIN__ARG(brain__thread_err(), b);
	bp = b->bp;
	brain__err_clear(&b->err);
	if ((rc = brain__check_writable(b, "init_hierarchical_structure")) ||
	    (rc = brain__check_time(&b->err, (long long)when, "time")))
		return rc;
	brain__when_of(bp, when, &w);
	for (i = 0; !rc && i < bp->nstreams; i++) {
		const brain__stream *s = &bp->streams[i];
		for (lv = 0; !rc && lv < BRAIN__LV_COUNT; lv++) {
			if (s->source[lv])
				rc = brain__store_ensure_file(b->store, s,
							      s->source[lv], &w);
			if (!rc)
				rc = brain__store_ensure_file(b->store, s,
							      bp->full[lv], &w);
			if (!rc)
				rc = brain__store_ensure_file(b->store, s,
							      bp->index[lv], &w);
		}
		/* finish what a writer that crashed left undone */
		if (!rc)
			rc = brain__store_recover(b->store, s);
	}
	if (rc == BRAIN_ENOMEM)
		brain__errf(&b->err, rc, "out of memory");
	return rc;
}

/* ---- the handle ---- */

static int check_name(brain_t *b, const char *what, const char *name)
{
	const char *why = brain__name_problem(name);

	if (why)
		return brain__errf(&b->err, BRAIN_EINVAL, "%s name '%s' %s",
				   what, name ? name : "", why);
	return 0;
}

static int resolve_root(brain_t *b, const brain_options_t *opts)
{
	const char *env = getenv("BRAINSTEM_ROOT");
	const char *root = opts && opts->root ? opts->root
			   : env && *env      ? env
					      : ".";

	b->root = absolute(root);
	return b->root ? 0 : brain__errno(&b->err, BRAIN_EIO,
					  "cannot resolve root %s", root);
}

/* Every stream the caller says it writes is in the blueprint. */
static int check_required(brain_t *b, const char *const *require)
{
	for (; require && *require; require++)
		if (!brain__blueprint_stream(b->bp, *require))
			return brain__errf(&b->err, BRAIN_EBLUEPRINT,
					   "%s: blueprint has no category '%s' "
					   "(needed by %s)", b->bp_path,
					   *require, b->component);
	return 0;
}

/* The tree of the mode is there (BRAIN_OPEN_EXISTING), or can be made. */
static int check_base(brain_t *b, unsigned int flags)
{
	char *tpl;
	int rc;

	if (flags & (BRAIN_OPEN_EXISTING | BRAIN_OPEN_READONLY)) {
		if (!brain__is_dir(b->base))
			return brain__errf(&b->err, BRAIN_ENOTFOUND,
					   "no %s tree under %s", b->mode,
					   b->root);
		if (flags & BRAIN_OPEN_READONLY)
			return 0;
	}
	if ((rc = check_creatable(b, b->base)))
		return rc;
	tpl = brain__path_join(b->root, b->bp->tpl_folder);
	if (!tpl)
		return BRAIN_ENOMEM;
	rc = check_creatable(b, tpl);
	free(tpl);
	return rc;
}

/* Everything that reads inputs; nothing is created yet. */
static int prepare(brain_t *b, const char *mode, const char *component,
		   const brain_options_t *opts)
{
	const brain__mode *m;
	char *config_path = NULL, *base = NULL;
	/* fields of version 2 are read only from callers that have them */
	int v2 = opts && opts->version >= 2;
	unsigned int flags = v2 ? opts->flags : 0;
	int rc;

	if ((rc = check_name(b, "component", component)) ||
	    (mode && (rc = check_name(b, "mode", mode))) ||
	    (rc = resolve_root(b, opts)))
		return rc;
	if (!(b->component = strdup(component)) ||
	    !(b->bp_path = find_blueprint(opts, b->root)))
		return BRAIN_ENOMEM;
	if ((rc = read_blueprint(b)) || (rc = choose_mode(b, mode)))
		return rc;
	config_path = find_config(opts, b->root);
	rc = brain__config_load(config_path, b->bp, &b->config, &b->err);
	free(config_path);
	if (rc || (rc = build_flags(b)))
		return rc;
	m = brain__blueprint_mode(b->bp, b->mode);
	base = brain__mode_base(m, json_object_get(b->config, "paths"));
	if (!base)
		return BRAIN_ENOMEM;
	b->base = brain__path_join(b->root, base);
	free(base);
	if (!b->base)
		return BRAIN_ENOMEM;
	b->durability = opts && opts->durability ? (int)opts->durability
						 : b->bp->durability;
	b->readonly = (flags & BRAIN_OPEN_READONLY) != 0;
	if ((rc = brain__check_time(&b->err, (long long)brain_now(b),
				    "the clock's time")) ||
	    (rc = check_required(b, v2 ? opts->require : NULL)))
		return rc;
	return check_base(b, flags);
}

static void destroy(brain_t *b);

static int instance(void *owner, const brain__stream *s,
		    const brain__plevel *pl, const brain__when *w, json_t **out)
{
	return brain__template_instance(owner, s, pl, w, out);
}

/* The store, given what it needs of this handle. */
static int open_store(brain_t *b)
{
	brain__store_ctx cx = {
		.bp = b->bp,
		.root = b->root,
		.base = b->base,
		.durability = b->durability,
		.readonly = b->readonly,
		.err = &b->err,
		.clock = b->clock,
		.clock_ctx = b->clock_ctx,
		.notice = b->notice,
		.notice_ctx = b->notice_ctx,
		.instance = instance,
		.owner = b,
	};

	return brain__store_open(&cx, &b->store);
}

int brain_initialize_mode(brain_t **out, const char *mode,
			  const char *component, const brain_options_t *opts)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	brain__err *terr = brain__thread_err();
	brain_t *b;
	int rc;

	BRAIN__ARG(terr, out);
	*out = NULL;
	brain__err_clear(terr);
	if (opts && (opts->version < 1 || opts->version > BRAIN_OPTIONS_VERSION))
		return brain__errf(terr, BRAIN_EINVAL,
				   "options version %u: this library knows 1 "
				   "to %d (start from BRAIN_OPTIONS_INIT)",
				   opts->version, BRAIN_OPTIONS_VERSION);
	if (opts && ((int)opts->durability < BRAIN_DURABILITY_DEFAULT ||
		     (int)opts->durability > BRAIN_DURABILITY_ALWAYS))
		return brain__errf(terr, BRAIN_EINVAL,
				   "durability %d: not one of "
				   "BRAIN_DURABILITY_DEFAULT, NONE, BATCH, "
				   "ALWAYS",
				   (int)opts->durability);
	pthread_once(&once, sodium_once);
	if (sodium_rc)
		return brain__errf(terr, sodium_rc,
				   "libsodium cannot start (sodium_init "
				   "failed)");
	b = calloc(1, sizeof(*b));
	if (!b)
		return brain__errf(terr, BRAIN_ENOMEM, "out of memory");
	b->clock = opts && opts->clock ? opts->clock : system_clock;
	b->clock_ctx = opts ? opts->clock_ctx : NULL;
	b->notice = opts && opts->notice ? opts->notice : default_notice;
	b->notice_ctx = opts ? opts->notice_ctx : NULL;
	rc = prepare(b, mode, component, opts);
	if (!rc && b->readonly)
		rc = open_store(b); /* creates nothing */
	else if (!rc && (rc = make_dir(b, b->root)) == 0 &&
		 (rc = brain__templates_sync(b)) == 0 &&
		 (rc = create_structure(b)) == 0 &&
		 (rc = open_store(b)) == 0)
		rc = brain_init_hierarchical_structure(b, brain_now(b));
	if (!rc && !b->readonly)
		brain__report_pending(b);
	if (rc) {
		if (rc == BRAIN_ENOMEM)
			brain__errf(&b->err, rc, "out of memory");
		memcpy(terr, &b->err, sizeof(*terr));
		destroy(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* Frees the handle (a failed final flush is brain_close's to report). */
static void destroy(brain_t *b)
{
	size_t i;

	brain__store_close(b->store);
	b->store = NULL;
	for (i = 0; b->entry_tpl && i < b->bp->nstreams; i++)
		json_decref(b->entry_tpl[i]);
	free(b->entry_tpl);
	json_decref(b->pending);
	free(b->mode);
	free(b->component);
	free(b->root);
	free(b->base);
	free(b->bp_path);
	brain__blueprint_free(b->bp);
	json_decref(b->config);
	json_decref(b->flags);
	free(b);
}

int brain_close(brain_t *b)
{
	int rc;

	if (!b)
		return 0;
	brain__err_clear(&b->err);
	rc = brain__store_close(b->store);
	b->store = NULL;
	if (rc) {
		if (rc == BRAIN_ENOMEM)
			brain__errf(&b->err, rc, "out of memory");
		memcpy(brain__thread_err(), &b->err, sizeof(b->err));
	}
	destroy(b);
	return rc;
}

const char *brain_errmsg(const brain_t *b)
{
	return b ? b->err.msg : brain__thread_err()->msg;
}

const json_t *brain_get_flags(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->flags;
}

const json_t *brain_get_config(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->config;
}

const char *brain_mode(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->mode;
}

const char *brain_component(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->component;
}

const char *brain_root_path(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->root;
}

const char *brain_base_path(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->base;
}

const char *brain_blueprint_path(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->bp_path;
}

const char *brain_blueprint_hash(const brain_t *b)
{
	BRAIN__ARG_OR(NULL, b);
	return b->bp_hash;
}

int brain_get_path(brain_t *b, const char *stream, const char *level,
		   time_t when, char **out)
{
	const brain__stream *s;
	const brain__plevel *pl;
	brain__when w;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, out);
	*out = NULL;
	BRAIN__ARG(&b->err, stream);
	BRAIN__ARG(&b->err, level);
	if ((rc = brain__check_time(&b->err, (long long)when, "time")))
		return rc;
	s = brain__blueprint_stream(b->bp, stream);
	if (!s)
		return brain__errf(&b->err, BRAIN_ENOTFOUND,
				   "no record kind or category '%s' in %s",
				   stream, b->bp_path);
	pl = brain__blueprint_plevel(b->bp, s, level);
	if (!pl)
		return brain__errf(&b->err, BRAIN_ENOTFOUND,
				   "'%s' has no pattern level '%s'", stream,
				   level);
	brain__when_of(b->bp, when, &w);
	*out = brain__level_path(b->base, s, pl, &w, 1);
	return *out ? 0 : brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
}
