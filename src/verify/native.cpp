// The native suite: libcuda loaded at run time in a time-boxed child, our kernels checked against
// CPU references, and copy bandwidth. No Python, no CUDA runtime, no toolkit needed at run time.
#include "torchdoctor/verify/native.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/sys/dynamic_library.hpp"
#include "torchdoctor/sys/subprocess.hpp"
#include "vendor_api/cuda_driver.hpp"

namespace td {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Every driver function the suite calls.
struct Api {
  cuda::GetErrorNameFn* error_name = nullptr;
  cuda::InitFn* init = nullptr;
  cuda::DeviceGetCountFn* device_count = nullptr;
  cuda::DeviceGetFn* device_get = nullptr;
  cuda::DeviceGetNameFn* device_name = nullptr;
  cuda::DeviceGetAttributeFn* attribute = nullptr;
  cuda::DevicePrimaryCtxRetainFn* ctx_retain = nullptr;
  cuda::DevicePrimaryCtxReleaseFn* ctx_release = nullptr;
  cuda::CtxSetCurrentFn* ctx_set = nullptr;
  cuda::CtxSynchronizeFn* sync = nullptr;
  cuda::ModuleLoadDataFn* module_load = nullptr;
  cuda::ModuleGetFunctionFn* get_function = nullptr;
  cuda::ModuleUnloadFn* module_unload = nullptr;
  cuda::MemAllocFn* alloc = nullptr;
  cuda::MemFreeFn* free = nullptr;
  cuda::MemAllocHostFn* alloc_host = nullptr;
  cuda::MemFreeHostFn* free_host = nullptr;
  cuda::MemcpyHtoDFn* htod = nullptr;
  cuda::MemcpyDtoHFn* dtoh = nullptr;
  cuda::MemcpyDtoDFn* dtod = nullptr;
  cuda::LaunchKernelFn* launch = nullptr;

  [[nodiscard]] std::string describe(const char* call, cuda::Result r) const {
    const char* name = nullptr;
    if (error_name == nullptr || error_name(r, &name) != cuda::k_success || name == nullptr) name = "error";
    return std::string(call) + ": " + sanitize(name, 80) + " (" + std::to_string(r) + ")";
  }
};

Status load_api(const DynamicLibrary& lib, Api& a) {
  if (auto f = lib.symbol<cuda::GetErrorNameFn>("cuGetErrorName")) a.error_name = *f;
  for (auto s : {lib.bind(a.init, "cuInit"),
                 lib.bind(a.device_count, "cuDeviceGetCount"),
                 lib.bind(a.device_get, "cuDeviceGet"),
                 lib.bind(a.device_name, "cuDeviceGetName"),
                 lib.bind(a.attribute, "cuDeviceGetAttribute"),
                 lib.bind(a.ctx_retain, "cuDevicePrimaryCtxRetain"),
                 lib.bind(a.ctx_release, "cuDevicePrimaryCtxRelease_v2"),
                 lib.bind(a.ctx_set, "cuCtxSetCurrent"),
                 lib.bind(a.sync, "cuCtxSynchronize"),
                 lib.bind(a.module_load, "cuModuleLoadData"),
                 lib.bind(a.get_function, "cuModuleGetFunction"),
                 lib.bind(a.module_unload, "cuModuleUnload"),
                 lib.bind(a.alloc, "cuMemAlloc_v2"),
                 lib.bind(a.free, "cuMemFree_v2"),
                 lib.bind(a.alloc_host, "cuMemAllocHost_v2"),
                 lib.bind(a.free_host, "cuMemFreeHost"),
                 lib.bind(a.htod, "cuMemcpyHtoD_v2"),
                 lib.bind(a.dtoh, "cuMemcpyDtoH_v2"),
                 lib.bind(a.dtod, "cuMemcpyDtoD_v2"),
                 lib.bind(a.launch, "cuLaunchKernel")}) {
    if (!s) return s;
  }
  return Ok{};
}

// The checks of one run, as JSON (the child's reply).
struct Report {
  nlohmann::json checks = nlohmann::json::array();
  void add(const std::string& name, const std::string& device, const char* status, const std::string& detail, double ms,
           std::optional<double> value = std::nullopt, const char* unit = "") {
    nlohmann::json c{{"name", name},     {"device", device}, {"status", status},
                     {"detail", detail}, {"ms", ms},         {"unit", unit}};
    c["value"] = value ? nlohmann::json(*value) : nlohmann::json();
    checks.push_back(std::move(c));
  }
};

// Device memory freed at scope exit.
class DeviceBuffer {
 public:
  DeviceBuffer(const Api& api, std::size_t bytes) : m_api(api) { m_status = api.alloc(&m_ptr, bytes); }
  ~DeviceBuffer() {
    if (m_status == cuda::k_success) m_api.free(m_ptr);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  [[nodiscard]] cuda::Result status() const { return m_status; }
  [[nodiscard]] cuda::DevicePtr ptr() const { return m_ptr; }

 private:
  const Api& m_api;
  cuda::DevicePtr m_ptr = 0;
  cuda::Result m_status;
};

// Deterministic inputs in [-1, 1].
std::vector<float> pseudo_random(std::size_t n, std::uint32_t seed) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 1664525U + 1013904223U;
    x = static_cast<float>(seed >> 8U) / static_cast<float>(1U << 24U) * 2.0f - 1.0f;
  }
  return v;
}

