#include <gtest/gtest.h>

#include "torchdoctor/kb/kb.hpp"
#include "torchdoctor/kb/queries.hpp"

using namespace td;

namespace {

const char* k_meta = "as_of = \"2026-11-22\"\n";

const char* k_good = R"(
[[cuda_major]]
major = 12
min_driver_linux = "525.60.13"
source = "https://docs.nvidia.com/deploy/cuda-compatibility/"

[[torch_release]]
version = "2.6.0"
python = ["3.9", "3.13"]
source = "pytorch/pytorch:RELEASE.md@abc"

[[torch_wheel]]
torch = "2.6.0"
variant = "cu124"
cuda = "12.4"
arch = ["5.0", "9.0"]
ptx = ["9.0"]
platforms = ["linux-x86_64"]
source = ["pytorch/test-infra:tools/scripts/generate_binary_build_matrix.py@def", "pytorch/pytorch:.ci/manywheel/build_cuda.sh@abc"]

[[gpu]]
name = "NVIDIA GeForce RTX 4090"
pci_ids = ["0x2684"]
cc = "8.9"
source = "https://developer.nvidia.com/cuda-gpus"
confirmed = false
note = "memory not checked"
)";

Result<Kb> parse(const std::string& body) {
  return parse_kb({{"kb/meta.toml", k_meta}, {"kb/data.toml", body}}, "test");
}

void expect_problem(const std::string& body, const std::string& text) {
  auto kb = parse(body);
  ASSERT_FALSE(kb.ok()) << "expected a problem containing: " << text;
  EXPECT_EQ(kb.error().kind, ErrorKind::bad_input);
  EXPECT_NE(kb.error().message.find(text), std::string::npos) << kb.error().message;
}

}  // namespace

TEST(Kb, LoadsRecordsWithProvenance) {
  auto kb = parse(k_good);
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  EXPECT_EQ(kb->as_of, "2026-11-22");
  ASSERT_EQ(kb->torch_wheels.size(), 1U);
  const auto& w = kb->torch_wheels[0];
  EXPECT_EQ(w.cuda->str(), "12.4");
  EXPECT_EQ(w.arch.size(), 2U);
  EXPECT_EQ(w.ptx[0].str(), "9.0");
  EXPECT_EQ(w.from.sources.size(), 2U);
  EXPECT_EQ(w.from.file, "kb/data.toml");
  EXPECT_EQ(w.from.line, 12U);  // the [[torch_wheel]] header
  EXPECT_FALSE(kb->gpus[0].from.confirmed);
  EXPECT_EQ(pci_device_id_str(kb->gpus[0].pci_ids[0]), "0x2684");
  EXPECT_EQ(kb->cuda_majors[0].min_driver_linux.str(), "525.60.13");
}

TEST(Kb, SyntaxErrorNamesFileAndLine) { expect_problem("[[gpu]]\nname = \"x\nsource = \"y\"\n", "kb/data.toml:2:"); }

// toml++ checks this with an internal assertion that malformed input reaches (the fuzzer's find):
// it must be a parse error naming the line in every build, never an abort or an assumption.
TEST(Kb, ACommaInATableHeaderIsASyntaxErrorNotAnAbort) {
  expect_problem("[[gpu]]\nname = \"x\"\n\n[[,etson_wheel]]\n", "kb/data.toml:4:");
  expect_problem("[a.,b]\n", "kb/data.toml:1:");
}

TEST(Kb, MissingSourceIsAProblem) {
  expect_problem("[[cuda_major]]\nmajor = 11\nmin_driver_linux = \"450.80.02\"\n",
                 "kb/data.toml:1: cuda_major.source: missing");
}

TEST(Kb, DanglingReferenceIsAProblem) {
  expect_problem(R"([[torch_wheel]]
torch = "9.9.0"
variant = "cpu"
platforms = ["linux-x86_64"]
source = "x"
)",
                 "torch_wheel.torch: '9.9.0' has no [[torch_release]]");
}

TEST(Kb, DuplicateEntryIsAProblem) {
  expect_problem(std::string(k_good) + R"(
[[gpu]]
name = "NVIDIA GeForce RTX 4090"
cc = "8.9"
source = "x"
)",
                 "gpu: duplicate entry 'NVIDIA GeForce RTX 4090' (first at kb/data.toml:");
}

TEST(Kb, UnknownKeysAndTablesAreProblems) {
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"8.0\"\nsource = \"x\"\ncompute = \"8.0\"\n",
                 "gpu.compute: unknown key");
  expect_problem("[[gpus]]\nname = \"A\"\n", "gpus: unknown table");
}

