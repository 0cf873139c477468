// MintRequest's fields are declared once (ForEachMintField): these tests hold
// the codec and the token-cache key to that list, and the list to the struct.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <type_traits>

#include "providers/token_provider.h"
#include "providers/tokens/mint_codec.h"

namespace {

// Partial aggregate initialisation is the point of the counting below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

// Counts an aggregate's top-level members: the largest N for which T{a1..aN}
// compiles, each aN converting to any member type.
struct AnyMember {
  template <class T>
  operator T() const;
};

template <class T, class... Args>
constexpr auto Initializes(int) -> decltype(T{std::declval<Args>()...}, true) {
  return true;
}
template <class T, class... Args>
constexpr bool Initializes(...) {
  return false;
}

template <class T, class... Args>
constexpr int MemberCount() {
  if constexpr (Initializes<T, Args..., AnyMember>(0)) {
    return MemberCount<T, Args..., AnyMember>();
  } else {
    return static_cast<int>(sizeof...(Args));
  }
}

static_assert(std::is_aggregate_v<ssm::MintRequest>);
static_assert(MemberCount<ssm::MintRequest>() == ssm::kMintRequestMembers,
              "a MintRequest member is missing from ForEachMintField (providers/tokens/mint.h)");

#pragma GCC diagnostic pop

// Sets every field to a value derived from its name (and `salt`).
void FillEveryField(ssm::MintRequest& r, const std::string& salt) {
  int n = 1;
  ssm::ForEachMintField(r, [&](const char* name, auto& field, ssm::MintFieldRole) {
    using Field = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<Field, ssm::SecretString>) {
      field = ssm::SecretString(std::string(name) + salt);
    } else if constexpr (std::is_same_v<Field, std::string>) {
      field = std::string(name) + salt;
    } else {
      field = static_cast<Field>(1000 + n);
    }
    ++n;
  });
}

}  // namespace

TEST_CASE("every MintRequest field crosses the module boundary", "[tokens]") {
  ssm::MintRequest r;
  FillEveryField(r, "-x");
  nlohmann::json j = ssm::MintRequestToJson(r);
  ssm::MintRequest back = ssm::MintRequestFromJson(j);
  std::set<std::string> names;
  ssm::MintRequest& b = back;
  ssm::ForEachMintField(r, [&](const char* name, const auto&, ssm::MintFieldRole) {
    CHECK(names.insert(name).second);  // names are unique
    CHECK(j.contains(name));
  });
  CHECK(j.size() == names.size());
  // Compare field by field: walk both in step.
  std::vector<std::string> sent;
  std::vector<std::string> got;
  auto text = [](std::vector<std::string>& out) {
    return [&out](const char*, const auto& field, ssm::MintFieldRole) {
      using Field = std::decay_t<decltype(field)>;
      if constexpr (std::is_same_v<Field, ssm::SecretString>) {
        out.push_back(field.str());
      } else if constexpr (std::is_same_v<Field, std::string>) {
        out.push_back(field);
      } else {
        out.push_back(std::to_string(field));
      }
    };
  };
  ssm::ForEachMintField(r, text(sent));
  ssm::ForEachMintField(b, text(got));
  CHECK(sent == got);
}

TEST_CASE("a missing field keeps MintRequest's default", "[tokens]") {
  ssm::MintRequest r = ssm::MintRequestFromJson(nlohmann::json::object());
  ssm::MintRequest d;
  CHECK(r.connect_timeout_ms == d.connect_timeout_ms);
  CHECK(r.total_timeout_ms == d.total_timeout_ms);
  CHECK(r.attempts == d.attempts);
}

TEST_CASE("every keyed MintRequest field, secrets included, changes the token-cache key", "[tokens]") {
  ssm::MintRequest base;
  FillEveryField(base, "-a");
  const std::string server = "1.dkr.ecr.us-east-1.amazonaws.com";
  const std::string base_key = ssm::TokenCacheKey(base, server);
  int keyed = 0;
  int index = 0;
  ssm::ForEachMintField(base, [&](const char* name, const auto& original, ssm::MintFieldRole role) {
    constexpr bool is_secret = std::is_same_v<std::decay_t<decltype(original)>, ssm::SecretString>;
    // Change this one field only.
    ssm::MintRequest changed;
    FillEveryField(changed, "-a");
    int i = 0;
    ssm::ForEachMintField(changed, [&](const char*, auto& field, ssm::MintFieldRole) {
      using Field = std::decay_t<decltype(field)>;
      if (i++ != index) return;
      if constexpr (std::is_same_v<Field, ssm::SecretString>) {
        field = ssm::SecretString(field.str() + "b");
      } else if constexpr (std::is_same_v<Field, std::string>) {
        field += "b";
      } else {
        field = static_cast<Field>(field + 1);
      }
    });
    std::string key = ssm::TokenCacheKey(changed, server);
    INFO(name);
    if (role == ssm::MintFieldRole::kKeyed) {
      ++keyed;
      CHECK(key != base_key);
      // A secret is never in the key in clear (only the kind and server are).
      if (is_secret) CHECK(key.find(std::string(name) + "-a") == std::string::npos);
    } else {
      CHECK(key == base_key);
    }
    ++index;
  });
  CHECK(keyed >= 20);
  CHECK(ssm::TokenCacheKey(base, "2.dkr.ecr.us-east-1.amazonaws.com") != base_key);
}
