/* gateway/crypto_lazy.h - OpenSSL's libcrypto, loaded with dlopen (see
 * crypto_lazy.c): the programs call OpenSSL's functions as declared in its
 * headers; these two control the loading. */
#ifndef GW_CRYPTO_LAZY_H
#define GW_CRYPTO_LAZY_H

/* Start loading libcrypto in a thread of its own (at most once). */
void gw_crypto_preload(void);

/* Why libcrypto could not be loaded, or NULL when it is loaded (waits for a
 * load in progress). */
const char *gw_crypto_error(void);

#endif
