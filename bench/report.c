/* report.c - see report.h. */
#include "report.h"

#include <math.h>
#include <string.h>

const char *const bench_workload_names[BENCH_WORKLOAD_COUNT] = {"churn", "growth", "streaming", "drawing"};
const char *const bench_strategy_names[BENCH_STRATEGY_COUNT] = {
    "per-resource", "exact", "pow2", "1.5x", "fixed-step", "megabuffer", "tiered-pools", "stream-ring"};
const char *const bench_field_names[BENCH_FIELD_COUNT] = {
#define BENCH_FIELD_NAME(id, name, desc) name,
    BENCH_FIELDS(BENCH_FIELD_NAME)
#undef BENCH_FIELD_NAME
};
const char *const bench_field_descs[BENCH_FIELD_COUNT] = {
#define BENCH_FIELD_DESC(id, name, desc) desc,
    BENCH_FIELDS(BENCH_FIELD_DESC)
#undef BENCH_FIELD_DESC
};

void bench_row_init(bench_row *row)
{
    row->present = 1;
    for (int f = 0; f < BENCH_FIELD_COUNT; f++) {
        row->v[f] = NAN;
    }
}

/* ---- Markdown ----------------------------------------------------------------- */

typedef enum fmt { FMT_INT, FMT_2, FMT_3, FMT_BYTES, FMT_PERCENT, FMT_PERCENT_1 } fmt;

typedef struct column {
    bench_workload w;
    bench_field f;
    const char *header;
    fmt format;
} column;

/* The seed note's columns (creation overhead, fragmentation, memory
 * efficiency) first, then growth, streaming and drawing. */
static const column matrix[] = {
    {BENCH_CHURN, BENCH_F_NS_PER_ALLOC, "Creation overhead: ns / alloc", FMT_INT},
    {BENCH_CHURN, BENCH_F_GL_CALLS_PER_ALLOC, "Creation overhead: GL calls / alloc", FMT_2},
    {BENCH_CHURN, BENCH_F_EXTERNAL_FRAGMENTATION, "Fragmentation: external, at peak", FMT_2},
    {BENCH_CHURN, BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED, "Memory efficiency: bytes held / requested, at peak", FMT_2},
    {BENCH_GROWTH, BENCH_F_REALLOCATIONS, "Growth: reallocations", FMT_INT},
    {BENCH_GROWTH, BENCH_F_BYTES_COPIED_BY_GROWTH, "Growth: bytes copied", FMT_BYTES},
    {BENCH_GROWTH, BENCH_F_NS_PER_ALLOC, "Growth: ns / append", FMT_INT},
    {BENCH_GROWTH, BENCH_F_BYTES_HELD_PER_BYTE_REQUESTED, "Growth: bytes held / appended", FMT_2},
    {BENCH_STREAMING, BENCH_F_UPLOAD_GBPS, "Upload GB/s", FMT_2},
    {BENCH_STREAMING, BENCH_F_UPLOAD_FRACTION_OF_MEMCPY, "Upload, % of memcpy", FMT_PERCENT},
    {BENCH_DRAWING, BENCH_F_FRAME_CPU_MS, "Draw: CPU ms / frame", FMT_3},
    {BENCH_DRAWING, BENCH_F_FRAME_GPU_MS, "Draw: GPU ms / frame", FMT_3},
};
#define MATRIX_COLUMNS (sizeof matrix / sizeof matrix[0])

static void cell_mark(FILE *out, double v, fmt format, const char *mark)
{
    char buf[64];
    if (!isfinite(v)) {
        snprintf(buf, sizeof buf, "n/a");
    } else {
        switch (format) {
        case FMT_INT:
            snprintf(buf, sizeof buf, "%.0f", v);
            break;
        case FMT_2:
            snprintf(buf, sizeof buf, "%.2f", v);
            break;
        case FMT_3:
            snprintf(buf, sizeof buf, "%.3f", v);
            break;
        case FMT_PERCENT:
            snprintf(buf, sizeof buf, "%.0f%%", v * 100.0);
            break;
        case FMT_PERCENT_1:
            snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
            break;
        case FMT_BYTES: {
            const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
            int u = 0;
            while (v >= 1024.0 && u < 4) {
                v /= 1024.0;
                u++;
            }
            snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
            break;
        }
        }
    }
    fprintf(out, " %s%s |", buf, mark);
}

static void cell(FILE *out, double v, fmt format)
{
    cell_mark(out, v, format, "");
}

static fmt field_format(bench_field f)
{
    switch (f) {
    case BENCH_F_BYTES_REQUESTED:
    case BENCH_F_BYTES_COPIED_BY_GROWTH:
        return FMT_BYTES;
    case BENCH_F_OPERATIONS:
    case BENCH_F_NS_PER_ALLOC:
    case BENCH_F_REALLOCATIONS:
        return FMT_INT;
    case BENCH_F_UPLOAD_FRACTION_OF_MEMCPY:
        return FMT_PERCENT;
    case BENCH_F_REUSE_RATE:
    case BENCH_F_STEADY_REUSE_RATE:
        return FMT_PERCENT_1;
    case BENCH_F_FRAME_CPU_MS:
    case BENCH_F_FRAME_GPU_MS:
        return FMT_3;
    default:
        return FMT_2;
    }
}

/* A growth row that did not reach the target (time limit). */
static int stopped(const bench_results *r, int s)
{
    const bench_row *row = &r->rows[BENCH_GROWTH][s];
    return row->present && row->v[BENCH_F_BYTES_REQUESTED] < (double)r->growth_target_bytes;
}

