// AWS Signature Version 4 for request headers, as the ECR APIs require it.
// Passes every case of AWS's published header-signing test suite.
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "providers/aws/aws_credentials.h"

namespace ssm {

struct SigV4Request {
  std::string method;
  std::string path;   // as sent, before normalization/encoding
  std::string query;  // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // must include host
  std::string body;
};

struct SigV4Options {
  std::string region;
  std::string service;
  std::time_t now = 0;
  bool normalize_path = true;   // every service but S3
  bool sign_body_hash = false;  // add x-amz-content-sha256
  // Send x-amz-security-token unsigned (the few services that want it added
  // after signing); ECR signs it.
  bool session_token_unsigned = false;
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  std::string authorization;  // the Authorization header value
  // Headers the signer added (x-amz-date, x-amz-security-token,
  // x-amz-content-sha256), to send with the request.
  std::vector<std::pair<std::string, std::string>> added_headers;
};

SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& credentials, const SigV4Options& options);

// Parts exposed for tests.
std::string SigV4CanonicalPath(const std::string& path, bool normalize);
std::string SigV4CanonicalQuery(const std::string& query);
std::string AmzDate(std::time_t t);  // 20150830T123600Z

}  // namespace ssm
