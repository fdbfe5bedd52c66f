// `torchdoctor build-env` end to end on this GPU-less machine: the real binary, the real nvcc and
// cuobjdump of the installed toolkit, the real CUDA torch of .venv, and the fake GPU libraries in
// crash and hang modes to prove build-env never touches them.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "run_binary.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/fatbin.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace {

using nlohmann::json;
using td::test::run_td;
namespace fs = std::filesystem;

const std::string k_fakes = TD_FAKES_DIR;
const std::string k_venv = std::string(TD_SOURCE_DIR) + "/.venv";

// The toolkit CUDA_HOME names, or /usr/local/cuda; "" when it has no nvcc.
std::string toolkit() {
  const char* home = std::getenv("CUDA_HOME");
  const std::string dir = home != nullptr && *home != '\0' ? home : "/usr/local/cuda";
  return fs::exists(dir + "/bin/nvcc") ? dir : "";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "td-buildenv-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

json run_json(const std::vector<std::string>& args, const std::vector<std::string>& env, int want_code) {
  auto r = run_td(args, {}, env);
  if (want_code >= 0) {
    EXPECT_EQ(r.code, want_code) << r.out << r.err;
  }
  auto doc = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.out;
  return doc;
}

std::set<std::string> decided(const json& doc) {
  std::set<std::string> out;
  for (const auto& a : doc["archs"]) {
    out.insert(a["sm"].get<std::string>());
    if (a["ptx"].get<bool>()) out.insert("compute_" + a["sm"].get<std::string>().substr(3));
  }
  return out;
}

TEST(BuildEnvCli, FixtureTreesWithAndWithoutAToolkit) {
  // A GPU-less server without a toolkit: skip, with the reason, exit 0.
  auto none =
      run_json({"build-env", "--json", "--no-torch", "--root", td::test::fixture_root("x86-server-nogpu")}, {}, 0);
  EXPECT_FALSE(none["build_cuda"].get<bool>());
  EXPECT_NE(none["skip_reason"].get<std::string>().find("no CUDA toolkit"), std::string::npos);
  EXPECT_EQ(none["variables"]["TORCHDOCTOR_BUILD_CUDA"], "0");
  // A CUDA 12.4 toolkit: build for what 12.4 compiles, PTX on the newest (sm_90).
  auto tk =
      run_json({"build-env", "--json", "--no-torch", "--root", td::test::fixture_root("toolkit-version-json")}, {}, 0);
  ASSERT_TRUE(tk["build_cuda"].get<bool>()) << tk.dump(2);
  EXPECT_EQ(tk["toolkit"]["version"].get<std::string>().substr(0, 5), "12.4.");
  EXPECT_EQ(tk["variables"]["CMAKE_CUDA_ARCHITECTURES"].get<std::string>().substr(0, 7), "50-real");
  EXPECT_EQ(tk["archs"].back()["sm"], "sm_90");
  EXPECT_TRUE(tk["archs"].back()["ptx"].get<bool>());
  // A venv with a CUDA torch but no toolkit: skip, naming the missing toolkit.
  auto venv = run_json({"build-env", "--json", "--root", td::test::fixture_root("venv-fake-torch"), "--python",
                        "/home/user/venv/bin/python"},
                       {}, 0);
  EXPECT_FALSE(venv["build_cuda"].get<bool>()) << venv.dump(2);
  EXPECT_NE(venv["skip_reason"].get<std::string>().find("no CUDA toolkit"), std::string::npos);
}

TEST(BuildEnvCli, InvalidTorchCudaArchListIsExitTwoNamingIt) {
  auto r = run_td({"build-env", "--format", "sh"}, {}, {"TORCH_CUDA_ARCH_LIST=8.6;sm_90", "TORCHDOCTOR_CUDA=force"});
  if (toolkit().empty()) {
    EXPECT_EQ(r.code, 1) << "forced without a toolkit: " << r.err;
    return;
  }
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("TORCH_CUDA_ARCH_LIST='8.6;sm_90': 'sm_90'"), std::string::npos) << r.err;
  auto bad_mode = run_td({"build-env"}, {}, {"TORCHDOCTOR_CUDA=sometimes"});
  EXPECT_EQ(bad_mode.code, 2);
  EXPECT_NE(bad_mode.err.find("TORCHDOCTOR_CUDA='sometimes'"), std::string::npos) << bad_mode.err;
  auto bad_target = run_td({"build-env", "--targets", "Voodoo 5"}, {}, {});
  EXPECT_EQ(bad_target.code, 2);
  EXPECT_NE(bad_target.err.find("--targets 'Voodoo 5'"), std::string::npos) << bad_target.err;
  auto bad_format = run_td({"build-env", "--format", "yaml", "--no-torch"}, {}, {});
  EXPECT_EQ(bad_format.code, 2);
}

