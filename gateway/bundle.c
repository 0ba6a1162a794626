/* gateway/bundle.c - writing evidence bundles, and reading them back from
 * disk (the checks themselves are in bundle_parse.c). */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto_lazy.h"
#include "fileio.h"
#include "log.h"

#define M GW_BUNDLE_MANIFEST
#define EV GW_BUNDLE_EVENTS
#define SIG GW_BUNDLE_SIG

/* Whatever bytes the reader stops at: the events, the manifest, a
 * signature, and room for the tar headers of a few unknown entries. */
#define MAX_TOTAL ((unsigned long long)GW_BUNDLE_MAX_EVENTS + GW_BUNDLE_MAX_MANIFEST + (4u << 20))

void gw_bundle_parts_free(struct gw_bundle_parts *p)
{
	free(p->manifest);
	free(p->events);
	free(p->sig);
	memset(p, 0, sizeof(*p));
}

/* ---- the events --------------------------------------------------------------- */

struct emitter {
	struct gw_memtext out;
	const char *run_id;
	size_t seq;
	char *err;
	size_t err_size;
	int failed;
};

/* One line: a structured-mode CloudEvent.  No "time": the effect lines of
 * two runs with the same behaviour are the same bytes. */
static void emit(struct emitter *em, const char *type, const char *subject, const json_t *data)
{
	if (em->failed)
		return;
	char id[GW_RUN_ID_SIZE + 24];
	snprintf(id, sizeof(id), "%s:%zu", em->run_id, ++em->seq);
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O}", "specversion", "1.0", "id", id,
			       "source", GW_EV_SOURCE, "type", type, "datacontenttype",
			       "application/json", "data", (json_t *)data);
	if (ev && subject)
		json_object_set_new(ev, "subject", json_string(subject));
	char *line = ev ? json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	json_decref(ev);
	if (!line) {
		em->failed = 1;
		snprintf(em->err, em->err_size, "cannot serialise a %s event", type);
		return;
	}
	size_t n = strlen(line);
	if (n > GW_BUNDLE_MAX_LINE) {
		em->failed = 1;
		snprintf(em->err, em->err_size,
			 "a %s event is %zu bytes, more than a reader accepts (%u)", type, n,
			 GW_BUNDLE_MAX_LINE);
	}
	fwrite(line, 1, n, em->out.f);
	fputc('\n', em->out.f);
	free(line);
}

/* The run id the document must carry: the id of its effects. */
static int doc_run_id(const json_t *doc, char run_id[GW_RUN_ID_SIZE], char *err, size_t err_size)
{
	if (gw_evidence_run_id(doc, run_id) != 0) {
		snprintf(err, err_size,
			 "not an evidence document (schema \"" GW_EVIDENCE_SCHEMA "\")");
		return -1;
	}
	const char *claimed = json_string_value(json_object_get(doc, "run_id"));
	if (claimed && strcmp(claimed, run_id) != 0) {
		char qa[512];
		snprintf(err, err_size,
			 "the document's run_id '%s' is not the id of its effects (%s)",
			 gw_log_quote(claimed, strlen(claimed), 120, qa, sizeof(qa)), run_id);
		return -1;
	}
	return 0;
}

