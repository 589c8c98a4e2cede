/* mesh.h - meshes in a megabuffer: vertices (any vertex size) and indices
 * allocated in one step, the draw parameters an indirect draw command needs,
 * and the commands themselves written for a list of meshes.
 *
 * With every mesh in one megabuffer, one glMultiDrawElementsIndirect (or
 * glMultiDrawArraysIndirect) draws them all: bind the megabuffer as the
 * vertex buffer (offset 0, the vertex size as stride), as the element
 * buffer, and the commands' buffer as GL_DRAW_INDIRECT_BUFFER. Each command
 * finds its mesh through baseVertex = vertex offset / vertex size and
 * firstIndex = index offset / index size, both exact because the
 * allocations sit at multiples of those sizes (and of the use's alignment).
 *
 *     DrawElementsIndirectCommand { count, instanceCount, firstIndex, baseVertex, baseInstance }
 *     DrawArraysIndirectCommand   { count, instanceCount, first, baseInstance }
 *
 * A glbuf_mesh is not a handle but a value naming two allocations of one
 * megabuffer and their format; copy it freely. It stays valid while its
 * ranges are. Its offsets change when defragmentation moves its ranges
 * (on_move reports each, with the allocation's user data): query the draw
 * parameters, or write the commands, again after that.
 *
 * Errors common to every call, checked first, changing nothing: as mega.h
 * (GLBUF_ERR_NULL, GLBUF_ERR_INVALID_HANDLE for the megabuffer or a range of
 * a mesh, GLBUF_ERR_WRONG_KIND). No call here makes a GL call, except
 * through glbuf_mega_alloc (growth) and glbuf_mega_write (flushes, as
 * mega.h says).
 *
 * Thread safety: as the megabuffer's context (one thread). */
#ifndef GLBUF_MESH_H
#define GLBUF_MESH_H

#include <stdint.h>

#include "mega.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Index types: the GL enum values (what glDrawElements* take as `type`). */
#define GLBUF_INDEX_UINT8 0x1401u  /* GL_UNSIGNED_BYTE */
#define GLBUF_INDEX_UINT16 0x1403u /* GL_UNSIGNED_SHORT */
#define GLBUF_INDEX_UINT32 0x1405u /* GL_UNSIGNED_INT */

/* Bytes of one indirect command. */
#define GLBUF_DRAW_ELEMENTS_COMMAND_BYTES 20u
#define GLBUF_DRAW_ARRAYS_COMMAND_BYTES 16u

typedef struct glbuf_mesh_desc {
    uint64_t vertex_count;  /* required, > 0 */
    uint64_t vertex_stride; /* bytes per vertex, required, > 0: any size (12, 24, 36, 56 ...) */
    uint64_t index_count;   /* 0 (default): no indices, drawn with DrawArrays */
    uint32_t index_type;    /* GLBUF_INDEX_*; required when index_count > 0 */
    uint64_t user_data;     /* given to both allocations (glbuf_mega_alloc_desc.user_data) */
} glbuf_mesh_desc;

typedef struct glbuf_mesh {
    glbuf_mega_range vertices;
    glbuf_mega_range indices; /* id 0 without indices */
    uint64_t vertex_count, vertex_stride, index_count;
    uint32_t index_type;      /* 0 without indices */
} glbuf_mesh;

/* Where a mesh is now, and what its draw command holds. */
typedef struct glbuf_mesh_draw {
    uint64_t vertex_offset; /* bytes: a multiple of the vertex size */
    uint64_t index_offset;  /* bytes: a multiple of the index size; 0 without indices */
    uint32_t count;         /* indices, or vertices without indices */
    uint32_t first_index;   /* index_offset / index size (firstIndex); 0 without indices */
    int32_t base_vertex;    /* vertex_offset / vertex size (baseVertex) */
    uint32_t first_vertex;  /* the same, for DrawArraysIndirectCommand.first */
} glbuf_mesh_draw;

