/* tests/unit/test_env.c - sandbox/env: the server's environment in scrub,
 * strict and passthrough mode, the allow list, the private tmp,
 * RES_OPTIONS, repeated and malformed entries, and failing allocations. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>

/* The module is built into this test with an allocator that can be told to
 * fail (test_enomem), and so that its pattern tables can be checked; the
 * rest of the tests use it as the library does. */
static long allocs_left = -1; /* allocations that succeed before one fails; -1: all */
static size_t nallocs;

static void *tu_env_alloc(size_t n)
{
	nallocs++;
	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	return malloc(n);
}

#define SBX_ENV_ALLOC tu_env_alloc
#include "../../sandbox/env.c"

#define ENV(...) ((char *const[]){__VA_ARGS__, NULL})
#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static struct sbx_env build(char *const *in, const struct sbx_env_opts *o)
{
	struct sbx_env e;
	assert_int_equal(sbx_env_build(in, o, &e), 0);
	assert_non_null(e.envp);
	assert_null(e.envp[e.n]);
	return e;
}

/* The value of |name| in |e|, NULL when absent; fails if it is there twice. */
static const char *getv(const struct sbx_env *e, const char *name)
{
	const char *v = NULL;
	size_t len = strlen(name);
	for (size_t i = 0; i < e->n; i++) {
		if (!strncmp(e->envp[i], name, len) && e->envp[i][len] == '=') {
			assert_null(v);
			v = e->envp[i] + len + 1;
		}
	}
	return v;
}

static const struct sbx_env_removed *find_removed(const struct sbx_env *e, const char *name)
{
	for (size_t i = 0; i < e->nremoved; i++)
		if (!strcmp(e->removed[i].name, name))
			return &e->removed[i];
	return NULL;
}

/* |e|'s environment is exactly |want| (NULL-terminated), in that order. */
static void expect_env(const struct sbx_env *e, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		if (i >= e->n)
			fail_msg("entry %zu: missing %s", i, want[i]);
		if (strcmp(e->envp[i], want[i]))
			fail_msg("entry %zu: got %s, want %s", i, e->envp[i], want[i]);
	}
	if (i != e->n)
		fail_msg("%zu entries, want %zu; first extra: %s", e->n, i, e->envp[i]);
}

struct rm {
	const char *name;
	enum sbx_env_class why;
	const char *pattern;
};

/* |e|'s removed list is exactly |want|, in that order. */
static void expect_removed(const struct sbx_env *e, const struct rm *want, size_t n)
{
	for (size_t i = 0; i < n && i < e->nremoved; i++) {
		const struct sbx_env_removed *r = &e->removed[i];
		if (strcmp(r->name, want[i].name) || r->why != want[i].why)
			fail_msg("removed %zu: got %s (%s), want %s (%s)", i, r->name,
				 sbx_env_class_name(r->why), want[i].name,
				 sbx_env_class_name(want[i].why));
		if (want[i].pattern)
			assert_string_equal(r->pattern ? r->pattern : "(null)", want[i].pattern);
		else
			assert_null(r->pattern);
	}
	if (e->nremoved != n)
		fail_msg("%zu removed, want %zu", e->nremoved, n);
}

/* ---- classes and tables ------------------------------------------------- */

static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(sbx_env_class_name(SBX_ENV_KEEP), "kept");
	assert_string_equal(sbx_env_class_name(SBX_ENV_SECRET), "secret");
	assert_string_equal(sbx_env_class_name(SBX_ENV_EXEC), "code-injection");
	assert_string_equal(sbx_env_class_name(SBX_ENV_DOOR), "door-out");
	assert_string_equal(sbx_env_class_name(SBX_ENV_NOT_BASE), "not in the strict base");
	assert_string_equal(sbx_env_class_name(SBX_ENV_MALFORMED), "malformed");
	assert_string_equal(sbx_env_class_name(SBX_ENV_DUPLICATE), "duplicate");
	assert_string_equal(sbx_env_class_name((enum sbx_env_class)99), "unknown");
	assert_string_equal(sbx_env_class_name((enum sbx_env_class)-1), "unknown");
}

/* Every pattern is well formed (upper case, '*' only at its ends, its
 * length right), appears once, and is the one reported for a name made
 * from it (so that no pattern hides behind an earlier, wider one in its
 * own class; a later class may be shadowed by an earlier one), in any
 * case. */
static void test_pattern_tables(void **state)
{
	(void)state;
	int bad = 0;
	size_t total = 0;
	for (size_t c = 0; c < COUNT(classes); c++) {
		bool shapes = false; /* names and prefixes before *SHAPES, so the
				      * log names a provider when there is one */
		for (size_t i = 0; i < classes[c].n; i++, total++) {
			const struct pat *p = &classes[c].pats[i];
			CHECK(bad, !shapes || p->s[0] == '*', "%s after a shape", p->s);
			shapes = shapes || p->s[0] == '*';
			CHECK(bad, strlen(p->s) == p->len, "%s: length %zu", p->s, p->len);
			size_t stars = 0;
			for (size_t k = 0; k < p->len; k++) {
				char ch = p->s[k];
				CHECK(bad, !(ch >= 'a' && ch <= 'z'), "%s: lower case", p->s);
				if (ch == '*') {
					stars++;
					CHECK(bad, k == 0 || k == p->len - 1, "%s: inner '*'",
					      p->s);
				}
			}
			CHECK(bad, p->len > stars + 1, "%s: too short", p->s);
			for (size_t d = 0; d < COUNT(classes); d++)
				for (size_t j = 0; j < classes[d].n; j++)
					CHECK(bad,
					      (d == c && j == i) ||
						      strcmp(p->s, classes[d].pats[j].s),
					      "%s twice", p->s);

			/* A name from the pattern: each '*' becomes "Xq". */
			char name[64], lower[64];
			size_t o = 0;
			for (size_t k = 0; k < p->len && o + 3 < sizeof(name); k++) {
				if (p->s[k] == '*')
					name[o++] = 'X', name[o++] = 'q';
				else
					name[o++] = p->s[k];
			}
			name[o] = '\0';
			for (size_t k = 0; k <= o; k++) {
				bool up = name[k] >= 'A' && name[k] <= 'Z';
				lower[k] = (char)(up ? name[k] + 32 : name[k]);
			}
			for (int v = 0; v < 2; v++) {
				const char *n = v ? lower : name, *got = NULL;
				enum sbx_env_class why = sbx_env_classify(n, o, &got);
				size_t gc = 0;
				while (gc < COUNT(classes) && classes[gc].why != why)
					gc++;
				CHECK(bad, got == p->s || (why != SBX_ENV_KEEP && gc < c),
				      "%s: reported as %s (%s)", n, got ? got : "nothing",
				      sbx_env_class_name(why));
			}
		}
	}
	assert_int_equal(bad, 0);
	/* Assay's 65 secret patterns and 100-odd exec names are in there. */
	assert_true(COUNT(secret_pats) >= 66);
	assert_true(total >= 200);
}

