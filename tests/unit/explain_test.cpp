// explain's parts: the input reader (encodings, long lines, binary), the collect_env parser field by
// field, arch lists, and the embedded [[signature]] table's consistency with the code.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "torchdoctor/core/finding.hpp"
#include "torchdoctor/explain/collect_env.hpp"
#include "torchdoctor/explain/explain.hpp"

using namespace td;

namespace {

std::string input_file(const std::string& name) {
  std::ifstream in(std::string(TD_SOURCE_DIR) + "/tests/explain/inputs/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CollectEnv parsed(const std::string& text) {
  const TextInput in(text);
  auto env = parse_collect_env(in);
  EXPECT_TRUE(env.has_value());
  return env.value_or(CollectEnv{});
}

}  // namespace

TEST(TextInput, IndexesLinesWithoutTheirEndings) {
  const TextInput in("a\r\nbb\n\nccc");
  ASSERT_EQ(in.line_count(), 4U);
  EXPECT_EQ(in.line(0), "a");
  EXPECT_EQ(in.line(1), "bb");
  EXPECT_EQ(in.line(2), "");
  EXPECT_EQ(in.line(3), "ccc");
  EXPECT_EQ(in.line_of(4), 1U);
  EXPECT_EQ(in.stats().bytes, 10U);
  EXPECT_FALSE(in.stats().binary);
}

TEST(TextInput, DecodesUtf16FromWindowsShells) {
  const std::string text = "PyTorch version: 2.6.0\r\n";
  std::string le = "\xFF\xFE";
  for (char c : text) {
    le += c;
    le += '\0';
  }
  const TextInput in(le);
  EXPECT_EQ(in.stats().encoding, "utf-16le");
  EXPECT_EQ(in.line(0), "PyTorch version: 2.6.0");
  std::string no_bom;
  for (char c : text) {
    no_bom += c;
    no_bom += '\0';
  }
  EXPECT_EQ(TextInput(no_bom).stats().encoding, "utf-16le");
}

TEST(TextInput, CapsLongLinesAndTotalSize) {
  const std::string big(100 * 1024, 'x');
  const TextInput in(big + "\nshort\n", InputLimits{64 * 1024, 1 << 20});
  EXPECT_EQ(in.stats().long_lines, 1U);
  EXPECT_EQ(in.line(0).size(), 64U * 1024U);
  EXPECT_EQ(in.line(1), "short");
  EXPECT_FALSE(in.in_capped_part(70 * 1024));
  const TextInput cut(big, InputLimits{64 * 1024, 1000});
  EXPECT_TRUE(cut.stats().truncated);
  EXPECT_EQ(cut.stats().bytes, 1000U);
}

TEST(TextInput, RecognisesBinaryAndCountsBadUtf8) {
  std::string bin;
  for (int i = 0; i < 4096; ++i) bin += static_cast<char>(i % 7 == 0 ? 'a' : i % 32);
  EXPECT_TRUE(TextInput(bin).stats().binary);
  const TextInput mixed("caf\xC3\xA9 ok \xE9t\xE9 latin-1\n");
  EXPECT_EQ(mixed.stats().non_text, 2U);
  EXPECT_FALSE(mixed.stats().binary);
}

TEST(CollectEnv, ReadsEveryFieldOfAModernReport) {
  const CollectEnv env = parsed(input_file("pytorch_150733.txt"));
  EXPECT_EQ(env.known("torch_version"), "2.6.0+cu126");
  EXPECT_EQ(env.known("cuda_used_to_build"), "12.6");
  EXPECT_FALSE(env.known("rocm_used_to_build"));
  EXPECT_EQ(env.known("os"), "Ubuntu 24.10 (x86_64)");
  EXPECT_EQ(env.known("libc"), "glibc-2.40");
  EXPECT_EQ(env.known("cuda_module_loading"), "LAZY");
  EXPECT_EQ(env.known("driver"), "570.124.04");
  ASSERT_EQ(env.gpus.size(), 1U);
  EXPECT_EQ(env.gpus[0].value, "NVIDIA GeForce RTX 5090 D");
  ASSERT_EQ(env.cudnn.size(), 1U);
  EXPECT_EQ(env.cudnn[0].value, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.8.0");
  EXPECT_EQ(env.field("torch_version")->line, 8U);

  HostFacts f;
  const auto notes = apply_collect_env(env, f);
  EXPECT_EQ(f.cpu.arch.value, "x86_64");
  EXPECT_EQ(f.cpu.glibc.value->str(), "2.40");
  EXPECT_EQ(f.driver.version.value->str(), "570.124.04");
  EXPECT_EQ(f.driver.version.source, "collect_env:25");
  EXPECT_EQ(f.python_version.value->str(), "3.12");
  EXPECT_EQ(f.os.kernel.value, "6.11.0-21-generic");
  ASSERT_TRUE(f.torch.value && f.torch.value->size() == 1);
  EXPECT_EQ(f.torch.value->front().version.value->str(), "2.6.0+cu126");
  EXPECT_EQ(f.torch.value->front().cuda.value->str(), "12.6");
}

TEST(CollectEnv, ReadsOldMultiLineGpuListsAndTheLibraryLines) {
  const CollectEnv env = parsed(input_file("pytorch_43058.txt"));
  EXPECT_EQ(env.known("debug_build"), "No");
  EXPECT_EQ(env.known("cuda_available"), "No");
  ASSERT_EQ(env.gpus.size(), 2U);
  EXPECT_EQ(env.gpus[1].value, "Tesla V100-PCIE-16GB");
  EXPECT_EQ(env.gpus[1].line, 15U);
  ASSERT_EQ(env.libraries.size(), 4U);
  EXPECT_EQ(env.libraries[1].value, "[pip3] torch==1.6.0");
}

TEST(CollectEnv, ToleratesHandEditsFullWidthColonsAndMissingColons) {
  const CollectEnv env = parsed(input_file("pytorch_37212.txt"));
  EXPECT_EQ(env.known("torch_version"), "1.5.0");
  EXPECT_EQ(env.known("os"), "Ubuntu 18.04.3 LTS");
  EXPECT_EQ(env.gpus.size(), 4U);
  EXPECT_EQ(env.known("cudnn"), "/usr/lib/x86_64-linux-gnu/libcudnn.so.7.6.5");
}

TEST(CollectEnv, ToleratesQuotesAndCrlf) {
  const CollectEnv env = parsed(input_file("pytorch_40682.txt"));
  EXPECT_EQ(env.known("torch_version"), "1.5.0+cu101");
  EXPECT_EQ(env.gpus.size(), 2U);
  EXPECT_EQ(env.known("driver"), "442.92");
  HostFacts f;
  apply_collect_env(env, f);
  EXPECT_EQ(f.os.id.value, "windows");
}

TEST(CollectEnv, CpuOnlyAndRocmBuildsAreNotCudaBuilds) {
  HostFacts cpu;
  apply_collect_env(parsed(input_file("pytorch_122924.txt")), cpu);
  ASSERT_TRUE(cpu.torch.value);
  EXPECT_FALSE(cpu.torch.value->front().cuda.has_value());
  EXPECT_NE(cpu.torch.value->front().cuda.note.find("CPU-only"), std::string::npos);
  EXPECT_EQ(cpu.cpu.model.value, "13th Gen Intel(R) Core(TM) i9-13980HX");

  HostFacts rocm;
  const auto notes = apply_collect_env(parsed(input_file("pytorch_44106.txt")), rocm);
  std::string all;
  for (const auto& n : notes) all += n + "\n";
  EXPECT_NE(all.find("ROCm"), std::string::npos) << all;
  EXPECT_NE(all.find("two torch installs"), std::string::npos)
      << "1.7.0a0+9ddd3df imported, torch==1.7.0a0+a9603c7 listed";
  EXPECT_EQ(rocm.torch.value->front().cuda.note, "a ROCm build");
}

TEST(CollectEnv, JetsonReportsMakeATegraHost) {
  HostFacts f;
  apply_collect_env(parsed(input_file("jetson_containers_1495.txt")), f);
  EXPECT_EQ(f.cpu.arch.value, "aarch64");
  EXPECT_EQ(f.jetson.soc.value, "tegra");
  ASSERT_TRUE(f.gpus.value && f.gpus.value->size() == 1);
  EXPECT_EQ(f.gpus.value->front().name.value, "Orin");
  EXPECT_TRUE(*f.gpus.value->front().integrated.value);
  EXPECT_EQ(f.cpu.cores.value, 12U);
  EXPECT_EQ(f.cpu.model.value, "Cortex-A78AE");
  EXPECT_FALSE(f.torch.value.has_value()) << "the report was cut before PyTorch version";
}

TEST(CollectEnv, TwoTorchInstallsAreNoted) {
  const std::string text =
      "PyTorch version: 2.8.0+cu128\nIs debug build: False\nCUDA used to build PyTorch: 12.8\n"
      "Versions of relevant libraries:\n[pip3] torch==2.6.0+cu124\n";
  HostFacts f;
  const auto notes = apply_collect_env(parsed(text), f);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_NE(notes[0].find("two torch installs"), std::string::npos);
  EXPECT_EQ(f.torch.value->front().version.value->str(), "2.8.0+cu128");
}

TEST(CollectEnv, OverridesAreKept) {
  HostFacts f;
  f.driver.version.override_with(*Version::parse("580.65.06"));
  apply_collect_env(parsed(input_file("pytorch_46973.txt")), f);
  EXPECT_EQ(f.driver.version.value->str(), "580.65.06");
  EXPECT_EQ(f.driver.version.source, "override");
}

TEST(CollectEnv, IsNotFoundInOrdinaryLogs) {
  EXPECT_FALSE(parse_collect_env(TextInput("OSError: something\nPyTorch version mismatch somewhere\n")).has_value());
  EXPECT_FALSE(parse_collect_env(TextInput("")).has_value());
}

TEST(ArchList, ParsesTheForms) {
  const auto a = parse_arch_list("['sm_50', 'sm_90', 'compute_90']");
  ASSERT_EQ(a.size(), 3U);
  EXPECT_EQ(a[1], ComputeCapability(9, 0));
  EXPECT_TRUE(a[2].is_ptx());
  EXPECT_EQ(parse_arch_list("sm_50 sm_60 sm_120.").size(), 3U);
  EXPECT_EQ(parse_arch_list("8.0;8.6+PTX").size(), 2U);
  EXPECT_TRUE(parse_arch_list("nothing here").empty());
}

TEST(Signatures, EmbeddedTableUsesKnownCodesPredicatesAndPlaceholders) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  ASSERT_GE(kb->signatures.size(), 20U);
  auto known_code = [](const std::string& c) {
    for (const auto& r : reason_codes()) {
      if (c == r.code) return true;
    }
    return false;
  };
  const std::set<std::string> facts_vars{
      "driver",     "driver_cuda",     "gpu",     "gpu_cc",     "gpu_sm",     "torch",
      "torch_cuda", "torch_arch",      "install", "install_uv", "best_wheel", "best_image",
      "arch",       "docker_platform", "l4t",     "jetpack",    "shm",        "kb_as_of",
      "min_driver", "build_arch_list", "gpu_flag"};
  const std::regex placeholder(R"(\{([A-Za-z0-9_]+)(\|[^}]*)?\})");
  for (const auto& s : kb->signatures) {
    SCOPED_TRACE(s.id);
    if (s.kind == "problem") {
      EXPECT_TRUE(known_code(s.code)) << s.code;
    }
    std::set<std::string> vars(facts_vars);
    vars.insert(s.captures.begin(), s.captures.end());
    auto check_text = [&](const std::string& text) {
      for (auto it = std::sregex_iterator(text.begin(), text.end(), placeholder); it != std::sregex_iterator(); ++it) {
        EXPECT_TRUE(vars.count((*it)[1].str())) << "unknown placeholder {" << (*it)[1].str() << "} in: " << text;
      }
    };
    check_text(s.cause);
    check_text(s.fix);
    for (const auto& r : s.refine) {
      if (!r.code.empty()) {
        EXPECT_TRUE(known_code(r.code)) << r.code;
      }
      for (const auto& p : r.when) EXPECT_TRUE(known_predicate(p)) << p;
      check_text(r.cause);
      check_text(r.fix);
    }
    EXPECT_FALSE(s.from.sources.empty());
  }
}

TEST(Signatures, FixesNameTheGpuTheTextNamesNotAPlaceholder) {
  // The fix printed "torchdoctor recommend --gpu sm_XX" with the GPU named two lines up, and
  // "build-env --gpu", which build-env does not use for its targets.
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  HostFacts x86;
  x86.cpu.arch = Fact<std::string>::known("x86_64", "test");
  const ExplainResult r = explain(
      TextInput("NVIDIA GeForce RTX 5070 Ti with CUDA capability sm_120 is not compatible with the current PyTorch "
                "installation.\nThe current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 "
                "sm_86 sm_90.\n"),
      judge_host(std::move(x86), *kb), *kb);
  ASSERT_FALSE(r.diagnoses.empty());
  std::string fix;
  for (const auto& line : r.diagnoses[0].fix) fix += line + "\n";
  EXPECT_NE(fix.find("torchdoctor recommend --gpu 12.0"), std::string::npos) << fix;
  for (const auto& s : kb->signatures) {
    EXPECT_EQ(s.fix.find("sm_XX"), std::string::npos) << s.id;
    EXPECT_EQ(s.fix.find("build-env --gpu"), std::string::npos) << s.id;
    for (const auto& ref : s.refine) EXPECT_EQ(ref.fix.find("sm_XX"), std::string::npos) << s.id;
  }
}

TEST(Signatures, LoaderRejectsBadRegexesAndCaptureCounts) {
  const std::string meta = "as_of = \"2026-01-01\"\n";
  auto bad = parse_kb({{"meta.toml", meta},
                       {"s.toml",
                        "[[signature]]\nid = \"x\"\npattern = \"abcdef\"\nregex = '(unclosed'\ncode = \"NO_GPU\"\n"
                        "cause = \"c\"\nsource = \"t\"\n"}},
                      "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid regex"), std::string::npos);
  auto count = parse_kb(
      {{"meta.toml", meta},
       {"s.toml",
        "[[signature]]\nid = \"x\"\npattern = \"abcdef\"\nregex = '(a)(b)'\ncaptures = [\"one\"]\n"
        "code = \"NO_GPU\"\ncause = \"c\"\nsource = \"t\"\n[[signature.refine]]\nwhen = [\"gpu\"]\nbogus = 1\n"}},
      "t");
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.error().message.find("2 groups but 1 capture names"), std::string::npos);
  EXPECT_NE(count.error().message.find("signature.refine.bogus: unknown key"), std::string::npos);
}

