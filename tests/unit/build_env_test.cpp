// build-env's decision: mode precedence, toolkit and torch, the arch list and its checks.
#include <gtest/gtest.h>

#include "torchdoctor/buildenv/build_env.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {
namespace {

const Kb& kb() {
  static const Kb k = load_embedded_kb().value();
  return k;
}

std::vector<ComputeCapability> ccs(std::initializer_list<const char*> list) {
  std::vector<ComputeCapability> out;
  for (const char* s : list) out.push_back(ComputeCapability::parse(s).value());
  return out;
}

// A GPU-less build node: a toolkit of CUDA `cuda` at /usr/local/cuda-X.Y and torch `torch` (or none).
HostFacts node(const char* cuda, const char* torch = nullptr, std::initializer_list<const char*> arch = {}) {
  HostFacts f;
  f.cpu.arch = Fact<std::string>::known("x86_64", "uname");
  f.gpus = Fact<std::vector<GpuFacts>>::known({}, "sysfs");
  std::vector<CudaToolkit> tks;
  if (cuda != nullptr) {
    CudaToolkit tk;
    tk.path = std::string("/usr/local/cuda-") + cuda;
    tk.version = Fact<Version>::known(Version::parse(cuda).value(), "file:version.json");
    tk.nvcc = Fact<std::string>::known(tk.path + "/bin/nvcc", "file");
    tks.push_back(tk);
    f.toolkits.build_toolkit = Fact<std::string>::known(tk.path, "/usr/local/cuda");
  }
  f.toolkits.toolkits = Fact<std::vector<CudaToolkit>>::known(tks, "probe");
  std::vector<TorchInstall> installs;
  if (torch != nullptr) {
    TorchInstall t;
    t.python = Fact<std::string>::known("/venv/bin/python", "PATH");
    auto v = Version::parse(torch).value();
    t.version = Fact<Version>::known(v, "file:version.py");
    if (v.local().rfind("cu", 0) == 0) {
      const std::string d = v.local().substr(2);
      t.cuda =
          Fact<Version>::known(Version::parse(d.substr(0, d.size() - 1) + "." + d.back()).value(), "file:version.py");
    }
    if (arch.size() != 0)
      t.arch_list = Fact<std::vector<ComputeCapability>>::known(ccs(arch), "fatbin:libtorch_cuda.so");
    installs.push_back(t);
  }
  f.torch = Fact<std::vector<TorchInstall>>::known(installs, "probe");
  return f;
}

HostCompilerFacts gcc(const char* version) {
  return HostCompilerFacts{"/usr/bin/g++", "gcc", Version::parse(version).value(), "PATH g++"};
}

BuildEnv decide(const HostFacts& f, std::map<std::string, std::string> vars = {}, BuildEnvRequest r = {},
                HostCompilerFacts cc = gcc("12.2.0")) {
  MapEnv env(std::move(vars));
  auto b = decide_build_env(f, env, r, cc, kb());
  EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
  return b.value();
}

bool has_code(const BuildEnv& b, const std::string& code, Severity s) {
  for (const auto& r : b.reasons) {
    if (r.code == code && r.severity == s) return true;
  }
  return false;
}

TEST(ArchList, ParsesTorchCudaArchListLikeCppExtension) {
  auto a = parse_torch_cuda_arch_list("8.6+PTX 7.5;9.0a;;8.6");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(torch_cuda_arch_list(*a), "7.5;8.6+PTX;9.0a");
  // Names are KB data (compilers.toml [[arch_name]]), expanded in the KB's order.
  auto named = parse_arch_list("Ampere;Hopper", kb());
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(torch_cuda_arch_list(*named), "8.0;8.6+PTX;9.0+PTX");
  auto tegra = parse_arch_list("Ampere+Tegra", kb());
  ASSERT_TRUE(tegra.ok());
  EXPECT_EQ(torch_cuda_arch_list(*tegra), "8.7");
  auto blackwell = parse_arch_list("Blackwell", kb());
  ASSERT_TRUE(blackwell.ok());
  EXPECT_EQ(torch_cuda_arch_list(*blackwell), "10.0;10.3;12.0;12.1+PTX");
  EXPECT_FALSE(parse_torch_cuda_arch_list("Ampere").ok()) << "core knows no names";
}

TEST(ArchList, RejectsWhatCppExtensionRejects) {
  for (const char* bad : {"sm_86", "86", "8.6+SASS", "eight", ";", "", "8.6;foo"}) {
    auto a = parse_torch_cuda_arch_list(bad);
    EXPECT_FALSE(a.ok()) << bad;
  }
  EXPECT_NE(parse_torch_cuda_arch_list("8.6;foo").error().message.find("'foo'"), std::string::npos);
}

TEST(ArchList, WritesCmakeAndNvccForms) {
  auto a = parse_torch_cuda_arch_list("7.5;9.0a;12.0+PTX").value();
  EXPECT_EQ(cmake_cuda_architectures(a), "75-real;90a-real;120");
  EXPECT_EQ(nvcc_gencode_flags(a),
            "-gencode=arch=compute_75,code=sm_75 -gencode=arch=compute_90a,code=sm_90a "
            "-gencode=arch=compute_120,code=sm_120 -gencode=arch=compute_120,code=compute_120");
}

TEST(BuildEnv, GpuLessNodeWithToolkitAndCudaTorchBuildsTheWheelsArchs) {
  auto b = decide(
      node("12.4", "2.6.0+cu124", {"sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "compute_90"}));
  EXPECT_TRUE(b.build_cuda);
  EXPECT_EQ(b.arch_source, "torch wheel");
  EXPECT_EQ(torch_cuda_arch_list(b.archs), "5.0;6.0;7.0;7.5;8.0;8.6;9.0+PTX");
  EXPECT_FALSE(has_error(b.reasons));
}

TEST(BuildEnv, ToolkitDropsWhatItCannotCompileAndSaysSo) {
  auto b = decide(node("13.0", "2.9.0+cu130", {"sm_70", "sm_75", "sm_80", "sm_120"}));
  EXPECT_EQ(torch_cuda_arch_list(b.archs), "7.5;8.0;12.0+PTX");
  bool said = false;
  for (const auto& i : b.inputs) said = said || i.effect.find("sm_70") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(BuildEnv, NoToolkitSkipsWithTheReason) {
  auto b = decide(node(nullptr, "2.6.0+cu124", {"sm_80"}));
  EXPECT_FALSE(b.build_cuda);
  EXPECT_NE(b.skip_reason.find("no CUDA toolkit"), std::string::npos);
  EXPECT_TRUE(b.reasons.empty());
}

TEST(BuildEnv, CpuOnlyTorchSkips) {
  auto b = decide(node("12.4", "2.6.0+cpu"));
  EXPECT_FALSE(b.build_cuda);
  EXPECT_NE(b.skip_reason.find("CPU-only"), std::string::npos);
}

// A setup.py asks for its own interpreter (--python sys.executable): when that Python has no torch,
// another environment's torch (a project .venv further up) is not the build's; without --python
// the first torch found still stands in for the default Python's.
TEST(BuildEnv, NamedPythonWithoutTorchNeverBorrowsAnothersTorch) {
  HostFacts f = node("12.4", "2.6.0+cu124", {"sm_80", "sm_90"});
  PythonInterpreter named;
  named.path = "/tmp/fresh-venv/bin/python";
  named.found_by = {"--python"};
  PythonInterpreter project;
  project.path = "/venv/bin/python";
  project.found_by = {"project .venv"};
  f.pythons = Fact<std::vector<PythonInterpreter>>::known({named, project}, "probe");
  auto b = decide(f);
  EXPECT_FALSE(b.build_cuda);
  EXPECT_NE(b.skip_reason.find("no torch was found"), std::string::npos) << b.skip_reason;
  named.found_by = {"PATH"};
  f.pythons = Fact<std::vector<PythonInterpreter>>::known({named, project}, "probe");
  EXPECT_TRUE(decide(f).build_cuda);
}

TEST(BuildEnv, NoTorchSkipsUnlessNoTorchIsAsked) {
  EXPECT_FALSE(decide(node("12.4")).build_cuda);
  BuildEnvRequest r;
  r.no_torch = true;
  auto b = decide(node("12.4"), {}, r);
  EXPECT_TRUE(b.build_cuda);
  EXPECT_EQ(b.arch_source, "toolkit");
  ASSERT_FALSE(b.archs.empty());
  EXPECT_TRUE(b.archs.back().ptx);
  for (const auto& a : b.archs) EXPECT_NE(a.cc, ComputeCapability(3, 5)) << "deprecated archs are left out";
}

TEST(BuildEnv, MajorMismatchIsAnErrorMinorAWarning) {
  EXPECT_TRUE(has_code(decide(node("13.0", "2.6.0+cu124", {"sm_80"})), "TOOLKIT_MISMATCH", Severity::error));
  auto minor = decide(node("12.6", "2.6.0+cu124", {"sm_80"}));
  EXPECT_TRUE(has_code(minor, "TOOLKIT_MISMATCH", Severity::warn));
  EXPECT_FALSE(has_error(minor.reasons));
}

TEST(BuildEnv, CudaHomeAndPathNvccDisagreeingIsAWarning) {
  auto f = node("12.4", "2.6.0+cu124", {"sm_80"});
  f.toolkits.cuda_home = Fact<std::string>::known("/usr/local/cuda-12.4", "env:CUDA_HOME");
  f.toolkits.nvcc_on_path = Fact<std::string>::known("/usr/local/cuda-11.8/bin/nvcc", "PATH");
  EXPECT_TRUE(has_code(decide(f), "TOOLKIT_MISMATCH", Severity::warn));
}

TEST(BuildEnv, ModePrecedence) {
  const auto f = node(nullptr, "2.6.0+cu124", {"sm_80"});
  // FORCE_CUDA=1 without a toolkit: CUDA is forced and the missing toolkit is an error.
  auto forced = decide(f, {{"FORCE_CUDA", "1"}});
  EXPECT_TRUE(forced.build_cuda);
  EXPECT_TRUE(has_code(forced, "NO_TOOLKIT", Severity::error));
  // USE_CUDA=0 beats FORCE_CUDA=1 (with a warning); TORCHDOCTOR_CUDA beats both.
  auto off = decide(node("12.4", "2.6.0+cu124", {"sm_80"}), {{"FORCE_CUDA", "1"}, {"USE_CUDA", "0"}});
  EXPECT_FALSE(off.build_cuda);
  EXPECT_EQ(off.mode_source, "USE_CUDA");
  EXPECT_TRUE(has_code(off, "BUILD_MODE_CONFLICT", Severity::warn));
  auto ours = decide(node("12.4", "2.6.0+cu124", {"sm_80"}), {{"TORCHDOCTOR_CUDA", "force"}, {"USE_CUDA", "0"}});
  EXPECT_TRUE(ours.build_cuda);
  EXPECT_EQ(ours.mode_source, "TORCHDOCTOR_CUDA");
  auto ours_off = decide(node("12.4", "2.6.0+cu124", {"sm_80"}), {{"TORCHDOCTOR_CUDA", "off"}, {"FORCE_CUDA", "1"}});
  EXPECT_FALSE(ours_off.build_cuda);
  // Forcing with a CPU-only torch is an error, not a silent CPU build.
  EXPECT_TRUE(has_code(decide(node("12.4", "2.6.0+cpu"), {{"FORCE_CUDA", "1"}}), "CPU_ONLY_BUILD", Severity::error));
}

TEST(BuildEnv, InvalidModeOrArchListIsBadInput) {
  MapEnv bad_mode(std::map<std::string, std::string>{{"TORCHDOCTOR_CUDA", "maybe"}});
  auto a = decide_build_env(node("12.4", "2.6.0+cu124"), bad_mode, {}, gcc("12.2.0"), kb());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, ErrorKind::bad_input);
  MapEnv bad_list(std::map<std::string, std::string>{{"TORCH_CUDA_ARCH_LIST", "8.6;sm_90"}});
  auto b = decide_build_env(node("12.4", "2.6.0+cu124"), bad_list, {}, gcc("12.2.0"), kb());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("TORCH_CUDA_ARCH_LIST"), std::string::npos);
}

TEST(BuildEnv, TorchCudaArchListWinsAndIsCheckedAgainstTheToolkit) {
  BuildEnvRequest r;
  r.target_ccs = ccs({"8.9"});
  auto b = decide(node("12.4", "2.6.0+cu124", {"sm_80"}), {{"TORCH_CUDA_ARCH_LIST", "7.0;8.0+PTX"}}, r);
  EXPECT_EQ(b.arch_source, "TORCH_CUDA_ARCH_LIST");
  EXPECT_EQ(torch_cuda_arch_list(b.archs), "7.0;8.0+PTX");
  EXPECT_FALSE(has_error(b.reasons));
  // CUDA 13 cannot compile sm_70.
  auto c13 = decide(node("13.0", "2.9.0+cu130", {"sm_80"}), {{"TORCH_CUDA_ARCH_LIST", "7.0;8.0"}});
  EXPECT_TRUE(has_code(c13, "TOOLKIT_ARCH_UNSUPPORTED", Severity::error));
}

TEST(BuildEnv, TargetsMapToTheBestCodeTheToolkitMakes) {
  BuildEnvRequest r;
  r.targets = {"x"};
  r.target_ccs = ccs({"8.9", "12.0", "8.6"});
  // CUDA 11.7 has no sm_89 (sm_86 runs on it) and nothing for 12.0 (PTX of the newest, JIT).
  auto b = decide(node("11.7", "2.0.1+cu117", {"sm_80"}), {}, r);
  EXPECT_EQ(b.arch_source, "--targets");
  EXPECT_EQ(torch_cuda_arch_list(b.archs), "8.6;8.7+PTX");
  EXPECT_TRUE(has_code(b, "PTX_JIT", Severity::warn));
  // A GPU older than anything the toolkit compiles is an error.
  r.target_ccs = ccs({"7.0"});
  EXPECT_TRUE(has_code(decide(node("13.0", "2.9.0+cu130", {"sm_80"}), {}, r), "GPU_TOO_OLD", Severity::error));
}

TEST(BuildEnv, HostCompilerOutsideNvccsRangeIsAnError) {
  auto b = decide(node("13.0", "2.9.0+cu130", {"sm_80"}), {}, {}, gcc("16.1.0"));
  EXPECT_TRUE(has_code(b, "HOST_COMPILER_UNSUPPORTED", Severity::error));
  EXPECT_FALSE(has_code(decide(node("13.0", "2.9.0+cu130", {"sm_80"}), {}, {}, gcc("15.2.0")),
                        "HOST_COMPILER_UNSUPPORTED", Severity::error));
}

TEST(BuildEnv, EveryInputExplainsItself) {
  auto b = decide(node("12.4", "2.6.0+cu124", {"sm_80"}), {{"FORCE_CUDA", "1"}, {"USE_CUDA", "1"}});
  std::vector<std::string> names;
  for (const auto& i : b.inputs) {
    EXPECT_FALSE(i.effect.empty()) << i.name;
    names.push_back(i.name);
  }
  for (const char* want :
       {"FORCE_CUDA", "USE_CUDA", "CUDA toolkit", "torch", "visible GPUs", "TORCH_CUDA_ARCH_LIST", "host compiler"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

}  // namespace
}  // namespace td
