/* gateway/evidence_id.c - the deterministic run id of an evidence document. */
#include "evidence.h"

#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
	char **v;
	size_t n, cap;
	bool failed;
};

static void add(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct lines *l, const char *fmt, ...)
{
	if (l->failed)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->failed = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&l->v[l->n], fmt, ap) < 0)
		l->failed = true;
	else
		l->n++;
	va_end(ap);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool gw_evidence_kernel_read(const char *path)
{
	static const char *const dirs[] = {"/proc/", "/sys/", "/dev/"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int gw_evidence_run_id(const json_t *doc, char out[GW_RUN_ID_SIZE])
{
	if (!json_is_object(doc) || strcmp(str(doc, "schema"), GW_EVIDENCE_SCHEMA) != 0)
		return -1;
	struct lines l = {0};
	size_t i, j;
	json_t *e, *a;
	json_array_foreach(json_object_get(doc, "programs"), i, e)
		add(&l, "exec %s", str(e, "path"));
	json_array_foreach(json_object_get(doc, "files"), i, e) {
		const char *path = str(e, "path");
		json_array_foreach(json_object_get(e, "access"), j, a) {
			const char *acc = json_string_value(a) ? json_string_value(a) : "";
			if (strcmp(acc, "read") == 0 && gw_evidence_kernel_read(path))
				continue;
			add(&l, "file %s %s", acc, path);
		}
	}
	json_array_foreach(json_object_get(doc, "network"), i, e)
		add(&l, "net %s %s %s %lld", str(e, "op"), str(e, "family"), str(e, "address"),
		    (long long)json_integer_value(json_object_get(e, "port")));
	json_array_foreach(json_object_get(json_object_get(doc, "mcp"), "calls"), i, e)
		add(&l, "mcp %s %s %s", str(e, "method"), str(e, "decision"), str(e, "name"));
	int rc = l.failed ? -1 : 0;
	if (rc == 0) {
		if (l.n)
			qsort(l.v, l.n, sizeof(*l.v), cmp);
		struct sha256_ctx ctx;
		unsigned char md[SHA256_DIGEST_SIZE];
		sha256_init(&ctx);
		for (size_t k = 0; k < l.n; k++) {
			if (k > 0 && strcmp(l.v[k], l.v[k - 1]) == 0)
				continue; /* distinct lines only */
			sha256_update(&ctx, strlen(l.v[k]), (const uint8_t *)l.v[k]);
			sha256_update(&ctx, 1, (const uint8_t *)"\n");
		}
		sha256_digest(&ctx, sizeof(md), md);
		int n = snprintf(out, GW_RUN_ID_SIZE, "sandbox_");
		for (int k = 0; k < 8; k++)
			n += snprintf(out + n, GW_RUN_ID_SIZE - (size_t)n, "%02x", md[k]);
	}
	for (size_t k = 0; k < l.n; k++)
		free(l.v[k]);
	free(l.v);
	return rc;
}
