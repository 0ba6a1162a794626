/* gateway/bundle.h - evidence bundles: writing, reading back, checking.
 *
 * A bundle is a gzip'd tar holding, in this order:
 *
 *   manifest.json   {"schema": "assay-bundle/1", "run_id", "generator",
 *                    "files": [{"name": "events.ndjson", "sha256", "size"}],
 *                    "signature": {"alg": "ed25519", "file": "manifest.sig"}
 *                    (only when signed)}
 *   events.ndjson   the evidence document (evidence.h) as CloudEvents 1.0,
 *                   one structured-mode JSON event per line
 *   manifest.sig    (optional) the raw 64-byte Ed25519 signature of the
 *                   exact bytes of manifest.json
 *
 * Times, exit codes and counters are only in the last event,
 * "dev.assay.summary"; the effect events carry no time, so two runs of the
 * same behaviour give the same effect lines apart from their counts.  Tar
 * entries have mtime 0, uid/gid 0, mode 0644, and the gzip header no time
 * stamp.
 *
 * Reading is split in two so that the parser can be fuzzed without files:
 * gw_bundle_read() takes the archive apart (with hard limits), and
 * gw_bundle_check() checks the parts held in memory and rebuilds the
 * evidence document from the events.
 */
#ifndef GW_BUNDLE_H
#define GW_BUNDLE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "evidence.h"

#define GW_BUNDLE_SCHEMA "assay-bundle/1"
#define GW_BUNDLE_MANIFEST "manifest.json"
#define GW_BUNDLE_EVENTS "events.ndjson"
#define GW_BUNDLE_SIG "manifest.sig"

/* Event types: one event per entry of the document's arrays, in this
 * order, then the summary. */
#define GW_EV_PROGRAM "dev.assay.program"	     /* programs[]; subject path */
#define GW_EV_FILE "dev.assay.file"		     /* files[]; subject path */
#define GW_EV_NETWORK "dev.assay.network"	     /* network[]; subject gw_evidence_endpoint */
#define GW_EV_TOOLS_LISTED "dev.assay.mcp.tools_listed" /* data {"tools": mcp.tools_listed} */
#define GW_EV_CALL "dev.assay.mcp.call"		     /* mcp.calls[]; subject name */
#define GW_EV_VIOLATION "dev.assay.violation"	     /* violations[] */
#define GW_EV_DEGRADATION "dev.assay.degradation"    /* degradations[] */
#define GW_EV_SUMMARY "dev.assay.summary"	     /* everything else; last */
#define GW_EV_SOURCE "assay-gateway"

/* Hard limits when reading: a bundle is untrusted input. */
#define GW_BUNDLE_MAX_ENTRIES 16
#define GW_BUNDLE_MAX_MANIFEST (1u << 20)
#define GW_BUNDLE_MAX_EVENTS (256u << 20)
#define GW_BUNDLE_MAX_LINE (1u << 20)
#define GW_BUNDLE_MAX_SIG 4096u /* a signature is 64 bytes; room to say it is wrong */
/* Findings kept for the report; the count goes on. */
#define GW_BUNDLE_MAX_FINDINGS 200

/* The events.ndjson text of evidence document |doc| (malloc'd, caller
 * frees).  The document's run_id must be the id of its effects
 * (gw_evidence_run_id); a document without one gets it.  Returns 0, or -1
 * with a message in |err|. */
int gw_bundle_events(const json_t *doc, char **text, size_t *len, char *err, size_t err_size);

/* Write the bundle of |doc| to |path|: a new file (mode 0600) renamed over
 * |path|, so a reader sees the old bundle or the new one and a symbolic
 * link at |path| is replaced, not followed.  With |key_path| (a PEM Ed25519
 * private key, not encrypted) the manifest is signed.  Returns 0, or -1
 * with a message in |err|. */
int gw_bundle_write(const char *path, const json_t *doc, const char *key_path, char *err,
		    size_t err_size);

