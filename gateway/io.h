/* gateway/io.h - the gateway's byte streams: sources and sinks over libuv.
 *
 * The gateway's own stdin, stdout and stderr may each be a pipe, a socket,
 * a terminal, a regular file or /dev/null; libuv needs a different handle
 * type for each (a pipe handle over a regular file aborts), so a source or
 * sink picks one from uv_guess_handle.  Regular files and character devices
 * are read through the thread pool and written synchronously.
 */
#ifndef GW_IO_H
#define GW_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct gw_source;
struct gw_sink;

typedef void (*gw_source_data_cb)(struct gw_source *src, const char *data, size_t len);
/* |err| is 0 for end of file, else a libuv error. */
typedef void (*gw_source_end_cb)(struct gw_source *src, int err);
typedef void (*gw_sink_cb)(struct gw_sink *sink);
typedef void (*gw_sink_error_cb)(struct gw_sink *sink, int err);

union gw_stream_handle {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_pipe_t pipe;
	uv_tty_t tty;
	uv_tcp_t tcp;
};

struct gw_source {
	union gw_stream_handle h;
	bool is_file, is_stream, reading, paused, ended, read_pending, closing;
	int fd;
	uv_fs_t fs_req;
	char *buf;
	size_t buf_size;
	const char *name; /* for logs */
	gw_source_data_cb on_data;
	gw_source_end_cb on_end;
	void *data; /* owner */
	void (*on_closed)(struct gw_source *src);
};

struct gw_sink {
	union gw_stream_handle h;
	bool is_file, is_stream, failed, closing, closed;
	int fd;
	size_t queued;	   /* bytes accepted but not yet written */
	size_t high_water; /* gw_sink_congested() above this */
	size_t low_water;  /* on_drain when queued falls to this */
	bool was_congested;
	const char *name;
	gw_sink_cb on_drain;	 /* queue fell below low_water */
	gw_sink_cb on_flushed;	 /* one-shot: queue empty */
	gw_sink_error_cb on_error; /* a write failed (EPIPE: reader gone) */
	void *data;
	void (*on_closed)(struct gw_sink *sink);
};

/* Open |fd| as a source / sink.  |buf_size| is the read size.  Returns 0 or
 * a libuv error (UV_EINVAL for an unsupported kind, such as a UDP socket).
 * The descriptor is owned from now on and closed by gw_*_close. */
int gw_source_open(uv_loop_t *loop, struct gw_source *src, int fd, size_t buf_size,
		   const char *name);
int gw_sink_open(uv_loop_t *loop, struct gw_sink *sink, int fd, const char *name);

int gw_source_start(struct gw_source *src);
void gw_source_pause(struct gw_source *src);
void gw_source_resume(struct gw_source *src);
void gw_source_close(struct gw_source *src);

/* Queue |alen| bytes of |a| followed by |blen| bytes of |b| (either may be
 * empty).  Writes at once when possible; what cannot be written now is
 * copied, so the caller's buffers are free on return.  Returns 0, or a
 * libuv error when the sink has failed (the data is dropped). */
int gw_sink_write(struct gw_sink *sink, const char *a, size_t alen, const char *b,
		  size_t blen);

static inline bool gw_sink_congested(const struct gw_sink *sink)
{
	return sink->queued > sink->high_water;
}

/* Call |cb| once when nothing is queued (at once if already empty). */
void gw_sink_flush(struct gw_sink *sink, gw_sink_cb cb);
void gw_sink_close(struct gw_sink *sink);

/* The kind of descriptor, for logs ("pipe", "file", "tty", ...). */
const char *gw_fd_kind(int fd);

#endif
