/* gateway/doctor.c - `assay-gateway doctor [--json]`: what this machine can
 * enforce.  Every line comes from a probe run now, nothing is assumed from
 * the kernel version. */
#include "sandbox_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "policy_cmd.h"
#include "sandbox.h"

extern char **environ;

/* Run |fn| in a forked child; returns its exit status, or -1. */
static int in_child(int (*fn)(const void *), const void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int probe_nnp(const void *arg)
{
	(void)arg;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
			       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1
		       ? 0
		       : 1;
}

static int probe_userns(const void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWUSER | CLONE_NEWPID) == 0 ? 0 : 1;
}

/* Apply the whole sandbox as the server would get it, then check that the
 * kernel refuses what it must and allows what it must.  Exit code: bit 0
 * a refusal failed, bit 1 an allowed operation failed, bit 2 setup. */
static int probe_enforce(const void *arg)
{
	const struct gw_sandbox *sb = arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 4;
	if (sb->ruleset_fd >= 0 &&
	    syscall(SYS_landlock_restrict_self, sb->ruleset_fd, 0) != 0)
		return 4;
	if (sb->bpf.insns && sbx_seccomp_install(&sb->bpf) != 0)
		return 4;
	int bad = 0;
	int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || (errno != EACCES && errno != ENOENT))
		bad |= 1;
	if (fd >= 0)
		close(fd);
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s >= 0 || errno != EPERM)
		bad |= 1;
	if (s >= 0)
		close(s);
	if (sb->tmp.fd >= 0) {
		char p[4200];
		snprintf(p, sizeof(p), "%s/doctor", sb->tmp.path);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			bad |= 2;
		else
			close(fd);
	}
	fd = open("/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		bad |= 2;
	else
		close(fd);
	return bad;
}

/* Does the resolver answer DNS over TCP?  The default sandbox resolves
 * names over TCP (RES_OPTIONS=use-vc, port 53): a resolver that only speaks
 * UDP leaves the server without names.  A real query for the root's NS
 * records, as the sandboxed resolver would send it.  Returns 1 yes, 0 no
 * (|why| says what happened). */
static int resolver_tcp(char *server, size_t server_size, char *why, size_t why_size)
{
	struct __res_state st;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0) {
		snprintf(why, why_size, "the resolver configuration cannot be read");
		return 0;
	}
	if (st.nscount > 0 && st.nsaddr_list[0].sin_family == AF_INET)
		inet_ntop(AF_INET, &st.nsaddr_list[0].sin_addr, server, (socklen_t)server_size);
	else
		snprintf(server, server_size, "(first of /etc/resolv.conf)");
	st.options |= RES_USEVC;
	st.retrans = 2;
	st.retry = 1;
	unsigned char answer[1024];
	int n = res_nquery(&st, ".", C_IN, T_NS, answer, sizeof(answer));
	int herr = st.res_h_errno;
	res_nclose(&st);
	/* NXDOMAIN or no data still means an answer came back over TCP. */
	if (n >= 0 || herr == HOST_NOT_FOUND || herr == NO_DATA)
		return 1;
	snprintf(why, why_size, "%s", herr == TRY_AGAIN ? "no answer" : hstrerror(herr));
	return 0;
}

