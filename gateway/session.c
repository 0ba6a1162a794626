/* gateway/session.c - one run: spawn the server, run the loop, stop.
 *
 * Stopping follows the MCP client convention: after the client's stdin
 * ends, answers still in flight may arrive (bounded by --drain-timeout);
 * then the server's stdin is closed; after --grace, SIGTERM to its process
 * group; after another --grace, SIGKILL.  A signal to the gateway starts
 * the sequence at SIGTERM.  When the server exits, what it wrote is
 * delivered, requests still in flight are answered with an error, and the
 * gateway exits with the server's status.
 */
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "bundle.h"
#include "profile.h"
#include "policy_cmd.h"
#include "log.h"
#include "mcp/message.h"
#include "sandbox/spawn.h"

extern char **environ;

/* How long to wait for the server's last output after it exited, and for
 * the client to take our last messages. */
#define FINISH_OUTPUT_MS 1000
#define FINISH_FLUSH_MS 2000
#define SERVER_PIPE_BYTES (1024 * 1024)

static void finish(struct gw_session *s);
static void check_finish(struct gw_session *s);
static void on_stdout_closed(uv_timer_t *t);

/* ---- stopping the server -------------------------------------------------- */

static void signal_group(struct gw_session *s, int sig)
{
	if (s->child > 0 && !s->child_exited) {
		s->gateway_signalled = true;
		if (kill(-s->child, sig) != 0 && errno == ESRCH)
			(void)kill(s->child, sig);
	}
}

static void on_kill_timer(uv_timer_t *t)
{
	struct gw_session *s = t->data;
	if (s->child_exited)
		return;
	gw_warn("the server did not exit %.1f s after SIGTERM; sending SIGKILL",
		(double)s->opt->grace_ms / 1000.0);
	s->phase = GW_KILL_SENT;
	signal_group(s, SIGKILL);
}

static void send_term(struct gw_session *s)
{
	if (s->child_exited || s->phase >= GW_TERM_SENT)
		return;
	s->phase = GW_TERM_SENT;
	signal_group(s, SIGTERM);
	uv_timer_stop(&s->stop_timer);
	uv_timer_start(&s->stop_timer, on_kill_timer, s->opt->grace_ms, 0);
}

static void on_term_timer(uv_timer_t *t)
{
	struct gw_session *s = t->data;
	if (s->child_exited)
		return;
	gw_info("the server did not exit %.1f s after its stdin was closed; sending SIGTERM",
		(double)s->opt->grace_ms / 1000.0);
	send_term(s);
}

static void close_server_stdin(struct gw_session *s)
{
	if (!s->server_in_closed) {
		s->server_in_closed = true;
		/* Pending writes are cancelled: nobody will read them now. */
		gw_sink_close(&s->server_in);
	}
}

/* Close the server's stdin and start the grace period before SIGTERM. */
static void begin_stop(struct gw_session *s, const char *why)
{
	if (s->phase >= GW_STDIN_CLOSED)
		return;
	if (!s->stop_reason[0])
		snprintf(s->stop_reason, sizeof(s->stop_reason), "%s", why);
	s->phase = GW_STDIN_CLOSED;
	close_server_stdin(s);
	if (s->child_exited)
		return;
	uv_timer_stop(&s->stop_timer);
	uv_timer_start(&s->stop_timer, on_term_timer, s->opt->grace_ms, 0);
}

static void on_drain_timer(uv_timer_t *t)
{
	struct gw_session *s = t->data;
	gw_warn("%zu request(s) still unanswered %.1f s after the client closed stdin",
		mcp_idmap_count(&s->client_pending), (double)s->opt->drain_timeout_ms / 1000.0);
	begin_stop(s, "the client closed stdin");
}

/* The client's stdin ended: let answers in flight arrive, then stop. */
static void begin_drain(struct gw_session *s)
{
	if (s->phase != GW_RUNNING)
		return;
	s->phase = GW_DRAINING;
	if (mcp_idmap_count(&s->client_pending) == 0) {
		begin_stop(s, "the client closed stdin");
		return;
	}
	gw_debug("stdin closed; waiting for %zu answer(s) in flight",
		 mcp_idmap_count(&s->client_pending));
	uv_timer_start(&s->stop_timer, on_drain_timer, s->opt->drain_timeout_ms, 0);
}

void gw_session_pending_changed(struct gw_session *s)
{
	if (s->phase == GW_DRAINING && mcp_idmap_count(&s->client_pending) == 0) {
		uv_timer_stop(&s->stop_timer);
		begin_stop(s, "the client closed stdin");
	}
}

