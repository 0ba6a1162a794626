/* tests/unit/test_notify.c - observation with the kernel answering: this
 * program re-executes itself ("child" mode) under an observing seccomp
 * filter through sbx_spawn, as root and as nobody, and checks that every
 * kind of observed call arrives decoded: paths made absolute (relative to
 * the cwd or a directory descriptor), /proc/self made the caller's,
 * open flags as accesses, ENOENT seen, socket addresses read. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/notify.h"
#include "sandbox/seccomp.h"
#include "sandbox/spawn.h"

/* ---- the observed program ------------------------------------------------ */

static int child_main(const char *dir)
{
	char p[4096];
	if (chdir(dir) != 0)
		return 10;
	int fd = open("rel.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600); /* relative */
	if (fd < 0)
		return 11;
	close(fd);
	if ((fd = open("rel.txt", O_RDONLY | O_CLOEXEC)) < 0)
		return 12;
	close(fd);
	(void)open("missing.txt", O_RDONLY | O_CLOEXEC); /* ENOENT */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, "sub", 0700) != 0)
		return 13;
	snprintf(p, sizeof(p), "%s/sub/c.txt", dir);
	if ((fd = creat(p, 0600)) < 0)
		return 14;
	close(fd);
	if (truncate("sub/c.txt", 0) != 0 || symlinkat("c.txt", dfd, "sub/s") != 0 ||
	    linkat(dfd, "sub/c.txt", dfd, "sub/h", 0) != 0 ||
	    renameat(dfd, "sub/h", dfd, "sub/h2") != 0 || unlinkat(dfd, "sub/h2", 0) != 0 ||
	    unlinkat(dfd, "sub/s", 0) != 0 || unlink("sub/c.txt") != 0 || rmdir("sub") != 0)
		return 15;
	close(dfd);
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return 16;
	close(fd);

	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	(void)connect(s, (struct sockaddr *)&in, sizeof(in)); /* refused: fine */
	close(s);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(0)};
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)bind(s, (struct sockaddr *)&any, sizeof(any));
	in.sin_port = htons(7);
	(void)sendto(s, "x", 1, 0, (struct sockaddr *)&in, sizeof(in));
	struct iovec iov = {"y", 1};
	in.sin_port = htons(13);
	struct msghdr mh = {.msg_name = &in, .msg_namelen = sizeof(in), .msg_iov = &iov, .msg_iovlen = 1};
	(void)sendmsg(s, &mh, 0);
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	memcpy(un.sun_path, "\0assay-notify-test", 18);
	(void)connect(s, (struct sockaddr *)&un,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 18));
	close(s);
	/* A descendant's exec. */
	pid_t c = fork();
	if (c == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	return 0;
}

/* ---- the supervisor side ------------------------------------------------- */

#define MAX_SEEN 512
static struct sbx_effect seen[MAX_SEEN];
static size_t nseen;

static void collect(void *ctx, const struct sbx_effect *e)
{
	(void)ctx;
	if (nseen < MAX_SEEN)
		seen[nseen++] = *e;
}

static struct sbx_notifier nt;

static void serve(void *ctx, int fd)
{
	(void)ctx;
	nt.fd = fd;
	(void)sbx_notify_handle(&nt);
}

static const struct sbx_effect *find_file(const char *path, unsigned access)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].kind == SBX_EFFECT_FILE && strcmp(seen[i].path, path) == 0 &&
		    (seen[i].access & access) == access)
			return &seen[i];
	return NULL;
}

static bool find_exec(const char *path)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].kind == SBX_EFFECT_EXEC && strcmp(seen[i].path, path) == 0)
			return true;
	return false;
}

static bool find_net(enum sbx_net_op op, int family, const char *addr, unsigned port)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].kind == SBX_EFFECT_NET && seen[i].op == op && seen[i].family == family &&
		    strcmp(seen[i].addr, addr) == 0 && seen[i].port == port)
			return true;
	return false;
}

