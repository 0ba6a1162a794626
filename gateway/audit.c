/* gateway/audit.c - the JSON Lines audit log. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int audit_fd = -1;
static unsigned long long audit_seq;
static bool audit_failed;

int gw_audit_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	audit_fd = fd;
	audit_seq = 0;
	audit_failed = false;
	return 0;
}

void gw_audit_close(void)
{
	if (audit_fd >= 0 && close(audit_fd) != 0)
		gw_error("closing the audit log failed: %s", strerror(errno));
	audit_fd = -1;
}

bool gw_audit_enabled(void)
{
	return audit_fd >= 0;
}

void gw_rfc3339_now(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

void gw_audit(const char *event, json_t *fields)
{
	if (audit_fd < 0) {
		json_decref(fields);
		return;
	}
	char ts[40];
	gw_rfc3339_now(ts, sizeof(ts));
	json_t *rec = json_object();
	json_object_set_new(rec, "ts", json_string(ts));
	json_object_set_new(rec, "event", json_string(event));
	json_object_set_new(rec, "seq", json_integer((json_int_t)audit_seq++));
	if (fields) {
		json_object_update(rec, fields);
		json_decref(fields);
	}
	char *line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(rec);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* replaces the NUL; the length is known */
	const char *p = line;
	size_t left = n + 1;
	while (left > 0) {
		ssize_t w = write(audit_fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!audit_failed)
				gw_error("writing the audit log failed: %s; records are being "
					 "lost", w < 0 ? strerror(errno) : "short write");
			audit_failed = true;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	free(line);
}
