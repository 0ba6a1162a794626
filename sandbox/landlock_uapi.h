/* sandbox/landlock_uapi.h - the Landlock user-space API, up to ABI 7.
 *
 * Carried here because distribution headers lag the kernel (Debian 12's
 * <linux/landlock.h> has neither network rules nor scopes).  Values are
 * the kernel's ABI and never change.
 */
#ifndef SANDBOX_LANDLOCK_UAPI_H
#define SANDBOX_LANDLOCK_UAPI_H

#include <stdint.h>

struct sbx_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

struct sbx_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct sbx_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define SBX_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define SBX_LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)

#define SBX_LANDLOCK_RULE_PATH_BENEATH 1
#define SBX_LANDLOCK_RULE_NET_PORT 2

#define SBX_LL_FS_EXECUTE (1ULL << 0)
#define SBX_LL_FS_WRITE_FILE (1ULL << 1)
#define SBX_LL_FS_READ_FILE (1ULL << 2)
#define SBX_LL_FS_READ_DIR (1ULL << 3)
#define SBX_LL_FS_REMOVE_DIR (1ULL << 4)
#define SBX_LL_FS_REMOVE_FILE (1ULL << 5)
#define SBX_LL_FS_MAKE_CHAR (1ULL << 6)
#define SBX_LL_FS_MAKE_DIR (1ULL << 7)
#define SBX_LL_FS_MAKE_REG (1ULL << 8)
#define SBX_LL_FS_MAKE_SOCK (1ULL << 9)
#define SBX_LL_FS_MAKE_FIFO (1ULL << 10)
#define SBX_LL_FS_MAKE_BLOCK (1ULL << 11)
#define SBX_LL_FS_MAKE_SYM (1ULL << 12)
#define SBX_LL_FS_REFER (1ULL << 13)	 /* ABI 2 */
#define SBX_LL_FS_TRUNCATE (1ULL << 14)	 /* ABI 3 */
#define SBX_LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define SBX_LL_NET_BIND_TCP (1ULL << 0)	   /* ABI 4 */
#define SBX_LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define SBX_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define SBX_LL_SCOPE_SIGNAL (1ULL << 1)		      /* ABI 6 */

/* landlock_restrict_self() flags, ABI 7. */
#define SBX_LL_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define SBX_LL_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define SBX_LL_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* The newest ABI this file knows; a newer kernel is used at this level. */
#define SBX_LANDLOCK_ABI_KNOWN 7

#endif
