// The GPU probe cache (key, path, hit/miss/corrupt, atomic write) and the detector end to end
// against the fakes, reading the cache through the real file system.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/probe/probe.hpp"
#include "torchdoctor/sys/env.hpp"
#include "torchdoctor/sys/file_system.hpp"

using namespace std::chrono_literals;
using td::CacheLookup;

namespace {

const std::string k_fakes = TD_FAKES_DIR;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "td-cache-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  [[nodiscard]] const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string config(const std::string& driver) {
  return R"({"driver": ")" + driver +
         R"(", "cuda": "12.4", "gpus": [{"name": "NVIDIA L4", "uuid": "GPU-11111111-2222-3333-4444-555555555555", "bus_id": "00000000:3b:00.0", "cc": "8.9", "memory": 24152899584}]})";
}

td::MemoryFileSystem machine(const std::string& boot, const std::string& driver) {
  td::MemoryFileSystem fs;
  fs.file("/proc/sys/kernel/random/boot_id", boot + "\n");
  if (!driver.empty()) fs.file("/sys/module/nvidia/version", driver + "\n");
  return fs;
}

td::HostFacts with_pci(const std::string& bus) {
  td::HostFacts f;
  td::GpuFacts g;
  g.pci_bus_id = td::Fact<std::string>::known(bus, "sysfs:/sys/bus/pci/devices");
  g.pci_device_id = td::Fact<std::string>::known("0x27b8", "sysfs");
  f.gpus = td::Fact<std::vector<td::GpuFacts>>::known({g}, "sysfs:/sys/bus/pci/devices");
  return f;
}

}  // namespace

TEST(GpuCacheKey, ChangesWithBootDriverGpusAndLibraryPath) {
  const td::MapEnv env;
  const auto base = td::gpu_cache_key(machine("b1", "550.54.15"), env, with_pci("0000:3b:00.0"));
  EXPECT_EQ(base, td::gpu_cache_key(machine("b1", "550.54.15"), env, with_pci("0000:3b:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b2", "550.54.15"), env, with_pci("0000:3b:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b1", "550.90.07"), env, with_pci("0000:3b:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b1", ""), env, with_pci("0000:3b:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b1", "550.54.15"), env, with_pci("0000:5e:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b1", "550.54.15"), td::MapEnv().set("LD_LIBRARY_PATH", "/compat"),
                                    with_pci("0000:3b:00.0")));
  EXPECT_NE(base, td::gpu_cache_key(machine("b1", "550.54.15"), td::MapEnv().set("CUDA_VISIBLE_DEVICES", "0"),
                                    with_pci("0000:3b:00.0")));
}

TEST(GpuCachePath, FollowsXdgThenHome) {
  EXPECT_EQ(td::gpu_cache_path(td::MapEnv({{"XDG_CACHE_HOME", "/x/cache"}, {"HOME", "/home/u"}})),
            "/x/cache/torchdoctor/gpu-probe.json");
  EXPECT_EQ(td::gpu_cache_path(td::MapEnv({{"XDG_CACHE_HOME", "relative"}, {"HOME", "/home/u"}})),
            "/home/u/.cache/torchdoctor/gpu-probe.json");
  EXPECT_EQ(td::gpu_cache_path(td::MapEnv()), std::nullopt);
}

TEST(GpuCache, MissCorruptStaleAndHit) {
  TempDir tmp;
  const std::string c = tmp.path() + "/c.json";
  EXPECT_EQ(td::read_gpu_cache(c, "k").state, CacheLookup::State::miss);
  write(c, "{\"schema\": \"torchdoctor.gpu-cache/v1\", \"key\": \"k\", \"ans");
  auto corrupt = td::read_gpu_cache(c, "k");
  EXPECT_EQ(corrupt.state, CacheLookup::State::corrupt);
  EXPECT_EQ(corrupt.detail, "not JSON");
  nlohmann::json doc{{"schema", "torchdoctor.gpu-cache/v1"}, {"key", "k"}, {"answer", td::gpu_answer_to_json({})}};
  doc["answer"]["nvml"]["status"] = "answered";
  const std::string d = tmp.path() + "/d.json";
  write(d, doc.dump());
  EXPECT_EQ(td::read_gpu_cache(d, "other").state, CacheLookup::State::miss);
  auto hit = td::read_gpu_cache(d, "k");
  ASSERT_EQ(hit.state, CacheLookup::State::hit);
  EXPECT_EQ(hit.answer->nvml.status, td::VendorAnswer::Status::answered);
  doc["answer"]["nvml"]["status"] = 7;
  const std::string e = tmp.path() + "/e.json";
  write(e, doc.dump());
  EXPECT_EQ(td::read_gpu_cache(e, "k").state, CacheLookup::State::corrupt);
}

TEST(GpuCache, AFolderOrFifoInPlaceOfTheCacheIsAMissNotAHang) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/gpu-probe.json";
  std::filesystem::create_directory(dir);
  EXPECT_EQ(td::read_gpu_cache(dir, "k").state, CacheLookup::State::miss);
  const std::string fifo = tmp.path() + "/fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(td::read_gpu_cache(fifo, "k").state, CacheLookup::State::miss);
}