static const struct crow {
	const char *name;
	enum sbx_env_class why;
	const char *pattern; /* NULL: whatever matched */
} crows[] = {
	/* secrets */
	{"GITHUB_TOKEN", SBX_ENV_SECRET, "GITHUB_*"},
	{"github_token", SBX_ENV_SECRET, "GITHUB_*"},
	{"GH_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"AWS_ACCESS_KEY_ID", SBX_ENV_SECRET, "AWS_*"},
	{"aws_secret_access_key", SBX_ENV_SECRET, "AWS_*"},
	{"AWS_PROFILE", SBX_ENV_SECRET, "AWS_*"},
	{"OPENAI_API_KEY", SBX_ENV_SECRET, "OPENAI_*"},
	{"ANTHROPIC_API_KEY", SBX_ENV_SECRET, "ANTHROPIC_*"},
	{"GOOGLE_APPLICATION_CREDENTIALS", SBX_ENV_SECRET, "GOOGLE_*"},
	{"HF_TOKEN", SBX_ENV_SECRET, "HF_*"},
	{"HUGGING_FACE_HUB_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"MY_SERVICE_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"APP_SECRET", SBX_ENV_SECRET, "*_SECRET"},
	{"SECRET_KEY_BASE", SBX_ENV_SECRET, "*SECRET*"},
	{"CLIENT_SECRET_ID", SBX_ENV_SECRET, "*SECRET*"},
	{"DB_PASSWORD", SBX_ENV_SECRET, "*_PASSWORD"},
	{"PASSWORD", SBX_ENV_SECRET, "*PASSWORD*"},
	{"SMTP_PASS", SBX_ENV_SECRET, "*_PASS"},
	{"DB_PWD", SBX_ENV_SECRET, "*_PWD"},
	{"MAPS_API_KEY", SBX_ENV_SECRET, "*_API_KEY"},
	{"DEPLOY_PRIVATE_KEY", SBX_ENV_SECRET, "*_PRIVATE_KEY"},
	{"JWT_SIGNING_KEY", SBX_ENV_SECRET, "*_SIGNING_KEY"},
	{"MINIO_ROOT_KEY", SBX_ENV_SECRET, "*_KEY"},
	{"R2_ACCESS_KEY_ID", SBX_ENV_SECRET, "*ACCESS_KEY*"},
	{"GCLOUD_CREDENTIALS_FILE", SBX_ENV_SECRET, "*_CREDENTIAL*"},
	{"BASIC_AUTH", SBX_ENV_SECRET, "*_AUTH"},
	{"DATABASE_URL", SBX_ENV_SECRET, "DATABASE_URL"},
	{"ANALYTICS_DATABASE_URL", SBX_ENV_SECRET, "*_DATABASE_URL"},
	{"REDIS_URL", SBX_ENV_SECRET, "REDIS_*"},
	{"MONGODB_URI", SBX_ENV_SECRET, "MONGODB_*"},
	{"MONGO_URL", SBX_ENV_SECRET, "MONGO_*"},
	{"POSTGRES_PASSWORD", SBX_ENV_SECRET, "POSTGRES_*"},
	{"PGPASSWORD", SBX_ENV_SECRET, "PGPASSWORD"},
	{"CELERY_BROKER_URL", SBX_ENV_SECRET, "*_BROKER_URL"},
	{"SENTRY_DSN", SBX_ENV_SECRET, "SENTRY_*"},
	{"APP_DSN", SBX_ENV_SECRET, "*_DSN"},
	{"USER_SESSION", SBX_ENV_SECRET, "*_SESSION"},
	{"BW_SESSION", SBX_ENV_SECRET, "*_SESSION"},
	{"OP_SESSION_my", SBX_ENV_SECRET, "OP_SESSION_*"},
	{"AUTH_COOKIE", SBX_ENV_SECRET, "*_COOKIE"},
	{"API_JWT", SBX_ENV_SECRET, "*_JWT"},
	{"NPM_TOKEN", SBX_ENV_SECRET, "NPM_TOKEN"},
	{"NODE_AUTH_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"STRIPE_SECRET_KEY", SBX_ENV_SECRET, "STRIPE_*"},
	{"SLACK_WEBHOOK_URL", SBX_ENV_SECRET, "SLACK_*"},
	{"TEAMS_WEBHOOK_URL", SBX_ENV_SECRET, "*_WEBHOOK_URL"},
	{"TF_TOKEN_app_terraform_io", SBX_ENV_SECRET, "TF_TOKEN_*"},
	{"CI_JOB_TOKEN", SBX_ENV_SECRET, "CI_*"},
	{"DOCKER_AUTH_CONFIG", SBX_ENV_SECRET, "DOCKER_*"},
	{"SSH_CONNECTION", SBX_ENV_SECRET, "SSH_*"},
	{"VAULT_TOKEN", SBX_ENV_SECRET, "VAULT_*"},
	{"LC_SECRET_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"LD_SECRET_KEY", SBX_ENV_SECRET, "*_KEY"}, /* a secret first */
	{"PYTHON_API_KEY", SBX_ENV_SECRET, "*_API_KEY"},
	{"SSH_ASKPASS", SBX_ENV_SECRET, "SSH_*"},   /* Assay lists it as exec too */
	/* a '*' matches nothing too */
	{"_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
	{"SECRET", SBX_ENV_SECRET, "*SECRET*"},
	{"AWS_", SBX_ENV_SECRET, "AWS_*"},
	{"LD_", SBX_ENV_EXEC, "LD_*"},
	{"PYTHON", SBX_ENV_EXEC, "PYTHON*"},
	{"GIT_CONFIG", SBX_ENV_EXEC, "GIT_CONFIG*"},
	/* code injection: glibc */
	{"LD_PRELOAD", SBX_ENV_EXEC, "LD_*"},
	{"ld_preload", SBX_ENV_EXEC, "LD_*"},
	{"LD_LIBRARY_PATH", SBX_ENV_EXEC, "LD_*"},
	{"LD_AUDIT", SBX_ENV_EXEC, "LD_*"},
	{"GLIBC_TUNABLES", SBX_ENV_EXEC, "GLIBC_TUNABLES"},
	{"GCONV_PATH", SBX_ENV_EXEC, "GCONV_PATH"},
	{"GETCONF_DIR", SBX_ENV_EXEC, "GETCONF_DIR"},
	{"HOSTALIASES", SBX_ENV_EXEC, "HOSTALIASES"},
	{"LOCALDOMAIN", SBX_ENV_EXEC, "LOCALDOMAIN"},
	{"LOCPATH", SBX_ENV_EXEC, "LOCPATH"},
	{"MALLOC_TRACE", SBX_ENV_EXEC, "MALLOC_*"},
	{"MALLOC_CHECK_", SBX_ENV_EXEC, "MALLOC_*"},
	{"MALLOC_ARENA_MAX", SBX_ENV_EXEC, "MALLOC_*"},
	{"NIS_PATH", SBX_ENV_EXEC, "NIS_PATH"},
	{"NLSPATH", SBX_ENV_EXEC, "NLSPATH"},
	{"RESOLV_HOST_CONF", SBX_ENV_EXEC, "RESOLV_HOST_CONF"},
	{"RES_OPTIONS", SBX_ENV_EXEC, "RES_OPTIONS"},
	{"TMPDIR", SBX_ENV_EXEC, "TMPDIR"},
	{"TMP", SBX_ENV_EXEC, "TMP"},
	{"TEMP", SBX_ENV_EXEC, "TEMP"},
	{"TZDIR", SBX_ENV_EXEC, "TZDIR"},
	{"DYLD_INSERT_LIBRARIES", SBX_ENV_EXEC, "DYLD_*"},
	/* code injection: interpreters */
	{"PYTHONPATH", SBX_ENV_EXEC, "PYTHON*"},
	{"PYTHONSTARTUP", SBX_ENV_EXEC, "PYTHON*"},
	{"PYTHONHOME", SBX_ENV_EXEC, "PYTHON*"},
	{"PYTHONBREAKPOINT", SBX_ENV_EXEC, "PYTHON*"},
	{"NODE_OPTIONS", SBX_ENV_EXEC, "NODE_OPTIONS"},
	{"NODE_PATH", SBX_ENV_EXEC, "NODE_PATH"},
	{"ELECTRON_RUN_AS_NODE", SBX_ENV_EXEC, "ELECTRON_RUN_AS_NODE"},
	{"npm_config_registry", SBX_ENV_EXEC, "NPM_CONFIG_*"},
	{"npm_config_script_shell", SBX_ENV_EXEC, "NPM_CONFIG_*"},
	{"NPM_CONFIG_USERCONFIG", SBX_ENV_EXEC, "NPM_CONFIG_*"},
	{"RUBYOPT", SBX_ENV_EXEC, "RUBYOPT"},
	{"RUBYLIB", SBX_ENV_EXEC, "RUBYLIB"},
	{"PERL5LIB", SBX_ENV_EXEC, "PERL5*"},
	{"PERL5OPT", SBX_ENV_EXEC, "PERL5*"},
	{"PERL5DB", SBX_ENV_EXEC, "PERL5*"},
	{"PERLLIB", SBX_ENV_EXEC, "PERLLIB"},
	{"JAVA_TOOL_OPTIONS", SBX_ENV_EXEC, "JAVA_TOOL_OPTIONS"},
	{"_JAVA_OPTIONS", SBX_ENV_EXEC, "_JAVA_OPTIONS"},
	{"JDK_JAVA_OPTIONS", SBX_ENV_EXEC, "JDK_JAVA_OPTIONS"},
	{"CLASSPATH", SBX_ENV_EXEC, "CLASSPATH"},
	{"RUSTC_WRAPPER", SBX_ENV_EXEC, "RUSTC_WRAPPER"},
	{"CC", SBX_ENV_EXEC, "CC"},
	{"MAKEFLAGS", SBX_ENV_EXEC, "MAKEFLAGS"},
	/* code injection: shells, git, less */
	{"BASH_ENV", SBX_ENV_EXEC, "BASH_ENV"},
	{"ENV", SBX_ENV_EXEC, "ENV"},
	{"BASH_FUNC_ls%%", SBX_ENV_EXEC, "BASH_FUNC_*"},
	{"PROMPT_COMMAND", SBX_ENV_EXEC, "PROMPT_COMMAND"},
	{"SHELLOPTS", SBX_ENV_EXEC, "SHELLOPTS"},
	{"PS4", SBX_ENV_EXEC, "PS4"},
	{"IFS", SBX_ENV_EXEC, "IFS"},
	{"SHELL", SBX_ENV_EXEC, "SHELL"},
	{"GIT_SSH", SBX_ENV_EXEC, "GIT_SSH"},
	{"GIT_SSH_COMMAND", SBX_ENV_EXEC, "GIT_SSH_COMMAND"},
	{"GIT_EXEC_PATH", SBX_ENV_EXEC, "GIT_EXEC_PATH"},
	{"GIT_CONFIG_GLOBAL", SBX_ENV_EXEC, "GIT_CONFIG*"},
	{"GIT_CONFIG_PARAMETERS", SBX_ENV_EXEC, "GIT_CONFIG*"},
	{"GIT_CONFIG_KEY_0", SBX_ENV_EXEC, "GIT_CONFIG*"},
	{"GIT_CONFIG_VALUE_0", SBX_ENV_EXEC, "GIT_CONFIG*"},
	{"GIT_ASKPASS", SBX_ENV_EXEC, "GIT_ASKPASS"},
	{"GIT_PROXY_COMMAND", SBX_ENV_EXEC, "GIT_PROXY_COMMAND"},
	{"GIT_EXTERNAL_DIFF", SBX_ENV_EXEC, "GIT_EXTERNAL_DIFF"},
	{"GIT_PAGER", SBX_ENV_EXEC, "GIT_PAGER"},
	{"GIT_EDITOR", SBX_ENV_EXEC, "GIT_EDITOR"},
	{"SUDO_ASKPASS", SBX_ENV_EXEC, "SUDO_ASKPASS"},
	{"LESSOPEN", SBX_ENV_EXEC, "LESSOPEN"},
	/* doors */
	{"SSH_AUTH_SOCK", SBX_ENV_DOOR, "SSH_AUTH_SOCK"},
	{"ssh_auth_sock", SBX_ENV_DOOR, "SSH_AUTH_SOCK"},
	{"GPG_AGENT_INFO", SBX_ENV_DOOR, "GPG_AGENT_INFO"},
	{"DBUS_SESSION_BUS_ADDRESS", SBX_ENV_DOOR, "DBUS_SESSION_BUS_ADDRESS"},
	{"DOCKER_HOST", SBX_ENV_DOOR, "DOCKER_HOST"},
	{"CONTAINER_HOST", SBX_ENV_DOOR, "CONTAINER_HOST"},
	{"KUBECONFIG", SBX_ENV_DOOR, "KUBECONFIG"},
	{"XDG_RUNTIME_DIR", SBX_ENV_DOOR, "XDG_RUNTIME_DIR"},
	{"DISPLAY", SBX_ENV_DOOR, "DISPLAY"},
	{"WAYLAND_DISPLAY", SBX_ENV_DOOR, "WAYLAND_DISPLAY"},
	{"XAUTHORITY", SBX_ENV_DOOR, "XAUTHORITY"},
	{"TMUX", SBX_ENV_DOOR, "TMUX"},
	{"NVIM", SBX_ENV_DOOR, "NVIM"},
	{"VSCODE_IPC_HOOK_CLI", SBX_ENV_DOOR, "VSCODE_IPC_HOOK*"},
	{"VSCODE_GIT_ASKPASS_MAIN", SBX_ENV_DOOR, "VSCODE_GIT_ASKPASS_*"},
	{"NOTIFY_SOCKET", SBX_ENV_DOOR, "NOTIFY_SOCKET"},
	{"KRB5CCNAME", SBX_ENV_DOOR, "KRB5CCNAME"},
	/* kept */
	{"PATH", SBX_ENV_KEEP, NULL},
	{"HOME", SBX_ENV_KEEP, NULL},
	{"USER", SBX_ENV_KEEP, NULL},
	{"LOGNAME", SBX_ENV_KEEP, NULL},
	{"LANG", SBX_ENV_KEEP, NULL},
	{"LC_ALL", SBX_ENV_KEEP, NULL},
	{"LC_CTYPE", SBX_ENV_KEEP, NULL},
	{"TERM", SBX_ENV_KEEP, NULL},
	{"TZ", SBX_ENV_KEEP, NULL},
	{"PWD", SBX_ENV_KEEP, NULL},
	{"OLDPWD", SBX_ENV_KEEP, NULL},
	{"SHLVL", SBX_ENV_KEEP, NULL},
	{"NODE_ENV", SBX_ENV_KEEP, NULL},
	{"EDITOR", SBX_ENV_KEEP, NULL},
	{"COLORTERM", SBX_ENV_KEEP, NULL},
	{"XDG_CONFIG_HOME", SBX_ENV_KEEP, NULL},
	{"GIT_AUTHOR_NAME", SBX_ENV_KEEP, NULL},
	{"CI", SBX_ENV_KEEP, NULL},
	{"TOKENIZERS_PARALLELISM", SBX_ENV_KEEP, NULL},
	{"MONKEY", SBX_ENV_KEEP, NULL},       /* KEY without '_' */
	{"API_KEYS_DIR", SBX_ENV_KEEP, NULL}, /* *_KEY is a suffix */
	{"LDAP_HOST", SBX_ENV_KEEP, NULL},    /* not LD_ */
	{"TEMPLATE_DIR", SBX_ENV_KEEP, NULL}, /* not TEMP */
	{"MYTMPDIR", SBX_ENV_KEEP, NULL},
	{"ENVIRONMENT", SBX_ENV_KEEP, NULL},
	{"PATHEXT", SBX_ENV_KEEP, NULL},
	{"VIRTUAL_ENV", SBX_ENV_KEEP, NULL},
	{"HTTP_PROXY", SBX_ENV_KEEP, NULL},
	{"TOKEN", SBX_ENV_KEEP, NULL},	/* *_TOKEN wants the '_' */
	{"LD", SBX_ENV_EXEC, "LD"},	/* the linker, not LD_* */
	{"PYTHO", SBX_ENV_KEEP, NULL},
};

static void test_classify(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NROWS(crows); i++) {
		const struct crow *r = &crows[i];
		const char *pat = "unset";
		enum sbx_env_class why = sbx_env_classify(r->name, strlen(r->name), &pat);
		CHECK(bad, why == r->why, "%s: %s, want %s", r->name, sbx_env_class_name(why),
		      sbx_env_class_name(r->why));
		if (r->why == SBX_ENV_KEEP)
			CHECK(bad, pat == NULL, "%s: pattern %s", r->name, pat);
		else
			CHECK(bad, pat && (!r->pattern || !strcmp(pat, r->pattern)),
			      "%s: pattern %s, want %s", r->name, pat ? pat : "NULL", r->pattern);
		CHECK(bad, sbx_env_classify(r->name, strlen(r->name), NULL) == r->why, "%s",
		      r->name);
	}
	assert_int_equal(bad, 0);
}

/* Only |len| bytes of the name count. */
static void test_classify_length(void **state)
{
	(void)state;
	const char *pat;
	assert_int_equal(sbx_env_classify("GITHUB_TOKEN=ghp_x", 12, &pat), SBX_ENV_SECRET);
	assert_string_equal(pat, "GITHUB_*");
	assert_int_equal(sbx_env_classify("HOME_TOKEN", 4, &pat), SBX_ENV_KEEP);
	assert_null(pat);
	assert_int_equal(sbx_env_classify("TMPDIRECTORY", 6, &pat), SBX_ENV_EXEC);
	assert_string_equal(pat, "TMPDIR");
	assert_int_equal(sbx_env_classify("ENVX", 3, NULL), SBX_ENV_EXEC);
	assert_int_equal(sbx_env_classify("X_TOKEN", 6, NULL), SBX_ENV_KEEP);
	assert_int_equal(sbx_env_classify("", 0, NULL), SBX_ENV_KEEP);
}

static void test_is_base(void **state)
{
	(void)state;
	static const char *const yes[] = {"PATH", "HOME", "USER", "LOGNAME", "LANG",
					  "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "TZ",
					  "LC_SECRET_TOKEN"};
	static const char *const no[] = {"path", "Home", "PATHX", "XPATH", "LC", "lc_all",
					 "SHELL", "TMPDIR", "LANGUAGE", "TERMINFO", "TZDIR",
					 "EDITOR", ""};
	for (size_t i = 0; i < NROWS(yes); i++)
		assert_true(sbx_env_is_base(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < NROWS(no); i++)
		if (sbx_env_is_base(no[i], strlen(no[i])))
			fail_msg("%s is on the base", no[i]);
	assert_true(sbx_env_is_base("HOMEX", 4));
	assert_false(sbx_env_is_base("PAT", 3));
}

/* ---- modes -------------------------------------------------------------- */

static void test_scrub(void **state)
{
	(void)state;
	struct sbx_env_opts o = {.mode = SBX_ENV_SCRUB};
	struct sbx_env e = build(ENV("PATH=/usr/bin:.:/bin", "HOME=/home/u", "GITHUB_TOKEN=ghp_v1",
				     "LANG=en_US.UTF-8", "LD_PRELOAD=/tmp/evil.so",
				     "NODE_ENV=production", "SSH_AUTH_SOCK=/run/user/1/ssh",
				     "npm_config_registry=https://registry.example",
				     "EDITOR=vim", "OPENAI_API_KEY=sk-v2", "TERM=xterm",
				     "DB_PASSWORD=v3", "LC_ALL=C.UTF-8", "MY_SETTING=1"),
				 &o);
	expect_env(&e, (const char *[]){"PATH=/usr/bin:.:/bin", "HOME=/home/u",
					"LANG=en_US.UTF-8", "NODE_ENV=production", "EDITOR=vim",
					"TERM=xterm", "LC_ALL=C.UTF-8", "MY_SETTING=1", NULL});
	static const struct rm want[] = {
		{"GITHUB_TOKEN", SBX_ENV_SECRET, "GITHUB_*"},
		{"LD_PRELOAD", SBX_ENV_EXEC, "LD_*"},
		{"SSH_AUTH_SOCK", SBX_ENV_DOOR, "SSH_AUTH_SOCK"},
		{"npm_config_registry", SBX_ENV_EXEC, "NPM_CONFIG_*"},
		{"OPENAI_API_KEY", SBX_ENV_SECRET, "OPENAI_*"},
		{"DB_PASSWORD", SBX_ENV_SECRET, "*_PASSWORD"},
	};
	expect_removed(&e, want, NROWS(want));
	assert_int_equal(e.nallowed, 0);
	assert_false(e.path_filtered); /* PATH is left alone outside strict mode */
	sbx_env_free(&e);
	assert_null(e.envp);
	assert_int_equal(e.n, 0);

	/* No options at all is scrub mode. */
	e = build(ENV("A=1", "AWS_REGION=x"), NULL);
	expect_env(&e, (const char *[]){"A=1", NULL});
	assert_int_equal(e.nremoved, 1);
	sbx_env_free(&e);
}

/* A secret-looking name goes even when it looks like the safe base. */
static void test_lc_secret_token(void **state)
{
	(void)state;
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_STRICT; m++) {
		struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m};
		struct sbx_env e = build(ENV("LC_ALL=C", "LC_SECRET_TOKEN=v", "LC_API_KEY=v"), &o);
		expect_env(&e, (const char *[]){"LC_ALL=C", NULL});
		static const struct rm want[] = {
			{"LC_SECRET_TOKEN", SBX_ENV_SECRET, "*_TOKEN"},
			{"LC_API_KEY", SBX_ENV_SECRET, "*_API_KEY"},
		};
		expect_removed(&e, want, NROWS(want));
		sbx_env_free(&e);
	}
}

static void test_allow(void **state)
{
	(void)state;
	static const char *const allow[] = {"GITHUB_TOKEN", "OPENAI_*", "LD_PRELOAD", "PATH",
					    "MY_[AB]", "github_pat"};
	char *const *in = ENV("PATH=/bin", "GITHUB_TOKEN=v", "OPENAI_API_KEY=v",
			      "OPENAI_ORG_ID=v", "LD_PRELOAD=x.so", "ANTHROPIC_API_KEY=v",
			      "MY_A=1", "MY_C=1", "GITHUB_PAT=v", "SSH_AUTH_SOCK=/s");

	struct sbx_env_opts o = {.mode = SBX_ENV_SCRUB, .allow = allow, .nallow = NROWS(allow)};
	struct sbx_env e = build(in, &o);
	expect_env(&e, (const char *[]){"PATH=/bin", "GITHUB_TOKEN=v", "OPENAI_API_KEY=v",
					"OPENAI_ORG_ID=v", "LD_PRELOAD=x.so", "MY_A=1", "MY_C=1",
					NULL});
	static const struct rm want[] = {
		{"ANTHROPIC_API_KEY", SBX_ENV_SECRET, "ANTHROPIC_*"},
		{"GITHUB_PAT", SBX_ENV_SECRET, "GITHUB_*"}, /* the globs are case-sensitive */
		{"SSH_AUTH_SOCK", SBX_ENV_DOOR, "SSH_AUTH_SOCK"},
	};
	expect_removed(&e, want, NROWS(want));
	/* PATH and MY_A would have passed anyway. */
	assert_int_equal(e.nallowed, 4);
	sbx_env_free(&e);

	/* Strict mode: an allowed name off the base passes and counts. */
	o.mode = SBX_ENV_STRICT;
	e = build(in, &o);
	expect_env(&e, (const char *[]){"PATH=/bin", "GITHUB_TOKEN=v", "OPENAI_API_KEY=v",
					"OPENAI_ORG_ID=v", "LD_PRELOAD=x.so", "MY_A=1", NULL});
	static const struct rm want_strict[] = {
		{"ANTHROPIC_API_KEY", SBX_ENV_SECRET, "ANTHROPIC_*"},
		{"MY_C", SBX_ENV_NOT_BASE, NULL},
		{"GITHUB_PAT", SBX_ENV_SECRET, "GITHUB_*"},
		{"SSH_AUTH_SOCK", SBX_ENV_DOOR, "SSH_AUTH_SOCK"},
	};
	expect_removed(&e, want_strict, NROWS(want_strict));
	assert_int_equal(e.nallowed, 5);
	sbx_env_free(&e);

	/* Passthrough removes nothing, so nothing is kept by the list. */
	o.mode = SBX_ENV_PASSTHROUGH;
	e = build(in, &o);
	assert_int_equal(e.n, 10);
	assert_int_equal(e.nremoved, 0);
	assert_int_equal(e.nallowed, 0);
	sbx_env_free(&e);

	/* A NULL glob in the list is skipped; no list at all is fine. */
	static const char *const holes[] = {NULL, "X_TOKEN"};
	o = (struct sbx_env_opts){.mode = SBX_ENV_SCRUB, .allow = holes, .nallow = 2};
	e = build(ENV("X_TOKEN=v", "Y_TOKEN=v"), &o);
	expect_env(&e, (const char *[]){"X_TOKEN=v", NULL});
	assert_int_equal(e.nallowed, 1);
	sbx_env_free(&e);
}

static void test_strict(void **state)
{
	(void)state;
	struct sbx_env_opts o = {.mode = SBX_ENV_STRICT};
	struct sbx_env e = build(ENV("PATH=/usr/local/bin:.:bin::/usr/bin:./x:/bin:", "HOME=/h",
				     "USER=u", "LOGNAME=u", "LANG=C", "LC_TIME=C", "TERM=dumb",
				     "TZ=UTC", "SHELL=/bin/sh", "EDITOR=vi", "GITHUB_TOKEN=v",
				     "DISPLAY=:0", "NODE_ENV=x", "path=/x", "TMPDIR=/t"),
				 &o);
	expect_env(&e, (const char *[]){"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/h",
					"USER=u", "LOGNAME=u", "LANG=C", "LC_TIME=C",
					"TERM=dumb", "TZ=UTC", NULL});
	static const struct rm want[] = {
		{"SHELL", SBX_ENV_EXEC, "SHELL"},
		{"EDITOR", SBX_ENV_NOT_BASE, NULL},
		{"GITHUB_TOKEN", SBX_ENV_SECRET, "GITHUB_*"},
		{"DISPLAY", SBX_ENV_DOOR, "DISPLAY"},
		{"NODE_ENV", SBX_ENV_NOT_BASE, NULL},
		{"path", SBX_ENV_NOT_BASE, NULL},
		{"TMPDIR", SBX_ENV_EXEC, "TMPDIR"},
	};
	expect_removed(&e, want, NROWS(want));
	assert_true(e.path_filtered);
	sbx_env_free(&e);
}

static void test_strict_path(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out; /* out NULL: PATH left out */
		bool filtered;
	} rows[] = {
		{"PATH=/usr/bin:/bin", "PATH=/usr/bin:/bin", false},
		{"PATH=/bin", "PATH=/bin", false},
		{"PATH=/", "PATH=/", false},
		{"PATH=/a/../b:/c/./d", "PATH=/a/../b:/c/./d", false},
		{"PATH=:/bin", "PATH=/bin", true},
		{"PATH=/bin:", "PATH=/bin", true},
		{"PATH=/bin::/sbin", "PATH=/bin:/sbin", true},
		{"PATH=.:/bin", "PATH=/bin", true},
		{"PATH=node_modules/.bin:/usr/bin", "PATH=/usr/bin", true},
		{"PATH=~/bin:/usr/bin", "PATH=/usr/bin", true},
		{"PATH=", NULL, true},
		{"PATH=.", NULL, true},
		{"PATH=::", NULL, true},
		{"PATH=bin:./x", NULL, true},
	};
	int bad = 0;
	struct sbx_env_opts o = {.mode = SBX_ENV_STRICT};
	for (size_t i = 0; i < NROWS(rows); i++) {
		char *in[] = {(char *)rows[i].in, "HOME=/h", NULL};
		struct sbx_env e = build(in, &o);
		const char *want = rows[i].out;
		CHECK(bad, e.n == (want ? 2u : 1u), "%s: %zu entries", rows[i].in, e.n);
		CHECK(bad, !want || !strcmp(e.envp[0], want), "%s: got %s", rows[i].in, e.envp[0]);
		CHECK(bad, !strcmp(e.envp[e.n - 1], "HOME=/h"), "%s", rows[i].in);
		CHECK(bad, e.path_filtered == rows[i].filtered, "%s: filtered %d", rows[i].in,
		      e.path_filtered);
		CHECK(bad, e.nremoved == 0, "%s: %zu removed", rows[i].in, e.nremoved);
		sbx_env_free(&e);

		/* Only strict mode touches PATH. */
		struct sbx_env_opts scrub = {.mode = SBX_ENV_SCRUB};
		e = build(in, &scrub);
		CHECK(bad, e.n == 2 && !strcmp(e.envp[0], rows[i].in) && !e.path_filtered, "%s",
		      rows[i].in);
		sbx_env_free(&e);
	}
	assert_int_equal(bad, 0);
}

static void test_passthrough(void **state)
{
	(void)state;
	char *const *in = ENV("PATH=.:/bin", "GITHUB_TOKEN=v", "LD_PRELOAD=/x.so",
			      "SSH_AUTH_SOCK=/s", "TMPDIR=/var/tmp", "RES_OPTIONS=ndots:2",
			      "FOO=bar");
	struct sbx_env_opts o = {.mode = SBX_ENV_PASSTHROUGH};
	struct sbx_env e = build(in, &o);
	expect_env(&e, (const char *const *)in);
	assert_int_equal(e.nremoved, 0);
	assert_int_equal(e.nallowed, 0);
	assert_false(e.path_filtered);
	sbx_env_free(&e);

	/* The private tmp and use-vc still apply. */
	o.tmpdir = "/priv/tmp";
	o.res_use_vc = true;
	e = build(in, &o);
	expect_env(&e, (const char *[]){"PATH=.:/bin", "GITHUB_TOKEN=v", "LD_PRELOAD=/x.so",
					"SSH_AUTH_SOCK=/s", "TMPDIR=/priv/tmp",
					"RES_OPTIONS=ndots:2 use-vc", "FOO=bar", "TMP=/priv/tmp",
					"TEMP=/priv/tmp", NULL});
	assert_int_equal(e.nremoved, 0);
	sbx_env_free(&e);
}

/* ---- the private tmp and RES_OPTIONS -------------------------------------- */

static void test_tmpdir(void **state)
{
	(void)state;
	char *const *in = ENV("TEMP=C:\\x", "A=1", "TMPDIR=/home/u/tmp", "B=2", "TMPDIR=/dup",
			      "tmpdir=/lower");
	static const char *const allow[] = {"TMP*", "tmpdir"};
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_PASSTHROUGH; m++) {
		for (int a = 0; a < 2; a++) {
			struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m,
						 .tmpdir = "/run/assay/tmp.1",
						 .allow = a ? allow : NULL,
						 .nallow = a ? NROWS(allow) : 0};
			struct sbx_env e = build(in, &o);
			/* Replaced in place, the missing one appended, the
			 * repeated one dropped: none of it reported. */
			assert_string_equal(e.envp[0], "TEMP=/run/assay/tmp.1");
			assert_string_equal(getv(&e, "TMPDIR"), "/run/assay/tmp.1");
			assert_string_equal(getv(&e, "TMP"), "/run/assay/tmp.1");
			assert_null(find_removed(&e, "TMPDIR"));
			assert_null(find_removed(&e, "TEMP"));
			assert_null(find_removed(&e, "TMP"));
			const char *tail = e.envp[e.n - 1];
			assert_string_equal(tail, "TMP=/run/assay/tmp.1");
			/* The allow list does not beat the private tmp. */
			assert_int_equal(e.nallowed, (size_t)(a && m != SBX_ENV_PASSTHROUGH));
			if (m == SBX_ENV_PASSTHROUGH || a) {
				/* lower-case tmpdir is another variable */
				assert_string_equal(getv(&e, "tmpdir"), "/lower");
				assert_int_equal(e.nremoved, (size_t)(m == SBX_ENV_STRICT ? 2 : 0));
			} else {
				assert_null(getv(&e, "tmpdir"));
				const struct sbx_env_removed *r = find_removed(&e, "tmpdir");
				assert_non_null(r);
				assert_int_equal(r->why, SBX_ENV_EXEC);
				assert_string_equal(r->pattern, "TMPDIR");
			}
			if (m == SBX_ENV_SCRUB && a)
				expect_env(&e, (const char *[]){"TEMP=/run/assay/tmp.1", "A=1",
								"TMPDIR=/run/assay/tmp.1", "B=2",
								"tmpdir=/lower",
								"TMP=/run/assay/tmp.1", NULL});
			else if (m == SBX_ENV_SCRUB)
				expect_env(&e, (const char *[]){"TEMP=/run/assay/tmp.1", "A=1",
								"TMPDIR=/run/assay/tmp.1", "B=2",
								"TMP=/run/assay/tmp.1", NULL});
			sbx_env_free(&e);
		}
	}

	/* Without the option the scrub and strict modes remove all three. */
	struct sbx_env_opts o = {.mode = SBX_ENV_SCRUB};
	struct sbx_env e = build(ENV("TMPDIR=/a", "TMP=/b", "TEMP=/c", "X=1"), &o);
	expect_env(&e, (const char *[]){"X=1", NULL});
	static const struct rm want[] = {
		{"TMPDIR", SBX_ENV_EXEC, "TMPDIR"},
		{"TMP", SBX_ENV_EXEC, "TMP"},
		{"TEMP", SBX_ENV_EXEC, "TEMP"},
	};
	expect_removed(&e, want, NROWS(want));
	sbx_env_free(&e);

	/* An empty environment gets the three. */
	o.tmpdir = "/p";
	e = build(ENV(NULL), &o);
	expect_env(&e, (const char *[]){"TMPDIR=/p", "TMP=/p", "TEMP=/p", NULL});
	sbx_env_free(&e);
}

