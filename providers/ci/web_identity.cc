#include "providers/ci/web_identity.h"

#include "common/error.h"

namespace ssm {
namespace {

bool IsVariableName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

const char* KindName(WebIdentity::Kind kind) {
  switch (kind) {
    case WebIdentity::Kind::kGithub: return "github";
    case WebIdentity::Kind::kEnv: return "env";
    case WebIdentity::Kind::kFile: return "file";
  }
  return "github";
}

}  // namespace

std::string WebIdentity::Describe() const {
  switch (kind) {
    case Kind::kGithub: return "the GitHub Actions ID token (audience " + audience + ")";
    case Kind::kEnv: return "the ID token in $" + name;
    case Kind::kFile: return "the ID token file " + name;
  }
  return "";
}

WebIdentity ParseWebIdentity(const std::string& spec, const std::string& what) {
  WebIdentity w;
  auto refuse = [&](const std::string& why) -> WebIdentity {
    throw Error::BadInput(what + ": webidentity " + why +
                          " (give github, env:NAME for a variable holding the ID token, or file:PATH)");
  };
  if (spec == "github") {
    w.kind = WebIdentity::Kind::kGithub;
  } else if (spec.rfind("env:", 0) == 0) {
    w.kind = WebIdentity::Kind::kEnv;
    w.name = spec.substr(4);
    if (!IsVariableName(w.name)) return refuse("env: needs a variable name of letters, digits and _");
  } else if (spec.rfind("file:", 0) == 0) {
    w.kind = WebIdentity::Kind::kFile;
    w.name = spec.substr(5);
    if (w.name.empty() || w.name[0] != '/') return refuse("file: needs an absolute path");
    for (char c : w.name) {
      if (static_cast<unsigned char>(c) < 0x20) return refuse("file: path holds a control character");
    }
  } else {
    return refuse("is not one of the known sources");
  }
  return w;
}

nlohmann::json WebIdentityToJson(const WebIdentity& w) {
  return {{"kind", KindName(w.kind)}, {"name", w.name}, {"audience", w.audience}, {"binding", w.binding}};
}

WebIdentity WebIdentityFromJson(const nlohmann::json& j) {
  WebIdentity w;
  std::string kind = j.is_object() ? j.value("kind", "") : "";
  w.kind = kind == "env" ? WebIdentity::Kind::kEnv : kind == "file" ? WebIdentity::Kind::kFile : WebIdentity::Kind::kGithub;
  if (!j.is_object()) return w;
  w.name = j.value("name", "");
  w.audience = j.value("audience", "");
  w.binding = j.value("binding", "");
  return w;
}

}  // namespace ssm
