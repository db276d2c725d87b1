/*
 * brainstem-looper - the Looping component.
 *
 * It opens its mode's tree, starts N miners - each with its own miner id
 * (written into its coinbase, so no two scan the same headers), one
 * thread, and a heartbeat pipe - and then sleeps in poll() until a child
 * speaks, a child exits (SIGCHLD), a signal arrives, or a deadline falls
 * due: a restart after back-off, SIGKILL after the grace period, a silent
 * miner's hang limit, the end of the schedule.  Every event is reported
 * to the "looping" category and logged as one line (stderr when it is not
 * a terminal, --log-file, --syslog), with a summary of the hash rate now
 * and then; this program touches no file itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "looper.h"

#define COMPONENT "Looping"
#define CATEGORY "looping"
#define BACKOFF_FIRST 0.5 /* seconds */
#define BACKOFF_MAX 30.0
#define SUMMARY_EVERY 5.0 /* the terminal's status line */
#define LOG_COMPONENT "looper"
/* The hourly report is written this long after its hour ends: the
 * miners' roll-ups may trail their records by store.aggregate_lag_ms
 * (at most 60 s), and the report is read from the roll-ups. */
#define HOURLY_DELAY 75

typedef struct looper {
	looper_opts o;
	brain_t *b;
	miner_proc m[LOOPER_MAX_MINERS];
	int sigfd;
	int stopping, paused, rolling;
	double start, stop_at, next_summary, next_log;
	long blocks;
	const char *stop_reason;
	int tty;
	int settings_error; /* a miner exited 2: the looper exits 2 */
	time_t hourly_due;  /* wall clock: the next hourly report; 0: none */
	looper_status st;   /* --http */
} looper;

/* The miner's exit status for a usage or configuration error
 * (bin/miner/options.c): the same settings would fail again. */
#define MINER_EXIT_SETTINGS 2

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Saves one event; a failure is said (log or stderr), and mining goes
 * on. */
static void report(looper *l, json_t *r)
{
	if (!r || brain_save_system_report(l->b, CATEGORY, r) != 0)
		cli_say(&l->o.cli, BRAIN_LOG_ERROR,
			"cannot record an event: %s", brain_errmsg(l->b));
	json_decref(r);
}

static void report_error(looper *l, json_t *e)
{
	looper_status_error(&l->st,
			    json_string_value(json_object_get(e, "message")));
	if (!e || brain_save_system_error(l->b, CATEGORY, e) != 0)
		cli_say(&l->o.cli, BRAIN_LOG_ERROR,
			"cannot record an error: %s", brain_errmsg(l->b));
	json_decref(e);
}

/* One line in the log (nothing on a terminal's stderr). */
#define LOG(l, level, ...) brain_log_write((l)->o.cli.log, level, __VA_ARGS__)

/* ---- hash rates ---- */

/* The sum of the running miners' rates (H/s); *up: how many run. */
static uint64_t total_rate(const looper *l, int *up)
{
	uint64_t rate = 0;
	int i;

	*up = 0;
	for (i = 0; i < l->o.miners; i++)
		if (l->m[i].state == M_RUNNING) {
			(*up)++;
			rate += l->m[i].hashrate;
		}
	return rate;
}

/* The summary line: miners up, total and per-miner rate, hashes, blocks,
 * restarts.  At the end (final) the rates are means over the run, since
 * no miner is running any more. */
static void log_summary(const looper *l, double now, int final)
{
	double secs = now - l->start;
	uint64_t hashes = 0, rate;
	long restarts = 0;
	char text[32], *each = NULL;
	size_t len = 0;
	FILE *f;
	int i, up;

	if (!brain_log_enabled(l->o.cli.log, BRAIN_LOG_INFO))
		return;
	rate = total_rate(l, &up);
	for (i = 0; i < l->o.miners; i++) {
		hashes += l->m[i].hashes;
		restarts += l->m[i].restarts_total;
	}
	if (final)
		rate = secs > 0 ? (uint64_t)((double)hashes / secs) : 0;
	if (!(f = open_memstream(&each, &len)))
		return;
	for (i = 0; i < l->o.miners; i++) {
		const miner_proc *m = &l->m[i];
		cli_rate_text(final ? (secs > 0 ? (double)m->hashes / secs : 0)
				    : (double)m->hashrate,
			      text, sizeof(text));
		fprintf(f, "%s%s %s", i ? ", " : "", m->id, text);
	}
	fclose(f);
	cli_rate_text((double)rate, text, sizeof(text));
	LOG(l, BRAIN_LOG_INFO,
	    "summary%s: %d/%d miners up, %s%s (%s), %llu hashes, %ld "
	    "block%s, %ld restart%s, %.0f s",
	    final ? " at stop" : "", up, l->o.miners, final ? "mean " : "",
	    text, each ? each : "", (unsigned long long)hashes, l->blocks,
	    l->blocks == 1 ? "" : "s", restarts, restarts == 1 ? "" : "s",
	    secs);
	free(each);
}

