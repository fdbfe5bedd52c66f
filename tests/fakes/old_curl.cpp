// An older libcurl, made from the real one: this library is named libcurl.so.4, forwards every
// function the registry client binds to the real libcurl (TD_FAKE_CURL_REAL, an absolute path), and
// answers k_unknown_option where an older release would: CURLOPT_PROTOCOLS_STR (new in 7.85,
// absent from Ubuntu 18.04-22.04's and RHEL 8/9's libcurl) and, built with FAKE_NO_PROTOCOLS, the
// older bitmask CURLOPT_PROTOCOLS too. The portable binary loads whatever libcurl a machine has.
#include <curl/curl.h>
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

// curl_url_get's handle is `CURLU*` in older headers and `const CURLU*` in newer ones: the
// definition below takes whichever this curl.h declares (UBSan checks each call's exact type).
template <typename>
struct FirstArg;
template <typename R, typename A, typename... Rest>
struct FirstArg<R(A, Rest...)> {
  using type = A;
};
using UrlGetHandle = FirstArg<decltype(::curl_url_get)>::type;

}  // namespace

#define TD_EXPORT extern "C" __attribute__((visibility("default")))

TD_EXPORT CURLcode curl_global_init(long flags) { return fn<CURLcode (*)(long)>("curl_global_init")(flags); }
TD_EXPORT CURL* curl_easy_init() { return fn<CURL* (*)()>("curl_easy_init")(); }
TD_EXPORT void curl_easy_cleanup(CURL* c) { fn<void (*)(CURL*)>("curl_easy_cleanup")(c); }
TD_EXPORT void curl_easy_reset(CURL* c) { fn<void (*)(CURL*)>("curl_easy_reset")(c); }
// Every option the client sets takes one long, pointer or curl_off_t: one 64-bit argument on the
// LP64 ABIs this runs on, passed on as a pointer-sized value.
TD_EXPORT CURLcode curl_easy_setopt(CURL* c, CURLoption option, ...) {
  std::va_list ap;
  va_start(ap, option);
  void* value = va_arg(ap, void*);
  va_end(ap);
  if (static_cast<int>(option) == k_protocols_str) return CURLE_UNKNOWN_OPTION;
#ifdef FAKE_NO_PROTOCOLS
  if (static_cast<int>(option) == k_protocols) return CURLE_UNKNOWN_OPTION;
#endif
  return fn<CURLcode (*)(CURL*, CURLoption, ...)>("curl_easy_setopt")(c, option, value);
}
TD_EXPORT CURLcode curl_easy_perform(CURL* c) { return fn<CURLcode (*)(CURL*)>("curl_easy_perform")(c); }
TD_EXPORT CURLcode curl_easy_getinfo(CURL* c, CURLINFO info, ...) {
  std::va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);
  va_end(ap);
  return fn<CURLcode (*)(CURL*, CURLINFO, ...)>("curl_easy_getinfo")(c, info, out);
}
TD_EXPORT const char* curl_easy_strerror(CURLcode code) {
  return fn<const char* (*)(CURLcode)>("curl_easy_strerror")(code);
}
TD_EXPORT curl_slist* curl_slist_append(curl_slist* l, const char* s) {
  return fn<curl_slist* (*)(curl_slist*, const char*)>("curl_slist_append")(l, s);
}
TD_EXPORT void curl_slist_free_all(curl_slist* l) { fn<void (*)(curl_slist*)>("curl_slist_free_all")(l); }
TD_EXPORT CURLU* curl_url() { return fn<CURLU* (*)()>("curl_url")(); }
TD_EXPORT CURLUcode curl_url_set(CURLU* u, CURLUPart part, const char* content, unsigned int flags) {
  return fn<CURLUcode (*)(CURLU*, CURLUPart, const char*, unsigned int)>("curl_url_set")(u, part, content, flags);
}
TD_EXPORT CURLUcode curl_url_get(UrlGetHandle u, CURLUPart part, char** content, unsigned int flags) {
  return fn<CURLUcode (*)(UrlGetHandle, CURLUPart, char**, unsigned int)>("curl_url_get")(u, part, content, flags);
}
TD_EXPORT void curl_url_cleanup(CURLU* u) { fn<void (*)(CURLU*)>("curl_url_cleanup")(u); }
TD_EXPORT void curl_free(void* p) { fn<void (*)(void*)>("curl_free")(p); }
