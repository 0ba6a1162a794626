/* tests/unit/test_audit.c - gateway/audit: the record writer against jansson,
 * the argument hash against OpenSSL's HMAC(), and when records reach the
 * file. */
#include "testutil.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "audit.h"
#include "policies/policy.h"

#define RECORD_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII)
#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/assay-test-audit-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	/* The install key goes to a directory of the test's own. */
	return setenv("XDG_STATE_HOME", tmpdir, 1);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
	unlink(out);
}

/* ---- strings and values ----------------------------------------------------- */

/* jansson's text for the string of |len| bytes at |s|, or NULL where it
 * refuses (not UTF-8). */
static char *jansson_string(const char *s, size_t len, size_t flags)
{
	json_t *v = json_stringn_nocheck(s, len);
	char *d = json_dumps(v, flags | JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	return d;
}

static int compare_string(const char *s, size_t len, const char *what)
{
	int bad = 0;
	for (int ascii = 0; ascii < 2; ascii++) {
		char *want = jansson_string(s, len, ascii ? JSON_ENSURE_ASCII : 0);
		size_t n = 0;
		char *got = gw__audit_dump_string(s, len, ascii, &n);
		if (!want)
			CHECK(bad, got == NULL, "%s (ascii %d): wrote %s where jansson refuses", what,
			      ascii, got ? tu_show(got, n, 0) : "");
		else
			CHECK(bad, got && n == strlen(want) && memcmp(got, want, n) == 0,
			      "%s (ascii %d): %s, jansson %s", what, ascii,
			      got ? tu_show(got, n, 0) : "NULL", tu_show(want, strlen(want), 1));
		free(want);
		free(got);
	}
	return bad;
}

static void strings_as_jansson(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
	} t[] = {
#define S(lit) {lit, sizeof(lit) - 1}
		S(""),
		S("plain ascii text"),
		S("\"quotes\" and \\backslashes\\ and /slashes/"),
		S("\b\f\n\r\t"),
		S("\x01\x02\x1b\x1f \x7f"),
		S("nul \0 inside and at the end\0"),
		S("\0"),
		S("caf\xc3\xa9 \xc2\x80 \xdf\xbf"),		      /* 2-byte UTF-8 */
		S("\xe2\x82\xac \xe0\xa0\x80 \xef\xbf\xbf \xee\x80\x80"), /* 3-byte, U+FFFF */
		S("\xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"),   /* 4-byte, U+10FFFF */
		S("mixed \xc3\xa9\"\\\n\xf0\x9f\x98\x80\x01/"),
		/* not UTF-8: jansson refuses, so must the writer */
		S("\x80"),
		S("a\xc3"),			/* cut short */
		S("\xe2\x82"),
		S("\xf0\x9f\x98"),
		S("\xc0\x80"),			/* overlong NUL */
		S("\xc1\xbf"),
		S("\xe0\x80\x80"),		/* overlong */
		S("\xf0\x80\x80\x80"),
		S("\xed\xa0\x80"),		/* a surrogate, encoded */
		S("\xed\xbf\xbf"),
		S("\xf4\x90\x80\x80"),		/* above U+10FFFF */
		S("\xf5\x80\x80\x80"),
		S("\xff"),
		S("\xc3\x28"),			/* bad continuation */
#undef S
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char what[32];
		snprintf(what, sizeof(what), "row %zu", i);
		bad += compare_string(t[i].s, t[i].len, what);
	}
	assert_int_equal(bad, 0);
}

/* Random bytes, mostly from the interesting ones. */
static void strings_random(void **state)
{
	(void)state;
	static const unsigned char pick[] = {0x00, 0x01, 0x1f, 0x20, '"',  '\\', '/',  'a',
					     0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xed,
					     0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x90, 0x8f};
	uint64_t seed = 11;
	int bad = 0;
	for (int iter = 0; iter < 50000 && bad < 5; iter++) {
		char s[24];
		size_t len = tu_rand(&seed) % sizeof(s);
		for (size_t i = 0; i < len; i++)
			s[i] = (char)pick[tu_rand(&seed) % sizeof(pick)];
		bad += compare_string(s, len, "random");
	}
	assert_int_equal(bad, 0);
}

