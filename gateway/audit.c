/* gateway/audit.c - the JSON Lines audit log. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "policies/policy.h"

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

/* ---- argument recording ---------------------------------------------------- */

static unsigned char audit_key[32];
static bool audit_key_loaded;

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int read_key(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, audit_key, sizeof(audit_key));
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n != (ssize_t)sizeof(audit_key))
		return n < 0 ? -e : -EINVAL;
	audit_key_loaded = true;
	return 0;
}

int gw_audit_key_setup(char *err, size_t err_size)
{
	if (audit_key_loaded)
		return 0;
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], path[4200], tmp[4300];
	if (state && *state == '/')
		snprintf(dir, sizeof(dir), "%s/assay-gateway", state);
	else if (home && *home == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/assay-gateway", home);
	else {
		snprintf(err, err_size, "cannot place the audit key: neither XDG_STATE_HOME nor "
			 "HOME is an absolute path");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	int rc = read_key(path);
	if (rc == 0)
		return 0;
	if (rc != -ENOENT) {
		snprintf(err, err_size, "cannot read the audit key %s: %s", path,
			 rc == -EINVAL ? "it is not 32 bytes" : strerror(-rc));
		return -1;
	}
	if ((rc = mkdirs(dir)) != 0) {
		snprintf(err, err_size, "cannot create %s: %s", dir, strerror(-rc));
		return -1;
	}
	/* Write a new key under a private name, then link it into place:
	 * link() fails if another gateway got there first, and we read its
	 * key instead, so every gateway of this install uses one key. */
	unsigned char key[sizeof(audit_key)];
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		snprintf(err, err_size, "cannot generate the audit key: %s", strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.audit.key.%d", dir, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		snprintf(err, err_size, "cannot write the audit key %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	close(fd);
	rc = link(tmp, path) == 0 ? 0 : -errno;
	unlink(tmp);
	if (rc != 0 && rc != -EEXIST) {
		snprintf(err, err_size, "cannot install the audit key %s: %s", path, strerror(-rc));
		return -1;
	}
	if (read_key(path) != 0) {
		snprintf(err, err_size, "cannot read back the audit key %s", path);
		return -1;
	}
	return 0;
}

static json_t *redact(json_t *v)
{
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			json_object_set_new(o, k, redact(x));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			json_array_append_new(a, redact(x));
		return a;
	}
	return json_string(json_is_string(v)   ? "<string>"
			   : json_is_number(v) ? "<number>"
			   : json_is_boolean(v) ? "<boolean>"
						: "<null>");
}

json_t *gw_audit_arguments(json_t *args, int mode)
{
	if (mode == POL_AUDIT_ARGS_FULL)
		return json_incref(args);
	if (mode == POL_AUDIT_ARGS_REDACTED)
		return redact(args);
	if (!audit_key_loaded)
		return NULL;
	char *canon = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!canon)
		return NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	unsigned char *ok = HMAC(EVP_sha256(), audit_key, sizeof(audit_key),
				 (const unsigned char *)canon, strlen(canon), mac, &maclen);
	free(canon);
	if (!ok)
		return NULL;
	char hex[sizeof("hmac-sha256:") + 2 * EVP_MAX_MD_SIZE];
	int n = snprintf(hex, sizeof(hex), "hmac-sha256:");
	for (unsigned i = 0; i < maclen; i++)
		n += snprintf(hex + n, sizeof(hex) - (size_t)n, "%02x", mac[i]);
	return json_string(hex);
}
