/* gateway/profile.c - suggested policy, evidence file and report. */
#include "profile.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "fileio.h"
#include "sandbox.h"

/* ---- YAML ---------------------------------------------------------------- */

/* Can |s| be written plain and read back as the same string? */
static bool plain_ok(const char *s)
{
	static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null",
					    "y", "n", "~", NULL};
	if (!*s || strlen(s) > 200)
		return false;
	for (const char *const *w = words; *w; w++)
		if (strcasecmp(s, *w) == 0)
			return false;
	if (strchr("-?:,[]{}#&*!|>'\"%@`.0123456789+ ", s[0]))
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr("_/.-$+@", c))
			return false;
	}
	return true;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -1;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool is_string)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = !is_string || plain_ok(s) ? YAML_PLAIN_SCALAR_STYLE
							       : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style))
		return -1;
	return emit(e, &ev);
}

static int emit_value(yaml_emitter_t *e, const json_t *v, int depth)
{
	yaml_event_t ev;
	char num[64];
	if (depth > 32)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    emit(e, &ev))
			return -1;
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (emit_scalar(e, k, true) || emit_value(e, x, depth + 1))
				return -1;
		return yaml_mapping_end_event_initialize(&ev) ? emit(e, &ev) : -1;
	}
	case JSON_ARRAY: {
		/* Short lists of scalars on one line; the rest as blocks. */
		bool flow = json_array_size(v) <= 8;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) flow &= !json_is_object(x) && !json_is_array(x);
		if (!yaml_sequence_start_event_initialize(
			    &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE) ||
		    emit(e, &ev))
			return -1;
		json_array_foreach(v, i, x)
			if (emit_value(e, x, depth + 1))
				return -1;
		return yaml_sequence_end_event_initialize(&ev) ? emit(e, &ev) : -1;
	}
	case JSON_STRING: return emit_scalar(e, json_string_value(v), true);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(e, num, false);
	case JSON_REAL: snprintf(num, sizeof(num), "%.17g", json_real_value(v)); return emit_scalar(e, num, false);
	case JSON_TRUE: return emit_scalar(e, "true", false);
	case JSON_FALSE: return emit_scalar(e, "false", false);
	default: return emit_scalar(e, "null", false);
	}
}

char *gw_yaml_dump(const json_t *v)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	struct gw_memtext b;
	if (!gw_memtext_open(&b))
		return NULL;
	if (!yaml_emitter_initialize(&e))
		return gw_memtext_close(&b, false, NULL);
	yaml_emitter_set_output_file(&e, b.f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, 100);
	int rc = 0;
	rc |= !yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(&e, &ev);
	rc |= !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || emit(&e, &ev);
	rc |= emit_value(&e, v, 0);
	rc |= !yaml_document_end_event_initialize(&ev, 1) || emit(&e, &ev);
	rc |= !yaml_stream_end_event_initialize(&ev) || emit(&e, &ev);
	rc |= !yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	return gw_memtext_close(&b, rc == 0, NULL);
}

/* ---- the suggestion ------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static bool has_access(const json_t *file, const char *name)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(file, "access"), i, a)
		if (json_string_value(a) && strcmp(json_string_value(a), name) == 0)
			return true;
	return false;
}

static bool writes(const json_t *file)
{
	static const char *const w[] = {"write", "create", "truncate", "mkdir", "remove",
					"rename", "link", "symlink", NULL};
	for (const char *const *n = w; *n; n++)
		if (has_access(file, *n))
			return true;
	return false;
}

/* Paths never collapsed into: granting them grants too much. */
static bool too_wide(const char *dir, const char *home)
{
	static const char *const wide[] = {"/", "/home", "/root", "/tmp", "/var", "/var/tmp",
					   "/etc", "/run", "/dev", "/proc", "/sys", "/usr", "/mnt",
					   "/media", "/srv", "/opt", NULL};
	for (const char *const *w = wide; *w; w++)
		if (strcmp(dir, *w) == 0)
			return true;
	return home && sbx_path_within(home, dir);
}

static void parent_of(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	char *slash = strrchr(out, '/');
	if (slash == out)
		out[1] = '\0';
	else if (slash)
		*slash = '\0';
}

static bool path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A set of paths (the keys of a JSON object: hashed, so a run with tens of
 * thousands of paths stays linear), collapsed at the end into a sorted
 * array |v|. */
struct pathset {
	json_t *set;
	char **v; /* after ps_collapse: the keys, sorted (borrowed from |set|) */
	size_t n;
};

