// Which AWS credentials the SDKs' default chain would use, worked out from the
// environment and the shared files alone, with no network: the source of the
// first credentials (keys, web identity, credential_process, IAM Identity
// Center, the container endpoint or instance metadata) and the roles to
// assume on top of it, in order. Running the plan (STS, IMDS, the container
// endpoint, the SSO portal, the process) is the network module's part.
//
// The order is the AWS SDK for Go v2's, which docker-credential-ecr-login
// uses: environment keys; AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE; the
// profile (AWS_PROFILE or "default") from AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE; the container endpoint; instance metadata.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/inputs.h"
#include "providers/aws/aws_credentials.h"

namespace ssm {

// The sections of an AWS config or credentials file: section -> key -> value.
// Keys are lower-cased; a repeated key keeps its last value; nested
// (indented) sub-sections such as s3 settings are skipped.
using AwsIniSections = std::map<std::string, std::map<std::string, std::string>>;
AwsIniSections ParseAwsIni(const std::string& text);

// A role assumed with STS AssumeRole, signed with the credentials before it.
struct AwsRoleStep {
  std::string role_arn;
  std::string external_id;
  std::string session_name;
  int duration_seconds = 0;  // 0: STS's default (one hour)
  std::string named_by;      // "profile prod" or "ecr/prod", for messages
};

// Where the first credentials come from.
struct AwsBaseSource {
  enum class Kind { kStatic, kWebIdentity, kProcess, kSso, kContainer, kInstanceMetadata };
  Kind kind = Kind::kStatic;
  // Names the source for doctor, registry list and error messages, never a
  // secret: "environment keys", "profile prod in /home/u/.aws/credentials".
  std::string description;

  AwsCredentials keys;  // kStatic

  // kWebIdentity: AssumeRoleWithWebIdentity with the token read from the file.
  std::string role_arn;
  std::string session_name;
  std::string token_file;
  // Or the token itself, when it never was in a file (a pod's service
  // account token handed over by the kubelet: helper/kubelet.h).
  SecretString token;
  // Or the ID token of a CI job (a registry's `webidentity`): the JSON of a
  // providers/ci/web_identity.h WebIdentity, fetched when the plan runs.
  std::string web_identity;

  std::string command;  // kProcess: credential_process, split without a shell when run

  // kSso: the token `aws sso login` cached under ~/.aws/sso/cache/<sha1 of
  // cache_name>.json, exchanged at the portal of sso_region.
  std::string sso_start_url;
  std::string sso_region;
  std::string sso_account_id;
  std::string sso_role_name;
  std::string sso_cache_name;  // the sso-session name, or the legacy start URL

  // kContainer: GET container_url with the Authorization header from
  // token_file (re-read at each use; wins) or token.
  std::string container_url;
  std::string container_token_file;
  SecretString container_token;

  // kInstanceMetadata: IMDSv2 (token PUT, then the role's credentials); v1
  // fallback unless disabled.
  std::string imds_endpoint;  // http://169.254.169.254 or the override
  bool imds_v1_disabled = false;
};

struct AwsChainPlan {
  AwsBaseSource base;
  std::vector<AwsRoleStep> roles;  // assumed in this order on top of base
  std::string profile;             // the profile used, "" when none was found
  std::string region;              // AWS_REGION, AWS_DEFAULT_REGION or the profile's region

  // One line naming the whole chain: "profile prod: instance role via IMDS, then role arn:...".
  std::string Describe() const;
};

struct AwsPlanInputs {
  EnvLookup env;
  TextFileReader read_file;
  std::string home;            // for ~/.aws/config and ~/.aws/credentials
  std::string profile;         // a per-registry profile: wins over AWS_PROFILE
};

// The role session name when none is given. Stable (the Go SDK uses the
// time), so that one identity keeps one cache entry.
inline constexpr const char* kAwsDefaultSessionName = "docker-credential-ssm";

// The plan, or nullopt when the chain has no source at all (instance metadata
// switched off by AWS_EC2_METADATA_DISABLED and nothing else set). Throws
// Error::BadInput with one line naming the file, profile and key for what the
// SDKs also refuse: a profile named explicitly that does not exist, a
// source_profile loop, a role without a source, an unknown credential_source,
// an incomplete SSO profile, a container endpoint on a host the SDKs refuse.
std::optional<AwsChainPlan> PlanAwsChain(const AwsPlanInputs& inputs);

}  // namespace ssm
