/* tests/fuzz/fuzz_bundle.c - checking a bundle's parts (gw_bundle_check) on
 * arbitrary bytes.
 *
 * The input is split at NUL bytes: the manifest, then the events, then the
 * signature; a part the input does not reach is absent.  Each input is
 * checked twice: without a key, and with a fixed Ed25519 key.
 *
 * Properties checked on every input:
 *  - no crash, leak or sanitizer report; findings are counted (the kept ones
 *    never more than the count nor than GW_BUNDLE_MAX_FINDINGS), each has a
 *    file, a check and a message, and every message is printable ASCII
 *    (values from the bundle are quoted, so lint output cannot drive a
 *    terminal);
 *  - both runs find the same events and the same document;
 *  - a signature is reported valid only when a key was given, and always
 *    when it is the key's own signature of the manifest;
 *  - a clean report has a document whose recomputed run id is the
 *    manifest's; writing that document's events again and checking them
 *    under a fresh manifest gives a clean report and the same document.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "bundle.h"

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_bundle: %s:%d: %s\n", __FILE__, __LINE__, #c);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static EVP_PKEY *key;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A fixed key, so that a seed can carry a valid signature. */
	static const unsigned char seed[32] = "assay-gateway fuzz_bundle seed!";
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	REQUIRE(key);
	return 0;
}

static char *copy(const uint8_t *data, size_t len)
{
	char *p = malloc(len + 1);
	REQUIRE(p);
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

static void check_report(const struct gw_bundle_report *r)
{
	REQUIRE(json_is_array(r->findings) && json_is_array(r->notes));
	size_t kept = json_array_size(r->findings);
	REQUIRE(kept <= r->nfindings && kept <= GW_BUNDLE_MAX_FINDINGS);
	REQUIRE(r->nfindings <= GW_BUNDLE_MAX_FINDINGS || kept == GW_BUNDLE_MAX_FINDINGS);
	size_t i;
	json_t *f;
	json_array_foreach(r->findings, i, f) {
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *check = json_string_value(json_object_get(f, "check"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		REQUIRE(file && check && msg && *msg);
		REQUIRE(json_integer_value(json_object_get(f, "line")) >= 0);
		for (const char *p = msg; *p; p++)
			REQUIRE(*p >= 0x20 && *p < 0x7f);
	}
	REQUIRE(r->doc == NULL || json_is_object(r->doc));
}

static bool own_signature(const struct gw_bundle_parts *p)
{
	if (!p->manifest || !p->sig || p->sig_len != 64)
		return false;
	unsigned char sig[64];
	size_t n = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	REQUIRE(ctx);
	REQUIRE(EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1);
	REQUIRE(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)p->manifest, p->manifest_len) ==
		1);
	EVP_MD_CTX_free(ctx);
	return memcmp(sig, p->sig, 64) == 0;
}

/* Write the rebuilt document's events again, under a manifest made for
 * them: the result must check clean and rebuild the same document. */
static void check_rewrite(const json_t *doc, const char *run_id)
{
	struct gw_bundle_parts p = {0};
	char err[1024], hex[65];
	REQUIRE(gw_bundle_events(doc, &p.events, &p.events_len, err, sizeof(err)) == 0);
	REQUIRE(gw_bundle_sha256_hex(p.events, p.events_len, hex) == 0);
	json_t *m = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:I}]}", "schema", GW_BUNDLE_SCHEMA,
			      "run_id", run_id, "generator", "fuzz", "files", "name",
			      GW_BUNDLE_EVENTS, "sha256", hex, "size", (json_int_t)p.events_len);
	REQUIRE(m);
	p.manifest = json_dumps(m, JSON_COMPACT);
	REQUIRE(p.manifest);
	p.manifest_len = strlen(p.manifest);
	json_decref(m);
	struct gw_bundle_report r;
	gw_bundle_report_init(&r);
	gw_bundle_check(&p, NULL, &r);
	check_report(&r);
	REQUIRE(!gw_bundle_report_broken(&r));
	REQUIRE(r.doc && json_equal(r.doc, doc));
	gw_bundle_report_free(&r);
	gw_bundle_parts_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!key)
		LLVMFuzzerInitialize(NULL, NULL);
	/* manifest \0 events \0 signature */
	struct gw_bundle_parts p = {0};
	char **slots[3] = {&p.manifest, &p.events, &p.sig};
	size_t *lens[3] = {&p.manifest_len, &p.events_len, &p.sig_len};
	size_t start = 0;
	for (int k = 0; k < 3 && start <= size; k++) {
		const uint8_t *nul = k < 2 ? memchr(data + start, 0, size - start) : NULL;
		size_t end = nul ? (size_t)(nul - data) : size;
		*slots[k] = copy(data + start, end - start);
		*lens[k] = end - start;
		if (!nul)
			break;
		start = end + 1;
	}

	struct gw_bundle_report plain, keyed;
	gw_bundle_report_init(&plain);
	gw_bundle_report_init(&keyed);
	gw_bundle_check(&p, NULL, &plain);
	gw_bundle_check(&p, key, &keyed);
	check_report(&plain);
	check_report(&keyed);

	REQUIRE(plain.events == keyed.events);
	REQUIRE((plain.doc == NULL) == (keyed.doc == NULL));
	REQUIRE(!plain.doc || json_equal(plain.doc, keyed.doc));
	REQUIRE(plain.signature != GW_SIG_VALID && plain.signature != GW_SIG_INVALID);
	REQUIRE((plain.signature == GW_SIG_UNVERIFIED) == (p.sig != NULL));
	if (own_signature(&p))
		REQUIRE(keyed.signature == GW_SIG_VALID);
	/* With a key, a bundle without a valid signature never checks clean. */
	if (keyed.signature != GW_SIG_VALID)
		REQUIRE(keyed.nfindings > 0);

	if (plain.nfindings == 0) {
		char id[GW_RUN_ID_SIZE];
		REQUIRE(plain.doc && plain.run_id);
		REQUIRE(gw_evidence_run_id(plain.doc, id) == 0);
		REQUIRE(strcmp(id, plain.run_id) == 0);
		check_rewrite(plain.doc, plain.run_id);
	}
	gw_bundle_report_free(&plain);
	gw_bundle_report_free(&keyed);
	gw_bundle_parts_free(&p);
	return 0;
}
