#include "providers/aws/aws_chain_plan.h"

#include <set>

#include "common/error.h"
#include "common/text.h"

namespace ssm {
namespace {

using Section = std::map<std::string, std::string>;

std::string Get(const Section& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? std::string() : it->second;
}

bool IsTrue(const std::optional<std::string>& v) { return v && AsciiLower(TrimBlanks(*v)) == "true"; }

// The shared files, merged the SDKs' way: a profile's keys from the
// credentials file win over the same keys in the config file.
class SharedFiles {
 public:
  explicit SharedFiles(const AwsPlanInputs& in) {
    auto env = [&](const char* name) -> std::string {
      auto v = in.env(name);
      return v && !v->empty() ? *v : std::string();
    };
    config_path_ = env("AWS_CONFIG_FILE");
    if (config_path_.empty()) config_path_ = in.home + "/.aws/config";
    credentials_path_ = env("AWS_SHARED_CREDENTIALS_FILE");
    if (credentials_path_.empty()) credentials_path_ = in.home + "/.aws/credentials";
    if (auto text = in.read_file(config_path_)) {
      config_ = ParseAwsIni(*text);
      Cleanse(*text);
    }
    if (auto text = in.read_file(credentials_path_)) {
      credentials_ = ParseAwsIni(*text);
      Cleanse(*text);
    }
  }
  ~SharedFiles() {
    for (auto* sections : {&config_, &credentials_}) {
      for (auto& [name, section] : *sections) {
        for (auto& [key, value] : section) Cleanse(value);
      }
    }
  }
  SharedFiles(const SharedFiles&) = delete;
  SharedFiles& operator=(const SharedFiles&) = delete;

  // The merged profile, or nullopt when neither file has it.
  std::optional<Section> Profile(const std::string& name) const {
    std::optional<Section> merged;
    // The config file names profiles "[profile NAME]"; "[default]" stays bare
    // (the SDKs also accept "[profile default]").
    for (const std::string& section : {std::string("profile ") + name, name}) {
      if (section == name && name != "default") continue;
      auto it = config_.find(section);
      if (it == config_.end()) continue;
      if (!merged) merged.emplace();
      for (const auto& [k, v] : it->second) merged->emplace(k, v);
    }
    if (auto it = credentials_.find(name); it != credentials_.end()) {
      if (!merged) merged.emplace();
      for (const auto& [k, v] : it->second) (*merged)[k] = v;
    }
    return merged;
  }

  std::optional<Section> SsoSession(const std::string& name) const {
    auto it = config_.find("sso-session " + name);
    if (it == config_.end()) return std::nullopt;
    return it->second;
  }

  const std::string& config_path() const { return config_path_; }
  const std::string& credentials_path() const { return credentials_path_; }

  // Where a profile's keys were found, for messages.
  std::string WhereIs(const std::string& profile) const {
    bool in_credentials = credentials_.count(profile) != 0;
    return "profile " + profile + " in " + (in_credentials ? credentials_path_ : config_path_);
  }

 private:
  std::string config_path_;
  std::string credentials_path_;
  AwsIniSections config_;
  AwsIniSections credentials_;
};

bool HasStaticKeys(const Section& s) {
  return !Get(s, "aws_access_key_id").empty() && !Get(s, "aws_secret_access_key").empty();
}

AwsCredentials StaticKeys(const Section& s, const std::string& description) {
  AwsCredentials keys;
  keys.access_key_id = Get(s, "aws_access_key_id");
  keys.secret_access_key = SecretString(Get(s, "aws_secret_access_key"));
  keys.session_token = SecretString(Get(s, "aws_session_token"));
  keys.source = description;
  return keys;
}

class Planner {
 public:
  explicit Planner(const AwsPlanInputs& in) : in_(in), files_(in) {}

