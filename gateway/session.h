/* gateway/session.h - one run of the gateway: the loop, the server process
 * and the relay between them.
 *
 *   client stdin  -> client_framer -> relay (classify, policy) -> server_in
 *   client stdout <- relay (track, filter) <- server_framer <- server_out
 *   our stderr    <- log lines, server_err passed through (bounded)
 */
#ifndef GW_SESSION_H
#define GW_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "cli.h"
#include "io.h"
#include "mcp/framer.h"
#include "mcp/idmap.h"
#include "mcp/scan.h"
#include "evidence.h"
#include "pins.h"
#include "sandbox/notify.h"
#include "sandbox.h"
#include "policies/paths.h"
#include "policies/policy.h"
#include "policies/ratelimit.h"

/* Pending-request flags. */
enum {
	GW_PENDING_FILTER_TOOLS = 1u << 0,     /* tools/list: remove denied tools */
	GW_PENDING_FILTER_PROMPTS = 1u << 1,   /* prompts/list */
	GW_PENDING_FILTER_RESOURCES = 1u << 2, /* resources/list */
	GW_PENDING_FILTER_ANY = 7u,
	GW_PENDING_PIN_TOOLS = 1u << 3,	       /* tools/list: check the pins */
	GW_PENDING_PIN_INIT = 1u << 4,	       /* initialize: check the instructions */
	GW_PENDING_INTERNAL = 1u << 5,	       /* sent by the gateway: never forwarded */
	GW_PENDING_EVIDENCE = 1u << 6,	       /* tools/list: record the tools (profile) */
};

/* How many ids of requests the gateway answered itself are remembered, so
 * that their cancellations are not forwarded. */
#define GW_ANSWERED_RING 256

enum gw_phase {
	GW_RUNNING,	 /* relaying */
	GW_DRAINING,	 /* the client's stdin ended; waiting for answers in flight */
	GW_STDIN_CLOSED, /* the server's stdin is closed; grace before SIGTERM */
	GW_TERM_SENT,	 /* SIGTERM sent to the server's group; grace before SIGKILL */
	GW_KILL_SENT,	 /* SIGKILL sent */
};

/* A growing byte buffer for batch assembly. */
struct gw_buf {
	char *data;
	size_t len, cap;
	size_t items;
};

struct gw_batch {
	struct gw_buf forward; /* elements to pass on, as one array */
	struct gw_buf reply;   /* the gateway's own answers, as one array */
	bool modified;	       /* an element was changed on its way */
};

struct gw_counters {
	uint64_t client_messages, server_messages;
	uint64_t requests, responses, notifications;
	uint64_t server_requests;
	uint64_t denied, would_deny, invalid, oversized, dropped;
	uint64_t tools_removed;
};

struct gw_session {
	uv_loop_t loop;
	const struct gw_options *opt;
	struct pol_policy policy; /* the effective policy */
	struct pol_rate_state rate; /* tools.rate_limits */
	struct pol_path_ctx paths;  /* how argument rules read paths */
	struct pol_resolve_cache resolve_cache;
	struct gw_pins pins;
	struct gw_sandbox sandbox;
	char cwd[4096];
	/* Profile mode: the observed calls and the decisions (evidence.h). */
	struct gw_evidence ev;
	struct sbx_notifier notifier;
	uv_poll_t notify_poll;
	bool notify_polling;
	bool observe_failed; /* the listener failed: the evidence is incomplete */
	char exe[4096];	   /* the resolved command */
	char started[40];  /* RFC 3339 */

	struct gw_source client_in, server_out, server_err;
	struct gw_sink client_out, server_in, err_out;
	bool err_out_open;
	struct mcp_framer client_framer, server_framer;
	struct mcp_scanner client_big, server_big; /* for oversized messages */
	struct mcp_idmap client_pending;	   /* client -> server requests */
	struct mcp_idmap server_pending;	   /* server -> client requests */
	char *answered[GW_ANSWERED_RING];	   /* canonical id keys */
	size_t answered_len[GW_ANSWERED_RING];
	size_t answered_count; /* entries that are set */
	size_t answered_next;
	struct gw_batch *batch; /* set while a batch is being taken apart */
	/* Client messages held until the tool list is checked against the
	 * pins (a call must never reach a changed tool unchecked). */
	struct gw_buf held;	    /* lines, each followed by '\n' */
	uv_timer_t verify_timer; /* bounded wait for that check */

	pid_t child; /* the server; its process group id too */
	bool child_exited;
	int child_status; /* as from waitpid */
	const char *spawn_cmd;

	bool client_in_ended, server_out_ended, server_err_ended, server_in_closed;
	bool client_gone; /* writing to the client failed */
	bool finishing;
	int signals_received;
	enum gw_phase phase;
	char stop_reason[160]; /* why the gateway began to stop the server */
	bool gateway_signalled; /* the gateway sent the signal that ended it */

	uv_signal_t sig_term, sig_int, sig_hup, sig_chld;
	uv_timer_t stop_timer;	 /* drain and grace periods */
	uv_timer_t finish_timer; /* bounded wait for the last output */
	uv_timer_t eof_timer;	 /* stdout closed: bounded wait for the exit status */

	uint64_t start_ns;
	struct gw_counters n;
	int exit_code;
};

/* Run the gateway with |opt|; returns the process exit status. */
int gw_session_run(const struct gw_options *opt);

/* ---- relay.c ---------------------------------------------------------- */

void gw_relay_client_line(struct gw_session *s, const char *line, size_t len);
void gw_relay_server_line(struct gw_session *s, const char *line, size_t len);
void gw_relay_client_oversize(struct gw_session *s, const char *chunk, size_t len, bool first,
			      bool last, size_t total);
void gw_relay_server_oversize(struct gw_session *s, const char *chunk, size_t len, bool first,
			      bool last, size_t total);
/* Answer every client request still in flight with a -32051 error saying
 * |why|. */
void gw_relay_fail_pending(struct gw_session *s, const char *why);
/* Ask the server for its tool list (page |cursor|, or the first) on the
 * gateway's own behalf, to check it against the pins. */
void gw_relay_pins_refresh(struct gw_session *s, const char *cursor);
/* The gateway's own tool listing ended (|ok| false: it failed or timed
 * out): replay the held client messages. */
void gw_relay_pins_verified(struct gw_session *s, bool ok);
/* Pause or resume the sources after the sinks' queues changed. */
void gw_relay_update_flow(struct gw_session *s);

/* ---- session.c, for relay.c ------------------------------------------- */

/* The gateway's own tool listing took too long. */
void gw_session_verify_timeout(uv_timer_t *t);

/* Called when the number of client requests in flight dropped. */
void gw_session_pending_changed(struct gw_session *s);

#endif
