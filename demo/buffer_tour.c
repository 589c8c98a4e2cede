/* buffer_tour.c - a guided tour of glbuf_buffer on a headless GL context:
 * Cinder's exact path, Processing's doubling, the other growth policies, and
 * what each did in GL calls (glGetError among them: glbuf asks for GL errors
 * only around the calls that allocate storage), reallocations and bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glbuf/buffer.h"
#include "headless.h"

static void report(glbuf_ctx *ctx, const char *what, glbuf_buffer b)
{
    glbuf_ctx_stats s = glbuf_ctx_get_stats(ctx);
    glbuf_buffer_info info;
    glbuf_buffer_get_info(ctx, b, &info);
    printf("%-44s %8llu calls (%4llu glGetError)  %4llu reallocs  %10llu B uploaded  %10llu B copied  size %9llu  "
           "capacity %9llu\n",
           what, (unsigned long long)s.calls_total, (unsigned long long)s.calls[GLBUF_GL_GetError],
           (unsigned long long)info.reallocations,
           (unsigned long long)s.bytes_uploaded, (unsigned long long)s.bytes_copied_by_growth,
           (unsigned long long)info.size, (unsigned long long)info.capacity);
    glbuf_ctx_reset_stats(ctx);
}

static int check(glbuf_result r, const char *what)
{
    if (r != GLBUF_OK) {
        fprintf(stderr, "%s: %s\n", what, glbuf_result_str(r));
        return 0;
    }
    return 1;
}

static int append_stream(glbuf_ctx *ctx, glbuf_growth policy, const char *name)
{
    glbuf_buffer_desc d = {0};
    d.usage = GLBUF_USAGE_DYNAMIC_DRAW;
    d.growth = policy;
    d.growth_step = 256 * 1024;
    d.label = name;
    glbuf_buffer b;
    if (!check(glbuf_buffer_create(ctx, &d, &b), "create")) {
        return 0;
    }
    glbuf_ctx_reset_stats(ctx);
    static unsigned char chunk[4096];
    memset(chunk, 0x5A, sizeof chunk);
    for (int i = 0; i < 1024; i++) { /* 1024 appends of 1..4 KiB */
        if (!check(glbuf_buffer_append(ctx, b, chunk, 1024u + (unsigned)(i * 37) % 3072u), "append")) {
            return 0;
        }
    }
    char line[96];
    snprintf(line, sizeof line, "1024 appends (~2.5 MiB), growth %s", name);
    report(ctx, line, b);
    glbuf_buffer_destroy(ctx, b);
    return 1;
}

int main(void)
{
    char why[256] = "";
    glbuf_headless *h = glbuf_headless_create(NULL, why, sizeof why);
    if (h == NULL) {
        fprintf(stderr, "glbuf tour: cannot create a headless GL 4.5 context: %s\n", why);
        return 1;
    }
    glbuf_ctx_desc cd = {0};
    cd.get_proc_address = glbuf_headless_get_proc;
    glbuf_ctx *ctx = NULL;
    if (!check(glbuf_ctx_create(&cd, &ctx), "glbuf_ctx_create")) {
        glbuf_headless_destroy(h);
        return 1;
    }
    glbuf_caps caps = glbuf_ctx_get_caps(ctx);
    printf("GL %d.%d  %s  (%s)\n\n", caps.gl_major, caps.gl_minor, caps.renderer, caps.vendor);

    glbuf_ctx_reset_stats(ctx); /* count from here, not the capability queries */
    /* Cinder: copyData re-specifies at the exact size only when it must. */
    static unsigned char mesh[64 * 1024];
    memset(mesh, 1, sizeof mesh);
    glbuf_buffer_desc d = {0};
    d.size = 16 * 1024;
    d.data = mesh;
    d.label = "cinder-vbo";
    glbuf_buffer vbo;
    int ok = check(glbuf_buffer_create(ctx, &d, &vbo), "create");
    report(ctx, "create 16 KiB with data", vbo);
    ok = ok && check(glbuf_buffer_copy_data(ctx, vbo, 8 * 1024, mesh), "copy_data");
    report(ctx, "copy_data 8 KiB (fits: one sub-data)", vbo);
    ok = ok && check(glbuf_buffer_copy_data(ctx, vbo, sizeof mesh, mesh), "copy_data");
    report(ctx, "copy_data 64 KiB (exact re-specification)", vbo);
    ok = ok && check(glbuf_buffer_ensure_min_size(ctx, vbo, 100 * 1024), "ensure_min_size");
    report(ctx, "ensure_min_size 100 KiB (contents dropped)", vbo);
    ok = ok && check(glbuf_buffer_sub_data(ctx, vbo, 0, 4096, mesh), "sub_data");
    report(ctx, "sub_data 4 KiB", vbo);
    void *p = NULL;
    ok = ok && check(glbuf_buffer_map_replace(ctx, vbo, &p), "map_replace");
    if (ok) {
        memset(p, 7, 100 * 1024);
        ok = check(glbuf_buffer_unmap(ctx, vbo), "unmap");
    }
    report(ctx, "map_replace + unmap", vbo);
    ok = ok && check(glbuf_buffer_map_range(ctx, vbo, 0, 4096, GLBUF_MAP_WRITE | GLBUF_MAP_INVALIDATE_RANGE, &p),
                     "map_range");
    if (ok) {
        memset(p, 9, 4096);
        ok = check(glbuf_buffer_unmap(ctx, vbo), "unmap");
    }
    report(ctx, "map_range 4 KiB + unmap", vbo);
    ok = ok && check(glbuf_buffer_orphan(ctx, vbo), "orphan");
    report(ctx, "orphan (same capacity)", vbo);
    glbuf_buffer_destroy(ctx, vbo);
    printf("\n");

    /* Processing and friends: appends that keep the contents. */
    ok = ok && append_stream(ctx, GLBUF_GROWTH_EXACT, "EXACT");
    ok = ok && append_stream(ctx, GLBUF_GROWTH_POW2, "POW2");
    ok = ok && append_stream(ctx, GLBUF_GROWTH_FACTOR_1_5, "FACTOR_1_5");
    ok = ok && append_stream(ctx, GLBUF_GROWTH_FIXED_STEP, "FIXED_STEP");

    glbuf_ctx_destroy(ctx);
    glbuf_headless_destroy(h);
    return ok ? 0 : 1;
}
