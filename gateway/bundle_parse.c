/* gateway/bundle_parse.c - checking the parts of a bundle held in memory and
 * rebuilding the evidence document from its events.
 *
 * Everything here reads untrusted bytes: a bundle may come from another
 * machine, or have been edited.  No input makes it fail other than with
 * findings; every value put into a message is quoted, so that a bundle
 * cannot write escape sequences to the terminal of whoever lints it.
 */
#include "bundle.h"

#include <nettle/sha2.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policies/secrets.h"

#define M GW_BUNDLE_MANIFEST
#define EV GW_BUNDLE_EVENTS
#define SIG GW_BUNDLE_SIG

/* ---- the report ------------------------------------------------------------ */

void gw_bundle_report_init(struct gw_bundle_report *r)
{
	memset(r, 0, sizeof(*r));
	r->findings = json_array();
	r->notes = json_array();
}

void gw_bundle_report_free(struct gw_bundle_report *r)
{
	json_decref(r->findings);
	json_decref(r->notes);
	json_decref(r->doc);
	free(r->run_id);
	memset(r, 0, sizeof(*r));
}

void gw_bundle_finding(struct gw_bundle_report *r, const char *file, size_t line, const char *check,
		       const char *fmt, ...)
{
	r->nfindings++;
	if (json_array_size(r->findings) >= GW_BUNDLE_MAX_FINDINGS)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(r->findings,
			      json_pack("{s:s,s:I,s:s,s:s}", "file", file, "line", (json_int_t)line,
					"check", check, "message", msg));
}

bool gw_bundle_report_broken(const struct gw_bundle_report *r)
{
	size_t i, secrets = 0;
	json_t *f;
	json_array_foreach(r->findings, i, f)
		if (strcmp(json_string_value(json_object_get(f, "check")) ?: "", "secret") == 0)
			secrets++;
	/* Findings beyond the kept ones are of unknown kind: broken. */
	return r->nfindings > secrets;
}

/* ---- small helpers ----------------------------------------------------------- */

/* A value from the bundle, fit for a message. */
static const char *q(const char *s, size_t len, char *buf, size_t size)
{
	return gw_log_quote(s, len, 120, buf, size);
}

static const char *qj(const json_t *v, char *buf, size_t size)
{
	return json_is_string(v) ? q(json_string_value(v), json_string_length(v), buf, size) : "";
}

static const char *sget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool is_run_id(const char *s)
{
	return s && strncmp(s, "sandbox_", 8) == 0 && is_hex(s + 8, 16);
}

int gw_bundle_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, sizeof(md), md);
	for (unsigned i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

char *gw_evidence_endpoint(const json_t *net, char *out, size_t size)
{
	const char *op = sget(net, "op") ?: "", *family = sget(net, "family") ?: "",
		   *addr = sget(net, "address") ?: "";
	long long port = json_integer_value(json_object_get(net, "port"));
	if (strcmp(family, "unix") == 0)
		snprintf(out, size, "%s %s %s", op, family, addr);
	else if (strcmp(family, "inet6") == 0)
		snprintf(out, size, "%s %s [%s]:%lld", op, family, addr, port);
	else
		snprintf(out, size, "%s %s %s:%lld", op, family, addr, port);
	return out;
}

/* ---- secret-looking values ------------------------------------------------------ */

struct walk {
	struct gw_bundle_report *r;
	const char *file;
	size_t line;
	char path[256];
};

static void first_kind(void *ctx, const struct pol_secret_match *m)
{
	enum pol_secret_kind *k = ctx;
	if ((int)*k < 0)
		*k = m->kind;
}

static void scan_string(struct walk *w, const char *s, size_t len, bool key)
{
	enum pol_secret_kind kind = (enum pol_secret_kind) - 1;
	size_t n = pol_secrets_find(s, len, first_kind, &kind);
	if (n == 0)
		return;
	/* Never the value itself: the report may end up in a CI log. */
	gw_bundle_finding(w->r, w->file, w->line, "secret",
			  "%s %s looks like a credential (%s%s; value not shown)",
			  key ? "a key in" : "the value of", w->path[0] ? w->path : "the document",
			  pol_secret_kind_name(kind), n > 1 ? " and more" : "");
}

static void scan(struct walk *w, const json_t *v, size_t plen)
{
	size_t i;
	const char *key;
	json_t *e;
	char qk[200];
	switch (json_typeof(v)) {
	case JSON_STRING:
		scan_string(w, json_string_value(v), json_string_length(v), false);
		break;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, e) {
			w->path[plen] = '\0';
			if (pol_secrets_contains(key, strlen(key)))
				scan_string(w, key, strlen(key), true);
			int n = snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s",
					 plen ? "." : "", q(key, strlen(key), qk, sizeof(qk)));
			size_t next = plen + (n > 0 ? (size_t)n : 0);
			scan(w, e, next < sizeof(w->path) ? next : sizeof(w->path) - 1);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, e) {
			int n = snprintf(w->path + plen, sizeof(w->path) - plen, "[%zu]", i);
			size_t next = plen + (n > 0 ? (size_t)n : 0);
			scan(w, e, next < sizeof(w->path) ? next : sizeof(w->path) - 1);
		}
		break;
	default:
		break;
	}
	w->path[plen] = '\0';
}

