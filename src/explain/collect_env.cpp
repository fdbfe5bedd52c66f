// The collect_env reader. Field labels follow torch/utils/collect_env.py across releases: 1.x
// printed "Is debug build: No" and "GPU models and configuration:" with the GPUs on the lines
// after; 2.x adds Libc, Python platform, CUDA_MODULE_LOADING, XNNPACK, a CPU block and [uv] lines.
// Users paste it quoted ("> "), indented, with CRLF, bold markdown, full-width colons (U+FF1A) or
// with a colon dropped: each line is normalised before its label is compared.
#include "torchdoctor/explain/collect_env.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/core/what_if.hpp"

namespace td {
namespace {

// Lines after the first label still read as part of the report (the CPU block is long).
constexpr std::size_t k_max_report_lines = 400;
// Labels that locate a report in a long log.
constexpr std::array k_anchors{"PyTorch version", "CUDA used to build PyTorch", "Is CUDA available",
                               "GPU models and configuration", "Collecting environment information"};

const std::vector<std::pair<const char*, const char*>> k_keys{
    {"torch_version", "PyTorch version"},
    {"debug_build", "Is debug build"},
    {"cuda_used_to_build", "CUDA used to build PyTorch"},
    {"rocm_used_to_build", "ROCM used to build PyTorch"},
    {"os", "OS"},
    {"gcc", "GCC version"},
    {"clang", "Clang version"},
    {"cmake", "CMake version"},
    {"libc", "Libc version"},
    {"python_version", "Python version"},
    {"python_platform", "Python platform"},
    {"cuda_available", "Is CUDA available"},
    {"cuda_runtime", "CUDA runtime version"},
    {"cuda_module_loading", "CUDA_MODULE_LOADING set to"},
    {"gpu_models", "GPU models and configuration"},
    {"driver", "Nvidia driver version"},
    {"cudnn", "cuDNN version"},
    {"xpu_available", "Is XPU available"},
    {"intel_gpu_driver", "Intel GPU driver version"},
    {"hip_runtime", "HIP runtime version"},
    {"miopen_runtime", "MIOpen runtime version"},
    {"xnnpack", "Is XNNPACK available"},
    {"allocator", "Caching allocator config"},
};

bool says_nothing(std::string_view v) {
  const std::string l = to_lower(trim(v));
  return l.empty() || l == "n/a" || l == "could not collect" || l == "no cuda" || l == "none" || l == "unknown";
}

bool starts_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

// Strips what pasting adds before a line: indentation, quote markers, list bullets, box drawing,
// bold markers; and a trailing CR.
std::string_view normalise(std::string_view s) {
  for (bool changed = true; changed;) {
    changed = false;
    s = trim(s);
    for (std::string_view p :
         {std::string_view(">"), std::string_view("- "), std::string_view("* "), std::string_view("**"),
          std::string_view("|"), std::string_view("\xE2\x94\x82") /* │ */, std::string_view("#")}) {
      if (s.substr(0, p.size()) == p) {
        s.remove_prefix(p.size());
        changed = true;
      }
    }
  }
  return s;
}

// The value after `label` when `line` is "label: value" (also "label：value", "**label**: value",
// "label = value", or "label value" for labels of two words or more).
std::optional<std::string> value_after(std::string_view line, std::string_view label) {
  if (!starts_icase(line, label)) return std::nullopt;
  std::string_view rest = line.substr(label.size());
  if (rest.substr(0, 2) == "**") rest.remove_prefix(2);
  std::string_view t = rest;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (!t.empty() && (t.front() == ':' || t.front() == '=')) return std::string(trim(t.substr(1)));
  if (t.substr(0, 3) == "\xEF\xBC\x9A") return std::string(trim(t.substr(3)));  // full-width colon
  // No colon: accepted for long labels only ("PyTorch version 1.5.0"), never for "OS".
  const bool spaced = rest.size() > t.size();
  if (spaced && label.find(' ') != std::string_view::npos && !t.empty()) return std::string(trim(t));
  if (t.empty() && label.find(' ') != std::string_view::npos) return std::string();
  return std::nullopt;
}

// "GPU 0: NVIDIA GeForce RTX 4090 (UUID: GPU-...)" -> "NVIDIA GeForce RTX 4090".
std::optional<std::string> gpu_line(std::string_view line) {
  if (!starts_icase(line, "GPU ")) return std::nullopt;
  std::size_t i = 4;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])) != 0) ++i;
  if (i == 4) return std::nullopt;
  std::string_view rest = line.substr(i);
  if (rest.substr(0, 1) == ":")
    rest.remove_prefix(1);
  else if (rest.substr(0, 3) == "\xEF\xBC\x9A")
    rest.remove_prefix(3);
  else
    return std::nullopt;
  std::string name(trim(rest));
  if (const auto uuid = name.find(" (UUID:"); uuid != std::string::npos) name.resize(uuid);
  if (name.empty()) return std::nullopt;
  return name;
}

