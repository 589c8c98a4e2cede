/* gl_ops.c - DSA or bind-to-edit buffer operations (see gl_ops.h). */
#include "gl_ops.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int dsa(const glbuf_ctx *ctx)
{
    return glbuf_ctx_has(ctx, GLBUF_CAP_DSA);
}

/* Binds `name` to `target`, returning what was bound there. */
static GLuint bind_saving(glbuf_ctx *ctx, GLenum target, GLenum binding, GLuint name)
{
    GLint old = 0;
    GLBUF_GL(ctx, GetIntegerv)(binding, &old);
    GLBUF_GL(ctx, BindBuffer)(target, name);
    return (GLuint)old;
}

static GLuint bind_write(glbuf_ctx *ctx, GLuint name)
{
    return bind_saving(ctx, GL_COPY_WRITE_BUFFER, GL_COPY_WRITE_BUFFER_BINDING, name);
}

static void restore_write(glbuf_ctx *ctx, GLuint old)
{
    GLBUF_GL(ctx, BindBuffer)(GL_COPY_WRITE_BUFFER, old);
}

int glbuf_fits_glsizeiptr(uint64_t size)
{
    return size <= (uint64_t)PTRDIFF_MAX;
}

GLuint glbuf_gl_create(glbuf_ctx *ctx)
{
    GLuint name = 0;
    if (dsa(ctx)) {
        GLBUF_GL(ctx, CreateBuffers)(1, &name);
    } else {
        GLBUF_GL(ctx, GenBuffers)(1, &name);
        /* A generated name is only a buffer object once bound. */
        GLuint old = bind_write(ctx, name);
        restore_write(ctx, old);
    }
    if (name != 0) {
        ctx->stats.buffers_created++;
        ctx->stats.buffers_alive++;
    }
    return name;
}

void glbuf_gl_delete(glbuf_ctx *ctx, GLuint name)
{
    if (name == 0) {
        return;
    }
    GLBUF_GL(ctx, DeleteBuffers)(1, &name);
    ctx->stats.buffers_deleted++;
    ctx->stats.buffers_alive--;
}

void glbuf_gl_data(glbuf_ctx *ctx, GLuint name, size_t size, const void *data, GLenum usage)
{
    if (data != NULL) {
        ctx->stats.bytes_uploaded += size;
    }
    if (dsa(ctx)) {
        GLBUF_GL(ctx, NamedBufferData)(name, (GLsizeiptr)size, data, usage);
        return;
    }
    GLuint old = bind_write(ctx, name);
    GLBUF_GL(ctx, BufferData)(GL_COPY_WRITE_BUFFER, (GLsizeiptr)size, data, usage);
    restore_write(ctx, old);
}

void glbuf_gl_storage(glbuf_ctx *ctx, GLuint name, size_t size, const void *data, GLbitfield flags)
{
    if (data != NULL) {
        ctx->stats.bytes_uploaded += size;
    }
    if (dsa(ctx)) {
        GLBUF_GL(ctx, NamedBufferStorage)(name, (GLsizeiptr)size, data, flags);
        return;
    }
    GLuint old = bind_write(ctx, name);
    GLBUF_GL(ctx, BufferStorage)(GL_COPY_WRITE_BUFFER, (GLsizeiptr)size, data, flags);
    restore_write(ctx, old);
}

static GLint64 buffer_parameter(glbuf_ctx *ctx, GLuint name, GLenum pname)
{
    GLint64 v = 0;
    if (dsa(ctx)) {
        GLBUF_GL(ctx, GetNamedBufferParameteri64v)(name, pname, &v);
        return v;
    }
    GLuint old = bind_write(ctx, name);
    GLBUF_GL(ctx, GetBufferParameteri64v)(GL_COPY_WRITE_BUFFER, pname, &v);
    restore_write(ctx, old);
    return v;
}

