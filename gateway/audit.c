/* gateway/audit.c - the JSON Lines audit log.
 *
 * Records are appended to one buffer (|out|) and written by gw_audit_flush:
 * see audit.h for when.  The hot records are written straight into it by a
 * small JSON writer that copies jansson's output byte for byte (one string
 * escaper, the same for the records and for the canonical text of hashed
 * arguments); building, dumping and freeing a jansson object per record
 * cost several times more than the relay's own work per message.
 */
#include "audit.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "policies/policy.h"
#include "policies/text.h"

/* A buffer larger than this after a flush (one huge record) is freed. */
#define KEEP_BYTES (4 * AUDIT_FLUSH_BYTES)

/* jansson's iterators take non-const pointers even to read; every use of
 * this cast only reads. */
#define MUT(v) ((json_t *)(uintptr_t)(v))

/* ---- text buffers ----------------------------------------------------------- */

struct text {
	char *data;
	size_t len, cap;
	bool failed; /* an allocation failed: what was being written is incomplete */
};

static bool grow(struct text *t, size_t n)
{
	if (t->failed)
		return false;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap - t->len < n) {
		if (cap > SIZE_MAX / 2) {
			t->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *d = realloc(t->data, cap);
	if (!d) {
		t->failed = true;
		return false;
	}
	t->data = d;
	t->cap = cap;
	return true;
}

/* Room for |n| more bytes. */
static inline bool room(struct text *t, size_t n)
{
	return t->cap - t->len >= n || grow(t, n);
}

static inline void put(struct text *t, const void *p, size_t n)
{
	if (room(t, n)) {
		memcpy(t->data + t->len, p, n);
		t->len += n;
	}
}

#define PUT_LIT(t, lit) put((t), (lit), sizeof(lit) - 1)

static inline void put_char(struct text *t, char c)
{
	if (room(t, 1))
		t->data[t->len++] = c;
}

/* As "%lld" writes it. */
static void put_int(struct text *t, long long v)
{
	char num[24], *p = num + sizeof(num);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(t, p, (size_t)(num + sizeof(num) - p));
}

/* ---- JSON, as jansson writes it ---------------------------------------------- */

/* \uXXXX for |u| (below 0x10000) at |out|; returns 6. */
static size_t u_escape(char *out, uint32_t u)
{
	static const char hex[] = "0123456789ABCDEF";
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[(u >> 12) & 0xF];
	out[3] = hex[(u >> 8) & 0xF];
	out[4] = hex[(u >> 4) & 0xF];
	out[5] = hex[u & 0xF];
	return 6;
}

/* The one JSON string writer: |n| bytes of |s| as jansson's dump_string
 * writes them.  '"', '\' and the control characters are escaped (\b \f \n
 * \r \t, the others \u00XX); with |ascii| (JSON_ENSURE_ASCII) every
 * character above U+007F is \uXXXX too, as a surrogate pair above U+FFFF;
 * hex digits in capitals; '/' and DEL as they are.  Returns false when |s|
 * is not valid UTF-8 (jansson then writes nothing at all). */
static bool put_string(struct text *t, const char *s, size_t n, bool ascii)
{
	/* 1 for the bytes that stand for themselves in any case: printable
	 * ASCII and DEL, but for '"' and '\\'. */
	static const unsigned char plain[256] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
		1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
		/* 0x80 and above: 0 (UTF-8, looked at below) */
	};
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	put_char(t, '"');
	while (i < n) {
		unsigned char c = p[i];
		if (plain[c]) {
			i++;
			continue;
		}
		uint32_t cp = c;
		size_t k = 1;
		if (c >= 0x80) {
			k = pol_utf8_next(p + i, n - i, &cp);
			if (cp == UINT32_MAX)
				return false;
			if (!ascii) {
				i += k;
				continue;
			}
		}
		put(t, s + run, i - run);
		char esc[12];
		size_t e = 2;
		esc[0] = '\\';
		switch (cp) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (cp < 0x10000) {
				e = u_escape(esc, cp);
			} else {
				/* a UTF-16 surrogate pair */
				e = u_escape(esc, 0xD800 | ((cp - 0x10000) >> 10));
				e += u_escape(esc + 6, 0xDC00 | ((cp - 0x10000) & 0x3FF));
			}
		}
		put(t, esc, e);
		i += k;
		run = i;
	}
	put(t, s + run, n - run);
	put_char(t, '"');
	return true;
}

