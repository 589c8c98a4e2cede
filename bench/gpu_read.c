/* gpu_read.c - the compute pass that reads a buffer, timed (gpu_read.h). */
#include "gpu_read.h"

#include <stdio.h>

#include "bench_util.h"

#define GROUPS 1024u
#define GROUP_SIZE 256u

static const char *const read_src =
    "#version 430 core\n"
    "layout(local_size_x = 256) in;\n"
    "layout(std430, binding = 0) readonly buffer Src { uvec4 data[]; };\n"
    "layout(std430, binding = 1) writeonly buffer Dst { uint folded[]; };\n"
    "uniform uint count;\n"
    "void main() {\n"
    "    uint acc = 0u;\n"
    "    uint stride = gl_NumWorkGroups.x * 256u;\n"
    "    for (uint i = gl_GlobalInvocationID.x; i < count; i += stride) {\n"
    "        uvec4 v = data[i];\n"
    "        acc ^= v.x ^ v.y ^ v.z ^ v.w;\n"
    "    }\n"
    "    folded[gl_GlobalInvocationID.x] = acc;\n"
    "}\n";

static unsigned int link(const bench_gl *gl, unsigned int a, unsigned int b)
{
    unsigned int prog = gl->CreateProgram();
    gl->AttachShader(prog, a);
    if (b != 0) {
        gl->AttachShader(prog, b);
    }
    gl->LinkProgram(prog);
    int ok = 0;
    gl->GetProgramiv(prog, BENCH_GL_LINK_STATUS, &ok);
    if (!ok) {
        bench_die("program link failed");
    }
    gl->DeleteShader(a);
    if (b != 0) {
        gl->DeleteShader(b);
    }
    return prog;
}

unsigned int bench_program(const bench_gl *gl, const char *vs, const char *fs)
{
    return link(gl, bench_gl_compile(gl, BENCH_GL_VERTEX_SHADER, vs), bench_gl_compile(gl, BENCH_GL_FRAGMENT_SHADER, fs));
}

void bench_reader_init(const bench_gl *gl, bench_reader *r)
{
    r->program = link(gl, bench_gl_compile(gl, BENCH_GL_COMPUTE_SHADER, read_src), 0);
    r->count_location = gl->GetUniformLocation(r->program, "count");
    gl->CreateBuffers(1, &r->sink);
    gl->NamedBufferStorage(r->sink, (ptrdiff_t)(GROUPS * GROUP_SIZE * 4u), NULL, 0);
    gl->GenQueries(1, &r->query);
    int64_t v = 0;
    gl->GetInteger64v(BENCH_GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &v);
    r->max_range = v > 0 ? (uint64_t)v : (uint64_t)1 << 27;
    v = 0;
    gl->GetInteger64v(BENCH_GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &v);
    r->align = v > 0 ? (uint64_t)v : 256u;
    /* bindings start at multiples of the alignment and hold whole uvec4s */
    r->max_range -= r->max_range % (r->align > 16u ? r->align : 16u);
    if (gl->GetError() != 0) {
        bench_die("compute reader setup raised a GL error");
    }
}

void bench_reader_free(const bench_gl *gl, bench_reader *r)
{
    gl->DeleteProgram(r->program);
    gl->DeleteBuffers(1, &r->sink);
    gl->DeleteQueries(1, &r->query);
}

void bench_read_range(const bench_gl *gl, const bench_reader *r, unsigned int buffer, uint64_t offset,
                      uint64_t bytes)
{
    gl->UseProgram(r->program);
    gl->BindBufferRange(BENCH_GL_SHADER_STORAGE_BUFFER, 1, r->sink, 0, (ptrdiff_t)(GROUPS * GROUP_SIZE * 4u));
    for (uint64_t done = 0; done < bytes;) {
        uint64_t n = bytes - done < r->max_range ? bytes - done : r->max_range;
        gl->BindBufferRange(BENCH_GL_SHADER_STORAGE_BUFFER, 0, buffer, (intptr_t)(offset + done), (ptrdiff_t)n);
        gl->ProgramUniform1ui(r->program, r->count_location, (unsigned int)(n / 16u));
        uint64_t groups = (n / 16u + GROUP_SIZE - 1u) / GROUP_SIZE;
        gl->DispatchCompute((unsigned int)(groups < GROUPS ? groups : GROUPS), 1, 1);
        done += n;
    }
    gl->UseProgram(0);
}

static int used_wall;

int bench_timer_used_wall(void)
{
    return used_wall;
}

void bench_timer_begin(const bench_gl *gl, unsigned int query, double *t0)
{
    gl->Finish();
    *t0 = bench_now_s();
    gl->BeginQuery(BENCH_GL_TIME_ELAPSED, query);
}

double bench_timer_end_ms(const bench_gl *gl, unsigned int query, double t0)
{
    gl->EndQuery(BENCH_GL_TIME_ELAPSED);
    gl->Finish();
    double wall_ms = (bench_now_s() - t0) * 1e3;
    uint64_t ns = 0;
    gl->GetQueryObjectui64v(query, BENCH_GL_QUERY_RESULT, &ns);
    double query_ms = (double)ns * 1e-6;
    /* A query that saw almost none of a long wait did not see the work. */
    if (query_ms < 0.01 * wall_ms && wall_ms > 0.2) {
        used_wall = 1;
        return wall_ms;
    }
    return query_ms;
}

double bench_read_range_ms(const bench_gl *gl, const bench_reader *r, unsigned int buffer, uint64_t offset,
                           uint64_t bytes)
{
    double t0 = 0;
    bench_timer_begin(gl, r->query, &t0);
    bench_read_range(gl, r, buffer, offset, bytes);
    return bench_timer_end_ms(gl, r->query, t0);
}
