// Real artifacts: the torch wheel that scripts/setup-python.sh installs in .venv, Debian's
// python3-torch, and damaged copies of a real CUDA library. Each test skips, saying why, when its
// artifact is absent; importing torch works on this GPU-less machine.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/python_torch.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace {

const std::string k_venv = std::string(TD_SOURCE_DIR) + "/.venv";
const std::string k_debian_torch = "/usr/lib/python3/dist-packages/torch";

// The one site-packages/torch folder of the venv, or "" when there is none.
std::string venv_torch_dir(const td::FileSystem& fs) {
  auto libs = fs.list_dir(k_venv + "/lib");
  if (!libs) return {};
  for (const auto& l : *libs) {
    const std::string dir = k_venv + "/lib/" + l + "/site-packages/torch";
    if (fs.exists(dir + "/version.py")) return dir;
  }
  return {};
}

// Runs `python -c code` with a generous limit (importing torch reads ~1.5 GB of libraries).
std::string run_python(const std::string& python, const std::string& code) {
  td::SpawnOptions o;
  o.timeout = std::chrono::seconds(180);
  auto r = td::run_program({python, "-c", code}, o);
  if (!r) return "(cannot run: " + r.error().message + ")";
  if (!r->succeeded()) return "(" + r->describe_failure() + ": " + r->err.substr(0, 500) + ")";
  return r->out;
}

std::vector<std::string> names(const std::vector<td::ComputeCapability>& list) {
  std::vector<std::string> out;
  for (const auto& cc : list) out.push_back(cc.nvcc_name());
  return out;
}

}  // namespace

TEST(RealTorch, VersionPyMatchesWhatTorchSays) {
  const auto fs = td::make_real_file_system("/");
  const std::string torch = venv_torch_dir(*fs);
  if (torch.empty()) GTEST_SKIP() << "no torch in " << k_venv << ": run scripts/setup-python.sh";
  auto text = fs->read_file(torch + "/version.py");
  ASSERT_TRUE(text);
  auto vp = td::parse_torch_version_py(*text);
  ASSERT_TRUE(vp) << vp.error().message;
  const std::string said = run_python(k_venv + "/bin/python",
                                      "import torch; print(torch.__version__); print(torch.version.cuda); "
                                      "print(torch.version.git_version)");
  const auto parts = td::split(std::string(td::trim(said)), '\n');
  ASSERT_EQ(parts.size(), 3U) << said;
  EXPECT_EQ(*vp->version, parts[0]);
  ASSERT_TRUE(vp->cuda.has_value());
  EXPECT_EQ(*vp->cuda, parts[1]);
  EXPECT_EQ(*vp->git, parts[2]);
  EXPECT_FALSE(vp->hip.has_value());
}

TEST(RealTorch, FatbinArchListMatchesCudaGetArchFlags) {
  const auto fs = td::make_real_file_system("/");
  const std::string torch = venv_torch_dir(*fs);
  if (torch.empty()) GTEST_SKIP() << "no torch in " << k_venv << ": run scripts/setup-python.sh";
  auto scan = td::scan_torch_arch_list(*fs, torch);
  ASSERT_TRUE(scan) << scan.error().message;
  EXPECT_GT(scan->summary.blobs, 100U);
  const std::string flags = run_python(k_venv + "/bin/python", "import torch; print(torch._C._cuda_getArchFlags())");
  auto reported = td::parse_arch_flags(td::trim(flags));
  ASSERT_TRUE(reported) << flags;
  ASSERT_FALSE(reported->empty()) << flags;
  EXPECT_EQ(names(scan->summary.common_targets()), names(*reported)) << "torch says: " << flags;
}

