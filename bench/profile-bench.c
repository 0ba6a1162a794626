/* bench/profile-bench.c - assay-profile-bench: what profile mode (--profile)
 * costs a real Node MCP server, against the same gateway without it.
 *
 *   assay-profile-bench --gateway PATH [OPTIONS]
 *   assay-profile-bench --report FILE...
 *
 * The server is the npm package @modelcontextprotocol/server-filesystem,
 * run as `node SCRIPT TREE` (SCRIPT: the "bin" of its package.json under
 * --node-modules) on a generated tree of --dirs directories of
 * --files-per-dir small files each, in a temporary directory.  The gateway
 * runs it under a policy file that grants read on the tree and on the
 * node_modules directory, with and without `--profile FILE` (FILE, its
 * evidence and its report go to the temporary directory and are removed
 * after every session).  The two configurations take turns, the order
 * flipping every time, so that drift on the machine hits both alike:
 *
 *   startup   spawn of the gateway to the initialize response, and to the
 *             tools/list response sent right after it; then stdin closed
 *             to the exit (with --profile: the three files are written)
 *   calls     one session of each configuration per tool, both open at
 *             once; sequential tools/call round trips, alternating between
 *             them: directory_tree of the whole tree (opens every directory)
 *             and read_multiple_files of --read-files files (opens each)
 *
 * Output: one JSON object on stdout, a summary on stderr.  When node or the
 * server package is not installed, the object says "skipped" with the reason
 * and the exit status is 0.  The exit status is 1 when a response was
 * missing or wrong, a process exited uncleanly or profile mode wrote no
 * files; a timing never makes it fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"

#define PROG "assay-profile-bench"
#define SERVER_PKG "@modelcontextprotocol/server-filesystem"
#define READ_CHUNK ((size_t)64 * 1024)
#define PHASE_TIMEOUT_MS 60000 /* for one response or one exit */

enum { PLAIN, PROFILE, NCONF };
static const char *const conf_name[NCONF] = {"plain", "profile"};

/* ---- errors --------------------------------------------------------------- */

static pid_t g_child[8];      /* killed on a fatal error */
static char g_work[PATH_MAX]; /* the temporary directory; removed at the end */
static unsigned g_failures;
static const char *g_phase = "setup";

static void rm_tree(const char *dir);

static void track(pid_t pid, bool on)
{
	for (size_t i = 0; i < sizeof(g_child) / sizeof(*g_child); i++)
		if (on ? g_child[i] == 0 : g_child[i] == pid) {
			g_child[i] = on ? pid : 0;
			return;
		}
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bench_vwarn(PROG, g_phase, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < sizeof(g_child) / sizeof(*g_child); i++)
		if (g_child[i] > 0) {
			(void)kill(g_child[i], SIGKILL);
			(void)waitpid(g_child[i], NULL, 0);
		}
	if (g_work[0])
		rm_tree(g_work);
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

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	(void)remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- settings ------------------------------------------------------------- */

struct settings {
	const char *gateway, *node_modules, *node_arg;
	char node[PATH_MAX], script[PATH_MAX];
	char tree[PATH_MAX], policy[PATH_MAX], profile[PATH_MAX];
	char evidence[PATH_MAX], report[PATH_MAX];
	char node_version[64], server_version[64];
	char bin[PATH_MAX]; /* the script, relative to its package */
	int run;
	bool quick, keep_stderr;
	long startups, calls, warmup, dirs, per_dir, read_files;
};

/* ---- the gateway under test ------------------------------------------------ */

static void spawn(struct bench_conn *p, const struct settings *st, int conf)
{
	const char *argv[16];
	int n = 0;
	argv[n++] = st->gateway;
	argv[n++] = "--policy";
	argv[n++] = st->policy;
	if (conf == PROFILE) {
		argv[n++] = "--profile";
		argv[n++] = st->profile;
	}
	argv[n++] = "--";
	argv[n++] = st->node;
	argv[n++] = st->script;
	argv[n++] = st->tree;
	argv[n] = NULL;

	int errfd = st->keep_stderr ? -1 : open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct bench_spawn o = {.argv = (char *const *)argv, .stderr_fd = errfd};
	const char *what;
	if (bench_conn_spawn(p, &o, &what) != 0)
		die("%s: %s", what, strerror(errno));
	track(p->pid, true);
	if (errfd >= 0)
		close(errfd);
	p->cap = READ_CHUNK;
	if (!(p->buf = malloc(p->cap)))
		die("out of memory");
}

static void send_all(struct bench_conn *p, const char *s, size_t n)
{
	if (bench_conn_write(p, s, n) != 0)
		die("writing to the gateway: %s", strerror(errno));
}

/* One read(2), waiting at most until |deadline|.  0 at end of file. */
static ssize_t fill(struct bench_conn *p, uint64_t deadline)
{
	if (!bench_conn_room(p, READ_CHUNK / 2))
		die("out of memory");
	for (;;) {
		uint64_t now = bench_now_ns();
		if (now >= deadline)
			die("no answer from the gateway within %d s", PHASE_TIMEOUT_MS / 1000);
		struct pollfd pf = {.fd = p->rfd, .events = POLLIN};
		int r = poll(&pf, 1, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		ssize_t n = bench_conn_read(p);
		if (n >= 0)
			return n;
		if (errno != EAGAIN)
			die("reading from the gateway: %s", strerror(errno));
	}
}

/* The next line (without '\n'; NUL-terminated in place), or NULL at end of
 * file. */
static char *read_line(struct bench_conn *p, size_t *len)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)PHASE_TIMEOUT_MS * 1000000u;
	for (;;) {
		char *line = bench_conn_next_line(p, len);
		if (line) {
			line[*len] = '\0';
			return line;
		}
		if (p->eof || fill(p, deadline) == 0)
			return NULL;
	}
}