static void test_res_options(void **state)
{
	(void)state;
	static const struct {
		enum sbx_env_mode mode;
		bool allow, use_vc;
		const char *in;	 /* the input's RES_OPTIONS entry, NULL: none */
		const char *out; /* the output's, NULL: none */
		bool reported;	 /* in |removed| */
	} rows[] = {
		/* scrub and strict: the input's value goes */
		{SBX_ENV_SCRUB, false, true, "RES_OPTIONS=ndots:5", "RES_OPTIONS=use-vc", false},
		{SBX_ENV_SCRUB, false, true, NULL, "RES_OPTIONS=use-vc", false},
		{SBX_ENV_SCRUB, false, true, "RES_OPTIONS=use-vc", "RES_OPTIONS=use-vc", false},
		{SBX_ENV_STRICT, false, true, "RES_OPTIONS=rotate", "RES_OPTIONS=use-vc", false},
		{SBX_ENV_STRICT, false, true, NULL, "RES_OPTIONS=use-vc", false},
		{SBX_ENV_SCRUB, false, false, "RES_OPTIONS=ndots:5", NULL, true},
		{SBX_ENV_STRICT, false, false, "RES_OPTIONS=ndots:5", NULL, true},
		{SBX_ENV_SCRUB, false, false, NULL, NULL, false},
		/* kept by the mode or the allow list: use-vc appended once */
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=ndots:5",
		 "RES_OPTIONS=ndots:5 use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=use-vc ndots:1",
		 "RES_OPTIONS=use-vc ndots:1", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=rotate\tuse-vc",
		 "RES_OPTIONS=rotate\tuse-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=use-vcx",
		 "RES_OPTIONS=use-vcx use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=xuse-vc",
		 "RES_OPTIONS=xuse-vc use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=rotate ",
		 "RES_OPTIONS=rotate use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=", "RES_OPTIONS=use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, "RES_OPTIONS=  ", "RES_OPTIONS=use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, true, NULL, "RES_OPTIONS=use-vc", false},
		{SBX_ENV_PASSTHROUGH, false, false, "RES_OPTIONS=ndots:5", "RES_OPTIONS=ndots:5",
		 false},
		{SBX_ENV_SCRUB, true, true, "RES_OPTIONS=ndots:5", "RES_OPTIONS=ndots:5 use-vc",
		 false},
		{SBX_ENV_STRICT, true, true, "RES_OPTIONS=ndots:5", "RES_OPTIONS=ndots:5 use-vc",
		 false},
		{SBX_ENV_SCRUB, true, false, "RES_OPTIONS=ndots:5", "RES_OPTIONS=ndots:5", false},
	};
	static const char *const allow[] = {"RES_OPTIONS"};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		struct sbx_env_opts o = {.mode = rows[i].mode,
					 .res_use_vc = rows[i].use_vc,
					 .allow = rows[i].allow ? allow : NULL,
					 .nallow = rows[i].allow ? 1 : 0};
		char *in[] = {"HOME=/h", (char *)rows[i].in, NULL};
		struct sbx_env e = build(in, &o);
		const char *v = getv(&e, "RES_OPTIONS");
		const char *want = rows[i].out ? rows[i].out + 12 : NULL;
		CHECK(bad, (!v && !want) || (v && want && !strcmp(v, want)), "row %zu: got %s", i,
		      v ? v : "nothing");
		CHECK(bad, !!find_removed(&e, "RES_OPTIONS") == rows[i].reported, "row %zu", i);
		CHECK(bad, !strcmp(e.envp[0], "HOME=/h"), "row %zu", i);
		/* in place of the input's, or appended: the last either way */
		CHECK(bad, !want || !strncmp(e.envp[e.n - 1], "RES_OPTIONS=", 12), "row %zu", i);
		bool counted = rows[i].allow && rows[i].mode != SBX_ENV_PASSTHROUGH && rows[i].in;
		CHECK(bad, e.nallowed == (size_t)counted, "row %zu: nallowed %zu", i, e.nallowed);
		sbx_env_free(&e);
	}
	assert_int_equal(bad, 0);

	/* In place, before what follows; a repeat is dropped silently. */
	struct sbx_env_opts o = {.mode = SBX_ENV_SCRUB, .res_use_vc = true};
	struct sbx_env e = build(ENV("RES_OPTIONS=a", "X=1", "RES_OPTIONS=b"), &o);
	expect_env(&e, (const char *[]){"RES_OPTIONS=use-vc", "X=1", NULL});
	assert_int_equal(e.nremoved, 0);
	sbx_env_free(&e);
}

