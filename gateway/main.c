/* gateway/main.c - entry point. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "evidence_cmd.h"
#include "log.h"
#include "pins.h"
#include "policy_cmd.h"
#include "sandbox_cmd.h"
#include "session.h"

/* Make sure descriptors 0-2 exist, so a file we open can never become our
 * stdout and receive protocol messages or logs by accident. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	ensure_stdio();
	/* Subcommands; a server command with one of these names needs "--". */
	if (argc > 1 && strcmp(argv[1], "policy") == 0)
		return gw_policy_command(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "pins") == 0)
		return gw_pins_command(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "sandbox") == 0)
		return gw_sandbox_command(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "evidence") == 0)
		return gw_evidence_command(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "doctor") == 0) {
		gw_log_init(GW_QUIET);
		return gw_doctor_command(argc - 1, argv + 1);
	}
	struct gw_options opt;
	int rc = gw_cli_parse(argc, argv, &opt, stdout, stderr);
	if (rc != GW_CLI_RUN) {
		gw_options_close(&opt);
		return rc == GW_CLI_DONE ? 0 : 2;
	}
	gw_log_init(opt.verbosity);
	int code = gw_session_run(&opt);
	gw_options_close(&opt);
	return code;
}