/* The unaligned-update workaround (ctx.c, quirk_unaligned_sub_data): the
 * bytes written through a map of exactly [offset, offset + size). Returns 0,
 * having changed nothing, when the store cannot be mapped for writing now
 * (mapped already, or immutable without GL_MAP_WRITE_BIT) or the map fails;
 * the caller then uses glBufferSubData. A plain write map waits for the GPU's
 * use of the buffer: the price of an unaligned update on that driver. */
static int sub_data_through_map(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data)
{
    /* Immutable stores exist only where glbuf may make them (GL 4.4 or
     * ARB_buffer_storage); elsewhere the query would be GL_INVALID_ENUM. */
    if (buffer_parameter(ctx, name, GL_BUFFER_MAPPED) != 0 ||
        (glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE) && buffer_parameter(ctx, name, GL_BUFFER_IMMUTABLE_STORAGE) != 0 &&
         (buffer_parameter(ctx, name, GL_BUFFER_STORAGE_FLAGS) & GL_MAP_WRITE_BIT) == 0)) {
        return 0;
    }
    void *p = glbuf_gl_map_range(ctx, name, offset, size, GL_MAP_WRITE_BIT);
    if (p == NULL) {
        return 0;
    }
    memcpy(p, data, size);
    return glbuf_gl_unmap(ctx, name) == GL_TRUE;
}

static void sub_data(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data, int copied_within)
{
    ctx->stats.bytes_uploaded += size;
    if (ctx->quirk_unaligned_sub_data && (copied_within || ((offset | size) & 3u) != 0) &&
        sub_data_through_map(ctx, name, offset, size, data)) {
        return;
    }
    if (dsa(ctx)) {
        GLBUF_GL(ctx, NamedBufferSubData)(name, (GLintptr)offset, (GLsizeiptr)size, data);
        return;
    }
    GLuint old = bind_write(ctx, name);
    GLBUF_GL(ctx, BufferSubData)(GL_COPY_WRITE_BUFFER, (GLintptr)offset, (GLsizeiptr)size, data);
    restore_write(ctx, old);
}

void glbuf_gl_sub_data(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data)
{
    sub_data(ctx, name, offset, size, data, 0);
}

void glbuf_gl_sub_data_copied_within(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, const void *data)
{
    sub_data(ctx, name, offset, size, data, 1);
}

void glbuf_gl_get_sub_data(glbuf_ctx *ctx, GLuint name, size_t offset, size_t size, void *out)
{
    if (dsa(ctx)) {
        GLBUF_GL(ctx, GetNamedBufferSubData)(name, (GLintptr)offset, (GLsizeiptr)size, out);
        return;
    }
    GLuint old = bind_saving(ctx, GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, name);
    GLBUF_GL(ctx, GetBufferSubData)(GL_COPY_READ_BUFFER, (GLintptr)offset, (GLsizeiptr)size, out);
    GLBUF_GL(ctx, BindBuffer)(GL_COPY_READ_BUFFER, old);
}

void glbuf_gl_copy(glbuf_ctx *ctx, GLuint src, GLuint dst, size_t src_offset, size_t dst_offset, size_t size)
{
    if (size == 0) {
        return;
    }
    if (dsa(ctx)) {
        GLBUF_GL(ctx, CopyNamedBufferSubData)(src, dst, (GLintptr)src_offset, (GLintptr)dst_offset,
                                             (GLsizeiptr)size);
        return;
    }
    GLuint old_read = bind_saving(ctx, GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, src);
    GLuint old_write = bind_write(ctx, dst);
    GLBUF_GL(ctx, CopyBufferSubData)(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, (GLintptr)src_offset,
                                     (GLintptr)dst_offset, (GLsizeiptr)size);
    restore_write(ctx, old_write);
    GLBUF_GL(ctx, BindBuffer)(GL_COPY_READ_BUFFER, old_read);
}

