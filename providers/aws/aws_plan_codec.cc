#include "providers/aws/aws_plan_codec.h"

namespace ssm {
namespace {

const char* KindName(AwsBaseSource::Kind kind) {
  switch (kind) {
    case AwsBaseSource::Kind::kStatic: return "static";
    case AwsBaseSource::Kind::kWebIdentity: return "web_identity";
    case AwsBaseSource::Kind::kProcess: return "process";
    case AwsBaseSource::Kind::kSso: return "sso";
    case AwsBaseSource::Kind::kContainer: return "container";
    case AwsBaseSource::Kind::kInstanceMetadata: return "imds";
  }
  return "static";
}

AwsBaseSource::Kind KindFromName(const std::string& name) {
  for (auto kind : {AwsBaseSource::Kind::kStatic, AwsBaseSource::Kind::kWebIdentity, AwsBaseSource::Kind::kProcess,
                    AwsBaseSource::Kind::kSso, AwsBaseSource::Kind::kContainer, AwsBaseSource::Kind::kInstanceMetadata}) {
    if (name == KindName(kind)) return kind;
  }
  return AwsBaseSource::Kind::kStatic;
}

}  // namespace

nlohmann::json AwsChainToJson(const AwsChainPlan& plan, const AwsChainSettings& settings) {
  const AwsBaseSource& b = plan.base;
  nlohmann::json roles = nlohmann::json::array();
  for (const AwsRoleStep& r : plan.roles) {
    roles.push_back({{"role_arn", r.role_arn},
                     {"external_id", r.external_id},
                     {"session_name", r.session_name},
                     {"duration_seconds", r.duration_seconds},
                     {"named_by", r.named_by}});
  }
  return {{"kind", KindName(b.kind)},
          {"description", b.description},
          {"access_key_id", b.keys.access_key_id},
          {"secret_access_key", b.keys.secret_access_key.str()},
          {"session_token", b.keys.session_token.str()},
          {"role_arn", b.role_arn},
          {"session_name", b.session_name},
          {"token_file", b.token_file},
          {"token", b.token.str()},
          {"web_identity", b.web_identity},
          {"command", b.command},
          {"sso_start_url", b.sso_start_url},
          {"sso_region", b.sso_region},
          {"sso_account_id", b.sso_account_id},
          {"sso_role_name", b.sso_role_name},
          {"sso_cache_name", b.sso_cache_name},
          {"container_url", b.container_url},
          {"container_token_file", b.container_token_file},
          {"container_token", b.container_token.str()},
          {"imds_endpoint", b.imds_endpoint},
          {"imds_v1_disabled", b.imds_v1_disabled},
          {"roles", roles},
          {"profile", plan.profile},
          {"region", plan.region},
          {"sts_endpoint", settings.sts_endpoint},
          {"sts_region", settings.sts_region},
          {"sso_endpoint", settings.sso_endpoint},
          {"home", settings.home},
          {"process_timeout_ms", settings.process_timeout_ms}};
}

AwsChainPlan AwsChainPlanFromJson(const nlohmann::json& j) {
  AwsChainPlan plan;
  AwsBaseSource& b = plan.base;
  b.kind = KindFromName(j.value("kind", ""));
  b.description = j.value("description", "");
  b.keys.access_key_id = j.value("access_key_id", "");
  b.keys.secret_access_key = SecretString(j.value("secret_access_key", ""));
  b.keys.session_token = SecretString(j.value("session_token", ""));
  b.keys.source = b.description;
  b.role_arn = j.value("role_arn", "");
  b.session_name = j.value("session_name", "");
  b.token_file = j.value("token_file", "");
  b.token = SecretString(j.value("token", ""));
  b.web_identity = j.value("web_identity", "");
  b.command = j.value("command", "");
  b.sso_start_url = j.value("sso_start_url", "");
  b.sso_region = j.value("sso_region", "");
  b.sso_account_id = j.value("sso_account_id", "");
  b.sso_role_name = j.value("sso_role_name", "");
  b.sso_cache_name = j.value("sso_cache_name", "");
  b.container_url = j.value("container_url", "");
  b.container_token_file = j.value("container_token_file", "");
  b.container_token = SecretString(j.value("container_token", ""));
  b.imds_endpoint = j.value("imds_endpoint", "");
  b.imds_v1_disabled = j.value("imds_v1_disabled", false);
  if (auto roles = j.find("roles"); roles != j.end() && roles->is_array()) {
    for (const auto& r : *roles) {
      if (!r.is_object()) continue;
      plan.roles.push_back({r.value("role_arn", ""), r.value("external_id", ""), r.value("session_name", ""),
                            r.value("duration_seconds", 0), r.value("named_by", "")});
    }
  }
  plan.profile = j.value("profile", "");
  plan.region = j.value("region", "");
  return plan;
}

AwsChainSettings AwsChainSettingsFromJson(const nlohmann::json& j) {
  AwsChainSettings s;
  s.sts_endpoint = j.value("sts_endpoint", "");
  s.sts_region = j.value("sts_region", "");
  s.sso_endpoint = j.value("sso_endpoint", "");
  s.home = j.value("home", "");
  s.process_timeout_ms = j.value("process_timeout_ms", 30000L);
  return s;
}

}  // namespace ssm
