/* gateway/profile.h - the outputs of --profile: a suggested policy, the
 * evidence, and a report a person can read in a minute.
 *
 * The suggested policy allows exactly what the evidence shows: the tools
 * that were called, the files read and written beyond the built-in system
 * list (a file created during the run becomes a rule on its nearest
 * existing parent, since Landlock rules need existing paths; three or more
 * files of one directory become the directory), the programs run, the
 * ports connected to.  Never a path that only returned ENOENT, never the
 * private tmp (always granted), never a credential (a warning instead).
 */
#ifndef GW_PROFILE_H
#define GW_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct gw_profile_out {
	const char *policy;   /* the suggested policy */
	const char *evidence; /* the evidence document */
	const char *report;   /* Markdown */
	bool json;	      /* JSON instead of YAML for the first two */
	const char *home;     /* written as ${HOME}; may be NULL */
	const char *cwd;      /* written as ${CWD}; may be NULL */
};

/* The suggested policy for evidence |doc|: a JSON object in the policy
 * file's shape, and in |*warnings| (new array of strings) what was seen
 * and deliberately not allowed.  Paths under |home| and |cwd| are written
 * with ${HOME} and ${CWD}.  Returns NULL when out of memory. */
json_t *gw_profile_suggest(const json_t *doc, const char *home, const char *cwd,
			   json_t **warnings);

/* Write the three files.  Returns 0, or -1 with a message in |err|. */
int gw_profile_write(const struct gw_profile_out *po, const json_t *doc, char *err,
		     size_t err_size);

/* |v| as a YAML block document (strings quoted where a plain scalar would
 * read back as something else).  Malloc'd, or NULL. */
char *gw_yaml_dump(const json_t *v);

#endif
