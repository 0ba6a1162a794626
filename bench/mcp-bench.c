/* bench/mcp-bench.c - assay-bench: measure an MCP stdio server, or anything
 * that sits in front of one, from the client's side.
 *
 *   assay-bench [OPTIONS] -- CMD ARGS...
 *   assay-bench --report [OPTIONS] FILE...      (see report.c)
 *
 * CMD is started over two pipes of our own (fork/exec), the way an editor
 * starts an MCP server, and driven with newline-delimited JSON-RPC.  One run
 * measures, for that one command line:
 *
 *   startup   fork to the initialize response, median of N fresh processes
 *             (each: spawn, initialize, close stdin, wait for the exit)
 *   latency   sequential tools/call echo round trips after a warm-up:
 *             p50, p99, p99.9 in microseconds
 *   pipeline  tools/call echo with a window of W requests in flight, one
 *             poll(2) loop writing and reading (it never deadlocks): calls/s,
 *             with RSS checkpoints at 10%, 50% and 100% of the calls
 *   big       sequential tools/call big (a text of B bytes of 'x'): MB/s of
 *             response bytes (MB = 10^6 bytes)
 *   memory    VmHWM and VmRSS of the spawned process (/proc/PID/status),
 *             read just before its stdin is closed: once after the small
 *             message phases (latency and pipeline share one process) and
 *             once after the big phase (a fresh process)
 *
 * The spawned process is what is measured: with a relay or the gateway in
 * front of the server on the command line, its own RSS is reported.
 * Output: one JSON object on stdout, a human summary on stderr.  The exit
 * status is 1 when a response was missing or wrong or a process exited
 * uncleanly; timing never makes it fail.
 *
 * The server must offer the tools echo {text} and big {bytes}, as
 * examples/demo-server.c does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"

#define PROG "assay-bench"
#define READ_CHUNK ((size_t)256 * 1024)
#define VERIFY_FIRST 8	     /* responses per phase checked in full with jansson */
#define EXIT_WAIT_MS 10000 /* after closing stdin, wait this long for the exit */

/* ---- errors and the watchdog -------------------------------------------- */

static pid_t g_child; /* the process being measured; killed on a fatal error */
static const char *g_phase = "setup";
static unsigned g_failures; /* functional problems: exit status 1 */

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bench_vwarn(PROG, g_phase, fmt, ap);
	va_end(ap);
	if (g_child > 0)
		(void)kill(g_child, SIGKILL);
	exit(1);
}

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bench_vwarn(PROG, g_phase, fmt, ap);
	va_end(ap);
	g_failures++;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = PROG ": a phase did not finish in time (watchdog): the "
				  "process under test hangs or is far too slow\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	if (g_child > 0)
		(void)kill(g_child, SIGKILL);
	_exit(1);
}

/* Name the phase (for messages) and arm the watchdog for it. */
static void phase(const char *name, unsigned seconds)
{
	g_phase = name;
	alarm(seconds);
}

/* ---- settings ------------------------------------------------------------- */

struct settings {
	char **cmd;
	const char *label;
	int run;
	bool quick, keep_stderr;
	int pipe_size; /* 0: the kernel's default pipe size */
	const char *text;
	unsigned phases; /* PH_* */
	long startup_n, latency_warmup, latency_n, pipeline_n, window, big_warmup, big_n;
	long big_bytes;
};

enum { PH_STARTUP = 1, PH_LATENCY = 2, PH_PIPELINE = 4, PH_BIG = 8, PH_ALL = 15 };

/* ---- the process under test ------------------------------------------------ */

static void conn_spawn(struct bench_conn *c, const struct settings *st)
{
	int errfd = -1;
	if (!st->keep_stderr && (errfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		die("/dev/null: %s", strerror(errno));
	struct bench_spawn o = {.argv = st->cmd,
				.search_path = true,
				.exec_report = true,
				.pipe_size = st->pipe_size,
				.stderr_fd = errfd};
	const char *what;
	if (bench_conn_spawn(c, &o, &what) != 0)
		die("%s: %s", what, strerror(errno));
	g_child = c->pid;
	if (errfd >= 0)
		close(errfd);
	c->cap = READ_CHUNK;
	c->buf = malloc(c->cap);
	if (!c->buf)
		die("out of memory");
}

/* Called after the first request was written: a client does not wait for
 * the exec before it writes, so neither do we. */
static void conn_check_exec(struct bench_conn *c, const struct settings *st)
{
	if (c->exec_fd < 0)
		return;
	int e = 0;
	ssize_t n;
	do
		n = read(c->exec_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->exec_fd);
	c->exec_fd = -1;
	if (n == (ssize_t)sizeof(e))
		die("cannot run '%s': %s", st->cmd[0], strerror(e));
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) != 0)
		die("fcntl: %s", strerror(errno));
}

