/* buffer.c - glbuf_buffer: Cinder's BufferObj surface, Processing's growth. */
#include <string.h>

#include "buffer_internal.h"
#include "gl_ops.h"
#include "host_alloc.h"

static const GLenum gl_targets[GLBUF_TARGET_COUNT] = {
    GL_ARRAY_BUFFER,         GL_ELEMENT_ARRAY_BUFFER,    GL_UNIFORM_BUFFER,      GL_SHADER_STORAGE_BUFFER,
    GL_DRAW_INDIRECT_BUFFER, GL_DISPATCH_INDIRECT_BUFFER, GL_COPY_READ_BUFFER,    GL_COPY_WRITE_BUFFER,
    GL_PIXEL_PACK_BUFFER,    GL_PIXEL_UNPACK_BUFFER,     GL_TEXTURE_BUFFER,      GL_TRANSFORM_FEEDBACK_BUFFER,
    GL_ATOMIC_COUNTER_BUFFER, GL_QUERY_BUFFER,
};

static const GLenum gl_usages[GLBUF_USAGE_COUNT] = {
    GL_STATIC_DRAW, GL_DYNAMIC_DRAW, GL_STREAM_DRAW, GL_STATIC_READ, GL_DYNAMIC_READ,
    GL_STREAM_READ, GL_STATIC_COPY, GL_DYNAMIC_COPY, GL_STREAM_COPY,
};

#define KNOWN_STORAGE_FLAGS 0x3Fu
#define KNOWN_MAP_FLAGS 0xFFu

uint32_t glbuf_target_gl_enum(glbuf_target target)
{
    return (unsigned)target < GLBUF_TARGET_COUNT ? gl_targets[target] : 0;
}

static GLbitfield gl_storage_flags(uint32_t f)
{
    GLbitfield g = 0;
    g |= (f & GLBUF_STORAGE_DYNAMIC) ? GL_DYNAMIC_STORAGE_BIT : 0;
    g |= (f & GLBUF_STORAGE_MAP_READ) ? GL_MAP_READ_BIT : 0;
    g |= (f & GLBUF_STORAGE_MAP_WRITE) ? GL_MAP_WRITE_BIT : 0;
    g |= (f & GLBUF_STORAGE_PERSISTENT) ? GL_MAP_PERSISTENT_BIT : 0;
    g |= (f & GLBUF_STORAGE_COHERENT) ? GL_MAP_COHERENT_BIT : 0;
    g |= (f & GLBUF_STORAGE_CLIENT) ? GL_CLIENT_STORAGE_BIT : 0;
    return g;
}

static GLbitfield gl_map_flags(uint32_t f)
{
    GLbitfield g = 0;
    g |= (f & GLBUF_MAP_READ) ? GL_MAP_READ_BIT : 0;
    g |= (f & GLBUF_MAP_WRITE) ? GL_MAP_WRITE_BIT : 0;
    g |= (f & GLBUF_MAP_INVALIDATE_RANGE) ? GL_MAP_INVALIDATE_RANGE_BIT : 0;
    g |= (f & GLBUF_MAP_INVALIDATE_BUFFER) ? GL_MAP_INVALIDATE_BUFFER_BIT : 0;
    g |= (f & GLBUF_MAP_FLUSH_EXPLICIT) ? GL_MAP_FLUSH_EXPLICIT_BIT : 0;
    g |= (f & GLBUF_MAP_UNSYNCHRONIZED) ? GL_MAP_UNSYNCHRONIZED_BIT : 0;
    g |= (f & GLBUF_MAP_PERSISTENT) ? GL_MAP_PERSISTENT_BIT : 0;
    g |= (f & GLBUF_MAP_COHERENT) ? GL_MAP_COHERENT_BIT : 0;
    return g;
}

glbuf_buffer_obj *glbuf_buffer_lookup(const glbuf_ctx *ctx, glbuf_buffer buf, glbuf_result *why)
{
    if (ctx == NULL) {
        *why = GLBUF_ERR_NULL;
        return NULL;
    }
    return glbuf_objects_get(&ctx->objects, buf.id, GLBUF_KIND_BUFFER, why);
}

/* The range [offset, offset + size) lies within `limit`. */
static glbuf_result check_range(uint64_t offset, uint64_t size, uint64_t limit)
{
    if (offset > UINT64_MAX - size) {
        return GLBUF_ERR_OVERFLOW;
    }
    return offset + size <= limit ? GLBUF_OK : GLBUF_ERR_OUT_OF_BOUNDS;
}