/* ---- repeated and malformed entries --------------------------------------- */

static void test_duplicates(void **state)
{
	(void)state;
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_PASSTHROUGH; m++) {
		static const char *const allow[] = {"*"};
		struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m, .allow = allow, .nallow = 1};
		struct sbx_env e = build(ENV("PATH=/first", "HOME=/h", "PATH=/second",
					     "GITHUB_TOKEN=a", "GITHUB_TOKEN=b", "path=/other",
					     "PATH=/third", "PATHX=1"),
					 &o);
		/* The first is what getenv sees; the allow list keeps no repeat. */
		expect_env(&e, (const char *[]){"PATH=/first", "HOME=/h", "GITHUB_TOKEN=a",
						"path=/other", "PATHX=1", NULL});
		static const struct rm want[] = {
			{"PATH", SBX_ENV_DUPLICATE, NULL},
			{"GITHUB_TOKEN", SBX_ENV_DUPLICATE, NULL},
			{"PATH", SBX_ENV_DUPLICATE, NULL},
		};
		expect_removed(&e, want, NROWS(want));
		sbx_env_free(&e);
	}

	/* A removed first entry: the repeat is a duplicate, not a second secret. */
	struct sbx_env_opts o = {.mode = SBX_ENV_SCRUB};
	struct sbx_env e = build(ENV("AWS_KEY=a", "AWS_KEY=b", "AWS_KEYS=c"), &o);
	static const struct rm want[] = {
		{"AWS_KEY", SBX_ENV_SECRET, "AWS_*"},
		{"AWS_KEY", SBX_ENV_DUPLICATE, NULL},
		{"AWS_KEYS", SBX_ENV_SECRET, "AWS_*"},
	};
	expect_removed(&e, want, NROWS(want));
	assert_int_equal(e.n, 0);
	sbx_env_free(&e);

	/* Names that are prefixes of each other are no repeats; many names
	 * (more than the table's first size) all land. */
	struct tu_buf b = {0};
	char *in[301];
	size_t off[300];
	for (size_t i = 0; i < 300; i++) {
		off[i] = b.len;
		tu_buf_addf(&b, "V%.*s=%zu", (int)(i % 7), "AAAAAAA", i);
		tu_buf_add(&b, "", 1);
	}
	for (size_t i = 0; i < 300; i++)
		in[i] = b.p + off[i];
	in[300] = NULL;
	e = build(in, &o);
	/* V, VA, ..., VAAAAAA: seven names, each first seen at i < 7. */
	assert_int_equal(e.n, 7);
	assert_int_equal(e.nremoved, 293);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(e.envp[i], in[i]);
	for (size_t i = 0; i < e.nremoved; i++)
		assert_int_equal(e.removed[i].why, SBX_ENV_DUPLICATE);
	sbx_env_free(&e);
	tu_buf_free(&b);
}