/* How put_value writes. */
enum {
	W_ASCII = 1,  /* JSON_ENSURE_ASCII: the records */
	W_SORTED = 2, /* JSON_SORT_KEYS: the canonical text of hashed arguments */
};

static bool put_value(struct text *t, const json_t *v, int how);

static bool put_member(struct text *t, const char *key, size_t len, const json_t *val, int how,
		       bool first)
{
	if (!first)
		put_char(t, ',');
	if (!put_string(t, key, len, how & W_ASCII))
		return false;
	put_char(t, ':');
	return put_value(t, val, how);
}

static bool put_object(struct text *t, const json_t *v, int how)
{
	size_t n = json_object_size(v);
	bool ok = true;
	put_char(t, '{');
	if (!(how & W_SORTED) || n < 2) {
		/* jansson keeps an object's keys in the order they were added */
		size_t i = 0;
		for (void *it = json_object_iter(MUT(v)); it && ok;
		     it = json_object_iter_next(MUT(v), it), i++)
			ok = put_member(t, json_object_iter_key(it), json_object_iter_key_len(it),
					json_object_iter_value(it), how, i == 0);
	} else {
		size_t k;
		struct pol_json_member *m = pol_json_members_sorted(v, &k);
		if (!m) {
			t->failed = true;
			return false;
		}
		for (size_t j = 0; j < k && ok; j++)
			ok = put_member(t, m[j].key, m[j].len, m[j].val, how, j == 0);
		free(m);
	}
	put_char(t, '}');
	return ok;
}

/* |v| as json_dumps writes it with JSON_COMPACT | JSON_ENCODE_ANY and the
 * flags of |how|.  Returns false when jansson would fail (a string that is
 * not UTF-8: never one jansson made itself). */
static bool put_value(struct text *t, const json_t *v, int how)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(t, v, how);
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		bool ok = true;
		put_char(t, '[');
		for (size_t i = 0; i < n && ok; i++) {
			if (i)
				put_char(t, ',');
			ok = put_value(t, json_array_get(v, i), how);
		}
		put_char(t, ']');
		return ok;
	}
	case JSON_STRING:
		return put_string(t, json_string_value(v), json_string_length(v), how & W_ASCII);
	case JSON_INTEGER:
		put_int(t, json_integer_value(v));
		return true;
	case JSON_REAL: {
		/* jansson's own formatting ("%.17g", then ".0" or a shortened
		 * exponent): rare enough to ask it */
		char num[64];
		size_t n = json_dumpb(v, num, sizeof(num), JSON_ENCODE_ANY);
		if (n == 0 || n > sizeof(num))
			return false;
		put(t, num, n);
		return true;
	}
	case JSON_TRUE:
		PUT_LIT(t, "true");
		return true;
	case JSON_FALSE:
		PUT_LIT(t, "false");
		return true;
	case JSON_NULL:
		PUT_LIT(t, "null");
		return true;
	}
	return false;
}

/* ---- the sink ------------------------------------------------------------------ */

static int audit_fd = -1;
static unsigned long long audit_seq;
static bool audit_failed, audit_oom;
static struct text out;	 /* whole records not yet written, then the one being made */
static bool rec_open;	 /* between gw_audit_begin and gw_audit_end */
static size_t rec_start; /* where the open record starts in |out| */
static size_t rec_body;	 /* where its members start (after "seq") */
static uv_prepare_t turn;
static bool attached;

int gw_audit_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	audit_fd = fd;
	audit_seq = 0;
	audit_failed = audit_oom = false;
	out.len = 0;
	out.failed = false;
	rec_open = false;
	return 0;
}

