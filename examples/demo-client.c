/* examples/demo-client.c - a scripted MCP session through assay-gateway.
 *
 * Starts `assay-gateway --deny-tool 'write_*' --audit FILE -- assay-demo-server`
 * as an editor would, speaks MCP to it over pipes, and explains what
 * happens: the tool list (with the denied tool hidden), an allowed call, a
 * denied call, and the audit log the gateway wrote.
 *
 * Usage: assay-demo-client [GATEWAY SERVER]   (default: next to this program)
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct peer {
	pid_t pid;
	FILE *to;   /* gateway stdin */
	FILE *from; /* gateway stdout */
};

static void die(const char *what)
{
	fprintf(stderr, "assay-demo-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void start(struct peer *p, char *const argv[], const char *log_path)
{
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		die("pipe");
	p->pid = fork();
	if (p->pid < 0)
		die("fork");
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		FILE *log = fopen(log_path, "w");
		if (log)
			dup2(fileno(log), 2);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execv(argv[0], argv);
		fprintf(stderr, "assay-demo-client: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->to = fdopen(in[1], "w");
	p->from = fdopen(out[0], "r");
	if (!p->to || !p->from)
		die("fdopen");
}

/* Send a request and wait for the response with the same id. */
static json_t *call(struct peer *p, int id, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", id, "method", method);
	if (params)
		json_object_set_new(req, "params", params);
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	fprintf(p->to, "%s\n", line);
	fflush(p->to);
	free(line);

	char *buf = NULL;
	size_t cap = 0;
	while (getline(&buf, &cap, p->from) > 0) {
		json_t *msg = json_loads(buf, 0, NULL);
		if (msg && json_integer_value(json_object_get(msg, "id")) == id &&
		    !json_object_get(msg, "method")) {
			free(buf);
			return msg;
		}
		json_decref(msg); /* a notification: not part of the script */
	}
	free(buf);
	fprintf(stderr, "assay-demo-client: the gateway closed its stdout\n");
	exit(1);
}

static const char *result_text(json_t *resp)
{
	json_t *c = json_array_get(json_object_get(json_object_get(resp, "result"), "content"), 0);
	const char *t = json_string_value(json_object_get(c, "text"));
	return t ? t : "(no text)";
}

static void notify(struct peer *p, const char *method)
{
	fprintf(p->to, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\"}\n", method);
	fflush(p->to);
}

static void show_audit(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(path);
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (getline(&line, &cap, f) > 0) {
		json_t *r = json_loads(line, 0, NULL);
		const char *ev = json_string_value(json_object_get(r, "event"));
		const char *method = json_string_value(json_object_get(r, "method"));
		const char *tool = json_string_value(json_object_get(r, "tool"));
		const char *dec = json_string_value(json_object_get(r, "decision"));
		const char *rule = json_string_value(json_object_get(r, "rule"));
		n++;
		if (!ev) {
			json_decref(r);
			continue;
		}
		printf("     %-14s", ev);
		if (strcmp(ev, "request") == 0)
			printf(" %s%s%s -> %s%s%s", method ? method : "", tool ? " " : "",
			       tool ? tool : "", dec ? dec : "", rule ? " by rule " : "",
			       rule ? rule : "");
		else if (strcmp(ev, "response") == 0)
			printf(" %s%s%s answered in %lld us (%lld bytes)", method ? method : "",
			       tool ? " " : "", tool ? tool : "",
			       (long long)json_integer_value(json_object_get(r, "latency_us")),
			       (long long)json_integer_value(json_object_get(r, "bytes")));
		else if (strcmp(ev, "exit") == 0)
			printf(" exit code %lld, decided by the %s: %s",
			       (long long)json_integer_value(json_object_get(r, "exit_code")),
			       json_string_value(json_object_get(r, "decided_by")),
			       json_string_value(json_object_get(r, "reason")));
		else if (strcmp(ev, "session_start") == 0)
			printf(" server pid %lld, %zu tool rule(s)",
			       (long long)json_integer_value(json_object_get(r, "server_pid")),
			       json_array_size(json_object_get(r, "tool_rules")));
		else if (strcmp(ev, "server_stderr") == 0)
			printf(" %lld line(s) of server stderr passed through",
			       (long long)json_integer_value(json_object_get(r, "lines")));
		printf("\n");
		json_decref(r);
	}
	free(line);
	fclose(f);
	printf("   (%d records; every field is described in docs/audit.md)\n", n);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], gw[PATH_MAX], srv[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	const char *dir = dirname(self);
	snprintf(gw, sizeof(gw), "%s/assay-gateway", argc > 2 ? "" : dir);
	snprintf(srv, sizeof(srv), "%s/assay-demo-server", argc > 2 ? "" : dir);
	if (argc > 2) {
		snprintf(gw, sizeof(gw), "%s", argv[1]);
		snprintf(srv, sizeof(srv), "%s", argv[2]);
	}
	char tmpl[] = "/tmp/assay-demo-XXXXXX";
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	char audit[PATH_MAX];
	snprintf(audit, sizeof(audit), "%s/audit.jsonl", tmpl);
	signal(SIGPIPE, SIG_IGN);

	/* The server keeps its notes under $TMPDIR: in the sandbox, its
	 * private tmp, the one place the built-in policy lets it write. */
	char *const gargv[] = {gw, "--deny-tool", "write_*", "--audit", audit, "--", srv, NULL};
	printf("assay-gateway demo\n==================\n");
	printf("The client (this program) starts the server through the gateway, as an editor would:\n");
	printf("   assay-gateway --deny-tool 'write_*' --audit %s -- assay-demo-server\n\n", audit);

	struct peer p;
	char log_path[PATH_MAX];
	snprintf(log_path, sizeof(log_path), "%s/gateway.log", tmpl);
	start(&p, gargv, log_path);

	json_t *r = call(&p, 0, "initialize",
			 json_pack("{s:s,s:{},s:{s:s,s:s}}", "protocolVersion", "2025-06-18",
				   "capabilities", "clientInfo", "name", "assay-demo-client",
				   "version", "0.1.0"));
	json_t *info = json_object_get(json_object_get(r, "result"), "serverInfo");
	printf("1. initialize: connected to %s %s\n",
	       json_string_value(json_object_get(info, "name")),
	       json_string_value(json_object_get(info, "version")));
	json_decref(r);
	notify(&p, "notifications/initialized");

	r = call(&p, 1, "tools/list", NULL);
	json_t *tools = json_object_get(json_object_get(r, "result"), "tools");
	printf("2. tools/list: the client sees %zu tools:\n   ", json_array_size(tools));
	bool has_write = false;
	for (size_t i = 0; i < json_array_size(tools); i++) {
		const char *name = json_string_value(json_object_get(json_array_get(tools, i), "name"));
		printf("%s%s", i ? ", " : "", name);
		has_write |= strcmp(name, "write_file") == 0;
	}
	printf("\n   The server offers write_file too, but the gateway removed it from the list:\n"
	       "   it matches --deny-tool 'write_*'.%s\n\n", has_write ? " (NOT REMOVED!)" : "");
	json_decref(r);

	r = call(&p, 2, "tools/call",
		 json_pack("{s:s,s:{s:s,s:s}}", "name", "notes_write", "arguments", "name", "hello",
			   "text", "MCP through a gateway"));
	printf("3. allowed call: notes_write {name: hello} -> \"%s\"\n", result_text(r));
	json_decref(r);
	r = call(&p, 3, "tools/call",
		 json_pack("{s:s,s:{s:s}}", "name", "notes_read", "arguments", "name", "hello"));
	printf("   allowed call: notes_read {name: hello} -> \"%s\"\n", result_text(r));
	printf("   (the server runs in a sandbox: it writes its notes in its private tmp)\n\n");
	json_decref(r);

	r = call(&p, 5, "tools/call",
		 json_pack("{s:s,s:{s:s}}", "name", "read_file", "arguments", "path", "/etc/shadow"));
	bool refused = json_is_true(json_object_get(json_object_get(r, "result"), "isError"));
	printf("4. allowed by the policy, refused by the kernel: read_file {path: /etc/shadow}\n"
	       "   -> isError=%s: \"%s\"\n", refused ? "true" : "false", result_text(r));
	printf("   The sandbox (Landlock) never granted it, whatever the tool policy says.\n\n");
	json_decref(r);

	r = call(&p, 4, "tools/call",
		 json_pack("{s:s,s:{s:s,s:s}}", "name", "write_file", "arguments", "path",
			   "/tmp/assay-demo-should-not-exist", "text", "pwned"));
	json_t *is_err = json_object_get(json_object_get(r, "result"), "isError");
	printf("5. denied call: write_file {path: /tmp/assay-demo-should-not-exist}\n"
	       "   -> isError=%s: \"%s\"\n", json_is_true(is_err) ? "true" : "false",
	       result_text(r));
	printf("   The server never received this call: the file %s.\n\n",
	       access("/tmp/assay-demo-should-not-exist", F_OK) == 0 ? "EXISTS (unexpected!)"
								   : "does not exist");
	json_decref(r);

	/* Closing stdin is how a client ends the session. */
	fclose(p.to);
	char *rest = NULL;
	size_t cap = 0;
	while (getline(&rest, &cap, p.from) > 0)
		;
	free(rest);
	fclose(p.from);
	int status;
	waitpid(p.pid, &status, 0);
	printf("6. The client closed stdin; the server exited and the gateway exited with status %d.\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	printf("   What the gateway said on stderr (it is quiet unless something happens):\n");
	FILE *lf = fopen(log_path, "r");
	char lbuf[1024];
	while (lf && fgets(lbuf, sizeof(lbuf), lf))
		printf("     %s", lbuf);
	if (lf)
		fclose(lf);
	printf("   The audit log %s:\n", audit);
	show_audit(audit);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && !has_write && refused ? 0 : 1;
}
