// One host, one policy (docs/policy.md): every command judges the same host the same way, and an
// unknown is never "ok". Regression tests for each defect of that issue, then a cross-command
// matrix: hosts (what-if flags and fixture roots) x images, through doctor, recommend, image,
// run-command and fleet.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "run_binary.hpp"
#include "torchdoctor/engine/k8s.hpp"

using nlohmann::json;
using td::test::fixture_root;
using td::test::run_td;
namespace fs = std::filesystem;

namespace {

const std::string k_cache = "XDG_CACHE_HOME=/tmp/td-one-policy-empty-cache";

json parse(const td::test::RunResult& r) {
  auto j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

std::set<std::string> codes_of(const json& reasons) {
  std::set<std::string> out;
  for (const auto& r : reasons) out.insert(r["code"].get<std::string>());
  return out;
}

// `image --offline --json` for one reference on a host given as arguments.
json image_offline(const std::vector<std::string>& host, const std::string& ref, int* code = nullptr) {
  std::vector<std::string> args{"image", "--offline", "--json"};
  args.insert(args.end(), host.begin(), host.end());
  args.push_back(ref);
  const auto r = run_td(args, "", {k_cache});
  if (code != nullptr) *code = r.code;
  return parse(r)["images"][0];
}

}  // namespace

TEST(OnePolicy, GpuNamesMeanTheSameInEveryCommand) {
  int code = -1;
  const auto img = image_offline({"--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "570.86.15"},
                                 "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", &code);
  EXPECT_NE(code, 2);
  EXPECT_EQ(img["status"], "ok") << img.dump(2);
  const auto aff =
      run_td({"k8s", "affinity", "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", "--offline", "--gpu", "RTX 4090"}, "",
             {k_cache});
  EXPECT_NE(aff.code, 2) << aff.err;
}

TEST(OnePolicy, TheDriversCudaLevelIsDerivedForImagesToo) {
  // 550.54.15 is CUDA 12.4: a CUDA 12.8 image runs through minor-version compatibility, as the
  // wheel does in the doctor; and the driver is never "unknown".
  const auto img = image_offline({"--no-probe", "--arch", "x86_64", "--gpu", "8.9", "--driver", "550.54.15"},
                                 "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime");
  const auto c = codes_of(img["reasons"]);
  EXPECT_TRUE(c.count("MINOR_VERSION_COMPAT")) << img.dump(2);
  EXPECT_FALSE(c.count("UNKNOWN_DRIVER") || c.count("REQUIRE_UNKNOWN")) << img.dump(2);
}

TEST(OnePolicy, CudaDriverAloneStandsForADriverOfThatLevel) {
  const auto r =
      run_td({"--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--cuda-driver", "12.2", "--json"}, "", {k_cache});
  const auto doc = parse(r);
  for (const auto& check : doc["checks"]) EXPECT_FALSE(codes_of(check["reasons"]).count("NO_DRIVER")) << check.dump(2);
}

TEST(OnePolicy, AnNgcImageNeedsADriverForItsCuda) {
  // 25.12 is CUDA 13.1: driver 550 (CUDA 12.4) cannot run it on a GeForce card.
  int code = -1;
  auto img = image_offline({"--no-probe", "--arch", "x86_64", "--gpu", "8.9", "--driver", "550.54.15"},
                           "nvcr.io/nvidia/pytorch:25.12-py3", &code);
  EXPECT_EQ(code, 1) << img.dump(2);
  EXPECT_TRUE(codes_of(img["reasons"]).count("DRIVER_TOO_OLD")) << img.dump(2);
  // On a data-center GPU forward compatibility may apply; the KB lists no branches for 25.12: undetermined.
  img = image_offline({"--no-probe", "--arch", "x86_64", "--gpu", "H100 PCIe", "--driver", "550.54.15"},
                      "nvcr.io/nvidia/pytorch:25.12-py3", &code);
  EXPECT_EQ(code, 3) << img.dump(2);
  EXPECT_TRUE(codes_of(img["reasons"]).count("FORWARD_COMPAT")) << img.dump(2);
}

TEST(OnePolicy, UnknownGpusLeaveACudaImageUndetermined) {
  // A driver but no GPU names: `image` said OK (exit 0) where fleet said undetermined.
  int code = -1;
  const std::vector<std::string> host{"--no-probe", "--arch", "x86_64", "--driver", "570.86.15"};
  const auto img = image_offline(host, "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", &code);
  EXPECT_EQ(code, 3) << img.dump(2);
  EXPECT_EQ(img["status"], "undetermined") << img.dump(2);
  EXPECT_TRUE(codes_of(img["reasons"]).count("UNKNOWN_GPU")) << img.dump(2);
  const auto ngc = image_offline(host, "nvcr.io/nvidia/pytorch:25.12-py3", &code);
  EXPECT_NE(ngc["status"], "ok") << ngc.dump(2);
}

TEST(OnePolicy, FleetNamesReasonsAsImageDoes) {
  // fleet said GPU_ARCH_MISSING where image says GPU_TOO_OLD (a GPU older than every kernel), and
  // NO_DRIVER ("no driver is loaded") for a driver that is only unknown.
  const std::string dir = (fs::temp_directory_path() / ("td-one-policy-codes-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/pascal.json") << run_td({"probe", "--json", "--no-probe", "--arch", "x86_64", "--gpu",
                                                 "GTX 1080 Ti", "--driver", "580.95.05"},
                                                "", {k_cache})
                                             .out;
  std::ofstream(dir + "/nothing.json")
      << run_td({"probe", "--json", "--no-probe", "--arch", "x86_64"}, "", {k_cache}).out;
  for (const auto& [snap, code] :
       std::vector<std::pair<std::string, std::string>>{{"pascal", "GPU_TOO_OLD"}, {"nothing", "UNKNOWN_DRIVER"}}) {
    const auto fleet = parse(run_td({"fleet", dir + "/" + snap + ".json", "--offline", "--json", "--image",
                                     "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"},
                                    "", {k_cache}));
    std::set<std::string> codes;
    for (const auto& r : fleet["reasons"]) codes.insert(r["code"].get<std::string>());
    EXPECT_TRUE(codes.count(code)) << snap << ": " << fleet.dump();
    EXPECT_FALSE(codes.count("NO_DRIVER") || codes.count("GPU_ARCH_MISSING")) << snap << ": " << fleet.dump();
    const auto img =
        image_offline({"--host", dir + "/" + snap + ".json"}, "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime");
    EXPECT_TRUE(codes_of(img["reasons"]).count(code)) << snap << ": " << img.dump(2);
  }
  fs::remove_all(dir);
}

TEST(OnePolicy, AJetsonWhoseGpusWereNotReadHasItsModulesGpu) {
  // L4T 38 alone (no GPU facts): Thor, and its iGPU from the KB, in every command.
  const auto doctor = run_td({"--no-probe", "--arch", "aarch64", "--l4t", "38.2.0"}, "", {k_cache});
  EXPECT_NE(doctor.out.find("GPU 0: Jetson AGX Thor (compute capability 11.0)"), std::string::npos) << doctor.out;
  const auto labels =
      parse(run_td({"k8s", "labels", "--json", "--no-probe", "--arch", "aarch64", "--l4t", "38.2.0"}, "", {k_cache}));
  EXPECT_EQ(labels["labels"]["torchdoctor.dev/gpu.sm.110"], "true") << labels.dump(2);
}

TEST(OnePolicy, AnUnknownArchitectureIsNeverOk) {
  const auto doctor = run_td({"--no-probe", "--gpu", "RTX 4090", "--driver", "570.86.15"}, "", {k_cache});
  EXPECT_EQ(doctor.code, 3) << doctor.out;
  EXPECT_NE(doctor.out.find("[?] Machine: unknown architecture"), std::string::npos) << doctor.out;
  EXPECT_EQ(doctor.out.find("[✓] Machine: unknown"), std::string::npos) << doctor.out;
  int code = -1;
  const auto img = image_offline({"--no-probe", "--gpu", "RTX 4090", "--driver", "570.86.15"},
                                 "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", &code);
  EXPECT_EQ(code, 3) << img.dump(2);
  EXPECT_EQ(img["status"], "undetermined");
  EXPECT_TRUE(codes_of(img["reasons"]).count("UNKNOWN_ARCH"));
}

TEST(OnePolicy, ATreeWithoutExecutablesGetsItsArchitectureFromWhatItHas) {
  const std::string base = (fs::temp_directory_path() / ("td-one-policy-" + std::to_string(::getpid()))).string();
  const auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(base + rel).parent_path());
    std::ofstream(base + rel) << text;
  };
  write("/a/proc/cpuinfo",
        "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd\nCPU architecture: 8\nCPU part\t: 0xd08\n");
  write("/b/etc/nv_tegra_release",
        "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC "
        "2023\n");
  write("/c/proc/cpuinfo",
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\nflags\t\t: fpu vme de pse tsc msr pae lm avx\n");
  for (const auto& [dir, arch, source] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"/a", "aarch64", "file:/proc/cpuinfo"},
                                                                      {"/b", "aarch64", "file:/etc/nv_tegra_release"},
                                                                      {"/c", "x86_64", "file:/proc/cpuinfo"}}) {
    const auto doc = parse(run_td({"probe", "--root", base + dir, "--json"}));
    EXPECT_EQ(doc["cpu"]["arch"]["value"], arch) << dir;
    EXPECT_EQ(doc["cpu"]["arch"]["source"], source) << dir;
  }
  fs::remove_all(base);
}

