/* bench/report.c - assay-bench --report: Markdown tables from the JSON lines
 * that assay-bench printed, for one or more runs of several configurations.
 *
 *   assay-bench --report [--baseline LABEL] [--targets PREFIX] FILE...
 *
 * The baseline (default "direct") is the server without anything in front of
 * it; "added" figures and ratios are taken against it within the same run.
 * The targets are judged for every configuration whose label starts with
 * PREFIX (default "gateway").  With several runs, the tables show the run
 * whose figures are closest to the per-figure medians over all runs (the
 * representative run), and a third table shows the spread (min-max).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench.h"

#define MAX_LABELS 32
#define MAX_RUNS 64

/* The targets (see docs/benchmarks.md). */
#define T_ADDED_P50_US 30.0
#define T_THROUGHPUT_PCT 90.0
#define T_BIG_PCT 50.0
#define T_ADDED_STARTUP_MS 5.0
#define T_SMALL_RSS_MIB 8.0
#define T_FLAT_KIB 64.0 /* RSS growth from the first to the last checkpoint */
#define T_BIG_RSS_BASE_MIB 8.0
#define T_BIG_RSS_FACTOR 3.0

static char *labels[MAX_LABELS];
static int nlabels;
static int runs[MAX_RUNS];
static int nruns;
static json_t *results[MAX_RUNS][MAX_LABELS];
static int baseline = -1;

static int label_index(const char *l)
{
	for (int i = 0; i < nlabels; i++)
		if (strcmp(labels[i], l) == 0)
			return i;
	if (nlabels == MAX_LABELS)
		return -1;
	if (!(labels[nlabels] = strdup(l)))
		return -1;
	return nlabels++;
}

static int run_index(int r)
{
	for (int i = 0; i < nruns; i++)
		if (runs[i] == r)
			return i;
	if (nruns == MAX_RUNS)
		return -1;
	runs[nruns] = r;
	return nruns++;
}

/* ---- figures ------------------------------------------------------------- */

enum kind {
	PLAIN, /* the value */
	ADDED, /* value - baseline value */
	RATIO, /* value / baseline value, in % */
	GROWTH /* path2 - path, in the figure's unit */
};

struct figure {
	const char *title;
	const char *path;
	enum kind kind;
	double div; /* unit conversion */
	int dec;
	const char *path2; /* GROWTH: the later value */
};

static const struct figure figures[] = {
	{"startup: fork to initialize response, median (ms)", "startup.median_ms", PLAIN, 1, 2,
	 NULL},
	{"added startup (ms)", "startup.median_ms", ADDED, 1, 2, NULL},
	{"exit after stdin is closed, median (ms)", "startup.shutdown_median_ms", PLAIN, 1, 2,
	 NULL},
	{"echo latency p50 (us)", "latency.p50_us", PLAIN, 1, 1, NULL},
	{"added p50 (us)", "latency.p50_us", ADDED, 1, 1, NULL},
	{"echo latency p99 (us)", "latency.p99_us", PLAIN, 1, 1, NULL},
	{"added p99 (us)", "latency.p99_us", ADDED, 1, 1, NULL},
	{"echo latency p99.9 (us)", "latency.p999_us", PLAIN, 1, 1, NULL},
	{"added p99.9 (us)", "latency.p999_us", ADDED, 1, 1, NULL},
	{"pipelined echo (calls/s)", "pipeline.calls_per_s", PLAIN, 1, 0, NULL},
	{"pipelined, % of direct", "pipeline.calls_per_s", RATIO, 1, 1, NULL},
	{"4 MiB results (MB/s)", "big.mb_per_s", PLAIN, 1, 1, NULL},
	{"4 MiB results, % of direct", "big.mb_per_s", RATIO, 1, 1, NULL},
	{"4 MiB call, median (ms)", "big.p50_ms", PLAIN, 1, 2, NULL},
	{"peak RSS, small messages (MiB)", "small_peak_rss_kib", PLAIN, 1024, 2, NULL},
	{"RSS at first checkpoint (MiB)", "pipeline.checkpoints.0.rss_kib", PLAIN, 1024, 2,
	 NULL},
	{"RSS at last checkpoint (MiB)", "pipeline.checkpoints.2.rss_kib", PLAIN, 1024, 2, NULL},
	{"RSS growth between them (KiB)", "pipeline.checkpoints.0.rss_kib", GROWTH, 1, 0,
	 "pipeline.checkpoints.2.rss_kib"},
	{"peak RSS, 4 MiB results (MiB)", "big.peak_rss_kib", PLAIN, 1024, 2, NULL},
	{"CPU per sequential call: measured process (us)", "latency.cpu_us_per_call.process",
	 PLAIN, 1, 1, NULL},
	{"CPU per pipelined call: measured process (us)", "pipeline.cpu_us_per_call.process",
	 PLAIN, 1, 2, NULL},
	{"CPU per pipelined call: server behind it (us)", "pipeline.cpu_us_per_call.children",
	 PLAIN, 1, 2, NULL},
	{"CPU per pipelined call: client (us)", "pipeline.cpu_us_per_call.client", PLAIN, 1, 2,
	 NULL},
	{"CPU per 4 MiB result: measured process (ms)", "big.cpu_us_per_call.process", PLAIN,
	 1000, 2, NULL},
};
#define NFIG (sizeof(figures) / sizeof(figures[0]))

