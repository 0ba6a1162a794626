/* tests/fuzz/fuzz_policy_load.c - policies/load.c on arbitrary bytes.
 *
 * Any input either loads or is refused with "t.yaml:LINE:COL: message"
 * (never a crash, a leak or an unterminated message).  A policy that loads
 * is dumped (pol_policy_dump), and the dump must load again and dump to the
 * same text: the effective policy that `assay-gateway policy check` prints
 * is itself a valid policy meaning the same thing.
 *
 * Variables (${CWD}, ${HOME}, ${TMPDIR}, ${ENV:NAME}) have fixed values, the
 * same for both loads, as for `policy check` run twice in one place. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/paths.h"
#include "policies/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fake_getenv(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "PROJECT") == 0)
		return "/srv/project";
	if (strcmp(name, "DOLLAR") == 0)
		return "/srv/$x/${CWD}";
	return NULL;
}

static const struct pol_vars vars = {
	.cwd = "/work/dir",
	.home = "/home/me",
	.tmpdir = "/tmp",
	.getenv = fake_getenv,
	.ctx = NULL,
};

static char *dump(const struct pol_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	pol_policy_dump(p, f);
	if (fclose(f) != 0 || !buf)
		abort();
	return buf;
}

#define REQUIRE(cond, ...)                                                  \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz_policy_load: %s: ", #cond);   \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
			abort();                                            \
		}                                                           \
	} while (0)

/* A refusal names the source, a line and a column. */
static void check_message(const char *err, size_t size)
{
	REQUIRE(memchr(err, '\0', size) != NULL, "the message is not terminated");
	REQUIRE(strncmp(err, "t.yaml:", 7) == 0, "message without the source: %s", err);
	const char *p = err + 7;
	size_t digits = strspn(p, "0123456789");
	REQUIRE(digits > 0 && p[digits] == ':', "message without a line: %s", err);
	p += digits + 1;
	digits = strspn(p, "0123456789");
	REQUIRE(digits > 0 && p[digits] == ':' && p[digits + 1] == ' ',
		"message without a column: %s", err);
	REQUIRE(p[digits + 2] != '\0', "message without text: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy a, b;
	char err[1024];
	memset(err, 0x55, sizeof(err));
	if (pol_policy_load(&a, (const char *)data, size, "t.yaml", &vars, err, sizeof(err)) != 0) {
		check_message(err, sizeof(err));
		pol_policy_close(&a);
		return 0;
	}
	REQUIRE(a.version == POL_VERSION, "version %d", a.version);
	char *d1 = dump(&a);
	if (pol_policy_load(&b, d1, strlen(d1), "t.yaml", &vars, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_policy_load: the dump does not load: %s\n--- dump ---\n%s\n",
			err, d1);
		abort();
	}
	char *d2 = dump(&b);
	if (strcmp(d1, d2) != 0) {
		fprintf(stderr, "fuzz_policy_load: the dump of the dump differs\n--- first ---\n%s\n"
				"--- second ---\n%s\n", d1, d2);
		abort();
	}
	/* Counts the dump may not lose even where the text would agree. */
	REQUIRE(a.tools.count == b.tools.count && a.resources.count == b.resources.count &&
			a.prompts.count == b.prompts.count && a.n_arg_rules == b.n_arg_rules &&
			a.n_rate_limits == b.n_rate_limits,
		"the dump loads to a policy with other rule counts:\n%s", d1);
	free(d1);
	free(d2);
	pol_policy_close(&a);
	pol_policy_close(&b);
	return 0;
}
