// Runs an AwsChainPlan inside the network module: gets the first credentials
// from their source (keys, STS web identity, credential_process, the IAM
// Identity Center portal, the container endpoint, instance metadata), then
// assumes each role in turn with STS. Every remote call is bounded; a source
// that answers wrongly is one line naming it and the cause.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/secure.h"
#include "net/http/http_client.h"
#include "providers/aws/aws_chain_plan.h"

namespace ssm {

struct AwsSessionCredentials {
  AwsCredentials keys;     // keys.source names the whole chain
  int64_t expires_at = 0;  // 0: long-term keys that do not expire
};

// What a credential_process printed, and how it ended.
struct ProcessOutput {
  int exit_status = 0;  // -1 when killed by a signal
  bool timed_out = false;
  SecretString out;     // stdout, bounded
};

// Runs a command without a shell. Virtual so tests can answer for it.
class ProcessRunner {
 public:
  virtual ~ProcessRunner();
  virtual ProcessOutput Run(const std::vector<std::string>& argv, long timeout_ms) = 0;
};
// posix_spawnp, stdin from /dev/null, stderr passed through, stdout read up
// to 1 MiB, killed at the timeout.
std::unique_ptr<ProcessRunner> NewProcessRunner();

struct AwsChainContext {
  HttpClient* http = nullptr;
  ProcessRunner* processes = nullptr;
  TextFileReader read_file;   // token files and the SSO cache, re-read at each use
  EnvLookup env;              // a CI job's ID token variables (web identity); may be empty: none set
  int64_t now = 0;
  std::string home;           // for ~/.aws/sso/cache
  std::string sts_endpoint;   // https://sts.<region>.<suffix>, or AWS_ENDPOINT_URL_STS
  std::string sts_region;     // signs AssumeRole
  std::string sso_endpoint;   // AWS_ENDPOINT_URL_SSO, else the portal of the profile's sso_region
  std::string ca_pem;         // extra trust for STS and SSO (AWS_CA_BUNDLE), when set
  std::string what;           // who asks, for messages: "ecr"
  long process_timeout_ms = 30000;
};

// The credentials, or nullopt when the plan ends at a machine source that is
// not there: no instance metadata answered within its short bound (about a
// second on a machine outside AWS). Throws Error for a source that is there
// but fails (STS refusing, an expired SSO login, a failing process, IMDS
// answering 500).
std::optional<AwsSessionCredentials> RunAwsChain(const AwsChainPlan& plan, AwsChainContext& context);

// Parts exposed for tests and fuzzing.
// The Credentials of an STS answer (AssumeRole, AssumeRoleWithWebIdentity).
AwsSessionCredentials ParseStsCredentials(const std::string& xml, const std::string& what);
// "Code: Message" of an STS error answer, or "".
std::string StsErrorMessage(const std::string& xml);
// The JSON of the container endpoint and of IMDS (AccessKeyId, SecretAccessKey, Token, Expiration).
AwsSessionCredentials ParseMetadataCredentials(const std::string& json, const std::string& what);
// A credential_process's output ("Version": 1).
AwsSessionCredentials ParseProcessCredentials(const std::string& json, const std::string& what);
// The SSO portal's roleCredentials.
AwsSessionCredentials ParseSsoCredentials(const std::string& json, const std::string& what);
// A command line split the way a POSIX shell splits words (quotes and
// backslashes), without expanding anything. Throws on an open quote.
std::vector<std::string> SplitCommandLine(const std::string& line);

}  // namespace ssm
