/* sandbox/seccomp.c - installing the filters. */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void sbx_bpf_free(struct sbx_bpf *b)
{
	free(b->insns);
	memset(b, 0, sizeof(*b));
}

int sbx_seccomp_install(const struct sbx_bpf *b)
{
	struct sock_fprog prog = {.len = (unsigned short)b->len, .filter = b->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		return -errno;
	return 0;
}

int sbx_seccomp_install_listener(const struct sbx_bpf *b)
{
	struct sock_fprog prog = {.len = (unsigned short)b->len, .filter = b->insns};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  &prog);
	return fd < 0 ? -errno : (int)fd;
}

int sbx_seccomp_install_self(const struct sbx_bpf *b)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	struct sock_fprog prog = {.len = (unsigned short)b->len, .filter = b->insns};
	/* TSYNC_ESRCH (Linux 5.7): a thread that cannot be synchronised is an
	 * error, not a thread id to decode; before it, a positive result is
	 * that thread's id. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH, &prog);
	if (rc < 0 && errno == EINVAL)
		rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
			     &prog);
	if (rc == 0)
		return 0;
	return rc < 0 ? -errno : -ESRCH;
}
