// Azure source: the Azure SDKs' environment chain in DefaultAzureCredential's
// order, or the one source the configuration's `identity` pins
// (AzurePlanner::Environment, providers/azure/azure_identity.h: service
// principal variables, workload identity, managed identity). Applies always,
// last: nullopt when there are no Azure variables and the instance metadata
// service is switched off.
#include <unistd.h>

#include "common/error.h"
#include "common/secret_json.h"
#include "providers/azure/azure_identity.h"
#include "providers/credential_source.h"

namespace ssm {
namespace {

class AzureEnvironment : public CredentialSource {
 public:
  const char* Name() const override { return "environment"; }
  bool Applies(const SourceQuery&) const override { return true; }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    std::optional<nlohmann::json> plan = AzurePlanner(q.config, q.env, r->registry).Environment();
    if (!plan) return std::nullopt;
    return SetAzureChain(*plan, r);
  }
  // A file the mint will need and cannot read: doctor says so now.
  std::optional<std::string> Describe(const SourceQuery& q) const override {
    MintRequest r;
    std::optional<nlohmann::json> plan = AzurePlanner(q.config, q.env, r.registry).Environment();
    if (!plan) return std::nullopt;
    for (const auto& [key, variable] : {std::pair<const char*, const char*>{"token_file", "AZURE_FEDERATED_TOKEN_FILE"},
                                        {"certificate_path", "AZURE_CLIENT_CERTIFICATE_PATH"}}) {
      std::string path = plan->value(key, "");
      if (!path.empty() && access(path.c_str(), R_OK) != 0) {
        WipeJson(*plan);
        throw Error::BadInput(q.config.Id() + ": " + variable + " names " + path + ", which cannot be read");
      }
    }
    bool imds = plan->value("source", "") == "imds";
    std::string description = SetAzureChain(*plan, &r);
    if (imds && q.config.sources.empty()) return description + ", if there is one; else anonymous";
    return description;
  }
};

}  // namespace

const CredentialSource& AzureEnvironmentSource() {
  static const AzureEnvironment source;
  return source;
}

}  // namespace ssm
