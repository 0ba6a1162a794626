/* gateway/sandbox.c - the policy's sandbox section turned into spawn options. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

/* The built-in system list (sandbox.filesystem.system): what common Node
 * and Python servers need to start.  Paths that do not exist are skipped. */
static const struct {
	const char *path;
	unsigned rights;
} system_rules[] = {
	{"/usr", SBX_FS_READ | SBX_FS_EXEC},
	{"/bin", SBX_FS_READ | SBX_FS_EXEC},
	{"/sbin", SBX_FS_READ | SBX_FS_EXEC},
	{"/lib", SBX_FS_READ | SBX_FS_EXEC},
	{"/lib64", SBX_FS_READ | SBX_FS_EXEC},
	{"/lib32", SBX_FS_READ | SBX_FS_EXEC},
	{"/libx32", SBX_FS_READ | SBX_FS_EXEC},
	{"/opt", SBX_FS_READ | SBX_FS_EXEC},
	{"/nix/store", SBX_FS_READ | SBX_FS_EXEC},
	{"/run/systemd/resolve", SBX_FS_READ},
	{"/proc", SBX_FS_READ},
	{"/sys/devices/system/cpu", SBX_FS_READ},
	{"/sys/fs/cgroup", SBX_FS_READ},
	{"/dev/null", SBX_FS_READ | SBX_FS_WRITE | SBX_FS_DEV},
	{"/dev/zero", SBX_FS_READ | SBX_FS_DEV},
	{"/dev/full", SBX_FS_READ | SBX_FS_WRITE | SBX_FS_DEV},
	{"/dev/random", SBX_FS_READ | SBX_FS_DEV},
	{"/dev/urandom", SBX_FS_READ | SBX_FS_DEV},
};

/* What programs read in /etc: the loader, name service, TLS roots,
 * time zone, locale and MIME data, the runtimes' own settings.  A list,
 * not all of /etc: a server never needs host keys, password hashes or
 * network secrets, and there is no complete list of those to deny. */
static const char *const etc_read[] = {
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ld.so.preload",
	"/etc/nsswitch.conf", "/etc/host.conf", "/etc/hosts", "/etc/resolv.conf", "/etc/gai.conf",
	"/etc/services", "/etc/protocols", "/etc/passwd", "/etc/group", "/etc/localtime",
	"/etc/timezone", "/etc/locale.alias", "/etc/locale.conf", "/etc/default/locale",
	"/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki",
	"/etc/crypto-policies", "/etc/alternatives", "/etc/os-release", "/etc/lsb-release",
	"/etc/debian_version", "/etc/mime.types", "/etc/mailcap", "/etc/magic", "/etc/fonts",
	"/etc/xdg", "/etc/gitconfig", "/etc/inputrc", "/etc/pyenv.d", "/etc/python3",
	"/etc/nodejs",
};

/* Language runtimes and their caches under $HOME (read and execute). */
static const char *const home_runtimes[] = {
	".nvm", ".volta", ".fnm", ".pyenv", ".local/bin", ".local/lib", ".local/share/uv",
	".cache/uv", ".bun", ".deno", ".cargo/bin", ".npm",
};

/* Credentials that stay hidden even inside a granted directory (a
 * working directory that holds them, a policy that grants $HOME/.config). */
static const char *const system_deny[] = {
	"/etc/shadow",	   "/etc/shadow-",	  "/etc/gshadow", "/etc/gshadow-",
	"/etc/sudoers",	   "/etc/sudoers.d",	  "/etc/ssh",	  "/etc/ssl/private",
	"/etc/security/opasswd", "/etc/NetworkManager/system-connections", "/etc/wireguard",
	"/etc/machine-id",
};
static const char *const home_deny[] = {
	".ssh",	       ".gnupg",	   ".aws",	    ".azure",	      ".kube",
	".docker",     ".netrc",	   ".npmrc",	    ".pypirc",	      ".git-credentials",
	".config/gh",  ".config/gcloud",   ".password-store", ".local/share/keyrings",
	".vault-token", ".terraform.d",	   ".config/op",    ".bash_history",  ".zsh_history",
	".python_history", ".node_repl_history", ".mozilla", ".config/google-chrome",
	".config/chromium",
};

