// Property tests for the classes of hostile input that had none (docs/reliability.md): digests
// and the paths built from them, the atomic file writer, the bounded reader, terminal escaping.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/registry/image_facts.hpp"
#include "torchdoctor/report/terminal_safe.hpp"
#include "torchdoctor/sys/file_reader.hpp"
#include "torchdoctor/sys/file_writer.hpp"

namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "td-prop-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

std::string random_bytes(std::mt19937& rng, std::size_t max_len, std::string_view alphabet = {}) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::string s(len(rng), '\0');
  for (auto& c : s) {
    c = alphabet.empty() ? static_cast<char>(rng() & 0xffU) : alphabet[rng() % alphabet.size()];
  }
  return s;
}

}  // namespace

// Whatever a registry writes as a digest, a digest the manifest parser accepts is sha256 and 64 hex
// digits: nothing that could leave blobs/sha256/ or change a URL's path.
TEST(HostileProperties, ParsedDigestsAreAlwaysPlainSha256) {
  std::mt19937 rng(16);
  const std::string hex = td::sha256_digest("x");
  for (int i = 0; i < 3000; ++i) {
    std::string digest;
    switch (i % 4) {
      case 0:
        digest = random_bytes(rng, 80);
        break;
      case 1:
        digest = "sha256:" + random_bytes(rng, 70, "0123456789abcdef./%");
        break;
      case 2:
        digest = hex.substr(0, 7) + random_bytes(rng, 64, "0123456789abcdefABCDEF/.");
        break;
      default:
        digest = hex;
        break;
    }
    const nlohmann::json manifest{{"schemaVersion", 2}, {"config", {{"digest", digest}}}};
    const nlohmann::json index{
        {"manifests", {{{"digest", digest}, {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}};
    for (const auto* doc : {&manifest, &index}) {
      const auto parsed = td::parse_manifest(doc->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "");
      if (!parsed) continue;
      if (!parsed->config_digest.empty()) {
        EXPECT_TRUE(td::is_sha256_digest(parsed->config_digest)) << parsed->config_digest;
      }
      for (const auto& p : parsed->platforms) EXPECT_TRUE(td::is_sha256_digest(p.digest)) << p.digest;
    }
  }
  EXPECT_TRUE(td::is_sha256_digest(hex));
  EXPECT_FALSE(td::is_sha256_digest("sha256:" + std::string(18 * 3, '.') + "//dev/zero"));
  EXPECT_FALSE(td::is_sha256_digest("sha256:" + std::string(64, 'A')));
}

// Escaped text never carries a control character but newline and tab; with colours kept, an ESC
// only starts one of the renderers' SGR sequences.
TEST(HostileProperties, EscapedTextHasNoControlsAndSplitWritesAgree) {
  std::mt19937 rng(6);
  for (int i = 0; i < 3000; ++i) {
    const std::string text = random_bytes(
        rng, 200, i % 2 ? std::string_view{} : std::string_view{"\x1b[]0123456789;mJ?\x07\r\n\xc2\x9b\x80 ab"});
    for (const bool colour : {false, true}) {
      const std::string out = td::escape_controls(text, colour);
      for (std::size_t k = 0; k < out.size(); ++k) {
        const auto c = static_cast<unsigned char>(out[k]);
        if (c == 0x1b) {
          ASSERT_TRUE(colour) << "ESC kept without colour";
          const auto m = out.find('m', k);
          ASSERT_NE(m, std::string::npos);
          const std::string seq = out.substr(k, m - k + 1);
          EXPECT_EQ(td::escape_controls(seq, true), seq);
          continue;
        }
        EXPECT_FALSE((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) << "control " << int(c);
        if (c == 0xc2 && k + 1 < out.size()) {
          const auto n = static_cast<unsigned char>(out[k + 1]);
          EXPECT_FALSE(n >= 0x80 && n <= 0x9f) << "C1 control";
        }
      }
    }
    // The stream filter, fed in random pieces, writes what the one-shot escaper does.
    std::ostringstream sink;
    {
      td::TerminalSafeBuf buf(sink.rdbuf(), true);
      std::ostream os(&buf);
      std::size_t at = 0;
      while (at < text.size()) {
        const std::size_t n = std::min<std::size_t>(1 + rng() % 7, text.size() - at);
        if (n == 1)
          os.put(text[at]);
        else
          os.write(text.data() + at, static_cast<std::streamsize>(n));
        at += n;
      }
      buf.finish();
    }
    EXPECT_EQ(sink.str(), td::escape_controls(text, true));
  }
  EXPECT_EQ(td::escape_controls("\x1b[31mred\x1b[0m", true), "\x1b[31mred\x1b[0m");
  EXPECT_EQ(td::escape_controls("\x1b[2J\x1b]0;t\x07", true), "\\x1b[2J\\x1b]0;t\\x07");
  EXPECT_EQ(td::escape_controls("a\rb\xc2\x9b"
                                "c",
                                false),
            "a\\rb\\u009bc");
  EXPECT_EQ(td::escape_controls("caf\xc3\xa9 \xe2\x9c\x93 \xc2\xb0", false), "caf\xc3\xa9 \xe2\x9c\x93 \xc2\xb0");
}

// Random contents survive the atomic writer byte for byte; special files at the target are never
// replaced; no temporary is left behind.
TEST(HostileProperties, AtomicWritesReadBackAndRefuseSpecialTargets) {
  TempDir tmp;
  std::mt19937 rng(5);
  const std::string path = tmp.path() + "/labels";
  for (int i = 0; i < 200; ++i) {
    const std::string data = random_bytes(rng, 5000);
    ASSERT_TRUE(td::write_file_atomic(path, data, i % 2 ? td::FileMode::shared : td::FileMode::owner_only).ok());
    const auto back = td::read_bounded(path, 1U << 20U, path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data);
  }
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) entries += e.path().filename() == "labels" ? 0 : 1;
  EXPECT_EQ(entries, 0U);
  const std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::create_symlink(path, tmp.path() + "/link");
  fs::create_directory(tmp.path() + "/dir");
  for (const std::string name : {"fifo", "link", "dir"}) {
    const auto s = td::write_file_atomic(tmp.path() + "/" + name, "x");
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.error().kind, td::ErrorKind::bad_input);
  }
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_TRUE(fs::is_symlink(tmp.path() + "/link"));
}

TEST(HostileProperties, BoundedReadsRefuseWhatIsNotAFileAndStopAtTheLimit) {
  TempDir tmp;
  const std::string f = tmp.path() + "/f";
  std::ofstream(f) << std::string(100, 'x');
  EXPECT_EQ(td::read_bounded(f, 100, "f")->size(), 100U);
  const auto big = td::read_bounded(f, 99, "f");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("larger than 99 bytes"), std::string::npos);
  EXPECT_EQ(td::read_bounded(tmp.path() + "/none", 10, "none").error().kind, td::ErrorKind::not_found);
  EXPECT_NE(td::read_bounded(tmp.path(), 10, "d").error().message.find("a folder"), std::string::npos);
  EXPECT_NE(td::read_bounded("/dev/zero", 10, "z").error().message.find("a device"), std::string::npos);
  const std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(td::read_bounded(fifo, 10, "p").error().message.find("a FIFO"), std::string::npos);
  const auto as_pipe = td::read_bounded(fifo, 10, "p", td::ReadSource::file_or_pipe);  // no writer: empty, at once
  ASSERT_TRUE(as_pipe.ok());
  EXPECT_TRUE(as_pipe->empty());
  std::istringstream endless(std::string(1000, 'z'));
  EXPECT_FALSE(td::read_stream_bounded(endless, 999, "stdin").ok());
}

TEST(HostileProperties, LineReadsGiveTheSameLinesAsAWholeReadAndBoundTheLongest) {
  TempDir tmp;
  const std::string f = tmp.path() + "/lines";
  // Lines that straddle the reader's 64 KiB pieces, an empty one, and a last one without '\n'.
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::string(static_cast<std::size_t>(i * 97 % 1500), 'a' + i % 26) + "\n";
  text += "\nlast";
  std::ofstream(f) << text;
  std::vector<std::string> lines;
  const td::LineSink keep = [&lines](std::string_view l) { lines.emplace_back(l); };
  ASSERT_TRUE(td::read_lines_bounded(f, text.size(), 1500, "f", td::ReadSource::regular_file, keep).ok());
  std::vector<std::string> expected;
  std::istringstream split(text);
  for (std::string l; std::getline(split, l);) expected.push_back(l);
  EXPECT_EQ(lines, expected);
  lines.clear();
  std::istringstream in(text);
  ASSERT_TRUE(td::read_stream_lines_bounded(in, text.size(), 1500, "stdin", keep).ok());
  EXPECT_EQ(lines, expected);
  const auto long_line = td::read_lines_bounded(f, text.size(), 1000, "f", td::ReadSource::regular_file, keep);
  ASSERT_FALSE(long_line.ok());
  EXPECT_NE(long_line.error().message.find("f: a line longer than 1000 bytes"), std::string::npos);
  const auto too_big = td::read_lines_bounded(f, 100, 1500, "f", td::ReadSource::regular_file, keep);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("larger than 100 bytes"), std::string::npos);
  EXPECT_NE(td::read_lines_bounded(tmp.path(), 10, 10, "d", td::ReadSource::regular_file, keep)
                .error()
                .message.find("a folder"),
            std::string::npos);
}
