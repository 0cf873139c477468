#include "common/server_key.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/protocol_strings.h"

using ssm::NormalizeServer;

namespace {

// The error NormalizeServer refuses s with; fails the test when s is accepted.
ssm::Error Refusal(const char* s) {
  try {
    NormalizeServer(s);
  } catch (const ssm::Error& e) {
    return e;
  }
  FAIL("accepted: " << s);
  return ssm::Error::Failure("unreachable");
}

}  // namespace

TEST_CASE("Docker Hub's spellings are one key", "[server_key]") {
  const char* spellings[] = {
      "https://index.docker.io/v1/", "https://index.docker.io/v1", "http://index.docker.io/v1/",
      "index.docker.io",             "INDEX.DOCKER.IO",            "docker.io",
      "https://docker.io",           "docker.io/",                 "registry-1.docker.io",
      "https://registry-1.docker.io/v2/", " docker.io\n",          "//index.docker.io/v1/",
  };
  for (const char* s : spellings) {
    INFO(s);
    auto key = NormalizeServer(s);
    CHECK(key.key == ssm::kDockerHubKey);
    CHECK(key.docker_hub);
  }
}

TEST_CASE("docker's refresh-token key below Hub's v1 URL stays its own key", "[server_key]") {
  for (const char* s : {"https://index.docker.io/v1/refresh-token", "https://index.docker.io/v1/refresh-token/",
                        "index.docker.io/v1/refresh-token"}) {
    INFO(s);
    auto key = NormalizeServer(s);
    CHECK(key.key == "https://index.docker.io/v1/refresh-token");
    CHECK_FALSE(key.docker_hub);
  }
  CHECK(NormalizeServer("https://index.docker.io/v1//").key == ssm::kDockerHubKey);
  CHECK(NormalizeServer("https://index.docker.io/v2/").key == ssm::kDockerHubKey);
  // Found by tests/fuzz/fuzz_server_key: the path below /v1/ went into the key
  // as it was, '@' and all, so user:password@ there was kept in a key.
  for (const char* s : {"https://index.docker.io/v1/user:hunter2@x", "docker.io/v1/a@b"}) {
    INFO(s);
    ssm::ServerKey key;
    CHECK_FALSE(ssm::TryNormalizeServer(s, &key));
    try {
      NormalizeServer(s);
    } catch (const ssm::Error& e) {
      CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
  }
  CHECK(NormalizeServer("docker.io/library/alpine@sha256:abc").key == ssm::kDockerHubKey);
}

TEST_CASE("Other registries become host[:port]", "[server_key]") {
  struct Case {
    const char* in;
    const char* key;
  } cases[] = {
      {"ghcr.io", "ghcr.io"},
      {"https://ghcr.io", "ghcr.io"},
      {"https://ghcr.io/", "ghcr.io"},
      {"GHCR.IO/", "ghcr.io"},
      {"ghcr.io:443", "ghcr.io:443"},
      {"http://localhost:5000/v2/", "localhost:5000"},
      {"localhost:5000", "localhost:5000"},
      {"localhost", "localhost"},
      {"127.0.0.1:5000", "127.0.0.1:5000"},
      {"[::1]:5000", "[::1]:5000"},
      {"https://[::1]:5000/v2/", "[::1]:5000"},
      {"[FE80::1]", "[fe80::1]"},
      {"quay.io/org/repo", "quay.io"},
      {"registry.example.com:05000", "registry.example.com:5000"},
      {"my_registry.local", "my_registry.local"},
      {"HTTPS://Example.COM/path?q=1#frag", "example.com"},
      {"\t123456789012.dkr.ecr.us-east-1.amazonaws.com \r\n", "123456789012.dkr.ecr.us-east-1.amazonaws.com"},
      {"docker.io:5000", "docker.io:5000"},  // a port makes it another server
      {"hub.docker.com", "hub.docker.com"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto key = NormalizeServer(c.in);
    CHECK(key.key == c.key);
    CHECK_FALSE(key.docker_hub);
  }
}

TEST_CASE("Host and port are split out", "[server_key]") {
  auto key = NormalizeServer("https://Registry.Example.com:8443/v2/");
  CHECK(key.host == "registry.example.com");
  CHECK(key.port == "8443");
  auto v6 = NormalizeServer("[::1]:5000");
  CHECK(v6.host == "[::1]");
  CHECK(v6.port == "5000");
}

TEST_CASE("Empty and malformed server URLs are refused with one clear line", "[server_key]") {
  SECTION("empty") {
    for (const char* s : {"", "   ", "\n", "\t\r\n"}) {
      INFO(s);
      ssm::Error e = Refusal(s);
      CHECK(std::string(e.what()) == ssm::kNoServerUrlMessage);
      CHECK(e.exit_status() == 1);
    }
  }
  SECTION("malformed") {
    const char* bad[] = {
        "https://",         "ftp://ghcr.io",        "ghcr.io:",          "ghcr.io:http",
        "ghcr.io:0",        "ghcr.io:65536",        "ghcr.io:123456",    "gh cr.io",
        "::1",              "[::1",                 "[zz::1]",           "[::1]x",
        "a..b",             ".ghcr.io",             "ghcr.io/\x01",      "ghcr\xc3\xa9.io",
        "/just/a/path",     "https:///v2/",         "host*name",         "[]",
    };
    for (const char* s : bad) {
      INFO(s);
      ssm::Error e = Refusal(s);
      std::string m = e.what();
      CHECK(m.rfind("invalid server URL", 0) == 0);
      CHECK(m.find('\n') == std::string::npos);
      CHECK(e.kind() == ssm::Error::Kind::kBadInput);
    }
  }
  SECTION("user information is refused and never echoed") {
    for (const char* s : {"https://user:hunter2@ghcr.io", "gcr.io@evil.com", "user@ghcr.io:443/v2"}) {
      INFO(s);
      std::string m = Refusal(s).what();
      CHECK(m.find("user information") != std::string::npos);
      CHECK(m.find("hunter2") == std::string::npos);
      CHECK(m.find("evil") == std::string::npos);
    }
  }
  // Found by tests/fuzz/fuzz_server_key: refused for another reason checked
  // before the user information, the whole input was quoted, password and all.
  SECTION("user information is not echoed when another check refuses the URL first") {
    for (const char* s : {"ftp://user:hunter2@ghcr.io", "https://user:hunter2@ghcr.io/a b", "user:hunter2@gh"}) {
      INFO(s);
      std::string m = Refusal(s).what();
      CHECK(m.rfind("invalid server URL", 0) == 0);
      CHECK(m.find("hunter2") == std::string::npos);
    }
  }
}

TEST_CASE("TryNormalizeServer does not throw", "[server_key]") {
  ssm::ServerKey key;
  CHECK(ssm::TryNormalizeServer("ghcr.io", &key));
  CHECK(key.key == "ghcr.io");
  CHECK_FALSE(ssm::TryNormalizeServer("ftp://x", &key));
  CHECK_FALSE(ssm::TryNormalizeServer("", &key));
}
