/* tests/fuzz/fuzz_pins.c - the pin store, tool pinning, server identity and
 * text sanitising on arbitrary bytes.
 *
 * Properties checked on every input:
 *  - store: parsing never crashes; when it parses, serialising and parsing
 *    again gives the same text, and every server read with
 *    pol_pinstore_get() and written back with pol_pinstore_put() gives the
 *    same text again (the set loses nothing);
 *  - tools: when the input is a JSON array it is checked as a tools/list
 *    page and recorded; checking it again reports no NEW tool; sanitising
 *    it twice changes nothing the second time;
 *  - text: pol_text_sanitize() returns valid UTF-8 (jansson as the oracle)
 *    with no control character but \n and \t, at most 3 bytes per input
 *    byte, that pol_text_flag() finds clean and that sanitises to itself;
 *    pol_text_flag() counts nothing exactly when the text is unchanged;
 *  - identity: NUL-separated words as argv give a deterministic
 *    "sha256:<hex>" id and a printable one-line label.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policies/pins.h"

#define REQUIRE(c)                                                                     \
	do {                                                                           \
		if (!(c)) {                                                            \
			fprintf(stderr, "fuzz_pins: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                       \
		}                                                                      \
	} while (0)

static void check_store(const char *text, size_t len)
{
	json_t *store;
	char err[256];
	int r = pol_pinstore_parse(text, len, &store, err, sizeof(err));
	if (r != 0) {
		REQUIRE(r == -EINVAL || r == -E2BIG || r == -ENOMEM);
		REQUIRE(store == NULL && (r == -ENOMEM || err[0] != '\0'));
		return;
	}
	char *t1, *t2, *t3;
	size_t l1, l2, l3;
	REQUIRE(pol_pinstore_serialize(store, &t1, &l1) == 0);
	json_t *again;
	REQUIRE(pol_pinstore_parse(t1, l1, &again, err, sizeof(err)) == 0);
	REQUIRE(pol_pinstore_serialize(again, &t2, &l2) == 0);
	REQUIRE(l1 == l2 && memcmp(t1, t2, l1) == 0);

	/* through the pinset and back */
	json_t *copy = pol_pinstore_new();
	REQUIRE(copy);
	const char *id;
	json_t *srv;
	json_object_foreach(json_object_get(store, "servers"), id, srv)
	{
		struct pol_pinset *set;
		REQUIRE(pol_pinstore_get(again, id, &set) == 0 && set);
		const char *label = json_string_value(json_object_get(srv, "label"));
		/* labels that are not already clean come back cleaned */
		char *clean = pol_text_sanitize(label, strlen(label), NULL);
		bool label_clean = clean && strcmp(clean, label) == 0 && !strpbrk(label, "\n\t");
		free(clean);
		REQUIRE(pol_pinstore_put(copy, id, label, set) == 0);
		if (!label_clean)
			json_object_set_new(json_object_get(json_object_get(copy, "servers"), id),
					    "label", json_string(label));
		pol_pinset_free(set);
	}
	REQUIRE(pol_pinstore_serialize(copy, &t3, &l3) == 0);
	REQUIRE(l1 == l3 && memcmp(t1, t3, l1) == 0);
	free(t1);
	free(t2);
	free(t3);
	json_decref(copy);
	json_decref(again);
	json_decref(store);
}

static void count_cb(void *ctx, const char *name, enum pol_pin_change c, const char *what)
{
	size_t *counts = ctx;
	REQUIRE(name && what && (unsigned)c <= POL_PIN_REMOVED);
	counts[c]++;
}

