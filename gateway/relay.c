/* gateway/relay.c - what happens to each message.
 *
 * Client messages are scanned (validated, envelope captured) and
 * classified; requests are tracked, tools/call is decided by the tool
 * rules, and everything allowed passes on byte for byte.  Server messages
 * are scanned the same way; responses are matched to the client request
 * they answer, and a tools/list result is filtered when rules exist.  Only
 * a message the gateway changes is re-serialised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "mcp/message.h"
#include "policies/ratelimit.h"
#include "policies/secrets.h"
#include "policies/toolrules.h"
#include "session.h"

enum dir { FROM_CLIENT, FROM_SERVER };

static void hold(struct gw_session *s, const char *line, size_t len);

static const char *dir_name(enum dir d)
{
	return d == FROM_CLIENT ? "client_to_server" : "server_to_client";
}

/* ---- output ----------------------------------------------------------- */

/* Room for |n| more bytes and a separator in |b| (doubling from |first|).
 * Returns false when out of memory. */
static bool buf_reserve(struct gw_buf *b, size_t n, size_t first)
{
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap * 2 : first;
	while (cap < need)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d)
		return false;
	b->data = d;
	b->cap = cap;
	return true;
}

static void buf_item(struct gw_buf *b, const char *p, size_t n)
{
	if (!buf_reserve(b, n, 1024)) {
		gw_error("out of memory assembling a batch; element dropped");
		return;
	}
	if (b->items)
		b->data[b->len++] = ',';
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->items++;
}

static void write_to(struct gw_session *s, enum dir to_server, const char *msg, size_t len)
{
	struct gw_sink *dst = to_server ? &s->server_in : &s->client_out;
	if (to_server && s->server_in_closed) {
		gw_debug("the server's stdin is closed; a message to it was dropped");
		s->n.dropped++;
		return;
	}
	gw_sink_write(dst, msg, len, "\n", 1);
}

/* Pass a message on in direction |d|. */
static void forward(struct gw_session *s, enum dir d, const char *msg, size_t len)
{
	if (s->batch) {
		buf_item(&s->batch->forward, msg, len);
		return;
	}
	write_to(s, d == FROM_CLIENT, msg, len);
}

/* Answer the sender of a message travelling in direction |d|. */
static void reply(struct gw_session *s, enum dir d, const char *msg, size_t len)
{
	if (s->batch) {
		buf_item(&s->batch->reply, msg, len);
		return;
	}
	/* The records so far reach the audit log before the gateway's own
	 * answer leaves: whoever sees a denial can find its record. */
	gw_audit_flush();
	if (d == FROM_SERVER && gw_sink_congested(&s->server_in)) {
		/* A server that floods requests without reading its stdin
		 * must not make our queue for it grow. */
		s->n.dropped++;
		return;
	}
	write_to(s, d == FROM_SERVER, msg, len);
}

static void reply_error(struct gw_session *s, enum dir d, const char *raw_id, size_t raw_len,
			int code, const char *message)
{
	size_t n;
	char *m = mcp_build_error(raw_id, raw_len, code, message, &n);
	if (!m)
		m = mcp_build_error(raw_id, raw_len, code, "assay-gateway error", &n);
	if (m)
		reply(s, d, m, n);
	free(m);
}

/* ---- audit helpers ---------------------------------------------------- */

/* "dir", "id" and "method", with which request and response records
 * begin.  Returns false only when the record cannot be written (out of
 * memory): it then keeps "ts", "event" and "seq". */
static bool audit_head(enum dir d, const char *raw_id, size_t raw_id_len, const char *method)
{
	if (gw_audit_str("dir", dir_name(d)) && gw_audit_id("id", raw_id, raw_id_len) &&
	    gw_audit_str("method", method))
		return true;
	gw_audit_cut();
	return false;
}

static const char *quote(const char *p, size_t n, char *buf, size_t size)
{
	return gw_log_quote(p, n, 80, buf, size);
}

static void audit_invalid(struct gw_session *s, enum dir d, const char *reason, size_t bytes,
			  const char *action, int code)
{
	(void)s;
	if (!gw_audit_begin("invalid"))
		return;
	if (gw_audit_str("dir", dir_name(d)) && gw_audit_str("reason", reason)) {
		gw_audit_int("bytes", (long long)bytes);
		gw_audit_str("action", action);
		if (code)
			gw_audit_int("code", code);
	} else {
		gw_audit_cut(); /* a reason that is not UTF-8, as ever */
	}
	gw_audit_end();
}

/* ---- ids the gateway answered itself ---------------------------------- */

static int answered_find(struct gw_session *s, const char *key, size_t len)
{
	if (!s->answered_count)
		return -1; /* the usual case: a look at every request */
	for (int i = 0; i < GW_ANSWERED_RING; i++)
		if (s->answered[i] && s->answered_len[i] == len &&
		    memcmp(s->answered[i], key, len) == 0)
			return i;
	return -1;
}

static void answered_add(struct gw_session *s, const char *key, size_t len)
{
	if (!len || answered_find(s, key, len) >= 0)
		return;
	size_t i = s->answered_next++ % GW_ANSWERED_RING;
	s->answered_count -= s->answered[i] != NULL;
	free(s->answered[i]);
	s->answered[i] = malloc(len);
	if (s->answered[i])
		memcpy(s->answered[i], key, len);
	s->answered_len[i] = s->answered[i] ? len : 0;
	s->answered_count += s->answered[i] != NULL;
}

static void answered_forget(struct gw_session *s, const char *key, size_t len)
{
	int i = answered_find(s, key, len);
	if (i >= 0) {
		free(s->answered[i]);
		s->answered[i] = NULL;
		s->answered_len[i] = 0;
		s->answered_count--;
	}
}

/* The canonical key of params.requestId in a notifications/cancelled. */
static int cancelled_key(const char *line, const struct mcp_envelope *env, char *key,
			 size_t size)
{
	if (env->params_type != MCP_JSON_OBJECT)
		return -1;
	json_t *params = mcp_json_parse(line + env->params.off, env->params.len, NULL);
	json_t *rid = json_object_get(params, "requestId");
	int n = -1;
	if (json_is_string(rid) || json_is_number(rid)) {
		char *raw = json_dumps(rid, JSON_ENCODE_ANY | JSON_COMPACT);
		if (raw)
			n = mcp_id_key_from_raw(raw, strlen(raw), key, size);
		free(raw);
	}
	json_decref(params);
	return n;
}

/* ---- client -> server --------------------------------------------------- */