bool is_path(std::string_view s) {
  return !s.empty() && (s.front() == '/' || (s.size() > 2 && s[1] == ':' && (s[2] == '\\' || s[2] == '/')));
}

std::size_t first_anchor_line(const TextInput& input) {
  std::size_t best = input.line_count();
  const std::string_view text = input.text();
  for (const char* a : k_anchors) {
    const auto pos = text.find(a);
    if (pos != std::string_view::npos) best = std::min(best, input.line_of(pos));
  }
  return best;
}

enum class Block { none, gpus, cudnn, cpu, libraries };

}  // namespace

const std::vector<std::pair<const char*, const char*>>& collect_env_keys() { return k_keys; }

const EnvField* CollectEnv::field(const std::string& key) const {
  const auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

std::optional<std::string> CollectEnv::known(const std::string& key) const {
  const EnvField* f = field(key);
  if (f == nullptr || says_nothing(f->value)) return std::nullopt;
  return f->value;
}

std::optional<CollectEnv> parse_collect_env(const TextInput& input) {
  const std::size_t anchor = first_anchor_line(input);
  if (anchor >= input.line_count()) return std::nullopt;
  CollectEnv env;
  Block block = Block::none;
  const std::size_t begin = anchor >= 3 ? anchor - 3 : 0;
  const std::size_t end = std::min(input.line_count(), anchor + k_max_report_lines);
  for (std::size_t i = begin; i < end; ++i) {
    const std::size_t lineno = i + 1;
    const std::string_view line = normalise(input.line(i));
    bool matched = false;
    for (const auto& [key, label] : k_keys) {
      auto v = value_after(line, label);
      if (!v) continue;
      // "Is CUDA available (TensorFlow)" style forks: keep the first value, drop the qualifier.
      if (env.fields.count(key) == 0) env.fields[key] = EnvField{*v, lineno};
      block = std::string_view(key) == "gpu_models" ? Block::gpus
              : std::string_view(key) == "cudnn"    ? Block::cudnn
                                                    : Block::none;
      if (block == Block::gpus) {
        if (auto g = gpu_line(*v)) env.gpus.push_back({*g, lineno});
      }
      if (block == Block::cudnn && !says_nothing(*v) && !starts_icase(*v, "Probably one of the following")) {
        env.cudnn.push_back({*v, lineno});
      }
      matched = true;
      break;
    }
    if (matched) {
      env.first_line = env.first_line == 0 ? lineno : env.first_line;
      env.last_line = lineno;
      continue;
    }
    if (line.empty()) {
      if (block != Block::gpus) block = Block::none;
      continue;
    }
    if (starts_icase(line, "CPU:") && trim(line.substr(4)).empty()) {
      block = Block::cpu;
      env.last_line = lineno;
      continue;
    }
    if (starts_icase(line, "Versions of relevant libraries") || starts_icase(line, "Version of relevant libraries")) {
      block = Block::libraries;
      env.last_line = lineno;
      continue;
    }
    if (line.front() == '[' &&
        (starts_icase(line, "[pip") || starts_icase(line, "[conda]") || starts_icase(line, "[uv]"))) {
      env.libraries.push_back({std::string(line), lineno});
      env.last_line = lineno;
      continue;
    }
    if (block == Block::gpus) {
      if (auto g = gpu_line(line)) {
        env.gpus.push_back({*g, lineno});
        env.last_line = lineno;
        continue;
      }
      block = Block::none;
    }
    if (block == Block::cudnn && is_path(line)) {
      env.cudnn.push_back({std::string(line), lineno});
      env.last_line = lineno;
      continue;
    }
    if (block == Block::cpu) {
      const auto sep = line.find_first_of(":=");
      if (sep != std::string_view::npos && sep > 0) {
        env.cpu[std::string(trim(line.substr(0, sep)))] = EnvField{std::string(trim(line.substr(sep + 1))), lineno};
        env.last_line = lineno;
      }
    }
  }
  if (env.fields.size() < 3) return std::nullopt;
  return env;
}

namespace {

std::string source_of(const EnvField& f) { return "collect_env:" + std::to_string(f.line); }

template <typename T>
void set_fact(Fact<T>& fact, T value, const EnvField& from) {
  if (fact.source == "override") return;
  fact = Fact<T>::known(std::move(value), source_of(from));
}

std::optional<std::string> arch_word(std::string_view s) {
  const std::string l = to_lower(s);
  if (l.find("x86_64") != std::string::npos || l.find("amd64") != std::string::npos) return "x86_64";
  if (l.find("aarch64") != std::string::npos || l.find("arm64") != std::string::npos) return "aarch64";
  if (l.find("ppc64le") != std::string::npos) return "ppc64le";
  return std::nullopt;
}

std::optional<Version> version_in(std::string_view s) {
  // The first token that parses as a version with at least two numbers.
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) == 0) ++i;
    std::size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) != 0 || s[j] == '.')) ++j;
    auto v = Version::parse(s.substr(i, j - i));
    if (v && v->release().size() >= 2) return *v;
    i = j;
  }
  return std::nullopt;
}