static const char *signame(int sig)
{
	static char buf[16];
	const char *n = sigabbrev_np(sig);
	if (!n)
		return "an unknown signal";
	snprintf(buf, sizeof(buf), "SIG%s", n);
	return buf;
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct gw_session *s = h->data;
	if (s->child_exited)
		return;
	if (++s->signals_received > 1) {
		gw_info("received %s again: sending SIGKILL to the server", signame(sig));
		s->phase = GW_KILL_SENT;
		signal_group(s, SIGKILL);
		return;
	}
	gw_info("received %s: stopping the server", signame(sig));
	if (!s->stop_reason[0])
		snprintf(s->stop_reason, sizeof(s->stop_reason), "the gateway received %s",
			 signame(sig));
	close_server_stdin(s);
	if (s->phase < GW_STDIN_CLOSED)
		s->phase = GW_STDIN_CLOSED;
	send_term(s);
}

void gw_session_verify_timeout(uv_timer_t *t)
{
	struct gw_session *s = t->data;
	gw_relay_pins_verified(s, false);
}

/* The server exited but something still holds its stdout or stderr open
 * (a descendant that left its process group): stop waiting. */
static void on_output_timeout(uv_timer_t *t)
{
	check_finish(t->data);
}

static void on_sigchld(uv_signal_t *h, int sig)
{
	struct gw_session *s = h->data;
	(void)sig;
	int status;
	pid_t pid;
	/* The gateway is a child subreaper: orphaned descendants of the
	 * server are reaped here too. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != s->child || s->child_exited)
			continue;
		/* Under the PID namespace's init: the command's own status. */
		if (s->sandbox.status_fd >= 0)
			(void)sbx_spawn_status(s->sandbox.status_fd, &status);
		s->child_exited = true;
		s->child_status = status;
		uv_timer_stop(&s->stop_timer);
		/* Helpers the server left in its group go with it. */
		(void)kill(-s->child, SIGKILL);
		uv_timer_start(&s->finish_timer, on_output_timeout, FINISH_OUTPUT_MS, 0);
		check_finish(s);
	}
}

/* ---- sources and sinks ------------------------------------------------------ */

static void client_line(void *ctx, const char *line, size_t len)
{
	gw_relay_client_line(ctx, line, len);
}

static void client_oversize(void *ctx, const char *c, size_t n, bool first, bool last,
			    size_t total)
{
	gw_relay_client_oversize(ctx, c, n, first, last, total);
}

static void server_line(void *ctx, const char *line, size_t len)
{
	gw_relay_server_line(ctx, line, len);
}

static void server_oversize(void *ctx, const char *c, size_t n, bool first, bool last,
			    size_t total)
{
	gw_relay_server_oversize(ctx, c, n, first, last, total);
}

static const struct mcp_framer_cbs client_cbs = {client_line, client_oversize};
static const struct mcp_framer_cbs server_cbs = {server_line, server_oversize};

static void client_data(struct gw_source *src, const char *data, size_t len)
{
	struct gw_session *s = src->data;
	if (s->finishing)
		return;
	mcp_framer_feed(&s->client_framer, data, len, &client_cbs, s);
	gw_relay_update_flow(s);
}

static void client_end(struct gw_source *src, int err)
{
	struct gw_session *s = src->data;
	if (err)
		gw_warn("reading stdin failed: %s; treating it as closed", uv_strerror(err));
	mcp_framer_finish(&s->client_framer, &client_cbs, s);
	s->client_in_ended = true;
	begin_drain(s);
}

static void server_data(struct gw_source *src, const char *data, size_t len)
{
	struct gw_session *s = src->data;
	mcp_framer_feed(&s->server_framer, data, len, &server_cbs, s);
	gw_relay_update_flow(s);
}

static void server_end(struct gw_source *src, int err)
{
	struct gw_session *s = src->data;
	if (err)
		gw_warn("reading the server's stdout failed: %s", uv_strerror(err));
	mcp_framer_finish(&s->server_framer, &server_cbs, s);
	s->server_out_ended = true;
	if (!s->child_exited) {
		/* Usually the server is exiting and its status follows in a
		 * moment; the answers to requests in flight should say how it
		 * ended, so wait for it, but not for ever. */
		uv_timer_start(&s->eof_timer, on_stdout_closed, FINISH_OUTPUT_MS, 0);
	}
	check_finish(s);
}

static void on_stdout_closed(uv_timer_t *t)
{
	struct gw_session *s = t->data;
	if (s->child_exited)
		return;
	/* Still running with its stdout closed: nothing can come back. */
	gw_relay_fail_pending(s, "assay-gateway: the server closed its stdout");
	begin_stop(s, "the server closed its stdout");
}

static void stderr_data(struct gw_source *src, const char *data, size_t len)
{
	(void)src;
	gw_log_server_stderr(data, len);
}

