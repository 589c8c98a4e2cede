/* result.c - strings for the result table of result.h. */
#include "glbuf/result.h"

const char *glbuf_result_str(glbuf_result result)
{
    switch (result) {
#define GLBUF_RESULT_CASE(code, message) \
    case code:                           \
        return message;
        GLBUF_RESULT_TABLE(GLBUF_RESULT_CASE)
#undef GLBUF_RESULT_CASE
    case GLBUF_RESULT_COUNT:
        break;
    }
    return "unknown glbuf_result";
}

const char *glbuf_result_name(glbuf_result result)
{
    switch (result) {
#define GLBUF_RESULT_CASE(code, message) \
    case code:                           \
        return #code;
        GLBUF_RESULT_TABLE(GLBUF_RESULT_CASE)
#undef GLBUF_RESULT_CASE
    case GLBUF_RESULT_COUNT:
        break;
    }
    return "unknown glbuf_result";
}