static const char *label_of(const glbuf_buffer_obj *b)
{
    return b->label ? b->label : "buffer";
}

const char *glbuf_buffer_label(const glbuf_buffer_obj *b)
{
    return label_of(b);
}

GLenum glbuf_buffer_gl_usage(glbuf_usage usage)
{
    return gl_usages[usage];
}

static glbuf_result set_label(glbuf_ctx *ctx, glbuf_buffer_obj *b, const char *label)
{
    char *copy = NULL;
    if (label != NULL) {
        size_t n = strlen(label) + 1;
        copy = glbuf_host_alloc(&ctx->allocator, n);
        if (copy == NULL) {
            return GLBUF_ERR_OUT_OF_HOST_MEMORY;
        }
        memcpy(copy, label, n);
    }
    glbuf_host_free(&ctx->allocator, b->label);
    b->label = copy;
    glbuf_label_buffer(ctx, b->name, label_of(b));
    return GLBUF_OK;
}

/* Re-specifies the store at `capacity` with `data`, checking glGetError
 * around it when `checked` (ctx.h, "GL errors": always when it allocates;
 * an orphan at the same capacity only under validation). On failure the
 * cached sizes follow what the driver kept (it may have released the old
 * store). */
static glbuf_result respecify(glbuf_ctx *ctx, glbuf_buffer_obj *b, uint64_t capacity, const void *data,
                              glbuf_usage usage, int checked)
{
    if (checked) {
        glbuf_gl_drain(ctx);
    }
    glbuf_gl_data(ctx, b->name, (size_t)capacity, data, gl_usages[usage]);
    glbuf_result r = checked ? glbuf_gl_check(ctx, "glBufferData", label_of(b)) : GLBUF_OK;
    if (r != GLBUF_OK) {
        b->capacity = glbuf_gl_query_size(ctx, b->name);
        if (b->size - b->pending_size > b->capacity) {
            /* The driver released the store under the uploaded bytes: staged
             * bytes have no place after them any more. */
            glbuf_buffer_drop_staged(ctx, b);
            b->size = b->capacity;
        }
        return r;
    }
    if (capacity > b->capacity) {
        b->reallocations++;
        ctx->stats.reallocations++;
    }
    b->capacity = capacity;
    b->usage = usage;
    return GLBUF_OK;
}

/* Every call that changes the store refuses while mapped and on immutable
 * storage; this is that check. */
static glbuf_result check_respecifiable(const glbuf_buffer_obj *b)
{
    if (b->storage_flags != 0) {
        return GLBUF_ERR_IMMUTABLE;
    }
    return b->mapped ? GLBUF_ERR_ALREADY_MAPPED : GLBUF_OK;
}

/* The combinations glMapBufferRange accepts for this buffer (GL 4.5 §6.3):
 * READ or WRITE; no invalidation or unsynchronized reads; explicit flush only
 * when writing; persistent/coherent only on storage that has them; on
 * immutable storage, only the access the storage was made for. */
static int map_access_valid(const glbuf_buffer_obj *b, uint32_t access)
{
    const uint32_t f = b->storage_flags;
    if ((access & ~KNOWN_MAP_FLAGS) != 0 || (access & (GLBUF_MAP_READ | GLBUF_MAP_WRITE)) == 0) {
        return 0;
    }
    if ((access & GLBUF_MAP_READ) &&
        (access & (GLBUF_MAP_INVALIDATE_RANGE | GLBUF_MAP_INVALIDATE_BUFFER | GLBUF_MAP_UNSYNCHRONIZED))) {
        return 0;
    }
    if ((access & GLBUF_MAP_FLUSH_EXPLICIT) && !(access & GLBUF_MAP_WRITE)) {
        return 0;
    }
    if (((access & GLBUF_MAP_PERSISTENT) && !(f & GLBUF_STORAGE_PERSISTENT)) ||
        ((access & GLBUF_MAP_COHERENT) && !(f & GLBUF_STORAGE_COHERENT))) {
        return 0;
    }
    if (f != 0 && (((access & GLBUF_MAP_READ) && !(f & GLBUF_STORAGE_MAP_READ)) ||
                   ((access & GLBUF_MAP_WRITE) && !(f & GLBUF_STORAGE_MAP_WRITE)))) {
        return 0;
    }
    return 1;
}

/* ---- public API ----------------------------------------------------------- */

#define LOOKUP(ctx, buf, b)                                \
    glbuf_result lookup_result_;                           \
    glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, buf, &lookup_result_); \
    if (b == NULL) {                                       \
        return lookup_result_;                             \
    }

