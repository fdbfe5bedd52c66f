// Fuzz what a (possibly hostile) registry hands back besides manifests: WWW-Authenticate challenges,
// Link pagination headers, redirect Locations, base64 credentials, platforms, and image config blobs
// (Env and Labels) carried through the facts and the verdict.
#include <string>

#include "torchdoctor/core/host_facts.hpp"
#include "torchdoctor/registry/auth.hpp"
#include "torchdoctor/registry/digest.hpp"
#include "torchdoctor/registry/http.hpp"
#include "torchdoctor/registry/image_check.hpp"
#include "torchdoctor/registry/image_facts.hpp"
#include "torchdoctor/registry/tags.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)td::parse_www_authenticate(text);
  (void)td::next_page_path(text);
  (void)td::l4t_from_tag(text);
  (void)td::resolve_url("https://registry.example:5000/v2/a/b/manifests/x", text);
  (void)td::redact_url(text);
  (void)td::base64_decode(text);
  (void)td::parse_platform(text);
  td::ImageFacts facts;
  if (td::apply_config(text, facts)) {
    td::derive_image_facts(facts);
    td::HostFacts host;
    (void)td::check_image(facts, host);
  }
  return 0;
}
