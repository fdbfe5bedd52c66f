#include <gtest/gtest.h>

#include "torchdoctor/kb/kb.hpp"

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
  EXPECT_EQ(kb->gpus[0].pci_ids[0], "0x2684");
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
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"8.0\"\nsource = \"x\"\ncompute = \"8.0\"\n", "gpu.compute: unknown key");
  expect_problem("[[gpus]]\nname = \"A\"\n", "gpus: unknown table");
}

TEST(Kb, BadValuesNameTheKey) {
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"sm_8x\"\nsource = \"x\"\n", "kb/data.toml:3: gpu.cc: invalid compute capability");
  expect_problem("[[cuda_major]]\nmajor = \"twelve\"\nmin_driver_linux = \"525\"\nsource = \"x\"\n",
                 "cuda_major.major: expected an integer");
  expect_problem("[[gpu]]\nname = \"A\"\ncc = \"8.0\"\nsource = \"x\"\nconfirmed = false\n",
                 "gpu.note: an unconfirmed record needs a note");
  expect_problem("[[torch_wheel]]\ntorch = \"2.6.0\"\nvariant = \"cu124\"\nplatforms = [\"linux-x86_64\"]\nsource = \"x\"\n"
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
