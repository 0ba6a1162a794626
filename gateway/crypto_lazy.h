/* gateway/crypto_lazy.h - OpenSSL's libcrypto, loaded with dlopen (see
 * crypto_lazy.c): the programs call OpenSSL's functions as declared in its
 * headers; these two control the loading. */
#ifndef GW_CRYPTO_LAZY_H
#define GW_CRYPTO_LAZY_H

/* Start loading libcrypto in a thread of its own (at most once). */
void gw_crypto_preload(void);

/* Wait for the thread gw_crypto_preload() started to end (before the
 * program exits: OpenSSL's exit handler must not run while it
 * initialises). */
void gw_crypto_settle(void);

/* Why libcrypto could not be loaded, or NULL when it is loaded (waits for a
 * load in progress). */
const char *gw_crypto_error(void);

#endif
