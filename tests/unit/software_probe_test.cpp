// The toolkit and Python/torch detectors on in-memory trees.
#include <gtest/gtest.h>

#include "elf_builder.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace {

using td::HostFacts;
using td::MapEnv;
using td::MemoryFileSystem;
using td::ProbeContext;

std::string issues_text(const HostFacts& f) {
  std::string out;
  for (const auto& i : f.issues) out += i.detector + ": " + i.message + "\n";
  return out;
}

const td::CudaToolkit* toolkit_at(const HostFacts& f, const std::string& path) {
  for (const auto& t : *f.toolkits.toolkits.value) {
    if (t.path == path) return &t;
  }
  return nullptr;
}

std::string version_json(const std::string& v) {
  return R"({"cuda_nvcc": {"name": "CUDA NVCC", "version": ")" + v + R"("}})";
}

}  // namespace

TEST(ToolkitProbe, CudaHomeAndPathDisagree) {
  MemoryFileSystem fs;
  fs.file("/usr/local/cuda-12.1/bin/nvcc", "").file("/usr/local/cuda-12.1/version.json", version_json("12.1.105"));
  fs.file("/usr/local/cuda-12.4/bin/nvcc", "").file("/usr/local/cuda-12.4/version.json", version_json("12.4.131"));
  fs.symlink("/usr/local/cuda", "cuda-12.4");
  MapEnv env;
  env.set("CUDA_HOME", "/usr/local/cuda-12.1").set("PATH", "/usr/local/cuda/bin:/usr/bin");
  HostFacts f;
  td::detect_toolkits(ProbeContext{fs, env}, f);
  ASSERT_TRUE(f.toolkits.toolkits);
  ASSERT_EQ(f.toolkits.toolkits.value->size(), 2U);
  const auto* t124 = toolkit_at(f, "/usr/local/cuda-12.4");
  ASSERT_NE(t124, nullptr);
  EXPECT_EQ(t124->version.value->str(), "12.4.131");
  EXPECT_EQ(t124->version.source, "file:/usr/local/cuda-12.4/version.json");
  EXPECT_EQ(t124->found_by, (std::vector<std::string>{"PATH", "/usr/local/cuda", "/usr/local/cuda-12.4"}));
  EXPECT_EQ(*f.toolkits.build_toolkit.value, "/usr/local/cuda-12.1");
  EXPECT_EQ(f.toolkits.build_toolkit.source, "env:CUDA_HOME");
  EXPECT_EQ(*f.toolkits.nvcc_on_path.value, "/usr/local/cuda/bin/nvcc");
  const std::string issues = issues_text(f);
  EXPECT_NE(
      issues.find("CUDA_HOME is /usr/local/cuda-12.1 (12.1.105) but nvcc on PATH is /usr/local/cuda-12.4 (12.4.131)"),
      std::string::npos)
      << issues;
}

TEST(ToolkitProbe, AgreeingHomeAndPathRaiseNothing) {
  MemoryFileSystem fs;
  fs.file("/usr/local/cuda-12.4/bin/nvcc", "").file("/usr/local/cuda-12.4/version.txt", "CUDA Version 12.4.131\n");
  fs.symlink("/usr/local/cuda", "/usr/local/cuda-12.4");
  MapEnv env;
  env.set("CUDA_HOME", "/usr/local/cuda").set("PATH", "/usr/local/cuda-12.4/bin");
  HostFacts f;
  td::detect_toolkits(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.toolkits.toolkits.value->size(), 1U);
  EXPECT_EQ(f.toolkits.toolkits.value->front().version.value->str(), "12.4.131");
  EXPECT_TRUE(f.issues.empty()) << issues_text(f);
}

TEST(ToolkitProbe, CudaHOnlyRuntimeOnlyAndABadCudaHome) {
  MemoryFileSystem fs;
  fs.file("/usr/local/cuda-11.8/include/cuda.h", "#define CUDA_VERSION 11080\n");
  fs.file("/usr/local/cuda-11.8/bin/nvcc", "");
  fs.file("/usr/local/cuda-12.2/version.json", version_json("12.2.140"));  // a runtime image: no nvcc
  MapEnv env;
  env.set("CUDA_HOME", "/opt/nothing").set("PATH", "/usr/bin");
  HostFacts f;
  td::detect_toolkits(ProbeContext{fs, env}, f);
  const auto* t118 = toolkit_at(f, "/usr/local/cuda-11.8");
  ASSERT_NE(t118, nullptr);
  EXPECT_EQ(t118->version.value->str(), "11.8");
  EXPECT_EQ(t118->version.source, "file:/usr/local/cuda-11.8/include/cuda.h");
  const auto* t122 = toolkit_at(f, "/usr/local/cuda-12.2");
  ASSERT_NE(t122, nullptr);
  EXPECT_FALSE(t122->nvcc);
  EXPECT_NE(issues_text(f).find("CUDA_HOME=/opt/nothing is not a CUDA toolkit"), std::string::npos) << issues_text(f);
  EXPECT_FALSE(f.toolkits.build_toolkit);  // CUDA_HOME is broken and nothing else would be picked
}

