/* sandbox/report.h - what the sandbox could and could not enforce.
 *
 * Every protection the policy asked for and the kernel cannot give is a
 * degradation: logged, written to the audit log, and with --fail-closed a
 * reason to stop before the server starts.  Notes say what a protection
 * that does hold still lets through (for example, what a deny inside an
 * allowed directory cannot hide).
 */
#ifndef SANDBOX_REPORT_H
#define SANDBOX_REPORT_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_severity {
	SBX_NOTE = 0,	  /* enforced, with a limit worth knowing */
	SBX_DEGRADED = 1, /* asked for, not enforced */
};

struct sbx_item {
	enum sbx_severity severity;
	char *area; /* "filesystem", "network", "scope", "seccomp", "process", "environment" */
	char *text;
};

struct sbx_report {
	struct sbx_item *items;
	size_t n, cap;
	bool lost; /* an item could not be recorded (out of memory): counts as degraded */
};

/* Append an item.  A failed allocation sets |lost|, which
 * sbx_report_count() counts as a degradation: nothing is silently lost. */
void sbx_report_add(struct sbx_report *r, enum sbx_severity sev, const char *area,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
size_t sbx_report_count(const struct sbx_report *r, enum sbx_severity sev);
void sbx_report_free(struct sbx_report *r);

#endif
