#include "helper/registry_command.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "providers/registry_settings.h"
#include "store/memory_store.h"
#include "support/temp_dir.h"

namespace {

class Harness {
 public:
  Harness() : config_path_(tmp_.path() + "/cfg/config.json") { env_.push_back(nullptr); }

  int Run(std::vector<std::string> args, const std::string& input = "") {
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    ssm::CommandContext ctx;
    ctx.store = [this]() -> ssm::SecretStore& { return store_; };
    ctx.config_path = config_path_;
    ctx.environment = env_.data();
    ctx.check = [](const std::string&, const std::optional<ssm::Credential>&, const std::string&,
                   const std::string&) -> ssm::CheckResult { throw std::logic_error("no network in this test"); };
    ctx.in = &in;
    ctx.out = &out_;
    ctx.err = &err_;
    ctx.prompt = nullptr;
    return ssm::RunRegistryCommand(args, ctx);
  }

  std::string ConfigText() { return ssm::test::ReadAll(config_path_); }

  ssm::test::TempDir tmp_;
  std::string config_path_;
  std::vector<char*> env_;
  ssm::MemoryStore store_;
  std::ostringstream out_, err_;
};

}  // namespace

TEST_CASE("registry add keeps values in the config file and secrets in the store", "[registry_command]") {
  Harness h;
  REQUIRE(h.Run({"add", "custom", "lab", "--url", "http://127.0.0.1:5000", "--login=bob", "--password", "-"},
                "planted-pw\n") == 0);
  CHECK(h.out_.str() == "custom/lab: configured for 127.0.0.1:5000; password kept in the memory store\n");
  std::string text = h.ConfigText();
  CHECK(text.find("planted-pw") == std::string::npos);
  auto doc = nlohmann::json::parse(text);
  CHECK(doc["registries"]["custom/lab"]["url"] == "http://127.0.0.1:5000");
  CHECK(doc["registries"]["custom/lab"]["stored_secrets"] == nlohmann::json{"password"});
  auto item = h.store_.Get(ssm::SecretsKey("custom/lab"));
  REQUIRE(item);
  CHECK(ssm::DecodeStoredSecrets(item->secret, "x").at("password").str() == "planted-pw");
  CHECK(ssm::test::FileMode(h.config_path_) == 0600);
}

TEST_CASE("registry add reads --<variable>-file and warns about secrets on argv", "[registry_command]") {
  Harness h;
  ssm::test::WriteAll(h.tmp_.path() + "/tok", "ghp_token\n");
  REQUIRE(h.Run({"add", "ghcr", "--username", "octo", "--token-file", h.tmp_.path() + "/tok"}) == 0);
  CHECK(h.err_.str().empty());
  REQUIRE(h.Run({"add", "quay", "--namespace", "o", "--account", "a", "--token", "argv-token"}) == 0);
  CHECK(h.err_.str().find("visible to other processes") != std::string::npos);
  CHECK(h.err_.str().find("argv-token") == std::string::npos);
}

TEST_CASE("a refused registry add changes nothing", "[registry_command]") {
  Harness h;
  REQUIRE(h.Run({"add", "custom", "lab", "--url", "http://a:5000", "--login", "bob", "--password", "-"}, "pw") == 0);
  std::string before = h.ConfigText();
  int puts = h.store_.puts();
  struct Case {
    std::vector<std::string> args;
    std::string input;
    int status;
    std::string message;
  } cases[] = {
      {{"add", "custom", "lab", "--login", "x", "--password", "-"}, "p", 1, "custom/lab: the variable url is required"},
      {{"add", "custom", "lab", "--url", "http://a", "--login", "x"}, "", 1, "custom/lab: login needs password (or token)"},
      {{"add", "custom", "lab", "--url", "http://a", "--password", "-"}, "p", 1, "custom/lab: password needs login"},
      {{"add", "custom", "lab", "--url", "http://a", "--login", "x", "--password", "-", "--auth", "eDp5"}, "p", 1,
       "custom/lab: auth excludes login (give auth alone, or login and password)"},
      {{"add", "custom", "lab", "--url", "http://a", "--auth", "-"}, "bm9jb2xvbg==", 1,
       "custom/lab: auth must be base64 of user:password (no user:password inside)"},
      {{"add", "custom", "lab", "--url", "a.example"}, "", 1,
       "custom/lab: url must be a URL with a scheme, like https://registry.example.com"},
      {{"add", "custom", "lab", "--url"}, "", 2, "registry add: --url needs a value: give it, or - to read stdin, or --url-file PATH (no terminal to ask on)"},
      {{"add", "custom", "lab", "--colour", "red"}, "", 2, "registry add: custom/lab has no variable \"colour\" (it takes --url, --login, --password, --token, --auth, --cacert)"},
      {{"add", "nosuch"}, "", 2, "registry add: unknown provider \"nosuch\" (known: hub, ghcr, lscr, quay, gcr, ecr, ecrpublic, acr, gitlab, gitea, forgejo, custom)"},
      {{"add", "custom", "La b"}, "", 2, "a registry name has only lower-case letters, digits and _ (\"La b\")"},
      {{"add", "custom", "lab", "--url", "http://a", "--url", "http://b"}, "", 2, "registry add: --url is given twice"},
      {{"add", "hub", "--login", "x", "--password", "-", "--token", "-"}, "p", 2, "registry add: only one variable can be read from stdin"},
      {{"add", "custom", "lab", "--url", "http://a", "--login", "x", "--password", "-"}, "p\xff\xfess", 1,
       "registry add: custom/lab: password is not valid UTF-8 text (a credential helper answers in JSON, which cannot carry it)"},
      {{"add", "custom", "lab", "--url", "http://a", "--login", "caf\xe9"}, "", 1,
       "registry add: custom/lab: login is not valid UTF-8 text (a credential helper answers in JSON, which cannot carry it)"},
  };
  for (const auto& c : cases) {
    INFO(c.message);
    CHECK(h.Run(c.args, c.input) == c.status);
    std::string err = h.err_.str();
    std::string last = err.substr(err.rfind('\n', err.size() - 2) == std::string::npos ? 0 : err.rfind('\n', err.size() - 2) + 1);
    CHECK(last == "docker-credential-ssm: " + c.message + "\n");
    CHECK(h.ConfigText() == before);
    CHECK(h.store_.puts() == puts);
  }
}

