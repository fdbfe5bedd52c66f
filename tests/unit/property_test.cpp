// Property tests (issue: hardening, item 5): round trips and a reference model, on inputs drawn from
// a seeded generator so that a failure names the case that reproduces it.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "torchdoctor/core/host_json.hpp"
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/version.hpp"
#include "torchdoctor/registry/require.hpp"

using namespace td;

namespace {

constexpr int k_cases = 400;

struct Gen {
  std::mt19937 rng;
  explicit Gen(unsigned seed) : rng(seed) {}
  unsigned below(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng); }
  bool coin() { return below(2) == 0; }
  // Text with the characters that break naive serialisers: quotes, backslashes, controls, UTF-8.
  std::string text() {
    static const std::vector<std::string> pieces{"a",    "Z", "0",    " ", "\"", "\\", "\n", "\t",
                                                 "\x01", "é", "日本", "/", ":",  "{",  "}",  "null"};
    std::string s;
    for (unsigned i = below(8); i > 0; --i) s += pieces[below(static_cast<unsigned>(pieces.size()))];
    return s;
  }
  Version version() {
    std::string s = std::to_string(below(600));
    for (unsigned i = below(4); i > 0; --i) s += "." + std::to_string(below(200));
    switch (below(6)) {
      case 0:
        s += "a" + std::to_string(below(5));
        break;
      case 1:
        s += "rc" + std::to_string(below(5));
        break;
      case 2:
        s += ".post" + std::to_string(below(5));
        break;
      case 3:
        s += ".dev" + std::to_string(below(5));
        break;
      default:
        break;
    }
    if (coin()) s += "+cu" + std::to_string(100 + below(40));
    return *Version::parse(s);
  }
  ComputeCapability cc() {
    const auto suffix = static_cast<ComputeCapability::Suffix>(below(3));
    ComputeCapability c(1 + below(12), below(10), suffix);
    return coin() ? c : c.as_ptx();
  }
  template <typename T, typename Make>
  Fact<T> fact(Make make) {
    if (below(4) == 0) return Fact<T>::unknown(text(), text());
    Fact<T> f = Fact<T>::known(make(), text());
    f.note = coin() ? text() : "";
    return f;
  }
  Fact<std::string> str() {
    return fact<std::string>([this] { return text(); });
  }
  Fact<Version> ver() {
    return fact<Version>([this] { return version(); });
  }
};

HostFacts random_host(Gen& g) {
  HostFacts f;
  f.tool_version = g.text();
  f.hostname = g.str();
  f.os.id = g.str();
  f.os.pretty_name = g.str();
  f.cpu.arch = g.str();
  f.cpu.glibc = g.ver();
  f.cpu.memory_bytes = g.fact<std::uint64_t>([&] { return static_cast<std::uint64_t>(g.rng()) << g.below(30); });
  f.cpu.flags = g.fact<std::vector<std::string>>([&] { return std::vector<std::string>{g.text(), g.text()}; });
  f.driver.version = g.ver();
  f.driver.cuda_level = g.ver();
  f.gpus = g.fact<std::vector<GpuFacts>>([&] {
    std::vector<GpuFacts> v(g.below(4));
    for (auto& x : v) {
      x.name = g.str();
      x.compute_capability = g.fact<ComputeCapability>([&] { return g.cc(); });
      x.integrated = g.fact<bool>([&] { return g.coin(); });
      x.memory_bytes = g.fact<std::uint64_t>([&] { return static_cast<std::uint64_t>(g.below(200)) << 30U; });
    }
    return v;
  });
  f.jetson.l4t = g.ver();
  f.torch = g.fact<std::vector<TorchInstall>>([&] {
    std::vector<TorchInstall> v(g.below(3));
    for (auto& t : v) {
      t.version = g.ver();
      t.cuda = g.ver();
      t.arch_list = g.fact<std::vector<ComputeCapability>>([&] {
        return std::vector<ComputeCapability>{g.cc(), g.cc()};
      });
      t.sys_path_entry = g.str();
      t.imported = g.fact<bool>([&] { return g.coin(); });
    }
    return v;
  });
  for (unsigned i = g.below(3); i > 0; --i) f.issues.push_back({g.text(), g.text()});
  return f;
}

}  // namespace

TEST(Property, HostFactsSurviveJsonAndText) {
  for (int i = 0; i < k_cases; ++i) {
    Gen g(1000 + i);
    const HostFacts f = random_host(g);
    const nlohmann::json j = host_to_json(f);
    auto back = host_from_json(j);
    ASSERT_TRUE(back) << "case " << i << ": " << back.error().message << "\n" << j.dump(2);
    EXPECT_EQ(host_to_json(*back), j) << "case " << i;
    auto parsed = host_from_text(j.dump(), "case");
    ASSERT_TRUE(parsed) << "case " << i << ": " << parsed.error().message;
    EXPECT_EQ(host_to_json(*parsed), j) << "case " << i;
  }
}

