#include "providers/aws_credentials.h"

#include <cstdlib>

#include "common/error.h"
#include "common/files.h"
#include "common/paths.h"

namespace ssm {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

}  // namespace

std::optional<AwsCredentials> ParseAwsCredentialsFile(const std::string& text, const std::string& profile,
                                                      const std::string& path) {
  AwsCredentials creds;
  bool in_section = false, found = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = Trim(text.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_section = Trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_section;
      continue;
    }
    if (!in_section) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") creds.access_key_id = value;
    if (key == "aws_secret_access_key") creds.secret_access_key = SecretString(value);
    if (key == "aws_session_token") creds.session_token = SecretString(value);
  }
  if (!found) return std::nullopt;
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    throw Error::BadInput("ecr: the profile [" + profile + "] in " + path +
                          " has no aws_access_key_id/aws_secret_access_key (roles, SSO and credential_process "
                          "are not supported)");
  }
  creds.source = "profile " + profile + " in " + path;
  return creds;
}

std::optional<AwsCredentials> ResolveAwsCredentials(const RegistryConfig& c) {
  if (c.Has("accesskey") || c.Has("secretaccesskey")) {
    AwsCredentials creds;
    creds.access_key_id = c.Get("accesskey");
    creds.secret_access_key = SecretString(c.Get("secretaccesskey"));
    creds.session_token = SecretString(c.Get("sessiontoken"));
    creds.source = c.Id() + " configuration";
    return creds;
  }
  const char* id = Env("AWS_ACCESS_KEY_ID");
  const char* secret = Env("AWS_SECRET_ACCESS_KEY");
  if (id != nullptr && secret != nullptr) {
    AwsCredentials creds;
    creds.access_key_id = id;
    creds.secret_access_key = SecretString(secret);
    if (const char* token = Env("AWS_SESSION_TOKEN")) creds.session_token = SecretString(token);
    creds.source = "AWS_ACCESS_KEY_ID in the environment";
    return creds;
  }
  std::string path;
  if (const char* file = Env("AWS_SHARED_CREDENTIALS_FILE")) {
    path = file;
  } else {
    path = HomeDir() + "/.aws/credentials";
  }
  std::optional<std::string> text = ReadTextFile(path, 1u << 20);
  if (!text) return std::nullopt;
  const char* profile = Env("AWS_PROFILE");
  auto creds = ParseAwsCredentialsFile(*text, profile != nullptr ? profile : "default", path);
  Cleanse(*text);
  return creds;
}

}  // namespace ssm
