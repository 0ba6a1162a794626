/* gateway/pins.c - tool pinning: the store on disk and the relay's checks. */
#include "pins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "fileio.h"
#include "log.h"
#include "sandbox/tmpdir.h"

/* ---- the store file ------------------------------------------------------ */

static int default_store(char *out, size_t size)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (state && *state == '/')
		snprintf(out, size, "%s/assay-gateway/pins.json", state);
	else if (home && *home == '/')
		snprintf(out, size, "%s/.local/state/assay-gateway/pins.json", home);
	else
		return -1;
	return 0;
}

static int mkparents(const char *path)
{
	char dir[4400];
	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return -ENAMETOOLONG;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Lock "<path>.lock" (created 0600); returns the descriptor or -errno. */
static int lock_store(const char *path, int how)
{
	char lock[4200];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int rc = mkparents(lock);
	if (rc != 0)
		return rc;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, how) != 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	return fd;
}

/* Read and parse the store; a missing file is an empty store. */
static int read_store(const char *path, json_t **store, char *err, size_t err_size)
{
	size_t len;
	int rc;
	char msg[600];
	char *text = gw_read_file(path, O_NOFOLLOW, 64u << 20, &len, &rc, msg, sizeof(msg));
	if (!text && rc == -ENOENT) {
		*store = pol_pinstore_new();
		return *store ? 0 : -ENOMEM;
	}
	if (!text) {
		snprintf(err, err_size, "cannot read the pin store %s", msg);
		return rc;
	}
	char perr[512];
	rc = pol_pinstore_parse(text, len, store, perr, sizeof(perr));
	free(text);
	if (rc != 0)
		snprintf(err, err_size, "the pin store %s is corrupt: %s (move it away to start over)",
			 path, perr);
	return rc;
}

/* Replace the store file atomically with |store|. */
static int write_store(const char *path, const json_t *store, char *err, size_t err_size)
{
	char *text;
	size_t len;
	if (pol_pinstore_serialize(store, &text, &len) != 0) {
		snprintf(err, err_size, "cannot serialise the pin store");
		return -ENOMEM;
	}
	int rc = gw_write_file_atomic(path, text, len, 0600);
	if (rc != 0)
		snprintf(err, err_size, "cannot write the pin store %s: %s", path, strerror(-rc));
	free(text);
	return rc;
}

/* ---- one file per server ----------------------------------------------------
 *
 * The store |path| (pins.json) is a directory, "<path>.d", of one store
 * document per server, named by the SHA-256 of its identity: a start reads
 * its own server's pins only, however many servers are pinned (a single
 * file of 20 servers with large tool lists cost every start about 10 ms to
 * parse).  A single-file store of an earlier version, at |path| itself, is
 * split into that directory the first time it is seen, and kept as
 * "<path>.migrated".  Every operation holds "<path>.lock". */

static int shard_dir(const char *store, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s.d", store) < size ? 0 : -ENAMETOOLONG;
}

static int shard_path(const char *store, const char *identity, char *out, size_t size)
{
	char hex[POL_PIN_HEX_LEN + 1];
	int rc = pol_pin_text_digest(identity, strlen(identity), hex);
	if (rc != 0)
		return rc;
	return (size_t)snprintf(out, size, "%s.d/%s.json", store, hex) < size ? 0 : -ENAMETOOLONG;
}

/* Create the directory of the servers' files (0700), or check that it is
 * one (not a link).  Returns 0 or -errno with |err|. */
