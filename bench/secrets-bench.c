/* bench/secrets-bench.c - speed of the credential scanner (policies/secrets).
 *
 * Builds 4 MiB tool results of several kinds, as the gateway would see them
 * (a JSON-RPC response whose text content holds the payload), and reports
 * MB/s for:
 *   maybe_json   pol_secrets_maybe_json() over the raw JSON message
 *   find         pol_secrets_find() over the decoded text
 *   redact_json  pol_secrets_redact_json() over the parsed message
 * Best of N runs (default 30), so the figures are the scanner's, not the
 * machine's noise.  Extra arguments are files whose contents, repeated to
 * 4 MiB, are measured too.  -d DIR writes each raw message to DIR/NAME.json.
 *
 *   secrets-bench [-n RUNS] [-d DIR] [FILE...]
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "policies/secrets.h"

#define PAYLOAD (4u << 20)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double now(void)
{
	return (double)bench_now_ns() / 1e9;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("realloc");
			exit(1);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

/* Frequent English words (prose), and words close to the triggers, that a
 * developer's text is full of (dev prose). */
static const char *const prose_words[] = {
	"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be",
	"by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but",
	"have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her",
	"has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no",
	"people", "time", "year", "way", "day", "thing", "man", "world", "life", "hand",
	"part", "child", "eye", "woman", "place", "work", "week", "case", "point", "number",
	"group", "problem", "fact", "good", "new", "first", "last", "long", "great", "little",
	"own", "other", "old", "right", "big", "high", "different", "small", "large", "next",
	"early", "young", "important", "few", "public", "bad", "same", "able", "night",
	"through", "thought", "light", "school", "choose", "question", "government", "America",
	"Asia", "April", "August", "London", "I", "A", "The", "However", "Because", "It's",
};

static const char *const dev_words[] = {
	"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "be", "by",
	"on", "not", "this", "are", "or", "from", "at", "which", "but", "an", "can", "if",
	"skeleton", "task", "desk", "access", "secret", "success", "process", "github",
	"key", "token", "ask", "risk", "hooks", "yellow", "example", "server", "client",
	"request", "response", "function", "variable", "library", "gateway", "policy",
	"AWS", "Amazon", "API", "JSON", "HTTP", "Kubernetes", "Ghost", "Asia", "Acacia",
	"jazz", "quiz", "oxygen", "box", "toxic", "exact", "begin", "end", "BEGIN", "END",
	"sk-learn", "task-runner", "https://github.com/org/repo", "ECR", "eyes", "gh",
};

static void text_from(struct buf *b, const char *const *words, size_t nw)
{
	while (b->len < PAYLOAD) {
		int sentence = 6 + (int)(rnd() % 14);
		for (int i = 0; i < sentence; i++) {
			const char *w = words[rnd() % nw];
			char tmp[64];
			snprintf(tmp, sizeof(tmp), "%s", w);
			if (i == 0 && tmp[0] >= 'a' && tmp[0] <= 'z')
				tmp[0] = (char)(tmp[0] - 32);
			adds(b, tmp);
			uint64_t r = rnd() % 40;
			adds(b, r == 0 ? ", " : r == 1 ? " \"" : r == 2 ? "\" " : r == 3 ? " - " : " ");
		}
		adds(b, rnd() % 5 ? ". " : ".\n\n");
	}
}

static void english(struct buf *b)
{
	text_from(b, prose_words, sizeof(prose_words) / sizeof(prose_words[0]));
}

static void dev_prose(struct buf *b)
{
	text_from(b, dev_words, sizeof(dev_words) / sizeof(dev_words[0]));
}

static void base64_blob(struct buf *b)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[77];
	while (b->len < PAYLOAD) {
		for (int i = 0; i < 76; i++)
			line[i] = a[rnd() % 64];
		line[76] = '\n';
		add(b, line, 77);
	}
}

static void filler(struct buf *b)
{
	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	while (b->len < PAYLOAD)
		add(b, chunk, sizeof(chunk));
}

