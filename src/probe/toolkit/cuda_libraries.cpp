// cuDNN, NCCL and TensorRT: the version from the header when one is installed, else from the
// versioned library file name (libcudnn.so.8.9.4). Looked for in every toolkit, the system folders
// (on Jetson the L4T-bundled ones live in /usr/lib/aarch64-linux-gnu and /usr/include/aarch64-linux-gnu)
// and pip's nvidia/* packages.
#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>

#include "cuda_libraries.hpp"
#include "torchdoctor/probe/toolkit.hpp"

namespace td {
namespace {

struct LibrarySpec {
  const char* name;
  std::initializer_list<const char*> headers;
  std::initializer_list<const char*> defines;
  const char* stem;
};

const LibrarySpec k_specs[] = {
    {"cudnn", {"cudnn_version.h", "cudnn.h"}, {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"}, "libcudnn"},
    {"nccl", {"nccl.h"}, {"NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"}, "libnccl"},
    {"tensorrt",
     {"NvInferVersion.h"},
     {"NV_TENSORRT_MAJOR", "NV_TENSORRT_MINOR", "NV_TENSORRT_PATCH", "NV_TENSORRT_BUILD"},
     "libnvinfer"},
};

// Where one installation of the libraries lives: its header and library folders.
struct Place {
  std::vector<std::string> includes;
  std::vector<std::string> libs;
};

// toolkit/targets/<triple>/{include,lib}
void add_targets(const FileSystem& fs, const std::string& dir, Place& p) {
  auto names = fs.list_dir(path_join(dir, "targets"));
  if (!names) return;
  for (const auto& n : *names) {
    p.includes.push_back(path_join(dir, "targets/" + n + "/include"));
    p.libs.push_back(path_join(dir, "targets/" + n + "/lib"));
  }
}

std::vector<Place> places(const FileSystem& fs, const std::vector<CudaToolkit>& toolkits,
                          const std::vector<std::string>& sites) {
  std::vector<Place> out;
  for (const auto& tk : toolkits) {
    Place p{{path_join(tk.path, "include")}, {path_join(tk.path, "lib64"), path_join(tk.path, "lib")}};
    add_targets(fs, tk.path, p);
    out.push_back(std::move(p));
  }
  out.push_back(
      Place{{"/usr/include", "/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu"},
            {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/local/lib"}});
  for (const auto& site : sites) {
    out.push_back(Place{
        {path_join(site, "nvidia/cudnn/include"), path_join(site, "nvidia/nccl/include")},
        {path_join(site, "nvidia/cudnn/lib"), path_join(site, "nvidia/nccl/lib"), path_join(site, "tensorrt_libs")}});
  }
  return out;
}

// Returns true when `path` was not seen yet (by its resolved path) and remembers it.
bool first_visit(const FileSystem& fs, const std::string& path, std::vector<std::string>& seen) {
  auto resolved = fs.real_path(path);
  const std::string id = resolved ? *resolved : path;
  if (std::find(seen.begin(), seen.end(), id) != seen.end()) return false;
  seen.push_back(id);
  return true;
}

std::optional<CudaLibrary> from_headers(const FileSystem& fs, const LibrarySpec& spec, const Place& place,
                                        std::vector<std::string>& seen) {
  for (const auto& inc : place.includes) {
    for (const char* h : spec.headers) {
      const std::string path = path_join(inc, h);
      if (fs.stat(path).type != FileType::regular || !first_visit(fs, path, seen)) continue;
      auto text = fs.read_file(path, 1U << 20U);
      if (!text) continue;
      auto v = version_from_defines(*text, spec.defines);
      if (v) return CudaLibrary{spec.name, Fact<Version>::known(*v, "file:" + path)};
    }
  }
  return std::nullopt;
}

// Library folders such as /usr/lib/x86_64-linux-gnu hold thousands of names and are searched for
// each library: each is listed once per probe, keeping only the names of our libraries.
class Listings {
 public:
  explicit Listings(const FileSystem& fs) : m_fs(fs) {}
  const std::vector<std::string>* get(const std::string& dir) {
    auto it = m_cache.find(dir);
    if (it == m_cache.end()) {
      auto names = m_fs.list_dir(dir, [](std::string_view n) {
        return std::any_of(std::begin(k_specs), std::end(k_specs),
                           [&](const LibrarySpec& s) { return n.rfind(s.stem, 0) == 0; });
      });
      it = m_cache.emplace(dir, names ? std::optional(std::move(*names)) : std::nullopt).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  const FileSystem& m_fs;
  std::map<std::string, std::optional<std::vector<std::string>>> m_cache;
};

std::optional<CudaLibrary> from_library_names(const FileSystem& fs, Listings& listings, const LibrarySpec& spec,
                                              const Place& place, std::vector<std::string>& seen) {
  for (const auto& dir : place.libs) {
    const auto* names = listings.get(dir);
    if (names == nullptr) continue;
    std::optional<Version> best;
    std::string best_name;
    for (const auto& n : *names) {
      auto v = version_from_library_name(n, spec.stem);
      if (v && (!best || v->release().size() > best->release().size())) {
        best = v;
        best_name = n;
      }
    }
    if (!best || !first_visit(fs, path_join(dir, best_name), seen)) continue;
    CudaLibrary lib{spec.name, Fact<Version>::known(*best, "file:" + path_join(dir, best_name))};
    if (best->release().size() == 1) lib.version.note = "major version only (from the library name)";
    return lib;
  }
  return std::nullopt;
}

}  // namespace

void detect_cuda_libraries(const ProbeContext& ctx, const std::vector<CudaToolkit>& toolkits,
                           const std::vector<std::string>& sites, HostFacts& facts) {
  std::vector<CudaLibrary> found;
  std::vector<std::string> seen;
  const auto where = places(ctx.fs, toolkits, sites);
  Listings listings(ctx.fs);
  for (const auto& spec : k_specs) {
    for (const auto& place : where) {
      auto lib = from_headers(ctx.fs, spec, place, seen);
      if (!lib) lib = from_library_names(ctx.fs, listings, spec, place, seen);
      if (lib) found.push_back(std::move(*lib));
    }
  }
  facts.toolkits.libraries = Fact<std::vector<CudaLibrary>>::known(std::move(found), "headers and library names");
}

}  // namespace td