/* What a request is about, for deny texts and the audit log. */
struct subject {
	const char *what;  /* "the call to tool", "reading resource", ... */
	const char *field; /* audit field and params member: "tool"/"name", "uri", "prompt"/"name" */
	const char *param; /* member of params holding the name */
	const char *name;  /* the tool name, URI or prompt name, from params */
	size_t name_len;
};

static void decision_text(char *text, size_t size, const struct subject *sj,
			  const struct pol_decision *dec)
{
	if (dec->glob)
		snprintf(text, size, "assay-gateway denied %s '%s': %s '%s' (rule %s)", sj->what,
			 sj->name, dec->reason, dec->glob, dec->rule_id);
	else
		snprintf(text, size, "assay-gateway denied %s '%s': %s (rule %s)", sj->what, sj->name,
			 dec->reason, dec->rule_id);
}

/* The request record.  |sj| names what the request is about (NULL or
 * without a name: nothing); |rule| and |reason| may be NULL; |args| are
 * the arguments of a tools/call, recorded as the policy says. */
static void audit_request(struct gw_session *s, enum dir d, const char *raw_id, size_t raw_id_len,
			  const char *method, const struct subject *sj, const char *decision,
			  const char *rule, const char *reason, size_t bytes, const json_t *args)
{
	if (!gw_audit_begin("request"))
		return;
	if (audit_head(d, raw_id, raw_id_len, method)) {
		if (sj && sj->name)
			gw_audit_strn(sj->field, sj->name, sj->name_len);
		gw_audit_str("decision", decision);
		if (rule)
			gw_audit_str("rule", rule);
		if (reason)
			gw_audit_str("reason", reason);
		gw_audit_int("bytes", (long long)bytes);
		if (args)
			gw_audit_arguments("arguments", args, s->policy.audit_arguments);
	}
	gw_audit_end();
}

static void deny_request(struct gw_session *s, const struct mcp_envelope *env,
			 const struct subject *sj, const struct pol_decision *dec, bool error_form,
			 size_t bytes, json_t *args)
{
	char text[1024], q[400];
	decision_text(text, sizeof(text), sj, dec);
	answered_add(s, env->id_key, env->id_key_len);
	s->n.denied++;
	gw_evidence_call(&s->ev, env->method, sj->name, sj->name_len, "deny", dec->rule_id);
	/* The record is written before the answer leaves (reply flushes). */
	audit_request(s, FROM_CLIENT, env->id_raw, env->id_raw_len, env->method, sj, "deny",
		      dec->rule_id, text, bytes, args);
	size_t n;
	char *m = error_form ? mcp_build_error(env->id_raw, env->id_raw_len, MCP_ERR_DENIED, text, &n)
			     : mcp_build_tool_error(env->id_raw, env->id_raw_len, text, &n);
	if (m)
		reply(s, FROM_CLIENT, m, n);
	free(m);
	gw_info("denied %s '%s' (rule %s)", env->method, quote(sj->name, sj->name_len, q, sizeof(q)),
		dec->rule_id);
}

