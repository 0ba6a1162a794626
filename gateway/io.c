/* gateway/io.c - sources and sinks over the gateway's descriptors. */
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct write_req {
	uv_write_t req;
	struct gw_sink *sink;
	size_t len;
	char data[];
};

const char *gw_fd_kind(int fd)
{
	switch (uv_guess_handle(fd)) {
	case UV_NAMED_PIPE: return "pipe";
	case UV_TTY: return "terminal";
	case UV_TCP: return "tcp socket";
	case UV_UDP: return "udp socket";
	case UV_FILE: return "file";
	default: return "closed or unknown";
	}
}

/* Wrap |fd| in the handle type libuv supports for it. */
static int open_handle(uv_loop_t *loop, union gw_stream_handle *h, int fd, bool readable,
		       bool *is_stream, bool *is_file)
{
	int rc;
	*is_stream = *is_file = false;
	switch (uv_guess_handle(fd)) {
	case UV_NAMED_PIPE:
		if ((rc = uv_pipe_init(loop, &h->pipe, 0)) != 0)
			return rc;
		if ((rc = uv_pipe_open(&h->pipe, fd)) != 0) {
			uv_close(&h->handle, NULL);
			return rc;
		}
		*is_stream = true;
		return 0;
	case UV_TTY:
		if ((rc = uv_tty_init(loop, &h->tty, fd, readable)) != 0)
			return rc;
		*is_stream = true;
		return 0;
	case UV_TCP:
		if ((rc = uv_tcp_init(loop, &h->tcp)) != 0)
			return rc;
		if ((rc = uv_tcp_open(&h->tcp, fd)) != 0) {
			uv_close(&h->handle, NULL);
			return rc;
		}
		*is_stream = true;
		return 0;
	case UV_FILE:
		*is_file = true;
		return 0;
	case UV_UNKNOWN_HANDLE:
		return 0; /* closed: reads end at once, writes are dropped */
	default:
		return UV_EINVAL;
	}
}

int gw_source_open(uv_loop_t *loop, struct gw_source *src, int fd, size_t buf_size,
		   const char *name)
{
	memset(src, 0, sizeof(*src));
	src->fd = fd;
	src->name = name;
	src->buf_size = buf_size;
	src->buf = malloc(buf_size);
	if (!src->buf)
		return UV_ENOMEM;
	int rc = open_handle(loop, &src->h, fd, true, &src->is_stream, &src->is_file);
	if (rc != 0) {
		free(src->buf);
		src->buf = NULL;
		return rc;
	}
	src->fs_req.loop = loop;
	src->fs_req.data = src;
	return 0;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct gw_source *src = h->data;
	*buf = uv_buf_init(src->buf, (unsigned)src->buf_size);
}

static void finish_source(struct gw_source *src, int err)
{
	if (src->ended)
		return;
	src->ended = true;
	src->reading = false;
	if (src->is_stream)
		uv_read_stop(&src->h.stream);
	src->on_end(src, err);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct gw_source *src = s->data;
	(void)buf;
	if (nread > 0)
		src->on_data(src, src->buf, (size_t)nread);
	else if (nread == UV_EOF)
		finish_source(src, 0);
	else if (nread < 0)
		finish_source(src, (int)nread);
}

static void file_read(struct gw_source *src);

static void fs_read_cb(uv_fs_t *req)
{
	struct gw_source *src = req->data;
	ssize_t n = req->result;
	uv_fs_req_cleanup(req);
	src->read_pending = false;
	if (src->closing)
		return;
	if (n > 0) {
		src->on_data(src, src->buf, (size_t)n);
		if (!src->paused && !src->ended && !src->closing)
			file_read(src);
	} else {
		finish_source(src, n == 0 ? 0 : (int)n);
	}
}

static void file_read(struct gw_source *src)
{
	if (src->read_pending)
		return;
	uv_buf_t b = uv_buf_init(src->buf, (unsigned)src->buf_size);
	src->read_pending = true;
	int rc = uv_fs_read(src->fs_req.loop, &src->fs_req, src->fd, &b, 1, -1, fs_read_cb);
	if (rc != 0) {
		src->read_pending = false;
		finish_source(src, rc);
	}
}

int gw_source_start(struct gw_source *src)
{
	src->reading = true;
	src->paused = false;
	if (src->is_stream) {
		src->h.handle.data = src;
		return uv_read_start(&src->h.stream, alloc_cb, read_cb);
	}
	if (src->is_file) {
		file_read(src);
		return 0;
	}
	finish_source(src, 0); /* closed descriptor: nothing to read */
	return 0;
}

void gw_source_pause(struct gw_source *src)
{
	if (src->paused || src->ended || !src->reading)
		return;
	src->paused = true;
	if (src->is_stream)
		uv_read_stop(&src->h.stream);
}

void gw_source_resume(struct gw_source *src)
{
	if (!src->paused || src->ended || src->closing)
		return;
	src->paused = false;
	if (src->is_stream)
		uv_read_start(&src->h.stream, alloc_cb, read_cb);
	else if (src->is_file)
		file_read(src);
}

