#include "providers/ecr_provider.h"

#include "common/error.h"
#include "providers/aws_credentials.h"
#include "providers/host_match.h"

namespace ssm {
namespace {

bool IsRegionName(const std::string& r) {
  if (r.empty() || r.find('-') == std::string::npos) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::vector<VariableSpec> EcrProvider::Variables() const {
  std::vector<VariableSpec> v;
  if (!public_) v.push_back({"region", false, "default AWS region (the registry host names its own)"});
  v.push_back({"accesskey", false, "AWS access key ID (default: the standard AWS sources)"});
  v.push_back({"secretaccesskey", true, "AWS secret access key"});
  v.push_back({"sessiontoken", true, "AWS session token, for temporary keys"});
  if (!public_) v.push_back({"account", false, "serve only this 12-digit account's registries"});
  v.push_back({"endpoint", false, "GetAuthorizationToken endpoint URL (VPC endpoints, tests)"});
  return v;
}

bool EcrProvider::ServesUnconfigured(const ServerKey& server) const {
  return !public_ && ParseEcrHost(server, nullptr);
}

bool EcrProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  if (public_) return IsEcrPublicHost(server);
  EcrHost host;
  if (!ParseEcrHost(server, &host)) return false;
  return !c.Has("account") || c.Get("account") == host.account;
}

std::vector<std::string> EcrProvider::Hosts(const RegistryConfig&) const {
  if (public_) return {"public.ecr.aws"};
  return {};
}

void EcrProvider::Validate(const RegistryConfig& c) const {
  RequireTogether(c, "accesskey", "secretaccesskey");
  if (c.Has("sessiontoken") && !c.Has("accesskey")) {
    throw Error::BadInput(c.Id() + ": sessiontoken needs accesskey and secretaccesskey");
  }
  if (c.Has("region") && !IsRegionName(c.Get("region"))) {
    throw Error::BadInput(c.Id() + ": region must be an AWS region code like us-east-1");
  }
  if (c.Has("account")) {
    const std::string& a = c.Get("account");
    if (a.size() != 12 || a.find_first_not_of("0123456789") != std::string::npos) {
      throw Error::BadInput(c.Id() + ": account must be a 12-digit AWS account ID");
    }
  }
  RequireUrl(c, "endpoint");
  if (c.Has("endpoint") && c.Get("endpoint").rfind("https://", 0) != 0) {
    throw Error::BadInput(c.Id() + ": endpoint must be an https:// URL");
  }
}

std::string EcrProvider::DefaultEndpoint(const std::string& region, const std::string& dns_suffix, bool fips,
                                         bool dual_stack) {
  if (dual_stack) return std::string("https://") + (fips ? "ecr-fips." : "ecr.") + region + ".api.aws";
  return std::string("https://") + (fips ? "api.ecr-fips." : "api.ecr.") + region + "." + dns_suffix;
}

std::optional<MintRequest> EcrProvider::Prepare(const RegistryConfig& c, const ServerKey& server) const {
  std::optional<AwsCredentials> creds = ResolveAwsCredentials(c);
  if (!creds) {
    // Unconfigured ECR without any AWS keys: nothing to mint with.
    if (c.sources.empty()) return std::nullopt;
    throw Error::Failure(c.Id() +
                         ": no AWS credentials: set accesskey and secretaccesskey (registry add " + Name() +
                         " ...), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials");
  }
  MintRequest r;
  r.kind = Name();
  r.what = c.Id();
  r.aws = std::move(*creds);
  r.ca_pem = c.Get("cacert");
  if (public_) {
    r.region = "us-east-1";
    r.endpoint = c.Has("endpoint") ? c.Get("endpoint") : "https://api.ecr-public.us-east-1.amazonaws.com";
    return r;
  }
  EcrHost host;
  ParseEcrHost(server, &host);
  r.region = host.region;
  r.registry_id = host.account;
  r.endpoint = c.Has("endpoint") ? c.Get("endpoint")
                                 : DefaultEndpoint(host.region, host.dns_suffix, host.fips, host.dual_stack);
  return r;
}

std::string EcrProvider::HostsDescription(const RegistryConfig& c) const { return public_ ? "public.ecr.aws ecr-public.aws.com" : (c.Has("account") ? c.Get("account") + ".dkr.ecr.*" : std::string("*.dkr.ecr.*.amazonaws.com (all partitions, FIPS, dual-stack)")); }

}  // namespace ssm
