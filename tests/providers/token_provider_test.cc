// The token cache logic shared by ECR, GCR and ACR, with a clock, a memory
// cache and a fake minter that records what it was asked.
#include "providers/token_provider.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/settings.h"
#include "providers/ecr_provider.h"
#include "providers/gcr_provider.h"
#include "providers/provider_table.h"
#include "providers/token_cache.h"
#include "support/map_env.h"
#include "support/temp_dir.h"

namespace {

struct Fixture {
  int64_t clock = 1'700'000'000;
  ssm::MemoryTokenCache cache;
  std::vector<ssm::MintRequest> minted;
  int64_t lifetime = 43200;
  std::optional<ssm::Error> fail;
  ssm::ProviderContext context;
  ssm::Settings settings;

  Fixture() {
    context.now = [this] { return clock; };
    context.cache = &cache;
    context.settings = &settings;
    context.mint = [this](const ssm::MintRequest& r) {
      if (fail) throw *fail;
      minted.push_back(r);
      ssm::MintedToken t;
      t.username = "AWS";
      t.secret = ssm::SecretString("token-" + std::to_string(minted.size()));
      t.expires_at = clock + lifetime;
      return t;
    };
  }

  std::optional<ssm::Credential> Get(const ssm::RegistryConfig& c, const std::string& server) {
    const ssm::Provider* p = ssm::FindProvider(c.provider);
    p->Validate(c);
    return p->Credentials(c, ssm::NormalizeServer(server), context);
  }
};

ssm::RegistryConfig Ecr(std::map<std::string, std::string> values = {{"accesskey", "AKIDTEST"}},
                        std::string secret = "wJalrXUtnFEMI") {
  ssm::RegistryConfig c;
  c.provider = "ecr";
  c.values = values;
  if (!secret.empty()) c.secrets["secretaccesskey"] = ssm::SecretString(secret);
  c.sources = {"environment"};
  return c;
}

const char* kHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

// No AWS credential source at all: an empty HOME and none of the AWS_* variables.
struct NoAwsSources {
  ssm::test::TempDir tmp;
  ssm::test::ScopedEnv home{"HOME", tmp.path().c_str()};
  ssm::test::ScopedEnv id{"AWS_ACCESS_KEY_ID", nullptr};
  ssm::test::ScopedEnv secret{"AWS_SECRET_ACCESS_KEY", nullptr};
  ssm::test::ScopedEnv token{"AWS_SESSION_TOKEN", nullptr};
  ssm::test::ScopedEnv file{"AWS_SHARED_CREDENTIALS_FILE", nullptr};
  ssm::test::ScopedEnv config{"AWS_CONFIG_FILE", nullptr};
  ssm::test::ScopedEnv profile{"AWS_PROFILE", nullptr};
  ssm::test::ScopedEnv role{"AWS_ROLE_ARN", nullptr};
  ssm::test::ScopedEnv web{"AWS_WEB_IDENTITY_TOKEN_FILE", nullptr};
  ssm::test::ScopedEnv relative{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", nullptr};
  ssm::test::ScopedEnv full{"AWS_CONTAINER_CREDENTIALS_FULL_URI", nullptr};
  ssm::test::ScopedEnv endpoint{"AWS_ENDPOINT_URL", nullptr};
  ssm::test::ScopedEnv ecr_endpoint{"AWS_ENDPOINT_URL_ECR", nullptr};
  ssm::test::ScopedEnv sts_endpoint{"AWS_ENDPOINT_URL_STS", nullptr};
  // No instance metadata either (tests that want it turn this off).
  ssm::test::ScopedEnv imds{"AWS_EC2_METADATA_DISABLED", "true"};
};

}  // namespace

TEST_CASE("a cached token is reused until it is due, then minted again", "[tokens]") {
  Fixture f;
  auto first = f.Get(Ecr(), kHost);
  REQUIRE(first);
  CHECK(first->username == "AWS");
  CHECK(first->secret.str() == "token-1");
  REQUIRE(f.minted.size() == 1);
  CHECK(f.minted[0].region == "eu-west-1");
  CHECK(f.minted[0].registry_id == "123456789012");
  CHECK(f.minted[0].endpoint == "https://api.ecr.eu-west-1.amazonaws.com");
  CHECK(f.minted[0].aws.access_key_id == "AKIDTEST");

  f.clock += 3600;
  CHECK(f.Get(Ecr(), kHost)->secret.str() == "token-1");
  CHECK(f.minted.size() == 1);
  // 80% into a 12-hour life it is renewed.
  f.clock += 43200 * 4 / 5;
  CHECK(f.Get(Ecr(), kHost)->secret.str() == "token-2");
  CHECK(f.minted.size() == 2);
}

TEST_CASE("other keys or another registry make another token", "[tokens]") {
  Fixture f;
  f.Get(Ecr(), kHost);
  f.Get(Ecr({{"accesskey", "AKIDOTHER"}}), kHost);
  f.Get(Ecr(), "123456789012.dkr.ecr.us-east-1.amazonaws.com");
  CHECK(f.minted.size() == 3);
  CHECK(f.cache.size() == 3);
}

TEST_CASE("when minting fails, a cached token that is still valid is served", "[tokens]") {
  Fixture f;
  REQUIRE(f.Get(Ecr(), kHost));
  f.clock += 43200 - 600;  // due for refresh, ten minutes from expiry
  f.fail = ssm::Error::Unavailable("ecr: cannot reach https://api.ecr.eu-west-1.amazonaws.com/: timeout");
  auto stale = f.Get(Ecr(), kHost);
  REQUIRE(stale);
  CHECK(stale->secret.str() == "token-1");
  // Past its true expiry nothing is served: the error is the answer.
  f.clock += 600;
  CHECK_THROWS_WITH(f.Get(Ecr(), kHost), Catch::Contains("cannot reach"));
}

TEST_CASE("without a cache entry a failure is the answer, naming the registry", "[tokens]") {
  Fixture f;
  f.fail = ssm::Error::Denied("ecr: GetAuthorizationToken at https://x answered HTTP 403 (UnrecognizedClientException: bad)");
  try {
    f.Get(Ecr(), kHost);
    FAIL("no error");
  } catch (const ssm::Error& e) {
    CHECK(std::string(e.what()).rfind("ecr: ", 0) == 0);
    CHECK(e.kind() == ssm::Error::Kind::kDenied);
  }
}

TEST_CASE("a token that arrives already expired is refused", "[tokens]") {
  Fixture f;
  f.lifetime = -5;
  CHECK_THROWS_WITH(f.Get(Ecr(), kHost), Catch::Contains("already expired"));
}

TEST_CASE("SSM_HTTP_TIMEOUT and SSM_HTTP_CONNECT_TIMEOUT: finite, 0.1 to 600 seconds", "[tokens]") {
  for (const char* name : {"SSM_HTTP_TIMEOUT", "SSM_HTTP_CONNECT_TIMEOUT"}) {
    for (const char* bad : {"nan", "NAN", "inf", "0.0001", "0", "-1", "601", "5s", "1e-9"}) {
      INFO(name << "=" << bad);
      Fixture f;
      f.settings = ssm::Settings(ssm::test::MapEnv({{name, bad}}));
      CHECK_THROWS_WITH(f.Get(Ecr(), kHost), std::string(name) + " must be a number of seconds from 0.1 to 600");
      CHECK(f.minted.empty());
    }
    Fixture f;
    f.settings = ssm::Settings(ssm::test::MapEnv({{name, "0.1"}}));
    REQUIRE(f.Get(Ecr(), kHost));
    CHECK((std::string(name) == "SSM_HTTP_TIMEOUT" ? f.minted[0].total_timeout_ms : f.minted[0].connect_timeout_ms) ==
          100);
  }
}

TEST_CASE("a token is never cached for longer than a day", "[tokens]") {
  Fixture f;
  f.lifetime = 30 * 86400;
  REQUIRE(f.Get(Ecr(), kHost));
  f.clock += 86400 + 1;  // the service's expiry is far away; ours has passed
  REQUIRE(f.Get(Ecr(), kHost));
  CHECK(f.minted.size() == 2);
}

TEST_CASE("ECR endpoints follow the host's partition, FIPS and dual-stack", "[tokens]") {
  Fixture f;
  struct Case {
    const char* host;
    const char* endpoint;
    const char* region;
  } cases[] = {
      {"123456789012.dkr.ecr.us-east-1.amazonaws.com", "https://api.ecr.us-east-1.amazonaws.com", "us-east-1"},
      {"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "https://api.ecr-fips.us-gov-west-1.amazonaws.com",
       "us-gov-west-1"},
      {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "https://api.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"},
      {"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "https://api.ecr.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"},
      {"123456789012.dkr-ecr.eu-west-3.on.aws", "https://ecr.eu-west-3.api.aws", "eu-west-3"},
  };
  for (const auto& c : cases) {
    INFO(c.host);
    f.minted.clear();
    f.Get(Ecr(), c.host);
    REQUIRE(f.minted.size() == 1);
    CHECK(f.minted[0].endpoint == c.endpoint);
    CHECK(f.minted[0].region == c.region);
  }
  f.minted.clear();
  f.Get(Ecr({{"accesskey", "AKIDTEST"}, {"endpoint", "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com"}}), kHost);
  CHECK(f.minted[0].endpoint == "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com");
}

TEST_CASE("ECR keys come from the configuration, the environment, then ~/.aws/credentials", "[tokens]") {
  Fixture f;
  NoAwsSources none;
  const ssm::test::TempDir& tmp = none.tmp;
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "ecr";

  SECTION("nothing anywhere: unconfigured ECR answers not found") {
    CHECK_FALSE(f.Get(unconfigured, kHost));
    ssm::RegistryConfig configured = unconfigured;
    configured.sources = {"config file"};
    CHECK_THROWS_WITH(f.Get(configured, kHost), Catch::Contains("ecr: no AWS credentials"));
  }
  SECTION("environment") {
    ssm::test::ScopedEnv i("AWS_ACCESS_KEY_ID", "AKIDENV");
    ssm::test::ScopedEnv s("AWS_SECRET_ACCESS_KEY", "envsecret");
    ssm::test::ScopedEnv t("AWS_SESSION_TOKEN", "envtoken");
    REQUIRE(f.Get(unconfigured, kHost));
    CHECK(f.minted[0].aws.access_key_id == "AKIDENV");
    CHECK(f.minted[0].aws.session_token.str() == "envtoken");
    // Configured keys win.
    f.Get(Ecr(), kHost);
    CHECK(f.minted[1].aws.access_key_id == "AKIDTEST");
  }
  SECTION("shared credentials file with AWS_PROFILE") {
    std::filesystem::create_directories(tmp.path() + "/.aws");
    ssm::test::WriteAll(tmp.path() + "/.aws/credentials",
                        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n"
                        "[ci]\n aws_access_key_id=AKIDCI \naws_secret_access_key=c\naws_session_token=tok\n");
    REQUIRE(f.Get(unconfigured, kHost));
    CHECK(f.minted[0].aws.access_key_id == "AKIDDEFAULT");
    ssm::test::ScopedEnv p("AWS_PROFILE", "ci");
    REQUIRE(f.Get(unconfigured, kHost));
    CHECK(f.minted[1].aws.access_key_id == "AKIDCI");
    CHECK(f.minted[1].aws.session_token.str() == "tok");
    // A profile asked for by name must exist, as the AWS SDKs require.
    ssm::test::ScopedEnv missing("AWS_PROFILE", "nope");
    CHECK_THROWS_WITH(f.Get(unconfigured, kHost), Catch::Contains("AWS profile \"nope\" is not in"));
  }
}

TEST_CASE("ECR with no keys: the AWS chain runs in the network module; no identity is remembered", "[tokens]") {
  Fixture f;
  NoAwsSources none;
  ssm::test::ScopedEnv imds("AWS_EC2_METADATA_DISABLED", nullptr);
  bool identity_here = false;
  f.context.mint = [&](const ssm::MintRequest& r) {
    f.minted.push_back(r);
    ssm::MintedToken t;
    if (!identity_here) return t;  // what the module answers when IMDS is not there
    t.username = "AWS";
    t.secret = ssm::SecretString("token-imds");
    t.expires_at = f.clock + 43200;
    return t;
  };
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "ecr";
  CHECK_FALSE(f.Get(unconfigured, kHost));
  REQUIRE(f.minted.size() == 1);
  auto chain = nlohmann::json::parse(f.minted[0].aws_chain.str());
  CHECK(chain["kind"] == "imds");
  CHECK(chain["imds_endpoint"] == "http://169.254.169.254");
  CHECK(chain["sts_endpoint"] == "https://sts.eu-west-1.amazonaws.com");
  CHECK(f.minted[0].aws.access_key_id.empty());
  // Remembered: no second probe until it runs out.
  const ssm::Provider* p = ssm::FindProvider("ecr");
  CHECK_FALSE(p->NeedsNetwork(unconfigured, ssm::NormalizeServer(kHost), f.context));
  CHECK_FALSE(f.Get(unconfigured, kHost));
  CHECK(f.minted.size() == 1);
  // A configured registry says so instead.
  ssm::RegistryConfig configured = unconfigured;
  configured.sources = {"config file"};
  CHECK_THROWS_WITH(f.Get(configured, kHost), Catch::Contains("ecr: no AWS credentials"));
  f.clock += ssm::kNoIdentitySeconds;
  identity_here = true;
  auto token = f.Get(unconfigured, kHost);
  REQUIRE(token);
  CHECK(token->secret.str() == "token-imds");
  CHECK(f.minted.size() == 2);
}

TEST_CASE("derived credentials are cached for their life and shared by the registries of one identity", "[tokens]") {
  Fixture f;
  NoAwsSources none;
  ssm::test::ScopedEnv imds("AWS_EC2_METADATA_DISABLED", nullptr);
  std::vector<std::string> identities_given;
  f.context.mint = [&](const ssm::MintRequest& r) {
    f.minted.push_back(r);
    identities_given.push_back(r.identity.str());
    ssm::MintedToken t;
    t.username = "AWS";
    t.secret = ssm::SecretString("token-" + r.region);
    t.expires_at = f.clock + 3600;
    if (r.identity.empty()) {
      t.identity = ssm::SecretString("derived-keys-" + std::to_string(f.minted.size()));
      t.identity_expires_at = f.clock + 3600;
    }
    return t;
  };
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "ecr";
  REQUIRE(f.Get(unconfigured, "123456789012.dkr.ecr.eu-west-1.amazonaws.com"));
  REQUIRE(f.Get(unconfigured, "123456789012.dkr.ecr.us-east-2.amazonaws.com"));
  REQUIRE(identities_given.size() == 2);
  CHECK(identities_given[0].empty());
  CHECK(identities_given[1] == "derived-keys-1");  // the second region reused them
  CHECK(f.minted[0].identity_key == f.minted[1].identity_key);
  CHECK_FALSE(f.minted[0].identity_key.empty());
  // Past 80 % of their life they are not handed out any more.
  f.clock += 3600 * 4 / 5 + 1;
  REQUIRE(f.Get(unconfigured, "123456789012.dkr.ecr.ap-south-1.amazonaws.com"));
  CHECK(identities_given[2].empty());
  // Keys of a registry's own need nothing derived.
  REQUIRE(f.Get(Ecr(), kHost));
  CHECK(f.minted.back().identity_key.empty());
}

TEST_CASE("ECR per-registry identity: profile, rolearn and endpoint overrides", "[tokens]") {
  Fixture f;
  NoAwsSources none;
  std::filesystem::create_directories(none.tmp.path() + "/.aws");
  ssm::test::WriteAll(none.tmp.path() + "/.aws/config",
                      "[profile prod]\nrole_arn = arn:aws:iam::111122223333:role/puller\ncredential_process = /bin/creds\n");
  auto registry = Ecr({{"profile", "prod"}, {"rolearn", "arn:aws:iam::444455556666:role/cross"},
                       {"externalid", "x-1"}}, "");
  registry.name = "prod";
  REQUIRE(f.Get(registry, kHost));
  auto chain = nlohmann::json::parse(f.minted[0].aws_chain.str());
  CHECK(chain["kind"] == "process");
  CHECK(chain["command"] == "/bin/creds");
  REQUIRE(chain["roles"].size() == 2);
  CHECK(chain["roles"][0]["role_arn"] == "arn:aws:iam::111122223333:role/puller");
  CHECK(chain["roles"][1]["role_arn"] == "arn:aws:iam::444455556666:role/cross");
  CHECK(chain["roles"][1]["external_id"] == "x-1");
  CHECK(chain["roles"][1]["named_by"] == "ecr/prod configuration");
  CHECK(chain["process_timeout_ms"] == 30000);
  CHECK(f.minted[0].aws.source ==
        "profile prod in " + none.tmp.path() +
            "/.aws/config: credential_process, then role arn:aws:iam::111122223333:role/puller, then role "
            "arn:aws:iam::444455556666:role/cross");

  // SSM_AWS_PROCESS_TIMEOUT shortens (or lengthens) the credential_process bound.
  {
    ssm::test::ScopedEnv timeout("SSM_AWS_PROCESS_TIMEOUT", "2");
    f.minted.clear();
    f.clock += 43200;
    REQUIRE(f.Get(registry, kHost));
    CHECK(nlohmann::json::parse(f.minted[0].aws_chain.str())["process_timeout_ms"] == 2000);
    for (const char* bad : {"0", "-1", "1.5", "3601", "x", "99999"}) {
      ssm::test::ScopedEnv b("SSM_AWS_PROCESS_TIMEOUT", bad);
      f.clock += 43200;
      CHECK_THROWS_WITH(f.Get(registry, kHost), Catch::Contains("SSM_AWS_PROCESS_TIMEOUT must be whole seconds"));
    }
  }

  // Keys of the registry itself with a role on top.
  f.minted.clear();
  REQUIRE(f.Get(Ecr({{"accesskey", "AKIDTEST"}, {"rolearn", "arn:aws:iam::444455556666:role/cross"}}), kHost));
  chain = nlohmann::json::parse(f.minted[0].aws_chain.str());
  CHECK(chain["kind"] == "static");
  CHECK(chain["access_key_id"] == "AKIDTEST");

  // The SDKs' endpoint variables.
  f.minted.clear();
  ssm::test::ScopedEnv ecr("AWS_ENDPOINT_URL_ECR", "https://ecr.internal.example/");
  ssm::test::ScopedEnv sts("AWS_ENDPOINT_URL", "https://aws.internal.example");
  REQUIRE(f.Get(Ecr({{"accesskey", "AKIDTEST"}, {"rolearn", "arn:aws:iam::444455556666:role/cross"}}), kHost));
  CHECK(f.minted[0].endpoint == "https://ecr.internal.example");
  chain = nlohmann::json::parse(f.minted[0].aws_chain.str());
  CHECK(chain["sts_endpoint"] == "https://aws.internal.example");
  // AWS_CA_BUNDLE: the CA file trusted for ECR and STS unless the registry names its own,
  // handed to the module by name (read only when a token is minted).
  std::string bundle = none.tmp.path() + "/ca.pem";
  {
    ssm::test::ScopedEnv ca("AWS_CA_BUNDLE", bundle.c_str());
    f.clock += 43200;
    f.minted.clear();
    REQUIRE(f.Get(Ecr(), kHost));
    CHECK(f.minted[0].ca_file == bundle);
    CHECK(f.minted[0].ca_pem.empty());
    f.minted.clear();
    REQUIRE(f.Get(Ecr({{"accesskey", "AKIDTEST"}, {"cacert", "-----BEGIN CERTIFICATE-----"}}), kHost));
    CHECK(f.minted[0].ca_file.empty());
  }
  ssm::test::ScopedEnv ignore("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  f.minted.clear();
  f.clock += 43200;  // the token minted first for this endpoint has expired
  REQUIRE(f.Get(Ecr({{"accesskey", "AKIDTEST"}, {"rolearn", "arn:aws:iam::444455556666:role/cross"}}), kHost));
  CHECK(f.minted[0].endpoint == "https://api.ecr.eu-west-1.amazonaws.com");
}

TEST_CASE("ECR validation", "[tokens]") {
  auto refusal = [](ssm::RegistryConfig c) -> std::string {
    try {
      ssm::FindProvider(c.provider)->Validate(c);
    } catch (const ssm::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(refusal(Ecr({{"accesskey", "A"}}, "")) == "ecr: accesskey needs secretaccesskey (set both or neither)");
  CHECK(refusal(Ecr({}, "s")) == "ecr: secretaccesskey needs accesskey (set both or neither)");
  CHECK(refusal(Ecr({{"accesskey", "A"}, {"region", "nowhere"}})) == "ecr: region must be an AWS region code like us-east-1");
  CHECK(refusal(Ecr({{"accesskey", "A"}, {"account", "12345"}})) == "ecr: account must be a 12-digit AWS account ID");
  CHECK(refusal(Ecr({{"accesskey", "A"}, {"endpoint", "http://x"}})) == "ecr: endpoint must be an https:// URL");
  CHECK(refusal(Ecr()).empty());
  CHECK(refusal(Ecr({{"accesskey", "A"}, {"profile", "p"}})) == "ecr: set either profile or accesskey, not both");
  CHECK(refusal(Ecr({{"externalid", "x"}}, "")) == "ecr: externalid and sessionname need rolearn");
  CHECK(refusal(Ecr({{"rolearn", "arn:aws:iam::12345:role/x"}}, "")).find("rolearn must be an IAM role ARN") !=
        std::string::npos);
  CHECK(refusal(Ecr({{"rolearn", "arn:aws:s3:::bucket"}}, "")).find("rolearn must be") != std::string::npos);
  CHECK(refusal(Ecr({{"rolearn", "arn:aws-cn:iam::123456789012:role/ok"}}, "")).empty());
  CHECK(refusal(Ecr({{"rolearn", "arn:aws:iam::123456789012:role/x"}, {"sessionname", "a b"}}, ""))
            .find("sessionname must be") != std::string::npos);
}

TEST_CASE("an ECR configuration pinned to an account serves only that account", "[tokens]") {
  const ssm::Provider* ecr = ssm::FindProvider("ecr");
  auto c = Ecr({{"accesskey", "A"}, {"account", "111111111111"}});
  CHECK(ecr->Serves(ssm::NormalizeServer("111111111111.dkr.ecr.us-east-1.amazonaws.com"), c));
  CHECK_FALSE(ecr->Serves(ssm::NormalizeServer("222222222222.dkr.ecr.us-east-1.amazonaws.com"), c));
}

TEST_CASE("ECR Public is anonymous unless configured, then needs keys", "[tokens]") {
  Fixture f;
  const ssm::Provider* pub = ssm::FindProvider("ecrpublic");
  CHECK(pub->AnonymousByDefault());
  CHECK_FALSE(pub->ServesUnconfigured(ssm::NormalizeServer("public.ecr.aws")));
  ssm::RegistryConfig c = Ecr();
  c.provider = "ecrpublic";
  auto t = f.Get(c, "public.ecr.aws");
  REQUIRE(t);
  CHECK(f.minted[0].kind == "ecrpublic");
  CHECK(f.minted[0].region == "us-east-1");
  CHECK(f.minted[0].endpoint == "https://api.ecr-public.us-east-1.amazonaws.com");
}

TEST_CASE("GCR mints from clientemail + privatekey or a JSON key file", "[tokens]") {
  Fixture f;
  ssm::RegistryConfig c;
  c.provider = "gcr";
  c.values["clientemail"] = "sa@proj.iam.gserviceaccount.com";
  c.secrets["privatekey"] = ssm::SecretString("-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n");
  REQUIRE(f.Get(c, "europe-west1-docker.pkg.dev"));
  CHECK(f.minted[0].kind == "gcr");
  CHECK(f.minted[0].client_email == "sa@proj.iam.gserviceaccount.com");
  CHECK(f.minted[0].endpoint == "https://oauth2.googleapis.com/token");
  CHECK(f.minted[0].audience == "https://oauth2.googleapis.com/token");

  ssm::RegistryConfig k;
  k.provider = "gcr";
  k.secrets["keyjson"] = ssm::SecretString(
      R"({"type":"service_account","client_email":"k@p.iam.gserviceaccount.com","private_key_id":"abc",)"
      R"("private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n","token_uri":"https://127.0.0.1:9/token"})");
  REQUIRE(f.Get(k, "gcr.io"));
  CHECK(f.minted[1].private_key_id == "abc");
  CHECK(f.minted[1].endpoint == "https://127.0.0.1:9/token");

  ssm::RegistryConfig none;
  none.provider = "gcr";
  CHECK_FALSE(f.Get(none, "gcr.io"));
}

TEST_CASE("GCR validation", "[tokens]") {
  auto refusal = [](std::map<std::string, std::string> values, std::map<std::string, std::string> secrets) -> std::string {
    ssm::RegistryConfig c;
    c.provider = "gcr";
    c.values = values;
    for (auto& [k, v] : secrets) c.secrets[k] = ssm::SecretString(v);
    try {
      ssm::FindProvider("gcr")->Validate(c);
    } catch (const ssm::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(refusal({{"clientemail", "a@b"}}, {}) == "gcr: clientemail needs privatekey (set both or neither)");
  CHECK(refusal({{"clientemail", "nobody"}}, {{"privatekey", "-----BEGIN PRIVATE KEY-----"}}) ==
        "gcr: clientemail must be a service account e-mail address");
  CHECK(refusal({{"clientemail", "a@b"}}, {{"privatekey", "hunter2"}}) ==
        "gcr: privatekey must be a PEM private key (-----BEGIN PRIVATE KEY-----)");
  // Every Application Default Credentials type is accepted, with its fields.
  CHECK(refusal({}, {{"keyjson", "{\"type\":\"authorized_user\"}"}}) == "gcr: keyjson (authorized_user) has no client_id");
  CHECK(refusal({}, {{"keyjson", R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})"}})
            .empty());
  CHECK(refusal({}, {{"keyjson", R"({"type":"external_account","audience":"a","subject_token_type":"t",)"
                                 R"("credential_source":{"executable":{"command":"x"}}})"}}) ==
        "gcr: keyjson (external_account): only file and url credential sources are supported");
  CHECK(refusal({}, {{"keyjson", R"({"type":"gdch_service_account"})"}}).find("unknown type \"gdch_service_account\"") !=
        std::string::npos);
  CHECK(refusal({{"impersonate", "nobody"}}, {}) == "gcr: impersonate must be a service account e-mail address");
  CHECK(refusal({{"serviceaccount", "default"}}, {}).empty());
  CHECK(refusal({}, {{"keyjson", "not json"}}).find("keyjson is not a JSON object") != std::string::npos);
  // Found by tests/fuzz/fuzz_config: a field of another type made nlohmann's
  // value() throw type_error out of Validate instead of an ssm::Error.
  CHECK(refusal({}, {{"keyjson", R"({"type":1})"}}).find("gcr: keyjson has an unknown type") != std::string::npos);
  // Found by fuzz_config: the type was quoted verbatim, line breaks (or a pasted key) included.
  CHECK(refusal({}, {{"keyjson", R"({"type":"service_account KEY-----\nMIIE"})"}}) ==
        "gcr: keyjson has an unknown type (a value not shown) (service_account, authorized_user, external_account or "
        "impersonated_service_account)");
  CHECK(refusal({}, {{"keyjson", R"({"type":"service_account","client_email":"a@b","private_key":)"
                                 R"("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----","token_uri":[]})"}}) ==
        "gcr: keyjson has a token_uri that is not a string");
}

TEST_CASE("ACR with tenantid exchanges; without, the service principal is used directly", "[tokens]") {
  Fixture f;
  ssm::RegistryConfig c;
  c.provider = "acr";
  c.values = {{"clientid", "cid"}, {"tenantid", "tid"}};
  c.secrets["clientsecret"] = ssm::SecretString("csecret");
  REQUIRE(f.Get(c, "contoso.azurecr.io"));
  REQUIRE(f.minted.size() == 1);
  CHECK(f.minted[0].kind == "acr");
  CHECK(f.minted[0].registry == "contoso.azurecr.io");
  CHECK(f.minted[0].exchange_url == "https://contoso.azurecr.io/oauth2/exchange");
  CHECK(f.minted[0].endpoint == "https://login.microsoftonline.com");
  c.values.erase("tenantid");
  auto direct = f.Get(c, "contoso.azurecr.io");
  CHECK(direct->username == "cid");
  CHECK(f.minted.size() == 1);
}

TEST_CASE("CachedToken refresh time", "[tokens]") {
  ssm::CachedToken t;
  t.issued_at = 0;
  t.expires_at = 43200;
  CHECK(t.RefreshAt() == 34560);
  t.expires_at = 100;
  CHECK(t.RefreshAt() == 40);
}

TEST_CASE("NeedsNetwork: true exactly when Credentials would mint", "[tokens]") {
  Fixture f;
  const ssm::Provider* p = ssm::FindProvider("ecr");
  ssm::ServerKey server = ssm::NormalizeServer(kHost);
  CHECK(p->NeedsNetwork(Ecr(), server, f.context));
  CHECK(f.minted.empty());  // asking mints nothing
  f.Get(Ecr(), kHost);
  CHECK_FALSE(p->NeedsNetwork(Ecr(), server, f.context));
  CHECK(p->NeedsNetwork(Ecr({{"accesskey", "AKIDOTHER"}}), server, f.context));  // another token
  f.clock += 43200 * 4 / 5;  // due for refresh
  CHECK(p->NeedsNetwork(Ecr(), server, f.context));
  // Nothing to mint with (no keys anywhere): anonymous, no network.
  NoAwsSources none;
  CHECK_FALSE(p->NeedsNetwork(Ecr({}, ""), server, f.context));
  // Static providers never need it.
  ssm::RegistryConfig hub;
  hub.provider = "hub";
  CHECK_FALSE(ssm::FindProvider("hub")->NeedsNetwork(hub, ssm::NormalizeServer("docker.io"), f.context));
}

TEST_CASE("the user's token cache keeps a token whole, a newline in the user name included", "[tokens]") {
  auto shared = std::make_shared<ssm::MemoryCache>();
  std::unique_ptr<ssm::TokenCache> cache = ssm::OpenTokenCache(shared);
  ssm::CachedToken t;
  t.username = "AWS\nevil";
  t.secret = ssm::SecretString("tok\nen");
  t.issued_at = 100;
  t.expires_at = 200;
  cache->Put("ecr|a.example|fp", t, 100);
  std::optional<ssm::CachedToken> got = cache->Get("ecr|a.example|fp");
  REQUIRE(got);
  CHECK(got->username == "AWS\nevil");
  CHECK(got->secret.str() == "tok\nen");
  CHECK(got->issued_at == 100);
  CHECK(got->expires_at == 200);
  CHECK_FALSE(cache->Get("ecr|b.example|fp"));
}

TEST_CASE("a token's cache key names its kind and server in clear", "[tokens]") {
  ssm::MintRequest r;
  r.kind = "ecr";
  std::string key = ssm::TokenCacheKey(r, "1.dkr.ecr.us-east-1.amazonaws.com");
  CHECK(key.rfind("ecr|1.dkr.ecr.us-east-1.amazonaws.com|", 0) == 0);
}