static void test_malformed(void **state)
{
	(void)state;
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_PASSTHROUGH; m++) {
		static const char *const allow[] = {"*"};
		struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m,
					 .allow = allow,
					 .nallow = 1,
					 .tmpdir = "/p",
					 .res_use_vc = true};
		struct sbx_env e = build(ENV("NOVALUE", "HOME=/h", "=sekrit-value", "",
					     "TMPDIR", "RES_OPTIONS", "==x", "A==b"),
					 &o);
		expect_env(&e, (const char *[]){"HOME=/h", "A==b", "TMPDIR=/p", "TMP=/p",
						"TEMP=/p", "RES_OPTIONS=use-vc", NULL});
		static const struct rm want[] = {
			{"NOVALUE", SBX_ENV_MALFORMED, NULL},
			{"", SBX_ENV_MALFORMED, NULL},
			{"", SBX_ENV_MALFORMED, NULL},
			{"TMPDIR", SBX_ENV_MALFORMED, NULL},
			{"RES_OPTIONS", SBX_ENV_MALFORMED, NULL},
			{"", SBX_ENV_MALFORMED, NULL},
		};
		expect_removed(&e, want, NROWS(want));
		/* A is off the strict base; the list keeps no malformed entry. */
		assert_int_equal(e.nallowed, m == SBX_ENV_STRICT);
		sbx_env_free(&e);
	}
}

