#include "providers/http/http_client.h"

#include "common/module_loader.h"

namespace ssm {

HttpRequest::~HttpRequest() {
  for (std::string& h : headers) Cleanse(h);
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient> OpenHttpClient() {
  auto open = reinterpret_cast<SsmOpenHttpClientFn>(LoadModuleSymbol("ssm-net.so", "SsmOpenHttpClient"));
  return std::unique_ptr<HttpClient>(open());
}

}  // namespace ssm
