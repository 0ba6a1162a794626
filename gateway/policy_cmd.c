/* gateway/policy_cmd.c - choosing the policy, and `assay-gateway policy`. */
#include "policy_cmd.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/paths.h"
#include "policies/ytree.h"

static const char *env_lookup(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* ${CWD}, ${HOME}, ${TMPDIR}, ${ENV:NAME} as the server will see them: it
 * inherits the gateway's working directory and environment. */
static const struct pol_vars *policy_vars(void)
{
	static char cwd[4096];
	static struct pol_vars v;
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	const char *tmp = getenv("TMPDIR");
	v.cwd = cwd[0] ? cwd : NULL;
	/* The built-in policy names ${HOME}/.npm: a missing HOME must not
	 * make it fail to load. */
	v.home = gw_home_dir(getenv("HOME"));
	v.tmpdir = tmp && *tmp ? tmp : "/tmp";
	v.getenv = env_lookup;
	v.ctx = NULL;
	return &v;
}

static int load_file(const char *path, struct pol_policy *p)
{
	char err[1024];
	size_t len;
	int rc;
	char *text = gw_read_file(path, 0, POL_YAML_MAX_BYTES, &len, &rc, err, sizeof(err));
	if (!text) {
		fprintf(stderr, "assay-gateway: error: cannot read the policy %s\n", err);
		return -1;
	}
	rc = pol_policy_load(p, text, len, path, policy_vars(), err, sizeof(err));
	free(text);
	if (rc != 0)
		fprintf(stderr, "assay-gateway: error: invalid policy: %s\n", err);
	return rc;
}

static int load_default(struct pol_policy *p)
{
	char err[1024];
	if (pol_policy_load(p, pol_default_yaml, pol_default_yaml_len, "<built-in default>", policy_vars(), err,
			    sizeof(err)) != 0) {
		fprintf(stderr, "assay-gateway: error: the built-in policy does not load: %s\n", err);
		return -1;
	}
	return 0;
}

int gw_policy_resolve(const struct gw_options *o, struct pol_policy *p)
{
	const char *env = getenv("ASSAY_POLICY");
	int rc;
	if (o->policy_path)
		rc = load_file(o->policy_path, p);
	else if (env && *env)
		rc = load_file(env, p);
	else
		rc = load_default(p);
	if (rc != 0)
		return -1;

	/* The command-line shorthands go on top of the file. */
	for (size_t i = 0; i < o->tools.count; i++) {
		const struct pol_tool_rule *r = &o->tools.rules[i];
		if (pol_tool_rules_add_named(&p->tools, r->action, r->glob, r->id) != 0) {
			fprintf(stderr, "assay-gateway: error: out of memory\n");
			return -1;
		}
	}
	if (o->tools.n_allow) {
		/* --allow-tool: a tool that matches none is denied, by that flag. */
		p->tools.has_default = true;
		p->tools.default_action = POL_DENY;
		snprintf(p->tools.default_id, sizeof(p->tools.default_id), "%s",
			 "cli.allow_tool.unmatched");
		snprintf(p->tools.default_reason, sizeof(p->tools.default_reason), "%s",
			 "it matches no --allow-tool");
	}
	if (o->deny_reply_set)
		p->deny_reply_error = o->deny_reply_error;
	if (o->dry_run)
		p->mode = POL_MODE_AUDIT;
	return 0;
}

static int policy_usage(void)
{
	fputs("Usage: assay-gateway policy check FILE\n"
	      "       assay-gateway policy show [--default]\n"
	      "check: validate FILE and print the effective policy (exit 0), or say what is\n"
	      "       wrong and where (exit 2).\n"
	      "show:  print the policy a run would use ($ASSAY_POLICY, else the built-in one);\n"
	      "       --default prints the built-in one.\n",
	      stderr);
	return 2;
}

int gw_policy_command(int argc, char **argv)
{
	struct pol_policy p;
	int rc;
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		rc = load_file(argv[2], &p);
	} else if (argc >= 2 && strcmp(argv[1], "show") == 0 &&
		   (argc == 2 || (argc == 3 && strcmp(argv[2], "--default") == 0))) {
		if (argc == 3) {
			fwrite(pol_default_yaml, 1, pol_default_yaml_len, stdout);
			return ferror(stdout) ? 1 : 0;
		}
		const char *env = getenv("ASSAY_POLICY");
		rc = env && *env ? load_file(env, &p) : load_default(&p);
	} else {
		return policy_usage();
	}
	if (rc != 0)
		return 2;
	pol_policy_dump(&p, stdout);
	pol_policy_close(&p);
	return fflush(stdout) == 0 ? 0 : 1;
}