static void scan_secrets(struct gw_bundle_report *r, const char *file, size_t line, const json_t *v)
{
	struct walk w = {.r = r, .file = file, .line = line};
	scan(&w, v, 0);
}

/* ---- the manifest --------------------------------------------------------------- */

static json_t *check_manifest(const struct gw_bundle_parts *p, struct gw_bundle_report *r)
{
	char qa[512];
	if (!p->manifest) {
		gw_bundle_finding(r, M, 0, "manifest", "missing: the bundle has no manifest");
		return NULL;
	}
	if (p->manifest_len > GW_BUNDLE_MAX_MANIFEST) {
		gw_bundle_finding(r, M, 0, "manifest", "%zu bytes, more than the limit of %u",
				  p->manifest_len, GW_BUNDLE_MAX_MANIFEST);
		return NULL;
	}
	json_error_t e;
	json_t *m = json_loadb(p->manifest, p->manifest_len, JSON_REJECT_DUPLICATES, &e);
	if (!m) {
		gw_bundle_finding(r, M, e.line > 0 ? (size_t)e.line : 0, "manifest", "not JSON: %s",
				  q(e.text, strlen(e.text), qa, sizeof(qa)));
		return NULL;
	}
	if (!json_is_object(m)) {
		gw_bundle_finding(r, M, 0, "manifest", "not a JSON object");
		json_decref(m);
		return NULL;
	}
	static const char *const keys[] = {"schema", "run_id",	  "generator",
					   "files",  "signature", NULL};
	const char *key;
	json_t *v;
	json_object_foreach(m, key, v)
		if (!in_list(key, keys))
			gw_bundle_finding(r, M, 0, "manifest", "unknown member '%s'",
					  q(key, strlen(key), qa, sizeof(qa)));
	const char *schema = sget(m, "schema");
	if (!schema || strcmp(schema, GW_BUNDLE_SCHEMA) != 0)
		gw_bundle_finding(r, M, 0, "manifest", "schema is '%s', not '" GW_BUNDLE_SCHEMA "'",
				  qj(json_object_get(m, "schema"), qa, sizeof(qa)));
	const char *run_id = sget(m, "run_id");
	if (!is_run_id(run_id))
		gw_bundle_finding(r, M, 0, "manifest",
				  "run_id '%s' is not \"sandbox_\" and 16 hex digits",
				  qj(json_object_get(m, "run_id"), qa, sizeof(qa)));
	if (run_id)
		r->run_id = strdup(run_id);
	if (!json_is_string(json_object_get(m, "generator")))
		gw_bundle_finding(r, M, 0, "manifest", "generator is not a string");
	return m;
}

