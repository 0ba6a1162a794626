/* gateway/evidence.c - collect what the server did and what was decided. */
#include "evidence.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "policies/secrets.h"
#include "sandbox.h"
#include "sandbox/notify.h"

/* ---- a string-keyed map (open addressing, FNV-1a) ---------------------- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool map_grow(struct gw_ev_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct gw_ev_entry *s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = hash(m->slots[i].key) & (cap - 1);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return true;
}

/* The entry for |key|, created when new; NULL when out of memory or when
 * the map is full (GW_EV_MAX_ENTRIES: a server opening millions of
 * distinct paths must not grow the gateway without bound). */
static struct gw_ev_entry *map_get(struct gw_ev_map *m, const char *key, bool *created)
{
	if (m->n < GW_EV_MAX_ENTRIES && (m->n + 1) * 2 > m->cap && !map_grow(m))
		return NULL;
	if (!m->cap)
		return NULL;
	size_t j = hash(key) & (m->cap - 1);
	while (m->slots[j].key) {
		if (strcmp(m->slots[j].key, key) == 0) {
			if (created)
				*created = false;
			return &m->slots[j];
		}
		j = (j + 1) & (m->cap - 1);
	}
	if (m->n >= GW_EV_MAX_ENTRIES)
		return NULL;
	char *k = strdup(key);
	if (!k)
		return NULL;
	m->slots[j] = (struct gw_ev_entry){.key = k};
	m->n++;
	if (created)
		*created = true;
	return &m->slots[j];
}

static void map_free(struct gw_ev_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp((*(struct gw_ev_entry *const *)a)->key, (*(struct gw_ev_entry *const *)b)->key);
}