/* C-like source: identifiers with underscores, strings, comments, tabs. */
static void source(struct buf *b)
{
	static const char *const ids[] = {
		"get_task", "set_mask", "block_size", "lock_held", "check_access", "disk_io",
		"fork_exec", "msg_len", "secret_len", "hook_list", "json_t", "size_t", "ctx",
		"buf", "len", "rc", "errno", "uv_loop_t", "sk_buff", "task_struct", "ghash",
	};
	size_t n = sizeof(ids) / sizeof(ids[0]);
	while (b->len < PAYLOAD) {
		char line[256];
		switch (rnd() % 6) {
		case 0:
			snprintf(line, sizeof(line), "static int %s(struct %s *%s, size_t %s)\n{\n",
				 ids[rnd() % n], ids[rnd() % n], ids[rnd() % n], ids[rnd() % n]);
			break;
		case 1:
			snprintf(line, sizeof(line), "\tif (%s->%s < %s)\n\t\treturn -EINVAL;\n",
				 ids[rnd() % n], ids[rnd() % n], ids[rnd() % n]);
			break;
		case 2:
			snprintf(line, sizeof(line), "\t/* %s: the %s of the %s, or NULL */\n",
				 ids[rnd() % n], prose_words[rnd() % 40], ids[rnd() % n]);
			break;
		case 3:
			snprintf(line, sizeof(line), "\tfprintf(stderr, \"%s: %%s\\n\", %s);\n",
				 ids[rnd() % n], ids[rnd() % n]);
			break;
		case 4:
			snprintf(line, sizeof(line), "\t%s = %s(%s, %u);\n", ids[rnd() % n],
				 ids[rnd() % n], ids[rnd() % n], (unsigned)(rnd() % 4096));
			break;
		default:
			snprintf(line, sizeof(line), "}\n\n");
		}
		adds(b, line);
	}
}

/* structuredContent-like records: UUIDs, SHA-1s, paths, numbers. */
static void records(struct buf *b)
{
	while (b->len < PAYLOAD) {
		char line[512];
		uint64_t a = rnd(), c = rnd(), d = rnd();
		snprintf(line, sizeof(line),
			 "{\"id\": \"%08x-%04x-4%03x-a%03x-%012llx\", \"commit\": \"%016llx%016llx%08x\", "
			 "\"path\": \"/srv/app/src/module_%u/file_%u.py\", \"size\": %u, \"ok\": true}\n",
			 (unsigned)a, (unsigned)(a >> 32) & 0xffff, (unsigned)(c & 0xfff),
			 (unsigned)(c >> 12) & 0xfff, (unsigned long long)(d & 0xffffffffffffull),
			 (unsigned long long)rnd(), (unsigned long long)rnd(), (unsigned)rnd(),
			 (unsigned)(rnd() % 100), (unsigned)(rnd() % 1000), (unsigned)(rnd() % 100000));
		adds(b, line);
	}
}

/* Non-English text: with JSON_ENSURE_ASCII every character is a \u escape. */
static void utf8_text(struct buf *b)
{
	static const char *const w[] = {"Grüße", "über", "ça", "déjà", "наука", "日本語",
					"テキスト", "niño", "façade", "Ærø", "und", "le"};
	size_t n = sizeof(w) / sizeof(w[0]);
	while (b->len < PAYLOAD) {
		adds(b, w[rnd() % n]);
		adds(b, rnd() % 12 ? " " : ".\n");
	}
}

/* English with two credentials every 64 KiB: the cost of actual redaction. */
static void dirty(struct buf *b)
{
	struct buf t = {0};
	english(&t);
	for (size_t off = 0; b->len < PAYLOAD; off += 65536) {
		adds(b, " key AKIAIOSFODNN7EXAMPLE and ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ");
		add(b, t.p + off % (t.len - 65536), 65536);
	}
	free(t.p);
}

struct input {
	const char *name;
	char *text; /* decoded payload */
	size_t len;
	size_t flags; /* json_dumps flags */
};

static volatile size_t sink;

