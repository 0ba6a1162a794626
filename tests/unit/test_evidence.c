/* tests/unit/test_evidence.c - collecting effects into the evidence
 * document, its deterministic run id, dry-run violations against a target
 * policy, and the suggested policy (which must load). */
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence.h"
#include "policies/paths.h"
#include "profile.h"
#include "sandbox.h"
#include "sandbox/notify.h"

static void file_effect(struct gw_evidence *ev, const char *path, unsigned access, bool missing)
{
	struct sbx_effect e = {.kind = SBX_EFFECT_FILE, .pid = 1, .call = "openat",
			       .access = access, .missing = missing};
	snprintf(e.path, sizeof(e.path), "%s", path);
	gw_evidence_effect(ev, &e);
}

static void exec_effect(struct gw_evidence *ev, const char *path)
{
	struct sbx_effect e = {.kind = SBX_EFFECT_EXEC, .pid = 1, .call = "execve"};
	snprintf(e.path, sizeof(e.path), "%s", path);
	gw_evidence_effect(ev, &e);
}

static void net_effect(struct gw_evidence *ev, enum sbx_net_op op, const char *addr, unsigned port)
{
	struct sbx_effect e = {.kind = SBX_EFFECT_NET, .pid = 1, .call = "connect", .op = op,
			       .family = AF_INET, .port = port};
	snprintf(e.addr, sizeof(e.addr), "%s", addr);
	gw_evidence_effect(ev, &e);
}

static json_t *find(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_string_value(json_object_get(x, key)) &&
		    strcmp(json_string_value(json_object_get(x, key)), value) == 0)
			return x;
	return NULL;
}

/* A run: |extra| adds one more write, |reps| repeats every open. */
static json_t *run(bool extra, int reps, const char *tmp)
{
	struct gw_evidence ev;
	gw_evidence_init(&ev, false);
	struct gw_sandbox sb;
	gw_sandbox_init(&sb);
	snprintf(sb.tmp.path, sizeof(sb.tmp.path), "%s", tmp);
	sb.tmp.fd = 0; /* marks the path as set; never closed here */
	gw_evidence_target(&ev, &sb, NULL, "/home/u");
	exec_effect(&ev, "/usr/bin/node");
	for (int r = 0; r < reps; r++) {
		file_effect(&ev, "/srv/app/data.txt", SBX_ACC_READ, false);
		file_effect(&ev, "/proc/4242/status", SBX_ACC_READ, false);
		file_effect(&ev, "/srv/app/nope.txt", SBX_ACC_READ, true);
		char t[PATH_MAX];
		snprintf(t, sizeof(t), "%s/scratch", tmp);
		file_effect(&ev, t, SBX_ACC_WRITE | SBX_ACC_CREATE, false);
	}
	file_effect(&ev, "/srv/app/out.txt", SBX_ACC_WRITE, false);
	if (extra)
		file_effect(&ev, "/srv/app/more.txt", SBX_ACC_WRITE | SBX_ACC_CREATE, false);
	file_effect(&ev, "/srv/app/ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", SBX_ACC_READ, false);
	net_effect(&ev, SBX_NET_CONNECT, "93.184.216.34", 443);
	/* Bytes JSON cannot hold, a tab that would split the key. */
	file_effect(&ev, "/srv/\xff\t\xc3Zbad", SBX_ACC_READ, false);
	gw_evidence_call(&ev, "tools/call", "read_file", 9, "allow", NULL);
	gw_evidence_call(&ev, "tools/call", "rm_rf", 5, "deny", "deny-1");
	gw_evidence_tool_listed(&ev, "read_file", 9);
	json_t *doc = gw_evidence_doc(&ev, json_pack("{s:s}", "mode", "profile"), NULL);
	gw_evidence_close(&ev);
	return doc;
}

