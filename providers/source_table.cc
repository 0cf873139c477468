#include "providers/source_table.h"

#include "common/log.h"

namespace ssm {

// The sources, one file each in providers/sources/.
const CredentialSource& AwsPodSource();
const CredentialSource& AwsWebIdentitySource();
const CredentialSource& AwsKeysSource();
const CredentialSource& AwsSdkChainSource();
const CredentialSource& GooglePodSource();
const CredentialSource& GoogleKeySource();
const CredentialSource& GoogleCredentialsSource();
const CredentialSource& GoogleWebIdentitySource();
const CredentialSource& GoogleAdcSource();
const CredentialSource& AzurePodSource();
const CredentialSource& AzureServicePrincipalSource();
const CredentialSource& AzureWebIdentitySource();
const CredentialSource& AzureEnvironmentSource();

const std::vector<SourceRow>& SourceTable() {
  // Within an identity, in precedence order: a pod's own token (kubelet
  // mode) first, never falling back to the node's; then what the registry's
  // configuration names; then what the environment offers.
  static const std::vector<SourceRow> table = {
      {"aws", &AwsPodSource()},
      {"aws", &AwsWebIdentitySource()},
      {"aws", &AwsKeysSource()},
      {"aws", &AwsSdkChainSource()},
      {"google", &GooglePodSource()},
      {"google", &GoogleKeySource()},
      {"google", &GoogleCredentialsSource()},
      {"google", &GoogleWebIdentitySource()},
      {"google", &GoogleAdcSource()},
      {"azure", &AzurePodSource()},
      {"azure", &AzureServicePrincipalSource()},
      {"azure", &AzureWebIdentitySource()},
      {"azure", &AzureEnvironmentSource()},
  };
  return table;
}

std::vector<const CredentialSource*> SourcesOf(const std::string& identity) {
  std::vector<const CredentialSource*> out;
  for (const SourceRow& row : SourceTable()) {
    if (identity == row.identity) out.push_back(row.source);
  }
  return out;
}

const CredentialSource* ChooseSource(const std::string& identity, const SourceQuery& query) {
  for (const SourceRow& row : SourceTable()) {
    if (identity == row.identity && row.source->Applies(query)) return row.source;
  }
  return nullptr;
}

const CredentialSource* FindSource(const std::string& identity, const std::string& name) {
  for (const SourceRow& row : SourceTable()) {
    if (identity == row.identity && name == row.source->Name()) return row.source;
  }
  return nullptr;
}

std::optional<std::string> PlanIdentity(const std::string& identity, const SourceQuery& query, MintRequest* request) {
  const CredentialSource* source = ChooseSource(identity, query);
  if (source == nullptr) return std::nullopt;
  std::optional<std::string> description = source->Plan(query, request);
  if (description) SSM_DEBUG(query.config.Id() + ": " + identity + ": credentials from " + *description);
  return description;
}

std::optional<std::string> DescribeIdentity(const std::string& identity, const SourceQuery& query) {
  const CredentialSource* source = ChooseSource(identity, query);
  if (source == nullptr) return std::nullopt;
  return source->Describe(query);
}

}  // namespace ssm
