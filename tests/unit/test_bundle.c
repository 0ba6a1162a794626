/* tests/unit/test_bundle.c - evidence bundles: writing, reading back, lint
 * (digests, signatures, event schema, secrets, limits) and diff. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "evidence.h"
#include "evidence_cmd.h"

#define GH_TOKEN "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" /* fake, of the documented shape */
#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dir[256];
static char *dir_names[512]; /* every in_dir() result, freed at the end */
static size_t nnames;

static const char *in_dir(const char *name)
{
	char *p;
	assert_true(nnames < 512);
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return dir_names[nnames++] = p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_bundle.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nnames; i++)
		free(dir_names[i]);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- fixtures ------------------------------------------------------------- */

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	return v;
}

/* A document as the profiler would write it, with its run id. */
static json_t *make_doc(void)
{
	json_t *doc = js(
		"{\"schema\":\"assay-evidence/1\",\"generator\":\"assay-gateway 0.1.0\","
		"\"mode\":\"profile\",\"command\":[\"node\",\"server.js\"],"
		"\"executable\":\"/usr/bin/node\",\"started\":\"2025-01-01T00:00:00Z\","
		"\"duration_s\":1.5,\"exit_code\":0,\"server_status\":0,"
		"\"programs\":[{\"path\":\"/usr/bin/node\",\"count\":1}],"
		"\"files\":[{\"path\":\"/etc/hosts\",\"access\":[\"read\"],\"count\":2,\"missing\":false},"
		"{\"path\":\"/tmp/out\",\"access\":[\"create\",\"write\"],\"count\":1,\"missing\":false}],"
		"\"network\":[{\"op\":\"connect\",\"family\":\"inet\",\"address\":\"93.184.216.34\","
		"\"port\":443,\"count\":1}],"
		"\"mcp\":{\"tools_listed\":[\"read_file\",\"write_file\"],\"calls\":["
		"{\"method\":\"tools/call\",\"name\":\"delete\",\"decision\":\"deny\",\"rule\":\"tools.deny[0]\",\"count\":1},"
		"{\"method\":\"tools/call\",\"name\":\"read_file\",\"decision\":\"allow\",\"rule\":\"\",\"count\":3}]},"
		"\"violations\":[{\"kind\":\"file\",\"subject\":\"/etc/shadow\",\"access\":\"read\","
		"\"reason\":\"outside the policy\"}],"
		"\"degradations\":[{\"severity\":\"note\",\"area\":\"landlock\",\"text\":\"ABI 3\"}],"
		"\"counters\":{\"notifications\":10,\"effects\":8,\"unreadable\":0,\"lost\":0}}");
	char id[GW_RUN_ID_SIZE];
	assert_int_equal(gw_evidence_run_id(doc, id), 0);
	json_object_set_new(doc, "run_id", json_string(id));
	return doc;
}
#define DOC_EVENTS 10 /* 1 program, 2 files, 1 endpoint, tools, 2 calls, 1, 1, summary */

static void set_run_id(json_t *doc)
{
	char id[GW_RUN_ID_SIZE];
	json_object_del(doc, "run_id");
	assert_int_equal(gw_evidence_run_id(doc, id), 0);
	json_object_set_new(doc, "run_id", json_string(id));
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- tar files by hand, to tamper with bundles ---------------------------------- */

struct entry {
	char *name;
	char *data;
	size_t len;
	unsigned type; /* AE_IFREG unless said */
	const char *link;
};

static size_t read_tar(const char *path, struct entry *out, size_t max)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	struct archive_entry *e;
	size_t n = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(n < max);
		out[n].name = strdup(archive_entry_pathname(e));
		out[n].len = (size_t)archive_entry_size(e);
		out[n].data = malloc(out[n].len + 1);
		assert_int_equal(archive_read_data(a, out[n].data, out[n].len),
				 (la_ssize_t)out[n].len);
		out[n].data[out[n].len] = '\0';
		out[n].type = AE_IFREG;
		out[n].link = NULL;
		n++;
	}
	archive_read_free(a);
	return n;
}

