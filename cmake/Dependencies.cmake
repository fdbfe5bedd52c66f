# Third-party dependencies, all from Debian packages (see docs/dependencies.md).
# The portable build (cmake/toolchains/zig.cmake) takes the header-only ones from TD_DEPS_INCLUDE_DIR.
if(TD_DEPS_INCLUDE_DIR)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${TD_DEPS_INCLUDE_DIR}")
  set(TD_TOMLPP_INCLUDE "${TD_DEPS_INCLUDE_DIR}" CACHE PATH "" FORCE)
  set(CMAKE_REQUIRED_INCLUDES "${TD_DEPS_INCLUDE_DIR}")
else()
  find_package(nlohmann_json 3.10 REQUIRED)
endif()
find_package(Threads REQUIRED)
# toml++ is used header-only by the one file that parses TOML (src/kb/kb_tree.cpp): no shared
# library to map at every start, and no second C++ runtime beside a static libstdc++.
find_path(TD_TOMLPP_INCLUDE toml++/toml.h)
if(NOT TD_TOMLPP_INCLUDE)
  message(FATAL_ERROR "toml++/toml.h not found: install libtomlplusplus-dev (scripts/bootstrap.sh does)")
endif()
add_library(td_deps INTERFACE)
target_include_directories(td_deps SYSTEM INTERFACE ${TD_TOMLPP_INCLUDE})
target_link_libraries(td_deps INTERFACE nlohmann_json::nlohmann_json Threads::Threads ${CMAKE_DL_LIBS})
# The registry client: libcurl (libcurl4-openssl-dev) for HTTP(S); sha256 is our own (src/registry/digest.cpp).
# libcurl: its headers only (the compiler's own multiarch include path finds them, for cross builds
# too); src/registry/http.cpp loads libcurl.so.4 on first use (see there why).
include(CheckIncludeFileCXX)
check_include_file_cxx(curl/curl.h TD_HAVE_CURL_H)
if(NOT TD_HAVE_CURL_H)
  message(FATAL_ERROR "curl/curl.h not found: install libcurl4-openssl-dev (scripts/bootstrap.sh does)")
endif()
target_link_libraries(td_deps INTERFACE ${CMAKE_DL_LIBS})