static void stderr_end(struct gw_source *src, int err)
{
	struct gw_session *s = src->data;
	(void)err;
	gw_log_server_stderr_end();
	s->server_err_ended = true;
	check_finish(s);
}

static void sink_drained(struct gw_sink *sink)
{
	gw_relay_update_flow(sink->data);
}

static void client_out_error(struct gw_sink *sink, int err)
{
	struct gw_session *s = sink->data;
	s->client_gone = true;
	gw_debug("writing to stdout failed: %s; the client is gone", uv_strerror(err));
	gw_source_pause(&s->client_in);
	begin_stop(s, "the client closed its end of stdout");
}

static void server_in_error(struct gw_sink *sink, int err)
{
	struct gw_session *s = sink->data;
	gw_debug("writing to the server failed: %s", uv_strerror(err));
	s->server_in_closed = true;
}

/* ---- the end ------------------------------------------------------------- */

static void describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by %s", signame(WTERMSIG(status)));
	else
		snprintf(out, size, "ended with wait status %d", status);
}

/* Kill whatever the server left behind. */
static void kill_leftovers(struct gw_session *s)
{
	sbx_kill_descendants(s->child);
}

static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void close_everything(struct gw_session *s)
{
	gw_log_attach(NULL);
	gw_audit_detach();
	gw_source_close(&s->client_in);
	gw_source_close(&s->server_out);
	gw_source_close(&s->server_err);
	gw_sink_close(&s->client_out);
	close_server_stdin(s);
	if (s->err_out_open)
		gw_sink_close(&s->err_out);
	close_handle((uv_handle_t *)&s->sig_term);
	close_handle((uv_handle_t *)&s->sig_int);
	close_handle((uv_handle_t *)&s->sig_hup);
	close_handle((uv_handle_t *)&s->sig_chld);
	close_handle((uv_handle_t *)&s->stop_timer);
	close_handle((uv_handle_t *)&s->finish_timer);
	close_handle((uv_handle_t *)&s->eof_timer);
	close_handle((uv_handle_t *)&s->verify_timer);
	if (s->notify_polling)
		close_handle((uv_handle_t *)&s->notify_poll);
}

/* ---- observation (profile mode) ---------------------------------------------- */

static void stop_observing(struct gw_session *s, const char *why)
{
	if (!s->notify_polling)
		return;
	uv_poll_stop(&s->notify_poll);
	if (!why)
		return;
	/* Unanswered, every observed call would wait for good: with the
	 * listener closed they fail (ENOSYS) instead, and the server is
	 * stopped, since the record the user asked for is incomplete. */
	if (s->sandbox.listener_fd >= 0) {
		close_handle((uv_handle_t *)&s->notify_poll);
		s->notify_polling = false;
		close(s->sandbox.listener_fd);
		s->sandbox.listener_fd = -1;
	}
	s->observe_failed = true;
	gw_error("observation failed: %s; stopping the server (the evidence is incomplete)", why);
	begin_stop(s, "observation failed");
}

/* Answer what is pending now, a bounded number per turn of the loop so
 * that the relay keeps its share; level-triggered, so the rest comes next
 * turn. */
static void on_notify(uv_poll_t *h, int status, int events)
{
	struct gw_session *s = h->data;
	(void)events;
	if (status < 0) {
		stop_observing(s, uv_strerror(status));
		return;
	}
	for (int i = 0; i < 64; i++) {
		struct pollfd p = {s->sandbox.listener_fd, POLLIN, 0};
		if (poll(&p, 1, 0) <= 0)
			return;
		if (!(p.revents & POLLIN)) {
			stop_observing(s, NULL); /* every observed process is gone */
			return;
		}
		int rc = sbx_notify_handle(&s->notifier);
		if (rc < 0) {
			stop_observing(s, strerror(-rc));
			return;
		}
	}
}

/* While the spawn waits for the exec, which is itself observed. */
static void serve_spawn(void *ctx, int fd)
{
	struct gw_session *s = ctx;
	s->notifier.fd = fd;
	(void)sbx_notify_handle(&s->notifier);
}

static json_t *evidence_info(struct gw_session *s)
{
	const struct gw_options *o = s->opt;
	json_t *cmd = pol_redact_argv(o->cmd, o->cmd_argc);
	if (!cmd)
		cmd = json_array();
	double secs = (double)(uv_hrtime() - s->start_ns) / 1e9;
	char exe[sizeof(s->exe)];
	snprintf(exe, sizeof(exe), "%s", s->exe);
	gw_evidence_sanitize(exe);
	json_t *info = json_pack("{s:s,s:o,s:s,s:s,s:f,s:i}", "mode",
				 s->ev.learn ? "dry-run" : "profile", "command", cmd, "executable",
				 exe, "started", s->started,
				 "duration_s", (double)(int64_t)(secs * 1000.0) / 1000.0, "exit_code",
				 s->exit_code);
	if (WIFEXITED(s->child_status))
		json_object_set_new(info, "server_status",
				    json_integer(WEXITSTATUS(s->child_status)));
	return info;
}