void apply_os(const CollectEnv& env, HostFacts& f) {
  if (const EnvField* os = env.field("os"); os != nullptr && env.known("os")) {
    std::string pretty = os->value;
    if (const auto paren = pretty.rfind(" ("); paren != std::string::npos) {
      if (auto a = arch_word(pretty.substr(paren))) set_fact(f.cpu.arch, *a, *os);
      pretty.resize(paren);
    }
    set_fact(f.os.pretty_name, pretty, *os);
    const std::string l = to_lower(pretty);
    if (l.find("windows") != std::string::npos)
      set_fact(f.os.id, std::string("windows"), *os);
    else if (l.find("mac") != std::string::npos)
      set_fact(f.os.id, std::string("macos"), *os);
  }
  if (const EnvField* p = env.field("python_platform"); p != nullptr && env.known("python_platform")) {
    const std::string& v = p->value;
    if (!f.cpu.arch || f.cpu.arch.source.rfind("collect_env", 0) != 0) {
      if (auto a = arch_word(v)) set_fact(f.cpu.arch, *a, *p);
    }
    if (v.rfind("Linux-", 0) == 0) {
      std::string kernel = v.substr(6);
      for (const char* a : {"-x86_64", "-aarch64", "-ppc64le"}) {
        if (const auto at = kernel.find(a); at != std::string::npos) kernel.resize(at);
      }
      set_fact(f.os.kernel, kernel, *p);
      // An L4T kernel ("5.15.136-tegra") means a Jetson even when the GPU line is missing.
      if (kernel.find("-tegra") != std::string::npos && !f.jetson.soc && !f.jetson.l4t) {
        f.jetson.soc = Fact<std::string>::known("tegra", source_of(*p));
        f.jetson.soc.note = "an L4T (tegra) kernel";
      }
    }
    if (const auto g = v.find("glibc"); g != std::string::npos && !env.known("libc")) {
      if (auto ver = version_in(std::string_view(v).substr(g))) set_fact(f.cpu.glibc, *ver, *p);
    }
  }
  if (const EnvField* libc = env.field("libc"); libc != nullptr && env.known("libc")) {
    if (libc->value.find("glibc") != std::string::npos) {
      if (auto ver = version_in(libc->value)) set_fact(f.cpu.glibc, *ver, *libc);
    }
  }
}

void apply_cpu(const CollectEnv& env, HostFacts& f) {
  static const std::array k_flags{"sse4_2",   "avx",  "avx2",    "fma",     "avx512f", "avx512_bf16",
                                  "amx_tile", "neon", "asimd",   "fp",      "sve",     "sve2",
                                  "bf16",     "i8mm", "asimddp", "atomics", "vfpv4"};
  for (const auto& [key, field] : env.cpu) {
    const std::string k = to_lower(key);
    if (k == "model name" || k == "name") set_fact(f.cpu.model, field.value, field);
    if (k == "architecture") {
      if (auto a = arch_word(field.value)) set_fact(f.cpu.arch, *a, field);
    }
    if (k == "cpu(s)") {
      if (auto n = parse_uint(field.value)) set_fact(f.cpu.cores, static_cast<std::uint32_t>(*n), field);
    }
    if (k == "flags") {
      std::vector<std::string> have;
      for (const auto& word : split(field.value, ' ')) {
        if (std::find(k_flags.begin(), k_flags.end(), word) != k_flags.end()) have.push_back(word);
      }
      set_fact(f.cpu.flags, have, field);
    }
  }
}

