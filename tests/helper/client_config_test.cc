#include "helper/client_config.h"

#include <catch2/catch.hpp>

using json = nlohmann::ordered_json;

TEST_CASE("configure docker sets credsStore and keeps everything else in order", "[client_config]") {
  json doc = json::parse(R"({"auths":{"a.example":{"auth":"dTpw"}},"proxies":{"default":{"httpProxy":"http://p"}},
                            "credHelpers":{"gcr.io":"gcloud"},"experimental":"enabled"})");
  json after = ssm::ConfigureDocker(doc, {}, true);
  CHECK(after["credsStore"] == "ssm");
  json without = after;
  without.erase("credsStore");
  CHECK(without == doc);
  CHECK(after.begin().key() == "auths");  // order kept
  CHECK(ssm::Unconfigure(after) == doc);
}

TEST_CASE("configure docker --cred-helpers adds docker's keys, Hub's as its v1 URL", "[client_config]") {
  json after = ssm::ConfigureDocker(json::object(), {"docker.io", "ghcr.io", "localhost:5000"}, false);
  CHECK(after == json::parse(R"({"credHelpers":{"https://index.docker.io/v1/":"ssm","ghcr.io":"ssm","localhost:5000":"ssm"}})"));
  CHECK(ssm::Unconfigure(after) == json::object());
}

TEST_CASE("configure podman adds containers' keys, Hub's as docker.io, keeping other helpers", "[client_config]") {
  json doc = json::parse(R"({"auths":{},"credHelpers":{"quay.io":"secretservice"}})");
  json after = ssm::ConfigurePodman(doc, {"https://index.docker.io/v1/", "https://Registry.Lab:5000/v2/"});
  CHECK(after["credHelpers"] == json::parse(R"({"quay.io":"secretservice","docker.io":"ssm","registry.lab:5000":"ssm"})"));
  CHECK(ssm::Unconfigure(after) == doc);
}

TEST_CASE("unconfigure leaves other helpers and credsStore values alone", "[client_config]") {
  json doc = json::parse(R"({"credsStore":"desktop","credHelpers":{"a":"ssm","b":"ecr-login"}})");
  CHECK(ssm::Unconfigure(doc) == json::parse(R"({"credsStore":"desktop","credHelpers":{"b":"ecr-login"}})"));
}

TEST_CASE("plaintext credentials in auths are counted and left out of backups", "[client_config]") {
  json doc = json::parse(R"({"auths":{"a.example":{"auth":"dTpw","email":"e"},"b.example":{"identitytoken":"t"},
                            "c.example":{"username":"u","password":"p"},"d.example":{},"e.example":{"auth":""}},
                            "credsStore":"ssm"})");
  CHECK(ssm::CountPlaintextCredentials(doc) == 3);
  json clean = ssm::WithoutPlaintextCredentials(doc);
  CHECK(clean == json::parse(R"({"auths":{"a.example":{"email":"e"},"b.example":{},"c.example":{"username":"u"},
                                "d.example":{},"e.example":{}},"credsStore":"ssm"})"));
  CHECK(ssm::CountPlaintextCredentials(clean) == 0);
  CHECK(ssm::CountPlaintextCredentials(json::parse(R"({"auths":[1],"x":{"auth":"y"}})")) == 0);
  CHECK(ssm::CountPlaintextCredentials(json::parse("[]")) == 0);
}