// One kernel run: upload, launch, download, compare against `expect` within `tolerance`.
struct KernelRun {
  const Api& api;
  cuda::Module module;
  std::string device;
  Report& report;

  void run(const char* check, const char* function, const std::vector<std::vector<float>>& inputs, std::size_t out_n,
           std::vector<int> ints, std::array<unsigned, 4> dims, const std::vector<double>& expect,
           double tolerance) const {
    const auto t0 = Clock::now();
    cuda::Function f = nullptr;
    if (auto r = api.get_function(&f, module, function); r != cuda::k_success) {
      report.add(check, device, "fail", api.describe("cuModuleGetFunction", r), ms_since(t0));
      return;
    }
    std::vector<std::unique_ptr<DeviceBuffer>> bufs;
    for (const auto& in : inputs) {
      bufs.push_back(std::make_unique<DeviceBuffer>(api, in.size() * sizeof(float)));
      if (bufs.back()->status() != cuda::k_success)
        return report.add(check, device, "fail", api.describe("cuMemAlloc", bufs.back()->status()), ms_since(t0));
      if (auto r = api.htod(bufs.back()->ptr(), in.data(), in.size() * sizeof(float)); r != cuda::k_success) {
        return report.add(check, device, "fail", api.describe("cuMemcpyHtoD", r), ms_since(t0));
      }
    }
    DeviceBuffer out(api, out_n * sizeof(float));
    if (out.status() != cuda::k_success)
      return report.add(check, device, "fail", api.describe("cuMemAlloc", out.status()), ms_since(t0));
    std::vector<cuda::DevicePtr> ptrs;
    for (const auto& b : bufs) ptrs.push_back(b->ptr());
    ptrs.push_back(out.ptr());
    std::vector<void*> params;
    for (auto& p : ptrs) params.push_back(&p);
    for (auto& i : ints) params.push_back(&i);
    if (auto r = api.launch(f, dims[0], dims[1], 1, dims[2], dims[3], 1, 0, nullptr, params.data(), nullptr);
        r != cuda::k_success) {
      return report.add(check, device, "fail", api.describe("cuLaunchKernel", r), ms_since(t0));
    }
    if (auto r = api.sync(); r != cuda::k_success)
      return report.add(check, device, "fail", api.describe("cuCtxSynchronize", r), ms_since(t0));
    std::vector<float> got(out_n);
    if (auto r = api.dtoh(got.data(), out.ptr(), out_n * sizeof(float)); r != cuda::k_success) {
      return report.add(check, device, "fail", api.describe("cuMemcpyDtoH", r), ms_since(t0));
    }
    double worst = 0.0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < out_n; ++i) {
      const double d = std::fabs(static_cast<double>(got[i]) - expect[i]);
      if (!(d <= worst)) {  // also catches NaN
        worst = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
        at = i;
      }
    }
    char line[200];
    std::snprintf(line, sizeof line,
                  "%zu values, largest difference from the CPU reference %.3g at %zu (tolerance %.1g)", out_n, worst,
                  at, tolerance);
    report.add(check, device, worst <= tolerance ? "pass" : "fail", line, ms_since(t0), worst, "max abs error");
  }
};

