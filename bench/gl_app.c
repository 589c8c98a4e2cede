/* gl_app.c - see gl_app.h. */
#include "gl_app.h"

#include <string.h>

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