static bool fig_value(const struct figure *f, int r, int l, double *out)
{
	const json_t *j = results[r][l];
	double v, b;
	if (!j || !bench_json_number(j, f->path, &v))
		return false;
	switch (f->kind) {
	case PLAIN:
		*out = v / f->div;
		return true;
	case GROWTH:
		if (!bench_json_number(j, f->path2, &b))
			return false;
		*out = (b - v) / f->div;
		return true;
	case ADDED:
	case RATIO:
		if (baseline < 0 || l == baseline || !results[r][baseline] ||
		    !bench_json_number(results[r][baseline], f->path, &b))
			return false;
		if (f->kind == ADDED)
			*out = (v - b) / f->div;
		else if (b > 0)
			*out = v / b * 100.0;
		else
			return false;
		return true;
	}
	return false;
}

static void fmt_value(const struct figure *f, double v, char *out, size_t size)
{
	if (f->kind == ADDED || f->kind == GROWTH)
		snprintf(out, size, "%+.*f", f->dec, v);
	else if (f->kind == RATIO)
		snprintf(out, size, "%.*f%%", f->dec, v);
	else
		snprintf(out, size, "%.*f", f->dec, v);
}

static bool median_of(const struct figure *f, int l, double *out)
{
	double v[MAX_RUNS];
	int n = 0;
	for (int r = 0; r < nruns; r++)
		if (fig_value(f, r, l, &v[n]))
			n++;
	if (!n)
		return false;
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp_double);
	*out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return true;
}

/* The run closest to the medians: smallest sum of |ln(value / median)| over
 * the timing figures of every configuration. */
static int representative_run(void)
{
	static const char *const keys[] = {"startup.median_ms", "latency.p50_us",
					   "latency.p99_us", "pipeline.calls_per_s",
					   "big.mb_per_s"};
	int best = 0;
	double best_score = INFINITY;
	for (int r = 0; r < nruns; r++) {
		double score = 0;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			struct figure f = {"", keys[k], PLAIN, 1, 0, NULL};
			for (int l = 0; l < nlabels; l++) {
				double v, m;
				if (fig_value(&f, r, l, &v) && median_of(&f, l, &m) && v > 0 && m > 0)
					score += fabs(log(v / m));
			}
		}
		if (score < best_score)
			best_score = score, best = r;
	}
	return best;
}

static void header(const char *first)
{
	printf("| %s |", first);
	for (int l = 0; l < nlabels; l++)
		printf(" %s |", labels[l]);
	printf("\n|---|");
	for (int l = 0; l < nlabels; l++)
		printf("--:|");
	printf("\n");
}

static void figures_table(int rep)
{
	header("figure");
	for (size_t i = 0; i < NFIG; i++) {
		const struct figure *f = &figures[i];
		char title[160];
		snprintf(title, sizeof(title), "%s", f->title);
		double calls;
		if (strstr(f->path, "checkpoints")) {
			/* Name the checkpoints by their call counts. */
			for (int l = 0; l < nlabels; l++) {
				if (!results[rep][l])
					continue;
				if (f->kind == GROWTH) {
					double c2;
					if (bench_json_number(results[rep][l],
							      "pipeline.checkpoints.0.calls", &calls) &&
					    bench_json_number(results[rep][l],
							      "pipeline.checkpoints.2.calls", &c2))
						snprintf(title, sizeof(title),
							 "RSS growth from %.0f to %.0f calls (KiB)", calls,
							 c2);
				} else if (bench_json_number(results[rep][l],
							     strstr(f->path, ".0.")
								     ? "pipeline.checkpoints.0.calls"
								     : "pipeline.checkpoints.2.calls",
							     &calls)) {
					snprintf(title, sizeof(title),
						 "RSS after %.0f pipelined calls (MiB)", calls);
				}
				break;
			}
		}
		printf("| %s |", title);
		for (int l = 0; l < nlabels; l++) {
			double v;
			char cell[64];
			if (fig_value(f, rep, l, &v))
				fmt_value(f, v, cell, sizeof(cell));
			else
				snprintf(cell, sizeof(cell), "-");
			printf(" %s |", cell);
		}
		printf("\n");
	}
}

