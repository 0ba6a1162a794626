/* mcp/message.c - JSON-RPC classification and gateway-made messages. */
#include "mcp/message.h"

#include <stdlib.h>
#include <string.h>

#include "mcp/json.h"

void mcp_classify(int scan_rc, const struct mcp_envelope *env, struct mcp_class *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = MCP_KIND_INVALID;
	out->error_code = MCP_ERR_INVALID_REQUEST;
	out->id_usable = false;

	if (scan_rc != MCP_SCAN_OK) {
		out->error_code = MCP_ERR_PARSE;
		out->reason = mcp_scan_strerror(scan_rc);
		return;
	}
	if (env->top == MCP_JSON_ARRAY) {
		if (env->elements == 0) {
			out->reason = "empty batch";
			return;
		}
		out->kind = MCP_KIND_BATCH;
		return;
	}
	if (env->top != MCP_JSON_OBJECT) {
		out->reason = "message is not a JSON object";
		return;
	}
	bool id_ok = (env->id_type == MCP_JSON_STRING || env->id_type == MCP_JSON_NUMBER) &&
		     !(env->overflow & MCP_M_ID) && env->id_key_len > 0;
	out->id_usable = id_ok && !(env->duplicate & MCP_M_ID);

	if (env->duplicate) {
		out->reason = "duplicate member in the JSON-RPC envelope";
		return;
	}
	if (env->jsonrpc_type != MCP_JSON_STRING || env->jsonrpc_len != 3 ||
	    memcmp(env->jsonrpc, "2.0", 3) != 0) {
		out->reason = "missing or wrong \"jsonrpc\": \"2.0\"";
		return;
	}
	if (env->present & MCP_M_ID) {
		if (env->id_type == MCP_JSON_NULL && (env->present & MCP_M_METHOD)) {
			out->reason = "request id must not be null";
			return;
		}
		if (env->id_type != MCP_JSON_NULL && !id_ok) {
			out->reason = env->overflow & MCP_M_ID ? "id is too long"
							       : "id must be a string or a number";
			return;
		}
	}
	if (env->present & MCP_M_METHOD) {
		if (env->method_type != MCP_JSON_STRING) {
			out->reason = "method must be a string";
			return;
		}
		if (env->overflow & MCP_M_METHOD) {
			out->reason = "method name is too long";
			return;
		}
		if (env->present & (MCP_M_RESULT | MCP_M_ERROR)) {
			out->reason = "a request cannot carry result or error";
			return;
		}
		if (env->params_type != MCP_JSON_NONE && env->params_type != MCP_JSON_OBJECT &&
		    env->params_type != MCP_JSON_ARRAY) {
			out->reason = "params must be an object or an array";
			return;
		}
		out->kind = (env->present & MCP_M_ID) ? MCP_KIND_REQUEST : MCP_KIND_NOTIFICATION;
		return;
	}
	bool has_result = env->present & MCP_M_RESULT, has_error = env->present & MCP_M_ERROR;
	if (has_result == has_error) {
		out->reason = has_result ? "response has both result and error"
					 : "message has neither method nor result nor error";
		return;
	}
	if (!(env->present & MCP_M_ID)) {
		out->reason = "response without id";
		return;
	}
	if (has_error && env->error_type != MCP_JSON_OBJECT) {
		out->reason = "error must be an object";
		return;
	}
	out->kind = MCP_KIND_RESPONSE;
}

bool mcp_is_server_to_client_method(const char *method)
{
	static const char *const m[] = {"roots/list", "sampling/createMessage",
					 "elicitation/create", "ping"};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(method, m[i]) == 0)
			return true;
	return false;
}

/* The fast reader (mcp/json.c) builds jansson's tree for the common texts.
 * json_loadb reads the others again, and every text the fast reader
 * refuses: |err| is then jansson's own, and so is the verdict on the texts
 * with a stray NUL byte that jansson accepts. */
json_t *mcp_json_parse(const char *text, size_t len, json_error_t *err)
{
	json_t *j;
	if (mcp_json_parse_fast(text, len, &j) == MCP_JSON_FAST_OK) {
		if (err) {
			/* As json_loadb leaves it after a success. */
			memset(err, 0, sizeof(*err));
			err->line = err->column = -1;
			err->position = (int)len;
			strcpy(err->source, "<buffer>");
		}
		return j;
	}
	json_error_t local;
	if (!err)
		err = &local;
	const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY;
	j = json_loadb(text, len, flags, err);
	if (!j && json_error_code(err) == json_error_numeric_overflow)
		j = json_loadb(text, len, flags | JSON_DECODE_INT_AS_REAL, err);
	return j;
}