static int make_shard_dir(const char *store, char *err, size_t err_size)
{
	char dir[4200];
	int rc = shard_dir(store, dir, sizeof(dir));
	struct stat st;
	if (rc == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = -errno;
	if (rc == 0 && lstat(dir, &st) != 0)
		rc = -errno;
	if (rc == 0 && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc != 0)
		snprintf(err, err_size, "cannot create the pin store %s: %s", dir, strerror(-rc));
	return rc;
}

/* Write the pins of |identity| (|label|, |set|) to its own file. */
static int write_shard(const char *store, const char *identity, const char *label,
		       const struct pol_pinset *set, char *err, size_t err_size)
{
	char file[4300];
	int rc = make_shard_dir(store, err, err_size);
	if (rc != 0)
		return rc;
	if ((rc = shard_path(store, identity, file, sizeof(file))) != 0) {
		snprintf(err, err_size, "the pin store's name %s is too long", store);
		return rc;
	}
	json_t *doc = pol_pinstore_new();
	rc = doc ? pol_pinstore_put(doc, identity, label, set) : -ENOMEM;
	if (rc == 0)
		rc = write_store(file, doc, err, err_size);
	else
		snprintf(err, err_size, "cannot update the pin store: %s", strerror(-rc));
	json_decref(doc);
	return rc;
}

/* Split a single-file store at |store| into files of their own; the
 * caller holds the lock exclusively.  Returns 0 (also when there is none)
 * or -errno with |err|. */
static int migrate(const char *store, char *err, size_t err_size)
{
	struct stat st;
	if (lstat(store, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		snprintf(err, err_size, "cannot read the pin store %s: %s", store, strerror(e));
		return -e;
	}
	json_t *old = NULL;
	int rc = read_store(store, &old, err, err_size);
	if (rc == 0)
		rc = make_shard_dir(store, err, err_size);
	const char *id;
	json_t *srv;
	json_object_foreach(rc == 0 ? json_object_get(old, "servers") : NULL, id, srv) {
		char file[4300];
		struct pol_pinset *set = NULL;
		if ((rc = shard_path(store, id, file, sizeof(file))) != 0 ||
		    (rc = pol_pinstore_get(old, id, &set)) != 0) {
			snprintf(err, err_size, "cannot move the pins of %s out of %s: %s", id, store,
				 strerror(-rc));
			break;
		}
		/* A server pinned since (by a newer gateway) keeps those pins. */
		if (lstat(file, &st) == 0)
			rc = 0;
		else if (errno == ENOENT)
			rc = write_shard(store, id, json_string_value(json_object_get(srv, "label")),
					 set, err, err_size);
		else {
			rc = -errno;
			snprintf(err, err_size, "cannot check %s: %s", file, strerror(errno));
		}
		pol_pinset_free(set);
		if (rc != 0)
			break;
	}
	json_decref(old);
	/* The files are on disk (each synced) and named in the directory
	 * before the single file goes; an earlier backup is never replaced. */
	char dir[4200], kept[4300];
	int dfd = rc == 0 && shard_dir(store, dir, sizeof(dir)) == 0
			  ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			  : -1;
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	for (unsigned n = 0; rc == 0; n++) {
		if (n == 0)
			snprintf(kept, sizeof(kept), "%s.migrated", store);
		else
			snprintf(kept, sizeof(kept), "%s.migrated.%u", store, n);
		if (sbx_rename_noreplace(AT_FDCWD, store, AT_FDCWD, kept) == 0)
			break;
		if (errno == EEXIST && n < 1000)
			continue;
		rc = -errno;
		snprintf(err, err_size, "cannot move the pin store %s to %s: %s", store, kept,
			 strerror(errno));
	}
	return rc;
}

/* Lock the store |how| (LOCK_SH, LOCK_EX), first splitting a single-file
 * store if there is one.  Returns the lock's descriptor, or -1 with |err|. */
static int open_store(const char *store, int how, char *err, size_t err_size)
{
	int lock = lock_store(store, how);
	if (lock >= 0 && how == LOCK_SH && faccessat(AT_FDCWD, store, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		close(lock);
		lock = lock_store(store, how = LOCK_EX);
	}
	if (lock < 0) {
		snprintf(err, err_size, "cannot lock the pin store %s: %s", store, strerror(-lock));
		return -1;
	}
	if (how == LOCK_EX && migrate(store, err, err_size) != 0) {
		close(lock);
		return -1;
	}
	return lock;
}

/* The store document of |identity| (empty when it has none). */
static int read_shard(const char *store, const char *identity, json_t **doc, char *err,
		      size_t err_size)
{
	char file[4300];
	int rc = shard_path(store, identity, file, sizeof(file));
	if (rc != 0) {
		snprintf(err, err_size, "the pin store's name %s is too long", store);
		return rc;
	}
	return read_store(file, doc, err, err_size);
}

/* Merge |set| for |identity| into the store on disk. */
static int save(struct gw_pins *pn)
{
	char err[600];
	int lock = open_store(pn->path, LOCK_EX, err, sizeof(err));
	if (lock < 0) {
		gw_error("%s", err);
		return -1;
	}
	int rc = write_shard(pn->path, pn->identity, pn->label, pn->set, err, sizeof(err));
	if (rc != 0)
		gw_error("%s", err);
	close(lock);
	return rc;
}

int gw_pins_store_path(const struct pol_policy *pol, char *out, size_t size)
{
	if (pol->pins_on_change == POL_PINS_OFF)
		return 1;
	if (pol->pins_store) {
		snprintf(out, size, "%s", pol->pins_store);
		return 0;
	}
	return default_store(out, size) == 0 ? 0 : -1;
}

int gw_pins_open(struct gw_pins *pn, const struct pol_policy *pol, char *const *cmd, int argc,
		 const char *name, char *err, size_t err_size)
{
	memset(pn, 0, sizeof(*pn));
	pn->on_change = pol->pins_on_change;
	pn->sanitize = !pol->pins_keep_descriptions;
	if (pol->pins_on_change == POL_PINS_OFF)
		return 0;
	if (gw_pins_store_path(pol, pn->path, sizeof(pn->path)) != 0) {
		snprintf(err, err_size, "cannot place the pin store: neither XDG_STATE_HOME nor HOME "
			 "is an absolute path (set pins.store, or pins.on_change: off)");
		return -1;
	}
	int rc = pol_server_identity(cmd, argc, name, pn->identity, sizeof(pn->identity),
				     pn->label, sizeof(pn->label));
	if (rc != 0) {
		snprintf(err, err_size, "cannot derive the server's identity for pinning: %s%s",
			 strerror(-rc), name ? " (check --name)" : "");
		return -1;
	}
	int lock = open_store(pn->path, LOCK_SH, err, err_size);
	if (lock < 0)
		return -1;
	json_t *store = NULL;
	rc = read_shard(pn->path, pn->identity, &store, err, err_size);
	close(lock);
	if (rc != 0)
		return -1;
	rc = pol_pinstore_get(store, pn->identity, &pn->set);
	json_decref(store);
	if (rc == 0 && !pn->set)
		pn->set = pol_pinset_new();
	if (rc != 0 || !pn->set) {
		snprintf(err, err_size, "cannot read the pins of this server from %s", pn->path);
		return -1;
	}
	pn->reported = json_object();
	pn->enabled = pn->reported != NULL;
	return pn->enabled ? 0 : -1;
}

void gw_pins_close(struct gw_pins *pn)
{
	for (size_t i = 0; i < pn->nseen; i++)
		free(pn->seen[i]);
	free(pn->seen);
	pol_pinset_free(pn->set);
	json_decref(pn->reported);
	memset(pn, 0, sizeof(*pn));
}

/* ---- the relay's checks ---------------------------------------------------- */

struct check_ctx {
	struct gw_pins *pn;
	json_t *blocked; /* names to hide */
	int changed;	 /* pins recorded or changed */
};

static void on_tool(void *ctx, const char *name, enum pol_pin_change c, const char *what)
{
	struct check_ctx *k = ctx;
	char q[300];
	gw_log_quote(name, strlen(name), 80, q, sizeof(q));
	if (c == POL_PIN_NEW) {
		k->changed++;
		gw_debug("pinned the new tool '%s'", q);
	} else if (c == POL_PIN_CHANGED) {
		bool block = k->pn->on_change == POL_PINS_BLOCK;
		if (block)
			json_array_append_new(k->blocked, json_string(name));
		/* Each change is reported once per session, not at every listing. */
		const char *before = json_string_value(json_object_get(k->pn->reported, name));
		if (before && strcmp(before, what) == 0)
			return;
		json_object_set_new(k->pn->reported, name, json_string(what));
		k->changed++;
		k->pn->changes++;
		if (block) {
			gw_warn("tool '%s' changed since it was pinned (%s): hidden and blocked until "
				"approved with 'assay-gateway pins approve'", q, what);
		} else {
			gw_warn("tool '%s' changed since it was pinned (%s)", q, what);
		}
		if (gw_audit_enabled())
			gw_audit("pin_change",
				 json_pack("{s:s,s:s,s:s}", "tool", name, "change", what, "action",
					   k->pn->on_change == POL_PINS_BLOCK ? "blocked" : "warned"));
	} else if (c == POL_PIN_REMOVED) {
		k->changed++;
		gw_info("tool '%s' is no longer offered by the server", q);
	}
}

static void on_sanitized(void *ctx, const char *name, const char *where, size_t findings,
			 const char *what)
{
	(void)ctx;
	char q[300];
	gw_log_quote(name, strlen(name), 80, q, sizeof(q));
	gw_warn("tool '%s': %zu hidden or control character(s) removed from its %s (%s)", q,
		findings, where, what);
}

static void seen_add(struct gw_pins *pn, const char *name)
{
	if (pn->nseen == pn->seen_cap) {
		size_t cap = pn->seen_cap ? pn->seen_cap * 2 : 64;
		if (cap > POL_PIN_MAX_TOOLS * 4)
			return;
		char **n = realloc(pn->seen, cap * sizeof(*n));
		if (!n)
			return;
		pn->seen = n;
		pn->seen_cap = cap;
	}
	char *d = strdup(name);
	if (d)
		pn->seen[pn->nseen++] = d;
}

int gw_pins_tools(struct gw_pins *pn, json_t *result)
{
	if (!pn->enabled)
		return 0;
	json_t *tools = json_object_get(result, "tools");
	if (!json_is_array(tools))
		return -1;
	char now[40];
	gw_rfc3339_now(now, sizeof(now));
	struct check_ctx k = {pn, json_array(), 0};
	/* Digests are of what the server sent, before sanitising. */
	if (pol_pinset_check_tools(pn->set, tools, true, now, on_tool, &k) != 0) {
		json_decref(k.blocked);
		return -1;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tools, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		if (name)
			seen_add(pn, name);
	}
	if (!json_object_get(result, "nextCursor")) {
		/* The last page: anything pinned and not seen was removed. */
		pol_pinset_check_removed(pn->set, (const char *const *)pn->seen, pn->nseen, true, now,
					 on_tool, &k);
		for (size_t j = 0; j < pn->nseen; j++)
			free(pn->seen[j]);
		pn->nseen = 0;
		pn->verified = true;
		pn->verify_failed = false;
	}
	int modified = 0;
	size_t nb = json_array_size(k.blocked);
	for (size_t b = 0; b < nb; b++) {
		const char *name = json_string_value(json_array_get(k.blocked, b));
		for (size_t j = 0; j < json_array_size(tools); j++) {
			const char *tn = json_string_value(
				json_object_get(json_array_get(tools, j), "name"));
			if (tn && strcmp(tn, name) == 0) {
				json_array_remove(tools, j);
				modified++;
				break;
			}
		}
	}
	json_decref(k.blocked);
	if (pn->sanitize) {
		int n = pol_tools_sanitize_report(tools, on_sanitized, NULL);
		if (n > 0)
			modified += n;
	}
	if (k.changed)
		pn->dirty = true;
	return modified;
}

int gw_pins_instructions(struct gw_pins *pn, json_t *result)
{
	if (!pn->enabled || !json_is_object(result))
		return 0;
	json_t *ins = json_object_get(result, "instructions");
	const char *text = json_string_value(ins);
	size_t len = text ? json_string_length(ins) : 0;
	enum pol_pin_change c = pol_pinset_check_instructions(pn->set, text, len, true);
	int modified = 0;
	if (c == POL_PIN_CHANGED) {
		pn->changes++;
		if (pn->on_change == POL_PINS_BLOCK && text) {
			json_object_del(result, "instructions");
			modified = 1;
			gw_warn("the server's instructions changed since they were pinned: withheld "
				"until approved with 'assay-gateway pins approve'");
		} else {
			gw_warn("the server's instructions changed since they were pinned");
		}
		if (gw_audit_enabled())
			gw_audit("pin_change", json_pack("{s:s,s:s}", "change", "instructions changed",
							 "action", modified ? "blocked" : "warned"));
	}
	if (c != POL_PIN_SAME)
		pn->dirty = true;
	return modified;
}

void gw_pins_flush(struct gw_pins *pn)
{
	if (pn->enabled && pn->dirty && save(pn) == 0)
		pn->dirty = false;
}

int gw_pins_blocked(const struct gw_pins *pn, const char *tool, char *what, size_t size)
{
	if (!pn->enabled || pn->on_change != POL_PINS_BLOCK)
		return 0;
	return pol_pinset_pending(pn->set, tool, what, size) == 1;
}

/* ---- `assay-gateway pins` ---------------------------------------------------- */

static int pins_usage(void)
{
	fputs("Usage: assay-gateway pins list [--store FILE]\n"
	      "       assay-gateway pins approve [--store FILE] [--tool NAME]... "
	      "(--name NAME | -- COMMAND [ARGS...])\n"
	      "list:    every pinned server, its tools, and changes waiting for approval.\n"
	      "approve: accept the current definitions of the named tools (all changed tools\n"
	      "         and the instructions without --tool) of the server started as COMMAND\n"
	      "         (the same command line as in the editor configuration) or named NAME.\n",
	      stderr);
	return 2;
}

/* Print the servers of the store document |store|. */
static void list_doc(json_t *store)
{
	const char *id;
	json_t *srv;
	json_object_foreach(json_object_get(store, "servers"), id, srv) {
		printf("%s\n  identity: %s\n", json_string_value(json_object_get(srv, "label"))
						       ?: "(no label)", id);
		struct pol_pinset *set = NULL;
		pol_pinstore_get(store, id, &set);
		const char *tn;
		json_t *t;
		json_object_foreach(json_object_get(srv, "tools"), tn, t) {
			char what[300] = "";
			int p = set ? pol_pinset_pending(set, tn, what, sizeof(what)) : 0;
			printf("  %-32s %s\n", tn, p == 1 ? what : "pinned");
		}
		pol_pinset_free(set);
	}
}

static int is_shard(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* `pins list`: every server's file, in name order. */
static int pins_list(const char *store)
{
	char dir[4200], err[700];
	if (shard_dir(store, dir, sizeof(dir)) != 0)
		return 2;
	struct dirent **names;
	int n = scandir(dir, &names, is_shard, alphasort);
	if (n < 0 && errno == ENOENT)
		return 0; /* nothing pinned yet */
	if (n < 0) {
		fprintf(stderr, "assay-gateway: error: cannot list %s: %s\n", dir, strerror(errno));
		return 2;
	}
	int status = 0;
	for (int k = 0; k < n; k++) {
		char file[4500];
		json_t *doc = NULL;
		snprintf(file, sizeof(file), "%s/%s", dir, names[k]->d_name);
		if (read_store(file, &doc, err, sizeof(err)) == 0)
			list_doc(doc);
		else {
			fprintf(stderr, "assay-gateway: error: %s\n", err);
			status = 2;
		}
		json_decref(doc);
		free(names[k]);
	}
	free(names);
	return status;
}

/* `pins approve`: the pending definitions of |tools| (all without) of the
 * server started as |cmd| (|argc| words) or named |name|. */
static int pins_approve(const char *store, char *const *cmd, int argc, const char *name,
			const char *const *tools, int ntools)
{
	if (!name && argc <= 0)
		return pins_usage();
	char id[POL_PIN_ID_MAX + 1], label[POL_PIN_LABEL_MAX + 1], err[700];
	json_t *doc = NULL;
	struct pol_pinset *set = NULL;
	int rc = pol_server_identity(cmd, argc, name, id, sizeof(id), label, sizeof(label));
	if (rc == 0 && read_shard(store, id, &doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "assay-gateway: error: %s\n", err);
		return 2;
	}
	if (rc == 0)
		rc = pol_pinstore_get(doc, id, &set);
	json_decref(doc);
	if (rc != 0 || !set) {
		fprintf(stderr, "assay-gateway: error: no pins for %s in %s.d\n", name ? name : label,
			store);
		return 1;
	}
	char now[40];
	gw_rfc3339_now(now, sizeof(now));
	int n = 0, status = 0;
	if (ntools == 0) {
		n = pol_pinset_approve(set, NULL, NULL, now);
		n += pol_pinset_approve_instructions(set, NULL) > 0;
	}
	for (int t = 0; t < ntools && n >= 0; t++) {
		int r = pol_pinset_approve(set, tools[t], NULL, now);
		if (r < 0) {
			fprintf(stderr, "assay-gateway: error: tool '%s' is not pinned for this "
				"server\n", tools[t]);
			status = 1;
		} else {
			n += r;
		}
	}
	if (n > 0 && write_shard(store, id, label, set, err, sizeof(err)) != 0) {
		fprintf(stderr, "assay-gateway: error: %s\n", err);
		status = 2;
	}
	printf("approved %d change(s) for %s\n", n > 0 ? n : 0, name ? name : label);
	pol_pinset_free(set);
	return status;
}

int gw_pins_command(int argc, char **argv)
{
	const char *store_path = NULL, *name = NULL;
	const char *tools[64];
	int ntools = 0, i = 2;
	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "approve") != 0))
		return pins_usage();
	bool approve = strcmp(argv[1], "approve") == 0;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
			store_path = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc && approve)
			name = argv[++i];
		else if (strcmp(argv[i], "--tool") == 0 && i + 1 < argc && approve && ntools < 64)
			tools[ntools++] = argv[++i];
		else if (strcmp(argv[i], "--") == 0 && approve) {
			i++;
			break;
		} else
			return pins_usage();
	}
	char path[4096], err[700];
	if (store_path)
		snprintf(path, sizeof(path), "%s", store_path);
	else if (default_store(path, sizeof(path)) != 0) {
		fputs("assay-gateway: error: neither XDG_STATE_HOME nor HOME is set; use --store\n",
		      stderr);
		return 2;
	}
	int lock = open_store(path, approve ? LOCK_EX : LOCK_SH, err, sizeof(err));
	if (lock < 0) {
		fprintf(stderr, "assay-gateway: error: %s\n", err);
		return 2;
	}
	int status = approve ? pins_approve(path, argv + i, argc - i, name, tools, ntools)
			     : pins_list(path);
	close(lock);
	return status;
}
