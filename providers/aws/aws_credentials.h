// A set of AWS keys: what the binary plans (providers/aws/aws_identity.h) and
// the network module signs with (net/crypto/sigv4.h).
#pragma once

#include <string>

#include "common/secure.h"

namespace ssm {

struct AwsCredentials {
  std::string access_key_id;
  SecretString secret_access_key;
  SecretString session_token;  // empty for long-term keys
  std::string source;          // where they came from, for messages
};

}  // namespace ssm
