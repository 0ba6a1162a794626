/* tests/unit/test_idmap.c - mcp/idmap: requests in flight by canonical id. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>

#include "mcp/idmap.h"

static int add(struct mcp_idmap *m, const char *key, size_t key_len, const char *method,
	       const char *tool)
{
	char raw[64];
	int n = snprintf(raw, sizeof(raw), "raw:%.*s", (int)key_len, key);
	return mcp_idmap_add(m, key, key_len, raw, (size_t)n, method, tool, 1000 + key_len, 77,
			     NULL);
}

/* The map's own invariants: count matches the occupied slots, every entry
 * can be found, and every probe run from an entry's home slot to the entry
 * is unbroken (what backward-shift deletion must preserve). */
static uint64_t fnv1a(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int check_table(const struct mcp_idmap *m, size_t *wrapped)
{
	int bad = 0;
	size_t used = 0;
	for (size_t i = 0; i < m->nslots; i++) {
		const struct mcp_pending *e = m->slots[i];
		if (!e)
			continue;
		used++;
		size_t mask = m->nslots - 1;
		size_t home = (size_t)fnv1a(e->key, e->key_len) & mask;
		if (wrapped && i < home)
			(*wrapped)++;
		for (size_t j = home; j != i; j = (j + 1) & mask)
			CHECK(bad, m->slots[j] != NULL, "hole at %zu in the run from %zu to %zu", j, home,
			      i);
		CHECK(bad, mcp_idmap_find(m, e->key, e->key_len) == e, "entry at %zu not found", i);
	}
	CHECK(bad, used == m->count, "count %zu but %zu slots used", m->count, used);
	CHECK(bad, m->nslots == 0 || (m->nslots & (m->nslots - 1)) == 0, "nslots %zu",
	      m->nslots);
	CHECK(bad, m->count * 2 <= m->nslots || m->nslots == 0, "load above one half");
	return bad;
}

static void add_find_take(void **state)
{
	(void)state;
	struct mcp_idmap m;
	mcp_idmap_init(&m, 100);
	assert_null(mcp_idmap_find(&m, "n1", 2));
	assert_null(mcp_idmap_take(&m, "n1", 2));
	assert_null(mcp_idmap_take_oldest(&m));
	assert_int_equal(mcp_idmap_count(&m), 0);

	char key[] = "n0", raw[] = "0", method[] = "tools/call", tool[] = "echo";
	struct mcp_pending *e = NULL;
	assert_int_equal(mcp_idmap_add(&m, key, 2, raw, 1, method, tool, 123, 456, &e), 0);
	assert_non_null(e);
	/* Strings are copied. */
	key[1] = 'X', raw[0] = 'X', method[0] = 'X', tool[0] = 'X';
	assert_ptr_equal(mcp_idmap_find(&m, "n0", 2), e);
	assert_null(mcp_idmap_find(&m, "nX", 2));
	assert_int_equal(e->key_len, 2);
	assert_memory_equal(e->key, "n0", 2);
	assert_int_equal(e->raw_id_len, 1);
	assert_memory_equal(e->raw_id, "0", 1);
	assert_string_equal(e->method, "tools/call");
	assert_string_equal(e->tool, "echo");
	assert_int_equal(e->start_ns, 123);
	assert_int_equal(e->bytes, 456);
	assert_int_equal(e->flags, 0);

	/* String id "s" (empty string), a string with NUL bytes, no tool. */
	assert_int_equal(mcp_idmap_add(&m, "s", 1, "\"\"", 2, "ping", NULL, 0, 0, NULL), 0);
	assert_int_equal(mcp_idmap_add(&m, "sa\0b", 4, "\"a\\u0000b\"", 10, "x", NULL, 0, 0, NULL),
			 0);
	assert_int_equal(mcp_idmap_add(&m, "sa\0c", 4, "\"a\\u0000c\"", 10, "x", "", 0, 0, NULL), 0);
	assert_int_equal(mcp_idmap_count(&m), 4);
	struct mcp_pending *f = mcp_idmap_find(&m, "s", 1);
	assert_non_null(f);
	assert_null(f->tool);
	assert_string_equal(f->method, "ping");
	assert_non_null(mcp_idmap_find(&m, "sa\0b", 4));
	assert_null(mcp_idmap_find(&m, "sa", 2));
	assert_null(mcp_idmap_find(&m, "sa\0", 3));
	assert_string_equal(mcp_idmap_find(&m, "sa\0c", 4)->tool, "");
	/* Number 1 and string "1" are different keys. */
	assert_int_equal(add(&m, "n1", 2, "a", NULL), 0);
	assert_int_equal(add(&m, "s1", 2, "b", NULL), 0);
	assert_string_equal(mcp_idmap_find(&m, "n1", 2)->method, "a");
	assert_string_equal(mcp_idmap_find(&m, "s1", 2)->method, "b");

	/* take removes and hands over. */
	struct mcp_pending *t = mcp_idmap_take(&m, "n0", 2);
	assert_ptr_equal(t, e);
	assert_null(mcp_idmap_find(&m, "n0", 2));
	assert_null(mcp_idmap_take(&m, "n0", 2));
	assert_int_equal(mcp_idmap_count(&m), 5);
	free(t);
	assert_int_equal(check_table(&m, NULL), 0);
	mcp_idmap_close(&m);
	assert_int_equal(mcp_idmap_count(&m), 0);
	/* Closed map can be used again after init. */
	mcp_idmap_init(&m, 1);
	assert_int_equal(add(&m, "n1", 2, "x", NULL), 0);
	mcp_idmap_close(&m);
}

static void duplicate_and_full(void **state)
{
	(void)state;
	struct mcp_idmap m;
	mcp_idmap_init(&m, 3);
	assert_int_equal(add(&m, "n1", 2, "a", NULL), 0);
	struct mcp_pending *first = mcp_idmap_find(&m, "n1", 2);
	assert_int_equal(add(&m, "n1", 2, "b", "t"), -EEXIST);
	assert_ptr_equal(mcp_idmap_find(&m, "n1", 2), first);
	assert_string_equal(first->method, "a");
	assert_int_equal(mcp_idmap_count(&m), 1);
	assert_int_equal(add(&m, "n2", 2, "a", NULL), 0);
	assert_int_equal(add(&m, "n3", 2, "a", NULL), 0);
	assert_int_equal(add(&m, "n4", 2, "a", NULL), -ENOSPC);
	/* Full and duplicate: the duplicate is reported. */
	assert_int_equal(add(&m, "n3", 2, "a", NULL), -EEXIST);
	assert_int_equal(mcp_idmap_count(&m), 3);
	assert_null(mcp_idmap_find(&m, "n4", 2));
	/* Room again after a take. */
	free(mcp_idmap_take(&m, "n2", 2));
	assert_int_equal(add(&m, "n4", 2, "a", NULL), 0);
	assert_int_equal(add(&m, "n2", 2, "a", NULL), -ENOSPC);
	/* out may be NULL; on failure it is left alone. */
	struct mcp_pending *out = (struct mcp_pending *)&m;
	assert_int_equal(mcp_idmap_add(&m, "n9", 2, "9", 1, "m", NULL, 0, 0, &out), -ENOSPC);
	assert_ptr_equal(out, (struct mcp_pending *)&m);
	assert_int_equal(check_table(&m, NULL), 0);
	mcp_idmap_close(&m);

	/* A map with room for nothing. */
	mcp_idmap_init(&m, 0);
	assert_int_equal(add(&m, "n1", 2, "a", NULL), -ENOSPC);
	assert_null(mcp_idmap_find(&m, "n1", 2));
	assert_null(mcp_idmap_take(&m, "n1", 2));
	assert_null(mcp_idmap_take_oldest(&m));
	mcp_idmap_close(&m);
}

static void take_oldest_order(void **state)
{
	(void)state;
	struct mcp_idmap m;
	mcp_idmap_init(&m, 1000);
	char k[16];
	for (int i = 0; i < 200; i++) {
		int n = snprintf(k, sizeof(k), "n%d", i);
		assert_int_equal(add(&m, k, (size_t)n, "m", NULL), 0);
	}
	/* Remove every third one, then re-add some: they become the newest. */
	for (int i = 0; i < 200; i += 3) {
		int n = snprintf(k, sizeof(k), "n%d", i);
		free(mcp_idmap_take(&m, k, (size_t)n));
	}
	for (int i = 0; i < 30; i += 3) {
		int n = snprintf(k, sizeof(k), "n%d", i);
		assert_int_equal(add(&m, k, (size_t)n, "again", NULL), 0);
	}
	uint64_t last_seq = 0;
	int got = 0;
	struct mcp_pending *e;
	while ((e = mcp_idmap_take_oldest(&m)) != NULL) {
		if (got)
			assert_true(e->seq > last_seq);
		last_seq = e->seq;
		int i = atoi(e->key + 1);
		if (got < 133) {
			/* first the survivors, in insertion order */
			assert_true(i % 3 != 0);
			assert_string_equal(e->method, "m");
		} else {
			assert_true(i % 3 == 0 && i < 30);
			assert_string_equal(e->method, "again");
		}
		got++;
		free(e);
		assert_int_equal(check_table(&m, NULL), 0);
	}
	assert_int_equal(got, 133 + 10);
	assert_int_equal(mcp_idmap_count(&m), 0);
	mcp_idmap_close(&m);
}

/* Keys whose home slot in a table of |nslots| is |home|. */
static size_t keys_with_home(size_t nslots, size_t home, char (*out)[16], size_t want,
			     unsigned *counter)
{
	size_t got = 0;
	while (got < want) {
		int n = snprintf(out[got], 16, "s%u", (*counter)++);
		if ((fnv1a(out[got], (size_t)n) & (nslots - 1)) == home)
			got++;
	}
	return got;
}

/* Probe runs that wrap from the last slot to the first, and deletion in
 * them (backward shift across the wrap). */
static void wraparound_deletion(void **state)
{
	(void)state;
	unsigned counter = 0;
	/* The table starts at 16 slots and doubles while count+1 > nslots/2,
	 * so with at most 8 entries it stays at 16. */
	for (int variant = 0; variant < 6; variant++) {
		struct mcp_idmap m;
		mcp_idmap_init(&m, 8);
		char last[4][16], first[2][16], mid[2][16];
		keys_with_home(16, 15, last, 4, &counter);
		keys_with_home(16, 0, first, 2, &counter);
		keys_with_home(16, 14, mid, 2, &counter);
		/* Fill: mid (14,15), last (0,1,2,3 after wrap), first (4,5). */
		for (int i = 0; i < 2; i++)
			assert_int_equal(add(&m, mid[i], strlen(mid[i]), "mid", NULL), 0);
		for (int i = 0; i < 4; i++)
			assert_int_equal(add(&m, last[i], strlen(last[i]), "last", NULL), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(add(&m, first[i], strlen(first[i]), "first", NULL), 0);
		assert_int_equal(m.nslots, 16);
		size_t wrapped = 0;
		assert_int_equal(check_table(&m, &wrapped), 0);
		assert_true(wrapped >= 3); /* the run really wraps */

		/* Remove one key per variant from different places in the run,
		 * then everything in a variant-dependent order. */
		const char *victim = variant == 0   ? mid[0]
				     : variant == 1 ? mid[1]
				     : variant == 2 ? last[0]
				     : variant == 3 ? last[2]
				     : variant == 4 ? first[0]
						    : last[3];
		struct mcp_pending *e = mcp_idmap_take(&m, victim, strlen(victim));
		assert_non_null(e);
		free(e);
		assert_int_equal(check_table(&m, NULL), 0);
		assert_null(mcp_idmap_find(&m, victim, strlen(victim)));
		/* Every other key is still there. */
		const char *all[8] = {mid[0], mid[1], last[0], last[1], last[2], last[3], first[0],
				      first[1]};
		for (int i = 0; i < 8; i++)
			if (all[i] != victim)
				assert_non_null(mcp_idmap_find(&m, all[i], strlen(all[i])));
		for (int i = 0; i < 8; i++) {
			const char *k = all[(i * (variant + 3)) % 8];
			if (k == victim)
				continue;
			free(mcp_idmap_take(&m, k, strlen(k)));
			assert_int_equal(check_table(&m, NULL), 0);
			assert_null(mcp_idmap_find(&m, k, strlen(k)));
		}
		/* (i * (variant+3)) % 8 visits everything only when coprime;
		 * drain what is left. */
		while ((e = mcp_idmap_take_oldest(&m)) != NULL) {
			free(e);
			assert_int_equal(check_table(&m, NULL), 0);
		}
		assert_int_equal(mcp_idmap_count(&m), 0);
		mcp_idmap_close(&m);
	}
}

/* Random operations against a plain array. */
struct model_entry {
	char key[24];
	size_t key_len;
	uint64_t seq;
	char method[16];
};

static void shadow_model(void **state)
{
	(void)state;
	static const size_t caps[] = {1, 7, 8, 64, 300};
	uint64_t seed = 2024;
	int bad = 0;
	size_t wrapped_total = 0;
	for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]); ci++) {
		size_t cap = caps[ci];
		struct mcp_idmap m;
		mcp_idmap_init(&m, cap);
		struct model_entry *model = calloc(cap + 1, sizeof(*model));
		size_t n = 0;
		uint64_t seq = 0;
		unsigned space = (unsigned)(cap * 2 + 3); /* keys drawn from this many */
		for (int op = 0; op < 60000 && bad < 5; op++) {
			char key[24];
			unsigned id = (unsigned)(tu_rand(&seed) % space);
			int kl = snprintf(key, sizeof(key), "%c%u", id & 1 ? 's' : 'n', id);
			size_t pos = n;
			for (size_t i = 0; i < n; i++)
				if (model[i].key_len == (size_t)kl && !memcmp(model[i].key, key, (size_t)kl))
					pos = i;
			unsigned what = (unsigned)(tu_rand(&seed) % 10);
			if (what < 5) { /* add */
				char method[16];
				snprintf(method, sizeof(method), "m%d", op);
				struct mcp_pending *e = NULL;
				int rc = mcp_idmap_add(&m, key, (size_t)kl, key, (size_t)kl, method,
						       op & 1 ? NULL : "tool", (uint64_t)op, 1, &e);
				int want = pos < n ? -EEXIST : n >= cap ? -ENOSPC : 0;
				CHECK(bad, rc == want, "op %d add %s: %d, want %d", op, key, rc, want);
				if (rc == 0) {
					memcpy(model[n].key, key, (size_t)kl);
					model[n].key_len = (size_t)kl;
					model[n].seq = seq++;
					snprintf(model[n].method, sizeof(model[n].method), "%s", method);
					CHECK(bad, e && e->seq == model[n].seq, "op %d: seq", op);
					n++;
				}
			} else if (what < 7) { /* find */
				struct mcp_pending *e = mcp_idmap_find(&m, key, (size_t)kl);
				CHECK(bad, (e != NULL) == (pos < n), "op %d find %s", op, key);
				if (e && pos < n)
					CHECK(bad, !strcmp(e->method, model[pos].method) &&
							   e->raw_id_len == (size_t)kl &&
							   !memcmp(e->raw_id, key, (size_t)kl),
					      "op %d find %s: wrong entry", op, key);
			} else if (what < 9) { /* take */
				struct mcp_pending *e = mcp_idmap_take(&m, key, (size_t)kl);
				CHECK(bad, (e != NULL) == (pos < n), "op %d take %s", op, key);
				if (e && pos < n) {
					CHECK(bad, !strcmp(e->method, model[pos].method), "op %d take: entry",
					      op);
					model[pos] = model[--n];
				}
				free(e);
			} else { /* take_oldest */
				struct mcp_pending *e = mcp_idmap_take_oldest(&m);
				size_t oldest = n;
				for (size_t i = 0; i < n; i++)
					if (oldest == n || model[i].seq < model[oldest].seq)
						oldest = i;
				CHECK(bad, (e != NULL) == (n > 0), "op %d take_oldest", op);
				if (e && n) {
					CHECK(bad, e->key_len == model[oldest].key_len &&
							   !memcmp(e->key, model[oldest].key, e->key_len),
					      "op %d take_oldest: not the oldest", op);
					model[oldest] = model[--n];
				}
				free(e);
			}
			CHECK(bad, mcp_idmap_count(&m) == n, "op %d: count %zu, model %zu", op,
			      mcp_idmap_count(&m), n);
			if (op % 97 == 0 || cap <= 8)
				bad += check_table(&m, &wrapped_total);
		}
		/* Everything in the model is still found at the end. */
		for (size_t i = 0; i < n; i++)
			CHECK(bad, mcp_idmap_find(&m, model[i].key, model[i].key_len) != NULL,
			      "lost %s", model[i].key);
		mcp_idmap_close(&m);
		free(model);
	}
	print_message("shadow model: %zu entries seen past a wrap-around\n", wrapped_total);
	assert_true(wrapped_total > 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_find_take),
		cmocka_unit_test(duplicate_and_full),
		cmocka_unit_test(take_oldest_order),
		cmocka_unit_test(wraparound_deletion),
		cmocka_unit_test(shadow_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
