// The knowledge base embedded at build time (td_kbc writes embedded_kb_files()). In its own file so
// that td_kbc, which validates the data before it is embedded, links the loader without it.
#include "torchdoctor/kb/kb.hpp"

namespace td {

Result<Kb> load_embedded_kb() {
  const auto& files = embedded_kb_files();
  if (files.empty()) return make_error(ErrorKind::internal, "this binary was built without an embedded knowledge base");
  return parse_kb(files, "embedded");
}

}  // namespace td