/* An Ed25519 key from the PEM file |path|: the private key (for signing)
 * when |want_private|, else the public key (a private key file is accepted
 * too: its public half is used).  Other key types, encrypted keys and
 * unreadable files are refused.  Returns the key (EVP_PKEY_free), or NULL
 * with a message in |err|. */
EVP_PKEY *gw_bundle_load_key(const char *path, bool want_private, char *err, size_t err_size);

/* The lowercase hex SHA-256 of |len| bytes; returns 0, or -1. */
int gw_bundle_sha256_hex(const void *data, size_t len, char out[65]);

/* The parts of a bundle in memory: each is NULL when the bundle has no such
 * entry, else a malloc'd buffer of exactly |*_len| bytes plus a NUL. */
struct gw_bundle_parts {
	char *manifest, *events, *sig;
	size_t manifest_len, events_len, sig_len;
};

void gw_bundle_parts_free(struct gw_bundle_parts *p);

enum gw_bundle_sig {
	GW_SIG_NONE,	   /* no manifest.sig */
	GW_SIG_UNVERIFIED, /* signed, no key given */
	GW_SIG_VALID,
	GW_SIG_INVALID,
};

/* What checking a bundle found. */
struct gw_bundle_report {
	json_t *findings; /* [{"file", "line" (0: none), "check", "message"}] */
	size_t nfindings; /* all findings, including those beyond the kept ones */
	json_t *notes;	  /* [string]: not findings ("signed, not verified") */
	char *run_id;	  /* the manifest's run id (malloc'd), or NULL */
	size_t events;	  /* events read */
	enum gw_bundle_sig signature;
	json_t *doc;	  /* the rebuilt evidence document, or NULL */
};

void gw_bundle_report_init(struct gw_bundle_report *r);
void gw_bundle_report_free(struct gw_bundle_report *r);

/* Record a finding.  |check| says which kind: "archive", "manifest",
 * "digest", "signature", "event", "run_id" or "secret".  |file| is an entry
 * name (or the bundle's path), |line| 1-based or 0.  Untrusted text in the
 * message must be quoted by the caller. */
void gw_bundle_finding(struct gw_bundle_report *r, const char *file, size_t line, const char *check,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* True when the report has findings other than secret-looking values. */
bool gw_bundle_report_broken(const struct gw_bundle_report *r);

/* Take the archive at |path| apart into |p| (gzip and tar only).  Problems
 * inside the archive (unknown or duplicate entries, names with a
 * directory, entries that are not regular files, more than
 * GW_BUNDLE_MAX_ENTRIES entries, an entry over its limit, a truncated
 * archive) are findings in |r|; entries are never written anywhere.
 * Returns 0, or -1 with a message in |err| when |path| cannot be opened or
 * is not a gzip'd tar at all. */
int gw_bundle_read(const char *path, struct gw_bundle_parts *p, struct gw_bundle_report *r,
		   char *err, size_t err_size);

/* Check the parts: the manifest's form, each listed file's size and
 * SHA-256, the signature (verified with |pub| when not NULL; without
 * manifest.sig that is a finding), every event (CloudEvents attributes,
 * unique ids, known types, the data each type needs, one summary and last),
 * the run ids (manifest, summary, and recomputed from the events) and
 * secret-looking strings.  Sets r->doc to the document rebuilt from the
 * events when there are events.  Pure: no I/O. */
void gw_bundle_check(const struct gw_bundle_parts *p, EVP_PKEY *pub, struct gw_bundle_report *r);

/* The evidence document in |path|: a bundle (it starts with the gzip
 * magic) or the JSON document itself (--profile-format json).  Either must
 * check clean apart from secret-looking values, so that a diff is never of
 * a damaged file.  Returns a new reference, or NULL with a message in
 * |err|. */
json_t *gw_evidence_load(const char *path, char *err, size_t err_size);

/* "op family address:port" of a network entry ("[address]:port" for
 * inet6, no port for unix): the subject of its event, the item in a diff.
 * Returns |out|. */
char *gw_evidence_endpoint(const json_t *net, char *out, size_t size);

#endif