TEST(Explain, BoundsRegexWorkOnEnormousLines) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok());
  // A 1 MiB line holding a signature near its start, and one far beyond the 64 KiB cap.
  std::string line(1 << 20, 'x');
  line.replace(100, 40, "CUDA driver version is insufficient for CUDA runtime version");
  const TextInput in(line);
  const ExplainResult r = explain(in, judge_host(HostFacts{}, *kb), *kb);
  ASSERT_EQ(r.diagnoses.size(), 1U);
  EXPECT_EQ(r.diagnoses[0].code, "DRIVER_TOO_OLD");
  EXPECT_LE(r.diagnoses[0].evidence[0].text.size(), 210U);
  std::string far(1 << 20, 'y');
  far.replace(200 * 1024, 40, "CUDA driver version is insufficient for CUDA runtime version");
  EXPECT_TRUE(explain(TextInput(far), judge_host(HostFacts{}, *kb), *kb).diagnoses.empty())
      << "beyond the line cap nothing is read";
}

TEST(NormalisedMatching, StripsWhatPastingAndLoggingAddInFront) {
  EXPECT_EQ(strip_log_prefixes("> > RuntimeError: x"), "RuntimeError: x");
  EXPECT_EQ(strip_log_prefixes("#12 3.456 OSError: y"), "OSError: y");
  EXPECT_EQ(strip_log_prefixes("#5 [2/4] RUN pip install"), "[2/4] RUN pip install");
  EXPECT_EQ(strip_log_prefixes("2024-05-02T10:11:12.1234567Z nvcc fatal"), "nvcc fatal");
  EXPECT_EQ(strip_log_prefixes("[2024-01-02 03:04:05,123] WARNING w"), "WARNING w");
  EXPECT_EQ(strip_log_prefixes("10:11:12.345 ERROR e"), "ERROR e");
  EXPECT_EQ(strip_log_prefixes("2024-01-02 03:04:05+02:00 msg"), "msg");
  EXPECT_EQ(strip_log_prefixes("\x1b[31m> #1 0.5 \x1b[0mmsg"), "msg");
  EXPECT_EQ(strip_log_prefixes("```python"), "");
  EXPECT_EQ(strip_log_prefixes("~~~"), "");
  // Not prefixes: a number that is no timestamp, a hash without digits, a version.
  EXPECT_EQ(strip_log_prefixes("12:34 is not a time"), "12:34 is not a time");
  EXPECT_EQ(strip_log_prefixes("# comment"), "# comment");
  EXPECT_EQ(strip_log_prefixes("2.6.0+cu124"), "2.6.0+cu124");
  EXPECT_EQ(normalise_for_match("Torch  not\tcompiled `with` \x1b[1mCUDA\x1b[0m"), "torchnotcompiledwithcuda");
}

