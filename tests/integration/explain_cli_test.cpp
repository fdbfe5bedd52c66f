// `torchdoctor explain` through the real binary: arguments, stdin, --file, --json, exit codes,
// what-if facts and fixture roots, and bad input (missing files, binary, empty, huge lines, UTF-16).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::fixture_root;
using td::test::run_td;

namespace {

const char* k_nvml = "Failed to initialize NVML: Unknown Error";
const char* k_select =
    "docker: Error response from daemon: could not select device driver \"\" with capabilities: [[gpu]].";

// A file in a fresh temporary directory, removed with it at exit of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char dir[] = "/tmp/td-explain-XXXXXX";
    m_dir = ::mkdtemp(dir) != nullptr ? dir : "/tmp";
    m_path = m_dir + "/input.log";
    std::ofstream(m_path, std::ios::binary) << content;
  }
  ~TempFile() {
    std::remove(m_path.c_str());
    ::rmdir(m_dir.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return m_path; }
  [[nodiscard]] const std::string& dir() const { return m_dir; }

 private:
  std::string m_dir, m_path;
};

json parse(const std::string& out) {
  json j = json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

std::string input_path(const std::string& name) { return std::string(TD_SOURCE_DIR) + "/tests/explain/inputs/" + name; }

}  // namespace

TEST(ExplainCli, ErrorTextAsArgumentsIsDiagnosedWithExit1) {
  const auto r = run_td({"explain", "--no-probe", k_nvml});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("CONTAINER_GPU_LOST"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 1: Failed to initialize NVML"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix:"), std::string::npos);
}

TEST(ExplainCli, ReadsStdin) {
  const auto r = run_td({"explain", "--no-probe"}, std::string("some output\n") + k_nvml + "\nmore\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("line 2: Failed to initialize NVML"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read 3 lines"), std::string::npos) << r.out;
}

TEST(ExplainCli, ReadsAFileAndAnswersInJson) {
  const TempFile f(std::string("log start\n") + k_select + "\n");
  const auto r = run_td({"explain", "--no-probe", "--gpu", "sm_89", "--file", f.path(), "--json"});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["schema"], "torchdoctor.explain/v1");
  EXPECT_EQ(j["input"]["lines"], 2);
  EXPECT_EQ(j["found"], true);
  EXPECT_EQ(j["problem"], true);
  ASSERT_FALSE(j["diagnoses"].empty());
  const json& d = j["diagnoses"][0];
  EXPECT_EQ(d["rank"], 1);
  EXPECT_EQ(d["code"], "NO_CONTAINER_GPU_RUNTIME");
  EXPECT_EQ(d["signature"], "could_not_select_device_driver");
  EXPECT_EQ(d["evidence"][0]["kind"], "input");
  EXPECT_EQ(d["evidence"][0]["line"], 2);
  EXPECT_NE(d["fix"].dump().find("nvidia-ctk runtime configure"), std::string::npos);
  EXPECT_TRUE(j["host"].is_object());
}

TEST(ExplainCli, TheSameMessageOnAMachineWithoutGpuIsNotAToolkitProblem) {
  const auto r = run_td({"explain", "--root", fixture_root("x86-server-nogpu"), "--json", k_select});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = parse(r.out);
  ASSERT_FALSE(j["diagnoses"].empty()) << r.out;
  EXPECT_EQ(j["diagnoses"][0]["code"], "NO_GPU");
  EXPECT_NE(j["diagnoses"][0]["cause"].get<std::string>().find("would not help"), std::string::npos);
}

TEST(ExplainCli, OnAJetsonTheFixNamesTheNvidiaRuntime) {
  const auto r = run_td({"explain", "--root", fixture_root("jetson-orin-l4t36"), k_select});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("--runtime nvidia"), std::string::npos) << r.out;
}

TEST(ExplainCli, NoKnownSignatureIsExit0AndSaysWhatWasRead) {
  const auto r = run_td({"explain", "--no-probe"}, "ZeroDivisionError: division by zero\n");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("No known signature found (read 1 line, 36 bytes"), std::string::npos) << r.out;
}

TEST(ExplainCli, EmptyInputIsAClearAnswer) {
  const auto r = run_td({"explain", "--no-probe", "--json"}, "");
  EXPECT_EQ(r.code, 0) << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["input"]["bytes"], 0);
  EXPECT_EQ(j["found"], false);
  EXPECT_NE(j["notes"].dump().find("the input is empty"), std::string::npos);
}

TEST(ExplainCli, BinaryInputIsNotACrash) {
  std::string bin;
  for (int i = 0; i < 200000; ++i) bin += static_cast<char>((i * 7919) % 256);
  const auto r = run_td({"explain", "--no-probe"}, bin);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("No known signature found"), std::string::npos);
  EXPECT_NE(r.out.find("looks binary"), std::string::npos) << r.out;
}

TEST(ExplainCli, EnormousLinesAreCutWithANote) {
  std::string text(300 * 1024, 'x');
  text += "\n";
  text += k_nvml;
  const auto r = run_td({"explain", "--no-probe"}, text);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("longer than 64 KiB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 2:"), std::string::npos);
}

TEST(ExplainCli, Utf16FromPowerShellIsDecoded) {
  const std::string text = std::string("PS> python train.py\r\n") + k_nvml + "\r\n";
  std::string le = "\xFF\xFE";
  for (char c : text) {
    le += c;
    le += '\0';
  }
  const TempFile f(le);
  const auto r = run_td({"explain", "--no-probe", "--json", "--file", f.path()});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["input"]["encoding"], "utf-16le");
  EXPECT_EQ(j["diagnoses"][0]["code"], "CONTAINER_GPU_LOST");
}

TEST(ExplainCli, RecognisesAPastedCollectEnvReport) {
  const auto r = run_td({"explain", "--no-probe", "--json", "--file", input_path("pytorch_150733.txt")});
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = parse(r.out);
  ASSERT_TRUE(j["collect_env"].is_object()) << r.out;
  EXPECT_EQ(j["collect_env"]["fields"]["torch_version"]["value"], "2.6.0+cu126");
  EXPECT_EQ(j["collect_env"]["gpus"][0]["value"], "NVIDIA GeForce RTX 5090 D");
  EXPECT_EQ(j["diagnoses"][0]["code"], "GPU_ARCH_MISSING");
  EXPECT_EQ(j["host"]["driver"]["version"]["value"], "570.124.04");
}

TEST(ExplainCli, UnreadableFileIsBadInput) {
  auto r = run_td({"explain", "--file", "/nonexistent/torchdoctor.log"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--file /nonexistent/torchdoctor.log: No such file or directory"), std::string::npos) << r.err;
  const TempFile f("x");
  r = run_td({"explain", "--no-probe", "--file", f.dir()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("a folder, not a log file"), std::string::npos) << r.err;
}

TEST(ExplainCli, UsageErrors) {
  auto r = run_td({"explain", "--file", "a.log", "some text"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
  r = run_td({"explain", "--host", "-"}, "{}");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--file LOG"), std::string::npos) << r.err;
  r = run_td({"explain", "--fil", "x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean '--file'"), std::string::npos) << r.err;
}

TEST(ExplainCli, IsListedInHelp) {
  auto r = run_td({"--help"});
  EXPECT_NE(r.out.find("explain"), std::string::npos);
  r = run_td({"explain", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--file LOG"), std::string::npos);
  EXPECT_NE(r.out.find("Exit 1 when a problem"), std::string::npos);
}
