/* gl_app.c - see gl_app.h. */
#include "gl_app.h"

#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "headless.h"

int bench_gl_load(bench_gl *gl, const char **missing)
{
    memset(gl, 0, sizeof *gl);
    glbuf_gl_proc p;
    /* An object pointer is converted through a function pointer of another
     * type, which C allows (a round trip through the cast is exact). */
#define BENCH_GL_LOAD(ret, name, params)                                 \
    p = glbuf_headless_get_proc("gl" #name);                             \
    if (p == NULL) {                                                     \
        *missing = "gl" #name;                                           \
        return 0;                                                        \
    }                                                                    \
    gl->name = (ret(*) params)p;
    BENCH_GL_FUNCS(BENCH_GL_LOAD)
#undef BENCH_GL_LOAD
    return 1;
}

unsigned int bench_gl_compile(const bench_gl *gl, unsigned int type, const char *src)
{
    unsigned int sh = gl->CreateShader(type);
    gl->ShaderSource(sh, 1, &src, NULL);
    gl->CompileShader(sh);
    int ok = 0;
    gl->GetShaderiv(sh, BENCH_GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[512] = "";
        gl->GetShaderInfoLog(sh, (int)sizeof log, NULL, log);
        fprintf(stderr, "glbuf-bench: shader: %s\n", log);
        bench_die("shader compilation failed");
    }
    return sh;
}
