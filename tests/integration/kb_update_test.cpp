// `kb update` and `kb status` with real bundles, from folders and over HTTP on loopback
// (python3's http.server): a newer signed bundle is installed and used; unsigned, wrong-key,
// corrupt, partial, altered and older bundles are refused and the embedded KB stays in use; an
// installed bundle damaged later is passed over. The bundles are signed here with the suite's test
// key (tests/fixtures/kb-bundle), which only torchdoctor_testkey trusts: torchdoctor itself refuses
// them whatever its environment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "monocypher-ed25519.h"
#include "run_binary.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using td::test::run_binary;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
void write_file(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[b[i] >> 4U];
    out += digits[b[i] & 15U];
  }
  return out;
}

std::string fixture(const std::string& name) {
  return read_file(fs::path(TD_SOURCE_DIR) / "tests/fixtures/kb-bundle" / name);
}

// The embedded KB's as_of moved by `days`.
std::string shifted_as_of(int days) {
  const std::string meta = read_file(fs::path(TD_SOURCE_DIR) / "data/kb/meta.toml");
  const auto at = meta.find("as_of = \"");
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  std::sscanf(meta.c_str() + at + 9, "%4d-%2u-%2u", &y, &m, &d);
  const auto day = std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
                   std::chrono::days{days};
  const std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

// A bundle of data/kb with meta.toml's as_of set to `as_of`, signed with `secret_file`'s key
// (none: unsigned).
struct Bundle {
  fs::path dir;
  std::string as_of;
};
Bundle make_bundle(const fs::path& dir, const std::string& as_of, const std::string& secret_file = "test-key.secret") {
  fs::remove_all(dir);
  fs::create_directories(dir);
  json files = json::array();
  for (const auto& e : fs::directory_iterator(fs::path(TD_SOURCE_DIR) / "data/kb")) {
    if (e.path().extension() != ".toml") continue;
    std::string text = read_file(e.path());
    if (e.path().filename() == "meta.toml") {
      const auto at = text.find("as_of = \"");
      text.replace(at + 9, 10, as_of);
    }
    write_file(dir / e.path().filename(), text);
    std::uint8_t digest[64];
    crypto_sha512(digest, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    files.push_back({{"name", e.path().filename().string()}, {"size", text.size()}, {"sha512", hex(digest, 64)}});
  }
  const std::string manifest =
      json{{"schema", "torchdoctor.kb-bundle/v1"}, {"as_of", as_of}, {"version", "test-" + as_of}, {"files", files}}
          .dump(2) +
      "\n";
  write_file(dir / "manifest.json", manifest);
  if (!secret_file.empty()) {
    std::string seed_hex = fixture(secret_file).substr(0, 64);
    std::uint8_t seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<std::uint8_t>(std::stoi(seed_hex.substr(2 * i, 2), nullptr, 16));
    std::uint8_t secret[64];
    std::uint8_t pub[32];
    crypto_ed25519_key_pair(secret, pub, seed);
    std::uint8_t sig[64];
    crypto_ed25519_sign(sig, secret, reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size());
    write_file(dir / "manifest.sig",
               json{{"algorithm", "ed25519"}, {"key", hex(pub, 32)}, {"signature", hex(sig, 64)}}.dump() + "\n");
  }
  return {dir, as_of};
}

class KbUpdate : public ::testing::Test {
 protected:
  void SetUp() override {
    m_root = fs::temp_directory_path() / ("td-kb-update-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_root);
    fs::create_directories(m_root / "data");
  }
  void TearDown() override { fs::remove_all(m_root); }

  td::test::RunResult td(const std::vector<std::string>& args, const std::string& binary = TD_TESTKEY_BINARY) {
    return run_binary(binary, args, "",
                      {"XDG_DATA_HOME=" + (m_root / "data").string(), "XDG_CACHE_HOME=" + (m_root / "cache").string()});
  }
  json status() {
    const auto r = td({"kb", "status", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  fs::path installed() const { return m_root / "data/torchdoctor/kb"; }

  fs::path m_root;
};

}  // namespace

TEST_F(KbUpdate, StatusSaysTheEmbeddedKbIsInUseWithItsAge) {
  const json s = status();
  EXPECT_EQ(s["in_use"], "embedded") << s.dump(1);
  EXPECT_EQ(s["as_of"], s["embedded_as_of"]);
  EXPECT_TRUE(s["age_days"].is_number()) << s.dump(1);
  EXPECT_EQ(s["installed"]["state"], "none");
  EXPECT_EQ(s["test_key_trusted"], true);
  const auto text = td({"kb", "status"});
  EXPECT_NE(text.out.find("Knowledge base in use: embedded, as of "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(" days old)"), std::string::npos) << text.out;
}

TEST_F(KbUpdate, ANewerSignedBundleFromAFolderIsInstalledAndUsed) {
  const auto b = make_bundle(m_root / "bundle", shifted_as_of(1));
  const auto r = td({"kb", "update", "--from", b.dir.string()});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("Installed the knowledge base as of " + b.as_of), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(installed() / "manifest.sig"));
  const json s = status();
  EXPECT_EQ(s["in_use"], "installed update") << s.dump(1);
  EXPECT_EQ(s["as_of"], b.as_of);
  EXPECT_NE(s["source"].get<std::string>().find(b.dir.string()), std::string::npos) << s.dump(1);
  // Every command now reads it.
  const auto show = td({"kb", "show", "cuda"});
  EXPECT_NE(show.out.find("knowledge base installed update " + installed().string() + ", as of " + b.as_of),
            std::string::npos)
      << show.out;
  // The same bundle again: already current.
  const auto again = td({"kb", "update", "--from", (b.dir / "manifest.json").string()});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("already current"), std::string::npos) << again.out;
}

TEST_F(KbUpdate, TheReleaseBinaryDoesNotTrustTheTestKeyWhateverItsEnvironment) {
  const auto b = make_bundle(m_root / "bundle", shifted_as_of(1));
  const auto r = td({"kb", "update", "--from", b.dir.string()}, TD_BINARY);
  EXPECT_EQ(r.code, 2) << r.err << r.out;
  EXPECT_FALSE(fs::exists(installed()));
  // An installed test-signed bundle is not used by it either.
  ASSERT_EQ(td({"kb", "update", "--from", b.dir.string()}).code, 0);
  const auto s = td({"kb", "status", "--json"}, TD_BINARY);
  const json j = json::parse(s.out, nullptr, false);
  EXPECT_EQ(j["in_use"], "embedded") << s.out;
  EXPECT_EQ(j["installed"]["state"], "not used: invalid") << s.out;
  EXPECT_EQ(j["test_key_trusted"], false);
}

TEST_F(KbUpdate, BadBundlesAreRefusedAndNothingIsInstalled) {
  const std::string newer = shifted_as_of(1);
  struct Case {
    const char* name;
    std::function<void(const fs::path&)> damage;
    const char* says;
  };
  const std::vector<Case> cases{
      {"unsigned", [](const fs::path& d) { fs::remove(d / "manifest.sig"); }, "unsigned"},
      {"wrong key", [&](const fs::path& d) { make_bundle(d, newer, "other-key.secret"); }, "does not trust"},
      {"corrupt", [](const fs::path& d) { write_file(d / "cuda.toml", read_file(d / "cuda.toml") + "# changed\n"); },
       "corrupt"},
      {"partial", [](const fs::path& d) { fs::remove(d / "gpus.toml"); }, "partial"},
      {"altered manifest",
       [](const fs::path& d) {
         std::string m = read_file(d / "manifest.json");
         m.replace(m.find("\"version\": \"test-"), 17, "\"version\": \"evil-");
         write_file(d / "manifest.json", m);
       },
       "signature does not match"},
      {"garbage signature", [](const fs::path& d) { write_file(d / "manifest.sig", "not json"); },
       "unsigned or corrupt"},
  };
  for (const auto& c : cases) {
    const auto b = make_bundle(m_root / "bundle", newer);
    c.damage(b.dir);
    const auto r = td({"kb", "update", "--from", b.dir.string()});
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.err << r.out;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.name << ": one line: " << r.err;
    EXPECT_FALSE(fs::exists(installed())) << c.name;
  }
  EXPECT_EQ(status()["in_use"], "embedded");
}

TEST_F(KbUpdate, AnOlderBundleIsNotInstalled) {
  const auto b = make_bundle(m_root / "bundle", shifted_as_of(-30));
  const auto r = td({"kb", "update", "--from", b.dir.string()});
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("the bundle is older"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(installed()));
}

TEST_F(KbUpdate, AnInstalledBundleDamagedLaterIsPassedOver) {
  const auto b = make_bundle(m_root / "bundle", shifted_as_of(1));
  ASSERT_EQ(td({"kb", "update", "--from", b.dir.string()}).code, 0);
  write_file(installed() / "torch.toml", read_file(installed() / "torch.toml").substr(0, 100));
  const json s = status();
  EXPECT_EQ(s["in_use"], "embedded") << s.dump(1);
  EXPECT_EQ(s["installed"]["state"], "not used: invalid");
  EXPECT_NE(s["installed"]["problem"].get<std::string>().find("torch.toml"), std::string::npos) << s.dump(1);
  // An installed bundle older than the embedded KB (the binary was upgraded since) is not used either.
  const auto old = make_bundle(m_root / "old", shifted_as_of(-1));
  fs::remove_all(installed());
  fs::copy(old.dir, installed());
  const json o = status();
  EXPECT_EQ(o["in_use"], "embedded");
  EXPECT_EQ(o["installed"]["state"], "not used: not newer than the embedded knowledge base") << o.dump(1);
}

namespace {

// python3's http.server on 127.0.0.1 (an ephemeral port) serving `dir`; stopped by the destructor.
struct HttpServer {
  pid_t pid = -1;
  int port = 0;
  explicit HttpServer(const fs::path& dir) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      std::freopen("/dev/null", "w", stderr);
      ::execlp("python3", "python3", "-c",
               "import functools,http.server,sys\n"
               "h=functools.partial(http.server.SimpleHTTPRequestHandler,directory=sys.argv[1])\n"
               "s=http.server.ThreadingHTTPServer(('127.0.0.1',0),h)\n"
               "sys.stdout.write('%d\\n' % s.server_address[1])\n"
               "sys.stdout.flush()\n"
               "s.serve_forever()\n",
               dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    // Read the whole line before closing: a later write of the child into a closed pipe kills it.
    std::string line;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    port = std::atoi(line.c_str());
  }
  ~HttpServer() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

}  // namespace

TEST_F(KbUpdate, OverHttpOnLoopback) {
  const auto b = make_bundle(m_root / "served/bundle", shifted_as_of(1));
  HttpServer server(m_root / "served");
  if (server.port == 0) GTEST_SKIP() << "python3's http.server did not start";
  // Unsigned over HTTP (the signature is a 404): refused.
  fs::rename(b.dir / "manifest.sig", m_root / "manifest.sig.kept");
  auto r = td({"kb", "update", "--from", server.url() + "bundle/"});
  EXPECT_EQ(r.code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("unsigned"), std::string::npos) << r.err;
  fs::rename(m_root / "manifest.sig.kept", b.dir / "manifest.sig");
  // Partial over HTTP: a file the manifest names is missing.
  fs::rename(b.dir / "boards.toml", m_root / "boards.toml.kept");
  r = td({"kb", "update", "--from", server.url() + "bundle"});
  EXPECT_EQ(r.code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("partial"), std::string::npos) << r.err;
  fs::rename(m_root / "boards.toml.kept", b.dir / "boards.toml");
  EXPECT_FALSE(fs::exists(installed()));
  // Whole and signed: installed.
  r = td({"kb", "update", "--from", server.url() + "bundle/manifest.json", "--timeout", "10"});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const json s = status();
  EXPECT_EQ(s["in_use"], "installed update") << s.dump(1);
  EXPECT_EQ(s["installed"]["from"], server.url() + "bundle/manifest.json");
}

TEST_F(KbUpdate, OfflineIsUndeterminedAndChangesNothing) {
  // A loopback port nothing listens on (the server's, after it stopped).
  std::string url;
  {
    HttpServer server(m_root);
    if (server.port == 0) GTEST_SKIP() << "python3's http.server did not start";
    url = server.url();
  }
  const auto r = td({"kb", "update", "--from", url + "bundle/", "--timeout", "5"});
  EXPECT_EQ(r.code, 3) << r.err << r.out;
  EXPECT_FALSE(fs::exists(installed()));
}

TEST_F(KbUpdate, TheMaintainerScriptMakesABundleTheBinaryAccepts) {
  // scripts/kb-bundle.py signs with Python's `cryptography`; skipped where it is not installed.
  if (std::system("python3 -c 'import cryptography' 2>/dev/null") != 0) GTEST_SKIP() << "python3 has no 'cryptography'";
  const fs::path kb = m_root / "kb";
  fs::copy(fs::path(TD_SOURCE_DIR) / "data/kb", kb);
  std::string meta = read_file(kb / "meta.toml");
  meta.replace(meta.find("as_of = \"") + 9, 10, shifted_as_of(2));
  write_file(kb / "meta.toml", meta);
  const std::string cmd = "python3 " + std::string(TD_SOURCE_DIR) + "/scripts/kb-bundle.py make --key " +
                          TD_SOURCE_DIR + "/tests/fixtures/kb-bundle/test-key.secret --kb " + kb.string() + " --out " +
                          (m_root / "out").string() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto r = td({"kb", "update", "--from", (m_root / "out").string()});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(status()["as_of"], shifted_as_of(2));
}
