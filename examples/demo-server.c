/*
 * assay-demo-server: a small MCP server for demonstrating and testing
 * assay-gateway.
 *
 * Transport: MCP stdio, one JSON-RPC 2.0 message per line on stdin and
 * stdout (a trailing "\r" is accepted).  Logs go to stderr only.
 *
 * The server is single-threaded and processes messages in order.  Every
 * message it sends is serialized into one buffer and written with a single
 * write(2) loop, so nothing is ever interleaved or left in a stdio buffer.
 *
 * Some tools are deliberately dangerous (read_file, write_file, env) or
 * misbehave on purpose (hang, crash, exit, big, mutate): they exist to show
 * what the gateway's policies and sandbox do.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* In a sanitizer build the server runs in the gateway's sandbox, whose
 * seccomp filter refuses ptrace: LeakSanitizer's exit-time check needs it
 * (it stops the process's threads with ptrace) and would fail every run.
 * AddressSanitizer's checks stay on. */
#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

#define SERVER_NAME "assay-demo-server"
#define SERVER_VERSION "0.1.0"
#define DEFAULT_PROTOCOL "2025-06-18"

#define MAX_LINE ((size_t)256 << 20)      /* longest accepted input line */
#define READ_CHUNK ((size_t)64 << 10)     /* initial input buffer size */
#define READ_FILE_MAX ((size_t)1 << 20)   /* read_file limit */
#define NOTE_MAX ((size_t)64 << 20)       /* notes_read limit */
#define BIG_MAX 268435456LL               /* big: largest text */
#define SLEEP_MAX 600000LL                /* sleep: longest sleep in ms */
#define PROGRESS_MS 100                   /* sleep: progress interval */
#define NOTE_NAME_MAX 64

/* JSON-RPC error codes. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
};

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Line reader on a file descriptor, with a cap on the line length. */
struct reader {
	int fd;
	char *buf;
	size_t cap;
	size_t start;     /* first byte of the current line */
	size_t scan;      /* bytes before this are known to hold no '\n' */
	size_t end;       /* end of valid data */
	bool eof;
	bool discarding;  /* skipping the rest of an over-long line */
};

enum read_status { READ_LINE, READ_TOO_LONG, READ_EOF };

/* A message read while waiting for a response, processed later. */
struct queued {
	struct queued *next;
	char *line;
	size_t len;
	bool too_long;
};

struct server {
	struct reader in;
	struct buf out;              /* serialization buffer, reused */
	struct queued *qhead, *qtail;
	json_t *tools;               /* the tools/list array */
	char *notes_dir;
	unsigned roots_seq;          /* counter for server->client request ids */
};

/* A tools/call being handled. */
struct call {
	json_t *id;
	json_t *params;
	json_t *args;                /* always an object */
	bool answered;               /* the tool replied itself, or never will */
};

/* ------------------------------------------------------------------ */
/* Logging and small helpers                                           */

__attribute__((format(printf, 1, 2)))
static void logmsg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", SERVER_NAME, line);
}

