# Third-party dependencies, all from Debian packages (see docs/dependencies.md).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
add_library(td_deps INTERFACE)
target_link_libraries(td_deps INTERFACE nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus Threads::Threads ${CMAKE_DL_LIBS})
# The registry client: libcurl (libcurl4-openssl-dev) for HTTP(S), OpenSSL's libcrypto for sha256 digests.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
# libcurl: headers only; src/registry/http.cpp loads libcurl.so.4 on first use (see there why).
target_include_directories(td_deps INTERFACE ${CURL_INCLUDE_DIRS})
target_link_libraries(td_deps INTERFACE OpenSSL::Crypto ${CMAKE_DL_LIBS})
