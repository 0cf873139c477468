#include "helper/protocol.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/protocol_strings.h"
#include "helper/lookup.h"
#include "store/memory_store.h"

namespace {

struct Result {
  int status;
  std::string out;
};

class Harness {
 public:
  Harness() : protocol_([this]() -> ssm::SecretStore& {
      ++opens_;
      return store_;
    }) {}

  Result Run(const std::string& action, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out;
    int status = protocol_.Run(action, in, out);
    return {status, out.str()};
  }

  ssm::MemoryStore store_;
  int opens_ = 0;

 private:
  ssm::Protocol protocol_;
};

std::string StoreJson(const std::string& server, const std::string& user, const std::string& secret) {
  return nlohmann::json{{"ServerURL", server}, {"Username", user}, {"Secret", secret}}.dump() + "\n";
}

std::string Line(const char* message) { return std::string(message) + "\n"; }

}  // namespace

TEST_CASE("store then get returns the credentials and echoes the ServerURL", "[protocol]") {
  Harness h;
  auto stored = h.Run("store", StoreJson("https://index.docker.io/v1/", "alice", "s3cret"));
  CHECK(stored.status == 0);
  CHECK(stored.out.empty());

  // podman asks for docker.io, with no newline.
  auto got = h.Run("get", "docker.io");
  REQUIRE(got.status == 0);
  REQUIRE(got.out.back() == '\n');
  auto j = nlohmann::json::parse(got.out);
  CHECK(j["ServerURL"] == "docker.io");
  CHECK(j["Username"] == "alice");
  CHECK(j["Secret"] == "s3cret");
  CHECK(j.size() == 3);

  auto again = h.Run("get", "https://index.docker.io/v1/\n");
  CHECK(nlohmann::json::parse(again.out)["ServerURL"] == "https://index.docker.io/v1/");
}

TEST_CASE("get of an unknown server answers the exact not-found line", "[protocol]") {
  Harness h;
  auto r = h.Run("get", "ghcr.io");
  CHECK(r.status == 1);
  CHECK(r.out == Line(ssm::kNotFoundMessage));
}

TEST_CASE("get answers what the lookup finds: a configured registry, and a stored login over it", "[protocol]") {
  ssm::MemoryStore store;
  std::vector<std::string> env_text = {"SSM_REGISTRY_GHCR_USERNAME=bot", "SSM_REGISTRY_GHCR_TOKEN=from-provider"};
  std::vector<char*> env;
  for (std::string& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<ssm::ConfiguredRegistry> registries =
      ssm::LoadRegistries(nlohmann::json::object(), "/protocol/config.json", env.data());
  ssm::LookupSources sources;
  sources.store = [&]() -> ssm::SecretStore& { return store; };
  sources.registries = [&]() -> std::vector<ssm::ConfiguredRegistry>& { return registries; };
  sources.token_cache = []() -> ssm::TokenCache* { return nullptr; };
  sources.provider_context = [](ssm::TokenCache*) { return ssm::ProviderContext(); };
  ssm::CredentialLookup lookup(std::move(sources));
  int asked = 0;
  ssm::Protocol p([&]() -> ssm::SecretStore& { return store; },
                  [&](const ssm::ServerKey& key) {
                    ++asked;
                    return lookup.Find(key, false).credential;
                  });
  std::istringstream in1("ghcr.io");
  std::ostringstream out1;
  REQUIRE(p.Run("get", in1, out1) == 0);
  CHECK(nlohmann::json::parse(out1.str())["Secret"] == "from-provider");

  std::istringstream in2(StoreJson("ghcr.io", "me", "mine"));
  std::ostringstream out2;
  REQUIRE(p.Run("store", in2, out2) == 0);
  std::istringstream in3("https://ghcr.io/");
  std::ostringstream out3;
  REQUIRE(p.Run("get", in3, out3) == 0);
  CHECK(nlohmann::json::parse(out3.str())["Secret"] == "mine");
  std::istringstream in4("nothing.example.com");
  std::ostringstream out4;
  CHECK(p.Run("get", in4, out4) == 1);
  CHECK(out4.str() == Line(ssm::kNotFoundMessage));
  CHECK(asked == 3);
}

TEST_CASE("spellings of one server share a key", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("http://LOCALHOST:5000/v2/", "u", "p")).status == 0);
  for (const char* s : {"localhost:5000", "https://localhost:5000", "localhost:5000/"}) {
    INFO(s);
    CHECK(h.Run("get", s).status == 0);
  }
  CHECK(h.Run("get", "localhost").out == Line(ssm::kNotFoundMessage));
  CHECK(h.store_.size() == 1);
}