TEST(ToolkitProbe, CondaAndPipToolkits) {
  MemoryFileSystem fs;
  fs.file("/opt/env/bin/nvcc", "").file("/opt/env/include/cuda.h", "#define CUDA_VERSION 12010\n");
  fs.file("/opt/env/conda-meta/cuda-nvcc-12.1.105-0.json", "{}");
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.2\n");
  const std::string site = "/venv/lib/python3.11/site-packages";
  fs.file(site + "/nvidia/cuda_nvcc/bin/nvcc", "");
  fs.file(site + "/nvidia_cuda_nvcc_cu12-12.4.131.dist-info/METADATA", "Name: nvidia-cuda-nvcc-cu12\n");
  MapEnv env;
  env.set("CONDA_PREFIX", "/opt/env").set("VIRTUAL_ENV", "/venv").set("PATH", "/usr/bin");
  HostFacts f;
  td::detect_toolkits(ProbeContext{fs, env}, f);
  const auto* conda = toolkit_at(f, "/opt/env");
  ASSERT_NE(conda, nullptr);
  EXPECT_EQ(conda->version.value->str(), "12.1.105");
  EXPECT_EQ(conda->version.source, "file:/opt/env/conda-meta/cuda-nvcc-12.1.105-0.json");
  const auto* pip = toolkit_at(f, site + "/nvidia/cuda_nvcc");
  ASSERT_NE(pip, nullptr);
  EXPECT_EQ(pip->version.value->str(), "12.4.131");
  EXPECT_EQ(pip->found_by.front(), "pip:" + site);
}

TEST(ToolkitProbe, JetsonBundledLibraries) {
  MemoryFileSystem fs;
  fs.file("/usr/local/cuda-11.4/bin/nvcc", "").file("/usr/local/cuda-11.4/version.json", version_json("11.4.315"));
  fs.file("/usr/include/aarch64-linux-gnu/cudnn_version_v8.h",
          "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 6\n#define CUDNN_PATCHLEVEL 0\n");
  fs.symlink("/usr/include/cudnn_version.h", "/usr/include/aarch64-linux-gnu/cudnn_version_v8.h");
  fs.file("/usr/lib/aarch64-linux-gnu/libnvinfer.so.8.5.2", "")
      .symlink("/usr/lib/aarch64-linux-gnu/libnvinfer.so.8", "libnvinfer.so.8.5.2");
  fs.file("/usr/lib/aarch64-linux-gnu/libcudnn.so.8.6.0", "");
  MapEnv env;
  HostFacts f;
  td::detect_toolkits(ProbeContext{fs, env}, f);
  td::detect_cuda_libs(ProbeContext{fs, env}, f);  // its own detector, after the toolkits
  ASSERT_TRUE(f.toolkits.libraries);
  std::vector<std::string> seen;
  for (const auto& l : *f.toolkits.libraries.value)
    seen.push_back(l.name + " " + l.version.value->str() + " " + l.version.source);
  EXPECT_EQ(seen, (std::vector<std::string>{"cudnn 8.6.0 file:/usr/include/cudnn_version.h",
                                            "tensorrt 8.5.2 file:/usr/lib/aarch64-linux-gnu/libnvinfer.so.8.5.2"}));
}

namespace {

// A venv at /venv (Python 3.12) whose site-packages holds a torch with the given version.py.
MemoryFileSystem venv_with_torch(const std::string& version_py) {
  MemoryFileSystem fs;
  fs.file("/venv/bin/python", "").file("/venv/pyvenv.cfg", "home = /usr/bin\nversion = 3.12.3\n");
  const std::string site = "/venv/lib/python3.12/site-packages";
  fs.file(site + "/torch/version.py", version_py).file(site + "/torch/__init__.py", "");
  fs.file(site + "/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA", "");
  fs.file(site + "/nvidia_nccl_cu12-2.21.5.dist-info/METADATA", "");
  fs.file(site + "/numpy-2.1.0.dist-info/METADATA", "");
  return fs;
}

}  // namespace