bool gw_sandbox_credential(const char *path, const char *home)
{
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof(system_deny) / sizeof(system_deny[0]); i++)
		if (sbx_path_within(path, system_deny[i]))
			return true;
	for (size_t i = 0; home && i < sizeof(home_deny) / sizeof(home_deny[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", home, home_deny[i]);
		if (sbx_path_within(path, p))
			return true;
	}
	return false;
}

bool gw_sandbox_builtin_grants(const char *path, unsigned rights, const char *home)
{
	if (gw_sandbox_credential(path, home))
		return false;
	unsigned have = 0;
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof(system_rules) / sizeof(system_rules[0]); i++)
		if (sbx_path_within(path, system_rules[i].path))
			have |= system_rules[i].rights;
	for (size_t i = 0; i < sizeof(etc_read) / sizeof(etc_read[0]); i++)
		if (sbx_path_within(path, etc_read[i]))
			have |= SBX_FS_READ;
	for (size_t i = 0; home && i < sizeof(home_runtimes) / sizeof(home_runtimes[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", home, home_runtimes[i]);
		if (sbx_path_within(path, p))
			have |= SBX_FS_READ | SBX_FS_EXEC;
	}
	return (have & rights) == rights;
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int add_rule(struct gw_sandbox *sb, const char *path, unsigned rights, bool optional,
		    char *err, size_t err_size)
{
	if (sb->nrules == GW_SANDBOX_MAX_RULES) {
		snprintf(err, err_size, "too many sandbox filesystem rules (at most %d)",
			 GW_SANDBOX_MAX_RULES);
		return -1;
	}
	/* Same path twice: merge the rights. */
	for (size_t i = 0; i < sb->nrules; i++) {
		if (strcmp(sb->rule_paths[i], path) == 0) {
			sb->rules[i].rights |= rights;
			sb->rules[i].optional &= optional;
			return 0;
		}
	}
	char *p = strdup(path);
	if (!p) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	sb->rule_paths[sb->nrules] = p;
	sb->rules[sb->nrules] = (struct sbx_fs_rule){p, rights, optional};
	sb->nrules++;
	return 0;
}

static int add_deny(struct gw_sandbox *sb, const char *path, char *err, size_t err_size)
{
	if (sb->ndeny == GW_SANDBOX_MAX_DENY) {
		snprintf(err, err_size, "too many denied sandbox paths (at most %d)",
			 GW_SANDBOX_MAX_DENY);
		return -1;
	}
	if (!(sb->deny[sb->ndeny] = strdup(path))) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	sb->ndeny++;
	return 0;
}

/* Is |dir| the root, $HOME, or above $HOME?  Granting it would grant the
 * user's whole home. */
static bool covers_home(const char *dir, const char *home)
{
	return strcmp(dir, "/") == 0 || (home && sbx_path_within(home, dir));
}

static int build_fs(struct gw_sandbox *sb, const struct pol_sandbox *pol, const char *cwd,
		    const char *home, char *err, size_t err_size)
{
	char path[PATH_MAX];
	if (pol->fs_system) {
		for (size_t i = 0; i < sizeof(system_rules) / sizeof(system_rules[0]); i++)
			if (add_rule(sb, system_rules[i].path, system_rules[i].rights, true, err,
				     err_size) != 0)
				return -1;
		for (size_t i = 0; i < sizeof(etc_read) / sizeof(etc_read[0]); i++)
			if (add_rule(sb, etc_read[i], SBX_FS_READ, true, err, err_size) != 0)
				return -1;
		for (size_t i = 0; home && i < sizeof(home_runtimes) / sizeof(home_runtimes[0]);
		     i++) {
			snprintf(path, sizeof(path), "%s/%s", home, home_runtimes[i]);
			if (add_rule(sb, path, SBX_FS_READ | SBX_FS_EXEC, true, err, err_size) != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < sizeof(system_deny) / sizeof(system_deny[0]); i++)
		if (add_deny(sb, system_deny[i], err, err_size) != 0)
			return -1;
	for (size_t i = 0; home && i < sizeof(home_deny) / sizeof(home_deny[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home, home_deny[i]);
		if (add_deny(sb, path, err, err_size) != 0)
			return -1;
	}
	if (cwd && pol->fs_cwd != POL_CWD_NONE) {
		if (covers_home(cwd, home) || sbx_path_within("/tmp", cwd))
			sbx_report_add(&sb->report, SBX_NOTE, "filesystem",
				       "the working directory %s is not granted: it would expose "
				       "the whole home directory or other runs' temporary files; "
				       "name the project directory in sandbox.filesystem instead",
				       cwd);
		else if (add_rule(sb, cwd,
				  SBX_FS_READ | (pol->fs_cwd == POL_CWD_WRITE ? SBX_FS_WRITE : 0),
				  false, err, err_size) != 0)
			return -1;
	}
	if (sb->tmp.fd >= 0 &&
	    add_rule(sb, sb->tmp.path, SBX_FS_READ | SBX_FS_WRITE, false, err, err_size) != 0)
		return -1;
	struct {
		char **v;
		size_t n;
		unsigned rights;
	} lists[] = {
		{pol->fs_read, pol->n_fs_read, SBX_FS_READ},
		{pol->fs_write, pol->n_fs_write, SBX_FS_READ | SBX_FS_WRITE},
		{pol->fs_exec, pol->n_fs_exec, SBX_FS_READ | SBX_FS_EXEC},
	};
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < lists[l].n; i++) {
			/* A path that does not exist grants nothing (and anything
			 * created there later stays denied). */
			if (access(lists[l].v[i], F_OK) != 0) {
				sbx_report_add(&sb->report, SBX_NOTE, "filesystem",
					       "%s does not exist: not granted", lists[l].v[i]);
				continue;
			}
			if (add_rule(sb, lists[l].v[i], lists[l].rights, false, err, err_size) != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < pol->n_fs_deny; i++)
		if (add_deny(sb, pol->fs_deny[i], err, err_size) != 0)
			return -1;
	for (size_t i = 0; i < sb->nrules; i++) {
		const struct sbx_fs_rule *r = &sb->rules[i];
		if ((r->rights & (SBX_FS_WRITE | SBX_FS_EXEC)) == (SBX_FS_WRITE | SBX_FS_EXEC))
			sbx_report_add(&sb->report, SBX_NOTE, "filesystem",
				       "%s is both writable and executable: a program the server "
				       "writes there can be run",
				       r->path);
	}
	return 0;
}

static void build_limits(struct gw_sandbox *sb, const struct pol_sandbox *pol)
{
	/* Defaults: no core dumps (they hold the server's memory, secrets
	 * included), a cap on descriptors and on file size; processes, address
	 * space and CPU time only when asked (an address-space cap breaks V8, a
	 * CPU cap kills a long editor session). */
	static const struct {
		enum pol_limit l;
		int resource;
		long long def;
	} map[] = {
		{POL_LIMIT_OPEN_FILES, RLIMIT_NOFILE, 4096},
		{POL_LIMIT_FILE_SIZE, RLIMIT_FSIZE, 4LL << 30},
		{POL_LIMIT_PROCESSES, RLIMIT_NPROC, -1},
		{POL_LIMIT_ADDRESS_SPACE, RLIMIT_AS, -1},
		{POL_LIMIT_CPU_SECONDS, RLIMIT_CPU, -1},
	};
	sb->rlimits[sb->nrlimits++] = (struct sbx_rlimit){RLIMIT_CORE, 0};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		long long v = pol->limits[map[i].l] >= 0 ? pol->limits[map[i].l] : map[i].def;
		if (v < 0)
			continue;
		struct rlimit cur;
		/* Never raise: the lower of the policy's value and the hard limit. */
		if (getrlimit(map[i].resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
		    (unsigned long long)v > cur.rlim_max)
			v = (long long)cur.rlim_max;
		sb->rlimits[sb->nrlimits++] = (struct sbx_rlimit){map[i].resource,
								  (unsigned long long)v};
	}
}

static void report_network(struct gw_sandbox *sb, const struct pol_sandbox *pol)
{
	if (pol->net_open || !sb->net_restricted)
		return;
	if (pol->n_unix_sockets && sb->abi < 9)
		sbx_report_add(&sb->report, SBX_DEGRADED, "network",
			       "unix sockets are allowed for %s, but below Landlock ABI 9 (Linux "
			       "7.1; this kernel has %d) any pathname unix socket the user can "
			       "reach is reachable, such as an ssh agent or the Docker socket",
			       pol->unix_sockets[0], sb->abi);
	if (pol->udp)
		sbx_report_add(&sb->report, SBX_NOTE, "network",
			       "UDP is allowed to every port (Landlock restricts UDP by port "
			       "only from ABI 10)");
}

/* The gateway's own files: the policy, the pin store, the audit log, the
 * profile outputs, and the state directory (audit key, pins).  Fills
 * |paths| (canonical, malloc'd) and |what|; returns how many. */
#define OWN_MAX 9
static size_t own_files(const struct gw_sandbox_own *own, char *const *envp, const char *home,
			char *paths[OWN_MAX], const char *what[OWN_MAX])
{
	char state[PATH_MAX] = "";
	const char *xdg = env_get(envp, "XDG_STATE_HOME");
	if (xdg && xdg[0] == '/')
		snprintf(state, sizeof(state), "%s/assay-gateway", xdg);
	else if (home)
		snprintf(state, sizeof(state), "%s/.local/state/assay-gateway", home);
	char pins_dir[PATH_MAX] = ""; /* where the pin store keeps each server's file */
	if (own && own->pins)
		snprintf(pins_dir, sizeof(pins_dir), "%s.d", own->pins);
	const struct {
		const char *what, *path;
	} files[OWN_MAX] = {
		{"policy file", own ? own->policy : NULL},
		{"pin store", own ? own->pins : NULL},
		{"pin store", pins_dir[0] ? pins_dir : NULL},
		{"audit log", own ? own->audit : NULL},
		{"state directory", state[0] ? state : NULL},
		{"profile output", own ? own->outputs[0] : NULL},
		{"profile output", own ? own->outputs[1] : NULL},
		{"profile output", own ? own->outputs[2] : NULL},
		{"evidence bundle", own ? own->outputs[3] : NULL},
	};
	size_t n = 0;
	for (size_t f = 0; f < OWN_MAX; f++) {
		if (!files[f].path)
			continue;
		if ((paths[n] = sbx_canonical_path(files[f].path)))
			what[n++] = files[f].what;
	}
	return n;
}

/* No write grant may cover the gateway's own files. */
static int check_own(struct gw_sandbox *sb, char *const *own, const char *const *what, size_t nown,
		     char *err, size_t err_size)
{
	/* Each write grant resolved once, then held against every file. */
	int rc = 0;
	for (size_t i = 0; rc == 0 && nown && i < sb->nrules; i++) {
		if (!(sb->rules[i].rights & SBX_FS_WRITE))
			continue;
		char *rr = sbx_canonical_path(sb->rules[i].path);
		for (size_t f = 0; rr && rc == 0 && f < nown; f++) {
			if (sbx_path_within(own[f], rr)) {
				snprintf(err, err_size,
					 "the sandbox would let the server write %s, which holds "
					 "the gateway's own %s (%s): narrow the write grant",
					 sb->rules[i].path, what[f], own[f]);
				rc = -1;
			}
		}
		free(rr);
	}
	return rc;
}

static int build_ruleset(struct gw_sandbox *sb, const struct pol_sandbox *pol, char *err,
			 size_t err_size);
static int build_learning(struct gw_sandbox *sb, const struct pol_sandbox *pol, char *const *own,
			  size_t nown, char *err, size_t err_size);

static int prepare_landlock(struct gw_sandbox *sb, const struct pol_sandbox *pol,
			    const struct gw_sandbox_cli *cli, const struct gw_sandbox_own *own,
			    const char *exe, const char *cwd, const char *home, char *const *envp,
			    char *err, size_t err_size)
{
	sb->abi = sbx_landlock_abi();
	if ((cli->require_landlock || pol->require_landlock) && sb->abi < 1) {
		snprintf(err, err_size,
			 "Landlock is required (--enforce) but not available: %s",
			 sb->abi == -ENOSYS	 ? "the kernel is built without it"
			 : sb->abi == -EOPNOTSUPP ? "it is disabled at boot (lsm= kernel parameter)"
						  : strerror(-sb->abi));
		return 2;
	}
	char *ownp[OWN_MAX];
	const char *ownw[OWN_MAX];
	size_t nown = own_files(own, envp, home, ownp, ownw);
	int rc = build_fs(sb, pol, cwd, home, err, err_size) != 0 ||
			 check_own(sb, ownp, ownw, nown, err, err_size) != 0
		 ? 2
		 : 0;
	/* The bundle's signing key stays out of reach, whatever is granted. */
	if (rc == 0 && own && own->key) {
		char *k = sbx_canonical_path(own->key);
		rc = k && add_deny(sb, k, err, err_size) != 0 ? 2 : 0;
		free(k);
	}
	/* The command the user named is trusted to run: execute on that one
	 * file, wherever it is (a build directory, a project's bin/). */
	if (rc == 0 && exe && add_rule(sb, exe, SBX_FS_READ | SBX_FS_EXEC, false, err, err_size) != 0)
		rc = 2;
	if (rc == 0 && sb->learn)
		rc = build_learning(sb, pol, ownp, nown, err, err_size);
	else if (rc == 0)
		rc = build_ruleset(sb, pol, err, err_size);
	for (size_t i = 0; i < nown; i++)
		free(ownp[i]);
	return rc;
}

/* The ruleset the policy asks for. */
static int build_ruleset(struct gw_sandbox *sb, const struct pol_sandbox *pol, char *err,
			 size_t err_size)
{
	struct sbx_landlock_request lr = {
		.fs = sb->rules,
		.nfs = sb->nrules,
		.deny = (const char *const *)sb->deny,
		.ndeny = sb->ndeny,
		.net_restrict = sb->net_restricted,
		.connect_tcp = pol->connect_tcp,
		.nconnect = pol->n_connect_tcp,
		.bind_tcp = pol->bind_tcp,
		.nbind = pol->n_bind_tcp,
		.scope_abstract_unix = pol->scope_abstract_unix,
		.scope_signal = pol->scope_signals,
	};
	if (sbx_landlock_build(&lr, sb->abi, &sb->ruleset_fd, &sb->report, err, err_size) != 0)
		return 2;
	report_network(sb, pol);
	return 0;
}

/* Dry run: the policy's rules stay in |sb| to check effects against; the
 * ruleset applied grants everything but the credentials (the deny lists)
 * and the gateway's own files, so that the server's work is not cut short
 * by the first refusal. */
static int build_learning(struct gw_sandbox *sb, const struct pol_sandbox *pol, char *const *own,
			  size_t nown, char *err, size_t err_size)
{
	const char *deny[GW_SANDBOX_MAX_DENY + OWN_MAX];
	size_t n = 0;
	for (size_t i = 0; i < sb->ndeny; i++)
		deny[n++] = sb->deny[i];
	for (size_t i = 0; i < nown; i++)
		deny[n++] = own[i];
	static const struct sbx_fs_rule all = {"/", SBX_FS_READ | SBX_FS_WRITE | SBX_FS_EXEC | SBX_FS_DEV,
					       false};
	struct sbx_landlock_request lr = {
		.fs = &all,
		.nfs = 1,
		.deny = deny,
		.ndeny = n,
		.scope_abstract_unix = pol->scope_abstract_unix,
		.scope_signal = pol->scope_signals,
	};
	if (sbx_landlock_build(&lr, sb->abi, &sb->ruleset_fd, &sb->report, err, err_size) != 0)
		return 2;
	sbx_report_add(&sb->report, SBX_NOTE, "sandbox",
		       "dry run: the policy's filesystem and network rules are checked, not "
		       "enforced; credentials and the gateway's own files stay denied");
	return 0;
}

static int check_fail_closed(struct gw_sandbox *sb, const struct pol_sandbox *pol,
			     const struct gw_sandbox_cli *cli, char *err, size_t err_size)
{
	size_t degraded = sbx_report_count(&sb->report, SBX_DEGRADED);
	if ((cli->fail_closed || pol->fail_closed) && degraded) {
		size_t off = (size_t)snprintf(err, err_size,
					      "the sandbox cannot enforce everything the policy "
					      "asks for (--fail-closed):");
		for (size_t i = 0; i < sb->report.n && off < err_size; i++)
			if (sb->report.items[i].severity == SBX_DEGRADED)
				off += (size_t)snprintf(err + off, err_size - off, "\n  - %s: %s",
							sb->report.items[i].area,
							sb->report.items[i].text);
		return 2;
	}
	return 0;
}

void gw_sandbox_init(struct gw_sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->tmp.fd = -1;
	sb->ruleset_fd = -1;
	sb->status_fd = -1;
	sb->listener_fd = -1;
}

int gw_sandbox_prepare(struct gw_sandbox *sb, const struct pol_sandbox *pol,
		       const struct gw_sandbox_cli *cli, const struct gw_sandbox_own *own,
		       const char *exe, const char *cwd, char *const *envp, char *err,
		       size_t err_size)
{
	gw_sandbox_init(sb);
	sb->enabled = pol->enabled && !cli->disabled;

	/* The environment first: even without a sandbox it is scrubbed as
	 * asked.  Allow lists from the policy and the command line add up. */
	enum pol_env_mode mode = pol->env_mode;
	if (cli->env_strict)
		mode = POL_ENV_STRICT;
	if (cli->env_passthrough)
		mode = POL_ENV_PASSTHROUGH;
	size_t nallow = pol->n_env_allow + cli->n_env_allow;
	const char **allow = calloc(nallow ? nallow : 1, sizeof(*allow));
	if (!allow) {
		snprintf(err, err_size, "out of memory");
		return 2;
	}
	for (size_t i = 0; i < pol->n_env_allow; i++)
		allow[i] = pol->env_allow[i];
	for (size_t i = 0; i < cli->n_env_allow; i++)
		allow[pol->n_env_allow + i] = cli->env_allow[i];

	const char *home = gw_home_dir(env_get(envp, "HOME"));
	if (home && strcmp(home, "/") == 0)
		home = NULL;

	if (sb->enabled) {
		if (sbx_tmpdir_create(&sb->tmp, NULL, err, err_size) != 0) {
			free(allow);
			return 2;
		}
	}
	sb->observe = sb->enabled && cli->observe;
	sb->learn = sb->enabled && cli->learn;
	sb->net_restricted = sb->enabled && !pol->net_open && !sb->learn;
	bool dns_tcp = false;
	for (size_t i = 0; i < pol->n_connect_tcp; i++)
		dns_tcp |= pol->connect_tcp[i] == 53;
	struct sbx_env_opts eo = {
		.mode = mode == POL_ENV_STRICT	     ? SBX_ENV_STRICT
			: mode == POL_ENV_PASSTHROUGH ? SBX_ENV_PASSTHROUGH
						      : SBX_ENV_SCRUB,
		.allow = allow,
		.nallow = nallow,
		.tmpdir = sb->tmp.fd >= 0 ? sb->tmp.path : NULL,
		.res_use_vc = sb->net_restricted && !pol->udp && dns_tcp,
	};
	int rc = sbx_env_build(envp, &eo, &sb->env);
	free(allow);
	if (rc != 0) {
		snprintf(err, err_size, "cannot build the server's environment: %s", strerror(-rc));
		return 2;
	}
	if (mode == POL_ENV_PASSTHROUGH)
		sbx_report_add(&sb->report, SBX_NOTE, "environment",
			       "the environment is passed through unscrubbed (--env-passthrough): "
			       "the server sees every secret in it");
	if (!sb->enabled) {
		sbx_report_add(&sb->report, SBX_DEGRADED, "sandbox",
			       "the sandbox is off: the server runs with all of the user's rights");
		return check_fail_closed(sb, pol, cli, err, err_size);
	}

	if (prepare_landlock(sb, pol, cli, own, exe, cwd, home, envp, err, err_size) != 0)
		return 2;
	/* The filters were compiled with the project (sandbox/seccomp.h). */
	struct sbx_seccomp_request rq = {
		.net_restrict = sb->net_restricted,
		.allow_inet = pol->n_connect_tcp > 0 || pol->n_bind_tcp > 0,
		.allow_udp = pol->udp,
		.allow_unix = pol->n_unix_sockets > 0,
		.allow_listen = pol->n_bind_tcp > 0,
		.observe = sb->observe,
	};
	int src = sbx_seccomp_program(&rq, &sb->bpf);
	if (src == 0)
		src = sbx_seccomp_program_self(sb->observe, &sb->self_bpf);
	if (src != 0) {
		snprintf(err, err_size, "cannot set up the seccomp filter: %s", strerror(-src));
		return 2;
	}
	build_limits(sb, pol);
	sb->drop_caps = sbx_has_capabilities();
	return check_fail_closed(sb, pol, cli, err, err_size);
}

bool gw_sandbox_restrict_gateway(struct gw_sandbox *sb)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)sb;
	return false;
#else
	if (!sb->enabled)
		return false;
	int rc = sb->self_bpf.insns ? sbx_seccomp_install_self(&sb->self_bpf) : 0;
	if (!sb->self_bpf.insns || rc != 0) {
		gw_warn("sandbox: cannot load the gateway's own seccomp filter: %s",
			sb->self_bpf.insns ? strerror(-rc) : "it was not built");
		return false;
	}
	sb->gateway_restricted = true;
	return true;
#endif
}

unsigned gw_sandbox_sweep(const struct gw_sandbox *sb)
{
	return sb->enabled ? sbx_tmpdir_sweep(NULL, SBX_TMPDIR_SWEEP_AGE) : 0;
}

void gw_sandbox_spawn_opts(struct gw_sandbox *sb, struct sbx_spawn_opts *so)
{
	so->envp = sb->env.envp;
	if (!sb->enabled)
		return;
	so->rlimits = sb->rlimits;
	so->nrlimits = sb->nrlimits;
	so->drop_caps = sb->drop_caps;
	so->no_new_privs = true;
	so->landlock_fd = sb->ruleset_fd;
	so->landlock_flags = sbx_landlock_restrict_flags(sb->abi);
	so->seccomp = sb->bpf.insns ? &sb->bpf : NULL;
	so->pid_namespace = true;
	so->status_fd = &sb->status_fd;
}

void gw_sandbox_spawned(struct gw_sandbox *sb, const struct sbx_spawn_error *err)
{
	sb->pid_namespace = sb->enabled && sb->status_fd >= 0;
	if (sb->enabled && err->no_namespace)
		sbx_report_add(&sb->report, SBX_NOTE, "process",
			       "no PID namespace (%s): a helper that leaves the server's process "
			       "group and ignores its closed stdin can outlive a gateway killed "
			       "with SIGKILL",
			       strerror(err->no_namespace));
}

void gw_sandbox_log(const struct gw_sandbox *sb)
{
	if (sb->env.nremoved) {
		char names[1024];
		size_t off = 0;
		names[0] = '\0';
		for (size_t i = 0; i < sb->env.nremoved && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", sb->env.removed[i].name);
		gw_debug("sandbox: removed %zu environment variable%s from the server's "
			"environment: %s (keep one with --env-allow NAME)",
			sb->env.nremoved, sb->env.nremoved == 1 ? "" : "s", names);
		for (size_t i = 0; i < sb->env.nremoved; i++) {
			const struct sbx_env_removed *r = &sb->env.removed[i];
			gw_debug("sandbox: removed %s (%s%s%s; keep it with --env-allow %s)",
				 r->name, sbx_env_class_name(r->why), r->pattern ? ": " : "",
				 r->pattern ? r->pattern : "", r->name);
		}
	}
	for (size_t i = 0; i < sb->report.n; i++) {
		const struct sbx_item *it = &sb->report.items[i];
		if (it->severity == SBX_DEGRADED)
			gw_warn("sandbox: not enforced (%s): %s", it->area, it->text);
		else if (strcmp(it->area, "environment") == 0)
			gw_warn("sandbox: %s", it->text);
		else
			gw_debug("sandbox: note (%s): %s", it->area, it->text);
	}
	if (sb->report.lost)
		gw_warn("sandbox: not enforced: some of what the sandbox could not enforce was "
			"lost (out of memory)");
	if (!sb->enabled)
		return;
	gw_debug("sandbox: private tmp %s, Landlock ABI %d, %zu filesystem rules, %zu denied "
		 "paths, seccomp %zu instructions, capabilities %s",
		 sb->tmp.path, sb->abi, sb->nrules, sb->ndeny, sb->bpf.len,
		 sb->drop_caps ? "dropped" : "none held");
}

json_t *gw_sandbox_json(const struct gw_sandbox *sb)
{
	json_t *removed = json_array(), *degraded = json_array(), *notes = json_array();
	for (size_t i = 0; i < sb->env.nremoved; i++)
		json_array_append_new(removed,
				      json_pack("{s:s,s:s}", "name", sb->env.removed[i].name,
						"why", sbx_env_class_name(sb->env.removed[i].why)));
	for (size_t i = 0; i < sb->report.n; i++)
		json_array_append_new(sb->report.items[i].severity == SBX_DEGRADED ? degraded
										   : notes,
				      json_pack("{s:s,s:s}", "area", sb->report.items[i].area,
						"what", sb->report.items[i].text));
	return json_pack("{s:b,s:i,s:s?,s:o,s:o,s:o,s:b,s:I,s:b,s:b}", "enabled", sb->enabled,
			 "landlock_abi", sb->abi, "tmpdir",
			 sb->tmp.fd >= 0 ? sb->tmp.path : NULL, "env_removed", removed,
			 "degraded", degraded, "notes", notes, "capabilities_dropped",
			 sb->drop_caps, "seccomp_instructions", (json_int_t)sb->bpf.len,
			 "gateway_restricted", sb->gateway_restricted, "pid_namespace",
			 sb->pid_namespace);
}

bool gw_sandbox_explains(const struct gw_sandbox *sb, const char *text, char *path,
			 size_t path_size, const char **what)
{
	static const char *const words[] = {"permission denied", "eacces", "eperm",
					    "operation not permitted", "access denied", NULL};
	if (!sb->enabled || !text)
		return false;
	bool perm = false;
	for (const char *const *w = words; *w && !perm; w++)
		perm = strcasestr(text, *w) != NULL;
	if (!perm)
		return false;
	/* The first absolute path in the text, up to a quote, a blank, a comma
	 * or a closing bracket. */
	for (const char *p = text; (p = strchr(p, '/')) != NULL; p++) {
		if (p > text && !strchr(" '\"`(:[=", p[-1]))
			continue;
		size_t n = strcspn(p, " '\"`,)]\n\t");
		while (n > 1 && (p[n - 1] == '.' || p[n - 1] == ':'))
			n--;
		if (n < 2 || n >= path_size)
			continue;
		memcpy(path, p, n);
		path[n] = '\0';
		bool reach = false, write = false;
		for (size_t i = 0; i < sb->nrules; i++) {
			if (!sbx_path_within(path, sb->rules[i].path))
				continue;
			reach = true;
			write |= (sb->rules[i].rights & SBX_FS_WRITE) != 0;
		}
		if (write)
			return false;
		*what = reach ? "write" : "access";
		return true;
	}
	return false;
}

void gw_sandbox_close(struct gw_sandbox *sb)
{
	if (sb->ruleset_fd >= 0)
		close(sb->ruleset_fd);
	sb->ruleset_fd = -1;
	if (sb->status_fd >= 0)
		close(sb->status_fd);
	sb->status_fd = -1;
	sbx_bpf_free(&sb->bpf);
	sbx_bpf_free(&sb->self_bpf);
	if (sb->tmp.fd >= 0 && sbx_tmpdir_remove(&sb->tmp) != 0)
		gw_warn("sandbox: could not remove all of the private directory %s",
			sb->tmp.path);
	sbx_env_free(&sb->env);
	sbx_report_free(&sb->report);
	for (size_t i = 0; i < sb->nrules; i++)
		free(sb->rule_paths[i]);
	for (size_t i = 0; i < sb->ndeny; i++)
		free(sb->deny[i]);
	sb->nrules = sb->ndeny = 0;
}
