// Every provider, and every cloud host matcher, against one table of
// legitimate and hostile hosts: a host is served by exactly the provider the
// table names, and by no other.
#include "providers/host_match.h"

#include <catch2/catch.hpp>
#include <set>

#include "common/error.h"
#include "providers/provider_table.h"

namespace {

struct Row {
  const char* server;
  const char* served_by;  // provider or matcher name, or "" for nobody
};

const Row kRows[] = {
    // Docker Hub
    {"docker.io", "hub"},
    {"DOCKER.IO", "hub"},
    {"index.docker.io", "hub"},
    {"registry-1.docker.io", "hub"},
    {"https://index.docker.io/v1/", "hub"},
    {"docker.io.evil.com", ""},
    {"evil-docker.io", ""},
    {"docker.io:5000", ""},
    {"hub.docker.com", ""},
    {"registry-2.docker.io", ""},
    {"index.docker.io.", ""},
    {"evildocker.io", ""},
    // GHCR and LSCR
    {"ghcr.io", "ghcr"},
    {"GHCR.IO", "ghcr"},
    {"https://ghcr.io/", "ghcr"},
    {"ghcr.io:443", "ghcr"},
    {"ghcr.io/evil.com", "ghcr"},
    {"ghcr.io.evil.com", ""},
    {"evilghcr.io", ""},
    {"ghcr.io.", ""},
    {"ghcr.io:5000", ""},
    {"sub.ghcr.io", ""},
    {"ghcr-io.com", ""},
    {"evil.com/ghcr.io", ""},
    {"lscr.io", "lscr"},
    {"lscr.io.evil.com", ""},
    {"xlscr.io", ""},
    // Quay
    {"quay.io", "quay"},
    {"https://quay.io:443/v2/", "quay"},
    {"quay.io.evil.com", ""},
    {"quayio.com", ""},
    {"quay.io:8443", ""},
    {"cdn.quay.io", ""},
    // GCR and Artifact Registry
    {"gcr.io", "gcr"},
    {"GCR.IO", "gcr"},
    {"us.gcr.io", "gcr"},
    {"eu.gcr.io", "gcr"},
    {"asia.gcr.io", "gcr"},
    {"marketplace.gcr.io", "gcr"},
    {"europe-west1-docker.pkg.dev", "gcr"},
    {"us-docker.pkg.dev", "gcr"},
    {"docker.us-central1.rep.pkg.dev", "gcr"},
    {"gcr.io.evil.com", ""},
    {"evilgcr.io", ""},
    {"a.b.gcr.io", ""},
    {"gcr.io:444", ""},
    {"docker.pkg.dev", ""},
    {"-docker.pkg.dev", ""},
    {"us-docker.pkg.dev.evil.com", ""},
    {"us-docker.pkg.dev:8443", ""},
    {"us-notdocker.pkg.dev", ""},
    {"docker.us-central1.rep.pkg.dev.evil", ""},
    {"npm.us-central1.rep.pkg.dev", ""},
    // ECR private, all partitions, FIPS and dual-stack
    {"123456789012.dkr.ecr.us-east-1.amazonaws.com", "ecr"},
    {"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "ecr"},
    {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "ecr"},
    {"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "ecr"},
    {"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "ecr"},
    {"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "ecr"},
    {"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "ecr"},
    {"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "ecr"},
    {"123456789012.dkr-ecr.us-east-1.on.aws", "ecr"},
    {"123456789012.dkr-ecr-fips.us-east-1.on.aws", "ecr"},
    {"https://123456789012.DKR.ECR.us-east-1.amazonaws.com/v2/", "ecr"},
    {"12345678901.dkr.ecr.us-east-1.amazonaws.com", ""},
    {"1234567890123.dkr.ecr.us-east-1.amazonaws.com", ""},
    {"abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com", ""},
    {"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com", ""},
    {"123456789012.dkr.ecr.amazonaws.com", ""},
    {"123456789012.dkr.ecr.us-east-1.amazonaws.co", ""},
    {"123456789012.dkr.ecr.us-east-1.on.aws", ""},
    {"123456789012.dkr-ecr.us-east-1.amazonaws.com", ""},
    {"x.123456789012.dkr.ecr.us-east-1.amazonaws.com", ""},
    {"123456789012.dkr.ecr.us-east-1.amazonaws.com:5000", ""},
    {"123456789012.dkr.ecr.useast.amazonaws.com", ""},
    // ECR public
    {"public.ecr.aws", "ecrpublic"},
    {"ecr-public.aws.com", "ecrpublic"},
    {"public.ecr.aws.evil.com", ""},
    {"xpublic.ecr.aws", ""},
    {"public.ecr.aws:444", ""},
    // ACR
    {"myregistry.azurecr.io", "acr"},
    {"MyRegistry.AzureCR.io", "acr"},
    {"contoso.azurecr.cn", "acr"},
    {"contoso.azurecr.us", "acr"},
    {"contoso.azurecr.de", "acr"},
    {"x.azurecr.io.attacker.net", ""},
    {"azurecr.io", ""},
    {"a.b.azurecr.io", ""},
    {"myregistry.azurecr.io:8443", ""},
    {"myregistryazurecr.io", ""},
    {"myregistry.azurecr.com", ""},
    // User-info tricks and look-alikes never normalize, so nobody serves them.
    {"gcr.io@evil.com", ""},
    {"https://ghcr.io@evil.com", ""},
    {"user:pass@ghcr.io", ""},
    {"https://docker.io:x@evil.com/", ""},
    {"g\xd2\xbb" "cr.io", ""},  // Cyrillic shha
    {"xn--gcr-xyz.io", ""},
    {"\xef\xbd\x87hcr.io", ""},  // full-width g
    // Configured registries (see Config()) match their URL's host:port only.
    {"127.0.0.1:5000", "custom"},
    {"http://127.0.0.1:5000/v2/", "custom"},
    {"127.0.0.1", ""},
    {"127.0.0.1:5001", ""},
    {"localhost:5000", ""},
    {"registry.gitlab.com", "gitlab"},
    {"registry.gitlab.com.evil.com", ""},
    {"gitlab.com", ""},
    {"git.example.com", "gitea"},
    {"git.example.com:3000", ""},
    {"code.example.org:3000", "forgejo"},
    {"code.example.org", ""},
};

ssm::RegistryConfig Config(const std::string& provider) {
  ssm::RegistryConfig c;
  c.provider = provider;
  if (provider == "custom") c.values["url"] = "http://127.0.0.1:5000";
  if (provider == "gitea") c.values["url"] = "https://git.example.com";
  if (provider == "forgejo") c.values["url"] = "https://code.example.org:3000";
  return c;
}

}  // namespace

TEST_CASE("each host is served by exactly the provider the table names", "[host_match]") {
  std::vector<std::string> names;
  for (const ssm::Provider* p : ssm::ProviderTable()) names.push_back(p->Name());

  std::map<std::string, int> legit, hostile;
  for (const Row& row : kRows) {
    INFO("server: " << row.server);
    ssm::ServerKey key;
    bool normalized = ssm::TryNormalizeServer(row.server, &key);
    if (*row.served_by != '\0') REQUIRE(normalized);
    for (const std::string& name : names) {
      INFO("provider: " << name);
      bool serves = false;
      if (normalized) {
        serves = ssm::FindProvider(name)->Serves(key, Config(name));
      }
      CHECK(serves == (name == row.served_by));
      (name == row.served_by ? legit : hostile)[name]++;
    }
  }
  // Every provider met at least 60 hosts, and hosts of its own.
  for (const std::string& name : names) {
    INFO(name);
    CHECK(legit[name] + hostile[name] >= 60);
    CHECK(legit[name] >= 1);
  }
}

TEST_CASE("ECR hosts give account, region, partition, FIPS and dual-stack", "[host_match]") {
  ssm::EcrHost h;
  REQUIRE(ssm::ParseEcrHost(ssm::NormalizeServer("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com"), &h));
  CHECK(h.account == "123456789012");
  CHECK(h.region == "us-gov-west-1");
  CHECK(h.dns_suffix == "amazonaws.com");
  CHECK(h.fips);
  CHECK_FALSE(h.dual_stack);
  REQUIRE(ssm::ParseEcrHost(ssm::NormalizeServer("210987654321.dkr.ecr.cn-northwest-1.amazonaws.com.cn"), &h));
  CHECK(h.region == "cn-northwest-1");
  CHECK(h.dns_suffix == "amazonaws.com.cn");
  CHECK_FALSE(h.fips);
  REQUIRE(ssm::ParseEcrHost(ssm::NormalizeServer("123456789012.dkr-ecr.eu-west-3.on.aws"), &h));
  CHECK(h.dual_stack);
  CHECK(h.region == "eu-west-3");
}

TEST_CASE("an ACR registry pinned by url serves only that registry", "[host_match]") {
  const ssm::Provider* acr = ssm::FindProvider("acr");
  ssm::RegistryConfig c;
  c.provider = "acr";
  c.values["url"] = "https://one.azurecr.io";
  CHECK(acr->Serves(ssm::NormalizeServer("one.azurecr.io"), c));
  CHECK_FALSE(acr->Serves(ssm::NormalizeServer("two.azurecr.io"), c));
}
