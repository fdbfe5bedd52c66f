#include <gtest/gtest.h>

#include "torchdoctor/registry/image_ref.hpp"

using td::parse_image_ref;

TEST(ImageRef, DockerHubDefaults) {
  auto r = parse_image_ref("ubuntu");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->registry, "docker.io");
  EXPECT_EQ(r->repository, "library/ubuntu");
  EXPECT_EQ(r->tag, "latest");
  EXPECT_EQ(r->str(), "docker.io/library/ubuntu:latest");
  EXPECT_EQ(r->api_host(), "registry-1.docker.io");
  r = parse_image_ref("pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name(), "docker.io/pytorch/pytorch");
  EXPECT_EQ(r->tag, "2.3.0-cuda12.1-cudnn8-runtime");
  r = parse_image_ref("index.docker.io/library/debian:12");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), "docker.io/library/debian:12");
}

TEST(ImageRef, RegistriesPortsAndDigests) {
  auto r = parse_image_ref("nvcr.io/nvidia/pytorch:24.05-py3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "nvcr.io");
  EXPECT_EQ(r->repository, "nvidia/pytorch");
  r = parse_image_ref("localhost:5000/team/train");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "localhost:5000");
  EXPECT_EQ(r->repository, "team/train");
  EXPECT_EQ(r->tag, "latest");
  const std::string digest = "sha256:" + std::string(64, 'a');
  r = parse_image_ref("ghcr.io/o/r:v1@" + digest);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digest, digest);
  EXPECT_EQ(r->reference(), digest);
  EXPECT_EQ(r->str(), "ghcr.io/o/r:v1@" + digest);
  r = parse_image_ref("127.0.0.1:5000/a_b/c-d.e__f");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->repository, "a_b/c-d.e__f");
  // A port-like suffix without a slash is a tag, as docker reads it.
  r = parse_image_ref("localhost:5000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->repository, "library/localhost");
  EXPECT_EQ(r->tag, "5000");
}

TEST(ImageRef, MalformedReferencesNameTheProblem) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"pytorch/pytorch::x", "invalid tag ':x'"},
      {"pytorch/pytorch:", "empty tag after ':'"},
      {"Pytorch/pytorch", "must be lowercase"},
      {"pytorch/PyTorch:1", "must be lowercase"},
      {"", "empty reference"},
      {"a b", "white space"},
      {"ubuntu@sha256:abc", "invalid digest"},
      {"ubuntu@", "empty digest"},
      {"-ubuntu", "invalid repository path component"},
      {"a//b", "empty path component"},
      {"host:99999/x", "invalid registry host"},
      {"nvcr.io/", "missing repository name"},
      {":tag", "missing repository name"},
  };
  for (const auto& c : cases) {
    auto r = parse_image_ref(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().kind, td::ErrorKind::bad_input);
    EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << c.text << " -> " << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
  EXPECT_FALSE(parse_image_ref("x:" + std::string(129, 'a')));
}