/* The terminal's status line: total, and each miner's while they fit. */
static void status_line(const looper *l)
{
	char text[32];
	int i, up;
	uint64_t rate = total_rate(l, &up);

	cli_rate_text((double)rate, text, sizeof(text));
	printf("\r\033[Kminers up %d/%d  %s", up, l->o.miners, text);
	if (l->o.miners > 1 && l->o.miners <= 4) {
		for (i = 0; i < l->o.miners; i++) {
			cli_rate_text((double)l->m[i].hashrate, text,
				      sizeof(text));
			printf("%s%s", i ? ", " : " [", text);
		}
		putchar(']');
	}
	printf("  blocks %ld", l->blocks);
	fflush(stdout);
}

/* ---- starting a miner ---- */

static void add_arg(char **argv, int *n, const char *a)
{
	argv[(*n)++] = (char *)a;
}

/* In the child: heartbeat pipe on fd 3, signals back to normal but for
 * SIGTERM and SIGINT, which stay blocked through exec (brainstem-miner
 * takes them with sigwait as soon as it runs, so a stop that comes while
 * it is still starting waits for it instead of killing it before its
 * session end), and a SIGTERM if the looper dies, so no miner is left
 * orphaned. */
static void exec_miner(looper *l, miner_proc *m, int pipe_w)
{
	const cli_common *c = &l->o.cli;
	char **argv = calloc((size_t)l->o.nextra + 32 + CLI_LOG_ARGS_MAX,
			     sizeof(char *));
	char rounds[32], secs[32];
	sigset_t stops;
	int n = 0, i;

	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_SETMASK, &stops, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (pipe_w == 3)
		fcntl(3, F_SETFD, 0);
	else if (dup2(pipe_w, 3) < 0)
		_exit(127);
	if (!argv)
		_exit(127);
	add_arg(argv, &n, l->o.miner_path);
	add_arg(argv, &n, "--mode");
	add_arg(argv, &n, brain_mode(l->b));
	add_arg(argv, &n, "--root");
	add_arg(argv, &n, brain_root_path(l->b));
	add_arg(argv, &n, "--blueprint");
	add_arg(argv, &n, brain_blueprint_path(l->b));
	if (c->opts.config) {
		add_arg(argv, &n, "--config");
		add_arg(argv, &n, c->opts.config);
	}
	add_arg(argv, &n, "--miner-id");
	add_arg(argv, &n, m->id);
	add_arg(argv, &n, "--threads");
	add_arg(argv, &n, "1");
	add_arg(argv, &n, "--heartbeat-fd");
	add_arg(argv, &n, "3");
	add_arg(argv, &n, "--quiet"); /* its stdout is ours: no lines there */
	n += cli_log_args(c, argv + n); /* but it logs as this looper does */
	if (l->o.rounds) {
		snprintf(rounds, sizeof(rounds), "%ld", l->o.rounds);
		add_arg(argv, &n, "--rounds");
		add_arg(argv, &n, rounds);
	}
	if (l->o.round_seconds) {
		snprintf(secs, sizeof(secs), "%ld", l->o.round_seconds);
		add_arg(argv, &n, "--round-seconds");
		add_arg(argv, &n, secs);
	}
	for (i = 0; i < l->o.nextra; i++)
		add_arg(argv, &n, l->o.extra[i]);
	execvp(argv[0], argv);
	cli_say(c, BRAIN_LOG_ERROR, "cannot run %s: %s", argv[0],
		strerror(errno));
	_exit(127);
}

