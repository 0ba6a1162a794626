/* gateway/lazy_forward.h - forwarders to a library opened with dlopen
 * (archive_lazy.c, crypto_lazy.c).  The including file defines
 * `static void *sym(const char *name)`: the library's symbol, or NULL when
 * the library or the symbol is missing. */
#ifndef GW_LAZY_FORWARD_H
#define GW_LAZY_FORWARD_H

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