// The fake NVML hangs and the fake libcuda crashes on init: build-env must neither wait nor crash,
// and must not even start them (the same environment makes `probe` report the crash).
TEST(BuildEnvCli, NeverLoadsTheGpuLibraries) {
  TempDir dir;
  std::ofstream(dir.path() + "/gpu.json") << R"({"driver": "550.54.15", "cuda": "12.4", "gpus": [],
      "nvml": {"mode": "hang"}, "libcuda": {"mode": "crash"}})";
  const std::vector<std::string> env{"TD_FAKE_GPU_CONFIG=" + dir.path() + "/gpu.json", "XDG_CACHE_HOME=" + dir.path(),
                                     "LD_LIBRARY_PATH=" + k_fakes + "/nvml:" + k_fakes + "/cuda"};
  const auto start = std::chrono::steady_clock::now();
  auto r = run_td({"build-env", "--json", "--no-torch"}, {}, env);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.code << r.err;
  EXPECT_EQ(r.err.find("crash"), std::string::npos) << r.err;
  auto control = run_td({"probe", "--json", "--gpu-timeout", "1"}, {}, env);
  EXPECT_NE(control.out.find("libcuda crashed"), std::string::npos)
      << "the fakes are not in effect: " << control.out.substr(0, 400);
}

// The targets in a library's fatbinary: cuobjdump's listing when the toolkit has it, else our own
// reader (checked against torch._C._cuda_getArchFlags() on the real torch by RealTorch tests).
std::set<std::string> fatbin_targets(const std::string& cuda, const std::string& lib) {
  std::set<std::string> found;
  if (!fs::exists(cuda + "/bin/cuobjdump")) {
    auto fsys = td::make_real_file_system("/");
    auto summary = td::read_library_fatbin(*fsys, lib);
    EXPECT_TRUE(summary.ok()) << (summary.ok() ? "" : summary.error().message);
    if (!summary.ok()) return found;
    for (const auto& c : summary->sass) found.insert(c.nvcc_name());
    for (const auto& c : summary->ptx) found.insert(c.as_ptx().nvcc_name());
    return found;
  }
  td::SpawnOptions o;
  auto elf = td::run_program({cuda + "/bin/cuobjdump", "--list-elf", "--list-ptx", lib}, o);
  EXPECT_TRUE(elf.ok() && elf->succeeded());
  if (!elf.ok()) return found;
  for (auto line : td::lines(elf->out)) {
    // "ELF file    1: libk.1.sm_80.cubin", "PTX file    1: libk.1.sm_90.ptx"
    auto at = line.find(".sm_");
    if (at == std::string::npos) continue;
    auto name = std::string(line.substr(at + 1, line.rfind('.') - at - 1));
    if (line.find(".ptx") != std::string::npos) name = "compute_" + name.substr(3);
    found.insert(name);
  }
  return found;
}

