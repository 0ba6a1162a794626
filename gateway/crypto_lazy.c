/* gateway/crypto_lazy.c - OpenSSL's libcrypto, loaded beside the start.
 *
 * Mapping and relocating libcrypto (about 4,000 symbol relocations and
 * 18,000 relative ones, 120 page faults) adds about 3 ms to every start of
 * a program linked with it, before main() runs -- more than the rest of the
 * gateway's own start.  The first digest (the server's identity, for its
 * pins) is taken after the policy and the sandbox's preparation.  So the
 * programs are not linked with it: each function the project calls is
 * defined here with OpenSSL's own prototype (from its headers, so the
 * compiler checks them) and forwards to the library, opened with dlopen.
 * gw_crypto_preload() opens it in a thread of its own when a session
 * starts; a call before that has finished waits for it (or opens it
 * itself).  When it cannot be
 * loaded, the functions fail as OpenSSL's do (0, NULL) and the callers'
 * errors say that a digest could not be computed; gw_crypto_error() says
 * why.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto_lazy.h"

#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "lazy_forward.h"

/* The SONAME of OpenSSL 3's libcrypto. */
#define LIBCRYPTO_SONAME "libcrypto.so.3"

static void *lib;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool preloading; /* the loader thread runs or has run, unjoined */
static pthread_t loader;

static void load(void)
{
	lib = lazy_open(LIBCRYPTO_SONAME, load_error, sizeof(load_error));
	if (!lib)
		return;
	/* Only SHA-256, HMAC and Ed25519 (bundles) from the default provider
	 * are used: reading openssl.cnf (and what it may load) would cost
	 * start-up time and let the environment (OPENSSL_CONF) load code into
	 * the gateway. */
	int (*init)(uint64_t, const OPENSSL_INIT_SETTINGS *);
	*(void **)&init = dlsym(lib, "OPENSSL_init_crypto");
	if (!init || init(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
		snprintf(load_error, sizeof(load_error), "cannot initialise %s", LIBCRYPTO_SONAME);
		lib = NULL; /* stays mapped: OpenSSL registered its exit handler */
	}
}

static void *sym(const char *name)
{
	pthread_once(&once, load);
	return lib ? dlsym(lib, name) : NULL;
}

static void *preload(void *arg)
{
	(void)arg;
	pthread_once(&once, load);
	return NULL;
}

void gw_crypto_preload(void)
{
	if (preloading)
		return;
	preloading = pthread_create(&loader, NULL, preload, NULL) == 0;
	if (!preloading)
		pthread_once(&once, load); /* no thread: now, here */
}

void gw_crypto_settle(void)
{
	if (preloading)
		pthread_join(loader, NULL);
	preloading = false;
}

const char *gw_crypto_error(void)
{
	pthread_once(&once, load);
	return lib ? NULL : load_error;
}

/* The forwarders (lazy_forward.h) are hidden: a program that also links
 * libcrypto (a test generating keys) must not have libcrypto's own calls
 * bound to them. */
#pragma GCC visibility push(hidden)

FORWARD_VOID(OPENSSL_cleanse, (void *ptr, size_t len), (ptr, len))
FORWARD_VOID(ERR_clear_error, (void), ())

/* SHA-256 (tool pins, the evidence's run id, the audit log's HMAC) */
FORWARD(unsigned char *, SHA256, NULL, (const unsigned char *d, size_t n, unsigned char *md),
	(d, n, md))
FORWARD(int, SHA256_Init, 0, (SHA256_CTX * c), (c))
FORWARD(int, SHA256_Update, 0, (SHA256_CTX * c, const void *data, size_t len), (c, data, len))
FORWARD(int, SHA256_Final, 0, (unsigned char *md, SHA256_CTX *c), (md, c))
FORWARD(const EVP_MD *, EVP_sha256, NULL, (void), ())
FORWARD(EVP_MD_CTX *, EVP_MD_CTX_new, NULL, (void), ())
FORWARD_VOID(EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
FORWARD(int, EVP_DigestInit_ex, 0, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),
	(ctx, type, impl))
FORWARD(int, EVP_DigestUpdate, 0, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt))
FORWARD(int, EVP_DigestFinal_ex, 0, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s),
	(ctx, md, s))
FORWARD(int, EVP_Digest, 0,
	(const void *data, size_t count, unsigned char *md, unsigned int *size,
	 const EVP_MD *type, ENGINE *impl),
	(data, count, md, size, type, impl))

/* Ed25519 (evidence bundles) */
FORWARD(BIO *, BIO_new_mem_buf, NULL, (const void *buf, int len), (buf, len))
FORWARD(int, BIO_free, 0, (BIO * a), (a))
FORWARD(EVP_PKEY *, PEM_read_bio_PrivateKey, NULL,
	(BIO * bp, EVP_PKEY **x, pem_password_cb *cb, void *u), (bp, x, cb, u))
FORWARD(EVP_PKEY *, PEM_read_bio_PUBKEY, NULL,
	(BIO * bp, EVP_PKEY **x, pem_password_cb *cb, void *u), (bp, x, cb, u))
FORWARD_VOID(EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))
FORWARD(int, EVP_PKEY_get_id, 0, (const EVP_PKEY *pkey), (pkey))
FORWARD(const char *, EVP_PKEY_get0_type_name, NULL, (const EVP_PKEY *key), (key))
FORWARD(int, EVP_DigestSignInit, 0,
	(EVP_MD_CTX * ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
	(ctx, pctx, type, e, pkey))
FORWARD(int, EVP_DigestSign, 0,
	(EVP_MD_CTX * ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs,
	 size_t tbslen),
	(ctx, sigret, siglen, tbs, tbslen))
FORWARD(int, EVP_DigestVerifyInit, 0,
	(EVP_MD_CTX * ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
	(ctx, pctx, type, e, pkey))
FORWARD(int, EVP_DigestVerify, 0,
	(EVP_MD_CTX * ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs,
	 size_t tbslen),
	(ctx, sigret, siglen, tbs, tbslen))

#pragma GCC visibility pop
