# td_warnings: the warning set every target uses; -Werror unless TD_WARNINGS_AS_ERRORS=OFF.
add_library(td_warnings INTERFACE)
target_compile_options(td_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${TD_WARNINGS_AS_ERRORS}>:-Werror>
  # GCC 12 reports false -Wrestrict/-Wstringop-overflow in std::string at -O3 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(TD_SANITIZE)
  target_compile_options(td_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(td_warnings INTERFACE -fsanitize=address,undefined)
  # AddressSanitizer's default options, compiled into each executable once (a strong definition:
  # clang's static ASan runtime carries a weak one that would otherwise win).
  target_sources(td_warnings INTERFACE
    $<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:${CMAKE_CURRENT_LIST_DIR}/sanitizer_options.cpp>)
  # A sanitizer build with the fuzz targets (clang): the library carries libFuzzer's coverage
  # instrumentation, so one build serves the sanitized tests and the fuzz smoke (scripts/test.sh).
  if(TD_BUILD_FUZZ)
    target_compile_options(td_warnings INTERFACE -fsanitize=fuzzer-no-link)
  endif()
endif()
