// HttpSession: one reusable libcurl handle with timeouts and a body-size cap. It never follows
// redirects itself (the registry client does, to drop credentials across hosts and catch loops).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torchdoctor/core/result.hpp"

namespace td {

/// One HTTP request.
struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value" lines.
  std::size_t max_body = 4U << 20U;  ///< A larger body fails the request.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{20000};  ///< The whole exchange, body included.
};

/// The answer to one request.
struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names in lower case, in order.
  std::string body;
  std::string url;  ///< The URL that answered.

  /// The first header called `name` (lower case), if any.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// A reusable connection-keeping HTTP client for one thread.
/// Loads libcurl (once; call before starting threads); fails when it is missing or too old.
Status http_init();

class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  /// Performs `request`; transport failures (refused, timeout, too large) are errors, any HTTP status is not.
  Result<HttpResponse> perform(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Resolves `location` (absolute or relative) against `base`.
Result<std::string> resolve_url(const std::string& base, const std::string& location);
/// "host:port" (port only when explicit) of an absolute URL; empty when unparseable.
std::string url_host(const std::string& url);
/// The scheme of a URL in lower case ("https").
std::string url_scheme(const std::string& url);
/// The URL without query and fragment, for logs (presigned blob URLs carry signatures there).
std::string redact_url(const std::string& url);
/// Percent-encodes a query value.
std::string url_encode(std::string_view text);

}  // namespace td
