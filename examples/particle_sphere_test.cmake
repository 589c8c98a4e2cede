# particle_sphere_test.cmake - runs glbuf-particle-sphere headless and checks
# what a user would: exit status 0, every particle drawn in the last frame
# (the GPU's GL_PRIMITIVES_GENERATED count, printed by the program), no glbuf
# GL error, and a PNG of the requested size that is not one flat colour.
#   cmake -DEXE=... -DPNG_CHECK=... -DPNG=out.png -DPARTICLES=N -DFRAMES=N
#         -DWIDTH=W -DHEIGHT=H -P particle_sphere_test.cmake
foreach(var EXE PNG_CHECK PNG PARTICLES FRAMES WIDTH HEIGHT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "particle_sphere_test.cmake: -D${var}= is required")
  endif()
endforeach()
file(REMOVE ${PNG})
execute_process(COMMAND ${EXE} --headless --particles ${PARTICLES} --frames ${FRAMES} --size ${WIDTH}x${HEIGHT}
                        --screenshot ${PNG}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "stdout:\n${out}")
if(err)
  message(STATUS "stderr:\n${err}")
endif()
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "glbuf-particle-sphere exited with ${rc}")
endif()
foreach(line "frames: ${FRAMES}\n" "particles drawn in the last frame: ${PARTICLES}\n" "glbuf GL errors: 0\n"
             "wrote [^\n]*${PNG}")
  if(NOT out MATCHES "${line}")
    message(FATAL_ERROR "the output lacks a line matching \"${line}\"")
  endif()
endforeach()
execute_process(COMMAND ${PNG_CHECK} ${PNG} ${WIDTH} ${HEIGHT} RESULT_VARIABLE rc OUTPUT_VARIABLE pout
                ERROR_VARIABLE pout)
message(STATUS "png_check: ${pout}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "png_check failed on ${PNG}")
endif()