static void client_request(struct gw_session *s, const char *line, size_t len,
			   const struct mcp_envelope *env)
{
	const struct gw_options *o = s->opt;
	const struct pol_policy *pol = &s->policy;
	bool enforce = pol->mode == POL_MODE_ENFORCE;
	bool recording = gw_audit_enabled() || gw_log_verbosity() >= GW_VERBOSE || s->ev.active;
	const struct pol_tool_rules *rules = NULL;
	struct subject sj = {NULL, NULL, NULL, NULL, 0};
	struct pol_decision dec = {.action = POL_ALLOW, .rule_id = NULL};
	bool decide = false, is_call = false;
	json_t *params = NULL, *args = NULL;
	char detail[512];
	s->n.requests++;

	if (env->id_type == MCP_JSON_STRING && env->id_key_len > sizeof(GW_RESERVED_ID_PREFIX) - 1 &&
	    memcmp(env->id_key + 1, GW_RESERVED_ID_PREFIX, sizeof(GW_RESERVED_ID_PREFIX) - 1) == 0) {
		reply_error(s, FROM_CLIENT, env->id_raw, env->id_raw_len, MCP_ERR_INVALID_REQUEST,
			    "Invalid Request: ids starting with '" GW_RESERVED_ID_PREFIX
			    "' are reserved for the gateway");
		audit_invalid(s, FROM_CLIENT, "reserved id", len, "replied", MCP_ERR_INVALID_REQUEST);
		s->n.invalid++;
		return;
	}

	if (mcp_envelope_method_is(env, "tools/call") && s->pins.enabled &&
	    s->pins.on_change == POL_PINS_BLOCK && !s->pins.verified && !s->pins.verify_failed &&
	    !s->batch && !s->server_in_closed) {
		/* No call reaches a tool before this session's tool list has
		 * been checked against the pins. */
		s->n.requests--;
		hold(s, line, len);
		if (!s->pins.refreshing)
			gw_relay_pins_refresh(s, NULL);
		return;
	}

	if (mcp_envelope_method_is(env, "tools/call")) {
		sj = (struct subject){"the call to tool", "tool", "name", NULL, 0};
		rules = &pol->tools;
		is_call = true;
		/* Pins matter only once this session's check found a change (every
		 * pending change is found then: calls wait for that check) or the
		 * check failed; otherwise the params need not be parsed. */
		bool pins_matter = s->pins.enabled && s->pins.on_change == POL_PINS_BLOCK &&
				   (s->pins.verify_failed || json_object_size(s->pins.reported) > 0);
		decide = pol_tool_rules_active(rules) || pol->n_arg_rules || pol->n_rate_limits ||
			 pol->session_total || pins_matter;
	} else if (mcp_envelope_method_is(env, "resources/read")) {
		sj = (struct subject){"reading resource", "uri", "uri", NULL, 0};
		rules = &pol->resources;
		decide = pol_tool_rules_active(rules);
	} else if (mcp_envelope_method_is(env, "prompts/get")) {
		sj = (struct subject){"getting prompt", "prompt", "name", NULL, 0};
		rules = &pol->prompts;
		decide = pol_tool_rules_active(rules);
	}

	if (rules && (decide || recording)) {
		if (env->params_type == MCP_JSON_OBJECT)
			params = mcp_json_parse(line + env->params.off, env->params.len, NULL);
		json_t *name = json_object_get(params, sj.param);
		if (json_is_string(name)) {
			sj.name = json_string_value(name);
			sj.name_len = json_string_length(name);
		}
		if (is_call)
			args = json_object_get(params, "arguments");
		if (decide && !sj.name) {
			char msg[512];
			snprintf(msg, sizeof(msg), "Invalid params: %s needs params.%s, a string%s",
				 env->method, sj.param,
				 params || env->params_type != MCP_JSON_OBJECT
					 ? ""
					 : " (params could not be read: duplicate key?)");
			reply_error(s, FROM_CLIENT, env->id_raw, env->id_raw_len,
				    MCP_ERR_INVALID_PARAMS, msg);
			answered_add(s, env->id_key, env->id_key_len);
			audit_invalid(s, FROM_CLIENT, msg, len, "replied", MCP_ERR_INVALID_PARAMS);
			s->n.invalid++;
			json_decref(params);
			return;
		}
		if (decide) {
			pol_tool_rules_decide(rules, sj.name, sj.name_len, &dec);
			if (dec.action == POL_ALLOW && is_call && pol->n_arg_rules) {
				struct pol_decision adec;
				pol_resolve_cache_forget(&s->resolve_cache);
				if (pol_args_decide(pol, sj.name, sj.name_len, args, &s->paths, &adec,
						    detail, sizeof(detail)) != 0)
					dec = adec;
			}
			if (dec.action == POL_ALLOW && is_call && s->pins.verify_failed &&
			    s->pins.on_change == POL_PINS_BLOCK) {
				snprintf(detail, sizeof(detail),
					 "the server's tool list could not be checked against the pins");
				dec.action = POL_DENY;
				dec.rule_id = "pins.on_change";
				dec.glob = NULL;
				dec.reason = detail;
			}
			if (dec.action == POL_ALLOW && is_call) {
				char what[200];
				if (gw_pins_blocked(&s->pins, sj.name, what, sizeof(what))) {
					snprintf(detail, sizeof(detail),
						 "its definition changed since it was pinned (%s) and "
						 "the change is not approved (assay-gateway pins approve)",
						 what);
					dec.action = POL_DENY;
					dec.rule_id = "pins.on_change";
					dec.glob = NULL;
					dec.reason = detail;
				}
			}
			if (dec.action == POL_ALLOW && is_call)
				pol_rate_check(&s->rate, pol, sj.name, sj.name_len, uv_hrtime(), &dec,
					       detail, sizeof(detail));
			if (dec.action == POL_DENY && enforce) {
				/* Only a tool call has a result form the model sees;
				 * a task-augmented call expects a task, not a result. */
				bool error_form = !is_call || pol->deny_reply_error ||
						  json_object_get(params, "task") != NULL;
				deny_request(s, env, &sj, &dec, error_form, len, args);
				json_decref(params);
				return;
			}
			if (dec.action == POL_DENY) {
				char q[400];
				s->n.would_deny++;
				gw_info("dry run: would deny %s '%s' (rule %s)", env->method,
					quote(sj.name, sj.name_len, q, sizeof(q)), dec.rule_id);
			}
		}
	}

	struct mcp_pending *p;
	int rc = mcp_idmap_add(&s->client_pending, env->id_key, env->id_key_len, env->id_raw,
			       env->id_raw_len, env->method, is_call ? sj.name : NULL, uv_hrtime(),
			       (uint32_t)len, &p);
	if (rc != 0) {
		char msg[160];
		int code = MCP_ERR_INVALID_REQUEST;
		if (rc == -EEXIST)
			snprintf(msg, sizeof(msg),
				 "Invalid Request: a request with this id is still in flight");
		else if (rc == -ENOSPC)
			code = MCP_ERR_TOO_MANY_PENDING,
			snprintf(msg, sizeof(msg),
				 "assay-gateway: too many requests in flight (limit %zu)",
				 o->max_pending);
		else
			code = MCP_ERR_INTERNAL,
			snprintf(msg, sizeof(msg), "assay-gateway: out of memory");
		reply_error(s, FROM_CLIENT, env->id_raw, env->id_raw_len, code, msg);
		gw_warn("refused a %s request: %s", env->method, msg);
		audit_invalid(s, FROM_CLIENT, msg, len, "replied", code);
		s->n.invalid++;
		json_decref(params);
		return;
	}
	if (s->pins.enabled && mcp_envelope_method_is(env, "tools/list"))
		p->flags |= GW_PENDING_PIN_TOOLS;
	if (s->pins.enabled && mcp_envelope_method_is(env, "initialize"))
		p->flags |= GW_PENDING_PIN_INIT;
	if (s->ev.active && mcp_envelope_method_is(env, "tools/list"))
		p->flags |= GW_PENDING_EVIDENCE;
	if (enforce) {
		if (pol_tool_rules_active(&pol->tools) && mcp_envelope_method_is(env, "tools/list"))
			p->flags |= GW_PENDING_FILTER_TOOLS;
		else if (pol_tool_rules_active(&pol->prompts) &&
			 mcp_envelope_method_is(env, "prompts/list"))
			p->flags |= GW_PENDING_FILTER_PROMPTS;
		else if (pol_tool_rules_active(&pol->resources) &&
			 mcp_envelope_method_is(env, "resources/list"))
			p->flags |= GW_PENDING_FILTER_RESOURCES;
	}
	answered_forget(s, env->id_key, env->id_key_len);
	forward(s, FROM_CLIENT, line, len);

	if (gw_log_verbosity() >= GW_VERBOSE) {
		char q[400], qn[400];
		gw_debug("-> %s id=%s%s%s", env->method,
			 quote(env->id_raw, env->id_raw_len, q, sizeof(q)), sj.name ? " " : "",
			 sj.name ? quote(sj.name, sj.name_len, qn, sizeof(qn)) : "");
	}
	if (sj.name)
		gw_evidence_call(&s->ev, env->method, sj.name, sj.name_len,
				 dec.action == POL_DENY ? "would_deny" : "allow", dec.rule_id);
	if (gw_audit_enabled()) {
		char text[1024];
		if (dec.action == POL_DENY)
			decision_text(text, sizeof(text), &sj, &dec);
		audit_request(s, FROM_CLIENT, env->id_raw, env->id_raw_len, env->method, &sj,
			      dec.action == POL_DENY ? "would_deny" : "allow", dec.rule_id,
			      dec.action == POL_DENY ? text : NULL, len, args);
	}
	json_decref(params);
}