static void write_tar(const char *path, const struct entry *es, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();
	if (gzip)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, es[i].name);
		archive_entry_set_filetype(e, es[i].type ? es[i].type : AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (es[i].link)
			archive_entry_set_symlink(e, es[i].link);
		archive_entry_set_size(
			e, es[i].type && es[i].type != AE_IFREG ? 0 : (la_int64_t)es[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if ((!es[i].type || es[i].type == AE_IFREG) && es[i].len)
			assert_int_equal(archive_write_data(a, es[i].data, es[i].len),
					 (la_ssize_t)es[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static void free_entries(struct entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(es[i].name);
		free(es[i].data);
	}
}

static struct entry *find_entry(struct entry *es, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(es[i].name, name) == 0)
			return &es[i];
	fail_msg("no entry %s", name);
	return NULL;
}

static void replace(struct entry *e, const char *from, const char *to)
{
	char *at = strstr(e->data, from);
	assert_non_null(at);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
}

/* ---- running the command ----------------------------------------------------------- */

struct run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

/* `assay-gateway evidence ARGS...` (NULL-terminated), output captured. */
static void run(struct run *r, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"evidence";
	for (size_t i = 0; args[i]; i++) {
		assert_true(argc < 15);
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;
	memset(r, 0, sizeof(*r));
	FILE *out = open_memstream(&r->out, &r->out_len);
	FILE *err = open_memstream(&r->err, &r->err_len);
	assert_non_null(out);
	assert_non_null(err);
	r->rc = gw_evidence_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define RUN(r, ...) run((r), (const char *const[]){__VA_ARGS__, NULL})

static bool has_finding(const struct gw_bundle_report *r, const char *check, const char *text)
{
	size_t i;
	json_t *f;
	json_array_foreach(r->findings, i, f) {
		const char *c = json_string_value(json_object_get(f, "check"));
		const char *m = json_string_value(json_object_get(f, "message"));
		if (c && m && (!check || strcmp(c, check) == 0) && strstr(m, text))
			return true;
	}
	return false;
}

static void dump_findings(const struct gw_bundle_report *r)
{
	char *s = json_dumps(r->findings, JSON_INDENT(1));
	print_error("findings: %s\n", s);
	free(s);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void write_key(EVP_PKEY *k, const char *priv, const char *pub, const EVP_CIPHER *enc)
{
	FILE *f;
	if (priv) {
		f = fopen(priv, "w");
		assert_non_null(f);
		assert_int_equal(PEM_write_PrivateKey(f, k, enc,
						      enc ? (unsigned char *)"secret" : NULL,
						      enc ? 6 : 0, NULL, NULL),
				 1);
		fclose(f);
	}
	if (pub) {
		f = fopen(pub, "w");
		assert_non_null(f);
		assert_int_equal(PEM_write_PUBKEY(f, k), 1);
		fclose(f);
	}
}

static void make_ed25519(const char *priv, const char *pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	write_key(k, priv, pub, NULL);
	EVP_PKEY_free(k);
}

/* ---- writing and reading back ------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	(void)state;
	json_t *doc = make_doc();
	char err[1024];
	const char *path = in_dir("run.tar.gz");
	assert_int_equal(gw_bundle_write(path, doc, NULL, err, sizeof(err)), 0);

	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* gzip without a time stamp (RFC 1952: MTIME is bytes 4-7) */
	size_t len;
	unsigned char *raw = (unsigned char *)tu_slurp(path, &len);
	assert_true(len > 10 && raw[0] == 0x1f && raw[1] == 0x8b);
	assert_true(raw[4] == 0 && raw[5] == 0 && raw[6] == 0 && raw[7] == 0);
	free(raw);

	/* The archive: the entries in order (no signature), fixed metadata. */
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	struct archive_entry *e;
	const char *want[] = {GW_BUNDLE_MANIFEST, GW_BUNDLE_EVENTS};
	size_t n = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(n < N(want));
		assert_string_equal(archive_entry_pathname(e), want[n]);
		assert_int_equal(archive_entry_mtime(e), 0);
		assert_int_equal(archive_entry_uid(e), 0);
		assert_int_equal(archive_entry_gid(e), 0);
		assert_int_equal(archive_entry_perm(e), 0644);
		assert_int_equal(archive_entry_filetype(e), AE_IFREG);
		n++;
	}
	assert_int_equal(n, N(want));
	assert_int_equal(archive_filter_code(a, 0), ARCHIVE_FILTER_GZIP);
	archive_read_free(a);

	/* Read back: clean, and the same document. */
	struct gw_bundle_parts p;
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	assert_int_equal(gw_bundle_read(path, &p, &r, err, sizeof(err)), 0);
	assert_non_null(p.manifest);
	assert_non_null(p.events);
	assert_null(p.sig);
	gw_bundle_check(&p, NULL, &r);
	if (r.nfindings)
		dump_findings(&r);
	assert_int_equal(r.nfindings, 0);
	assert_int_equal(r.events, DOC_EVENTS);
	assert_int_equal(r.signature, GW_SIG_NONE);
	assert_string_equal(r.run_id, json_string_value(json_object_get(doc, "run_id")));
	assert_non_null(r.doc);
	if (!json_equal(r.doc, doc)) {
		char *s = json_dumps(r.doc, JSON_SORT_KEYS);
		fail_msg("rebuilt document differs: %s", s);
	}

	/* The manifest: digest and size of the events, no signature. */
	json_t *m = json_loadb(p.manifest, p.manifest_len, 0, NULL);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "schema")), "assay-bundle/1");
	json_t *f = json_array_get(json_object_get(m, "files"), 0);
	char hex[65];
	assert_int_equal(gw_bundle_sha256_hex(p.events, p.events_len, hex), 0);
	assert_string_equal(json_string_value(json_object_get(f, "sha256")), hex);
	assert_int_equal(json_integer_value(json_object_get(f, "size")), p.events_len);
	assert_null(json_object_get(m, "signature"));
	json_decref(m);

	/* The events: structured CloudEvents, ids run_id:seq, no time. */
	char *save = NULL, *copy = strdup(p.events);
	size_t seq = 0;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *ev = js(line);
		char id[64];
		snprintf(id, sizeof(id), "%s:%zu", r.run_id, ++seq);
		assert_string_equal(json_string_value(json_object_get(ev, "id")), id);
		assert_string_equal(json_string_value(json_object_get(ev, "specversion")), "1.0");
		assert_string_equal(json_string_value(json_object_get(ev, "source")),
				    "assay-gateway");
		assert_string_equal(json_string_value(json_object_get(ev, "datacontenttype")),
				    "application/json");
		assert_null(json_object_get(ev, "time"));
		assert_true(json_is_object(json_object_get(ev, "data")));
		if (seq == 1) {
			assert_string_equal(json_string_value(json_object_get(ev, "type")),
					    GW_EV_PROGRAM);
			assert_string_equal(json_string_value(json_object_get(ev, "subject")),
					    "/usr/bin/node");
		}
		if (seq == 4)
			assert_string_equal(json_string_value(json_object_get(ev, "subject")),
					    "connect inet 93.184.216.34:443");
		if (seq == DOC_EVENTS)
			assert_string_equal(json_string_value(json_object_get(ev, "type")),
					    GW_EV_SUMMARY);
		json_decref(ev);
	}
	assert_int_equal(seq, DOC_EVENTS);
	free(copy);

	gw_bundle_parts_free(&p);
	gw_bundle_report_free(&r);

	/* And the command says so. */
	struct run c;
	RUN(&c, "lint", path);
	assert_int_equal(c.rc, 0);
	char last[128];
	snprintf(last, sizeof(last), "ok: %s, %d events\n",
		 json_string_value(json_object_get(doc, "run_id")), DOC_EVENTS);
	assert_string_equal(c.out, last);
	run_free(&c);
	RUN(&c, "lint", "--json", path);
	assert_int_equal(c.rc, 0);
	json_t *rep = js(c.out);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_int_equal(json_integer_value(json_object_get(rep, "events")), DOC_EVENTS);
	assert_int_equal(json_array_size(json_object_get(rep, "findings")), 0);
	json_decref(rep);
	run_free(&c);
	json_decref(doc);
}

