#include "helper/protocol.h"

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/error.h"
#include "common/log.h"
#include "common/protocol_strings.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "helper/lookup.h"

#ifndef SSM_VERSION
#define SSM_VERSION "0.0.0-dev"
#endif

namespace ssm {
namespace {

// Reads a string field the way Go's encoding/json fills a struct: keys match
// case-insensitively, null leaves the field empty, anything else is an error.
void TakeString(const std::string& name, const nlohmann::json& value, std::string* into) {
  if (value.is_null()) {
    into->clear();
    return;
  }
  if (!value.is_string()) throw Error::BadInput("store: the field " + name + " must be a string");
  *into = value.get<std::string>();
  if (into->find('\0') != std::string::npos) {
    throw Error::BadInput("store: the field " + name + " must not contain NUL characters");
  }
}

}  // namespace

std::string VersionLine() { return std::string(kProgramName) + " " + SSM_VERSION; }

std::string ReadBoundedInput(std::istream& in, const char* action) {
  std::string data;
  char chunk[8192];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    size_t n = static_cast<size_t>(in.gcount());
    if (data.size() + n > kMaxInputBytes) {
      explicit_bzero(chunk, sizeof chunk);
      Cleanse(data);
      throw Error::BadInput(std::string(action) + ": the input on stdin is larger than " +
                            std::to_string(kMaxInputBytes >> 20) + " MiB");
    }
    data.append(chunk, n);
  }
  explicit_bzero(chunk, sizeof chunk);
  return data;
}

Protocol::Protocol(StoreOpener store, Finder find, Configured configured)
    : open_store_(std::move(store)), find_(std::move(find)), configured_(std::move(configured)) {
  if (!find_) {
    find_ = [this](const ServerKey& server) {
      LookupSources sources;
      sources.store = open_store_;
      return CredentialLookup(std::move(sources)).FromStore(server, nullptr).credential;
    };
  }
}

int Protocol::Run(const std::string& action, std::istream& in, std::ostream& out) {
  try {
    if (action == "store") {
      Store(in);
    } else if (action == "get") {
      Get(in, out);
    } else if (action == "erase") {
      Erase(in);
    } else if (action == "list") {
      List(out);
    } else if (action == "version") {
      out << VersionLine() << "\n";
    } else {
      throw Error::Usage(std::string(kProgramName) + ": unknown action: " + action);
    }
    out.flush();
    return 0;
  } catch (const Error& e) {
    out << e.what() << "\n";
    out.flush();
    return e.exit_status();
  }
}

void Protocol::Store(std::istream& in) {
  SecretString input(ReadBoundedInput(in, "store"));
  if (JsonTooDeep(input.str())) {
    throw Error::BadInput("store: stdin is nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels; expected {\"ServerURL\":...,\"Username\":...,\"Secret\":...}");
  }
  WipedJson wiped;
  nlohmann::json& doc = wiped.value;
  try {
    doc = nlohmann::json::parse(input.str());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the text around the error, which may be the secret.
    throw Error::BadInput("store: stdin is not valid UTF-8 JSON (error at byte " + std::to_string(e.byte) +
                          "); expected {\"ServerURL\":...,\"Username\":...,\"Secret\":...}");
  } catch (const nlohmann::json::exception&) {
    // A number beyond a double (1e999): out_of_range, not parse_error.
    throw Error::BadInput("store: stdin holds a number out of range; expected {\"ServerURL\":...,\"Username\":...,"
                          "\"Secret\":...}");
  }
  if (!doc.is_object()) {
    throw Error::BadInput("store: stdin must be a JSON object {\"ServerURL\":...,\"Username\":...,\"Secret\":...}");
  }
  std::string server_url, username;
  Credential credential;
  for (auto& [name, value] : doc.items()) {
    std::string lower = AsciiLower(name);
    if (lower == "serverurl") {
      TakeString("ServerURL", value, &server_url);
    } else if (lower == "username") {
      TakeString("Username", value, &username);
    } else if (lower == "secret") {
      TakeString("Secret", value, &credential.secret.mutable_str());
    }
  }
  if (TrimSpace(server_url).empty()) throw Error::BadInput(kNoServerUrlMessage);
  if (username.empty()) throw Error::BadInput(kNoUsernameMessage);
  ServerKey key = NormalizeServer(server_url);
  credential.username = username;

  SecretStore& store = open_store_();
  store.Put(key.key, credential);
  for (const std::string& other : OtherSpellings(key.key)) store.Erase(other);
  SSM_DEBUG("store: saved credentials for " + key.key + " in the " + store.Name() + " store");
}

void Protocol::Get(std::istream& in, std::ostream& out) {
  std::string input = ReadBoundedInput(in, "get");
  std::string server_url(TrimSpace(input));
  ServerKey key = NormalizeServer(server_url);

  std::optional<Credential> credential = find_(key);
  if (!credential) {
    SSM_DEBUG("get: " + key.key + ": nothing stored or configured; answering not found");
    throw Error::Failure(kNotFoundMessage);
  }
  WipedOrderedJson answer(nlohmann::ordered_json{
      {"ServerURL", server_url}, {"Username", credential->username}, {"Secret", credential->secret.str()}});
  std::string text;
  try {
    text = answer.value.dump();
  } catch (const nlohmann::json::type_error&) {
    // A configured value or a keyring item in another encoding (Latin-1):
    // JSON cannot carry it, and a replaced byte would be a wrong password.
    throw Error::Failure("get: the user name or secret for " + key.key +
                         " is not valid UTF-8 and cannot be sent to the client");
  }
  out << text << "\n";
  Cleanse(text);
}

void Protocol::Erase(std::istream& in) {
  std::string input = ReadBoundedInput(in, "erase");
  ServerKey key = NormalizeServer(TrimSpace(input));
  SecretStore& store = open_store_();
  bool erased = store.Erase(key.key);
  for (const std::string& other : OtherSpellings(key.key)) erased = store.Erase(other) || erased;
  // Erasing what is not there succeeds, as docker-credential-secretservice
  // does: docker logout erases up to four spellings of one server.
  SSM_DEBUG(std::string("erase: ") + key.key + (erased ? ": removed" : ": nothing was stored"));
}

void Protocol::List(std::ostream& out) {
  nlohmann::json answer = nlohmann::json::object();
  if (configured_) {
    for (const auto& [server, username] : configured_()) answer[server] = username;
  }
  // Stored logins win, as they do for get.
  for (const auto& [server, username] : open_store_().List()) {
    if (server.rfind(kInternalKeyPrefix, 0) == 0) continue;
    ServerKey key;
    answer[TryNormalizeServer(server, &key) ? key.key : server] = username;
  }
  // User names are only shown: one in another encoding (Latin-1) is shown
  // with U+FFFD rather than failing the whole list.
  out << answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::vector<std::string> Protocol::OtherSpellings(const std::string& key) {
  return ssm::OtherSpellings(open_store_(), key);
}

}  // namespace ssm
