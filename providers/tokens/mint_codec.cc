#include "providers/tokens/mint_codec.h"

#include "common/module_abi.h"

namespace ssm {

nlohmann::json MintRequestToJson(const MintRequest& r) {
  return {{"kind", r.kind},
          {"what", r.what},
          {"endpoint", r.endpoint},
          {"ca_pem", r.ca_pem},
          {"ca_file", r.ca_file},
          {"now", r.now},
          {"connect_timeout_ms", r.connect_timeout_ms},
          {"total_timeout_ms", r.total_timeout_ms},
          {"attempts", r.attempts},
          {"region", r.region},
          {"registry_id", r.registry_id},
          {"aws_access_key_id", r.aws.access_key_id},
          {"aws_secret_access_key", r.aws.secret_access_key.str()},
          {"aws_session_token", r.aws.session_token.str()},
          {"aws_source", r.aws.source},
          {"aws_chain", r.aws_chain.str()},
          {"identity_key", r.identity_key},
          {"identity", r.identity.str()},
          {"client_email", r.client_email},
          {"private_key", r.private_key.str()},
          {"private_key_id", r.private_key_id},
          {"audience", r.audience},
          {"google_chain", r.google_chain.str()},
          {"tenant", r.tenant},
          {"client_id", r.client_id},
          {"client_secret", r.client_secret.str()},
          {"registry", r.registry},
          {"exchange_url", r.exchange_url},
          {"scope", r.scope},
          {"azure_chain", r.azure_chain.str()}};
}

MintRequest MintRequestFromJson(const nlohmann::json& j) {
  MintRequest r;
  r.kind = j.value("kind", "");
  r.what = j.value("what", "");
  r.endpoint = j.value("endpoint", "");
  r.ca_pem = j.value("ca_pem", "");
  r.ca_file = j.value("ca_file", "");
  r.now = j.value("now", int64_t{0});
  r.connect_timeout_ms = j.value("connect_timeout_ms", 5000L);
  r.total_timeout_ms = j.value("total_timeout_ms", 20000L);
  r.attempts = j.value("attempts", 3);
  r.region = j.value("region", "");
  r.registry_id = j.value("registry_id", "");
  r.aws.access_key_id = j.value("aws_access_key_id", "");
  r.aws.secret_access_key = SecretString(j.value("aws_secret_access_key", ""));
  r.aws.session_token = SecretString(j.value("aws_session_token", ""));
  r.aws.source = j.value("aws_source", "");
  r.aws_chain = SecretString(j.value("aws_chain", ""));
  r.identity_key = j.value("identity_key", "");
  r.identity = SecretString(j.value("identity", ""));
  r.client_email = j.value("client_email", "");
  r.private_key = SecretString(j.value("private_key", ""));
  r.private_key_id = j.value("private_key_id", "");
  r.audience = j.value("audience", "");
  r.google_chain = SecretString(j.value("google_chain", ""));
  r.tenant = j.value("tenant", "");
  r.client_id = j.value("client_id", "");
  r.client_secret = SecretString(j.value("client_secret", ""));
  r.registry = j.value("registry", "");
  r.exchange_url = j.value("exchange_url", "");
  r.scope = j.value("scope", "");
  r.azure_chain = SecretString(j.value("azure_chain", ""));
  return r;
}

nlohmann::json MintedTokenToJson(const MintedToken& t) {
  return {{"username", t.username},
          {"secret", t.secret.str()},
          {"expires_at", t.expires_at},
          {"identity", t.identity.str()},
          {"identity_expires_at", t.identity_expires_at}};
}

MintedToken MintedTokenFromJson(const nlohmann::json& j) {
  MintedToken t;
  t.username = j.value("username", "");
  t.secret = SecretString(j.value("secret", ""));
  t.expires_at = j.value("expires_at", int64_t{0});
  t.identity = SecretString(j.value("identity", ""));
  t.identity_expires_at = j.value("identity_expires_at", int64_t{0});
  return t;
}

MintedToken MintWithNetworkModule(const MintRequest& request) {
  WipedJson call({{"op", "mint"}, {"request", MintRequestToJson(request)}});
  WipedJson answer(CallModule("ssm-net.so", call.value));
  return MintedTokenFromJson(answer.value);
}

}  // namespace ssm