int gw_bundle_events(const json_t *doc, char **text, size_t *len, char *err, size_t err_size)
{
	char run_id[GW_RUN_ID_SIZE];
	if (doc_run_id(doc, run_id, err, err_size) != 0)
		return -1;
	struct emitter em = {.run_id = run_id, .err = err, .err_size = err_size};
	if (!gw_memtext_open(&em.out)) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	size_t i;
	json_t *e;
	char endpoint[1024];
	json_array_foreach(json_object_get(doc, "programs"), i, e)
		emit(&em, GW_EV_PROGRAM, json_string_value(json_object_get(e, "path")), e);
	json_array_foreach(json_object_get(doc, "files"), i, e)
		emit(&em, GW_EV_FILE, json_string_value(json_object_get(e, "path")), e);
	json_array_foreach(json_object_get(doc, "network"), i, e)
		emit(&em, GW_EV_NETWORK, gw_evidence_endpoint(e, endpoint, sizeof(endpoint)), e);
	json_t *mcp = json_object_get(doc, "mcp");
	json_t *listed = json_object_get(mcp, "tools_listed");
	if (listed) {
		json_t *data = json_pack("{s:O}", "tools", listed);
		emit(&em, GW_EV_TOOLS_LISTED, NULL, data);
		json_decref(data);
	}
	json_array_foreach(json_object_get(mcp, "calls"), i, e)
		emit(&em, GW_EV_CALL, json_string_value(json_object_get(e, "name")), e);
	json_array_foreach(json_object_get(doc, "violations"), i, e)
		emit(&em, GW_EV_VIOLATION, NULL, e);
	json_array_foreach(json_object_get(doc, "degradations"), i, e)
		emit(&em, GW_EV_DEGRADATION, NULL, e);

	/* The summary: every member that is not one of the arrays above
	 * (schema, generator, mode, command, executable, started, duration_s,
	 * exit_code, server_status, counters), so that nothing is lost. */
	static const char *const collections[] = {"programs",	"files",	"network", "mcp",
						  "violations", "degradations", "run_id",  NULL};
	json_t *summary = json_object();
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)doc, key, v) {
		size_t k = 0;
		while (collections[k] && strcmp(key, collections[k]) != 0)
			k++;
		if (!collections[k])
			json_object_set(summary, key, v);
	}
	json_object_set_new(summary, "run_id", json_string(run_id));
	emit(&em, GW_EV_SUMMARY, NULL, summary);
	json_decref(summary);
	*text = gw_memtext_close(&em.out, !em.failed, len);
	if (!*text && !em.failed)
		snprintf(err, err_size, "out of memory");
	return *text ? 0 : -1;
}

/* ---- keys and signatures -------------------------------------------------------- */

/* Never ask for a passphrase on the terminal: note that one was needed. */
static int no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)asked = true;
	return -1;
}

EVP_PKEY *gw_bundle_load_key(const char *path, bool want_private, char *err, size_t err_size)
{
	size_t len;
	int rc;
	char msg[600];
	char *text = gw_read_file(path, 0, 64u << 10, &len, &rc, msg, sizeof(msg));
	if (!text) {
		snprintf(err, err_size, "cannot read the key %s", msg);
		return NULL;
	}
	const char *why = gw_crypto_error();
	if (why) {
		explicit_bzero(text, len);
		free(text);
		snprintf(err, err_size, "%s: evidence bundles are signed and checked with it", why);
		return NULL;
	}
	bool asked = false;
	EVP_PKEY *key = NULL;
	if (!want_private) {
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		key = bio ? PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, &asked) : NULL;
		BIO_free(bio);
	}
	if (!key) {
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked) : NULL;
		BIO_free(bio);
	}
	ERR_clear_error();
	explicit_bzero(text, len);
	free(text);
	if (!key) {
		if (asked)
			snprintf(err, err_size,
				 "%s is an encrypted key; a key without a passphrase is needed "
				 "(openssl pkey -in %s -out PLAIN.pem)",
				 path, path);
		else
			snprintf(err, err_size, "%s holds no PEM %s key", path,
				 want_private ? "private" : "public or private");
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, err_size,
			 "%s is a %s key; bundles are signed with Ed25519 only "
			 "(openssl genpkey -algorithm ed25519)",
			 path, EVP_PKEY_get0_type_name(key) ?: "non-Ed25519");
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static int ed25519_sign(EVP_PKEY *key, const char *msg, size_t len, char **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *out = malloc(64 + 1);
	size_t n = 64;
	/* Ed25519 signs the message itself: no digest (NULL md). */
	int ok = ctx && out && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
		 EVP_DigestSign(ctx, out, &n, (const unsigned char *)msg, len) == 1 && n == 64;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok) {
		free(out);
		return -1;
	}
	out[64] = '\0';
	*sig = (char *)out;
	*sig_len = 64;
	return 0;
}

/* ---- the parts, from a document --------------------------------------------------- */

/* The manifest, events and (with |key|) signature of |doc|, then checked as
 * a reader will: what this writes is what `evidence lint` accepts. */