void gw_audit_flush(void)
{
	/* Only whole records: never the one being made. */
	size_t n = rec_open ? rec_start : out.len;
	if (audit_fd < 0 || n == 0)
		return;
	const char *p = out.data;
	size_t left = n;
	while (left > 0) {
		ssize_t w = write(audit_fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!audit_failed)
				gw_error("writing the audit log failed: %s; records are being "
					 "lost", w < 0 ? strerror(errno) : "short write");
			audit_failed = true;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	memmove(out.data, out.data + n, out.len - n);
	out.len -= n;
	rec_start -= rec_open ? n : 0;
	rec_body -= rec_open ? n : 0;
	if (out.len == 0 && out.cap > KEEP_BYTES) {
		/* one huge record (full arguments): give the memory back */
		free(out.data);
		out.data = NULL;
		out.cap = 0;
	}
}

static void on_turn(uv_prepare_t *h)
{
	(void)h;
	gw_audit_flush();
}

int gw_audit_attach(uv_loop_t *loop)
{
	if (audit_fd < 0 || attached)
		return 0;
	int rc = uv_prepare_init(loop, &turn);
	if (rc == 0)
		rc = uv_prepare_start(&turn, on_turn);
	if (rc != 0)
		return rc;
	uv_unref((uv_handle_t *)&turn);
	attached = true;
	return 0;
}

void gw_audit_detach(void)
{
	if (!attached)
		return;
	attached = false;
	uv_close((uv_handle_t *)&turn, NULL);
}

void gw_audit_close(void)
{
	gw_audit_flush();
	if (audit_fd >= 0 && close(audit_fd) != 0)
		gw_error("closing the audit log failed: %s", strerror(errno));
	audit_fd = -1;
	free(out.data);
	out = (struct text){NULL, 0, 0, false};
	rec_open = false;
}

bool gw_audit_enabled(void)
{
	return audit_fd >= 0;
}

/* ---- time ------------------------------------------------------------------------- */

/* |t| as YYYY-MM-DDTHH:MM:SS (UTC) in |buf|; returns the length (0 when
 * it does not fit).  Not gmtime_r and strftime: their first call reads the
 * time zone file (/etc/localtime), on the gateway's start-up path. */
size_t gw__audit_utc(time_t t, char *buf, size_t size)
{
	long long days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* The civil date of a day number (days since 1970-01-01), in the
	 * proleptic Gregorian calendar: eras of 400 years from 0000-03-01. */
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9;
	long long y = yoe + era * 400 + (m <= 2);
	int n = snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", y, m, d,
			 secs / 3600, secs / 60 % 60, secs % 60);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* The time as RFC 3339 UTC with microseconds, in |buf| (at least 40 bytes);
 * returns its length.  The date is formatted once per second. */
static size_t rfc3339(char *buf)
{
	static time_t cached_sec = (time_t)-1;
	static char cached[32];
	static size_t cached_len;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec || !cached_len) {
		cached_len = gw__audit_utc(ts.tv_sec, cached, sizeof(cached));
		cached_sec = ts.tv_sec;
	}
	memcpy(buf, cached, cached_len);
	char *p = buf + cached_len;
	unsigned long us = (unsigned long)(ts.tv_nsec / 1000);
	*p++ = '.';
	for (int d = 5; d >= 0; d--, us /= 10)
		p[d] = (char)('0' + us % 10);
	p += 6;
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

void gw_rfc3339_now(char *buf, size_t size)
{
	char ts[48];
	rfc3339(ts);
	snprintf(buf, size, "%s", ts);
}

/* ---- records ------------------------------------------------------------------------ */

bool gw_audit_begin(const char *event)
{
	if (audit_fd < 0)
		return false;
	assert(!rec_open);
	rec_open = true;
	rec_start = out.len;
	char ts[48];
	size_t tn = rfc3339(ts);
	PUT_LIT(&out, "{\"ts\":\"");
	put(&out, ts, tn);
	PUT_LIT(&out, "\",\"event\":\"");
	put(&out, event, strlen(event));
	PUT_LIT(&out, "\",\"seq\":");
	put_int(&out, (long long)audit_seq++);
	rec_body = out.len;
	return true;
}

/* ,"key": */
static void put_key(const char *key)
{
	size_t n = strlen(key);
	if (room(&out, n + 4)) {
		char *p = out.data + out.len;
		p[0] = ',';
		p[1] = '"';
		memcpy(p + 2, key, n);
		p[n + 2] = '"';
		p[n + 3] = ':';
		out.len += n + 4;
	}
}

/* |n| bytes of |s| with each byte that does not begin a UTF-8 sequence
 * jansson accepts replaced by U+FFFD; malloc'd, its length in |*out_n|. */
static char *utf8_lossy(const char *s, size_t n, size_t *out_n)
{
	char *o = malloc(n * 3 + 1);
	if (!o)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = pol_utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (cp != UINT32_MAX) {
			memcpy(o + j, s + i, k);
			j += k, i += k;
		} else {
			memcpy(o + j, "\xef\xbf\xbd", 3);
			j += 3, i++;
		}
	}
	*out_n = j;
	return o;
}