/* Send |req| (one line, with its '\n') and return the response to |id|,
 * parsed, with the monotonic time it was complete in |*done_ns|.  Lines
 * that are not that response (notifications, requests from the server)
 * are skipped.  NULL (a failure was reported) when the gateway closed its
 * stdout or the response is no JSON or an error. */
static json_t *call(struct bench_conn *p, const char *req, long id, uint64_t *done_ns)
{
	char want[48];
	int wl = snprintf(want, sizeof(want), "\"id\":%ld", id);
	send_all(p, req, strlen(req));
	for (;;) {
		size_t len;
		char *line = read_line(p, &len);
		if (!line) {
			fail("the gateway closed its stdout while request %ld was in flight", id);
			return NULL;
		}
		/* A cheap test first; the whole line is parsed after the clock stops. */
		if (!memmem(line, len, want, (size_t)wl))
			continue;
		*done_ns = bench_now_ns();
		json_error_t err;
		json_t *j = json_loadb(line, len, 0, &err);
		if (!j) {
			fail("a response that is not JSON (%s): %.200s", err.text, line);
			return NULL;
		}
		json_t *jid = json_object_get(j, "id");
		if (json_object_get(j, "method") || !json_is_integer(jid) ||
		    json_integer_value(jid) != id) {
			json_decref(j);
			continue;
		}
		json_t *res = json_object_get(j, "result");
		if (!json_is_object(res) || json_is_true(json_object_get(res, "isError"))) {
			fail("request %ld was answered with an error: %.300s", id, line);
			json_decref(j);
			return NULL;
		}
		return j;
	}
}

static const char *const tools_needed[] = {"directory_tree", "read_multiple_files", NULL};

/* Spawn, initialize, list the tools: the times from the fork to the two
 * responses.  Returns false after a failure (the process is still to be
 * closed). */
static bool start(struct bench_conn *p, const struct settings *st, int conf, uint64_t *init_ns,
		  uint64_t *list_ns)
{
	char req[512];
	uint64_t done;
	spawn(p, st, conf);
	long id = p->next_id++;
	bench_fmt_initialize(req, sizeof(req), id, PROG);
	json_t *j = call(p, req, id, &done);
	if (!j)
		return false;
	*init_ns = done - p->t_fork;
	bool ok = json_is_object(json_object_get(json_object_get(j, "result"), "serverInfo"));
	json_decref(j);
	if (!ok) {
		fail("an initialize result without serverInfo");
		return false;
	}
	send_all(p, BENCH_INITIALIZED_MSG, sizeof(BENCH_INITIALIZED_MSG) - 1);
	id = p->next_id++;
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/list\"}\n",
		 id);
	if (!(j = call(p, req, id, &done)))
		return false;
	*list_ns = done - p->t_fork;
	json_t *tools = json_object_get(json_object_get(j, "result"), "tools");
	for (const char *const *want = tools_needed; *want; want++) {
		bool found = false;
		size_t i;
		json_t *t;
		json_array_foreach(tools, i, t)
		{
			const char *name = json_string_value(json_object_get(t, "name"));
			if (name && strcmp(name, *want) == 0)
				found = true;
		}
		if (!found) {
			fail("tools/list does not offer %s", *want);
			ok = false;
		}
	}
	json_decref(j);
	return ok;
}

/* The counter "notifications" of the evidence: the system calls observed.
 * -1 when it is not there. */
static long observed_calls(const char *evidence, long *lost)
{
	FILE *f = fopen(evidence, "r");
	if (!f)
		return -1;
	char line[512];
	bool in_counters = false;
	long n = -1;
	*lost = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != ' ' && line[0] != '\n')
			in_counters = strncmp(line, "counters:", 9) == 0;
		else if (in_counters && strncmp(line, "  notifications: ", 17) == 0)
			n = strtol(line + 17, NULL, 10);
		else if (in_counters && strncmp(line, "  lost: ", 8) == 0)
			*lost = strtol(line + 8, NULL, 10);
	}
	fclose(f);
	return n;
}

/* Close stdin, drain stdout, wait for the exit: the time from closing stdin
 * to the exit in |*exit_ns|.  With --profile, check its three files, read
 * the observed calls into |*observed| and remove the files. */
