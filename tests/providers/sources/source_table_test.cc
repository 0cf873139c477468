// The table of credential sources: each identity's sources in precedence
// order, the first that applies decides (no later one is tried when it has
// nothing), and each identity ends with a source for an unconfigured host.
#include "providers/sources/source_fixture.h"

using ssm_test::Configured;
using ssm_test::SourceEnv;

namespace {

std::string Names(const std::string& identity) {
  std::string out;
  for (const ssm::CredentialSource* s : ssm::SourcesOf(identity)) out += std::string(s->Name()) + " ";
  return out;
}

std::string Chosen(const std::string& identity, const ssm::RegistryConfig& c) {
  SourceEnv env;
  const ssm::CredentialSource* s = ssm::ChooseSource(identity, ssm::SourceQuery{c, env.lookup});
  return s ? s->Name() : "none";
}

ssm::RegistryConfig WithPod(ssm::RegistryConfig c) {
  c.secrets[ssm::kPodWebIdentityToken] = ssm::SecretString("eyJ.pod.jwt");
  return c;
}

const std::string kRole = "arn:aws:iam::123456789012:role/r";
const std::string kPem = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";

}  // namespace

TEST_CASE("source table: each identity's sources in precedence order", "[sources]") {
  CHECK(Names("aws") == "pod webidentity keys chain ");
  CHECK(Names("google") == "pod key keyjson webidentity adc ");
  CHECK(Names("azure") == "pod serviceprincipal webidentity environment ");
  CHECK(Names("other").empty());
  for (const ssm::SourceRow& row : ssm::SourceTable()) {
    INFO(row.identity << " " << row.source->Name());
    CHECK(ssm::FindSource(row.identity, row.source->Name()) == row.source);  // names unique per identity
  }
}

TEST_CASE("source table: the first source that applies wins", "[sources]") {
  ssm::RegistryConfig none;
  CHECK(Chosen("aws", WithPod(Configured("ecr", {{"accesskey", "AKIA"}, {"secretaccesskey", "s"}}))) == "pod");
  CHECK(Chosen("aws", Configured("ecr", {{"webidentity", "github"}, {"rolearn", kRole}})) == "webidentity");
  CHECK(Chosen("aws", Configured("ecr", {{"accesskey", "AKIA"}, {"secretaccesskey", "s"}, {"rolearn", kRole}})) == "keys");
  CHECK(Chosen("aws", Configured("ecr", {{"profile", "prod"}})) == "chain");
  CHECK(Chosen("aws", none) == "chain");

  auto key = Configured("gcr", {{"clientemail", "a@p.iam.gserviceaccount.com"}, {"privatekey", kPem}});
  CHECK(Chosen("google", WithPod(key)) == "pod");
  CHECK(Chosen("google", key) == "key");
  key.values["impersonate"] = "b@p.iam.gserviceaccount.com";
  CHECK(Chosen("google", key) == "keyjson");
  CHECK(Chosen("google", Configured("gcr", {{"keyjson", R"({"type":"authorized_user"})"}})) == "keyjson");
  CHECK(Chosen("google", Configured("gcr", {{"webidentity", "github"}, {"workloadprovider", "x"}})) == "webidentity");
  CHECK(Chosen("google", none) == "adc");

  auto sp = Configured("acr", {{"clientid", "c"}, {"clientsecret", "s"}});
  CHECK(Chosen("azure", WithPod(sp)) == "pod");
  CHECK(Chosen("azure", sp) == "serviceprincipal");
  CHECK(Chosen("azure", Configured("acr", {{"clientid", "c"}, {"tenantid", "t"}, {"webidentity", "github"}})) ==
        "webidentity");
  CHECK(Chosen("azure", Configured("acr", {{"identity", "managed"}})) == "environment");
  CHECK(Chosen("azure", none) == "environment");
}

TEST_CASE("source table: a chosen source with nothing ends the walk (a pod never gets the node's identity)",
          "[sources]") {
  SourceEnv env;
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIANODE";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "node-secret";
  ssm::RegistryConfig pod = WithPod(Configured("ecr", {}));  // no role for the pod
  ssm::MintRequest r;
  CHECK_FALSE(ssm::PlanIdentity("aws", ssm::SourceQuery{pod, env.lookup}, &r));
  CHECK(r.aws.access_key_id.empty());
  CHECK(r.aws_chain.empty());
  CHECK_FALSE(ssm::DescribeIdentity("aws", ssm::SourceQuery{pod, env.lookup}));
  ssm::RegistryConfig node;
  node.provider = "ecr";
  ssm::MintRequest n;
  CHECK(ssm::PlanIdentity("aws", ssm::SourceQuery{node, env.lookup}, &n));
  CHECK(n.aws.access_key_id == "AKIANODE");
}

TEST_CASE("source table: the providers describe their identity from the table", "[sources]") {
  auto keys = Configured("ecr", {{"accesskey", "AKIA"}, {"secretaccesskey", "s"}});
  CHECK(ssm::FindProvider("ecr")->IdentitySource(keys) == "ecr configuration");
  CHECK(ssm::FindProvider("ecrpublic")->IdentitySource(Configured("ecrpublic", {{"accesskey", "AKIA"}, {"secretaccesskey", "s"}})) ==
        "ecrpublic configuration");
  CHECK(ssm::FindProvider("gcr")->IdentitySource(Configured("gcr", {{"clientemail", "a@p.iam.gserviceaccount.com"},
                                                                     {"privatekey", kPem}})) == "");
  CHECK(ssm::FindProvider("acr")->IdentitySource(Configured("acr", {{"clientid", "c"}, {"clientsecret", "s"}})) == "");
}