static json_t *evidence_degradations(const struct gw_sandbox *sb)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sb->report.n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "severity",
						   sb->report.items[i].severity == SBX_DEGRADED
							   ? "degraded"
							   : "note",
						   "area", sb->report.items[i].area, "text",
						   sb->report.items[i].text));
	return a;
}

/* Write the profile and the bundle.  Returns 0, or -1 (logged). */
static int write_evidence(struct gw_session *s)
{
	const struct gw_options *o = s->opt;
	s->ev.notifications = s->notifier.n.notifications;
	s->ev.unreadable = s->notifier.n.unreadable;
	s->ev.gone = s->notifier.n.gone;
	json_t *doc = gw_evidence_doc(&s->ev, evidence_info(s), evidence_degradations(&s->sandbox));
	if (!doc) {
		gw_error("cannot build the evidence: out of memory");
		return -1;
	}
	int rc = 0;
	char err[1024];
	if (o->profile_path) {
		struct gw_profile_out po = {
			.policy = o->profile_path,
			.evidence = o->profile_evidence,
			.report = o->profile_report,
			.json = o->profile_json,
			.home = s->ev.home,
			.cwd = s->cwd[0] ? s->cwd : NULL,
		};
		if (gw_profile_write(&po, doc, err, sizeof(err)) != 0) {
			gw_error("%s", err);
			rc = -1;
		} else {
			gw_info("profile: %s (evidence %s, report %s), run id %s", o->profile_path,
				o->profile_evidence, o->profile_report,
				json_string_value(json_object_get(doc, "run_id")));
		}
	}
	if (o->bundle_path) {
		if (gw_bundle_write(o->bundle_path, doc, o->bundle_key, err, sizeof(err)) != 0) {
			gw_error("%s", err);
			rc = -1;
		} else {
			gw_info("evidence bundle: %s", o->bundle_path);
		}
	}
	json_decref(doc);
	return rc;
}

static void on_flush_timeout(uv_timer_t *t)
{
	close_everything(t->data);
}

static void done_flushing(struct gw_session *s)
{
	uv_timer_stop(&s->finish_timer);
	close_everything(s);
}

static void stderr_flushed(struct gw_sink *sink)
{
	done_flushing(sink->data);
}

/* Our last messages reached the client; let the last log lines out too. */
static void client_flushed(struct gw_sink *sink)
{
	struct gw_session *s = sink->data;
	if (s->err_out_open)
		gw_sink_flush(&s->err_out, stderr_flushed);
	else
		done_flushing(s);
}

static void check_finish(struct gw_session *s)
{
	if (s->finishing || !s->child_exited)
		return;
	bool output_done = s->server_out_ended && s->server_err_ended;
	if (!output_done && uv_is_active((uv_handle_t *)&s->finish_timer))
		return;
	finish(s);
}

