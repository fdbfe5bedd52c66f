# Portable release build with zig's clang and libc++ (the `ziglang` Python package), against a chosen
# glibc version: the binaries start on glibc 2.17 and newer (the manylinux2014 floor). Set
#   TD_ZIG_TARGET  x86_64-linux-gnu.2.17 or aarch64-linux-gnu.2.17 (the default: the first)
#   TD_ZIG         the zig command (default: `python3 -m ziglang`); scripts/build-portable.sh sets both.
# Header-only dependencies (nlohmann-json, toml++, curl's headers) come from TD_DEPS_INCLUDE_DIR, a
# folder of links into the Debian packages' include dirs: /usr/include itself must not be on the path,
# or Debian's glibc headers would replace zig's 2.17 ones.
if(NOT TD_ZIG_TARGET)
  set(TD_ZIG_TARGET "$ENV{TD_ZIG_TARGET}")
endif()
if(NOT TD_ZIG_TARGET)
  set(TD_ZIG_TARGET x86_64-linux-gnu.2.17)
endif()
if(NOT TD_ZIG)
  set(TD_ZIG "$ENV{TD_ZIG}")
endif()
if(NOT TD_ZIG)
  set(TD_ZIG "python3 -m ziglang")
endif()
# Seen again by try_compile's nested projects.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TD_ZIG_TARGET TD_ZIG TD_DEPS_INCLUDE_DIR)
# Cross-compiling only for another architecture: on an x86_64 machine the x86_64 build runs its own
# td_kbc at build time (CMake replaces a target's name by its path only when not cross-compiling or
# when an emulator is set).
string(REGEX REPLACE "-.*" "" _td_zig_arch "${TD_ZIG_TARGET}")
if(NOT _td_zig_arch STREQUAL CMAKE_HOST_SYSTEM_PROCESSOR)
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR ${_td_zig_arch})
endif()
# CMake wants one executable per compiler: small wrappers around `zig cc/c++ -target`.
set(_td_wrap_dir "${CMAKE_BINARY_DIR}/zig-wrappers")
file(MAKE_DIRECTORY "${_td_wrap_dir}")
foreach(_tool cc c++ ar ranlib)
  set(_target_flag "")
  if(_tool STREQUAL "cc" OR _tool STREQUAL "c++")
    set(_target_flag "-target ${TD_ZIG_TARGET}")
  endif()
  # Rewritten only when it changes: ccache and ninja see the same compiler on a re-run.
  set(_text "#!/bin/sh\nexec ${TD_ZIG} ${_tool} ${_target_flag} \"$@\"\n")
  set(_old "")
  if(EXISTS "${_td_wrap_dir}/zig-${_tool}")
    file(READ "${_td_wrap_dir}/zig-${_tool}" _old)
  endif()
  if(NOT _old STREQUAL _text)
    file(WRITE "${_td_wrap_dir}/zig-${_tool}" "${_text}")
  endif()
  file(CHMOD "${_td_wrap_dir}/zig-${_tool}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
set(CMAKE_C_COMPILER "${_td_wrap_dir}/zig-cc")
set(CMAKE_CXX_COMPILER "${_td_wrap_dir}/zig-c++")
set(CMAKE_AR "${_td_wrap_dir}/zig-ar" CACHE FILEPATH "" FORCE)
set(CMAKE_RANLIB "${_td_wrap_dir}/zig-ranlib" CACHE FILEPATH "" FORCE)
# Nothing from the build machine's libraries or headers.
set(CMAKE_FIND_ROOT_PATH "${TD_DEPS_INCLUDE_DIR}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(CMAKE_SYSTEM_NAME)
  # td_kbc runs at build time under qemu-user, with the loader and libc of libc6-arm64-cross.
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${CMAKE_SYSTEM_PROCESSOR};-L;/usr/${CMAKE_SYSTEM_PROCESSOR}-linux-gnu)
endif()
# zig always links its libc++ statically; -static-libstdc++ does not apply.
set(TD_STATIC_LIBSTDCXX OFF CACHE BOOL "" FORCE)
set(TD_PORTABLE ON CACHE BOOL "" FORCE)
