/* own_gl.c - the tests' own GL function table (own_gl.h). */
#include "own_gl.h"

#include <string.h>

#include "headless.h"

/* glad's loader, compiled a second time into this library under its own
 * name (tests/support/CMakeLists.txt), so the table is the test's and not
 * glbuf's: glbuf's copy is private to the library. */
int fx_glad_load_context_userptr(GladGLContext *context, GLADuserptrloadfunc load, void *userptr);

static GladGLContext own;

static GLADapiproc load_proc(void *user, const char *name)
{
    (void)user;
    return (GLADapiproc)glbuf_headless_get_proc(name);
}

/* ---- bind-to-read stand-ins for the DSA entry points tests read with ---------
 * Each binds to GL_COPY_READ_BUFFER / GL_COPY_WRITE_BUFFER (GL 3.1, no VAO
 * state) and puts back what was bound there, so that a test's readback never
 * changes a binding glbuf is checked to leave alone. */

static GLuint bind_saving(GLenum target, GLenum binding, GLuint name)
{
    GLint old = 0;
    own.GetIntegerv(binding, &old);
    own.BindBuffer(target, name);
    return (GLuint)old;
}

static void GLAD_API_PTR get_named_sub_data(GLuint name, GLintptr offset, GLsizeiptr size, void *out)
{
    GLuint old = bind_saving(GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, name);
    own.GetBufferSubData(GL_COPY_READ_BUFFER, offset, size, out);
    own.BindBuffer(GL_COPY_READ_BUFFER, old);
}

static void GLAD_API_PTR get_named_parameter_i64v(GLuint name, GLenum pname, GLint64 *out)
{
    GLuint old = bind_saving(GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, name);
    own.GetBufferParameteri64v(GL_COPY_READ_BUFFER, pname, out);
    own.BindBuffer(GL_COPY_READ_BUFFER, old);
}

static void GLAD_API_PTR create_buffers(GLsizei n, GLuint *names)
{
    own.GenBuffers(n, names);
    for (GLsizei i = 0; i < n; i++) { /* a generated name is a buffer once bound */
        GLuint old = bind_saving(GL_COPY_WRITE_BUFFER, GL_COPY_WRITE_BUFFER_BINDING, names[i]);
        own.BindBuffer(GL_COPY_WRITE_BUFFER, old);
    }
}

static void GLAD_API_PTR copy_named_sub_data(GLuint src, GLuint dst, GLintptr src_offset, GLintptr dst_offset,
                                             GLsizeiptr size)
{
    GLuint old_read = bind_saving(GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, src);
    GLuint old_write = bind_saving(GL_COPY_WRITE_BUFFER, GL_COPY_WRITE_BUFFER_BINDING, dst);
    own.CopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, src_offset, dst_offset, size);
    own.BindBuffer(GL_COPY_WRITE_BUFFER, old_write);
    own.BindBuffer(GL_COPY_READ_BUFFER, old_read);
}

GladGLContext *fx_own_gl_load(void)
{
    memset(&own, 0, sizeof own);
    if (fx_glad_load_context_userptr(&own, load_proc, NULL) == 0) {
        return NULL;
    }
    if (!(own.VERSION_4_5 || own.ARB_direct_state_access)) {
        /* glad left these NULL: the profile has no DSA. The version and
         * extension flags stay as the driver reported them. */
        own.GetNamedBufferSubData = get_named_sub_data;
        own.GetNamedBufferParameteri64v = get_named_parameter_i64v;
        own.CreateBuffers = create_buffers;
        own.CopyNamedBufferSubData = copy_named_sub_data;
    }
    return &own;
}

GLuint fx_own_gl_new_buffer(GladGLContext *gl, uint64_t size)
{
    GLuint name = 0;
    gl->GenBuffers(1, &name);
    GLint old = 0;
    gl->GetIntegerv(GL_COPY_WRITE_BUFFER_BINDING, &old);
    gl->BindBuffer(GL_COPY_WRITE_BUFFER, name);
    gl->BufferData(GL_COPY_WRITE_BUFFER, (GLsizeiptr)size, NULL, GL_STATIC_COPY);
    gl->BindBuffer(GL_COPY_WRITE_BUFFER, (GLuint)old);
    return name;
}