static void client_notification(struct gw_session *s, const char *line, size_t len,
				const struct mcp_envelope *env)
{
	s->n.notifications++;
	if (mcp_envelope_method_is(env, "notifications/initialized") && s->pins.enabled &&
	    !s->pins.refreshing) {
		/* Check the tools as soon as the server may be asked. */
		forward(s, FROM_CLIENT, line, len);
		gw_relay_pins_refresh(s, NULL);
		return;
	}
	if (mcp_envelope_method_is(env, "notifications/cancelled")) {
		char key[MCP_ID_MAX + 32];
		int n = cancelled_key(line, env, key, sizeof(key));
		if (n > 0 && answered_find(s, key, (size_t)n) >= 0) {
			gw_debug("dropped notifications/cancelled for a request the gateway "
				 "answered itself");
			if (gw_audit_begin("notification")) {
				gw_audit_str("dir", dir_name(FROM_CLIENT));
				gw_audit_str("method", "notifications/cancelled");
				gw_audit_str("action", "dropped");
				gw_audit_str("reason", "the gateway answered this request itself");
				gw_audit_end();
			}
			return;
		}
		if (n > 0) {
			free(mcp_idmap_take(&s->client_pending, key, (size_t)n));
			gw_session_pending_changed(s);
		}
	}
	forward(s, FROM_CLIENT, line, len);
}

static void client_response(struct gw_session *s, const char *line, size_t len,
			    const struct mcp_envelope *env)
{
	struct mcp_pending *p = mcp_idmap_take(&s->server_pending, env->id_key, env->id_key_len);
	if (!p) {
		char q[400];
		gw_warn("dropped a response from the client to an unknown server request (id %s)",
			quote(env->id_raw, env->id_raw_len, q, sizeof(q)));
		audit_invalid(s, FROM_CLIENT, "response to an unknown request id", len, "dropped",
			      0);
		s->n.dropped++;
		return;
	}
	forward(s, FROM_CLIENT, line, len);
	if (gw_audit_begin("response")) {
		if (audit_head(FROM_CLIENT, p->raw_id, p->raw_id_len, p->method)) {
			gw_audit_int("latency_us", (long long)((uv_hrtime() - p->start_ns) / 1000));
			gw_audit_int("bytes", (long long)len);
			gw_audit_str("outcome", (env->present & MCP_M_ERROR) ? "error" : "result");
		}
		gw_audit_end();
	}
	free(p);
}

/* ---- server -> client --------------------------------------------------- */

static bool keep_name(void *ctx, const char *name, size_t len)
{
	const struct pol_tool_rules *rules = ctx;
	struct pol_decision dec;
	pol_tool_rules_decide(rules, name, len, &dec);
	return dec.action == POL_ALLOW;
}

/* Replace the result of |line| with |res| and forward the rebuilt message
 * (the envelope stays byte for byte). */
static void forward_with_result(struct gw_session *s, const char *line, size_t len,
				const struct mcp_envelope *env, json_t *res, const struct mcp_pending *p)
{
	char *r = json_dumps(res, JSON_COMPACT);
	size_t rl = r ? strlen(r) : 0;
	size_t tail = len - env->result.off - env->result.len;
	char *out = r ? malloc(env->result.off + rl + tail) : NULL;
	if (out) {
		memcpy(out, line, env->result.off);
		memcpy(out + env->result.off, r, rl);
		memcpy(out + env->result.off + rl, line + env->result.off + env->result.len, tail);
		forward(s, FROM_SERVER, out, env->result.off + rl + tail);
		if (s->batch)
			s->batch->modified = true;
	} else {
		reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_INTERNAL,
			    "assay-gateway: out of memory rewriting a result");
	}
	free(out);
	free(r);
}

/* Forward a list response with the denied entries removed.  Returns the
 * number removed, or -1 when the result could not be inspected (the client
 * then gets an error instead: an unfiltered list never passes). */
static int forward_filtered(struct gw_session *s, const char *line, size_t len,
			    const struct mcp_envelope *env, const struct mcp_pending *p)
{
	const char *array = "tools", *key = "name";
	const struct pol_tool_rules *rules = &s->policy.tools;
	if (p->flags & GW_PENDING_FILTER_PROMPTS)
		array = "prompts", rules = &s->policy.prompts;
	else if (p->flags & GW_PENDING_FILTER_RESOURCES)
		array = "resources", key = "uri", rules = &s->policy.resources;

	bool internal = p->flags & GW_PENDING_INTERNAL;
	json_error_t jerr;
	json_t *res = mcp_json_parse(line + env->result.off, env->result.len, &jerr);
	if (!res) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "assay-gateway could not inspect the server's %s result: %s", p->method,
			 jerr.text);
		if (!internal)
			reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_INTERNAL, msg);
		gw_warn("%s", msg);
		return -1;
	}
	int removed = 0, changed = 0;
	/* The pins see the list as the server sent it; the policy's filter
	 * comes after (a denied tool is not a removed one). */
	if (p->flags & GW_PENDING_PIN_INIT)
		changed += gw_pins_instructions(&s->pins, res);
	if (p->flags & GW_PENDING_PIN_TOOLS) {
		int c = gw_pins_tools(&s->pins, res);
		if (c < 0 && !internal) {
			reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_INTERNAL,
				    "assay-gateway could not check the server's tools/list result "
				    "against the pins");
			json_decref(res);
			return -1;
		}
		changed += c > 0 ? c : 0;
		/* The gateway's own listing walks every page itself. */
		const char *cursor = json_string_value(json_object_get(res, "nextCursor"));
		if (internal && cursor)
			gw_relay_pins_refresh(s, cursor);
		else if (internal)
			gw_relay_pins_verified(s, c >= 0);
	}
	if (p->flags & GW_PENDING_FILTER_ANY)
		removed = mcp_filter_named(res, array, key, keep_name, (void *)rules);
	if (p->flags & GW_PENDING_EVIDENCE) {
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(res, "tools"), i, t) {
			json_t *name = json_object_get(t, "name");
			if (json_is_string(name))
				gw_evidence_tool_listed(&s->ev, json_string_value(name),
							json_string_length(name));
		}
	}
	if (internal) {
		/* never forwarded */
	} else if (removed <= 0 && changed == 0) {
		forward(s, FROM_SERVER, line, len);
	} else {
		forward_with_result(s, line, len, env, res, p);
		s->n.tools_removed += (uint64_t)(removed > 0 ? removed : 0);
		gw_debug("removed %d denied entr%s from a %s result", removed,
			 removed == 1 ? "y" : "ies", p->method);
	}
	json_decref(res);
	gw_pins_flush(&s->pins);
	return removed;
}

