/* tests/unit/test_sandbox.c - the private tmp, the Landlock carve of a
 * denied path, the seccomp program and the refusal guess, with the kernel
 * answering (each enforcement runs in a forked child). */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Removal never follows a link the server planted, copes with a deep tree
 * and with directories the server made unreadable. */
static void test_tmpdir_remove(void **state)
{
	(void)state;
	char outside[] = "/tmp/assay-unit-outside-XXXXXX";
	assert_non_null(mkdtemp(outside));
	char victim[256], path[8192];
	snprintf(victim, sizeof(victim), "%s/precious", outside);
	write_file(victim, "keep me");

	struct sbx_tmpdir t;
	char err[256];
	assert_int_equal(sbx_tmpdir_create(&t, NULL, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(t.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, getuid());
	snprintf(path, sizeof(path), "%s/link-to-dir", t.path);
	assert_int_equal(symlink(outside, path), 0);
	snprintf(path, sizeof(path), "%s/link-to-file", t.path);
	assert_int_equal(symlink(victim, path), 0);
	/* 100 levels deep, deeper than the walk goes before moving trees up,
	 * below a directory named as an older removal named the subtrees it
	 * moved up (an interrupted one leaves them; a server can plant them). */
	size_t off = (size_t)snprintf(path, sizeof(path), "%s/.assay-deep-0", t.path);
	assert_int_equal(mkdir(path, 0700), 0);
	for (int i = 0; i < 100; i++) {
		off += (size_t)snprintf(path + off, sizeof(path) - off, "/d");
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(path + off, sizeof(path) - off, "/link");
	assert_int_equal(symlink(outside, path), 0);
	snprintf(path, sizeof(path), "%s/locked", t.path);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/locked/f", t.path);
	write_file(path, "x");
	snprintf(path, sizeof(path), "%s/locked", t.path);
	assert_int_equal(chmod(path, 0), 0);

	char where[4096];
	snprintf(where, sizeof(where), "%s", t.path);
	assert_int_equal(sbx_tmpdir_remove(&t), 0);
	assert_false(exists(where));
	assert_true(exists(victim));
	assert_true(exists(outside));
	unlink(victim);
	rmdir(outside);
}

/* A directory whose run died (lock free) is swept; a live one is not. */
static void test_tmpdir_sweep(void **state)
{
	(void)state;
	/* A base of its own: a sweep of /tmp at any age could take another
	 * run's directory between its mkdtemp and its flock. */
	char base[] = "/tmp/assay-unit-sweep-XXXXXX";
	assert_non_null(mkdtemp(base));
	struct sbx_tmpdir live, dead;
	char err[256];
	assert_int_equal(sbx_tmpdir_create(&live, base, err, sizeof(err)), 0);
	assert_int_equal(sbx_tmpdir_create(&dead, base, err, sizeof(err)), 0);
	char dead_path[4096], f[4200];
	snprintf(dead_path, sizeof(dead_path), "%s", dead.path);
	snprintf(f, sizeof(f), "%s/file", dead.path);
	write_file(f, "left behind");
	close(dead.fd); /* the run "dies": its lock goes with it */
	/* Too young: it could be a run between mkdtemp and flock. */
	assert_int_equal(sbx_tmpdir_sweep(base, SBX_TMPDIR_SWEEP_AGE), 0);
	assert_true(exists(dead_path));
	assert_int_equal(sbx_tmpdir_sweep(base, 0), 1);
	assert_false(exists(dead_path));
	assert_true(exists(live.path));
	assert_int_equal(sbx_tmpdir_remove(&live), 0);
	assert_int_equal(rmdir(base), 0);
}

/* Build a ruleset granting |dir| (read) and denying |deny| inside it;
 * apply it in a child and report what the child could do as a bitmask:
 * 1 read dir/ok, 2 read dir/sub/ok, 4 read |secret|, 8 list dir. */
static int carve_child(const char *dir, const char *deny, const char *secret, size_t notes)
{
	struct sbx_fs_rule rule = {dir, SBX_FS_READ, false};
	const char *denies[] = {deny};
	struct sbx_landlock_request rq = {.fs = &rule, .nfs = 1, .deny = denies, .ndeny = 1};
	struct sbx_report rep = {0};
	char err[256];
	int abi = sbx_landlock_abi();
	int fd;
	assert_int_equal(sbx_landlock_build(&rq, abi, &fd, &rep, err, sizeof(err)), 0);
	assert_int_equal(sbx_report_count(&rep, SBX_DEGRADED), 0);
	assert_int_equal(sbx_report_count(&rep, SBX_NOTE), notes); /* what the carve leaks */
	sbx_report_free(&rep);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    syscall(SYS_landlock_restrict_self, fd, 0) != 0)
			_exit(255);
		int r = 0;
		char p[4096];
		snprintf(p, sizeof(p), "%s/ok", dir);
		int f = open(p, O_RDONLY);
		r |= f >= 0 ? 1 : 0;
		snprintf(p, sizeof(p), "%s/sub/ok", dir);
		f = open(p, O_RDONLY);
		r |= f >= 0 ? 2 : 0;
		f = open(secret, O_RDONLY);
		r |= f >= 0 ? 4 : (errno == EACCES ? 0 : 64);
		f = open(dir, O_RDONLY | O_DIRECTORY);
		r |= f >= 0 ? 8 : 0;
		_exit(r);
	}
	close(fd);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_landlock_carve(void **state)
{
	(void)state;
	if (sbx_landlock_abi() < 1)
		skip();
	char dir[] = "/tmp/assay-unit-carve-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[4096], deny[4096];
	snprintf(p, sizeof(p), "%s/ok", dir);
	write_file(p, "ok");
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/sub/ok", dir);
	write_file(p, "ok");
	snprintf(deny, sizeof(deny), "%s/sub/secret", dir);
	write_file(deny, "secret");
	/* Everything but the secret is readable; the directories above it
	 * cannot be listed (the documented leak is the other way round). */
	assert_int_equal(carve_child(dir, deny, deny, 1), 1 | 2);
	/* Without a deny the same rule reads the secret: the control. */
	assert_int_equal(carve_child(dir, "/nonexistent/elsewhere", deny, 0), 1 | 2 | 4 | 8);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/* The seccomp program, installed in a child: the kernel's answers. */
/* The programs compiled with the project are, every variant of them,
 * byte for byte what libseccomp compiles now; and the variant index round
 * trips. */
static void test_seccomp_prebuilt(void **state)
{
	(void)state;
	char err[256];
	unsigned bad = 0;
	for (unsigned i = 0; i < SBX_SECCOMP_VARIANTS + 2; i++) {
		bool self = i >= SBX_SECCOMP_VARIANTS;
		struct sbx_seccomp_request rq = sbx_seccomp_variant(self ? 0 : i);
		assert_int_equal(sbx_seccomp_variant_index(&rq), self ? 0 : i);
		struct sbx_bpf fresh, built;
		int rc = self ? sbx_seccomp_build_self(i - SBX_SECCOMP_VARIANTS, &fresh, err,
						       sizeof(err))
			      : sbx_seccomp_build(&rq, &fresh, err, sizeof(err));
		assert_int_equal(rc, 0);
		rc = self ? sbx_seccomp_program_self(i - SBX_SECCOMP_VARIANTS, &built)
			  : sbx_seccomp_program(&rq, &built);
		assert_int_equal(rc, 0);
		CHECK(bad, fresh.len == built.len && memcmp(fresh.insns, built.insns, fresh.len * 8) == 0,
		      "%s variant %u: %zu instructions built, %zu compiled now",
		      self ? "own" : "server", self ? i - SBX_SECCOMP_VARIANTS : i, built.len,
		      fresh.len);
		sbx_bpf_free(&fresh);
		sbx_bpf_free(&built);
	}
	assert_int_equal(bad, 0);
	/* Every flag set picks the last variant. */
	struct sbx_seccomp_request all = {true, true, true, true, true, true};
	assert_int_equal(sbx_seccomp_variant_index(&all), SBX_SECCOMP_VARIANTS - 1);
}

static void test_seccomp(void **state)
{
	(void)state;
	struct sbx_seccomp_request rq = {.net_restrict = true, .allow_inet = true};
	struct sbx_bpf bpf;
	assert_int_equal(sbx_seccomp_program(&rq, &bpf), 0); /* what the gateway installs */
	assert_true(bpf.len > 10);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || sbx_seccomp_install(&bpf) != 0)
			_exit(255);
		int bad = 0;
		errno = 0;
		bad |= (syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS) ? 0 : 1;
		errno = 0;
		bad |= (unshare(CLONE_NEWUSER) == -1 && errno == EPERM) ? 0 : 2;
		errno = 0;
		bad |= (socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EPERM) ? 0 : 4;
		errno = 0;
		bad |= (socket(AF_INET, SOCK_STREAM, 262 /* MPTCP */) == -1 && errno == EPERM) ? 0 : 8;
		errno = 0;
		bad |= (socket(AF_INET, SOCK_DGRAM, 0) == -1 && errno == EPERM) ? 0 : 16;
		errno = 0;
		bad |= (socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EPERM) ? 0 : 32;
		int sv[2];
		bad |= socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : 64;
		bad |= socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0 ? 0 : 128;
		errno = 0;
		/* TIOCSTI with high bits set still hits the rule. */
		bad |= (syscall(SYS_ioctl, 0, 0x100005412UL, "x") == -1 && errno == EPERM) ? 0 : 256;
		errno = 0;
		bad |= (syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, getppid(), 0, 0) == -1 &&
			errno == EPERM) ? 0 : 512;
		errno = 0;
		bad |= (listen(sv[0], 1) == -1 && errno == EPERM) ? 0 : 1024;
		_exit(bad > 255 ? 254 : bad);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sbx_bpf_free(&bpf);
}

static void test_refusal_guess(void **state)
{
	(void)state;
	struct gw_sandbox sb;
	memset(&sb, 0, sizeof(sb));
	sb.enabled = true;
	sb.rules[0] = (struct sbx_fs_rule){"/srv/project", SBX_FS_READ | SBX_FS_WRITE, false};
	sb.rules[1] = (struct sbx_fs_rule){"/usr", SBX_FS_READ | SBX_FS_EXEC, false};
	sb.nrules = 2;
	char path[256];
	const char *what = NULL;
	assert_true(gw_sandbox_explains(&sb, "Error: EACCES: permission denied, open '/etc/x'",
					path, sizeof(path), &what));
	assert_string_equal(path, "/etc/x");
	assert_string_equal(what, "access");
	assert_true(gw_sandbox_explains(&sb, "Permission denied: /usr/lib/y.", path, sizeof(path),
					&what));
	assert_string_equal(path, "/usr/lib/y");
	assert_string_equal(what, "write");
	/* Inside a writable grant: not the sandbox. */
	assert_false(gw_sandbox_explains(&sb, "EACCES: permission denied, open "
					      "'/srv/project/a'", path, sizeof(path), &what));
	/* Not a permission error. */
	assert_false(gw_sandbox_explains(&sb, "ENOENT: no such file '/etc/x'", path,
					 sizeof(path), &what));
	/* A prefix that only looks like the grant. */
	assert_true(gw_sandbox_explains(&sb, "EPERM: operation not permitted '/srv/projectX'",
					path, sizeof(path), &what));
	sb.enabled = false;
	assert_false(gw_sandbox_explains(&sb, "Permission denied: /etc/x", path, sizeof(path),
					 &what));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpdir_remove),
		cmocka_unit_test(test_tmpdir_sweep),
		cmocka_unit_test(test_landlock_carve),
		cmocka_unit_test(test_seccomp_prebuilt),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_refusal_guess),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
