// The build-env decision as text, shell exports, CMake flags, GitHub env lines, make variables,
// nvcc flags or JSON (torchdoctor.build-env/v1, docs/build-env.md).
#include "torchdoctor/report/build_env.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

#include "torchdoctor/core/arch_list.hpp"
#include "torchdoctor/core/strings.hpp"

namespace td {
namespace {

// The variables every format writes, in order.
std::vector<std::pair<std::string, std::string>> variables(const BuildEnv& b) {
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("TORCHDOCTOR_BUILD_CUDA", b.build_cuda ? "1" : "0");
  v.emplace_back("FORCE_CUDA", b.build_cuda ? "1" : "0");
  if (!b.build_cuda) return v;
  if (b.toolkit) v.emplace_back("CUDA_HOME", b.toolkit->path);
  if (b.toolkit && b.toolkit->nvcc) v.emplace_back("CUDACXX", *b.toolkit->nvcc);
  if (!b.archs.empty()) {
    v.emplace_back("TORCH_CUDA_ARCH_LIST", torch_cuda_arch_list(b.archs));
    v.emplace_back("CMAKE_CUDA_ARCHITECTURES", cmake_cuda_architectures(b.archs));
  }
  return v;
}

// One line: the decision and why.
std::string headline(const BuildEnv& b) {
  if (!b.build_cuda) return "do not build CUDA: " + b.skip_reason;
  if (b.mode != CudaMode::auto_) return "build CUDA: forced by " + b.mode_source;
  return b.torch ? "build CUDA: a CUDA toolkit and a CUDA torch are present (no GPU is needed)"
                 : "build CUDA: a CUDA toolkit is present (--no-torch; no GPU is needed)";
}

void print_comments(std::ostream& out, const BuildEnv& b, const char* mark) {
  out << mark << " torchdoctor build-env: " << headline(b) << '\n';
  for (const auto& i : b.inputs) out << mark << "   " << i.name << " = " << i.value << ": " << i.effect << '\n';
  for (const auto& r : b.reasons)
    out << mark << " " << r.code << " (" << severity_name(r.severity) << "): " << r.message << '\n';
}

}  // namespace

nlohmann::json build_env_to_json(const BuildEnv& b) {
  nlohmann::json j;
  j["schema"] = "torchdoctor.build-env/v1";
  j["build_cuda"] = b.build_cuda;
  j["mode"] = cuda_mode_name(b.mode);
  j["mode_source"] = b.mode_source;
  j["skip_reason"] = b.skip_reason.empty() ? nlohmann::json() : nlohmann::json(b.skip_reason);
  j["toolkit"] = b.toolkit
                     ? nlohmann::json{{"path", b.toolkit->path},
                                      {"version", b.toolkit->version ? nlohmann::json(b.toolkit->version->str())
                                                                     : nlohmann::json()},
                                      {"nvcc", b.toolkit->nvcc ? nlohmann::json(*b.toolkit->nvcc) : nlohmann::json()}}
                     : nlohmann::json();
  j["torch"] =
      b.torch
          ? nlohmann::json{{"version", b.torch->version ? nlohmann::json(b.torch->version->str()) : nlohmann::json()},
                           {"cuda", b.torch->cuda ? nlohmann::json(b.torch->cuda->str()) : nlohmann::json()},
                           {"python", b.torch->python ? nlohmann::json(*b.torch->python) : nlohmann::json()}}
          : nlohmann::json();
  j["host_compiler"] = b.compiler.path.empty()
                           ? nlohmann::json()
                           : nlohmann::json{{"path", b.compiler.path},
                                            {"kind", b.compiler.kind},
                                            {"version", b.compiler.version ? nlohmann::json(b.compiler.version->str())
                                                                           : nlohmann::json()}};
  j["arch_source"] = b.arch_source.empty() ? nlohmann::json() : nlohmann::json(b.arch_source);
  j["archs"] = nlohmann::json::array();
  for (const auto& a : b.archs) j["archs"].push_back({{"sm", a.cc.nvcc_name()}, {"ptx", a.ptx}});
  j["variables"] = nlohmann::json::object();
  for (const auto& [k, v] : variables(b)) j["variables"][k] = v;
  j["nvcc_flags"] = nvcc_gencode_flags(b.archs);
  j["inputs"] = nlohmann::json::array();
  for (const auto& i : b.inputs) j["inputs"].push_back({{"name", i.name}, {"value", i.value}, {"effect", i.effect}});
  j["reasons"] = nlohmann::json::array();
  for (const auto& r : b.reasons) {
    j["reasons"].push_back(
        {{"code", r.code}, {"severity", severity_name(r.severity)}, {"message", r.message}, {"fix", r.fix}});
  }
  return j;
}

namespace {

void print_text(std::ostream& out, const BuildEnv& b) {
  const std::string line = headline(b);
  out << (b.build_cuda ? "Build CUDA: yes — " : "Build CUDA: no — ") << line.substr(line.find(": ") + 2) << "\n\n";
  if (b.build_cuda && !b.archs.empty()) {
    out << "  TORCH_CUDA_ARCH_LIST      " << torch_cuda_arch_list(b.archs) << "   (from " << b.arch_source << ")\n";
    out << "  CMAKE_CUDA_ARCHITECTURES  " << cmake_cuda_architectures(b.archs) << "\n\n";
  }
  out << "Inputs\n";
  for (const auto& i : b.inputs) out << "  " << i.name << ": " << i.value << "\n      → " << i.effect << '\n';
  if (!b.reasons.empty()) {
    out << "\nProblems\n";
    for (const auto& r : b.reasons) {
      out << "  " << r.code << " (" << severity_name(r.severity) << ") — " << r.message << '\n';
      if (!r.fix.empty()) out << "      → " << r.fix << '\n';
    }
  }
  out << "\nUse it: eval \"$(torchdoctor build-env --format sh)\"; cmake $(torchdoctor build-env --format cmake) ...;"
         " torchdoctor build-env --format github >> \"$GITHUB_ENV\"\n";
}

}  // namespace

Status write_build_env(std::ostream& out, const std::string& format, const BuildEnv& b) {
  if (format == "json") {
    out << build_env_to_json(b).dump(2) << '\n';
  } else if (format == "sh") {
    print_comments(out, b, "#");
    for (const auto& [k, v] : variables(b)) out << "export " << k << '=' << shell_quote(v) << '\n';
  } else if (format == "cmake") {
    // One line for `cmake $(torchdoctor build-env --format cmake)`: no quotes (they would be kept).
    out << "-DTORCHDOCTOR_BUILD_CUDA=" << (b.build_cuda ? "ON" : "OFF");
    if (b.build_cuda && b.toolkit && b.toolkit->nvcc) out << " -DCMAKE_CUDA_COMPILER=" << *b.toolkit->nvcc;
    if (b.build_cuda && !b.archs.empty()) {
      out << " -DCMAKE_CUDA_ARCHITECTURES=" << cmake_cuda_architectures(b.archs)
          << " -DTORCH_CUDA_ARCH_LIST=" << torch_cuda_arch_list(b.archs);
    }
    out << '\n';
  } else if (format == "github") {
    for (const auto& [k, v] : variables(b)) out << k << '=' << v << '\n';
  } else if (format == "make") {
    print_comments(out, b, "#");
    for (const auto& [k, v] : variables(b)) out << k << " := " << v << '\n';
    if (b.build_cuda) out << "NVCC_GENCODE := " << nvcc_gencode_flags(b.archs) << '\n';
  } else if (format == "nvcc") {
    out << nvcc_gencode_flags(b.archs) << '\n';
  } else if (format == "text") {
    print_text(out, b);
  } else {
    return make_error(ErrorKind::bad_input,
                      "--format '" + sanitize(format) + "': expected text, sh, cmake, json, github, make or nvcc");
  }
  return Ok{};
}

}  // namespace td