static void values_as_jansson(void **state)
{
	(void)state;
	static const char *texts[] = {
		"null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
		"1.0", "1e2", "-0.0", "0.1", "1.5e-7", "1e300", "2.5", "123456.789",
		"\"\\u00e9\\ud83d\\ude00\\u0000x\"", "[]", "{}", "[1,[2,[3,{}]],\"a\"]",
		"{\"b\":1,\"a\":2,\"ab\":3,\"A\":4,\"\":5,\"a\\u00e9\":6}",
		"{\"z\":{\"y\":[{\"b\":null,\"a\":true}],\"x\":\"\\n\"},\"\\u00e9\":1,\"e\":-2.25}",
		"{\"text\":\"h\\u00e9llo \\\"q\\\" \\\\ / \\u007f \\u001f\",\"n\":[1,2.5,true,null]}",
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t err;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		CHECK(bad, v != NULL, "row %zu: %s", i, err.text);
		if (!v)
			continue;
		for (int canonical = 0; canonical < 2; canonical++) {
			char *want = json_dumps(v, canonical ? CANON_FLAGS
							      : RECORD_FLAGS | JSON_ENCODE_ANY);
			size_t n = 0;
			char *got = gw__audit_dumps(v, canonical, &n);
			CHECK(bad, want && got && n == strlen(want) && memcmp(got, want, n) == 0,
			      "row %zu (canonical %d): %s, jansson %s", i, canonical,
			      got ? tu_show(got, n, 0) : "NULL", want ? want : "NULL");
			free(want);
			free(got);
		}
		json_decref(v);
	}
	/* A key jansson holds with a NUL in it sorts after its prefix. */
	json_t *o = json_object();
	json_object_setn_new(o, "k\0z", 3, json_integer(1));
	json_object_setn_new(o, "k", 1, json_integer(2));
	char *want = json_dumps(o, CANON_FLAGS);
	size_t n = 0;
	char *got = gw__audit_dumps(o, true, &n);
	CHECK(bad, got && strcmp(got, want) == 0, "NUL key: %s, jansson %s", got, want);
	free(want);
	free(got);
	json_decref(o);
	assert_int_equal(bad, 0);
}

/* ---- records ----------------------------------------------------------------- */

/* The "ts" and "seq" of |line| (a record), to rebuild it with jansson. */
static json_t *record_head(const char *line, size_t len, const char *event)
{
	json_t *r = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	assert_non_null(r);
	json_t *head = json_pack("{s:O,s:s,s:O}", "ts", json_object_get(r, "ts"), "event", event,
				 "seq", json_object_get(r, "seq"));
	json_decref(r);
	return head;
}

/* |line| equals json_dumps of |head| updated with |fields| (both taken). */
static int same_record(const char *line, size_t len, json_t *head, json_t *fields)
{
	json_object_update(head, fields);
	json_decref(fields);
	char *want = json_dumps(head, RECORD_FLAGS);
	json_decref(head);
	int bad = 0;
	CHECK(bad, strlen(want) == len && memcmp(line, want, len) == 0, "record %s, jansson %s",
	      tu_show(line, len, 0), tu_show(want, strlen(want), 1));
	free(want);
	return bad;
}

/* Request records with tricky values, written as the relay writes them,
 * against the object the gateway used to build for them. */
