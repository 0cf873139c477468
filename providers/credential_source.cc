#include "providers/credential_source.h"

namespace ssm {

CredentialSource::~CredentialSource() = default;

std::optional<std::string> CredentialSource::Describe(const SourceQuery& query) const {
  MintRequest scratch;
  return Plan(query, &scratch);
}

}  // namespace ssm