bool gw_audit_strn(const char *key, const char *s, size_t len)
{
	if (!rec_open || !s)
		return false;
	size_t mark = out.len;
	put_key(key);
	if (put_string(&out, s, len, true))
		return true;
	/* Not UTF-8 (a lone surrogate escape, as the scanner keeps it, or a
	 * text cut in a character): recorded with U+FFFD for the bad bytes, so
	 * that no request leaves a record without its method. */
	out.len = mark;
	size_t n;
	char *fixed = utf8_lossy(s, len, &n);
	if (!fixed) {
		out.failed = true;
		return false;
	}
	put_key(key);
	bool ok = put_string(&out, fixed, n, true);
	free(fixed);
	if (!ok)
		out.len = mark;
	return ok;
}

bool gw_audit_str(const char *key, const char *s)
{
	return gw_audit_strn(key, s, s ? strlen(s) : 0);
}

void gw_audit_int(const char *key, long long v)
{
	if (!rec_open)
		return;
	put_key(key);
	put_int(&out, v);
}

bool gw_audit_json(const char *key, const json_t *v)
{
	if (!rec_open || !v)
		return false;
	size_t mark = out.len;
	put_key(key);
	if (put_value(&out, v, W_ASCII))
		return true;
	out.len = mark;
	return false;
}

/* True when jansson writes the id |raw| back exactly as it is: an integer
 * in its shortest spelling (not -0) well inside 64 bits, or a string of
 * printable ASCII without escapes. */
static bool id_verbatim(const char *raw, size_t len)
{
	if (len >= 2 && raw[0] == '"') {
		for (size_t i = 1; i < len - 1; i++) {
			unsigned char c = (unsigned char)raw[i];
			if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
				return false;
		}
		return raw[len - 1] == '"';
	}
	size_t i = raw[0] == '-';
	size_t digits = len - i;
	if (digits == 0 || digits > 18 || (raw[i] == '0' && (digits > 1 || i)))
		return false;
	for (; i < len; i++)
		if (raw[i] < '0' || raw[i] > '9')
			return false;
	return true;
}

bool gw_audit_id(const char *key, const char *raw, size_t len)
{
	if (!rec_open)
		return false;
	if (!raw || !len) {
		put_key(key);
		PUT_LIT(&out, "null");
		return true;
	}
	if (id_verbatim(raw, len)) {
		put_key(key);
		put(&out, raw, len);
		return true;
	}
	/* Reals, escapes, huge integers: the value jansson reads, or, when it
	 * cannot read one (an integer beyond 64 bits), the text as a string. */
	json_t *v = json_loadb(raw, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!v)
		v = json_stringn(raw, len);
	bool ok = gw_audit_json(key, v);
	json_decref(v);
	return ok;
}

void gw_audit_cut(void)
{
	if (rec_open)
		out.len = rec_body;
}

void gw_audit_end(void)
{
	if (!rec_open)
		return;
	PUT_LIT(&out, "}\n");
	rec_open = false;
	if (out.failed) {
		out.len = rec_start;
		out.failed = false;
		if (!audit_oom)
			gw_error("out of memory writing the audit log; records are being lost");
		audit_oom = true;
		return;
	}
	if (out.len >= AUDIT_FLUSH_BYTES)
		gw_audit_flush();
}

void gw_audit(const char *event, json_t *fields)
{
	if (!gw_audit_begin(event)) {
		json_decref(fields);
		return;
	}
	bool ok = true;
	for (void *it = json_object_iter(fields); it && ok; it = json_object_iter_next(fields, it))
		ok = put_member(&out, json_object_iter_key(it), json_object_iter_key_len(it),
				json_object_iter_value(it), W_ASCII, false);
	json_decref(fields);
	if (!ok) {
		/* json_dumps would have refused the whole record (or memory ran
		 * out: the next record starts afresh) */
		out.len = rec_start;
		out.failed = false;
		rec_open = false;
		return;
	}
	gw_audit_end();
}

/* ---- argument recording ---------------------------------------------------- */

static unsigned char audit_key[32];
static bool audit_key_loaded;
/* HMAC-SHA256 (RFC 2104) with the install key.  Nettle keeps the states
 * after the key's inner and outer blocks (set once, with the key) and
 * starts each message from them, which saves two of the four compressions
 * of a short message. */
static struct hmac_sha256_ctx hmac;

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int read_key(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, audit_key, sizeof(audit_key));
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n != (ssize_t)sizeof(audit_key))
		return n < 0 ? -e : -EINVAL;
	hmac_sha256_set_key(&hmac, sizeof(audit_key), audit_key);
	audit_key_loaded = true;
	return 0;
}

