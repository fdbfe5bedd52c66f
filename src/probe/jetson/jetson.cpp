// Jetson detector: L4T release from /etc/nv_tegra_release or the nvidia-l4t-core package,
// Tegra from /sys/devices/soc0/family and the device tree; adds the integrated GPU.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

Result<Version> parse_nv_tegra_release(std::string_view text) {
  // "# R35 (release), REVISION: 3.1, GCID: 32827747, BOARD: t186ref, EABI: aarch64, DATE: ..."
  const auto first = lines(text);
  if (first.empty()) return make_error(ErrorKind::parse, "empty file");
  const std::string_view line = trim(first.front());
  const auto r = line.find('R');
  if (line.rfind("# R", 0) != 0 || r == std::string_view::npos) return make_error(ErrorKind::parse, "first line is not '# R<major> ...'");
  std::size_t end = r + 1;
  while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])) != 0) ++end;
  const auto major = parse_uint(line.substr(r + 1, end - r - 1));
  const auto rev = line.find("REVISION:");
  if (!major || rev == std::string_view::npos) return make_error(ErrorKind::parse, "no release or REVISION field");
  std::string_view revision = trim(line.substr(rev + 9));
  revision = revision.substr(0, revision.find(','));
  auto v = Version::parse(std::to_string(*major) + "." + std::string(trim(revision)));
  if (!v) return make_error(ErrorKind::parse, "bad REVISION '" + sanitize(revision, 20) + "'");
  return *v;
}

Result<Version> parse_dpkg_l4t_core(std::string_view status) {
  // dpkg's status file lists every package (megabytes on a desktop): look for ours before splitting lines.
  if (status.find("nvidia-l4t-core") == std::string_view::npos) return make_error(ErrorKind::not_found, "nvidia-l4t-core is not installed");
  bool in_package = false;
  for (std::string_view line : lines(status)) {
    if (line.rfind("Package:", 0) == 0) in_package = trim(line.substr(8)) == "nvidia-l4t-core";
    if (in_package && line.rfind("Version:", 0) == 0) {
      // 35.3.1-20230319081403
      std::string_view v = trim(line.substr(8));
      v = v.substr(0, v.find('-'));
      auto parsed = Version::parse(v);
      if (parsed) return parsed;
      return make_error(ErrorKind::parse, "bad nvidia-l4t-core version '" + sanitize(v, 30) + "'");
    }
  }
  return make_error(ErrorKind::not_found, "nvidia-l4t-core is not installed");
}

namespace {

std::optional<std::string> tegra_soc_from_compatible(const std::vector<std::string>& compat) {
  for (const auto& c : compat) {
    if (c.rfind("nvidia,tegra", 0) == 0) return "t" + c.substr(12);
  }
  return std::nullopt;
}

}  // namespace

void detect_jetson(const ProbeContext& ctx, HostFacts& facts) {
  const char* release_path = "/etc/nv_tegra_release";
  if (auto text = ctx.fs.read_file(release_path, 4096)) {
    auto v = parse_nv_tegra_release(*text);
    if (v) facts.jetson.l4t = Fact<Version>::known(*v, std::string("file:") + release_path);
    else add_issue(facts, "jetson", ctx.fs.display(release_path) + ": " + v.error().message);
  }
  if (!facts.jetson.l4t) {
    if (auto status = ctx.fs.read_file("/var/lib/dpkg/status", 32U << 20U)) {
      if (auto v = parse_dpkg_l4t_core(*status)) {
        facts.jetson.l4t = Fact<Version>::known(*v, "dpkg:nvidia-l4t-core");
      }
    }
  }

  bool tegra = facts.jetson.l4t.has_value();
  std::string tegra_source = facts.jetson.l4t.source;
  // Mainline kernels say "Tegra"; some L4T kernels "Tegra210" and the like.
  if (auto family = ctx.fs.read_file("/sys/devices/soc0/family", 256); family && to_lower(trim(*family)).rfind("tegra", 0) == 0) {
    tegra = true;
    if (tegra_source.empty()) tegra_source = "file:/sys/devices/soc0/family";
  }
  std::optional<std::string> soc;
  if (facts.board.compatible) soc = tegra_soc_from_compatible(*facts.board.compatible.value);
  if (soc) {
    tegra = true;
    facts.jetson.soc = Fact<std::string>::known(*soc, facts.board.compatible.source);
    if (tegra_source.empty()) tegra_source = facts.board.compatible.source;
  }
  if (!tegra) {
    facts.jetson.l4t = Fact<Version>::unknown("file:/etc/nv_tegra_release", "not a Jetson");
    return;
  }
  if (!facts.jetson.l4t) facts.jetson.l4t = Fact<Version>::unknown("file:/etc/nv_tegra_release", "Tegra SoC but no L4T release file");
  if (!facts.jetson.soc) facts.jetson.soc = Fact<std::string>::unknown("file:/proc/device-tree/compatible", "no nvidia,tegra* entry");
  if (facts.board.model) facts.jetson.module = Fact<std::string>::known(*facts.board.model.value, facts.board.model.source);
  else facts.jetson.module = Fact<std::string>::unknown("file:/proc/device-tree/model", "no device-tree model");

  // The integrated GPU (not on PCI); its capability comes from the KB's module table.
  GpuFacts igpu;
  igpu.integrated = Fact<bool>::known(true, tegra_source);
  igpu.name = facts.jetson.module.has_value() ? Fact<std::string>::known(*facts.jetson.module.value, facts.jetson.module.source)
                                              : Fact<std::string>::unknown("", "unknown module");
  igpu.compute_capability = Fact<ComputeCapability>::unknown("", "needs the knowledge base's module table");
  if (!facts.gpus) facts.gpus = Fact<std::vector<GpuFacts>>::known({}, tegra_source);
  facts.gpus.value->push_back(std::move(igpu));
}

}  // namespace td
