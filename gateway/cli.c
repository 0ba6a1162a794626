/* gateway/cli.c - command-line parsing. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_MESSAGE (64u * 1024 * 1024)
#define MIN_MAX_MESSAGE 64u
#define MAX_MAX_MESSAGE (1024u * 1024 * 1024)

static const char usage_text[] =
	"Usage: assay-gateway [OPTIONS] [--] COMMAND [ARGS...]\n"
	"\n"
	"Run the MCP server COMMAND over stdio and relay its JSON-RPC messages,\n"
	"applying the tool policy and recording every decision.\n"
	"\n"
	"Policy:\n"
	"  --policy FILE             the policy file (default: $ASSAY_POLICY, else the\n"
	"                            built-in policy; see 'assay-gateway policy show --default')\n"
	"  --dry-run                 decide, observe and record, but deny nothing (the\n"
	"                            sandbox keeps credentials and the gateway's files);\n"
	"                            exit 4 when the server exited 0 and something would\n"
	"                            have been denied\n"
	"  --allow-tool GLOB         allow only tools matching GLOB (repeatable)\n"
	"  --deny-tool GLOB          deny tools matching GLOB (repeatable; deny wins)\n"
	"  --deny-reply result|error answer a denied call with an isError result\n"
	"                            (default) or a JSON-RPC error (code -32050)\n"
	"  --name NAME               the server's identity for tool pinning (default:\n"
	"                            derived from the command line, without secrets)\n"
	"Sandbox (docs/sandbox.md):\n"
	"  --env-allow GLOB          pass variables matching GLOB to the server even when\n"
	"                            they look like secrets (repeatable)\n"
	"  --env-strict              pass only PATH, HOME, USER, LOGNAME, LANG, LC_*, TERM,\n"
	"                            TZ and the private TMPDIR (plus --env-allow)\n"
	"  --env-passthrough         do not scrub the environment (reported as degraded)\n"
	"  --fail-closed             stop before starting the server when the kernel\n"
	"                            cannot enforce a protection the policy asks for\n"
	"  --enforce                 refuse to run without Landlock\n"
	"  --no-sandbox              run the server with all of the user's rights\n"
	"Recording:\n"
	"  --audit FILE              append one JSON object per event to FILE\n"
	"  --profile FILE            observe what the server does (docs/evidence.md) and\n"
	"                            write a policy allowing exactly that to FILE, the\n"
	"                            evidence next to it and a report (FILE.report.md)\n"
	"  --profile-report FILE     where the Markdown report goes\n"
	"  --profile-format yaml|json  format of the profile and evidence (default yaml)\n"
	"  --bundle FILE             write the evidence as a .tar.gz bundle\n"
	"  --bundle-key KEY.pem      sign the bundle with this Ed25519 private key\n"
	"  -q, --quiet               log only errors to stderr\n"
	"  -v, --verbose             log every request and response to stderr\n"
	"Limits:\n"
	"  --max-message-bytes SIZE  largest message in either direction (default 64M)\n"
	"  --max-pending N           requests in flight per direction (default 4096)\n"
	"  --drain-timeout DURATION  after the client closes stdin, wait this long for\n"
	"                            answers to requests in flight (default 10s)\n"
	"  --grace DURATION          then close the server's stdin and wait this long\n"
	"                            before SIGTERM, and again before SIGKILL (default 2s)\n"
	"\n"
	"  -h, --help                show this help\n"
	"  -V, --version             show the version\n"
	"\n"
	"Options end at the first word that is not an option, so both\n"
	"'assay-gateway -- npx server' and 'assay-gateway npx server' work.\n"
	"GLOB: '*' matches any run of characters, '?' one character, '\\' quotes.\n"
	"Exit status: the server's (128+N when killed by signal N); 2 usage or\n"
	"configuration error; 4 a dry run would have denied something; 126 command\n"
	"not executable; 127 command not found.\n"
	"\n"
	"Other commands:\n"
	"  assay-gateway policy check FILE    validate FILE and print the effective policy\n"
	"  assay-gateway policy show --default  print the built-in policy\n"
	"  assay-gateway pins list|approve    pinned tool definitions (docs/policy.md)\n"
	"  assay-gateway sandbox [OPTIONS] -- CMD  run any command in the sandbox\n"
	"  assay-gateway doctor [--json]      what this machine can enforce\n"
	"  assay-gateway evidence lint|diff     check a bundle, compare two runs (docs/evidence.md)\n"
	"(To run a server command named 'policy', 'pins', 'sandbox', 'doctor' or 'evidence',\n"
	"put '--' before it.)\n";

enum {
	OPT_ALLOW_TOOL = 256,
	OPT_DENY_TOOL,
	OPT_DENY_REPLY,
	OPT_AUDIT,
	OPT_MAX_MESSAGE,
	OPT_MAX_PENDING,
	OPT_DRAIN,
	OPT_GRACE,
	OPT_POLICY,
	OPT_DRY_RUN,
	OPT_NAME,
	OPT_ENV_ALLOW,
	OPT_ENV_STRICT,
	OPT_ENV_PASSTHROUGH,
	OPT_FAIL_CLOSED,
	OPT_ENFORCE,
	OPT_NO_SANDBOX,
	OPT_PROFILE,
	OPT_PROFILE_REPORT,
	OPT_PROFILE_FORMAT,
	OPT_BUNDLE,
	OPT_BUNDLE_KEY,
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"allow-tool", required_argument, NULL, OPT_ALLOW_TOOL},
	{"deny-tool", required_argument, NULL, OPT_DENY_TOOL},
	{"deny-reply", required_argument, NULL, OPT_DENY_REPLY},
	{"audit", required_argument, NULL, OPT_AUDIT},
	{"max-message-bytes", required_argument, NULL, OPT_MAX_MESSAGE},
	{"max-pending", required_argument, NULL, OPT_MAX_PENDING},
	{"drain-timeout", required_argument, NULL, OPT_DRAIN},
	{"grace", required_argument, NULL, OPT_GRACE},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"name", required_argument, NULL, OPT_NAME},
	{"env-allow", required_argument, NULL, OPT_ENV_ALLOW},
	{"env-strict", no_argument, NULL, OPT_ENV_STRICT},
	{"env-passthrough", no_argument, NULL, OPT_ENV_PASSTHROUGH},
	{"fail-closed", no_argument, NULL, OPT_FAIL_CLOSED},
	{"enforce", no_argument, NULL, OPT_ENFORCE},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"profile-report", required_argument, NULL, OPT_PROFILE_REPORT},
	{"profile-format", required_argument, NULL, OPT_PROFILE_FORMAT},
	{"bundle", required_argument, NULL, OPT_BUNDLE},
	{"bundle-key", required_argument, NULL, OPT_BUNDLE_KEY},
	{NULL, 0, NULL, 0},
};

int gw_parse_size(const char *s, size_t *out)
{
	/* Digits first: strtoull would skip blanks and accept a sign. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	unsigned long long mult = 1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024ull; end++; break;
	case 'm': case 'M': mult = 1024ull * 1024; end++; break;
	case 'g': case 'G': mult = 1024ull * 1024 * 1024; end++; break;
	default: return -EINVAL;
	}
	if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (v > SIZE_MAX / mult)
		return -ERANGE;
	*out = (size_t)(v * mult);
	return 0;
}

int gw_parse_duration(const char *s, uint64_t *ms)
{
	/* A digit or '.' first: strtod would also read blanks, signs, "nan",
	 * "inf" and hexadecimal. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p == 'x' || *p == 'X')
			return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	double scale = 1000.0;
	if (strcmp(end, "ms") == 0)
		scale = 1.0;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		scale = 1000.0;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		scale = 60000.0;
	else
		return -EINVAL;
	double r = v * scale;
	if (r > 86400000.0)
		return -EINVAL; /* more than a day is a typo */
	*ms = (uint64_t)(r + 0.5);
	return 0;
}