static int start_miner(looper *l, miner_proc *m, const char *why)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		exec_miner(l, m, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	m->pid = pid;
	m->fd = p[0];
	m->state = M_RUNNING;
	m->started = m->last_beat = now_s();
	m->buflen = 0;
	looper_status_run_start(m);
	m->restart_after_exit = 0;
	m->hashrate = 0;
	if (why) {
		m->restarts_total++;
		report(l, json_pack("{s:s, s:s, s:i, s:i, s:I, s:s}", "event",
				    "miner_restarted", "miner_id", m->id, "pid",
				    (int)pid, "attempt", m->attempt, "delay_ms",
				    (json_int_t)(m->delay * 1000), "reason", why));
		LOG(l, BRAIN_LOG_INFO,
		    "%s restarted (pid %d, attempt %d, after %.1f s back-off): "
		    "%s",
		    m->id, (int)pid, m->attempt, m->delay, why);
	}
	report(l, json_pack("{s:s, s:s, s:i}", "event", "miner_started",
			    "miner_id", m->id, "pid", (int)pid));
	LOG(l, BRAIN_LOG_INFO, "%s (pid %d) started", m->id, (int)pid);
	return 0;
}

/* ---- stopping ---- */

static void stop_miner(looper *l, miner_proc *m)
{
	if (m->state != M_RUNNING)
		return;
	if (l->paused)
		kill(m->pid, SIGCONT); /* a stopped process cannot exit */
	kill(m->pid, SIGTERM);
	m->state = M_STOPPING;
	m->kill_at = now_s() + l->o.grace_seconds;
}

static void begin_stop(looper *l, const char *reason)
{
	int i;

	if (l->stopping)
		return;
	l->stopping = 1;
	l->stop_reason = reason;
	LOG(l, BRAIN_LOG_INFO, "stopping the miners: %s", reason);
	for (i = 0; i < l->o.miners; i++) {
		if (l->m[i].state == M_DOWN)
			l->m[i].state = M_DONE;
		stop_miner(l, &l->m[i]);
	}
}

/* ---- exits and restarts ---- */

static void schedule_restart(looper *l, miner_proc *m, const char *why)
{
	double now = now_s(), delay;
	int i, kept = 0;

	for (i = 0; i < m->nrestarts; i++) /* forget restarts out of window */
		if (now - m->restarts[i] < l->o.restart_window)
			m->restarts[kept++] = m->restarts[i];
	m->nrestarts = kept;
	if (m->nrestarts >= l->o.max_restarts) {
		m->state = M_DONE;
		report_error(l, json_pack("{s:s, s:s, s:{s:s, s:i, s:f, s:s}}",
					  "error_type", "restart_limit",
					  "message", "miner keeps failing; it "
					  "stays down",
					  "context", "miner_id", m->id,
					  "restarts", m->nrestarts, "window",
					  l->o.restart_window, "last", why));
		cli_say(&l->o.cli, BRAIN_LOG_ERROR,
			"%s failed %d times in %.0f s; it stays down (%s)",
			m->id, m->nrestarts, l->o.restart_window, why);
		return;
	}
	delay = BACKOFF_FIRST * (double)(1 << m->nrestarts);
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	m->restarts[m->nrestarts++] = now;
	m->attempt = m->nrestarts;
	m->delay = delay;
	m->state = M_DOWN;
	m->restart_at = now + delay;
	LOG(l, BRAIN_LOG_WARN,
	    "%s will restart in %.1f s (back-off; restart %d of %d allowed in "
	    "%.0f s): %s",
	    m->id, delay, m->nrestarts, l->o.max_restarts,
	    l->o.restart_window, why);
}

/* A miner refused its settings (exit 2): every miner shares them, so
 * restarting would only fail again.  The looper stops and says why. */
static void settings_failed(looper *l, miner_proc *m)
{
	m->state = M_DONE;
	l->settings_error = 1;
	report_error(l, json_pack("{s:s, s:s, s:{s:s, s:i}}", "error_type",
				  "miner_settings_refused", "message",
				  "the miner refused its settings (exit 2); "
				  "not restarting it",
				  "context", "miner_id", m->id, "exit_code",
				  MINER_EXIT_SETTINGS));
	cli_say(&l->o.cli, BRAIN_LOG_ERROR,
		"%s exited with status 2: its options or config.json are "
		"wrong (its message is above); stopping instead of "
		"restarting it",
		m->id);
	begin_stop(l, "a miner refused its settings");
}

static void read_beats(looper *l, miner_proc *m);

