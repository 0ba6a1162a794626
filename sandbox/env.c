/* sandbox/env.c - the server's environment: scrub, strict and passthrough
 * over a "NAME=value" array.  Pure: no system calls, no getenv.  The
 * decisions (order of the classes, TMPDIR, RES_OPTIONS, repeated names)
 * are described in sandbox/env.h. */
#include "sandbox/env.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation goes through this; tests/unit/test_env.c builds this
 * file with one that fails on demand. */
#ifndef SBX_ENV_ALLOC
#define SBX_ENV_ALLOC malloc
#endif

/* ---- patterns ----------------------------------------------------------- */

/* NAME, PREFIX*, *SUFFIX or *PART*, in upper case; matched without regard
 * to ASCII case. */
struct pat {
	const char *s;
	size_t len;
};

#define P(x) { x, sizeof(x) - 1 }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A way out of the sandbox: a socket, a display, a daemon, a credential
 * cache.  Tried first, so SSH_AUTH_SOCK is a door rather than an SSH_*
 * secret. */
static const struct pat door_pats[] = {
	/* agents, keyrings, credential caches */
	P("SSH_AUTH_SOCK"), P("GPG_AGENT_INFO"), P("GNOME_KEYRING_CONTROL"), P("KRB5CCNAME"),
	/* buses and the session's services (XDG_RUNTIME_DIR holds their sockets) */
	P("DBUS_SESSION_BUS_ADDRESS"), P("DBUS_SYSTEM_BUS_ADDRESS"), P("DBUS_STARTER_ADDRESS"),
	P("XDG_RUNTIME_DIR"), P("SESSION_MANAGER"), P("NOTIFY_SOCKET"),
	/* displays (keystroke injection) and sound */
	P("DISPLAY"), P("WAYLAND_DISPLAY"), P("XAUTHORITY"), P("PULSE_SERVER"),
	P("PIPEWIRE_REMOTE"),
	/* container engines and clusters */
	P("DOCKER_HOST"), P("CONTAINER_HOST"), P("KUBECONFIG"),
	/* terminals and editors that take commands on a socket */
	P("TMUX"), P("STY"), P("KITTY_LISTEN_ON"), P("WEZTERM_UNIX_SOCKET"), P("NVIM"),
	P("NVIM_LISTEN_ADDRESS"), P("VSCODE_IPC_HOOK*"), P("VSCODE_GIT_IPC_HANDLE"),
	P("VSCODE_GIT_ASKPASS_*"),
};

/* Credentials.  Providers before the generic shapes, so that the log names
 * the provider (GITHUB_TOKEN: GITHUB_*), and within the shapes the specific
 * before the general (*_API_KEY before *_KEY). */
static const struct pat secret_pats[] = {
	/* AI and cloud providers */
	P("OPENAI_*"), P("ANTHROPIC_*"), P("AWS_*"), P("AZURE_*"), P("GCP_*"), P("GOOGLE_*"),
	P("DIGITALOCEAN_*"), P("LINODE_*"), P("VULTR_*"), P("CLOUDFLARE_*"), P("HEROKU_*"),
	P("VERCEL_*"), P("NETLIFY_*"), P("FLY_*"),
	P("HF_*"), P("HUGGINGFACE_*"), P("CLOUDSDK_*"),
	/* version control and CI */
	P("GITHUB_*"), P("GITLAB_*"), P("BITBUCKET_*"), P("CI_*"), P("CIRCLE_*"), P("TRAVIS_*"),
	P("JENKINS_*"), P("BUILDKITE_*"), P("CODEBUILD_*"),
	/* databases (their URLs carry the password) */
	P("DATABASE_URL"), P("REDIS_*"), P("MONGO_*"), P("MONGODB_*"), P("MYSQL_*"),
	P("POSTGRES_*"), P("PGPASSWORD"), P("PGUSER"),
	/* security tools (their sockets are doors, above) */
	P("SSH_*"), P("GPG_*"), P("VAULT_*"), P("DOCKER_*"),
	/* package registries */
	P("NPM_TOKEN"), P("NPM_AUTH_TOKEN"), P("YARN_*"), P("PIP_*"), P("PYPI_*"),
	P("CARGO_REGISTRY_TOKEN"), P("GEM_*"), P("NUGET_*"), P("TF_TOKEN_*"), P("NETRC"),
	/* services and password managers */
	P("SLACK_*"), P("DISCORD_*"), P("TWILIO_*"), P("SENDGRID_*"), P("STRIPE_*"), P("SENTRY_*"),
	P("DATADOG_*"), P("NEWRELIC_*"), P("OP_SESSION_*"),
	/* shapes: connection strings, then keys, tokens and the rest */
	P("*_DATABASE_URL"), P("*_CONNECTION_STRING"), P("*_CONN_STR"), P("*_DB_URL"),
	P("*_BROKER_URL"), P("*_DSN"),
	P("*_API_KEY"), P("*_APIKEY"), P("*_PRIVATE_KEY"), P("*_SIGNING_KEY"),
	P("*_ENCRYPTION_KEY"),
	P("*_KEY"), P("*_TOKEN"), P("*_SECRET"), P("*_PASSWORD"), P("*_CREDENTIAL*"), P("*_AUTH"),
	P("*_BEARER"), P("*_SESSION"), P("*_COOKIE"), P("*_JWT"), P("*_PASS"), P("*_PASSWD"),
	P("*_PWD"), P("*_WEBHOOK_URL"), P("*SECRET*"), P("*PASSWORD*"), P("*PRIVATE_KEY*"),
	P("*ACCESS_KEY*"),
};