static int build_parts(const json_t *doc, EVP_PKEY *key, struct gw_bundle_parts *p, char *err,
		       size_t err_size)
{
	memset(p, 0, sizeof(*p));
	if (gw_bundle_events(doc, &p->events, &p->events_len, err, err_size) != 0)
		return -1;
	char run_id[GW_RUN_ID_SIZE], hex[65];
	if (doc_run_id(doc, run_id, err, err_size) != 0 ||
	    gw_bundle_sha256_hex(p->events, p->events_len, hex) != 0) {
		gw_bundle_parts_free(p);
		return -1;
	}
	const char *generator = json_string_value(json_object_get(doc, "generator"));
	json_t *m = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:I}]}", "schema", GW_BUNDLE_SCHEMA,
			      "run_id", run_id, "generator",
			      generator ? generator : "assay-gateway " ASSAY_VERSION, "files",
			      "name", EV, "sha256", hex, "size", (json_int_t)p->events_len);
	if (m && key)
		json_object_set_new(m, "signature",
				    json_pack("{s:s,s:s}", "alg", "ed25519", "file", SIG));
	char *text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	json_decref(m);
	if (text) {
		int n = asprintf(&p->manifest, "%s\n", text);
		if (n < 0)
			p->manifest = NULL;
		else
			p->manifest_len = (size_t)n;
		free(text);
	}
	if (!p->manifest) {
		snprintf(err, err_size, "cannot build the manifest");
		gw_bundle_parts_free(p);
		return -1;
	}
	if (key && ed25519_sign(key, p->manifest, p->manifest_len, &p->sig, &p->sig_len) != 0) {
		snprintf(err, err_size, "cannot sign the manifest");
		gw_bundle_parts_free(p);
		return -1;
	}
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	gw_bundle_check(p, NULL, &r);
	int rc = 0;
	if (gw_bundle_report_broken(&r)) {
		json_t *f;
		size_t i;
		json_array_foreach(r.findings, i, f) {
			if (strcmp(json_string_value(json_object_get(f, "check")) ?: "",
				   "secret") == 0)
				continue;
			snprintf(err, err_size, "not a valid evidence document: %s",
				 json_string_value(json_object_get(f, "message")) ?: "?");
			break;
		}
		rc = -1;
		gw_bundle_parts_free(p);
	}
	gw_bundle_report_free(&r);
	return rc;
}

/* ---- writing the archive ------------------------------------------------------------ */

static int add_entry(struct archive *a, const char *name, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return -1;
	/* Fixed metadata: the same content gives the same archive. */
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	int rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
	size_t off = 0;
	while (rc == 0 && off < len) {
		la_ssize_t n = archive_write_data(a, data + off, len - off);
		if (n <= 0)
			rc = -1;
		else
			off += (size_t)n;
	}
	archive_entry_free(e);
	return rc;
}

static int write_archive(int fd, const struct gw_bundle_parts *p, char *err, size_t err_size)
{
	struct archive *a = archive_write_new();
	if (!a) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	int rc = 0;
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "gzip:!timestamp") != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    add_entry(a, M, p->manifest, p->manifest_len) != 0 ||
	    add_entry(a, EV, p->events, p->events_len) != 0 ||
	    (p->sig && add_entry(a, SIG, p->sig, p->sig_len) != 0) ||
	    archive_write_close(a) != ARCHIVE_OK) {
		snprintf(err, err_size, "%s",
			 archive_error_string(a) ?: "cannot write the archive");
		rc = -1;
	}
	archive_write_free(a);
	return rc;
}