static void finish(struct bench_conn *p, const struct settings *st, int conf, uint64_t *exit_ns,
		   long *observed, long *lost)
{
	uint64_t t0 = bench_now_ns();
	close(p->wfd);
	int status = 0;
	for (;;) {
		pid_t w = waitpid(p->pid, &status, WNOHANG);
		if (w == p->pid)
			break;
		if (w < 0 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		if (bench_now_ns() - t0 > (uint64_t)PHASE_TIMEOUT_MS * 1000000u) {
			fail("the gateway did not exit %d s after its stdin was closed; killed",
			     PHASE_TIMEOUT_MS / 1000);
			(void)kill(p->pid, SIGKILL);
			(void)waitpid(p->pid, &status, 0);
			break;
		}
		if (!p->eof) {
			struct pollfd pf = {.fd = p->rfd, .events = POLLIN};
			if (poll(&pf, 1, 1) > 0) {
				p->start = p->scan = p->end = 0;
				ssize_t n = read(p->rfd, p->buf, p->cap);
				if (n == 0)
					p->eof = true;
			}
		} else {
			usleep(50);
		}
	}
	*exit_ns = bench_now_ns() - t0;
	track(p->pid, false);
	close(p->rfd);
	free(p->buf);
	p->buf = NULL;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fail("the gateway (%s) exited with status %d", conf_name[conf], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fail("the gateway (%s) was killed by signal %d", conf_name[conf], WTERMSIG(status));
	*observed = -1;
	*lost = 0;
	if (conf != PROFILE)
		return;
	const char *files[] = {st->profile, st->evidence, st->report};
	for (size_t i = 0; i < 3; i++) {
		struct stat sb;
		if (stat(files[i], &sb) != 0 || sb.st_size == 0)
			fail("profile mode wrote no %s", i == 0 ? "suggested policy"
							  : i == 1 ? "evidence" : "report");
	}
	*observed = observed_calls(st->evidence, lost);
	if (*observed < 0 && access(st->evidence, F_OK) == 0)
		fail("the evidence has no counters.notifications");
	for (size_t i = 0; i < 3; i++)
		(void)unlink(files[i]);
}

/* ---- statistics ----------------------------------------------------------- */

/* Nearest-rank percentile of |v| (sorted in place), in milliseconds. */
static double pct_ms(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	return (double)bench_pct(v, n, p) / 1e6;
}

static double mean_ms(const uint64_t *v, size_t n)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return (double)sum / (double)n / 1e6;
}

static json_t *jms(double v)
{
	return json_real(bench_round_to(v, 3));
}

static long median_long(long *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			long t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return n ? v[(n - 1) / 2] : -1;
}

/* ---- the phases --------------------------------------------------------------- */

/* One session for the startup figures. */
static void startup_session(const struct settings *st, int conf, uint64_t *init_ns,
			    uint64_t *list_ns, uint64_t *exit_ns, long *observed, long *lost)
{
	struct bench_conn p;
	unsigned failures = g_failures;
	*init_ns = *list_ns = 0;
	bool ok = start(&p, st, conf, init_ns, list_ns);
	finish(&p, st, conf, exit_ns, observed, lost);
	if (!ok || g_failures != failures)
		die("the gateway %s --profile does not work (see above)",
		    conf == PROFILE ? "with" : "without");
}

static json_t *run_startup(const struct settings *st, long *observed_median)
{
	size_t n = (size_t)st->startups;
	uint64_t *t[NCONF][3];
	long *obs = calloc(n, sizeof(long)), lost_sum = 0;
	for (int c = 0; c < NCONF; c++)
		for (int k = 0; k < 3; k++)
			if (!(t[c][k] = calloc(n, sizeof(uint64_t))))
				die("out of memory");
	if (!obs)
		die("out of memory");
	g_phase = "startup";
	for (int c = 0; c < NCONF; c++) { /* one unmeasured session each */
		uint64_t a, b, e;
		long o, l;
		startup_session(st, c, &a, &b, &e, &o, &l);
	}
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < NCONF; k++) {
			int c = i % 2 ? NCONF - 1 - k : k;
			long o, l;
			startup_session(st, c, &t[c][0][i], &t[c][1][i], &t[c][2][i], &o, &l);
			if (c == PROFILE) {
				obs[i] = o;
				lost_sum += l;
			}
		}
	*observed_median = median_long(obs, n);
	json_t *res = json_object();
	json_object_set_new(res, "spawns", json_integer((json_int_t)n));
	static const char *const what[3] = {"init", "list", "exit"};
	for (int c = 0; c < NCONF; c++) {
		json_t *o = json_object();
		for (int k = 0; k < 3; k++) {
			char key[32];
			snprintf(key, sizeof(key), "%s_p50_ms", what[k]);
			json_object_set_new(o, key, jms(pct_ms(t[c][k], n, 50)));
			snprintf(key, sizeof(key), "%s_p95_ms", what[k]);
			json_object_set_new(o, key, jms(pct_ms(t[c][k], n, 95)));
		}
		if (c == PROFILE) {
			json_object_set_new(o, "observed", json_integer(*observed_median));
			json_object_set_new(o, "lost", json_integer(lost_sum));
		}
		json_object_set_new(res, conf_name[c], o);
		fprintf(stderr, "  startup %-7s initialize p50 %7.1f ms p95 %7.1f; tools/list p50 "
				"%7.1f ms; exit p50 %6.1f ms\n",
			conf_name[c], pct_ms(t[c][0], n, 50), pct_ms(t[c][0], n, 95),
			pct_ms(t[c][1], n, 50), pct_ms(t[c][2], n, 50));
		for (int k = 0; k < 3; k++)
			free(t[c][k]);
	}
	if (*observed_median >= 0)
		fprintf(stderr, "  startup session with --profile: %ld system calls observed\n",
			*observed_median);
	free(obs);
	return res;
}

/* Count the entries of a directory_tree result. */
static void count_tree(const json_t *a, long *dirs, long *files)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		const char *type = json_string_value(json_object_get(e, "type"));
		if (type && strcmp(type, "directory") == 0) {
			(*dirs)++;
			count_tree(json_object_get(e, "children"), dirs, files);
		} else {
			(*files)++;
		}
	}
}

static const char *file_marker = "assay-profile-bench tree file d";