static void check_tools(const char *text, size_t len)
{
	json_error_t e;
	json_t *tools = json_loadb(text, len, JSON_ALLOW_NUL, &e);
	if (!json_is_array(tools)) {
		json_decref(tools);
		return;
	}
	struct pol_pinset *set = pol_pinset_new();
	REQUIRE(set);
	size_t first[4] = {0}, second[4] = {0};
	REQUIRE(pol_pinset_check_tools(set, tools, true, "2025-01-01T00:00:00Z", count_cb, first) ==
		0);
	REQUIRE(first[0] + first[1] + first[2] + first[3] == json_array_size(tools));
	REQUIRE(pol_pinset_check_tools(set, tools, true, "2025-01-01T00:00:01Z", count_cb, second) ==
		0);
	REQUIRE(second[POL_PIN_NEW] == 0 && second[POL_PIN_REMOVED] == 0);
	REQUIRE(pol_pinset_check_removed(set, NULL, 0, true, "2025-01-01T00:00:02Z", count_cb,
					 second) == 0);
	REQUIRE(second[POL_PIN_REMOVED] == pol_pinset_count(set));
	REQUIRE(pol_pinset_approve(set, NULL, NULL, "2025-01-01T00:00:03Z") >= 0);

	/* the set survives the store */
	json_t *store = pol_pinstore_new();
	REQUIRE(pol_pinstore_put(store, "fuzz", "label", set) == 0);
	char *t;
	size_t l;
	REQUIRE(pol_pinstore_serialize(store, &t, &l) == 0);
	json_t *back;
	char err[256];
	REQUIRE(pol_pinstore_parse(t, l, &back, err, sizeof(err)) == 0);
	free(t);
	json_decref(back);
	json_decref(store);
	pol_pinset_free(set);

	int changed = pol_tools_sanitize(tools);
	REQUIRE(changed >= 0);
	REQUIRE(pol_tools_sanitize(tools) == 0);
	json_decref(tools);
}

static void check_text(const char *s, size_t len)
{
	char what[192];
	size_t findings = pol_text_flag(s, len, what, sizeof(what));
	REQUIRE((findings == 0) == (what[0] == '\0'));
	size_t out_len;
	char *out = pol_text_sanitize(s, len, &out_len);
	REQUIRE(out);
	REQUIRE(out_len <= 3 * len && out[out_len] == '\0');
	json_t *oracle = json_stringn(out, out_len); /* NULL when not valid UTF-8 */
	REQUIRE(oracle);
	json_decref(oracle);
	for (size_t i = 0; i < out_len; i++) {
		unsigned char c = (unsigned char)out[i];
		REQUIRE(c >= 0x20 || c == '\n' || c == '\t');
		REQUIRE(c != 0x7F);
		REQUIRE(!(c == 0xC2 && i + 1 < out_len && (unsigned char)out[i + 1] <= 0x9F));
		REQUIRE(c != 0x1B);
	}
	REQUIRE(pol_text_flag(out, out_len, NULL, 0) == 0);
	REQUIRE((findings == 0) == (out_len == len && memcmp(out, s, len) == 0));
	size_t again_len;
	char *again = pol_text_sanitize(out, out_len, &again_len);
	REQUIRE(again && again_len == out_len && memcmp(again, out, out_len) == 0);
	free(again);
	free(out);
}

static void check_identity(const char *s, size_t len)
{
	char *copy = malloc(len + 1);
	REQUIRE(copy);
	memcpy(copy, s, len);
	copy[len] = '\0';
	char *argv[16];
	int argc = 0;
	for (size_t i = 0; i <= len && argc < 16;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	char id1[80], id2[80], label1[256], label2[256];
	int r1 = pol_server_identity(argv, argc, NULL, id1, sizeof(id1), label1, sizeof(label1));
	int r2 = pol_server_identity(argv, argc, NULL, id2, sizeof(id2), label2, sizeof(label2));
	REQUIRE(r1 == r2);
	if (r1 == 0) {
		REQUIRE(strcmp(id1, id2) == 0 && strcmp(label1, label2) == 0);
		REQUIRE(strncmp(id1, "sha256:", 7) == 0 && strlen(id1) == 71);
		REQUIRE(pol_text_flag(label1, strlen(label1), NULL, 0) == 0);
		REQUIRE(!strpbrk(label1, "\n\t"));
	} else {
		REQUIRE(r1 == -EINVAL); /* argv[0] empty */
	}
	/* the same words under --name */
	r1 = pol_server_identity(argv, argc, argv[argc - 1], id1, sizeof(id1), NULL, 0);
	REQUIRE(r1 == 0 || r1 == -EINVAL || r1 == -ENOSPC);
	if (r1 == 0)
		REQUIRE(strcmp(id1, argv[argc - 1]) == 0);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	check_store(s, size);
	check_tools(s, size);
	check_text(s, size);
	check_identity(s, size);
	return 0;
}
