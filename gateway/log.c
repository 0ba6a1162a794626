/* gateway/log.c - human log lines and the server's stderr. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Most bytes queued for our stderr before lines are dropped. */
#define MAX_QUEUED (256 * 1024)
#define MAX_SERVER_LINE (16 * 1024)

static struct {
	int verbosity;
	struct gw_sink *sink;
	struct gw_log_stats stats;
	size_t line_len;
} L = {.verbosity = 1};
/* Apart from L, which is initialised: zero pages, never read from the
 * binary, and never faulted in unless the server writes long lines. */
static char line_buf[MAX_SERVER_LINE];

void gw_log_init(int verbosity)
{
	L.verbosity = verbosity;
	L.sink = NULL;
	memset(&L.stats, 0, sizeof(L.stats));
	L.line_len = 0;
}

int gw_log_verbosity(void)
{
	return L.verbosity;
}

void gw_log_attach(struct gw_sink *sink)
{
	L.sink = sink;
}

const struct gw_log_stats *gw_log_stats(void)
{
	return &L.stats;
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Emit one whole line; false when it had to be dropped. */
static bool emit(const char *p, size_t n)
{
	if (!L.sink) {
		write_all(p, n);
		return true;
	}
	if (L.sink->closing || L.sink->failed)
		return false;
	if (L.sink->queued + n > MAX_QUEUED)
		return false;
	return gw_sink_write(L.sink, p, n, NULL, 0) == 0;
}

void gw_log(enum gw_log_level level, const char *fmt, ...)
{
	if ((int)level > L.verbosity)
		return;
	char buf[2048];
	const char *tag = level == GW_LOG_ERROR ? "error: " : "";
	int n = snprintf(buf, sizeof(buf), "assay-gateway: %s", tag);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (!emit(buf, len))
		L.stats.dropped_lines++;
}

static void server_line(const char *p, size_t n)
{
	L.stats.server_lines++;
	if (!emit(p, n))
		L.stats.server_dropped_lines++;
}

void gw_log_server_stderr(const char *data, size_t len)
{
	L.stats.server_bytes += len;
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) + 1 : len;
		if (L.line_len == 0 && nl) {
			server_line(data, seg); /* whole line, no copy */
		} else {
			size_t room = sizeof(line_buf) - L.line_len;
			size_t take = seg < room ? seg : room;
			memcpy(line_buf + L.line_len, data, take);
			L.line_len += take;
			if (take < seg) {
				/* Over-long line: pass the piece, keep going. */
				server_line(line_buf, L.line_len);
				L.line_len = 0;
				seg = take;
			} else if (nl || L.line_len == sizeof(line_buf)) {
				server_line(line_buf, L.line_len);
				L.line_len = 0;
			}
		}
		data += seg;
		len -= seg;
	}
}

void gw_log_server_stderr_end(void)
{
	if (L.line_len) {
		if (L.line_len < sizeof(line_buf))
			line_buf[L.line_len++] = '\n';
		server_line(line_buf, L.line_len);
		L.line_len = 0;
	}
}

char *gw_log_quote(const char *data, size_t len, size_t max, char *out, size_t out_size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && i < max && o + 8 < out_size; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (len > max && o + 4 < out_size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < out_size ? o : out_size - 1] = '\0';
	return out;
}