void kernel_checks(const Api& api, cuda::Module module, const std::string& device, Report& report) {
  const KernelRun k{api, module, device, report};
  {
    constexpr int n = 1 << 20;
    const auto a = pseudo_random(n, 1);
    const auto b = pseudo_random(n, 2);
    std::vector<double> expect(n);
    for (int i = 0; i < n; ++i) expect[i] = static_cast<double>(a[i] + b[i]);
    k.run("vector_add", "td_vector_add", {a, b}, n, {n}, {(n + 255) / 256, 1, 256, 1}, expect, 0.0);
  }
  {
    constexpr int m = 256;
    constexpr int nn = 256;
    constexpr int kk = 256;
    const auto a = pseudo_random(m * kk, 3);
    const auto b = pseudo_random(kk * nn, 4);
    std::vector<double> expect(m * nn, 0.0);
    for (int i = 0; i < m; ++i) {
      for (int p = 0; p < kk; ++p) {
        const double av = static_cast<double>(a[i * kk + p]);
        for (int j = 0; j < nn; ++j) expect[i * nn + j] += av * static_cast<double>(b[p * nn + j]);
      }
    }
    k.run("sgemm_tiled", "td_sgemm_tiled", {a, b}, m * nn, {m, nn, kk}, {nn / 16, m / 16, 16, 16}, expect, 1e-3);
  }
  {
    constexpr int len = 512;
    constexpr int d = 256;
    std::vector<double> expect(len * d);
    for (int pos = 0; pos < len; ++pos) {
      for (int j = 0; j < d; ++j) {
        const double div = std::exp(static_cast<double>(j - (j & 1)) * (-std::log(10000.0) / d));
        expect[pos * d + j] = (j & 1) ? std::cos(pos * div) : std::sin(pos * div);
      }
    }
    k.run("positional_encoding", "td_positional_encoding", {}, len * d, {len, d}, {(len * d + 255) / 256, 1, 256, 1},
          expect, 1e-3);
  }
}

// GB/s of `reps` copies of `bytes` each (after one warm-up copy), or the failing call.
using Copy = std::function<cuda::Result()>;
void bandwidth(const Api& api, const char* check, const std::string& device, std::size_t bytes, const Copy& copy,
               Report& report) {
  constexpr int reps = 10;
  const auto t0 = Clock::now();
  if (auto r = copy(); r != cuda::k_success)
    return report.add(check, device, "fail", api.describe(check, r), ms_since(t0));
  api.sync();
  const auto t1 = Clock::now();
  for (int i = 0; i < reps; ++i) {
    if (auto r = copy(); r != cuda::k_success)
      return report.add(check, device, "fail", api.describe(check, r), ms_since(t0));
  }
  api.sync();
  const double s = std::chrono::duration<double>(Clock::now() - t1).count();
  const double gbs = s > 0 ? static_cast<double>(bytes) * reps / s / 1e9 : 0.0;
  char line[160];
  std::snprintf(line, sizeof line, "%.1f GB/s (%d copies of %zu MiB)", gbs, reps, bytes >> 20U);
  report.add(check, device, "pass", line, ms_since(t0), gbs, "GB/s");
}

void bandwidth_checks(const Api& api, const std::string& device, std::size_t bytes, Report& report) {
  void* host = nullptr;
  if (auto r = api.alloc_host(&host, bytes); r != cuda::k_success) {
    report.add("h2d_bandwidth", device, "fail", api.describe("cuMemAllocHost", r), 0);
    return;
  }
  std::memset(host, 1, bytes);
  DeviceBuffer a(api, bytes);
  DeviceBuffer b(api, bytes);
  if (a.status() != cuda::k_success || b.status() != cuda::k_success) {
    report.add("h2d_bandwidth", device, "fail", api.describe("cuMemAlloc", a.status() != 0 ? a.status() : b.status()),
               0);
  } else {
    bandwidth(
        api, "h2d_bandwidth", device, bytes, [&] { return api.htod(a.ptr(), host, bytes); }, report);
    bandwidth(
        api, "d2h_bandwidth", device, bytes, [&] { return api.dtoh(host, a.ptr(), bytes); }, report);
    bandwidth(
        api, "d2d_bandwidth", device, bytes, [&] { return api.dtod(b.ptr(), a.ptr(), bytes); }, report);
  }
  api.free_host(host);
}

// The kernels for a device of capability major.minor: the fatbinary, else PTX from NVRTC.
struct KernelImage {
  std::string bytes;  // empty: none (then `why`)
  std::string how;
  std::string why;
};