static void measure(const struct input *in, int runs, const char *dump)
{
	json_t *msg = json_pack("{s:s, s:i, s:{s:[{s:s, s:s%}]}}", "jsonrpc", "2.0", "id", 1,
				"result", "content", "type", "text", "text", in->text, in->len);
	if (!msg) {
		fprintf(stderr, "%s: not valid UTF-8, skipped\n", in->name);
		return;
	}
	char *raw = json_dumps(msg, JSON_COMPACT | in->flags);
	size_t raw_len = strlen(raw);
	if (dump && strchr(in->name, '/') == NULL) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.json", dump, in->name);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(raw, 1, raw_len, f) != raw_len || fclose(f) != 0)
			perror(path);
	}
	double best_maybe = 1e9, best_find = 1e9, best_redact = 1e9, best_memchr = 1e9;
	bool maybe = false;
	size_t found = 0;
	int redacted = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		maybe = pol_secrets_maybe_json(raw, raw_len);
		double t1 = now();
		found = pol_secrets_find(in->text, in->len, NULL, NULL);
		double t2 = now();
		sink += (size_t)(memchr(raw, '\x01', raw_len) != NULL);
		double t3 = now();
		/* Redaction changes the tree, so each run gets a fresh one; the
		 * copy is not timed. */
		json_t *copy = json_deep_copy(msg);
		double t4 = now();
		redacted = pol_secrets_redact_json(copy);
		double t5 = now();
		json_decref(copy);
		best_maybe = t1 - t0 < best_maybe ? t1 - t0 : best_maybe;
		best_find = t2 - t1 < best_find ? t2 - t1 : best_find;
		best_memchr = t3 - t2 < best_memchr ? t3 - t2 : best_memchr;
		best_redact = t5 - t4 < best_redact ? t5 - t4 : best_redact;
	}
	printf("%-22s %8.2f MiB  maybe_json %7.0f MB/s (%.3f ms, %s)  find %7.0f MB/s (%zu)  "
	       "redact_json %7.0f MB/s (%d)  [memchr %6.0f MB/s]\n",
	       in->name, (double)raw_len / (1 << 20), (double)raw_len / best_maybe / 1e6,
	       best_maybe * 1e3, maybe ? "true" : "false", (double)in->len / best_find / 1e6, found,
	       (double)in->len / best_redact / 1e6, redacted, (double)raw_len / best_memchr / 1e6);
	free(raw);
	json_decref(msg);
}

static struct input make(const char *name, void (*gen)(struct buf *), size_t flags)
{
	struct buf b = {0};
	gen(&b);
	return (struct input){name, b.p, b.len, flags};
}

int main(int argc, char **argv)
{
	int runs = 30;
	const char *dump = NULL;
	int argi = 1;
	for (; argi + 1 < argc; argi += 2) {
		if (strcmp(argv[argi], "-n") == 0)
			runs = atoi(argv[argi + 1]);
		else if (strcmp(argv[argi], "-d") == 0)
			dump = argv[argi + 1];
		else
			break;
	}
	if (runs < 1)
		runs = 1;
	struct input ins[] = {
		make("english", english, 0),
		make("dev-prose", dev_prose, 0),
		make("base64", base64_blob, 0),
		make("xxxx-filler", filler, 0),
		make("c-source-synthetic", source, 0),
		make("records", records, 0),
		make("utf8-text", utf8_text, 0),
		make("utf8-text-ascii-esc", utf8_text, JSON_ENSURE_ASCII),
		make("english+keys", dirty, 0),
	};
	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		measure(&ins[i], runs, dump);
		free(ins[i].text);
	}
	for (; argi < argc; argi++) {
		FILE *f = fopen(argv[argi], "rb");
		if (!f) {
			perror(argv[argi]);
			return 1;
		}
		struct buf file = {0}, b = {0};
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			add(&file, chunk, n);
		fclose(f);
		while (file.len && b.len < PAYLOAD)
			add(&b, file.p, file.len);
		free(file.p);
		if (!b.p)
			continue;
		struct input in = {argv[argi], b.p, b.len, 0};
		measure(&in, runs, dump);
		free(b.p);
	}
	return 0;
}
