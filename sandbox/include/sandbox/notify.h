/* sandbox/notify.h - the supervisor of observed system calls (profile mode).
 *
 * The server's seccomp filter returns a user notification for each call in
 * sbx_seccomp_observed.  For each one the supervisor reads the arguments
 * from the caller's memory (process_vm_readv), resolves relative paths
 * against the caller's working directory or directory descriptor, checks
 * that the notification is still valid (the caller may have died and its
 * pid been reused while we read), answers "continue" at once, and only
 * then hands the decoded effect to the caller's callback.
 *
 * Observation never decides: the call goes on to Landlock and the kernel's
 * own checks.  With continue-style answers a hostile server can change the
 * memory behind a path after it was read (another thread), so the record is
 * faithful for a cooperative server and a lower bound for a hostile one.
 */
#ifndef SANDBOX_NOTIFY_H
#define SANDBOX_NOTIFY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sbx_effect_kind {
	SBX_EFFECT_EXEC,
	SBX_EFFECT_FILE,
	SBX_EFFECT_NET,
};

/* File access bits (an open's flags give several). */
#define SBX_ACC_READ (1u << 0)
#define SBX_ACC_WRITE (1u << 1)
#define SBX_ACC_CREATE (1u << 2)
#define SBX_ACC_TRUNCATE (1u << 3)
#define SBX_ACC_MKDIR (1u << 4)
#define SBX_ACC_REMOVE (1u << 5)
#define SBX_ACC_RENAME (1u << 6)
#define SBX_ACC_LINK (1u << 7)
#define SBX_ACC_SYMLINK (1u << 8)
#define SBX_ACC_COUNT 9

/* "read", "write", ... for bit index |i| (< SBX_ACC_COUNT). */
const char *sbx_access_name(unsigned i);

enum sbx_net_op { SBX_NET_CONNECT, SBX_NET_BIND, SBX_NET_SEND };

struct sbx_effect {
	enum sbx_effect_kind kind;
	pid_t pid;	  /* the caller, as the gateway numbers it */
	const char *call; /* the system call's name */
	/* EXEC and FILE: the absolute, lexically normal path. */
	char path[PATH_MAX];
	unsigned access; /* FILE: SBX_ACC_* */
	bool missing;	 /* FILE: the path did not exist when the call was made */
	/* NET */
	enum sbx_net_op op;
	int family;	 /* AF_INET, AF_INET6, AF_UNIX */
	char addr[110];	 /* numeric address or unix path ("@name": abstract) */
	unsigned port;
};

typedef void (*sbx_effect_cb)(void *ctx, const struct sbx_effect *e);

struct sbx_notify_counters {
	uint64_t notifications; /* received */
	uint64_t effects;	/* handed to the callback */
	uint64_t unreadable;	/* arguments that could not be read (answered anyway) */
	uint64_t gone;		/* the caller died before the answer */
};

struct sbx_notifier {
	int fd;
	void *req, *resp; /* sized as the kernel says (SECCOMP_GET_NOTIF_SIZES) */
	size_t req_size, resp_size;
	struct sbx_notify_counters n;
	sbx_effect_cb cb;
	void *ctx;
};

/* Set up for listener |fd| (not taken over: close it yourself).  Returns 0
 * or -errno. */
int sbx_notify_init(struct sbx_notifier *nt, int fd, sbx_effect_cb cb, void *ctx);

/* Receive and answer one notification (call when |fd| is readable).
 * Returns 1 when one was handled, 0 when there was none (the caller died
 * first), -errno when the listener failed (-ENOENT...). */
int sbx_notify_handle(struct sbx_notifier *nt);

void sbx_notify_close(struct sbx_notifier *nt);

/* Lexically normalise absolute |path| in place: repeated '/', "." and ".."
 * removed, no trailing '/'. */
void sbx_path_normalize(char *path);

#endif
