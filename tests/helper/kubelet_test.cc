#include "helper/kubelet.h"

#include <fnmatch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#if defined(__SANITIZE_ADDRESS__)
#define SSM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SSM_UNDER_ASAN 1
#endif
#endif
#ifndef SSM_UNDER_ASAN
#define SSM_UNDER_ASAN 0
#endif
#if SSM_UNDER_ASAN
// From the sanitizer runtime (its header is not installed with every compiler).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "support/map_env.h"
#include "providers/token_cache.h"
#include "providers/tokens/mint.h"
#include "store/memory_store.h"
#include "support/memory_lookup.h"
#include "support/temp_dir.h"

namespace {

constexpr int64_t kNow = 1760000000;

// Reads an answer as strictly as the kubelet (sigs.k8s.io/json
// UnmarshalStrict into CredentialProviderResponse): duplicate keys, unknown
// fields and keys in another case are errors; cacheKeyType is one of three;
// cacheDuration is a Go duration. Returns the problem, or "" when it is read.
class StrictReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) problem = "duplicate key " + k;
    return problem.empty();
  }
  bool end_object() override {
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    problem = "not JSON";
    return false;
  }
  std::string problem;

 private:
  std::vector<std::set<std::string>> keys_;
};

// The kubelet's auth key match: host labels as globs (same count), port
// equal, the key's path a prefix of the image's.
bool KeyMatchesImage(const std::string& key, const std::string& image) {
  auto split = [](const std::string& s, std::string* host, std::string* port, std::string* path) {
    size_t slash = s.find('/');
    std::string hp = s.substr(0, slash);
    *path = slash == std::string::npos ? "" : s.substr(slash);
    size_t colon = hp.find(':');
    *host = hp.substr(0, colon);
    *port = colon == std::string::npos ? "" : hp.substr(colon + 1);
  };
  std::string kh, kp, kpath, ih, ip, ipath;
  split(key, &kh, &kp, &kpath);
  split(image, &ih, &ip, &ipath);
  auto labels = [](const std::string& h) {
    std::vector<std::string> out;
    std::stringstream ss(h);
    for (std::string l; std::getline(ss, l, '.');) out.push_back(l);
    return out;
  };
  std::vector<std::string> kl = labels(kh), il = labels(ih);
  if (kl.size() != il.size() || kp != ip) return false;
  for (size_t i = 0; i < kl.size(); ++i) {
    if (fnmatch(kl[i].c_str(), il[i].c_str(), 0) != 0) return false;
  }
  return ipath.rfind(kpath, 0) == 0;
}

// The answer read strictly; the image as the kubelet normalized it.
nlohmann::json ReadStrictly(const std::string& text, const std::string& api_version, const std::string& image) {
  StrictReader reader;
  nlohmann::json::sax_parse(text, &reader);
  INFO(text);
  REQUIRE(reader.problem.empty());
  nlohmann::json j = nlohmann::json::parse(text);
  REQUIRE(j.is_object());
  const std::set<std::string> allowed = {"apiVersion", "kind", "cacheKeyType", "cacheDuration", "auth"};
  for (const auto& [k, v] : j.items()) CHECK(allowed.count(k) == 1);
  CHECK(j["apiVersion"] == api_version);
  CHECK(j["kind"] == "CredentialProviderResponse");
  REQUIRE(j["cacheKeyType"].is_string());
  const std::set<std::string> key_types = {"Image", "Registry", "Global"};
  CHECK(key_types.count(j["cacheKeyType"].get<std::string>()) == 1);
  REQUIRE(j["cacheDuration"].is_string());
  static const std::regex go_duration("^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$");
  CHECK(std::regex_match(j["cacheDuration"].get<std::string>(), go_duration));
  if (j.contains("auth") && !j["auth"].is_null()) {
    REQUIRE(j["auth"].is_object());
    std::string full = image.find('/') == std::string::npos ? "docker.io/library/" + image : image;
    for (const auto& [key, entry] : j["auth"].items()) {
      CHECK(KeyMatchesImage(key, full));
      REQUIRE(entry.is_object());
      for (const auto& [k, v] : entry.items()) {
        CHECK((k == "username" || k == "password"));
        CHECK(v.is_string());
      }
    }
  }
  return j;
}