int gw_bundle_write(const char *path, const json_t *doc, const char *key_path, char *err,
		    size_t err_size)
{
	EVP_PKEY *key = NULL;
	if (key_path && !(key = gw_bundle_load_key(key_path, true, err, err_size)))
		return -1;
	struct gw_bundle_parts p;
	char why[700];
	int rc = build_parts(doc, key, &p, why, sizeof(why));
	EVP_PKEY_free(key);
	if (rc != 0) {
		snprintf(err, err_size, "cannot write the bundle %s: %s", path, why);
		return -1;
	}
	/* A new file next to |path| then rename: a reader never sees half a
	 * bundle, and a symbolic link planted at |path| is replaced, not
	 * written through. */
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		gw_bundle_parts_free(&p);
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "cannot create a file next to %s: %s", path,
			 strerror(errno));
		rc = -1;
	} else if (fchmod(fd, 0600) != 0) {
		snprintf(err, err_size, "cannot set the mode of %s: %s", tmp, strerror(errno));
		rc = -1;
	} else if (write_archive(fd, &p, why, sizeof(why)) != 0) {
		snprintf(err, err_size, "cannot write the bundle %s: %s", path, why);
		rc = -1;
	} else if (fsync(fd) != 0) {
		snprintf(err, err_size, "cannot write the bundle %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		snprintf(err, err_size, "cannot write the bundle %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		snprintf(err, err_size, "cannot write the bundle %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	gw_bundle_parts_free(&p);
	return rc;
}

/* ---- reading the archive ------------------------------------------------------------- */

/* Read the current entry's |size| bytes into a new buffer. */
static char *read_entry(struct archive *a, size_t size, const char *where, const char *name,
			struct gw_bundle_report *r)
{
	char *buf = malloc(size + 1);
	if (!buf) {
		gw_bundle_finding(r, where, 0, "archive", "%s: out of memory", name);
		return NULL;
	}
	size_t got = 0;
	while (got < size) {
		la_ssize_t n = archive_read_data(a, buf + got, size - got);
		if (n <= 0) {
			gw_bundle_finding(
				r, where, 0, "archive", "%s: %s after %zu of %zu bytes", name,
				n < 0 ? archive_error_string(a) ?: "unreadable" : "truncated", got,
				size);
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	buf[size] = '\0';
	return buf;
}

/* 0 to go on with the next entry, -1 to stop reading. */
static int take_entry(struct archive *a, struct archive_entry *e, struct gw_bundle_parts *p,
		      const char *where, struct gw_bundle_report *r, unsigned long long *total)
{
	static const char *const names[] = {M, EV, SIG};
	static const unsigned limits[] = {GW_BUNDLE_MAX_MANIFEST, GW_BUNDLE_MAX_EVENTS,
					  GW_BUNDLE_MAX_SIG};
	char **slots[] = {&p->manifest, &p->events, &p->sig};
	size_t *lens[] = {&p->manifest_len, &p->events_len, &p->sig_len};
	char qn[512];
	const char *name = archive_entry_pathname(e);
	if (name)
		gw_log_quote(name, strlen(name), 120, qn, sizeof(qn));
	int which = -1;
	for (int i = 0; name && i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			which = i;
	la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	if (size < 0) {
		gw_bundle_finding(r, where, 0, "archive",
				  "entry '%s' has no size; stopped reading there", name ? qn : "");
		return -1;
	}
	/* Skipping an entry still decompresses it: bound that too. */
	if ((*total += (unsigned long long)size) > MAX_TOTAL) {
		gw_bundle_finding(
			r, where, 0, "archive",
			"entry '%s' makes the bundle larger than the limit of %llu bytes; "
			"stopped reading there",
			name ? qn : "", MAX_TOTAL);
		return -1;
	}
	if (!name) {
		gw_bundle_finding(r, where, 0, "archive", "an entry has no name");
		return 0;
	}
	if (which < 0) {
		/* Nothing is ever extracted, but a name with a directory part is
		 * someone trying: say so rather than "unknown". */
		bool tricky = strchr(name, '/') || strchr(name, '\\') || strcmp(name, "..") == 0 ||
			      strcmp(name, ".") == 0;
		gw_bundle_finding(r, where, 0, "archive",
				  tricky ? "entry '%s' is a path, not a plain name: a bundle holds "
					   "only " M ", " EV " and " SIG
					 : "unknown entry '%s': a bundle holds only " M ", " EV
					   " and " SIG,
				  qn);
		return 0;
	}
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
	    archive_entry_symlink(e)) {
		gw_bundle_finding(r, where, 0, "archive", "entry '%s' is not a regular file", qn);
		return 0;
	}
	if (*slots[which]) {
		gw_bundle_finding(r, where, 0, "archive",
				  "entry '%s' appears twice; the first is used", qn);
		return 0;
	}
	if ((unsigned long long)size > limits[which]) {
		gw_bundle_finding(r, where, 0, "archive",
				  "entry '%s' is %lld bytes, more than the limit of %u", qn,
				  (long long)size, limits[which]);
		return 0;
	}
	*slots[which] = read_entry(a, (size_t)size, where, qn, r);
	if (!*slots[which])
		return -1;
	*lens[which] = (size_t)size;
	return 0;
}

static bool has_gzip_magic(int fd)
{
	unsigned char magic[2];
	return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

int gw_bundle_read(const char *path, struct gw_bundle_parts *p, struct gw_bundle_report *r,
		   char *err, size_t err_size)
{
	memset(p, 0, sizeof(*p));
	char where[600];
	gw_log_quote(path, strlen(path), 200, where, sizeof(where));
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* gzip and tar only: without this, libarchive would also take an
	 * uncompressed tar. */
	if (!has_gzip_magic(fd)) {
		snprintf(err, err_size, "%s: not a bundle (not gzip-compressed)", path);
		close(fd);
		return -1;
	}
	struct archive *a = archive_read_new();
	if (!a || archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 64u << 10) != ARCHIVE_OK) {
		snprintf(err, err_size, "%s: not a bundle: %s", path,
			 a ? archive_error_string(a) ?: "unreadable" : "out of memory");
		archive_read_free(a);
		close(fd);
		return -1;
	}
	int rc = 0;
	size_t n = 0;
	unsigned long long total = 0;
	for (;;) {
		struct archive_entry *e;
		int h = archive_read_next_header(a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			if (n == 0) {
				snprintf(err, err_size, "%s: not a bundle (a gzip'd tar): %s", path,
					 archive_error_string(a) ?: "unreadable");
				rc = -1;
			} else {
				gw_bundle_finding(r, where, 0, "archive",
						  "unreadable after entry %zu: %s", n,
						  archive_error_string(a) ?: "?");
			}
			break;
		}
		if (n == 0 && (archive_filter_count(a) != 2 ||
			       archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP)) {
			snprintf(err, err_size, "%s: not a bundle (compressed more than once)",
				 path);
			rc = -1;
			break;
		}
		if (++n > GW_BUNDLE_MAX_ENTRIES) {
			gw_bundle_finding(r, where, 0, "archive",
					  "more than %d entries; stopped reading there",
					  GW_BUNDLE_MAX_ENTRIES);
			break;
		}
		if (take_entry(a, e, p, where, r, &total) != 0)
			break;
	}
	archive_read_free(a);
	close(fd);
	if (rc != 0)
		gw_bundle_parts_free(p);
	return rc;
}

/* ---- the document, from a bundle or a JSON file ---------------------------------------- */

static void first_finding(const struct gw_bundle_report *r, char *out, size_t size)
{
	json_t *f;
	size_t i;
	snprintf(out, size, "%zu finding(s)", r->nfindings);
	json_array_foreach(r->findings, i, f) {
		if (strcmp(json_string_value(json_object_get(f, "check")) ?: "", "secret") == 0)
			continue;
		long long line = json_integer_value(json_object_get(f, "line"));
		char ln[32] = "";
		if (line > 0)
			snprintf(ln, sizeof(ln), ":%lld", line);
		snprintf(out, size, "%zu finding(s), the first: %s%s: %s", r->nfindings,
			 json_string_value(json_object_get(f, "file")) ?: "", ln,
			 json_string_value(json_object_get(f, "message")) ?: "");
		return;
	}
}

static json_t *load_bundle(const char *path, char *err, size_t err_size)
{
	struct gw_bundle_parts p;
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	json_t *doc = NULL;
	if (gw_bundle_read(path, &p, &r, err, err_size) == 0) {
		gw_bundle_check(&p, NULL, &r);
		if (gw_bundle_report_broken(&r) || !r.doc) {
			char first[900];
			first_finding(&r, first, sizeof(first));
			snprintf(err, err_size,
				 "%s does not pass 'assay-gateway evidence lint' (%s)", path,
				 first);
		} else {
			doc = json_incref(r.doc);
		}
		gw_bundle_parts_free(&p);
	}
	gw_bundle_report_free(&r);
	return doc;
}

static json_t *load_json(const char *path, char *err, size_t err_size)
{
	size_t len;
	int rc;
	char msg[600], qa[512];
	char *text = gw_read_file(path, 0, GW_BUNDLE_MAX_EVENTS, &len, &rc, msg, sizeof(msg));
	if (!text) {
		snprintf(err, err_size, "cannot read %s", msg);
		return NULL;
	}
	json_error_t e;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	free(text);
	if (!doc) {
		snprintf(err, err_size, "%s: neither a bundle nor JSON: %d:%d: %s", path, e.line,
			 e.column, gw_log_quote(e.text, strlen(e.text), 120, qa, sizeof(qa)));
		return NULL;
	}
	/* Checked as its bundle would be, so that both inputs mean the same. */
	struct gw_bundle_parts p;
	char why[700];
	if (build_parts(doc, NULL, &p, why, sizeof(why)) != 0) {
		snprintf(err, err_size, "%s: %s", path, why);
		json_decref(doc);
		return NULL;
	}
	gw_bundle_parts_free(&p);
	return doc;
}

json_t *gw_evidence_load(const char *path, char *err, size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, err_size, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	bool gz = has_gzip_magic(fd);
	close(fd);
	return gz ? load_bundle(path, err, err_size) : load_json(path, err, err_size);
}
