// `torchdoctor` / `torchdoctor doctor`: probe, then report.
#include <ostream>

#include "torchdoctor/app/commands.hpp"

namespace td {

std::vector<OptionSpec> doctor_options() { return probe_options(); }

int run_doctor(const ParsedArgs& args, AppIo& io) { return run_probe(args, io); }

}  // namespace td