static bool buf_reserve(struct buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (extra > SIZE_MAX - b->len)
		return false;
	want = b->len + extra;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(b->p, cap);
	if (!p)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

static bool buf_append(struct buf *b, const void *data, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return true;
}

/* Write all of p[0..n) to fd, retrying on EINTR and short writes. */
static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Is j a JSON string exactly equal to s (no embedded NUL tricks)? */
static bool jstr_eq(const json_t *j, const char *s)
{
	return json_is_string(j) && json_string_length(j) == strlen(s) &&
	       strcmp(json_string_value(j), s) == 0;
}

/* Length of the valid UTF-8 sequence at p, or 0 if it is invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0], cp;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
		return 0;
	if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
		return 0;
	return len;
}

/*
 * A JSON string from arbitrary bytes: invalid UTF-8 sequences are replaced
 * with U+FFFD, so file contents and environment values can always be sent.
 */
static json_t *utf8_string(const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	struct buf b = {0};
	size_t i = 0, k;
	json_t *j;

	while (i < n && (k = utf8_seq_len(p + i, n - i)) != 0)
		i += k;
	if (i == n)
		return json_stringn_nocheck(text, n);

	if (!buf_append(&b, text, i))
		return NULL;
	while (i < n) {
		k = utf8_seq_len(p + i, n - i);
		if (k == 0) {
			if (!buf_append(&b, "\xEF\xBF\xBD", 3))
				goto fail;
			i++;
		} else {
			if (!buf_append(&b, text + i, k))
				goto fail;
			i += k;
		}
	}
	j = json_stringn_nocheck(b.p ? b.p : "", b.len);
	free(b.p);
	return j;
fail:
	free(b.p);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Input: a line reader with a length cap                              */

static void reader_init(struct reader *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
}

/*
 * Return the next line (without its '\n') in line and len; it is
 * valid until the next call.  Lines over MAX_LINE are skipped and reported
 * as READ_TOO_LONG.  A last line without '\n' before EOF is still returned.
 */
static enum read_status reader_next(struct reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = r->end > r->scan ?
			memchr(r->buf + r->scan, '\n', r->end - r->scan) : NULL;

		if (nl) {
			size_t pos = (size_t)(nl - r->buf);
			*line = r->buf + r->start;
			*len = pos - r->start;
			r->start = r->scan = pos + 1;
			if (r->discarding) {
				r->discarding = false;
				return READ_TOO_LONG;
			}
			return READ_LINE;
		}
		r->scan = r->end;
		if (r->discarding || r->end - r->start > MAX_LINE) {
			/* Over-long line: drop what we have and skip to '\n'. */
			r->discarding = true;
			r->start = r->scan = r->end = 0;
		}
		if (r->eof) {
			if (r->discarding) {
				r->discarding = false;
				return READ_TOO_LONG;
			}
			if (r->end > r->start) {
				*line = r->buf + r->start;
				*len = r->end - r->start;
				r->start = r->scan = r->end;
				return READ_LINE;
			}
			return READ_EOF;
		}

		/* Make room for more input. */
		if (r->start == r->end) {
			r->start = r->scan = r->end = 0;
			if (r->cap > 4 * READ_CHUNK) {  /* shrink after a huge line */
				free(r->buf);
				r->buf = NULL;
				r->cap = 0;
			}
		}
		if (r->end == r->cap) {
			if (r->start > r->cap / 2 || r->cap >= MAX_LINE + READ_CHUNK) {
				memmove(r->buf, r->buf + r->start, r->end - r->start);
				r->end -= r->start;
				r->scan -= r->start;
				r->start = 0;
			} else {
				size_t cap = r->cap ? r->cap * 2 : READ_CHUNK;
				char *p;
				if (cap > MAX_LINE + READ_CHUNK)
					cap = MAX_LINE + READ_CHUNK;
				p = realloc(r->buf, cap);
				if (!p) {
					/* Treat as an over-long line rather than crash. */
					logmsg("out of memory reading a line");
					r->discarding = true;
					r->start = r->scan = r->end = 0;
					continue;
				}
				r->buf = p;
				r->cap = cap;
			}
		}

		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			logmsg("reading stdin: %s", strerror(errno));
			r->eof = true;
		} else if (n == 0) {
			r->eof = true;
		} else {
			r->end += (size_t)n;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static int dump_cb(const char *data, size_t size, void *arg)
{
	return buf_append(arg, data, size) ? 0 : -1;
}

/* Serialize msg as one line and write it to stdout.  Steals msg. */
static void send_msg(struct server *s, json_t *msg)
{
	if (!msg) {
		logmsg("could not build a message (out of memory?)");
		return;
	}
	s->out.len = 0;
	if (json_dump_callback(msg, dump_cb, &s->out, JSON_COMPACT) != 0 ||
	    !buf_append(&s->out, "\n", 1)) {
		logmsg("could not serialize a message (out of memory?)");
	} else if (!write_all(STDOUT_FILENO, s->out.p, s->out.len)) {
		logmsg("writing stdout: %s; exiting", strerror(errno));
		_exit(1);
	}
	json_decref(msg);
	if (s->out.cap > ((size_t)16 << 20)) {  /* don't keep huge buffers */
		free(s->out.p);
		s->out = (struct buf){0};
	}
}

/* Send {"jsonrpc":"2.0","id":id,"error":{...}}.  id may be NULL (-> null). */
__attribute__((format(printf, 4, 5)))
static void reply_error(struct server *s, json_t *id, int code, const char *fmt, ...)
{
	char *text = NULL;
	json_t *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	msg = json_pack("{s:s, s:O, s:{s:i, s:o}}", "jsonrpc", "2.0",
			"id", id ? id : json_null(), "error", "code", code,
			"message", n < 0 ? json_string("error") : utf8_string(text, (size_t)n));
	free(text);
	send_msg(s, msg);
}

/* Send {"jsonrpc":"2.0","id":id,"result":result}.  Steals result. */
static void reply_result(struct server *s, json_t *id, json_t *result)
{
	if (!result) {
		reply_error(s, id, RPC_INTERNAL_ERROR, "Internal error: out of memory");
		return;
	}
	send_msg(s, json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
			      "result", result));
}

/* A tool result with one text content item. */
static json_t *text_result_n(const char *text, size_t len, bool is_error)
{
	json_t *str = utf8_string(text, len), *res;

	if (!str)
		return NULL;
	res = json_pack("{s:[{s:s, s:o}]}", "content", "type", "text", "text", str);
	if (res && is_error)
		json_object_set_new(res, "isError", json_true());
	return res;
}

static json_t *text_result(const char *text)
{
	return text_result_n(text, strlen(text), false);
}

/* A tool result with a formatted text. */
__attribute__((format(printf, 2, 0)))
static json_t *vresult(bool is_error, const char *fmt, va_list ap)
{
	char *text = NULL;
	json_t *res;
	int n = vasprintf(&text, fmt, ap);

	if (n < 0)
		return NULL;
	res = text_result_n(text, (size_t)n, is_error);
	free(text);
	return res;
}

__attribute__((format(printf, 1, 2)))
static json_t *text_resultf(const char *fmt, ...)
{
	va_list ap;
	json_t *res;

	va_start(ap, fmt);
	res = vresult(false, fmt, ap);
	va_end(ap);
	return res;
}

/* A tool result with isError true: a tool failure, not a protocol error. */
__attribute__((format(printf, 1, 2)))
static json_t *error_result(const char *fmt, ...)
{
	va_list ap;
	json_t *res;

	va_start(ap, fmt);
	res = vresult(true, fmt, ap);
	va_end(ap);
	return res;
}

/* ------------------------------------------------------------------ */
/* Argument helpers                                                    */

static bool arg_string(json_t *args, const char *key, const char **out, size_t *len)
{
	json_t *v = json_object_get(args, key);

	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	*len = json_string_length(v);
	return true;
}

/* An integer argument in [lo, hi]; integral floats such as 5.0 are accepted. */
static bool arg_int(json_t *args, const char *key, long long lo, long long hi, long long *out)
{
	json_t *v = json_object_get(args, key);
	long long n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= (double)lo && d <= (double)hi))  /* also rejects NaN */
			return false;
		n = (long long)d;
		if ((double)n != d)  /* not integral */
			return false;
	} else {
		return false;
	}
	if (n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

/* A path argument: a non-empty string without embedded NUL bytes. */
static bool arg_path(json_t *args, const char *key, const char **out)
{
	size_t len;

	return arg_string(args, key, out, &len) && len > 0 && strlen(*out) == len;
}

static json_t *bad_arg(const char *tool, const char *key, const char *what)
{
	return error_result("%s: argument '%s' %s", tool, key, what);
}

/* ------------------------------------------------------------------ */
/* File helpers                                                        */

/* Read a whole file of at most limit bytes.  Returns 0 or an errno value. */
static int read_path(const char *path, size_t limit, char **data, size_t *len)
{
	struct buf b = {0};
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	for (;;) {
		if (!buf_reserve(&b, 65536)) {
			err = ENOMEM;
			break;
		}
		ssize_t n = read(fd, b.p + b.len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > limit) {
			err = EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(b.p);
		return err;
	}
	*data = b.p;
	*len = b.len;
	return 0;
}

/* Create or truncate path and write data to it.  Returns 0 or an errno. */
static int write_path(const char *path, const char *data, size_t len, int flags, mode_t mode)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | flags, mode);
	if (fd < 0)
		return errno;
	if (!write_all(fd, data, len))
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	return err;
}

