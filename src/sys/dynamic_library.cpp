#include "torchdoctor/sys/dynamic_library.hpp"

#include <dlfcn.h>
#include <link.h>

#include <utility>

#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

constexpr const char* k_wsl_lib_dir = "/usr/lib/wsl/lib/";

// The path the loader recorded for `handle`; empty when it will not say.
std::string loaded_path(void* handle, const std::string& fallback) {
  link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr &&
      map->l_name[0] == '/') {
    return map->l_name;
  }
  return fallback;
}

std::string last_dlerror() {
  const char* e = ::dlerror();
  return e == nullptr ? std::string("unknown dlopen error") : sanitize(e, 200);
}

}  // namespace

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept
    : m_handle(std::exchange(other.m_handle, nullptr)),
      m_requested(std::move(other.m_requested)),
      m_path(std::move(other.m_path)) {}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept {
  if (this != &other) {
    close();
    m_handle = std::exchange(other.m_handle, nullptr);
    m_requested = std::move(other.m_requested);
    m_path = std::move(other.m_path);
  }
  return *this;
}

DynamicLibrary::~DynamicLibrary() { close(); }

void DynamicLibrary::close() {
  if (m_handle != nullptr) ::dlclose(m_handle);
  m_handle = nullptr;
}

Result<DynamicLibrary> DynamicLibrary::open_first(std::span<const std::string> candidates) {
  if (candidates.empty()) return make_error(ErrorKind::internal, "no library candidates given");
  std::string telling;  // a failure other than "not there" says more (wrong ELF class, missing dependency)
  std::string tried;
  for (const auto& name : candidates) {
    void* handle = ::dlopen(name.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (handle != nullptr) return DynamicLibrary(handle, name, loaded_path(handle, name));
    const std::string why = last_dlerror();
    if (telling.empty() && why.find("No such file") == std::string::npos) telling = why;
    tried += (tried.empty() ? "" : ", ") + name;
  }
  return make_error(ErrorKind::not_found, telling.empty() ? "not found (tried " + tried + ")" : telling);
}

Result<void*> DynamicLibrary::raw_symbol(const std::string& name) const {
  if (m_handle == nullptr) return make_error(ErrorKind::internal, "symbol lookup in a closed library");
  ::dlerror();
  void* p = ::dlsym(m_handle, name.c_str());
  if (p == nullptr) return make_error(ErrorKind::not_found, name + " is missing in " + m_path);
  return p;
}

std::vector<std::string> DynamicLibrary::versioned_names(const std::string& base, int newest) {
  std::vector<std::string> out;
  for (int v = newest; v >= 2; --v) out.push_back(base + "_v" + std::to_string(v));
  out.push_back(base);
  return out;
}

std::vector<std::string> nvml_library_candidates() {
  return {"libnvidia-ml.so.1", std::string(k_wsl_lib_dir) + "libnvidia-ml.so.1"};
}

std::vector<std::string> libcuda_library_candidates() {
  return {"libcuda.so.1", std::string(k_wsl_lib_dir) + "libcuda.so.1"};
}

bool is_forward_compat_library(std::string_view path) {
  const auto parts = split(path, '/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string part = to_lower(parts[i]);
    if (part == "cuda-compat") return true;
    if (part == "compat" && i > 0 && to_lower(parts[i - 1]).rfind("cuda", 0) == 0) return true;
  }
  return false;
}

}  // namespace td
