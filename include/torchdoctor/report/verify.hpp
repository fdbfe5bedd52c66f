// verify's report: checks as text or JSON (schema torchdoctor.verify/v1), and read back from the
// JSON a torchdoctor inside a container printed (verify --image).
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "torchdoctor/core/result.hpp"
#include "torchdoctor/verify/check_result.hpp"

namespace td {

/// The checks grouped by suite, one line each with its detail, then the totals.
void print_checks(std::ostream& out, const std::vector<CheckResult>& checks, bool color);
/// verify --image: "In IMAGE (ENGINE, GPU ACCESS)", then the checks as print_checks writes them.
void print_checks_in_image(std::ostream& out, const std::vector<CheckResult>& checks, const std::string& where,
                           bool color);
/// The torchdoctor.verify/v1 document.
nlohmann::json checks_json(const std::vector<CheckResult>& checks);
/// verify --image's document: checks_json with the image and the command that ran it.
nlohmann::json checks_in_image_json(const std::vector<CheckResult>& checks, const std::string& image,
                                    const std::vector<std::string>& command);
/// Reads a torchdoctor.verify/v1 document back; fails naming what is malformed.
Result<std::vector<CheckResult>> checks_from_json(const nlohmann::json& doc);

}  // namespace td