/* mkdir -p with mode 0700 for every directory created. */
static int mkdir_p(const char *dir)
{
	char *path = strdup(dir), *p;
	int err = 0;

	if (!path)
		return ENOMEM;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			err = errno;
			break;
		}
		*p = '/';
	}
	if (!err && mkdir(path, 0700) != 0 && errno != EEXIST)
		err = errno;
	free(path);
	return err;
}

static bool note_name_ok(const char *name, size_t len)
{
	if (len < 1 || len > NOTE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare "NAME=value" strings by NAME first, then by the whole string. */
static int cmp_env(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
	int c = memcmp(x, y, nx < ny ? nx : ny);

	if (c == 0 && nx != ny)
		return nx < ny ? -1 : 1;
	return c ? c : strcmp(x, y);
}

/* A text result of the strings joined with '\n'. */
static json_t *join_result(char **items, size_t n)
{
	struct buf b = {0};
	json_t *res;

	for (size_t i = 0; i < n; i++) {
		if ((i > 0 && !buf_append(&b, "\n", 1)) ||
		    !buf_append(&b, items[i], strlen(items[i]))) {
			free(b.p);
			return NULL;
		}
	}
	res = text_result_n(b.p ? b.p : "", b.len, false);
	free(b.p);
	return res;
}

/* ------------------------------------------------------------------ */
/* Tools                                                               */

static json_t *tool_echo(struct server *s, struct call *c)
{
	const char *text;
	size_t len;

	(void)s;
	if (!arg_string(c->args, "text", &text, &len))
		return bad_arg("echo", "text", "must be a string");
	return text_result_n(text, len, false);
}

static json_t *tool_notes_write(struct server *s, struct call *c)
{
	const char *name, *text;
	size_t nlen, tlen;
	char *path;
	int err;
	json_t *res;

	if (!arg_string(c->args, "name", &name, &nlen))
		return bad_arg("notes_write", "name", "must be a string");
	if (!note_name_ok(name, nlen))
		return error_result("notes_write: invalid note name '%s' (use 1-64 of A-Z a-z 0-9 _ . -, not starting with '.')", name);
	if (!arg_string(c->args, "text", &text, &tlen))
		return bad_arg("notes_write", "text", "must be a string");
	if ((err = mkdir_p(s->notes_dir)) != 0)
		return error_result("notes_write: %s: %s", s->notes_dir, strerror(err));
	if (asprintf(&path, "%s/%s", s->notes_dir, name) < 0)
		return NULL;
	err = write_path(path, text, tlen, O_NOFOLLOW, 0600);
	res = err ? error_result("notes_write: %s: %s", path, strerror(err))
		  : text_resultf("wrote %zu bytes to note '%s'", tlen, name);
	free(path);
	return res;
}

static json_t *tool_notes_read(struct server *s, struct call *c)
{
	const char *name;
	char *path, *data = NULL;
	size_t nlen, len = 0;
	int err;
	json_t *res;

	if (!arg_string(c->args, "name", &name, &nlen))
		return bad_arg("notes_read", "name", "must be a string");
	if (!note_name_ok(name, nlen))
		return error_result("notes_read: invalid note name '%s'", name);
	if (asprintf(&path, "%s/%s", s->notes_dir, name) < 0)
		return NULL;
	err = read_path(path, NOTE_MAX, &data, &len);
	if (err == ENOENT)
		res = error_result("notes_read: no note named '%s'", name);
	else if (err)
		res = error_result("notes_read: %s: %s", path, strerror(err));
	else
		res = text_result_n(data ? data : "", len, false);
	free(data);
	free(path);
	return res;
}

static json_t *tool_notes_list(struct server *s, struct call *c)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	json_t *res = NULL;
	DIR *d;

	(void)c;
	d = opendir(s->notes_dir);
	if (!d) {
		if (errno == ENOENT)
			return text_result("");
		return error_result("notes_list: %s: %s", s->notes_dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (!note_name_ok(de->d_name, strlen(de->d_name)))
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
			if (!p)
				goto out;
			names = p;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto out;
		n++;
	}
	qsort(names, n, sizeof *names, cmp_str);
	res = join_result(names, n);
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return res;
}

static json_t *tool_read_file(struct server *s, struct call *c)
{
	const char *path;
	char *data = NULL;
	size_t len = 0;
	int err;
	json_t *res;

	(void)s;
	if (!arg_path(c->args, "path", &path))
		return bad_arg("read_file", "path", "must be a non-empty string");
	err = read_path(path, READ_FILE_MAX, &data, &len);
	if (err == EFBIG)
		res = error_result("read_file: %s: file is larger than %zu bytes", path, READ_FILE_MAX);
	else if (err)
		res = error_result("read_file: %s: %s", path, strerror(err));
	else
		res = text_result_n(data ? data : "", len, false);
	free(data);
	return res;
}

static json_t *tool_write_file(struct server *s, struct call *c)
{
	const char *path, *text;
	size_t tlen;
	int err;

	(void)s;
	if (!arg_path(c->args, "path", &path))
		return bad_arg("write_file", "path", "must be a non-empty string");
	if (!arg_string(c->args, "text", &text, &tlen))
		return bad_arg("write_file", "text", "must be a string");
	err = write_path(path, text, tlen, 0, 0644);
	if (err)
		return error_result("write_file: %s: %s", path, strerror(err));
	return text_resultf("wrote %zu bytes to %s", tlen, path);
}

static json_t *tool_env(struct server *s, struct call *c)
{
	extern char **environ;
	size_t n = 0;
	char **vars;
	json_t *res;

	(void)s;
	(void)c;
	while (environ && environ[n])
		n++;
	vars = malloc((n ? n : 1) * sizeof *vars);
	if (!vars)
		return NULL;
	if (n)
		memcpy(vars, environ, n * sizeof *vars);
	qsort(vars, n, sizeof *vars, cmp_env);
	res = join_result(vars, n);
	free(vars);
	return res;
}

/*
 * big writes its response by hand: jansson is not needed to escape 'x', and
 * building a multi-megabyte string object would only slow things down.
 */
static json_t *tool_big(struct server *s, struct call *c)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	static const char mid[] = ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"";
	static const char tail[] = "\"}]}}\n";
	long long bytes;
	char *idtext, *msg, *p;
	size_t idlen, total;

	(void)s;
	if (!arg_int(c->args, "bytes", 0, BIG_MAX, &bytes))
		return bad_arg("big", "bytes", "must be an integer from 0 to 268435456");
	idtext = json_dumps(c->id, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!idtext)
		return NULL;
	idlen = strlen(idtext);
	total = sizeof head - 1 + idlen + sizeof mid - 1 + (size_t)bytes + sizeof tail - 1;
	msg = malloc(total);
	if (!msg) {
		free(idtext);
		return error_result("big: out of memory for %lld bytes", bytes);
	}
	p = msg;
	memcpy(p, head, sizeof head - 1);
	p += sizeof head - 1;
	memcpy(p, idtext, idlen);
	p += idlen;
	memcpy(p, mid, sizeof mid - 1);
	p += sizeof mid - 1;
	memset(p, 'x', (size_t)bytes);
	p += bytes;
	memcpy(p, tail, sizeof tail - 1);
	free(idtext);
	if (!write_all(STDOUT_FILENO, msg, total)) {
		logmsg("writing stdout: %s; exiting", strerror(errno));
		_exit(1);
	}
	free(msg);
	c->answered = true;
	return NULL;
}

/* Sleep until start + ms on the monotonic clock. */
static void sleep_until(const struct timespec *start, long long ms)
{
	struct timespec t = *start;

	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void send_progress(struct server *s, json_t *token, long long progress, long long total)
{
	send_msg(s, json_pack("{s:s, s:s, s:{s:O, s:I, s:I}}", "jsonrpc", "2.0",
			      "method", "notifications/progress", "params",
			      "progressToken", token, "progress", (json_int_t)progress,
			      "total", (json_int_t)total));
}

static json_t *tool_sleep(struct server *s, struct call *c)
{
	json_t *token = json_object_get(json_object_get(c->params, "_meta"), "progressToken");
	struct timespec start;
	long long ms;

	if (!arg_int(c->args, "ms", 0, SLEEP_MAX, &ms))
		return bad_arg("sleep", "ms", "must be an integer from 0 to 600000");
	if (!json_is_string(token) && !json_is_number(token))
		token = NULL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (token) {
		/* progress counts milliseconds slept: 0, 100, 200, ..., ms */
		send_progress(s, token, 0, ms);
		for (long long t = PROGRESS_MS; t < ms; t += PROGRESS_MS) {
			sleep_until(&start, t);
			send_progress(s, token, t, ms);
		}
	}
	sleep_until(&start, ms);
	if (token && ms > 0)
		send_progress(s, token, ms, ms);
	return text_resultf("slept %lld ms", ms);
}

static json_t *tool_hang(struct server *s, struct call *c)
{
	char *id = json_dumps(c->id, JSON_COMPACT | JSON_ENCODE_ANY);

	(void)s;
	logmsg("hang: request %s will never be answered", id ? id : "?");
	free(id);
	c->answered = true;
	return NULL;
}

static json_t *tool_crash(struct server *s, struct call *c)
{
	(void)s;
	(void)c;
	logmsg("crash: calling abort()");
	abort();
}

static json_t *tool_exit(struct server *s, struct call *c)
{
	long long code = 0;

	(void)s;
	if (json_object_get(c->args, "code") && !arg_int(c->args, "code", 0, 255, &code))
		return bad_arg("exit", "code", "must be an integer from 0 to 255");
	logmsg("exit: exiting with status %lld", code);
	_exit((int)code);  /* no atexit handlers, no leak checks: exit now */
}

static bool is_response_to(json_t *msg, const char *id)
{
	return json_is_object(msg) && !json_object_get(msg, "method") &&
	       jstr_eq(json_object_get(msg, "id"), id);
}

static void enqueue(struct server *s, const char *line, size_t len, bool too_long)
{
	struct queued *q = calloc(1, sizeof *q);

	if (!q || !(q->line = malloc(len ? len : 1))) {
		logmsg("out of memory: dropping a message");
		free(q);
		return;
	}
	memcpy(q->line, line, len);
	q->len = len;
	q->too_long = too_long;
	if (s->qtail)
		s->qtail->next = q;
	else
		s->qhead = q;
	s->qtail = q;
}

/*
 * Read stdin until the response with the given id arrives; everything else
 * is queued and processed after the current request.  NULL on EOF.
 */
static json_t *wait_for_response(struct server *s, const char *id)
{
	const char *line;
	size_t len;

	for (;;) {
		enum read_status st = reader_next(&s->in, &line, &len);
		if (st == READ_EOF)
			return NULL;
		if (st == READ_TOO_LONG) {
			enqueue(s, "", 0, true);
			continue;
		}
		size_t n = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
		json_t *msg = n ? json_loadb(line, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL) : NULL;
		if (is_response_to(msg, id))
			return msg;
		json_decref(msg);
		enqueue(s, line, len, false);
	}
}

static json_t *tool_roots(struct server *s, struct call *c)
{
	char id[48];
	json_t *resp, *err, *roots, *res;
	struct buf b = {0};
	size_t i;

	(void)c;
	snprintf(id, sizeof id, "demo-roots-%u", ++s->roots_seq);
	send_msg(s, json_pack("{s:s, s:s, s:s}", "jsonrpc", "2.0", "id", id,
			      "method", "roots/list"));
	resp = wait_for_response(s, id);
	if (!resp)
		return error_result("roots: stdin closed before the client answered roots/list");

	err = json_object_get(resp, "error");
	roots = json_object_get(json_object_get(resp, "result"), "roots");
	if (err) {
		const char *m = json_string_value(json_object_get(err, "message"));
		res = error_result("roots: the client answered roots/list with error %lld: %s",
				   (long long)json_integer_value(json_object_get(err, "code")),
				   m ? m : "(no message)");
	} else if (!json_is_array(roots)) {
		res = error_result("roots: malformed roots/list result (no 'roots' array)");
	} else {
		res = NULL;
		for (i = 0; i < json_array_size(roots); i++) {
			json_t *uri = json_object_get(json_array_get(roots, i), "uri");
			if (!json_is_string(uri)) {
				res = error_result("roots: malformed roots/list result (root %zu has no 'uri')", i);
				break;
			}
			if ((i > 0 && !buf_append(&b, "\n", 1)) ||
			    !buf_append(&b, json_string_value(uri), json_string_length(uri)))
				break;
		}
		if (!res && i == json_array_size(roots))
			res = text_result_n(b.p ? b.p : "", b.len, false);
	}
	free(b.p);
	json_decref(resp);
	return res;
}

static json_t *tool_fake_secret(struct server *s, struct call *c)
{
	(void)s;
	(void)c;
	return text_result("here is a key: AKIAIOSFODNN7EXAMPLE and secret "
			   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}

static json_t *tool_mutate(struct server *s, struct call *c)
{
	(void)c;
	for (size_t i = 0; i < json_array_size(s->tools); i++) {
		json_t *t = json_array_get(s->tools, i);
		if (jstr_eq(json_object_get(t, "name"), "echo")) {
			const char *d = json_string_value(json_object_get(t, "description"));
			json_object_set_new(t, "description", json_sprintf("%s (changed)", d ? d : ""));
		}
	}
	send_msg(s, json_pack("{s:s, s:s}", "jsonrpc", "2.0",
			      "method", "notifications/tools/list_changed"));
	return text_result("mutated");
}

/* ------------------------------------------------------------------ */
/* Tool table                                                          */

typedef json_t *tool_fn(struct server *s, struct call *c);

struct tool_def {
	const char *name;
	const char *description;
	const char *schema;   /* inputSchema as JSON text */
	tool_fn *fn;
};

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"
#define STR(d) "{\"type\":\"string\",\"description\":\"" d "\"}"

static const struct tool_def TOOLS[] = {
	{"echo", "Return the given text unchanged.",
	 "{\"type\":\"object\",\"properties\":{\"text\":" STR("Text to return") "},"
	 "\"required\":[\"text\"]}", tool_echo},
	{"notes_write", "Write a note (a small text file) in the notes directory.",
	 "{\"type\":\"object\",\"properties\":{"
	 "\"name\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$\","
	 "\"description\":\"Note name\"},\"text\":" STR("Note contents") "},"
	 "\"required\":[\"name\",\"text\"]}", tool_notes_write},
	{"notes_read", "Read a note from the notes directory.",
	 "{\"type\":\"object\",\"properties\":{"
	 "\"name\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$\","
	 "\"description\":\"Note name\"}},\"required\":[\"name\"]}", tool_notes_read},
	{"notes_list", "List the notes in the notes directory, one name per line.",
	 NO_ARGS, tool_notes_list},
	{"read_file", "Read any file (up to 1 MiB) and return its contents as text. "
	 "Deliberately unrestricted.",
	 "{\"type\":\"object\",\"properties\":{\"path\":" STR("Path of the file") "},"
	 "\"required\":[\"path\"]}", tool_read_file},
	{"write_file", "Create or overwrite any file with the given text. "
	 "Deliberately unrestricted.",
	 "{\"type\":\"object\",\"properties\":{\"path\":" STR("Path of the file") ","
	 "\"text\":" STR("New contents") "},\"required\":[\"path\",\"text\"]}",
	 tool_write_file},
	{"env", "Return the server's environment, one NAME=value per line, sorted.",
	 NO_ARGS, tool_env},
	{"big", "Return a text of exactly the given number of 'x' characters.",
	 "{\"type\":\"object\",\"properties\":{\"bytes\":{\"type\":\"integer\","
	 "\"minimum\":0,\"maximum\":268435456,\"description\":\"Length of the text\"}},"
	 "\"required\":[\"bytes\"]}", tool_big},
	{"sleep", "Sleep for the given number of milliseconds, reporting progress "
	 "every 100 ms if the request has a progress token.",
	 "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\","
	 "\"minimum\":0,\"maximum\":600000,\"description\":\"Milliseconds to sleep\"}},"
	 "\"required\":[\"ms\"]}", tool_sleep},
	{"hang", "Never answer this call (other requests are still served).",
	 NO_ARGS, tool_hang},
	{"crash", "Abort the server immediately, without answering.", NO_ARGS, tool_crash},
	{"exit", "Exit the server immediately with the given status, without answering.",
	 "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"integer\","
	 "\"minimum\":0,\"maximum\":255,\"description\":\"Exit status (default 0)\"}}}",
	 tool_exit},
	{"roots", "Ask the client for its roots (roots/list) and return their URIs, "
	 "one per line.", NO_ARGS, tool_roots},
	{"fake_secret", "Return a text containing a well-known fake AWS access key.",
	 NO_ARGS, tool_fake_secret},
	{"mutate", "Change the description of the echo tool and send "
	 "notifications/tools/list_changed.", NO_ARGS, tool_mutate},
};

#define NTOOLS (sizeof TOOLS / sizeof TOOLS[0])

/* Build the tools/list array from the table. */
static json_t *tools_init(void)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < NTOOLS; i++) {
		json_error_t err;
		json_t *schema = json_loads(TOOLS[i].schema, 0, &err);
		if (!schema) {
			logmsg("internal error: schema of %s: %s", TOOLS[i].name, err.text);
			abort();
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", TOOLS[i].name,
						     "description", TOOLS[i].description,
						     "inputSchema", schema));
	}
	return arr;
}

