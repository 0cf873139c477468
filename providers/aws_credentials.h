// Where ECR's AWS keys come from, in the order users of the AWS tools expect:
// the registry's configuration (accesskey, secretaccesskey, sessiontoken),
// then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)
// with AWS_PROFILE (default "default"). Roles, SSO and credential_process in
// ~/.aws/config are not supported.
#pragma once

#include <optional>

#include "providers/crypto/sigv4.h"
#include "providers/provider.h"

namespace ssm {

std::optional<AwsCredentials> ResolveAwsCredentials(const RegistryConfig& config);

// The [profile] section of a credentials file's text; nullopt when absent.
std::optional<AwsCredentials> ParseAwsCredentialsFile(const std::string& text, const std::string& profile,
                                                      const std::string& path);

}  // namespace ssm
