// Fleets and Kubernetes (issue: fleets): node label files (syntax, limits, atomic write), the
// affinity for an image parsed back from YAML and evaluated against the fixture fleet's labels
// (it must select exactly the nodes `fleet` says the image runs on), the manifests validated
// against the Kubernetes schemas, and fleet's bad input.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "run_binary.hpp"

using nlohmann::json;
using td::test::capture;
using td::test::fixture_root;
using td::test::have_pyyaml;
using td::test::run_td;
using td::test::yaml_to_json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_roots{"x86-nvidia-proprietary",
                                       "x86-nvidia-open",
                                       "x86-server-nogpu",
                                       "jetson-orin-l4t36",
                                       "jetson-nano-l4t32",
                                       "raspberry-pi-4",
                                       "wsl2"};
// One folder per test process for every scratch file and the cache, removed when the process ends.
const fs::path& scratch_base() {
  static const struct Base {
    fs::path path;
    Base() {
      std::string tmpl = (fs::temp_directory_path() / "td-fleet-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      path = tmpl;
    }
    ~Base() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } base;
  return base.path;
}

const std::vector<std::string> k_env{"XDG_CACHE_HOME=" + (scratch_base() / "cache").string()};

fs::path scratch(const std::string& name) {
  static int n = 0;
  const fs::path d = scratch_base() / (std::to_string(++n) + "-" + name);
  fs::create_directories(d);
  return d;
}

// Snapshots of the fixture trees, one file each, as `probe --json` writes them.
fs::path fixture_fleet() {
  const fs::path dir = scratch("snapshots");
  for (const auto& r : k_roots) {
    const auto p = run_td({"probe", "--root", fixture_root(r), "--json"}, "", k_env);
    EXPECT_EQ(p.code == 0 || p.code == 1, true) << p.err;
    std::ofstream(dir / (r + ".json")) << p.out;
  }
  return dir;
}

// The label key and value rules of Kubernetes (apimachinery validation), written out independently.
bool valid_key(const std::string& k) {
  static const std::regex prefix(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  static const std::regex name(R"(^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$)");
  const auto slash = k.find('/');
  const std::string n = slash == std::string::npos ? k : k.substr(slash + 1);
  if (n.size() > 63 || !std::regex_match(n, name)) return false;
  if (slash == std::string::npos) return true;
  const std::string p = k.substr(0, slash);
  return p.size() <= 253 && std::regex_match(p, prefix);
}

bool valid_value(const std::string& v) {
  static const std::regex value(R"(^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$)");
  return v.size() <= 63 && std::regex_match(v, value);
}

// The scheduler's matchExpressions, restated for the test (In, NotIn, Exists, DoesNotExist, Gt, Lt).
bool selects(const json& exprs, const std::map<std::string, std::string>& labels) {
  for (const auto& e : exprs) {
    const std::string key = e["key"];
    const std::string op = e["operator"];
    const auto it = labels.find(key);
    std::vector<std::string> values;
    if (e.contains("values")) {
      for (const auto& v : e["values"]) values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    const bool in = it != labels.end() && std::find(values.begin(), values.end(), it->second) != values.end();
    bool ok = false;
    if (op == "In")
      ok = in;
    else if (op == "NotIn")
      ok = !in;
    else if (op == "Exists")
      ok = it != labels.end();
    else if (op == "DoesNotExist")
      ok = it == labels.end();
    else if (op == "Gt" || op == "Lt") {
      ok = it != labels.end() && values.size() == 1 && std::regex_match(it->second, std::regex("[0-9]+")) &&
           (op == "Gt" ? std::stoll(it->second) > std::stoll(values[0])
                       : std::stoll(it->second) < std::stoll(values[0]));
    } else {
      ADD_FAILURE() << "unknown operator " << op;
    }
    if (!ok) return false;
  }
  return true;
}

std::string validator() {
  const fs::path v = fs::path(TD_SOURCE_DIR) / ".venv/bin/kubernetes-validate";
  return fs::exists(v) ? v.string() : "";
}

}  // namespace

TEST(K8sLabels, EveryFixtureGivesValidLabelsUnderNfdsLimit) {
  for (const auto& r : k_roots) {
    const auto res = run_td({"k8s", "labels", "--root", fixture_root(r)}, "", k_env);
    ASSERT_EQ(res.code, 0) << r << ": " << res.err;
    EXPECT_LT(res.out.size(), 65536U);
    std::string previous;
    std::size_t n = 0;
    std::istringstream in(res.out);
    for (std::string line; std::getline(in, line); ++n) {
      const auto eq = line.find('=');
      ASSERT_NE(eq, std::string::npos) << r << ": " << line;
      const std::string key = line.substr(0, eq);
      EXPECT_TRUE(valid_key(key)) << r << ": key " << key;
      EXPECT_TRUE(valid_value(line.substr(eq + 1))) << r << ": " << line;
      EXPECT_EQ(key.rfind("torchdoctor.dev/", 0), 0U) << key;
      EXPECT_LT(previous, key) << "sorted, no duplicates";
      previous = key;
    }
    EXPECT_GT(n, 2U) << r;
  }
  // Facts that decide placement, on the two kinds of GPU node.
  const auto a100 = run_td({"k8s", "labels", "--root", fixture_root("x86-nvidia-proprietary"), "--json"}, "", k_env);
  const json l = json::parse(a100.out)["labels"];
  EXPECT_EQ(l["torchdoctor.dev/gpu.count"], "2");
  EXPECT_EQ(l["torchdoctor.dev/gpu.sm.80"], "true");
  EXPECT_EQ(l["torchdoctor.dev/cuda.runtime-version.code"], "12020");
  EXPECT_EQ(l["torchdoctor.dev/cuda.driver-version.full"], "535.183.01");
  const auto orin = run_td({"k8s", "labels", "--root", fixture_root("jetson-orin-l4t36"), "--json"}, "", k_env);
  const json o = json::parse(orin.out)["labels"];
  EXPECT_EQ(o["torchdoctor.dev/tegra"], "true");
  EXPECT_EQ(o["torchdoctor.dev/l4t.release"], "36.4");
  EXPECT_EQ(o["torchdoctor.dev/gpu.sm.87"], "true");
}

TEST(K8sLabels, OutputFileIsReplacedAtomically) {
  const fs::path dir = scratch("features.d");
  const fs::path file = dir / "torchdoctor";
  std::ofstream(file) << "old=1\n";
  const auto res =
      run_td({"k8s", "labels", "--root", fixture_root("x86-nvidia-open"), "--output", file.string()}, "", k_env);
  ASSERT_EQ(res.code, 0) << res.err;
  const auto direct = run_td({"k8s", "labels", "--root", fixture_root("x86-nvidia-open")}, "", k_env);
  std::ifstream in(file);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, direct.out);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1U) << "no temporary file is left beside it";
  const auto bad = run_td({"k8s", "labels", "--no-probe", "--every", "60"}, "", k_env);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--output"), std::string::npos) << bad.err;
  const auto nowhere =
      run_td({"k8s", "labels", "--root", fixture_root("x86-nvidia-open"), "--output", "/nonexistent/dir/f"}, "", k_env);
  EXPECT_NE(nowhere.code, 0);
  EXPECT_NE(nowhere.err.find("/nonexistent/dir"), std::string::npos) << nowhere.err;
}