TEST(Property, VersionPrintsWhatItParsesAndOrdersConsistently) {
  Gen g(7);
  std::vector<Version> seen;
  for (int i = 0; i < k_cases; ++i) {
    const Version v = g.version();
    auto again = Version::parse(v.str());
    ASSERT_TRUE(again) << v.str();
    EXPECT_EQ(again->str(), v.str());
    EXPECT_EQ(*again <=> v, std::strong_ordering::equal) << v.str();
    seen.push_back(v);
  }
  // Antisymmetric, and sorting then checking neighbours finds no inversion (transitivity).
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    const auto ab = seen[i] <=> seen[i + 1];
    const auto ba = seen[i + 1] <=> seen[i];
    EXPECT_EQ(ab == std::strong_ordering::less, ba == std::strong_ordering::greater)
        << seen[i].str() << " vs " << seen[i + 1].str();
  }
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i + 1 < seen.size(); ++i)
    EXPECT_FALSE(seen[i + 1] < seen[i]) << seen[i].str() << " / " << seen[i + 1].str();
  for (std::size_t i = 0; i + 2 < seen.size(); ++i) EXPECT_FALSE(seen[i + 2] < seen[i]);
}

namespace {

// The reference: dsl.c's semantics restated plainly. Space-separated terms are ORed, comma-separated
// factors ANDed, evaluated left to right with short-circuit (an invalid factor only counts when
// reached); versions compare as numeric tuples padded with zeros; brand allows only = and !=;
// without a device, arch and brand hold.
std::vector<unsigned> tuple(const std::string& v) {
  std::vector<unsigned> t;
  for (const auto& p : split(v, '.')) t.push_back(static_cast<unsigned>(std::stoul(p)));
  return t;
}

bool compare(const std::string& have, const std::string& op, const std::string& want) {
  auto a = tuple(have);
  auto b = tuple(want);
  a.resize(std::max(a.size(), b.size()), 0);
  b.resize(a.size(), 0);
  if (op == "=") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

struct RefFactor {
  std::string property, op, value;
};

RequireState reference(const std::vector<std::vector<RefFactor>>& terms, const RequireHost& host,
                       const RequireGpu* gpu) {
  for (const auto& term : terms) {
    bool holds = true;
    for (const auto& f : term) {
      bool ok = true;
      if (f.property == "cuda")
        ok = compare(*host.cuda, f.op, f.value);
      else if (f.property == "driver")
        ok = compare(*host.driver, f.op, f.value);
      else if (gpu == nullptr)
        ok = true;
      else if (f.property == "arch")
        ok = compare(*gpu->arch, f.op, f.value);
      else if (f.op == "=")
        ok = to_lower(*gpu->brand) == to_lower(f.value);
      else if (f.op == "!=")
        ok = to_lower(*gpu->brand) != to_lower(f.value);
      else
        return RequireState::invalid;
      if (!ok) {
        holds = false;
        break;
      }
    }
    if (holds) return RequireState::satisfied;
  }
  return terms.empty() ? RequireState::satisfied : RequireState::unsatisfied;
}

}  // namespace

TEST(Property, RequireMatchesTheReferenceModel) {
  Gen g(99);
  static const std::vector<std::string> ops{"=", "!=", "<", "<=", ">", ">="};
  static const std::vector<std::string> brands{"tesla", "GeForce", "nvidiartx", "quadro"};
  auto dotted = [&g](unsigned parts, unsigned max) {
    std::string s = std::to_string(g.below(max));
    for (unsigned i = 1; i < parts; ++i) s += "." + std::to_string(g.below(10));
    return s;
  };
  int unsatisfied = 0;
  int satisfied = 0;
  int invalid = 0;
  for (int i = 0; i < 4 * k_cases; ++i) {
    RequireHost host;
    host.cuda = "1" + std::to_string(g.below(4)) + "." + std::to_string(g.below(9));
    host.driver =
        std::to_string(450 + g.below(150)) + "." + std::to_string(g.below(100)) + "." + std::to_string(g.below(20));
    RequireGpu gpu{"GPU 0", std::to_string(5 + g.below(6)) + "." + std::to_string(g.below(10)), brands[g.below(4)]};
    std::vector<std::vector<RefFactor>> terms(g.below(4));
    std::string text;
    for (auto& term : terms) {
      term.resize(1 + g.below(3));
      std::string t;
      for (auto& f : term) {
        static const std::vector<std::string> props{"cuda", "driver", "arch", "brand"};
        f.property = props[g.below(4)];
        f.op = ops[g.below(f.property == "brand" && g.below(8) != 0 ? 2 : 6)];
        f.value = f.property == "cuda"     ? "1" + dotted(1 + g.below(3), 5)
                  : f.property == "driver" ? std::to_string(450 + g.below(150)) + "." + dotted(1 + g.below(2), 100)
                  : f.property == "arch"   ? dotted(2, 12)
                                           : brands[g.below(4)];
        t += (t.empty() ? "" : ",") + f.property + f.op + f.value;
      }
      text += (text.empty() ? "" : " ") + t;
    }
    for (const RequireGpu* device : {static_cast<const RequireGpu*>(&gpu), static_cast<const RequireGpu*>(nullptr)}) {
      const RequireState want = reference(terms, host, device);
      const RequireOutcome got = evaluate_requirement(text, host, device);
      EXPECT_EQ(require_state_name(got.state), std::string(require_state_name(want)))
          << "case " << i << ": '" << text << "' cuda=" << *host.cuda << " driver=" << *host.driver
          << " arch=" << *gpu.arch << " brand=" << *gpu.brand << (device ? "" : " (no device)");
      (want == RequireState::satisfied ? satisfied : want == RequireState::invalid ? invalid : unsatisfied)++;
    }
  }
  // The generator must reach every outcome, or the comparison proves little.
  EXPECT_GT(satisfied, 100);
  EXPECT_GT(unsatisfied, 100);
  EXPECT_GT(invalid, 10);
}
