// Runs one vendor query in a child process with a deadline. The child prints its answer as JSON;
// the parent turns a hang, a crash or a garbled reply into a failed answer and carries on.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "torchdoctor/core/strings.hpp"
#include "torchdoctor/probe/gpu_libs.hpp"
#include "torchdoctor/sys/subprocess.hpp"

namespace td {
namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  if (ms.count() % 1000 == 0)
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms.count() / 1000));
  else
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

VendorAnswer failed(std::string error, bool transient) {
  VendorAnswer a;
  a.status = VendorAnswer::Status::failed;
  a.error = std::move(error);
  a.transient = transient;
  return a;
}

// Runs in the child: vendor libraries may print, so their stdout goes to /dev/null and only the
// reply reaches the pipe.
std::string child_body(const std::function<VendorAnswer()>& query, const GpuProbeOptions& options,
                       const std::optional<std::string>& cuda_visible_devices) {
  const int reply_fd = ::dup(1);
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd >= 0) ::dup2(null_fd, 1);
  for (const auto& [k, v] : options.child_env) ::setenv(k.c_str(), v.c_str(), 1);
  if (cuda_visible_devices)
    ::setenv("CUDA_VISIBLE_DEVICES", cuda_visible_devices->c_str(), 1);
  else
    ::unsetenv("CUDA_VISIBLE_DEVICES");
  std::string reply;
  try {
    reply = vendor_answer_to_json(query()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (...) {
    reply = R"({"status":"failed","error":"the query threw an exception"})";
  }
  std::fflush(stdout);
  if (reply_fd >= 0) ::dup2(reply_fd, 1);
  return reply;
}

}  // namespace

VendorAnswer run_isolated(const std::string& label, const std::function<VendorAnswer()>& query,
                          const GpuProbeOptions& options, const std::optional<std::string>& cuda_visible_devices) {
  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  spawn.max_output = 1U << 20U;
  auto outcome = run_in_child([&] { return child_body(query, options, cuda_visible_devices); }, spawn);
  if (!outcome) return failed(label + " could not be started: " + outcome.error().message, true);
  if (outcome->timed_out) return failed(label + " did not answer in " + seconds_text(options.timeout), true);
  if (outcome->signal) {
    return failed(
        label + " crashed (signal " + std::to_string(*outcome->signal) + ", " + ::strsignal(*outcome->signal) + ")",
        true);
  }
  if (!outcome->succeeded()) return failed(label + " " + outcome->describe_failure(), true);
  const auto doc = nlohmann::json::parse(outcome->out, nullptr, false);
  if (doc.is_discarded()) return failed(label + " gave an unreadable answer", true);
  auto answer = vendor_answer_from_json(doc, label);
  if (!answer) return failed(label + " gave an unreadable answer: " + answer.error().message, true);
  return std::move(*answer);
}

Result<std::chrono::milliseconds> parse_gpu_timeout(std::string_view seconds) {
  const std::string text(trim(seconds));
  char* end = nullptr;
  const double s = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(s) || s <= 0.0 || s > 600.0) {
    return make_error(ErrorKind::bad_input,
                      "--gpu-timeout '" + sanitize(text, 40) + "': expected seconds, more than 0 and at most 600");
  }
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(s * 1000.0)));
}

std::optional<std::string> normalize_pci_bus_id(std::string_view text) {
  // [domain:]bus:device.function, all hex; NVML writes an 8-digit domain, sysfs a 4-digit one.
  const std::string t = to_lower(trim(text));
  unsigned domain = 0;
  unsigned bus = 0;
  unsigned device = 0;
  unsigned function = 0;
  int used = 0;
  if (std::sscanf(t.c_str(), "%x:%x:%x.%x%n", &domain, &bus, &device, &function, &used) == 4 &&
      static_cast<std::size_t>(used) == t.size()) {
  } else if (std::sscanf(t.c_str(), "%x:%x.%x%n", &bus, &device, &function, &used) == 3 &&
             static_cast<std::size_t>(used) == t.size()) {
    domain = 0;
  } else {
    return std::nullopt;
  }
  if (domain > 0xffffU || bus > 0xffU || device > 0x1fU || function > 7U) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", domain, bus, device, function);
  return std::string(buf);
}

}  // namespace td
