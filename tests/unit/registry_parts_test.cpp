// Registry building blocks without a network: challenges, credentials, manifests, configs, tags, verdicts.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "torchdoctor/registry/auth.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/image_facts.hpp"
#include "torchdoctor/registry/tags.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

using namespace td;

TEST(RegistryAuth, ParsesBearerChallenges) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(c->params["service"], "registry.docker.io");
  EXPECT_EQ(c->params["scope"], "repository:library/ubuntu:pull");
  c = parse_www_authenticate(R"(Basic realm="Registry Realm")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "basic");
  EXPECT_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)"));
  EXPECT_FALSE(parse_www_authenticate("   "));
}

TEST(RegistryAuth, Base64RoundTrip) {
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(base64_decode("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(base64_decode("YQ"), "a");
  EXPECT_FALSE(base64_decode("!!!"));
  EXPECT_EQ(sha256_digest(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// Our SHA-256 (FIPS 180-4) against the standard's examples and coreutils' sha256sum on every length
// around the one- and two-block padding edges and a megabyte.
TEST(RegistryDigest, Sha256MatchesTheStandardAndSha256sum) {
  EXPECT_EQ(sha256_digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_digest(std::string(1000000, 'a')),
            "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const std::string dir = ::testing::TempDir();
  std::string data;
  std::string cmd;
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 130; ++n) sizes.push_back(n);
  sizes.push_back(1U << 20U);
  for (std::size_t n : sizes) {
    data.resize(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i * 131 + n * 7) & 0xff);
    const std::string file = dir + "/td-sha-" + std::to_string(n);
    { std::ofstream(file, std::ios::binary) << data; }
    cmd += "sha256sum " + file + " | cut -c1-64;";
  }
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[128];
  for (std::size_t n : sizes) {
    ASSERT_NE(std::fgets(line, sizeof line, p), nullptr) << n;
    data.resize(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i * 131 + n * 7) & 0xff);
    EXPECT_EQ(sha256_digest(data), "sha256:" + std::string(line, 64)) << n << " bytes";
    std::remove((dir + "/td-sha-" + std::to_string(n)).c_str());
  }
  EXPECT_EQ(::pclose(p), 0);
}

TEST(RegistryAuth, DockerConfigAuths) {
  MemoryFileSystem fs;
  fs.file("/home/u/.docker/config.json",
          R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + base64_encode("hubuser:hubpass") +
              R"("},"nvcr.io":{"auth":")" + base64_encode("$oauthtoken:secret:with:colons") +
              R"("},"ghcr.io":{"username":"gh","password":"pw"},"bad.io":{"auth":"!!"}}})");
  MapEnv env;
  env.set("HOME", "/home/u");
  DockerConfigCredentials creds(fs, env, std::chrono::seconds(2));
  auto hub = creds.lookup("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hubuser");
  EXPECT_EQ(hub->secret, "hubpass");
  auto nvcr = creds.lookup("nvcr.io");
  ASSERT_TRUE(nvcr);
  EXPECT_EQ(nvcr->username, "$oauthtoken");
  EXPECT_EQ(nvcr->secret, "secret:with:colons");
  EXPECT_EQ(creds.lookup("ghcr.io")->secret, "pw");
  EXPECT_FALSE(creds.lookup("quay.io"));
  EXPECT_FALSE(creds.lookup("bad.io"));
  ASSERT_FALSE(creds.warnings().empty());
  EXPECT_EQ(creds.warnings()[0].find("!!"), std::string::npos);
}

TEST(RegistryAuth, MissingHelperFallsBackWithoutSecrets) {
  MemoryFileSystem fs;
  fs.file("/cfg/config.json",
          R"({"credsStore":"td-no-such-helper","auths":{"q.io":{"auth":")" + base64_encode("a:b") + R"("}}})");
  MapEnv env;
  env.set("DOCKER_CONFIG", "/cfg").set("HOME", "/nonexistent");
  DockerConfigCredentials creds(fs, env, std::chrono::seconds(2));
  auto q = creds.lookup("q.io");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->secret, "b");
  ASSERT_FALSE(creds.warnings().empty());
  EXPECT_NE(creds.warnings()[0].find("docker-credential-td-no-such-helper"), std::string::npos);
}

TEST(RegistryManifest, IndexPlatformsSkipAttestations) {
  const std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1,"platform":{"os":"linux","architecture":"amd64"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","size":1,"platform":{"os":"unknown","architecture":"unknown"},
     "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]})";
  auto m = parse_manifest(index, "");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->is_index);
  ASSERT_EQ(m->platforms.size(), 2U);
  EXPECT_EQ(m->platforms[1].str(), "linux/arm64/v8");
  EXPECT_FALSE(parse_manifest("{not json", ""));
  EXPECT_FALSE(parse_manifest(R"({"manifests":{}})", ""));
  EXPECT_FALSE(parse_manifest(
      R"({"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"})", ""));
  const std::string dd = "sha256:" + std::string(64, 'd');
  auto image = parse_manifest(R"({"schemaVersion":2,"config":{"digest":")" + dd + R"("},"layers":[]})", "");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->config_digest, dd);
  // A digest that is not sha256:<64 hex> never becomes a path or a URL (hostile input, round two).
  EXPECT_FALSE(parse_manifest(R"({"schemaVersion":2,"config":{"digest":"sha256:dd"},"layers":[]})", ""));
}

