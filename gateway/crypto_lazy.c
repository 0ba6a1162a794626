/* gateway/crypto_lazy.c - OpenSSL's libcrypto, loaded when first used.
 *
 * Only evidence bundles need it (Ed25519 keys in PEM, signatures); SHA-256
 * comes from Nettle.  Mapping and relocating libcrypto (about 4,000 symbol
 * relocations and 18,000 relative ones, 120 page faults) costs about 3.5 ms,
 * which a program linked with it would pay at every start, before main().
 * So the programs are not linked with it: each function the project calls
 * is defined here with OpenSSL's own prototype (from its headers, so the
 * compiler checks them) and forwards to the library, opened with dlopen on
 * the first call.  When it cannot be loaded, the functions fail as
 * OpenSSL's do (0, NULL) and gw_crypto_error() says why.
 */
#include "crypto_lazy.h"

#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>

#include "lazy_forward.h"

/* The SONAME of OpenSSL 3's libcrypto. */
#define LIBCRYPTO_SONAME "libcrypto.so.3"

static void *lib;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lib = lazy_open(LIBCRYPTO_SONAME, load_error, sizeof(load_error));
	if (!lib)
		return;
	/* Only Ed25519 from the default provider is used: reading
	 * openssl.cnf (and what it may load) would cost time and let the
	 * environment (OPENSSL_CONF) load code into the gateway. */
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

const char *gw_crypto_error(void)
{
	pthread_once(&once, load);
	return lib ? NULL : load_error;
}

/* The forwarders (lazy_forward.h) are hidden: a program that also links
 * libcrypto (a test generating keys) must not have libcrypto's own calls
 * bound to them. */
#pragma GCC visibility push(hidden)

FORWARD_VOID(ERR_clear_error, (void), ())

FORWARD(EVP_MD_CTX *, EVP_MD_CTX_new, NULL, (void), ())
FORWARD_VOID(EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))

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