/* ------------------------------------------------------------------ */
/* Methods                                                             */

static void handle_initialize(struct server *s, json_t *id, json_t *params)
{
	static const char *const versions[] = {
		"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25",
	};
	json_t *want = json_object_get(params, "protocolVersion");
	const char *version = DEFAULT_PROTOCOL;

	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (jstr_eq(want, versions[i]))
			version = versions[i];
	reply_result(s, id, json_pack(
		"{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}",
		"protocolVersion", version,
		"capabilities", "tools", "listChanged", 1,
		"serverInfo", "name", SERVER_NAME, "version", SERVER_VERSION,
		"instructions", "A demo server with harmless, dangerous and misbehaving "
		"tools for trying out assay-gateway."));
}

static void handle_tools_call(struct server *s, json_t *id, json_t *params)
{
	json_t *name = json_object_get(params, "name");
	json_t *args = json_object_get(params, "arguments");
	json_t *own_args = NULL;
	const struct tool_def *tool = NULL;
	struct call c;

	if (!json_is_object(params) || !json_is_string(name)) {
		reply_error(s, id, RPC_INVALID_PARAMS,
			    "Invalid params: tools/call needs an object with a string 'name'");
		return;
	}
	if (args && !json_is_object(args) && !json_is_null(args)) {
		reply_error(s, id, RPC_INVALID_PARAMS,
			    "Invalid params: 'arguments' must be an object");
		return;
	}
	for (size_t i = 0; i < NTOOLS; i++)
		if (jstr_eq(name, TOOLS[i].name))
			tool = &TOOLS[i];
	if (!tool) {
		reply_error(s, id, RPC_INVALID_PARAMS, "Unknown tool: %s", json_string_value(name));
		return;
	}
	if (!json_is_object(args))
		args = own_args = json_object();

	c = (struct call){ .id = id, .params = params, .args = args, .answered = false };
	json_t *res = tool->fn(s, &c);
	if (res || !c.answered)
		reply_result(s, id, res);  /* NULL: -32603 out of memory */
	json_decref(own_args);
}

