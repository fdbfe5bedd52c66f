// Hostile input, round two (docs/reliability.md): special files and endless streams where a file
// is expected, pipes, label files, terminal escapes in other machines' text, and usage mistakes.
// Each test is the regression test of one defect the audit found; the registry ones are in
// registry_test.cpp against tests/registry/hostile_server.py.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::capture;
using td::test::fixture_root;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "td-hostile-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name, const std::string& text) const {
    const std::string p = m_path + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  [[nodiscard]] const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

std::size_t lines_of(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// One line on stderr, exit 2, naming `what`.
void expect_one_line_usage_error(const td::test::RunResult& r, const std::string& what) {
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines_of(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
}

std::string snapshot_json() {
  return run_td({"probe", "--root", fixture_root("x86-nvidia-proprietary"), "--json"}).out;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(HostileInput, HostThatIsAFolderADeviceOrAnEndlessStreamIsOneLineExitTwo) {
  TempDir tmp;
  expect_one_line_usage_error(run_td({"probe", "--host", tmp.path()}), "a folder");
  expect_one_line_usage_error(run_td({"probe", "--host", "/dev/zero"}), "a device");
  expect_one_line_usage_error(run_td({"probe", "--host", "-"}, std::string(17U << 20U, ' ')), "larger than 16 MiB");
  // A FIFO with no writer reads as empty: an error at once, not a wait.
  const std::string fifo = tmp.path() + "/fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_td({"probe", "--host", fifo});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_LT(seconds_since(start), 10.0);
}

TEST(HostileInput, HostAndFleetReadProcessSubstitution) {
  TempDir tmp;
  const std::string snap = tmp.file("a.json", snapshot_json());
  const std::string bin = td::test::binary_for_shell();
  const std::string probe =
      capture("bash -c '" + bin + " probe --host <(cat " + snap + ") --json; echo \"exit=$?\"' 2>&1");
  EXPECT_NE(probe.find("exit=0"), std::string::npos) << probe;
  const std::string fleet =
      capture("bash -c '" + bin + " fleet <(cat " + snap + ") --offline --no-cache; echo \"exit=$?\"' 2>&1");
  EXPECT_NE(fleet.find("1 node"), std::string::npos) << fleet;
  EXPECT_EQ(fleet.find("cannot be read"), std::string::npos) << fleet;
}

TEST(HostileInput, KbFolderWithADeviceLinkOrAFifoIsRefusedNotWaitedOn) {
  TempDir tmp;
  const std::string kb = tmp.path() + "/kb";
  fs::create_directories(kb);
  for (const auto& e : fs::directory_iterator(TD_SOURCE_DIR "/data/kb")) {
    if (e.path().extension() == ".toml") fs::copy_file(e.path(), kb + "/" + e.path().filename().string());
  }
  fs::create_symlink("/dev/zero", kb + "/zero.toml");
  expect_one_line_usage_error(run_td({"kb", "show", "cuda", "--kb", kb}), "zero.toml: a device");
  fs::remove(kb + "/zero.toml");
  ASSERT_EQ(::mkfifo((kb + "/fifo.toml").c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  expect_one_line_usage_error(run_td({"kb", "show", "cuda", "--kb", kb}), "fifo.toml: a FIFO");
  EXPECT_LT(seconds_since(start), 10.0);
}

TEST(HostileInput, BuildEnvTargetsFolderWithOddEntriesIsOneLineExitTwo) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/targets";
  fs::create_directories(dir + "/x.json");
  expect_one_line_usage_error(run_td({"build-env", "--no-torch", "--targets", dir}), "a folder");
  fs::remove(dir + "/x.json");
  fs::create_symlink("/dev/zero", dir + "/zero.json");
  expect_one_line_usage_error(run_td({"build-env", "--no-torch", "--targets", dir}), "a device");
}

TEST(HostileInput, ExplainReadsAPipeToItsEndAndFindsTheLastLine) {
  TempDir tmp;
  const std::string bin = td::test::binary_for_shell();
  // 100 MB of log (over the 64 MiB kept), the CUDA error on the last line; the producer must not
  // die of SIGPIPE (exit 141) and the error must be found.
  const std::string cmd =
      "bash -c 'set -o pipefail; { yes \"step 1 loss 0.25 lr 0.001 all is well\" | head -c 100000000; "
      "echo \"RuntimeError: CUDA error: no kernel image is available for execution on the device\"; } | " +
      bin + " explain --no-probe --gpu sm_120 > " + tmp.path() + "/out.txt; echo \"status=${PIPESTATUS[*]}\"'";
  const std::string status = capture(cmd);
  EXPECT_NE(status.find("status=0 1"), std::string::npos) << status;  // producer fine, explain found a problem
  std::ifstream in(tmp.path() + "/out.txt");
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(out.find("no kernel image"), std::string::npos) << out.substr(0, 2000);
  EXPECT_NE(out.find("first and last 32 MiB were read"), std::string::npos) << out.substr(0, 2000);
  // Cut and nothing found: undetermined, not "all good".
  const std::string quiet = capture("bash -c 'yes \"step 1 loss 0.25\" | head -c 80000000 | " + bin +
                                    " explain --no-probe >/dev/null; echo \"exit=$?\"'");
  EXPECT_NE(quiet.find("exit=3"), std::string::npos) << quiet;
}

TEST(HostileInput, CommandsThatTakeNoArgumentsRefuseExtraOnes) {
  const std::vector<std::vector<std::string>> cases{
      {"doctor", "--no-probe", "stray"},    {"recommend", "--no-probe", "stray"},
      {"build-env", "--no-torch", "stray"}, {"verify", "stray"},
      {"kb", "show", "cuda", "stray"},      {"probe", "--no-probe", "stray"}};
  for (const auto& args : cases) expect_one_line_usage_error(run_td(args), "unexpected argument 'stray'");
}

TEST(HostileInput, PlatformAndGpuNamesAreNotGuessedFromFragments) {
  expect_one_line_usage_error(run_td({"image", "--offline", "--no-probe", "--platform", "linux",
                                      "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"}),
                              "platform 'linux'");
  const auto nan = run_td({"probe", "--no-probe", "--gpu", "nan", "--json"});
  EXPECT_EQ(nan.code, 2) << nan.out;
  EXPECT_EQ(nan.out.find("Jetson Nano"), std::string::npos);
  const auto whole_word = run_td({"probe", "--no-probe", "--gpu", "4090", "--json"});
  EXPECT_EQ(whole_word.code, 0) << whole_word.err;
  EXPECT_NE(whole_word.out.find("RTX 4090"), std::string::npos);
}

TEST(HostileInput, TerminalEscapesFromASnapshotNeverReachTheTerminal) {
  TempDir tmp;
  auto doc = json::parse(snapshot_json());
  doc["hostname"]["value"] = "\x1b[2J\x1b[31mevil\x07\r";
  const std::string snap = tmp.file("evil.json", doc.dump());
  for (const auto& args : std::vector<std::vector<std::string>>{{"probe", "--host", snap},
                                                                {"probe", "--host", snap, "--format", "markdown"},
                                                                {"fleet", snap, "--offline", "--no-cache"}}) {
    const auto r = run_td(args);
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0];
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << args[0];
    EXPECT_EQ(r.out.find('\x07'), std::string::npos) << args[0];
  }
  const auto shown = run_td({"probe", "--host", snap});
  EXPECT_NE(shown.out.find("\\x1b[2J"), std::string::npos) << shown.out;
  // In error messages too.
  const auto err = run_td({"build-env", "--no-torch", "--targets", "\x1b]52;c;cHduZWQ=\x07"});
  EXPECT_EQ(err.code, 2);
  EXPECT_EQ(err.err.find('\x1b'), std::string::npos) << err.err;
  // JSON stays exact: the value round-trips.
  const auto j = run_td({"probe", "--host", snap, "--json"});
  EXPECT_EQ(json::parse(j.out)["hostname"]["value"], "\x1b[2J\x1b[31mevil\x07\r");
}

TEST(HostileInput, ATruncatedSnapshotInAFleetIsOneProblemNotOnePerLine) {
  TempDir tmp;
  const std::string full = run_td({"probe", "--root", fixture_root("x86-nvidia-proprietary"), "--json"}).out;
  const std::string cut = tmp.file("cut.json", full.substr(0, full.size() / 2));
  const auto r = run_td({"fleet", cut, "--offline", "--no-cache"});
  EXPECT_LE(lines_of(r.err), 2U) << r.err;
}

TEST(HostileInput, ComposeFilesKeepDollarSignsLiteral) {
  const auto r = run_td({"run-command", "--no-check", "--no-probe", "--arch", "x86_64", "--engine", "compose",
                         "pytorch/pytorch:latest", "--", "sh", "-c", "echo ${HOME} $PATH"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("$${HOME} $$PATH"), std::string::npos) << r.out;
}

TEST(HostileInput, LabelsFileRefusesSpecialTargetsKeepsItsModeAndCleansUp) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/features.d";
  fs::create_directories(dir);
  const std::vector<std::string> env{"XDG_CACHE_HOME=" + tmp.path() + "/cache"};
  const std::string root = fixture_root("x86-nvidia-proprietary");
  // A FIFO, a link and a folder at the output path are refused, exit 2, and left as they are.
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  fs::create_symlink("/etc/hostname", dir + "/link");
  fs::create_directories(dir + "/folder");
  for (const std::string name : {"fifo", "link", "folder"}) {
    const auto r = run_td({"k8s", "labels", "--root", root, "--output", dir + "/" + name}, "", env);
    EXPECT_EQ(r.code, 2) << name << ": " << r.err;
  }
  EXPECT_TRUE(fs::is_fifo(dir + "/fifo"));
  EXPECT_TRUE(fs::is_symlink(dir + "/link"));
  // Leftovers of killed runs: a hidden temporary and 0.1.0's visible one (which NFD would read)
  // are removed when old; a user's file of the same shape is not.
  const std::string hidden = tmp.file("features.d/.torchdoctor.tmp.AbC123", "torchdoctor.dev/driver=1\n");
  const std::string legacy = tmp.file("features.d/torchdoctor.Xy7Zq2", "torchdoctor.dev/driver=1\n");
  const std::string users = tmp.file("features.d/torchdoctor.backup", "mine=1\n");
  for (const auto& p : {hidden, legacy, users})
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(1));
  const std::string out = dir + "/torchdoctor";
  std::ofstream(out) << "old\n";
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  const auto r = run_td({"k8s", "labels", "--root", root, "--output", out}, "", env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(hidden));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_TRUE(fs::exists(users));
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644U);
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(HostileInput, OfflineAffinityForAnUnlistedTagIsUndeterminedNotMissing) {
  const auto r = run_td({"k8s", "affinity", "nvcr.io/nvidia/pytorch:99.01-py3", "--offline"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(r.err.find("the registry has no such tag"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("TAG_UNKNOWN"), std::string::npos) << r.err;
}

// --host-root reads the host's tree, but the GPU answer cache is this process's own file: a file
// planted at the same path inside the host tree is never trusted (it was, and named a GPU).
TEST(HostileInput, HostRootNeverTrustsACacheFilePlantedInTheHostTree) {
  if (const char* emu = std::getenv("TD_EMULATOR"); emu != nullptr && *emu != '\0') {
    GTEST_SKIP() << "the GPU probe's fork()ed child does not run under qemu-user (scripts/test-aarch64.sh); the native "
                    "run covers this";
  }
  TempDir tmp;
  const std::string tree = tmp.path() + "/host";
  const std::string cache = tmp.path() + "/cache";
  (void)tmp.file("host/proc/sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
  fs::create_directories(tree + "/sys/bus/pci/devices");
  // A genuine cache file for this tree, written by a first run...
  ASSERT_EQ(run_td({"probe", "--host-root", tree, "--json"}, "", {"XDG_CACHE_HOME=" + cache}).code, 0);
  std::ifstream in(cache + "/torchdoctor/gpu-probe.json");
  json doc = json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  // ...turned into a lie, and planted where a reader of the host tree would look.
  doc["answer"]["nvml"] = {
      {"status", "answered"},
      {"gpus",
       {{{"index", 0}, {"name", "PLANTED GPU"}, {"pci_bus_id", "00000000:01:00.0"}, {"compute_capability", "9.0"}}}}};
  fs::remove_all(cache);
  (void)tmp.file("host" + cache + "/torchdoctor/gpu-probe.json", doc.dump());
  const auto r = run_td({"probe", "--host-root", tree, "--json"}, "", {"XDG_CACHE_HOME=" + cache});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("PLANTED GPU"), std::string::npos) << r.out;
}
