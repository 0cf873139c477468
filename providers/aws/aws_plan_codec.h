// An AWS chain plan and where to run it, as JSON: the binary plans (it reads
// the environment and the shared files), the network module runs.
#pragma once

#include <nlohmann/json.hpp>

#include "providers/aws/aws_chain_plan.h"

namespace ssm {

// Where the chain's services are, as the binary worked them out.
struct AwsChainSettings {
  std::string sts_endpoint;  // AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the regional endpoint
  std::string sts_region;
  std::string sso_endpoint;  // AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, else ""
  std::string home;          // for ~/.aws/sso/cache
  long process_timeout_ms = 30000;  // credential_process; SSM_AWS_PROCESS_TIMEOUT (seconds)
};

// Holds the plan's secrets (static keys, a container token): wipe it.
nlohmann::json AwsChainToJson(const AwsChainPlan& plan, const AwsChainSettings& settings);
AwsChainPlan AwsChainPlanFromJson(const nlohmann::json& json);
AwsChainSettings AwsChainSettingsFromJson(const nlohmann::json& json);

}  // namespace ssm
