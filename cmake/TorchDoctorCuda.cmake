# TorchDoctorCuda.cmake: the `torchdoctor build-env` decision inside a CMake project. Whether CUDA is
# built and for which GPU architectures is decided from the CUDA toolkit and torch.version.cuda,
# never from a visible GPU, so a GPU-less build node or `docker build` gets the same result as a
# workstation. See docs/build-env.md.
#
#   list(APPEND CMAKE_MODULE_PATH /path/to/torchdoctor/cmake)
#   include(TorchDoctorCuda)
#
#   # At configure time, before enable_language(CUDA) or project(... CUDA):
#   torchdoctor_cuda_decide([NO_TORCH] [REQUIRED] [PYTHON path] [TARGETS sm_80 "RTX 4090" fleet/ ...])
#   if(TORCHDOCTOR_BUILD_CUDA)
#     enable_language(CUDA)            # CMAKE_CUDA_COMPILER and CMAKE_CUDA_ARCHITECTURES are set
#     ...
#   endif()
#
#   # At build time, with a torchdoctor built in the same project (our own verification kernels):
#   torchdoctor_add_fatbin(OUTPUT file.fatbin SOURCES a.cu [NVCC nvcc] [TORCHDOCTOR $<TARGET_FILE:td>])
#
# torchdoctor_cuda_decide sets in the caller's scope:
#   TORCHDOCTOR_BUILD_CUDA            ON or OFF
#   TORCHDOCTOR_CUDA_REASON           why not (when OFF), or the problems found (when ON)
#   TORCHDOCTOR_CUDA_ARCHITECTURES    "75-real;80-real;90" (CMAKE_CUDA_ARCHITECTURES form)
#   TORCHDOCTOR_TORCH_CUDA_ARCH_LIST  "7.5;8.0;9.0+PTX"
#   TORCHDOCTOR_CUDA_COMPILER         the nvcc the decision is about
#   CMAKE_CUDA_ARCHITECTURES, CMAKE_CUDA_COMPILER   unless already set by the user
# The program is TORCHDOCTOR_EXECUTABLE, else `torchdoctor` on PATH. Without it the decision
# cannot be made: TORCHDOCTOR_BUILD_CUDA is OFF with that reason (FATAL_ERROR with REQUIRED).
# TORCHDOCTOR_CUDA=auto|force|off, USE_CUDA, FORCE_CUDA and TORCH_CUDA_ARCH_LIST in the environment
# work as they do for the command.

include_guard(GLOBAL)
cmake_minimum_required(VERSION 3.19)  # string(JSON)

