// test_cpp_noexcept.cpp - the C++ layer compiled with -fno-exceptions: the
// try_ spelling is the whole API (the throwing calls are not declared, which
// the static_asserts below check), and it works on a real context: create
// from a vector, append, read back with glbuf, a failure as a code.
// Exit status: 0 passed, 1 failed, 77 no GL context (skipped).
#include <glbuf/glbuf.hpp>

#include <cstdio>
#include <cstring>
#include <type_traits>
#include <vector>

extern "C" {
#include "gl_profile.h"
#include "headless.h"
}

#if GLBUF_CPP_EXCEPTIONS
#error "this file must be compiled without exceptions"
#endif

namespace {

template <class T, class = void>
struct has_throwing_append : std::false_type {};
template <class T>
struct has_throwing_append<T, std::void_t<decltype(std::declval<T &>().append(std::declval<std::vector<int> &>()))>>
    : std::true_type {};
template <class T, class = void>
struct has_value : std::false_type {};
template <class T>
struct has_value<T, std::void_t<decltype(std::declval<T &>().value())>> : std::true_type {};

static_assert(!has_throwing_append<glbuf::Buffer>::value, "no throwing append without exceptions");
static_assert(!has_value<glbuf::Result<int>>::value, "no Result::value() without exceptions");
static_assert(!std::is_constructible<glbuf::Context, glbuf_get_proc_address_fn>::value,
              "no throwing Context constructor without exceptions");

int failures;
#define CHECK(cond)                                                                                      \
    do {                                                                                                 \
        if (!(cond)) {                                                                                   \
            std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                         \
            failures++;                                                                                  \
        }                                                                                                \
    } while (0)

void run()
{
    glbuf::Result<glbuf::Context> c = glbuf::Context::try_create(glbuf_headless_get_proc);
    CHECK(c.ok());
    if (!c) {
        return;
    }
    glbuf::Context ctx = std::move(*c);
    std::vector<int> data{1, 2, 3, 4, 5};
    glbuf::Result<glbuf::Buffer> b = glbuf::Buffer::try_create(ctx, 0x8892u, data, 0x88E8u);
    CHECK(b.ok());
    if (!b) {
        return;
    }
    std::vector<int> more{6, 7};
    CHECK(b->try_append(more).ok());
    glbuf::Result<std::vector<int>> back = b->try_read<int>(0, 7);
    CHECK(back.ok() && back->size() == 7 && (*back)[0] == 1 && (*back)[6] == 7);
    glbuf::Result<void> oob = b->try_sub_data(6 * sizeof(int), more);
    CHECK(oob.code() == GLBUF_ERR_OUT_OF_BOUNDS);
    glbuf::Result<std::vector<int>> again = b->try_read<int>(0, 7);
    CHECK(again.ok() && (*again)[6] == 7); // unchanged
    glbuf::Result<glbuf::Buffer> bad = glbuf::Buffer::try_create(ctx, 0x1u, data);
    CHECK(!bad && bad.code() == GLBUF_ERR_INVALID_ARGUMENT);
    CHECK(std::move(bad).value_or(glbuf::Buffer()).handle().id == 0);
}

} // namespace

int main()
{
    char why[256] = "";
    glbuf_headless_desc hd = fx_profile_headless_desc(0);
    glbuf_headless *h = glbuf_headless_create(&hd, why, sizeof why);
    if (h == nullptr) {
        std::fprintf(stderr, "SKIP: no headless GL context: %s\n", why);
        return 77;
    }
    run();
    glbuf_headless_destroy(h);
    if (failures == 0) {
        std::printf("test_cpp_noexcept: OK\n");
    }
    return failures == 0 ? 0 : 1;
}