// Build a small CUDA library with exactly the flags build-env prints, and read its fatbinary:
// it must hold the decided architectures and nothing else.
TEST(BuildEnvCli, EmittedFlagsBuildExactlyTheDecidedArchitectures) {
  const std::string cuda = toolkit();
  if (cuda.empty())
    GTEST_SKIP() << "no nvcc in CUDA_HOME or /usr/local/cuda: the end-to-end build needs a CUDA toolkit";
  TempDir dir;
  const std::vector<std::string> env{"CUDA_HOME=" + cuda, "PATH=" + cuda + "/bin:/usr/bin:/bin"};
  auto doc = run_json({"build-env", "--json", "--no-torch", "--targets", "sm_80,H100,RTX 4090"}, env, 0);
  ASSERT_TRUE(doc["build_cuda"].get<bool>()) << doc.dump(2);
  EXPECT_EQ(doc["arch_source"], "--targets");
  auto flags = run_td({"build-env", "--format", "nvcc", "--no-torch", "--targets", "sm_80,H100,RTX 4090"}, {}, env);
  ASSERT_EQ(flags.code, 0) << flags.err;
  std::ofstream(dir.path() + "/k.cu")
      << "extern \"C\" __global__ void add(float* a, const float* b, int n) {\n"
         "  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) a[i] += b[i]; }\n";
  std::vector<std::string> argv{cuda + "/bin/nvcc",      "-shared",           "-Xcompiler", "-fPIC", "-o",
                                dir.path() + "/libk.so", dir.path() + "/k.cu"};
  for (const auto& f : td::split(td::trim(flags.out), ' ')) argv.push_back(f);
  td::SpawnOptions o;
  o.timeout = std::chrono::seconds(240);
  auto built = td::run_program(argv, o);
  ASSERT_TRUE(built.ok() && built->succeeded())
      << (built.ok() ? built->err + built->describe_failure() : built.error().message);
  const auto found = fatbin_targets(cuda, dir.path() + "/libk.so");
  EXPECT_EQ(found, decided(doc)) << "flags: " << flags.out;
  EXPECT_EQ(found, (std::set<std::string>{"sm_80", "sm_89", "sm_90", "compute_90"}));
}

// With the real CUDA torch of .venv on PATH, build-env says "build CUDA" with that wheel's own
// arch list (what torch._C._cuda_getArchFlags() says) as far as the toolkit can compile it.
TEST(BuildEnvCli, RealCudaTorchBuildsWithTheWheelsArchList) {
  if (!fs::exists(k_venv + "/bin/python")) GTEST_SKIP() << "no " << k_venv << ": run scripts/setup-python.sh";
  const std::string cuda = toolkit();
  if (cuda.empty()) GTEST_SKIP() << "no nvcc in CUDA_HOME or /usr/local/cuda";
  td::SpawnOptions o;
  o.timeout = std::chrono::seconds(120);
  auto flags = td::run_program(
      {k_venv + "/bin/python", "-c", "import torch; print(' '.join(torch._C._cuda_getArchFlags().split()))"}, o);
  ASSERT_TRUE(flags.ok() && flags->succeeded()) << (flags.ok() ? flags->err : flags.error().message);
  auto doc = run_json({"build-env", "--json"},
                      {"CUDA_HOME=" + cuda, "PATH=" + k_venv + "/bin:" + cuda + "/bin:/usr/bin:/bin"}, -1);
  ASSERT_TRUE(doc["build_cuda"].get<bool>()) << doc.dump(2);
  EXPECT_EQ(doc["arch_source"], "torch wheel");
  ASSERT_TRUE(doc["torch"]["cuda"].is_string());
  // Every architecture decided is one torch was built for; every one torch has that the toolkit
  // compiles is decided (the dropped ones are named in the inputs).
  std::set<std::string> torch_archs;
  for (const auto& f : td::split(td::trim(flags->out), ' ')) torch_archs.insert(f);
  std::string dropped;
  for (const auto& i : doc["inputs"]) {
    if (i["name"] == "torch arch list") dropped = i["effect"].get<std::string>();
  }
  for (const auto& a : doc["archs"]) EXPECT_TRUE(torch_archs.count(a["sm"].get<std::string>())) << a.dump();
  for (const auto& t : torch_archs) {
    if (t.rfind("sm_", 0) != 0) continue;
    bool in = false;
    for (const auto& a : doc["archs"]) in = in || a["sm"] == t;
    EXPECT_TRUE(in || dropped.find(t) != std::string::npos) << t << " neither built nor reported dropped: " << dropped;
  }
  // The toolkit here may be another CUDA major than the wheel's: that must be the error it is.
  const auto major = [](const json& v) { return std::stoi(v.get<std::string>()); };
  bool mismatch = false;
  for (const auto& r : doc["reasons"])
    mismatch = mismatch || (r["code"] == "TOOLKIT_MISMATCH" && r["severity"] == "error");
  EXPECT_EQ(mismatch, major(doc["toolkit"]["version"]) != major(doc["torch"]["cuda"])) << doc["reasons"].dump(2);
}

}  // namespace
