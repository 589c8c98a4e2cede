/* mega_mesh.c - meshes in a megabuffer (mesh.h): vertices and indices in one
 * step at multiples of their element sizes, their draw parameters, and the
 * indirect commands for a list of them. */
#include <string.h>

#include "glbuf/mesh.h"
#include "host_alloc.h"
#include "mega_internal.h"

static uint64_t index_bytes(uint32_t type)
{
    switch (type) {
    case GLBUF_INDEX_UINT8: return 1;
    case GLBUF_INDEX_UINT16: return 2;
    case GLBUF_INDEX_UINT32: return 4;
    default: return 0;
    }
}

/* ---- allocation ------------------------------------------------------------------ */

static glbuf_result mesh_alloc(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_obj *m, const glbuf_mesh_desc *desc,
                               glbuf_mesh *out)
{
    if (desc == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (desc->vertex_count == 0 || desc->vertex_stride == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    uint64_t isz = index_bytes(desc->index_type);
    if ((desc->index_count > 0) != (isz > 0) || (desc->index_count == 0 && desc->index_type != 0)) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    if (desc->vertex_count > UINT64_MAX / desc->vertex_stride ||
        (isz > 0 && desc->index_count > UINT64_MAX / isz) ||
        (desc->index_count > 0 ? desc->index_count : desc->vertex_count) > UINT32_MAX) {
        return GLBUF_ERR_OVERFLOW;
    }
    glbuf_mega_alloc_desc vd = {desc->vertex_count * desc->vertex_stride, 0, desc->vertex_stride, desc->user_data};
    glbuf_mesh mesh;
    memset(&mesh, 0, sizeof mesh);
    glbuf_result r = glbuf_mega_alloc_with(ctx, mega, &vd, &mesh.vertices, NULL);
    if (r != GLBUF_OK) {
        return r;
    }
    if (isz > 0) {
        glbuf_mega_alloc_desc id = {desc->index_count * isz, 0, isz, desc->user_data};
        r = glbuf_mega_alloc_with(ctx, mega, &id, &mesh.indices, NULL);
        if (r != GLBUF_OK) {
            glbuf_mega_take_back(m, mesh.vertices);
            return r;
        }
    }
    mesh.vertex_count = desc->vertex_count;
    mesh.vertex_stride = desc->vertex_stride;
    mesh.index_count = desc->index_count;
    mesh.index_type = isz > 0 ? desc->index_type : 0;
    *out = mesh;
    return GLBUF_OK;
}

static glbuf_result mesh_free(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_obj *m, const glbuf_mesh *mesh)
{
    if (mesh == NULL) {
        return GLBUF_ERR_NULL;
    }
    glbuf_result r = glbuf_mega_lookup(m, mesh->vertices, NULL, NULL);
    if (r == GLBUF_OK && mesh->indices.id != 0) {
        r = glbuf_mega_lookup(m, mesh->indices, NULL, NULL);
    }
    if (r != GLBUF_OK) {
        return r;
    }
    /* Room for both frees and the destinations of their moves in flight
     * first, so that neither free can fail once the other is done. */
    if (!glbuf_mega_reserve_pending(m, 4)) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    /* Each free can fail only with a guard overrun it found (and then it
     * has freed the range): report it, having freed both. */
    glbuf_result vertices = glbuf_mega_free(ctx, mega, mesh->vertices);
    glbuf_result indices = mesh->indices.id != 0 ? glbuf_mega_free(ctx, mega, mesh->indices) : GLBUF_OK;
    return vertices != GLBUF_OK ? vertices : indices;
}

/* ---- draw parameters ---------------------------------------------------------------- */

static glbuf_result mesh_draw(const glbuf_mega_obj *m, const glbuf_mesh *mesh, glbuf_mesh_draw *out)
{
    if (mesh == NULL || out == NULL) {
        return GLBUF_ERR_NULL;
    }
    uint64_t voff = 0, vsize = 0, ioff = 0, isize = 0;
    glbuf_result r = glbuf_mega_lookup(m, mesh->vertices, &voff, &vsize);
    if (r == GLBUF_OK && mesh->indices.id != 0) {
        r = glbuf_mega_lookup(m, mesh->indices, &ioff, &isize);
    }
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t isz = index_bytes(mesh->index_type);
    if (mesh->vertex_stride == 0 || mesh->vertex_count > UINT64_MAX / mesh->vertex_stride ||
        vsize != mesh->vertex_count * mesh->vertex_stride || voff % mesh->vertex_stride != 0 ||
        (mesh->indices.id != 0) != (isz > 0) ||
        (isz > 0 && (mesh->index_count > UINT64_MAX / isz || isize != mesh->index_count * isz)) ||
        (mesh->indices.id == 0 && mesh->index_count != 0)) {
        return GLBUF_ERR_INVALID_ARGUMENT;
    }
    uint64_t base = voff / mesh->vertex_stride, first = isz > 0 ? ioff / isz : 0;
    uint64_t count = isz > 0 ? mesh->index_count : mesh->vertex_count;
    if (base > INT32_MAX || first > UINT32_MAX || count > UINT32_MAX) {
        return GLBUF_ERR_OVERFLOW;
    }
    glbuf_mesh_draw d;
    d.vertex_offset = voff;
    d.index_offset = ioff;
    d.count = (uint32_t)count;
    d.first_index = (uint32_t)first;
    d.base_vertex = (int32_t)base;
    d.first_vertex = (uint32_t)base;
    *out = d;
    return GLBUF_OK;
}

/* ---- indirect commands ---------------------------------------------------------------- */

/* Checks a list of meshes for one multi-draw; *command_bytes gets the size
 * of one command. */
static glbuf_result check_list(const glbuf_mega_obj *m, const glbuf_mesh *meshes, uint32_t count,
                               uint32_t base_instance, uint64_t *command_bytes)
{
    if (count == 0) {
        return GLBUF_ERR_ZERO_SIZE;
    }
    if (meshes == NULL) {
        return GLBUF_ERR_NULL;
    }
    if ((uint64_t)base_instance + count - 1 > UINT32_MAX) {
        return GLBUF_ERR_OVERFLOW;
    }
    for (uint32_t i = 0; i < count; i++) {
        glbuf_mesh_draw d;
        glbuf_result r = mesh_draw(m, &meshes[i], &d);
        if (r != GLBUF_OK) {
            return r;
        }
        if (meshes[i].index_type != meshes[0].index_type) {
            return GLBUF_ERR_INVALID_ARGUMENT; /* indexed and not, or two index types */
        }
    }
    *command_bytes = meshes[0].index_type != 0 ? GLBUF_DRAW_ELEMENTS_COMMAND_BYTES : GLBUF_DRAW_ARRAYS_COMMAND_BYTES;
    return GLBUF_OK;
}

/* Writes the commands of a checked list. */
static void fill_commands(const glbuf_mega_obj *m, const glbuf_mesh *meshes, uint32_t count, uint32_t base_instance,
                          uint8_t *out)
{
    int indexed = meshes[0].index_type != 0;
    for (uint32_t i = 0; i < count; i++) {
        glbuf_mesh_draw d;
        memset(&d, 0, sizeof d);
        (void)mesh_draw(m, &meshes[i], &d); /* checked: succeeds */
        if (indexed) {
            uint32_t c[5] = {d.count, 1, d.first_index, (uint32_t)d.base_vertex, base_instance + i};
            memcpy(out + (size_t)i * GLBUF_DRAW_ELEMENTS_COMMAND_BYTES, c, sizeof c);
        } else {
            uint32_t c[4] = {d.count, 1, d.first_vertex, base_instance + i};
            memcpy(out + (size_t)i * GLBUF_DRAW_ARRAYS_COMMAND_BYTES, c, sizeof c);
        }
    }
}

static glbuf_result mesh_commands(const glbuf_mega_obj *m, const glbuf_mesh *meshes, uint32_t count,
                                  uint32_t base_instance, void *out, uint64_t out_size, uint64_t *out_bytes)
{
    uint64_t each = 0;
    glbuf_result r = check_list(m, meshes, count, base_instance, &each);
    if (r != GLBUF_OK) {
        return r;
    }
    if (out == NULL) {
        return GLBUF_ERR_NULL;
    }
    if (out_size < each * count) {
        return GLBUF_ERR_TOO_LARGE;
    }
    fill_commands(m, meshes, count, base_instance, out);
    if (out_bytes != NULL) {
        *out_bytes = each * count;
    }
    return GLBUF_OK;
}

static glbuf_result mesh_write_commands(glbuf_ctx *ctx, glbuf_mega mega, glbuf_mega_obj *m, const glbuf_mesh *meshes,
                                        uint32_t count, uint32_t base_instance, glbuf_mega_range dst,
                                        uint64_t offset)
{
    uint64_t each = 0, dst_size = 0;
    glbuf_result r = check_list(m, meshes, count, base_instance, &each);
    if (r == GLBUF_OK) {
        r = glbuf_mega_lookup(m, dst, NULL, &dst_size);
    }
    if (r != GLBUF_OK) {
        return r;
    }
    uint64_t bytes = each * count;
    if (offset > dst_size || bytes > dst_size - offset) {
        return GLBUF_ERR_OUT_OF_BOUNDS;
    }
    /* Built on the CPU, then one write: one flush or staged copy, and
     * nothing half written if host memory runs out. */
    uint8_t *cmds = glbuf_host_alloc(&ctx->allocator, (size_t)bytes);
    if (cmds == NULL) {
        return GLBUF_ERR_OUT_OF_HOST_MEMORY;
    }
    fill_commands(m, meshes, count, base_instance, cmds);
    r = glbuf_mega_write(ctx, mega, dst, offset, cmds, bytes);
    glbuf_host_free(&ctx->allocator, cmds);
    return r;
}

/* ---- public API ------------------------------------------------------------------------ */

glbuf_result glbuf_mega_mesh_alloc(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh_desc *desc, glbuf_mesh *out)
{
    RESOLVE(ctx, mega, m);
    return mesh_alloc(ctx, mega, m, desc, out);
}

glbuf_result glbuf_mega_mesh_free(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *mesh)
{
    RESOLVE(ctx, mega, m);
    return mesh_free(ctx, mega, m, mesh);
}

glbuf_result glbuf_mega_mesh_draw(const glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *mesh,
                                  glbuf_mesh_draw *out)
{
    RESOLVE(ctx, mega, m);
    return mesh_draw(m, mesh, out);
}

glbuf_result glbuf_mega_mesh_commands(const glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *meshes,
                                      uint32_t count, uint32_t base_instance, void *out, uint64_t out_size,
                                      uint64_t *out_bytes)
{
    RESOLVE(ctx, mega, m);
    return mesh_commands(m, meshes, count, base_instance, out, out_size, out_bytes);
}

glbuf_result glbuf_mega_mesh_write_commands(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *meshes,
                                            uint32_t count, uint32_t base_instance, glbuf_mega_range dst,
                                            uint64_t offset)
{
    RESOLVE(ctx, mega, m);
    return mesh_write_commands(ctx, mega, m, meshes, count, base_instance, dst, offset);
}
