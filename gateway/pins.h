/* gateway/pins.h - tool pinning for a run: the store on disk, and what
 * the relay asks of it.
 *
 * The store (default $XDG_STATE_HOME/assay-gateway/pins.json, mode 0600)
 * holds every server's pins; it is read under a shared lock and written
 * under an exclusive one (on "<store>.lock"), re-reading it first and
 * replacing it atomically, so gateways started together do not lose each
 * other's updates.
 */
#ifndef GW_PINS_H
#define GW_PINS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policies/pins.h"
#include "policies/policy.h"

/* Ids of requests the gateway sends itself start with this; a client
 * request using it is refused. */
#define GW_RESERVED_ID_PREFIX "assay-gateway:"

struct gw_pins {
	bool enabled;
	enum pol_pins_on_change on_change;
	bool sanitize;
	char path[4096];
	char identity[POL_PIN_ID_MAX + 1];
	char label[POL_PIN_LABEL_MAX + 1];
	struct pol_pinset *set;
	char **seen; /* names of the tool listing in progress */
	size_t nseen, seen_cap;
	unsigned next_id;
	unsigned changes;  /* for the audit log */
	json_t *reported;  /* tool name -> what changed, already logged */
	bool verified;	   /* this session's tool list has been checked */
	bool verify_failed; /* ...and could not be: calls are denied */
	unsigned refreshing; /* gateway listings in flight */
	bool dirty;	     /* pins changed since the store was written */
};

/* Set up pinning for the server |cmd| (|argc| words; |name| from --name
 * overrides the identity) under |pol|.  Reads the store; a corrupt store is
 * an error (never silently reset).  Returns 0 (also when pinning is off),
 * or -1 with a message in |err|. */
int gw_pins_open(struct gw_pins *pn, const struct pol_policy *pol, char *const *cmd, int argc,
		 const char *name, char *err, size_t err_size);
/* The pin store's path under |pol| in |out|: 0, 1 when pinning is off, -1
 * when it cannot be placed (gw_pins_open says why). */
int gw_pins_store_path(const struct pol_policy *pol, char *out, size_t size);
void gw_pins_close(struct gw_pins *pn);

/* Check a tools/list |result| (the last page marks the session's list as
 * verified) (modified in place: changed tools hidden
 * under on_change: block, descriptions sanitised) and record what is new.
 * Returns the number of changes made to |result| (re-serialise when > 0),
 * or -1 when the result cannot be checked. */
int gw_pins_tools(struct gw_pins *pn, json_t *result);

/* Check the instructions of an initialize |result| (removed under block
 * when they changed).  Returns 1 when |result| was modified, else 0. */
int gw_pins_instructions(struct gw_pins *pn, json_t *result);

/* Write the pins to the store if they changed (done after the message
 * that changed them has been forwarded: the disk is off the client's
 * path). */
void gw_pins_flush(struct gw_pins *pn);

/* Whether calls to |tool| are blocked (on_change: block and a change not
 * approved): 1 with what changed in |what|, else 0. */
int gw_pins_blocked(const struct gw_pins *pn, const char *tool, char *what, size_t size);

/* `assay-gateway pins ...`; argv[0] is "pins".  Returns the exit status. */
int gw_pins_command(int argc, char **argv);

#endif