TEST(GpuCache, WritesAtomicallyAndReadsBack) {
  TempDir tmp;
  const std::string path = tmp.path() + "/deep/er/gpu-probe.json";
  td::GpuLibsAnswer a;
  a.libcuda.status = td::VendorAnswer::Status::answered;
  a.libcuda.cuda_level = td::Version::of({12, 8});
  ASSERT_TRUE(td::write_gpu_cache(path, "key-1", a).ok());
  ASSERT_TRUE(td::write_gpu_cache(path, "key-2", a).ok());  // replaces
  auto hit = td::read_gpu_cache(path, "key-2");
  ASSERT_EQ(hit.state, CacheLookup::State::hit);
  EXPECT_EQ(hit.answer->libcuda.cuda_level->str(), "12.8");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/deep/er"))
    files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1U);  // no temporary file left behind
}

TEST(GpuLibsDetector, CachesTheAnswerAndRewritesACorruptFile) {
  TempDir tmp;
  const std::string cfg = tmp.path() + "/gpu.json";
  write(cfg, config("550.54.15"));
  const auto fs = td::make_real_file_system("/");
  const td::MapEnv env({{"XDG_CACHE_HOME", tmp.path()}});
  td::ProbeContext ctx{*fs, env};
  ctx.gpu.nvml_candidates = {k_fakes + "/nvml/libnvidia-ml.so.1"};
  ctx.gpu.libcuda_candidates = {k_fakes + "/cuda/libcuda.so.1"};
  ctx.gpu.child_env["TD_FAKE_GPU_CONFIG"] = cfg;
  const auto probe = [&ctx] {
    td::HostFacts f;
    td::detect_gpu_libs(ctx, f);
    return f;
  };
  auto first = probe();
  EXPECT_EQ(*first.gpu_probe.cache, "miss");
  EXPECT_EQ(first.driver.version->str(), "550.54.15");
  write(cfg, config("560.35.3"));  // the "driver" changes, the cache key does not
  auto second = probe();
  EXPECT_EQ(*second.gpu_probe.cache, "hit");
  EXPECT_EQ(second.driver.version->str(), "550.54.15");
  EXPECT_EQ(second.gpus.value->front().compute_capability->str(), "8.9");
  ctx.gpu.use_cache = false;
  auto fresh = probe();
  EXPECT_EQ(*fresh.gpu_probe.cache, "disabled");
  EXPECT_EQ(fresh.driver.version->str(), "560.35.3");
  ctx.gpu.use_cache = true;
  write(tmp.path() + "/torchdoctor/gpu-probe.json", "garbage");
  auto corrupt = probe();
  EXPECT_EQ(*corrupt.gpu_probe.cache, "corrupt");
  EXPECT_NE(corrupt.gpu_probe.cache.note.find("rewritten"), std::string::npos);
  EXPECT_EQ(*probe().gpu_probe.cache, "hit");
}

TEST(GpuLibsDetector, ATimeoutIsNotCached) {
  TempDir tmp;
  const std::string cfg = tmp.path() + "/gpu.json";
  auto doc = nlohmann::json::parse(config("550.54.15"));
  doc["libcuda"]["mode"] = "hang";
  write(cfg, doc.dump());
  const auto fs = td::make_real_file_system("/");
  const td::MapEnv env({{"HOME", tmp.path()}});
  td::ProbeContext ctx{*fs, env};
  ctx.gpu.timeout = 200ms;
  ctx.gpu.nvml_candidates = {k_fakes + "/nvml/libnvidia-ml.so.1"};
  ctx.gpu.libcuda_candidates = {k_fakes + "/cuda/libcuda.so.1"};
  ctx.gpu.child_env["TD_FAKE_GPU_CONFIG"] = cfg;
  td::HostFacts f;
  td::detect_gpu_libs(ctx, f);
  EXPECT_EQ(*f.gpu_probe.answered_by, "nvml");
  EXPECT_NE(f.gpu_probe.cache.note.find("not written"), std::string::npos) << f.gpu_probe.cache.note;
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/.cache/torchdoctor/gpu-probe.json"));
  ASSERT_FALSE(f.issues.empty());
  EXPECT_EQ(f.issues.front().message, "libcuda did not answer in 0.2 s");
}

TEST(GpuLibsDetector, SkipsATreeThatIsNotThisMachine) {
  td::MemoryFileSystem fs;
  const td::MapEnv env;
  td::HostFacts f;
  td::detect_gpu_libs(td::ProbeContext{fs, env}, f);
  EXPECT_FALSE(f.gpu_probe.answered_by.has_value());
  EXPECT_NE(f.gpu_probe.answered_by.note.find("not probed: --root"), std::string::npos);
  EXPECT_NE(f.driver.cuda_level.note.find("not probed: --root"), std::string::npos);
  EXPECT_TRUE(f.issues.empty());
}
