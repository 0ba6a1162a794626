/* gateway/log.h - human log lines and the server's stderr, on our stderr.
 *
 * Nothing here may block the relay: once a sink is attached, a line that
 * does not fit in the bounded queue (nobody reads our stderr) is dropped
 * and counted instead.  Before a sink is attached (start-up) and after it
 * is detached, lines are written directly.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

enum gw_log_level { GW_LOG_ERROR = 0, GW_LOG_WARN = 1, GW_LOG_INFO = 1, GW_LOG_DEBUG = 2 };

struct gw_log_stats {
	uint64_t dropped_lines;	       /* our own lines dropped */
	uint64_t server_lines;	       /* lines the server wrote to stderr */
	uint64_t server_bytes;
	uint64_t server_dropped_lines; /* of those, dropped */
};

void gw_log_init(int verbosity);
int gw_log_verbosity(void);
/* Route output through |sink| (not owned) from now on; NULL detaches. */
void gw_log_attach(struct gw_sink *sink);

void gw_log(enum gw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define gw_error(...) gw_log(GW_LOG_ERROR, __VA_ARGS__)
#define gw_warn(...) gw_log(GW_LOG_WARN, __VA_ARGS__)
#define gw_info(...) gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_debug(...) gw_log(GW_LOG_DEBUG, __VA_ARGS__)

/* Pass bytes the server wrote to its stderr through, whole lines at a
 * time; a line longer than 16 KiB is passed in pieces. */
void gw_log_server_stderr(const char *data, size_t len);
/* The server's stderr ended: pass a last unterminated line. */
void gw_log_server_stderr_end(void);

const struct gw_log_stats *gw_log_stats(void);

/* Render |len| bytes of untrusted text for a log line: printable ASCII as
 * is, everything else escaped, at most |max| input bytes ("..." after).
 * Returns |out|. */
char *gw_log_quote(const char *data, size_t len, size_t max, char *out, size_t out_size);

#endif