/* The entries sorted by key (malloc'd array of pointers), or NULL. */
static struct gw_ev_entry **map_sorted(const struct gw_ev_map *m)
{
	struct gw_ev_entry **v = malloc((m->n ? m->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			v[k++] = &m->slots[i];
	qsort(v, k, sizeof(*v), entry_cmp);
	return v;
}

/* ---- collecting ------------------------------------------------------------- */

void gw_evidence_init(struct gw_evidence *ev, bool learn)
{
	memset(ev, 0, sizeof(*ev));
	ev->active = true;
	ev->learn = learn;
}

static char **canon_list(char *const *paths, size_t n)
{
	char **v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++) {
		v[i] = sbx_canonical_path(paths[i]);
		if (!v[i])
			v[i] = strdup(paths[i]);
	}
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void gw_evidence_target(struct gw_evidence *ev, const struct gw_sandbox *sb,
			const struct pol_sandbox *pol, const char *home)
{
	free(ev->tmp);
	free(ev->home);
	ev->tmp = sb && sb->tmp.fd >= 0 ? sbx_canonical_path(sb->tmp.path) : NULL;
	ev->home = home && home[0] == '/' && strcmp(home, "/") ? sbx_canonical_path(home) : NULL;
	ev->sb = sb;
	ev->pol = pol;
	free_list(ev->canon_rules);
	free_list(ev->canon_deny);
	ev->canon_rules = ev->canon_deny = NULL;
	if (ev->learn && sb) {
		ev->canon_rules = canon_list(sb->rule_paths, sb->nrules);
		ev->canon_deny = canon_list(sb->deny, sb->ndeny);
	}
}

static void mask_raw(const struct gw_evidence *ev, const char *path, char *out, size_t size);

bool gw_evidence_secret(const char *s)
{
	return s && pol_secrets_contains(s, strlen(s));
}

/* Control characters and bytes that are not UTF-8 become '?' in place:
 * a path is any bytes but '/' and NUL, the document is JSON text, and the
 * keys here are tab-separated. */
void gw_evidence_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = n > 0 && (n == 1 || (*p != 0xc0 && *p != 0xc1 && *p < 0xf5));
		for (size_t k = 1; ok && k < n; k++)
			ok = (p[k] & 0xc0) == 0x80;
		/* Overlong three-byte forms and surrogates, as jansson refuses them. */
		if (ok && n == 3)
			ok = !(p[0] == 0xe0 && p[1] < 0xa0) && !(p[0] == 0xed && p[1] >= 0xa0);
		if (ok && n == 4)
			ok = !(p[0] == 0xf0 && p[1] < 0x90) && !(p[0] == 0xf4 && p[1] >= 0x90);
		if (!ok || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* The path as recorded: the private tmp as ${TMPDIR}, /proc/<pid> as
 * /proc/${PID}, a credential-looking path redacted, what JSON cannot hold
 * replaced (sanitize). */
static void mask_path(const struct gw_evidence *ev, const char *path, char *out, size_t size)
{
	mask_raw(ev, path, out, size);
	gw_evidence_sanitize(out);
}

static void mask_raw(const struct gw_evidence *ev, const char *path, char *out, size_t size)
{
	if (gw_evidence_secret(path)) {
		snprintf(out, size, "<redacted>");
		return;
	}
	if (ev->tmp && sbx_path_within(path, ev->tmp)) {
		snprintf(out, size, "${TMPDIR}%s", path + strlen(ev->tmp));
		return;
	}
	if (strncmp(path, "/proc/", 6) == 0 && isdigit((unsigned char)path[6])) {
		const char *p = path + 6;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '/' || !*p) {
			snprintf(out, size, "/proc/${PID}%s", p);
			return;
		}
	}
	snprintf(out, size, "%s", path);
}

enum verdict { ALLOWED, DENIED_PATH, NOT_GRANTED };

/* Landlock's answer under the target rules for |need| (SBX_FS_*) on
 * canonical |path|: the union of the rules above it, nothing inside a
 * denied path. */
static enum verdict target_allows(const struct gw_evidence *ev, const char *path, unsigned need)
{
	for (size_t i = 0; ev->canon_deny && ev->canon_deny[i]; i++)
		if (sbx_path_within(path, ev->canon_deny[i]))
			return DENIED_PATH;
	unsigned have = 0;
	for (size_t i = 0; ev->canon_rules && ev->canon_rules[i]; i++)
		if (sbx_path_within(path, ev->canon_rules[i]))
			have |= ev->sb->rules[i].rights;
	return (have & need) == need ? ALLOWED : NOT_GRANTED;
}

static bool port_in(const uint16_t *v, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == port)
			return true;
	return false;
}

static void violation(struct gw_evidence *ev, const char *kind, const char *subject,
		      const char *access, const char *reason)
{
	char key[PATH_MAX + 256];
	snprintf(key, sizeof(key), "%s\t%s\t%s\t%s", kind, subject, access, reason);
	bool created = false;
	struct gw_ev_entry *e = map_get(&ev->violations, key, &created);
	if (!e) {
		ev->lost++;
		return;
	}
	e->count++;
	if (created) {
		/* The first few on stderr; all of them in the evidence. */
		if (++ev->n_violations <= 10)
			gw_warn("dry run: the policy would refuse %s %s (%s)", access, subject,
				reason);
		else if (ev->n_violations == 11)
			gw_warn("dry run: more effects the policy would refuse; see the evidence "
				"(--profile, --bundle)");
	}
}

static void check_file(struct gw_evidence *ev, const struct sbx_effect *e, const char *shown)
{
	if (e->kind == SBX_EFFECT_FILE && e->missing && !(e->access & ~SBX_ACC_READ))
		return; /* ENOENT comes before Landlock: a probe is not refused */
	char *canon = sbx_canonical_path(e->path);
	const char *p = canon ? canon : e->path;
	if (e->kind == SBX_EFFECT_EXEC) {
		if (target_allows(ev, p, SBX_FS_EXEC) != ALLOWED)
			violation(ev, "program", shown, "execute",
				  "no execute grant covers it");
	} else {
		bool writes = (e->access & ~SBX_ACC_READ) != 0;
		unsigned need = (e->access & SBX_ACC_READ ? SBX_FS_READ : 0) |
				(writes ? SBX_FS_WRITE : 0);
		enum verdict v = target_allows(ev, p, need);
		if (v != ALLOWED)
			violation(ev, "file", shown, writes ? "write" : "read",
				  v == DENIED_PATH ? "a denied path (credentials or the gateway's files)"
				  : writes	   ? "no write grant covers it"
						   : "no read grant covers it");
	}
	free(canon);
}

static void check_net(struct gw_evidence *ev, const struct sbx_effect *e, const char *shown)
{
	const struct pol_sandbox *pol = ev->pol;
	if (!pol || pol->net_open)
		return;
	if (e->family == AF_UNIX) {
		if (e->addr[0] == '@' || !e->addr[0])
			return; /* abstract: the scope decides, which we cannot see */
		for (size_t i = 0; i < pol->n_unix_sockets; i++)
			if (strcmp(pol->unix_sockets[i], e->addr) == 0)
				return;
		violation(ev, "network", shown, "connect", "unix socket not in network.unix_sockets");
		return;
	}
	if (e->op == SBX_NET_SEND) {
		if (!pol->udp)
			violation(ev, "network", shown, "send", "UDP is not allowed (network.udp)");
	} else if (e->op == SBX_NET_BIND) {
		if (e->port && !port_in(pol->bind_tcp, pol->n_bind_tcp, e->port))
			violation(ev, "network", shown, "bind", "port not in network.bind_tcp");
	} else if (!port_in(pol->connect_tcp, pol->n_connect_tcp, e->port) && !pol->udp) {
		violation(ev, "network", shown, "connect", "port not in network.connect_tcp");
	}
}

static const char *family_name(int f)
{
	return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : "unix";
}

static const char *op_name(enum sbx_net_op op)
{
	return op == SBX_NET_CONNECT ? "connect" : op == SBX_NET_BIND ? "bind" : "send";
}

void gw_evidence_effect(void *arg, const struct sbx_effect *e)
{
	struct gw_evidence *ev = arg;
	char shown[PATH_MAX + 64];
	struct gw_ev_entry *x;
	ev->effects++;
	switch (e->kind) {
	case SBX_EFFECT_EXEC:
		mask_path(ev, e->path, shown, sizeof(shown));
		if (!(x = map_get(&ev->programs, shown, NULL)))
			break;
		x->count++;
		if (ev->learn)
			check_file(ev, e, shown);
		return;
	case SBX_EFFECT_FILE:
		mask_path(ev, e->path, shown, sizeof(shown));
		if (!(x = map_get(&ev->files, shown, NULL)))
			break;
		x->count++;
		x->bits |= e->access;
		x->seen_present |= !e->missing;
		if (ev->learn)
			check_file(ev, e, shown);
		return;
	case SBX_EFFECT_NET: {
		char addr[PATH_MAX];
		if (e->family == AF_UNIX && e->addr[0] == '/')
			mask_path(ev, e->addr, addr, sizeof(addr));
		else
			snprintf(addr, sizeof(addr), "%s", e->addr);
		gw_evidence_sanitize(addr);
		snprintf(shown, sizeof(shown), "%s\t%s\t%s\t%u", op_name(e->op),
			 family_name(e->family), addr, e->port);
		if (!(x = map_get(&ev->net, shown, NULL)))
			break;
		x->count++;
		if (ev->learn) {
			char subj[PATH_MAX + 32];
			snprintf(subj, sizeof(subj), "%s %s:%u", family_name(e->family), addr,
				 e->port);
			check_net(ev, e, subj);
		}
		return;
	}
	}
	ev->lost++;
}

/* |len| bytes of |name| (NUL bytes included) into |out|, cut to fit and
 * sanitised: a tab or a newline would break the key apart. */
static void copy_name(char *out, size_t size, const char *name, size_t len)
{
	size_t n = name ? (len < size - 1 ? len : size - 1) : 0;
	for (size_t i = 0; i < n; i++)
		out[i] = name[i] ? name[i] : '?';
	out[n] = '\0';
	gw_evidence_sanitize(out);
}

void gw_evidence_call(struct gw_evidence *ev, const char *method, const char *name,
		      size_t name_len, const char *decision, const char *rule)
{
	if (!ev->active)
		return;
	char key[1024], nm[512], md[256];
	copy_name(nm, sizeof(nm), name, name_len);
	/* The method too: a server's request may name any, tabs included. */
	copy_name(md, sizeof(md), method, method ? strlen(method) : 0);
	snprintf(key, sizeof(key), "%s\t%s\t%s\t%s", md, nm, decision, rule ? rule : "");
	struct gw_ev_entry *x = map_get(&ev->calls, key, NULL);
	if (x)
		x->count++;
	else
		ev->lost++;
}

void gw_evidence_tool_listed(struct gw_evidence *ev, const char *name, size_t len)
{
	if (!ev->active)
		return;
	char nm[512];
	copy_name(nm, sizeof(nm), name, len);
	struct gw_ev_entry *x = map_get(&ev->tools, nm, NULL);
	if (x)
		x->count++;
	else
		ev->lost++;
}

/* ---- the document ----------------------------------------------------------- */

/* Split |key| at tabs into |parts| (modifies a copy). */
static size_t split(char *key, char **parts, size_t max)
{
	size_t n = 0;
	char *p = key;
	while (n < max) {
		parts[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

/* Append to |arr| one object per entry of |m|, sorted: the key's four
 * tab-separated parts as |fields| (the last one a number when
 * |last_int|), and the count. */
static void map_objects(const struct gw_ev_map *m, const char *const fields[4], bool last_int,
			json_t *arr)
{
	struct gw_ev_entry **v = map_sorted(m);
	for (size_t i = 0; v && i < m->n; i++) {
		char *k = strdup(v[i]->key), *p[4];
		if (k && split(k, p, 4) == 4) {
			json_t *o = json_object();
			for (int f = 0; f < 4; f++)
				json_object_set_new(o, fields[f],
						    f == 3 && last_int ? json_integer(atoi(p[f]))
								       : json_string(p[f]));
			json_object_set_new(o, "count", json_integer((json_int_t)v[i]->count));
			json_array_append_new(arr, o);
		}
		free(k);
	}
	free(v);
}

json_t *gw_evidence_doc(const struct gw_evidence *ev, json_t *info, json_t *degradations)
{
	json_t *doc = json_object();
	json_t *programs = json_array(), *files = json_array(), *net = json_array();
	json_t *listed = json_array(), *calls = json_array(), *viol = json_array();
	struct gw_ev_entry **v;
	if ((v = map_sorted(&ev->programs))) {
		for (size_t i = 0; i < ev->programs.n; i++)
			json_array_append_new(programs, json_pack("{s:s,s:I}", "path", v[i]->key,
								  "count", (json_int_t)v[i]->count));
		free(v);
	}
	if ((v = map_sorted(&ev->files))) {
		for (size_t i = 0; i < ev->files.n; i++) {
			json_t *acc = json_array();
			/* Sorted by name, as the document promises. */
			const char *names[SBX_ACC_COUNT];
			size_t na = 0;
			for (unsigned b = 0; b < SBX_ACC_COUNT; b++)
				if (v[i]->bits & (1u << b))
					names[na++] = sbx_access_name(b);
			for (size_t a = 1; a < na; a++)
				for (size_t c = a; c > 0 && strcmp(names[c - 1], names[c]) > 0; c--) {
					const char *t = names[c];
					names[c] = names[c - 1];
					names[c - 1] = t;
				}
			for (size_t a = 0; a < na; a++)
				json_array_append_new(acc, json_string(names[a]));
			json_array_append_new(files, json_pack("{s:s,s:o,s:I,s:b}", "path", v[i]->key,
							       "access", acc, "count",
							       (json_int_t)v[i]->count, "missing",
							       !v[i]->seen_present));
		}
		free(v);
	}
	static const char *const net_fields[] = {"op", "family", "address", "port"};
	static const char *const call_fields[] = {"method", "name", "decision", "rule"};
	static const char *const viol_fields[] = {"kind", "subject", "access", "reason"};
	map_objects(&ev->net, net_fields, true, net);
	map_objects(&ev->calls, call_fields, false, calls);
	map_objects(&ev->violations, viol_fields, false, viol);
	if ((v = map_sorted(&ev->tools))) {
		for (size_t i = 0; i < ev->tools.n; i++)
			json_array_append_new(listed, json_string(v[i]->key));
		free(v);
	}
	json_object_set_new(doc, "schema", json_string(GW_EVIDENCE_SCHEMA));
	json_object_set_new(doc, "run_id", json_string(""));
	json_object_set_new(doc, "generator", json_string("assay-gateway " ASSAY_VERSION));
	if (info)
		json_object_update(doc, info);
	json_object_set_new(doc, "programs", programs);
	json_object_set_new(doc, "files", files);
	json_object_set_new(doc, "network", net);
	json_object_set_new(doc, "mcp", json_pack("{s:o,s:o}", "tools_listed", listed, "calls", calls));
	json_object_set_new(doc, "violations", viol);
	json_object_set_new(doc, "degradations", degradations ? degradations : json_array());
	json_object_set_new(doc, "counters",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "notifications",
				      (json_int_t)ev->notifications, "effects",
				      (json_int_t)ev->effects, "unreadable",
				      (json_int_t)ev->unreadable, "gone", (json_int_t)ev->gone,
				      "lost", (json_int_t)ev->lost));
	json_decref(info);
	char id[GW_RUN_ID_SIZE];
	if (gw_evidence_run_id(doc, id) == 0)
		json_object_set_new(doc, "run_id", json_string(id));
	return doc;
}

void gw_evidence_close(struct gw_evidence *ev)
{
	map_free(&ev->programs);
	map_free(&ev->files);
	map_free(&ev->net);
	map_free(&ev->calls);
	map_free(&ev->tools);
	map_free(&ev->violations);
	free(ev->tmp);
	free(ev->home);
	free_list(ev->canon_rules);
	free_list(ev->canon_deny);
	ev->tmp = ev->home = NULL;
	ev->canon_rules = ev->canon_deny = NULL;
	ev->active = false;
}