KernelImage nvrtc_image(const NativeOptions& o, int major, int minor) {
  const auto candidates = o.nvrtc_candidates.empty() ? nvrtc_library_candidates() : o.nvrtc_candidates;
  auto lib = DynamicLibrary::open_first(candidates);
  if (!lib)
    return {"", "",
            "no fatbinary was built (no nvcc at build time) and NVRTC is not available: " + lib.error().message};
  nvrtc::CreateProgramFn* create = nullptr;
  nvrtc::CompileProgramFn* compile = nullptr;
  nvrtc::GetSizeFn* ptx_size = nullptr;
  nvrtc::GetTextFn* ptx = nullptr;
  nvrtc::GetSizeFn* log_size = nullptr;
  nvrtc::GetTextFn* log = nullptr;
  nvrtc::DestroyProgramFn* destroy = nullptr;
  for (const auto& s : {lib->bind(create, "nvrtcCreateProgram"), lib->bind(compile, "nvrtcCompileProgram"),
                        lib->bind(ptx_size, "nvrtcGetPTXSize"), lib->bind(ptx, "nvrtcGetPTX"),
                        lib->bind(log_size, "nvrtcGetProgramLogSize"), lib->bind(log, "nvrtcGetProgramLog"),
                        lib->bind(destroy, "nvrtcDestroyProgram")}) {
    if (!s) return {"", "", "NVRTC at " + lib->path() + " is unusable: " + s.error().message};
  }
  const std::string source(embedded_kernels_source());
  nvrtc::Program prog = nullptr;
  if (create(&prog, source.c_str(), "verify_kernels.cu", 0, nullptr, nullptr) != 0)
    return {"", "", "nvrtcCreateProgram failed"};
  const std::string arch = "--gpu-architecture=compute_" + std::to_string(major) + std::to_string(minor);
  const char* opts[] = {arch.c_str()};
  KernelImage out;
  if (compile(prog, 1, opts) != 0) {
    std::size_t n = 0;
    log_size(prog, &n);
    std::string text(n, '\0');
    if (n > 0) log(prog, text.data());
    out.why = "NVRTC (" + lib->path() + ") could not compile the kernels for " + arch + ": " + sanitize(text, 300);
  } else {
    std::size_t n = 0;
    ptx_size(prog, &n);
    out.bytes.assign(n, '\0');
    ptx(prog, out.bytes.data());
    out.how = "PTX from NVRTC (" + lib->path() + ", " + arch + ")";
  }
  destroy(&prog);
  return out;
}

KernelImage kernel_image(const NativeOptions& o, int major, int minor) {
  const auto fatbin = embedded_kernels_fatbin();
  if (!fatbin.empty() && !o.force_nvrtc) {
    return {std::string(reinterpret_cast<const char*>(fatbin.data()), fatbin.size()), "embedded fatbinary", ""};
  }
  return nvrtc_image(o, major, minor);
}

void device_checks(const Api& api, const NativeOptions& o, int ordinal, Report& report) {
  const auto t0 = Clock::now();
  cuda::Device dev = 0;
  char name[256] = {};
  int major = 0;
  int minor = 0;
  if (auto r = api.device_get(&dev, ordinal); r != cuda::k_success) {
    return report.add("device", std::to_string(ordinal), "fail", api.describe("cuDeviceGet", r), ms_since(t0));
  }
  api.device_name(name, sizeof name - 1, dev);
  api.attribute(&major, cuda::k_attr_compute_capability_major, dev);
  api.attribute(&minor, cuda::k_attr_compute_capability_minor, dev);
  const std::string device = std::to_string(ordinal) + ": " + sanitize(name, 100) + " (sm_" + std::to_string(major) +
                             std::to_string(minor) + ")";
  cuda::Context ctx = nullptr;
  if (auto r = api.ctx_retain(&ctx, dev); r != cuda::k_success)
    return report.add("context", device, "fail", api.describe("cuDevicePrimaryCtxRetain", r), ms_since(t0));
  if (auto r = api.ctx_set(ctx); r != cuda::k_success) {
    api.ctx_release(dev);
    return report.add("context", device, "fail", api.describe("cuCtxSetCurrent", r), ms_since(t0));
  }
  report.add("context", device, "pass", "primary context created", ms_since(t0));
  const auto t1 = Clock::now();
  const KernelImage image = kernel_image(o, major, minor);
  if (image.bytes.empty()) {
    report.add("load_kernels", device, "skip", image.why, ms_since(t1));
  } else {
    cuda::Module module = nullptr;
    if (auto r = api.module_load(&module, image.bytes.data()); r != cuda::k_success) {
      std::string why = api.describe("cuModuleLoadData", r);
      if (r == cuda::k_error_no_binary_for_gpu) why += ": the kernels hold no code this GPU can run";
      if (r == cuda::k_error_unsupported_ptx_version)
        why += ": the driver is older than the compiler that made the PTX";
      report.add("load_kernels", device, "fail", why + " (" + image.how + ")", ms_since(t1));
    } else {
      report.add("load_kernels", device, "pass", image.how, ms_since(t1));
      kernel_checks(api, module, device, report);
      api.module_unload(module);
    }
  }
  bandwidth_checks(api, device, o.bandwidth_bytes, report);
  api.ctx_release(dev);
}