static void test_deterministic(void **state)
{
	(void)state;
	json_t *doc = make_doc();
	char err[1024];
	size_t l1, l2;
	assert_int_equal(gw_bundle_write(in_dir("d1.tar.gz"), doc, NULL, err, sizeof(err)), 0);
	assert_int_equal(gw_bundle_write(in_dir("d2.tar.gz"), doc, NULL, err, sizeof(err)), 0);
	char *b1 = tu_slurp(in_dir("d1.tar.gz"), &l1), *b2 = tu_slurp(in_dir("d2.tar.gz"), &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);

	/* Other counts and times: only the summary line changes. */
	char *e1, *e2;
	assert_int_equal(gw_bundle_events(doc, &e1, &l1, err, sizeof(err)), 0);
	json_object_set_new(doc, "duration_s", json_real(9.25));
	json_object_set_new(doc, "started", json_string("2026-06-01T10:00:00Z"));
	json_object_set_new(json_array_get(json_object_get(doc, "files"), 0), "count",
			    json_integer(99));
	json_object_set_new(json_array_get(json_object_get(doc, "programs"), 0), "count",
			    json_integer(7));
	assert_int_equal(gw_bundle_events(doc, &e2, &l2, err, sizeof(err)), 0);
	/* The summary lines (the last) differ ... */
	assert_true(l1 > 1 && l2 > 1);
	const char *s1 = memrchr(e1, '\n', l1 - 1), *s2 = memrchr(e2, '\n', l2 - 1);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(strstr(s1, GW_EV_SUMMARY));
	assert_non_null(strstr(s1, "\"duration_s\":1.5"));
	assert_non_null(strstr(s2, "\"duration_s\":9.25"));
	size_t lines1 = 0;
	for (const char *p = e1; *p; p++)
		lines1 += *p == '\n';
	assert_int_equal(lines1, DOC_EVENTS);
	/* ... and every effect line without a count is the same */
	char *save1 = NULL, *save2 = NULL;
	char *t1 = strtok_r(e1, "\n", &save1), *t2 = strtok_r(e2, "\n", &save2);
	int same = 0;
	while (t1 && t2) {
		if (!strstr(t1, "\"count\"") && !strstr(t1, GW_EV_SUMMARY)) {
			assert_string_equal(t1, t2);
			same++;
		}
		t1 = strtok_r(NULL, "\n", &save1);
		t2 = strtok_r(NULL, "\n", &save2);
	}
	assert_true(same >= 3);
	free(e1);
	free(e2);
	json_decref(doc);
}

static void test_write_refuses(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();

	/* A run id that is not the effects' is a producer bug: refused. */
	json_object_set_new(doc, "run_id", json_string("sandbox_0000000000000000"));
	assert_int_equal(gw_bundle_write(in_dir("bad.tar.gz"), doc, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not the id of its effects"));
	assert_int_equal(access(in_dir("bad.tar.gz"), F_OK), -1);

	/* Without a run id it gets one. */
	json_object_del(doc, "run_id");
	assert_int_equal(gw_bundle_write(in_dir("noid.tar.gz"), doc, NULL, err, sizeof(err)), 0);

	/* Entries the lint would reject are not written. */
	json_object_set_new(json_array_get(json_object_get(doc, "files"), 0), "access",
			    js("[\"chew\"]"));
	set_run_id(doc);
	assert_int_equal(gw_bundle_write(in_dir("bad.tar.gz"), doc, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "data.access[0] 'chew' is not a known value"));
	json_decref(doc);

	doc = js("{\"schema\":\"something-else\"}");
	assert_int_equal(gw_bundle_write(in_dir("bad.tar.gz"), doc, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an evidence document"));
	json_decref(doc);

	/* A directory that does not exist. */
	doc = make_doc();
	assert_int_equal(gw_bundle_write(in_dir("nodir/x.tar.gz"), doc, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "nodir"));
	json_decref(doc);
}

static void test_symlink_destination(void **state)
{
	(void)state;
	char err[1024];
	spit(in_dir("victim"), "keep", 4);
	assert_int_equal(symlink(in_dir("victim"), in_dir("link.tar.gz")), 0);
	json_t *doc = make_doc();
	assert_int_equal(gw_bundle_write(in_dir("link.tar.gz"), doc, NULL, err, sizeof(err)), 0);
	size_t len;
	char *v = tu_slurp(in_dir("victim"), &len);
	assert_string_equal(v, "keep");
	free(v);
	struct stat st;
	assert_int_equal(lstat(in_dir("link.tar.gz"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* no temporary file left behind */
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_null(strstr(de->d_name, ".tar.gz."));
	closedir(d);
	json_decref(doc);
}

/* ---- tampering --------------------------------------------------------------------------- */

static void test_tamper_digest(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	const char *path = in_dir("t.tar.gz");
	assert_int_equal(gw_bundle_write(path, doc, NULL, err, sizeof(err)), 0);
	struct entry es[4];
	size_t n = read_tar(path, es, 4);
	replace(find_entry(es, n, GW_BUNDLE_EVENTS), "/etc/hosts", "/etc/hostz");
	write_tar(path, es, n, true);
	free_entries(es, n);

	struct run c;
	RUN(&c, "lint", path);
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "lint: events.ndjson: digest mismatch: sha256 "));
	/* the changed path changes the effects, so the run id no longer fits */
	assert_non_null(strstr(c.out, "lint: manifest.json: run_id"));
	assert_non_null(strstr(c.out, "\nFAILED: "));
	run_free(&c);

	/* diff refuses a damaged bundle rather than compare it */
	RUN(&c, "diff", path, path);
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "does not pass 'assay-gateway evidence lint'"));
	run_free(&c);
	json_decref(doc);
}

/* Digests do not stop someone who rewrites the manifest too; a signature
 * does. */
static void test_tamper_rewritten_manifest(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	const char *path = in_dir("rw.tar.gz");
	make_ed25519(in_dir("rw.key"), in_dir("rw.pub"));
	assert_int_equal(gw_bundle_write(path, doc, in_dir("rw.key"), err, sizeof(err)), 0);

	struct entry es[4];
	size_t n = read_tar(path, es, 4);
	struct entry *ev = find_entry(es, n, GW_BUNDLE_EVENTS),
		     *m = find_entry(es, n, GW_BUNDLE_MANIFEST);
	/* A count is not part of the run id. */
	replace(ev, "\"count\":2", "\"count\":5");
	char old_hex[65], new_hex[65];
	json_t *mj = json_loadb(m->data, m->len, 0, NULL);
	snprintf(old_hex, sizeof(old_hex), "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(mj, "files"), 0),
						   "sha256")));
	json_decref(mj);
	assert_int_equal(gw_bundle_sha256_hex(ev->data, ev->len, new_hex), 0);
	replace(m, old_hex, new_hex);
	write_tar(path, es, n, true);
	free_entries(es, n);

	struct run c;
	RUN(&c, "lint", path);
	assert_int_equal(c.rc, 0); /* consistent, so the digests cannot tell */
	assert_non_null(strstr(c.out, "note: manifest.sig: signed, not verified"));
	run_free(&c);
	RUN(&c, "lint", "--key", in_dir("rw.pub"), path);
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "lint: manifest.sig: does not verify with the given key"));
	run_free(&c);
	json_decref(doc);
}

/* ---- signatures ---------------------------------------------------------------------------- */