static void test_document_and_run_id(void **state)
{
	(void)state;
	json_t *a = run(false, 1, "/tmp/assay-AAAA");
	json_t *b = run(false, 5, "/tmp/assay-BBBB");
	json_t *c = run(true, 1, "/tmp/assay-AAAA");
	const char *ida = json_string_value(json_object_get(a, "run_id"));
	assert_non_null(ida);
	assert_int_equal(strncmp(ida, "sandbox_", 8), 0);
	assert_int_equal(strlen(ida), 8 + 16);
	/* Counts and the random tmp do not change the id; a new write does. */
	assert_string_equal(ida, json_string_value(json_object_get(b, "run_id")));
	assert_string_not_equal(ida, json_string_value(json_object_get(c, "run_id")));

	json_t *files = json_object_get(a, "files");
	assert_non_null(find(files, "path", "${TMPDIR}/scratch"));
	assert_non_null(find(files, "path", "/proc/${PID}/status"));
	assert_non_null(find(files, "path", "<redacted>"));
	assert_non_null(find(files, "path", "/srv/?" "?" "?Zbad"));
	assert_true(json_is_true(json_object_get(find(files, "path", "/srv/app/nope.txt"), "missing")));
	json_t *data = find(json_object_get(b, "files"), "path", "/srv/app/data.txt");
	assert_int_equal(json_integer_value(json_object_get(data, "count")), 5);
	/* Access names sorted. */
	json_t *scratch = find(files, "path", "${TMPDIR}/scratch");
	assert_string_equal(json_string_value(json_array_get(json_object_get(scratch, "access"), 0)),
			    "create");
	/* Sorted by path. */
	const char *prev = "";
	size_t i;
	json_t *x;
	json_array_foreach(files, i, x) {
		const char *p = json_string_value(json_object_get(x, "path"));
		assert_true(strcmp(prev, p) < 0);
		prev = p;
	}
	json_t *calls = json_object_get(json_object_get(a, "mcp"), "calls");
	assert_int_equal(json_array_size(calls), 2);
	assert_string_equal(json_string_value(json_object_get(find(calls, "name", "rm_rf"), "rule")),
			    "deny-1");
	/* Not an evidence document. */
	char id[GW_RUN_ID_SIZE];
	json_t *bad = json_pack("{s:s}", "schema", "other");
	assert_int_equal(gw_evidence_run_id(bad, id), -1);
	json_decref(bad);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* Learn mode: effects checked against the target rules. */
static void test_violations(void **state)
{
	(void)state;
	char dir[] = "/tmp/assay-unit-ev-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char granted[128], secret[128], other[128];
	snprintf(granted, sizeof(granted), "%s/granted", dir);
	snprintf(secret, sizeof(secret), "%s/granted/.ssh", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	assert_int_equal(mkdir(granted, 0700), 0);
	assert_int_equal(mkdir(secret, 0700), 0);
	assert_int_equal(mkdir(other, 0700), 0);

	struct gw_sandbox sb;
	gw_sandbox_init(&sb);
	sb.rule_paths[0] = granted;
	sb.rules[0] = (struct sbx_fs_rule){granted, SBX_FS_READ, false};
	sb.rule_paths[1] = "/usr";
	sb.rules[1] = (struct sbx_fs_rule){"/usr", SBX_FS_READ | SBX_FS_EXEC, false};
	sb.nrules = 2;
	sb.deny[0] = secret;
	sb.ndeny = 1;
	struct pol_sandbox pol = {.n_connect_tcp = 1, .connect_tcp = {443}};

	struct gw_evidence ev;
	gw_evidence_init(&ev, true);
	gw_evidence_target(&ev, &sb, &pol, NULL);
	char p[512];
	snprintf(p, sizeof(p), "%s/a.txt", granted);
	file_effect(&ev, p, SBX_ACC_READ, false); /* allowed */
	file_effect(&ev, p, SBX_ACC_WRITE, false); /* read-only grant */
	snprintf(p, sizeof(p), "%s/id_rsa", secret);
	file_effect(&ev, p, SBX_ACC_READ, false); /* denied inside the grant */
	snprintf(p, sizeof(p), "%s/x", other);
	file_effect(&ev, p, SBX_ACC_READ, true); /* ENOENT: not refused */
	file_effect(&ev, p, SBX_ACC_READ | SBX_ACC_CREATE, false); /* no grant */
	exec_effect(&ev, "/usr/bin/true");			  /* allowed */
	snprintf(p, sizeof(p), "%s/tool", granted);
	exec_effect(&ev, p); /* read, not execute */
	net_effect(&ev, SBX_NET_CONNECT, "10.0.0.1", 443); /* allowed */
	net_effect(&ev, SBX_NET_CONNECT, "10.0.0.1", 22);
	net_effect(&ev, SBX_NET_SEND, "10.0.0.1", 53); /* no UDP */
	json_t *doc = gw_evidence_doc(&ev, NULL, NULL);
	json_t *v = json_object_get(doc, "violations");
	char *dump = json_dumps(v, JSON_INDENT(1));
	print_message("%s\n", dump);
	free(dump);
	assert_int_equal(ev.n_violations, 6);
	assert_int_equal(json_array_size(v), 6);
	snprintf(p, sizeof(p), "%s/id_rsa", secret);
	json_t *s = find(v, "subject", p);
	assert_non_null(s);
	assert_non_null(strstr(json_string_value(json_object_get(s, "reason")), "denied"));
	assert_non_null(find(v, "subject", "inet 10.0.0.1:22"));
	assert_null(find(v, "subject", "inet 10.0.0.1:443"));
	assert_null(find(v, "subject", "/usr/bin/true"));
	json_decref(doc);
	gw_evidence_close(&ev);
	rmdir(secret);
	rmdir(granted);
	rmdir(other);
	rmdir(dir);
}

/* A method with a tab (a server's request may name any) stays one field:
 * the call keeps its decision, and the document still makes a bundle. */
static void test_call_method_tab(void **state)
{
	(void)state;
	struct gw_evidence ev;
	gw_evidence_init(&ev, false);
	gw_evidence_target(&ev, NULL, NULL, NULL);
	gw_evidence_call(&ev, "a\tb\tc", "", 0, "allow", NULL);
	json_t *doc = gw_evidence_doc(&ev, NULL, NULL);
	json_t *call = json_array_get(json_object_get(json_object_get(doc, "mcp"), "calls"), 0);
	assert_string_equal(json_string_value(json_object_get(call, "method")), "a?b?c");
	assert_string_equal(json_string_value(json_object_get(call, "decision")), "allow");
	json_decref(doc);
	gw_evidence_close(&ev);
}

/* Distinct paths beyond the cap are counted, not kept. */
static void test_bounded(void **state)
{
	(void)state;
	struct gw_evidence ev;
	gw_evidence_init(&ev, false);
	gw_evidence_target(&ev, NULL, NULL, NULL);
	char p[64];
	for (int i = 0; i < GW_EV_MAX_ENTRIES + 100; i++) {
		snprintf(p, sizeof(p), "/nowhere/%d", i);
		file_effect(&ev, p, SBX_ACC_READ, true);
	}
	file_effect(&ev, "/nowhere/1", SBX_ACC_READ, true); /* known: still counted */
	assert_int_equal(ev.files.n, GW_EV_MAX_ENTRIES);
	assert_int_equal(ev.lost, 100);
	json_t *doc = gw_evidence_doc(&ev, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counters"), "lost")),
			 100);
	json_decref(doc);
	gw_evidence_close(&ev);
}

static json_t *file_entry(const char *path, const char *access, bool missing)
{
	return json_pack("{s:s,s:[s],s:i,s:b}", "path", path, "access", access, "count", 1, "missing",
			 missing);
}

/* The suggestion: collapsed reads, created files as their parent, ENOENT
 * and credentials left out, the called tools only; and it loads. */
static void test_suggest(void **state)
{
	(void)state;
	char home[] = "/tmp/assay-unit-sugg-XXXXXX";
	assert_non_null(mkdtemp(home));
	char p[PATH_MAX], proj[128];
	snprintf(proj, sizeof(proj), "%s/proj", home);
	assert_int_equal(mkdir(proj, 0700), 0);
	json_t *files = json_array();
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/f%d.txt", proj, i);
		close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		json_array_append_new(files, file_entry(p, "read", false));
	}
	snprintf(p, sizeof(p), "%s/gone.txt", home);
	json_array_append_new(files, file_entry(p, "read", true)); /* ENOENT only */
	snprintf(p, sizeof(p), "%s/out/new.txt", proj);		   /* out/ created too */
	json_array_append_new(files, file_entry(p, "create", false));
	snprintf(p, sizeof(p), "%s/out", proj);
	json_array_append_new(files, file_entry(p, "mkdir", false));
	snprintf(p, sizeof(p), "%s/.ssh/id_rsa", home);
	json_array_append_new(files, file_entry(p, "read", false));
	json_array_append_new(files, file_entry("${TMPDIR}/x", "write", false));
	json_array_append_new(files, file_entry("/usr/lib/os-release", "read", false));
	/* A program the server wrote, then ran: not granted (docs/evidence.md). */
	snprintf(p, sizeof(p), "%s/f0.txt", proj);
	json_t *progs = json_pack("[{s:s,s:i},{s:s,s:i}]", "path", "/usr/bin/node", "count", 1,
				  "path", p, "count", 1);
	snprintf(p, sizeof(p), "%s/tool.sh", proj);
	close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0700));
	json_array_append_new(files, file_entry(p, "write", false));
	json_array_append_new(progs, json_pack("{s:s,s:i}", "path", p, "count", 1));
	json_t *doc = json_pack(
		"{s:s,s:o,s:o,s:[{s:s,s:s,s:s,s:i,s:i},{s:s,s:s,s:s,s:i,s:i}],"
		"s:{s:[s],s:[{s:s,s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:s,s:i}]}}",
		"schema", GW_EVIDENCE_SCHEMA, "files", files, "programs", progs, "network", "op", "connect", "family", "inet", "address", "1.2.3.4", "port",
		443, "count", 2, "op", "connect", "family", "inet6", "address", "::1", "port", 443,
		"count", 1, "mcp", "tools_listed", "a", "calls", "method", "tools/call", "name",
		"read*", "decision", "allow", "rule", "", "count", 1, "method", "tools/call", "name",
		"rm", "decision", "deny", "rule", "r1", "count", 1, "method", "tools/call", "name",
		"edit", "decision", "would_deny", "rule", "r2", "count", 1);
	json_t *warnings = NULL;
	json_t *pol = gw_profile_suggest(doc, home, NULL, &warnings);
	assert_non_null(pol);
	char *text = gw_yaml_dump(pol);
	assert_non_null(text);
	print_message("%s", text);
	json_t *fs = json_object_get(json_object_get(pol, "sandbox"), "filesystem");
	/* Three files of one directory: the directory, under ${HOME}. */
	assert_int_equal(json_array_size(json_object_get(fs, "read")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(fs, "read"), 0)),
			    "${HOME}/proj");
	/* The new file and its new directory: the nearest parent that existed. */
	assert_int_equal(json_array_size(json_object_get(fs, "write")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(fs, "write"), 0)),
			    "${HOME}/proj");
	assert_null(json_object_get(fs, "execute")); /* node is in the system list */
	json_t *net = json_object_get(json_object_get(pol, "sandbox"), "network");
	assert_int_equal(json_array_size(json_object_get(net, "connect_tcp")), 1);
	json_t *allow = json_object_get(json_object_get(pol, "tools"), "allow");
	assert_int_equal(json_array_size(allow), 2);
	assert_string_equal(json_string_value(json_array_get(allow, 0)), "read\\*");
	assert_null(strstr(text, ".ssh"));
	assert_null(strstr(text, "gone.txt"));
	assert_null(strstr(text, "TMPDIR"));
	char *w = json_dumps(warnings, 0);
	assert_non_null(strstr(w, ".ssh/id_rsa"));
	assert_non_null(strstr(w, "edit"));
	assert_non_null(strstr(w, "tool.sh, a program in a place it can write"));
	free(w);

	/* It loads, and grants what it says. */
	struct pol_policy loaded;
	pol_policy_init(&loaded);
	struct pol_vars vars = {.home = home, .cwd = "/"};
	char err[512];
	int rc = pol_policy_load(&loaded, text, strlen(text), "suggested", &vars, err, sizeof(err));
	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(loaded.sandbox.n_fs_read, 1);
	assert_string_equal(loaded.sandbox.fs_read[0], proj);
	assert_int_equal(loaded.sandbox.n_connect_tcp, 1);
	assert_int_equal(loaded.sandbox.connect_tcp[0], 443);
	pol_policy_close(&loaded);

	free(text);
	json_decref(pol);
	json_decref(warnings);
	json_decref(doc);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/f%d.txt", proj, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/tool.sh", proj);
	unlink(p);
	rmdir(proj);
	rmdir(home);
}

/* Strings that would read back as other types are quoted. */
static void test_yaml_quoting(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:[s,s,s,s,s,s],s:i,s:b}", "l", "true", "123", "${CWD}/x", "a: b",
			      "#c", "plain/path", "num", 5, "t", 1);
	char *y = gw_yaml_dump(v);
	assert_non_null(y);
	print_message("%s", y);
	assert_non_null(strstr(y, "\"true\""));
	assert_non_null(strstr(y, "\"123\""));
	assert_non_null(strstr(y, "\"${CWD}/x\""));
	assert_non_null(strstr(y, "\"a: b\""));
	assert_non_null(strstr(y, "\"#c\""));
	assert_non_null(strstr(y, " plain/path"));
	assert_non_null(strstr(y, "num: 5"));
	assert_non_null(strstr(y, "t: true"));
	free(y);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_and_run_id),
		cmocka_unit_test(test_violations),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_call_method_tab),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_yaml_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
