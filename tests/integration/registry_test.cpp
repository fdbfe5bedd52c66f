// `torchdoctor image` against a real registry (Debian's docker-registry with token auth) and a
// hostile one, both on loopback, started by tests/registry/start.sh. Skips, with the reason, when
// the harness cannot start them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "run_binary.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/sys/subprocess.hpp"

using nlohmann::json;
using td::test::run_td;

namespace {

struct Harness {
  std::map<std::string, std::string> vars;
  std::string skip;
};

const Harness& harness() {
  static const Harness h = [] {
    Harness out;
    td::SpawnOptions o;
    o.timeout = std::chrono::seconds(180);
    auto r = td::run_program({std::string(TD_SOURCE_DIR) + "/tests/registry/start.sh"}, o);
    if (!r || !r->succeeded()) {
      out.skip = "tests/registry/start.sh failed: " + (r ? r->describe_failure() + " " + r->err : r.error().message);
      return out;
    }
    for (const auto& line : td::lines(r->out)) {
      const auto eq = line.find('=');
      if (eq != std::string_view::npos) out.vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    if (out.vars.count("SKIP"))
      out.skip = out.vars["SKIP"];
    else if (!out.vars.count("TD_REGISTRY"))
      out.skip = "start.sh printed no TD_REGISTRY";
    return out;
  }();
  return h;
}

class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!harness().skip.empty()) GTEST_SKIP() << "registry harness unavailable: " << harness().skip;
    reg = harness().vars.at("TD_REGISTRY");
    hostile = harness().vars.at("TD_HOSTILE");
    char tmpl[] = "/tmp/td-registry-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    tmp = tmpl;
  }
  void TearDown() override {
    if (!tmp.empty()) std::filesystem::remove_all(tmp);
  }

  // Runs `image` with a fresh cache, no probe, and the what-if host given.
  td::test::RunResult image(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> full{"image", "--no-probe", "--insecure-registry", reg, "--insecure-registry", hostile};
    full.insert(full.end(), args.begin(), args.end());
    env.push_back("XDG_CACHE_HOME=" + tmp + "/cache");
    return run_td(full, "", env);
  }
  static json parse(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << text;
    return j;
  }
  static bool has_reason(const json& image, const std::string& code) {
    for (const auto& r : image["reasons"]) {
      if (r["code"] == code) return true;
    }
    return false;
  }

  std::string reg, hostile, tmp;
};

const std::vector<std::string> k_new_driver{"--arch", "x86_64", "--driver", "550.54.15", "--cuda-driver", "12.4"};

}  // namespace

TEST_F(Registry, MultiArchImageFitsANewDriver) {
  auto args = k_new_driver;
  args.insert(args.end(), {reg + "/td/cuda:12.4.1-base-ubuntu22.04", "--json"});
  auto r = image(args);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto doc = parse(r.out);
  EXPECT_EQ(doc["schema"], "torchdoctor.image/v1");
  const auto& img = doc["images"][0];
  EXPECT_EQ(img["status"], "ok");
  EXPECT_EQ(img["platforms"].size(), 2U);
  EXPECT_EQ(img["selected_platform"], "linux/amd64");
  EXPECT_EQ(img["facts"]["cuda_version"], "12.4.1");
  EXPECT_EQ(img["requirements"]["state"], "satisfied");
  EXPECT_EQ(img["from_cache"], false);
}