TEST(K8sAffinity, SelectsExactlyTheNodesWhereFleetSaysTheImageRuns) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3 with PyYAML is not installed (scripts/test.sh installs python3-yaml)";
  const fs::path snaps = fixture_fleet();
  // Each node's labels, plus the arch label the kubelet sets.
  std::map<std::string, std::map<std::string, std::string>> labels;
  std::map<std::string, std::string> node_of_file;
  for (const auto& r : k_roots) {
    const auto res = run_td({"k8s", "labels", "--host", (snaps / (r + ".json")).string(), "--json"}, "", k_env);
    ASSERT_EQ(res.code, 0) << res.err;
    auto l = json::parse(res.out)["labels"].get<std::map<std::string, std::string>>();
    const json host = json::parse(std::ifstream(snaps / (r + ".json")));
    const std::string machine = host["cpu"]["arch"]["value"];
    l["kubernetes.io/arch"] = machine == "x86_64" ? "amd64" : "arm64";
    labels[host["hostname"]["value"].get<std::string>()] = l;
  }
  const std::vector<std::string> images{"pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime",
                                        "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime",
                                        "pytorch/pytorch:2.1.0-cuda11.8-cudnn8-runtime",
                                        "nvcr.io/nvidia/l4t-pytorch:r35.2.1-pth2.0-py3",
                                        "dustynv/pytorch:2.7-r36.4.0",
                                        "nvcr.io/nvidia/pytorch:25.12-py3"};
  int selected = 0;
  for (const auto& image : images) {
    const auto f = run_td({"fleet", snaps.string(), "--offline", "--json", "--image", image}, "", k_env);
    const json fleet = json::parse(f.out, nullptr, false);
    ASSERT_FALSE(fleet.is_discarded()) << f.out << f.err;
    std::map<std::string, bool> runs;
    for (const auto& n : fleet["nodes"])
      runs[n["name"]] = fleet["images"][0]["profiles"][n["profile"].get<std::size_t>()]["verdict"] == "runs";
    const auto a = run_td({"k8s", "affinity", "--offline", image}, "", k_env);
    ASSERT_EQ(a.code, 0) << a.err;
    const json doc = yaml_to_json(a.out);
    ASSERT_TRUE(doc.is_object()) << a.out;
    const json& terms =
        doc["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    ASSERT_GE(terms.size(), 1U) << a.out;
    ASSERT_LE(terms.size(), 2U) << a.out;  // the second: nodes that run it through minor-version compatibility
    EXPECT_EQ(doc["resources"]["limits"]["nvidia.com/gpu"], 1);
    for (const auto& [node, l] : labels) {
      ASSERT_TRUE(runs.count(node)) << node;
      bool selected_here = false;  // node selector terms are ORed
      for (const auto& t : terms) selected_here = selected_here || selects(t["matchExpressions"], l);
      EXPECT_EQ(selected_here, runs[node]) << image << " on " << node << "\n" << a.out;
      selected += runs[node] ? 1 : 0;
    }
  }
  EXPECT_GT(selected, 1) << "some image runs somewhere, or the comparison proves little";
}