static void test_signed(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	const char *path = in_dir("s.tar.gz");
	make_ed25519(in_dir("s.key"), in_dir("s.pub"));
	make_ed25519(NULL, in_dir("other.pub"));
	assert_int_equal(gw_bundle_write(path, doc, in_dir("s.key"), err, sizeof(err)), 0);

	struct gw_bundle_parts p;
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	assert_int_equal(gw_bundle_read(path, &p, &r, err, sizeof(err)), 0);
	assert_non_null(p.sig);
	assert_int_equal(p.sig_len, 64);
	json_t *m = json_loadb(p.manifest, p.manifest_len, 0, NULL);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(m, "signature"), "alg")),
		"ed25519");
	json_decref(m);
	EVP_PKEY *pub = gw_bundle_load_key(in_dir("s.pub"), false, err, sizeof(err));
	assert_non_null(pub);
	gw_bundle_check(&p, pub, &r);
	assert_int_equal(r.nfindings, 0);
	assert_int_equal(r.signature, GW_SIG_VALID);
	EVP_PKEY_free(pub);
	gw_bundle_parts_free(&p);
	gw_bundle_report_free(&r);

	struct run c;
	RUN(&c, "lint", "--key", in_dir("s.pub"), path);
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, " events, signature verified\n"));
	run_free(&c);
	/* the private key file also verifies (its public half) */
	RUN(&c, "lint", "--key", in_dir("s.key"), path);
	assert_int_equal(c.rc, 0);
	run_free(&c);
	RUN(&c, "lint", path);
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "note: manifest.sig: signed, not verified"));
	run_free(&c);
	RUN(&c, "lint", "--key", in_dir("other.pub"), path);
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "does not verify with the given key"));
	run_free(&c);
	RUN(&c, "lint", "--json", "--key", in_dir("other.pub"), path);
	assert_int_equal(c.rc, 1);
	json_t *rep = js(c.out);
	assert_string_equal(json_string_value(json_object_get(rep, "signature")), "invalid");
	json_decref(rep);
	run_free(&c);

	/* --key and no signature: a failure, not a pass */
	assert_int_equal(gw_bundle_write(in_dir("u.tar.gz"), doc, NULL, err, sizeof(err)), 0);
	RUN(&c, "lint", "--key", in_dir("s.pub"), in_dir("u.tar.gz"));
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "not signed, but --key was given"));
	run_free(&c);

	/* a signature dropped from a signed bundle */
	struct entry es[4];
	size_t n = read_tar(path, es, 4);
	assert_int_equal(n, 3);
	assert_string_equal(es[2].name, GW_BUNDLE_SIG);
	write_tar(in_dir("dropped.tar.gz"), es, 2, true);
	free_entries(es, n);
	RUN(&c, "lint", in_dir("dropped.tar.gz"));
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "missing: the manifest says the bundle is signed"));
	run_free(&c);
	json_decref(doc);
}