function(torchdoctor_cuda_decide)
  cmake_parse_arguments(PARSE_ARGV 0 TDC "NO_TORCH;REQUIRED" "PYTHON" "TARGETS")
  if(NOT TORCHDOCTOR_EXECUTABLE)
    find_program(TORCHDOCTOR_EXECUTABLE torchdoctor)
  endif()
  set(level STATUS)
  if(TDC_REQUIRED)
    set(level FATAL_ERROR)
  endif()
  if(NOT TORCHDOCTOR_EXECUTABLE)
    set(TORCHDOCTOR_BUILD_CUDA OFF PARENT_SCOPE)
    set(TORCHDOCTOR_CUDA_REASON "torchdoctor was not found (set TORCHDOCTOR_EXECUTABLE)" PARENT_SCOPE)
    message(${level} "TorchDoctorCuda: torchdoctor was not found (set TORCHDOCTOR_EXECUTABLE): CUDA is not built")
    return()
  endif()
  set(args build-env --json)
  if(TDC_NO_TORCH)
    list(APPEND args --no-torch)
  endif()
  if(TDC_PYTHON)
    list(APPEND args --python ${TDC_PYTHON})
  endif()
  foreach(t IN LISTS TDC_TARGETS)
    list(APPEND args --targets ${t})
  endforeach()
  execute_process(COMMAND ${TORCHDOCTOR_EXECUTABLE} ${args}
                  OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
  if(NOT rc EQUAL 0 AND NOT rc EQUAL 1)
    string(STRIP "${err}" err)
    set(TORCHDOCTOR_BUILD_CUDA OFF PARENT_SCOPE)
    set(TORCHDOCTOR_CUDA_REASON "${err}" PARENT_SCOPE)
    message(FATAL_ERROR "TorchDoctorCuda: torchdoctor build-env failed (exit ${rc}): ${err}")
  endif()
  string(JSON build GET "${json}" build_cuda)
  string(JSON problems LENGTH "${json}" reasons)
  set(reason "")
  if(problems GREATER 0)
    math(EXPR last "${problems} - 1")
    foreach(i RANGE ${last})
      string(JSON code GET "${json}" reasons ${i} code)
      string(JSON severity GET "${json}" reasons ${i} severity)
      string(JSON text GET "${json}" reasons ${i} message)
      string(APPEND reason "${code} (${severity}): ${text}\n")
    endforeach()
  endif()
  if(NOT build)
    string(JSON why GET "${json}" skip_reason)
    set(TORCHDOCTOR_BUILD_CUDA OFF PARENT_SCOPE)
    set(TORCHDOCTOR_CUDA_REASON "${why}" PARENT_SCOPE)
    message(${level} "TorchDoctorCuda: CUDA is not built: ${why}")
    return()
  endif()
  string(JSON cmake_archs GET "${json}" variables CMAKE_CUDA_ARCHITECTURES)
  string(JSON torch_archs GET "${json}" variables TORCH_CUDA_ARCH_LIST)
  string(JSON nvcc GET "${json}" variables CUDACXX)
  set(TORCHDOCTOR_BUILD_CUDA ON PARENT_SCOPE)
  set(TORCHDOCTOR_CUDA_REASON "${reason}" PARENT_SCOPE)
  set(TORCHDOCTOR_CUDA_ARCHITECTURES "${cmake_archs}" PARENT_SCOPE)
  set(TORCHDOCTOR_TORCH_CUDA_ARCH_LIST "${torch_archs}" PARENT_SCOPE)
  set(TORCHDOCTOR_CUDA_COMPILER "${nvcc}" PARENT_SCOPE)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
    set(CMAKE_CUDA_ARCHITECTURES "${cmake_archs}" PARENT_SCOPE)
  endif()
  if(NOT CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_COMPILER "${nvcc}" PARENT_SCOPE)
  endif()
  if(rc EQUAL 1)
    message(${level} "TorchDoctorCuda: CUDA for ${torch_archs}, but the build would fail:\n${reason}")
  else()
    message(STATUS "TorchDoctorCuda: CUDA for ${torch_archs} with ${nvcc}")
  endif()
endfunction()

# A fatbinary of SOURCES for the architectures `torchdoctor build-env --no-torch` decides, built at
# build time (so a torchdoctor target of the same project can decide). The nvcc flags are written
# to OUTPUT.flags first; the fatbinary is rebuilt when they or the sources change.
function(torchdoctor_add_fatbin)
  cmake_parse_arguments(PARSE_ARGV 0 TDF "" "OUTPUT;NVCC;TORCHDOCTOR" "SOURCES;DEPENDS;TARGETS")
  if(NOT TDF_TORCHDOCTOR)
    set(TDF_TORCHDOCTOR ${TORCHDOCTOR_EXECUTABLE})
  endif()
  set(targets "")
  foreach(t IN LISTS TDF_TARGETS)
    list(APPEND targets --targets ${t})
  endforeach()
  # The decision is about the toolkit of NVCC, whatever CUDA_HOME says.
  get_filename_component(nvcc_bin "${TDF_NVCC}" DIRECTORY)
  get_filename_component(cuda_home "${nvcc_bin}" DIRECTORY)
  add_custom_command(OUTPUT ${TDF_OUTPUT}.flags
    COMMAND ${CMAKE_COMMAND} -E env CUDA_HOME=${cuda_home} TORCHDOCTOR_CUDA=auto
            ${TDF_TORCHDOCTOR} build-env --no-torch --format nvcc ${targets} > ${TDF_OUTPUT}.flags
    DEPENDS ${TDF_DEPENDS}
    COMMENT "torchdoctor build-env: GPU architectures for ${TDF_OUTPUT}" VERBATIM)
  add_custom_command(OUTPUT ${TDF_OUTPUT}
    COMMAND ${TDF_NVCC} --fatbin --options-file ${TDF_OUTPUT}.flags -o ${TDF_OUTPUT} ${TDF_SOURCES}
    DEPENDS ${TDF_OUTPUT}.flags ${TDF_SOURCES}
    COMMENT "nvcc: ${TDF_OUTPUT}" VERBATIM)
endfunction()