/* Run the scenario; returns the number of failed checks (printed). */
static int scenario(const char *exe, const char *dir)
{
	int bad = 0;
	nseen = 0;
	struct sbx_seccomp_request rq = {.observe = true};
	struct sbx_bpf bpf;
	char err[256];
	CHECK(bad, sbx_seccomp_build(&rq, &bpf, err, sizeof(err)) == 0, "%s", err);
	CHECK(bad, sbx_notify_init(&nt, -1, collect, NULL) == 0, "notify init");
	if (bad)
		return bad;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = fcntl(null_fd, F_DUPFD_CLOEXEC, 10);
	char *argv[] = {(char *)exe, "child", (char *)dir, NULL};
	/* LeakSanitizer stops threads with ptrace, which the filter's deny
	 * list refuses (sanitizer builds). */
	char *envp[] = {"PATH=/usr/bin:/bin", "ASAN_OPTIONS=detect_leaks=0", NULL};
	int status_fd = -1, lfd = -1;
	struct sbx_spawn_opts so = {
		.path = exe,
		.argv = argv,
		.envp = envp,
		.stdio = {fds[0], fds[1], fds[2]},
		.no_new_privs = true,
		.seccomp = &bpf,
		.pid_namespace = true,
		.status_fd = &status_fd,
		.observe = true,
		.serve = serve,
		.listener_fd = &lfd,
	};
	pid_t pid;
	struct sbx_spawn_error serr;
	int rc = sbx_spawn(&so, &pid, &serr);
	CHECK(bad, rc == 0, "spawn: %d, stage %s: %s", rc, sbx_stage_name(serr.stage),
	      strerror(serr.err));
	CHECK(bad, rc != 0 || lfd >= 0, "no listener handed over");
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	close(null_fd);
	if (rc == 0 && lfd >= 0) {
		nt.fd = lfd;
		for (;;) {
			struct pollfd p = {lfd, POLLIN, 0};
			if (poll(&p, 1, 10000) <= 0)
				break;
			if (!(p.revents & POLLIN))
				break; /* every observed process is gone */
			if (sbx_notify_handle(&nt) < 0)
				break;
		}
		close(lfd);
	}
	int st = 0;
	if (rc == 0) {
		waitpid(pid, &st, 0);
		if (status_fd >= 0)
			(void)sbx_spawn_status(status_fd, &st);
		CHECK(bad, WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	}
	if (status_fd >= 0)
		close(status_fd);
	sbx_bpf_free(&bpf);
	sbx_notify_close(&nt);

	char p[4096];
	CHECK(bad, find_exec(exe), "the exec of the command itself");
	CHECK(bad, find_exec("/bin/true"), "a descendant's exec");
	snprintf(p, sizeof(p), "%s/rel.txt", dir);
	const struct sbx_effect *e = find_file(p, SBX_ACC_WRITE | SBX_ACC_CREATE | SBX_ACC_TRUNCATE);
	CHECK(bad, e != NULL, "relative open for writing: %s", p);
	CHECK(bad, find_file(p, SBX_ACC_READ) != NULL, "read of %s", p);
	snprintf(p, sizeof(p), "%s/missing.txt", dir);
	e = find_file(p, SBX_ACC_READ);
	CHECK(bad, e && e->missing, "ENOENT open of %s", p);
	static const struct {
		const char *rel;
		unsigned access;
	} files[] = {
		{"sub", SBX_ACC_MKDIR},		 {"sub/c.txt", SBX_ACC_CREATE | SBX_ACC_TRUNCATE},
		{"sub/c.txt", SBX_ACC_TRUNCATE}, {"sub/s", SBX_ACC_SYMLINK},
		{"sub/h", SBX_ACC_LINK},	 {"sub/h", SBX_ACC_RENAME},
		{"sub/h2", SBX_ACC_RENAME},	 {"sub/h2", SBX_ACC_REMOVE},
		{"sub/c.txt", SBX_ACC_REMOVE},	 {"sub", SBX_ACC_REMOVE},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i].rel);
		CHECK(bad, find_file(p, files[i].access) != NULL, "%s with access %#x", p,
		      files[i].access);
	}
	bool proc = false;
	for (size_t i = 0; i < nseen; i++)
		proc |= seen[i].kind == SBX_EFFECT_FILE && strncmp(seen[i].path, "/proc/", 6) == 0 &&
			strcmp(seen[i].path + strlen(seen[i].path) - 7, "/status") == 0 &&
			strstr(seen[i].path, "self") == NULL;
	CHECK(bad, proc, "/proc/self/status as the caller's /proc/<pid>/status");
	CHECK(bad, find_net(SBX_NET_CONNECT, AF_INET, "127.0.0.1", 9), "TCP connect");
	CHECK(bad, find_net(SBX_NET_BIND, AF_INET, "127.0.0.1", 0), "bind");
	CHECK(bad, find_net(SBX_NET_SEND, AF_INET, "127.0.0.1", 7), "sendto with an address");
	CHECK(bad, find_net(SBX_NET_SEND, AF_INET, "127.0.0.1", 13), "sendmsg with an address");
	CHECK(bad, find_net(SBX_NET_CONNECT, AF_UNIX, "@assay-notify-test", 0), "abstract unix");
	CHECK(bad, nt.n.unreadable == 0, "%llu unreadable", (unsigned long long)nt.n.unreadable);
	return bad;
}

static char self_exe[4096];

static void test_observe_root(void **state)
{
	(void)state;
	char dir[] = "/tmp/assay-unit-notify-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int bad = scenario(self_exe, dir);
	rmdir(dir);
	assert_int_equal(bad, 0);
}

/* The same as an ordinary user: the PID namespace comes with a user
 * namespace, and pidfd_getfd needs no privilege over one's own child. */
static void test_observe_nobody(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	char dir[] = "/tmp/assay-unit-notify-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chown(dir, 65534, 65534), 0);
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		/* A process that changed its uid is not dumpable, which would
		 * keep even its own parent from pidfd_getfd; a gateway started
		 * as nobody is (a fresh exec), so this one is made so too. */
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0 ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
			_exit(99);
		_exit(scenario(self_exe, dir) == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	rmdir(dir);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_normalize(void **state)
{
	(void)state;
	static const char *const rows[][2] = {
		{"/", "/"},	       {"//a//b/", "/a/b"},  {"/a/./b/../c", "/a/c"},
		{"/../..", "/"},       {"/a/b/../../..", "/"}, {"/a/..b/.c", "/a/..b/.c"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s", rows[i][0]);
		sbx_path_normalize(p);
		CHECK(bad, strcmp(p, rows[i][1]) == 0, "%s -> %s, want %s", rows[i][0], p, rows[i][1]);
	}
	assert_int_equal(bad, 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child_main(argv[2]);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_observe_root),
		cmocka_unit_test(test_observe_nobody),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
