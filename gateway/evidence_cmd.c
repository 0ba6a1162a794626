/* gateway/evidence_cmd.c - `assay-gateway evidence lint|diff`. */
#include "evidence_cmd.h"
#include "evidence.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "log.h"

/* ---- diff ----------------------------------------------------------------------- */

enum { C_PROGRAMS, C_WRITES, C_READS, C_ENDPOINTS, C_TOOLS, C_DENIALS, C_COUNT };

static const char *const class_names[C_COUNT] = {"programs",  "writes", "reads",
						 "endpoints", "tools",	"denials"};
/* The word in front of each item in the human output, so that a line
 * stands on its own under grep. */
static const char *const item_words[C_COUNT] = {"program",  "write", "read",
						"endpoint", "tool",  "denial"};

static void add_item(json_t *set, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Items are keys of a JSON object used as a set; the strings come from a
 * parsed document, so they are valid UTF-8 without NUL. */
static void add_item(json_t *set, const char *fmt, ...)
{
	char *item = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&item, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		json_object_set_new(set, item, json_true());
		free(item);
	}
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static bool changes_files(const char *access)
{
	static const char *const writes[] = {"write",  "create", "truncate", "mkdir", "remove",
					     "rename", "link",	 "symlink",  NULL};
	for (size_t i = 0; writes[i]; i++)
		if (strcmp(access, writes[i]) == 0)
			return true;
	return false;
}

/* The diff leaves out what the run id leaves out (gw_evidence_kernel_read),
 * so that the same run id means no differences and --fail-on reads is not
 * flaky. */
static void collect(const json_t *doc, json_t *sets[C_COUNT])
{
	size_t i, j;
	json_t *e, *a;
	char endpoint[1024];
	json_array_foreach(json_object_get(doc, "programs"), i, e)
		add_item(sets[C_PROGRAMS], "%s", str(e, "path"));
	json_array_foreach(json_object_get(doc, "files"), i, e) {
		json_array_foreach(json_object_get(e, "access"), j, a) {
			const char *access = json_string_value(a) ?: "";
			if (changes_files(access))
				add_item(sets[C_WRITES], "%s %s", access, str(e, "path"));
			else if (strcmp(access, "read") != 0)
				add_item(sets[C_READS], "%s %s", access, str(e, "path"));
			else if (!gw_evidence_kernel_read(str(e, "path")))
				add_item(sets[C_READS], "%s", str(e, "path"));
		}
	}
	json_array_foreach(json_object_get(doc, "network"), i, e)
		add_item(sets[C_ENDPOINTS], "%s",
			 gw_evidence_endpoint(e, endpoint, sizeof(endpoint)));
	json_array_foreach(json_object_get(json_object_get(doc, "mcp"), "calls"), i, e) {
		if (strcmp(str(e, "decision"), "allow") == 0)
			add_item(sets[C_TOOLS], "%s %s", str(e, "method"), str(e, "name"));
		else
			add_item(sets[C_DENIALS], "%s %s %s", str(e, "decision"), str(e, "method"),
				 str(e, "name"));
	}
	json_array_foreach(json_object_get(doc, "violations"), i, e) {
		const char *access = str(e, "access");
		add_item(sets[C_DENIALS], "violation %s %s%s%s", str(e, "kind"), access,
			 *access ? " " : "", str(e, "subject"));
	}
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of |set| that are not in |other|, sorted. */
static json_t *missing_from(const json_t *set, const json_t *other)
{
	size_t n = json_object_size(set), k = 0;
	const char **keys = malloc((n ? n : 1) * sizeof(*keys));
	json_t *out = json_array();
	if (!keys || !out) {
		free(keys);
		json_decref(out);
		return NULL;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)set, key, v)
		if (!json_object_get(other, key))
			keys[k++] = key;
	qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(out, json_string(keys[i]));
	free(keys);
	return out;
}

json_t *gw_evidence_diff(const json_t *a, const json_t *b)
{
	json_t *sa[C_COUNT], *sb[C_COUNT];
	for (int c = 0; c < C_COUNT; c++) {
		sa[c] = json_object();
		sb[c] = json_object();
	}
	collect(a, sa);
	collect(b, sb);
	json_t *out = json_object();
	for (int c = 0; out && c < C_COUNT; c++) {
		json_t *added = missing_from(sb[c], sa[c]), *removed = missing_from(sa[c], sb[c]);
		if (!added || !removed) {
			json_decref(added);
			json_decref(removed);
			json_decref(out);
			out = NULL;
			break;
		}
		json_object_set_new(out, class_names[c],
				    json_pack("{s:o,s:o}", "added", added, "removed", removed));
	}
	for (int c = 0; c < C_COUNT; c++) {
		json_decref(sa[c]);
		json_decref(sb[c]);
	}
	return out;
}

/* ---- output helpers ------------------------------------------------------------- */

/* Text from a bundle, for a terminal: escapes instead of control bytes. */
static void put_quoted(FILE *out, const char *s)
{
	size_t len = strlen(s);
	char *buf = malloc(4 * len + 8);
	if (!buf)
		return;
	fputs(gw_log_quote(s, len, len, buf, 4 * len + 8), out);
	free(buf);
}

static int finish(FILE *out, FILE *err, int code)
{
	if (fflush(out) != 0 || ferror(out)) {
		fputs("assay-gateway: error: cannot write the output\n", err);
		return 2;
	}
	return code;
}

static void put_json(FILE *out, json_t *v)
{
	if (v)
		json_dumpf(v, out, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', out);
}

/* ---- usage ------------------------------------------------------------------------- */

static const char usage_text[] =
	"Usage: assay-gateway evidence lint [--key PUBKEY.pem] [--json] BUNDLE\n"
	"       assay-gateway evidence diff [--fail-on CLASSES] [--json] A B\n"
	"\n"
	"lint  Check BUNDLE: the size and SHA-256 of each file the manifest lists, the\n"
	"      form of every event, the run id against the events, and values that look\n"
	"      like credentials.  The digests catch corruption, not tampering: whoever\n"
	"      can change the events can rewrite the manifest too.  Only a signature,\n"
	"      checked with --key against the public key of the signer, shows that the\n"
	"      bundle is the one that was signed; with --key an unsigned bundle fails.\n"
	"      One line per finding, then \"ok: RUN_ID, N events\" or \"FAILED: N\n"
	"      finding(s)\".  Exit 0 clean, 1 findings, 2 usage error or unreadable file.\n"
	"diff  What B has that A has not (+) and what A had that B lost (-), by class:\n"
	"      programs, writes, reads, endpoints, tools, denials.  A and B are bundles\n"
	"      or JSON evidence files (--profile-format json).  --fail-on CLASSES, a\n"
	"      comma-separated list or \"any\": exit 1 when B has a new item in one of\n"
	"      them.  Exit 0 otherwise, 2 usage error or unreadable file.\n"
	"--json  a JSON report instead of lines.\n"
	"Formats: docs/evidence.md\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* Is argv[i] the option |name| (which takes a value)?  Says so when the
 * value is missing. */
static bool option_with_value(int argc, char **argv, int i, const char *name, bool *missing,
			      FILE *err)
{
	if (strcmp(argv[i], name) != 0)
		return false;
	if (i + 1 >= argc) {
		fprintf(err, "assay-gateway: error: %s needs a value\n", name);
		*missing = true;
	}
	return true;
}

/* ---- lint ------------------------------------------------------------------------------ */

static const char *sig_name(enum gw_bundle_sig s)
{
	switch (s) {
	case GW_SIG_UNVERIFIED:
		return "unverified";
	case GW_SIG_VALID:
		return "valid";
	case GW_SIG_INVALID:
		return "invalid";
	case GW_SIG_NONE:
		break;
	}
	return "none";
}

static void lint_text(FILE *out, const struct gw_bundle_report *r)
{
	size_t i;
	json_t *f;
	json_array_foreach(r->findings, i, f) {
		long long line = json_integer_value(json_object_get(f, "line"));
		fprintf(out, "lint: %s", json_string_value(json_object_get(f, "file")) ?: "");
		if (line > 0)
			fprintf(out, ":%lld", line);
		fprintf(out, ": %s\n", json_string_value(json_object_get(f, "message")) ?: "");
	}
	if (r->nfindings > json_array_size(r->findings))
		fprintf(out, "lint: ... and %zu more finding(s) not shown\n",
			r->nfindings - json_array_size(r->findings));
	json_array_foreach(r->notes, i, f)
		fprintf(out, "note: %s\n", json_string_value(f) ?: "");
	if (r->nfindings) {
		fprintf(out, "FAILED: %zu finding(s)\n", r->nfindings);
	} else {
		fputs("ok: ", out);
		put_quoted(out, r->run_id ? r->run_id : "");
		fprintf(out, ", %zu events%s\n", r->events,
			r->signature == GW_SIG_VALID ? ", signature verified" : "");
	}
}

static void lint_json(FILE *out, const char *path, const struct gw_bundle_report *r)
{
	char where[600];
	json_t *rep =
		json_pack("{s:s,s:b,s:s?,s:I,s:s,s:I,s:O,s:O}", "bundle",
			  gw_log_quote(path, strlen(path), 200, where, sizeof(where)), "ok",
			  r->nfindings == 0, "run_id", r->run_id, "events", (json_int_t)r->events,
			  "signature", sig_name(r->signature), "finding_count",
			  (json_int_t)r->nfindings, "findings", r->findings, "notes", r->notes);
	put_json(out, rep);
	json_decref(rep);
}

static int lint(int argc, char **argv, FILE *out, FILE *err)
{
	const char *key_path = NULL, *path = NULL;
	bool as_json = false, opts = true;
	for (int i = 1; i < argc; i++) {
		if (opts && is_help(argv[i]))
			return usage(out, 0);
		bool missing = false;
		if (opts && option_with_value(argc, argv, i, "--key", &missing, err)) {
			if (missing)
				return usage(err, 2);
			key_path = argv[++i];
		} else if (opts && strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			fprintf(err, "assay-gateway: error: evidence lint: unknown option '%s'\n",
				argv[i]);
			return usage(err, 2);
		} else if (!path) {
			path = argv[i];
		} else {
			return usage(err, 2);
		}
	}
	if (!path)
		return usage(err, 2);
	char msg[1200];
	EVP_PKEY *pub = NULL;
	if (key_path && !(pub = gw_bundle_load_key(key_path, false, msg, sizeof(msg)))) {
		fprintf(err, "assay-gateway: error: %s\n", msg);
		return 2;
	}
	struct gw_bundle_parts p;
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	int code = 2;
	if (gw_bundle_read(path, &p, &r, msg, sizeof(msg)) != 0) {
		fprintf(err, "assay-gateway: error: cannot lint %s\n", msg);
	} else {
		gw_bundle_check(&p, pub, &r);
		if (as_json)
			lint_json(out, path, &r);
		else
			lint_text(out, &r);
		code = finish(out, err, r.nfindings ? 1 : 0);
		gw_bundle_parts_free(&p);
	}
	gw_bundle_report_free(&r);
	EVP_PKEY_free(pub);
	return code;
}

/* ---- diff ------------------------------------------------------------------------------ */

/* |spec|: "any" or class names, comma-separated.  Returns a bit mask, or
 * -1 after saying what is wrong. */
static int parse_fail_on(const char *spec, FILE *err)
{
	int mask = 0;
	char *copy = strdup(spec), *save = NULL;
	if (!copy)
		return -1;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		size_t n = strlen(w);
		while (n && w[n - 1] == ' ')
			w[--n] = '\0';
		int c = 0;
		while (c < C_COUNT && strcmp(w, class_names[c]) != 0)
			c++;
		if (strcmp(w, "any") == 0) {
			mask |= (1 << C_COUNT) - 1;
		} else if (c < C_COUNT) {
			mask |= 1 << c;
		} else {
			char qa[200];
			fprintf(err,
				"assay-gateway: error: --fail-on: unknown class '%s' (one of "
				"programs, writes, reads, endpoints, tools, denials, any)\n",
				gw_log_quote(w, n, 40, qa, sizeof(qa)));
			mask = -1;
			break;
		}
	}
	free(copy);
	if (mask == 0) {
		fputs("assay-gateway: error: --fail-on: no class given\n", err);
		return -1;
	}
	return mask;
}

static int diff(int argc, char **argv, FILE *out, FILE *err)
{
	const char *paths[2] = {NULL, NULL};
	int npaths = 0, fail_mask = 0;
	bool as_json = false, opts = true;
	for (int i = 1; i < argc; i++) {
		if (opts && is_help(argv[i]))
			return usage(out, 0);
		bool missing = false;
		if (opts && option_with_value(argc, argv, i, "--fail-on", &missing, err)) {
			if (missing)
				return usage(err, 2);
			int m = parse_fail_on(argv[++i], err);
			if (m < 0)
				return 2;
			fail_mask |= m;
		} else if (opts && strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			fprintf(err, "assay-gateway: error: evidence diff: unknown option '%s'\n",
				argv[i]);
			return usage(err, 2);
		} else if (npaths < 2) {
			paths[npaths++] = argv[i];
		} else {
			return usage(err, 2);
		}
	}
	if (npaths != 2)
		return usage(err, 2);
	char msg[1400];
	json_t *docs[2] = {NULL, NULL};
	for (int k = 0; k < 2; k++) {
		docs[k] = gw_evidence_load(paths[k], msg, sizeof(msg));
		if (!docs[k]) {
			fprintf(err, "assay-gateway: error: %s\n", msg);
			json_decref(docs[0]);
			return 2;
		}
	}
	char ids[2][GW_RUN_ID_SIZE];
	json_t *d = gw_evidence_diff(docs[0], docs[1]);
	if (!d || gw_evidence_run_id(docs[0], ids[0]) != 0 ||
	    gw_evidence_run_id(docs[1], ids[1]) != 0) {
		fputs("assay-gateway: error: out of memory\n", err);
		json_decref(d);
		json_decref(docs[0]);
		json_decref(docs[1]);
		return 2;
	}
	bool same = strcmp(ids[0], ids[1]) == 0;
	json_t *failed = json_array(), *fail_on = json_array();
	for (int c = 0; c < C_COUNT; c++) {
		if (!(fail_mask & (1 << c)))
			continue;
		json_array_append_new(fail_on, json_string(class_names[c]));
		if (json_array_size(json_object_get(json_object_get(d, class_names[c]), "added")))
			json_array_append_new(failed, json_string(class_names[c]));
	}
	bool fail = json_array_size(failed) > 0;
	if (as_json) {
		char qa[600], qb[600];
		json_t *rep =
			json_pack("{s:{s:s,s:s},s:{s:s,s:s},s:b,s:O,s:O,s:O,s:b}", "a", "file",
				  gw_log_quote(paths[0], strlen(paths[0]), 200, qa, sizeof(qa)),
				  "run_id", ids[0], "b", "file",
				  gw_log_quote(paths[1], strlen(paths[1]), 200, qb, sizeof(qb)),
				  "run_id", ids[1], "same_run_id", same, "classes", d, "fail_on",
				  fail_on, "failed", failed, "ok", !fail);
		put_json(out, rep);
		json_decref(rep);
	} else {
		if (same)
			fprintf(out, "same run id: %s\n", ids[0]);
		else
			fprintf(out, "run ids differ: %s -> %s\n", ids[0], ids[1]);
		bool any = false;
		for (int c = 0; c < C_COUNT; c++) {
			json_t *cls = json_object_get(d, class_names[c]);
			json_t *added = json_object_get(cls, "added"),
			       *removed = json_object_get(cls, "removed"), *e;
			size_t na = json_array_size(added), nr = json_array_size(removed), i;
			if (na + nr == 0)
				continue;
			any = true;
			fprintf(out, "%s (%zu new, %zu removed):\n", class_names[c], na, nr);
			json_array_foreach(added, i, e) {
				fprintf(out, "+ %s ", item_words[c]);
				put_quoted(out, json_string_value(e));
				fputc('\n', out);
			}
			json_array_foreach(removed, i, e) {
				fprintf(out, "- %s ", item_words[c]);
				put_quoted(out, json_string_value(e));
				fputs(" (removed)\n", out);
			}
		}
		if (!any)
			fputs("no differences\n", out);
		if (fail) {
			fputs("FAILED: new items in", out);
			size_t i;
			json_t *e;
			json_array_foreach(failed, i, e)
				fprintf(out, "%s %s", i ? "," : "", json_string_value(e));
			fputs(" (--fail-on)\n", out);
		}
	}
	json_decref(failed);
	json_decref(fail_on);
	json_decref(d);
	json_decref(docs[0]);
	json_decref(docs[1]);
	return finish(out, err, fail ? 1 : 0);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int gw_evidence_main(int argc, char **argv, FILE *out, FILE *err)
{
	if (argc >= 2 && strcmp(argv[1], "lint") == 0)
		return lint(argc - 1, argv + 1, out, err);
	if (argc >= 2 && strcmp(argv[1], "diff") == 0)
		return diff(argc - 1, argv + 1, out, err);
	if (argc == 2 && is_help(argv[1]))
		return usage(out, 0);
	return usage(err, 2);
}

int gw_evidence_command(int argc, char **argv)
{
	return gw_evidence_main(argc, argv, stdout, stderr);
}