/* Names that change how programs load or run code. */
static const struct pat exec_pats[] = {
	/* the dynamic loader and glibc: its UNSECURE_ENVVARS, plus TMP and TEMP
	 * with TMPDIR, and macOS's loader */
	P("LD_*"), P("GCONV_PATH"), P("GETCONF_DIR"), P("GLIBC_TUNABLES"), P("HOSTALIASES"),
	P("LOCALDOMAIN"), P("LOCPATH"), P("MALLOC_*"), P("NIS_PATH"), P("NLSPATH"),
	P("RESOLV_HOST_CONF"), P("RES_OPTIONS"), P("TMPDIR"), P("TMP"), P("TEMP"), P("TZDIR"),
	P("DYLD_*"),
	/* Python */
	P("PYTHON*"),
	/* Node and npm */
	P("NODE_OPTIONS"), P("NODE_PATH"), P("NODE_EXTRA_CA_CERTS"), P("NODE_REDIRECT_WARNINGS"),
	P("NODE_DEBUG"), P("NODE_DEBUG_NATIVE"), P("NODE_PENDING_DEPRECATION"),
	P("NODE_PENDING_PIPE_INSTANCES"), P("NODE_PRESERVE_SYMLINKS"),
	P("NODE_PRESERVE_SYMLINKS_MAIN"), P("NODE_REPL_EXTERNAL_MODULE"), P("NODE_REPL_HISTORY"),
	P("NODE_TLS_REJECT_UNAUTHORIZED"), P("NODE_V8_COVERAGE"), P("ELECTRON_RUN_AS_NODE"),
	P("NPM_CONFIG_*"),
	/* Ruby */
	P("RUBYOPT"), P("RUBYLIB"), P("RUBYPATH"), P("RUBYSHELL"), P("RUBY_GC_*"),
	P("RUBY_THREAD_*"),
	/* Perl */
	P("PERL5*"), P("PERLLIB"), P("PERL_MM_OPT"), P("PERL_MB_OPT"),
	/* the JVM and its launchers */
	P("JAVA_TOOL_OPTIONS"), P("_JAVA_OPTIONS"), P("JAVA_OPTIONS"), P("JDK_JAVA_OPTIONS"),
	P("CLASSPATH"), P("JAVA_OPTS"), P("MAVEN_OPTS"), P("GRADLE_OPTS"),
	/* Rust */
	P("RUSTC_WRAPPER"), P("RUSTDOC_WRAPPER"), P("RUSTC_WORKSPACE_WRAPPER"), P("RUSTFLAGS"),
	P("RUSTDOCFLAGS"), P("CARGO_ENCODED_RUSTFLAGS"), P("CARGO_ENCODED_RUSTDOCFLAGS"),
	P("CARGO_BUILD_RUSTFLAGS"), P("CARGO_BUILD_RUSTDOCFLAGS"),
	/* C and C++ builds */
	P("CC"), P("CXX"), P("CPP"), P("CFLAGS"), P("CXXFLAGS"), P("CPPFLAGS"), P("LDFLAGS"),
	P("LIBS"), P("AR"), P("AS"), P("LD"), P("NM"), P("OBJCOPY"), P("OBJDUMP"), P("RANLIB"),
	P("STRIP"), P("PKG_CONFIG"), P("PKG_CONFIG_PATH"), P("PKG_CONFIG_LIBDIR"), P("CMAKE_*"),
	P("MAKEFLAGS"), P("MFLAGS"), P("MAKELEVEL"),
	/* shells */
	P("BASH_ENV"), P("ENV"), P("BASH_FUNC_*"), P("SHELLOPTS"), P("BASHOPTS"), P("ZDOTDIR"),
	P("CDPATH"), P("GLOBIGNORE"), P("BASH_XTRACEFD"), P("PS4"), P("PROMPT_COMMAND"),
	P("FIGNORE"), P("HOSTFILE"), P("INPUTRC"), P("MAILPATH"), P("TIMEFORMAT"), P("EXECIGNORE"),
	P("IFS"), P("SHELL"), P("FPATH"),
	/* git: the programs it runs and the configuration it reads */
	P("GIT_EXEC_PATH"), P("GIT_TEMPLATE_DIR"), P("GIT_CONFIG*"), P("GIT_ASKPASS"),
	P("GIT_SSH"), P("GIT_SSH_COMMAND"), P("GIT_PROXY_COMMAND"), P("GIT_EXTERNAL_DIFF"),
	P("GIT_DIFF_OPTS"), P("GIT_PAGER"), P("GIT_EDITOR"), P("GIT_SEQUENCE_EDITOR"),
	P("SSH_ASKPASS"), P("SUDO_ASKPASS"),
	/* less runs these on the files it opens */
	P("LESSOPEN"), P("LESSCLOSE"),
};