TEST(RealTorch, ImportReportAgreesWithTheParsedList) {
  const auto fs = td::make_real_file_system("/");
  const std::string torch = venv_torch_dir(*fs);
  if (torch.empty()) GTEST_SKIP() << "no torch in " << k_venv << ": run scripts/setup-python.sh";
  auto scan = td::scan_torch_arch_list(*fs, torch);
  ASSERT_TRUE(scan) << scan.error().message;
  td::TorchInstall t;
  t.arch_list = td::Fact<std::vector<td::ComputeCapability>>::known(scan->summary.common_targets(), "fatbin");
  const std::string out = run_python(k_venv + "/bin/python", std::string(td::import_torch_script()));
  const auto problems = td::apply_import_report(out, t);
  EXPECT_TRUE(problems.empty()) << problems.front();
  ASSERT_TRUE(t.cuda_available.has_value()) << out;
  EXPECT_FALSE(*t.cuda_available.value);  // no GPU on the test machines without one
  ASSERT_TRUE(t.cudnn.has_value()) << out;
  EXPECT_EQ(t.cudnn.value->release().front(), 9U);
  ASSERT_TRUE(t.import_arch_list.has_value());
  EXPECT_EQ(names(*t.import_arch_list.value), names(*t.arch_list.value));
}

TEST(RealTorch, DebianPackageIsCpuOnly) {
  const auto fs = td::make_real_file_system("/");
  if (!fs->exists(k_debian_torch + "/version.py")) {
    GTEST_SKIP() << "Debian python3-torch not installed: run scripts/setup-python.sh --debian";
  }
  auto vp = td::parse_torch_version_py(*fs->read_file(k_debian_torch + "/version.py"));
  ASSERT_TRUE(vp) << vp.error().message;
  EXPECT_FALSE(vp->cuda.has_value());
  EXPECT_FALSE(td::scan_torch_arch_list(*fs, k_debian_torch));  // no libtorch_cuda.so
  const std::string said =
      run_python("/usr/bin/python3", "import torch; print(torch.__version__); print(torch.version.cuda)");
  EXPECT_EQ(std::string(td::trim(said)), *vp->version + "\nNone");
}

// Real libraries with a .nv_fatbin section, smallest first; the first present is used.
TEST(RealLibraryBadInput, MutatedCopiesGiveUnknownNeverACrash) {
  const std::vector<std::string> candidates = {
      k_venv + "/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn_cnn.so.9",
      "/usr/local/cuda/lib64/libcudnn_cnn.so.9",
      "/usr/local/cuda/lib64/libcufftw.so.12",
  };
  std::string path;
  for (const auto& c : candidates) {
    if (std::ifstream(c).good()) {
      path = c;
      break;
    }
  }
  if (path.empty())
    GTEST_SKIP() << "no real CUDA library found (run scripts/setup-python.sh, or install a CUDA toolkit)";
  std::ifstream in(path, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto clean = td::make_memory_file(original, path);
  auto sections = td::read_elf_sections(*clean, path);
  ASSERT_TRUE(sections) << sections.error().message;
  td::ElfSection fatbin;
  for (const auto& s : *sections) {
    if (s.name == ".nv_fatbin") fatbin = s;
  }
  ASSERT_GT(fatbin.size, 0U) << path << " has no .nv_fatbin";
  auto baseline = td::parse_fatbin_region(*clean, fatbin.offset, fatbin.size, path);
  ASSERT_TRUE(baseline) << baseline.error().message;
  ASSERT_FALSE(baseline->sass.empty() && baseline->ptx.empty());

  std::mt19937_64 rng(42);
  const std::uint64_t header_end = 64;
  const std::uint64_t window = std::min<std::uint64_t>(fatbin.size, 1U << 16U);
  int refused = 0;
  for (int round = 0; round < 200; ++round) {
    std::string bytes = original;
    for (int i = 0; i < 3; ++i) {
      const std::uint64_t at = round % 3 == 0 ? rng() % header_end : fatbin.offset + rng() % window;
      bytes[static_cast<std::size_t>(at)] = static_cast<char>(rng() & 0xFFU);
    }
    if (round % 7 == 0) bytes.resize(static_cast<std::size_t>(fatbin.offset + rng() % fatbin.size));
    td::MemoryFileSystem fs;
    fs.file("/lib.so", std::move(bytes));
    auto r = td::read_library_fatbin(fs, "/lib.so");
    if (!r) {
      ++refused;
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(refused, 0);
}