static void ps_add(struct pathset *s, const char *p)
{
	if (!s->set)
		s->set = json_object();
	json_object_set_new(s->set, p, json_true());
}

static void ps_free(struct pathset *s)
{
	free(s->v);
	json_decref(s->set);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is a proper ancestor of |path| in |set|? */
static bool ancestor_in(const json_t *set, const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	while (strcmp(dir, "/") != 0) {
		char up[PATH_MAX];
		parent_of(dir, up, sizeof(up));
		if (json_object_get(set, up))
			return true;
		snprintf(dir, sizeof(dir), "%s", up);
	}
	return false;
}

/* Three or more entries directly in one directory become the directory
 * (unless it is too wide or not a directory: |dirs| caches the answer per
 * parent); then entries inside another entry go.  Returns whether
 * anything changed. */
static bool ps_collapse_once(struct pathset *s, const char *home, json_t *dirs)
{
	char dir[PATH_MAX];
	const char *k;
	json_t *x;
	json_t *count = json_object(), *out = json_object();
	json_object_foreach(s->set, k, x) {
		parent_of(k, dir, sizeof(dir));
		json_object_set_new(count, dir,
				    json_integer(json_integer_value(json_object_get(count, dir)) + 1));
	}
	bool changed = false;
	json_object_foreach(s->set, k, x) {
		parent_of(k, dir, sizeof(dir));
		bool up = json_integer_value(json_object_get(count, dir)) >= 3 && strcmp(dir, k) != 0;
		if (up) {
			json_t *d = json_object_get(dirs, dir);
			if (!d) {
				d = json_boolean(!too_wide(dir, home) && is_dir(dir));
				json_object_set_new(dirs, dir, d);
			}
			up = json_is_true(d);
		}
		json_object_set_new(out, up ? dir : k, json_true());
		changed |= up;
	}
	json_t *kept = json_object();
	json_object_foreach(out, k, x)
		if (!ancestor_in(out, k))
			json_object_set_new(kept, k, json_true());
		else
			changed = true;
	json_decref(count);
	json_decref(out);
	json_decref(s->set);
	s->set = kept;
	return changed;
}

/* Up the tree while directories keep filling up (a package directory,
 * then the node_modules holding several), never into a wide one. */
static void ps_collapse(struct pathset *s, const char *home)
{
	/* A language's package tree is code read as a whole: its outermost
	 * package directory stands for every file read in it. */
	static const char *const trees[] = {"/node_modules/", "/site-packages/", "/dist-packages/",
					    NULL};
	if (!s->set)
		s->set = json_object();
	json_t *cut = json_object();
	const char *k;
	json_t *x;
	json_object_foreach(s->set, k, x) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s", k);
		for (const char *const *t = trees; *t; t++) {
			char *at = strstr(p, *t);
			if (at && at != p)
				at[strlen(*t) - 1] = '\0';
		}
		json_object_set_new(cut, p, json_true());
	}
	json_decref(s->set);
	s->set = cut;
	json_t *dirs = json_object();
	for (int round = 0; round < 16 && ps_collapse_once(s, home, dirs); round++)
		;
	json_decref(dirs);
	free(s->v);
	s->n = 0;
	s->v = malloc((json_object_size(s->set) + 1) * sizeof(*s->v));
	if (!s->v)
		return;
	json_object_foreach(s->set, k, x) s->v[s->n++] = (char *)k;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

/* Is |path| or one of its ancestors in the collapsed set |s|? */
static bool ps_covers(const struct pathset *s, const char *path)
{
	return s->set && (json_object_get(s->set, path) || ancestor_in(s->set, path));
}

/* |path| as the policy writes it: ${CWD}/... or ${HOME}/..., a '$' of
 * the path itself doubled (the loader reads "$$" as "$"). */
static json_t *policy_path(const char *path, const char *home, const char *cwd)
{
	char out[2 * PATH_MAX + 16];
	size_t k = 0;
	const char *rest = path;
	if (cwd && strcmp(cwd, "/") && sbx_path_within(path, cwd) &&
	    !(home && strcmp(cwd, home) == 0)) {
		k = (size_t)snprintf(out, sizeof(out), "${CWD}");
		rest = path + strlen(cwd);
	} else if (home && sbx_path_within(path, home)) {
		k = (size_t)snprintf(out, sizeof(out), "${HOME}");
		rest = path + strlen(home);
	}
	for (const char *p = rest; *p && k < sizeof(out) - 3; p++) {
		if (*p == '$')
			out[k++] = '$';
		out[k++] = *p;
	}
	out[k] = '\0';
	return json_string(out);
}

static json_t *ps_json(const struct pathset *s, const char *home, const char *cwd)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, policy_path(s->v[i], home, cwd));
	return a;
}