TEST(K8sManifests, ValidAgainstTheKubernetesSchemas) {
  const std::string v = validator();
  if (v.empty()) GTEST_SKIP() << "kubernetes-validate is not in .venv (scripts/setup-python.sh installs it)";
  const fs::path dir = scratch("manifests");
  // The Pod run-command writes, and the same Pod with the affinity and resources merged in.
  const auto pod = run_td({"run-command", "--root", fixture_root("x86-nvidia-proprietary"), "--no-check", "--engine",
                           "k8s", "--user", "1000:1000", "--jupyter", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"},
                          "", k_env);
  ASSERT_EQ(pod.code, 0) << pod.err;
  std::ofstream(dir / "pod.yaml") << pod.out;
  const auto aff =
      run_td({"k8s", "affinity", "--offline", "--json", "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime"}, "", k_env);
  std::ofstream(dir / "affinity.json") << aff.out;
  const std::string merge =
      "/usr/bin/python3 -c 'import json,sys,yaml; p=yaml.safe_load(open(sys.argv[1])); a=json.load(open(sys.argv[2])); "
      "p[\"spec\"][\"affinity\"]=a[\"affinity\"]; p[\"spec\"][\"containers\"][0][\"resources\"]=a[\"resources\"]; "
      "yaml.safe_dump(p, open(sys.argv[3], \"w\"))' " +
      (dir / "pod.yaml").string() + " " + (dir / "affinity.json").string() + " " + (dir / "placed.yaml").string();
  ASSERT_EQ(std::system(merge.c_str()), 0);
  for (const fs::path& m : {fs::path(TD_SOURCE_DIR) / "deploy/daemonset.yaml", dir / "pod.yaml", dir / "placed.yaml"}) {
    const std::string out = capture(v + " --strict " + m.string() + " 2>&1; echo rc=$?");
    EXPECT_NE(out.find("rc=0"), std::string::npos) << m << ":\n" << out;
    EXPECT_NE(out.find("passed"), std::string::npos) << out;
  }
  // And the validator does reject a broken one, so the passes mean something.
  std::ofstream(dir / "broken.yaml") << "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - "
                                        "name: x\n      image: 5\n      stdin: maybe\n";
  const std::string out = capture(v + " --strict " + (dir / "broken.yaml").string() + " 2>&1; echo rc=$?");
  EXPECT_EQ(out.find("rc=0"), std::string::npos) << out;
}

TEST(Fleet, BadSnapshotsAreReportedWithTheirLineAndTheRestIsJudged) {
  const fs::path snaps = fixture_fleet();
  const fs::path dir = scratch("lines");
  std::string good;
  for (const char* r : {"x86-nvidia-open", "x86-nvidia-proprietary"})
    good += json::parse(std::ifstream(snaps / (std::string(r) + ".json"))).dump() + "\n";
  const std::string a100 = json::parse(std::ifstream(snaps / "x86-nvidia-proprietary.json")).dump();
  std::ofstream(dir / "nodes.jsonl") << good                                     // lines 1, 2
                                     << a100.substr(0, a100.size() / 2) << "\n"  // 3: truncated
                                     << R"({"schema": "torchdoctor.host/v9"})"
                                     << "\n"           // 4: another schema
                                     << a100 << "\n";  // 5: duplicate node
  const auto r = run_td({"fleet", (dir / "nodes.jsonl").string(), "--offline", "--json", "--image",
                         "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime"},
                        "", k_env);
  EXPECT_EQ(r.code, 1) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["nodes"].size(), 2U);
  ASSERT_EQ(j["problems"].size(), 3U) << j["problems"].dump(2);
  EXPECT_NE(j["problems"][0]["input"].get<std::string>().find("nodes.jsonl:3"), std::string::npos);
  EXPECT_EQ(j["problems"][0]["message"].get<std::string>().rfind("malformed JSON (byte ", 0), 0U) << j["problems"][0];
  EXPECT_NE(j["problems"][1]["input"].get<std::string>().find("nodes.jsonl:4"), std::string::npos);
  EXPECT_NE(j["problems"][1]["message"].get<std::string>().find("v9"), std::string::npos) << j["problems"][1];
  EXPECT_NE(j["problems"][2]["message"].get<std::string>().find("already read"), std::string::npos);
  EXPECT_NE(r.err.find("nodes.jsonl:3"), std::string::npos) << r.err;
  // Nothing readable at all is bad input.
  std::ofstream(dir / "junk.jsonl") << "{\n";
  EXPECT_EQ(run_td({"fleet", (dir / "junk.jsonl").string()}, "", k_env).code, 2);
  EXPECT_EQ(run_td({"fleet", "/nonexistent/snapshots"}, "", k_env).code, 2);
}