static void on_exit_status(looper *l, miner_proc *m, int status)
{
	double runtime = now_s() - m->started;
	int signaled = WIFSIGNALED(status);
	int code = signaled ? WTERMSIG(status) : WEXITSTATUS(status);
	int deliberate = m->state == M_STOPPING;
	const char *why = signaled ? "killed by a signal" : "exited with an error";

	if (m->fd >= 0) {
		/* what it said last (its last round, its last shares) can
		 * still be in the pipe when its exit is seen first; reaped,
		 * it must not be signalled, so it reads as stopping */
		miner_state was = m->state;
		m->state = M_STOPPING;
		read_beats(l, m);
		m->state = was;
	}
	if (m->fd >= 0) {
		close(m->fd);
		m->fd = -1;
	}
	report(l, json_pack("{s:s, s:s, s:i, s:i, s:f}", "event",
			    "miner_exited", "miner_id", m->id, "pid",
			    (int)m->pid, signaled ? "signal" : "exit_code",
			    code, "runtime", runtime));
	if (signaled)
		LOG(l, deliberate ? BRAIN_LOG_INFO : BRAIN_LOG_WARN,
		    "%s (pid %d) exited: killed by signal %d (%s) after %.1f s",
		    m->id, (int)m->pid, code, strsignal(code), runtime);
	else
		LOG(l, code && !deliberate ? BRAIN_LOG_WARN : BRAIN_LOG_INFO,
		    "%s (pid %d) exited with status %d after %.1f s", m->id,
		    (int)m->pid, code, runtime);
	/* hashes it did after its last round line count too */
	m->hashrate = 0;
	m->pid = 0;
	if (l->stopping) {
		m->state = M_DONE;
	} else if (m->restart_after_exit) {
		m->state = M_DOWN; /* on purpose: back at once */
		m->restart_at = now_s();
	} else if (deliberate) { /* stopped as hung */
		schedule_restart(l, m, "hung");
	} else if (!signaled && code == 0) {
		m->state = M_DONE; /* finished its rounds */
	} else if (!signaled && code == MINER_EXIT_SETTINGS) {
		settings_failed(l, m);
	} else {
		schedule_restart(l, m, why);
	}
}

static void reap(looper *l)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < l->o.miners; i++)
			if (l->m[i].pid == pid) {
				on_exit_status(l, &l->m[i], status);
				break;
			}
}

/* ---- heartbeats ---- */

/*
 * One line from a miner (bin/miner/miner.h): "hb H RATE BLOCKS" during a
 * round (H: the round's hashes so far), "round N H RATE BLOCKS" at its
 * end, "block HASH".  The rate is the latest line's, so a miner whose
 * rounds end before its first "hb" still shows its real rate; hashes
 * count the round so far and then the whole round.
 */
static void on_line(looper *l, miner_proc *m, const char *line)
{
	unsigned long long hashes;
	double rate;
	long n, blocks;

	m->last_beat = now_s();
	looper_status_line(&l->st, m, line);
	if (!strncmp(line, "hb ", 3)) {
		if (sscanf(line + 3, "%llu %lf %ld", &hashes, &rate,
			   &blocks) == 3) {
			m->hashrate = rate > 0 ? (uint64_t)rate : 0;
		}
	} else if (!strncmp(line, "round ", 6)) {
		if (sscanf(line + 6, "%ld %llu %lf %ld", &n, &hashes, &rate,
			   &blocks) == 4) {
			m->hashrate = rate > 0 ? (uint64_t)rate : 0;
		}
	} else if (!strncmp(line, "block ", 6)) {
		m->blocks++;
		l->blocks++;
		if (l->o.blocks && l->blocks >= l->o.blocks)
			begin_stop(l, "blocks");
		else if (l->o.on_demand) {
			stop_miner(l, m); /* unless it is stopping already */
			m->restart_after_exit = 1;
		}
	}
}

static void read_beats(looper *l, miner_proc *m)
{
	for (;;) {
		ssize_t n = read(m->fd, m->buf + m->buflen,
				 sizeof(m->buf) - 1 - m->buflen);
		char *nl;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(m->fd); /* the miner closed it */
				m->fd = -1;
			}
			return;
		}
		m->buflen += (size_t)n;
		m->buf[m->buflen] = '\0';
		while ((nl = strchr(m->buf, '\n'))) {
			*nl = '\0';
			on_line(l, m, m->buf);
			m->buflen -= (size_t)(nl + 1 - m->buf);
			memmove(m->buf, nl + 1, m->buflen + 1);
		}
		if (m->buflen == sizeof(m->buf) - 1)
			m->buflen = 0; /* an overlong line: drop it */
	}
}

