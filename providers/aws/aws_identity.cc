#include "providers/aws/aws_identity.h"

#include <cstdlib>

#include "common/error.h"
#include "common/fingerprint.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/text.h"
#include "providers/aws/aws_chain_plan.h"
#include "providers/aws/aws_plan_codec.h"
#include "providers/source_table.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

// The variable's value, "" when unset.
std::string EnvValue(const std::string& name) { return ProcessEnv(name).value_or(""); }

// SSM_AWS_PROCESS_TIMEOUT: whole seconds a credential_process may run (1..3600,
// default 30); anything else is refused with one line.
long ProcessTimeoutMs() {
  std::string v = EnvValue("SSM_AWS_PROCESS_TIMEOUT");
  if (v.empty()) return 30000;
  if (v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos || std::stol(v) < 1 ||
      std::stol(v) > 3600) {
    throw Error::BadInput("SSM_AWS_PROCESS_TIMEOUT must be whole seconds from 1 to 3600, not \"" +
                          v.substr(0, 20) + "\"");
  }
  return std::stol(v) * 1000;
}

}  // namespace

std::string AwsHomeOrEmpty() {
  try {
    return HomeDir();
  } catch (const Error&) {
    return "";
  }
}

std::string AwsCaBundlePath() { return EnvValue("AWS_CA_BUNDLE"); }

std::string AwsEndpointOverride(const std::string& service_variable) {
  if (AsciiLower(EnvValue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) == "true") return "";
  std::string v = EnvValue(service_variable);
  if (v.empty()) v = EnvValue("AWS_ENDPOINT_URL");
  while (!v.empty() && v.back() == '/') v.pop_back();
  return v;
}

bool PrepareAwsIdentity(const RegistryConfig& c, const std::string& region, const std::string& dns_suffix,
                        MintRequest* r) {
  EnvLookup env = ProcessEnv;
  SourceQuery query{c, env, region, dns_suffix};
  return PlanIdentity("aws", query, r).has_value();
}

std::string FinishAwsIdentity(const SourceQuery& q, AwsChainPlan plan, MintRequest* r) {
  const RegistryConfig& c = q.config;
  const std::string& region = q.region;
  const std::string& dns_suffix = q.dns_suffix;
  if (c.Has("rolearn") && !c.Has("webidentity")) {
    AwsRoleStep step;
    step.role_arn = c.Get("rolearn");
    step.external_id = c.Get("externalid");
    step.session_name = c.Has("sessionname") ? c.Get("sessionname") : kAwsDefaultSessionName;
    step.named_by = c.Id() + " configuration";
    plan.roles.push_back(step);
  }
  if (plan.base.kind == AwsBaseSource::Kind::kStatic && plan.roles.empty()) {
    r->aws.access_key_id = plan.base.keys.access_key_id;
    r->aws.secret_access_key = SecretString(plan.base.keys.secret_access_key.str());
    r->aws.session_token = SecretString(plan.base.keys.session_token.str());
    r->aws.source = plan.base.description;
    return r->aws.source;
  }
  AwsChainSettings settings;
  settings.sts_region = region;
  settings.sts_endpoint = AwsEndpointOverride("AWS_ENDPOINT_URL_STS");
  if (settings.sts_endpoint.empty()) settings.sts_endpoint = "https://sts." + region + "." + dns_suffix;
  settings.sso_endpoint = AwsEndpointOverride("AWS_ENDPOINT_URL_SSO");
  settings.home = AwsHomeOrEmpty();
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
  return r->aws.source;
}

}  // namespace ssm