static void records_as_jansson(void **state)
{
	(void)state;
	static const char *ids[] = {
		"1", "-5", "0", "1.0", "1e2", "-0", "-0.0", "0.1", "\"\\u0041\"", "\"a/b c\"",
		"123456789012345678901234", "9223372036854775807", "-9223372036854775808",
		"\"x\\u0000y\"", "\"\\ud800\"", "\"\\u00e9\\ud83d\\ude00\"", "\"tab\\there\"", "007",
		NULL,
	};
	static const char tool[] = "t\xc3\xa9l\0\"x\"\\\n\xf0\x9f\x98\x80";
	const char *args_text = "{\"b\":[1,2.5,null],\"a\":\"\\u00e9\\n\\\"\",\"c\":{}}";
	json_t *args = json_loads(args_text, 0, NULL);
	assert_non_null(args);
	char path[400];
	path_in_tmp(path, sizeof(path), "records.jsonl");
	assert_int_equal(gw_audit_open(path), 0);
	size_t n_ids = sizeof(ids) / sizeof(ids[0]);
	for (size_t i = 0; i < n_ids; i++) {
		const char *raw = ids[i];
		assert_true(gw_audit_begin("request"));
		gw_audit_str("dir", "client_to_server");
		gw_audit_id("id", raw, raw ? strlen(raw) : 0);
		gw_audit_str("method", "tools/call");
		gw_audit_strn("tool", tool, sizeof(tool) - 1);
		gw_audit_str("decision", "would_deny");
		gw_audit_str("rule", "tools.deny[0]");
		gw_audit_str("reason", "denied \xe2\x80\x9cit\xe2\x80\x9d\t(rule x)");
		gw_audit_int("bytes", (long long)i * 1000003);
		gw_audit_arguments("arguments", args, POL_AUDIT_ARGS_FULL);
		gw_audit_end();
	}
	/* A method that is not UTF-8 (a lone surrogate, as the scanner keeps
	 * it) and a reason cut in a character: written, with U+FFFD for each
	 * byte that does not begin a character. */
	assert_true(gw_audit_begin("response"));
	gw_audit_str("dir", "server_to_client");
	gw_audit_id("id", "7", 1);
	assert_true(gw_audit_str("method", "x\xed\xa0\x80"));
	gw_audit_end();
	assert_true(gw_audit_begin("request"));
	gw_audit_str("dir", "client_to_server");
	assert_true(gw_audit_str("reason", "cut \xc3\xa9\xc3"));
	gw_audit_int("bytes", -1);
	gw_audit_end();
	/* A rare record, from a jansson object. */
	gw_audit("pin_change", json_pack("{s:s,s:s,s:s,s:f}", "tool", "\xc3\xa9", "change",
					 "description changed", "action", "blocked", "x", 0.39));
	gw_audit_close();

	size_t len;
	char *text = tu_slurp(path, &len);
	int bad = 0;
	size_t line_no = 0;
	for (char *p = text, *nl; (nl = memchr(p, '\n', (size_t)(text + len - p))); p = nl + 1) {
		size_t n = (size_t)(nl - p);
		if (line_no < n_ids) {
			const char *raw = ids[line_no];
			json_t *id = json_null();
			if (raw) {
				id = json_loadb(raw, strlen(raw), JSON_DECODE_ANY | JSON_ALLOW_NUL,
						NULL);
				if (!id)
					id = json_stringn(raw, strlen(raw));
			}
			json_t *f = json_pack("{s:s,s:o,s:s}", "dir", "client_to_server", "id", id,
					      "method", "tools/call");
			json_object_set_new(f, "tool", json_stringn(tool, sizeof(tool) - 1));
			json_object_set_new(f, "decision", json_string("would_deny"));
			json_object_set_new(f, "rule", json_string("tools.deny[0]"));
			json_object_set_new(f, "reason",
					    json_string("denied \xe2\x80\x9cit\xe2\x80\x9d\t(rule x)"));
			json_object_set_new(f, "bytes", json_integer((json_int_t)line_no * 1000003));
			json_object_set(f, "arguments", args);
			bad += same_record(p, n, record_head(p, n, "request"), f);
		} else if (line_no == n_ids) {
			bad += same_record(p, n, record_head(p, n, "response"),
					   json_pack("{s:s,s:i,s:s}", "dir", "server_to_client",
						     "id", 7, "method",
						     "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"));
		} else if (line_no == n_ids + 1) {
			bad += same_record(p, n, record_head(p, n, "request"),
					   json_pack("{s:s,s:s,s:i}", "dir", "client_to_server",
						     "reason", "cut \xc3\xa9\xef\xbf\xbd", "bytes",
						     -1));
		} else {
			bad += same_record(p, n, record_head(p, n, "pin_change"),
					   json_pack("{s:s,s:s,s:s,s:f}", "tool", "\xc3\xa9", "change",
						     "description changed", "action", "blocked",
						     "x", 0.39));
		}
		line_no++;
	}
	CHECK(bad, line_no == n_ids + 3, "%zu records", line_no);
	free(text);
	json_decref(args);
	assert_int_equal(bad, 0);
}

/* ---- the argument hash -------------------------------------------------------------- */

