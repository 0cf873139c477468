// What the tests of the identity chains (aws_chain, google_chain,
// azure_chain) hand a chain: recorded services, files read by path, a mint
// request, and the one line a chain that must fail throws.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/inputs.h"
#include "providers/tokens/mint.h"
#include "support/http_fakes.h"

namespace ssm::test {

// A TextFileReader over files (kept by reference: it must outlive the
// reader): a path in it gives its text, another path nothing, and
// "/unreadable" throws Error::Denied as a file without read permission does.
inline ssm::TextFileReader FileReader(const std::map<std::string, std::string>& files) {
  return [&files](const std::string& p) -> std::optional<std::string> {
    if (p == "/unreadable") throw ssm::Error::Denied("permission denied");
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

// What run() throws (an ssm::Error); fails the test when it returns.
template <class Run>
std::string RefusalOf(Run&& run) {
  try {
    run();
  } catch (const ssm::Error& e) {
    return e.what();
  }
  FAIL("the chain did not fail");
  return "";
}

// The state a Google or Azure chain runs with: recorded services, files
// (read through FileReader) and a mint request for kind at now.
struct ChainFixture {
  ChainFixture(const std::string& kind, int64_t now) {
    request.kind = kind;
    request.what = kind;
    request.now = now;
  }
  RecordedServices http;
  std::map<std::string, std::string> files;
  ssm::MintRequest request;
  ssm::TextFileReader read = FileReader(files);
};

}  // namespace ssm::test