/* Check a tool's result text; false after a failure. */
static bool check_result(const struct settings *st, const char *tool, json_t *resp)
{
	json_t *text = json_object_get(
		json_array_get(json_object_get(json_object_get(resp, "result"), "content"), 0),
		"text");
	const char *s = json_string_value(text);
	if (!s) {
		fail("%s: a result without text", tool);
		return false;
	}
	if (strcmp(tool, "directory_tree") == 0) {
		json_t *tree = json_loads(s, 0, NULL);
		long dirs = 0, files = 0;
		count_tree(tree, &dirs, &files);
		json_decref(tree);
		if (dirs != st->dirs || files != st->dirs * st->per_dir) {
			fail("directory_tree: %ld directories and %ld files, not %ld and %ld", dirs,
			     files, st->dirs, st->dirs * st->per_dir);
			return false;
		}
		return true;
	}
	long n = 0;
	for (const char *q = s; (q = strstr(q, file_marker)) != NULL; q++)
		n++;
	if (n != st->read_files || strstr(s, ": Error - ")) {
		fail("read_multiple_files: %ld of the %ld files read: %.200s", n, st->read_files, s);
		return false;
	}
	return true;
}

/* The arguments of a call to |tool| (JSON text). */
static char *tool_args(const struct settings *st, const char *tool)
{
	json_t *a;
	if (strcmp(tool, "directory_tree") == 0) {
		a = json_pack("{s:s}", "path", st->tree);
	} else {
		json_t *paths = json_array();
		long total = st->dirs * st->per_dir;
		for (long k = 0; k < st->read_files; k++) {
			long idx = k * total / st->read_files;
			char path[PATH_MAX + 32];
			snprintf(path, sizeof(path), "%s/d%03ld/f%03ld.txt", st->tree, idx / st->per_dir,
				 idx % st->per_dir);
			json_array_append_new(paths, json_string(path));
		}
		a = json_pack("{s:o}", "paths", paths);
	}
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!s)
		die("out of memory");
	return s;
}

static json_t *run_calls(const struct settings *st, const char *tool, long startup_observed)
{
	size_t n = (size_t)st->calls;
	long warm = st->warmup;
	uint64_t *t[NCONF], *gw_cpu[NCONF], *srv_cpu[NCONF];
	for (int c = 0; c < NCONF; c++)
		if (!(t[c] = calloc(n, sizeof(uint64_t))) ||
		    !(gw_cpu[c] = calloc(n, sizeof(uint64_t))) ||
		    !(srv_cpu[c] = calloc(n, sizeof(uint64_t))))
			die("out of memory");
	g_phase = tool;
	char *args = tool_args(st, tool);
	size_t req_cap = strlen(args) + 256;
	char *req = malloc(req_cap);
	if (!req)
		die("out of memory");
	struct bench_conn p[NCONF];
	for (int c = 0; c < NCONF; c++) {
		uint64_t a, b;
		if (!start(&p[c], st, c, &a, &b))
			die("the gateway %s --profile did not start", c == PROFILE ? "with" : "without");
	}
	bool ok = true;
	for (long i = -warm; i < (long)n && ok; i++)
		for (int k = 0; k < NCONF && ok; k++) {
			int c = i % 2 ? NCONF - 1 - k : k;
			long id = p[c].next_id++;
			snprintf(req, req_cap,
				 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{"
				 "\"name\":\"%s\",\"arguments\":%s}}\n",
				 id, tool, args);
			uint64_t g0 = bench_task_cpu_ns(p[c].pid);
			uint64_t s0 = bench_children_cpu_ns(p[c].pid);
			uint64_t t0 = bench_now_ns(), done;
			json_t *r = call(&p[c], req, id, &done);
			uint64_t g1 = bench_task_cpu_ns(p[c].pid);
			uint64_t s1 = bench_children_cpu_ns(p[c].pid);
			if (!r || !check_result(st, tool, r)) {
				ok = false;
			} else if (i >= 0) {
				t[c][i] = done - t0;
				gw_cpu[c][i] = g1 - g0;
				srv_cpu[c][i] = s1 > s0 ? s1 - s0 : 0;
			}
			json_decref(r);
		}
	long observed = -1, lost = 0;
	for (int c = 0; c < NCONF; c++) {
		uint64_t e;
		long o, l;
		finish(&p[c], st, c, &e, &o, &l);
		if (c == PROFILE) {
			observed = o;
			lost = l;
		}
	}
	free(req);
	free(args);
	json_t *res = json_object();
	json_object_set_new(res, "tool", json_string(tool));
	json_object_set_new(res, "calls", json_integer((json_int_t)n));
	json_object_set_new(res, "warmup", json_integer(warm));
	for (int c = 0; c < NCONF; c++) {
		json_t *o = json_object();
		if (ok) {
			json_object_set_new(o, "gateway_cpu_ms", jms(mean_ms(gw_cpu[c], n)));
			json_object_set_new(o, "server_cpu_ms", jms(mean_ms(srv_cpu[c], n)));
			json_object_set_new(o, "p50_ms", jms(pct_ms(t[c], n, 50)));
			json_object_set_new(o, "p95_ms", jms(pct_ms(t[c], n, 95)));
			fprintf(stderr, "  %-19s %-7s p50 %7.2f ms p95 %7.2f ms; CPU per call: gateway "
					"%.2f ms, server %.2f ms\n",
				tool, conf_name[c], pct_ms(t[c], n, 50), pct_ms(t[c], n, 95),
				mean_ms(gw_cpu[c], n), mean_ms(srv_cpu[c], n));
		}
		if (c == PROFILE && observed >= 0 && startup_observed >= 0) {
			double per = (double)(observed - startup_observed) / (double)(n + (size_t)warm);
			json_object_set_new(o, "observed_per_call", json_real((double)(long)(per * 10 + 0.5) / 10));
			json_object_set_new(o, "lost", json_integer(lost));
			fprintf(stderr, "  %-19s about %.0f system calls observed per call\n", tool, per);
		}
		json_object_set_new(res, conf_name[c], o);
		free(t[c]);
		free(gw_cpu[c]);
		free(srv_cpu[c]);
	}
	return res;
}

/* ---- setup ------------------------------------------------------------------ */

/* |name| searched in $PATH, resolved; false when not found. */
static bool find_in_path(const char *name, char *out)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *q = path; *q;) {
		size_t n = strcspn(q, ":");
		char cand[PATH_MAX];
		if (n > 0 && (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, q, name) <
				     sizeof(cand) &&
		    access(cand, X_OK) == 0 && realpath(cand, out))
			return true;
		q += n;
		if (*q == ':')
			q++;
	}
	return false;
}