static void finish(struct gw_session *s)
{
	s->finishing = true;
	uv_timer_stop(&s->finish_timer);
	uv_timer_stop(&s->stop_timer);
	uv_timer_stop(&s->eof_timer);
	gw_source_close(&s->client_in);
	gw_source_close(&s->server_out);
	gw_source_close(&s->server_err);
	close_server_stdin(s);

	char how[128], why[256];
	describe_status(s->child_status, how, sizeof(how));
	snprintf(why, sizeof(why), "assay-gateway: the server %s before answering", how);
	gw_relay_fail_pending(s, why);

	int st = s->child_status;
	s->exit_code = sbx_status_exit_code(st);
	const char *decided_by = s->gateway_signalled ? "gateway" : "server";
	char reason[512];
	/* What is still queued was done before the end: record it. */
	if (s->notify_polling)
		on_notify(&s->notify_poll, 0, UV_READABLE);
	stop_observing(s, NULL);
	unsigned long long violations = s->ev.active ? s->ev.n_violations : 0;
	if (s->exit_code == 0 && (s->n.would_deny > 0 || violations > 0)) {
		/* A dry run that would have denied something fails, so that CI
		 * notices; a server that failed keeps its own status. */
		s->exit_code = 4;
		decided_by = "gateway";
		snprintf(reason, sizeof(reason),
			 "dry run: %llu call(s) would have been denied and %llu effect(s) refused "
			 "by the sandbox; the server %s",
			 (unsigned long long)s->n.would_deny, violations, how);
	} else if (s->gateway_signalled)
		snprintf(reason, sizeof(reason), "%s; the gateway stopped the server, which %s",
			 s->stop_reason[0] ? s->stop_reason : "stopping", how);
	else if (s->stop_reason[0])
		snprintf(reason, sizeof(reason), "%s; the server then %s", s->stop_reason, how);
	else
		snprintf(reason, sizeof(reason), "the server %s on its own", how);

	const struct gw_log_stats *ls = gw_log_stats();
	double secs = (double)(uv_hrtime() - s->start_ns) / 1e9;
	if (ls->server_dropped_lines)
		gw_warn("%llu line(s) of the server's stderr were dropped because stderr was "
			"not being read", (unsigned long long)ls->server_dropped_lines);
	if (s->exit_code != 0 || s->gateway_signalled)
		gw_info("%s (exit %d, %.1f s, %llu requests, %llu denied)", reason, s->exit_code,
			secs, (unsigned long long)s->n.requests, (unsigned long long)s->n.denied);
	else
		gw_debug("%s (%.1f s, %llu requests, %llu denied)", reason, secs,
			 (unsigned long long)s->n.requests, (unsigned long long)s->n.denied);

	if (gw_audit_enabled()) {
		gw_audit("server_stderr",
			 json_pack("{s:I,s:I,s:I}", "lines", (json_int_t)ls->server_lines, "bytes",
				   (json_int_t)ls->server_bytes, "dropped_lines",
				   (json_int_t)ls->server_dropped_lines));
		json_t *f = json_pack(
			"{s:s,s:i,s:s,s:f,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "decided_by",
			decided_by, "exit_code", s->exit_code, "reason", reason, "duration_s", (double)(int64_t)(secs * 1000.0) / 1000.0,
			"counts", "client_messages", (json_int_t)s->n.client_messages,
			"server_messages", (json_int_t)s->n.server_messages, "requests",
			(json_int_t)s->n.requests, "server_requests",
			(json_int_t)s->n.server_requests, "denied", (json_int_t)s->n.denied,
			"invalid", (json_int_t)s->n.invalid, "would_deny",
			(json_int_t)s->n.would_deny, "oversized",
			(json_int_t)s->n.oversized, "dropped", (json_int_t)s->n.dropped,
			"tools_removed", (json_int_t)s->n.tools_removed);
		if (WIFEXITED(st))
			json_object_set_new(f, "server_status", json_integer(WEXITSTATUS(st)));
		else if (WIFSIGNALED(st))
			json_object_set_new(f, "server_signal", json_string(signame(WTERMSIG(st))));
		gw_audit("exit", f);
		gw_audit_flush();
	}

	if (s->ev.active && (write_evidence(s) != 0 || s->observe_failed) && s->exit_code == 0)
		s->exit_code = 2;
	gw_pins_flush(&s->pins);
	kill_leftovers(s);
	uv_timer_start(&s->finish_timer, on_flush_timeout, FINISH_FLUSH_MS, 0);
	gw_sink_flush(&s->client_out, client_flushed);
}

/* ---- start ----------------------------------------------------------------- */

static int fail_start(struct gw_session *s, int code, const char *reason)
{
	if (gw_audit_enabled())
		gw_audit("exit", json_pack("{s:s,s:i,s:s}", "decided_by", "gateway", "exit_code",
					   code, "reason", reason));
	(void)s;
	return code;
}

static void audit_start(struct gw_session *s, const char *path)
{
	if (!gw_audit_enabled())
		return;
	const struct gw_options *o = s->opt;
	json_t *cmd = json_array();
	for (int i = 0; i < o->cmd_argc; i++)
		json_array_append_new(cmd, json_string(o->cmd[i]));
	json_t *rules = json_array();
	const struct pol_tool_rules *tr = &s->policy.tools;
	for (size_t i = 0; i < tr->count; i++)
		json_array_append_new(rules, json_pack("{s:s,s:s,s:s}", "id", tr->rules[i].id,
						       "action",
						       tr->rules[i].action == POL_DENY ? "deny"
										: "allow",
						       "glob", tr->rules[i].glob));
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?");
	gw_audit("session_start",
		 json_pack("{s:s,s:o,s:s,s:s,s:i,s:i,s:s,s:s,s:o,s:s,s:I,s:s,s:s,s:o}", "version",
			   ASSAY_VERSION, "command", cmd, "executable", path ? path : "", "cwd",
			   cwd, "gateway_pid", (int)getpid(), "server_pid", (int)s->child,
			   "policy", s->policy.source ? s->policy.source : "", "mode",
			   s->policy.mode == POL_MODE_AUDIT ? "audit" : "enforce", "tool_rules", rules, "deny_reply",
			   s->policy.deny_reply_error ? "error" : "result", "max_message_bytes",
			   (json_int_t)o->max_message_bytes, "stdin", gw_fd_kind(0), "stdout",
			   gw_fd_kind(1), "sandbox", gw_sandbox_json(&s->sandbox)));
}

