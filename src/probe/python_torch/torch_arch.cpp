// The GPU architectures a torch install was compiled for, from its CUDA libraries' fatbinaries.
#include "torchdoctor/probe/python_torch.hpp"

namespace td {

Result<TorchArchScan> scan_torch_arch_list(const FileSystem& fs, const std::string& torch_dir) {
  const std::string lib = normalize_path(torch_dir + "/lib");
  auto names = fs.list_dir(lib);
  if (!names)
    return make_error(ErrorKind::not_found, "no libtorch_cuda.so in " + fs.display(lib) + " (no such folder)");
  std::vector<std::string> files;
  // libtorch_cuda.so first: it holds almost all kernels; older releases split it into
  // libtorch_cuda_cu.so and libtorch_cuda_cpp.so; libtorch_cuda_linalg.so holds the linalg ones.
  for (const auto& n : *names) {
    if (n == "libtorch_cuda.so")
      files.insert(files.begin(), lib + "/" + n);
    else if ((n.starts_with("libtorch_cuda_") && n.ends_with(".so")) || n == "libc10_cuda.so")
      files.push_back(lib + "/" + n);
  }
  if (files.empty()) return make_error(ErrorKind::not_found, "no libtorch_cuda.so in " + fs.display(lib));
  TorchArchScan scan;
  for (const auto& f : files) {
    auto part = read_library_fatbin(fs, f);
    if (!part) return part.error();
    scan.summary.merge(*part);
    scan.libraries.push_back(f);
  }
  return scan;
}

}  // namespace td
