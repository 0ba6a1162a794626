/* sandbox/seccomp_prebuilt.c - the filters compiled at build time. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_programs.h"

static int copy(const struct sbx_bpf_const *p, struct sbx_bpf *out)
{
	size_t size = p->len * 8; /* sizeof(struct sock_filter) */
	out->insns = malloc(size);
	if (!out->insns) {
		out->len = 0;
		return -ENOMEM;
	}
	memcpy(out->insns, p->insns, size);
	out->len = p->len;
	return 0;
}

int sbx_seccomp_program(const struct sbx_seccomp_request *rq, struct sbx_bpf *out)
{
	unsigned i = sbx_seccomp_variant_index(rq);
	struct sbx_seccomp_request v = sbx_seccomp_variant(i);
	if (memcmp(&v, rq, sizeof(v)) != 0) { /* a field the index does not cover */
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return copy(&sbx_seccomp_server_programs[i], out);
}

int sbx_seccomp_program_self(bool supervise, struct sbx_bpf *out)
{
	return copy(&sbx_seccomp_self_programs[supervise ? 1 : 0], out);
}