/* Strict mode's safe base, compared exactly; LC_* by prefix. */
static const char *const base_names[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "TERM", "TZ",
};

static const struct {
	enum sbx_env_class why;
	const struct pat *pats;
	size_t n;
} classes[] = {
	{SBX_ENV_DOOR, door_pats, COUNT(door_pats)},
	{SBX_ENV_SECRET, secret_pats, COUNT(secret_pats)},
	{SBX_ENV_EXEC, exec_pats, COUNT(exec_pats)},
};

static inline unsigned char upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* |a| equals the upper-case |b| (both |n| bytes), ignoring ASCII case. */
static bool ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (upper((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	return true;
}

static bool pat_match(const struct pat *p, const char *name, size_t len)
{
	bool lead = p->s[0] == '*';
	bool trail = p->len > 1 && p->s[p->len - 1] == '*';
	const char *core = p->s + lead;
	size_t clen = p->len - lead - trail;

	if (len < clen)
		return false;
	if (!lead && !trail)
		return len == clen && ieq(name, core, clen);
	if (!lead)
		return ieq(name, core, clen);
	if (!trail)
		return ieq(name + len - clen, core, clen);
	for (size_t i = 0; i + clen <= len; i++)
		if (ieq(name + i, core, clen))
			return true;
	return false;
}

enum sbx_env_class sbx_env_classify(const char *name, size_t len, const char **pattern)
{
	for (size_t c = 0; c < COUNT(classes); c++) {
		for (size_t i = 0; i < classes[c].n; i++) {
			if (pat_match(&classes[c].pats[i], name, len)) {
				if (pattern)
					*pattern = classes[c].pats[i].s;
				return classes[c].why;
			}
		}
	}
	if (pattern)
		*pattern = NULL;
	return SBX_ENV_KEEP;
}

bool sbx_env_is_base(const char *name, size_t len)
{
	if (len >= 3 && !memcmp(name, "LC_", 3))
		return true;
	for (size_t i = 0; i < COUNT(base_names); i++)
		if (strlen(base_names[i]) == len && !memcmp(name, base_names[i], len))
			return true;
	return false;
}

const char *sbx_env_class_name(enum sbx_env_class c)
{
	switch (c) {
	case SBX_ENV_KEEP: return "kept";
	case SBX_ENV_SECRET: return "secret";
	case SBX_ENV_EXEC: return "code-injection";
	case SBX_ENV_DOOR: return "door-out";
	case SBX_ENV_NOT_BASE: return "not in the strict base";
	case SBX_ENV_MALFORMED: return "malformed";
	case SBX_ENV_DUPLICATE: return "duplicate";
	default: return "unknown";
	}
}

/* ---- building ----------------------------------------------------------- */

/* The variables the options set, in the order they are appended. */
enum { SET_TMPDIR, SET_TMP, SET_TEMP, SET_RES_OPTIONS, SET_COUNT };
static const char *const set_names[SET_COUNT] = {"TMPDIR", "TMP", "TEMP", "RES_OPTIONS"};

/* Names seen so far: open addressing over input indices + 1 (0: empty). */
struct seen {
	size_t *slot;
	size_t mask;
};

static size_t name_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

/* True when |in[idx]|'s name (|len| bytes) was seen; remembers it if not. */
static bool seen_add(struct seen *t, char *const *in, size_t idx, size_t len)
{
	const char *name = in[idx];
	for (size_t i = name_hash(name, len) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->slot[i]) {
			t->slot[i] = idx + 1;
			return false;
		}
		const char *o = in[t->slot[i] - 1];
		if (!strncmp(o, name, len) && o[len] == '=')
			return true;
	}
}

static char *dup_mem(const char *s, size_t len)
{
	char *p = SBX_ENV_ALLOC(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* "NAME=" |a| |b| as one new string. */
static char *join(const char *name, const char *a, size_t alen, const char *b, size_t blen)
{
	size_t nlen = strlen(name);
	char *p = SBX_ENV_ALLOC(nlen + 1 + alen + blen + 1);
	if (p) {
		memcpy(p, name, nlen);
		p[nlen] = '=';
		memcpy(p + nlen + 1, a, alen);
		memcpy(p + nlen + 1 + alen, b, blen);
		p[nlen + 1 + alen + blen] = '\0';
	}
	return p;
}

/* RES_OPTIONS's options are separated by spaces and tabs (res_init). */
static bool has_use_vc(const char *v)
{
	for (;;) {
		v += strspn(v, " \t");
		size_t n = strcspn(v, " \t");
		if (!n)
			return false;
		if (n == 6 && !memcmp(v, "use-vc", 6))
			return true;
		v += n;
	}
}

/* RES_OPTIONS with "use-vc" added to |v| (NULL: no value to keep). */
static char *res_options(const char *v)
{
	if (!v || !v[strspn(v, " \t")])
		return join("RES_OPTIONS", "use-vc", 6, "", 0);
	size_t len = strlen(v);
	if (has_use_vc(v))
		return join("RES_OPTIONS", v, len, "", 0);
	bool sep = v[len - 1] == ' ' || v[len - 1] == '\t';
	return join("RES_OPTIONS", v, len, sep ? "use-vc" : " use-vc", sep ? 6 : 7);
}

/* PATH=|v| without its empty and relative entries into |*out|; NULL when
 * none is left.  -ENOMEM or 0. */
static int strict_path(const char *v, char **out, bool *dropped)
{
	size_t len = strlen(v);
	char *p = SBX_ENV_ALLOC(5 + len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, "PATH=", 5);
	size_t o = 5;
	for (const char *s = v;;) {
		const char *end = strchrnul(s, ':');
		if (s[0] == '/') {
			if (o > 5)
				p[o++] = ':';
			memcpy(p + o, s, (size_t)(end - s));
			o += (size_t)(end - s);
		} else {
			*dropped = true;
		}
		if (!*end)
			break;
		s = end + 1;
	}
	p[o] = '\0';
	if (o == 5) {
		free(p);
		p = NULL;
	}
	*out = p;
	return 0;
}

static bool allowed(const struct sbx_env_opts *o, const char *name)
{
	for (size_t i = 0; i < o->nallow; i++)
		if (o->allow[i] && fnmatch(o->allow[i], name, 0) == 0)
			return true;
	return false;
}

/* Why |name| goes in |mode| before the allow list, and the pattern. */
static enum sbx_env_class judge(enum sbx_env_mode mode, const char *name, size_t len,
				const char **pattern)
{
	*pattern = NULL;
	if (mode == SBX_ENV_PASSTHROUGH)
		return SBX_ENV_KEEP;
	enum sbx_env_class c = sbx_env_classify(name, len, pattern);
	if (c == SBX_ENV_KEEP && mode == SBX_ENV_STRICT && !sbx_env_is_base(name, len))
		c = SBX_ENV_NOT_BASE;
	return c;
}

/* Which of set_names |name| is, when the options set it; -1 otherwise. */
static int set_index(const struct sbx_env_opts *o, const char *name, size_t len)
{
	for (int k = 0; k < SET_COUNT; k++) {
		if (k == SET_RES_OPTIONS ? !o->res_use_vc : !o->tmpdir)
			continue;
		if (strlen(set_names[k]) == len && !memcmp(name, set_names[k], len))
			return k;
	}
	return -1;
}

/* Appends set_names[|which|] as the options want it; |keep_value| is the
 * input's RES_OPTIONS value when it is kept. */
static int set_var(struct sbx_env *out, const struct sbx_env_opts *o, int which,
		   const char *keep_value)
{
	char *s = which == SET_RES_OPTIONS
			  ? res_options(keep_value)
			  : join(set_names[which], o->tmpdir, strlen(o->tmpdir), "", 0);
	if (!s)
		return -ENOMEM;
	out->envp[out->n++] = s;
	return 0;
}

/* Appends a copy of the kept entry |e| (|len| bytes of name). */
static int keep(struct sbx_env *out, const struct sbx_env_opts *o, const char *e, size_t len)
{
	char *s;
	if (o->mode == SBX_ENV_STRICT && len == 4 && !memcmp(e, "PATH", 4)) {
		if (strict_path(e + 5, &s, &out->path_filtered))
			return -ENOMEM;
		if (!s)
			return 0;
	} else {
		s = dup_mem(e, strlen(e));
		if (!s)
			return -ENOMEM;
	}
	out->envp[out->n++] = s;
	return 0;
}

/* Records |name| (taken over) as removed. */
static void record(struct sbx_env *out, char *name, enum sbx_env_class why, const char *pattern)
{
	out->removed[out->nremoved++] = (struct sbx_env_removed){
		.name = name,
		.why = why,
		.pattern = pattern,
	};
}

/* Judges the well-formed entry |in[i]| (|len| bytes of name). */
static int one(struct sbx_env *out, const struct sbx_env_opts *o, struct seen *seen,
	       bool *done, char *const *in, size_t i, size_t len)
{
	const char *e = in[i], *pattern = NULL;
	int which = set_index(o, e, len);
	enum sbx_env_class why;
	char *name = NULL;

	if (seen_add(seen, in, i, len)) {
		if (which >= 0)
			return 0; /* replaced: not reported */
		why = SBX_ENV_DUPLICATE;
	} else if (which >= 0 && which != SET_RES_OPTIONS) {
		done[which] = true; /* TMPDIR, TMP, TEMP: the private tmp, whatever the rest says */
		return set_var(out, o, which, NULL);
	} else {
		why = judge(o->mode, e, len, &pattern);
	}

	if (why != SBX_ENV_KEEP) {
		name = dup_mem(e, len);
		if (!name)
			return -ENOMEM;
		if (why != SBX_ENV_DUPLICATE && allowed(o, name)) {
			out->nallowed++;
			why = SBX_ENV_KEEP;
			pattern = NULL;
		}
	}
	if (which == SET_RES_OPTIONS) {
		free(name);
		done[which] = true;
		return set_var(out, o, which, why == SBX_ENV_KEEP ? e + len + 1 : NULL);
	}
	if (why == SBX_ENV_KEEP) {
		free(name);
		return keep(out, o, e, len);
	}
	record(out, name, why, pattern);
	return 0;
}

int sbx_env_build(char *const *in, const struct sbx_env_opts *o, struct sbx_env *out)
{
	static const struct sbx_env_opts defaults;
	struct seen seen = {0};
	bool done[SET_COUNT] = {0};
	size_t nin = 0;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &defaults;
	while (in && in[nin])
		nin++;
	if (nin > SIZE_MAX / 4 / sizeof(char *) - SET_COUNT - 1)
		return -ENOMEM;

	size_t cap = 16;
	while (cap < 2 * nin)
		cap *= 2;
	seen.mask = cap - 1;
	seen.slot = SBX_ENV_ALLOC(cap * sizeof(*seen.slot));
	out->envp = SBX_ENV_ALLOC((nin + SET_COUNT + 1) * sizeof(*out->envp));
	out->removed = SBX_ENV_ALLOC((nin + 1) * sizeof(*out->removed));
	if (!seen.slot || !out->envp || !out->removed)
		goto nomem;
	memset(seen.slot, 0, cap * sizeof(*seen.slot));

	for (size_t i = 0; i < nin; i++) {
		const char *eq = strchr(in[i], '=');
		if (eq && eq != in[i]) {
			if (one(out, o, &seen, done, in, i, (size_t)(eq - in[i])))
				goto nomem;
			continue;
		}
		/* No '=': the whole entry is the name; an empty name: "". */
		char *name = dup_mem(in[i], eq ? 0 : strlen(in[i]));
		if (!name)
			goto nomem;
		record(out, name, SBX_ENV_MALFORMED, NULL);
	}

	for (int k = 0; k < SET_COUNT; k++)
		if (set_index(o, set_names[k], strlen(set_names[k])) == k && !done[k] &&
		    set_var(out, o, k, NULL))
			goto nomem;
	out->envp[out->n] = NULL;
	free(seen.slot);
	return 0;

nomem:
	free(seen.slot);
	sbx_env_free(out);
	return -ENOMEM;
}

void sbx_env_free(struct sbx_env *e)
{
	if (!e)
		return;
	if (e->envp)
		for (size_t i = 0; i < e->n; i++)
			free(e->envp[i]);
	free(e->envp);
	if (e->removed)
		for (size_t i = 0; i < e->nremoved; i++)
			free(e->removed[i].name);
	free(e->removed);
	memset(e, 0, sizeof(*e));
}
