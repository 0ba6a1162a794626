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
 *   counters      {notifications, effects, unreadable, gone, lost}
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
 *   "file <access> <path>"      one line per access kind (reads of /proc,
 *                               /sys and /dev left out: they follow the
 *                               runtime's timing, not the server's work)
 *   "net <op> <family> <address> <port>"
 *   "mcp <method> <decision> <name>"
 * each followed by '\n'.  No counts, times, pids or the missing flag: the
 * same behaviour gives the same id however often a file was opened.
 * Returns 0, or -1 when |doc| is not an evidence document. */
int gw_evidence_run_id(const json_t *doc, char out[GW_RUN_ID_SIZE]);

/* Is |path| one of the kernel's own files (/proc, /sys, /dev), whose reads
 * follow the machine and the runtime's timing (a thread pool reading the
 * CPU count or not) rather than the server's work?  The run id and
 * `evidence diff` leave those reads out. */
bool gw_evidence_kernel_read(const char *path);

/* ---- collecting (one per session) -------------------------------------- */

struct gw_sandbox;
struct pol_sandbox;
struct sbx_effect;

struct gw_ev_entry {
	char *key;
	unsigned bits;	 /* files: SBX_ACC_*; calls: unused */
	bool seen_present; /* files: at least one access found the path */
	unsigned long long count;
};

/* Distinct entries per kind (programs, files, endpoints, calls...); what
 * comes after is counted as lost. */
#define GW_EV_MAX_ENTRIES 16384

struct gw_ev_map {
	struct gw_ev_entry *slots;
	size_t cap, n;
};

struct gw_evidence {
	bool active;
	bool learn; /* --dry-run: effects are checked against the target policy */
	struct gw_ev_map programs, files, net, calls, tools, violations;
	unsigned long long notifications, effects, unreadable, gone, lost;
	unsigned long long n_violations;
	/* Masking and checking. */
	char *tmp;  /* the private tmp, or NULL */
	char *home; /* $HOME, or NULL */
	const struct gw_sandbox *sb;	/* the target rules (learn mode) */
	const struct pol_sandbox *pol;	/* the target network rules */
	char **canon_rules;		/* sb's rule paths, canonical */
	char **canon_deny;
};

void gw_evidence_init(struct gw_evidence *ev, bool learn);

/* Once the sandbox is prepared: where the private tmp is, and (learn
 * mode) the rules each effect is checked against. */
void gw_evidence_target(struct gw_evidence *ev, const struct gw_sandbox *sb,
			const struct pol_sandbox *pol, const char *home);

/* An observed effect (the supervisor's callback). */
void gw_evidence_effect(void *ev, const struct sbx_effect *e);

/* An MCP decision: |decision| "allow", "deny" or "would_deny"; |rule| may
 * be NULL. */
void gw_evidence_call(struct gw_evidence *ev, const char *method, const char *name,
		      size_t name_len, const char *decision, const char *rule);

/* A tool the server listed (after filtering). */
void gw_evidence_tool_listed(struct gw_evidence *ev, const char *name, size_t len);

/* The evidence document (see the top of this file).  |info| holds the
 * members known to the session (command, executable, started, duration_s,
 * exit_code, server_status, mode); |degradations| the sandbox report as
 * [{severity, area, text}] (taken).  Returns a new reference or NULL. */
json_t *gw_evidence_doc(const struct gw_evidence *ev, json_t *info, json_t *degradations);

void gw_evidence_close(struct gw_evidence *ev);

/* Replace in place, with '?', control characters and bytes that are not
 * UTF-8 (JSON cannot hold them; the collector's keys are tab-separated). */
void gw_evidence_sanitize(char *s);

/* Is the path (or argv word) |s| one that must not be recorded as is? */
bool gw_evidence_secret(const char *s);

#endif
