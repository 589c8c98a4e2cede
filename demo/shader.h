/* shader.h - compiles and links a GLSL program, reporting the driver's log. */
#ifndef DEMO_SHADER_H
#define DEMO_SHADER_H

#include <stddef.h>
#include <stdint.h>

/* The program's GL name, or 0 with the compile/link log in why. */
uint32_t shader_program(const char *vertex_src, const char *fragment_src, char *why, size_t why_size);

#endif /* DEMO_SHADER_H */