// The child: everything that touches the driver.
std::string child_body(const NativeOptions& o) {
  for (const auto& [k, v] : o.child_env) ::setenv(k.c_str(), v.c_str(), 1);
  Report report;
  const auto t0 = Clock::now();
  const auto candidates = o.libcuda_candidates.empty() ? libcuda_library_candidates() : o.libcuda_candidates;
  auto lib = DynamicLibrary::open_first(candidates);
  if (!lib) {
    report.add("init", "", "skip", "no NVIDIA driver library: " + lib.error().message, ms_since(t0));
    return report.checks.dump();
  }
  Api api;
  if (auto s = load_api(*lib, api); !s) {
    report.add("init", "", "fail", lib->path() + " lacks a function the suite needs: " + s.error().message,
               ms_since(t0));
    return report.checks.dump();
  }
  if (auto r = api.init(0); r != cuda::k_success) {
    const bool none = r == cuda::k_error_no_device;
    report.add("init", "", none ? "skip" : "fail",
               api.describe("cuInit", r) + (none ? ": no CUDA device is visible" : ""), ms_since(t0));
    return report.checks.dump();
  }
  int count = 0;
  if (auto r = api.device_count(&count); r != cuda::k_success || count <= 0) {
    report.add("init", "", "skip",
               r != cuda::k_success ? api.describe("cuDeviceGetCount", r) : "no CUDA device is visible", ms_since(t0));
    return report.checks.dump();
  }
  report.add("init", "", "pass", lib->path() + ": " + std::to_string(count) + " device(s)", ms_since(t0));
  for (int i = 0; i < count; ++i) device_checks(api, o, i, report);
  return report.checks.dump();
}

}  // namespace

std::vector<std::string> nvrtc_library_candidates() {
  std::vector<std::string> out{"libnvrtc.so"};
  for (const char* v : {"13", "12", "11.2"}) out.push_back(std::string("libnvrtc.so.") + v);
  return out;
}

std::vector<CheckResult> run_native_suite(const NativeOptions& options) {
  std::vector<CheckResult> out;
  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  spawn.max_output = 4U << 20U;
  const auto t0 = Clock::now();
  auto outcome = run_in_child([&] { return child_body(options); }, spawn);
  const auto failed = [&](std::string why) {
    out.push_back(CheckResult{"native", "suite", "", "fail", std::move(why), ms_since(t0), std::nullopt, ""});
    return out;
  };
  if (!outcome) return failed("could not start the child process: " + outcome.error().message);
  if (outcome->timed_out) {
    return failed("the driver did not finish in " + std::to_string(options.timeout.count() / 1000) +
                  " s; the child was killed");
  }
  if (outcome->signal)
    return failed("the child crashed inside the driver (signal " + std::to_string(*outcome->signal) + ", " +
                  ::strsignal(*outcome->signal) + ")");
  if (!outcome->succeeded()) return failed("the child " + outcome->describe_failure());
  const auto doc = nlohmann::json::parse(outcome->out, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return failed("the child gave an unreadable answer");
  for (const auto& c : doc) {
    CheckResult r{"native",
                  c.value("name", ""),
                  c.value("device", ""),
                  c.value("status", "fail"),
                  c.value("detail", ""),
                  c.value("ms", 0.0),
                  std::nullopt,
                  c.value("unit", "")};
    if (c.contains("value") && c["value"].is_number()) r.value = c["value"].get<double>();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace td