int gw_audit_key_setup(char *err, size_t err_size)
{
	if (audit_key_loaded)
		return 0;
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], path[4200], tmp[4300];
	if (state && *state == '/')
		snprintf(dir, sizeof(dir), "%s/assay-gateway", state);
	else if (home && *home == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/assay-gateway", home);
	else {
		snprintf(err, err_size, "cannot place the audit key: neither XDG_STATE_HOME nor "
			 "HOME is an absolute path");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	int rc = read_key(path);
	if (rc == 0)
		return 0;
	if (rc != -ENOENT) {
		snprintf(err, err_size, "cannot read the audit key %s: %s", path,
			 rc == -EINVAL ? "it is not 32 bytes" : strerror(-rc));
		return -1;
	}
	if ((rc = mkdirs(dir)) != 0) {
		snprintf(err, err_size, "cannot create %s: %s", dir, strerror(-rc));
		return -1;
	}
	/* Write a new key under a private name, then link it into place:
	 * link() fails if another gateway got there first, and we read its
	 * key instead, so every gateway of this install uses one key. */
	unsigned char key[sizeof(audit_key)];
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		snprintf(err, err_size, "cannot generate the audit key: %s", strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.audit.key.%d", dir, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		snprintf(err, err_size, "cannot write the audit key %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	close(fd);
	rc = link(tmp, path) == 0 ? 0 : -errno;
	unlink(tmp);
	if (rc != 0 && rc != -EEXIST) {
		snprintf(err, err_size, "cannot install the audit key %s: %s", path, strerror(-rc));
		return -1;
	}
	if (read_key(path) != 0) {
		snprintf(err, err_size, "cannot read back the audit key %s", path);
		return -1;
	}
	return 0;
}

static json_t *redact(const json_t *v)
{
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach(MUT(v), k, x)
			json_object_set_new(o, k, redact(x));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, redact(x));
		return a;
	}
	return json_string(json_is_string(v)   ? "<string>"
			   : json_is_number(v) ? "<number>"
			   : json_is_boolean(v) ? "<boolean>"
						: "<null>");
}

int gw__audit_hmac(const void *data, size_t len, unsigned char mac[32])
{
	if (!audit_key_loaded)
		return -1;
	hmac_sha256_update(&hmac, len, data);
	hmac_sha256_digest(&hmac, SHA256_DIGEST_SIZE, mac);
	return 0;
}

/* The canonical text of the arguments being hashed (reused). */
static struct text canon;

bool gw_audit_arguments(const char *key, const json_t *args, int mode)
{
	if (!rec_open || !args)
		return false;
	if (mode == POL_AUDIT_ARGS_FULL)
		return gw_audit_json(key, args);
	if (mode == POL_AUDIT_ARGS_REDACTED) {
		json_t *r = redact(args);
		bool ok = gw_audit_json(key, r);
		json_decref(r);
		return ok;
	}
	canon.len = 0;
	canon.failed = false;
	unsigned char mac[SHA256_DIGEST_SIZE];
	bool ok = put_value(&canon, args, W_SORTED) && !canon.failed &&
		  gw__audit_hmac(canon.data, canon.len, mac) == 0;
	if (canon.cap > KEEP_BYTES) {
		free(canon.data);
		canon = (struct text){NULL, 0, 0, false};
	}
	if (!ok)
		return false;
	static const char hex[] = "0123456789abcdef";
	char v[sizeof("\"hmac-sha256:\"") + 2 * sizeof(mac)];
	memcpy(v, "\"hmac-sha256:", 13);
	for (size_t i = 0; i < sizeof(mac); i++) {
		v[13 + 2 * i] = hex[mac[i] >> 4];
		v[14 + 2 * i] = hex[mac[i] & 0xF];
	}
	v[13 + 2 * sizeof(mac)] = '"';
	put_key(key);
	put(&out, v, 14 + 2 * sizeof(mac));
	return true;
}

/* ---- for the unit tests ------------------------------------------------------------ */

static char *finish_text(struct text *t, bool ok, size_t *len)
{
	put_char(t, '\0');
	if (!ok || t->failed) {
		free(t->data);
		return NULL;
	}
	*len = t->len - 1;
	return t->data;
}

char *gw__audit_dumps(const json_t *v, bool canonical, size_t *len)
{
	struct text t = {NULL, 0, 0, false};
	bool ok = put_value(&t, v, canonical ? W_SORTED : W_ASCII);
	return finish_text(&t, ok, len);
}

char *gw__audit_dump_string(const char *s, size_t len, bool ascii, size_t *out_len)
{
	struct text t = {NULL, 0, 0, false};
	bool ok = put_string(&t, s, len, ascii);
	return finish_text(&t, ok, out_len);
}