static void check_digests(const json_t *m, const struct gw_bundle_parts *p,
			  struct gw_bundle_report *r)
{
	char qa[512];
	json_t *files = json_object_get(m, "files"), *f;
	size_t i;
	bool listed = false;
	if (!json_is_array(files)) {
		gw_bundle_finding(r, M, 0, "manifest", "files is not an array");
		files = NULL;
	}
	json_array_foreach(files, i, f) {
		const char *name = sget(f, "name"), *sha = sget(f, "sha256");
		json_t *size = json_object_get(f, "size");
		if (!name || !sha || !json_is_integer(size)) {
			gw_bundle_finding(r, M, 0, "manifest",
					  "files[%zu] needs a name, a sha256 and a size", i);
			continue;
		}
		if (strcmp(name, EV) != 0) {
			gw_bundle_finding(r, M, 0, "manifest",
					  "files[%zu] lists '%s', not a file a bundle holds", i,
					  q(name, json_string_length(json_object_get(f, "name")),
					    qa, sizeof(qa)));
			continue;
		}
		if (listed) {
			gw_bundle_finding(r, M, 0, "manifest", "files lists " EV " twice");
			continue;
		}
		listed = true;
		if (!is_hex(sha, 64)) {
			gw_bundle_finding(r, M, 0, "manifest",
					  "the sha256 of " EV " is not 64 lowercase hex digits");
			continue;
		}
		if (!p->events) {
			gw_bundle_finding(r, EV, 0, "digest",
					  "missing: listed in the manifest, not in the bundle");
			continue;
		}
		json_int_t want = json_integer_value(size);
		if (want < 0 || (unsigned long long)want != p->events_len)
			gw_bundle_finding(r, EV, 0, "digest", "%zu bytes, the manifest says %lld",
					  p->events_len, (long long)want);
		char hex[65];
		if (gw_bundle_sha256_hex(p->events, p->events_len, hex) != 0)
			gw_bundle_finding(r, EV, 0, "digest", "cannot compute its SHA-256");
		else if (strcmp(hex, sha) != 0)
			gw_bundle_finding(r, EV, 0, "digest",
					  "digest mismatch: sha256 %.16s..., the manifest says "
					  "%.16s...: the file was corrupted or changed after the "
					  "manifest was written",
					  hex, sha);
	}
	if (!listed && p->events)
		gw_bundle_finding(r, M, 0, "manifest",
				  EV " is not listed in files: nothing vouches for its content");
}

