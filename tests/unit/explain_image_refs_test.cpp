// Image references in pasted text (issue 18, item 2): extraction only; judging is the app's.
#include <gtest/gtest.h>

#include "torchdoctor/explain/image_refs.hpp"

using td::extract_image_refs;

namespace {

std::vector<std::string> refs(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& m : extract_image_refs(text)) out.push_back(m.ref);
  return out;
}

}  // namespace

TEST(ExplainImageRefs, ManifestNotFound) {
  const auto m = extract_image_refs(
      "docker: Error response from daemon: manifest for nvidia/cuda:latest not found: manifest unknown: manifest "
      "unknown.");
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].ref, "nvidia/cuda:latest");
  EXPECT_EQ(m[0].line, 1U);
  EXPECT_EQ(m[0].how, "manifest");
}

TEST(ExplainImageRefs, UnableToFindLocallyAndPullDeniedNameTheSameImageOnce) {
  const auto m = extract_image_refs(
      "Unable to find image 'dcgmbuild:latest' locally\n"
      "docker: Error response from daemon: pull access denied for dcgmbuild, repository does not exist or may require "
      "'docker login'");
  ASSERT_EQ(m.size(), 2U);
  EXPECT_EQ(m[0].ref, "dcgmbuild:latest");
  EXPECT_EQ(m[0].how, "unable_to_find");
  EXPECT_EQ(m[1].ref, "dcgmbuild");
  EXPECT_EQ(m[1].line, 2U);
}

TEST(ExplainImageRefs, DockerRunSkipsOptionsAndTheirValues) {
  EXPECT_EQ(refs("$ sudo docker run --rm --gpus all -v /data:/data -e A=1 --shm-size 8g -it "
                 "nvidia/cuda:12.4.1-base-ubuntu22.04 nvidia-smi"),
            std::vector<std::string>{"nvidia/cuda:12.4.1-base-ubuntu22.04"});
  EXPECT_EQ(refs("docker run --runtime=nvidia --ipc=host nvcr.io/nvidia/pytorch:24.05-py3"),
            std::vector<std::string>{"nvcr.io/nvidia/pytorch:24.05-py3"});
  EXPECT_EQ(refs("podman run --device nvidia.com/gpu=all ubuntu nvidia-smi"), std::vector<std::string>{"ubuntu"});
}

TEST(ExplainImageRefs, DockerfileFromLinesAndBuildOutput) {
  EXPECT_EQ(
      refs("FROM --platform=linux/arm64 nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3 AS base\nRUN pip install x"),
      std::vector<std::string>{"nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3"});
  EXPECT_EQ(refs("#5 [1/6] FROM docker.io/pytorch/pytorch:2.3.0-cuda12.1-cudnn8-devel"),
            std::vector<std::string>{"docker.io/pytorch/pytorch:2.3.0-cuda12.1-cudnn8-devel"});
  EXPECT_EQ(refs("Step 1/7 : FROM nvidia/cuda:11.8.0-devel-ubuntu22.04"),
            std::vector<std::string>{"nvidia/cuda:11.8.0-devel-ubuntu22.04"});
}

TEST(ExplainImageRefs, ComposeImageKeys) {
  EXPECT_EQ(refs("services:\n  app:\n    image: \"ghcr.io/org/app:1.2\"\n    deploy: {}\n  - image: redis:7"),
            (std::vector<std::string>{"ghcr.io/org/app:1.2", "redis:7"}));
}

TEST(ExplainImageRefs, NegativeControls) {
  // Python imports, variables, scratch and prose are not images.
  EXPECT_TRUE(refs("from torch._C import *\nImportError: DLL load failed").empty());
  EXPECT_TRUE(refs("FROM ${BASE_IMAGE}\nFROM scratch\nimage: $IMAGE").empty());
  EXPECT_TRUE(refs("RuntimeError: CUDA error: no kernel image is available for execution on the device").empty());
  EXPECT_TRUE(refs("docker run --help").empty());
}

TEST(ExplainImageRefs, PrefixesAreStrippedAndLinesKept) {
  const auto m = extract_image_refs(
      "> 2024-05-01T10:00:00Z line one\n> \x1b[31mUnable to find image 'nvidia/cuda:11.0-base' locally\x1b[0m");
  ASSERT_EQ(m.size(), 1U);
  EXPECT_EQ(m[0].ref, "nvidia/cuda:11.0-base");
  EXPECT_EQ(m[0].line, 2U);
}

TEST(ExplainImageRefs, BoundedCount) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "image: repo/app:" + std::to_string(i) + "\n";
  EXPECT_EQ(extract_image_refs(text, 16).size(), 16U);
}
