/* bench/bench.h - shared between the benchmark programs: the parts of
 * assay-bench (mcp-bench.c, report.c), assay-profile-bench and the micro-
 * benchmarks.  Everything but bench_report_main is in common.c. */
#ifndef ASSAY_BENCH_H
#define ASSAY_BENCH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* assay-bench --report ...: turn the JSON lines of earlier runs into
 * Markdown tables (figures, targets, spread).  Returns the exit status. */
int bench_report_main(int argc, char **argv);

/* ---- messages and options ------------------------------------------------ */

/* "PROG: PHASE: message\n" on stderr: the common part of the programs'
 * die() and fail(). */
__attribute__((format(printf, 3, 0))) void bench_vwarn(const char *prog, const char *phase,
							 const char *fmt, va_list ap);

/* The end of a run: |res| (consumed) as one line of compact JSON on stdout,
 * then how many problems there were on stderr.  Returns the exit status: 1
 * after |failures| or when stdout cannot be written, else 0; -1 when out of
 * memory (nothing written). */
int bench_print_result(json_t *res, const char *prog, unsigned failures);

/* |v| as a whole decimal number from |min| to |max|; false when it is
 * missing (NULL), not such a number or out of range. */
bool bench_parse_long(const char *v, long min, long max, long *out);

/* ---- /proc, time and statistics ------------------------------------------ */

/* The start of a small file (one of /proc): at most |size| - 1 bytes,
 * NUL-terminated.  Returns the bytes read, -1 when it cannot be opened or
 * read. */
ssize_t bench_read_small(const char *path, char *buf, size_t size);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* CPU time of every thread of |pid| (schedstat: nanoseconds on a CPU). */
uint64_t bench_task_cpu_ns(pid_t pid);

/* CPU time of the descendants of |pid| (the server behind a relay or the
 * gateway), up to five generations down. */
uint64_t bench_children_cpu_ns(pid_t pid);

/* qsort comparators. */
int bench_cmp_u64(const void *a, const void *b);
int bench_cmp_double(const void *a, const void *b);

/* Nearest-rank percentile |p| (0-100) of sorted |v|; 0 when |n| is 0. */
uint64_t bench_pct(const uint64_t *v, size_t n, double p);

/* |v| rounded to |decimals| decimal places (halves away from zero). */
double bench_round_to(double v, int decimals);

/* A number at |path| ("a.b.0.c"; numeric parts index arrays). */
bool bench_json_number(const json_t *j, const char *path, double *out);

/* ---- a process on two pipes, spoken to in lines of JSON-RPC --------------- */

struct bench_conn {
	pid_t pid;
	int wfd;	 /* its stdin */
	int rfd;	 /* its stdout */
	int exec_fd;	 /* reports an exec failure; -1 once read or when not asked for */
	char *buf;	 /* what was read from its stdout (allocated by the caller) */
	size_t cap, start, end, scan;
	bool eof;
	uint64_t t_fork; /* monotonic ns just before fork() */
	long next_id;
};

struct bench_spawn {
	char *const *argv;
	bool search_path; /* execvp (argv[0] looked up in PATH), else execv */
	bool exec_report; /* open exec_fd, where the child writes its errno when the exec fails */
	int pipe_size;	  /* 0: the kernel's default pipe size */
	int stderr_fd;	  /* its stderr; -1: ours */
};

/* Start o->argv with its stdin and stdout on two new pipes of ours (the way
 * an editor starts an MCP server); |*c| is reset first, c->buf is left to
 * the caller.  Returns 0, or -1 with errno set and |*what| naming the call
 * that failed ("pipe2" or "fork"). */
int bench_conn_spawn(struct bench_conn *c, const struct bench_spawn *o, const char **what);

/* Write all of |p| to its stdin.  0, or -1 with errno set. */
int bench_conn_write(struct bench_conn *c, const void *p, size_t n);

/* Room for at least |min_free| more bytes in the buffer: what was consumed
 * is dropped (the rest moved to the front) when that is short, then the
 * buffer doubled when it is still short.  False when out of memory (the
 * buffer is as it was). */
bool bench_conn_room(struct bench_conn *c, size_t min_free);

/* One read(2) from its stdout into the buffer's free space.  Returns the
 * bytes read, 0 at end of file (c->eof set), -1 with errno set (EAGAIN: a
 * non-blocking descriptor has nothing). */
ssize_t bench_conn_read(struct bench_conn *c);

/* The next complete line already read, without its '\n' (not NUL-
 * terminated), or NULL. */
char *bench_conn_next_line(struct bench_conn *c, size_t *len);

/* The initialize request of the MCP handshake (with its '\n'), from the
 * client |name|; returns its length as snprintf does. */
size_t bench_fmt_initialize(char *out, size_t size, long id, const char *name);

#define BENCH_INITIALIZED_MSG "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"

#endif