glbuf_result glbuf_buffer_create(glbuf_ctx *ctx, const glbuf_buffer_desc *desc, glbuf_buffer *out)
{
    if (ctx == NULL || desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((unsigned)desc->target >= GLBUF_TARGET_COUNT || (unsigned)desc->usage >= GLBUF_USAGE_COUNT ||
        (unsigned)desc->growth >= GLBUF_GROWTH_COUNT || (desc->storage_flags & ~KNOWN_STORAGE_FLAGS) != 0) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    if (!glbuf_fits_glsizeiptr(desc->size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (desc->storage_flags != 0) {
        if (!glbuf_ctx_has(ctx, GLBUF_CAP_BUFFER_STORAGE)) {
            return GLBUF_ERR_UNSUPPORTED;
        }
        if (desc->size == 0) {
            return GLBUF_ERR_ZERO_SIZE;
        }
    }
    glbuf_buffer_obj *b = glbuf_host_calloc(&ctx->allocator, 1, sizeof *b);
    if (b == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    b->target = desc->target;
    b->usage = desc->usage;
    b->growth = desc->growth;
    b->growth_step = desc->growth_step;
    b->storage_flags = desc->storage_flags;
    b->batch_appends = desc->batch_appends != 0;
    b->growth_may_rename = desc->growth_may_rename != 0;
    uint64_t id = 0;
    glbuf_result r = glbuf_objects_insert(&ctx->objects, &ctx->allocator, GLBUF_KIND_BUFFER, b, &id);
    if (r == GLBUF_OK && desc->label != NULL) {
        r = set_label(ctx, b, desc->label); /* before the GL name: sets no GL label yet */
    }
    if (r != GLBUF_OK) {
        if (id != 0) {
            glbuf_objects_remove(&ctx->objects, id);
        }
        glbuf_host_free(&ctx->allocator, b);
        return r;
    }
    glbuf_gl_drain(ctx);
    b->name = glbuf_gl_create(ctx);
    if (desc->storage_flags != 0) {
        glbuf_gl_storage(ctx, b->name, (size_t)desc->size, desc->data, gl_storage_flags(desc->storage_flags));
    } else {
        glbuf_gl_data(ctx, b->name, (size_t)desc->size, desc->data, gl_usages[desc->usage]);
    }
    r = glbuf_gl_check(ctx, "buffer creation", label_of(b));
    if (b->name == 0 || r != GLBUF_OK) {
        glbuf_gl_delete(ctx, b->name);
        glbuf_objects_remove(&ctx->objects, id);
        glbuf_host_free(&ctx->allocator, b->label);
        glbuf_host_free(&ctx->allocator, b);
        return r != GLBUF_OK ? r : GLBUF_ERR_GL;
    }
    b->size = b->capacity = desc->size;
    glbuf_label_buffer(ctx, b->name, label_of(b));
    out->id = id;
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_destroy(glbuf_ctx *ctx, glbuf_buffer buf)
{
    LOOKUP(ctx, buf, b);
    if (b->mapped) {
        (void)glbuf_gl_unmap(ctx, b->name);
    }
    glbuf_gl_delete(ctx, b->name);
    glbuf_buffer_release_staging(ctx, b);
    glbuf_objects_remove(&ctx->objects, buf.id);
    glbuf_host_free(&ctx->allocator, b->label);
    glbuf_host_free(&ctx->allocator, b);
    return GLBUF_OK;
}

void glbuf_buffer_teardown(glbuf_ctx *ctx, uint64_t id)
{
    glbuf_buffer buf = {id};
    (void)glbuf_buffer_destroy(ctx, buf);
}

glbuf_result glbuf_buffer_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size, const void *data,
                               glbuf_usage usage)
{
    LOOKUP(ctx, buf, b);
    glbuf_result r = check_respecifiable(b);
    if (r != GLBUF_OK) {
        return r;
    }
    if ((unsigned)usage >= GLBUF_USAGE_COUNT) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    if (!glbuf_fits_glsizeiptr(size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    r = respecify(ctx, b, size, data, usage, 1);
    if (r == GLBUF_OK) {
        glbuf_buffer_drop_staged(ctx, b); /* replaced with the rest */
        b->size = size;
    }
    return r;
}

glbuf_result glbuf_buffer_sub_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t size,
                                   const void *data)
{
    LOOKUP(ctx, buf, b);
    if (data == NULL && size > 0) {
        return GLBUF_ERR_NULL;
    }
    glbuf_result r = check_range(offset, size, b->size);
    if (r != GLBUF_OK) {
        return r;
    }
    if (b->mapped && !(b->map_access & GLBUF_MAP_PERSISTENT)) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    if (b->storage_flags != 0 && !(b->storage_flags & GLBUF_STORAGE_DYNAMIC)) {
        return GLBUF_ERR_IMMUTABLE;
    }
    if (size == 0) {
        return GLBUF_OK;
    }
    /* [ uploaded: GL ][ staged: CPU ]; the write may fall on either or both. */
    uint64_t uploaded = b->size - b->pending_size;
    if (offset + size > uploaded) {
        uint64_t from = offset > uploaded ? offset : uploaded;
        glbuf_buffer_write_staged(b, (size_t)(from - uploaded), (const uint8_t *)data + (from - offset),
                                  (size_t)(offset + size - from));
    }
    if (offset < uploaded) {
        uint64_t n = offset + size < uploaded ? size : uploaded - offset;
        glbuf_validate_begin(ctx);
        glbuf_gl_sub_data(ctx, b->name, (size_t)offset, (size_t)n, data);
        glbuf_validate(ctx, "glBufferSubData", label_of(b));
    }
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_get_sub_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t size,
                                       void *out)
{
    LOOKUP(ctx, buf, b);
    if (out == NULL && size > 0) {
        return GLBUF_ERR_NULL;
    }
    glbuf_result r = check_range(offset, size, glbuf_buffer_settled_capacity(b, 0));
    if (r != GLBUF_OK) {
        return r;
    }
    if (b->mapped && !(b->map_access & GLBUF_MAP_PERSISTENT)) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    if (size == 0) {
        return GLBUF_OK;
    }
    glbuf_validate_begin(ctx);
    r = glbuf_buffer_settle(ctx, b, 0);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_gl_get_sub_data(ctx, b->name, (size_t)offset, (size_t)size, out);
    glbuf_validate(ctx, "glGetBufferSubData", label_of(b));
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_copy_data(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size, const void *data)
{
    LOOKUP(ctx, buf, b);
    if (data == NULL && size > 0) {
        return GLBUF_ERR_NULL;
    }
    if (!glbuf_fits_glsizeiptr(size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (b->mapped) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    /* Every check against the capacity the staged bytes' upload gives, before
     * that upload: bad input changes nothing. */
    uint64_t settled = glbuf_buffer_settled_capacity(b, 0);
    glbuf_result r = GLBUF_OK;
    if (size <= settled) {
        if (b->storage_flags != 0 && !(b->storage_flags & GLBUF_STORAGE_DYNAMIC)) {
            return GLBUF_ERR_IMMUTABLE;
        }
    } else if ((r = check_respecifiable(b)) != GLBUF_OK) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if ((r = glbuf_buffer_settle(ctx, b, 0)) != GLBUF_OK) {
        return r;
    }
    if (size <= b->capacity) {
        if (size > 0) {
            glbuf_gl_sub_data(ctx, b->name, 0, (size_t)size, data);
        }
        b->size = size;
        glbuf_validate(ctx, "copy_data", label_of(b));
        return GLBUF_OK;
    }
    if (b->growth == GLBUF_GROWTH_EXACT) {
        r = respecify(ctx, b, size, data, b->usage, 1);
    } else {
        uint64_t capacity = glbuf_growth_next_capacity(b->growth, b->growth_step, b->capacity, size);
        r = respecify(ctx, b, capacity, NULL, b->usage, 1);
        if (r == GLBUF_OK) {
            glbuf_gl_sub_data(ctx, b->name, 0, (size_t)size, data);
        }
    }
    if (r == GLBUF_OK) {
        b->size = size;
    }
    return r;
}

glbuf_result glbuf_buffer_ensure_min_size(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t min_size)
{
    LOOKUP(ctx, buf, b);
    if (!glbuf_fits_glsizeiptr(min_size)) {
        return GLBUF_ERR_OVERFLOW;
    }
    glbuf_result r = GLBUF_OK;
    if (min_size > glbuf_buffer_settled_capacity(b, 0) && (r = check_respecifiable(b)) != GLBUF_OK) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if ((r = glbuf_buffer_settle(ctx, b, 0)) != GLBUF_OK || min_size <= b->capacity) {
        return r;
    }
    r = respecify(ctx, b, min_size, NULL, b->usage, 1);
    if (r == GLBUF_OK) {
        b->size = min_size;
    }
    return r;
}

/* The checks of a call that makes the store hold `capacity` bytes (and the
 * staged bytes): a growth needs a mutable, unmapped store. */
static glbuf_result check_reservable(const glbuf_buffer_obj *b, uint64_t capacity)
{
    if (!glbuf_fits_glsizeiptr(capacity)) {
        return GLBUF_ERR_OVERFLOW;
    }
    return glbuf_buffer_settled_capacity(b, capacity) > b->capacity ? check_respecifiable(b) : GLBUF_OK;
}

glbuf_result glbuf_buffer_reserve(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t capacity)
{
    LOOKUP(ctx, buf, b);
    glbuf_result r = check_reservable(b, capacity);
    if (r != GLBUF_OK) {
        return r;
    }
    /* Staged bytes stay staged unless the store grows now: then they are
     * uploaded with the growth rather than after a second one. */
    if (capacity <= b->capacity) {
        return GLBUF_OK;
    }
    glbuf_validate_begin(ctx);
    return glbuf_buffer_settle(ctx, b, capacity);
}

glbuf_result glbuf_buffer_resize(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t size)
{
    LOOKUP(ctx, buf, b);
    glbuf_result r = check_reservable(b, size);
    if (r == GLBUF_OK) {
        glbuf_validate_begin(ctx);
        r = glbuf_buffer_settle(ctx, b, size); /* the staged bytes must be in GL before the size moves */
    }
    if (r == GLBUF_OK) {
        b->size = size;
    }
    return r;
}

glbuf_result glbuf_buffer_append(glbuf_ctx *ctx, glbuf_buffer buf, const void *data, uint64_t size)
{
    LOOKUP(ctx, buf, b);
    if (data == NULL && size > 0) {
        return GLBUF_ERR_NULL;
    }
    if (b->size > UINT64_MAX - size) {
        return GLBUF_ERR_OVERFLOW;
    }
    if (b->mapped && !(b->map_access & GLBUF_MAP_PERSISTENT)) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    if (b->storage_flags != 0 && (!(b->storage_flags & GLBUF_STORAGE_DYNAMIC) || b->size + size > b->capacity)) {
        return GLBUF_ERR_IMMUTABLE;
    }
    if (b->batch_appends) {
        if (!glbuf_fits_glsizeiptr(b->size + size)) {
            return GLBUF_ERR_OVERFLOW;
        }
        return size > 0 ? glbuf_buffer_stage(ctx, b, data, (size_t)size) : GLBUF_OK;
    }
    glbuf_result r = glbuf_buffer_reserve(ctx, buf, b->size + size);
    if (r != GLBUF_OK || size == 0) {
        return r;
    }
    glbuf_validate_begin(ctx);
    glbuf_gl_sub_data(ctx, b->name, (size_t)b->size, (size_t)size, data);
    b->size += size;
    glbuf_validate(ctx, "append", label_of(b));
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_map_range(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t length,
                                    uint32_t access, void **out)
{
    LOOKUP(ctx, buf, b);
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t capacity = glbuf_buffer_settled_capacity(b, 0);
    if (length == 0 || capacity == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    glbuf_result r = check_range(offset, length, capacity);
    if (r != GLBUF_OK) {
        return r;
    }
    if (!map_access_valid(b, access)) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    if (b->mapped) {
        return GLBUF_ERR_ALREADY_MAPPED;
    }
    glbuf_validate_begin(ctx);
    if ((r = glbuf_buffer_settle(ctx, b, 0)) != GLBUF_OK) {
        return r;
    }
    /* Maps allocate nothing: no glGetError (ctx.h, "GL errors"); NULL says
     * it failed, and its GL error stays in GL unless validation reads it. */
    void *p = glbuf_gl_map_range(ctx, b->name, (size_t)offset, (size_t)length, gl_map_flags(access));
    glbuf_validate(ctx, "glMapBufferRange", label_of(b));
    if (p == NULL) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glMapBufferRange returned NULL", label_of(b));
        return GLBUF_ERR_MAP_FAILED;
    }
    b->mapped = 1;
    b->map_access = access;
    b->map_offset = offset;
    b->map_length = length;
    *out = p;
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_map(glbuf_ctx *ctx, glbuf_buffer buf, uint32_t access, void **out)
{
    LOOKUP(ctx, buf, b);
    return glbuf_buffer_map_range(ctx, buf, 0, glbuf_buffer_settled_capacity(b, 0), access, out);
}

glbuf_result glbuf_buffer_map_replace(glbuf_ctx *ctx, glbuf_buffer buf, void **out)
{
    LOOKUP(ctx, buf, b);
    return glbuf_buffer_map_range(ctx, buf, 0, glbuf_buffer_settled_capacity(b, 0),
                                  GLBUF_MAP_WRITE | GLBUF_MAP_INVALIDATE_BUFFER, out);
}

glbuf_result glbuf_buffer_flush_range(glbuf_ctx *ctx, glbuf_buffer buf, uint64_t offset, uint64_t length)
{
    LOOKUP(ctx, buf, b);
    if (!b->mapped) {
        return GLBUF_ERR_NOT_MAPPED;
    }
    if (!(b->map_access & GLBUF_MAP_FLUSH_EXPLICIT)) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    glbuf_result r = check_range(offset, length, b->map_length);
    if (r != GLBUF_OK) {
        return r;
    }
    glbuf_validate_begin(ctx);
    if (length > 0) {
        glbuf_gl_flush_range(ctx, b->name, (size_t)offset, (size_t)length);
    }
    glbuf_validate(ctx, "glFlushMappedBufferRange", label_of(b));
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_unmap(glbuf_ctx *ctx, glbuf_buffer buf)
{
    LOOKUP(ctx, buf, b);
    if (!b->mapped) {
        return GLBUF_ERR_NOT_MAPPED;
    }
    glbuf_validate_begin(ctx);
    GLboolean ok = glbuf_gl_unmap(ctx, b->name);
    glbuf_validate(ctx, "glUnmapBuffer", label_of(b));
    b->mapped = 0;
    b->map_access = 0;
    if (ok == GL_FALSE) {
        glbuf_log(ctx, GLBUF_LOG_ERROR, "'%s': glUnmapBuffer returned GL_FALSE, contents lost", label_of(b));
        return GLBUF_ERR_CONTENTS_LOST;
    }
    return GLBUF_OK;
}

glbuf_result glbuf_buffer_orphan(glbuf_ctx *ctx, glbuf_buffer buf)
{
    LOOKUP(ctx, buf, b);
    glbuf_result r = check_respecifiable(b);
    if (r != GLBUF_OK) {
        return r;
    }
    /* Staged bytes would be undefined once uploaded: drop them, but give the
     * store the capacity their upload would have, so size <= capacity. An
     * orphan at the same capacity asks the driver for a store like the one
     * it has, once a frame in a typical loop: no glGetError around it unless
     * validation is on (ctx.h, "GL errors"); one that grows is checked as
     * any growth. */
    uint64_t size = b->size;
    uint64_t capacity = glbuf_buffer_settled_capacity(b, 0);
    glbuf_validate_begin(ctx);
    r = respecify(ctx, b, capacity, NULL, b->usage, ctx->validation || capacity != b->capacity);
    if (r == GLBUF_OK) {
        glbuf_buffer_drop_staged(ctx, b);
        b->size = size;
    }
    return r;
}

glbuf_result glbuf_buffer_set_label(glbuf_ctx *ctx, glbuf_buffer buf, const char *label)
{
    LOOKUP(ctx, buf, b);
    return set_label(ctx, b, label);
}

glbuf_result glbuf_buffer_get_info(const glbuf_ctx *ctx, glbuf_buffer buf, glbuf_buffer_info *out)
{
    LOOKUP(ctx, buf, b);
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    out->name = b->name;
    out->size = b->size;
    out->capacity = b->capacity;
    out->target = b->target;
    out->usage = b->usage;
    out->growth = b->growth;
    out->storage_flags = b->storage_flags;
    out->reallocations = b->reallocations;
    out->mapped = b->mapped;
    out->label = label_of(b);
    out->pending_bytes = b->pending_size;
    out->storage_generation = b->storage_generation;
    return GLBUF_OK;
}

uint32_t glbuf_buffer_name(const glbuf_ctx *ctx, glbuf_buffer buf)
{
    glbuf_result why;
    const glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, buf, &why);
    return b ? b->name : 0;
}

uint64_t glbuf_buffer_size(const glbuf_ctx *ctx, glbuf_buffer buf)
{
    glbuf_result why;
    const glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, buf, &why);
    return b ? b->size : 0;
}

uint64_t glbuf_buffer_capacity(const glbuf_ctx *ctx, glbuf_buffer buf)
{
    glbuf_result why;
    const glbuf_buffer_obj *b = glbuf_buffer_lookup(ctx, buf, &why);
    return b ? b->capacity : 0;
}
