// The field tables of the knowledge base: the one declaration the loader checks records against,
// `kb show schema` prints and docs/kb.md's field reference is generated from. Key names follow one
// rule (docs/kb.md, "Key names"): `cc` is one compute capability, `arch` the list of targets compiled
// to machine code (SASS), `ptx` the list also shipped as PTX; versions are named after what they
// version (`cuda`, `torch`, `l4t`, `jetpack`), minimum and maximum as `_min` / `_max` or `min_`.

#include "torchdoctor/kb/schema.hpp"

#include <algorithm>

namespace td {
namespace {

using T = KbType;

KbFieldSpec req(std::string_view name, KbType type, std::string_view description,
                std::vector<std::string_view> allowed = {}) {
  return KbFieldSpec{name, type, true, {}, std::move(allowed), description, {}, {}};
}

KbFieldSpec opt(std::string_view name, KbType type, std::string_view description,
                std::vector<std::string_view> allowed = {}) {
  return KbFieldSpec{name, type, false, {}, std::move(allowed), description, {}, {}};
}

// Required only sometimes: the table's reader checks `when`.
KbFieldSpec when(std::string_view name, KbType type, std::string_view when_text, std::string_view description,
                 std::vector<std::string_view> allowed = {}) {
  return KbFieldSpec{name, type, false, when_text, std::move(allowed), description, {}, {}};
}

const std::vector<std::string_view> k_severities{"error", "warn", "info"};
const std::vector<std::string_view> k_variants{"cpu", "cu*"};
const std::vector<std::string_view> k_image_platforms{"linux/amd64", "linux/arm64"};

// Every record of a [[table]] ends with its provenance.
void add_provenance(KbTableSpec& t) {
  KbFieldSpec source = req("source", T::strings, "the URL or owner/repo:path@commit the record was read from");
  source.missing_hint = "every record needs the URL or repository path it was read from";
  t.fields.push_back(std::move(source));
  t.fields.push_back(opt("confirmed", T::boolean, "false where a value could not be confirmed at a source"));
  t.fields.push_back(when("note", T::string, "confirmed = false", "why unconfirmed, or where sources disagree"));
}

std::vector<KbTableSpec> cuda_tables() {
  return {
      {"cuda_release",
       "cuda.toml",
       "a CUDA toolkit release and the driver it needs",
       {req("version", T::version, "the toolkit release (12.4.1)"),
        opt("released", T::string, "year and month (2024-04)"),
        opt("min_driver_linux", T::version, "the release notes' Toolkit Driver Version on Linux"),
        opt("min_driver_windows", T::version, "and on Windows")}},
      {"cuda_major",
       "cuda.toml",
       "minor-version compatibility: the oldest driver that runs anything built with that major",
       {req("major", T::integer, "the CUDA major (11, 12, 13)"),
        req("min_driver_linux", T::version, "the floor on Linux"),
        opt("min_driver_windows", T::version, "the floor on Windows")}},
      {"driver_branch",
       "cuda.toml",
       "a data-center driver branch",
       {req("branch", T::string, "the branch (535)"),
        opt("kind", T::string, "its support model", {"LTSB", "production", "new-feature"}),
        opt("max_cuda", T::version, "the CUDA level that branch's driver reports"),
        opt("eol", T::string, "its end of life, if stated (2026-06)"),
        opt("last_for", T::strings, "GPU families (gpu.family) whose last supporting branch this is")}},
      {"toolkit_arch",
       "cuda.toml",
       "the compute capabilities nvcc of one CUDA minor compiles for",
       {req("cuda", T::version, "the CUDA minor (12.8)"), req("arch", T::ccs, "the plain targets it compiles (sm_XY)"),
        opt("arch_specific", T::ccs, "the architecture-specific 'a' targets it accepts (9.0a)"),
        opt("family_specific", T::ccs, "the family-specific 'f' targets it accepts (CUDA 12.9+, 10.0f)"),
        opt("deprecated", T::ccs, "targets that still compile with a deprecation warning")}},
      {"host_compiler",
       "compilers.toml",
       "nvcc's supported host compilers for one CUDA minor",
       {req("cuda", T::version, "the CUDA minor (12.4)"), opt("gcc_min", T::version, "the oldest GCC, if stated"),
        opt("gcc_max", T::version, "the newest GCC"), opt("clang_min", T::version, "the oldest Clang, if stated"),
        opt("clang_max", T::version, "the newest Clang")}},
      {"arch_name",
       "compilers.toml",
       "a name TORCH_CUDA_ARCH_LIST may hold, as cpp_extension expands it (records in its order)",
       {req("name", T::string, "the name (Ampere; a combined one such as Ampere+Tegra comes first)"),
        req("archs", T::string, "the list it stands for (8.0;8.6+PTX)")}},
  };
}

std::vector<KbTableSpec> gpu_and_torch_tables() {
  return {
      {"gpu",
       "gpus.toml",
       "a GPU model",
       {req("name", T::string, "the name NVML reports (NVIDIA GeForce RTX 4090)"),
        opt("aliases", T::strings, "other names it is looked up by (RTX 4090)"),
        opt("pci_ids", T::strings, "PCI device ids of vendor 0x10de (0x2684); [] if unknown"),
        req("cc", T::cc, "its compute capability"), opt("memory_gib", T::number, "memory in GiB; omitted if unknown"),
        opt("family", T::string, "its architecture (Ada Lovelace), as driver_branch.last_for names it"),
        opt("segment", T::string, "its market segment", {"geforce", "workstation", "datacenter", "tegra"})}},
      {"torch_release",
       "torch.toml",
       "a PyTorch release",
       {req("version", T::version, "the release (2.6.0)"), opt("released", T::string, "its date (2025-01-29)"),
        req("python", T::strings, "CPython versions with wheels (3.12; 3.13t for free-threaded builds)"),
        opt("pypi_default_linux_x86_64", T::string, "the variant the default index serves on Linux x86_64", k_variants),
        opt("pypi_default_linux_aarch64", T::string, "and on Linux aarch64", k_variants)}},
      {"torch_wheel",
       "torch.toml",
       "one wheel variant of a release",
       {req("torch", T::version, "the release; it needs a [[torch_release]]"),
        req("variant", T::string, "cpu or cuXYZ", k_variants),
        when("cuda", T::version, "a cuXYZ variant", "the CUDA it is built with"),
        when("arch", T::ccs, "a confirmed cuXYZ variant", "SASS (cubin) targets compiled in (TORCH_CUDA_ARCH_LIST)"),
        opt("ptx", T::ccs, "targets also shipped as PTX (+PTX)"),
        req("platforms", T::strings, "where it installs", {"linux-x86_64", "linux-aarch64", "windows-x86_64"}),
        opt("glibc", T::version, "the manylinux glibc baseline of the Linux wheels"),
        opt("index", T::string, "where it is published, named symbolically", {"pypi", "pytorch"}),
        opt("python", T::strings, "this wheel's CPython versions where they differ from the release's")}},
  };
}

std::vector<KbTableSpec> image_tables() {
  return {
      {"pytorch_image",
       "images.toml",
       "a pytorch/pytorch image",
       {req("ref", T::string, "the image reference"), req("torch", T::version, "its torch release"),
        opt("cuda", T::version, "its CUDA"), opt("cudnn", T::string, "its cuDNN major"),
        opt("flavor", T::string, "runtime or devel", {"runtime", "devel"}),
        req("platforms", T::strings, "its platforms", k_image_platforms)}},
      {"ngc_pytorch",
       "images.toml",
       "an nvcr.io/nvidia/pytorch image",
       {req("ref", T::string, "the image reference"),
        opt("torch", T::string, "torch as NVIDIA prints it (2.6.0a0+df5bbc09d1)"), opt("cuda", T::version, "its CUDA"),
        opt("min_driver", T::version, "the driver the release notes state (informational)"),
        opt("compat_drivers", T::strings, "the release notes' data-center forward-compatibility floors (470.57)"),
        opt("platforms", T::strings, "its platforms", k_image_platforms),
        opt("arch", T::ccs, "the GPU targets its torch carries as machine code, where read (TORCH_CUDA_ARCH_LIST)"),
        opt("ptx", T::ccs, "the targets it also carries as PTX"),
        opt("arch_platforms", T::strings, "the platforms arch and ptx were read for; empty: all", k_image_platforms),
        opt("igpu", T::boolean, "true for the -igpu (Jetson) variant"), opt("python", T::string, "its Python (3.12)"),
        opt("ubuntu", T::string, "its Ubuntu (24.04)")}},
  };
}

std::vector<KbTableSpec> jetson_tables() {
  return {
      {"jetpack",
       "jetson.toml",
       "a JetPack release",
       {req("jetpack", T::version, "the release (6.2)"),
        opt("stage", T::string, "DP (developer preview) or EA (early access); omitted for production", {"DP", "EA"}),
        req("l4t", T::version, "its L4T (36.4.3)"), opt("cuda", T::version, "its CUDA"),
        opt("cudnn", T::string, "its cuDNN"), opt("tensorrt", T::string, "its TensorRT"),
        opt("ubuntu", T::string, "its Ubuntu"), opt("released", T::string, "its date (2025-01)"),
        opt("modules", T::strings, "the [[jetson_module]] ids it supports"),
        opt("cuda_stack", T::string, "tegra (default): CUDA for the iGPU only; sbsa: the Arm server stack (JetPack 7)",
            {"tegra", "sbsa"})}},
      {"jetson_module",
       "jetson.toml",
       "a Jetson module",
       {req("id", T::string, "its id (agx-orin)"), opt("name", T::string, "its name (Jetson AGX Orin)"),
        opt("soc", T::string, "its SoC (t234)"), req("cc", T::cc, "its iGPU's compute capability"),
        opt("dt_compatible", T::strings, "device-tree compatible strings that identify it"),
        opt("p_numbers", T::strings, "module part numbers (p3701)"),
        opt("l4t_major", T::strings, "the L4T majors it runs (35, 36)")}},
      {"l4t_image",
       "jetson.toml",
       "an L4T container image (l4t-pytorch, dustynv, NGC -igpu)",
       {req("ref", T::string, "the image reference"),
        req("l4t", T::version, "the L4T line it is built for, at least major.minor (36.4)"),
        opt("torch", T::string, "its torch"), opt("platforms", T::strings, "its platforms", {"linux/arm64"})}},
      {"jetson_wheel",
       "jetson.toml",
       "a PyTorch wheel built for a JetPack",
       {req("jetpack", T::version, "the JetPack; it needs a [[jetpack]]"),
        req("torch", T::string, "torch as the wheel names it"), opt("cuda", T::version, "its CUDA"),
        opt("python", T::versions, "its CPython versions"),
        opt("index", T::string, "where it is published", {"jetson-ai-lab", "nvidia-redist", "nvidia-box"}),
        when("wheel", T::string, "index = \"nvidia-redist\"",
             "nvidia-redist: its path under compute/redist/; nvidia-box: the file name to save it as"),
        opt("url", T::string, "nvidia-box only: https://nvidia.box.com/shared/static/<id>.whl")}},
  };
}

std::vector<KbTableSpec> other_tables() {
  return {
      {"board",
       "boards.toml",
       "an ARM board without an NVIDIA GPU",
       {req("id", T::string, "its id (raspberry-pi-4)"), opt("name", T::string, "its name"),
        opt("soc", T::string, "its SoC (bcm2711)"), opt("accelerator", T::string, "its accelerator", {"none", "npu"}),
        opt("path", T::string, "the path torchdoctor advises", {"cpu", "npu"}),
        opt("advice", T::string, "what to install"),
        opt("dt_compatible", T::strings, "device-tree compatible strings that identify it")}},
      {"signature",
       "signatures.toml",
       "an error message explain recognises in logs, and what it means",
       {req("id", T::string, "a unique name (no_kernel_image)"),
        req("pattern", T::strings, "plain substrings (3 characters or more); a line holding any of them matches"),
        opt("regex", T::string, "an ECMAScript regex run on the matching line(s); checked at load"),
        opt("captures", T::strings, "names of the regex's groups, in order (needs regex)"),
        opt("lines", T::integer, "lines the regex sees, 1 to 4 (default 1)"),
        opt("kind", T::string, "fact signatures only supply facts (default problem)", {"problem", "fact"}),
        when("code", T::string, "kind = \"problem\"", "a reason code (kb show codes)"),
        opt("severity", T::string, "default error; info does not make explain exit 1", k_severities),
        when("cause", T::string, "kind = \"problem\"", "one sentence; {name} and {name|fallback} are filled in"),
        opt("fix", T::string, "commands or steps, one per line"),
        opt("priority", T::integer, "ranks diagnoses of equal severity (default 50)"),
        KbFieldSpec{"refine",
                    T::tables,
                    false,
                    {},
                    {},
                    "conditions that change or reject the diagnosis",
                    "signature.refine",
                    {}}}},
      {"signature.refine",
       "signatures.toml",
       "a condition under which the facts change or reject a signature's diagnosis",
       {req("when", T::strings, "predicates that must all hold (docs/kb.md, \"[[signature.refine]]\")"),
        opt("code", T::string, "replacement reason code"),
        opt("severity", T::string, "replacement severity", k_severities), opt("cause", T::string, "replacement cause"),
        opt("fix", T::string, "replacement fix"), opt("reject", T::boolean, "the facts rule this diagnosis out"),
        opt("note", T::string, "why this refinement exists (documentation only)")},
       /*nested=*/true},
      {"meta",
       "meta.toml",
       "the knowledge base's own keys",
       {opt("schema", T::string, "the KB format", {"torchdoctor.kb/v1"}),
        req("as_of", T::date, "the date the facts were last checked against their sources"),
        opt("note", T::string, "a remark")},
       /*nested=*/false,
       /*top_level=*/true},
  };
}

std::vector<KbTableSpec> make_schema() {
  std::vector<KbTableSpec> all;
  for (auto part : {cuda_tables(), gpu_and_torch_tables(), image_tables(), jetson_tables(), other_tables()}) {
    for (auto& t : part) {
      if (!t.nested && !t.top_level) add_provenance(t);
      all.push_back(std::move(t));
    }
  }
  for (auto& f : all.back().fields) {
    if (f.name == "as_of") f.missing_hint = "the date the knowledge base was last checked, YYYY-MM-DD";
  }
  return all;
}

}  // namespace

const std::vector<KbTableSpec>& kb_schema() {
  static const std::vector<KbTableSpec> k_schema = make_schema();
  return k_schema;
}

const KbTableSpec* kb_table_spec(std::string_view name) {
  for (const auto& t : kb_schema()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const KbFieldSpec* kb_field_spec(const KbTableSpec& table, std::string_view name) {
  for (const auto& f : table.fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view kb_type_name(KbType type) {
  switch (type) {
    case KbType::string:
      return "string";
    case KbType::version:
      return "version";
    case KbType::cc:
      return "compute capability";
    case KbType::date:
      return "date";
    case KbType::integer:
      return "integer";
    case KbType::number:
      return "number";
    case KbType::boolean:
      return "bool";
    case KbType::strings:
      return "list of strings";
    case KbType::versions:
      return "list of versions";
    case KbType::ccs:
      return "list of compute capabilities";
    case KbType::tables:
      return "table array";
  }
  return "";
}

bool kb_value_allowed(const KbFieldSpec& field, std::string_view value) {
  if (field.allowed.empty()) return true;
  return std::any_of(field.allowed.begin(), field.allowed.end(), [&](std::string_view a) {
    if (!a.empty() && a.back() == '*') return value.substr(0, a.size() - 1) == a.substr(0, a.size() - 1);
    return value == a;
  });
}

std::string kb_allowed_text(const KbFieldSpec& field) {
  std::string out;
  for (std::size_t i = 0; i < field.allowed.size(); ++i) {
    if (i > 0) out += i + 1 == field.allowed.size() ? " or " : ", ";
    const std::string_view a = field.allowed[i];
    out += a.back() == '*' ? std::string(a.substr(0, a.size() - 1)) + "..." : std::string(a);
  }
  return out;
}

}  // namespace td
