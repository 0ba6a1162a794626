/* bench/splice-relay.c - assay-splice-relay: the floor for any stdio
 * interposer.
 *
 *   assay-splice-relay [--copy] [--] CMD [ARGS...]
 *
 * Starts CMD with its stdin and stdout on pipes and copies bytes both ways,
 * without looking at them: our stdin to its stdin, its stdout to our stdout.
 * Its stderr is ours.  One thread per direction, blocking; each moves data
 * with splice(2) when both ends are pipes (no copy through user space),
 * otherwise with read(2)/write(2).  --copy forces read/write.
 *
 * When our stdin ends, its stdin is closed; when its stdout ends, we wait for
 * it and exit with its status (128+N when killed by signal N).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "assay-splice-relay"
#define CHUNK (1 << 20)

struct dir {
	int from, to;
	bool copy; /* read/write instead of splice */
	const char *name;
};

static bool is_pipe(int fd)
{
	struct stat sb;
	return fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode);
}

/* Move everything from d->from to d->to until end of input or a write
 * error.  Returns 0, or an errno. */
static int pump(struct dir *d)
{
	char *buf = NULL;
	for (;;) {
		if (!d->copy) {
			ssize_t n = splice(d->from, NULL, d->to, NULL, CHUNK, SPLICE_F_MOVE);
			if (n > 0)
				continue;
			if (n == 0)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno != EINVAL)
				return errno;
			d->copy = true; /* not splice-able after all */
		}
		if (!buf && !(buf = malloc(CHUNK)))
			return ENOMEM;
		ssize_t n = read(d->from, buf, CHUNK);
		if (n == 0) {
			free(buf);
			return 0;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(d->to, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				int e = errno;
				free(buf);
				return e;
			}
			off += w;
		}
	}
}

static void *to_server(void *arg)
{
	struct dir *d = arg;
	int e = pump(d);
	if (e && e != EPIPE)
		fprintf(stderr, PROG ": %s: %s\n", d->name, strerror(e));
	close(d->to); /* the server sees end of input */
	return NULL;
}

int main(int argc, char **argv)
{
	bool copy = false;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--copy") == 0)
			copy = true;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: " PROG " [--copy] [--] CMD [ARGS...]\n"
			       "Run CMD and copy bytes between our stdin/stdout and its own,\n"
			       "with splice(2) (or read/write with --copy).\n");
			return 0;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: " PROG " [--copy] [--] CMD [ARGS...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	int in[2], out[2], ep[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		perror(PROG ": pipe2");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror(PROG ": fork");
		return 2;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[i], argv + i);
		int e = errno;
		(void)!write(ep[1], &e, sizeof(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(in[0]);
	close(out[1]);
	close(ep[1]);
	int e;
	ssize_t n;
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(e)) {
		fprintf(stderr, PROG ": cannot run '%s': %s\n", argv[i], strerror(e));
		(void)waitpid(pid, NULL, 0);
		return e == ENOENT ? 127 : 126;
	}

	struct dir up = {STDIN_FILENO, in[1], copy || !is_pipe(STDIN_FILENO), "stdin to server"};
	struct dir down = {out[0], STDOUT_FILENO, copy || !is_pipe(STDOUT_FILENO),
			   "server to stdout"};
	pthread_t t;
	if (pthread_create(&t, NULL, to_server, &up) != 0) {
		fprintf(stderr, PROG ": cannot start a thread\n");
		kill(pid, SIGKILL);
		return 2;
	}
	pthread_detach(t);
	e = pump(&down);
	if (e && e != EPIPE)
		fprintf(stderr, PROG ": %s: %s\n", down.name, strerror(e));
	close(out[0]);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror(PROG ": waitpid");
			return 2;
		}
	/* The thread may still be blocked reading our stdin: just leave. */
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}