/* ---- what the result holds ------------------------------------------------ */

static const char *const modes_names[] = {"scrub", "strict", "passthrough"};

/* Removed entries carry names only: each is the part before '=' of an
 * input entry, or a whole entry without '=', and no value shows. */
static void test_removed_names_only(void **state)
{
	(void)state;
	char *const *in = ENV("GITHUB_TOKEN=VALUE-MARK-1", "LD_PRELOAD=VALUE-MARK-2",
			      "SSH_AUTH_SOCK=VALUE-MARK-3", "=VALUE-MARK-4", "FOO=VALUE-MARK-5",
			      "FOO=VALUE-MARK-6", "DB_PASSWORD=VALUE-MARK-7=more",
			      "RES_OPTIONS=VALUE-MARK-8");
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_STRICT; m++) {
		struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m};
		struct sbx_env e = build(in, &o);
		assert_int_equal(e.nremoved, m == SBX_ENV_STRICT ? 8 : 7);
		for (size_t i = 0; i < e.nremoved; i++) {
			const char *n = e.removed[i].name;
			if (strchr(n, '=') || strstr(n, "VALUE") || strstr(n, "MARK"))
				fail_msg("%s: removed name %s", modes_names[m], n);
		}
		sbx_env_free(&e);
	}
}

/* Every input entry lands once: kept (in the order of the input), removed
 * (in that order too), or replaced by the options; kept names are unique;
 * the classes agree with sbx_env_classify. */