static void test_keys_refused(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	write_key(ec, in_dir("ec.key"), in_dir("ec.pub"), NULL);
	EVP_PKEY_free(ec);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	write_key(ed, in_dir("enc.key"), NULL, EVP_aes_256_cbc());
	EVP_PKEY_free(ed);
	spit(in_dir("junk.key"), "not a key\n", 10);

	assert_int_equal(
		gw_bundle_write(in_dir("k.tar.gz"), doc, in_dir("ec.key"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Ed25519 only"));
	assert_int_equal(access(in_dir("k.tar.gz"), F_OK), -1);
	assert_int_equal(
		gw_bundle_write(in_dir("k.tar.gz"), doc, in_dir("enc.key"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "encrypted"));
	assert_int_equal(
		gw_bundle_write(in_dir("k.tar.gz"), doc, in_dir("junk.key"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "holds no PEM private key"));
	assert_int_equal(
		gw_bundle_write(in_dir("k.tar.gz"), doc, in_dir("none.key"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read the key"));
	assert_null(gw_bundle_load_key(in_dir("ec.pub"), false, err, sizeof(err)));
	assert_non_null(strstr(err, "Ed25519 only"));

	assert_int_equal(gw_bundle_write(in_dir("k.tar.gz"), doc, NULL, err, sizeof(err)), 0);
	struct run c;
	RUN(&c, "lint", "--key", in_dir("ec.pub"), in_dir("k.tar.gz"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "Ed25519 only"));
	run_free(&c);
	json_decref(doc);
}

/* ---- secrets ------------------------------------------------------------------------------- */

static void test_secret_flagged(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	json_t *f = json_array_get(json_object_get(doc, "files"), 0);
	json_object_set_new(f, "path", json_string("/home/u/.cache/" GH_TOKEN "/x"));
	set_run_id(doc);
	const char *path = in_dir("sec.tar.gz");
	assert_int_equal(gw_bundle_write(path, doc, NULL, err, sizeof(err)), 0);
	struct run c;
	RUN(&c, "lint", path);
	assert_int_equal(c.rc, 1);
	/* the event's subject and its data.path, on line 2 */
	assert_non_null(strstr(c.out, "lint: events.ndjson:2: the value of subject looks like a "
				      "credential (github_token; value not shown)"));
	assert_non_null(strstr(c.out, "lint: events.ndjson:2: the value of data.path looks like"));
	assert_null(strstr(c.out, GH_TOKEN));
	run_free(&c);
	RUN(&c, "lint", "--json", path);
	assert_null(strstr(c.out, GH_TOKEN));
	json_t *rep = js(c.out);
	json_t *first = json_array_get(json_object_get(rep, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "check")), "secret");
	assert_int_equal(json_integer_value(json_object_get(first, "line")), 2);
	json_decref(rep);
	run_free(&c);
	/* diff still reads it: a secret is a finding about content, not damage */
	RUN(&c, "diff", path, path);
	assert_int_equal(c.rc, 0);
	run_free(&c);
	json_decref(doc);
}

/* ---- malformed input, in memory -------------------------------------------------------- */

#define EMPTY_ID "sandbox_e3b0c44298fc1c14" /* the id of no effects: SHA-256 of "" */
#define ATTRS(id, type)                                                            \
	"\"specversion\":\"1.0\",\"id\":\"" id "\",\"source\":\"assay-gateway\","    \
	"\"type\":\"" type "\""
#define SUMMARY(id)                                                                \
	"{" ATTRS(id, "dev.assay.summary") ",\"data\":{\"schema\":\"assay-evidence/1\"," \
	"\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\"}}\n"

/* Parts whose manifest vouches for |events|, so only the events are at fault. */
static void parts_for(struct gw_bundle_parts *p, const char *events, size_t len)
{
	memset(p, 0, sizeof(*p));
	char hex[65];
	assert_int_equal(gw_bundle_sha256_hex(events, len, hex), 0);
	json_t *m = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:I}]}", "schema", "assay-bundle/1",
			      "run_id", EMPTY_ID, "generator", "t", "files", "name",
			      "events.ndjson", "sha256", hex, "size", (json_int_t)len);
	p->manifest = json_dumps(m, 0);
	p->manifest_len = strlen(p->manifest);
	json_decref(m);
	p->events = malloc(len + 1);
	memcpy(p->events, events, len);
	p->events[len] = '\0';
	p->events_len = len;
}

static void test_malformed_events(void **state)
{
	(void)state;
	static const struct {
		const char *events, *check, *finding;
		size_t line;
	} cases[] = {
		{SUMMARY("x:1"), NULL, NULL, 0}, /* the baseline is clean */
		{"{not json\n" SUMMARY("x:1"), "event", "not JSON", 1},
		{"[1,2]\n" SUMMARY("x:1"), "event", "not a JSON object", 1},
		{"{\"id\":\"x:1\",\"source\":\"s\",\"type\":\"dev.assay.program\",\"data\":{\"path\":\"/p\"},"
		 "\"subject\":\"/p\"}\n" SUMMARY("x:2"),
		 "event", "specversion is '', not \"1.0\"", 1},
		{"{\"specversion\":\"0.3\",\"id\":\"x:1\",\"source\":\"s\",\"type\":\"dev.assay.summary\","
		 "\"data\":{\"schema\":\"assay-evidence/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\"}}\n",
		 "event", "specversion is '0.3'", 1},
		{"{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"dev.assay.summary\","
		 "\"data\":{\"schema\":\"assay-evidence/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\"}}\n",
		 "event", "id is missing", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\"}}\n"
		 "{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/q\",\"data\":{\"path\":\"/q\"}}\n"
		 SUMMARY("x:3"),
		 "event", "id 'x:1' is not unique (first on line 1)", 2},
		{"{" ATTRS("x:1", "dev.assay.teleport") ",\"data\":{}}\n" SUMMARY("x:2"), "event",
		 "unknown type 'dev.assay.teleport'", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":\"/p\"}\n" SUMMARY("x:2"),
		 "event", "data is missing or not a JSON object", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"count\":1}}\n" SUMMARY("x:2"),
		 "event", "dev.assay.program: data.path is missing", 1},
		{"{" ATTRS("x:1", "dev.assay.file") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\",\"access\":[\"read\",7]}}\n"
		 SUMMARY("x:2"),
		 "event", "data.access[1] is not a string", 1},
		{"{" ATTRS("x:1", "dev.assay.network") ",\"subject\":\"connect inet 1.2.3.4:80\",\"data\":{\"op\":"
		 "\"connect\",\"family\":\"inet\",\"address\":\"1.2.3.4\",\"port\":70000}}\n" SUMMARY("x:2"),
		 "event", "data.port 70000 is out of range", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/elsewhere\",\"data\":{\"path\":\"/p\"}}\n"
		 SUMMARY("x:2"),
		 "event", "subject '/elsewhere' does not match the data ('/p')", 1},
		{"{" ATTRS("x:1", "dev.assay.mcp.call") ",\"subject\":\"t\",\"data\":{\"method\":\"tools/call\","
		 "\"name\":\"t\",\"decision\":\"maybe\"}}\n" SUMMARY("x:2"),
		 "event", "data.decision 'maybe' is not a known value", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\"},\"extra\":1}\n"
		 SUMMARY("x:2"),
		 "event", "attribute 'extra' is not one an assay bundle has", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"datacontenttype\":\"text/plain\",\"subject\":\"/p\","
		 "\"data\":{\"path\":\"/p\"}}\n" SUMMARY("x:2"),
		 "event", "datacontenttype is 'text/plain'", 1},
		{SUMMARY("x:1") "{" ATTRS("x:2", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\"}}\n",
		 "event", "an event after the summary (line 1)", 2},
		{SUMMARY("x:1") SUMMARY("x:2"), "event", "a second summary", 2},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\"}}\n", "event",
		 "no dev.assay.summary event", 0},
		{"", "event", "no events", 0},
		{"\n" SUMMARY("x:1"), "event", "an empty line", 1},
		{"{" ATTRS("x:1", "dev.assay.summary") ",\"data\":{\"schema\":\"assay-evidence/1\",\"run_id\":\"" EMPTY_ID
		 "\",\"generator\":\"t\"}}",
		 "event", "no newline at the end", 1},
		{"{" ATTRS("x:1", "dev.assay.summary") ",\"data\":{\"schema\":\"assay-evidence/1\",\"run_id\":"
		 "\"sandbox_1111111111111111\",\"generator\":\"t\"}}\n",
		 "run_id", "the summary's run_id 'sandbox_1111111111111111' is not the manifest's", 1},
		{"{" ATTRS("x:1", "dev.assay.program") ",\"subject\":\"/p\",\"data\":{\"path\":\"/p\"}}\n" SUMMARY("x:2"),
		 "run_id", "is not the id of the events", 0},
		{"{" ATTRS("x:1", "dev.assay.summary") ",\"data\":{\"schema\":\"assay-evidence/1\",\"run_id\":\"" EMPTY_ID
		 "\",\"generator\":\"t\",\"files\":[]}}\n",
		 "event", "data.files belongs in its own events", 1},
		{"{\"a\":1,\"a\":2}\n" SUMMARY("x:1"), "event", "duplicate object key", 1},
		{"{" ATTRS("x:1", "dev.assay.degradation") ",\"data\":{\"severity\":\"note\",\"text\":\"" "AKIAIOSFODNN7EXAMPLE"
		 "\"}}\n" SUMMARY("x:2"),
		 "secret", "the value of data.text looks like a credential (aws_access_key_id", 1},
	};
	int bad = 0;
	for (size_t i = 0; i < N(cases); i++) {
		struct gw_bundle_parts p;
		parts_for(&p, cases[i].events, strlen(cases[i].events));
		struct gw_bundle_report r;
		gw_bundle_report_init(&r);
		gw_bundle_check(&p, NULL, &r);
		if (!cases[i].finding) {
			CHECK(bad, r.nfindings == 0, "case %zu: expected clean", i);
		} else {
			CHECK(bad, has_finding(&r, cases[i].check, cases[i].finding),
			      "case %zu: no %s finding '%s'", i, cases[i].check, cases[i].finding);
			bool line_ok = false;
			size_t k;
			json_t *f;
			json_array_foreach(r.findings, k, f)
				if (strstr(json_string_value(json_object_get(f, "message")),
					   cases[i].finding) &&
				    (size_t)json_integer_value(json_object_get(f, "line")) ==
					    cases[i].line)
					line_ok = true;
			CHECK(bad, line_ok, "case %zu: finding not on line %zu", i, cases[i].line);
		}
		if (bad)
			dump_findings(&r);
		gw_bundle_report_free(&r);
		gw_bundle_parts_free(&p);
	}
	assert_int_equal(bad, 0);
}

static void test_oversized_line(void **state)
{
	(void)state;
	struct tu_buf b = {0};
	tu_buf_addf(
		&b,
		"{" ATTRS("x:1",
			  "dev.assay.degradation") ",\"data\":{\"severity\":\"note\",\"text\":\"");
	char chunk[4096];
	memset(chunk, 'a', sizeof(chunk));
	while (b.len <= GW_BUNDLE_MAX_LINE)
		tu_buf_add(&b, chunk, sizeof(chunk));
	tu_buf_addf(&b, "\"}}\n");
	tu_buf_add(&b, SUMMARY("x:2"), strlen(SUMMARY("x:2")));
	struct gw_bundle_parts p;
	parts_for(&p, b.p, b.len);
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	gw_bundle_check(&p, NULL, &r);
	assert_true(has_finding(&r, "event", "more than the limit of 1048576 for one event"));
	assert_int_equal(r.nfindings, 1);
	assert_int_equal(r.events, 1); /* the summary was still read */
	gw_bundle_report_free(&r);
	gw_bundle_parts_free(&p);
	tu_buf_free(&b);

	/* Many bad lines: the report keeps a bounded number, the count goes on. */
	struct tu_buf many = {0};
	for (int i = 0; i < GW_BUNDLE_MAX_FINDINGS + 50; i++)
		tu_buf_addf(&many, "{bad\n");
	parts_for(&p, many.p, many.len);
	gw_bundle_report_init(&r);
	gw_bundle_check(&p, NULL, &r);
	assert_int_equal(json_array_size(r.findings), GW_BUNDLE_MAX_FINDINGS);
	assert_true(r.nfindings > GW_BUNDLE_MAX_FINDINGS + 50);
	gw_bundle_report_free(&r);
	gw_bundle_parts_free(&p);
	tu_buf_free(&many);
}

static void test_malformed_manifest(void **state)
{
	(void)state;
	static const struct {
		const char *manifest, *finding;
	} cases[] = {
		{"{\"schema\":", "not JSON"},
		{"[]", "not a JSON object"},
		{"{\"schema\":\"assay-bundle/2\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":[]}",
		 "schema is 'assay-bundle/2'"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"run-1\",\"generator\":\"t\",\"files\":[]}",
		 "run_id 'run-1' is not \"sandbox_\" and 16 hex digits"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\"}",
		 "files is not an array"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":[]}",
		 "events.ndjson is not listed in files"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":"
		 "[{\"name\":\"../etc/passwd\",\"sha256\":\"00\",\"size\":1}]}",
		 "files[0] lists '../etc/passwd', not a file a bundle holds"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":"
		 "[{\"name\":\"events.ndjson\",\"sha256\":\"XYZ\",\"size\":1}]}",
		 "not 64 lowercase hex digits"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":[],"
		 "\"trust_me\":true}",
		 "unknown member 'trust_me'"},
		{"{\"schema\":\"assay-bundle/1\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":[],"
		 "\"signature\":{\"alg\":\"none\",\"file\":\"manifest.sig\"}}",
		 "signature must be"},
		{"{\"schema\":\"\\u001b[31mred\",\"run_id\":\"" EMPTY_ID "\",\"generator\":\"t\",\"files\":[]}",
		 "schema is '\\x1b[31mred'"},
	};
	int bad = 0;
	for (size_t i = 0; i < N(cases); i++) {
		struct gw_bundle_parts p;
		parts_for(&p, SUMMARY("x:1"), strlen(SUMMARY("x:1")));
		free(p.manifest);
		p.manifest = strdup(cases[i].manifest);
		p.manifest_len = strlen(p.manifest);
		struct gw_bundle_report r;
		gw_bundle_report_init(&r);
		gw_bundle_check(&p, NULL, &r);
		CHECK(bad, has_finding(&r, NULL, cases[i].finding), "case %zu: no finding '%s'", i,
		      cases[i].finding);
		/* the events are still checked and rebuilt */
		CHECK(bad, r.events == 1 && r.doc, "case %zu: events not read", i);
		if (bad)
			dump_findings(&r);
		gw_bundle_report_free(&r);
		gw_bundle_parts_free(&p);
	}
	assert_int_equal(bad, 0);

	/* Nothing at all. */
	struct gw_bundle_parts none = {0};
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	gw_bundle_check(&none, NULL, &r);
	assert_true(has_finding(&r, "manifest", "missing: the bundle has no manifest"));
	assert_true(has_finding(&r, "event", "missing: the bundle has no events"));
	assert_null(r.doc);
	gw_bundle_report_free(&r);

	/* A digest that does not fit. */
	parts_for(&none, SUMMARY("x:1"), strlen(SUMMARY("x:1")));
	none.events[5] ^= 1;
	gw_bundle_report_init(&r);
	gw_bundle_check(&none, NULL, &r);
	assert_true(has_finding(&r, "digest", "digest mismatch: sha256 "));
	gw_bundle_report_free(&r);
	gw_bundle_parts_free(&none);
}

/* ---- archives that are not what a bundle should be ------------------------------------------- */

static void test_archive_limits(void **state)
{
	(void)state;
	char err[1024];
	json_t *doc = make_doc();
	const char *good = in_dir("good.tar.gz");
	assert_int_equal(gw_bundle_write(good, doc, NULL, err, sizeof(err)), 0);
	struct entry es[4];
	size_t n = read_tar(good, es, 4);
	assert_int_equal(n, 2);

	struct entry with[20];
	static const struct {
		const char *extra, *finding;
		unsigned type;
	} cases[] = {
		{"notes.txt", "unknown entry 'notes.txt'", 0},
		{"../manifest.json", "entry '../manifest.json' is a path, not a plain name", 0},
		{"/etc/cron.d/x", "is a path, not a plain name", 0},
		{"manifest.json", "entry 'manifest.json' appears twice", 0},
		{"manifest.sig", "entry 'manifest.sig' is not a regular file", AE_IFLNK},
	};
	int bad = 0;
	for (size_t i = 0; i < N(cases); i++) {
		memcpy(with, es, 2 * sizeof(*es));
		with[2] = (struct entry){(char *)cases[i].extra, (char *)"xx", 2, cases[i].type,
					 cases[i].type == AE_IFLNK ? "/etc/passwd" : NULL};
		write_tar(in_dir("extra.tar.gz"), with, 3, true);
		struct run c;
		RUN(&c, "lint", in_dir("extra.tar.gz"));
		CHECK(bad, c.rc == 1 && strstr(c.out, cases[i].finding), "case %zu: rc %d, %s", i,
		      c.rc, c.out);
		run_free(&c);
	}
	assert_int_equal(bad, 0);

	/* 17 entries */
	memcpy(with, es, 2 * sizeof(*es));
	char names[15][16];
	for (int i = 0; i < 15; i++) {
		snprintf(names[i], sizeof(names[i]), "x%d", i);
		with[2 + i] = (struct entry){names[i], (char *)"", 0, 0, NULL};
	}
	write_tar(in_dir("many.tar.gz"), with, 17, true);
	struct run c;
	RUN(&c, "lint", in_dir("many.tar.gz"));
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "more than 16 entries; stopped reading there"));
	run_free(&c);

	/* a manifest over 1 MiB */
	memcpy(with, es, 2 * sizeof(*es));
	size_t big = GW_BUNDLE_MAX_MANIFEST + 1;
	char *spaces = malloc(big);
	memset(spaces, ' ', big);
	with[0].data = spaces;
	with[0].len = big;
	write_tar(in_dir("big.tar.gz"), with, 2, true);
	free(spaces);
	RUN(&c, "lint", in_dir("big.tar.gz"));
	assert_int_equal(c.rc, 1);
	assert_non_null(
		strstr(c.out, "entry 'manifest.json' is 1048577 bytes, more than the limit"));
	assert_non_null(strstr(c.out, "missing: the bundle has no manifest"));
	run_free(&c);

	/* an uncompressed tar is not a bundle */
	write_tar(in_dir("plain.tar"), es, 2, false);
	RUN(&c, "lint", in_dir("plain.tar"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "not a bundle"));
	run_free(&c);

	/* a truncated bundle: findings or unreadable, never a crash */
	size_t len;
	char *bytes = tu_slurp(good, &len);
	for (size_t cut = 1; cut < len; cut += len / 7 + 1) {
		spit(in_dir("cut.tar.gz"), bytes, cut);
		RUN(&c, "lint", in_dir("cut.tar.gz"));
		assert_true(c.rc == 1 || c.rc == 2);
		run_free(&c);
	}
	/* gzip of something that is not a tar */
	spit(in_dir("junk.gz"),
	     "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00",
	     20);
	RUN(&c, "lint", in_dir("junk.gz"));
	assert_true(c.rc == 1 || c.rc == 2);
	run_free(&c);
	free(bytes);

	RUN(&c, "lint", in_dir("does-not-exist.tar.gz"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "No such file"));
	run_free(&c);
	RUN(&c, "lint", dir);
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "not a regular file"));
	run_free(&c);
	free_entries(es, n);
	json_decref(doc);
}