std::string Request(const std::string& image, const std::string& api_version = "credentialprovider.kubelet.k8s.io/v1",
                    const std::string& sa_token = "", const std::string& role = "") {
  nlohmann::json r = {{"apiVersion", api_version}, {"kind", "CredentialProviderRequest"}, {"image", image}};
  if (!sa_token.empty()) {
    r["serviceAccountToken"] = sa_token;
    r["serviceAccountAnnotations"] = nlohmann::json::object();
    if (!role.empty()) r["serviceAccountAnnotations"]["eks.amazonaws.com/role-arn"] = role;
  }
  return r.dump();
}

const char* const kEcrImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app";
const char* const kRole = "arn:aws:iam::123456789012:role/pod-role";

// A kubelet context over a memory store, registries from a fixed environment
// and a memory token cache; minting answers a token for 12 hours and records.
struct KubeletFixture : ssm::test::MemoryLookup {
  explicit KubeletFixture(std::vector<std::string> env_lines = {})
      : MemoryLookup(std::move(env_lines), "/kubelet/config.json", kNow, [this](const ssm::MintRequest& r) {
          ssm::MintedToken t;
          t.username = r.kind == "gcr" ? "oauth2accesstoken" : r.kind == "acr" ? "00000000-0000-0000-0000-000000000000" : "AWS";
          t.secret = ssm::SecretString("minted-" + r.kind + "-" + std::to_string(minted.size()));
          t.expires_at = kNow + 12 * 3600;
          return t;
        }) {
    context.lookup = [this]() -> ssm::CredentialLookup& { return *lookup; };
    context.settings = &settings;
    context.now = [] { return kNow; };
  }

  nlohmann::json Ask(const std::string& image, const std::string& api_version = "credentialprovider.kubelet.k8s.io/v1",
                     const std::string& sa_token = "", const std::string& role = "") {
    std::string answer = ssm::KubeletAnswer(Request(image, api_version, sa_token, role), context);
    return ReadStrictly(answer, api_version, image);
  }

  // SSM_KUBELET_* for the next questions.
  void Use(std::map<std::string, std::string> vars) { settings = ssm::Settings(ssm::test::MapEnv(std::move(vars))); }

  ssm::Settings settings;
  ssm::KubeletContext context;
};

