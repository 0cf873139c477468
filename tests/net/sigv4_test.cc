// The SigV4 signer against every case of AWS's published header-signing test
// suite, kept in tests/data/aws-sigv4-test-suite (or $SSM_SIGV4_SUITE).
#include "net/crypto/sigv4.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

std::string SuiteDir() {
  if (const char* env = std::getenv("SSM_SIGV4_SUITE")) return env;
  return SSM_SIGV4_SUITE_DIR;
}

std::time_t ParseTimestamp(const std::string& iso) {  // 2015-08-30T12:36:00Z
  struct tm tm = {};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return timegm(&tm);
}

ssm::SigV4Request ParseRequest(const std::string& text) {
  ssm::SigV4Request r;
  size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  size_t sp = first.find(' ');
  r.method = first.substr(0, sp);
  std::string target = first.substr(sp + 1, first.rfind(" HTTP/") - sp - 1);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  size_t pos = line_end + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty()) {
      r.body = text.substr(pos);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;  // a folded header line
      continue;
    }
    size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return r;
}

}  // namespace

TEST_CASE("SigV4 agrees with every case of the AWS test suite", "[sigv4]") {
  fs::path suite = SuiteDir();
  REQUIRE(fs::is_directory(suite));
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(suite)) {
    if (!entry.is_directory()) continue;
    fs::path dir = entry.path();
    if (!fs::exists(dir / "header-signature.txt")) continue;
    INFO("case " << dir.filename().string());
    auto context = nlohmann::json::parse(ssm::test::ReadAll(dir / "context.json"));
    ssm::AwsCredentials creds;
    creds.access_key_id = context["credentials"]["access_key_id"];
    creds.secret_access_key = ssm::SecretString(context["credentials"]["secret_access_key"].get<std::string>());
    if (context["credentials"].contains("token")) {
      creds.session_token = ssm::SecretString(context["credentials"]["token"].get<std::string>());
    }
    ssm::SigV4Options options;
    options.region = context["region"];
    options.service = context["service"];
    options.now = ParseTimestamp(context["timestamp"]);
    options.normalize_path = context.value("normalize", true);
    options.sign_body_hash = context.value("sign_body", false);
    options.session_token_unsigned = context.value("omit_session_token", false);
    ssm::SigV4Request request = ParseRequest(ssm::test::ReadAll(dir / "request.txt"));
    ssm::SigV4Result result = ssm::SignV4(request, creds, options);
    CHECK(result.canonical_request == ssm::test::ReadAll(dir / "header-canonical-request.txt"));
    CHECK(result.string_to_sign == ssm::test::ReadAll(dir / "header-string-to-sign.txt"));
    CHECK(result.signature == ssm::test::ReadAll(dir / "header-signature.txt"));
    // The signed request's Authorization line carries the same header value.
    std::string signed_request = ssm::test::ReadAll(dir / "header-signed-request.txt");
    CHECK(signed_request.find("Authorization:" + result.authorization) != std::string::npos);
    ++cases;
  }
  CHECK(cases >= 30);
}

TEST_CASE("SigV4 canonical pieces", "[sigv4]") {
  CHECK(ssm::SigV4CanonicalPath("/a/./b/../c/", true) == "/a/c/");
  CHECK(ssm::SigV4CanonicalPath("", true) == "/");
  CHECK(ssm::SigV4CanonicalPath("/a b", false) == "/a%20b");
  CHECK(ssm::SigV4CanonicalQuery("b=2&a=1&a=0&c") == "a=0&a=1&b=2&c=");
  CHECK(ssm::AmzDate(0) == "19700101T000000Z");
}