static void write_all(struct bench_conn *c, const char *p, size_t n)
{
	if (bench_conn_write(c, p, n) != 0)
		die("writing to the process: %s", strerror(errno));
}

/* One read(2) into the buffer.  Returns the bytes read, 0 at end of file,
 * -1 when a non-blocking descriptor has nothing (EAGAIN). */
static ssize_t conn_fill(struct bench_conn *c)
{
	if (!bench_conn_room(c, READ_CHUNK / 4))
		die("out of memory for a %zu-byte line", c->cap);
	ssize_t n = bench_conn_read(c);
	if (n < 0 && errno != EAGAIN)
		die("reading from the process: %s", strerror(errno));
	return n;
}

/* Blocking: the next line, or NULL at end of file. */
static char *conn_read_line(struct bench_conn *c, size_t *len)
{
	for (;;) {
		char *line = bench_conn_next_line(c, len);
		if (line)
			return line;
		if (c->eof || conn_fill(c) == 0)
			return NULL;
	}
}

static long status_kib(pid_t pid, const char *field)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (bench_read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

struct mem {
	long hwm_kib, rss_kib;
};

static struct mem read_mem(pid_t pid)
{
	struct mem m = {status_kib(pid, "VmHWM:"), status_kib(pid, "VmRSS:")};
	return m;
}

/* ---- CPU time ------------------------------------------------------------- */

/* Minor page faults of |pid| so far (field 10 of /proc/PID/stat). */
static long minor_faults(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (bench_read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 10 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p, NULL, 10) : 0;
}

struct cpu {
	uint64_t proc, kids, self;
};

static struct cpu cpu_now(pid_t pid)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	struct cpu c = {bench_task_cpu_ns(pid), bench_children_cpu_ns(pid),
			(uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec};
	return c;
}

/* CPU microseconds per call between |a| and |b|. */
static json_t *cpu_per_call(struct cpu a, struct cpu b, long calls)
{
	return json_pack("{s:f,s:f,s:f}", "process",
			 bench_round_to((double)(b.proc - a.proc) / 1e3 / (double)calls, 2),
			 "children",
			 bench_round_to((double)(b.kids - a.kids) / 1e3 / (double)calls, 2),
			 "client",
			 bench_round_to((double)(b.self - a.self) / 1e3 / (double)calls, 2));
}

static void print_cpu(struct cpu a, struct cpu b, long calls)
{
	fprintf(stderr, "            CPU per call: process %.2f us, its children %.2f us, "
			"client %.2f us\n",
		(double)(b.proc - a.proc) / 1e3 / (double)calls,
		(double)(b.kids - a.kids) / 1e3 / (double)calls,
		(double)(b.self - a.self) / 1e3 / (double)calls);
}

/* Close its stdin, read its stdout to the end, wait for it.  Returns the
 * milliseconds from closing stdin to the exit. */
static double conn_close(struct bench_conn *c)
{
	uint64_t t0 = bench_now_ns();
	close(c->wfd);
	set_nonblock(c->rfd, true);
	int status = 0;
	size_t stray = 0;
	for (;;) {
		pid_t p = waitpid(c->pid, &status, WNOHANG);
		if (p == c->pid)
			break;
		if (p < 0 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		if ((bench_now_ns() - t0) / 1000000 > EXIT_WAIT_MS) {
			fail("the process did not exit %d ms after its stdin was closed; killed",
			     EXIT_WAIT_MS);
			(void)kill(c->pid, SIGKILL);
			(void)waitpid(c->pid, &status, 0);
			break;
		}
		/* Keep its stdout drained so it can never block on it. */
		if (!c->eof) {
			struct pollfd pf = {.fd = c->rfd, .events = POLLIN};
			(void)poll(&pf, 1, 1);
			size_t before = c->end - c->start;
			if (conn_fill(c) > 0)
				stray += c->end - c->start - before;
			c->start = c->scan = c->end;
		} else {
			usleep(20);
		}
	}
	double ms = (double)(bench_now_ns() - t0) / 1e6;
	if (stray)
		fail("%zu unexpected byte(s) on stdout after the last response", stray);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fail("the process exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fail("the process was killed by signal %d", WTERMSIG(status));
	close(c->rfd);
	if (c->exec_fd >= 0)
		close(c->exec_fd);
	free(c->buf);
	c->buf = NULL;
	g_child = 0;
	return ms;
}

/* ---- messages ------------------------------------------------------------- */

/* tools/call echo; |text| needs no JSON escaping (checked in main). */
static size_t fmt_echo(char *out, size_t size, long id, const char *text)
{
	int n = snprintf(out, size,
			 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{"
			 "\"name\":\"echo\",\"arguments\":{\"text\":\"%s\"}}}\n",
			 id, text);
	if (n < 0 || (size_t)n >= size)
		die("request buffer too small");
	return (size_t)n;
}

static size_t fmt_big(char *out, size_t size, long id, long bytes)
{
	int n = snprintf(out, size,
			 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{"
			 "\"name\":\"big\",\"arguments\":{\"bytes\":%ld}}}\n",
			 id, bytes);
	return (size_t)n;
}

enum resp { RESP_OK, RESP_OTHER, RESP_ERROR };

/* Cheap look at one line from the process: a response (with its numeric
 * id), something else (a notification or a request from the server, which
 * a benchmark ignores), or an error response.  The first "id" member is
 * taken; for lines where that is not conclusive jansson decides. */
static enum resp classify(const char *line, size_t len, long *id)
{
	size_t head = len < 256 ? len : 256;
	const char *p = memmem(line, head, "\"id\":", 5);
	bool has_method = memmem(line, head, "\"method\":", 9) != NULL;
	if (p && !has_method) {
		char *end;
		p += 5;
		while (p < line + head && *p == ' ')
			p++;
		long v = strtol(p, &end, 10);
		if (end != p && (*end == ',' || *end == '}' || *end == ' ')) {
			*id = v;
			/* A failed call is either a JSON-RPC error or an
			 * isError result; both are short. */
			if (len < 4096 && (memmem(line, len, "\"error\":{", 9) ||
					   memmem(line, len, "\"isError\":true", 14)))
				return RESP_ERROR;
			return RESP_OK;
		}
	}
	json_t *j = json_loadb(line, len, 0, NULL);
	json_t *jid = json_object_get(j, "id");
	enum resp r = RESP_OTHER;
	if (j && !json_object_get(j, "method") && json_is_integer(jid)) {
		*id = (long)json_integer_value(jid);
		json_t *res = json_object_get(j, "result");
		r = (!res || json_is_true(json_object_get(res, "isError"))) ? RESP_ERROR : RESP_OK;
	}
	json_decref(j);
	return r;
}

static void show_line(const char *what, const char *line, size_t len)
{
	fail("%s: %.*s%s", what, (int)(len > 300 ? 300 : len), line, len > 300 ? "..." : "");
}

/* Full check of an echo or big response with jansson. */
static void verify_text(const char *line, size_t len, long id, const char *text, size_t text_len,
			char fill)
{
	json_error_t err;
	json_t *j = json_loadb(line, len, 0, &err);
	if (!j) {
		fail("a response is not valid JSON (%s)", err.text);
		return;
	}
	json_t *t = json_object_get(
		json_array_get(json_object_get(json_object_get(j, "result"), "content"), 0),
		"text");
	if (!json_is_string(json_object_get(j, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(j, "jsonrpc")), "2.0") != 0)
		show_line("a response without \"jsonrpc\":\"2.0\"", line, len);
	else if (!json_is_integer(json_object_get(j, "id")) ||
		 json_integer_value(json_object_get(j, "id")) != id)
		show_line("a response with the wrong id", line, len);
	else if (!json_is_string(t) || json_string_length(t) != text_len)
		show_line("a response without the expected text", line, len);
	else if (text && memcmp(json_string_value(t), text, text_len) != 0)
		show_line("a response with a different text", line, len);
	else if (!text) {
		const char *s = json_string_value(t);
		for (size_t i = 0; i < text_len; i++)
			if (s[i] != fill) {
				fail("the big text differs at byte %zu", i);
				break;
			}
	}
	json_decref(j);
}

/* Send |req| and return the response to |id|, skipping anything else. */
static char *call(struct bench_conn *c, const char *req, size_t req_len, long id, size_t *len)
{
	write_all(c, req, req_len);
	for (;;) {
		char *line = conn_read_line(c, len);
		if (!line)
			die("the process closed its stdout while request %ld was in flight", id);
		long got = -1;
		enum resp r = classify(line, *len, &got);
		if (r == RESP_OTHER)
			continue;
		if (got != id) {
			show_line("a response to an unexpected id", line, *len);
			die("giving up");
		}
		if (r == RESP_ERROR)
			show_line("an error response", line, *len);
		return line;
	}
}

/* Spawn, then initialize; returns the nanoseconds from fork to the
 * initialize response. */
static uint64_t conn_start(struct bench_conn *c, const struct settings *st)
{
	char req[512];
	conn_spawn(c, st);
	long id = c->next_id++;
	size_t n = bench_fmt_initialize(req, sizeof(req), id, PROG);
	write_all(c, req, n);
	conn_check_exec(c, st);
	size_t len;
	char *line;
	long got = -1;
	enum resp r;
	do {
		line = conn_read_line(c, &len);
		if (!line)
			die("the process closed its stdout before answering initialize");
		r = classify(line, len, &got);
	} while (r == RESP_OTHER);
	uint64_t t = bench_now_ns() - c->t_fork;
	if (r != RESP_OK || got != id) {
		show_line("unexpected answer to initialize", line, len);
		die("giving up");
	}
	write_all(c, BENCH_INITIALIZED_MSG, sizeof(BENCH_INITIALIZED_MSG) - 1);
	return t;
}

/* ---- statistics ----------------------------------------------------------- */

static json_t *jnum(double v, int decimals)
{
	return json_real(bench_round_to(v, decimals));
}

/* ---- phases --------------------------------------------------------------- */

static json_t *run_startup(const struct settings *st)
{
	long n = st->startup_n;
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	uint64_t *down = calloc((size_t)n, sizeof(*down));
	if (!t || !down)
		die("out of memory");
	phase("startup", 60 + (unsigned)n);
	for (long i = -1; i < n; i++) { /* i = -1: one warm-up spawn */
		struct bench_conn c;
		uint64_t ns = conn_start(&c, st);
		double ms = conn_close(&c);
		if (i >= 0) {
			t[i] = ns;
			down[i] = (uint64_t)(ms * 1e6);
		}
	}
	qsort(t, (size_t)n, sizeof(*t), bench_cmp_u64);
	qsort(down, (size_t)n, sizeof(*down), bench_cmp_u64);
	json_t *o = json_object();
	json_object_set_new(o, "spawns", json_integer(n));
	json_object_set_new(o, "median_ms", jnum((double)bench_pct(t, (size_t)n, 50) / 1e6, 3));
	json_object_set_new(o, "min_ms", jnum((double)t[0] / 1e6, 3));
	json_object_set_new(o, "p90_ms", jnum((double)bench_pct(t, (size_t)n, 90) / 1e6, 3));
	json_object_set_new(o, "max_ms", jnum((double)t[n - 1] / 1e6, 3));
	json_object_set_new(o, "shutdown_median_ms",
			    jnum((double)bench_pct(down, (size_t)n, 50) / 1e6, 3));
	fprintf(stderr, "  startup   median %.2f ms (min %.2f, p90 %.2f) over %ld spawns; "
			"exit after stdin closes: median %.2f ms\n",
		(double)bench_pct(t, (size_t)n, 50) / 1e6, (double)t[0] / 1e6,
		(double)bench_pct(t, (size_t)n, 90) / 1e6, n,
		(double)bench_pct(down, (size_t)n, 50) / 1e6);
	free(t);
	free(down);
	return o;
}

static json_t *run_latency(struct bench_conn *c, const struct settings *st)
{
	long n = st->latency_n, warm = st->latency_warmup;
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		die("out of memory");
	char req[1024];
	size_t text_len = strlen(st->text), req_bytes = 0, resp_bytes = 0;
	phase("latency", 60 + (unsigned)((n + warm) / 1000));
	struct cpu c0 = {0, 0, 0};
	for (long i = -warm; i < n; i++) {
		if (i == 0)
			c0 = cpu_now(c->pid);
		long id = c->next_id++;
		size_t rl = fmt_echo(req, sizeof(req), id, st->text), len;
		uint64_t t0 = bench_now_ns();
		char *line = call(c, req, rl, id, &len);
		uint64_t dt = bench_now_ns() - t0;
		if (i >= 0)
			t[i] = dt;
		if (i < -warm + VERIFY_FIRST)
			verify_text(line, len, id, st->text, text_len, 0);
		req_bytes = rl;
		resp_bytes = len + 1;
	}
	struct cpu c1 = cpu_now(c->pid);
	uint64_t sum = 0;
	for (long i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), bench_cmp_u64);
	json_t *o = json_object();
	json_object_set_new(o, "calls", json_integer(n));
	json_object_set_new(o, "warmup", json_integer(warm));
	json_object_set_new(o, "request_bytes", json_integer((json_int_t)req_bytes));
	json_object_set_new(o, "response_bytes", json_integer((json_int_t)resp_bytes));
	json_object_set_new(o, "min_us", jnum((double)t[0] / 1e3, 1));
	json_object_set_new(o, "p50_us", jnum((double)bench_pct(t, (size_t)n, 50) / 1e3, 1));
	json_object_set_new(o, "p90_us", jnum((double)bench_pct(t, (size_t)n, 90) / 1e3, 1));
	json_object_set_new(o, "p99_us", jnum((double)bench_pct(t, (size_t)n, 99) / 1e3, 1));
	json_object_set_new(o, "p999_us", jnum((double)bench_pct(t, (size_t)n, 99.9) / 1e3, 1));
	json_object_set_new(o, "max_us", jnum((double)t[n - 1] / 1e3, 1));
	json_object_set_new(o, "mean_us", jnum((double)sum / (double)n / 1e3, 1));
	json_object_set_new(o, "cpu_us_per_call", cpu_per_call(c0, c1, n));
	fprintf(stderr, "  latency   p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%ld calls of %zu/%zu "
			"bytes after %ld warm-up)\n",
		(double)bench_pct(t, (size_t)n, 50) / 1e3,
		(double)bench_pct(t, (size_t)n, 99) / 1e3,
		(double)bench_pct(t, (size_t)n, 99.9) / 1e3, n, req_bytes, resp_bytes, warm);
	print_cpu(c0, c1, n);
	free(t);
	return o;
}

static json_t *run_pipeline(struct bench_conn *c, const struct settings *st)
{
	const long n = st->pipeline_n, window = st->window;
	const long base = c->next_id;
	const size_t text_len = strlen(st->text);
	const size_t max_req = 256 + text_len;
	const size_t out_cap = (size_t)window * max_req + 65536;
	char *out = malloc(out_cap);
	unsigned char *seen = calloc((size_t)n, 1);
	if (!out || !seen)
		die("out of memory");
	const long marks[3] = {n / 10 ? n / 10 : 1, n / 2 ? n / 2 : 1, n};
	struct mem at[3];
	int next_mark = 0;
	long sent = 0, received = 0, verified = 0, max_in_flight = 0;
	size_t olen = 0, ooff = 0;

	phase("pipeline", 60 + (unsigned)(n / 2000));
	set_nonblock(c->wfd, true);
	set_nonblock(c->rfd, true);
	struct cpu c0 = cpu_now(c->pid);
	uint64_t t0 = bench_now_ns();
	while (received < n) {
		/* Top the window up and write what we can without waiting. */
		if (ooff > 0 && ooff < olen && olen + max_req > out_cap) {
			memmove(out, out + ooff, olen - ooff);
			olen -= ooff;
			ooff = 0;
		}
		while (sent < n && sent - received < window && olen + max_req <= out_cap) {
			olen += fmt_echo(out + olen, out_cap - olen, base + sent, st->text);
			sent++;
		}
		if (sent - received > max_in_flight)
			max_in_flight = sent - received;
		if (ooff < olen) {
			ssize_t w = write(c->wfd, out + ooff, olen - ooff);
			if (w > 0)
				ooff += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				die("writing to the process: %s", strerror(errno));
			if (ooff == olen)
				ooff = olen = 0;
		}

		struct pollfd pf[2] = {{.fd = c->rfd, .events = POLLIN},
				       {.fd = c->wfd, .events = POLLOUT}};
		int r = poll(pf, ooff < olen ? 2 : 1, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pf[1].revents & (POLLERR | POLLHUP))
			die("the process closed its stdin with %ld calls in flight",
			    sent - received);
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (conn_fill(c) == 0)
			die("the process closed its stdout with %ld calls in flight",
			    sent - received);
		char *line;
		size_t len;
		while ((line = bench_conn_next_line(c, &len)) != NULL) {
			long id = -1;
			enum resp k = classify(line, len, &id);
			if (k == RESP_OTHER)
				continue;
			long i = id - base;
			if (i < 0 || i >= sent || seen[i]) {
				show_line("a response to an unknown or answered id", line, len);
				die("giving up");
			}
			seen[i] = 1;
			if (k == RESP_ERROR)
				show_line("an error response", line, len);
			if (verified < VERIFY_FIRST) {
				verify_text(line, len, id, st->text, text_len, 0);
				verified++;
			}
			received++;
			if (next_mark < 3 && received >= marks[next_mark]) {
				struct mem m = read_mem(c->pid);
				while (next_mark < 3 && received >= marks[next_mark])
					at[next_mark++] = m;
			}
		}
	}
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	struct cpu c1 = cpu_now(c->pid);
	c->next_id = base + n;
	set_nonblock(c->wfd, false);
	set_nonblock(c->rfd, false);
	free(out);
	free(seen);

	json_t *o = json_object();
	json_object_set_new(o, "calls", json_integer(n));
	json_object_set_new(o, "window", json_integer(window));
	json_object_set_new(o, "max_in_flight", json_integer(max_in_flight));
	json_object_set_new(o, "seconds", jnum(secs, 4));
	json_object_set_new(o, "calls_per_s", jnum((double)n / secs, 0));
	json_t *cp = json_array();
	for (int i = 0; i < 3; i++)
		json_array_append_new(cp, json_pack("{s:I,s:I,s:I}", "calls", (json_int_t)marks[i],
						    "rss_kib", (json_int_t)at[i].rss_kib,
						    "hwm_kib", (json_int_t)at[i].hwm_kib));
	json_object_set_new(o, "checkpoints", cp);
	json_object_set_new(o, "cpu_us_per_call", cpu_per_call(c0, c1, n));
	fprintf(stderr, "  pipeline  %.0f calls/s (%ld calls, window %ld, %.2f s); RSS %.2f MiB "
			"after %ld calls, %.2f MiB after %ld\n",
		(double)n / secs, n, window, secs, (double)at[0].rss_kib / 1024.0, marks[0],
		(double)at[2].rss_kib / 1024.0, marks[2]);
	print_cpu(c0, c1, n);
	return o;
}

static json_t *run_big(const struct settings *st)
{
	struct bench_conn c;
	long n = st->big_n, warm = st->big_warmup;
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	if (!t)
		die("out of memory");
	char req[512];
	phase("big", 60 + (unsigned)((n + warm) * (st->big_bytes >> 20) / 4));
	conn_start(&c, st);
	uint64_t bytes = 0, total = 0;
	size_t resp_len = 0;
	struct cpu c0 = {0, 0, 0};
	long f0 = 0;
	for (long i = -warm; i < n; i++) {
		if (i == 0) {
			c0 = cpu_now(c.pid);
			f0 = minor_faults(c.pid);
		}
		long id = c.next_id++;
		size_t rl = fmt_big(req, sizeof(req), id, st->big_bytes), len;
		uint64_t t0 = bench_now_ns();
		char *line = call(&c, req, rl, id, &len);
		uint64_t dt = bench_now_ns() - t0;
		if ((long)len < st->big_bytes)
			fail("a big response of %zu bytes, fewer than the %ld asked for", len,
			     st->big_bytes);
		if (i == -warm)
			verify_text(line, len, id, NULL, (size_t)st->big_bytes, 'x');
		if (i >= 0) {
			t[i] = dt;
			total += dt;
			bytes += len + 1;
		}
		resp_len = len + 1;
	}
	struct cpu c1 = cpu_now(c.pid);
	long f1 = minor_faults(c.pid);
	struct mem m = read_mem(c.pid);
	conn_close(&c);
	double secs = (double)total / 1e9;
	qsort(t, (size_t)n, sizeof(*t), bench_cmp_u64);
	json_t *o = json_object();
	json_object_set_new(o, "calls", json_integer(n));
	json_object_set_new(o, "text_bytes", json_integer(st->big_bytes));
	json_object_set_new(o, "response_bytes", json_integer((json_int_t)resp_len));
	json_object_set_new(o, "seconds", jnum(secs, 4));
	json_object_set_new(o, "mb_per_s", jnum((double)bytes / secs / 1e6, 1));
	json_object_set_new(o, "p50_ms", jnum((double)bench_pct(t, (size_t)n, 50) / 1e6, 3));
	json_object_set_new(o, "max_ms", jnum((double)t[n - 1] / 1e6, 3));
	json_object_set_new(o, "peak_rss_kib", json_integer(m.hwm_kib));
	json_object_set_new(o, "rss_kib", json_integer(m.rss_kib));
	json_object_set_new(o, "cpu_us_per_call", cpu_per_call(c0, c1, n));
	json_object_set_new(o, "minor_faults_per_call", jnum((double)(f1 - f0) / (double)n, 1));
	fprintf(stderr, "  big       %.1f MB/s (%ld results of %zu bytes, median %.2f ms each); "
			"peak RSS %.2f MiB, RSS at the end %.2f MiB\n",
		(double)bytes / secs / 1e6, n, resp_len, (double)bench_pct(t, (size_t)n, 50) / 1e6,
		(double)m.hwm_kib / 1024.0, (double)m.rss_kib / 1024.0);
	print_cpu(c0, c1, n);
	fprintf(stderr, "            minor page faults per call: %.1f\n",
		(double)(f1 - f0) / (double)n);
	free(t);
	return o;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [OPTIONS] -- CMD [ARGS...]\n"
		"       " PROG " --report [--baseline LABEL] [--targets PREFIX] FILE...\n"
		"Start CMD (an MCP stdio server, or a relay or gateway in front of one) and\n"
		"measure startup, echo latency, pipelined throughput, big results and RSS.\n"
		"One JSON object goes to stdout, a summary to stderr.\n"
		"\n"
		"  --label NAME        name of this configuration in the JSON (default: CMD)\n"
		"  --run N             run number to record in the JSON (default 1)\n"
		"  --quick             small counts, for a smoke run (about a second)\n"
		"  --scale F           multiply every count by F (after --quick)\n"
		"  --startup N         spawns for startup (default 50; quick 5)\n"
		"  --latency N         sequential echo calls (default 20000; quick 2000)\n"
		"  --warmup N          echo calls before timing (default 1000; quick 200)\n"
		"  --pipeline N        pipelined echo calls (default 100000; quick 10000)\n"
		"  --window N          pipelined calls in flight (default 256)\n"
		"  --big N             big calls (default 50; quick 5)\n"
		"  --big-bytes N       text size of a big result (default 4194304)\n"
		"  --text TEXT         echo text (default \"hello, assay\"; no quotes or\n"
		"                      backslashes)\n"
		"  --only LIST         phases to run: startup,latency,pipeline,big\n"
		"  --pipe-size N       set our two pipes to N bytes (default: kernel default)\n"
		"  --keep-stderr       let the process's stderr through (default /dev/null)\n"
		"  -h, --help\n");
}

static long num_arg(const char *opt, const char *v, long min)
{
	long n;
	if (!bench_parse_long(v, min, LONG_MAX, &n)) {
		fprintf(stderr, PROG ": %s needs an integer >= %ld\n", opt, min);
		exit(2);
	}
	return n;
}

static long scaled(long n, double f, long min)
{
	double v = (double)n * f;
	return v < (double)min ? min : (long)v;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--report") == 0)
		return bench_report_main(argc - 1, argv + 1);

	struct settings st = {
		.run = 1,
		.text = "hello, assay",
		.phases = PH_ALL,
		.window = 256,
		.big_bytes = 4194304,
	};
	long o_startup = -1, o_latency = -1, o_warmup = -1, o_pipeline = -1, o_big = -1;
	double scale = 1.0;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--quick") == 0) {
			st.quick = true;
		} else if (strcmp(a, "--keep-stderr") == 0) {
			st.keep_stderr = true;
		} else if (strcmp(a, "--label") == 0 && v) {
			st.label = v, i++;
		} else if (strcmp(a, "--text") == 0 && v) {
			st.text = v, i++;
		} else if (strcmp(a, "--run") == 0) {
			st.run = (int)num_arg(a, v, 1), i++;
		} else if (strcmp(a, "--scale") == 0 && v) {
			char *end;
			scale = strtod(v, &end);
			if (*end || !(scale > 0)) {
				fprintf(stderr, PROG ": --scale needs a positive number\n");
				return 2;
			}
			i++;
		} else if (strcmp(a, "--startup") == 0) {
			o_startup = num_arg(a, v, 1), i++;
		} else if (strcmp(a, "--latency") == 0) {
			o_latency = num_arg(a, v, 1), i++;
		} else if (strcmp(a, "--warmup") == 0) {
			o_warmup = num_arg(a, v, 0), i++;
		} else if (strcmp(a, "--pipeline") == 0) {
			o_pipeline = num_arg(a, v, 10), i++;
		} else if (strcmp(a, "--window") == 0) {
			st.window = num_arg(a, v, 1), i++;
		} else if (strcmp(a, "--big") == 0) {
			o_big = num_arg(a, v, 1), i++;
		} else if (strcmp(a, "--big-bytes") == 0) {
			st.big_bytes = num_arg(a, v, 0), i++;
		} else if (strcmp(a, "--pipe-size") == 0) {
			st.pipe_size = (int)num_arg(a, v, 4096), i++;
		} else if (strcmp(a, "--only") == 0 && v) {
			st.phases = 0;
			char *list = strdup(v), *save = NULL;
			for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (strcmp(w, "startup") == 0)
					st.phases |= PH_STARTUP;
				else if (strcmp(w, "latency") == 0)
					st.phases |= PH_LATENCY;
				else if (strcmp(w, "pipeline") == 0)
					st.phases |= PH_PIPELINE;
				else if (strcmp(w, "big") == 0)
					st.phases |= PH_BIG;
				else {
					fprintf(stderr, PROG ": unknown phase '%s'\n", w);
					return 2;
				}
			}
			free(list);
			i++;
		} else if (a[0] == '-') {
			fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, PROG ": no command given\n");
		usage(stderr);
		return 2;
	}
	st.cmd = argv + i;
	if (!st.label)
		st.label = st.cmd[0];
	if (strpbrk(st.text, "\"\\") || strlen(st.text) > 4096) {
		fprintf(stderr, PROG ": --text must not contain quotes or backslashes\n");
		return 2;
	}
	for (const char *p = st.text; *p; p++)
		if ((unsigned char)*p < 0x20) {
			fprintf(stderr, PROG ": --text must not contain control characters\n");
			return 2;
		}

	st.startup_n = o_startup > 0 ? o_startup : scaled(st.quick ? 5 : 50, scale, 1);
	st.latency_n = o_latency > 0 ? o_latency : scaled(st.quick ? 2000 : 20000, scale, 1);
	st.latency_warmup = o_warmup >= 0 ? o_warmup : scaled(st.quick ? 200 : 1000, scale, 0);
	st.pipeline_n = o_pipeline > 0 ? o_pipeline : scaled(st.quick ? 10000 : 100000, scale, 10);
	st.big_n = o_big > 0 ? o_big : scaled(st.quick ? 5 : 50, scale, 1);
	st.big_warmup = st.quick ? 1 : 2;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);

	json_t *cmd = json_array();
	for (char **p = st.cmd; *p; p++)
		json_array_append_new(cmd, json_string(*p));
	json_t *res = json_pack("{s:s,s:i,s:o,s:b}", "label", st.label, "run", st.run, "command",
				cmd, "quick", st.quick);
	fprintf(stderr, "%s (run %d):\n", st.label, st.run);

	if (st.phases & PH_STARTUP)
		json_object_set_new(res, "startup", run_startup(&st));
	if (st.phases & (PH_LATENCY | PH_PIPELINE)) {
		struct bench_conn c;
		phase("small messages: start", 60);
		conn_start(&c, &st);
		if (st.phases & PH_LATENCY)
			json_object_set_new(res, "latency", run_latency(&c, &st));
		if (st.phases & PH_PIPELINE)
			json_object_set_new(res, "pipeline", run_pipeline(&c, &st));
		struct mem m = read_mem(c.pid);
		phase("small messages: exit", 60);
		conn_close(&c);
		json_object_set_new(res, "small_peak_rss_kib", json_integer(m.hwm_kib));
		json_object_set_new(res, "small_rss_kib", json_integer(m.rss_kib));
		fprintf(stderr, "  memory    peak RSS after the small-message phases %.2f MiB\n",
			(double)m.hwm_kib / 1024.0);
	}
	if (st.phases & PH_BIG)
		json_object_set_new(res, "big", run_big(&st));
	alarm(0);

	json_object_set_new(res, "failures", json_integer(g_failures));
	int rc = bench_print_result(res, PROG, g_failures);
	if (rc < 0)
		die("out of memory");
	return rc;
}