static void read_install_key(unsigned char key[32])
{
	char err[512], path[400];
	assert_int_equal(gw_audit_key_setup(err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/assay-gateway/audit.key", tmpdir);
	size_t len;
	char *k = tu_slurp(path, &len);
	assert_int_equal(len, 32);
	memcpy(key, k, 32);
	free(k);
}

/* The record's date, computed without the time zone file, is gmtime_r's:
 * the epoch, leap days and centuries, before 1970, and random times over
 * +-10,000 years (RFC 3339's four-digit years, 0000 to 9999, compared). */
static void utc_as_libc(void **state)
{
	(void)state;
	time_t fixed[] = {0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800,
			  4107542399 /* 2100-02-28T23:59:59 */, 4107542400, -2208988800,
			  -62135596800 /* 0001-01-01 */, 253402300799 /* 9999-12-31T23:59:59 */};
	unsigned bad = 0;
	srand(7);
	for (int i = 0; i < 200000; i++) {
		time_t t = i < (int)(sizeof(fixed) / sizeof(fixed[0]))
				   ? fixed[i]
				   : (time_t)(((long long)rand() << 31 | rand()) % 315569260000LL) *
					     (rand() % 2 ? 1 : -1);
		struct tm tm;
		char want[64], got[64];
		assert_non_null(gmtime_r(&t, &tm));
		if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
			continue;
		size_t wn = (size_t)snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d",
					     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					     tm.tm_hour, tm.tm_min, tm.tm_sec);
		size_t gn = gw__audit_utc(t, got, sizeof(got));
		CHECK(bad, gn == wn && memcmp(got, want, wn) == 0, "%lld: %s, want %s",
		      (long long)t, got, want);
	}
	assert_int_equal(bad, 0);
	char small[8];
	assert_int_equal(gw__audit_utc(0, small, sizeof(small)), 0);
}

/* Every length across the block boundaries, and a long message. */
static void hmac_as_openssl(void **state)
{
	(void)state;
	unsigned char key[32];
	read_install_key(key);
	size_t big = 1 << 20;
	unsigned char *data = malloc(big);
	assert_non_null(data);
	uint64_t seed = 3;
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)tu_rand(&seed);
	int bad = 0;
	for (size_t len = 0; len <= big; len = len < 300 ? len + 1 : len * 2 + 1) {
		size_t n = len > big ? big : len;
		unsigned char want[EVP_MAX_MD_SIZE], got[32];
		unsigned int wn = 0;
		assert_non_null(HMAC(EVP_sha256(), key, 32, data, n, want, &wn));
		CHECK(bad, gw__audit_hmac(data, n, got) == 0, "length %zu: failed", n);
		CHECK(bad, wn == 32 && memcmp(got, want, 32) == 0, "length %zu: differs", n);
		if (len > big)
			break;
	}
	free(data);
	assert_int_equal(bad, 0);
}

/* The "arguments" member in the default mode: the HMAC of jansson's
 * canonical text, as the gateway always wrote it. */