TEST_CASE("storing again replaces: one credential per server", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("ghcr.io", "first", "one")).status == 0);
  REQUIRE(h.Run("store", StoreJson("https://ghcr.io", "second", "two")).status == 0);
  auto j = nlohmann::json::parse(h.Run("get", "ghcr.io").out);
  CHECK(j["Username"] == "second");
  CHECK(j["Secret"] == "two");
  CHECK(h.store_.size() == 1);
}

TEST_CASE("items kept by other helpers under another spelling are found, replaced and erased", "[protocol]") {
  Harness h;
  ssm::Credential legacy;
  legacy.username = "old";
  legacy.secret = ssm::SecretString("legacy");
  h.store_.Put("docker.io", legacy);  // what podman + docker-credential-secretservice store
  auto got = h.Run("get", "https://index.docker.io/v1/");
  REQUIRE(got.status == 0);
  CHECK(nlohmann::json::parse(got.out)["Secret"] == "legacy");

  REQUIRE(h.Run("store", StoreJson("docker.io", "new", "fresh")).status == 0);
  CHECK(h.store_.size() == 1);
  CHECK(h.store_.List().count(ssm::kDockerHubKey) == 1);

  h.store_.Put("https://INDEX.docker.io/v1", legacy);
  REQUIRE(h.Run("erase", "docker.io").status == 0);
  CHECK(h.store_.size() == 0);
}

TEST_CASE("erase removes, and erasing what is not there succeeds quietly", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("quay.io", "u", "p")).status == 0);
  auto r = h.Run("erase", "https://quay.io\n");
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  CHECK(h.Run("get", "quay.io").out == Line(ssm::kNotFoundMessage));
  auto again = h.Run("erase", "quay.io");
  CHECK(again.status == 0);
  CHECK(again.out.empty());
}

TEST_CASE("list returns {server: username}, {} when empty, and ignores stdin", "[protocol]") {
  Harness h;
  auto empty = h.Run("list", "unused\n");
  CHECK(empty.status == 0);
  CHECK(empty.out == "{}\n");
  REQUIRE(h.Run("store", StoreJson("docker.io", "alice", "a")).status == 0);
  REQUIRE(h.Run("store", StoreJson("localhost:5000", "bob", "b")).status == 0);
  auto r = h.Run("list", "unused\n");
  auto j = nlohmann::json::parse(r.out);
  CHECK(j == nlohmann::json{{ssm::kDockerHubKey, "alice"}, {"localhost:5000", "bob"}});
  CHECK(r.out.find("\"a\"") == std::string::npos);
}

TEST_CASE("version prints one line and opens no store", "[protocol]") {
  Harness h;
  auto r = h.Run("version");
  CHECK(r.status == 0);
  CHECK(r.out == ssm::VersionLine() + "\n");
  CHECK(r.out.find("docker-credential-ssm") == 0);
  CHECK(h.opens_ == 0);
}

TEST_CASE("an unknown action is an error naming it", "[protocol]") {
  Harness h;
  auto r = h.Run("frobnicate");
  CHECK(r.status == 1);
  CHECK(r.out == "docker-credential-ssm: unknown action: frobnicate\n");
  CHECK(h.opens_ == 0);
}