static void spread_table(void)
{
	header("figure (min - max)");
	for (size_t i = 0; i < NFIG; i++) {
		const struct figure *f = &figures[i];
		printf("| %s |", f->title);
		for (int l = 0; l < nlabels; l++) {
			double lo = INFINITY, hi = -INFINITY, v;
			for (int r = 0; r < nruns; r++)
				if (fig_value(f, r, l, &v)) {
					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
			char a[48], b[48];
			if (lo > hi) {
				printf(" - |");
				continue;
			}
			fmt_value(f, lo, a, sizeof(a));
			fmt_value(f, hi, b, sizeof(b));
			printf(" %s - %s |", a, b);
		}
		printf("\n");
	}
}

/* ---- targets --------------------------------------------------------------- */

enum verdict { V_NONE, V_MET, V_NOT_MET };

/* Judge target |t| for configuration |l| in run |r|; the measured figure
 * goes to |what|. */
static enum verdict judge(int t, int r, int l, char *what, size_t size)
{
	const json_t *j = results[r][l], *b = baseline >= 0 ? results[r][baseline] : NULL;
	double v, w, x;
	if (!j)
		return V_NONE;
	switch (t) {
	case 0: /* added p50 */
		if (!b || !bench_json_number(j, "latency.p50_us", &v) ||
		    !bench_json_number(b, "latency.p50_us", &w))
			return V_NONE;
		snprintf(what, size, "%+.1f us", v - w);
		return v - w <= T_ADDED_P50_US ? V_MET : V_NOT_MET;
	case 1: /* throughput */
		if (!b || !bench_json_number(j, "pipeline.calls_per_s", &v) ||
		    !bench_json_number(b, "pipeline.calls_per_s", &w) || w <= 0)
			return V_NONE;
		snprintf(what, size, "%.1f%%", v / w * 100);
		return v / w * 100 >= T_THROUGHPUT_PCT ? V_MET : V_NOT_MET;
	case 2: /* big */
		if (!b || !bench_json_number(j, "big.mb_per_s", &v) ||
		    !bench_json_number(b, "big.mb_per_s", &w) || w <= 0)
			return V_NONE;
		snprintf(what, size, "%.1f%%", v / w * 100);
		return v / w * 100 >= T_BIG_PCT ? V_MET : V_NOT_MET;
	case 3: /* startup */
		if (!b || !bench_json_number(j, "startup.median_ms", &v) ||
		    !bench_json_number(b, "startup.median_ms", &w))
			return V_NONE;
		snprintf(what, size, "%+.2f ms", v - w);
		return v - w <= T_ADDED_STARTUP_MS ? V_MET : V_NOT_MET;
	case 4: /* small RSS */
		if (!bench_json_number(j, "small_peak_rss_kib", &v))
			return V_NONE;
		snprintf(what, size, "%.2f MiB", v / 1024);
		return v / 1024 <= T_SMALL_RSS_MIB ? V_MET : V_NOT_MET;
	case 5: /* flat */
		if (!bench_json_number(j, "pipeline.checkpoints.0.rss_kib", &v) ||
		    !bench_json_number(j, "pipeline.checkpoints.2.rss_kib", &w))
			return V_NONE;
		snprintf(what, size, "%+.0f KiB", w - v);
		return w - v <= T_FLAT_KIB ? V_MET : V_NOT_MET;
	case 6: /* big RSS */
		if (!bench_json_number(j, "big.peak_rss_kib", &v) ||
		    !bench_json_number(j, "big.response_bytes", &x))
			return V_NONE;
		w = T_BIG_RSS_BASE_MIB + T_BIG_RSS_FACTOR * x / 1048576.0;
		snprintf(what, size, "%.2f MiB of %.2f", v / 1024, w);
		return v / 1024 <= w ? V_MET : V_NOT_MET;
	}
	return V_NONE;
}

static const char *const target_names[] = {
	"added p50 latency <= 30 us over direct",
	"pipelined throughput >= 90% of direct",
	"4 MiB results >= 50% of direct MB/s",
	"added startup <= 5 ms",
	"peak RSS with small messages <= 8 MiB",
	"RSS flat over the pipelined calls (growth <= 64 KiB)",
	"peak RSS with 4 MiB results <= 8 MiB + 3 x largest message",
};
#define NTARGETS (int)(sizeof(target_names) / sizeof(target_names[0]))

static void targets_table(int rep, const char *prefix, int *met, int *judged)
{
	printf("| target |");
	for (int l = 0; l < nlabels; l++)
		if (strncmp(labels[l], prefix, strlen(prefix)) == 0)
			printf(" %s |", labels[l]);
	printf("\n|---|");
	for (int l = 0; l < nlabels; l++)
		if (strncmp(labels[l], prefix, strlen(prefix)) == 0)
			printf("---|");
	printf("\n");
	for (int t = 0; t < NTARGETS; t++) {
		printf("| %s |", target_names[t]);
		for (int l = 0; l < nlabels; l++) {
			if (strncmp(labels[l], prefix, strlen(prefix)) != 0)
				continue;
			char what[64] = "";
			enum verdict v = judge(t, rep, l, what, sizeof(what));
			if (v == V_NONE) {
				printf(" not measured |");
				continue;
			}
			(*judged)++;
			if (v == V_MET)
				(*met)++;
			printf(" %s (%s)", v == V_MET ? "met" : "**not met**", what);
			if (nruns > 1) {
				int k = 0, n = 0;
				for (int r = 0; r < nruns; r++) {
					char tmp[64];
					enum verdict u = judge(t, r, l, tmp, sizeof(tmp));
					n += u != V_NONE;
					k += u == V_MET;
				}
				printf("; met in %d of %d runs", k, n);
			}
			printf(" |");
		}
		printf("\n");
	}
}

/* ---- main ---------------------------------------------------------------------- */

static int load(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int count = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (n <= 1)
			continue;
		json_error_t err;
		json_t *j = json_loadb(line, (size_t)n, 0, &err);
		if (!j || !json_is_string(json_object_get(j, "label"))) {
			fprintf(stderr, "assay-bench --report: %s: not a result line: %s\n", path,
				j ? "no label" : err.text);
			json_decref(j);
			continue;
		}
		int r = run_index((int)json_integer_value(json_object_get(j, "run")));
		int l = label_index(json_string_value(json_object_get(j, "label")));
		if (r < 0 || l < 0) {
			fprintf(stderr, "assay-bench --report: too many runs or labels\n");
			json_decref(j);
			continue;
		}
		json_decref(results[r][l]);
		results[r][l] = j;
		count++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return count;
}

int bench_report_main(int argc, char **argv)
{
	const char *base = "direct", *prefix = "gateway";
	int i, total = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc)
			base = argv[++i];
		else if (strcmp(argv[i], "--targets") == 0 && i + 1 < argc)
			prefix = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "usage: assay-bench --report [--baseline LABEL] "
					"[--targets PREFIX] FILE...\n");
			return 2;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "assay-bench --report: no result files\n");
		return 2;
	}
	for (; i < argc; i++) {
		int n = load(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	if (!total) {
		fprintf(stderr, "assay-bench --report: no results\n");
		return 1;
	}
	for (int l = 0; l < nlabels; l++)
		if (strcmp(labels[l], base) == 0)
			baseline = l;

	int rep = representative_run();
	if (nruns > 1)
		printf("Figures of run %d of %d, the run closest to the per-figure medians "
		       "(the spread over all runs is below).\n\n",
		       runs[rep], nruns);
	figures_table(rep);

	int met = 0, judged = 0;
	printf("\nTargets (judged on the run above");
	if (nruns > 1)
		printf("; how many of the %d runs met each is given too", nruns);
	printf("):\n\n");
	targets_table(rep, prefix, &met, &judged);
	printf("\n%d of %d target checks met.\n", met, judged);

	if (nruns > 1) {
		printf("\nSpread over the %d runs (min - max):\n\n", nruns);
		spread_table();
	}
	for (int r = 0; r < nruns; r++)
		for (int l = 0; l < nlabels; l++)
			json_decref(results[r][l]);
	return 0;
}
