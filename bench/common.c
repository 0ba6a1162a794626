/* bench/common.c - helpers shared by the benchmark programs (see bench.h):
 * messages, option values, /proc files, clocks, CPU time, statistics, and a
 * process on two pipes driven with lines of JSON-RPC. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* ---- messages and options ------------------------------------------------ */

void bench_vwarn(const char *prog, const char *phase, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", prog, phase);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int bench_print_result(json_t *res, const char *prog, unsigned failures)
{
	char *s = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(res);
	if (!s)
		return -1;
	printf("%s\n", s);
	free(s);
	if (fflush(stdout) != 0)
		return 1;
	if (failures)
		fprintf(stderr, "%s: %u problem(s); see above\n", prog, failures);
	return failures ? 1 : 0;
}

bool bench_parse_long(const char *v, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v ? v : "", &end, 10);
	if (!v || errno || end == v || *end || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* ---- /proc, time and statistics ------------------------------------------ */

ssize_t bench_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_task_cpu_ns(pid_t pid)
{
	char path[320], buf[128];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	uint64_t sum = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		if (bench_read_small(path, buf, sizeof(buf)) > 0)
			sum += strtoull(buf, NULL, 10);
	}
	closedir(d);
	return sum;
}

static uint64_t children_cpu_ns(pid_t pid, int depth)
{
	char path[96], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (bench_read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	uint64_t sum = 0;
	char *p = buf, *end;
	for (long k; (k = strtol(p, &end, 10)) > 0 && end != p; p = end) {
		sum += bench_task_cpu_ns((pid_t)k);
		if (depth < 4)
			sum += children_cpu_ns((pid_t)k, depth + 1);
	}
	return sum;
}

uint64_t bench_children_cpu_ns(pid_t pid)
{
	return children_cpu_ns(pid, 0);
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

uint64_t bench_pct(const uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double bench_round_to(double v, int decimals)
{
	double f = 1;
	for (int i = 0; i < decimals; i++)
		f *= 10;
	return (double)(long long)(v * f + (v < 0 ? -0.5 : 0.5)) / f;
}

bool bench_json_number(const json_t *j, const char *path, double *out)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *w = strtok_r(buf, ".", &save); w && j; w = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, (size_t)strtoul(w, NULL, 10))
				     : json_object_get(j, w);
	if (!json_is_number(j))
		return false;
	*out = json_number_value(j);
	return true;
}

/* ---- a process on two pipes ----------------------------------------------- */

/* In the child: |from| as descriptor |to|, without close-on-exec (dup2 to
 * itself would keep the flag, and the program would start without it). */
static void move_fd(int from, int to)
{
	if (from == to) {
		int fl = fcntl(from, F_GETFD);
		if (fl >= 0)
			(void)fcntl(from, F_SETFD, fl & ~FD_CLOEXEC);
	} else if (dup2(from, to) < 0) {
		_exit(126);
	}
}

static void close_pipe(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

int bench_conn_spawn(struct bench_conn *c, const struct bench_spawn *o, const char **what)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, ep[2] = {-1, -1};
	memset(c, 0, sizeof(*c));
	c->exec_fd = -1;
	*what = "pipe2";
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    (o->exec_report && pipe2(ep, O_CLOEXEC) != 0))
		goto fail;
	if (o->pipe_size > 0) {
		(void)fcntl(in[1], F_SETPIPE_SZ, o->pipe_size);
		(void)fcntl(out[0], F_SETPIPE_SZ, o->pipe_size);
	}

	c->t_fork = bench_now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		*what = "fork";
		goto fail;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		move_fd(in[0], STDIN_FILENO);
		move_fd(out[1], STDOUT_FILENO);
		if (o->stderr_fd >= 0)
			move_fd(o->stderr_fd, STDERR_FILENO);
		if (o->search_path)
			execvp(o->argv[0], o->argv);
		else
			execv(o->argv[0], o->argv);
		if (ep[1] >= 0) {
			int e = errno;
			(void)!write(ep[1], &e, sizeof(e));
		}
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (ep[1] >= 0)
		close(ep[1]);
	c->pid = pid;
	c->wfd = in[1];
	c->rfd = out[0];
	c->exec_fd = ep[0];
	return 0;

fail:;
	int e = errno;
	close_pipe(in);
	close_pipe(out);
	close_pipe(ep);
	errno = e;
	return -1;
}

int bench_conn_write(struct bench_conn *c, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = write(c->wfd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

bool bench_conn_room(struct bench_conn *c, size_t min_free)
{
	if (c->start == c->end) {
		c->start = c->scan = c->end = 0;
	} else if (c->start > 0 && c->cap - c->end < min_free) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->scan -= c->start;
		c->start = 0;
	}
	if (c->cap - c->end < min_free) {
		size_t ncap = c->cap * 2;
		char *nb = realloc(c->buf, ncap);
		if (!nb)
			return false;
		c->buf = nb;
		c->cap = ncap;
	}
	return true;
}

ssize_t bench_conn_read(struct bench_conn *c)
{
	for (;;) {
		ssize_t n = read(c->rfd, c->buf + c->end, c->cap - c->end);
		if (n > 0) {
			c->end += (size_t)n;
			return n;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

char *bench_conn_next_line(struct bench_conn *c, size_t *len)
{
	if (c->end == c->scan)
		return NULL;
	char *nl = memchr(c->buf + c->scan, '\n', c->end - c->scan);
	if (!nl) {
		c->scan = c->end;
		return NULL;
	}
	char *line = c->buf + c->start;
	*len = (size_t)(nl - line);
	c->start = c->scan = (size_t)(nl - c->buf) + 1;
	return line;
}

size_t bench_fmt_initialize(char *out, size_t size, long id, const char *name)
{
	int n = snprintf(out, size,
			 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"initialize\",\"params\":{"
			 "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{"
			 "\"name\":\"%s\",\"version\":\"0.1.0\"}}}\n",
			 id, name);
	return (size_t)n;
}