TEST(NormalisedMatching, FindsWrappedQuotedAndColouredMessagesOnTheirFirstLine) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok());
  auto first = [&](const std::string& text) -> std::pair<std::string, std::size_t> {
    const ExplainResult r = explain(TextInput(text), judge_host(HostFacts{}, *kb), *kb);
    if (r.diagnoses.empty()) return {"", 0};
    return {r.diagnoses.front().code, r.diagnoses.front().first_line};
  };
  // The defect of issue 18: "Bus" / "error." on the next line.
  EXPECT_EQ(first("DataLoader worker (pid 47) is killed by signal: Bus\nerror."),
            std::make_pair(std::string("SHM_TOO_SMALL"), std::size_t{1}));
  EXPECT_EQ(first("log\n> DataLoader worker (pid 47) is killed by\n> signal: Bus error."),
            std::make_pair(std::string("SHM_TOO_SMALL"), std::size_t{2}));
  EXPECT_EQ(first("a\nb\n#7 1.25 \x1b[31mNo CUDA GPUs are available\x1b[0m"),
            std::make_pair(std::string("NO_GPU"), std::size_t{3}));
  EXPECT_EQ(first("```\nno  kernel image is AVAILABLE for execution on the\ndevice\n```").first, "GPU_ARCH_MISSING");
  EXPECT_EQ(first("Error 803: system has unsupported display driver / cuda dri\nver combination").first,
            "DRIVER_TOO_OLD");
  // Evidence shows the line and its continuation, without the prefixes.
  const ExplainResult r =
      explain(TextInput("#3 0.1 OSError: CUDA_HOME environment variable is not\n#3 0.1 set. Please set it."),
              judge_host(HostFacts{}, *kb), *kb);
  ASSERT_FALSE(r.diagnoses.empty());
  ASSERT_FALSE(r.diagnoses[0].evidence.empty());
  EXPECT_EQ(r.diagnoses[0].evidence[0].line, 1U);
  EXPECT_EQ(r.diagnoses[0].evidence[0].text.rfind("OSError: CUDA_HOME environment variable is not set.", 0), 0U)
      << r.diagnoses[0].evidence[0].text;
  // A message cut by a fence or split into unrelated lines far apart does not match.
  EXPECT_EQ(first("No CUDA GPUs are\nsomething else entirely\navailable").first, "");
}

TEST(NormalisedMatching, TorchNotCompiledWithoutAGpuKnownNeverSuggestsTheCpuWheel) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok());
  const ExplainResult r =
      explain(TextInput("AssertionError: Torch not compiled with CUDA enabled"), judge_host(HostFacts{}, *kb), *kb);
  ASSERT_FALSE(r.diagnoses.empty());
  EXPECT_EQ(r.diagnoses[0].code, "CPU_ONLY_BUILD");
  std::string fix;
  for (const auto& f : r.diagnoses[0].fix) fix += f + "\n";
  EXPECT_EQ(fix.find("/cpu"), std::string::npos) << fix;
  EXPECT_EQ(fix.find("+cpu"), std::string::npos) << fix;
  EXPECT_NE(fix.find("nvidia-smi"), std::string::npos) << fix;
  EXPECT_NE(fix.find("torchdoctor probe"), std::string::npos) << fix;
}