/* ---- diff ---------------------------------------------------------------------------------------
 */

static bool array_is(const json_t *arr, const char *const *want, size_t n)
{
	if (json_array_size(arr) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_string_value(json_array_get(arr, i)) ?: "", want[i]) != 0)
			return false;
	return true;
}

/* B: the same run plus a write and a read of ~/.ssh/config, an SSH
 * connection, an allowed write_file call, a violation, a read of /sys
 * (timing noise, in no class); minus the HTTPS connection. */
static json_t *make_doc_b(void)
{
	json_t *b = make_doc();
	json_array_append_new(
		json_object_get(b, "files"),
		js("{\"path\":\"/home/u/.ssh/config\",\"access\":[\"read\",\"write\"],"
		   "\"count\":1,\"missing\":false}"));
	json_array_append_new(
		json_object_get(b, "files"),
		js("{\"path\":\"/sys/devices/system/cpu/online\",\"access\":[\"read\"],"
		   "\"count\":1,\"missing\":false}"));
	json_t *net = json_object_get(b, "network");
	json_array_clear(net);
	json_array_append_new(net,
			      js("{\"op\":\"connect\",\"family\":\"inet\",\"address\":\"10.0.0.1\","
				 "\"port\":22,\"count\":1}"));
	json_array_append_new(
		json_object_get(json_object_get(b, "mcp"), "calls"),
		js("{\"method\":\"tools/call\",\"name\":\"write_file\",\"decision\":\"allow\","
		   "\"rule\":\"\",\"count\":1}"));
	json_array_append_new(
		json_object_get(b, "violations"),
		js("{\"kind\":\"network\",\"subject\":\"10.0.0.1:22\",\"access\":\"connect\","
		   "\"reason\":\"no rule\"}"));
	set_run_id(b);
	return b;
}

