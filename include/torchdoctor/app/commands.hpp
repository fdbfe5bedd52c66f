// The subcommands' entry points and option lists (one file each under src/app/).
#pragma once

#include <vector>

#include "torchdoctor/app/app.hpp"

namespace td {

std::vector<OptionSpec> probe_options();
int run_probe(const ParsedArgs& args, AppIo& io);

std::vector<OptionSpec> doctor_options();
int run_doctor(const ParsedArgs& args, AppIo& io);

std::vector<OptionSpec> recommend_options();
int run_recommend(const ParsedArgs& args, AppIo& io);

std::vector<OptionSpec> explain_options();
int run_explain(const ParsedArgs& args, AppIo& io);

std::vector<OptionSpec> kb_options();
int run_kb(const ParsedArgs& args, AppIo& io);
std::vector<OptionSpec> verify_options();
int run_verify(const ParsedArgs& args, AppIo& io);
/// verify --image IMAGE: the suites inside a container (src/app/cmd_verify_image.cpp).
int run_verify_image(const ParsedArgs& args, AppIo& io, Format format, bool color);
std::vector<OptionSpec> build_env_options();
int run_build_env(const ParsedArgs& args, AppIo& io);
std::vector<OptionSpec> image_options();
int run_image(const ParsedArgs& args, AppIo& io);
std::vector<OptionSpec> k8s_options();
int run_k8s(const ParsedArgs& args, AppIo& io);
std::vector<OptionSpec> fleet_options();
int run_fleet(const ParsedArgs& args, AppIo& io);
std::vector<OptionSpec> run_command_options();
int run_run_command(const ParsedArgs& args, AppIo& io);

}  // namespace td