  std::optional<AwsChainPlan> Plan() {
    AwsChainPlan plan;
    plan.region = FirstEnv({"AWS_REGION", "AWS_DEFAULT_REGION"});

    // 1. Keys in the environment (a per-registry profile skips them: that
    // profile was asked for by name).
    if (in_.profile.empty()) {
      std::string id = Env("AWS_ACCESS_KEY_ID");
      std::string secret = Env("AWS_SECRET_ACCESS_KEY");
      if (!id.empty() && !secret.empty()) {
        plan.base.kind = AwsBaseSource::Kind::kStatic;
        plan.base.description = "environment keys (AWS_ACCESS_KEY_ID)";
        plan.base.keys.access_key_id = id;
        plan.base.keys.secret_access_key = SecretString(secret);
        plan.base.keys.session_token = SecretString(Env("AWS_SESSION_TOKEN"));
        plan.base.keys.source = plan.base.description;
        Cleanse(secret);
        return plan;
      }
      // 2. Web identity from the environment (EKS IRSA, CI OIDC).
      std::string token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
      if (!token_file.empty()) {
        std::string role = Env("AWS_ROLE_ARN");
        if (role.empty()) {
          throw Error::BadInput("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: web identity needs the role to assume");
        }
        plan.base.kind = AwsBaseSource::Kind::kWebIdentity;
        plan.base.description = "web identity (AWS_WEB_IDENTITY_TOKEN_FILE), role " + role;
        plan.base.role_arn = role;
        plan.base.token_file = token_file;
        plan.base.session_name = SessionName(Env("AWS_ROLE_SESSION_NAME"));
        return plan;
      }
    }

    // 3. The profile, then 4./5. the container endpoint and instance metadata.
    std::string profile = in_.profile;
    bool named = !profile.empty();
    if (!named) {
      profile = Env("AWS_PROFILE");
      named = !profile.empty();
      if (!named) profile = "default";
    }
    std::optional<Section> section = files_.Profile(profile);
    if (!section) {
      if (named) {
        throw Error::BadInput("AWS profile \"" + profile + "\" is not in " + files_.config_path() + " or " +
                              files_.credentials_path());
      }
      if (!MachineSource(&plan.base, "")) return std::nullopt;
      return plan;
    }
    plan.profile = profile;
    if (plan.region.empty()) plan.region = Get(*section, "region");
    std::set<std::string> visited;
    if (!Resolve(profile, *section, true, &visited, &plan)) return std::nullopt;
    return plan;
  }

 private:
  std::string Env(const std::string& name) const {
    auto v = in_.env(name);
    return v ? *v : std::string();
  }

  std::string FirstEnv(std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      std::string v = Env(name);
      if (!v.empty()) return v;
    }
    return "";
  }

  std::string SessionName(const std::string& given) const {
    if (!given.empty()) return given;
    return kAwsDefaultSessionName;
  }