/* Resolve and start the server.  Returns 0 or an exit code. */
static int start_server(struct gw_session *s, char *path, size_t path_size, int fds[3])
{
	const struct gw_options *o = s->opt;
	const char *cmd = o->cmd[0];
	const char *path_env = getenv("PATH");
	char reason[PATH_MAX + 256];
	int rc = sbx_resolve_command(cmd, path_env, path, path_size);
	if (rc != 0) {
		int code = rc == -ENOENT ? 127 : 126;
		if (rc == -ENOENT && !strchr(cmd, '/'))
			snprintf(reason, sizeof(reason),
				 "cannot run '%s': command not found (searched PATH=%s)", cmd,
				 path_env ? path_env : "(unset: /usr/local/bin:/usr/bin:/bin)");
		else if (rc == -ENOENT)
			snprintf(reason, sizeof(reason), "cannot run '%s': no such file", cmd);
		else if (rc == -EISDIR)
			snprintf(reason, sizeof(reason), "cannot run '%s': it is a directory", cmd);
		else if (rc == -EACCES)
			snprintf(reason, sizeof(reason),
				 "cannot run '%s': '%s' is not executable (permission denied)", cmd,
				 path);
		else
			snprintf(reason, sizeof(reason), "cannot run '%s': %s", cmd, strerror(-rc));
		gw_error("%s", reason);
		audit_start(s, NULL);
		return fail_start(s, code, reason);
	}

	char serr_msg[4096], pins_path[sizeof(s->pins.path)];
	struct gw_sandbox_own own = {
		.policy = o->policy_path ? o->policy_path : getenv("ASSAY_POLICY"),
		.pins = gw_pins_store_path(&s->policy, pins_path, sizeof(pins_path)) == 0 ? pins_path
											  : NULL,
		.audit = o->audit_path,
		.outputs = {o->profile_path, o->profile_evidence, o->profile_report, o->bundle_path},
		.key = o->bundle_key,
	};
	if (gw_sandbox_prepare(&s->sandbox, &s->policy.sandbox, &o->sandbox, &own, path,
			       s->cwd[0] ? s->cwd : NULL, environ, serr_msg,
			       sizeof(serr_msg)) != 0) {
		gw_error("sandbox: %s", serr_msg);
		audit_start(s, path);
		return fail_start(s, 2, "the sandbox cannot be set up");
	}
	gw_sandbox_log(&s->sandbox);
	if (gw_pins_open(&s->pins, &s->policy, o->cmd, o->cmd_argc, o->name, serr_msg,
			 sizeof(serr_msg)) != 0) {
		gw_error("%s", serr_msg);
		audit_start(s, path);
		return fail_start(s, 2, "the pin store cannot be read");
	}

	int in[2], out[2], err[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		gw_error("cannot create pipes: %s", strerror(errno));
		return fail_start(s, 2, "cannot create pipes");
	}
	/* A larger pipe for the server's output means fewer wake-ups for
	 * big results; failure only costs speed. */
	(void)fcntl(out[1], F_SETPIPE_SZ, SERVER_PIPE_BYTES);

	struct sbx_spawn_opts so = {
		.path = path,
		.argv = o->cmd,
		.envp = environ,
		.stdio = {in[0], out[1], err[1]},
	};
	gw_sandbox_spawn_opts(&s->sandbox, &so);
	if (s->sandbox.observe) {
		gw_evidence_init(&s->ev, s->sandbox.learn);
		gw_evidence_target(&s->ev, &s->sandbox, &s->policy.sandbox, getenv("HOME"));
		rc = sbx_notify_init(&s->notifier, -1, gw_evidence_effect, &s->ev);
		if (rc != 0) {
			snprintf(reason, sizeof(reason), "cannot observe the server: %s",
				 strerror(-rc));
			gw_error("%s", reason);
			close(in[0]), close(in[1]), close(out[0]), close(out[1]);
			close(err[0]), close(err[1]);
			return fail_start(s, 2, reason);
		}
		so.observe = true;
		so.serve = serve_spawn;
		so.serve_ctx = s;
		so.listener_fd = &s->sandbox.listener_fd;
	}
	snprintf(s->exe, sizeof(s->exe), "%s", path);
	struct sbx_spawn_error serr;
	rc = sbx_spawn(&so, &s->child, &serr);
	gw_sandbox_spawned(&s->sandbox, &serr);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (rc != 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		int code = 2;
		if (rc == -ECHILD && serr.stage == SBX_STAGE_EXEC) {
			code = sbx_exec_exit_code(serr.err);
			snprintf(reason, sizeof(reason), "cannot run '%s': %s%s", path,
				 strerror(serr.err),
				 serr.err == ENOENT ? " (is the interpreter on its #! line installed?)"
				 : serr.err == ENOEXEC ? " (not a program or script)"
				 : serr.err == EACCES && s->sandbox.enabled
					 ? " (the sandbox may not grant execute on it or its "
					   "interpreter: see sandbox.filesystem.execute)"
					 : "");
		} else if (rc == -ECHILD) {
			snprintf(reason, sizeof(reason), "cannot start the server: %s failed: %s",
				 sbx_stage_name(serr.stage), strerror(serr.err));
		} else {
			snprintf(reason, sizeof(reason), "cannot start the server: %s",
				 strerror(-rc));
		}
		gw_error("%s", reason);
		s->child = 0;
		audit_start(s, path);
		return fail_start(s, code, reason);
	}
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	return 0;
}

