/* gateway/crypto_lazy.h - OpenSSL's libcrypto, loaded with dlopen when
 * first used (see crypto_lazy.c): the programs call OpenSSL's functions as
 * declared in its headers. */
#ifndef GW_CRYPTO_LAZY_H
#define GW_CRYPTO_LAZY_H

/* Why libcrypto cannot be loaded, or NULL when it is loaded (loads it). */
const char *gw_crypto_error(void);

#endif
