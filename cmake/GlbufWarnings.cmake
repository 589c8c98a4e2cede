# glbuf_warnings(target): the project's warning set on one of its own targets.
function(glbuf_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wshadow
                                           -Wstrict-prototypes -Wmissing-prototypes)
  if(GLBUF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