static void test_diff_classes(void **state)
{
	(void)state;
	json_t *a = make_doc(), *b = make_doc_b();
	json_t *d = gw_evidence_diff(a, b);
	assert_non_null(d);
	static const struct {
		const char *cls;
		const char *added[3], *removed[3];
		size_t na, nr;
	} want[] = {
		{"programs", {NULL}, {NULL}, 0, 0},
		{"writes", {"write /home/u/.ssh/config"}, {NULL}, 1, 0},
		{"reads", {"/home/u/.ssh/config"}, {NULL}, 1, 0},
		{"endpoints",
		 {"connect inet 10.0.0.1:22"},
		 {"connect inet 93.184.216.34:443"},
		 1,
		 1},
		{"tools", {"tools/call write_file"}, {NULL}, 1, 0},
		{"denials", {"violation network connect 10.0.0.1:22"}, {NULL}, 1, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < N(want); i++) {
		json_t *c = json_object_get(d, want[i].cls);
		CHECK(bad, array_is(json_object_get(c, "added"), want[i].added, want[i].na),
		      "%s: added", want[i].cls);
		CHECK(bad, array_is(json_object_get(c, "removed"), want[i].removed, want[i].nr),
		      "%s: removed", want[i].cls);
	}
	assert_int_equal(json_object_size(d), N(want));
	if (bad) {
		char *s = json_dumps(d, JSON_INDENT(1));
		print_error("%s\n", s);
		free(s);
	}
	assert_int_equal(bad, 0);
	json_decref(d);

	/* the other way round: the same items, added and removed swapped */
	d = gw_evidence_diff(b, a);
	assert_true(array_is(json_object_get(json_object_get(d, "writes"), "removed"),
			     (const char *const[]){"write /home/u/.ssh/config"}, 1));
	assert_int_equal(json_array_size(json_object_get(json_object_get(d, "writes"), "added")),
			 0);
	json_decref(d);

	/* deny and would_deny calls are denials; an empty access is left out */
	json_t *c = js(
		"{\"schema\":\"assay-evidence/1\",\"mcp\":{\"calls\":["
		"{\"method\":\"tools/call\",\"name\":\"rm\",\"decision\":\"would_deny\"}]},"
		"\"violations\":[{\"kind\":\"program\",\"subject\":\"/bin/sh\",\"access\":\"\"}]}");
	json_t *empty = js("{\"schema\":\"assay-evidence/1\"}");
	d = gw_evidence_diff(empty, c);
	assert_true(array_is(
		json_object_get(json_object_get(d, "denials"), "added"),
		(const char *const[]){"violation program /bin/sh", "would_deny tools/call rm"}, 2));
	json_decref(d);
	json_decref(c);
	json_decref(empty);
	json_decref(a);
	json_decref(b);
}

static void test_diff_command(void **state)
{
	(void)state;
	char err[1024];
	json_t *a = make_doc(), *b = make_doc_b();
	const char *pa = in_dir("a.tar.gz"), *pb = in_dir("b.json");
	assert_int_equal(gw_bundle_write(pa, a, NULL, err, sizeof(err)), 0);
	assert_int_equal(json_dump_file(b, pb, JSON_INDENT(2)), 0);

	struct run c;
	RUN(&c, "diff", pa, pb);
	assert_int_equal(c.rc, 0);
	char first[128];
	snprintf(first, sizeof(first), "run ids differ: %s -> %s\n",
		 json_string_value(json_object_get(a, "run_id")),
		 json_string_value(json_object_get(b, "run_id")));
	assert_memory_equal(c.out, first, strlen(first));
	assert_non_null(
		strstr(c.out, "\nwrites (1 new, 0 removed):\n+ write write /home/u/.ssh/config\n"));
	assert_non_null(strstr(
		c.out, "\nendpoints (1 new, 1 removed):\n+ endpoint connect inet 10.0.0.1:22\n"
		       "- endpoint connect inet 93.184.216.34:443 (removed)\n"));
	assert_null(strstr(c.out, "programs"));
	assert_null(strstr(c.out, "FAILED"));
	run_free(&c);

	static const struct {
		const char *fail_on;
		int rc;
	} cases[] = {
		{"writes", 1},	  {"programs", 0},	 {"any", 1},
		{"endpoints", 1}, {"programs,tools", 1}, {"programs, reads", 1},
		{"denials", 1},	  {"bogus", 2},		 {"", 2},
		{",", 2},
	};
	int bad = 0;
	for (size_t i = 0; i < N(cases); i++) {
		RUN(&c, "diff", "--fail-on", cases[i].fail_on, pa, pb);
		CHECK(bad, c.rc == cases[i].rc, "--fail-on '%s': %d, not %d", cases[i].fail_on,
		      c.rc, cases[i].rc);
		if (cases[i].rc == 1)
			CHECK(bad, strstr(c.out, "FAILED: new items in"), "--fail-on %s",
			      cases[i].fail_on);
		run_free(&c);
	}
	assert_int_equal(bad, 0);
	RUN(&c, "diff", "--fail-on", "bogus", pa, pb);
	assert_non_null(strstr(c.err, "unknown class 'bogus'"));
	run_free(&c);

	/* B to A: the write was removed, only the old endpoint is new */
	RUN(&c, "diff", "--fail-on", "programs,writes,reads,tools,denials", pb, pa);
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "- write write /home/u/.ssh/config (removed)\n"));
	assert_non_null(strstr(c.out, "+ endpoint connect inet 93.184.216.34:443\n"));
	run_free(&c);
	RUN(&c, "diff", "--fail-on", "endpoints", pb, pa);
	assert_int_equal(c.rc, 1);
	assert_non_null(strstr(c.out, "\nFAILED: new items in endpoints (--fail-on)\n"));
	run_free(&c);

	/* the same run: no differences, even with --fail-on any */
	RUN(&c, "diff", "--fail-on", "any", pa, pa);
	assert_int_equal(c.rc, 0);
	snprintf(first, sizeof(first), "same run id: %s\nno differences\n",
		 json_string_value(json_object_get(a, "run_id")));
	assert_string_equal(c.out, first);
	run_free(&c);

	RUN(&c, "diff", "--json", "--fail-on", "writes", pa, pb);
	assert_int_equal(c.rc, 1);
	json_t *rep = js(c.out);
	assert_false(json_is_true(json_object_get(rep, "same_run_id")));
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_true(array_is(json_object_get(rep, "failed"), (const char *const[]){"writes"}, 1));
	assert_true(array_is(
		json_object_get(json_object_get(json_object_get(rep, "classes"), "reads"), "added"),
		(const char *const[]){"/home/u/.ssh/config"}, 1));
	json_decref(rep);
	run_free(&c);

	/* usage and unreadable files */
	RUN(&c, "diff", pa);
	assert_int_equal(c.rc, 2);
	run_free(&c);
	RUN(&c, "diff", pa, in_dir("missing.json"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "missing.json"));
	run_free(&c);
	spit(in_dir("notjson"), "hello", 5);
	RUN(&c, "diff", pa, in_dir("notjson"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "neither a bundle nor JSON"));
	run_free(&c);
	static const char wrong[] =
		"{\"schema\":\"assay-evidence/1\",\"files\":[{\"access\":[\"read\"]}]}";
	spit(in_dir("wrong.json"), wrong, strlen(wrong));
	RUN(&c, "diff", pa, in_dir("wrong.json"));
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "data.path is missing"));
	run_free(&c);
	RUN(&c, "diff", "--frobnicate", pa, pb);
	assert_int_equal(c.rc, 2);
	run_free(&c);
	RUN(&c, "diff", pa, pb, "--fail-on");
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "--fail-on needs a value"));
	run_free(&c);
	RUN(&c, "lint", pa, "--key");
	assert_int_equal(c.rc, 2);
	assert_non_null(strstr(c.err, "--key needs a value"));
	run_free(&c);
	RUN(&c, "lint", pa, pa);
	assert_int_equal(c.rc, 2);
	run_free(&c);
	RUN(&c, "lint");
	assert_int_equal(c.rc, 2);
	run_free(&c);
	RUN(&c, "bogus");
	assert_int_equal(c.rc, 2);
	run_free(&c);
	RUN(&c, "--help");
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "digests catch corruption, not tampering"));
	run_free(&c);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_write_refuses),
		cmocka_unit_test(test_symlink_destination),
		cmocka_unit_test(test_tamper_digest),
		cmocka_unit_test(test_tamper_rewritten_manifest),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_keys_refused),
		cmocka_unit_test(test_secret_flagged),
		cmocka_unit_test(test_malformed_events),
		cmocka_unit_test(test_oversized_line),
		cmocka_unit_test(test_malformed_manifest),
		cmocka_unit_test(test_archive_limits),
		cmocka_unit_test(test_diff_classes),
		cmocka_unit_test(test_diff_command),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
