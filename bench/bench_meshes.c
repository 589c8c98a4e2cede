/* bench_meshes.c - issue 14's mesh churn scene in one megabuffer: meshes of
 * several vertex sizes (12, 24, 32 and 56 bytes; 16-bit indices), a share
 * replaced every frame, incremental defragmentation running every frame
 * within a byte budget, the indirect commands of every mesh written every
 * frame. The layout starts half holes (every other mesh of twice the scene
 * freed), so the first compaction has most of the live bytes to move.
 *
 *   glbuf-bench-meshes [--meshes N] [--frames F] [--replace PERCENT]
 *                      [--budget MIB] [--seed S] [--trim auto|manual]
 *                      [--growth pow2|1.5] [--placement auto|device|host]
 *                      [--in-flight K]
 *   defaults: 5000 meshes, 600 frames, 2 % replaced a frame, 8 MiB a frame,
 *   trim AUTO (the store shrinks to the growth sequence step that holds the
 *   used extent, from the creation capacity of 16 MiB), POW2 growth; the
 *   placement is the megabuffer's AUTO default for the driver; 2 frames in
 *   flight: after each frame the bench waits (outside every timed figure)
 *   until the frame K before it has completed, as a swap chain holds an
 *   app to K frames ahead of the GPU, and that wait submits the frame's
 *   commands as a buffer swap does (--in-flight 0: no wait, frames back to
 *   back, the GPU as far behind as the driver lets it fall)
 *
 * Prints, measured in this run:
 *   - CPU ms per frame spent in glbuf (every glbuf call of the frame: the
 *     frees, allocations and writes of the replaced meshes, the
 *     defragmentation step, the commands of every mesh, the end of the
 *     frame), median, 95th percentile and maximum, and the defragmentation
 *     step's share;
 *   - blocking waits: the context's fence_waits and fence_wait_ns over the
 *     churn (and how many happened inside glbuf_mega_defragment: none, by
 *     design);
 *   - frames per compaction (the first, and all of them), against the bound
 *     2 x live bytes / budget;
 *   - external fragmentation (1 - largest free block / free bytes) when each
 *     compaction ends, and bytes held / live bytes at the end.
 * No GL draws: the GPU runs the copies of defragmentation only. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "glbuf/mega.h"
#include "glbuf/mesh.h"
#include "headless.h"

#define GROUPS 4
static const uint64_t group_stride[GROUPS] = {12, 24, 32, 56};

typedef struct scene {
    glbuf_ctx *ctx;
    glbuf_mega m;
    glbuf_mesh *meshes; /* slot i: the live mesh of slot i */
    int count;
    bench_rng rng;
    const uint8_t *src; /* bytes to upload */
    uint64_t live_bytes;
} scene;

static uint64_t mesh_bytes(const glbuf_mesh *m)
{
    return m->vertex_count * m->vertex_stride + m->index_count * 2;
}

/* A sphere-like mesh: 32 .. 512 vertices (log-uniform), 6 indices a vertex. */
static glbuf_mesh new_mesh(scene *s, int slot)
{
    glbuf_mesh_desc d = {0};
    d.vertex_stride = group_stride[slot % GROUPS];
    d.vertex_count = bench_log_uniform(&s->rng, 32, 512);
    d.index_count = d.vertex_count * 6;
    d.index_type = GLBUF_INDEX_UINT16;
    d.user_data = (uint64_t)slot;
    glbuf_mesh m;
    bench_check("glbuf_mega_mesh_alloc", glbuf_mega_mesh_alloc(s->ctx, s->m, &d, &m));
    bench_check("glbuf_mega_write",
                glbuf_mega_write(s->ctx, s->m, m.vertices, 0, s->src, d.vertex_count * d.vertex_stride));
    bench_check("glbuf_mega_write", glbuf_mega_write(s->ctx, s->m, m.indices, 0, s->src, d.index_count * 2));
    s->live_bytes += mesh_bytes(&m);
    return m;
}

static void free_mesh(scene *s, int slot)
{
    s->live_bytes -= mesh_bytes(&s->meshes[slot]);
    bench_check("glbuf_mega_mesh_free", glbuf_mega_mesh_free(s->ctx, s->m, &s->meshes[slot]));
}

static int moves_reported;
static void count_move(void *user, const glbuf_mega_move *mv)
{
    (void)user;
    (void)mv;
    moves_reported++;
}