/* The first line of what |argv| prints, or "" (no failure: only a label). */
static void first_line_of(char *const argv[], char *out, size_t size)
{
	int fds[2];
	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (dup2(fds[1], STDOUT_FILENO) < 0 || devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while (pid > 0 && len + 1 < size && (n = read(fds[0], out + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	out[len] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

/* Find node and the server.  NULL when both are there, else why the
 * benchmark is skipped (static text). */
static const char *find_server(struct settings *st, char *why, size_t why_size)
{
	if (st->node_arg ? !realpath(st->node_arg, st->node) || access(st->node, X_OK) != 0
			 : !find_in_path("node", st->node)) {
		snprintf(why, why_size, "node is not installed (%s)",
			 st->node_arg ? "--node names no program" : "not found in PATH");
		return why;
	}
	char *const argv[] = {st->node, (char *)"--version", NULL};
	first_line_of(argv, st->node_version, sizeof(st->node_version));

	char pkg[PATH_MAX];
	snprintf(pkg, sizeof(pkg), "%s/" SERVER_PKG "/package.json", st->node_modules);
	json_t *j = json_load_file(pkg, 0, NULL);
	if (!j) {
		snprintf(why, why_size,
			 "the npm package " SERVER_PKG " is not installed in %s (`npm ci` in its "
			 "parent directory installs it)",
			 st->node_modules);
		return why;
	}
	json_t *bin = json_object_get(j, "bin");
	const char *rel = json_string_value(bin);
	if (!rel && json_is_object(bin)) {
		rel = json_string_value(json_object_get(bin, "mcp-server-filesystem"));
		if (!rel)
			rel = json_string_value(json_object_iter_value(json_object_iter(bin)));
	}
	snprintf(st->server_version, sizeof(st->server_version), "%s",
		 json_is_string(json_object_get(j, "version"))
			 ? json_string_value(json_object_get(j, "version"))
			 : "?");
	char script[PATH_MAX * 2];
	snprintf(script, sizeof(script), "%s/" SERVER_PKG "/%s", st->node_modules, rel ? rel : "");
	snprintf(st->bin, sizeof(st->bin), "%s", rel ? rel : "");
	json_decref(j);
	if (!rel || !realpath(script, st->script))
		die("%s: no \"bin\" script that exists", pkg);
	return NULL;
}

/* snprintf for a path: a path too long stops the benchmark. */
__attribute__((format(printf, 3, 4))) static void pathf(char *out, size_t size, const char *fmt,
							 ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("a path too long for the buffer");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

/* The temporary directory: the tree, the policy, the profile's files. */
static void make_work(struct settings *st)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	pathf(tmpl, sizeof(tmpl), "%s/assay-profile-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		die("mkdtemp %s: %s", tmpl, strerror(errno));
	if (!realpath(tmpl, g_work))
		die("realpath %s: %s", tmpl, strerror(errno));
	pathf(st->tree, sizeof(st->tree), "%s/tree", g_work);
	pathf(st->policy, sizeof(st->policy), "%s/policy.yaml", g_work);
	pathf(st->profile, sizeof(st->profile), "%s/out/profile.yaml", g_work);
	pathf(st->evidence, sizeof(st->evidence), "%s/out/profile.evidence.yaml", g_work);
	pathf(st->report, sizeof(st->report), "%s/out/profile.yaml.report.md", g_work);

	char dir[PATH_MAX + 16];
	pathf(dir, sizeof(dir), "%s/out", g_work);
	if (mkdir(dir, 0700) != 0 || mkdir(st->tree, 0700) != 0)
		die("mkdir: %s", strerror(errno));
	for (long d = 0; d < st->dirs; d++) {
		char path[PATH_MAX + 32];
		pathf(path, sizeof(path), "%s/d%03ld", st->tree, d);
		if (mkdir(path, 0700) != 0)
			die("mkdir %s: %s", path, strerror(errno));
		for (long f = 0; f < st->per_dir; f++) {
			char text[256];
			pathf(path, sizeof(path), "%s/d%03ld/f%03ld.txt", st->tree, d, f);
			pathf(text, sizeof(text),
				 "%s%03ld/f%03ld\n"
				 "The quick brown fox jumps over the lazy dog.\n"
				 "0123456789abcdefghijklmnopqrstuvwxyz\n",
				 file_marker, d, f);
			write_file(path, text);
		}
	}

	/* Read on the tree and the packages, execute on node's directory (the
	 * built-in system list covers it when node is a system package). */
	char mods[PATH_MAX], nodedir[PATH_MAX];
	if (!realpath(st->node_modules, mods))
		die("%s: %s", st->node_modules, strerror(errno));
	snprintf(nodedir, sizeof(nodedir), "%s", st->node);
	*strrchr(nodedir, '/') = '\0';
	json_t *jt = json_string(st->tree), *jm = json_string(mods), *jn = json_string(nodedir);
	char *t = json_dumps(jt, JSON_ENCODE_ANY), *m = json_dumps(jm, JSON_ENCODE_ANY),
	     *x = json_dumps(jn, JSON_ENCODE_ANY);
	json_decref(jt);
	json_decref(jm);
	json_decref(jn);
	if (!t || !m || !x)
		die("out of memory");
	char policy[PATH_MAX * 4];
	snprintf(policy, sizeof(policy),
		 "version: 1\n"
		 "sandbox:\n"
		 "  filesystem:\n"
		 "    read: [%s, %s]\n"
		 "    execute: [%s]\n",
		 t, m, x);
	free(t);
	free(m);
	free(x);
	write_file(st->policy, policy);
}

/* ---- report ------------------------------------------------------------------- */

/* Median, min and max of v[0..n); n > 0. */
static double median_of(double *v, size_t n, double *min, double *max)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	if (min)
		*min = v[0];
	if (max)
		*max = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_RUNS 64

/* |tmpl| with its "{}" replaced by |conf|. */
static void subst(char *out, size_t size, const char *tmpl, const char *conf)
{
	const char *at = strstr(tmpl, "{}");
	if (!at)
		snprintf(out, size, "%s", tmpl);
	else
		snprintf(out, size, "%.*s%s%s", (int)(at - tmpl), tmpl, conf, at + 2);
}

/* One row: the figure at |tmpl| (with {} for "plain" or "profile") in every
 * run: medians of the two, and of each run's difference and ratio. */
static void row(json_t **runs, size_t n, const char *label, const char *tmpl, int decimals)
{
	double plain[MAX_RUNS], prof[MAX_RUNS], added[MAX_RUNS], ratio[MAX_RUNS];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char p0[128], p1[128];
		subst(p0, sizeof(p0), tmpl, "plain");
		subst(p1, sizeof(p1), tmpl, "profile");
		if (!bench_json_number(runs[i], p0, &plain[k]) ||
		    !bench_json_number(runs[i], p1, &prof[k]))
			continue;
		added[k] = prof[k] - plain[k];
		ratio[k] = plain[k] > 0 ? prof[k] / plain[k] : 0;
		k++;
	}
	if (k == 0)
		return;
	double lo, hi;
	double mp = median_of(plain, k, NULL, NULL), mq = median_of(prof, k, NULL, NULL);
	double ma = median_of(added, k, NULL, NULL), mr = median_of(ratio, k, &lo, &hi);
	printf("| %s | %.*f | %.*f | %+.*f | %.2fx |", label, decimals, mp, decimals, mq, decimals,
	       ma, mr);
	if (n > 1)
		printf(" %.2fx - %.2fx |", lo, hi);
	printf("\n");
}

static int report_main(int argc, char **argv)
{
	json_t *runs[MAX_RUNS];
	size_t n = 0;
	char *skipped = NULL;
	for (int a = 0; a < argc; a++) {
		FILE *f = fopen(argv[a], "r");
		if (!f) {
			fprintf(stderr, PROG ": %s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, f) > 0) {
			json_t *j = json_loads(line, 0, NULL);
			if (!json_is_object(j)) {
				json_decref(j);
				continue;
			}
			const char *why = json_string_value(json_object_get(j, "skipped"));
			if (why) {
				free(skipped);
				skipped = strdup(why);
				json_decref(j);
			} else if (n < MAX_RUNS) {
				runs[n++] = j;
			} else {
				json_decref(j);
			}
		}
		free(line);
		fclose(f);
	}
	if (n == 0) {
		if (!skipped) {
			fprintf(stderr, PROG ": --report: no results\n");
			return 1;
		}
		printf("Skipped: %s.\n", skipped);
		free(skipped);
		return 0;
	}
	free(skipped);

	const json_t *r0 = runs[0];
	double dirs = 0, files = 0, starts = 0, read_files = 0;
	bench_json_number(r0, "tree.dirs", &dirs);
	bench_json_number(r0, "tree.files", &files);
	bench_json_number(r0, "startup.spawns", &starts);
	bench_json_number(r0, "read_files", &read_files);
	json_t *calls = json_object_get(r0, "calls");
	double ncalls = 0, warm = 0;
	bench_json_number(r0, "calls.0.calls", &ncalls);
	bench_json_number(r0, "calls.0.warmup", &warm);
	printf("`assay-profile-bench`: `assay-gateway --policy POLICY [--profile FILE] -- node %s "
	       "TREE`, that is `%s` %s under node %s, in a sandbox whose policy grants read on "
	       "TREE (%.0f files in %.0f directories) and on the packages. In each run: %.0f "
	       "starts per configuration, then one session per configuration and tool with %.0f "
	       "calls (after %.0f unmeasured), the two configurations taking turns. ",
	       json_string_value(json_object_get(r0, "script")), SERVER_PKG,
	       json_string_value(json_object_get(r0, "server")),
	       json_string_value(json_object_get(r0, "node")), files, dirs, starts, ncalls, warm);
	if (n > 1)
		printf("Figures: medians over the %zu runs; added and ratio: medians of each run's "
		       "added time and ratio.\n\n",
		       n);
	else
		printf("One run.\n\n");
	printf("| figure | without `--profile` | with `--profile` | added | ratio |%s\n",
	       n > 1 ? " ratio, min - max over the runs |" : "");
	printf("|---|--:|--:|--:|--:|%s\n", n > 1 ? "--:|" : "");
	row(runs, n, "startup: spawn to initialize response, p50 (ms)", "startup.{}.init_p50_ms", 1);
	row(runs, n, "startup: spawn to initialize response, p95 (ms)", "startup.{}.init_p95_ms", 1);
	row(runs, n, "startup: spawn to tools/list response, p50 (ms)", "startup.{}.list_p50_ms", 1);
	row(runs, n, "startup: spawn to tools/list response, p95 (ms)", "startup.{}.list_p95_ms", 1);
	row(runs, n, "exit after stdin is closed, p50 (ms)", "startup.{}.exit_p50_ms", 1);
	size_t i;
	json_t *c;
	json_array_foreach(calls, i, c)
	{
		const char *tool = json_string_value(json_object_get(c, "tool"));
		char what[160], label[256], path[64];
		if (!tool)
			continue;
		if (strcmp(tool, "directory_tree") == 0)
			snprintf(what, sizeof(what), "`directory_tree` of TREE");
		else
			snprintf(what, sizeof(what), "`%s` of %.0f files", tool, read_files);
		static const struct {
			const char *name, *key;
			int decimals;
		} fig[] = {{"call, p50 (ms)", "p50_ms", 2},
			   {"call, p95 (ms)", "p95_ms", 2},
			   {"gateway CPU per call (ms)", "gateway_cpu_ms", 2},
			   {"server CPU per call (ms)", "server_cpu_ms", 2}};
		for (size_t k = 0; k < sizeof(fig) / sizeof(*fig); k++) {
			snprintf(label, sizeof(label), "%s: %s", what, fig[k].name);
			snprintf(path, sizeof(path), "calls.%zu.{}.%s", i, fig[k].key);
			row(runs, n, label, path, fig[k].decimals);
		}
	}

	/* What was observed, and the added time per observed call. */
	double v[MAX_RUNS];
	size_t k = 0;
	for (size_t r = 0; r < n; r++)
		if (bench_json_number(runs[r], "startup.profile.observed", &v[k]))
			k++;
	printf("\nSystem calls observed with `--profile` (the evidence's `counters.notifications`, "
	       "median over the runs): %.0f in a start-up session (start, `tools/list`, exit)",
	       k ? median_of(v, k, NULL, NULL) : 0.0);
	double lost_total = 0;
	json_array_foreach(calls, i, c)
	{
		char path[96];
		double per[MAX_RUNS], us[MAX_RUNS], cpu[MAX_RUNS];
		size_t m = 0, u = 0;
		for (size_t r = 0; r < n; r++) {
			double o, p0, p1, c0, c1;
			snprintf(path, sizeof(path), "calls.%zu.profile.observed_per_call", i);
			if (!bench_json_number(runs[r], path, &o))
				continue;
			per[m++] = o;
			snprintf(path, sizeof(path), "calls.%zu.plain.p50_ms", i);
			bool a = bench_json_number(runs[r], path, &p0);
			snprintf(path, sizeof(path), "calls.%zu.profile.p50_ms", i);
			a = a && bench_json_number(runs[r], path, &p1);
			snprintf(path, sizeof(path), "calls.%zu.plain.gateway_cpu_ms", i);
			a = a && bench_json_number(runs[r], path, &c0);
			snprintf(path, sizeof(path), "calls.%zu.profile.gateway_cpu_ms", i);
			if (a && bench_json_number(runs[r], path, &c1) && o >= 1) {
				us[u] = (p1 - p0) * 1000 / o;
				cpu[u++] = (c1 - c0) * 1000 / o;
			}
			double l;
			snprintf(path, sizeof(path), "calls.%zu.profile.lost", i);
			if (bench_json_number(runs[r], path, &l))
				lost_total += l;
		}
		if (m)
			printf(", about %.0f per `%s` call", median_of(per, m, NULL, NULL),
			       json_string_value(json_object_get(c, "tool")));
		if (u) {
			double a = median_of(us, u, NULL, NULL);
			printf(" (per observed call: %.0f us added to the p50, %.0f us of the gateway's "
			       "CPU)",
			       a, median_of(cpu, u, NULL, NULL));
		}
	}
	for (size_t r = 0; r < n; r++) {
		double l;
		if (bench_json_number(runs[r], "startup.profile.lost", &l))
			lost_total += l;
	}
	printf("; `counters.lost` (accesses beyond the evidence's entry limit): %.0f.\n", lost_total);
	for (size_t r = 0; r < n; r++)
		json_decref(runs[r]);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --gateway PATH [OPTIONS]\n"
		"       " PROG " --report FILE...\n"
		"What profile mode (--profile) costs a real Node MCP server: gateway start-up\n"
		"and file-heavy tool calls of " SERVER_PKG ", with and\n"
		"without --profile, taking turns.  One JSON object goes to stdout (\"skipped\"\n"
		"when node or the server is not installed), a summary to stderr; --report\n"
		"turns such lines (one per run) into a Markdown table.\n"
		"\n"
		"  --gateway PATH      the assay-gateway to measure (required)\n"
		"  --node PATH         node (default: node in PATH)\n"
		"  --node-modules DIR  where the server package is installed\n"
		"                      (default tests/integration/node_modules)\n"
		"  --run N             run number to record in the JSON (default 1)\n"
		"  --quick             small counts, for a smoke run\n"
		"  --scale F           multiply the counts of starts and calls by F\n"
		"  --startups N        measured starts per configuration (default 20; quick 2)\n"
		"  --calls N           measured calls per tool and configuration (default 30;\n"
		"                      quick 3)\n"
		"  --warmup N          unmeasured calls before them (default 3; quick 1)\n"
		"  --dirs N            directories of the tree (default 100)\n"
		"  --files-per-dir N   files in each (default 20)\n"
		"  --read-files N      files per read_multiple_files call (default 200)\n"
		"  --keep-stderr       let the gateway's stderr through (default /dev/null)\n"
		"  -h, --help\n");
}

static long num_arg(const char *opt, const char *v, long min, long max)
{
	long n;
	if (!bench_parse_long(v, min, max, &n)) {
		fprintf(stderr, PROG ": %s needs an integer from %ld to %ld\n", opt, min, max);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--report") == 0) {
		if (argc < 3) {
			usage(stderr);
			return 2;
		}
		return report_main(argc - 2, argv + 2);
	}
	static struct settings st = {.node_modules = "tests/integration/node_modules", .run = 1};
	long o_startups = -1, o_calls = -1, o_warmup = -1;
	double scale = 1.0;
	st.dirs = 100;
	st.per_dir = 20;
	st.read_files = 200;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--quick") == 0) {
			st.quick = true;
		} else if (strcmp(a, "--keep-stderr") == 0) {
			st.keep_stderr = true;
		} else if (strcmp(a, "--gateway") == 0 && v) {
			st.gateway = v, i++;
		} else if (strcmp(a, "--node") == 0 && v) {
			st.node_arg = v, i++;
		} else if (strcmp(a, "--node-modules") == 0 && v) {
			st.node_modules = v, i++;
		} else if (strcmp(a, "--run") == 0) {
			st.run = (int)num_arg(a, v, 1, 1000000), i++;
		} else if (strcmp(a, "--scale") == 0 && v) {
			char *end;
			scale = strtod(v, &end);
			if (*end || !(scale > 0)) {
				fprintf(stderr, PROG ": --scale needs a positive number\n");
				return 2;
			}
			i++;
		} else if (strcmp(a, "--startups") == 0) {
			o_startups = num_arg(a, v, 1, 100000), i++;
		} else if (strcmp(a, "--calls") == 0) {
			o_calls = num_arg(a, v, 1, 1000000), i++;
		} else if (strcmp(a, "--warmup") == 0) {
			o_warmup = num_arg(a, v, 0, 1000000), i++;
		} else if (strcmp(a, "--dirs") == 0) {
			st.dirs = num_arg(a, v, 1, 1000), i++;
		} else if (strcmp(a, "--files-per-dir") == 0) {
			st.per_dir = num_arg(a, v, 1, 1000), i++;
		} else if (strcmp(a, "--read-files") == 0) {
			st.read_files = num_arg(a, v, 1, 100000), i++;
		} else {
			fprintf(stderr, PROG ": unknown option or missing value: %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!st.gateway) {
		fprintf(stderr, PROG ": --gateway is required\n");
		usage(stderr);
		return 2;
	}
	if (st.read_files > st.dirs * st.per_dir) {
		fprintf(stderr, PROG ": --read-files is larger than the tree\n");
		return 2;
	}
	st.startups = o_startups > 0 ? o_startups : (long)((st.quick ? 2 : 20) * scale + 0.5);
	st.calls = o_calls > 0 ? o_calls : (long)((st.quick ? 3 : 30) * scale + 0.5);
	st.warmup = o_warmup >= 0 ? o_warmup : st.quick ? 1 : 3;
	if (st.startups < 1)
		st.startups = 1;
	if (st.calls < 1)
		st.calls = 1;
	static char gateway[PATH_MAX];
	if (!realpath(st.gateway, gateway) || access(gateway, X_OK) != 0) {
		fprintf(stderr, PROG ": %s: not an executable file\n", st.gateway);
		return 2;
	}
	st.gateway = gateway;
	signal(SIGPIPE, SIG_IGN);

	char why[PATH_MAX + 200];
	json_t *res = json_pack("{s:i,s:b}", "run", st.run, "quick", st.quick);
	if (find_server(&st, why, sizeof(why))) {
		fprintf(stderr, PROG ": skipped: %s\n", why);
		json_object_set_new(res, "skipped", json_string(why));
	} else {
		fprintf(stderr, "profile mode (run %d): node %s, %s %s\n", st.run, st.node_version,
			SERVER_PKG, st.server_version);
		make_work(&st);
		/* The gateway's state (tool pins) in a new, empty directory of
		 * our own; the server's working directory is the tree. */
		char state[PATH_MAX + 16];
		snprintf(state, sizeof(state), "%s/state", g_work);
		if (setenv("XDG_STATE_HOME", state, 1) != 0 || chdir(st.tree) != 0)
			die("%s: %s", st.tree, strerror(errno));

		char script[PATH_MAX * 2];
		snprintf(script, sizeof(script), "%s/" SERVER_PKG "/%s", st.node_modules, st.bin);
		json_object_set_new(res, "node", json_string(st.node_version));
		json_object_set_new(res, "server", json_string(st.server_version));
		json_object_set_new(res, "script", json_string(script));
		json_object_set_new(res, "tree", json_pack("{s:I,s:I}", "dirs", (json_int_t)st.dirs,
							   "files",
							   (json_int_t)(st.dirs * st.per_dir)));
		json_object_set_new(res, "read_files", json_integer(st.read_files));

		long startup_observed = -1;
		json_object_set_new(res, "startup", run_startup(&st, &startup_observed));
		json_t *calls = json_array();
		for (const char *const *tool = tools_needed; *tool; tool++)
			json_array_append_new(calls, run_calls(&st, *tool, startup_observed));
		json_object_set_new(res, "calls", calls);
		json_object_set_new(res, "failures", json_integer(g_failures));
		if (chdir("/") != 0)
			die("chdir /: %s", strerror(errno));
		rm_tree(g_work);
		g_work[0] = '\0';
	}
	int rc = bench_print_result(res, PROG, g_failures);
	if (rc < 0)
		die("out of memory");
	return rc;
}