/* Handle one parsed message. */
static void handle_message(struct server *s, json_t *msg)
{
	json_t *id, *method, *params;
	bool id_ok;

	if (!json_is_object(msg)) {
		reply_error(s, NULL, RPC_INVALID_REQUEST, "Invalid Request: not a JSON object");
		return;
	}
	id = json_object_get(msg, "id");
	method = json_object_get(msg, "method");
	params = json_object_get(msg, "params");
	id_ok = json_is_string(id) || json_is_number(id);

	if (!jstr_eq(json_object_get(msg, "jsonrpc"), "2.0")) {
		reply_error(s, id_ok ? id : NULL, RPC_INVALID_REQUEST,
			    "Invalid Request: \"jsonrpc\" must be \"2.0\"");
		return;
	}
	if (!method) {
		if (id_ok && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
			char *t = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
			logmsg("ignoring a response to unknown request %s", t ? t : "?");
			free(t);
			return;
		}
		reply_error(s, id_ok ? id : NULL, RPC_INVALID_REQUEST,
			    "Invalid Request: no \"method\"");
		return;
	}
	if (!json_is_string(method)) {
		reply_error(s, id_ok ? id : NULL, RPC_INVALID_REQUEST,
			    "Invalid Request: \"method\" must be a string");
		return;
	}
	if (!id)
		return;  /* a notification: initialized, cancelled, ... all ignored */
	if (!id_ok) {
		reply_error(s, NULL, RPC_INVALID_REQUEST,
			    "Invalid Request: \"id\" must be a string or a number");
		return;
	}
	if (params && !json_is_object(params) && !json_is_array(params)) {
		reply_error(s, id, RPC_INVALID_REQUEST,
			    "Invalid Request: \"params\" must be an object or an array");
		return;
	}

	if (jstr_eq(method, "initialize"))
		handle_initialize(s, id, params);
	else if (jstr_eq(method, "ping"))
		reply_result(s, id, json_object());
	else if (jstr_eq(method, "tools/list"))
		reply_result(s, id, json_pack("{s:O}", "tools", s->tools));
	else if (jstr_eq(method, "tools/call"))
		handle_tools_call(s, id, params);
	else
		reply_error(s, id, RPC_METHOD_NOT_FOUND, "Method not found: %s",
			    json_string_value(method));
}