TEST_CASE("registry list shows variables and hosts, never secret values", "[registry_command]") {
  Harness h;
  REQUIRE(h.Run({"add", "custom", "lab", "--url", "http://a:5000", "--login", "bob", "--password", "-"}, "SEKRET") == 0);
  REQUIRE(h.Run({"list"}) == 0);
  std::string out = h.out_.str();
  CHECK(out.find("custom/lab\ta:5000\tlogin, url, password (secret, store)\tconfig file\tok\n") != std::string::npos);
  CHECK(out.find("hub\thttps://index.docker.io/v1/\t-\t-\tanonymous (default)\n") != std::string::npos);
  CHECK(out.find("SEKRET") == std::string::npos);
  REQUIRE(h.Run({"list", "--json"}) == 0);
  auto rows = nlohmann::json::parse(h.out_.str());
  CHECK(rows.size() == 8);  // custom/lab, the five anonymous defaults, unconfigured ECR and ACR
  bool implicit_ecr = false, implicit_acr = false;
  for (const auto& row : rows) {
    implicit_ecr = implicit_ecr || (row["registry"] == "ecr" && !row["identity"].get<std::string>().empty());
    implicit_acr = implicit_acr || (row["registry"] == "acr" && !row["identity"].get<std::string>().empty());
  }
  CHECK(implicit_ecr);
  CHECK(implicit_acr);
}

TEST_CASE("registry remove and reset", "[registry_command]") {
  Harness h;
  REQUIRE(h.Run({"add", "hub", "--login", "alice", "--password", "-"}, "pw") == 0);
  REQUIRE(h.Run({"add", "custom", "lab", "--url", "http://a"}) == 0);
  CHECK(h.store_.Get(ssm::SecretsKey("hub")));
  REQUIRE(h.Run({"reset", "hub"}) == 0);
  CHECK(h.out_.str() == "hub: reset; it is used anonymously again\n");
  CHECK_FALSE(h.store_.Get(ssm::SecretsKey("hub")));
  CHECK(nlohmann::json::parse(h.ConfigText())["registries"].count("hub") == 0);
  REQUIRE(h.Run({"reset", "hub"}) == 0);
  CHECK(h.out_.str() == "hub: nothing configured; it is used anonymously\n");
  REQUIRE(h.Run({"remove", "custom/lab"}) == 0);
  CHECK(h.Run({"remove", "custom", "lab"}) == 1);
  CHECK(h.err_.str() == "docker-credential-ssm: custom/lab is not configured (see: docker-credential-ssm registry list)\n");
}

TEST_CASE("registry commands refuse to change what the environment configures", "[registry_command]") {
  Harness h;
  std::string var = "SSM_REGISTRY_CUSTOM_LAB_URL=http://a";
  h.env_.insert(h.env_.begin(), &var[0]);
  CHECK(h.Run({"remove", "custom", "lab"}) == 1);
  CHECK(h.err_.str().find("configured by the environment (SSM_REGISTRY_CUSTOM_LAB_URL)") != std::string::npos);
}

TEST_CASE("registry usage errors exit 2", "[registry_command]") {
  Harness h;
  CHECK(h.Run({}) == 2);
  CHECK(h.Run({"frob"}) == 2);
  CHECK(h.Run({"add"}) == 2);
  CHECK(h.Run({"--help"}) == 0);
  CHECK(h.out_.str().find("Providers and their variables") != std::string::npos);
}

TEST_CASE("registry list says what is wrong with a configuration", "[registry_command]") {
  Harness h;
  std::string a = "SSM_REGISTRY_CUSTOM_X_LOGIN=u", b = "SSM_REGISTRY_CUSTOM_X_PASSWORD=p";
  h.env_.insert(h.env_.begin(), &a[0]);
  h.env_.insert(h.env_.begin(), &b[0]);
  REQUIRE(h.Run({"list"}) == 0);
  CHECK(h.out_.str().find("custom/x\t-\tlogin, password (secret, environment)\tenvironment\tinvalid: custom/x: the variable url is required\n") !=
        std::string::npos);
}

TEST_CASE("two configurations for one server are refused", "[registry_command]") {
  Harness h;
  REQUIRE(h.Run({"add", "custom", "lab", "--url", "http://127.0.0.1:5000"}) == 0);
  CHECK(h.Run({"add", "custom", "lab2", "--url", "http://127.0.0.1:5000/", "--login", "u", "--password", "-"}, "p") == 1);
  CHECK(h.err_.str() == "docker-credential-ssm: custom/lab2: custom/lab already serves 127.0.0.1:5000 (remove it first, or configure custom/lab instead)\n");
  // Reconfiguring the same one is fine.
  CHECK(h.Run({"add", "custom", "lab", "--url", "http://127.0.0.1:5000", "--login", "u", "--password", "-"}, "p") == 0);
}
