// Fuzzes server-URL normalization (common/server_key.h) and host matching
// (providers/host_match.h and every provider's Serves).
// Input: the raw server string, as a client or a person would pass it.
// Invariants:
//  - NormalizeServer throws only ssm::Error, and exactly when TryNormalizeServer
//    says false;
//  - a key is non-empty and never holds '@', whitespace, control or non-ASCII
//    characters; it is host[:port] (or a Docker Hub key); the port is 1..65535
//    without leading zeros;
//  - normalizing a key again gives the same key (idempotent), and for an
//    ordinary registry so does https://<key>/v2/ and the upper-cased input;
//  - matching is anchored: a host that any cloud matcher accepts is refused
//    once ".attacker.net" is appended or the port is not 443; ParseEcrHost's
//    parts spell the host again;
//  - a registry configured with url=https://<key> serves exactly that key;
//    Serves never throws.
#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/server_key.h"
#include "fuzz_support.h"
#include "providers/host_match.h"
#include "providers/provider.h"
#include "providers/provider_table.h"

namespace {

using ssm::fuzz::Escape;

bool IsBadKeyChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '@' || u <= 0x20 || u >= 0x7f;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// The same key. The host is compared too except for Docker Hub, whose key is
// canonical while host keeps the spelling given (docker.io, index.docker.io).
bool SameKey(const ssm::ServerKey& a, const ssm::ServerKey& b) {
  return a.key == b.key && a.port == b.port && a.docker_hub == b.docker_hub &&
         (a.host == b.host || a.key.rfind(ssm::kDockerHubKey, 0) == 0);
}

// Whether any of the anchored cloud matchers accepts the server.
bool AnyCloudMatch(const ssm::ServerKey& s) {
  ssm::EcrHost ecr;
  return ssm::IsGcrHost(s) || ssm::IsAcrHost(s) || ssm::IsEcrPublicHost(s) || ssm::ParseEcrHost(s, &ecr) ||
         ssm::IsHost(s, "ghcr.io") || ssm::IsHost(s, "quay.io") || ssm::IsHost(s, "lscr.io");
}

void CheckHostMatching(const ssm::ServerKey& key) {
  ssm::EcrHost ecr;
  if (ssm::ParseEcrHost(key, &ecr)) {
    FUZZ_CHECK(ecr.account.size() == 12 && ecr.account.find_first_not_of("0123456789") == std::string::npos,
               "ParseEcrHost account is not 12 digits: " + Escape(ecr.account));
    std::string spelled = ecr.dual_stack
                              ? ecr.account + ".dkr-ecr" + (ecr.fips ? "-fips" : "") + "." + ecr.region + ".on.aws"
                              : ecr.account + ".dkr.ecr" + (ecr.fips ? "-fips" : "") + "." + ecr.region + "." +
                                    ecr.dns_suffix;
    FUZZ_CHECK(spelled == key.host, "ParseEcrHost parts do not spell the host: " + Escape(key.host) + " vs " +
                                        Escape(spelled));
  }
  if (AnyCloudMatch(key)) {
    FUZZ_CHECK(key.port.empty() || key.port == "443", "a cloud host matched on port " + key.port);
    ssm::ServerKey longer = key;
    longer.host += ".attacker.net";
    longer.key = longer.host;
    FUZZ_CHECK(!AnyCloudMatch(longer), "matching is not anchored at the end: " + Escape(longer.host));
    ssm::ServerKey other_port = key;
    other_port.port = "8443";
    other_port.key = key.host + ":8443";
    FUZZ_CHECK(!AnyCloudMatch(other_port), "a cloud host matched on port 8443: " + Escape(key.host));
  }
}

void CheckProviders(const ssm::ServerKey& key, std::string_view raw) {
  ssm::RegistryConfig empty;
  ssm::RegistryConfig with_url;
  with_url.values["url"] = "https://" + key.key;
  ssm::RegistryConfig raw_url;  // the input itself as a configured url
  raw_url.values["url"] = std::string(raw);
  raw_url.values["account"] = "123456789012";
  for (const ssm::Provider* p : ssm::ProviderTable()) {
    for (ssm::RegistryConfig* c : {&empty, &with_url, &raw_url}) {
      c->provider = p->Name();
      bool serves = p->Serves(key, *c);
      (void)p->ServesUnconfigured(key);
      (void)p->Hosts(*c);
      if (serves && (std::string(p->Name()) == "custom" || std::string(p->Name()) == "gitea" ||
                     std::string(p->Name()) == "forgejo")) {
        // The url providers serve exactly the key of their url.
        ssm::ServerKey url_key;
        FUZZ_CHECK(ssm::TryNormalizeServer(c->values["url"], &url_key) && url_key.key == key.key,
                   std::string(p->Name()) + " serves " + Escape(key.key) + " for url " + Escape(c->values["url"]));
      }
    }
    if (!key.docker_hub && key.key.rfind("https://", 0) != 0) {
      std::string name = p->Name();
      if (name == "custom" || name == "gitea" || name == "forgejo") {
        FUZZ_CHECK(p->Serves(key, with_url), name + " does not serve its own url https://" + Escape(key.key));
      }
    }
  }
}

void Check(std::string_view raw) {
  ssm::ServerKey key;
  bool ok = ssm::TryNormalizeServer(raw, &key);
  bool threw = false;
  ssm::ServerKey thrown_key;
  try {
    thrown_key = ssm::NormalizeServer(raw);
  } catch (const ssm::Error& e) {
    threw = true;
    // The message is one line and never repeats user information.
    std::string what = e.what();
    FUZZ_CHECK(what.find('\n') == std::string::npos, "an error message spans lines: " + Escape(what));
  }
  // User information (between the scheme's "//" and '@') is never repeated:
  // with a marker in its place, whatever refuses the URL must not show it.
  if (size_t at = raw.find('@'); at != std::string_view::npos) {
    size_t start = raw.substr(0, at).rfind("//");
    start = start == std::string_view::npos ? 0 : start + 2;
    const std::string marker = "fuzzuser:fuzzpass";
    std::string marked = std::string(raw.substr(0, start)) + marker + std::string(raw.substr(at));
    try {
      (void)ssm::NormalizeServer(marked);
    } catch (const ssm::Error& e) {
      std::string what = e.what();
      FUZZ_CHECK(what.find("fuzzuser") == std::string::npos && what.find("fuzzpass") == std::string::npos,
                 "an error message repeats user info: " + Escape(what));
    }
  }
  FUZZ_CHECK(ok == !threw, "TryNormalizeServer and NormalizeServer disagree on " + Escape(raw));
  if (!ok) return;
  FUZZ_CHECK(SameKey(key, thrown_key), "TryNormalizeServer and NormalizeServer differ on " + Escape(raw));

  FUZZ_CHECK(!key.key.empty() && !key.host.empty(), "empty key or host for " + Escape(raw));
  for (char c : key.key) {
    FUZZ_CHECK(!IsBadKeyChar(c), "the key " + Escape(key.key) + " of " + Escape(raw) + " holds a forbidden character");
  }
  for (char c : key.host) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "the host is not lower-case: " + Escape(key.host));
  }
  if (!key.port.empty()) {
    FUZZ_CHECK(key.port[0] != '0' && key.port.size() <= 5 &&
                   key.port.find_first_not_of("0123456789") == std::string::npos && std::stol(key.port) <= 65535,
               "bad port " + Escape(key.port));
  }
  bool hub_subkey = key.key.rfind(ssm::kDockerHubKey, 0) == 0 && key.key != ssm::kDockerHubKey;
  if (key.docker_hub) FUZZ_CHECK(key.key == ssm::kDockerHubKey, "docker_hub with key " + Escape(key.key));
  if (!key.docker_hub && !hub_subkey) {
    std::string expected = key.port.empty() ? key.host : key.host + ":" + key.port;
    FUZZ_CHECK(key.key == expected, "the key " + Escape(key.key) + " is not host[:port] " + Escape(expected));
  }

  // Idempotent.
  ssm::ServerKey again;
  FUZZ_CHECK(ssm::TryNormalizeServer(key.key, &again), "the key " + Escape(key.key) + " does not normalize");
  FUZZ_CHECK(SameKey(key, again), "normalizing the key again changes it: " + Escape(key.key) + " -> " +
                                      Escape(again.key));
  if (!key.docker_hub && !hub_subkey) {
    ssm::ServerKey url;
    FUZZ_CHECK(ssm::TryNormalizeServer("https://" + key.key + "/v2/", &url) && SameKey(url, key),
               "https://<key>/v2/ normalizes differently for " + Escape(key.key));
    ssm::ServerKey upper;
    FUZZ_CHECK(ssm::TryNormalizeServer(Upper(std::string(raw)), &upper) && SameKey(upper, key),
               "the upper-cased input normalizes differently: " + Escape(raw));
  }

  CheckHostMatching(key);
  CheckProviders(key, raw);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ssm::fuzz::IsolateEnvironment();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    Check(raw);
    // Also as a line from stdin: get and erase trim before normalizing.
    Check(ssm::TrimSpace(raw));
  } catch (const ssm::Error&) {
    // Serves, Hosts and the matchers are not expected to throw even this, but
    // it is the project's error type: not a crash.
  }
  return 0;
}
