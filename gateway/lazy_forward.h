/* gateway/lazy_forward.h - forwarders to a library opened with dlopen
 * (archive_lazy.c, crypto_lazy.c).  The including file defines
 * `static void *sym(const char *name)`: the library's symbol, or NULL when
 * the library or the symbol is missing. */
#ifndef GW_LAZY_FORWARD_H
#define GW_LAZY_FORWARD_H

#include <dlfcn.h>
#include <stdio.h>

/* dlopen |soname| (every symbol bound now, none made global); NULL with
 * the reason in |err| when it cannot be loaded. */
static inline void *lazy_open(const char *soname, char *err, size_t err_size)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(err, err_size, "cannot load %s: %s", soname, e ? e : "unknown error");
	}
	return h;
}

/* One forwarder with the library's own prototype: the symbol is looked up
 * once; |fail| is returned when it is missing. */
#define FORWARD(ret, name, fail, params, args)                                                     \
	ret name params                                                                            \
	{                                                                                          \
		static ret(*f) params;                                                             \
		if (!f)                                                                            \
			*(void **)&f = sym(#name);                                                 \
		return f ? f args : (fail);                                                        \
	}
#define FORWARD_VOID(name, params, args)                                                           \
	void name params                                                                           \
	{                                                                                          \
		static void(*f) params;                                                            \
		if (!f)                                                                            \
			*(void **)&f = sym(#name);                                                 \
		if (f)                                                                             \
			f args;                                                                    \
	}

#endif
