/*
 * brainstem-looper - the Looping component.
 *
 * It opens its mode's tree, starts N miners - each with its own miner id
 * (written into its coinbase, so no two scan the same headers), one
 * thread, and a heartbeat pipe - and then sleeps in poll() until a child
 * speaks, a child exits (SIGCHLD), a signal arrives, or a deadline falls
 * due: a restart after back-off, SIGKILL after the grace period, a silent
 * miner's hang limit, the end of the schedule.  Every event is reported
 * to the "looping" category; this program touches no file itself.
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
#define SUMMARY_EVERY 5.0

typedef struct looper {
	looper_opts o;
	brain_t *b;
	miner_proc m[LOOPER_MAX_MINERS];
	int sigfd;
	int stopping, paused, rolling;
	double start, stop_at, next_summary;
	long blocks;
	const char *stop_reason;
	int tty;
	int settings_error; /* a miner exited 2: the looper exits 2 */
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

/* Saves one event; a failure is said on stderr, and mining goes on. */
static void report(looper *l, json_t *r)
{
	if (!r || brain_save_system_report(l->b, CATEGORY, r) != 0)
		fprintf(stderr, "brainstem-looper: cannot record an event: %s\n",
			brain_errmsg(l->b));
	json_decref(r);
}

static void report_error(looper *l, json_t *e)
{
	looper_status_error(&l->st,
			    json_string_value(json_object_get(e, "message")));
	if (!e || brain_save_system_error(l->b, CATEGORY, e) != 0)
		fprintf(stderr, "brainstem-looper: cannot record an error: %s\n",
			brain_errmsg(l->b));
	json_decref(e);
}

/* ---- starting a miner ---- */

static void add_arg(char **argv, int *n, const char *a)
{
	argv[(*n)++] = (char *)a;
}

/* In the child: heartbeat pipe on fd 3, signals back to normal, and a
 * SIGTERM if the looper dies, so no miner is left orphaned. */
static void exec_miner(looper *l, miner_proc *m, int pipe_w)
{
	const cli_common *c = &l->o.cli;
	char **argv = calloc((size_t)l->o.nextra + 32, sizeof(char *));
	char rounds[32], secs[32];
	sigset_t none;
	int n = 0, i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
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
	add_arg(argv, &n, "--quiet");
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
	fprintf(stderr, "brainstem-looper: cannot run %s: %s\n", argv[0],
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
	looper_status_run_start(m, why != NULL);
	m->restart_after_exit = 0;
	if (why)
		report(l, json_pack("{s:s, s:s, s:i, s:i, s:I, s:s}", "event",
				    "miner_restarted", "miner_id", m->id, "pid",
				    (int)pid, "attempt", m->attempt, "delay_ms",
				    (json_int_t)(m->delay * 1000), "reason", why));
	report(l, json_pack("{s:s, s:s, s:i}", "event", "miner_started",
			    "miner_id", m->id, "pid", (int)pid));
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
		fprintf(stderr, "brainstem-looper: %s failed %d times in %.0f "
				"s; it stays down\n",
			m->id, m->nrestarts, l->o.restart_window);
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
	fprintf(stderr, "brainstem-looper: %s exited with status 2: its "
			"options or config.json are wrong (its message is "
			"above); stopping instead of restarting it\n",
		m->id);
	begin_stop(l, "a miner refused its settings");
}

static void on_exit_status(looper *l, miner_proc *m, int status)
{
	double runtime = now_s() - m->started;
	int signaled = WIFSIGNALED(status);
	int code = signaled ? WTERMSIG(status) : WEXITSTATUS(status);
	int deliberate = m->state == M_STOPPING;
	const char *why = signaled ? "killed by a signal" : "exited with an error";

	if (m->fd >= 0) {
		close(m->fd);
		m->fd = -1;
	}
	report(l, json_pack("{s:s, s:s, s:i, s:i, s:f}", "event",
			    "miner_exited", "miner_id", m->id, "pid",
			    (int)m->pid, signaled ? "signal" : "exit_code",
			    code, "runtime", runtime));
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

static void on_line(looper *l, miner_proc *m, const char *line)
{
	double rate;

	m->last_beat = now_s();
	looper_status_line(&l->st, m, line);
	if (!strncmp(line, "hb ", 3)) {
		unsigned long long hashes;
		long blocks;
		if (sscanf(line + 3, "%llu %lf %ld", &hashes, &rate,
			   &blocks) == 3)
			m->hashrate = (uint64_t)rate;
	} else if (!strncmp(line, "block ", 6)) {
		m->blocks++;
		l->blocks++;
		if (l->o.blocks && l->blocks >= l->o.blocks)
			begin_stop(l, "blocks");
		else if (l->o.on_demand && m->state == M_RUNNING) {
			stop_miner(l, m);
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
		if (!l->stopping) {
			report(l, json_pack("{s:s}", "event", "rolling_restart"));
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
		stop_miner(l, &l->m[i]);
		l->m[i].restart_after_exit = 1;
		l->rolling = i + 2;
		return;
	}
	l->rolling = 0;
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
	if (l->st.http && l->st.next < next)
		next = l->st.next;
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
	int i, up = 0;
	uint64_t rate = 0;

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
			report(l, json_pack("{s:s, s:s, s:i, s:f}", "event",
					    "miner_hung", "miner_id", m->id,
					    "pid", (int)m->pid, "silent_seconds",
					    now - m->last_beat));
			stop_miner(l, m);
		}
		if (m->state == M_RUNNING) {
			up++;
			rate += m->hashrate;
		}
	}
	if (l->tty && now >= l->next_summary) {
		printf("\r\033[Kminers up %d/%d  %.2f MH/s  blocks %ld", up,
		       l->o.miners, (double)rate / 1e6, l->blocks);
		fflush(stdout);
		l->next_summary = now + SUMMARY_EVERY;
	}
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
	if (setup_signals(&l) != 0) {
		fprintf(stderr, "brainstem-looper: cannot set up signals\n");
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
	report(&l, json_pack("{s:s, s:i, s:s, s:s, s:I, s:f, s:I, s:b}",
			     "event", "looper_start", "miners", l.o.miners,
			     "mode", brain_mode(l.b), "miner", l.o.miner_path,
			     "rounds", (json_int_t)l.o.rounds, "run_seconds",
			     l.o.run_seconds, "blocks", (json_int_t)l.o.blocks,
			     "on_demand", l.o.on_demand));
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
	looper_status_stop(&l.st);
	if (cli_close(&l.o.cli, l.b))
		return 1;
	if (l.settings_error)
		return 2;
	return gave_up == l.o.miners && !l.stopping ? 1 : 0;
}
