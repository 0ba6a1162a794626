/* sandbox/spawn.h - start the server process.
 *
 * Everything is prepared in the parent; between fork and exec the child
 * runs only async-signal-safe system calls (the gateway may have threads).
 * An exec failure travels back through a close-on-exec pipe as the stage
 * that failed and its errno.
 */
#ifndef SANDBOX_SPAWN_H
#define SANDBOX_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum sbx_stage {
	SBX_STAGE_NONE = 0,
	SBX_STAGE_NAMESPACE,
	SBX_STAGE_SETSID,
	SBX_STAGE_PDEATHSIG,
	SBX_STAGE_SIGNALS,
	SBX_STAGE_STDIO,
	SBX_STAGE_FDS,
	SBX_STAGE_RLIMITS,
	SBX_STAGE_CHDIR,
	SBX_STAGE_CAPS,
	SBX_STAGE_NO_NEW_PRIVS,
	SBX_STAGE_LANDLOCK,
	SBX_STAGE_SECCOMP,
	SBX_STAGE_OBSERVE,
	SBX_STAGE_EXEC,
};

struct sbx_bpf; /* sandbox/seccomp.h */

struct sbx_rlimit {
	int resource; /* RLIMIT_* */
	unsigned long long value; /* soft and hard limit */
};

struct sbx_spawn_opts {
	const char *path;   /* file to execute (from sbx_resolve_command) */
	char *const *argv;  /* NULL-terminated; argv[0] is what the server sees */
	char *const *envp;  /* NULL-terminated */
	int stdio[3];	    /* descriptors that become the child's 0, 1, 2 (all > 2) */

	/* The sandbox, applied in this order after the descriptors are set up;
	 * zero values leave the step out. */
	const struct sbx_rlimit *rlimits; /* lowered, never raised */
	size_t nrlimits;
	const char *cwd;	  /* chdir before the sandbox closes the filesystem */
	bool drop_caps;		  /* drop every capability, lock the securebits */
	bool no_new_privs;	  /* PR_SET_NO_NEW_PRIVS */
	int landlock_fd;	  /* landlock_restrict_self(); -1 or 0: none */
	unsigned landlock_flags;
	const struct sbx_bpf *seccomp; /* installed last */

	/* Run the command under a minimal init of ours as PID 1 of a new PID
	 * namespace, so that the kernel ends the whole tree when the init
	 * dies (it dies with the gateway: PR_SET_PDEATHSIG).  The init reaps,
	 * passes signals on to the command's process group, and exits with
	 * the command's status; a command killed by a signal cannot be
	 * mirrored by a PID 1, so the real wait status goes through
	 * |*status_fd| (read it with sbx_spawn_status).  Needs CAP_SYS_ADMIN;
	 * when the kernel refuses the namespace, sbx_spawn falls back to a
	 * plain child and sets |no_namespace| in the error structure. */
	bool pid_namespace;
	int *status_fd; /* out: -1 without a namespace */

	/* Observation (profile mode): |seccomp| was built with observe and is
	 * installed with a notification listener.  The exec itself is
	 * observed, so the command reports the listener's number before it
	 * execs; the parent takes the descriptor with pidfd_getfd() and calls
	 * |serve| for each notification while it waits for the exec's outcome,
	 * then hands the listener over in |*listener_fd|. */
	bool observe;
	void (*serve)(void *ctx, int listener);
	void *serve_ctx;
	int *listener_fd; /* out: -1 when not observing */
};

struct sbx_spawn_error {
	enum sbx_stage stage;
	int err;	  /* errno */
	int no_namespace; /* errno of the refused PID namespace, 0 when none was refused */
};

/* The command's wait status, from the descriptor the init writes it to
 * before it exits (see pid_namespace).  Returns 0 with |*status|, or -1
 * when nothing was written (then the init's own status is the command's). */
int sbx_spawn_status(int fd, int *status);

/* True when the calling process holds any capability (effective,
 * permitted, inheritable, ambient, or a non-empty bounding set while
 * running as uid 0): then drop_caps is needed. */
bool sbx_has_capabilities(void);

/* Fork and exec.  The child becomes a session leader (so its process group
 * id is its pid), is killed when the gateway dies (PR_SET_PDEATHSIG), gets
 * default signal dispositions and an empty signal mask, and keeps no file
 * descriptor but 0, 1 and 2.  Returns 0 with the pid in |*pid|, or a
 * negative errno: -ECHILD when the child reported a failure (details in
 * |*err|), other values when fork or pipe creation failed. */
int sbx_spawn(const struct sbx_spawn_opts *o, pid_t *pid, struct sbx_spawn_error *err);

/* Kill process group |group| (when > 0) and every descendant re-parented
 * to the caller (a child subreaper), and reap them.  Call it after the
 * command itself was reaped. */
void sbx_kill_descendants(pid_t group);

/* Name of a stage for messages. */
const char *sbx_stage_name(enum sbx_stage stage);

/* Find |cmd| as execve would run it: a name with a '/' is used as given,
 * otherwise each entry of |path_env| (colon-separated; NULL means
 * "/usr/local/bin:/usr/bin:/bin") is tried in order.  Writes the path to
 * |out| (|size| bytes).  Returns 0, -ENOENT (not found), -EACCES (found but
 * not executable; |out| holds the path), -EISDIR, -ENAMETOOLONG. */
int sbx_resolve_command(const char *cmd, const char *path_env, char *out, size_t size);

/* The exit status a shell reports for wait status |status|: the exit code,
 * or 128+N after signal N (1 for anything else).  Async-signal-safe. */
int sbx_status_exit_code(int status);

/* The exit status a shell would use for an exec failure with |err|: 127
 * when the file (or its interpreter) does not exist, 126 otherwise. */
int sbx_exec_exit_code(int err);

#endif