TEST_F(Registry, OldDriverFailsTheRealRequirementString) {
  auto r = image({"--arch", "x86_64", "--driver", "530.30.02", "--cuda-driver", "12.1", "--gpu", "sm_86",
                  reg + "/td/cuda:12.4.1-base-ubuntu22.04", "--json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const auto img = parse(r.out)["images"][0];
  EXPECT_TRUE(has_reason(img, "REQUIRE_UNSATISFIED"));
  EXPECT_EQ(img["requirements"]["message"],
            "unsatisfied condition: cuda>=12.4, please update your driver to a newer version, or use an earlier cuda "
            "container");
}

TEST_F(Registry, X86OnlyImageOnAJetsonIsAnArchMismatch) {
  auto r = image({"--arch", "aarch64", "--l4t", "36.4.3", reg + "/td/x86only:1.0"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("ARCH_MISMATCH: no linux/arm64 build: the image has linux/amd64;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exec format error"), std::string::npos);
  EXPECT_EQ(r.out.find("unknown/unknown"), std::string::npos) << "attestation entries are not platforms";
  // The Docker manifest list with arm64/v8 does fit an arm64 host.
  r = image({"--arch", "aarch64", "--cuda-driver", "12.2", reg + "/td/cuda:11.8.0-base-ubuntu22.04", "--json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(parse(r.out)["images"][0]["selected_platform"], "linux/arm64/v8");
}

TEST_F(Registry, MissingTagSuggestsTheNearest) {
  auto r = image({"--arch", "x86_64", reg + "/td/pytorch:2.3.1-cuda12.1-cudnn8-runtime", "--json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const auto img = parse(r.out)["images"][0];
  EXPECT_EQ(img["found"], false);
  EXPECT_TRUE(has_reason(img, "TAG_NOT_FOUND"));
  ASSERT_FALSE(img["nearest_tags"].empty());
  EXPECT_EQ(img["nearest_tags"][0], "2.3.0-cuda12.1-cudnn8-runtime");
}

TEST_F(Registry, LegacyImageAndLints) {
  auto r =
      image({"--arch", "x86_64", "--cuda-driver", "11.4", "--driver", "470.57.02", reg + "/td/single:legacy",
             reg + "/td/typo:1", reg + "/td/disabled:1", reg + "/td/pytorch:2.3.0-cuda12.1-cudnn8-runtime", "--json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const auto doc = parse(r.out);
  EXPECT_EQ(doc["images"][0]["requirements"]["variable"], "CUDA_VERSION");
  EXPECT_NE(doc["images"][0]["requirements"]["message"].get<std::string>().find("cuda>=11.8"), std::string::npos);
  EXPECT_TRUE(has_reason(doc["images"][1], "IMAGE_LINT"));
  EXPECT_TRUE(has_reason(doc["images"][1], "REQUIRE_UNSATISFIED"));
  EXPECT_EQ(doc["images"][2]["requirements"]["state"], "disabled");
  EXPECT_EQ(doc["images"][2]["status"], "ok");
  EXPECT_EQ(doc["images"][3]["facts"]["torch_version"], "2.3.0");
  EXPECT_EQ(doc["images"][3]["facts"]["cudnn_version"], "8.9.0.131");
}

// A run asks each registry once: one thread makes the first request while the others wait, and its
// token covers every repository of the run (several scopes in one token request).
TEST_F(Registry, OneChallengeAndOneTokenForManyRepositories) {
  std::vector<std::string> args{"--arch", "x86_64", "--verbose", "--json", "--jobs", "8"};
  for (int i = 3; i <= 8; ++i) {
    for (int t = 0; t < 2; ++t) args.push_back(reg + "/bench/img" + std::to_string(i) + ":t" + std::to_string(t));
  }
  const auto r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json doc = parse(r.out);
  ASSERT_EQ(doc["images"].size(), 12U);
  for (const auto& im : doc["images"]) EXPECT_EQ(im["status"], "ok") << im.dump();
  std::size_t challenges = 0;
  std::size_t tokens = 0;
  for (const auto& line : td::lines(r.err)) {
    challenges += line.find("-> 401") != std::string_view::npos ? 1 : 0;
    tokens += line.find("/token?") != std::string_view::npos ? 1 : 0;
  }
  EXPECT_EQ(challenges, 1U) << r.err;
  EXPECT_EQ(tokens, 1U) << r.err;
}

// Anonymous pull of a public and a private repository in one run: the shared token does not cover the
// private one, which is asked for alone and reported; the public one is still judged.
TEST_F(Registry, APrivateRepositoryInTheBatchDoesNotSpoilTheOthers) {
  const auto r = image({"--arch", "x86_64", "--cuda-driver", "12.4", "--json", "--verbose", reg + "/private/secret:1",
                        reg + "/bench/img9:t0"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  const json doc = parse(r.out);
  ASSERT_EQ(doc["images"].size(), 2U);
  EXPECT_NE(doc["images"][0]["status"], "ok") << doc["images"][0].dump();
  EXPECT_NE(r.out.find("docker login"), std::string::npos) << r.out;
  EXPECT_EQ(doc["images"][1]["status"], "ok") << doc["images"][1].dump();
}

TEST_F(Registry, PrivateRepositoryNeedsCredentialsThatNeverLeak) {
  auto r = image({"--arch", "x86_64", reg + "/private/secret:1", "--verbose"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("docker login"), std::string::npos) << r.out;
  const std::string user = harness().vars.at("TD_REGISTRY_USER");
  const std::string password = harness().vars.at("TD_REGISTRY_PASSWORD");
  std::filesystem::create_directories(tmp + "/docker");
  std::ofstream(tmp + "/docker/config.json")
      << R"({"auths":{")" << reg << R"(":{"auth":")" << td::base64_encode(user + ":" + password) << R"("}}})";
  r = image({"--arch", "x86_64", "--cuda-driver", "12.4", reg + "/private/secret:1", "--verbose", "--json"},
            {"DOCKER_CONFIG=" + tmp + "/docker"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(parse(r.out)["images"][0]["status"], "ok");
  for (const std::string& secret : {password, td::base64_encode(user + ":" + password), std::string("eyJ")}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << secret;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(r.err.find("token?<query redacted>"), std::string::npos) << r.err;
}

TEST_F(Registry, CacheServesRepeatsDigestsAndOffline) {
  const std::string ref = reg + "/td/cuda:12.4.1-base-ubuntu22.04";
  auto args = k_new_driver;
  args.insert(args.end(), {ref, "--json"});
  auto r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string digest = parse(r.out)["images"][0]["digest"];
  r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(parse(r.out)["images"][0]["from_cache"], true);
  args.push_back("--offline");
  r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(parse(r.out)["images"][0]["digest"], digest);
  auto by_digest = k_new_driver;
  by_digest.insert(by_digest.end(), {"--offline", reg + "/td/cuda@" + digest, "--json"});
  r = image(by_digest);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = image({"--arch", "x86_64", "--offline", reg + "/td/cuda:11.8.0-base-ubuntu22.04"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("--offline: the cache has no tag"), std::string::npos) << r.out;
}

TEST_F(Registry, ManyReferencesAtOnceKeepTheirOrder) {
  std::vector<std::string> args = k_new_driver;
  std::vector<std::string> refs;
  for (int i = 0; i < 10; ++i) refs.push_back(reg + "/bench/img" + std::to_string(i) + ":t" + std::to_string(i % 5));
  args.insert(args.end(), refs.begin(), refs.end());
  args.insert(args.end(), {"--jobs", "6", "--json"});
  auto r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto doc = parse(r.out);
  ASSERT_EQ(doc["images"].size(), refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(doc["images"][i]["ref"], refs[i]);
    EXPECT_EQ(doc["images"][i]["status"], "ok");
  }
}

TEST_F(Registry, MalformedReferencesExitTwoBeforeAnyNetwork) {
  auto r = image({"pytorch/pytorch::x", "Pytorch/pytorch", "pytorch/pytorch:"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("invalid tag ':x'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("must be lowercase"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty tag after ':'"), std::string::npos) << r.err;
}

// Each hostile repository must end within its time limit, with exit 3 (1 for a missing tag) and a
// message that says what the registry did.
TEST_F(Registry, HostileRegistryEndsCleanlyWithClearMessages) {
  struct Case {
    const char* repo;
    int code;
    const char* message;
  };
  const Case cases[] = {
      {"badjson", 3, "the manifest is not a JSON object"},
      {"huge", 3, "larger than the 4.0 MiB limit"},
      {"hugecl", 3, "larger than the 4.0 MiB limit"},
      {"loop", 3, "redirect loop"},
      {"deep", 3, "more than 5 redirects"},
      {"slow", 3, "no complete answer from "},
      {"e401", 3, "401 without a WWW-Authenticate challenge"},
      {"e401b", 3, "token server"},
      {"e404", 1, "nearest tags: 1.1, 1.0, 2.1"},
      {"e429", 3, "429 TOOMANYREQUESTS: slow down"},
      {"e429long", 3, "Retry-After 3600 s"},
      {"e500", 3, "500 UNKNOWN: internal server error"},
      {"baddigest", 3, "does not match Docker-Content-Digest"},
      {"flaky", 0, "OK "},
  };
  for (const auto& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    // A 2 s limit where slowness is the case; elsewhere room for a loaded machine (CI runs tests
    // in parallel), so only the hostile behaviour decides the outcome.
    const std::string timeout = std::string(c.repo) == "slow" ? "2" : "10";
    auto r =
        image({"--arch", "x86_64", "--cuda-driver", "12.4", "--timeout", timeout, hostile + "/" + c.repo + ":1.5"});
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.code, c.code) << c.repo << ": " << r.out << r.err;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.repo << ": " << r.out << r.err;
    EXPECT_LT(seconds, 20) << c.repo << " took too long";
    EXPECT_LT(r.out.size(), 4000U) << c.repo;
  }
}

// Hostile input, round two (docs/reliability.md): digests that climb out of the cache, a web
// server's 404, credentials echoed in an error, a tag list that never ends in time.
TEST_F(Registry, DigestsThatClimbOutOfTheCacheAreRefusedWhereTheyEnter) {
  for (const std::string repo : {"traversal", "travindex"}) {
    const auto start = std::chrono::steady_clock::now();
    auto r = image({"--arch", "x86_64", "--cuda-driver", "12.4", "--timeout", "2", hostile + "/" + repo + ":1"});
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.code, 3) << repo << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("invalid digest"), std::string::npos) << repo << ": " << r.out << r.err;
    EXPECT_LT(seconds, 10) << repo;
  }
}

TEST_F(Registry, AWebServers404IsNotAMissingTag) {
  auto r = image({"--arch", "x86_64", "--timeout", "2", hostile + "/plain404:1", "--json"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  const auto img = parse(r.out)["images"][0];
  EXPECT_FALSE(has_reason(img, "TAG_NOT_FOUND")) << r.out;
  EXPECT_NE(r.out.find("not a registry's answer"), std::string::npos) << r.out;
}

TEST_F(Registry, CredentialsEchoedByTheServerAreRedacted) {
  const std::string secret = "s3cret-Passw0rd-echo";
  std::filesystem::create_directories(tmp + "/docker");
  std::ofstream(tmp + "/docker/config.json")
      << R"({"auths":{")" << hostile << R"(":{"auth":")" << td::base64_encode("someone:" + secret) << R"("}}})";
  auto r = image({"--arch", "x86_64", "--timeout", "2", hostile + "/echo:1", "--verbose"},
                 {"DOCKER_CONFIG=" + tmp + "/docker"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("[redacted]"), std::string::npos) << r.out;  // the server did echo it
  for (const std::string& s : {secret, td::base64_encode("someone:" + secret)}) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(s), std::string::npos) << r.err;
  }
}

TEST_F(Registry, ARunHasOneDeadlineNotOnlyPerRequestLimits) {
  const auto start = std::chrono::steady_clock::now();
  auto r = image({"--arch", "x86_64", "--timeout", "2", "--deadline", "4", hostile + "/slowpages:x"});
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 1) << r.out << r.err;  // the registry did say the tag is missing
  EXPECT_NE(r.out.find("TAG_NOT_FOUND"), std::string::npos) << r.out;
  EXPECT_LT(seconds, 9) << "50 pages of 1.5 s each must stop at the 4 s deadline";
}

// A cache entry replaced by a FIFO, a folder or a link to /dev/zero is a miss: the image is asked
// again, nothing hangs, nothing is read without bound, and the odd entry is not replaced.
TEST_F(Registry, CacheEntriesThatAreNotRegularFilesAreMisses) {
  const std::string ref = reg + "/td/cuda:12.4.1-base-ubuntu22.04";
  auto args = k_new_driver;
  args.insert(args.end(), {ref, "--json"});
  auto r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string blobs = tmp + "/cache/torchdoctor/registry/blobs/sha256";
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::directory_iterator(blobs)) entries.push_back(e.path().string());
  ASSERT_GE(entries.size(), 2U);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::filesystem::remove(entries[i]);
    if (i % 3 == 0)
      ASSERT_EQ(::mkfifo(entries[i].c_str(), 0600), 0);
    else if (i % 3 == 1)
      std::filesystem::create_directory(entries[i]);
    else
      std::filesystem::create_symlink("/dev/zero", entries[i]);
  }
  const auto start = std::chrono::steady_clock::now();
  r = image(args);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_LT(seconds, 20);
  EXPECT_EQ(parse(r.out)["images"][0]["from_cache"], false);
}

// kill -9 during a write leaves a temporary; a later run that writes removes those older than ten
// minutes (both namings), and leaves young ones to the writer that may still own them.
TEST_F(Registry, TemporariesOfKilledRunsAreRemoved) {
  const std::string blobs = tmp + "/cache/torchdoctor/registry/blobs/sha256";
  std::filesystem::create_directories(blobs);
  const std::string old_new = blobs + "/.abc.tmp.Xy12Zq";
  const std::string old_old = blobs + "/" + std::string(64, 'a') + ".tmp.4242.99.123456";
  const std::string young = blobs + "/.def.tmp.Qq34Rr";
  for (const auto& p : {old_new, old_old, young}) std::ofstream(p) << std::string(1024, 'x');
  const auto past = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  std::filesystem::last_write_time(old_new, past);
  std::filesystem::last_write_time(old_old, past);
  auto args = k_new_driver;
  args.insert(args.end(), {reg + "/td/cuda:12.4.1-base-ubuntu22.04"});
  auto r = image(args);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(old_new));
  EXPECT_FALSE(std::filesystem::exists(old_old));
  EXPECT_TRUE(std::filesystem::exists(young));
}

// The portable binary loads the machine's libcurl. An older one (before 7.85: Ubuntu 18.04-22.04,
// RHEL 8/9) has no CURLOPT_PROTOCOLS_STR; requests are then limited to http and https by the older
// bitmask option, and a libcurl that takes neither is not used at all.
TEST_F(Registry, AnOlderLibcurlStillLimitsRequestsToHttpAndHttps) {
  std::string real;
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
    const std::string p = std::string(dir) + "/libcurl.so.4";
    if (std::filesystem::exists(p)) {
      real = std::filesystem::canonical(p).string();
      break;
    }
  }
  if (real.empty()) GTEST_SKIP() << "no libcurl.so.4 in the usual folders to build the older one from";
  auto args = k_new_driver;
  args.insert(args.end(), {reg + "/td/cuda:12.4.1-base-ubuntu22.04", "--json"});
  const std::string fakes = TD_FAKES_DIR;
  const auto old = image(args, {"LD_LIBRARY_PATH=" + fakes + "/old_curl", "TD_FAKE_CURL_REAL=" + real});
  EXPECT_EQ(old.code, 0) << old.out << old.err;
  EXPECT_EQ(parse(old.out)["images"][0]["status"], "ok") << old.out;
  std::filesystem::remove_all(tmp + "/cache");  // the registry must be asked again
  const auto ancient = image(args, {"LD_LIBRARY_PATH=" + fakes + "/ancient_curl", "TD_FAKE_CURL_REAL=" + real});
  EXPECT_EQ(ancient.code, 3) << ancient.out << ancient.err;
  EXPECT_NE(ancient.out.find("libcurl refused to limit requests to http and https"), std::string::npos)
      << ancient.out << ancient.err;
}
