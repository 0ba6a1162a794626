/* gateway/sandbox_cmd.h - `assay-gateway sandbox` and `assay-gateway doctor`. */
#ifndef GW_SANDBOX_CMD_H
#define GW_SANDBOX_CMD_H

/* argv[0] is "sandbox".  Returns the command's exit status (128+N when a
 * signal N ended it), 2 on a configuration error, 126/127 when it cannot
 * be run. */
int gw_sandbox_command(int argc, char **argv);

/* argv[0] is "doctor".  Returns 0 when the built-in policy can be
 * enforced here, 1 when something it asks for cannot, 2 on a usage error. */
int gw_doctor_command(int argc, char **argv);

#endif