static bool ed25519_verify(EVP_PKEY *pub, const char *msg, size_t len, const char *sig,
			   size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
		  EVP_DigestVerify(ctx, (const unsigned char *)sig, sig_len,
				   (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error(); /* a failed verification leaves errors queued */
	return ok;
}

static void check_signature(const json_t *m, const struct gw_bundle_parts *p, EVP_PKEY *pub,
			    struct gw_bundle_report *r)
{
	json_t *decl = m ? json_object_get(m, "signature") : NULL;
	if (decl) {
		const char *alg = sget(decl, "alg"), *file = sget(decl, "file");
		if (!alg || strcmp(alg, "ed25519") != 0 || !file || strcmp(file, SIG) != 0 ||
		    json_object_size(decl) != 2)
			gw_bundle_finding(
				r, M, 0, "manifest",
				"signature must be {\"alg\": \"ed25519\", \"file\": \"" SIG "\"}");
	}
	if (!p->sig) {
		r->signature = GW_SIG_NONE;
		if (decl)
			gw_bundle_finding(r, SIG, 0, "signature",
					  "missing: the manifest says the bundle is signed");
		if (pub)
			gw_bundle_finding(r, SIG, 0, "signature",
					  "missing: the bundle is not signed, but --key was given");
		return;
	}
	if (m && !decl)
		gw_bundle_finding(r, SIG, 0, "signature",
				  "present, but the manifest does not say the bundle is signed");
	if (!pub) {
		r->signature = GW_SIG_UNVERIFIED;
		json_array_append_new(r->notes,
				      json_string(SIG ": signed, not verified (no --key)"));
		return;
	}
	r->signature = GW_SIG_INVALID;
	if (!p->manifest)
		gw_bundle_finding(r, SIG, 0, "signature", "no manifest to verify it against");
	else if (p->sig_len != 64)
		gw_bundle_finding(r, SIG, 0, "signature",
				  "%zu bytes, not a 64-byte Ed25519 signature", p->sig_len);
	else if (!ed25519_verify(pub, p->manifest, p->manifest_len, p->sig, p->sig_len))
		gw_bundle_finding(r, SIG, 0, "signature",
				  "does not verify with the given key: the manifest was changed, "
				  "or signed with another key");
	else
		r->signature = GW_SIG_VALID;
}

/* ---- the events ------------------------------------------------------------------ */

enum ev_type {
	T_PROGRAM,
	T_FILE,
	T_NETWORK,
	T_TOOLS_LISTED,
	T_CALL,
	T_VIOLATION,
	T_DEGRADATION,
	T_SUMMARY,
	T_COUNT
};

static const char *const type_names[T_COUNT] = {
	GW_EV_PROGRAM, GW_EV_FILE,	GW_EV_NETWORK,	   GW_EV_TOOLS_LISTED,
	GW_EV_CALL,    GW_EV_VIOLATION, GW_EV_DEGRADATION, GW_EV_SUMMARY,
};

/* The members of the document that come from the effect events; the
 * summary may not carry them. */
static const char *const collections[] = {"programs",	"files",	"network", "mcp",
					  "violations", "degradations", NULL};

struct events {
	struct gw_bundle_report *r;
	size_t line;
	const char *type; /* of the event being checked, for messages */
	json_t *ids;	  /* id -> line of its first use */
	json_t *arr[T_COUNT];
	json_t *tools_listed;
	json_t *summary;
	size_t summary_line;
};

static void bad(struct events *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bad(struct events *s, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gw_bundle_finding(s->r, EV, s->line, "event", "%s%s%s", s->type ? s->type : "",
			  s->type ? ": " : "", msg);
}

enum need { OPTIONAL, REQUIRED };

static const char *field_str(struct events *s, const json_t *data, const char *key, enum need n,
			     const char *const *values)
{
	char qa[512];
	json_t *v = json_object_get(data, key);
	if (!v) {
		if (n == REQUIRED)
			bad(s, "data.%s is missing", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(s, "data.%s is not a string", key);
		return NULL;
	}
	if (values && !in_list(json_string_value(v), values)) {
		bad(s, "data.%s '%s' is not a known value", key, qj(v, qa, sizeof(qa)));
		return NULL;
	}
	return json_string_value(v);
}

static void field_int(struct events *s, const json_t *data, const char *key, enum need n,
		      json_int_t lo, json_int_t hi)
{
	json_t *v = json_object_get(data, key);
	if (!v) {
		if (n == REQUIRED)
			bad(s, "data.%s is missing", key);
	} else if (!json_is_integer(v)) {
		bad(s, "data.%s is not an integer", key);
	} else if (json_integer_value(v) < lo || json_integer_value(v) > hi) {
		bad(s, "data.%s %lld is out of range", key, (long long)json_integer_value(v));
	}
}

static void field_type(struct events *s, const json_t *data, const char *key, json_type t,
		       const char *what)
{
	json_t *v = json_object_get(data, key);
	if (v && json_typeof(v) != t && !(t == JSON_TRUE && json_is_boolean(v)) &&
	    !(t == JSON_REAL && json_is_number(v)))
		bad(s, "data.%s is not %s", key, what);
}

static void string_array(struct events *s, const json_t *data, const char *key, enum need n,
			 const char *const *values)
{
	char qa[512];
	json_t *v = json_object_get(data, key), *e;
	size_t i;
	if (!v) {
		if (n == REQUIRED)
			bad(s, "data.%s is missing", key);
		return;
	}
	if (!json_is_array(v)) {
		bad(s, "data.%s is not an array", key);
		return;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			bad(s, "data.%s[%zu] is not a string", key, i);
		else if (values && !in_list(json_string_value(e), values))
			bad(s, "data.%s[%zu] '%s' is not a known value", key, i,
			    qj(e, qa, sizeof(qa)));
	}
}

static void check_subject(struct events *s, const json_t *ev, const char *want)
{
	char qa[512], qb[512];
	json_t *subject = json_object_get(ev, "subject");
	if (!want)
		return; /* the data is already wrong */
	if (!subject)
		bad(s, "no subject (it should be '%s')", q(want, strlen(want), qa, sizeof(qa)));
	else if (!json_is_string(subject) || strcmp(json_string_value(subject), want) != 0)
		bad(s, "subject '%s' does not match the data ('%s')", qj(subject, qa, sizeof(qa)),
		    q(want, strlen(want), qb, sizeof(qb)));
}

static const char *const accesses[] = {"read",	 "write",  "create", "truncate", "mkdir",
				       "remove", "rename", "link",   "symlink",	 NULL};

/* Check the data of one event of type |t|; |ev| is the whole event. */
static void check_data(struct events *s, enum ev_type t, const json_t *ev, const json_t *data)
{
	static const char *const ops[] = {"connect", "bind", "send", NULL};
	static const char *const families[] = {"inet", "inet6", "unix", NULL};
	static const char *const decisions[] = {"allow", "deny", "would_deny", NULL};
	static const char *const kinds[] = {"file", "program", "network", NULL};
	static const char *const severities[] = {"degraded", "note", NULL};
	const json_int_t max = (json_int_t)1 << 53;
	char endpoint[1024];
	const char *path, *name;
	switch (t) {
	case T_PROGRAM:
		path = field_str(s, data, "path", REQUIRED, NULL);
		field_int(s, data, "count", OPTIONAL, 0, max);
		check_subject(s, ev, path);
		break;
	case T_FILE:
		path = field_str(s, data, "path", REQUIRED, NULL);
		string_array(s, data, "access", REQUIRED, accesses);
		field_int(s, data, "count", OPTIONAL, 0, max);
		field_type(s, data, "missing", JSON_TRUE, "a boolean");
		check_subject(s, ev, path);
		break;
	case T_NETWORK: {
		bool ok = field_str(s, data, "op", REQUIRED, ops) != NULL;
		ok &= field_str(s, data, "family", REQUIRED, families) != NULL;
		ok &= field_str(s, data, "address", REQUIRED, NULL) != NULL;
		field_int(s, data, "port", REQUIRED, 0, 65535);
		field_int(s, data, "count", OPTIONAL, 0, max);
		ok &= json_is_integer(json_object_get(data, "port"));
		check_subject(s, ev,
			      ok ? gw_evidence_endpoint(data, endpoint, sizeof(endpoint)) : NULL);
		break;
	}
	case T_TOOLS_LISTED:
		string_array(s, data, "tools", REQUIRED, NULL);
		break;
	case T_CALL:
		field_str(s, data, "method", REQUIRED, NULL);
		name = field_str(s, data, "name", REQUIRED, NULL);
		field_str(s, data, "decision", REQUIRED, decisions);
		field_str(s, data, "rule", OPTIONAL, NULL);
		field_int(s, data, "count", OPTIONAL, 0, max);
		check_subject(s, ev, name);
		break;
	case T_VIOLATION:
		field_str(s, data, "kind", REQUIRED, kinds);
		field_str(s, data, "subject", REQUIRED, NULL);
		field_str(s, data, "access", OPTIONAL, NULL);
		field_str(s, data, "reason", OPTIONAL, NULL);
		break;
	case T_DEGRADATION:
		field_str(s, data, "severity", REQUIRED, severities);
		field_str(s, data, "area", OPTIONAL, NULL);
		field_str(s, data, "text", REQUIRED, NULL);
		break;
	case T_SUMMARY: {
		char qa[512];
		const char *schema = field_str(s, data, "schema", REQUIRED, NULL);
		if (schema && strcmp(schema, GW_EVIDENCE_SCHEMA) != 0)
			bad(s, "data.schema is '%s', not '" GW_EVIDENCE_SCHEMA "'",
			    qj(json_object_get(data, "schema"), qa, sizeof(qa)));
		field_str(s, data, "run_id", REQUIRED, NULL);
		field_str(s, data, "generator", REQUIRED, NULL);
		field_str(s, data, "mode", OPTIONAL, NULL);
		string_array(s, data, "command", OPTIONAL, NULL);
		field_str(s, data, "executable", OPTIONAL, NULL);
		field_str(s, data, "started", OPTIONAL, NULL);
		field_type(s, data, "duration_s", JSON_REAL, "a number");
		field_int(s, data, "exit_code", OPTIONAL, -max, max);
		field_int(s, data, "server_status", OPTIONAL, -max, max);
		field_type(s, data, "counters", JSON_OBJECT, "an object");
		for (size_t i = 0; collections[i]; i++)
			if (json_object_get(data, collections[i]))
				bad(s, "data.%s belongs in its own events, not in the summary",
				    collections[i]);
		break;
	}
	case T_COUNT:
		break;
	}
}

/* The CloudEvents attributes of |ev|; returns the event's type, or
 * T_COUNT when it has no known one. */
static enum ev_type check_attributes(struct events *s, const json_t *ev)
{
	static const char *const attrs[] = {
		"specversion",	   "id",   "source", "type",	   "subject",
		"datacontenttype", "data", "time",   "dataschema", NULL};
	char qa[512];
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)ev, key, v)
		if (!in_list(key, attrs))
			bad(s, "attribute '%s' is not one an assay bundle has",
			    q(key, strlen(key), qa, sizeof(qa)));

	v = json_object_get(ev, "specversion");
	if (!json_is_string(v) || strcmp(json_string_value(v), "1.0") != 0)
		bad(s, "specversion is '%s', not \"1.0\"", qj(v, qa, sizeof(qa)));
	v = json_object_get(ev, "source");
	if (!json_is_string(v) || json_string_length(v) == 0)
		bad(s, "source is missing or not a non-empty string");
	v = json_object_get(ev, "id");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		bad(s, "id is missing or not a non-empty string");
	} else {
		/* Parsed without JSON_ALLOW_NUL: the id is a C string. */
		json_t *first = json_object_get(s->ids, json_string_value(v));
		if (first)
			bad(s, "id '%s' is not unique (first on line %lld)", qj(v, qa, sizeof(qa)),
			    (long long)json_integer_value(first));
		else
			json_object_set_new(s->ids, json_string_value(v),
					    json_integer((json_int_t)s->line));
	}
	static const char *const strings[] = {"subject", "time", "dataschema", NULL};
	for (size_t i = 0; strings[i]; i++)
		if (json_object_get(ev, strings[i]) &&
		    !json_is_string(json_object_get(ev, strings[i])))
			bad(s, "%s is not a string", strings[i]);
	v = json_object_get(ev, "datacontenttype");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), "application/json") != 0))
		bad(s, "datacontenttype is '%s', not \"application/json\"", qj(v, qa, sizeof(qa)));
	if (!json_is_object(json_object_get(ev, "data")))
		bad(s, "data is missing or not a JSON object");

	v = json_object_get(ev, "type");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		bad(s, "type is missing or not a non-empty string");
		return T_COUNT;
	}
	for (int t = 0; t < T_COUNT; t++)
		if (strcmp(json_string_value(v), type_names[t]) == 0)
			return (enum ev_type)t;
	bad(s, "unknown type '%s'", qj(v, qa, sizeof(qa)));
	return T_COUNT;
}