/* responses.secrets for a tools/call or resources/read result.  Returns
 * the number of credentials found (the message has been forwarded,
 * redacted or withheld), 0 when the caller should forward it unchanged, or
 * -1 when it was withheld because it could not be inspected. */
static int scan_secrets(struct gw_session *s, const char *line, size_t len,
			const struct mcp_envelope *env, const struct mcp_pending *p)
{
	enum pol_secrets_action act = s->policy.responses_secrets;
	if (act == POL_SECRETS_OFF || env->result_type != MCP_JSON_OBJECT ||
	    !(strcmp(p->method, "tools/call") == 0 || strcmp(p->method, "resources/read") == 0))
		return 0;
	/* Fast path: most results cannot contain a credential at all. */
	if (!pol_secrets_maybe_json(line + env->result.off, env->result.len))
		return 0;
	bool call = strcmp(p->method, "tools/call") == 0;
	json_error_t jerr;
	json_t *res = mcp_json_parse(line + env->result.off, env->result.len, &jerr);
	int found = res ? pol_secrets_redact_json(res) : -1;
	if (found == 0) {
		json_decref(res);
		return 0;
	}
	char text[300];
	if (found < 0)
		snprintf(text, sizeof(text), "assay-gateway withheld the server's result: it could "
			 "not be scanned for credentials (%s)", res ? "out of memory" : jerr.text);
	else
		snprintf(text, sizeof(text), "assay-gateway withheld the server's result: it "
			 "contains %d credential(s) (responses.secrets: block)", found);
	if (found > 0 && act == POL_SECRETS_REDACT) {
		forward_with_result(s, line, len, env, res, p);
		gw_info("redacted %d credential(s) in a %s result%s%s", found, p->method,
			p->tool ? " of " : "", p->tool ? p->tool : "");
	} else {
		size_t n;
		char *m = call ? mcp_build_tool_error(p->raw_id, p->raw_id_len, text, &n)
			       : mcp_build_error(p->raw_id, p->raw_id_len, MCP_ERR_DENIED, text, &n);
		if (m)
			forward(s, FROM_SERVER, m, n);
		if (s->batch)
			s->batch->modified = true;
		free(m);
		gw_warn("%s", text + strlen("assay-gateway "));
	}
	json_decref(res);
	return found;
}

/* A result over responses.max_bytes is withheld: a tool call gets an
 * isError result the model can read, anything else a -32052 error. */
static void forward_too_large(struct gw_session *s, size_t len, const struct mcp_pending *p)
{
	char text[300];
	snprintf(text, sizeof(text),
		 "assay-gateway withheld the server's result: %zu bytes is more than "
		 "responses.max_bytes (%zu bytes)", len, s->policy.responses_max_bytes);
	size_t n;
	char *m = strcmp(p->method, "tools/call") == 0
			  ? mcp_build_tool_error(p->raw_id, p->raw_id_len, text, &n)
			  : mcp_build_error(p->raw_id, p->raw_id_len, MCP_ERR_TOO_LARGE, text, &n);
	if (m)
		forward(s, FROM_SERVER, m, n);
	if (s->batch)
		s->batch->modified = true;
	free(m);
	gw_warn("withheld a %zu-byte %s result (responses.max_bytes is %zu)", len, p->method,
		s->policy.responses_max_bytes);
}

/* A tool's error result that reads like the kernel refusing the server a
 * path outside the sandbox's grants: say so in the log (defence in depth
 * at work, or a grant the policy is missing).  Only results up to
 * REFUSAL_SCAN_MAX bytes are looked at: an error message is short, and a
 * big result must not be searched for "isError" on every call. */
#define REFUSAL_SCAN_MAX (64 * 1024)
static void sandbox_refusal(struct gw_session *s, const char *line,
			    const struct mcp_envelope *env, const struct mcp_pending *p, char *path,
			    size_t path_size)
{
	const char *r = line + env->result.off;
	if (!memmem(r, env->result.len, "isError", 7))
		return;
	json_t *res = mcp_json_parse(r, env->result.len, NULL);
	if (!json_is_true(json_object_get(res, "isError"))) {
		json_decref(res);
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(res, "content"), i, item) {
		const char *text = json_string_value(json_object_get(item, "text"));
		const char *what;
		if (gw_sandbox_explains(&s->sandbox, text, path, path_size, &what)) {
			char q[600];
			gw_warn("probable sandbox refusal: %s failed with a permission error on %s, "
				"which the sandbox does not let the server %s (grant it in "
				"sandbox.filesystem if the server should)",
				p->tool, gw_log_quote(path, strlen(path), 400, q, sizeof(q)), what);
			break;
		}
		path[0] = '\0';
	}
	json_decref(res);
}