TEST(Fleet, StdinAndCsv) {
  const fs::path snaps = fixture_fleet();
  std::string lines;
  for (const auto& r : k_roots) lines += json::parse(std::ifstream(snaps / (r + ".json"))).dump() + "\n";
  const auto r = run_td({"fleet", "-", "--offline", "--format", "csv", "--image",
                         "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime", "--image", "dustynv/pytorch:2.7-r36.4.0"},
                        lines, k_env);
  EXPECT_EQ(r.code, 1) << r.err;
  std::istringstream in(r.out);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "node,image,verdict,reasons");
  std::size_t rows = 0;
  std::size_t runs = 0;
  for (std::string line; std::getline(in, line); ++rows) runs += line.find(",runs,") != std::string::npos ? 1 : 0;
  EXPECT_EQ(rows, k_roots.size() * 2);
  EXPECT_EQ(runs, 3U) << r.out
                      << "\n(the RTX 5090 runs the cu128 image, the A100 on driver 535 too through CUDA minor-version "
                         "compatibility as `image` says, the Orin Nano the r36.4 image)";
}

// --json is one compact torchdoctor.fleet/v2 document (reasons once in a table, nodes by profile);
// --format jsonl says the same thing one node per line; --output writes either atomically.
TEST(Fleet, CompactJsonJsonLinesAndOutputAgree) {
  const fs::path snaps = fixture_fleet();
  const std::vector<std::string> images{"pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime", "dustynv/pytorch:2.7-r36.4.0",
                                        "pytorch/pytorch:2.1.0-cuda11.8-cudnn8-runtime"};
  std::vector<std::string> args{"fleet", snaps.string(), "--offline"};
  for (const auto& i : images) args.insert(args.end(), {"--image", i});
  auto with = [&](std::vector<std::string> extra) {
    auto a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_td(a, "", k_env);
  };
  const auto j = with({"--json"});
  EXPECT_EQ(j.code, 1) << j.err;
  ASSERT_EQ(std::count(j.out.begin(), j.out.end(), '\n'), 1) << "compact: one line";
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["schema"], "torchdoctor.fleet/v2");
  ASSERT_EQ(doc["images"].size(), images.size());
  ASSERT_EQ(doc["nodes"].size(), k_roots.size());
  const std::size_t profiles = doc["profiles"].get<std::size_t>();
  // node -> image -> verdict and codes, from the document.
  std::map<std::string, std::vector<std::pair<std::string, std::set<std::string>>>> from_json;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const json& img = doc["images"][i];
    ASSERT_EQ(img["profiles"].size(), profiles);
    std::size_t runs = 0;
    for (const auto& n : doc["nodes"]) {
      const json& p = img["profiles"][n["profile"].get<std::size_t>()];
      std::set<std::string> codes;
      for (const auto& r : p["reasons"]) {
        const json& row = doc["reasons"].at(r.get<std::size_t>());
        EXPECT_EQ(row["image"], i);
        EXPECT_FALSE(row["message"].get<std::string>().empty());
        codes.insert(row["code"].get<std::string>());
      }
      EXPECT_EQ(p["verdict"] == "runs", codes.empty()) << p;
      runs += p["verdict"] == "runs" ? 1 : 0;
      from_json[n["name"]].emplace_back(p["verdict"].get<std::string>(), codes);
    }
    EXPECT_EQ(img["runs"], runs);
    EXPECT_EQ(img["runs"].get<std::size_t>() + img["does_not_run"].get<std::size_t>() +
                  img["undetermined"].get<std::size_t>(),
              k_roots.size());
  }
  // Each (image, code, message) once.
  std::set<std::string> rows;
  for (const auto& r : doc["reasons"]) EXPECT_TRUE(rows.insert(r.dump()).second) << r;

  const auto l = with({"--format", "jsonl"});
  EXPECT_EQ(l.code, 1) << l.err;
  std::istringstream in(l.out);
  std::vector<json> recs;
  for (std::string line; std::getline(in, line);) recs.push_back(json::parse(line));
  ASSERT_EQ(recs.size(), k_roots.size() + 2);
  EXPECT_EQ(recs.front()["record"], "fleet");
  EXPECT_EQ(recs.front()["schema"], "torchdoctor.fleet-lines/v1");
  EXPECT_EQ(recs.back()["record"], "end");
  EXPECT_EQ(recs.back()["exit_code"], 1);
  const json& table = recs.front()["reasons"];
  for (std::size_t k = 1; k + 1 < recs.size(); ++k) {
    const json& r = recs[k];
    ASSERT_EQ(r["record"], "node");
    const std::string name = r["node"]["name"];
    ASSERT_TRUE(from_json.count(name)) << name;
    std::size_t runs = 0;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const std::string key = std::to_string(i);
      std::string verdict = "runs";
      std::set<std::string> codes;
      for (const char* v : {"does_not_run", "undetermined"}) {
        if (!r[v].contains(key)) continue;
        verdict = std::string(v) == "does_not_run" ? "does-not-run" : "undetermined";
        for (const auto& x : r[v][key]) codes.insert(table.at(x.get<std::size_t>())["code"].get<std::string>());
      }
      runs += verdict == "runs" ? 1 : 0;
      EXPECT_EQ(verdict, from_json[name][i].first) << name << " " << images[i];
      EXPECT_EQ(codes, from_json[name][i].second) << name << " " << images[i];
    }
    EXPECT_EQ(r["runs"], runs);
  }

  const fs::path dir = scratch("output");
  const auto o = with({"--json", "--output", (dir / "fleet.json").string()});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  std::ifstream f(dir / "fleet.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f), {}), j.out);
  // A folder is never replaced.
  fs::create_directories(dir / "taken");
  const auto d = with({"--json", "--output", (dir / "taken").string()});
  EXPECT_EQ(d.code, 2) << d.err;
  EXPECT_TRUE(fs::is_directory(dir / "taken"));
}