/* Allocates the vertices (vertex_count * vertex_stride bytes, at a multiple of
 * the vertex size) and the indices (index_count * index size bytes, at a
 * multiple of the index size), each also at the megabuffer's minimum
 * alignment. Write them with glbuf_mega_write (or glbuf_mega_ptr).
 * *out is written only on success; when the second allocation fails the
 * first is freed again at once (it was never used). May grow the storage.
 * Fails: GLBUF_ERR_NULL (desc, out); GLBUF_ERR_ZERO_SIZE (vertex_count or
 * vertex_stride 0); GLBUF_ERR_INVALID_ARGUMENT (index_type not a GLBUF_INDEX_*
 * with index_count > 0, or set with index_count 0); GLBUF_ERR_OVERFLOW
 * (byte sizes beyond 64 bits, or a count a draw command cannot hold: more
 * than 2^32 - 1 indices, or vertices without indices); GLBUF_ERR_BAD_ALIGNMENT
 * as glbuf_mega_alloc; then the errors of glbuf_mega_alloc (FULL, out of
 * memory, growth failures). */
GLBUF_API glbuf_result glbuf_mega_mesh_alloc(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh_desc *desc,
                                             glbuf_mesh *out);

/* Frees both allocations (as glbuf_mega_free: behind the frame fence).
 * Fails: GLBUF_ERR_NULL (mesh), the common errors (then neither is freed),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY (neither is freed), GLBUF_ERR_GUARD_OVERRUN
 * (guard bytes on: a free found an overrun; both are freed, as
 * glbuf_mega_free). */
GLBUF_API glbuf_result glbuf_mega_mesh_free(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *mesh);

/* The mesh's draw parameters where it is now. No GL call.
 * Fails: GLBUF_ERR_NULL (mesh, out), the common errors,
 * GLBUF_ERR_INVALID_ARGUMENT (the mesh's format does not match its ranges:
 * not one glbuf_mega_mesh_alloc made), GLBUF_ERR_OVERFLOW (baseVertex beyond
 * 2^31 - 1 or firstIndex beyond 2^32 - 1: the megabuffer is too large for
 * that vertex or index size). */
GLBUF_API glbuf_result glbuf_mega_mesh_draw(const glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *mesh,
                                            glbuf_mesh_draw *out);

/* Writes one indirect command per mesh, in order, to `out` (out_size bytes;
 * write-only memory is fine: each command is one store), for one
 * glMultiDraw*Indirect: DrawElementsIndirectCommand (20 bytes) when every
 * mesh has indices, all of one index type; DrawArraysIndirectCommand (16
 * bytes) when none has. instanceCount is 1 and baseInstance is
 * base_instance + the mesh's position in the list (per-mesh data through an
 * instanced attribute or gl_BaseInstance; pass 0 on GL below 4.2, where the
 * field must be 0). `out` may be a stream allocation's pointer, or
 * glbuf_mega_ptr of an allocation (host-visible storage); to write into a
 * megabuffer allocation through glbuf_mega_write, see
 * glbuf_mega_mesh_write_commands. *out_bytes (may be NULL) gets the bytes
 * written. Everything is checked before anything is written.
 * Fails: GLBUF_ERR_NULL (meshes with count > 0, out); the common errors for
 * any mesh; GLBUF_ERR_ZERO_SIZE (count 0); GLBUF_ERR_INVALID_ARGUMENT (some
 * meshes have indices and some not, or index types differ: not one
 * multi-draw); GLBUF_ERR_OVERFLOW as glbuf_mega_mesh_draw, or base_instance +
 * count beyond 2^32; GLBUF_ERR_TOO_LARGE (out_size < count * command size). */
GLBUF_API glbuf_result glbuf_mega_mesh_commands(const glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *meshes,
                                                uint32_t count, uint32_t base_instance, void *out,
                                                uint64_t out_size, uint64_t *out_bytes);

/* glbuf_mega_mesh_commands into the megabuffer itself: the commands go to
 * [offset, offset + count * command size) of allocation `dst` (of the same
 * megabuffer) through glbuf_mega_write, which works in every storage.
 * Fails: as glbuf_mega_mesh_commands (checked first, nothing written), then
 * GLBUF_ERR_INVALID_HANDLE (dst), GLBUF_ERR_OUT_OF_BOUNDS (beyond dst),
 * GLBUF_ERR_OUT_OF_HOST_MEMORY. */
GLBUF_API glbuf_result glbuf_mega_mesh_write_commands(glbuf_ctx *ctx, glbuf_mega mega, const glbuf_mesh *meshes,
                                                      uint32_t count, uint32_t base_instance, glbuf_mega_range dst,
                                                      uint64_t offset);

#ifdef __cplusplus
}
#endif

#endif /* GLBUF_MESH_H */