/* ---- signals ---- */

static void on_signal(looper *l, int sig)
{
	int i;

	switch (sig) {
	case SIGCHLD:
		reap(l);
		break;
	case SIGTERM:
	case SIGINT:
		begin_stop(l, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP: /* one by one: the next starts when this one is back */
		if (brain_log_reopen(l->o.cli.log) != 0) /* after logrotate */
			cli_say(&l->o.cli, BRAIN_LOG_WARN, "%s",
				brain_errmsg(NULL));
		if (!l->stopping) {
			report(l, json_pack("{s:s}", "event", "rolling_restart"));
			LOG(l, BRAIN_LOG_INFO, "rolling restart (SIGHUP): the "
			    "miners one by one");
			l->rolling = 1;
		}
		break;
	case SIGUSR1:
	case SIGUSR2:
		l->paused = sig == SIGUSR1;
		for (i = 0; i < l->o.miners; i++)
			if (l->m[i].state == M_RUNNING ||
			    l->m[i].state == M_STOPPING) {
				kill(l->m[i].pid, l->paused ? SIGSTOP : SIGCONT);
				l->m[i].last_beat = now_s();
			}
		report(l, json_pack("{s:s}", "event",
				    l->paused ? "miners_paused"
					      : "miners_resumed"));
		LOG(l, BRAIN_LOG_INFO, "%s",
		    l->paused ? "miners paused (SIGUSR1)"
			      : "miners resumed (SIGUSR2)");
		break;
	}
}

/* The rolling restart's next step: stop the first miner not yet done. */
static void roll(looper *l)
{
	int i;

	if (!l->rolling || l->stopping)
		return;
	for (i = 0; i < l->o.miners; i++)
		if (l->m[i].state == M_STOPPING || l->m[i].state == M_DOWN)
			return; /* one at a time */
	for (i = l->rolling - 1; i < l->o.miners; i++) {
		if (l->m[i].state != M_RUNNING)
			continue;
		LOG(l, BRAIN_LOG_INFO, "rolling restart: stopping %s (pid %d)",
		    l->m[i].id, (int)l->m[i].pid);
		stop_miner(l, &l->m[i]);
		l->m[i].restart_after_exit = 1;
		l->rolling = i + 2;
		return;
	}
	if (l->rolling > 1)
		LOG(l, BRAIN_LOG_INFO, "rolling restart done");
	l->rolling = 0;
}

/* ---- the hourly report ---- */

/* The report of the hour before the one `ref` lies in, into the tree
 * (hourly.c); at start only when that hour holds records.  Said in the
 * log; an error is recorded, and mining goes on. */
static void hourly_report(looper *l, time_t ref, int at_start)
{
	char scope[64] = "", why[256];
	int rc = looper_hourly_save(l->b, CATEGORY, ref, at_start, scope,
				    sizeof(scope));

	if (rc > 0) {
		LOG(l, BRAIN_LOG_INFO, "hourly report of %s recorded%s", scope,
		    rc > 1 ? " as a digest (the whole one is over "
			     "store.max_record_bytes)"
			   : "");
	} else if (rc < 0) {
		snprintf(why, sizeof(why), "%s",
			 rc == BRAIN_ENOMEM ? brain_strerror(rc)
					    : brain_errmsg(l->b));
		report_error(l, json_pack("{s:s, s:s, s:{s:s, s:s}}",
					  "error_type", "hourly_report",
					  "message", "cannot record the "
					  "hourly report",
					  "context", "scope", scope, "reason",
					  why));
		cli_say(&l->o.cli, BRAIN_LOG_WARN,
			"cannot record the report of the hour %s: %s",
			scope[0] ? scope : "before", why);
	}
}

/* When the report of the hour holding `wall` falls due (said in the
 * log's debug lines). */
static time_t hourly_next(const looper *l, time_t wall)
{
	time_t start, end, due = wall + 3600;
	char when[32];
	struct tm tm;

	if (!brain_partition(l->b, BRAIN_LEVEL_HOUR, wall, &start, &end, NULL,
			     0))
		due = end + HOURLY_DELAY;
	if (gmtime_r(&due, &tm) &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		LOG(l, BRAIN_LOG_DEBUG, "next hourly report at %s", when);
	return due;
}

/* The hour that ended, once HOURLY_DELAY has passed; and the next one's
 * time (again from the clock when it was set back). */
static void hourly_due(looper *l)
{
	time_t wall = brain_now(l->b);

	if (!l->hourly_due || l->stopping)
		return;
	if (wall >= l->hourly_due) {
		hourly_report(l, wall - HOURLY_DELAY, 0);
		l->hourly_due = hourly_next(l, wall);
	} else if (l->hourly_due - wall > 3600 + HOURLY_DELAY) {
		l->hourly_due = hourly_next(l, wall);
	}
}

/* ---- the loop ---- */

static double timers(looper *l, double now)
{
	double next = now + 3600;
	int i;

	if (l->stop_at && !l->stopping && l->stop_at < next)
		next = l->stop_at;
	if (l->tty && l->next_summary < next)
		next = l->next_summary;
	if (l->next_log && l->next_log < next)
		next = l->next_log;
	if (l->st.http && l->st.next < next)
		next = l->st.next;
	if (l->hourly_due && !l->stopping) {
		double in = difftime(l->hourly_due, brain_now(l->b));
		if (now + (in > 0 ? in : 0) < next)
			next = now + (in > 0 ? in : 0);
	}
	for (i = 0; i < l->o.miners; i++) {
		miner_proc *m = &l->m[i];
		if (m->state == M_DOWN && !l->stopping && m->restart_at < next)
			next = m->restart_at;
		if (m->state == M_STOPPING && m->kill_at < next)
			next = m->kill_at;
		if (m->state == M_RUNNING && !l->paused &&
		    m->last_beat + l->o.hang_seconds < next)
			next = m->last_beat + l->o.hang_seconds;
	}
	return next;
}

static void due(looper *l, double now)
{
	int i;

	if (l->stop_at && !l->stopping && now >= l->stop_at)
		begin_stop(l, "schedule");
	for (i = 0; i < l->o.miners; i++) {
		miner_proc *m = &l->m[i];
		if (m->state == M_DOWN && !l->stopping && now >= m->restart_at) {
			const char *why = m->restart_after_exit ? "restart"
								: "crash";
			if (m->restart_after_exit)
				m->delay = 0;
			if (start_miner(l, m, m->attempt || m->restart_after_exit
						      ? why
						      : NULL) != 0)
				schedule_restart(l, m, "fork failed");
		} else if (m->state == M_STOPPING && now >= m->kill_at) {
			kill(m->pid, SIGKILL);
			m->kill_at = now + 3600; /* reaped via SIGCHLD */
		} else if (m->state == M_RUNNING && !l->paused &&
			   now - m->last_beat >= l->o.hang_seconds) {
			LOG(l, BRAIN_LOG_WARN,
			    "%s (pid %d) silent for %.0f s: stopping it as hung",
			    m->id, (int)m->pid, now - m->last_beat);
			report(l, json_pack("{s:s, s:s, s:i, s:f}", "event",
					    "miner_hung", "miner_id", m->id,
					    "pid", (int)m->pid, "silent_seconds",
					    now - m->last_beat));
			stop_miner(l, m);
		}
	}
	if (l->tty && now >= l->next_summary) {
		status_line(l);
		l->next_summary = now + SUMMARY_EVERY;
	}
	if (l->next_log && now >= l->next_log) {
		log_summary(l, now, 0);
		l->next_log = now + l->o.summary_seconds;
	}
	hourly_due(l);
}

/* The start line: what runs, and the schedule it runs to. */
static void log_start(const looper *l)
{
	char plan[256] = "";
	size_t n = 0;

	if (l->o.rounds)
		n += (size_t)snprintf(plan + n, sizeof(plan) - n,
				      ", %ld rounds per miner", l->o.rounds);
	if (l->o.run_seconds && n < sizeof(plan))
		n += (size_t)snprintf(plan + n, sizeof(plan) - n,
				      ", stop after %.0f s", l->o.run_seconds);
	if (l->o.blocks && n < sizeof(plan))
		n += (size_t)snprintf(plan + n, sizeof(plan) - n,
				      ", stop after %ld blocks", l->o.blocks);
	if (l->o.on_demand && n < sizeof(plan))
		snprintf(plan + n, sizeof(plan) - n,
			 ", a miner restarts after each block");
	LOG(l, BRAIN_LOG_INFO,
	    "looper start: %s mode, %d miners (%s); schedule: %s",
	    brain_mode(l->b), l->o.miners, l->o.miner_path,
	    plan[0] ? plan + 2 : "until stopped");
}

static int alive(const looper *l)
{
	int i;

	for (i = 0; i < l->o.miners; i++)
		if (l->m[i].state != M_DONE)
			return 1;
	return 0;
}

static void run(looper *l)
{
	while (alive(l)) {
		struct pollfd fds[LOOPER_MAX_MINERS + 1];
		int who[LOOPER_MAX_MINERS + 1], n = 0, i;
		double now = now_s(), wait = timers(l, now) - now;

		fds[n].fd = l->sigfd;
		fds[n++].events = POLLIN;
		for (i = 0; i < l->o.miners; i++)
			if (l->m[i].fd >= 0) {
				fds[n].fd = l->m[i].fd;
				fds[n].events = POLLIN;
				who[n++] = i;
			}
		if (poll(fds, (nfds_t)n, wait > 0 ? (int)(wait * 1000) + 1
						  : 0) < 0 &&
		    errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(l->sigfd, &si, sizeof(si)) == sizeof(si))
				on_signal(l, (int)si.ssi_signo);
		}
		for (i = 1; i < n; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				read_beats(l, &l->m[who[i]]);
		reap(l); /* SIGCHLD can merge: look anyway */
		due(l, now_s());
		roll(l);
		looper_status_publish(&l->st, l->b, l->m, l->o.miners, now_s());
	}
}

static int setup_signals(looper *l)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return l->sigfd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static looper l;
	int i, gave_up = 0;

	looper_parse(&l.o, argc, argv);
	cli_log_start(&l.o.cli, LOG_COMPONENT);
	if (setup_signals(&l) != 0) {
		cli_say(&l.o.cli, BRAIN_LOG_ERROR, "cannot set up signals");
		return 2;
	}
	if (!(l.b = cli_open(&l.o.cli, COMPONENT)))
		return 2;
	if (looper_status_start(&l.st, &l.o, l.b) != 0) {
		cli_close(&l.o.cli, l.b);
		return 2;
	}
	l.tty = isatty(STDOUT_FILENO) && l.o.cli.verbosity >= 0;
	l.start = now_s();
	l.stop_at = l.o.run_seconds ? l.start + l.o.run_seconds : 0;
	if (l.o.summary_seconds > 0 &&
	    brain_log_enabled(l.o.cli.log, BRAIN_LOG_INFO))
		l.next_log = l.start + l.o.summary_seconds;
	log_start(&l);
	report(&l, json_pack("{s:s, s:i, s:s, s:s, s:I, s:f, s:I, s:b}",
			     "event", "looper_start", "miners", l.o.miners,
			     "mode", brain_mode(l.b), "miner", l.o.miner_path,
			     "rounds", (json_int_t)l.o.rounds, "run_seconds",
			     l.o.run_seconds, "blocks", (json_int_t)l.o.blocks,
			     "on_demand", l.o.on_demand));
	if (!l.o.no_hourly) {
		time_t wall = brain_now(l.b);
		hourly_report(&l, wall, 1);
		l.hourly_due = hourly_next(&l, wall);
	}
	for (i = 0; i < l.o.miners; i++) {
		miner_proc *m = &l.m[i];
		snprintf(m->id, sizeof(m->id), "looper%ld_miner_%03d",
			 (long)getpid(), i + 1);
		m->fd = -1;
		if (start_miner(&l, m, NULL) != 0)
			schedule_restart(&l, m, "fork failed");
	}
	run(&l);
	for (i = 0; i < l.o.miners; i++)
		gave_up += l.m[i].nrestarts >= l.o.max_restarts;
	if (l.tty)
		putchar('\n');
	report(&l, json_pack("{s:s, s:s, s:I, s:f}", "event", "looper_stop",
			     "reason",
			     l.stop_reason ? l.stop_reason : "miners finished",
			     "blocks", (json_int_t)l.blocks, "runtime",
			     now_s() - l.start));
	log_summary(&l, now_s(), 1);
	LOG(&l, BRAIN_LOG_INFO, "looper stop: %s after %.1f s, %ld blocks",
	    l.stop_reason ? l.stop_reason : "miners finished",
	    now_s() - l.start, l.blocks);
	looper_status_stop(&l.st);
	if (cli_close(&l.o.cli, l.b))
		return 1;
	if (l.settings_error)
		return 2;
	return gave_up == l.o.miners && !l.stopping ? 1 : 0;
}
