// test_headers_cxx.cpp - every public header compiled as C++11 (warnings as
// errors, -pedantic-errors), linked and run.
//
// glbuf_all_headers.h is generated at configure time from include/glbuf/*.h
// (tests/consumer/public_headers.cmake, CONFIGURE_DEPENDS), so headers added
// later are compiled here too. Calling the C functions checks that the
// headers give them C linkage under C++.
#include "glbuf_all_headers.h"
#include "glbuf_all_headers.h" // twice: include guards

#include <cstdio>
#include <cstring>

static_assert(sizeof(glbuf_buffer) == sizeof(uint64_t), "glbuf_buffer is a 64-bit handle");
static_assert(GLBUF_OK == 0, "GLBUF_OK is 0");

static int failures;

static void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

int main()
{
    check(std::strcmp(glbuf_result_name(GLBUF_ERR_FULL), "GLBUF_ERR_FULL") == 0, "glbuf_result_name");
    check(glbuf_result_str(static_cast<glbuf_result>(GLBUF_RESULT_COUNT)) != nullptr, "glbuf_result_str");
    check(glbuf_ctx_frame(nullptr) == 0, "glbuf_ctx_frame(NULL)");
    check(glbuf_ctx_get_caps(nullptr).caps == 0, "glbuf_ctx_get_caps(NULL)");
    check(glbuf_target_gl_enum(GLBUF_TARGET_ARRAY) == 0x8892u, "glbuf_target_gl_enum");
    check(glbuf_growth_next_capacity(GLBUF_GROWTH_POW2, 0, 4, 5) == 8, "glbuf_growth_next_capacity");

    // Zero-initialised descriptors, the documented way to start, in C++.
    glbuf_ctx_desc ctx_desc = {};
    glbuf_buffer_desc buf_desc = {};
    check(ctx_desc.get_proc_address == nullptr && buf_desc.size == 0, "zero-initialised descs");
    glbuf_ctx *ctx = nullptr;
    check(glbuf_ctx_create(nullptr, &ctx) == GLBUF_ERR_NULL && ctx == nullptr, "glbuf_ctx_create(NULL)");
    glbuf_ctx_destroy(ctx); // NULL is ignored

    // Handles are typed 64-bit values: zero is invalid, and queries give zero.
    static_assert(sizeof(glbuf_mega) == sizeof(uint64_t) && sizeof(glbuf_stream) == sizeof(uint64_t) &&
                      sizeof(glbuf_pool) == sizeof(uint64_t) && sizeof(glbuf_mega_range) == sizeof(uint64_t),
                  "handles are 64-bit values");
    glbuf_mega mega = {};
    check(glbuf_mega_gl_name(nullptr, mega) == 0 && glbuf_mega_storage_generation(nullptr, mega) == 0,
          "megabuffer queries of an invalid handle");
    check(glbuf_mega_destroy(nullptr, mega) == GLBUF_ERR_NULL, "glbuf_mega_destroy(NULL)");
    glbuf_stream stream = {};
    check(glbuf_stream_get_stats(nullptr, stream).capacity == 0, "glbuf_stream_get_stats(NULL)");
    glbuf_pool pool = {};
    check(glbuf_pool_get_stats(nullptr, pool).idle_budget == 0, "glbuf_pool_get_stats(NULL)");

    if (failures == 0) {
        std::printf("public headers: OK as C++\n");
    }
    return failures == 0 ? 0 : 1;
}