TEST_CASE("store validates its input and changes nothing when it refuses", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("ghcr.io", "keep", "kept")).status == 0);
  struct Case {
    const char* name;
    std::string input;
    std::string expected;  // exact line, or a prefix when ending in '*'
  } cases[] = {
      {"no ServerURL", R"({"Username":"u","Secret":"s"})", ssm::kNoServerUrlMessage},
      {"empty ServerURL", R"({"ServerURL":"","Username":"u","Secret":"s"})", ssm::kNoServerUrlMessage},
      {"blank ServerURL", R"({"ServerURL":"  ","Username":"u","Secret":"s"})", ssm::kNoServerUrlMessage},
      {"no Username", R"({"ServerURL":"ghcr.io","Secret":"s"})", ssm::kNoUsernameMessage},
      {"null Username", R"({"ServerURL":"ghcr.io","Username":null,"Secret":"s"})", ssm::kNoUsernameMessage},
      {"not JSON", "ServerURL=ghcr.io", "store: stdin is not valid UTF-8 JSON*"},
      {"empty input", "", "store: stdin is not valid UTF-8 JSON*"},
      {"truncated", R"({"ServerURL":"ghcr.io","Username":"u","Secret":"sec)", "store: stdin is not valid UTF-8 JSON*"},
      {"array", R"(["ghcr.io","u","s"])", "store: stdin must be a JSON object*"},
      {"number field", R"({"ServerURL":"ghcr.io","Username":"u","Secret":5})", "store: the field Secret must be a string"},
      {"NUL escape", R"({"ServerURL":"ghcr.io","Username":"u","Secret":"a\u0000b"})",
       "store: the field Secret must not contain NUL characters"},
      {"raw NUL byte", std::string("{\"ServerURL\":\"ghcr.io\",\"Username\":\"u\",\"Secret\":\"a\0b\"}", 48),
       "store: stdin is not valid UTF-8 JSON*"},
      {"invalid UTF-8", "{\"ServerURL\":\"ghcr.io\",\"Username\":\"u\",\"Secret\":\"\xff\xfe\"}",
       "store: stdin is not valid UTF-8 JSON*"},
      {"malformed URL", R"({"ServerURL":"ftp://ghcr.io","Username":"u","Secret":"s"})", "invalid server URL*"},
      {"two documents", R"({"ServerURL":"ghcr.io","Username":"u","Secret":"s"} {})", "store: stdin is not valid*"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = h.Run("store", c.input);
    CHECK(r.status == 1);
    REQUIRE(!r.out.empty());
    CHECK(r.out.back() == '\n');
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    std::string line = r.out.substr(0, r.out.size() - 1);
    if (c.expected.back() == '*') {
      CHECK(line.rfind(c.expected.substr(0, c.expected.size() - 1), 0) == 0);
    } else {
      CHECK(line == c.expected);
    }
  }
  CHECK(h.store_.puts() == 1);
  auto j = nlohmann::json::parse(h.Run("get", "ghcr.io").out);
  CHECK(j["Secret"] == "kept");
}

TEST_CASE("store keys match case-insensitively, unknown keys are ignored, empty Secret is allowed", "[protocol]") {
  Harness h;
  auto r = h.Run("store", R"({"serverurl":"ghcr.io","USERNAME":"u","secret":"","Extra":[1,2]})");
  CHECK(r.status == 0);
  auto j = nlohmann::json::parse(h.Run("get", "ghcr.io").out);
  CHECK(j["Username"] == "u");
  CHECK(j["Secret"] == "");
}

TEST_CASE("identity tokens round-trip with the <token> username", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("myreg.azurecr.io", "<token>", "eyJhbGciOi.refresh")).status == 0);
  auto j = nlohmann::json::parse(h.Run("get", "myreg.azurecr.io").out);
  CHECK(j["Username"] == "<token>");
}

TEST_CASE("secrets with JSON-special and non-ASCII characters survive", "[protocol]") {
  Harness h;
  std::string secret = "p\"a\\s<s>&w\xc3\xb6rd\t\n";
  REQUIRE(h.Run("store", StoreJson("ghcr.io", "u", secret)).status == 0);
  CHECK(nlohmann::json::parse(h.Run("get", "ghcr.io").out)["Secret"] == secret);
}

TEST_CASE("input is bounded", "[protocol]") {
  Harness h;
  std::string big(ssm::kMaxInputBytes + 1, 'a');
  for (const char* action : {"store", "get", "erase"}) {
    INFO(action);
    auto r = h.Run(action, big);
    CHECK(r.status == 1);
    CHECK(r.out == std::string(action) + ": the input on stdin is larger than 1 MiB\n");
  }
  CHECK(h.store_.puts() == 0);
  // Just under the bound is read (and then judged on its content).
  std::string padded = StoreJson("ghcr.io", "u", "s");
  padded.append(ssm::kMaxInputBytes - padded.size(), ' ');
  CHECK(h.Run("store", padded).status == 0);
}

TEST_CASE("get and erase with an empty or malformed server URL", "[protocol]") {
  Harness h;
  for (const char* action : {"get", "erase"}) {
    INFO(action);
    CHECK(h.Run(action, "").out == Line(ssm::kNoServerUrlMessage));
    CHECK(h.Run(action, " \n").out == Line(ssm::kNoServerUrlMessage));
    auto r = h.Run(action, "ftp://x");
    CHECK(r.status == 1);
    CHECK(r.out.rfind("invalid server URL", 0) == 0);
    auto nul = h.Run(action, std::string("ghcr.io\0evil", 12));
    CHECK(nul.status == 1);
    CHECK(nul.out.rfind("invalid server URL", 0) == 0);
  }
  CHECK(h.opens_ == 0);
}

