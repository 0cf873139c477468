#include "net/http/http_client.h"


namespace ssm {

HttpRequest::~HttpRequest() {
  for (std::string& h : headers) Cleanse(h);
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::~HttpClient() = default;

}  // namespace ssm