/* Handle one input line (without its '\n'). */
static void handle_line(struct server *s, const char *line, size_t len)
{
	json_error_t err;
	json_t *msg;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;  /* blank lines are not messages */
	msg = json_loadb(line, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (!msg) {
		reply_error(s, NULL, RPC_PARSE_ERROR, "Parse error: %s (line 1, column %d)",
			    err.text, err.column);
		return;
	}
	handle_message(s, msg);
	json_decref(msg);
}

/* The main loop: queued messages first, then stdin, until EOF. */
static void serve(struct server *s)
{
	const char *line;
	size_t len;

	for (;;) {
		struct queued *q = s->qhead;
		if (q) {
			s->qhead = q->next;
			if (!s->qhead)
				s->qtail = NULL;
			if (q->too_long)
				reply_error(s, NULL, RPC_INVALID_REQUEST,
					    "Invalid Request: message larger than %zu bytes", MAX_LINE);
			else
				handle_line(s, q->line, q->len);
			free(q->line);
			free(q);
			continue;
		}
		switch (reader_next(&s->in, &line, &len)) {
		case READ_EOF:
			return;
		case READ_TOO_LONG:
			reply_error(s, NULL, RPC_INVALID_REQUEST,
				    "Invalid Request: message larger than %zu bytes", MAX_LINE);
			break;
		case READ_LINE:
			handle_line(s, line, len);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Startup                                                             */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " SERVER_NAME " [OPTIONS]\n"
		"A demo MCP server (stdio transport) for trying out assay-gateway.\n"
		"\n"
		"  --notes DIR        directory for notes (default: $ASSAY_DEMO_NOTES,\n"
		"                     else ${TMPDIR:-/tmp}/assay-demo-notes-UID)\n"
		"  --ignore-eof       keep running after stdin closes, until killed\n"
		"  --ignore-sigterm   ignore SIGTERM\n"
		"  --stdout-junk      print a line that is not JSON to stdout at start\n"
		"  -h, --help         show this help and exit\n"
		"\n"
		"Tools: echo notes_write notes_read notes_list read_file write_file env\n"
		"       big sleep hang crash exit roots fake_secret mutate\n");
}

static char *default_notes_dir(void)
{
	const char *env = getenv("ASSAY_DEMO_NOTES");
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (env && *env)
		return strdup(env);
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&dir, "%s/assay-demo-notes-%lu", tmp, (unsigned long)getuid()) < 0)
		return NULL;
	return dir;
}

