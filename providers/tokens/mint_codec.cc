#include "providers/tokens/mint_codec.h"

#include <type_traits>

namespace ssm {

nlohmann::json MintRequestToJson(const MintRequest& r) {
  nlohmann::json j = nlohmann::json::object();
  ForEachMintField(r, [&](const char* name, const auto& field, MintFieldRole) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, SecretString>) {
      j[name] = field.str();
    } else {
      j[name] = field;
    }
  });
  return j;
}

// A missing field keeps MintRequest's default.
MintRequest MintRequestFromJson(const nlohmann::json& j) {
  MintRequest r;
  ForEachMintField(r, [&](const char* name, auto& field, MintFieldRole) {
    using Field = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<Field, SecretString>) {
      field = SecretString(j.value(name, std::string()));
    } else {
      field = j.value(name, field);
    }
  });
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

}  // namespace ssm
