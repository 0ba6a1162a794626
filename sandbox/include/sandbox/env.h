/* sandbox/env.h - the server's environment.
 *
 * Pure: takes an environment array and options, returns a new array and
 * the list of what was removed and why.  No system calls, no getenv.
 *
 * Modes:
 *  - SBX_ENV_SCRUB (default): every variable passes except secret-looking
 *    names (checked first, so a name on the safe base such as
 *    LC_SECRET_TOKEN is still removed), names that change how programs
 *    load or run code, and names that hand out a door to something outside
 *    the sandbox (SSH_AUTH_SOCK, DBUS_SESSION_BUS_ADDRESS, DOCKER_HOST...).
 *  - SBX_ENV_STRICT: only the safe base passes: PATH (absolute entries
 *    only), HOME, USER, LOGNAME, LANG, LC_*, TERM, TZ; and even there a
 *    secret-looking name (LC_SECRET_TOKEN) goes.  A name removed in strict
 *    mode is reported with its scrub class when it has one (GITHUB_TOKEN:
 *    secret), SBX_ENV_NOT_BASE otherwise.
 *  - SBX_ENV_PASSTHROUGH: nothing is removed, except what is no variable
 *    at all: malformed entries and repeated names (below).
 * In every mode a name matching one of |allow| (fnmatch globs) is kept,
 * whatever the patterns say, because editors pass a server's API key on
 * purpose; TMPDIR, TMP and TEMP are set to |tmpdir| when it is given.
 *
 * Matching.  Names are compared with the patterns without regard to ASCII
 * case (github_token is a secret as much as GITHUB_TOKEN; npm reads
 * npm_config_* in any case); a pattern is a NAME, a PREFIX*, a *SUFFIX or
 * a *PART*.  The safe base is compared exactly (PATH, not path), and so
 * are the allow globs (fnmatch(3) without flags).  Classes are tried in
 * the order door, secret, code-injection, and within a class in the order
 * of the lists below, so the reported pattern is the most specific one
 * (GITHUB_TOKEN: GITHUB_*, SSH_AUTH_SOCK: a door rather than SSH_*).
 *
 * The lists (sandbox/env.c holds them, grouped; "A" marks Assay's lists,
 * crates/assay-cli/src/env_filter.rs, everything else is ours):
 *
 *  door-out: SSH_AUTH_SOCK GPG_AGENT_INFO GNOME_KEYRING_CONTROL KRB5CCNAME
 *    DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS DBUS_STARTER_ADDRESS
 *    XDG_RUNTIME_DIR SESSION_MANAGER NOTIFY_SOCKET DISPLAY WAYLAND_DISPLAY
 *    XAUTHORITY PULSE_SERVER PIPEWIRE_REMOTE DOCKER_HOST CONTAINER_HOST
 *    KUBECONFIG(A, as a secret) TMUX STY KITTY_LISTEN_ON WEZTERM_UNIX_SOCKET
 *    NVIM NVIM_LISTEN_ADDRESS VSCODE_IPC_HOOK* VSCODE_GIT_IPC_HANDLE
 *    VSCODE_GIT_ASKPASS_*.
 *    Landlock does not mediate connect(2) to a named Unix socket, and the
 *    runtime directory (XDG_RUNTIME_DIR) is where the user's agent, bus,
 *    display and sound sockets live; an X11 or Wayland connection can
 *    inject keystrokes.  Removing the names is defence in depth: the
 *    well-known paths can still be guessed, so the sandbox proper must
 *    close them too.
 *
 *  secret (A unless noted):
 *    providers: OPENAI_* ANTHROPIC_* AWS_* AZURE_* GCP_* GOOGLE_*
 *      DIGITALOCEAN_* LINODE_* VULTR_* CLOUDFLARE_* HEROKU_* VERCEL_*
 *      NETLIFY_* FLY_*; ours: HF_* HUGGINGFACE_* CLOUDSDK_*
 *    version control and CI: GITHUB_* GITLAB_* BITBUCKET_* CI_* CIRCLE_*
 *      TRAVIS_* JENKINS_* BUILDKITE_* CODEBUILD_*
 *    databases: DATABASE_URL REDIS_* MONGO_* MYSQL_* POSTGRES_* PGPASSWORD
 *      PGUSER; ours: MONGODB_*
 *    tools: SSH_* GPG_* VAULT_* DOCKER_*
 *    registries: NPM_TOKEN NPM_AUTH_TOKEN YARN_* PIP_* PYPI_*
 *      CARGO_REGISTRY_TOKEN GEM_* NUGET_*; ours: TF_TOKEN_* NETRC
 *    services: SLACK_* DISCORD_* TWILIO_* SENDGRID_* STRIPE_* SENTRY_*
 *      DATADOG_* NEWRELIC_*; ours: OP_SESSION_*
 *    shapes (after every provider): *_DATABASE_URL *_CONNECTION_STRING
 *      *_CONN_STR (ours: *_DB_URL *_BROKER_URL *_DSN) *_API_KEY *_APIKEY
 *      *_PRIVATE_KEY *_SIGNING_KEY *_ENCRYPTION_KEY *_KEY *_TOKEN *_SECRET
 *      *_PASSWORD *_CREDENTIAL* *_AUTH *_BEARER; ours: *_SESSION *_COOKIE
 *      *_JWT *_PASS *_PASSWD *_PWD *_WEBHOOK_URL *SECRET* *PASSWORD*
 *      *PRIVATE_KEY* *ACCESS_KEY*
 *
 *  code-injection (A unless noted):
 *    glibc's UNSECURE_ENVVARS (2.40, what it drops for set-user-ID
 *      programs): LD_* GCONV_PATH GETCONF_DIR GLIBC_TUNABLES HOSTALIASES
 *      LOCALDOMAIN LOCPATH MALLOC_* NIS_PATH NLSPATH RESOLV_HOST_CONF
 *      RES_OPTIONS TMPDIR TZDIR; ours: TMP TEMP (Python's tempfile and
 *      others read them when TMPDIR is unset); DYLD_*
 *    Python: PYTHON* (A lists 21 PYTHON names)
 *    Node: NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS NODE_REDIRECT_WARNINGS
 *      NODE_DEBUG NODE_DEBUG_NATIVE NODE_PENDING_DEPRECATION
 *      NODE_PENDING_PIPE_INSTANCES NODE_PRESERVE_SYMLINKS
 *      NODE_PRESERVE_SYMLINKS_MAIN NODE_REPL_EXTERNAL_MODULE
 *      NODE_REPL_HISTORY NODE_TLS_REJECT_UNAUTHORIZED NODE_V8_COVERAGE;
 *      ours: ELECTRON_RUN_AS_NODE NPM_CONFIG_* (npm_config_registry too:
 *      npm and pnpm take any setting from there, script-shell,
 *      node-options and userconfig among them).  NODE_ENV passes.
 *    Ruby: RUBYOPT RUBYLIB RUBYPATH RUBYSHELL RUBY_GC_* RUBY_THREAD_*
 *    Perl: PERL5* PERLLIB PERL_MM_OPT PERL_MB_OPT
 *    JVM: JAVA_TOOL_OPTIONS _JAVA_OPTIONS JAVA_OPTIONS JDK_JAVA_OPTIONS
 *      CLASSPATH; ours: JAVA_OPTS MAVEN_OPTS GRADLE_OPTS
 *    Rust: RUSTC_WRAPPER RUSTDOC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS
 *      RUSTDOCFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_ENCODED_RUSTDOCFLAGS
 *      CARGO_BUILD_RUSTFLAGS CARGO_BUILD_RUSTDOCFLAGS
 *    C builds: CC CXX CPP CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LIBS AR AS LD NM
 *      OBJCOPY OBJDUMP RANLIB STRIP PKG_CONFIG PKG_CONFIG_PATH
 *      PKG_CONFIG_LIBDIR CMAKE_* MAKEFLAGS MFLAGS MAKELEVEL
 *    shells: BASH_ENV ENV ZDOTDIR CDPATH GLOBIGNORE BASH_XTRACEFD PS4
 *      PROMPT_COMMAND FIGNORE HOSTFILE INPUTRC MAILPATH TIMEFORMAT
 *      EXECIGNORE IFS SHELL; ours: BASH_FUNC_* (exported functions)
 *      SHELLOPTS BASHOPTS FPATH
 *    git and askpass: GIT_EXEC_PATH GIT_TEMPLATE_DIR GIT_ASKPASS GIT_SSH
 *      GIT_SSH_COMMAND SSH_ASKPASS SUDO_ASKPASS GIT_EXTERNAL_DIFF
 *      GIT_DIFF_OPTS GIT_PAGER GIT_EDITOR GIT_SEQUENCE_EDITOR; ours:
 *      GIT_CONFIG* (A: GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM; ours adds
 *      GIT_CONFIG, GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT/KEY_n/VALUE_n)
 *      GIT_PROXY_COMMAND
 *    pagers: ours: LESSOPEN LESSCLOSE (less runs them)
 *
 * TMPDIR and RES_OPTIONS.  Both are on glibc's list.  With |tmpdir|,
 * TMPDIR, TMP and TEMP are set to it in every mode, allowed or not,
 * replacing the input's (which are not reported); without it the scrub
 * and strict modes remove them.  With |res_use_vc|, RES_OPTIONS is set in
 * every mode and the input's is not reported: where the input's would be
 * kept (passthrough, or an allow glob, which then counts in |nallowed|)
 * "use-vc" is appended to it with a space unless one of its
 * space-separated words already is "use-vc"; otherwise (scrub, strict)
 * the input's value goes and RES_OPTIONS is "use-vc".  A replaced
 * variable keeps the place of the input's first one; the others are
 * appended in the order TMPDIR, TMP, TEMP, RES_OPTIONS.
 *
 * Malformed entries and repeated names, in every mode.  An entry without
 * '=' or with an empty name is removed as SBX_ENV_MALFORMED (its name is
 * the whole entry, or "" for an empty name: never a value).  When a name
 * appears more than once, the first entry is the variable (what getenv
 * returns) and is judged as usual; the later ones are removed as
 * SBX_ENV_DUPLICATE whatever their class (a shell or Python would take the
 * last one, so a second PATH could otherwise hide behind the first), and
 * silently when the name is one set by |tmpdir| or |res_use_vc|.  The
 * allow list keeps neither.
 *
 * Every input entry ends up exactly once in |envp|, in |removed| or
 * replaced as above; the order of the input is kept in both.
 */
