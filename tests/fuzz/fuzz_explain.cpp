// Fuzz `explain`'s readers on arbitrary pasted text: decoding (UTF-16, binary), the collect_env
// parser and its facts, and the error-log signatures (regexes over capped windows) with the real KB.
#include <string>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/explain/collect_env.hpp"
#include "torchdoctor/explain/explain.hpp"
#include "torchdoctor/explain/text_input.hpp"
#include "torchdoctor/kb/kb.hpp"

namespace {
const td::Kb& kb() {
  static const td::Kb k = [] {
    auto loaded = td::load_embedded_kb();
    if (!loaded) __builtin_trap();  // the embedded KB is validated at build time
    return std::move(*loaded);
  }();
  return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  td::InputLimits limits;
  limits.max_line = 512;  // small caps so the capped-line paths are reached by short inputs
  td::TextInput input(std::string(reinterpret_cast<const char*>(data), size), limits);
  if (auto env = td::parse_collect_env(input)) {
    td::HostFacts facts;
    (void)td::apply_collect_env(*env, facts);
  }
  td::ExplainOptions options;
  options.regex_window = 256;
  (void)td::explain(input, td::judge_host(td::HostFacts{}, kb()), kb(), options);
  return 0;
}