static void check_event(struct events *s, const char *text, size_t len)
{
	char qa[512];
	json_error_t e;
	json_t *ev = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!ev) {
		bad(s, "not JSON: %s (column %d)", q(e.text, strlen(e.text), qa, sizeof(qa)),
		    e.column);
		return;
	}
	s->r->events++;
	if (!json_is_object(ev)) {
		bad(s, "not a JSON object");
		json_decref(ev);
		return;
	}
	if (s->summary)
		bad(s, "an event after the summary (line %zu): the summary must be last",
		    s->summary_line);
	enum ev_type t = check_attributes(s, ev);
	json_t *data = json_object_get(ev, "data");
	if (t != T_COUNT && json_is_object(data)) {
		s->type = type_names[t];
		check_data(s, t, ev, data);
		if (t == T_SUMMARY) {
			if (s->summary)
				bad(s, "a second summary (the first is on line %zu)",
				    s->summary_line);
			else {
				s->summary = json_incref(data);
				s->summary_line = s->line;
			}
		} else if (t == T_TOOLS_LISTED) {
			if (s->tools_listed)
				bad(s, "a second list of tools");
			else
				s->tools_listed = json_incref(json_object_get(data, "tools"));
		} else {
			json_array_append(s->arr[t], data);
		}
		s->type = NULL;
	}
	scan_secrets(s->r, EV, s->line, ev);
	json_decref(ev);
}