static void check_accounting(char *const *in, size_t nin, const struct sbx_env_opts *o, int *bad)
{
	struct sbx_env e = build(in, o);
	size_t nset = 0, setin = 0;
	bool set_seen[SET_COUNT] = {0};

	for (size_t i = 0; i < nin; i++) {
		const char *eq = strchr(in[i], '=');
		if (eq && eq != in[i] && set_index(o, in[i], (size_t)(eq - in[i])) >= 0)
			setin++;
	}
	for (int k = 0; k < SET_COUNT; k++)
		nset += set_index(o, set_names[k], strlen(set_names[k])) == k;

	/* Kept entries in input order (strict PATH may be rewritten). */
	size_t j = 0, nkept = 0;
	for (size_t k = 0; k < e.n; k++) {
		const char *s = e.envp[k], *eq = strchr(s, '=');
		CHECK(*bad, eq && eq != s, "%s: malformed output", s);
		if (!eq)
			continue;
		size_t len = (size_t)(eq - s);
		int w = set_index(o, s, len);
		if (w >= 0) {
			CHECK(*bad, !set_seen[w], "%s twice", s);
			set_seen[w] = true;
			continue;
		}
		for (size_t q = k + 1; q < e.n; q++)
			CHECK(*bad, strncmp(e.envp[q], s, len + 1), "%.*s twice", (int)len, s);
		bool strict_path = o->mode == SBX_ENV_STRICT && len == 4 && !memcmp(s, "PATH", 4);
		while (j < nin && (strict_path ? strncmp(in[j], "PATH=", 5) : strcmp(in[j], s)))
			j++;
		CHECK(*bad, j < nin, "%s: not in the input's order", s);
		j++;
		nkept++;
	}
	size_t path_gone = 0;
	if (o->mode == SBX_ENV_STRICT && e.path_filtered && !getv(&e, "PATH"))
		path_gone = 1;
	for (int k = 0; k < SET_COUNT; k++)
		CHECK(*bad, set_seen[k] == (set_index(o, set_names[k], strlen(set_names[k])) == k),
		      "%s", set_names[k]);
	CHECK(*bad, nkept + path_gone + e.nremoved + setin == nin,
	      "%s: %zu kept + %zu removed + %zu replaced != %zu", modes_names[o->mode], nkept,
	      e.nremoved, setin, nin);
	CHECK(*bad, e.n == nkept + nset, "%zu entries", e.n);

	/* Removed in input order, for the reason classify gives. */
	j = 0;
	for (size_t k = 0; k < e.nremoved; k++) {
		const struct sbx_env_removed *r = &e.removed[k];
		size_t len = strlen(r->name);
		/* NAME=..., or a whole entry without '=' (an empty name: "=...") */
		while (j < nin && !(!strncmp(in[j], r->name, len) &&
				    (in[j][len] == '=' || (!in[j][len] && !strchr(in[j], '=')))))
			j++;
		CHECK(*bad, j < nin, "removed %s: not in the input's order", r->name);
		j++;
		if (r->why == SBX_ENV_SECRET || r->why == SBX_ENV_EXEC || r->why == SBX_ENV_DOOR) {
			const char *pat;
			enum sbx_env_class why = sbx_env_classify(r->name, len, &pat);
			CHECK(*bad, why == r->why && pat == r->pattern, "%s: %s", r->name,
			      sbx_env_class_name(r->why));
		} else {
			CHECK(*bad, r->pattern == NULL, "%s", r->name);
		}
		CHECK(*bad, r->why != SBX_ENV_KEEP, "%s", r->name);
		CHECK(*bad, o->mode == SBX_ENV_STRICT || r->why != SBX_ENV_NOT_BASE, "%s", r->name);
		CHECK(*bad, o->mode != SBX_ENV_PASSTHROUGH || r->why == SBX_ENV_MALFORMED ||
				    r->why == SBX_ENV_DUPLICATE,
		      "%s", r->name);
	}
	sbx_env_free(&e);
}

