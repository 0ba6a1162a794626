/* gateway/evidence.h - what the server did, next to what the gateway decided.
 *
 * In profile mode (--profile, --dry-run) the supervisor (sandbox/notify.h)
 * reports each observed system call; the relay reports each MCP decision;
 * the sandbox its degradations.  At the end the evidence is one JSON
 * document, written as YAML or JSON (--profile), as a bundle (--bundle) and
 * read back by `assay-gateway evidence lint|diff`.
 *
 * The document ("assay-evidence/1"); every array sorted as said, so the
 * same behaviour gives the same bytes apart from counts and times:
 *
 *   schema        "assay-evidence/1"
 *   run_id        "sandbox_" + the first 16 hex digits of the SHA-256 of the
 *                 canonical effect set (gw_evidence_run_id)
 *   generator     "assay-gateway <version>"
 *   mode          "profile" | "dry-run"
 *   command       [string]  argv, secret-looking words redacted
 *   executable    string    the resolved program
 *   started       RFC 3339 UTC;  duration_s  number
 *   exit_code     the gateway's;  server_status  int (absent when killed)
 *   programs      [{path, count}]                          by path
 *   files         [{path, access: [string], count, missing}] by path;
 *                 access from "read" "write" "create" "truncate" "mkdir"
 *                 "remove" "rename" "link" "symlink" (sorted); missing: every
 *                 observed access found no such file (ENOENT at the time)
 *   network       [{op, family, address, port, count}]     by op, family,
 *                 address, port; op "connect" | "bind" | "send"; family
 *                 "inet" | "inet6" | "unix"; address an IP or a unix path
 *                 ("@name" for abstract); port 0 for unix
 *   mcp           {tools_listed: [name], calls: [{method, name, decision,
 *                 rule, count}]}  calls by method, name, decision; decision
 *                 "allow" | "deny" | "would_deny"; rule may be ""
 *   violations    [{kind, subject, access, reason}]  kind "file" |
 *                 "program" | "network"; subject the path or endpoint
 *   degradations  [{severity, area, text}]  severity "degraded" | "note"
 *   counters      {notifications, effects, unreadable, lost}
 *
 * Paths are absolute and lexically normal; the private tmp is written
 * "${TMPDIR}" and /proc/<pid> "/proc/${PID}"; paths and argv words that
 * look like credentials are redacted ("<redacted>").  Environment values
 * are never recorded.
 */
#ifndef GW_EVIDENCE_H
#define GW_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GW_EVIDENCE_SCHEMA "assay-evidence/1"
#define GW_RUN_ID_SIZE 32 /* "sandbox_" + 16 hex + NUL, rounded up */

/* The run id of evidence document |doc|: "sandbox_" followed by the first
 * 16 hex digits of the SHA-256 over the sorted, distinct lines
 *   "exec <path>"
 *   "file <access> <path>"      one line per access kind
 *   "net <op> <family> <address> <port>"
 *   "mcp <method> <decision> <name>"
 * each followed by '\n'.  No counts, times, pids or the missing flag: the
 * same behaviour gives the same id however often a file was opened.
 * Returns 0, or -1 when |doc| is not an evidence document. */
int gw_evidence_run_id(const json_t *doc, char out[GW_RUN_ID_SIZE]);

#endif
