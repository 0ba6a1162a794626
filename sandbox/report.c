/* sandbox/report.c - what the sandbox could and could not enforce. */
#include "sandbox/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbx_report_add(struct sbx_report *r, enum sbx_severity sev, const char *area,
		    const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		text = NULL;
	char *a = strdup(area);
	if (!text || !a)
		goto oom;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct sbx_item *v = cap < r->cap ? NULL : realloc(r->items, cap * sizeof(*v));
		if (!v)
			goto oom;
		r->items = v;
		r->cap = cap;
	}
	r->items[r->n++] = (struct sbx_item){sev, a, text};
	return;
oom:
	free(text);
	free(a);
	r->lost = true;
}

size_t sbx_report_count(const struct sbx_report *r, enum sbx_severity sev)
{
	size_t c = sev == SBX_DEGRADED && r->lost;
	for (size_t i = 0; i < r->n; i++)
		c += r->items[i].severity == sev;
	return c;
}

void sbx_report_free(struct sbx_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].area);
		free(r->items[i].text);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}
