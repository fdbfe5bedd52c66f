// The tool-answer cache: a second ask of an unchanged tool runs nothing; a changed tool, other
// arguments or a damaged cache file make it run again.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "torchdoctor/sys/tool_cache.hpp"

using namespace td;
namespace fs = std::filesystem;

namespace {

struct FakeTool {
  fs::path dir, tool, runs, cache;
  FakeTool() {
    dir = fs::path(::testing::TempDir()) / ("td-tool-cache-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    tool = dir / "g++";
    runs = dir / "runs";
    cache = dir / "cache" / "tools.json";
    write("12.2.0");
  }
  ~FakeTool() { fs::remove_all(dir); }
  void write(const std::string& version) const {
    std::ofstream(tool) << "#!/bin/sh\necho run >> '" << runs.string() << "'\necho \"g++ (Debian) " << version
                        << "\"\n";
    fs::permissions(tool, fs::perms::owner_all);
  }
  int count() const {
    std::ifstream in(runs);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
  std::optional<std::string> ask(const std::vector<std::string>& extra = {"--version"}) const {
    std::vector<std::string> argv{tool.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return cached_tool_output(cache.string(), argv, SpawnOptions{});
  }
};

}  // namespace

TEST(ToolCache, UnchangedToolIsAskedOnce) {
  FakeTool t;
  EXPECT_EQ(t.ask().value_or(""), "g++ (Debian) 12.2.0\n");
  EXPECT_EQ(t.ask().value_or(""), "g++ (Debian) 12.2.0\n");
  EXPECT_EQ(t.count(), 1);
  EXPECT_TRUE(t.ask({"-dumpversion"}));
  EXPECT_EQ(t.count(), 2) << "other arguments are another answer";
}

TEST(ToolCache, ChangedToolIsAskedAgain) {
  FakeTool t;
  (void)t.ask();
  t.write("13.1.0");  // an upgrade replaces the file: new size and time
  EXPECT_EQ(t.ask().value_or(""), "g++ (Debian) 13.1.0\n");
  EXPECT_EQ(t.count(), 2);
}

TEST(ToolCache, DamagedCacheOrNoCacheStillAnswers) {
  FakeTool t;
  (void)t.ask();
  std::ofstream(t.cache) << "{not json";
  EXPECT_EQ(t.ask().value_or(""), "g++ (Debian) 12.2.0\n");
  EXPECT_EQ(t.count(), 2);
  EXPECT_EQ(t.ask().value_or(""), "g++ (Debian) 12.2.0\n");
  EXPECT_EQ(t.count(), 2) << "rewritten after the damage";
  EXPECT_TRUE(cached_tool_output("", {t.tool.string(), "--version"}, SpawnOptions{}));
  EXPECT_EQ(t.count(), 3) << "no cache path: always run";
  EXPECT_FALSE(cached_tool_output(t.cache.string(), {(t.dir / "missing").string(), "--version"}, SpawnOptions{}));
}
