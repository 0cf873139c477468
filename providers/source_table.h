// The one table of credential sources: for each cloud identity (the
// providers that mint with it), every source in precedence order. A provider
// plans with the first source that applies; doctor and `registry list/test`
// describe that one. Adding a source is one file in providers/sources/, one
// row here and one test file in tests/providers/sources/.
#pragma once

#include <string>
#include <vector>

#include "providers/credential_source.h"

namespace ssm {

// The identities: "aws" (ecr, ecrpublic), "google" (gcr), "azure" (acr).
struct SourceRow {
  const char* identity;
  const CredentialSource* source;
};

const std::vector<SourceRow>& SourceTable();
// identity's sources in precedence order.
std::vector<const CredentialSource*> SourcesOf(const std::string& identity);
// The first of identity's sources that applies to query, or nullptr.
const CredentialSource* ChooseSource(const std::string& identity, const SourceQuery& query);
// The source named name of identity, or nullptr (tests).
const CredentialSource* FindSource(const std::string& identity, const std::string& name);

// Plans with the chosen source; logs "<id>: <identity>: credentials from
// ..." (debug). nullopt when no source applies or it has nothing.
std::optional<std::string> PlanIdentity(const std::string& identity, const SourceQuery& query, MintRequest* request);
// The chosen source's description (CredentialSource::Describe), nullopt
// when none applies or it has nothing.
std::optional<std::string> DescribeIdentity(const std::string& identity, const SourceQuery& query);

}  // namespace ssm
