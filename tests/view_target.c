/* view_target.c - the memory view tests' framebuffer and pixels (view_target.h). */
#include "view_target.h"

#include <stdlib.h>
#include <string.h>

target make_target(void)
{
    target t;
    memset(&t, 0, sizeof t);
    fx_gl->GenRenderbuffers(1, &t.colour);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, t.colour);
    fx_gl->RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, W, H);
    fx_gl->BindRenderbuffer(GL_RENDERBUFFER, 0);
    fx_gl->GenFramebuffers(1, &t.fbo);
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, t.fbo);
    fx_gl->FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, t.colour);
    ck_assert_int_eq(fx_gl->CheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    fx_gl->ClearColor(1.0f, 0.0f, 1.0f, 1.0f);
    fx_gl->Clear(GL_COLOR_BUFFER_BIT);
    t.px = malloc((size_t)W * H * 4);
    ck_assert_ptr_nonnull(t.px);
    return t;
}

void read_target(target *t)
{
    fx_gl->BindFramebuffer(GL_READ_FRAMEBUFFER, t->fbo);
    fx_gl->PixelStorei(GL_PACK_ALIGNMENT, 1);
    fx_gl->ReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, t->px);
}

void free_target(target *t)
{
    fx_gl->BindFramebuffer(GL_FRAMEBUFFER, 0);
    fx_gl->DeleteFramebuffers(1, &t->fbo);
    fx_gl->DeleteRenderbuffers(1, &t->colour);
    free(t->px);
}

/* The pixel at x, y (y down from the top, as the view lays out). */
uint32_t pixel(const target *t, int x, int y)
{
    const uint8_t *p = t->px + ((size_t)(H - 1 - y) * W + (size_t)x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | 0xFFu;
}

int close_rgb(uint32_t a, uint32_t b)
{
    for (int k = 8; k < 32; k += 8) {
        int d = (int)((a >> k) & 0xFFu) - (int)((b >> k) & 0xFFu);
        if (d < -1 || d > 1) {
            return 0;
        }
    }
    return 1;
}

glbuf_view *make_view(uint32_t hide)
{
    glbuf_view_desc d;
    memset(&d, 0, sizeof d);
    d.get_proc_address = glbuf_headless_get_proc;
    d.hide = hide;
    glbuf_view *v = NULL;
    ck_assert_int_eq(glbuf_view_create(fx_ctx, &d, &v), GLBUF_OK);
    ck_assert_ptr_nonnull(v);
    return v;
}

int count_colour(const target *t, uint32_t rgba, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            n += pixel(t, x, y) == (rgba | 0xFFu);
        }
    }
    return n;
}