  // Fills base for a profile with no source of its own, the way the SDKs
  // fall through: the container endpoint when its variables are set, else
  // instance metadata unless switched off. False when there is no source.
  bool MachineSource(AwsBaseSource* base, const std::string& why, bool allow_container = true) {
    std::string relative = allow_container ? Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") : "";
    std::string full = allow_container ? Env("AWS_CONTAINER_CREDENTIALS_FULL_URI") : "";
    if (!relative.empty() || !full.empty()) {
      base->kind = AwsBaseSource::Kind::kContainer;
      if (!relative.empty()) {
        if (relative.front() != '/') relative.insert(relative.begin(), '/');
        base->container_url = "http://169.254.170.2" + relative;
        base->description = "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)";
      } else {
        CheckContainerUrl(full);
        base->container_url = full;
        base->description = "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)";
      }
      base->container_token_file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
      if (base->container_token_file.empty()) {
        base->container_token = SecretString(Env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
        if (base->container_token.str().find_first_of("\r\n") != std::string::npos) {
          throw Error::BadInput("AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break, which the SDKs refuse");
        }
      }
      base->description += why;
      return true;
    }
    if (IsTrue(in_.env("AWS_EC2_METADATA_DISABLED"))) return false;
    base->kind = AwsBaseSource::Kind::kInstanceMetadata;
    std::string endpoint = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    std::string mode = AsciiLower(Env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"));
    if (endpoint.empty()) {
      if (!mode.empty() && mode != "ipv4" && mode != "ipv6") {
        throw Error::BadInput("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6, not " + QuotedIfPlain(mode));
      }
      endpoint = mode == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    base->imds_endpoint = endpoint;
    base->imds_v1_disabled = IsTrue(in_.env("AWS_EC2_METADATA_V1_DISABLED"));
    base->description = "instance metadata (" + endpoint + ")" + why;
    return true;
  }

  // The SDKs allow any https URL, and http only to the container agent's
  // addresses or loopback. Names are checked again once resolved.
  static void CheckContainerUrl(const std::string& url) {
    std::string lower = AsciiLower(url);
    if (lower.rfind("https://", 0) == 0) return;
    if (lower.rfind("http://", 0) != 0) {
      throw Error::BadInput("AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http:// or https:// URL");
    }
    std::string rest = lower.substr(7);
    std::string host;
    if (!rest.empty() && rest.front() == '[') {
      host = rest.substr(0, rest.find(']') == std::string::npos ? 0 : rest.find(']') + 1);
    } else {
      host = rest.substr(0, rest.find_first_of(":/?#"));
    }
    static const char* const kAllowed[] = {"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost", "[::1]"};
    for (const char* allowed : kAllowed) {
      if (host == allowed) return;
    }
    if (host.rfind("127.", 0) == 0 && host.find_first_not_of("0123456789.") == std::string::npos) return;
    throw Error::BadInput("AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only to loopback, "
                          "169.254.170.2, 169.254.170.23 or fd00:ec2::23, not " + host);
  }

  static int Duration(const Section& s, const std::string& profile) {
    std::string v = Get(s, "duration_seconds");
    if (v.empty()) return 0;
    if (v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
      throw Error::BadInput("profile " + profile + ": duration_seconds must be a number of seconds, not " + QuotedIfPlain(v));
    }
    int d = std::stoi(v);
    if (d < 900 || d > 43200) {
      throw Error::BadInput("profile " + profile + ": duration_seconds must be between 900 and 43200");
    }
    return d;
  }

  // Resolves one profile into plan (base, then roles appended in the order
  // they are assumed). False when it ends in no source at all.
  bool Resolve(const std::string& name, const Section& s, bool top, std::set<std::string>* visited,
               AwsChainPlan* plan) {
    visited->insert(name);
    std::string role = Get(s, "role_arn");
    std::string source_profile = Get(s, "source_profile");
    std::string credential_source = Get(s, "credential_source");
    const std::string where = files_.WhereIs(name);

    // A profile reached through source_profile that holds keys is used for
    // its keys alone; its own role_arn is not followed.
    if (!top && HasStaticKeys(s)) {
      plan->base.kind = AwsBaseSource::Kind::kStatic;
      plan->base.description = where;
      plan->base.keys = StaticKeys(s, where);
      return true;
    }
    if (!source_profile.empty() && !credential_source.empty()) {
      throw Error::BadInput(where + " sets both source_profile and credential_source; keep one");
    }
    if ((!source_profile.empty() || !credential_source.empty()) && role.empty()) {
      throw Error::BadInput(where + " sets " + (source_profile.empty() ? "credential_source" : "source_profile") +
                            " but no role_arn to assume with it");
    }
    if (!Get(s, "mfa_serial").empty() && !role.empty()) {
      throw Error::BadInput(where + " needs an MFA code (mfa_serial), which a credential helper cannot ask for; "
                            "use a profile without mfa_serial or run `aws sts get-session-token` first");
    }

    if (!source_profile.empty()) {
      if (source_profile == name && HasStaticKeys(s)) {
        plan->base.kind = AwsBaseSource::Kind::kStatic;
        plan->base.description = where;
        plan->base.keys = StaticKeys(s, where);
      } else {
        if (visited->count(source_profile) != 0) {
          throw Error::BadInput(where + ": source_profile " + source_profile + " leads back to itself (a loop)");
        }
        std::optional<Section> source = files_.Profile(source_profile);
        if (!source) {
          throw Error::BadInput(where + ": source_profile " + source_profile + " is not in " + files_.config_path() +
                                " or " + files_.credentials_path());
        }
        if (!Resolve(source_profile, *source, false, visited, plan)) {
          throw Error::BadInput(where + ": source_profile " + source_profile +
                                " gives no credentials (instance metadata is switched off)");
        }
      }
    } else if (HasStaticKeys(s)) {
      plan->base.kind = AwsBaseSource::Kind::kStatic;
      plan->base.description = where;
      plan->base.keys = StaticKeys(s, where);
    } else if (!credential_source.empty()) {
      CredentialSource(credential_source, where, &plan->base);
    } else if (!Get(s, "web_identity_token_file").empty()) {
      if (role.empty()) throw Error::BadInput(where + " sets web_identity_token_file but no role_arn");
      plan->base.kind = AwsBaseSource::Kind::kWebIdentity;
      plan->base.role_arn = role;
      plan->base.token_file = Get(s, "web_identity_token_file");
      plan->base.session_name = SessionName(Get(s, "role_session_name"));
      plan->base.description = where + ": web identity, role " + role;
      return true;  // the web identity step assumes the role itself
    } else if (!Get(s, "sso_session").empty() || !Get(s, "sso_start_url").empty()) {
      Sso(s, where, &plan->base);
    } else if (!Get(s, "credential_process").empty()) {
      plan->base.kind = AwsBaseSource::Kind::kProcess;
      plan->base.command = Get(s, "credential_process");
      plan->base.description = where + ": credential_process";
    } else if (!MachineSource(&plan->base, ", for " + where)) {
      return false;
    }

    if (!role.empty()) {
      AwsRoleStep step;
      step.role_arn = role;
      step.external_id = Get(s, "external_id");
      step.session_name = SessionName(Get(s, "role_session_name"));
      step.duration_seconds = Duration(s, name);
      step.named_by = "profile " + name;
      plan->roles.push_back(step);
    }
    return true;
  }

  void CredentialSource(const std::string& value, const std::string& where, AwsBaseSource* base) {
    if (value == "Environment") {
      std::string id = Env("AWS_ACCESS_KEY_ID");
      std::string secret = Env("AWS_SECRET_ACCESS_KEY");
      if (id.empty() || secret.empty()) {
        throw Error::BadInput(where + ": credential_source Environment, but AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY are not set");
      }
      base->kind = AwsBaseSource::Kind::kStatic;
      base->description = "environment keys (credential_source of " + where + ")";
      base->keys.access_key_id = id;
      base->keys.secret_access_key = SecretString(secret);
      base->keys.session_token = SecretString(Env("AWS_SESSION_TOKEN"));
      base->keys.source = base->description;
      Cleanse(secret);
      return;
    }
    if (value == "EcsContainer") {
      if (Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty() && Env("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
        throw Error::BadInput(where + ": credential_source EcsContainer, but neither "
                              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
      }
      MachineSource(base, ", credential_source of " + where);
      return;
    }
    if (value == "Ec2InstanceMetadata") {
      // Instance metadata even where container variables are set.
      if (IsTrue(in_.env("AWS_EC2_METADATA_DISABLED"))) {
        throw Error::BadInput(where + ": credential_source Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true");
      }
      MachineSource(base, ", credential_source of " + where, /*allow_container=*/false);
      return;
    }
    throw Error::BadInput(where + ": credential_source must be Environment, Ec2InstanceMetadata or EcsContainer, not " +
                          QuotedIfPlain(value));
  }

  void Sso(const Section& s, const std::string& where, AwsBaseSource* base) {
    base->kind = AwsBaseSource::Kind::kSso;
    std::string session = Get(s, "sso_session");
    if (!session.empty()) {
      std::optional<Section> sso = files_.SsoSession(session);
      if (!sso) {
        throw Error::BadInput(where + ": sso_session " + session + " has no [sso-session " + session + "] section in " +
                              files_.config_path());
      }
      base->sso_start_url = Get(*sso, "sso_start_url");
      base->sso_region = Get(*sso, "sso_region");
      base->sso_cache_name = session;
    } else {
      base->sso_start_url = Get(s, "sso_start_url");
      base->sso_region = Get(s, "sso_region");
      base->sso_cache_name = base->sso_start_url;
    }
    base->sso_account_id = Get(s, "sso_account_id");
    base->sso_role_name = Get(s, "sso_role_name");
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"sso_start_url", &base->sso_start_url},
                                     {"sso_region", &base->sso_region},
                                     {"sso_account_id", &base->sso_account_id},
                                     {"sso_role_name", &base->sso_role_name}}) {
      if (value->empty()) throw Error::BadInput(where + ": IAM Identity Center profile without " + key);
    }
    base->description = where + ": IAM Identity Center, account " + base->sso_account_id + " role " +
                         base->sso_role_name;
  }

  const AwsPlanInputs& in_;
  SharedFiles files_;
};

}  // namespace

AwsIniSections ParseAwsIni(const std::string& text) {
  AwsIniSections sections;
  std::map<std::string, std::string>* current = nullptr;
  bool nested = false;  // inside "s3 =\n  key = value"
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string raw = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string line = TrimBlanks(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      nested = false;
      current = nullptr;
      if (line.back() != ']') continue;
      std::string name = TrimBlanks(line.substr(1, line.size() - 2));
      // "profile   prod" and "profile prod" are one section.
      size_t space = name.find_first_of(" \t");
      if (space != std::string::npos) {
        name = name.substr(0, space) + " " + TrimBlanks(name.substr(space));
      }
      current = &sections[name];
      continue;
    }
    if (current == nullptr) continue;
    if (indented && nested) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = AsciiLower(TrimBlanks(line.substr(0, eq)));
    std::string value = TrimBlanks(line.substr(eq + 1));
    nested = value.empty();
    if (nested) continue;
    // No inline comments: the AWS CLI keeps "a ; b" whole, and so do we.
    std::string& slot = (*current)[key];
    Cleanse(slot);
    slot = value;
    Cleanse(value);
    Cleanse(line);
    Cleanse(raw);
  }
  return sections;
}

std::string AwsChainPlan::Describe() const {
  std::string out = base.description;
  for (const AwsRoleStep& role : roles) out += ", then role " + role.role_arn;
  return out;
}

std::optional<AwsChainPlan> PlanAwsChain(const AwsPlanInputs& inputs) {
  Planner planner(inputs);
  return planner.Plan();
}

}  // namespace ssm