#ifndef SANDBOX_ENV_H
#define SANDBOX_ENV_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_env_mode {
	SBX_ENV_SCRUB = 0,
	SBX_ENV_STRICT,
	SBX_ENV_PASSTHROUGH,
};

/* Why a variable is removed (or SBX_ENV_KEEP). */
enum sbx_env_class {
	SBX_ENV_KEEP = 0,
	SBX_ENV_SECRET,	  /* looks like a credential: *_TOKEN, AWS_*, ... */
	SBX_ENV_EXEC,	  /* changes how programs load or run code: LD_*, NODE_OPTIONS, ... */
	SBX_ENV_DOOR,	  /* a way out of the sandbox: SSH_AUTH_SOCK, DOCKER_HOST, ... */
	SBX_ENV_NOT_BASE, /* strict mode: not on the safe base */
	SBX_ENV_MALFORMED, /* no '=' or an empty name */
	SBX_ENV_DUPLICATE, /* a later entry of a name already seen */
};

struct sbx_env_opts {
	enum sbx_env_mode mode;
	const char *const *allow; /* globs; may be NULL when |nallow| is 0 */
	size_t nallow;
	const char *tmpdir; /* the private tmp: TMPDIR, TMP, TEMP; NULL: left alone */
	bool res_use_vc;    /* add "use-vc" to RES_OPTIONS (DNS over TCP) */
};

