/* sandbox/landlock.h - build the Landlock ruleset for the server.
 *
 * Built in the parent (it opens the rule paths); the child only calls
 * landlock_restrict_self() on the descriptor.  One ruleset holds the
 * filesystem, network and scope restrictions: a second layer that handles
 * only the network would implicitly forbid REFER and break renames.
 *
 * Best effort across ABIs: rights the running kernel lacks are stripped,
 * and each one the request needed is reported as a degradation.
 */
#ifndef SANDBOX_LANDLOCK_H
#define SANDBOX_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/report.h"

/* Rights a rule grants, as the policy writes them. */
#define SBX_FS_READ 1u	/* read files, list directories */
#define SBX_FS_WRITE 2u /* write, truncate, create, remove, rename (never device nodes) */
#define SBX_FS_EXEC 4u	/* execute */
#define SBX_FS_DEV 8u	/* ioctl on device files (a terminal, /dev/null) */

struct sbx_fs_rule {
	const char *path; /* absolute */
	unsigned rights;
	bool optional; /* a missing path is skipped silently (built-in lists) */
};

struct sbx_landlock_request {
	const struct sbx_fs_rule *fs;
	size_t nfs;
	const char *const *deny; /* absolute paths carved out of the rules */
	size_t ndeny;
	bool net_restrict; /* handle TCP connect and bind */
	const uint16_t *connect_tcp;
	size_t nconnect;
	const uint16_t *bind_tcp;
	size_t nbind;
	bool scope_abstract_unix; /* abstract unix sockets only within the sandbox */
	bool scope_signal;	  /* signals only within the sandbox */
};

/* The Landlock ABI of the running kernel: >= 1, or -ENOSYS (not built),
 * -EOPNOTSUPP (disabled at boot), another negative errno. */
int sbx_landlock_abi(void);

/* Errata bitmask of the running kernel (0 when unknown). */
unsigned sbx_landlock_errata(void);

/* Build the ruleset for |abi| (from sbx_landlock_abi; <= 0 means no
 * Landlock: everything asked for is reported as degraded and *fd is -1).
 * Returns 0 with the ruleset in |*fd| (close-on-exec), or -1 with a
 * message in |err| when a rule path cannot be used (a configuration
 * error: the run must stop). */
int sbx_landlock_build(const struct sbx_landlock_request *rq, int abi, int *fd,
		       struct sbx_report *rep, char *err, size_t err_size);

/* The Landlock rights for policy rights |r| on a directory (|dir|) or a
 * file, before ABI stripping. */
uint64_t sbx_landlock_rights(unsigned r, bool dir);

/* Is absolute |path| equal to |dir| or beneath it (a trailing '/' on
 * |dir| does not count)?  Lexical: resolve both first. */
bool sbx_path_within(const char *path, const char *dir);

/* The canonical form of |path|, which may not exist yet: the real path of
 * its longest existing prefix, then the rest as written.  Malloc'd, or
 * NULL. */
char *sbx_canonical_path(const char *path);

/* Flags for landlock_restrict_self() at |abi|. */
unsigned sbx_landlock_restrict_flags(int abi);

#endif