/* Serialise {"jsonrpc":"2.0","id":<raw>,<member>} with |member| already
 * serialised: keeps the raw id byte for byte. */
static char *with_envelope(const char *raw_id, size_t raw_id_len, const char *member,
			   size_t *len)
{
	static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	if (!raw_id)
		raw_id = "null", raw_id_len = 4;
	size_t mlen = strlen(member);
	size_t n = sizeof(pre) - 1 + raw_id_len + 1 + mlen + 1;
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	char *p = out;
	memcpy(p, pre, sizeof(pre) - 1), p += sizeof(pre) - 1;
	memcpy(p, raw_id, raw_id_len), p += raw_id_len;
	*p++ = ',';
	memcpy(p, member, mlen), p += mlen;
	*p++ = '}';
	*p = '\0';
	*len = n;
	return out;
}

static char *member_text(const char *name, json_t *value)
{
	json_t *o = json_object();
	if (!o || !value || json_object_set_new(o, name, value) != 0) {
		json_decref(o);
		return NULL;
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return NULL;
	/* Strip the outer braces: "{"name":...}" -> "\"name\":..." */
	size_t n = strlen(s);
	memmove(s, s + 1, n - 2);
	s[n - 2] = '\0';
	return s;
}

/* A copy of |s| with every byte that is not part of valid UTF-8 replaced
 * by '?': texts the gateway builds may quote a name cut at a byte limit. */
static char *utf8_repair(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n + 1);
	if (!o)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t need = c < 0x80 ? 0 : (c >= 0xC2 && c <= 0xDF) ? 1 : (c >= 0xE0 && c <= 0xEF) ? 2
			      : (c >= 0xF0 && c <= 0xF4) ? 3 : 99;
		bool ok = need != 99 && i + need < n + (need == 0);
		for (size_t k = 1; ok && k <= need; k++)
			ok = i + k < n && (p[i + k] & 0xC0) == 0x80;
		if (ok && need == 2) /* no overlongs or surrogates */
			ok = !(c == 0xE0 && p[i + 1] < 0xA0) && !(c == 0xED && p[i + 1] > 0x9F);
		if (ok && need == 3)
			ok = !(c == 0xF0 && p[i + 1] < 0x90) && !(c == 0xF4 && p[i + 1] > 0x8F);
		if (!ok) {
			o[i++] = '?';
			continue;
		}
		memcpy(o + i, p + i, need + 1);
		i += need + 1;
	}
	o[n] = '\0';
	return o;
}

char *mcp_build_error(const char *raw_id, size_t raw_id_len, int code, const char *message,
		      size_t *len)
{
	json_t *err = json_pack("{s:i,s:s}", "code", code, "message", message);
	if (!err) {
		char *fixed = utf8_repair(message);
		if (fixed)
			err = json_pack("{s:i,s:s}", "code", code, "message", fixed);
		free(fixed);
	}
	char *m = member_text("error", err);
	if (!m)
		return NULL;
	char *out = with_envelope(raw_id, raw_id_len, m, len);
	free(m);
	return out;
}

char *mcp_build_tool_error(const char *raw_id, size_t raw_id_len, const char *text,
			   size_t *len)
{
	json_t *res = json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text", text,
				"isError", 1);
	if (!res) {
		char *fixed = utf8_repair(text);
		if (fixed)
			res = json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text",
					fixed, "isError", 1);
		free(fixed);
	}
	char *m = member_text("result", res);
	if (!m)
		return NULL;
	char *out = with_envelope(raw_id, raw_id_len, m, len);
	free(m);
	return out;
}

int mcp_filter_tools(json_t *result, bool (*keep)(void *ctx, const char *name, size_t len),
		     void *ctx)
{
	return mcp_filter_named(result, "tools", "name", keep, ctx);
}

int mcp_filter_named(json_t *result, const char *array_key, const char *name_key,
		     bool (*keep)(void *ctx, const char *name, size_t len), void *ctx)
{
	json_t *tools = json_object_get(result, array_key);
	if (!json_is_array(tools))
		return -1;
	int removed = 0;
	size_t i = 0;
	while (i < json_array_size(tools)) {
		json_t *name = json_object_get(json_array_get(tools, i), name_key);
		const char *s = json_is_string(name) ? json_string_value(name) : "";
		size_t n = json_is_string(name) ? json_string_length(name) : 0;
		if (keep(ctx, s, n)) {
			i++;
		} else {
			json_array_remove(tools, i);
			removed++;
		}
	}
	return removed;
}
