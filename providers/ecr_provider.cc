#include "providers/ecr_provider.h"

#include "common/error.h"
#include "providers/aws/aws_identity.h"
#include "providers/ci/web_identity_config.h"
#include "providers/host_match.h"
#include "providers/source_table.h"

namespace ssm {
namespace {

bool IsRegionName(const std::string& r) {
  if (r.empty() || r.find('-') == std::string::npos) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// arn:<partition>:iam::<12 digits>:role/<path and name>
bool IsRoleArn(const std::string& arn) {
  if (arn.rfind("arn:aws", 0) != 0) return false;
  size_t iam = arn.find(":iam::");
  if (iam == std::string::npos) return false;
  size_t role = arn.find(":role/", iam);
  if (role != iam + 6 + 12) return false;
  std::string account = arn.substr(iam + 6, 12);
  return account.find_first_not_of("0123456789") == std::string::npos && arn.size() > role + 6;
}

}  // namespace

std::vector<VariableSpec> EcrProvider::Variables() const {
  std::vector<VariableSpec> v;
  if (!public_) v.push_back({"region", false, "default AWS region (the registry host names its own)"});
  v.push_back({"accesskey", false, "AWS access key ID (default: the AWS SDKs' credential chain)"});
  v.push_back({"secretaccesskey", true, "AWS secret access key"});
  v.push_back({"sessiontoken", true, "AWS session token, for temporary keys"});
  v.push_back({"profile", false, "AWS profile of ~/.aws/config that serves these registries"});
  v.push_back({"rolearn", false, "IAM role to assume on top of the credentials (cross-account)"});
  v.push_back({"externalid", false, "external ID for rolearn"});
  v.push_back({"sessionname", false, "role session name for rolearn (default docker-credential-ssm)"});
  if (!public_) v.push_back({"account", false, "serve only this 12-digit account's registries"});
  v.push_back({"endpoint", false, "GetAuthorizationToken endpoint URL (VPC endpoints, tests)"});
  for (const VariableSpec& w : WebIdentityVariables("the ID token's audience for webidentity github (default sts.amazonaws.com)")) {
    v.push_back(w);
  }
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

std::optional<std::string> EcrProvider::ProbeServer(const RegistryConfig& c) const {
  if (public_) return std::string("public.ecr.aws");
  if (!c.Has("account")) return std::nullopt;
  return c.Get("account") + ".dkr.ecr." + (c.Has("region") ? c.Get("region") : "us-east-1") + ".amazonaws.com";
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
  if (c.Has("profile") && c.Has("accesskey")) {
    throw Error::BadInput(c.Id() + ": set either profile or accesskey, not both");
  }
  ValidateWebIdentity(c);
  if (c.Has("webidentity")) {
    if (!c.Has("rolearn")) throw Error::BadInput(c.Id() + ": webidentity needs rolearn (the role the ID token assumes)");
    for (const char* v : {"accesskey", "profile", "externalid"}) {
      if (c.Has(v)) throw Error::BadInput(c.Id() + ": webidentity excludes " + v);
    }
  }
  if ((c.Has("externalid") || c.Has("sessionname")) && !c.Has("rolearn")) {
    throw Error::BadInput(c.Id() + ": externalid and sessionname need rolearn");
  }
  if (c.Has("rolearn") && !IsRoleArn(c.Get("rolearn"))) {
    throw Error::BadInput(c.Id() + ": rolearn must be an IAM role ARN like arn:aws:iam::123456789012:role/name");
  }
  if (c.Has("sessionname")) {
    const std::string& n = c.Get("sessionname");
    if (n.size() < 2 || n.size() > 64 || n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@-_") != std::string::npos) {
      throw Error::BadInput(c.Id() + ": sessionname must be 2 to 64 of A-Z a-z 0-9 and +=,.@-_");
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
  MintRequest r;
  r.kind = Name();
  r.what = c.Id();
  r.ca_pem = c.Get("cacert");
  if (r.ca_pem.empty()) r.ca_file = AwsCaBundlePath();
  EcrHost host;
  if (public_) {
    host.region = "us-east-1";
    host.dns_suffix = "amazonaws.com";
  } else {
    ParseEcrHost(server, &host);
  }
  // STS has no endpoint under the dual-stack registry suffix.
  std::string sts_suffix = host.dns_suffix == "on.aws" ? "amazonaws.com" : host.dns_suffix;
  if (!PrepareAwsIdentity(c, host.region, sts_suffix, &r)) {
    // Instance metadata switched off and no other source: nothing to mint with.
    NothingToMintWith(c);  // throws for a configured registry
    return std::nullopt;
  }
  std::string overridden = AwsEndpointOverride(public_ ? "AWS_ENDPOINT_URL_ECR_PUBLIC" : "AWS_ENDPOINT_URL_ECR");
  if (public_) {
    r.region = "us-east-1";
    r.endpoint = c.Has("endpoint") ? c.Get("endpoint")
                                   : !overridden.empty() ? overridden : "https://api.ecr-public.us-east-1.amazonaws.com";
    return r;
  }
  r.region = host.region;
  r.registry_id = host.account;
  r.endpoint = c.Has("endpoint")   ? c.Get("endpoint")
               : !overridden.empty() ? overridden
                                     : DefaultEndpoint(host.region, host.dns_suffix, host.fips, host.dual_stack);
  return r;
}

std::string EcrProvider::IdentitySource(const RegistryConfig& c) const {
  if (public_ && c.sources.empty()) return "";  // anonymous unless configured
  EnvLookup env = ProcessEnv;
  std::optional<std::string> source = DescribeIdentity("aws", SourceQuery{c, env});
  if (!source) return "none (no AWS source; instance metadata switched off by AWS_EC2_METADATA_DISABLED)";
  return *source;
}

std::optional<Credential> EcrProvider::NothingToMintWith(const RegistryConfig& c) const {
  if (c.sources.empty()) return std::nullopt;
  if (c.Has(kPodWebIdentityToken)) {
    throw Error::Failure(c.Id() + ": the pod's service account has no " + c.Get(kPodRoleArnAnnotation) +
                         " annotation: no AWS role for its token (a pod never gets the node's identity)");
  }
  throw Error::Failure(c.Id() +
                       ": no AWS credentials: set accesskey and secretaccesskey or profile (registry add " + Name() +
                       " ...), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an AWS role is available "
                       "(instance profile, ECS task role, EKS IRSA or Pod Identity)");
}

std::vector<std::string> EcrProvider::KubeletImages() const {
  if (public_) return {"public.ecr.aws"};
  // Every partition, FIPS and dual-stack (providers/host_match.h).
  return {"*.dkr.ecr.*.amazonaws.com",  "*.dkr.ecr-fips.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn",
          "*.dkr.ecr.*.amazonaws.eu",   "*.dkr.ecr.*.c2s.ic.gov",         "*.dkr.ecr.*.sc2s.sgov.gov",
          "*.dkr.ecr.*.cloud.adc-e.uk", "*.dkr.ecr.*.csp.hci.ic.gov",     "*.dkr-ecr.*.on.aws",
          "*.dkr-ecr-fips.*.on.aws"};
}

std::string EcrProvider::HostsDescription(const RegistryConfig& c) const { return public_ ? "public.ecr.aws ecr-public.aws.com" : (c.Has("account") ? c.Get("account") + ".dkr.ecr.*" : std::string("*.dkr.ecr.*.amazonaws.com (all partitions, FIPS, dual-stack)")); }

}  // namespace ssm