static void source_closed_cb(uv_handle_t *h)
{
	struct gw_source *src = h->data;
	free(src->buf);
	src->buf = NULL;
}

void gw_source_close(struct gw_source *src)
{
	if (src->closing)
		return;
	src->closing = true;
	src->ended = true;
	if (src->is_stream) {
		src->h.handle.data = src;
		uv_close(&src->h.handle, source_closed_cb);
		return;
	}
	if (src->read_pending)
		uv_cancel((uv_req_t *)&src->fs_req);
	/* A read still running in the thread pool owns buf until its
	 * callback; leave buf to be released with the process then. */
	if (!src->read_pending) {
		free(src->buf);
		src->buf = NULL;
	}
	if (src->is_file && src->fd > 2)
		close(src->fd);
}

/* ---- sinks ------------------------------------------------------------ */

int gw_sink_open(uv_loop_t *loop, struct gw_sink *sink, int fd, const char *name)
{
	memset(sink, 0, sizeof(*sink));
	sink->fd = fd;
	sink->name = name;
	sink->high_water = 1024 * 1024;
	sink->low_water = 256 * 1024;
	int rc = open_handle(loop, &sink->h, fd, false, &sink->is_stream, &sink->is_file);
	if (rc == 0)
		sink->h.handle.data = sink;
	return rc;
}

static void sink_fail(struct gw_sink *sink, int err)
{
	if (sink->failed)
		return;
	sink->failed = true;
	if (sink->on_error)
		sink->on_error(sink, err);
}

static void notify_progress(struct gw_sink *sink)
{
	if (sink->was_congested && sink->queued <= sink->low_water) {
		sink->was_congested = false;
		if (sink->on_drain)
			sink->on_drain(sink);
	}
	if (sink->queued == 0 && sink->on_flushed) {
		gw_sink_cb cb = sink->on_flushed;
		sink->on_flushed = NULL;
		cb(sink);
	}
}

static void write_cb(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct gw_sink *sink = w->sink;
	sink->queued -= w->len;
	free(w);
	if (status < 0 && status != UV_ECANCELED)
		sink_fail(sink, status);
	notify_progress(sink);
}

/* Blocking write for regular files and character devices. */
static int file_write(struct gw_sink *sink, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(sink->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = {.fd = sink->fd, .events = POLLOUT};
				(void)poll(&pfd, 1, 1000);
				continue;
			}
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int gw_sink_write(struct gw_sink *sink, const char *a, size_t alen, const char *b,
		  size_t blen)
{
	if (sink->failed || sink->closing)
		return UV_EPIPE;
	if (!sink->is_stream) {
		if (!sink->is_file)
			return 0; /* closed descriptor: dropped */
		int rc = file_write(sink, a, alen);
		if (rc == 0 && blen)
			rc = file_write(sink, b, blen);
		if (rc != 0) {
			sink_fail(sink, rc);
			return rc;
		}
		return 0;
	}

	size_t total = alen + blen, done = 0;
	if (sink->queued == 0) {
		uv_buf_t bufs[2] = {uv_buf_init((char *)a, (unsigned)alen),
				    uv_buf_init((char *)b, (unsigned)blen)};
		int n = uv_try_write(&sink->h.stream, bufs, blen ? 2 : 1);
		if (n >= 0)
			done = (size_t)n;
		else if (n != UV_EAGAIN) {
			sink_fail(sink, n);
			return n;
		}
		if (done == total)
			return 0;
	}
	size_t rest = total - done;
	struct write_req *w = malloc(sizeof(*w) + rest);
	if (!w) {
		sink_fail(sink, UV_ENOMEM);
		return UV_ENOMEM;
	}
	w->sink = sink;
	w->len = rest;
	char *p = w->data;
	if (done < alen) {
		memcpy(p, a + done, alen - done);
		p += alen - done;
		memcpy(p, b, blen);
	} else {
		memcpy(p, b + (done - alen), total - done);
	}
	uv_buf_t buf = uv_buf_init(w->data, (unsigned)rest);
	int rc = uv_write(&w->req, &sink->h.stream, &buf, 1, write_cb);
	if (rc != 0) {
		free(w);
		sink_fail(sink, rc);
		return rc;
	}
	sink->queued += rest;
	if (sink->queued > sink->high_water)
		sink->was_congested = true;
	return 0;
}

void gw_sink_flush(struct gw_sink *sink, gw_sink_cb cb)
{
	if (sink->queued == 0 || !sink->is_stream) {
		cb(sink);
		return;
	}
	sink->on_flushed = cb;
}

void gw_sink_close(struct gw_sink *sink)
{
	if (sink->closing)
		return;
	sink->closing = true;
	if (sink->is_stream) {
		uv_close(&sink->h.handle, NULL);
		return;
	}
	if (sink->is_file && sink->fd > 2)
		close(sink->fd);
}
