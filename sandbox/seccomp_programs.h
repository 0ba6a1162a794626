/* sandbox/seccomp_programs.h - the filters compiled at build time (by
 * sandbox/gen/seccomp_gen.c, into seccomp_programs.c of the build tree). */
#ifndef SANDBOX_SECCOMP_PROGRAMS_H
#define SANDBOX_SECCOMP_PROGRAMS_H

#include <stddef.h>

#include "sandbox/seccomp.h"

struct sbx_bpf_const {
	const void *insns; /* struct sock_filter[] */
	size_t len;
};

/* Indexed by sbx_seccomp_variant_index. */
extern const struct sbx_bpf_const sbx_seccomp_server_programs[SBX_SECCOMP_VARIANTS];
/* Indexed by |supervise|. */
extern const struct sbx_bpf_const sbx_seccomp_self_programs[2];

#endif