void gw_options_close(struct gw_options *o)
{
	pol_tool_rules_close(&o->tools);
	free(o->sandbox.env_allow);
	o->sandbox.env_allow = NULL;
	free(o->profile_evidence);
	free(o->profile_report);
	o->profile_evidence = o->profile_report = NULL;
}

/* FILE.yaml -> FILE.evidence.yaml (the extension follows the format). */
static char *evidence_name(const char *profile, bool json)
{
	size_t n = strlen(profile);
	const char *ext = json ? ".json" : ".yaml";
	static const char *const exts[] = {".yaml", ".yml", ".json"};
	for (size_t i = 0; i < 3; i++) {
		size_t el = strlen(exts[i]);
		if (n > el && strcmp(profile + n - el, exts[i]) == 0) {
			n -= el;
			break;
		}
	}
	char *out;
	return asprintf(&out, "%.*s.evidence%s", (int)n, profile, ext) < 0 ? NULL : out;
}

static int __attribute__((format(printf, 2, 3))) usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("assay-gateway: ", err);
	vfprintf(err, fmt, ap);
	fputs(" (see 'assay-gateway --help')\n", err);
	va_end(ap);
	return GW_CLI_USAGE;
}

int gw_cli_parse(int argc, char **argv, struct gw_options *o, FILE *out, FILE *err)
{
	memset(o, 0, sizeof(*o));
	pol_tool_rules_init(&o->tools);
	o->verbosity = GW_NORMAL;
	o->max_message_bytes = DEFAULT_MAX_MESSAGE;
	o->max_pending = 4096;
	o->drain_timeout_ms = 10000;
	o->grace_ms = 2000;

	optind = 0; /* full re-initialisation, so tests can parse twice */
	opterr = 0;
	int c;
	/* '+': stop at the first non-option (the server command). */
	while ((c = getopt_long(argc, argv, "+:hVqv", long_options, NULL)) != -1) {
		const char *arg = optarg;
		switch (c) {
		case 'h':
			fputs(usage_text, out);
			return GW_CLI_DONE;
		case 'V':
			fputs("assay-gateway " ASSAY_VERSION "\n", out);
			return GW_CLI_DONE;
		case 'q':
			o->verbosity = GW_QUIET;
			break;
		case 'v':
			o->verbosity = GW_VERBOSE;
			break;
		case OPT_ALLOW_TOOL:
		case OPT_DENY_TOOL:
			if (pol_tool_rules_add(&o->tools, c == OPT_DENY_TOOL ? POL_DENY : POL_ALLOW,
					       arg) != 0)
				return usage_error(err, "invalid tool glob '%s': empty, or ends "
						   "with a lone backslash", arg);
			break;
		case OPT_DENY_REPLY:
			if (strcmp(arg, "result") == 0)
				o->deny_reply_error = false;
			else if (strcmp(arg, "error") == 0)
				o->deny_reply_error = true;
			else
				return usage_error(err, "--deny-reply takes 'result' or 'error', "
						   "not '%s'", arg);
			o->deny_reply_set = true;
			break;
		case OPT_POLICY:
			if (!*arg)
				return usage_error(err, "--policy needs a file name");
			o->policy_path = arg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_NAME:
			if (!*arg)
				return usage_error(err, "--name needs a value");
			o->name = arg;
			break;
		case OPT_ENV_ALLOW:
			if (!*arg || strchr(arg, '=') || pol_glob_check(arg) != 0)
				return usage_error(err, "--env-allow: '%s' is not a variable name "
						   "or glob", arg);
			if (!o->sandbox.env_allow &&
			    !(o->sandbox.env_allow = calloc((size_t)argc, sizeof(char *))))
				return usage_error(err, "out of memory");
			o->sandbox.env_allow[o->sandbox.n_env_allow++] = arg;
			break;
		case OPT_ENV_STRICT:
			o->sandbox.env_strict = true;
			break;
		case OPT_ENV_PASSTHROUGH:
			o->sandbox.env_passthrough = true;
			break;
		case OPT_FAIL_CLOSED:
			o->sandbox.fail_closed = true;
			break;
		case OPT_ENFORCE:
			o->sandbox.require_landlock = true;
			break;
		case OPT_NO_SANDBOX:
			o->sandbox.disabled = true;
			break;
		case OPT_AUDIT:
			if (!*arg)
				return usage_error(err, "--audit needs a file name");
			o->audit_path = arg;
			break;
		case OPT_PROFILE:
		case OPT_BUNDLE:
		case OPT_BUNDLE_KEY:
			if (!*arg)
				return usage_error(err, "--%s needs a file name",
						   c == OPT_PROFILE ? "profile"
						   : c == OPT_BUNDLE ? "bundle" : "bundle-key");
			*(c == OPT_PROFILE ? &o->profile_path
			  : c == OPT_BUNDLE ? &o->bundle_path : &o->bundle_key) = arg;
			break;
		case OPT_PROFILE_REPORT:
			if (!*arg)
				return usage_error(err, "--profile-report needs a file name");
			free(o->profile_report);
			if (!(o->profile_report = strdup(arg)))
				return usage_error(err, "out of memory");
			break;
		case OPT_PROFILE_FORMAT:
			if (strcmp(arg, "yaml") == 0)
				o->profile_json = false;
			else if (strcmp(arg, "json") == 0)
				o->profile_json = true;
			else
				return usage_error(err, "--profile-format takes 'yaml' or 'json', "
						   "not '%s'", arg);
			break;
		case OPT_MAX_MESSAGE: {
			size_t v;
			if (gw_parse_size(arg, &v) != 0 || v < MIN_MAX_MESSAGE ||
			    v > MAX_MAX_MESSAGE)
				return usage_error(err, "--max-message-bytes: '%s' is not a size "
						   "between 64 and 1G (e.g. 64M)", arg);
			o->max_message_bytes = v;
			break;
		}
		case OPT_MAX_PENDING: {
			size_t v;
			if (gw_parse_size(arg, &v) != 0 || v < 1 || v > 1000000)
				return usage_error(err, "--max-pending: '%s' is not a number "
						   "between 1 and 1000000", arg);
			o->max_pending = v;
			break;
		}
		case OPT_DRAIN:
		case OPT_GRACE: {
			uint64_t v;
			if (gw_parse_duration(arg, &v) != 0)
				return usage_error(err, c == OPT_DRAIN
						   ? "--drain-timeout: '%s' is not a duration "
						     "(e.g. 10s, 500ms)"
						   : "--grace: '%s' is not a duration (e.g. 2s, "
						     "500ms)", arg);
			if (c == OPT_DRAIN)
				o->drain_timeout_ms = v;
			else
				o->grace_ms = v;
			break;
		}
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) != 0 && optopt > 0 && optopt < 256)
				return usage_error(err, "option '-%c' needs a value", optopt);
			return usage_error(err, "option '%s' needs a value", argv[optind - 1]);
		default: {
			/* A long option: getopt sets optopt to its value, which
			 * may be a letter the user never typed. */
			const char *word = argv[optind - 1];
			if (strncmp(word, "--", 2) == 0) {
				const char *eq = strchr(word, '=');
				if (eq)
					return usage_error(err, "option '%.*s' does not take a value",
							   (int)(eq - word), word);
				return usage_error(err, "unknown option '%s'", word);
			}
			if (optopt > 0 && optopt < 256)
				return usage_error(err, "unknown option '-%c'", optopt);
			return usage_error(err, "unknown option '%s'", word);
		}
		}
	}
	if (o->sandbox.env_strict && o->sandbox.env_passthrough)
		return usage_error(err, "--env-strict and --env-passthrough contradict each other");
	if (o->sandbox.disabled && (o->sandbox.fail_closed || o->sandbox.require_landlock))
		return usage_error(err, "--no-sandbox contradicts %s",
				   o->sandbox.fail_closed ? "--fail-closed" : "--enforce");
	if (o->sandbox.disabled && (o->profile_path || o->bundle_path))
		return usage_error(err, "--%s observes the server through the sandbox's seccomp "
				   "filter: it cannot be combined with --no-sandbox",
				   o->profile_path ? "profile" : "bundle");
	if (optind >= argc)
		return usage_error(err, "missing the server command");
	o->cmd = &argv[optind];
	o->cmd_argc = argc - optind;
	if (o->profile_path) {
		o->profile_evidence = evidence_name(o->profile_path, o->profile_json);
		if (!o->profile_report && asprintf(&o->profile_report, "%s.report.md",
						   o->profile_path) < 0)
			o->profile_report = NULL;
		if (!o->profile_evidence || !o->profile_report)
			return usage_error(err, "out of memory");
	} else if (o->profile_report) {
		return usage_error(err, "--profile-report needs --profile");
	}
	if (o->bundle_key && !o->bundle_path)
		return usage_error(err, "--bundle-key needs --bundle");
	o->sandbox.observe = o->profile_path || o->bundle_path || o->dry_run;
	o->sandbox.learn = o->dry_run;
	return GW_CLI_RUN;
}