void *glbuf_gl_map_range(glbuf_ctx *ctx, GLuint name, size_t offset, size_t length, GLbitfield access)
{
    if (dsa(ctx)) {
        return GLBUF_GL(ctx, MapNamedBufferRange)(name, (GLintptr)offset, (GLsizeiptr)length, access);
    }
    GLuint old = bind_write(ctx, name);
    void *p = GLBUF_GL(ctx, MapBufferRange)(GL_COPY_WRITE_BUFFER, (GLintptr)offset, (GLsizeiptr)length, access);
    restore_write(ctx, old);
    return p;
}

GLboolean glbuf_gl_unmap(glbuf_ctx *ctx, GLuint name)
{
    if (dsa(ctx)) {
        return GLBUF_GL(ctx, UnmapNamedBuffer)(name);
    }
    GLuint old = bind_write(ctx, name);
    GLboolean ok = GLBUF_GL(ctx, UnmapBuffer)(GL_COPY_WRITE_BUFFER);
    restore_write(ctx, old);
    return ok;
}

void glbuf_gl_flush_range(glbuf_ctx *ctx, GLuint name, size_t offset, size_t length)
{
    if (dsa(ctx)) {
        GLBUF_GL(ctx, FlushMappedNamedBufferRange)(name, (GLintptr)offset, (GLsizeiptr)length);
        return;
    }
    GLuint old = bind_write(ctx, name);
    GLBUF_GL(ctx, FlushMappedBufferRange)(GL_COPY_WRITE_BUFFER, (GLintptr)offset, (GLsizeiptr)length);
    restore_write(ctx, old);
}

uint64_t glbuf_gl_query_size(glbuf_ctx *ctx, GLuint name)
{
    GLint64 size = 0;
    if (dsa(ctx)) {
        GLBUF_GL(ctx, GetNamedBufferParameteri64v)(name, GL_BUFFER_SIZE, &size);
    } else {
        GLuint old = bind_saving(ctx, GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING, name);
        GLBUF_GL(ctx, GetBufferParameteri64v)(GL_COPY_READ_BUFFER, GL_BUFFER_SIZE, &size);
        GLBUF_GL(ctx, BindBuffer)(GL_COPY_READ_BUFFER, old);
    }
    return size > 0 ? (uint64_t)size : 0;
}

glbuf_result glbuf_gl_create_store(glbuf_ctx *ctx, const glbuf_gl_store_desc *d, GLuint *out_name, void **out_map)
{
    char what[96];
    glbuf_gl_drain(ctx);
    GLuint name = glbuf_gl_create(ctx);
    if (name == 0) {
        (void)glbuf_gl_check(ctx, "glCreateBuffers", d->label);
        return GLBUF_ERR_GL;
    }
    void *map = NULL;
    glbuf_result r;
    if (d->storage_flags != 0) {
        glbuf_gl_storage(ctx, name, d->size, NULL, d->storage_flags);
        snprintf(what, sizeof what, "glBufferStorage (%s)", d->what);
        r = glbuf_gl_check(ctx, what, d->label);
        if (r == GLBUF_OK) {
            map = glbuf_gl_map_range(ctx, name, 0, d->size, d->map_access);
            snprintf(what, sizeof what, "glMapBufferRange (%s)", d->what);
            (void)glbuf_gl_check(ctx, what, d->label);
            if (map == NULL) {
                glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glMapBufferRange returned NULL", d->label);
                r = GLBUF_ERR_MAP_FAILED;
            }
        }
    } else {
        glbuf_gl_data(ctx, name, d->size, NULL, d->usage);
        snprintf(what, sizeof what, "glBufferData (%s)", d->what);
        r = glbuf_gl_check(ctx, what, d->label);
    }
    if (r != GLBUF_OK) {
        glbuf_gl_delete(ctx, name);
        return r;
    }
    glbuf_label_buffer(ctx, name, d->label);
    *out_name = name;
    *out_map = map;
    return GLBUF_OK;
}
