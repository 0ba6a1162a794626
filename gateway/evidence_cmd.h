/* gateway/evidence_cmd.h - `assay-gateway evidence lint|diff`. */
#ifndef GW_EVIDENCE_CMD_H
#define GW_EVIDENCE_CMD_H

#include <jansson.h>
#include <stdio.h>

/* `assay-gateway evidence lint [--key PUBKEY.pem] [--json] BUNDLE` and
 * `assay-gateway evidence diff [--fail-on CLASSES] [--json] A B`; argv[0]
 * is "evidence".  Returns the exit status: 0 clean (lint) or nothing new
 * in a --fail-on class (diff), 1 findings or something new, 2 usage error
 * or an unreadable file. */
int gw_evidence_command(int argc, char **argv);

/* The same, writing to |out| and |err| (tests). */
int gw_evidence_main(int argc, char **argv, FILE *out, FILE *err);

/* What evidence document |b| has that |a| has not, and the reverse:
 * {"<class>": {"added": [item], "removed": [item]}} for each class
 * "programs" (path), "writes" ("<access> <path>" for the accesses that
 * change the file system), "reads" (path; not under /proc, /sys, /dev,
 * which the run id leaves out too), "endpoints"
 * (gw_evidence_endpoint), "tools" ("<method> <name>" of allowed calls),
 * "denials" ("<decision> <method> <name>" of refused calls, "violation
 * <kind> [<access>] <subject>" of violations); items sorted, distinct.
 * Returns a new reference, or NULL when out of memory. */
json_t *gw_evidence_diff(const json_t *a, const json_t *b);

#endif