// AWS keys for the node's identity, nothing else of AWS's.
struct NodeAwsKeys {
  ssm::test::TempDir tmp;
  ssm::test::ScopedEnv home{"HOME", tmp.path().c_str()};
  ssm::test::ScopedEnv id{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"};
  ssm::test::ScopedEnv secret{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  ssm::test::ScopedEnv token{"AWS_SESSION_TOKEN", nullptr};
  ssm::test::ScopedEnv role{"AWS_ROLE_ARN", nullptr};
  ssm::test::ScopedEnv web{"AWS_WEB_IDENTITY_TOKEN_FILE", nullptr};
  ssm::test::ScopedEnv profile{"AWS_PROFILE", nullptr};
  ssm::test::ScopedEnv cache_duration{"SSM_KUBELET_CACHE_DURATION", nullptr};
};

}  // namespace

TEST_CASE("kubelet: image references as the kubelet and docker read them", "[kubelet]") {
  std::string host;
  const std::vector<std::pair<std::string, std::string>> good = {
      {"nginx", "docker.io"},
      {"library/nginx:1.25", "docker.io"},
      {"docker.io/library/nginx", "docker.io"},
      {"localhost/app", "localhost"},
      {"localhost:5000/app:v1", "localhost:5000"},
      {"registry.example.com:8443/a/b/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "registry.example.com:8443"},
      {"ghcr.io/owner/image:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io"},
      {"[::1]:5000/app", "[::1]:5000"},
      {kEcrImage, "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
      {"my_org/my__app.v2-x", "docker.io"},
  };
  for (const auto& [image, want] : good) {
    INFO(image);
    REQUIRE(ssm::ImageRegistry(image, &host));
    CHECK(host == want);
  }
  const std::vector<std::string> bad = {
      "", "UPPER/../x", "user@ghcr.io/x", "user:pw@ghcr.io/x", "ghcr.io/x@sha256:short", "ghcr.io//x", "ghcr.io/x/",
      "ghcr.io/X", "ghcr.io:99999/x", "-bad.example.com/x", "ghcr.io/x:", "ghcr.io/x:-tag", "ghcr.io/x y",
      "ghcr.io/x\n", "ghcr.io/x\xc3\xa9", "https://ghcr.io/x", std::string(300, 'a'), "ghcr.io/" + std::string(5000, 'a'),
      "ghcr.io/a..b", "ghcr.io/a@b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
  for (const std::string& image : bad) {
    INFO(image);
    CHECK_FALSE(ssm::ImageRegistry(image, &host));
  }
}

TEST_CASE("kubelet: Go durations", "[kubelet]") {
  CHECK(ssm::GoDuration(0) == "0s");
  CHECK(ssm::GoDuration(-5) == "0s");
  CHECK(ssm::GoDuration(45) == "45s");
  CHECK(ssm::GoDuration(300) == "5m0s");
  CHECK(ssm::GoDuration(6 * 3600) == "6h0m0s");
  CHECK(ssm::GoDuration(3661) == "1h1m1s");
  int64_t s = 0;
  CHECK((ssm::ParseGoDuration("1h30m", &s) && s == 5400));
  CHECK((ssm::ParseGoDuration("90s", &s) && s == 90));
  CHECK((ssm::ParseGoDuration("0", &s) && s == 0));
  for (const char* bad : {"", "5", "1.5h", "10ms", "-1m", "1d", "m"}) {
    INFO(bad);
    CHECK_FALSE(ssm::ParseGoDuration(bad, &s));
  }
}

TEST_CASE("kubelet: a static login per provider kind, cached for the configured default", "[kubelet]") {
  NodeAwsKeys aws;
  KubeletFixture f({"SSM_REGISTRY_CUSTOM_LAB_URL=https://lab.example.com:5000", "SSM_REGISTRY_CUSTOM_LAB_LOGIN=bob",
                    "SSM_REGISTRY_CUSTOM_LAB_PASSWORD=lab-password", "SSM_REGISTRY_GHCR_USERNAME=octocat",
                    "SSM_REGISTRY_GHCR_TOKEN=ghp_token", "SSM_REGISTRY_HUB_AUTH=aHVidXNlcjpodWItcGFzc3dvcmQ=",
                    "SSM_REGISTRY_QUAY_NAMESPACE=org", "SSM_REGISTRY_QUAY_ACCOUNT=robot",
                    "SSM_REGISTRY_QUAY_TOKEN=quay-token", "SSM_REGISTRY_GITLAB_TOKEN=glpat-token"});
  struct Case {
    std::string image, key, user, password;
  };
  for (const Case& c : {Case{"lab.example.com:5000/team/app:1", "lab.example.com:5000", "bob", "lab-password"},
                        Case{"ghcr.io/octocat/app", "ghcr.io", "octocat", "ghp_token"},
                        Case{"nginx", "docker.io", "hubuser", "hub-password"},
                        Case{"docker.io/library/nginx", "docker.io", "hubuser", "hub-password"},
                        Case{"quay.io/org/app", "quay.io", "org+robot", "quay-token"}}) {
    INFO(c.image);
    nlohmann::json j = f.Ask(c.image);
    CHECK(j["cacheKeyType"] == "Registry");
    CHECK(j["cacheDuration"] == "5m0s");
    REQUIRE(j["auth"].size() == 1);
    CHECK(j["auth"][c.key]["username"] == c.user);
    CHECK(j["auth"][c.key]["password"] == c.password);
  }
  f.Use({{"SSM_KUBELET_CACHE_DURATION", "1h"}});
  CHECK(f.Ask("ghcr.io/octocat/app")["cacheDuration"] == "1h0m0s");
  f.Use({{"SSM_KUBELET_CACHE_DURATION", "forever"}});
  CHECK_THROWS_AS(f.Ask("ghcr.io/octocat/app"), ssm::Error);
}

TEST_CASE("kubelet: minted tokens (ECR, GCR, ACR) cached by the kubelet for half their remaining life", "[kubelet]") {
  NodeAwsKeys aws;
  KubeletFixture f({"SSM_REGISTRY_GCR_CLIENTEMAIL=sa@proj.iam.gserviceaccount.com",
                    "SSM_REGISTRY_GCR_PRIVATEKEY=-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----",
                    "SSM_REGISTRY_ACR_CLIENTID=11111111-2222-3333-4444-555555555555",
                    "SSM_REGISTRY_ACR_CLIENTSECRET=acr-secret", "SSM_REGISTRY_ACR_TENANTID=contoso.onmicrosoft.com"});
  for (const char* image : {kEcrImage, "europe-west1-docker.pkg.dev/proj/repo/app:v1", "gcr.io/proj/app",
                            "myregistry.azurecr.io/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    INFO(image);
    nlohmann::json j = f.Ask(image);
    CHECK(j["cacheDuration"] == "6h0m0s");
    REQUIRE(j["auth"].size() == 1);
  }
  CHECK(f.minted.size() == 4);
  // Again: the node's tokens come from the token cache, with less life left.
  CHECK(f.Ask(kEcrImage)["auth"].size() == 1);
  CHECK(f.minted.size() == 4);
}

TEST_CASE("kubelet: nothing applies, or a hostile reference: auth is empty and never cached", "[kubelet]") {
  NodeAwsKeys aws;
  KubeletFixture f({"SSM_REGISTRY_GHCR_USERNAME=octocat", "SSM_REGISTRY_GHCR_TOKEN=ghp_token"});
  for (const std::string& image :
       {std::string("registry.example.com/app"), std::string("ghcr.io.evil.example/octocat/app"),
        std::string("evil.example/ghcr.io/octocat/app"), std::string("octocat@ghcr.io/app"),
        std::string("ghcr.io@evil.example/app"), std::string("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example/x"),
        std::string("ghcr.io/") + std::string(4000, 'a'), std::string("ghcr.io/app\x01"), std::string("GHCR.IO/OCTOCAT")}) {
    INFO(image);
    nlohmann::json j = ReadStrictly(ssm::KubeletAnswer(Request(image), f.context), "credentialprovider.kubelet.k8s.io/v1",
                                    "docker.io/library/x");
    CHECK(j["auth"] == nlohmann::json::object());
    CHECK(j["cacheDuration"] == "0s");
  }
  CHECK(f.minted.empty());
}

TEST_CASE("kubelet: the request's apiVersion is answered; bad requests are errors", "[kubelet]") {
  KubeletFixture f({"SSM_REGISTRY_GHCR_USERNAME=octocat", "SSM_REGISTRY_GHCR_TOKEN=ghp_token"});
  for (const char* v : {"credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1beta1",
                        "credentialprovider.kubelet.k8s.io/v1alpha1"}) {
    CHECK(f.Ask("ghcr.io/a/b", v)["apiVersion"] == v);
  }
  // Unknown fields in the request are tolerated.
  nlohmann::json extra = nlohmann::json::parse(Request("ghcr.io/a/b"));
  extra["futureField"] = {{"x", 1}};
  CHECK(nlohmann::json::parse(ssm::KubeletAnswer(extra.dump(), f.context))["auth"].size() == 1);
  for (const std::string& bad :
       {std::string(""), std::string("[]"), std::string("{"), std::string(R"({"kind":"CredentialProviderRequest","image":"x"})"),
        std::string(R"({"apiVersion":"credentialprovider.kubelet.k8s.io/v2","kind":"CredentialProviderRequest","image":"x"})"),
        std::string(R"({"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"Other","image":"x"})"),
        std::string(R"({"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"})"),
        std::string(R"({"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":7})"),
        std::string(R"({"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"x","serviceAccountToken":1})"),
        std::string(1000, '[')}) {
    INFO(bad.substr(0, 80));
    CHECK_THROWS_AS(ssm::KubeletAnswer(bad, f.context), ssm::Error);
  }
  // RunKubelet: errors on stderr, one line, nothing on stdout.
  std::istringstream in("{");
  std::ostringstream out, err;
  f.context.in = &in;
  f.context.out = &out;
  f.context.err = &err;
  f.Use({{"SSM_KUBELET_TIMEOUT", "30"}});
  CHECK(ssm::RunKubelet({}, f.context) == 1);
  alarm(0);
  // Each remote call bounded well inside the deadline (SSM_HTTP_TIMEOUT unset).
  CHECK(f.settings.HttpTimeoutMs(20000) == 10000);
  CHECK(out.str().empty());
  CHECK(err.str() == "docker-credential-ssm: kubelet: stdin is not a JSON CredentialProviderRequest\n");
}

TEST_CASE("kubelet: a pod's service account token is its AWS identity, in memory, cached for no one else", "[kubelet]") {
  NodeAwsKeys aws;
  KubeletFixture f;
  nlohmann::json a = f.Ask(kEcrImage, "credentialprovider.kubelet.k8s.io/v1", "pod-a-token", kRole);
  nlohmann::json b = f.Ask(kEcrImage, "credentialprovider.kubelet.k8s.io/v1", "pod-b-token", kRole);
  REQUIRE(f.minted.size() == 2);
  CHECK(a["auth"].begin().value()["password"] != b["auth"].begin().value()["password"]);
  for (size_t i = 0; i < 2; ++i) {
    nlohmann::json chain = nlohmann::json::parse(f.minted[i].aws_chain.str());
    CHECK(chain["kind"] == "web_identity");
    CHECK(chain["role_arn"] == kRole);
    CHECK(chain["token"] == (i == 0 ? "pod-a-token" : "pod-b-token"));
    CHECK(chain["token_file"] == "");
    CHECK(f.minted[i].aws.access_key_id.empty());  // never the node's keys
  }
  CHECK(f.minted[0].identity_key != f.minted[1].identity_key);
  CHECK(f.cache.size() == 0);
  // No role for the pod: no credentials, not the node's identity.
  nlohmann::json none = f.Ask(kEcrImage, "credentialprovider.kubelet.k8s.io/v1", "pod-c-token");
  CHECK(none["auth"] == nlohmann::json::object());
  CHECK(f.minted.size() == 2);
  // Without a token: the node's identity.
  CHECK(f.Ask(kEcrImage)["auth"].size() == 1);
  CHECK(f.minted.back().aws.access_key_id == "AKIAIOSFODNN7EXAMPLE");
}

TEST_CASE("kubelet: a pod's service account token for GCR: workload identity federation, no cache", "[kubelet]") {
  ssm::test::ScopedEnv adc{"GOOGLE_APPLICATION_CREDENTIALS", nullptr};
  ssm::test::ScopedEnv gce{"NO_GCE_CHECK", "true"};
  KubeletFixture f;
  nlohmann::json r = nlohmann::json::parse(Request("europe-west1-docker.pkg.dev/p/r/app", "credentialprovider.kubelet.k8s.io/v1", "pod-jwt"));
  r["serviceAccountAnnotations"]["docker-credential-ssm/gcp-workload-identity-provider"] = "//iam.googleapis.com/projects/1/x";
  r["serviceAccountAnnotations"]["iam.gke.io/gcp-service-account"] = "puller@p.iam.gserviceaccount.com";
  nlohmann::json a = ReadStrictly(ssm::KubeletAnswer(r.dump(), f.context), "credentialprovider.kubelet.k8s.io/v1",
                                  "europe-west1-docker.pkg.dev/p/r/app");
  REQUIRE(a["auth"].size() == 1);
  REQUIRE(f.minted.size() == 1);
  nlohmann::json plan = nlohmann::json::parse(f.minted[0].google_chain.str());
  CHECK(plan["source"] == "pod");
  CHECK(plan["adc"]["audience"] == "//iam.googleapis.com/projects/1/x");
  CHECK(plan["adc"]["credential_source"]["subject_token"] == "pod-jwt");
  CHECK(plan["adc"]["service_account_impersonation_url"] ==
        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/puller@p.iam.gserviceaccount.com:generateAccessToken");
  CHECK(f.cache.size() == 0);
  // Without the provider annotation: no auth, nothing minted.
  r["serviceAccountAnnotations"].erase("docker-credential-ssm/gcp-workload-identity-provider");
  CHECK(nlohmann::json::parse(ssm::KubeletAnswer(r.dump(), f.context))["auth"] == nlohmann::json::object());
  CHECK(f.minted.size() == 1);
}

namespace {

// The node's own Azure identity: a service principal in the environment.
struct NodeAzure {
  ssm::test::ScopedEnv tenant{"AZURE_TENANT_ID", "node-tenant"};
  ssm::test::ScopedEnv client{"AZURE_CLIENT_ID", "node-client"};
  ssm::test::ScopedEnv secret{"AZURE_CLIENT_SECRET", "node-secret"};
  ssm::test::ScopedEnv file{"AZURE_FEDERATED_TOKEN_FILE", nullptr};
  ssm::test::ScopedEnv cert{"AZURE_CLIENT_CERTIFICATE_PATH", nullptr};
  ssm::test::ScopedEnv endpoint{"IDENTITY_ENDPOINT", nullptr};
  ssm::test::ScopedEnv authority{"AZURE_AUTHORITY_HOST", nullptr};
  ssm::test::ScopedEnv client_key{"SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION", nullptr};
  ssm::test::ScopedEnv tenant_key{"SSM_KUBELET_AZURE_TENANT_ID_ANNOTATION", nullptr};
};

const char* const kAcrImage = "myregistry.azurecr.io/team/app:v1";

std::string AzurePodRequest(const std::string& token, const std::string& client, const std::string& tenant) {
  nlohmann::json r = nlohmann::json::parse(Request(kAcrImage, "credentialprovider.kubelet.k8s.io/v1", token));
  if (!client.empty()) r["serviceAccountAnnotations"]["azure.workload.identity/client-id"] = client;
  if (!tenant.empty()) r["serviceAccountAnnotations"]["azure.workload.identity/tenant-id"] = tenant;
  return r.dump();
}

nlohmann::json AskAzure(KubeletFixture& f, const std::string& token, const std::string& client, const std::string& tenant) {
  return ReadStrictly(ssm::KubeletAnswer(AzurePodRequest(token, client, tenant), f.context),
                      "credentialprovider.kubelet.k8s.io/v1", kAcrImage);
}

std::string KubeletError(KubeletFixture& f, const std::string& request) {
  try {
    ssm::KubeletAnswer(request, f.context);
  } catch (const ssm::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("kubelet: a pod's service account token for ACR: Azure workload identity, in memory, no cache", "[kubelet]") {
  NodeAzure node;
  KubeletFixture f;
  nlohmann::json a = AskAzure(f, "eyJh.pod-a.c2ln", "pod-client", "pod-tenant");
  nlohmann::json b = AskAzure(f, "eyJh.pod-b.c2ln", "other-client", "pod-tenant");
  REQUIRE(a["auth"].size() == 1);
  CHECK(a["auth"]["myregistry.azurecr.io"]["username"] == "00000000-0000-0000-0000-000000000000");
  CHECK(a["cacheDuration"] == "6h0m0s");
  REQUIRE(f.minted.size() == 2);
  CHECK(a["auth"].begin().value()["password"] != b["auth"].begin().value()["password"]);
  for (size_t i = 0; i < 2; ++i) {
    nlohmann::json plan = nlohmann::json::parse(f.minted[i].azure_chain.str());
    CHECK(plan["source"] == "workload");
    CHECK(plan["assertion"] == (i == 0 ? "eyJh.pod-a.c2ln" : "eyJh.pod-b.c2ln"));
    CHECK(plan["client_id"] == (i == 0 ? "pod-client" : "other-client"));
    CHECK(plan["tenant"] == "pod-tenant");
    CHECK(plan["authority"] == "https://login.microsoftonline.com/");
    CHECK(plan.contains("token_file") == false);
    CHECK(plan.contains("client_secret") == false);  // never the node's principal
    CHECK(f.minted[i].tenant == "pod-tenant");
    CHECK(f.minted[i].exchange_url == "https://myregistry.azurecr.io/oauth2/exchange");
  }
  CHECK(f.cache.size() == 0);
  // No tenant annotation: AZURE_TENANT_ID (the registry's tenantid would win).
  CHECK(AskAzure(f, "eyJh.pod-a.c2ln", "pod-client", "")["auth"].size() == 1);
  CHECK(nlohmann::json::parse(f.minted.back().azure_chain.str())["tenant"] == "node-tenant");
  // No client id annotation: no auth, nothing minted, not the node's identity.
  nlohmann::json none = AskAzure(f, "eyJh.pod-c.c2ln", "", "pod-tenant");
  CHECK(none["auth"] == nlohmann::json::object());
  CHECK(none["cacheDuration"] == "0s");
  CHECK(f.minted.size() == 3);
  // Annotation keys of one's own.
  {
    f.Use({{"SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION", "example.com/azure-app"}});
    CHECK(AskAzure(f, "eyJh.pod-a.c2ln", "pod-client", "pod-tenant")["auth"] == nlohmann::json::object());
    nlohmann::json r = nlohmann::json::parse(AzurePodRequest("eyJh.pod-a.c2ln", "", "pod-tenant"));
    r["serviceAccountAnnotations"]["example.com/azure-app"] = "own-client";
    CHECK(nlohmann::json::parse(ssm::KubeletAnswer(r.dump(), f.context))["auth"].size() == 1);
    CHECK(nlohmann::json::parse(f.minted.back().azure_chain.str())["client_id"] == "own-client");
    f.Use({});
  }
  // Without a token: the node's identity.
  CHECK(f.Ask(kAcrImage)["auth"].size() == 1);
  CHECK(nlohmann::json::parse(f.minted.back().azure_chain.str())["client_secret"] == "node-secret");
}

TEST_CASE("kubelet: a pod with a client id and no tenant anywhere is one line naming the annotation", "[kubelet]") {
  NodeAzure node;
  ssm::test::ScopedEnv no_tenant{"AZURE_TENANT_ID", nullptr};
  KubeletFixture f;
  CHECK(KubeletError(f, AzurePodRequest("eyJh.pod-a.c2ln", "pod-client", "")) ==
        "acr: the pod's service account has no azure.workload.identity/tenant-id annotation, and neither tenantid nor "
        "AZURE_TENANT_ID is set");
  CHECK(f.minted.empty());
}

TEST_CASE("kubelet: a configured ACR or ECR registry the pod names no identity for: one line naming the annotation",
          "[kubelet]") {
  NodeAzure node;
  NodeAwsKeys aws;
  KubeletFixture f({"SSM_REGISTRY_ACR_CLIENTID=11111111-2222-3333-4444-555555555555",
                    "SSM_REGISTRY_ACR_CLIENTSECRET=acr-secret", "SSM_REGISTRY_ECR_ACCESSKEY=AKIAIOSFODNN7EXAMPLE",
                    "SSM_REGISTRY_ECR_SECRETACCESSKEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  // The pod's identity replaces the registry's own service principal.
  REQUIRE(AskAzure(f, "eyJh.pod-a.c2ln", "pod-client", "pod-tenant")["auth"].size() == 1);
  REQUIRE(f.minted.size() == 1);
  nlohmann::json plan = nlohmann::json::parse(f.minted[0].azure_chain.str());
  CHECK(plan["assertion"] == "eyJh.pod-a.c2ln");
  CHECK(plan["client_id"] == "pod-client");
  CHECK(f.minted[0].client_secret.empty());
  CHECK(KubeletError(f, AzurePodRequest("eyJh.pod-a.c2ln", "", "pod-tenant")) ==
        "acr: the pod's service account has no azure.workload.identity/client-id annotation: no Azure identity for "
        "its token (a pod never gets the node's)");
  CHECK(KubeletError(f, Request(kEcrImage, "credentialprovider.kubelet.k8s.io/v1", "pod-token")) ==
        "ecr: the pod's service account has no eks.amazonaws.com/role-arn annotation: no AWS role for its token (a "
        "pod never gets the node's identity)");
  {
    f.Use({{"SSM_KUBELET_AWS_ROLE_ANNOTATION", "example.com/role"}});
    CHECK(KubeletError(f, Request(kEcrImage, "credentialprovider.kubelet.k8s.io/v1", "pod-token", kRole))
              .find("no example.com/role annotation") != std::string::npos);
    f.Use({});
  }
  CHECK(f.minted.size() == 1);
}

TEST_CASE("kubelet config: a CredentialProviderConfig naming the provider hosts and the configured ones", "[kubelet]") {
  nlohmann::json j =
      nlohmann::json::parse(ssm::KubeletProviderConfig({"lab.example.com:5000", "ghcr.io", ssm::kDockerHubKey}));
  CHECK(j["apiVersion"] == "kubelet.config.k8s.io/v1");
  CHECK(j["kind"] == "CredentialProviderConfig");
  REQUIRE(j["providers"].size() == 1);
  nlohmann::json p = j["providers"][0];
  CHECK(p["name"] == "docker-credential-ssm");
  CHECK(p["apiVersion"] == "credentialprovider.kubelet.k8s.io/v1");
  CHECK(p["args"] == nlohmann::json::array({"kubelet"}));
  CHECK(p["defaultCacheDuration"] == "5m0s");
  std::vector<std::string> images = p["matchImages"];
  auto matched = [&](const std::string& image) {
    for (const std::string& m : images) {
      if (KeyMatchesImage(m, image)) return true;
    }
    return false;
  };
  CHECK(matched("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"));
  CHECK(matched("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app"));
  CHECK(matched("gcr.io/p/app"));
  CHECK(matched("eu.gcr.io/p/app"));
  CHECK(matched("europe-west1-docker.pkg.dev/p/r/app"));
  CHECK(matched("myregistry.azurecr.io/app"));
  CHECK(matched("lab.example.com:5000/app"));
  CHECK(matched("docker.io/library/nginx"));  // a configured Docker Hub login
  CHECK_FALSE(matched("registry.example.com/app"));
  CHECK(std::set<std::string>(images.begin(), images.end()).size() == images.size());
}

namespace {

// The memory the answers keep: resident pages, or under AddressSanitizer
// (whose quarantine holds freed blocks, so RSS grows without a leak) the
// heap bytes still allocated.
long KeptKiB() {
#if SSM_UNDER_ASAN
  return static_cast<long>(__sanitizer_get_current_allocated_bytes() / 1024);
#else
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
#endif
}

}  // namespace

TEST_CASE("kubelet: 1,000 answers keep memory flat", "[kubelet]") {
  NodeAwsKeys aws;
  KubeletFixture f({"SSM_REGISTRY_GHCR_USERNAME=octocat", "SSM_REGISTRY_GHCR_TOKEN=ghp_token"});
  for (int i = 0; i < 100; ++i) ssm::KubeletAnswer(Request(kEcrImage), f.context);
  long before = KeptKiB();
  for (int i = 0; i < 1000; ++i) {
    ssm::KubeletAnswer(Request(i % 2 ? kEcrImage : "ghcr.io/octocat/app"), f.context);
    ssm::KubeletAnswer(Request("evil@ghcr.io/x"), f.context);
  }
  long after = KeptKiB();
  INFO("kept before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < 512);
  CHECK(f.minted.size() == 1);
}