TEST(OnePolicy, DriverBranchesThatDroppedAGenerationFailItsGpus) {
  for (const auto& [gpu, driver, branch] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GTX 1080 Ti", "590.44.01", "R580"}, {"Tesla K80", "580.65.06", "R470"}}) {
    const auto r = run_td({"--no-probe", "--arch", "x86_64", "--gpu", gpu, "--driver", driver}, "", {k_cache});
    EXPECT_EQ(r.code, 1) << gpu << r.out;
    EXPECT_NE(r.out.find("DRIVER_DROPPED_GPU"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(branch + " is the last driver branch"), std::string::npos) << r.out;
  }
  // The last branch itself is fine.
  const auto ok =
      run_td({"--no-probe", "--arch", "x86_64", "--gpu", "GTX 1080 Ti", "--driver", "580.95.05"}, "", {k_cache});
  EXPECT_EQ(ok.out.find("DRIVER_DROPPED_GPU"), std::string::npos) << ok.out;
}

TEST(OnePolicy, OfflineAnUnlistedTagIsUndeterminedAndPytorchImagesNeverFitAJetson) {
  int code = -1;
  const auto img = image_offline({"--no-probe", "--arch", "x86_64", "--gpu", "8.9", "--driver", "570.86.15"},
                                 "pytorch/pytorch:2.8-cuda12.1-cudnn8-runtime", &code);
  EXPECT_NE(code, 0) << img.dump(2);
  EXPECT_NE(img["status"], "ok");
  // fleet: pytorch/pytorch:latest offline on a Jetson, a Pi and an x86 server is not "runs on 3 of 3".
  const std::string dir = (fs::temp_directory_path() / ("td-one-policy-fleet-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  for (const std::string root : {"jetson-orin-l4t36", "raspberry-pi-4", "x86-nvidia-proprietary"}) {
    std::ofstream(dir + "/" + root + ".json") << run_td({"probe", "--root", fixture_root(root), "--json"}).out;
  }
  const auto fleet = run_td({"fleet", dir, "--image", "pytorch/pytorch:latest", "--offline", "--json"}, "", {k_cache});
  const auto doc = parse(fleet);
  EXPECT_EQ(doc["images"][0]["runs"], 0) << fleet.out;
  EXPECT_NE(fleet.code, 0);
  bool jetson_not_for_tegra = false;
  for (const auto& n : doc["nodes"]) {
    if (n["name"] != "orin-nano") continue;
    for (const auto& i : doc["images"][0]["profiles"][n["profile"].get<std::size_t>()]["reasons"]) {
      jetson_not_for_tegra = jetson_not_for_tegra || doc["reasons"][i.get<std::size_t>()]["code"] == "NOT_FOR_TEGRA";
    }
  }
  EXPECT_TRUE(jetson_not_for_tegra) << fleet.out;
  fs::remove_all(dir);
}

// The matrix: for each host, doctor and recommend name the same best wheel and image, and the best
// image passes `image` and `run-command` there; for each image, `image`, `fleet` and `k8s affinity`
// (against the host's `k8s labels`) agree on whether it runs, does not run, or is undetermined, and
// `image` and `fleet` on why not.
TEST(OnePolicy, EveryCommandAgreesOnEveryHost) {
  const std::vector<std::vector<std::string>> hosts{
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "550.54.15"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--driver", "570.86.15"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 5090", "--driver", "570.86.15"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 5090", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "A100", "--driver", "535.104.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "H100 PCIe", "--driver", "550.54.15"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "B200", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "GTX 1080 Ti", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "V100", "--driver", "525.60.13"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "T4", "--driver", "470.82.01"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "T4", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "aarch64", "--gpu", "GH200", "--driver", "570.86.15"},
      {"--no-probe", "--arch", "aarch64", "--gpu", "GH200", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64"},
      {"--no-probe", "--arch", "aarch64"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "A100", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 3090", "--driver", "535.104.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "L4", "--driver", "570.86.15"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "L40S", "--driver", "580.95.05"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "Tesla K80", "--driver", "470.82.01"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 5090", "--driver", "590.44.01"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "H100 PCIe", "--driver", "590.44.01"},
      {"--no-probe", "--arch", "x86_64", "--gpu", "RTX 4090", "--cuda-driver", "12.2"},
      {"--no-probe", "--arch", "aarch64", "--l4t", "36.4.3"},
      {"--no-probe", "--arch", "aarch64", "--l4t", "35.4.1"},
      {"--no-probe", "--arch", "aarch64", "--l4t", "32.7.4"},
      {"--no-probe", "--arch", "aarch64", "--l4t", "38.2.0"},
      {"--root", fixture_root("x86-nvidia-proprietary")},
      {"--root", fixture_root("x86-nvidia-open")},
      {"--root", fixture_root("x86-server-nogpu")},
      {"--root", fixture_root("jetson-orin-l4t36")},
      {"--root", fixture_root("jetson-orin-l4t35")},
      {"--root", fixture_root("jetson-nano-l4t32")},
      {"--root", fixture_root("jetson-thor-l4t38")},
      {"--root", fixture_root("raspberry-pi-4")},
      {"--root", fixture_root("inside-container")},
      {"--root", fixture_root("wsl2")},
  };
  const std::vector<std::string> images{
      "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime",
      "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime",
      "pytorch/pytorch:2.7.1-cuda11.8-cudnn9-runtime",
      "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime",
      "pytorch/pytorch:latest",
      "nvcr.io/nvidia/pytorch:25.12-py3",
      "nvcr.io/nvidia/pytorch:25.10-py3",
      "nvcr.io/nvidia/pytorch:26.07-py3",
      "pytorch/pytorch:2.8-cuda12.1-cudnn8-runtime",
      "pytorch/pytorch:2.14.0-cuda13.0-cudnn9-runtime",
      "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
      "pytorch/pytorch:2.10.0-cuda12.6-cudnn9-runtime",
  };
  // Each image's affinity once (it does not depend on the host): exit code, document, and stderr
  // (where it names what it could not constrain).
  struct Affinity {
    int code;
    json doc;
    std::string err;
  };
  std::vector<Affinity> affinities;
  for (const auto& i : images) {
    const auto a = run_td({"k8s", "affinity", i, "--offline", "--json"}, "", {k_cache});
    affinities.push_back({a.code, a.code == 0 ? parse(a) : json(), a.err});
  }
  const std::string dir = (fs::temp_directory_path() / ("td-one-policy-matrix-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  std::size_t n = 0;
  for (const auto& host : hosts) {
    SCOPED_TRACE(json(host).dump());
    auto with = [&host](std::vector<std::string> args) {
      args.insert(args.end(), host.begin(), host.end());
      return args;
    };
    // doctor and recommend: the same best wheel and image.
    const auto doctor = parse(run_td(with({"doctor", "--json"}), "", {k_cache}));
    const auto rec = parse(run_td(with({"recommend", "--json"}), "", {k_cache}));
    EXPECT_EQ(doctor["recommendation"]["best"], rec["best"]);
    // The best image passes `image` and `run-command` for this host.
    if (rec["best"].contains("image") && rec["best"]["image"].is_object()) {
      const std::string best = rec["best"]["image"]["ref"];
      int code = -1;
      const auto img = image_offline(host, best, &code);
      EXPECT_FALSE(img["status"] == "problem") << best << " " << img.dump(2);
      const auto run = run_td(with({"run-command", "--offline", "--json", best}), "", {k_cache});
      const auto rj = parse(run);
      EXPECT_NE(rj["image_check"]["status"], "problem") << best << " " << rj["image_check"].dump(2);
    }
    // image vs fleet, per image, on this host's snapshot.
    const std::string snap = dir + "/host" + std::to_string(n++) + ".json";
    {
      auto p = run_td(with({"probe", "--json"}), "", {k_cache});
      std::ofstream(snap) << p.out;
    }
    std::vector<std::string> fleet_args{"fleet", snap, "--offline", "--json"};
    for (const auto& i : images) fleet_args.insert(fleet_args.end(), {"--image", i});
    const auto fleet = parse(run_td(fleet_args, "", {k_cache}));
    // The node's labels as the DaemonSet would write them, with the kubelet's architecture label.
    std::map<std::string, std::string> labels =
        parse(run_td({"k8s", "labels", "--host", snap, "--json"}, "", {k_cache}))["labels"];
    if (fleet["nodes"][0]["arch"].is_string()) labels["kubernetes.io/arch"] = fleet["nodes"][0]["arch"];
    for (std::size_t i = 0; i < images.size(); ++i) {
      SCOPED_TRACE(images[i]);
      const auto img = image_offline({"--host", snap}, images[i]);
      const auto& f = fleet["images"][i];
      const std::string fleet_verdict = f["runs"] == 1           ? "runs"
                                        : f["does_not_run"] == 1 ? "does-not-run"
                                                                 : "undetermined";
      const std::string status = img["status"];
      const std::string image_verdict = status == "ok" ? "runs" : status == "problem" ? "does-not-run" : "undetermined";
      EXPECT_EQ(image_verdict, fleet_verdict) << "\nimage: " << img["reasons"].dump() << "\nfleet: " << f.dump();
      // Why: each code fleet gives is one `image` gives (where it does not run, its definite codes:
      // fleet also lists what it could not tell beside them, image stops at the first that decides).
      const auto image_codes = codes_of(img["reasons"]);
      std::set<std::string> fleet_codes;
      for (const auto& p : f["profiles"]) {
        for (const auto& r : p["reasons"]) fleet_codes.insert(fleet["reasons"][r.get<std::size_t>()]["code"]);
      }
      if (fleet_verdict == "undetermined") {
        // Every unknown fleet names, image names too.
        for (const auto& c : fleet_codes)
          EXPECT_TRUE(image_codes.count(c)) << c << "\nimage: " << img["reasons"].dump() << "\nfleet: " << f.dump();
      } else if (fleet_verdict == "does-not-run") {
        // image stops at the first reason that decides; fleet lists every one: they share one.
        bool shared = false;
        for (const auto& r : img["reasons"])
          shared = shared || (r["severity"] == "error" && fleet_codes.count(r["code"].get<std::string>()));
        EXPECT_TRUE(shared) << "\nimage: " << img["reasons"].dump() << "\nfleet: " << f.dump();
      }
      // k8s affinity: selects this node exactly when the image runs here; where that is
      // undetermined it is refused (exit 3) or names what it could not constrain.
      const auto& a = affinities[i];
      bool selected = false;
      if (a.code == 0) {
        for (const auto& term :
             a.doc["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"])
          selected = selected || td::match_expressions(term["matchExpressions"], labels);
      }
      if (image_verdict == "runs") {
        EXPECT_TRUE(a.code == 0 && selected) << "affinity (exit " << a.code << ") does not select a node it runs on\n"
                                             << json(labels).dump();
      } else if (image_verdict == "does-not-run") {
        EXPECT_FALSE(selected) << "affinity selects a node it does not run on\n" << json(labels).dump();
      } else {
        EXPECT_TRUE(a.code == 3 || !selected || a.err.find("unknown:") != std::string::npos)
            << "undetermined here, yet the affinity selects the node and names no unknown";
      }
    }
  }
  fs::remove_all(dir);
}

TEST(OnePolicy, Wsl2HasAGpuNobodyCountedNotNone) {
  const auto probe = parse(run_td({"probe", "--root", fixture_root("wsl2"), "--json"}));
  EXPECT_TRUE(probe["gpus"]["value"].is_null()) << probe["gpus"].dump();
  EXPECT_NE(probe["gpus"]["note"].get<std::string>().find("WSL2"), std::string::npos);
  const auto doctor = run_td({"--root", fixture_root("wsl2")}, "", {k_cache});
  EXPECT_EQ(doctor.out.find("no NVIDIA GPU"), std::string::npos) << doctor.out;
  EXPECT_EQ(doctor.out.find("+cpu"), std::string::npos) << "a CPU wheel is no answer for a GPU nobody counted\n"
                                                        << doctor.out;
  const auto rec = run_td({"recommend", "--root", fixture_root("wsl2"), "--json"}, "", {k_cache});
  const auto j = parse(rec);
  EXPECT_FALSE(j["best"]["wheel"].is_object() && j["best"]["wheel"]["variant"] == "cpu") << rec.out;
}

TEST(OnePolicy, A32BitArmUserlandIsToldThereIsNoTorchForIt) {
  const auto r = run_td({"--no-probe", "--arch", "armv7l"}, "", {k_cache});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("ARCH_UNSUPPORTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("64-bit OS"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("No problems found"), std::string::npos) << r.out;
}

TEST(OnePolicy, MarkdownIsAFormatOfEveryReportingCommand) {
  const std::vector<std::vector<std::string>> commands{
      {"doctor", "--no-probe", "--arch", "x86_64", "--format", "markdown"},
      {"recommend", "--no-probe", "--arch", "x86_64", "--format", "markdown"},
      {"explain", "--no-probe", "--arch", "x86_64", "--format", "markdown",
       "RuntimeError: Found no NVIDIA driver on your system."},
      {"probe", "--no-probe", "--arch", "x86_64", "--format", "markdown"}};
  for (const auto& args : commands) {
    const auto r = run_td(args, "", {k_cache});
    EXPECT_EQ(r.out.rfind("## torchdoctor", 0), 0U) << args[0] << "\n" << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << args[0];
  }
}

TEST(OnePolicy, TimeoutMeansTheSameInEveryCommand) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"probe", "--no-probe", "--timeout", "5000"},
        std::vector<std::string>{"image", "--offline", "--no-probe", "--timeout", "5000", "pytorch/pytorch:latest"},
        std::vector<std::string>{"run-command", "--offline", "--no-probe", "--timeout", "5000",
                                 "pytorch/pytorch:latest"}}) {
    const auto r = run_td(args, "{}", {k_cache});
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_NE(r.err.find("--timeout '5000': expected seconds between 0 and 3600"), std::string::npos)
        << args[0] << ": " << r.err;
  }
  // What one command accepts, the others accept too (a registry request may be slow: 900 s is allowed).
  const auto img = run_td({"image", "--offline", "--no-probe", "--arch", "x86_64", "--timeout", "900",
                           "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"},
                          "", {k_cache});
  EXPECT_NE(img.code, 2) << img.err;
}

namespace {

const std::string k_redist = "https://developer.download.nvidia.com/compute/redist/";

const json* check_named(const json& doctor, const std::string& name) {
  for (const auto& c : doctor["checks"]) {
    if (c["check"] == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST(OnePolicy, JetsonInstallLinesRunAsPrinted) {
  // JetPack 5.1 (L4T 35.3.1): NVIDIA's torch 2.1.0 wheel, a file on NVIDIA's download server.
  const auto rec =
      parse(run_td({"recommend", "--root", fixture_root("jetson-orin-l4t35"), "--all", "--json"}, "", {k_cache}));
  const auto& w = rec["best"]["wheel"];
  ASSERT_TRUE(w.is_object()) << rec.dump(2);
  // The wheel's own Python's pip: pip refuses a cp38 wheel on any other Python.
  EXPECT_EQ(w["install"], "python3.8 -m pip install " + k_redist +
                              "jp/v512/pytorch/torch-2.1.0a0+41361538.nv23.06-cp38-cp38-linux_aarch64.whl");
  EXPECT_EQ(w["platform"], "Jetson JetPack 5.1");
  // The tree has no Python to read: the pick says which Python the wheel needs.
  EXPECT_TRUE(codes_of(w["reasons"]).count("WHEEL_ONE_PYTHON")) << w.dump(2);
  std::size_t redist = 0;
  for (const auto& c : rec["candidates"]) {
    const std::string install = c["install"];
    // A command, or none (NO_INSTALL_LINK says where to get the wheel): never a placeholder.
    EXPECT_EQ(install.find('<'), std::string::npos) << "a placeholder, not a command: " << install;
    if (install.empty()) {
      EXPECT_TRUE(codes_of(c["reasons"]).count("NO_INSTALL_LINK")) << c.dump(2);
    }
    if (c["variant"] == "jetson:nvidia-redist") {
      ++redist;
      EXPECT_EQ(install.rfind("python3.8 -m pip install " + k_redist + "jp/v", 0), 0U) << install;
    }
    if (c["variant"] == "jetson:nvidia-box" && !install.empty()) {
      EXPECT_EQ(install.rfind("wget -O torch-", 0), 0U) << install;
      EXPECT_NE(install.find(" https://nvidia.box.com/shared/static/"), std::string::npos) << install;
    }
  }
  EXPECT_GT(redist, 0U);
  const auto text = run_td({"recommend", "--root", fixture_root("jetson-orin-l4t35")}, "", {k_cache});
  EXPECT_NE(text.out.find("    python3.8 -m pip install " + k_redist +
                          "jp/v512/pytorch/torch-2.1.0a0+41361538.nv23.06-cp38-cp38-linux_aarch64.whl\n"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("<NVIDIA's"), std::string::npos) << text.out;
}

TEST(OnePolicy, AJetsonWheelForAnotherPythonSaysWhichPythonItIsFor) {
  const auto rec = parse(run_td({"recommend", "--no-probe", "--arch", "aarch64", "--l4t", "35.3.1", "--python-version",
                                 "3.10", "--all", "--json"},
                                "", {k_cache}));
  bool seen = false;
  for (const auto& c : rec["candidates"]) {
    if (c["torch"] != "2.1.0a0+41361538.nv23.06") continue;
    for (const auto& r : c["reasons"]) {
      if (r["code"] != "PYTHON_UNSUPPORTED") continue;
      seen = true;
      const std::string m = r["message"];
      EXPECT_NE(m.find("Python 3.8 (cp38)"), std::string::npos) << m;
      EXPECT_NE(m.find("Python 3.10"), std::string::npos) << m;
    }
  }
  EXPECT_TRUE(seen) << rec.dump(2);
  EXPECT_FALSE(rec["best"]["wheel"].is_object() && rec["best"]["wheel"]["torch"] == "2.1.0a0+41361538.nv23.06")
      << rec.dump(2);
}

TEST(OnePolicy, ThorIsAKnownJetsonWithAKnownGpu) {
  // The Thor devkit's tree: the module from the device tree, its GPU's capability from the KB.
  const auto doctor = parse(run_td({"doctor", "--root", fixture_root("jetson-thor-l4t38"), "--json"}, "", {k_cache}));
  const json* jetson = check_named(doctor, "jetson");
  ASSERT_NE(jetson, nullptr) << doctor.dump(2);
  EXPECT_EQ((*jetson)["title"], "Jetson: Jetson AGX Thor");
  EXPECT_TRUE((*jetson)["reasons"].empty()) << jetson->dump(2);
  const json* gpu = check_named(doctor, "gpu");
  ASSERT_NE(gpu, nullptr) << doctor.dump(2);
  EXPECT_EQ((*gpu)["title"], "GPU 0: NVIDIA Jetson AGX Thor Developer Kit (compute capability 11.0)");
  for (const auto& c : doctor["checks"]) EXPECT_FALSE(codes_of(c["reasons"]).count("UNKNOWN_GPU")) << c.dump(2);
  EXPECT_EQ(doctor["host"]["jetson"]["jetpack"]["value"], "7.0") << doctor["host"]["jetson"].dump(2);
  const auto text = run_td({"--root", fixture_root("jetson-thor-l4t38")}, "", {k_cache});
  EXPECT_EQ(text.out.find("unknown module"), std::string::npos) << text.out;
  // Without a device tree (a snapshot, a container), L4T 38.2 names the module: JetPack 7.0 supports Thor only.
  const auto flags =
      parse(run_td({"doctor", "--no-probe", "--arch", "aarch64", "--l4t", "38.2.1", "--json"}, "", {k_cache}));
  const json* j2 = check_named(flags, "jetson");
  ASSERT_NE(j2, nullptr) << flags.dump(2);
  EXPECT_EQ((*j2)["title"], "Jetson: Jetson AGX Thor");
  // NVML's name for Thor's GPU is a KB alias: compute capability 11.0.
  const auto nvml =
      parse(run_td({"doctor", "--no-probe", "--arch", "aarch64", "--l4t", "38.2.1", "--gpu", "NVIDIA Thor", "--json"},
                   "", {k_cache}));
  const json* g2 = check_named(nvml, "gpu");
  ASSERT_NE(g2, nullptr) << nvml.dump(2);
  EXPECT_NE((*g2)["title"].get<std::string>().find("compute capability 11.0"), std::string::npos) << g2->dump(2);
}

TEST(OnePolicy, AnUnknownJetsonModuleIsNoCheckmark) {
  // L4T 36.4 runs on every Orin module: without a device tree the module is not known.
  const auto r = run_td({"doctor", "--no-probe", "--arch", "aarch64", "--l4t", "36.4.3", "--json"}, "", {k_cache});
  const auto doctor = parse(r);
  const json* jetson = check_named(doctor, "jetson");
  ASSERT_NE(jetson, nullptr) << doctor.dump(2);
  EXPECT_TRUE(codes_of((*jetson)["reasons"]).count("UNKNOWN_MODULE")) << jetson->dump(2);
  EXPECT_FALSE((*jetson)["ok"].get<bool>());
  const auto text = run_td({"doctor", "--no-probe", "--arch", "aarch64", "--l4t", "36.4.3"}, "", {k_cache});
  EXPECT_EQ(text.out.find("[✓] Jetson: unknown module"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[?] Jetson: unknown module"), std::string::npos) << text.out;
}

TEST(OnePolicy, RecommendIsConciseByDefault) {
  const std::vector<std::string> host{"recommend", "--no-probe", "--arch", "x86_64",   "--python-version", "3.12",
                                      "--glibc",   "2.35",       "--gpu",  "RTX 4090", "--driver",         "550.54.15"};
  const auto plain = run_td(host, "", {k_cache});
  auto with = host;
  with.push_back("--verbose");
  const auto verbose = run_td(with, "", {k_cache});
  const auto j = parse(run_td(
      [&] {
        auto a = host;
        a.push_back("--json");
        return a;
      }(),
      "", {k_cache}));
  ASSERT_FALSE(j["candidates"].empty()) << j.dump(2);
  // The best picks, each labelled with its platform.
  EXPECT_NE(plain.out.find("torch " + j["best"]["wheel"]["torch"].get<std::string>() + "+" +
                           j["best"]["wheel"]["variant"].get<std::string>() + "  (linux/amd64)"),
            std::string::npos)
      << plain.out;
  // Rejections: one line per code, not one paragraph per candidate; sourcing notes only with --verbose.
  std::set<std::string> codes;
  for (const auto& c : j["candidates"]) {
    for (const auto& r : c["reasons"]) {
      if (r["severity"] != "info") codes.insert(r["code"].get<std::string>());
    }
  }
  const auto section = plain.out.substr(plain.out.find("by reason"));
  for (const auto& code : codes) {
    const auto at = section.find("  " + code + " (");
    EXPECT_NE(at, std::string::npos) << code << "\n" << plain.out;
    EXPECT_EQ(section.find("  " + code + " (", at + 1), std::string::npos) << code << " twice\n" << plain.out;
  }
  EXPECT_EQ(plain.out.find("KB_UNCONFIRMED"), std::string::npos) << plain.out;
  EXPECT_LT(plain.out.size(), verbose.out.size());
  EXPECT_NE(verbose.out.find("KB_UNCONFIRMED"), std::string::npos) << verbose.out;
  // The minimum driver beside the full-support one: in the best pick's finding, and in the fix of a
  // build the driver is too old for (CUDA 13: 580.65.06 through minor-version compatibility).
  EXPECT_NE(plain.out.find("MINOR_VERSION_COMPAT"), std::string::npos) << plain.out;
  const auto too_old = section.find("  DRIVER_TOO_OLD (");
  ASSERT_NE(too_old, std::string::npos) << plain.out;
  const auto fix = section.substr(too_old, section.find('\n', section.find("→", too_old)) - too_old);
  EXPECT_NE(
      fix.find("→ update the NVIDIA driver to >= 580.65.06 (runs it through CUDA minor-version compatibility; >= "),
      std::string::npos)
      << fix;
  EXPECT_NE(fix.find(" for full support)"), std::string::npos) << fix;
  // --all still lists every candidate.
  auto all = host;
  all.push_back("--all");
  EXPECT_NE(run_td(all, "", {k_cache}).out.find("All candidates"), std::string::npos);
}
