# Third-party dependencies, all from Debian packages (see docs/dependencies.md).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
add_library(td_deps INTERFACE)
target_link_libraries(td_deps INTERFACE nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus Threads::Threads ${CMAKE_DL_LIBS})
# The registry client: libcurl (libcurl4-openssl-dev) for HTTP(S), OpenSSL's libcrypto for sha256 digests.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
# libcurl: its headers only (the compiler's own multiarch include path finds them, for cross builds
# too); src/registry/http.cpp loads libcurl.so.4 on first use (see there why).
include(CheckIncludeFileCXX)
check_include_file_cxx(curl/curl.h TD_HAVE_CURL_H)
if(NOT TD_HAVE_CURL_H)
  message(FATAL_ERROR "curl/curl.h not found: install libcurl4-openssl-dev (scripts/bootstrap.sh does)")
endif()
target_link_libraries(td_deps INTERFACE OpenSSL::Crypto ${CMAKE_DL_LIBS})