TEST(RegistryManifest, PlatformsMatch) {
  EXPECT_EQ(platform_for_machine("aarch64")->str(), "linux/arm64");
  EXPECT_EQ(platform_for_machine("x86_64")->str(), "linux/amd64");
  EXPECT_TRUE(platform_matches(*platform_for_machine("aarch64"), Platform{"linux", "arm64", "v8", {}}));
  EXPECT_FALSE(platform_matches(*platform_for_machine("aarch64"), Platform{"linux", "amd64", "", {}}));
  EXPECT_EQ(parse_platform("linux/arm64/v8")->variant, "v8");
  EXPECT_EQ(parse_platform("aarch64")->architecture, "arm64");
  EXPECT_FALSE(parse_platform("a/b/c/d"));
}

TEST(RegistryFacts, ConfigEnvAndLabels) {
  ImageFacts f;
  f.ref = *parse_image_ref("nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3");
  const std::string config = R"({"architecture":"arm64","os":"linux","config":{"Env":[
    "PATH=/usr/bin","CUDA_VERSION=11.4.315","NV_CUDNN_VERSION=8.6.0.166","PYTORCH_VERSION=2.0.0",
    "NVIDIA_REQUIRE_JETPACK=csv-mounts=all","NVIDIA_REQUIRE_CUDA=cuda>=11.4","BROKEN"],
    "Labels":{"com.nvidia.cudnn.version":"9.9.9"}}})";
  ASSERT_TRUE(apply_config(config, f));
  EXPECT_EQ(f.cuda_version->str(), "11.4.315");
  EXPECT_EQ(f.cudnn_version->str(), "8.6.0.166");
  EXPECT_EQ(f.cudnn_version.source, "env:NV_CUDNN_VERSION");
  EXPECT_EQ(f.torch_version->str(), "2.0.0");
  EXPECT_EQ(f.l4t_version->str(), "35.2.1");
  EXPECT_EQ(f.l4t_version.source, "tag:r35.2.1-pth2.0-py3");
  EXPECT_EQ(*f.require_jetpack, "csv-mounts=all");
  ASSERT_TRUE(f.selected);
  EXPECT_EQ(f.selected->str(), "linux/arm64");
  EXPECT_FALSE(f.nvidia_pytorch_version);
  EXPECT_FALSE(apply_config("[1,2]", f));
}

TEST(RegistryTags, NearestTagsAndLinks) {
  const std::vector<std::string> tags{"2.3.0-cuda12.1-cudnn8-runtime",
                                      "2.3.0-cuda11.8-cudnn8-runtime",
                                      "2.2.2-cuda12.1-cudnn8-runtime",
                                      "2.4.0-cuda12.1-cudnn9-runtime",
                                      "latest",
                                      "nightly"};
  auto near = nearest_tags("2.3.1-cuda12.1-cudnn8-runtime", tags, 3);
  ASSERT_EQ(near.size(), 3U);
  EXPECT_EQ(near[0], "2.3.0-cuda12.1-cudnn8-runtime");
  EXPECT_EQ(nearest_tags("latset", tags, 1), std::vector<std::string>{"latest"});
  EXPECT_EQ(next_page_path(R"(</v2/td/cuda/tags/list?last=b&n=2>; rel="next")"), "/td/cuda/tags/list?last=b&n=2");
  EXPECT_FALSE(next_page_path(R"(</v2/x/tags/list?last=b>; rel="prev")"));
  EXPECT_EQ(l4t_from_tag("r36.4.0-cu128"), "36.4.0");
  EXPECT_EQ(l4t_from_tag("2.1-r35.4.1"), "35.4.1");
  EXPECT_FALSE(l4t_from_tag("runtime"));
  EXPECT_FALSE(l4t_from_tag("2.3.0-cuda12.1"));
}

TEST(RegistryCheck, ReasonsForTheEngineToExtend) {
  HostFacts host;
  host.driver.version = Fact<Version>::known(*Version::parse("530.30.02"), "test");
  host.driver.cuda_level = Fact<Version>::known(*Version::parse("12.1"), "test");
  host.gpus = Fact<std::vector<GpuFacts>>::known({}, "test");
  ImageFacts f;
  f.ref = *parse_image_ref("nvidia/cuda:12.4.1-base-ubuntu22.04");
  f.platforms = {Platform{"linux", "amd64", "", "sha256:a"}};
  f.requested = Platform{"linux", "arm64", "", ""};
  f.platform_available = false;
  f.env = {{"CUDA_VERSION", "12.4.1"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=12.4"}};
  auto v = check_image(f, host);
  ASSERT_GE(v.reasons.size(), 2U);
  EXPECT_EQ(v.reasons[0].code, "ARCH_MISMATCH");
  EXPECT_NE(v.reasons[0].message.find("linux/amd64"), std::string::npos);
  EXPECT_NE(v.reasons[0].message.find("exec format error"), std::string::npos);
  EXPECT_EQ(v.reasons[1].code, "REQUIRE_UNSATISFIED");
  EXPECT_NE(v.reasons[1].message.find("unsatisfied condition: cuda>=12.4, please update your driver"),
            std::string::npos);
  EXPECT_TRUE(v.problem());
  f.found = false;
  f.nearest_tags = {"12.4.0-base-ubuntu22.04"};
  v = check_image(f, host);
  ASSERT_EQ(v.reasons.size(), 1U);
  EXPECT_EQ(v.reasons[0].code, "TAG_NOT_FOUND");
  EXPECT_NE(v.reasons[0].message.find("12.4.0-base-ubuntu22.04"), std::string::npos);
}
