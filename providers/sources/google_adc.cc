// Google source: Application Default Credentials in Google's order: the file
// named by GOOGLE_APPLICATION_CREDENTIALS, gcloud's well-known file
// ($CLOUDSDK_CONFIG or ~/.config/gcloud/application_default_credentials.json),
// then the metadata server (GCE_METADATA_HOST, else metadata.google.internal
// and 169.254.169.254; NO_GCE_CHECK=true skips it; `serviceaccount` picks the
// instance's account). Applies always, last: nullopt when there is no file
// and the metadata server is switched off.
#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/text.h"
#include "providers/credential_source.h"
#include "providers/google/google_identity.h"

namespace ssm {
namespace {

struct Found {
  const char* kind;         // file, gcloud, metadata
  std::string description;  // names it for messages, never a value
  SecretString json;        // the credentials file's text (not metadata)
};

std::string Env(const SourceQuery& q, const char* name) {
  std::optional<std::string> v = q.env(name);
  return v ? *v : std::string();
}

std::optional<Found> Find(const SourceQuery& q) {
  std::string path = Env(q, "GOOGLE_APPLICATION_CREDENTIALS");
  if (!path.empty()) {
    std::optional<std::string> text = ReadTextFile(path, 1u << 20);
    if (!text) throw Error::BadInput("GOOGLE_APPLICATION_CREDENTIALS names " + path + ", which does not exist");
    return Found{"file", "GOOGLE_APPLICATION_CREDENTIALS (" + path + ")", SecretString(std::move(*text))};
  }
  std::string dir = Env(q, "CLOUDSDK_CONFIG");
  if (dir.empty()) {
    try {
      dir = HomeDir() + "/.config/gcloud";
    } catch (const Error&) {
      dir.clear();  // no home (a node's kubelet): no gcloud file
    }
  }
  if (!dir.empty()) {
    std::string well_known = dir + "/application_default_credentials.json";
    if (std::optional<std::string> text = ReadTextFile(well_known, 1u << 20)) {
      return Found{"gcloud", "gcloud's " + well_known, SecretString(std::move(*text))};
    }
  }
  if (AsciiLower(Env(q, "NO_GCE_CHECK")) == "true") return std::nullopt;
  std::string host = Env(q, "GCE_METADATA_HOST");
  std::string hosts = host.empty() ? "metadata.google.internal, 169.254.169.254" : host;
  std::string account = q.config.Has("serviceaccount") ? q.config.Get("serviceaccount") : "default";
  return Found{"metadata", "the metadata server (" + hosts + "), service account " + account, SecretString()};
}

class GoogleAdc : public CredentialSource {
 public:
  const char* Name() const override { return "adc"; }
  bool Applies(const SourceQuery&) const override { return true; }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    std::optional<Found> found = Find(q);
    if (!found) {
      SSM_DEBUG(c.Id() + ": google: no credentials file and the metadata server is switched off (NO_GCE_CHECK)");
      return std::nullopt;
    }
    nlohmann::json plan = GooglePlan(c, found->kind, found->description);
    if (std::string(found->kind) == "metadata") {
      std::string host = Env(q, "GCE_METADATA_HOST");
      plan["metadata_hosts"] = host.empty() ? nlohmann::json{"metadata.google.internal", "169.254.169.254"}
                                            : nlohmann::json{host};
      // Named only when configured: the instance's default account may be absent.
      if (c.Has("serviceaccount")) plan["service_account"] = c.Get("serviceaccount");
    } else {
      ValidateGoogleCredentials(found->json.str(), found->description);
      plan["adc"] = nlohmann::json::parse(found->json.str());
    }
    return SetGoogleChain(plan, r);
  }
  std::optional<std::string> Describe(const SourceQuery& q) const override {
    std::optional<Found> found = Find(q);
    if (!found) return std::nullopt;
    if (std::string(found->kind) == "metadata") return DescribeGoogleService(q.config, found->description);
    return DescribeGoogleFile(q.config, found->description, found->json.str());
  }
};

}  // namespace

const CredentialSource& GoogleAdcSource() {
  static const GoogleAdc source;
  return source;
}

}  // namespace ssm