static bool seccomp_action_avail(unsigned action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void line(json_t *checks, bool text, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void line(json_t *checks, bool text, const char *name, bool ok, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (text)
		printf("%-4s %-26s %s\n", ok ? "ok" : "--", name, buf);
	json_array_append_new(checks, json_pack("{s:s,s:b,s:s}", "check", name, "ok", ok,
						"detail", buf));
}

int gw_doctor_command(int argc, char **argv)
{
	bool as_json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("Usage: assay-gateway doctor [--json]\n\n"
			       "Probe what this machine can enforce: Landlock ABI and rights,\n"
			       "seccomp, no_new_privs, user namespaces, and what the built-in\n"
			       "policy would not enforce here.  Exit status 0 when the built-in\n"
			       "policy is enforced in full, 1 otherwise.\n");
			return 0;
		} else {
			fprintf(stderr, "assay-gateway: doctor: unknown argument '%s' (see "
					"'assay-gateway doctor --help')\n", argv[i]);
			return 2;
		}
	}
	bool text = !as_json;
	json_t *checks = json_array();
	struct utsname u;
	uname(&u);
	line(checks, text, "kernel", true, "%s %s %s", u.sysname, u.release, u.machine);

	int abi = sbx_landlock_abi();
	unsigned errata = sbx_landlock_errata();
	if (abi > 0)
		line(checks, text, "landlock", true, "ABI %d (errata 0x%x)", abi, errata);
	else
		line(checks, text, "landlock", false, "not available: %s",
		     abi == -ENOSYS ? "not built into this kernel"
		     : abi == -EOPNOTSUPP ? "disabled at boot (add landlock to lsm=)"
					  : strerror(-abi));
	static const struct {
		int abi;
		const char *name, *what;
	} features[] = {
		{1, "landlock.filesystem", "read, write, execute, create, remove by path"},
		{2, "landlock.refer", "rename and link across directories"},
		{3, "landlock.truncate", "truncation"},
		{4, "landlock.tcp", "TCP connect and bind by port"},
		{5, "landlock.ioctl_dev", "ioctl on device files"},
		{6, "landlock.scopes", "abstract unix sockets and signals kept inside"},
		{7, "landlock.log_flags", "audit logging flags"},
		{9, "landlock.unix_connect", "pathname unix socket connect (else: seccomp "
					     "refuses unix sockets)"},
		{10, "landlock.udp", "UDP by port (else: seccomp refuses UDP sockets)"},
	};
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		line(checks, text, features[i].name, abi >= features[i].abi, "%s: %s (ABI %d)",
		     features[i].what, abi >= features[i].abi ? "enforced" : "not available",
		     features[i].abi);

	bool filter = seccomp_action_avail(SECCOMP_RET_ERRNO);
	line(checks, text, "seccomp", filter, "filter mode %s",
	     filter ? "available" : "not available");
	bool notif = seccomp_action_avail(SECCOMP_RET_USER_NOTIF);
	line(checks, text, "seccomp.user_notification", notif, "%s",
	     notif ? "available (observation for profiles)" : "not available");
	bool kill_proc = seccomp_action_avail(SECCOMP_RET_KILL_PROCESS);
	line(checks, text, "seccomp.kill_process", kill_proc, "%s",
	     kill_proc ? "available" : "not available");
	bool nnp = in_child(probe_nnp, NULL) == 0;
	line(checks, text, "no_new_privs", nnp, "%s", nnp ? "can be set" : "cannot be set");
	bool userns = in_child(probe_userns, NULL) == 0;
	line(checks, text, "user_namespaces", userns, "unprivileged user+PID namespaces %s",
	     userns ? "available" : "not available");
	line(checks, text, "capabilities", true, "%s",
	     sbx_has_capabilities() ? "this process holds capabilities: the server gets "
				      "none (dropped, securebits locked)"
				    : "none held");

	char ns[64], why[256];
	int tcp = resolver_tcp(ns, sizeof(ns), why, sizeof(why));
	if (tcp == 1)
		line(checks, text, "dns_over_tcp", true,
		     "the resolver %s takes DNS over TCP: names resolve in the default sandbox", ns);
	else
		line(checks, text, "dns_over_tcp", false,
		     "the resolver %s refuses DNS over TCP (%s): names do not resolve in the "
		     "default sandbox; allow UDP with sandbox.network.udp: true (any UDP port)",
		     ns, why);

	/* The built-in policy, prepared as for a real run, then enforced in a
	 * child that tries what it must refuse. */
	struct gw_options opt;
	memset(&opt, 0, sizeof(opt));
	pol_tool_rules_init(&opt.tools);
	struct pol_policy policy;
	pol_policy_init(&policy);
	int code = 0;
	unsetenv("ASSAY_POLICY");
	struct gw_sandbox sb;
	gw_sandbox_init(&sb);
	char cwd[4096], err[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	if (gw_policy_resolve(&opt, &policy) != 0 ||
	    gw_sandbox_prepare(&sb, &policy.sandbox, &opt.sandbox, NULL, NULL, cwd[0] ? cwd : NULL, environ,
			       err, sizeof(err)) != 0) {
		line(checks, text, "default_policy", false, "cannot be prepared: %s", err);
		code = 1;
	} else {
		size_t degraded = sbx_report_count(&sb.report, SBX_DEGRADED);
		for (size_t i = 0; i < sb.report.n; i++) {
			const struct sbx_item *it = &sb.report.items[i];
			if (it->severity == SBX_DEGRADED)
				line(checks, text, "default_policy.degraded", false, "%s: %s",
				     it->area, it->text);
			else if (strstr(it->text, "writable and executable"))
				line(checks, text, "default_policy.note", true, "%s: %s", it->area,
				     it->text);
		}
		int r = in_child(probe_enforce, &sb);
		line(checks, text, "default_policy.enforced", r == 0,
		     r == 0   ? "a sandboxed child was refused /etc/shadow and raw sockets, "
				"and could write its private tmp"
		     : r == 1 ? "a sandboxed child was NOT refused what the policy forbids"
		     : r == 2 ? "a sandboxed child was refused what the policy allows"
			      : "a sandboxed child could not apply the sandbox");
		line(checks, text, "default_policy", degraded == 0 && r == 0, "%s",
		     degraded == 0 && r == 0 ? "enforced in full on this machine"
					     : "NOT enforced in full on this machine");
		code = degraded == 0 && r == 0 ? 0 : 1;
	}
	gw_sandbox_close(&sb);
	pol_policy_close(&policy);
	gw_options_close(&opt);
	if (as_json) {
		json_t *doc = json_pack("{s:s,s:i,s:b,s:o}", "version", ASSAY_VERSION,
					"landlock_abi", abi, "default_policy_enforced", code == 0,
					"checks", checks);
		char *s = json_dumps(doc, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else {
		json_decref(checks);
	}
	return code;
}