static void server_response(struct gw_session *s, const char *line, size_t len,
			    const struct mcp_envelope *env)
{
	struct mcp_pending *p = mcp_idmap_take(&s->client_pending, env->id_key, env->id_key_len);
	if (!p) {
		char q[400];
		gw_debug("dropped a response from the server to an unknown or cancelled "
			 "request (id %s)", quote(env->id_raw, env->id_raw_len, q, sizeof(q)));
		audit_invalid(s, FROM_SERVER, "response to an unknown or cancelled request id",
			      len, "dropped", 0);
		s->n.dropped++;
		return;
	}
	s->n.responses++;
	int removed = 0;
	bool internal = p->flags & GW_PENDING_INTERNAL;
	bool too_large = !internal && s->policy.responses_max_bytes &&
			 len > s->policy.responses_max_bytes && !(env->present & MCP_M_ERROR);
	int secrets = 0;
	if (too_large) {
		forward_too_large(s, len, p);
		removed = -1;
	} else if ((p->flags & (GW_PENDING_FILTER_ANY | GW_PENDING_PIN_TOOLS | GW_PENDING_PIN_INIT |
				GW_PENDING_EVIDENCE)) &&
		   env->result_type == MCP_JSON_OBJECT) {
		removed = forward_filtered(s, line, len, env, p);
	} else if (p->flags & GW_PENDING_INTERNAL) {
		/* an error answer to the gateway's own request: not the client's */
		gw_relay_pins_verified(s, false);
	} else if ((secrets = scan_secrets(s, line, len, env, p)) == 0) {
		forward(s, FROM_SERVER, line, len);
	}

	char refused[512];
	refused[0] = '\0';
	if (!internal && p->tool && s->sandbox.enabled && env->result_type == MCP_JSON_OBJECT &&
	    env->result.len <= REFUSAL_SCAN_MAX)
		sandbox_refusal(s, line, env, p, refused, sizeof(refused));

	uint64_t latency_us = (uv_hrtime() - p->start_ns) / 1000;
	if (p->flags & GW_PENDING_INTERNAL) {
		/* The gateway's own listing: recorded as pin_change events only. */
		free(p);
		gw_session_pending_changed(s);
		return;
	}
	if (gw_log_verbosity() >= GW_VERBOSE)
		gw_debug("<- %s%s%s %s in %.3f ms (%zu bytes)", p->method, p->tool ? " " : "",
			 p->tool ? p->tool : "", (env->present & MCP_M_ERROR) ? "error" : "result",
			 (double)latency_us / 1000.0, len);
	if (gw_audit_begin("response")) {
		if (audit_head(FROM_SERVER, p->raw_id, p->raw_id_len, p->method)) {
			bool error = env->present & MCP_M_ERROR;
			bool gateway_error = removed < 0 || secrets < 0 ||
					     (secrets > 0 &&
					      s->policy.responses_secrets == POL_SECRETS_BLOCK);
			if (p->tool)
				gw_audit_str("tool", p->tool);
			gw_audit_int("latency_us", (long long)latency_us);
			gw_audit_int("bytes", (long long)len);
			gw_audit_str("outcome", gateway_error ? "gateway_error"
						: error	       ? "error"
								: "result");
			if (error) {
				json_t *e = mcp_json_parse(line + env->error.off, env->error.len,
							   NULL);
				json_t *code = json_object_get(e, "code");
				if (json_is_integer(code))
					gw_audit_int("error_code", json_integer_value(code));
				json_decref(e);
			}
			if (removed > 0)
				gw_audit_int("tools_removed", removed);
			if (too_large)
				gw_audit_str("reason", "responses.max_bytes");
			if (secrets > 0)
				gw_audit_int("secrets", secrets);
			if (refused[0])
				gw_audit_str("probable_sandbox_refusal", refused);
		}
		gw_audit_end();
	}
	free(p);
	gw_session_pending_changed(s);
}

/* Which client_requests rule governs a request from the server, or -1. */
static int client_request_kind(const char *line, const struct mcp_envelope *env)
{
	if (mcp_envelope_method_is(env, "sampling/createMessage"))
		return POL_CR_SAMPLING;
	if (mcp_envelope_method_is(env, "roots/list"))
		return POL_CR_ROOTS;
	if (!mcp_envelope_method_is(env, "elicitation/create"))
		return -1;
	int kind = POL_CR_ELICITATION;
	if (env->params_type == MCP_JSON_OBJECT) {
		json_t *params = mcp_json_parse(line + env->params.off, env->params.len, NULL);
		const char *mode = json_string_value(json_object_get(params, "mode"));
		/* Unreadable params are judged by the stricter rule. */
		if (!params || (mode && strcmp(mode, "url") == 0))
			kind = POL_CR_ELICITATION_URL;
		json_decref(params);
	}
	return kind;
}

static void server_request(struct gw_session *s, const char *line, size_t len,
			   const struct mcp_envelope *env)
{
	s->n.server_requests++;
	int kind = client_request_kind(line, env);
	if (kind >= 0 && s->policy.client_requests[kind] == POL_DENY) {
		char rule[64], text[512];
		snprintf(rule, sizeof(rule), "client_requests.%s", pol_client_request_name(kind));
		snprintf(text, sizeof(text), "assay-gateway denied the server's %s request (rule %s)",
			 env->method, rule);
		bool enforce = s->policy.mode == POL_MODE_ENFORCE;
		/* The record is written before the answer leaves (reply flushes). */
		audit_request(s, FROM_SERVER, env->id_raw, env->id_raw_len, env->method, NULL,
			      enforce ? "deny" : "would_deny", rule, text, len, NULL);
		gw_evidence_call(&s->ev, env->method, "", 0, enforce ? "deny" : "would_deny", rule);
		if (!enforce) {
			s->n.would_deny++;
			gw_info("dry run: would deny the server's %s request (rule %s)", env->method,
				rule);
		} else {
			reply_error(s, FROM_SERVER, env->id_raw, env->id_raw_len, MCP_ERR_DENIED, text);
			s->n.denied++;
			gw_info("denied the server's %s request (rule %s)", env->method, rule);
			return;
		}
	}
	int rc = mcp_idmap_add(&s->server_pending, env->id_key, env->id_key_len, env->id_raw,
			       env->id_raw_len, env->method, NULL, uv_hrtime(), (uint32_t)len, NULL);
	if (rc != 0) {
		const char *msg = rc == -EEXIST ? "Invalid Request: a request with this id is "
						  "still in flight"
						: "assay-gateway: too many requests in flight";
		reply_error(s, FROM_SERVER, env->id_raw, env->id_raw_len,
			    rc == -EEXIST ? MCP_ERR_INVALID_REQUEST : MCP_ERR_TOO_MANY_PENDING, msg);
		gw_warn("refused a %s request from the server: %s", env->method, msg);
		audit_invalid(s, FROM_SERVER, msg, len, "replied", 0);
		return;
	}
	forward(s, FROM_SERVER, line, len);
	gw_evidence_call(&s->ev, env->method, "", 0, "allow", NULL);
	if (gw_log_verbosity() >= GW_VERBOSE)
		gw_debug("<- server request %s", env->method);
	audit_request(s, FROM_SERVER, env->id_raw, env->id_raw_len, env->method, NULL, "allow", NULL,
		      NULL, len, NULL);
}

void gw_relay_pins_refresh(struct gw_session *s, const char *cursor)
{
	if (!s->pins.enabled || s->server_in_closed)
		return;
	char id[64], raw[80];
	snprintf(id, sizeof(id), GW_RESERVED_ID_PREFIX "pins:%u", ++s->pins.next_id);
	snprintf(raw, sizeof(raw), "\"%s\"", id);
	char key[80];
	int klen = mcp_id_key_from_raw(raw, strlen(raw), key, sizeof(key));
	json_t *req = json_pack("{s:s,s:s,s:s}", "jsonrpc", "2.0", "id", id, "method", "tools/list");
	if (cursor)
		json_object_set_new(req, "params", json_pack("{s:s}", "cursor", cursor));
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	struct mcp_pending *p;
	if (text && klen > 0 &&
	    mcp_idmap_add(&s->client_pending, key, (size_t)klen, raw, strlen(raw), "tools/list",
			  NULL, uv_hrtime(), (uint32_t)strlen(text), &p) == 0) {
		p->flags = GW_PENDING_INTERNAL | GW_PENDING_PIN_TOOLS;
		write_to(s, true, text, strlen(text));
		if (!s->pins.refreshing++)
			uv_timer_start(&s->verify_timer, gw_session_verify_timeout, 10000, 0);
		gw_debug("the tool list changed: checking it against the pins");
	}
	free(text);
}