static void test_order_and_accounting(void **state)
{
	(void)state;
	static const char *const pool[] = {
		"PATH", "HOME", "LANG", "LC_ALL", "LC_SECRET_TOKEN", "TERM", "GITHUB_TOKEN",
		"github_token", "LD_PRELOAD", "NODE_OPTIONS", "TMPDIR", "TMP", "TEMP",
		"RES_OPTIONS", "SSH_AUTH_SOCK", "DISPLAY", "NODE_ENV", "EDITOR", "FOO", "FOO_KEY",
		"npm_config_cache", "PYTHONPATH", "MY_VAR", "", "X",
	};
	static const char *const allow[] = {"FOO*", "MY_*", "LD_PRELOAD"};
	static const char *const values[] = {"/usr/bin:.:/bin", "1", "", "=", "a b", "bin"};
	uint64_t seed = 0x5eed;
	int bad = 0;
	for (int round = 0; round < 60; round++) {
		size_t nin = (size_t)(tu_rand(&seed) % 400);
		struct tu_buf b = {0};
		size_t *off = malloc((nin + 1) * sizeof(*off));
		char **in = malloc((nin + 1) * sizeof(*in));
		assert_non_null(off);
		assert_non_null(in);
		for (size_t i = 0; i < nin; i++) {
			off[i] = b.len;
			const char *n = pool[tu_rand(&seed) % NROWS(pool)];
			uint64_t r = tu_rand(&seed);
			if (r % 13 == 0)
				tu_buf_addf(&b, "%s", n); /* no '=' */
			else if (r % 3 == 0)
				tu_buf_addf(&b, "%s_%u=%s", n, (unsigned)(r % 97),
					    values[r % NROWS(values)]);
			else
				tu_buf_addf(&b, "%s=%s", n, values[r % NROWS(values)]);
			tu_buf_add(&b, "", 1);
		}
		for (size_t i = 0; i < nin; i++)
			in[i] = b.p + off[i];
		in[nin] = NULL;
		for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_PASSTHROUGH; m++) {
			struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m};
			if (round & 1)
				o.allow = allow, o.nallow = NROWS(allow);
			if (round & 2)
				o.tmpdir = "/priv";
			if (round & 4)
				o.res_use_vc = true;
			check_accounting(in, nin, &o, &bad);
		}
		free(in);
		free(off);
		tu_buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

static void test_empty(void **state)
{
	(void)state;
	struct sbx_env e = build(NULL, NULL);
	assert_int_equal(e.n, 0);
	assert_int_equal(e.nremoved, 0);
	sbx_env_free(&e);
	e = build(ENV(NULL), &(struct sbx_env_opts){.mode = SBX_ENV_STRICT});
	assert_int_equal(e.n, 0);
	sbx_env_free(&e);
	e = build(ENV(NULL), &(struct sbx_env_opts){.res_use_vc = true});
	expect_env(&e, (const char *[]){"RES_OPTIONS=use-vc", NULL});
	sbx_env_free(&e);

	/* Freeing twice, or nothing, is harmless. */
	sbx_env_free(&e);
	sbx_env_free(NULL);
}

/* ---- failing allocations ------------------------------------------------ */

/* Every allocation of a build fails in turn: -ENOMEM, an empty result and
 * nothing leaked (LeakSanitizer checks at exit). */
static void test_enomem(void **state)
{
	(void)state;
	static const char *const allow[] = {"RES_OPTIONS", "FOO_*"};
	char *const *in = ENV("PATH=.:/usr/bin:/bin", "HOME=/h", "GITHUB_TOKEN=v", "NOEQ",
			      "=v", "TMPDIR=/t", "RES_OPTIONS=ndots:1", "FOO_KEY=v", "PATH=/x",
			      "LC_ALL=C", "LD_PRELOAD=/x.so", "X=1");
	for (int m = SBX_ENV_SCRUB; m <= SBX_ENV_PASSTHROUGH; m++) {
		for (int v = 0; v < 2; v++) {
			struct sbx_env_opts o = {.mode = (enum sbx_env_mode)m,
						 .allow = v ? allow : NULL,
						 .nallow = v ? NROWS(allow) : 0,
						 .tmpdir = v ? "/p" : NULL,
						 .res_use_vc = v};
			allocs_left = -1;
			nallocs = 0;
			struct sbx_env ref = build(in, &o);
			size_t need = nallocs;
			assert_true(need >= 3);
			for (size_t f = 0; f < need; f++) {
				struct sbx_env e;
				memset(&e, 0xa5, sizeof(e));
				allocs_left = (long)f;
				int rc = sbx_env_build(in, &o, &e);
				allocs_left = -1;
				if (rc != -ENOMEM)
					fail_msg("%s/%d: allocation %zu failing gave %d",
						 modes_names[m], v, f, rc);
				assert_null(e.envp);
				assert_null(e.removed);
				assert_int_equal(e.n, 0);
				assert_int_equal(e.nremoved, 0);
				assert_int_equal(e.nallowed, 0);
				assert_false(e.path_filtered);
				sbx_env_free(&e);
			}
			/* And once more with all of them succeeding. */
			struct sbx_env e = build(in, &o);
			assert_int_equal(e.n, ref.n);
			for (size_t i = 0; i < e.n; i++)
				assert_string_equal(e.envp[i], ref.envp[i]);
			assert_int_equal(e.nremoved, ref.nremoved);
			sbx_env_free(&e);
			sbx_env_free(&ref);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_pattern_tables),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_length),
		cmocka_unit_test(test_is_base),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_lc_secret_token),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_strict_path),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_tmpdir),
		cmocka_unit_test(test_res_options),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_removed_names_only),
		cmocka_unit_test(test_order_and_accounting),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