static void warn(json_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(json_t *w, const char *fmt, ...)
{
	char buf[PATH_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(w, json_string(buf));
}

/* A tool name as a glob that matches only itself. */
static json_t *glob_literal(const char *name)
{
	char out[1024];
	size_t k = 0;
	for (const char *p = name; *p && k < sizeof(out) - 2; p++) {
		if (*p == '*' || *p == '?' || *p == '\\')
			out[k++] = '\\';
		out[k++] = *p;
	}
	out[k] = '\0';
	return json_string(out);
}

/* Is |path| one the evidence could not show as it is? */
static bool masked(const char *path)
{
	return path[0] != '/' || strstr(path, "${") != NULL;
}

json_t *gw_profile_suggest(const json_t *doc, const char *home, const char *cwd,
			   json_t **warnings)
{
	json_t *w = json_array();
	struct pathset reads = {0}, wr = {0}, ex = {0};
	size_t i;
	json_t *f;
	char dir[PATH_MAX];
	/* What the run created: not a parent a rule can name. */
	json_t *made = json_object();
	json_array_foreach(json_object_get(doc, "files"), i, f)
		if (has_access(f, "create") || has_access(f, "mkdir"))
			json_object_set_new(made, str(f, "path"), json_true());

	json_array_foreach(json_object_get(doc, "files"), i, f) {
		const char *p = str(f, "path");
		if (strcmp(p, "<redacted>") == 0) {
			warn(w, "a path that looks like a credential was accessed; it is not "
				"allowed (see the evidence)");
			continue;
		}
		if (masked(p))
			continue; /* the private tmp, /proc/${PID}: granted anyway */
		bool wr_ = writes(f);
		bool rd = has_access(f, "read");
		if (json_is_true(json_object_get(f, "missing")) && !wr_)
			continue; /* only ever ENOENT: nothing to grant */
		if (gw_sandbox_credential(p, home)) {
			warn(w, "the server %s %s, a credential path: not allowed", wr_ ? "wrote" : "read",
			     p);
			continue;
		}
		if (rd && !gw_sandbox_builtin_grants(p, SBX_FS_READ, home) && path_exists(p))
			ps_add(&reads, p);
		if (!wr_ || gw_sandbox_builtin_grants(p, SBX_FS_READ | SBX_FS_WRITE, home))
			continue;
		bool changes_dir = has_access(f, "create") || has_access(f, "mkdir") ||
				   has_access(f, "remove") || has_access(f, "rename") ||
				   has_access(f, "link") || has_access(f, "symlink");
		if (!changes_dir && !is_dir(p) && path_exists(p)) {
			ps_add(&wr, p);
			continue;
		}
		/* Landlock rules need existing paths: the nearest parent that
		 * existed before the run (not created by it) and exists now. */
		parent_of(p, dir, sizeof(dir));
		for (;;) {
			bool created = json_object_get(made, dir) != NULL;
			if ((!created && is_dir(dir)) || strcmp(dir, "/") == 0)
				break;
			char up[PATH_MAX];
			parent_of(dir, up, sizeof(up));
			snprintf(dir, sizeof(dir), "%s", up);
		}
		if (too_wide(dir, home))
			warn(w, "the server changed %s in %s; granting writes to all of %s is left to "
				"you",
			     p, dir, dir);
		else
			ps_add(&wr, dir);
	}
	json_decref(made);
	ps_collapse(&reads, home);
	ps_collapse(&wr, home);
	json_array_foreach(json_object_get(doc, "programs"), i, f) {
		const char *p = str(f, "path");
		/* The private tmp, or a place the suggested policy lets the
		 * server write: never write and execute on the same file. */
		if (masked(p) || ps_covers(&wr, p)) {
			warn(w, "the server ran %s, a program in a place it can write; not allowed",
			     p);
			continue;
		}
		if (!gw_sandbox_builtin_grants(p, SBX_FS_READ | SBX_FS_EXEC, home) && path_exists(p))
			ps_add(&ex, p);
	}
	/* Sorted, no collapse: execute is granted file by file. */
	if (ex.set) {
		const char *k;
		json_t *x;
		ex.v = malloc((json_object_size(ex.set) + 1) * sizeof(*ex.v));
		json_object_foreach(ex.set, k, x) if (ex.v) ex.v[ex.n++] = (char *)k;
		if (ex.n)
			qsort(ex.v, ex.n, sizeof(*ex.v), cmp_str);
	}

	json_t *fs = json_pack("{s:b,s:s}", "system", 1, "cwd", "none");
	if (reads.n)
		json_object_set_new(fs, "read", ps_json(&reads, home, cwd));
	if (wr.n)
		json_object_set_new(fs, "write", ps_json(&wr, home, cwd));
	if (ex.n)
		json_object_set_new(fs, "execute", ps_json(&ex, home, cwd));
	ps_free(&reads);
	ps_free(&wr);
	ps_free(&ex);

	/* Network: the ports connected to and bound, UDP when datagrams were
	 * sent to an address, the pathname unix sockets. */
	json_t *connect = json_array(), *bind = json_array(), *unix_ = json_array();
	bool udp = false;
	json_array_foreach(json_object_get(doc, "network"), i, f) {
		const char *op = str(f, "op"), *fam = str(f, "family"), *addr = str(f, "address");
		json_int_t port = json_integer_value(json_object_get(f, "port"));
		bool inet = strcmp(fam, "inet") == 0 || strcmp(fam, "inet6") == 0;
		json_t *target = NULL;
		if (inet && strcmp(op, "send") == 0)
			udp = true;
		else if (inet && strcmp(op, "connect") == 0 && port > 0)
			target = connect;
		else if (inet && strcmp(op, "bind") == 0 && port > 0)
			target = bind;
		else if (!inet && addr[0] == '/' && strcmp(op, "bind") != 0) {
			bool dup = false;
			size_t j;
			json_t *x;
			json_array_foreach(unix_, j, x) dup |= strcmp(json_string_value(x), addr) == 0;
			if (!dup && !masked(addr))
				json_array_append_new(unix_, json_string(addr));
		}
		if (target) {
			bool dup = false;
			size_t j;
			json_t *x;
			json_array_foreach(target, j, x) dup |= json_integer_value(x) == port;
			if (!dup)
				json_array_append_new(target, json_integer(port));
		}
	}
	json_t *net;
	if (!json_array_size(connect) && !json_array_size(bind) && !json_array_size(unix_) && !udp) {
		net = json_string("none");
		json_decref(connect);
		json_decref(bind);
		json_decref(unix_);
	} else {
		net = json_object();
		json_object_set_new(net, "connect_tcp", connect);
		if (json_array_size(bind))
			json_object_set_new(net, "bind_tcp", bind);
		else
			json_decref(bind);
		if (udp)
			json_object_set_new(net, "udp", json_true());
		if (json_array_size(unix_))
			json_object_set_new(net, "unix_sockets", unix_);
		else
			json_decref(unix_);
	}

	/* Tools: the ones called, and nothing else. */
	json_t *allow = json_array();
	json_array_foreach(json_object_get(json_object_get(doc, "mcp"), "calls"), i, f) {
		if (strcmp(str(f, "method"), "tools/call") != 0)
			continue;
		const char *d = str(f, "decision"), *name = str(f, "name");
		if (strcmp(d, "deny") == 0)
			continue;
		if (strcmp(d, "would_deny") == 0)
			warn(w, "the tool %s was called, and the current policy denies it (rule %s); "
				"it is allowed here",
			     name, str(f, "rule"));
		json_t *g = glob_literal(name);
		bool dup = false;
		size_t j;
		json_t *x;
		json_array_foreach(allow, j, x) dup |= json_equal(x, g);
		if (dup)
			json_decref(g);
		else
			json_array_append_new(allow, g);
	}
	json_t *tools = json_pack("{s:s}", "default", "deny");
	if (json_array_size(allow))
		json_object_set_new(tools, "allow", allow);
	else
		json_decref(allow);

	*warnings = w;
	return json_pack("{s:i,s:s,s:o,s:{s:o,s:o}}", "version", 1, "mode", "enforce", "tools",
			 tools, "sandbox", "filesystem", fs, "network", net);
}

/* ---- the report ------------------------------------------------------------ */

static void md_cell(FILE *b, const char *s)
{
	/* Code spans with the pipes and backticks that would break a table
	 * replaced. */
	fputc('`', b);
	for (const char *p = s; *p; p++)
		fputc(*p == '|' || *p == '`' || *p == '\n' ? '?' : *p, b);
	fputc('`', b);
}

static char *report(const json_t *doc, const json_t *warnings, const char *policy_file)
{
	struct gw_memtext t;
	if (!gw_memtext_open(&t))
		return NULL;
	FILE *b = t.f;
	size_t i, n;
	json_t *f;
	fprintf(b, "# assay-gateway profile: %s\n\n", str(doc, "run_id"));
	fprintf(b, "- command: ");
	json_array_foreach(json_object_get(doc, "command"), i, f)
		fprintf(b, "%s", i ? " " : ""), md_cell(b, json_string_value(f) ? json_string_value(f) : "");
	fprintf(b, "\n- mode: %s; started %s; %.1f s; exit %lld\n", str(doc, "mode"),
		  str(doc, "started"), json_number_value(json_object_get(doc, "duration_s")),
		  (long long)json_integer_value(json_object_get(doc, "exit_code")));
	json_t *files = json_object_get(doc, "files"), *viol = json_object_get(doc, "violations");
	size_t nw = 0, nr = 0;
	json_array_foreach(files, i, f) {
		if (writes(f))
			nw++;
		else if (!json_is_true(json_object_get(f, "missing")))
			nr++;
	}
	json_t *calls = json_object_get(json_object_get(doc, "mcp"), "calls");
	fprintf(b,
		  "- %zu program(s), %zu file(s) read, %zu written or changed, %zu network "
		  "endpoint(s), %zu kind(s) of MCP call, %zu violation(s), %zu sandbox note(s)\n",
		  json_array_size(json_object_get(doc, "programs")), nr, nw,
		  json_array_size(json_object_get(doc, "network")), json_array_size(calls),
		  json_array_size(viol), json_array_size(json_object_get(doc, "degradations")));
	if (policy_file)
		fprintf(b, "- suggested policy: `%s` (load it with `--policy`; review it first)\n",
			  policy_file);

	if (json_array_size(viol)) {
		fprintf(b, "\n## Violations (what the policy would refuse)\n\n| kind | subject | access | why | count |\n|---|---|---|---|---|\n");
		json_array_foreach(viol, i, f) {
			fprintf(b, "| %s | ", str(f, "kind"));
			md_cell(b, str(f, "subject"));
			fprintf(b, " | %s | %s | %lld |\n", str(f, "access"), str(f, "reason"),
				  (long long)json_integer_value(json_object_get(f, "count")));
		}
	}
	if (json_array_size(warnings)) {
		fprintf(b, "\n## Not allowed in the suggested policy\n\n");
		json_array_foreach(warnings, i, f)
			fprintf(b, "- %s\n", json_string_value(f));
	}
	fprintf(b, "\n## Programs\n\n| program | runs |\n|---|---|\n");
	json_array_foreach(json_object_get(doc, "programs"), i, f) {
		fprintf(b, "| ");
		md_cell(b, str(f, "path"));
		fprintf(b, " | %lld |\n", (long long)json_integer_value(json_object_get(f, "count")));
	}
	fprintf(b, "\n## Files written or changed\n\n");
	n = 0;
	json_array_foreach(files, i, f) {
		if (!writes(f))
			continue;
		if (n++ == 0)
			fprintf(b, "| path | access | count |\n|---|---|---|\n");
		fprintf(b, "| ");
		md_cell(b, str(f, "path"));
		fprintf(b, " | ");
		size_t j;
		json_t *a;
		json_array_foreach(json_object_get(f, "access"), j, a)
			fprintf(b, "%s%s", j ? ", " : "", json_string_value(a));
		fprintf(b, " | %lld |\n", (long long)json_integer_value(json_object_get(f, "count")));
	}
	if (!n)
		fprintf(b, "None.\n");
	/* Reads by directory: a list of every library file is not readable. */
	fprintf(b, "\n## Files read, by directory\n\n");
	json_t *dirs = json_object();
	json_array_foreach(files, i, f) {
		if (writes(f) || json_is_true(json_object_get(f, "missing")))
			continue;
		char d[PATH_MAX];
		parent_of(str(f, "path"), d, sizeof(d));
		json_int_t c = json_integer_value(json_object_get(dirs, d));
		json_object_set_new(dirs, d, json_integer(c + 1));
	}
	if (!json_object_size(dirs))
		fprintf(b, "None.\n");
	else
		fprintf(b, "| directory | files |\n|---|---|\n");
	const char *k;
	json_t *x;
	json_object_foreach(dirs, k, x) {
		fprintf(b, "| ");
		md_cell(b, k);
		fprintf(b, " | %lld |\n", (long long)json_integer_value(x));
	}
	json_decref(dirs);
	fprintf(b, "\n## Network\n\n");
	if (!json_array_size(json_object_get(doc, "network")))
		fprintf(b, "None.\n");
	json_array_foreach(json_object_get(doc, "network"), i, f)
		fprintf(b, "- %s %s `%s` port %lld (%lld)\n", str(f, "op"), str(f, "family"),
			  str(f, "address"), (long long)json_integer_value(json_object_get(f, "port")),
			  (long long)json_integer_value(json_object_get(f, "count")));
	fprintf(b, "\n## MCP\n\nTools listed: %zu.\n\n", json_array_size(json_object_get(
								    json_object_get(doc, "mcp"), "tools_listed")));
	if (json_array_size(calls))
		fprintf(b, "| method | name | decision | rule | count |\n|---|---|---|---|---|\n");
	json_array_foreach(calls, i, f) {
		fprintf(b, "| %s | ", str(f, "method"));
		md_cell(b, str(f, "name"));
		fprintf(b, " | %s | %s | %lld |\n", str(f, "decision"), str(f, "rule"),
			  (long long)json_integer_value(json_object_get(f, "count")));
	}
	fprintf(b, "\n## Sandbox\n\n");
	if (!json_array_size(json_object_get(doc, "degradations")))
		fprintf(b, "Everything the policy asks for is enforced.\n");
	json_array_foreach(json_object_get(doc, "degradations"), i, f)
		fprintf(b, "- %s (%s): %s\n", str(f, "severity"), str(f, "area"), str(f, "text"));
	json_t *c = json_object_get(doc, "counters");
	fprintf(b,
		  "\n%lld system calls observed, %lld effects; %lld with arguments that could not "
		  "be read, %lld whose caller was gone, %lld lost.\n",
		  (long long)json_integer_value(json_object_get(c, "notifications")),
		  (long long)json_integer_value(json_object_get(c, "effects")),
		  (long long)json_integer_value(json_object_get(c, "unreadable")),
		  (long long)json_integer_value(json_object_get(c, "gone")),
		  (long long)json_integer_value(json_object_get(c, "lost")));
	return gw_memtext_close(&t, true, NULL);
}

static char *dump(const json_t *v, bool json)
{
	if (!json)
		return gw_yaml_dump(v);
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	char *out = NULL;
	if (s && asprintf(&out, "%s\n", s) < 0)
		out = NULL;
	free(s);
	return out;
}

static int write_text(const char *path, const char *text, char *err, size_t err_size)
{
	int rc = text ? gw_write_file_atomic(path, text, strlen(text), 0600) : -ENOMEM;
	if (rc != 0)
		snprintf(err, err_size, "cannot write %s: %s", path, strerror(-rc));
	return rc ? -1 : 0;
}

int gw_profile_write(const struct gw_profile_out *po, const json_t *doc, char *err,
		     size_t err_size)
{
	json_t *warnings = NULL;
	json_t *pol = gw_profile_suggest(doc, po->home, po->cwd, &warnings);
	if (!pol) {
		json_decref(warnings);
		snprintf(err, err_size, "cannot build the suggested policy: out of memory");
		return -1;
	}
	char *body = dump(pol, po->json);
	char *text = NULL;
	if (body && !po->json) {
		struct gw_memtext t;
		FILE *b = gw_memtext_open(&t) ? t.f : NULL;
		if (b)
			fprintf(b, "# Suggested by assay-gateway from run %s of:\n#  ",
				str(doc, "run_id"));
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(doc, "command"), i, f)
			if (b)
				fprintf(b, " %s", json_string_value(f) ? json_string_value(f) : "");
		if (b) {
			fprintf(b, "\n# It allows exactly what that run did: review it before you use "
				   "it.\n");
			json_array_foreach(warnings, i, f)
				fprintf(b, "# WARNING: %s\n", json_string_value(f));
			fputs(body, b);
			text = gw_memtext_close(&t, true, NULL);
		}
	} else if (body) {
		text = strdup(body);
	}
	free(body);
	char *ev = dump(doc, po->json);
	char *md = report(doc, warnings, po->policy);
	int rc = write_text(po->policy, text, err, err_size);
	if (rc == 0)
		rc = write_text(po->evidence, ev, err, err_size);
	if (rc == 0)
		rc = write_text(po->report, md, err, err_size);
	free(text);
	free(ev);
	free(md);
	json_decref(pol);
	json_decref(warnings);
	return rc;
}
