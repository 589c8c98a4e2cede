/* shader.c - compiles and links a GLSL program (shader.h). */
#include "shader.h"

#include <glad/gl.h>
#include <stdio.h>

static GLuint compile(GLenum type, const char *src, char *why, size_t why_size)
{
    GLuint sh = glCreateShader(type);
    glShaderSource(sh, 1, &src, NULL);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetShaderInfoLog(sh, (GLsizei)sizeof log, NULL, log);
        snprintf(why, why_size, "%s shader: %s", type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
        glDeleteShader(sh);
        return 0;
    }
    return sh;
}

uint32_t shader_program(const char *vertex_src, const char *fragment_src, char *why, size_t why_size)
{
    GLuint vs = compile(GL_VERTEX_SHADER, vertex_src, why, why_size);
    GLuint fs = vs ? compile(GL_FRAGMENT_SHADER, fragment_src, why, why_size) : 0;
    if (!fs) {
        glDeleteShader(vs);
        return 0;
    }
    GLuint p = glCreateProgram();
    glAttachShader(p, vs);
    glAttachShader(p, fs);
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetProgramInfoLog(p, (GLsizei)sizeof log, NULL, log);
        snprintf(why, why_size, "link: %s", log);
        glDeleteProgram(p);
        return 0;
    }
    return p;
}