static void server_notification(struct gw_session *s, const char *line, size_t len,
				const struct mcp_envelope *env)
{
	s->n.notifications++;
	if (mcp_envelope_method_is(env, "notifications/tools/list_changed") && s->pins.enabled) {
		/* Until the new list is checked, calls wait for it. */
		s->pins.verified = false;
		if (!s->pins.refreshing)
			gw_relay_pins_refresh(s, NULL);
	}
	if (mcp_envelope_method_is(env, "notifications/cancelled")) {
		char key[MCP_ID_MAX + 32];
		int n = cancelled_key(line, env, key, sizeof(key));
		if (n > 0)
			free(mcp_idmap_take(&s->server_pending, key, (size_t)n));
	}
	forward(s, FROM_SERVER, line, len);
}

/* ---- dispatch ------------------------------------------------------------ */

static void dispatch(struct gw_session *s, enum dir d, const char *line, size_t len);

static void invalid_message(struct gw_session *s, enum dir d, const char *line, size_t len,
			    int rc, const struct mcp_envelope *env, const struct mcp_class *c)
{
	char q[400];
	s->n.invalid++;
	quote(line, len, q, sizeof(q));
	bool response_shaped = rc == MCP_SCAN_OK && env->top == MCP_JSON_OBJECT &&
			       !(env->present & MCP_M_METHOD) &&
			       (env->present & (MCP_M_RESULT | MCP_M_ERROR));
	if (d == FROM_SERVER) {
		/* Never pass junk to the client; if it answered a request,
		 * answer that request so the client does not wait forever. */
		gw_warn("dropped a message from the server (%s): %s", c->reason, q);
		struct mcp_pending *p = c->id_usable && response_shaped
						? mcp_idmap_take(&s->client_pending, env->id_key,
								 env->id_key_len)
						: NULL;
		if (p) {
			char msg[200];
			snprintf(msg, sizeof(msg),
				 "assay-gateway: the server's response was invalid (%s) and was "
				 "dropped", c->reason);
			reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_INTERNAL, msg);
			free(p);
			gw_session_pending_changed(s);
		}
		audit_invalid(s, d, c->reason, len, "dropped", 0);
		return;
	}
	if (response_shaped) {
		gw_warn("dropped an invalid response from the client (%s): %s", c->reason, q);
		audit_invalid(s, d, c->reason, len, "dropped", 0);
		return;
	}
	char msg[200];
	snprintf(msg, sizeof(msg), "%s: %s",
		 c->error_code == MCP_ERR_PARSE ? "Parse error" : "Invalid Request", c->reason);
	/* The record is written before the answer leaves: whoever sees the
	 * answer can find its evidence. */
	audit_invalid(s, d, c->reason, len, "replied", c->error_code);
	reply_error(s, d, c->id_usable ? env->id_raw : NULL, c->id_usable ? env->id_raw_len : 0,
		    c->error_code, msg);
	gw_warn("answered an invalid message from the client with %d (%s): %s", c->error_code,
		c->reason, q);
}

static void handle_batch(struct gw_session *s, enum dir d, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *arr = mcp_json_parse(line, len, &jerr);
	if (!json_is_array(arr)) {
		/* The scanner accepted it but jansson did not (a duplicate key,
		 * a lone surrogate): refuse rather than guess. */
		struct mcp_class c = {.kind = MCP_KIND_INVALID,
				      .error_code = MCP_ERR_PARSE,
				      .reason = jerr.text};
		struct mcp_envelope env;
		memset(&env, 0, sizeof(env));
		invalid_message(s, d, line, len, MCP_SCAN_ESYNTAX, &env, &c);
		json_decref(arr);
		return;
	}
	struct gw_batch b;
	memset(&b, 0, sizeof(b));
	s->batch = &b;
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n; i++) {
		char *t = json_dumps(json_array_get(arr, i), JSON_COMPACT | JSON_ENCODE_ANY);
		if (!t)
			continue;
		dispatch(s, d, t, strlen(t));
		free(t);
	}
	s->batch = NULL;
	json_decref(arr);

	/* Unchanged batches pass byte for byte; otherwise the forwarded
	 * elements go on as one array and the gateway's answers come back as
	 * another. */
	bool untouched = b.forward.items == n && b.reply.items == 0 && !b.modified;
	if (untouched)
		forward(s, d, line, len);
	else if (b.forward.items) {
		char *m = malloc(b.forward.len + 2);
		if (m) {
			m[0] = '[';
			memcpy(m + 1, b.forward.data, b.forward.len);
			m[b.forward.len + 1] = ']';
			forward(s, d, m, b.forward.len + 2);
			free(m);
		}
	}
	if (b.reply.items) {
		char *m = malloc(b.reply.len + 2);
		if (m) {
			m[0] = '[';
			memcpy(m + 1, b.reply.data, b.reply.len);
			m[b.reply.len + 1] = ']';
			reply(s, d, m, b.reply.len + 2);
			free(m);
		}
	}
	free(b.forward.data);
	free(b.reply.data);
}

static void dispatch(struct gw_session *s, enum dir d, const char *line, size_t len)
{
	struct mcp_envelope env;
	struct mcp_class c;
	int rc = mcp_scan(line, len, &env);
	if (rc == MCP_SCAN_EEMPTY && !s->batch)
		return; /* a line of blanks is not a message, as an empty line is not */
	mcp_classify(rc, &env, &c);
	if (s->batch && c.kind == MCP_KIND_BATCH) {
		c.kind = MCP_KIND_INVALID;
		c.error_code = MCP_ERR_INVALID_REQUEST;
		c.reason = "a batch cannot contain a batch";
	}
	if (d == FROM_CLIENT)
		s->n.client_messages++;
	else
		s->n.server_messages++;

	switch (c.kind) {
	case MCP_KIND_INVALID:
		invalid_message(s, d, line, len, rc, &env, &c);
		break;
	case MCP_KIND_BATCH:
		handle_batch(s, d, line, len);
		break;
	case MCP_KIND_REQUEST:
		if (d == FROM_CLIENT)
			client_request(s, line, len, &env);
		else
			server_request(s, line, len, &env);
		break;
	case MCP_KIND_NOTIFICATION:
		if (d == FROM_CLIENT)
			client_notification(s, line, len, &env);
		else
			server_notification(s, line, len, &env);
		break;
	case MCP_KIND_RESPONSE:
		if (d == FROM_CLIENT)
			client_response(s, line, len, &env);
		else
			server_response(s, line, len, &env);
		break;
	}
}