static void argument_hash(void **state)
{
	(void)state;
	unsigned char key[32];
	read_install_key(key);
	static const char *args[] = {
		"{}",
		"{\"text\":\"hello, assay\"}",
		"{\"b\":1,\"a\":{\"d\":[true,false,null],\"c\":2.5},\"\\u00e9\":\"\\u00e9\\u0000\"}",
		"{\"path\":\"/etc/passwd\",\"content\":\"line\\nline\\t\\\"q\\\"\\\\\",\"n\":-0.0}",
		"[1,2,3]",
		"\"just a string\"",
	};
	char path[400];
	path_in_tmp(path, sizeof(path), "hash.jsonl");
	assert_int_equal(gw_audit_open(path), 0);
	size_t n_args = sizeof(args) / sizeof(args[0]);
	for (size_t i = 0; i < n_args; i++) {
		json_t *a = json_loads(args[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		assert_non_null(a);
		assert_true(gw_audit_begin("request"));
		assert_true(gw_audit_arguments("arguments", a, POL_AUDIT_ARGS_HASH));
		gw_audit_end();
		json_decref(a);
	}
	gw_audit_close();
	size_t len;
	char *text = tu_slurp(path, &len);
	int bad = 0;
	size_t i = 0;
	for (char *p = text, *nl; (nl = memchr(p, '\n', (size_t)(text + len - p))); p = nl + 1, i++) {
		json_t *r = json_loadb(p, (size_t)(nl - p), 0, NULL);
		json_t *a = json_loads(args[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		char *canon = json_dumps(a, CANON_FLAGS);
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int mn = 0;
		assert_non_null(HMAC(EVP_sha256(), key, 32, (const unsigned char *)canon,
				     strlen(canon), mac, &mn));
		char want[sizeof("hmac-sha256:") + 64];
		int o = snprintf(want, sizeof(want), "hmac-sha256:");
		for (unsigned k = 0; k < mn; k++)
			o += snprintf(want + o, sizeof(want) - (size_t)o, "%02x", mac[k]);
		const char *got = json_string_value(json_object_get(r, "arguments"));
		CHECK(bad, got && strcmp(got, want) == 0, "args %zu: %s, want %s", i, got, want);
		free(canon);
		json_decref(a);
		json_decref(r);
	}
	CHECK(bad, i == n_args, "%zu records", i);
	free(text);
	assert_int_equal(bad, 0);
}

/* ---- the sink ---------------------------------------------------------------------- */

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Every line of |path| is a whole record: a JSON object, and the file ends
 * with a line end.  Returns the number of records. */
static size_t whole_records(const char *path)
{
	size_t len;
	char *text = tu_slurp(path, &len);
	size_t n = 0;
	char *p = text;
	for (char *nl; (nl = memchr(p, '\n', (size_t)(text + len - p))); p = nl + 1, n++) {
		json_t *r = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_true(json_is_object(r));
		assert_int_equal(json_integer_value(json_object_get(r, "seq")), (json_int_t)n);
		json_decref(r);
	}
	assert_true(p == text + len); /* nothing after the last line end */
	free(text);
	return n;
}

static void small_record(const char *event)
{
	assert_true(gw_audit_begin(event));
	gw_audit_str("dir", "client_to_server");
	gw_audit_int("bytes", 100);
	gw_audit_end();
}

/* Records wait for a flush; a flush writes whole records only, never the
 * one being made; the buffer is written by itself once it passes its
 * bound. */
static void sink_batches(void **state)
{
	(void)state;
	char path[400];
	path_in_tmp(path, sizeof(path), "batch.jsonl");
	assert_int_equal(gw_audit_open(path), 0);
	for (int i = 0; i < 10; i++)
		small_record("request");
	assert_int_equal(file_size(path), 0);
	gw_audit_flush();
	assert_int_equal(whole_records(path), 10);

	/* A flush in the middle of a record leaves that record alone. */
	assert_true(gw_audit_begin("request"));
	gw_audit_str("dir", "client_to_server");
	off_t before = file_size(path);
	gw_audit_flush();
	assert_int_equal(file_size(path), before);
	gw_audit_int("bytes", 1);
	gw_audit_end();
	gw_audit_flush();
	assert_int_equal(whole_records(path), 11);

	/* Past the bound: written without a flush, whole records only. */
	size_t n = 11;
	before = file_size(path);
	while (file_size(path) == before) {
		small_record("response");
		n++;
		assert_true(n < 11 + AUDIT_FLUSH_BYTES / 16);
	}
	assert_int_equal(whole_records(path), n);
	assert_true(file_size(path) >= before + AUDIT_FLUSH_BYTES);

	/* One record bigger than the bound goes at once. */
	json_t *big = json_object();
	char *s = malloc(3 * AUDIT_FLUSH_BYTES);
	assert_non_null(s);
	memset(s, 'x', 3 * AUDIT_FLUSH_BYTES - 1);
	s[3 * AUDIT_FLUSH_BYTES - 1] = '\0';
	json_object_set_new(big, "text", json_string(s));
	free(s);
	assert_true(gw_audit_begin("request"));
	gw_audit_arguments("arguments", big, POL_AUDIT_ARGS_FULL);
	gw_audit_end();
	json_decref(big);
	assert_int_equal(whole_records(path), n + 1);
	gw_audit_close();
	assert_int_equal(whole_records(path), n + 1);
}

static void never(uv_timer_t *t)
{
	(void)t;
}

/* With the loop attached, what a turn recorded is on file before the loop
 * waits again. */
static void sink_per_turn(void **state)
{
	(void)state;
	char path[400];
	path_in_tmp(path, sizeof(path), "turn.jsonl");
	assert_int_equal(gw_audit_open(path), 0);
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(gw_audit_attach(&loop), 0);
	/* Something to keep the loop running, as the relay's streams do. */
	uv_timer_t alive;
	assert_int_equal(uv_timer_init(&loop, &alive), 0);
	assert_int_equal(uv_timer_start(&alive, never, 3600 * 1000, 0), 0);
	small_record("request");
	small_record("response");
	assert_int_equal(file_size(path), 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(whole_records(path), 2);
	small_record("request");
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(whole_records(path), 3);
	gw_audit_detach();
	uv_close((uv_handle_t *)&alive, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	small_record("exit");
	gw_audit_close();
	assert_int_equal(whole_records(path), 4);
}

/* A file that refuses writes: the records are dropped, the gateway goes
 * on, and a later flush tries again. */
static void sink_write_failure(void **state)
{
	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_int_equal(gw_audit_open("/dev/full"), 0);
	small_record("request");
	gw_audit_flush();
	assert_true(gw_audit_enabled());
	small_record("request");
	gw_audit_close();
	assert_false(gw_audit_enabled());
	assert_false(gw_audit_begin("request"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_as_jansson),
		cmocka_unit_test(strings_random),
		cmocka_unit_test(values_as_jansson),
		cmocka_unit_test(records_as_jansson),
		cmocka_unit_test(utc_as_libc),
		cmocka_unit_test(hmac_as_openssl),
		cmocka_unit_test(argument_hash),
		cmocka_unit_test(sink_batches),
		cmocka_unit_test(sink_per_turn),
		cmocka_unit_test(sink_write_failure),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
