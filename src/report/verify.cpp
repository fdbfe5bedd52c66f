// verify's report as text or JSON, and the JSON read back (verify --image).
#include "torchdoctor/report/verify.hpp"

#include <cstdio>
#include <ostream>
#include <string_view>

#include "torchdoctor/report/style.hpp"

namespace td {

void print_checks(std::ostream& out, const std::vector<CheckResult>& checks, bool color) {
  std::string suite;
  for (const auto& c : checks) {
    const std::string title = c.suite == "native"      ? "Native suite (libcuda, our kernels; no Python)"
                              : c.suite == "container" ? "Container"
                                                       : "Torch suite";
    if (c.suite != suite) {
      out << (suite.empty() ? "" : "\n") << title << '\n';
      suite = c.suite;
    }
    const char* mark = c.status == "pass" ? "pass" : c.status == "fail" ? "FAIL" : "skip";
    const std::string_view colour = c.status == "pass" ? style::green : c.status == "fail" ? style::red : style::yellow;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f ms", c.ms);
    out << "  " << style::paint(color, colour, std::string("[") + mark + "]") << ' ' << c.name;
    if (!c.device.empty()) out << "  (" << c.device << ')';
    out << "  " << ms << "\n      " << c.detail << '\n';
  }
  int pass = 0;
  int fail = 0;
  int skip = 0;
  for (const auto& c : checks) (c.status == "pass" ? pass : c.status == "fail" ? fail : skip)++;
  out << '\n' << pass << " passed, " << fail << " failed, " << skip << " skipped\n";
}

nlohmann::json checks_json(const std::vector<CheckResult>& checks) {
  nlohmann::json j{{"schema", "torchdoctor.verify/v1"}, {"checks", nlohmann::json::array()}};
  int pass = 0;
  int fail = 0;
  int skip = 0;
  for (const auto& c : checks) {
    (c.status == "pass" ? pass : c.status == "fail" ? fail : skip)++;
    nlohmann::json x{{"suite", c.suite},   {"name", c.name},     {"device", c.device},
                     {"status", c.status}, {"detail", c.detail}, {"ms", c.ms}};
    x["value"] = c.value ? nlohmann::json(*c.value) : nlohmann::json();
    x["unit"] = c.unit;
    j["checks"].push_back(std::move(x));
  }
  j["summary"] = {{"pass", pass}, {"fail", fail}, {"skip", skip}};
  return j;
}

Result<std::vector<CheckResult>> checks_from_json(const nlohmann::json& doc) {
  if (!doc.is_object() || doc.value("schema", "") != "torchdoctor.verify/v1" || !doc.contains("checks") ||
      !doc["checks"].is_array()) {
    return make_error(ErrorKind::bad_input, "not a torchdoctor.verify/v1 document");
  }
  std::vector<CheckResult> out;
  for (const auto& c : doc["checks"]) {
    if (!c.is_object()) return make_error(ErrorKind::bad_input, "a check is not an object");
    CheckResult r;
    auto text = [&c](const char* key) {
      return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : std::string();
    };
    r.suite = text("suite");
    r.name = text("name");
    r.device = text("device");
    r.status = text("status");
    r.detail = text("detail");
    r.unit = text("unit");
    if (c.contains("ms") && c["ms"].is_number()) r.ms = c["ms"].get<double>();
    if (c.contains("value") && c["value"].is_number()) r.value = c["value"].get<double>();
    if (r.status != "pass" && r.status != "fail" && r.status != "skip") {
      return make_error(ErrorKind::bad_input, "check '" + r.name + "' has status '" + r.status + "'");
    }
    out.push_back(std::move(r));
  }
  return out;
}

void print_checks_in_image(std::ostream& out, const std::vector<CheckResult>& checks, const std::string& where,
                           bool color) {
  out << "In " << where << '\n';
  print_checks(out, checks, color);
}

nlohmann::json checks_in_image_json(const std::vector<CheckResult>& checks, const std::string& image,
                                    const std::vector<std::string>& command) {
  auto doc = checks_json(checks);
  doc["image"] = image;
  doc["command"] = command;
  return doc;
}

}  // namespace td
