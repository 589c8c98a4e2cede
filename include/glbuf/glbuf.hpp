// glbuf.hpp - glbuf's C++ layer (C++17, header-only): RAII owners for every
// glbuf object, typed writes and appends from contiguous ranges of structs,
// Cinder-style one-line creation, and one error policy (cpp/error.hpp:
// glbuf::Error exceptions by default, a parallel try_ API returning
// glbuf::Result<T>, the only API under -fno-exceptions).
//
//     glbuf::Context ctx(glfwGetProcAddress);             // the GL context current now
//     auto vbo = glbuf::Buffer::create(ctx, GL_ARRAY_BUFFER, vertices, GL_STATIC_DRAW);
//     glbuf::Mega mega(ctx, glbuf_mega_desc{});
//     glbuf::MegaRange mesh = mega.store(vertices);
//     glbuf::Stream stream(ctx, glbuf_stream_desc{});
//     auto slice = stream.push(particles);
//     ...
//     ctx.end_frame();
//
// Classes, one file each under glbuf/cpp/ (each says what it owns):
//   Context (context.hpp)                 glbuf_ctx
//   Buffer, BufferRef (buffer.hpp)        glbuf_buffer
//   Mega, MegaRange (mega.hpp)            glbuf_mega, glbuf_mega_range
//   Mesh (mesh.hpp)                       a glbuf_mesh: vertices + indices in a Mega
//   Stream, StreamSlice (stream.hpp)      glbuf_stream and its allocations
//   Pool, PooledBuffer (pool.hpp)         glbuf_pool and acquired buffers
//   Readback, ReadbackRequest (readback.hpp)  glbuf_readback and requests
//   Ranges, RangeAlloc (ranges.hpp)       glbuf_ranges and glbuf_range
//   Span (span.hpp), Error, Result (error.hpp)
// The memory view (glbuf/view.h, library glbuf::view) has its own wrapper,
// glbuf/cpp/view.hpp, not included here: it needs that library linked.
//
// Everything is inline over the C API: link glbuf (glbuf::glbuf, or
// glbuf::cxx which also asks for C++17; pkg-config glbuf). The objects
// belong to the thread of their GL context, as in C.
#ifndef GLBUF_HPP
#define GLBUF_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "glbuf.hpp needs C++17"
#endif

#include "cpp/buffer.hpp"
#include "cpp/context.hpp"
#include "cpp/error.hpp"
#include "cpp/mega.hpp"
#include "cpp/mesh.hpp"
#include "cpp/pool.hpp"
#include "cpp/ranges.hpp"
#include "cpp/readback.hpp"
#include "cpp/span.hpp"
#include "cpp/stream.hpp"

#endif // GLBUF_HPP