int main(int argc, char **argv)
{
	enum { OPT_NOTES = 256, OPT_IGNORE_EOF, OPT_IGNORE_SIGTERM, OPT_STDOUT_JUNK };
	static const struct option opts[] = {
		{"notes", required_argument, NULL, OPT_NOTES},
		{"ignore-eof", no_argument, NULL, OPT_IGNORE_EOF},
		{"ignore-sigterm", no_argument, NULL, OPT_IGNORE_SIGTERM},
		{"stdout-junk", no_argument, NULL, OPT_STDOUT_JUNK},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct server s = {0};
	const char *notes = NULL;
	bool ignore_eof = false, junk = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_NOTES:
			notes = optarg;
			break;
		case OPT_IGNORE_EOF:
			ignore_eof = true;
			break;
		case OPT_IGNORE_SIGTERM:
			signal(SIGTERM, SIG_IGN);
			break;
		case OPT_STDOUT_JUNK:
			junk = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", SERVER_NAME, argv[optind]);
		usage(stderr);
		return 2;
	}

	/* A closed stdout must not kill us silently: write() reports EPIPE. */
	signal(SIGPIPE, SIG_IGN);

	s.notes_dir = notes ? strdup(notes) : default_notes_dir();
	s.tools = tools_init();
	if (!s.notes_dir || !s.tools) {
		logmsg("out of memory");
		return 1;
	}
	reader_init(&s.in, STDIN_FILENO);

	if (junk && !write_all(STDOUT_FILENO, "this is not json\n", 17)) {
		logmsg("writing stdout: %s", strerror(errno));
		return 1;
	}

	serve(&s);

	free(s.in.buf);
	free(s.out.p);
	free(s.notes_dir);
	json_decref(s.tools);
	if (ignore_eof) {
		logmsg("stdin closed; --ignore-eof: waiting to be killed");
		for (;;)
			pause();
	}
	return 0;
}