static int open_stdio(struct gw_session *s)
{
	int rc = gw_source_open(&s->loop, &s->client_in, STDIN_FILENO, 64 * 1024, "stdin");
	if (rc != 0) {
		gw_error("cannot read stdin (a %s): %s", gw_fd_kind(0), uv_strerror(rc));
		return rc;
	}
	rc = gw_sink_open(&s->loop, &s->client_out, STDOUT_FILENO, "stdout");
	if (rc != 0) {
		gw_error("cannot write stdout (a %s): %s", gw_fd_kind(1), uv_strerror(rc));
		return rc;
	}
	if (gw_sink_open(&s->loop, &s->err_out, STDERR_FILENO, "stderr") == 0) {
		s->err_out_open = true;
		s->err_out.data = s;
	}
	s->client_in.data = s;
	s->client_in.on_data = client_data;
	s->client_in.on_end = client_end;
	s->client_out.data = s;
	s->client_out.on_drain = sink_drained;
	s->client_out.on_error = client_out_error;
	return 0;
}

/* The session: zero pages of its own (about 40 KiB, mostly path buffers),
 * of which only those written are ever faulted in, where calloc would
 * clear them all.  calloc under AddressSanitizer, which checks it then. */
static struct gw_session *session_alloc(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return calloc(1, sizeof(struct gw_session));
#else
	void *p = mmap(NULL, sizeof(struct gw_session), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
#endif
}

static void session_free(struct gw_session *s)
{
#if defined(__SANITIZE_ADDRESS__)
	free(s);
#else
	munmap(s, sizeof(*s));
#endif
}

int gw_session_run(const struct gw_options *opt)
{
	struct gw_session *s = session_alloc();
	if (!s) {
		gw_error("out of memory");
		return 2;
	}
	s->opt = opt;
	s->start_ns = uv_hrtime();
	gw_rfc3339_now(s->started, sizeof(s->started));
	gw_sandbox_init(&s->sandbox);
	int code = 0;

	uv_loop_init(&s->loop);
	signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	/* Signals are watched before the server exists, so that its exit is
	 * never missed. */
	uv_signal_t *sigs[] = {&s->sig_term, &s->sig_int, &s->sig_hup};
	const int signums[] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&s->loop, sigs[i]);
		sigs[i]->data = s;
		uv_signal_start(sigs[i], on_signal, signums[i]);
	}
	uv_signal_init(&s->loop, &s->sig_chld);
	s->sig_chld.data = s;
	uv_signal_start(&s->sig_chld, on_sigchld, SIGCHLD);
	uv_timer_init(&s->loop, &s->stop_timer);
	uv_timer_init(&s->loop, &s->finish_timer);
	uv_timer_init(&s->loop, &s->eof_timer);
	uv_timer_init(&s->loop, &s->verify_timer);
	s->stop_timer.data = s->finish_timer.data = s->eof_timer.data = s->verify_timer.data = s;

	pol_policy_init(&s->policy);
	pol_rate_init(&s->rate);
	/* The server inherits our working directory: relative path arguments
	 * are relative to it. */
	if (!getcwd(s->cwd, sizeof(s->cwd)))
		s->cwd[0] = '\0';
	s->paths.cwd = s->cwd[0] ? s->cwd : NULL;
	s->paths.home = getenv("HOME");
	s->resolve_cache.resolve = pol_resolve_realpath;
	s->paths.resolve = pol_resolve_cached;
	s->paths.resolve_ctx = &s->resolve_cache;
	if (gw_policy_resolve(opt, &s->policy) != 0) {
		code = 2;
		goto out;
	}
	/* The policy's directories are resolved once, now. */
	pol_args_prime(&s->policy, &s->paths);
	pol_resolve_cache_stick(&s->resolve_cache);
	mcp_framer_init(&s->client_framer, opt->max_message_bytes);
	mcp_framer_init(&s->server_framer, opt->max_message_bytes);
	mcp_idmap_init(&s->client_pending, opt->max_pending);
	mcp_idmap_init(&s->server_pending, opt->max_pending);

	if (opt->audit_path) {
		int rc = gw_audit_open(opt->audit_path);
		if (rc != 0) {
			gw_error("cannot open the audit log '%s': %s", opt->audit_path,
				 strerror(-rc));
			code = 2;
			goto out;
		}
		char err[512];
		if (s->policy.audit_arguments == POL_AUDIT_ARGS_HASH &&
		    gw_audit_key_setup(err, sizeof(err)) != 0) {
			gw_error("%s; the audit log records tool arguments as keyed hashes "
				 "(audit.arguments: hash) and cannot do so without the key",
				 err);
			code = 2;
			goto out;
		}
		/* Records are written once per turn of the loop. */
		if ((rc = gw_audit_attach(&s->loop)) != 0) {
			gw_error("cannot set up the audit log: %s", uv_strerror(rc));
			code = 2;
			goto out;
		}
	}
	if (opt->bundle_key) {
		/* A key that cannot sign must stop the run now, not after it. */
		char kerr[512];
		EVP_PKEY *key = gw_bundle_load_key(opt->bundle_key, true, kerr, sizeof(kerr));
		if (!key) {
			gw_error("%s", kerr);
			code = 2;
			goto out;
		}
		EVP_PKEY_free(key);
	}
	if (open_stdio(s) != 0) {
		code = fail_start(s, 2, "unsupported stdin or stdout");
		goto out;
	}

	char path[PATH_MAX];
	int fds[3] = {-1, -1, -1};
	code = start_server(s, path, sizeof(path), fds);
	if (code != 0)
		goto out;
	gw_source_open(&s->loop, &s->server_out, fds[1], 256 * 1024, "server stdout");
	gw_source_open(&s->loop, &s->server_err, fds[2], 16 * 1024, "server stderr");
	gw_sink_open(&s->loop, &s->server_in, fds[0], "server stdin");
	s->server_out.data = s->server_err.data = s->server_in.data = s;
	s->server_out.on_data = server_data;
	s->server_out.on_end = server_end;
	s->server_err.on_data = stderr_data;
	s->server_err.on_end = stderr_end;
	s->server_in.on_drain = sink_drained;
	s->server_in.on_error = server_in_error;
	if (s->err_out_open)
		gw_log_attach(&s->err_out);

	if (s->sandbox.listener_fd >= 0) {
		s->notifier.fd = s->sandbox.listener_fd;
		uv_poll_init(&s->loop, &s->notify_poll, s->sandbox.listener_fd);
		s->notify_poll.data = s;
		s->notify_polling = true;
		uv_poll_start(&s->notify_poll, UV_READABLE, on_notify);
	}
	/* The server runs: from here on the gateway needs no exec, no new
	 * process and no socket. */
	gw_sandbox_restrict_gateway(&s->sandbox);
	audit_start(s, path);
	gw_debug("started '%s' (pid %d)", path, (int)s->child);


	gw_source_start(&s->server_out);
	gw_source_start(&s->server_err);
	gw_source_start(&s->client_in);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	code = s->exit_code;

