/* sandbox/seccomp.h - the server's system call filter.
 *
 * Compiled with libseccomp into classic BPF programs when the project is
 * built (every variant: sandbox/gen/seccomp_gen.c), so that a start costs
 * no compilation; the child installs the bytes last, just before exec, so the
 * filter may forbid what the earlier steps needed.  Denied calls fail with
 * EPERM (clone3 with ENOSYS, so libc falls back to clone, whose namespace
 * flags are checked); a foreign architecture or the x32 ABI kills the
 * process.
 */
#ifndef SANDBOX_SECCOMP_H
#define SANDBOX_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>


struct sbx_seccomp_request {
	bool net_restrict; /* limit socket kinds; false: sockets are not filtered */
	bool allow_inet;   /* TCP sockets (IPv4, IPv6) */
	bool allow_udp;	   /* UDP sockets */
	bool allow_unix;   /* socket(AF_UNIX); socketpair() is always allowed */
	bool allow_listen; /* listen() (binding is allowed) */
	/* Observation (profile mode): the calls in sbx_seccomp_observed return
	 * a user notification, answered by the supervisor (sandbox/notify.h)
	 * with "continue".  The program must then be installed with
	 * sbx_seccomp_install_listener. */
	bool observe;
};

struct sbx_bpf {
	void *insns; /* struct sock_filter[] */
	size_t len;  /* number of instructions */
};

/* The filter for |rq|, compiled when the project was built: the program
 * sbx_seccomp_build would compile now (a unit test holds them equal),
 * without the millisecond libseccomp takes.  Returns 0, -ENOMEM, or
 * -EINVAL for a request the variants do not cover. */
int sbx_seccomp_program(const struct sbx_seccomp_request *rq, struct sbx_bpf *out);

/* Compile the filter with libseccomp.  Returns 0, or -1 with a message in
 * |err|. */
int sbx_seccomp_build(const struct sbx_seccomp_request *rq, struct sbx_bpf *out, char *err,
		      size_t err_size);
void sbx_bpf_free(struct sbx_bpf *b);

/* Every request is one of 2^6 variants: its flags as bits.  A field added
 * to the request must be added to the index too (or the program for a
 * request that sets it would be the one without it). */
#define SBX_SECCOMP_VARIANTS 64
_Static_assert(sizeof(struct sbx_seccomp_request) == 6 && SBX_SECCOMP_VARIANTS == 1u << 6,
	       "struct sbx_seccomp_request changed: update sbx_seccomp_variant_index");
static inline unsigned sbx_seccomp_variant_index(const struct sbx_seccomp_request *rq)
{
	return (unsigned)rq->net_restrict | (unsigned)rq->allow_inet << 1 |
	       (unsigned)rq->allow_udp << 2 | (unsigned)rq->allow_unix << 3 |
	       (unsigned)rq->allow_listen << 4 | (unsigned)rq->observe << 5;
}
static inline struct sbx_seccomp_request sbx_seccomp_variant(unsigned index)
{
	return (struct sbx_seccomp_request){
		.net_restrict = index & 1,
		.allow_inet = index >> 1 & 1,
		.allow_udp = index >> 2 & 1,
		.allow_unix = index >> 3 & 1,
		.allow_listen = index >> 4 & 1,
		.observe = index >> 5 & 1,
	};
}

/* Install |b| in the calling thread (async-signal-safe: one system call).
 * no_new_privs must already be set.  Returns 0 or -errno. */
int sbx_seccomp_install(const struct sbx_bpf *b);

/* Install |b| with a new notification listener (SECCOMP_FILTER_FLAG_
 * NEW_LISTENER): returns the listener descriptor (close-on-exec) or
 * -errno.  Async-signal-safe. */
int sbx_seccomp_install_listener(const struct sbx_bpf *b);

/* The filter for the calling process itself, every thread of it, for the
 * rest of its life: the server's deny list, plus no exec, no new
 * processes (threads stay allowed) and no new sockets.  For the gateway
 * once the server runs: it parses hostile JSON with the user's rights,
 * and a bug there must not become a shell.  With |supervise| (profile
 * mode) process_vm_readv stays allowed: the supervisor reads the observed
 * calls' arguments with it.  Compiled with the project like the server's
 * (sbx_seccomp_program_self).  Returns 0, or -1 with a message in |err|. */
int sbx_seccomp_build_self(bool supervise, struct sbx_bpf *out, char *err, size_t err_size);
/* The same, compiled when the project was built (see sbx_seccomp_program).
 * Returns 0 or -ENOMEM. */
int sbx_seccomp_program_self(bool supervise, struct sbx_bpf *out);

/* Set no_new_privs and install |b| (from sbx_seccomp_build_self) in
 * every thread of the calling process (TSYNC).  Returns 0 or -errno. */
int sbx_seccomp_install_self(const struct sbx_bpf *b);

/* The system calls the filter denies, for documentation and `doctor`. */
extern const char *const sbx_seccomp_denied[];

/* The system calls observed in profile mode (sendto only with an
 * address). */
extern const char *const sbx_seccomp_observed[];

#endif
