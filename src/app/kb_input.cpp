#include "torchdoctor/app/kb_input.hpp"

#include "torchdoctor/kb/bundle.hpp"
#include "torchdoctor/kb/queries.hpp"

namespace td {

Result<Kb> load_kb_for(const ParsedArgs& args, const Env& env) {
  if (auto dir = args.get("kb")) {
    auto kb = load_kb_dir(*dir);
    if (!kb) {
      // Show the first problem; `torchdoctor kb check DIR` lists them all.
      const std::string& m = kb.error().message;
      const auto nl = m.find('\n');
      std::string first = m.substr(0, nl);
      if (nl != std::string::npos) first += " (and more: run 'torchdoctor kb check " + *dir + "')";
      return make_error(ErrorKind::bad_input, "--kb " + *dir + ": " + first);
    }
    return kb;
  }
  auto embedded = load_embedded_kb();
  if (!embedded) return embedded;
  // An installed update (`kb update`) is used when it is signed by a trusted key, complete, valid and
  // newer than the embedded KB; otherwise the embedded one (`kb status` says why).
  auto installed = read_installed_kb(env, embedded->as_of);
  if (installed.state == InstalledKb::State::in_use && installed.kb) return std::move(*installed.kb);
  return embedded;
}

GpuNameResolver gpu_resolver(const Kb& kb) {
  return [&kb](const std::string& name) -> std::optional<NamedGpu> {
    if (const GpuModel* g = find_gpu_by_name(kb, name)) return NamedGpu{g->name, g->cc, g->segment == "tegra"};
    return std::nullopt;
  };
}

}  // namespace td