struct sbx_env_removed {
	char *name;	     /* the variable's name (never its value) */
	enum sbx_env_class why;
	const char *pattern; /* the pattern that matched, e.g. "*_TOKEN" (static);
			      * NULL for NOT_BASE, MALFORMED and DUPLICATE */
};

struct sbx_env {
	char **envp; /* NULL-terminated; every string malloc'd */
	size_t n;
	struct sbx_env_removed *removed; /* in the order of the input */
	size_t nremoved;
	size_t nallowed; /* kept only because of |allow| */
	bool path_filtered; /* strict mode dropped relative or empty entries from PATH
			     * (PATH is left out when none is absolute: an empty PATH
			     * would mean the current directory) */
};

/* Classify |name| (|len| bytes, not NUL-terminated) for scrub mode, ignoring
 * any allow list.  |*pattern| (may be NULL) receives the matching pattern,
 * NULL for SBX_ENV_KEEP. */
enum sbx_env_class sbx_env_classify(const char *name, size_t len, const char **pattern);

/* True when |name| is on the strict mode's safe base (exact case). */
bool sbx_env_is_base(const char *name, size_t len);

/* Build the environment from |in| (NULL-terminated "NAME=value" strings;
 * NULL is an empty environment).  Returns 0, or -ENOMEM (|out| is then
 * empty, everything freed). */
int sbx_env_build(char *const *in, const struct sbx_env_opts *o, struct sbx_env *out);
/* Frees everything |e| holds and empties it; |e| may be empty or NULL. */
void sbx_env_free(struct sbx_env *e);

/* "secret", "code-injection", "door-out", "not in the strict base",
 * "malformed", "duplicate"; "kept" for SBX_ENV_KEEP. */
const char *sbx_env_class_name(enum sbx_env_class c);

#endif