static int extent_of(void *user, const glbuf_mega_block *b)
{
    if (b->kind != GLBUF_MEGA_BLOCK_FREE) {
        *(uint64_t *)user = b->offset + b->size;
    }
    return 0;
}

/* CPU time of this thread, seconds: what glbuf costs the render thread,
 * whatever else the machine runs meanwhile. */
static double thread_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double mean(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        sum += v[i];
    }
    return n > 0 ? sum / n : NAN;
}

static double percentile(double *v, int n, double p)
{
    /* v sorted by bench_median already */
    int i = (int)ceil(p * n) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

int main(int argc, char **argv)
{
    int n = 5000, frames = 600;
    double replace = 2.0, budget_mib = 8.0;
    uint64_t seed = 0x6D657368u;
    glbuf_mega_trim_policy trim = GLBUF_MEGA_TRIM_AUTO;
    glbuf_mega_growth growth = GLBUF_MEGA_GROW_POW2;
    glbuf_mega_placement placement = GLBUF_MEGA_PLACEMENT_AUTO;
    int in_flight = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--meshes") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
            frames = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--replace") == 0 && i + 1 < argc) {
            replace = atof(argv[++i]);
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            budget_mib = atof(argv[++i]);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--trim") == 0 && i + 1 < argc) {
            i++;
            trim = strcmp(argv[i], "manual") == 0 ? GLBUF_MEGA_TRIM_MANUAL : GLBUF_MEGA_TRIM_AUTO;
        } else if (strcmp(argv[i], "--growth") == 0 && i + 1 < argc) {
            i++;
            growth = strcmp(argv[i], "1.5") == 0 ? GLBUF_MEGA_GROW_FACTOR_1_5 : GLBUF_MEGA_GROW_POW2;
        } else if (strcmp(argv[i], "--placement") == 0 && i + 1 < argc) {
            i++;
            placement = strcmp(argv[i], "device") == 0 ? GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL
                        : strcmp(argv[i], "host") == 0 ? GLBUF_MEGA_PLACEMENT_HOST_VISIBLE
                                                       : GLBUF_MEGA_PLACEMENT_AUTO;
        } else if (strcmp(argv[i], "--in-flight") == 0 && i + 1 < argc) {
            in_flight = atoi(argv[++i]);
        } else {
            fprintf(stderr,
                    "usage: %s [--meshes N] [--frames F] [--replace PERCENT] [--budget MIB] [--seed S] "
                    "[--trim auto|manual] [--growth pow2|1.5] [--placement auto|device|host] [--in-flight K]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < GROUPS || frames < 1 || replace < 0 || budget_mib <= 0 || in_flight < 0) {
        fprintf(stderr, "glbuf-bench-meshes: bad parameters\n");
        return 2;
    }
    char why[256];
    glbuf_headless *h = glbuf_headless_create(NULL, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "glbuf-bench-meshes: skipped: no headless GL context: %s\n", why);
        return 77;
    }
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    scene s;
    memset(&s, 0, sizeof s);
    bench_check("glbuf_ctx_create", glbuf_ctx_create(&cd, &s.ctx));
    glbuf_caps caps = glbuf_ctx_get_caps(s.ctx);
    printf("GL_RENDERER: %s\nGL_VERSION: %s\n", caps.renderer, caps.version);

    glbuf_mega_desc md = {0};
    md.capacity = GLBUF_MEGA_COMPLEX_2D;
    md.max_capacity = 4ull << 30;
    md.trim = trim;
    md.placement = placement;
    md.growth = growth;
    md.label = "bench-meshes";
    bench_check("glbuf_mega_create", glbuf_mega_create(s.ctx, &md, &s.m));
    s.rng.state = seed;
    s.count = n;
    s.meshes = bench_xcalloc((size_t)n, sizeof *s.meshes);
    uint8_t *src = bench_xmalloc(512 * 56);
    for (size_t i = 0; i < 512 * 56; i++) {
        src[i] = (uint8_t)(i * 7u);
    }
    s.src = src;
    /* Twice the scene, every other mesh freed: half the layout is holes. */
    glbuf_mesh *ghosts = bench_xcalloc((size_t)n, sizeof *ghosts);
    for (int i = 0; i < n; i++) {
        s.meshes[i] = new_mesh(&s, i);
        ghosts[i] = new_mesh(&s, i);
    }
    for (int i = 0; i < n; i++) {
        s.live_bytes -= mesh_bytes(&ghosts[i]);
        bench_check("glbuf_mega_mesh_free", glbuf_mega_mesh_free(s.ctx, s.m, &ghosts[i]));
    }
    free(ghosts);
    bench_check("glbuf_mega_wait_idle", glbuf_mega_wait_idle(s.ctx, s.m));

    uint64_t budget = (uint64_t)(budget_mib * 1048576.0);
    int replaced = (int)(n * replace / 100.0 + 0.5);
    glbuf_mesh *list = bench_xcalloc((size_t)n, sizeof *list);
    uint8_t *cmds = bench_xmalloc((size_t)n * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES);
    double *cpu = bench_xcalloc((size_t)frames, sizeof *cpu);
    double *defrag_cpu = bench_xcalloc((size_t)frames, sizeof *defrag_cpu);
    double *wall = bench_xcalloc((size_t)frames, sizeof *wall);
    int *compaction_frames = bench_xcalloc((size_t)frames, sizeof *compaction_frames);
    double *fragmentation = bench_xcalloc((size_t)frames, sizeof *fragmentation);
    double *frame_frag = bench_xcalloc((size_t)frames, sizeof *frame_frag);
    int compacted_at = -1; /* the first frame that ends with fragmentation <= 0.05 */
    int compactions = 0, started_at = -1;
    uint64_t defrag_waits = 0, copied = 0;
    uint64_t pacing_waits = 0, pacing_wait_ns = 0; /* the swap chain's, not glbuf's */
    glbuf_mega_stats st0 = glbuf_mega_get_stats(s.ctx, s.m);
    double frag_before = st0.free_bytes ? 1.0 - (double)st0.largest_free_block / (double)st0.free_bytes : 0.0;
    uint64_t live_start = s.live_bytes;
    glbuf_ctx_reset_stats(s.ctx);

    for (int f = 0; f < frames; f++) {
        double t0 = thread_s(), w0 = bench_now_s();
        for (int k = 0; k < replaced; k++) {
            int slot = (int)(bench_rnd(&s.rng) * n);
            free_mesh(&s, slot);
            s.meshes[slot] = new_mesh(&s, slot);
        }
        double t1 = thread_s();
        uint64_t waits = glbuf_ctx_get_stats(s.ctx).fence_waits;
        glbuf_mega_defrag_report rep;
        bench_check("glbuf_mega_defragment", glbuf_mega_defragment(s.ctx, s.m, budget, count_move, NULL, &rep));
        defrag_waits += glbuf_ctx_get_stats(s.ctx).fence_waits - waits;
        double t2 = thread_s();
        /* One multi-draw per vertex size: the commands of each group. */
        for (int g = 0; g < GROUPS; g++) {
            uint32_t m = 0;
            for (int i = g; i < n; i += GROUPS) {
                list[m++] = s.meshes[i];
            }
            bench_check("glbuf_mega_mesh_commands",
                        glbuf_mega_mesh_commands(s.ctx, s.m, list, m, 0, cmds,
                                                 (uint64_t)n * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES, NULL));
        }
        bench_check("glbuf_ctx_end_frame", glbuf_ctx_end_frame(s.ctx));
        double t3 = thread_s();
        cpu[f] = (t3 - t0) * 1e3;
        wall[f] = (bench_now_s() - w0) * 1e3;
        if (getenv("GLBUF_BENCH_TRACE") != NULL && (t2 - t1) * 1e3 > 2.0) {
            fprintf(stderr, "frame %d: defragment %.2f ms (copied %llu bytes, %u moves reported, started %d)\n", f,
                    (t2 - t1) * 1e3, (unsigned long long)rep.bytes_copied, rep.moves, rep.started);
        }
        defrag_cpu[f] = (t2 - t1) * 1e3;
        if (in_flight > 0 && glbuf_ctx_frame(s.ctx) > (uint64_t)in_flight + 1) {
            glbuf_ctx_stats before = glbuf_ctx_get_stats(s.ctx);
            bench_check("glbuf_ctx_wait_frame",
                        glbuf_ctx_wait_frame(s.ctx, glbuf_ctx_frame(s.ctx) - 1 - (uint64_t)in_flight, UINT64_MAX));
            glbuf_ctx_stats after = glbuf_ctx_get_stats(s.ctx);
            pacing_waits += after.fence_waits - before.fence_waits;
            pacing_wait_ns += after.fence_wait_ns - before.fence_wait_ns;
        }
        copied += rep.bytes_copied;
        if (rep.started) {
            started_at = f;
        }
        glbuf_mega_stats now = glbuf_mega_get_stats(s.ctx, s.m);
        frame_frag[f] = now.free_bytes ? 1.0 - (double)now.largest_free_block / (double)now.free_bytes : 0.0;
        if (compacted_at < 0 && frame_frag[f] <= 0.05) {
            compacted_at = f;
        }
        if (rep.finished && started_at >= 0) {
            glbuf_mega_stats st = glbuf_mega_get_stats(s.ctx, s.m);
            compaction_frames[compactions] = f - started_at + 1;
            fragmentation[compactions] =
                st.free_bytes ? 1.0 - (double)st.largest_free_block / (double)st.free_bytes : 0.0;
            compactions++;
            started_at = -1;
        }
    }
    glbuf_ctx_stats cs = glbuf_ctx_get_stats(s.ctx);
    glbuf_mega_stats st = glbuf_mega_get_stats(s.ctx, s.m);

    printf("\nscene: %d meshes of 12/24/32/56-byte vertices (32..512 vertices, 6 16-bit indices each), "
           "%d replaced a frame (%.1f %%), budget %.1f MiB a frame, %d frames\n",
           n, replaced, replace, budget_mib, frames);
    printf("megabuffer: %s, growth %s, trim %s, created at 16 MiB\n",
           st.placement == GLBUF_MEGA_PLACEMENT_DEVICE_LOCAL ? "device-local" : "host-visible",
           growth == GLBUF_MEGA_GROW_POW2 ? "pow2" : "x1.5", trim == GLBUF_MEGA_TRIM_AUTO ? "auto" : "manual");
    if (in_flight > 0) {
        printf("frames in flight: %d (the bench waits for the frame %d back after each frame, outside the "
               "figures: %llu waits, %.1f ms)\n",
               in_flight, in_flight, (unsigned long long)pacing_waits, (double)pacing_wait_ns / 1e6);
    } else {
        printf("frames in flight: as many as the driver lets run (no pacing)\n");
    }
    printf("start: %.1f MiB live in %.1f MiB of storage, every other mesh a hole (fragmentation %.3f)\n\n",
           (double)live_start / 1048576.0, (double)st0.capacity / 1048576.0, frag_before);
    printf("| figure | value |\n|---|---:|\n");
    double first_bound = 2.0 * (double)live_start / (double)budget;
    if (compactions > 0) {
        printf("| frames for the first compaction (planned on the half-holes layout) | %d |\n", compaction_frames[0]);
    } else {
        printf("| frames for the first compaction | did not finish in %d frames |\n", frames);
    }
    printf("| bound: 2 x live bytes / budget | %.1f |\n", first_bound);
    if (compacted_at >= 0) {
        printf("| frames until external fragmentation <= 0.05 (from %.3f) | %d |\n", frag_before, compacted_at + 1);
        double sum = 0, worst_frag = 0;
        for (int f = compacted_at; f < frames; f++) {
            sum += frame_frag[f];
            worst_frag = frame_frag[f] > worst_frag ? frame_frag[f] : worst_frag;
        }
        printf("| external fragmentation from then on, mean / max over the frames | %.4f / %.4f |\n",
               sum / (frames - compacted_at), worst_frag);
    } else {
        printf("| frames until external fragmentation <= 0.05 | not in %d frames |\n", frames);
    }
    printf("| external fragmentation at the end | %.4f |\n", frame_frag[frames - 1]);
    int worst = 0;
    double frag_sum = 0, frag_max = 0;
    for (int i = 0; i < compactions; i++) {
        worst = compaction_frames[i] > worst ? compaction_frames[i] : worst;
        frag_sum += fragmentation[i];
        frag_max = fragmentation[i] > frag_max ? fragmentation[i] : frag_max;
    }
    printf("| compactions finished | %d |\n", compactions);
    printf("| frames per compaction, the longest | %d |\n", worst);
    printf("| external fragmentation when a compaction ends (its last old places still pending), mean / max | "
           "%.4f / %.4f |\n",
           compactions ? frag_sum / compactions : NAN, frag_max);
    if (compacted_at >= 0 && compacted_at + 1 < frames) {
        /* After the big compaction: the frames of a render loop in its steady state. */
        int k = frames - (compacted_at + 1);
        double *tail = bench_xcalloc((size_t)k, sizeof *tail), *dtail = bench_xcalloc((size_t)k, sizeof *dtail);
        double *wtail = bench_xcalloc((size_t)k, sizeof *wtail);
        memcpy(tail, cpu + compacted_at + 1, (size_t)k * sizeof *tail);
        memcpy(dtail, defrag_cpu + compacted_at + 1, (size_t)k * sizeof *dtail);
        memcpy(wtail, wall + compacted_at + 1, (size_t)k * sizeof *wtail);
        double ta = mean(tail, k), da = mean(dtail, k);
        double tm = bench_median(tail, (size_t)k), dm = bench_median(dtail, (size_t)k);
        double wm = bench_median(wtail, (size_t)k);
        printf("| steady state (the %d frames after that): CPU ms a frame in glbuf (thread CPU time), mean / "
               "median / p95 / max | "
               "%.3f / %.3f / %.3f / %.3f |\n",
               k, ta, tm, percentile(tail, k, 0.95), tail[k - 1]);
        printf("| steady state: of which glbuf_mega_defragment, mean / median / p95 / max | %.3f / %.3f / %.3f / "
               "%.3f |\n",
               da, dm, percentile(dtail, k, 0.95), dtail[k - 1]);
        printf("| steady state: wall-clock ms a frame in glbuf, median / p95 | %.3f / %.3f |\n", wm,
               percentile(wtail, k, 0.95));
        free(wtail);
        free(tail);
        free(dtail);
    }
    double avg = mean(cpu, frames), davg = mean(defrag_cpu, frames);
    double med = bench_median(cpu, (size_t)frames);
    printf("| all frames: CPU ms a frame in glbuf (thread CPU time), mean / median / p95 / max | %.3f / %.3f / "
           "%.3f / %.3f |\n",
           avg,
           med,
           percentile(cpu, frames, 0.95), cpu[frames - 1]);
    double dmed = bench_median(defrag_cpu, (size_t)frames);
    printf("| all frames: of which glbuf_mega_defragment, mean / median / p95 / max | %.3f / %.3f / %.3f / %.3f |\n",
           davg, dmed,
           percentile(defrag_cpu, frames, 0.95), defrag_cpu[frames - 1]);
    printf("| blocking waits in glbuf calls (fence_waits) over the churn | %llu |\n",
           (unsigned long long)(cs.fence_waits - pacing_waits));
    printf("| time in them, ms | %.3f |\n", (double)(cs.fence_wait_ns - pacing_wait_ns) / 1e6);
    printf("| of them inside glbuf_mega_defragment | %llu |\n", (unsigned long long)defrag_waits);
    printf("| bytes copied by defragmentation, MiB (a frame: %.2f) | %.1f |\n",
           (double)copied / 1048576.0 / frames, (double)copied / 1048576.0);
    printf("| moves reported / dropped | %d / %llu |\n", moves_reported,
           (unsigned long long)st.defrag_moves_dropped);
    printf("| live MiB at the end | %.1f |\n", (double)s.live_bytes / 1048576.0);
    printf("| bytes held / live bytes at the end (capacity / live) | %.3f |\n",
           (double)st.capacity / (double)s.live_bytes);
    printf("| trims over the run | %llu |\n", (unsigned long long)st.trims);
    uint64_t extent = 0;
    bench_check("glbuf_mega_for_each_block", glbuf_mega_for_each_block(s.ctx, s.m, extent_of, &extent));
    printf("| used extent / live bytes at the end | %.3f |\n",
           (double)extent / (double)s.live_bytes);
    printf("| growths | %llu |\n", (unsigned long long)st.growths);

    free(cmds);
    free(list);
    free(cpu);
    free(defrag_cpu);
    free(wall);
    free(compaction_frames);
    free(fragmentation);
    free(frame_frag);
    free(src);
    for (int i = 0; i < n; i++) {
        free_mesh(&s, i);
    }
    free(s.meshes);
    glbuf_mega_destroy(s.ctx, s.m);
    glbuf_ctx_destroy(s.ctx);
    glbuf_headless_destroy(h);
    return 0;
}