/* The document the events describe: the summary's members, then one array
 * per kind of effect event. */
static json_t *rebuild(struct events *s)
{
	json_t *doc = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(s->summary, key, v)
		if (!in_list(key, collections))
			json_object_set(doc, key, v);
	json_object_set(doc, "programs", s->arr[T_PROGRAM]);
	json_object_set(doc, "files", s->arr[T_FILE]);
	json_object_set(doc, "network", s->arr[T_NETWORK]);
	json_t *mcp = json_object();
	if (s->tools_listed)
		json_object_set(mcp, "tools_listed", s->tools_listed);
	json_object_set(mcp, "calls", s->arr[T_CALL]);
	json_object_set_new(doc, "mcp", mcp);
	json_object_set(doc, "violations", s->arr[T_VIOLATION]);
	json_object_set(doc, "degradations", s->arr[T_DEGRADATION]);
	return doc;
}

static void check_events(const struct gw_bundle_parts *p, struct gw_bundle_report *r)
{
	if (!p->events) {
		gw_bundle_finding(r, EV, 0, "event", "missing: the bundle has no events");
		return;
	}
	if (p->events_len > GW_BUNDLE_MAX_EVENTS) {
		gw_bundle_finding(r, EV, 0, "event", "%zu bytes, more than the limit of %u",
				  p->events_len, GW_BUNDLE_MAX_EVENTS);
		return;
	}
	struct events s = {.r = r, .ids = json_object()};
	for (int t = 0; t < T_COUNT; t++)
		s.arr[t] = json_array();
	const char *text = p->events, *end = p->events + p->events_len;
	while (text < end) {
		s.line++;
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
		if (len > GW_BUNDLE_MAX_LINE)
			bad(&s, "%zu bytes, more than the limit of %u for one event", len,
			    GW_BUNDLE_MAX_LINE);
		else if (len == 0 || (len == 1 && text[0] == '\r'))
			bad(&s, "an empty line");
		else
			check_event(&s, text, len);
		if (!nl) {
			bad(&s, "no newline at the end of the last line");
			break;
		}
		text = nl + 1;
	}
	if (r->events == 0)
		gw_bundle_finding(r, EV, 0, "event", "no events");
	else if (!s.summary)
		gw_bundle_finding(r, EV, 0, "event", "no " GW_EV_SUMMARY " event");

	if (r->events > 0) {
		r->doc = rebuild(&s);
		char qa[512], qb[512];
		const char *sid = sget(s.summary, "run_id");
		if (r->run_id && sid && strcmp(sid, r->run_id) != 0)
			gw_bundle_finding(r, EV, s.summary_line, "run_id",
					  "the summary's run_id '%s' is not the manifest's '%s'",
					  q(sid, strlen(sid), qa, sizeof(qa)),
					  q(r->run_id, strlen(r->run_id), qb, sizeof(qb)));
		/* The id the manifest claims must be the one the effects give:
		 * otherwise events were added, removed or changed, and the
		 * digests recomputed (tampering that only a signature catches)
		 * or the bundle was built by hand. */
		char computed[GW_RUN_ID_SIZE];
		const char *claimed = r->run_id ? r->run_id : sid;
		if (claimed && gw_evidence_run_id(r->doc, computed) == 0 &&
		    strcmp(claimed, computed) != 0)
			gw_bundle_finding(
				r, r->run_id ? M : EV, r->run_id ? 0 : s.summary_line, "run_id",
				"run_id '%s' is not the id of the events (they give %s): "
				"effects were added, removed or changed after it was computed",
				q(claimed, strlen(claimed), qa, sizeof(qa)), computed);
	}
	json_decref(s.ids);
	for (int t = 0; t < T_COUNT; t++)
		json_decref(s.arr[t]);
	json_decref(s.tools_listed);
	json_decref(s.summary);
}

void gw_bundle_check(const struct gw_bundle_parts *p, EVP_PKEY *pub, struct gw_bundle_report *r)
{
	json_t *m = check_manifest(p, r);
	if (m) {
		check_digests(m, p, r);
		scan_secrets(r, M, 0, m);
	}
	check_signature(m, p, pub, r);
	check_events(p, r);
	json_decref(m);
}