static void hold(struct gw_session *s, const char *line, size_t len)
{
	struct gw_buf *b = &s->held;
	if (!buf_reserve(b, len, 4096)) {
		gw_error("out of memory holding a message; it was dropped");
		return;
	}
	memcpy(b->data + b->len, line, len);
	b->data[b->len + len] = '\n';
	b->len += len + 1;
	b->items++;
	gw_source_pause(&s->client_in);
}

void gw_relay_client_line(struct gw_session *s, const char *line, size_t len)
{
	/* Order is kept: once one message waits, the ones after it wait too. */
	if (s->held.items) {
		hold(s, line, len);
		return;
	}
	dispatch(s, FROM_CLIENT, line, len);
}

void gw_relay_pins_verified(struct gw_session *s, bool ok)
{
	s->pins.refreshing = 0;
	uv_timer_stop(&s->verify_timer);
	if (!ok && !s->pins.verified) {
		s->pins.verify_failed = true;
		gw_warn("the server's tool list could not be checked against the pins; tool calls "
			"are denied until it can be");
	}
	struct gw_buf b = s->held;
	memset(&s->held, 0, sizeof(s->held));
	for (size_t off = 0; off < b.len;) {
		char *nl = memchr(b.data + off, '\n', b.len - off);
		size_t n = (size_t)(nl - (b.data + off));
		gw_relay_client_line(s, b.data + off, n);
		off += n + 1;
	}
	free(b.data);
	gw_relay_update_flow(s);
}

void gw_relay_server_line(struct gw_session *s, const char *line, size_t len)
{
	dispatch(s, FROM_SERVER, line, len);
}

/* ---- oversized messages --------------------------------------------------- */

static void oversize(struct gw_session *s, enum dir d, struct mcp_scanner *sc, const char *chunk,
		     size_t len, bool first, bool last, size_t total)
{
	if (first)
		mcp_scanner_init(sc);
	if (len)
		mcp_scanner_feed(sc, chunk, len);
	if (!last)
		return;
	int rc = mcp_scanner_finish(sc);
	const struct mcp_envelope *env = &sc->env;
	struct mcp_class c;
	mcp_classify(rc, env, &c);
	size_t limit = s->opt->max_message_bytes;
	s->n.oversized++;
	char msg[300];
	const char *action = "dropped";

	if (d == FROM_CLIENT && c.kind == MCP_KIND_REQUEST) {
		snprintf(msg, sizeof(msg),
			 "assay-gateway: the request (%zu bytes) exceeds the limit of %zu bytes "
			 "(--max-message-bytes)", total, limit);
		reply_error(s, d, env->id_raw, env->id_raw_len, MCP_ERR_TOO_LARGE, msg);
		answered_add(s, env->id_key, env->id_key_len);
		action = "replied";
	} else if (d == FROM_SERVER && c.kind == MCP_KIND_RESPONSE) {
		struct mcp_pending *p =
			mcp_idmap_take(&s->client_pending, env->id_key, env->id_key_len);
		if (p) {
			snprintf(msg, sizeof(msg),
				 "assay-gateway: the server's response (%zu bytes) exceeds the "
				 "limit of %zu bytes (--max-message-bytes) and was dropped", total,
				 limit);
			reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_TOO_LARGE,
				    msg);
			free(p);
			gw_session_pending_changed(s);
			action = "replied";
		}
	} else if (d == FROM_SERVER && c.kind == MCP_KIND_REQUEST) {
		snprintf(msg, sizeof(msg),
			 "assay-gateway: the request (%zu bytes) exceeds the limit of %zu bytes",
			 total, limit);
		reply_error(s, d, env->id_raw, env->id_raw_len, MCP_ERR_TOO_LARGE, msg);
		action = "replied";
	}
	gw_warn("%s a %zu-byte message from the %s: over the limit of %zu bytes "
		"(--max-message-bytes)", strcmp(action, "replied") == 0 ? "refused" : "dropped",
		total, d == FROM_CLIENT ? "client" : "server", limit);
	audit_invalid(s, d, "message over --max-message-bytes", total, action,
		      strcmp(action, "replied") == 0 ? MCP_ERR_TOO_LARGE : 0);
}

void gw_relay_client_oversize(struct gw_session *s, const char *chunk, size_t len, bool first,
			      bool last, size_t total)
{
	oversize(s, FROM_CLIENT, &s->client_big, chunk, len, first, last, total);
}

void gw_relay_server_oversize(struct gw_session *s, const char *chunk, size_t len, bool first,
			      bool last, size_t total)
{
	oversize(s, FROM_SERVER, &s->server_big, chunk, len, first, last, total);
}

/* ---- shutdown and flow ------------------------------------------------------ */

void gw_relay_fail_pending(struct gw_session *s, const char *why)
{
	struct mcp_pending *p;
	while ((p = mcp_idmap_take_oldest(&s->client_pending)) != NULL) {
		if (p->flags & GW_PENDING_INTERNAL) {
			free(p);
			continue;
		}
		reply_error(s, FROM_CLIENT, p->raw_id, p->raw_id_len, MCP_ERR_SERVER_EXITED, why);
		if (gw_audit_begin("response")) {
			if (audit_head(FROM_SERVER, p->raw_id, p->raw_id_len, p->method)) {
				gw_audit_int("latency_us",
					     (long long)((uv_hrtime() - p->start_ns) / 1000));
				gw_audit_str("outcome", "gateway_error");
				gw_audit_int("error_code", MCP_ERR_SERVER_EXITED);
			}
			gw_audit_end();
		}
		free(p);
	}
	while ((p = mcp_idmap_take_oldest(&s->server_pending)) != NULL)
		free(p);
}

void gw_relay_update_flow(struct gw_session *s)
{
	/* The client's input waits when either destination of its messages
	 * is full; the server's output waits only for the client (pausing it
	 * for a full server stdin could deadlock a server that writes before
	 * it reads). */
	bool client_full = gw_sink_congested(&s->client_out);
	if (client_full || gw_sink_congested(&s->server_in))
		gw_source_pause(&s->client_in);
	else
		gw_source_resume(&s->client_in);
	if (client_full)
		gw_source_pause(&s->server_out);
	else
		gw_source_resume(&s->server_out);
}