TEST_CASE("store errors reach the client as one line", "[protocol]") {
  class Failing : public ssm::MemoryStore {
   public:
    std::optional<ssm::Credential> Get(const std::string&) override {
      throw ssm::Error::Denied("Secret Service: the keyring is locked");
    }
  } failing;
  ssm::Protocol p([&]() -> ssm::SecretStore& { return failing; });
  std::istringstream in("ghcr.io");
  std::ostringstream out;
  CHECK(p.Run("get", in, out) == 1);
  CHECK(out.str() == "Secret Service: the keyring is locked\n");
}

TEST_CASE("docker's Hub refresh token does not overwrite the Hub login", "[protocol]") {
  Harness h;
  REQUIRE(h.Run("store", StoreJson("https://index.docker.io/v1/", "alice", "access")).status == 0);
  CHECK(h.Run("get", "https://index.docker.io/v1/refresh-token").out == Line(ssm::kNotFoundMessage));
  REQUIRE(h.Run("store", StoreJson("https://index.docker.io/v1/refresh-token", "alice", "refresh")).status == 0);
  CHECK(nlohmann::json::parse(h.Run("get", "docker.io").out)["Secret"] == "access");
  CHECK(nlohmann::json::parse(h.Run("get", "https://index.docker.io/v1/refresh-token").out)["Secret"] == "refresh");
  REQUIRE(h.Run("erase", "https://index.docker.io/v1/refresh-token").status == 0);
  CHECK(nlohmann::json::parse(h.Run("get", "docker.io").out)["Secret"] == "access");
}

// Found by tests/fuzz/fuzz_protocol: a configured (or keyring) value in another
// encoding made nlohmann's dump throw past the protocol's error boundary, so
// the client got no line on stdout and the binary an "internal error".
TEST_CASE("credentials that are not UTF-8: get answers one error line, list still answers", "[protocol]") {
  ssm::MemoryStore store;
  ssm::Protocol protocol(
      [&]() -> ssm::SecretStore& { return store; },
      [](const ssm::ServerKey& server) -> std::optional<ssm::Credential> {
        if (server.key != "latin.example.com") return std::nullopt;
        ssm::Credential c;
        c.username = "jose";
        c.secret = ssm::SecretString("caf\xe9");  // Latin-1
        return c;
      },
      [] { return std::map<std::string, std::string>{{"latin.example.com", "jos\xe9"}}; });
  std::istringstream in("latin.example.com\n");
  std::ostringstream out;
  CHECK(protocol.Run("get", in, out) == 1);
  CHECK(out.str() ==
        "get: the user name or secret for latin.example.com is not valid UTF-8 and cannot be sent to the client\n");
  std::istringstream none;
  std::ostringstream listed;
  CHECK(protocol.Run("list", none, listed) == 0);
  CHECK(nlohmann::json::parse(listed.str()) == nlohmann::json{{"latin.example.com", "jos\xef\xbf\xbd"}});
}

// Found by tests/fuzz/fuzz_protocol: a number beyond a double makes nlohmann
// throw out_of_range (not parse_error), which escaped the protocol's boundary.
TEST_CASE("store refuses a number out of range with one line", "[protocol]") {
  Harness h;
  for (const char* input : {R"({"ServerURL":"ghcr.io","Username":"u","Secret":"s","x":1e999})", "-1e400", "[1E99999]"}) {
    INFO(input);
    Result r = h.Run("store", input);
    CHECK(r.status == 1);
    CHECK(r.out == "store: stdin holds a number out of range; expected {\"ServerURL\":...,\"Username\":...,\"Secret\":...}\n");
  }
  CHECK(h.store_.size() == 0);
}

TEST_CASE("store refuses JSON nested too deeply with one line, without crashing", "[protocol]") {
  Harness h;
  // Under the 1 MiB input bound; the recursive wipe overflowed the stack.
  for (const std::string& input : {std::string(250000, '[') + std::string(250000, ']'), std::string(200000, '['),
                                   "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s\",\"x\":" +
                                       std::string(65, '[') + std::string(65, ']') + "}"}) {
    Result r = h.Run("store", input);
    CHECK(r.status == 1);
    CHECK(r.out.find("nested deeper than 64 levels") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
  CHECK(h.store_.List().empty());
  // 64 levels are fine (extra fields are ignored, as by Go).
  Result ok = h.Run("store", "{\"ServerURL\":\"r.example\",\"Username\":\"u\",\"Secret\":\"s\",\"x\":" +
                                 std::string(63, '[') + std::string(63, ']') + "}");
  CHECK(ok.status == 0);
}
