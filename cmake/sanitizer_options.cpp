// Compiled into every executable of a TD_SANITIZE build: AddressSanitizer's defaults, which also reach
// processes started with a clean environment (the integration tests run the binary that way).
// handle_segv=0 and handle_sigbus=0: crash containment is under test, so a deliberately crashing
// child (the fake libcuda in crash mode) must die by the signal, as it does without ASan, instead of
// exiting with an ASan report about the fake's own crash. A crash in our code still fails its test.
// Strong, and in executables only (cmake/Warnings.cmake): clang links a static ASan runtime whose
// own weak definition would win over a weak one here (the crash-containment tests saw SIGABRT).
extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options();
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:detect_leaks=1"; }
