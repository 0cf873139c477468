#include "common/module_abi.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "common/secret_json.h"
#include "store/memory_store.h"
#include "store/store_module.h"

namespace {

// Runs one request through the module side of the boundary and parses the
// answer; fails the test when anything is thrown past it.
nlohmann::json Serve(const std::string& request, nlohmann::json (*handler)(const nlohmann::json&)) {
  char* raw = nullptr;
  size_t size = 0;
  int status = ssm::ServeModuleCall(request.data(), request.size(), &raw, &size, handler);
  REQUIRE(status == 0);
  REQUIRE(raw != nullptr);
  nlohmann::json answer = nlohmann::json::parse(raw, raw + size);
  ssm::FreeModuleAnswer(raw, size);
  return answer;
}

nlohmann::json LatinSecret(const nlohmann::json&) { return {{"secret", "caf\xe9"}}; }
nlohmann::json LatinMessage(const nlohmann::json&) { throw ssm::Error::Denied("service said: caf\xe9"); }
nlohmann::json Echo(const nlohmann::json& request) { return request; }

ssm::MemoryStore* g_store = nullptr;
nlohmann::json StoreHandler(const nlohmann::json& request) { return ssm::HandleStoreRequest(*g_store, request); }

}  // namespace

TEST_CASE("an answer that is not UTF-8 becomes an error answer, not an exception", "[module]") {
  nlohmann::json answer = Serve(R"({"op":"x"})", LatinSecret);
  CHECK(answer["ok"] == false);
  CHECK(answer["message"].get<std::string>().find("not valid UTF-8") != std::string::npos);
  CHECK(answer.dump().find("caf") == std::string::npos);  // the value is not repeated
}

TEST_CASE("an error message that is not UTF-8 crosses with U+FFFD", "[module]") {
  nlohmann::json answer = Serve(R"({"op":"x"})", LatinMessage);
  CHECK(answer["ok"] == false);
  CHECK(answer["kind"] == "denied");
  CHECK(answer["message"] == "service said: caf\xef\xbf\xbd");
}

TEST_CASE("a request nested too deeply is refused by the module", "[module]") {
  nlohmann::json answer = Serve(std::string(200000, '['), Echo);
  CHECK(answer["ok"] == false);
  CHECK(answer["kind"] == "bad_input");
}

TEST_CASE("a stored secret that is not UTF-8 is refused with one clear message", "[module]") {
  ssm::MemoryStore store;
  g_store = &store;
  store.Put("latin.example", ssm::Credential{"user", ssm::SecretString("caf\xe9")});
  store.Put("name.example", ssm::Credential{"jos\xe9", ssm::SecretString("ok")});
  nlohmann::json got = Serve(R"({"op":"get","key":"latin.example"})", StoreHandler);
  CHECK(got["ok"] == false);
  CHECK(got["message"] == "the stored secret for latin.example is not valid UTF-8 text and cannot be used");
  got = Serve(R"({"op":"get","key":"name.example"})", StoreHandler);
  CHECK(got["message"] == "the stored user name for name.example is not valid UTF-8 text and cannot be used");
  // list only shows names: the Latin-1 one with U+FFFD.
  nlohmann::json listed = Serve(R"({"op":"list"})", StoreHandler);
  CHECK(listed["ok"] == true);
  CHECK(listed["items"]["name.example"] == "jos\xef\xbf\xbd");
  g_store = nullptr;
}

TEST_CASE("WipeJson clears every string however deep, without recursing", "[module]") {
  nlohmann::json deep;
  nlohmann::json* cur = &deep;
  for (int i = 0; i < 100000; ++i) {
    *cur = nlohmann::json::array();
    cur->push_back(nullptr);
    cur = &(*cur)[0];
  }
  *cur = "secret";
  ssm::WipeJson(deep);
  const nlohmann::json* j = &deep;
  while (j->is_array()) j = &(*j)[0];
  CHECK(j->get<std::string>().empty());
}

TEST_CASE("JsonTooDeep counts brackets outside strings only", "[module]") {
  CHECK_FALSE(ssm::JsonTooDeep(std::string(64, '[')));
  CHECK(ssm::JsonTooDeep(std::string(65, '[')));
  CHECK_FALSE(ssm::JsonTooDeep("\"" + std::string(1000, '[') + "\""));
  CHECK_FALSE(ssm::JsonTooDeep("\"\\\"" + std::string(1000, '{') + "\""));
  CHECK(ssm::JsonTooDeep("[\"\\\\\"" + std::string(64, '{')));
  CHECK(ssm::ParseJsonOrDiscarded(std::string(65, '[') + std::string(65, ']')).is_discarded());
  CHECK(ssm::ParseJsonOrDiscarded("[[1]]") == nlohmann::json::array({nlohmann::json::array({1})}));
}