out:
	gw_log_attach(NULL);
	if (!s->finishing) {
		/* Start-up failed: nothing is running; close what was opened. */
		close_everything(s);
	}
	/* A read of a regular file or device may still be running in the
	 * thread pool; the loop is done once every handle is closed. */
	for (int i = 0; i < 100 && uv_run(&s->loop, UV_RUN_NOWAIT) != 0; i++)
		usleep(1000);
	(void)uv_loop_close(&s->loop);
	gw_audit_close();
	mcp_framer_close(&s->client_framer);
	mcp_framer_close(&s->server_framer);
	mcp_idmap_close(&s->client_pending);
	mcp_idmap_close(&s->server_pending);
	for (int i = 0; i < GW_ANSWERED_RING; i++)
		free(s->answered[i]);
	free(s->held.data);
	pol_policy_close(&s->policy);
	pol_rate_close(&s->rate);
	gw_pins_close(&s->pins);
	/* After the session, off every path a client waits on: the private
	 * directories of runs that died. */
	gw_sandbox_sweep(&s->sandbox);
	sbx_notify_close(&s->notifier);
	gw_evidence_close(&s->ev);
	if (s->sandbox.listener_fd >= 0)
		close(s->sandbox.listener_fd);
	s->sandbox.listener_fd = -1;
	gw_sandbox_close(&s->sandbox);
	pol_resolve_cache_close(&s->resolve_cache);
	session_free(s);
	return code;
}
