// Board detector: the device tree's model and compatible strings (ARM boards: Jetson,
// Raspberry Pi, Rockchip), which the KB maps to a module or to the CPU/NPU path.
#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/parsers.hpp"
#include "torchdoctor/probe/probe.hpp"

namespace td {

std::vector<std::string> parse_dt_strings(std::string_view bytes) {
  std::vector<std::string> out;
  for (const auto& part : split(bytes, '\0')) {
    const std::string_view t = trim(part);
    if (!t.empty() && is_printable(t)) out.emplace_back(t.substr(0, 128));
  }
  return out;
}

void detect_board(const ProbeContext& ctx, HostFacts& facts) {
  // /proc/device-tree is a link to /sys/firmware/devicetree/base; try both for trees without /proc.
  for (const char* base : {"/proc/device-tree", "/sys/firmware/devicetree/base"}) {
    const std::string model_path = std::string(base) + "/model";
    if (!ctx.fs.exists(model_path) && !ctx.fs.exists(std::string(base) + "/compatible")) continue;
    if (auto model = ctx.fs.read_file(model_path, 4096)) {
      const auto strings = parse_dt_strings(*model);
      if (!strings.empty())
        facts.board.model = Fact<std::string>::known(sanitize(strings.front()), "file:" + model_path);
      else
        facts.board.model = Fact<std::string>::unknown("file:" + model_path, "empty or unprintable");
    }
    const std::string compat_path = std::string(base) + "/compatible";
    if (auto compat = ctx.fs.read_file(compat_path, 4096)) {
      facts.board.compatible = Fact<std::vector<std::string>>::known(parse_dt_strings(*compat), "file:" + compat_path);
    }
    return;
  }
  facts.board.model = Fact<std::string>::unknown("file:/proc/device-tree/model", "no device tree");
  facts.board.compatible =
      Fact<std::vector<std::string>>::unknown("file:/proc/device-tree/compatible", "no device tree");
}

}  // namespace td
