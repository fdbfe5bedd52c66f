# cmake -DTORCHDOCTOR_EXECUTABLE=... -DWORK=dir -P check.cmake: configures the user project three
# ways and checks the decision it got against `torchdoctor build-env`.
function(configure name)
  set(dir ${WORK}/${name})
  file(REMOVE_RECURSE ${dir})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR} -B ${dir} -G Ninja
                          -DTORCHDOCTOR_EXECUTABLE=${TORCHDOCTOR_EXECUTABLE} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: configure failed:\n${out}\n${err}")
  endif()
  file(READ ${dir}/decision.txt decision)
  set(decision "${decision}" PARENT_SCOPE)
endfunction()

function(expect decision text)
  string(FIND "${decision}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${text}' in:\n${decision}")
  endif()
endfunction()

# Targets on a node with a toolkit: the same list the command prints.
execute_process(COMMAND ${TORCHDOCTOR_EXECUTABLE} build-env --no-torch --targets sm_80 --targets H100 --format cmake
                OUTPUT_VARIABLE flags RESULT_VARIABLE rc)
if(flags MATCHES "TORCHDOCTOR_BUILD_CUDA=OFF")
  message(STATUS "SKIPPED: no CUDA toolkit on this node, so only the OFF path is checked")
  configure(off -DTD_TARGETS=sm_80)
  expect("${decision}" "build=OFF")
  return()
endif()
string(REGEX MATCH "CMAKE_CUDA_ARCHITECTURES=([^ \n]+)" _ "${flags}")
configure(targets "-DTD_TARGETS=sm_80,H100" -DTD_ENABLE_CUDA=ON)
expect("${decision}" "build=ON")
expect("${decision}" "archs=${CMAKE_MATCH_1}\n")
expect("${decision}" "archs=80-real;90\n")
# And the project builds its CUDA library with it.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/targets RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the CUDA library with the decided flags failed:\n${out}\n${err}")
endif()
# The user's own CMAKE_CUDA_ARCHITECTURES is kept.
configure(kept "-DTD_TARGETS=sm_80" -DCMAKE_CUDA_ARCHITECTURES=86-real)
expect("${decision}" "archs=86-real\n")
# TORCHDOCTOR_CUDA=off in the environment turns it off.
set(ENV{TORCHDOCTOR_CUDA} off)
configure(off "-DTD_TARGETS=sm_80")
expect("${decision}" "build=OFF")
message(STATUS "TorchDoctorCuda module: decisions match the command")
