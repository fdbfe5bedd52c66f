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
  if (line.rfind("# R", 0) != 0 || r == std::string_view::npos)
    return make_error(ErrorKind::parse, "first line is not '# R<major> ...'");
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

namespace {

constexpr std::string_view k_l4t_package = "Package: nvidia-l4t-core";

// Where the line "Package: nvidia-l4t-core" starts in `text`, or npos. `text` starts a line when
// `at_line_start`.
std::size_t find_l4t_package(std::string_view text, bool at_line_start) {
  for (std::size_t at = 0; (at = find_bytes(text, k_l4t_package, at)) != std::string_view::npos;
       at += k_l4t_package.size()) {
    const std::size_t end = at + k_l4t_package.size();
    const bool starts = at == 0 ? at_line_start : text[at - 1] == '\n';
    const bool ends =
        end == text.size() || text[end] == '\n' || text[end] == '\r' || text[end] == ' ' || text[end] == '\t';
    if (starts && ends) return at;
  }
  return std::string_view::npos;
}

// dpkg's status file lists every package (a megabyte on a desktop, where the package is absent):
// it is searched in windows of 64 KiB, not read whole, and only our stanza is parsed.
constexpr std::size_t k_dpkg_window = 64U << 10U;

Result<Version> l4t_core_from_dpkg(const FileSystem& fs) {
  auto file = fs.open_file("/var/lib/dpkg/status");
  if (!file) return file.error();
  const std::uint64_t size = (*file)->size();
  const std::size_t step = k_dpkg_window - k_l4t_package.size() - 1;  // windows overlap by a match and its line start
  for (std::uint64_t offset = 0; offset < size; offset += step) {
    auto window = (*file)->read_at(offset, k_dpkg_window);
    if (!window) return window.error();
    const std::size_t at = find_l4t_package(*window, offset == 0);
    if (at != std::string_view::npos) {
      auto stanza = (*file)->read_at(offset + at, k_dpkg_window);
      if (!stanza) return stanza.error();
      return parse_dpkg_l4t_core(*stanza);
    }
    if (window->size() < k_dpkg_window) break;
  }
  return make_error(ErrorKind::not_found, "nvidia-l4t-core is not installed");
}

}  // namespace

Result<Version> parse_dpkg_l4t_core(std::string_view status) {
  const std::size_t at = find_l4t_package(status, true);
  if (at == std::string_view::npos) return make_error(ErrorKind::not_found, "nvidia-l4t-core is not installed");
  std::string_view stanza = status.substr(at);
  stanza = stanza.substr(0, stanza.find("\n\n"));
  for (std::string_view line : lines(stanza)) {
    if (line.rfind("Version:", 0) != 0) continue;
    // 35.3.1-20230319081403
    std::string_view v = trim(line.substr(8));
    v = v.substr(0, v.find('-'));
    auto parsed = Version::parse(v);
    if (parsed) return parsed;
    return make_error(ErrorKind::parse, "bad nvidia-l4t-core version '" + sanitize(v, 30) + "'");
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
    if (v)
      facts.jetson.l4t = Fact<Version>::known(*v, std::string("file:") + release_path);
    else
      add_issue(facts, "jetson", ctx.fs.display(release_path) + ": " + v.error().message);
  }
  if (!facts.jetson.l4t) {
    if (auto v = l4t_core_from_dpkg(ctx.fs)) facts.jetson.l4t = Fact<Version>::known(*v, "dpkg:nvidia-l4t-core");
  }

  bool tegra = facts.jetson.l4t.has_value();
  std::string tegra_source = facts.jetson.l4t.source;
  // Mainline kernels say "Tegra"; some L4T kernels "Tegra210" and the like.
  if (auto family = ctx.fs.read_file("/sys/devices/soc0/family", 256);
      family && to_lower(trim(*family)).rfind("tegra", 0) == 0) {
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
  if (!facts.jetson.l4t)
    facts.jetson.l4t = Fact<Version>::unknown("file:/etc/nv_tegra_release", "Tegra SoC but no L4T release file");
  if (!facts.jetson.soc)
    facts.jetson.soc = Fact<std::string>::unknown("file:/proc/device-tree/compatible", "no nvidia,tegra* entry");
  if (facts.board.model)
    facts.jetson.module = Fact<std::string>::known(*facts.board.model.value, facts.board.model.source);
  else
    facts.jetson.module = Fact<std::string>::unknown("file:/proc/device-tree/model", "no device-tree model");

  // The integrated GPU (not on PCI); its capability comes from the KB's module table.
  GpuFacts igpu;
  igpu.integrated = Fact<bool>::known(true, tegra_source);
  igpu.name = facts.jetson.module.has_value()
                  ? Fact<std::string>::known(*facts.jetson.module.value, facts.jetson.module.source)
                  : Fact<std::string>::unknown("", "unknown module");
  igpu.compute_capability = Fact<ComputeCapability>::unknown("", "needs the knowledge base's module table");
  if (!facts.gpus) facts.gpus = Fact<std::vector<GpuFacts>>::known({}, tegra_source);
  facts.gpus.value->push_back(std::move(igpu));
}

}  // namespace td
