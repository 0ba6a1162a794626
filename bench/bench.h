/* bench/bench.h - shared between the parts of assay-bench. */
#ifndef ASSAY_BENCH_H
#define ASSAY_BENCH_H

/* assay-bench --report ...: turn the JSON lines of earlier runs into
 * Markdown tables (figures, targets, spread).  Returns the exit status. */
int bench_report_main(int argc, char **argv);

#endif
