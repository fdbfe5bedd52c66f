// DynamicLibrary: a vendor library loaded at run time (dlopen), closed when it goes out of scope.
// This is the hardware boundary: the only place torchdoctor maps code it did not build.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// An open shared library with typed symbol lookup; move-only, dlclose on destruction.
class DynamicLibrary {
 public:
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;
  DynamicLibrary(DynamicLibrary&& other) noexcept;
  DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;
  ~DynamicLibrary();

  /// Loads the first of `candidates` the loader accepts (a bare soname uses the loader's search
  /// path, LD_LIBRARY_PATH included); the error names every candidate and the most telling dlerror.
  static Result<DynamicLibrary> open_first(std::span<const std::string> candidates);

  /// The candidate that loaded, as given.
  [[nodiscard]] const std::string& requested() const { return m_requested; }
  /// The file the loader actually mapped (dlinfo RTLD_DI_LINKMAP; the requested name when the loader
  /// will not say), symlinks kept as the loader found them.
  [[nodiscard]] const std::string& path() const { return m_path; }

  /// The address of symbol `name`, or a not_found error naming it and the library.
  [[nodiscard]] Result<void*> raw_symbol(const std::string& name) const;

  /// Symbol `name` as a pointer to function type `Fn`.
  template <typename Fn>
  [[nodiscard]] Result<Fn*> symbol(const std::string& name) const {
    auto p = raw_symbol(name);
    if (!p) return p.error();
    return reinterpret_cast<Fn*>(*p);
  }

  /// Sets the function pointer `out` to symbol `name`; fails (leaving `out`) when it is missing.
  template <typename FnPtr>
  [[nodiscard]] Result<Ok> bind(FnPtr& out, const std::string& name) const {
    auto p = raw_symbol(name);
    if (!p) return p.error();
    out = reinterpret_cast<FnPtr>(*p);
    return Ok{};
  }
  /// The newest version of `base` present: `base_vN` for N from `newest` down to 2, then `base`
  /// itself. Only for functions whose versions share one signature. `found` receives the name used.
  template <typename Fn>
  [[nodiscard]] Result<Fn*> versioned_symbol(const std::string& base, int newest = 2,
                                             std::string* found = nullptr) const {
    for (const auto& name : versioned_names(base, newest)) {
      if (auto p = raw_symbol(name)) {
        if (found != nullptr) *found = name;
        return reinterpret_cast<Fn*>(*p);
      }
    }
    return make_error(ErrorKind::not_found,
                      base + " (or a _v2.._v" + std::to_string(newest) + " version) is missing in " + m_path);
  }

  /// The names versioned_symbol tries, in order: base_vN ... base_v2, base.
  static std::vector<std::string> versioned_names(const std::string& base, int newest);

 private:
  DynamicLibrary(void* handle, std::string requested, std::string path)
      : m_handle(handle), m_requested(std::move(requested)), m_path(std::move(path)) {}
  void close();

  void* m_handle = nullptr;
  std::string m_requested;
  std::string m_path;
};

/// The candidates for NVML: the soname, then WSL2's driver folder.
std::vector<std::string> nvml_library_candidates();
/// The candidates for the CUDA driver library: the soname, then WSL2's driver folder.
std::vector<std::string> libcuda_library_candidates();

/// True when `path` lies in a CUDA forward-compatibility folder (/usr/local/cuda-12.4/compat/,
/// a conda `cuda-compat/` folder): such a libcuda is newer than the kernel driver it talks to.
bool is_forward_compat_library(std::string_view path);

}  // namespace td