void apply_gpus(const CollectEnv& env, HostFacts& f) {
  const EnvField* models = env.field("gpu_models");
  if (f.gpus.source == "override") return;
  if (!env.gpus.empty()) {
    std::vector<GpuFacts> gpus;
    for (const auto& g : env.gpus) {
      GpuFacts gpu;
      std::string name = g.value;
      const bool nvgpu = name.find("(nvgpu)") != std::string::npos;
      if (nvgpu) name = std::string(trim(name.substr(0, name.find("(nvgpu)"))));
      gpu.name = Fact<std::string>::known(name, source_of(g));
      gpu.integrated = Fact<bool>::known(nvgpu, source_of(g));
      gpus.push_back(std::move(gpu));
      if (nvgpu && !f.jetson.soc && !f.jetson.l4t) {
        f.jetson.soc = Fact<std::string>::known("tegra", source_of(g));
        f.jetson.soc.note = "an nvgpu (integrated) GPU";
        if (!f.jetson.module) f.jetson.module = Fact<std::string>::known(name, source_of(g));
      }
    }
    f.gpus = Fact<std::vector<GpuFacts>>::known(std::move(gpus), source_of(env.gpus.front()));
  } else if (models != nullptr && to_lower(trim(models->value)) == "no cuda") {
    // "No CUDA": torch has no CUDA, so the script did not look; says nothing about the GPUs.
  }
}

void apply_torch(const CollectEnv& env, HostFacts& f, std::vector<std::string>& notes) {
  if (f.torch.source == "override") return;
  const EnvField* tv = env.field("torch_version");
  std::optional<Version> version;
  if (tv != nullptr && env.known("torch_version")) {
    if (auto v = Version::parse(tv->value)) version = *v;
  }
  // "[pip3] torch==2.6.0+cu124": the installed distribution, which may not be the one imported.
  std::optional<Version> listed;
  const EnvField* listed_field = nullptr;
  for (const auto& lib : env.libraries) {
    const auto at = lib.value.find("] torch==");
    if (at == std::string::npos) continue;
    if (auto v = Version::parse(trim(std::string_view(lib.value).substr(at + 9)))) {
      listed = *v;
      listed_field = &lib;
      break;
    }
  }
  if (version && listed &&
      !(version->public_version() == listed->public_version() && version->local() == listed->local())) {
    notes.push_back("collect_env reports torch " + version->str() + " (line " + std::to_string(tv->line) +
                    ") but lists torch==" + listed->str() + " (line " + std::to_string(listed_field->line) +
                    "): two torch installs; the interpreter imports the first");
  }
  if (!version && listed) {
    version = listed;
    tv = listed_field;
  }
  if (!version) return;
  TorchInstall t;
  t.version = Fact<Version>::known(*version, source_of(*tv));
  const EnvField* built = env.field("cuda_used_to_build");
  const bool rocm = env.known("rocm_used_to_build").has_value();
  if (built != nullptr && env.known("cuda_used_to_build")) {
    if (auto c = Version::parse(built->value)) t.cuda = Fact<Version>::known(*c, source_of(*built));
  } else if (rocm) {
    t.cuda = Fact<Version>::unknown(source_of(*env.field("rocm_used_to_build")), "a ROCm build");
    notes.push_back("torch " + version->str() + " is a ROCm (AMD) build: it does not use NVIDIA GPUs");
  } else if (built != nullptr) {
    // collect_env prints None (2.x) or "Could not collect" (1.x) for torch.version.cuda == None.
    t.cuda = Fact<Version>::unknown(source_of(*built), "CPU-only build (torch.version.cuda is None)");
  } else if (auto cv = cuda_of_variant(version->local())) {
    t.cuda = Fact<Version>::known(*cv, source_of(*tv));
  } else {
    t.cuda = Fact<Version>::unknown(source_of(*tv), "not reported");
  }
  if (auto py = env.known("python_version")) {
    if (auto v = version_in(*py))
      t.python_version = Fact<Version>::known(v->truncated(2), source_of(*env.field("python_version")));
  }
  f.torch = Fact<std::vector<TorchInstall>>::known({std::move(t)}, source_of(*tv));
}

}  // namespace

std::vector<std::string> apply_collect_env(const CollectEnv& env, HostFacts& f) {
  std::vector<std::string> notes;
  apply_os(env, f);
  apply_cpu(env, f);
  apply_gpus(env, f);
  if (const EnvField* d = env.field("driver"); d != nullptr && env.known("driver")) {
    if (auto v = Version::parse(d->value)) set_fact(f.driver.version, *v, *d);
  }
  if (const EnvField* py = env.field("python_version"); py != nullptr && env.known("python_version")) {
    if (auto v = version_in(py->value)) set_fact(f.python_version, v->truncated(2), *py);
  }
  apply_torch(env, f, notes);
  const auto runtime = env.known("cuda_runtime");
  if (runtime && f.torch.value && !f.torch.value->empty() && f.torch.value->front().cuda) {
    const auto nvcc = version_in(*runtime);
    const Version& tc = *f.torch.value->front().cuda.value;
    if (nvcc && nvcc->major() != tc.major()) {
      notes.push_back("\"CUDA runtime version: " + *runtime + "\" is the nvcc on PATH, not torch's runtime (CUDA " +
                      tc.str() + "); it matters only when building CUDA extensions");
    }
  }
  return notes;
}

}  // namespace td