TEST(Kb, BadValuesNameTheKey) {
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"sm_8x\"\nsource = \"x\"\n",
                 "kb/data.toml:3: gpu.cc: invalid compute capability");
  expect_problem("[[cuda_major]]\nmajor = \"twelve\"\nmin_driver_linux = \"525\"\nsource = \"x\"\n",
                 "cuda_major.major: expected an integer");
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"8.0\"\nsource = \"x\"\nconfirmed = false\n",
                 "gpu.note: an unconfirmed record needs a note");
  expect_problem(
      "[[torch_wheel]]\ntorch = \"2.6.0\"\nvariant = \"cu124\"\nplatforms = [\"linux-x86_64\"]\nsource = \"x\"\n"
      "[[torch_release]]\nversion = \"2.6.0\"\npython = [\"3.12\"]\nsource = \"x\"\n",
      "torch_wheel.cuda: missing for a CUDA variant");
}

TEST(Kb, MetaIsRequired) {
  auto kb = parse_kb({{"kb/data.toml", k_good}}, "somewhere");
  ASSERT_FALSE(kb.ok());
  EXPECT_NE(kb.error().message.find("no meta.toml"), std::string::npos);
}

TEST(Kb, EmbeddedKnowledgeBaseLoadsAndEveryRecordHasASource) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  EXPECT_EQ(kb->origin, "embedded");
  EXPECT_EQ(kb->as_of.size(), 10U);
  for (const auto& w : kb->torch_wheels) EXPECT_FALSE(w.from.sources.empty());
  for (const auto& g : kb->gpus) EXPECT_FALSE(g.from.sources.empty());
}

TEST(Kb, RepositoryDataDirectoryIsValid) {
  auto kb = load_kb_dir(std::string(TD_SOURCE_DIR) + "/data/kb");
  ASSERT_TRUE(kb.ok()) << kb.error().message;
}

namespace {

const std::string k_jetpack51 = R"(
[[jetson_module]]
id = "agx-orin"
soc = "t234"
cc = "8.7"
source = "fixture"
[[jetpack]]
jetpack = "5.1"
l4t = "35.2.1"
cuda = "11.4"
modules = ["agx-orin"]
source = "fixture"
[[jetson_wheel]]
jetpack = "5.1"
torch = "2.1.0a0+41361538.nv23.06"
cuda = "11.4"
python = ["3.8"]
index = "nvidia-redist"
source = "fixture"
)";

}  // namespace

TEST(Kb, AnNvidiaRedistJetsonWheelNeedsItsPath) {
  expect_problem(k_jetpack51, "jetson_wheel.wheel: an nvidia-redist wheel needs its path");
  const std::string good =
      k_jetpack51 + "wheel = \"jp/v512/pytorch/torch-2.1.0a0+41361538.nv23.06-cp38-cp38-linux_aarch64.whl\"\n";
  auto kb = parse(good);
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  ASSERT_EQ(kb->jetson_wheels.size(), 1U);
  EXPECT_EQ(jetson_wheel_python_tag(kb->jetson_wheels[0]), "cp38");
  // Another torch's file, another Python's file, not a path under jp/.
  expect_problem(k_jetpack51 + "wheel = \"jp/v512/pytorch/torch-2.0.0+nv23.05-cp38-cp38-linux_aarch64.whl\"\n",
                 "expected jp/v<JetPack>/pytorch/torch-2.1.0a0+41361538.nv23.06-");
  expect_problem(
      k_jetpack51 + "wheel = \"jp/v512/pytorch/torch-2.1.0a0+41361538.nv23.06-cp310-cp310-linux_aarch64.whl\"\n",
      "Python tag 'cp310'");
  expect_problem(
      k_jetpack51 + "wheel = \"https://example.invalid/torch-2.1.0a0+41361538.nv23.06-cp38-cp38-linux_aarch64.whl\"\n",
      "expected jp/v");
}

TEST(Kb, EveryNvidiaRedistWheelOfTheEmbeddedKbHasAPathForItsPython) {
  auto kb = load_embedded_kb();
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  std::size_t n = 0;
  for (const auto& w : kb->jetson_wheels) {
    if (w.index != "nvidia-redist") continue;
    ++n;
    EXPECT_EQ(w.wheel.rfind("jp/v", 0), 0U) << w.torch;
    EXPECT_FALSE(jetson_wheel_python_tag(w).empty()) << w.torch;
  }
  EXPECT_GE(n, 7U);
}
