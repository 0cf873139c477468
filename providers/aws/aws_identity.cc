#include "providers/aws/aws_identity.h"

#include <cstdlib>

#include "common/error.h"
#include "common/files.h"
#include "common/fingerprint.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/text.h"
#include "providers/aws/aws_chain_plan.h"
#include "providers/aws/aws_plan_codec.h"
#include "providers/ci/web_identity_config.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

// Home may be missing on a node (the kubelet's environment): then the shared
// files are simply absent.
std::string HomeOrEmpty() {
  try {
    return HomeDir();
  } catch (const Error&) {
    return "";
  }
}

// SSM_AWS_PROCESS_TIMEOUT: whole seconds a credential_process may run (1..3600,
// default 30); anything else is refused with one line.
long ProcessTimeoutMs() {
  std::string v = EnvText("SSM_AWS_PROCESS_TIMEOUT");
  if (v.empty()) return 30000;
  if (v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos || std::stol(v) < 1 ||
      std::stol(v) > 3600) {
    throw Error::BadInput("SSM_AWS_PROCESS_TIMEOUT must be whole seconds from 1 to 3600, not \"" +
                          v.substr(0, 20) + "\"");
  }
  return std::stol(v) * 1000;
}

}  // namespace

std::string AwsCaBundlePath() { return EnvText("AWS_CA_BUNDLE"); }

std::string AwsEndpointOverride(const std::string& service_variable) {
  if (AsciiLower(EnvText("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) == "true") return "";
  std::string v = EnvText(service_variable);
  if (v.empty()) v = EnvText("AWS_ENDPOINT_URL");
  while (!v.empty() && v.back() == '/') v.pop_back();
  return v;
}

bool PrepareAwsIdentity(const RegistryConfig& c, const std::string& region, const std::string& dns_suffix,
                        MintRequest* r) {
  AwsChainPlan plan;
  if (c.Has(kPodWebIdentityToken)) {
    if (!c.Has(kPodRoleArn)) {
      SSM_DEBUG(c.Id() + ": aws: the pod's service account names no role; no source");
      return false;
    }
    // A pod's own identity (kubelet mode): its service account token for the
    // role its annotation names, instead of anything of the node's.
    plan.base.kind = AwsBaseSource::Kind::kWebIdentity;
    plan.base.description = "the pod's service account token for " + c.Get(kPodRoleArn);
    plan.base.role_arn = c.Get(kPodRoleArn);
    plan.base.session_name = kAwsDefaultSessionName;
    plan.base.token = SecretString(c.Get(kPodWebIdentityToken));
  } else if (c.Has("webidentity")) {
    // OIDC federation from a CI job: AssumeRoleWithWebIdentity of rolearn
    // with the job's ID token (Validate requires rolearn).
    WebIdentity source = WebIdentityFor(c, kAwsWebIdentityAudience, ProcessEnv);
    plan.base.kind = AwsBaseSource::Kind::kWebIdentity;
    plan.base.role_arn = c.Get("rolearn");
    plan.base.session_name = c.Has("sessionname") ? c.Get("sessionname") : kAwsDefaultSessionName;
    plan.base.web_identity = WebIdentityToJson(source).dump();
    plan.base.description = "web identity (" + source.Describe() + "), role " + plan.base.role_arn;
  } else if (c.Has("accesskey")) {
    plan.base.kind = AwsBaseSource::Kind::kStatic;
    plan.base.description = c.Id() + " configuration";
    plan.base.keys.access_key_id = c.Get("accesskey");
    plan.base.keys.secret_access_key = SecretString(c.Get("secretaccesskey"));
    plan.base.keys.session_token = SecretString(c.Get("sessiontoken"));
    plan.base.keys.source = plan.base.description;
  } else {
    AwsPlanInputs in;
    in.env = ProcessEnv;
    in.read_file = [](const std::string& path) -> std::optional<std::string> { return ReadTextFile(path, 1u << 20); };
    in.home = HomeOrEmpty();
    in.profile = c.Get("profile");
    std::optional<AwsChainPlan> found = PlanAwsChain(in);
    if (!found) {
      SSM_DEBUG(c.Id() + ": aws: no source (environment, shared files, container; instance metadata switched off)");
      return false;
    }
    plan = std::move(*found);
  }
  if (c.Has("rolearn") && !c.Has("webidentity")) {
    AwsRoleStep step;
    step.role_arn = c.Get("rolearn");
    step.external_id = c.Get("externalid");
    step.session_name = c.Has("sessionname") ? c.Get("sessionname") : kAwsDefaultSessionName;
    step.named_by = c.Id() + " configuration";
    plan.roles.push_back(step);
  }
  SSM_DEBUG(c.Id() + ": aws: credentials from " + plan.Describe());
  if (plan.base.kind == AwsBaseSource::Kind::kStatic && plan.roles.empty()) {
    r->aws.access_key_id = plan.base.keys.access_key_id;
    r->aws.secret_access_key = SecretString(plan.base.keys.secret_access_key.str());
    r->aws.session_token = SecretString(plan.base.keys.session_token.str());
    r->aws.source = plan.base.description;
    return true;
  }
  AwsChainSettings settings;
  settings.sts_region = region;
  settings.sts_endpoint = AwsEndpointOverride("AWS_ENDPOINT_URL_STS");
  if (settings.sts_endpoint.empty()) settings.sts_endpoint = "https://sts." + region + "." + dns_suffix;
  settings.sso_endpoint = AwsEndpointOverride("AWS_ENDPOINT_URL_SSO");
  settings.home = HomeOrEmpty();
  settings.process_timeout_ms = ProcessTimeoutMs();
  // One identity whatever the registry's region: the plan without the
  // services' addresses names the derived credentials in the cache.
  nlohmann::json identity = AwsChainToJson(plan, AwsChainSettings{});
  r->identity_key = "aws|" + Fingerprint(identity.dump());
  WipeJson(identity);
  nlohmann::json chain = AwsChainToJson(plan, settings);
  r->aws_chain = SecretString(chain.dump());
  WipeJson(chain);
  r->aws.source = plan.Describe();
  return true;
}

}  // namespace ssm