void bench_report_markdown(const bench_results *r, FILE *out)
{
    fprintf(out, "## Allocation strategies, measured (%s run, %s)\n\n", r->quick ? "quick" : "full", r->date);
    fprintf(out, "| Strategy |");
    for (size_t c = 0; c < MATRIX_COLUMNS; c++) {
        fprintf(out, " %s |", matrix[c].header);
    }
    fprintf(out, "\n|---|");
    for (size_t c = 0; c < MATRIX_COLUMNS; c++) {
        fputs("---:|", out);
    }
    fputc('\n', out);
    for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
        fprintf(out, "| %s |", bench_strategy_names[s]);
        for (size_t c = 0; c < MATRIX_COLUMNS; c++) {
            const bench_row *row = &r->rows[matrix[c].w][s];
            int mark = matrix[c].w == BENCH_GROWTH && stopped(r, s);
            cell_mark(out, row->present ? row->v[matrix[c].f] : NAN, matrix[c].format, mark ? " †" : "");
        }
        fputc('\n', out);
    }
    for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
        if (stopped(r, s)) {
            fprintf(out, "\n† %s growth stopped by the time limit at %.1f of %.0f MiB (%.0f appends): its figures "
                         "cover that part only.\n",
                    bench_strategy_names[s], r->rows[BENCH_GROWTH][s].v[BENCH_F_BYTES_REQUESTED] / 1048576.0,
                    (double)r->growth_target_bytes / 1048576.0, r->rows[BENCH_GROWTH][s].v[BENCH_F_OPERATIONS]);
        }
    }
    fprintf(out, "\nHost memcpy of the streaming bytes: %.2f GB/s. n/a: the strategy does not apply to "
                 "that workload (or the figure to that strategy).\n\n",
            r->memcpy_gbps);
    fprintf(out, "Workloads:\n\n");
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        fprintf(out, "- %s: %s\n", bench_workload_names[w], r->params[w]);
    }
    fprintf(out, "- trace: %s\n\n", r->trace);

    fprintf(out, "### Every figure\n\n| workload | strategy |");
    for (int f = 0; f < BENCH_FIELD_COUNT; f++) {
        fprintf(out, " %s |", bench_field_names[f]);
    }
    fprintf(out, "\n|---|---|");
    for (int f = 0; f < BENCH_FIELD_COUNT; f++) {
        fputs("---:|", out);
    }
    fputc('\n', out);
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
            const bench_row *row = &r->rows[w][s];
            if (!row->present) {
                continue;
            }
            fprintf(out, "| %s | %s |", bench_workload_names[w], bench_strategy_names[s]);
            for (int f = 0; f < BENCH_FIELD_COUNT; f++) {
                cell(out, row->v[f], field_format((bench_field)f));
            }
            fputc('\n', out);
        }
    }
    fputc('\n', out);
}

/* ---- JSON and CSV ---------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void number(FILE *f, double v, const char *null_text)
{
    if (!isfinite(v)) {
        fputs(null_text, f);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(f, "%.0f", v);
    } else {
        fprintf(f, "%.6g", v);
    }
}

int bench_report_json(const bench_results *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return 0;
    }
    fputs("{\n  \"tool\": \"glbuf-bench\",\n  \"version\": 1,\n  \"gl_vendor\": ", f);
    json_string(f, r->vendor);
    fputs(",\n  \"gl_renderer\": ", f);
    json_string(f, r->renderer);
    fputs(",\n  \"gl_version\": ", f);
    json_string(f, r->version);
    fputs(",\n  \"date\": ", f);
    json_string(f, r->date);
    fprintf(f, ",\n  \"quick\": %s,\n  \"trace\": ", r->quick ? "true" : "false");
    json_string(f, r->trace);
    fputs(",\n  \"memcpy_gbps\": ", f);
    number(f, r->memcpy_gbps, "null");
    fprintf(f, ",\n  \"growth_target_bytes\": %llu", (unsigned long long)r->growth_target_bytes);
    fputs(",\n  \"rows\": [", f);
    int first = 1;
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
            const bench_row *row = &r->rows[w][s];
            if (!row->present) {
                continue;
            }
            fprintf(f, "%s\n    {\"workload\": \"%s\", \"strategy\": \"%s\"", first ? "" : ",",
                    bench_workload_names[w], bench_strategy_names[s]);
            first = 0;
            for (int k = 0; k < BENCH_FIELD_COUNT; k++) {
                fprintf(f, ", \"%s\": ", bench_field_names[k]);
                number(f, row->v[k], "null");
            }
            fputc('}', f);
        }
    }
    fputs("\n  ]\n}\n", f);
    return fclose(f) == 0;
}

int bench_report_csv(const bench_results *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return 0;
    }
    fputs("workload,strategy", f);
    for (int k = 0; k < BENCH_FIELD_COUNT; k++) {
        fprintf(f, ",%s", bench_field_names[k]);
    }
    fputc('\n', f);
    for (int w = 0; w < BENCH_WORKLOAD_COUNT; w++) {
        for (int s = 0; s < BENCH_STRATEGY_COUNT; s++) {
            const bench_row *row = &r->rows[w][s];
            if (!row->present) {
                continue;
            }
            fprintf(f, "%s,%s", bench_workload_names[w], bench_strategy_names[s]);
            for (int k = 0; k < BENCH_FIELD_COUNT; k++) {
                fputc(',', f);
                number(f, row->v[k], "");
            }
            fputc('\n', f);
        }
    }
    return fclose(f) == 0;
}