TEST(PythonTorchProbe, VenvTorchWithoutItsCudaLibraryHasAnUnknownArchList) {
  auto fs = venv_with_torch("__version__ = '2.5.1+cu124'\ncuda: Optional[str] = '12.4'\nhip = None\n");
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv").set("PATH", "/venv/bin");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_TRUE(f.pythons);
  ASSERT_EQ(f.pythons.value->size(), 1U);
  EXPECT_EQ(f.pythons.value->front().kind, "venv");
  EXPECT_EQ(f.pythons.value->front().found_by, (std::vector<std::string>{"VIRTUAL_ENV", "PATH"}));
  EXPECT_EQ(f.python_version.value->str(), "3.12.3");
  ASSERT_EQ(f.torch.value->size(), 1U);
  const auto& t = f.torch.value->front();
  EXPECT_EQ(t.version.value->str(), "2.5.1+cu124");
  EXPECT_EQ(t.cuda.value->str(), "12.4");
  EXPECT_EQ(*t.location.value, "/venv/lib/python3.12/site-packages/torch");
  ASSERT_TRUE(t.nvidia_packages);
  ASSERT_EQ(t.nvidia_packages.value->size(), 2U);
  EXPECT_EQ(t.nvidia_packages.value->front().name, "nvidia-cudnn-cu12");
  EXPECT_FALSE(t.arch_list);
  EXPECT_NE(t.arch_list.note.find("arch list unknown: no libtorch_cuda.so"), std::string::npos) << t.arch_list.note;
  EXPECT_NE(issues_text(f).find("arch list unknown"), std::string::npos);
}

TEST(PythonTorchProbe, ArchListFromASyntheticLibtorchCuda) {
  auto fs = venv_with_torch("__version__ = '2.6.0+cu126'\ncuda = '12.6'\n");
  std::string section;
  for (int i = 0; i < 4; ++i) section += td::test::fatbin_blob({{2, 80, 0x11, 8}, {2, 90, 0x11, 8}, {1, 90, 0x11, 8}});
  section += td::test::fatbin_blob({{2, 90, 0x100011, 8}});
  fs.file("/venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so",
          td::test::elf_file({{".nv_fatbin", section}}));
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  ASSERT_EQ(f.torch.value->size(), 1U);
  const auto& arch = f.torch.value->front().arch_list;
  ASSERT_TRUE(arch) << arch.note;
  std::vector<std::string> names;
  for (const auto& cc : *arch.value) names.push_back(cc.nvcc_name());
  EXPECT_EQ(names, (std::vector<std::string>{"sm_80", "sm_90", "compute_90"}));
  EXPECT_EQ(arch.source, "fatbin:/venv/lib/python3.12/site-packages/torch/lib/{libtorch_cuda.so}");
  EXPECT_NE(arch.note.find("sm_90a in 1 of 5"), std::string::npos) << arch.note;
  EXPECT_TRUE(f.issues.empty()) << issues_text(f);
}

TEST(PythonTorchProbe, CorruptLibtorchCudaGivesUnknownWithTheReason) {
  auto fs = venv_with_torch("__version__ = '2.6.0+cu126'\ncuda = '12.6'\n");
  std::string blob = td::test::fatbin_blob({{2, 80, 0x11, 8}});
  blob[0] = 0;  // wrong magic
  blob[1] = 1;
  fs.file("/venv/lib/python3.12/site-packages/torch/lib/libtorch_cuda.so", td::test::elf_file({{".nv_fatbin", blob}}));
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  const auto& arch = f.torch.value->front().arch_list;
  EXPECT_FALSE(arch);
  EXPECT_NE(arch.note.find("arch list unknown"), std::string::npos);
  EXPECT_NE(arch.note.find("bad magic"), std::string::npos) << arch.note;
}

TEST(PythonTorchProbe, CpuOnlyTorchHasAnEmptyKnownArchList) {
  auto fs = venv_with_torch("__version__ = '2.6.0+cpu'\ncuda: Optional[str] = None\nhip: Optional[str] = None\n");
  MapEnv env;
  env.set("VIRTUAL_ENV", "/venv");
  HostFacts f;
  td::detect_python_torch(ProbeContext{fs, env}, f);
  const auto& t = f.torch.value->front();
  EXPECT_FALSE(t.cuda);
  ASSERT_TRUE(t.arch_list);
  EXPECT_TRUE(t.arch_list.value->empty());
  EXPECT_NE(t.arch_list.note.find("CPU-only"), std::string::npos);
}

TEST(PythonTorchProbe, MissingPythonAndUnknownVersionUnderARoot) {
  MemoryFileSystem fs;
  fs.file("/opt/py/bin/python3", "#!/bin/sh\n");  // no lib/pythonX.Y and no version in its name
  MapEnv env;
  env.set("PATH", "/opt/py/bin");
  HostFacts f;
  td::ProbeOptions options;
  options.pythons = {"/nowhere/python"};
  td::detect_python_torch(ProbeContext{fs, env, options}, f);
  const std::string issues = issues_text(f);
  EXPECT_NE(issues.find("--python memory:/nowhere/python: no such interpreter"), std::string::npos) << issues;
  ASSERT_EQ(f.pythons.value->size(), 1U);
  EXPECT_FALSE(f.python_version);
  EXPECT_NE(f.python_version.note.find("not run under --root"), std::string::npos) << f.python_version.note;
  EXPECT_TRUE(f.torch.value->empty());
}
