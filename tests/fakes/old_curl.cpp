// An older libcurl, made from the real one: this library is named libcurl.so.4, forwards every
// function the registry client binds to the real libcurl (TD_FAKE_CURL_REAL, an absolute path), and
// answers k_unknown_option where an older release would: CURLOPT_PROTOCOLS_STR (new in 7.85,
// absent from Ubuntu 18.04-22.04's and RHEL 8/9's libcurl) and, built with FAKE_NO_PROTOCOLS, the
// older bitmask CURLOPT_PROTOCOLS too. The portable binary loads whatever libcurl a machine has.
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace {

void* real() {
  static void* const handle = [] {
    const char* path = std::getenv("TD_FAKE_CURL_REAL");
    void* h = path != nullptr ? ::dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
    if (h == nullptr) {
      std::fprintf(stderr, "old_curl fake: TD_FAKE_CURL_REAL must name the real libcurl (%s)\n", ::dlerror());
      std::abort();
    }
    return h;
  }();
  return handle;
}

template <typename F>
F fn(const char* name) {
  return reinterpret_cast<F>(::dlsym(real(), name));
}

constexpr int k_protocols_str = 10318;  // CURLOPT_PROTOCOLS_STR (7.85): CURLOPTTYPE_STRINGPOINT + 318
constexpr int k_protocols = 181;        // CURLOPT_PROTOCOLS (7.19.4, deprecated in 7.85)
constexpr int k_unknown_option = 48;    // k_unknown_option

// libcurl's types as the C ABI sees them (no curl.h: its declarations differ between releases in
// const-ness, which C linkage ignores and C++ does not).
using Handle = void*;
using Code = int;

}  // namespace

#define TD_EXPORT extern "C" __attribute__((visibility("default")))

TD_EXPORT Code curl_global_init(long flags) { return fn<Code (*)(long)>("curl_global_init")(flags); }
TD_EXPORT Handle curl_easy_init() { return fn<Handle (*)()>("curl_easy_init")(); }
TD_EXPORT void curl_easy_cleanup(Handle c) { fn<void (*)(Handle)>("curl_easy_cleanup")(c); }
TD_EXPORT void curl_easy_reset(Handle c) { fn<void (*)(Handle)>("curl_easy_reset")(c); }
// Every option the client sets takes one long, pointer or curl_off_t: one 64-bit argument on the
// LP64 ABIs this runs on, passed on as a pointer-sized value.
TD_EXPORT Code curl_easy_setopt(Handle c, int option, ...) {
  std::va_list ap;
  va_start(ap, option);
  void* value = va_arg(ap, void*);
  va_end(ap);
  if (option == k_protocols_str) return k_unknown_option;
#ifdef FAKE_NO_PROTOCOLS
  if (option == k_protocols) return k_unknown_option;
#endif
  return fn<Code (*)(Handle, int, ...)>("curl_easy_setopt")(c, option, value);
}
TD_EXPORT Code curl_easy_perform(Handle c) { return fn<Code (*)(Handle)>("curl_easy_perform")(c); }
TD_EXPORT Code curl_easy_getinfo(Handle c, int info, ...) {
  std::va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);
  va_end(ap);
  return fn<Code (*)(Handle, int, ...)>("curl_easy_getinfo")(c, info, out);
}
TD_EXPORT const char* curl_easy_strerror(Code code) {
  return fn<const char* (*)(Code)>("curl_easy_strerror")(code);
}
TD_EXPORT void* curl_slist_append(void* l, const char* s) {
  return fn<void* (*)(void*, const char*)>("curl_slist_append")(l, s);
}
TD_EXPORT void curl_slist_free_all(void* l) { fn<void (*)(void*)>("curl_slist_free_all")(l); }
TD_EXPORT Handle curl_url() { return fn<Handle (*)()>("curl_url")(); }
TD_EXPORT Code curl_url_set(Handle u, int part, const char* content, unsigned int flags) {
  return fn<Code (*)(Handle, int, const char*, unsigned int)>("curl_url_set")(u, part, content, flags);
}
TD_EXPORT Code curl_url_get(Handle u, int part, char** content, unsigned int flags) {
  return fn<Code (*)(Handle, int, char**, unsigned int)>("curl_url_get")(u, part, content, flags);
}
TD_EXPORT void curl_url_cleanup(Handle u) { fn<void (*)(Handle)>("curl_url_cleanup")(u); }
TD_EXPORT void curl_free(void* p) { fn<void (*)(void*)>("curl_free")(p); }
