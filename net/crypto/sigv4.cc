#include "net/crypto/sigv4.h"

#include <algorithm>
#include <map>

#include "common/text.h"
#include "net/crypto/digest.h"

namespace ssm {
namespace {

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

std::string UriEncode(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Trims and folds runs of white space (including line breaks of folded
// header lines) into one space.
std::string FoldSpaces(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string AmzDate(std::time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string SigV4CanonicalPath(const std::string& path, bool normalize) {
  std::string p = path.empty() ? "/" : path;
  if (normalize) {
    // RFC 3986 remove_dot_segments, with empty segments (//) dropped as AWS does.
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= p.size()) {
      size_t slash = p.find('/', i);
      std::string seg = p.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else if (!seg.empty() && seg != ".") {
        out.push_back(seg);
      }
      if (slash == std::string::npos) break;
      i = slash + 1;
    }
    bool trailing = p.size() > 1 && (p.back() == '/' || (p.size() >= 2 && p.compare(p.size() - 2, 2, "/.") == 0) ||
                                     (p.size() >= 3 && p.compare(p.size() - 3, 3, "/..") == 0));
    std::string joined = "/";
    for (size_t k = 0; k < out.size(); ++k) joined += (k ? "/" : "") + out[k];
    if (trailing && joined.size() > 1) joined += "/";
    p = joined;
  }
  return UriEncode(p, true);
}

std::string SigV4CanonicalQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  while (i < query.size()) {
    size_t amp = query.find('&', i);
    std::string part = query.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k = part.substr(0, eq);
      std::string v = eq == std::string::npos ? "" : part.substr(eq + 1);
      params.emplace_back(UriEncode(UriDecode(k), false), UriEncode(UriDecode(v), false));
    }
    if (amp == std::string::npos) break;
    i = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& credentials, const SigV4Options& options) {
  SigV4Result result;
  std::string amz_date = AmzDate(options.now);
  std::string date = amz_date.substr(0, 8);
  std::string payload_hash = Hex(Sha256(request.body));

  result.added_headers.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    result.added_headers.emplace_back("X-Amz-Security-Token", credentials.session_token.str());
  }
  if (options.sign_body_hash) result.added_headers.emplace_back("X-Amz-Content-Sha256", payload_hash);

  // Header names in lower case, values folded; repeated names joined by commas
  // in the order they came.
  std::map<std::string, std::string> headers;
  auto add = [&](const std::string& name, const std::string& value) {
    std::string key = AsciiLower(name);
    std::string folded = FoldSpaces(value);
    auto it = headers.find(key);
    if (it == headers.end()) {
      headers.emplace(key, folded);
    } else {
      it->second += "," + folded;
    }
  };
  for (const auto& [name, value] : request.headers) add(name, value);
  for (const auto& [name, value] : result.added_headers) {
    if (options.session_token_unsigned && name == "X-Amz-Security-Token") continue;
    add(name, value);
  }

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  result.canonical_request = request.method + "\n" + SigV4CanonicalPath(request.path, options.normalize_path) + "\n" +
                             SigV4CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" + signed_headers +
                             "\n" + payload_hash;
  std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  result.string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Hex(Sha256(result.canonical_request));

  SecretString k_secret("AWS4" + credentials.secret_access_key.str());
  SecretString k_date(HmacSha256(k_secret.str(), date));
  SecretString k_region(HmacSha256(k_date.str(), options.region));
  SecretString k_service(HmacSha256(k_region.str(), options.service));
  SecretString k_signing(HmacSha256(k_service.str(), "aws4_request"));
  result.signature = Hex(HmacSha256(k_signing.str(), result.string_to_sign));
  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                         ", SignedHeaders=" + signed_headers + ", Signature=" + result.signature;
  return result;
}

}  // namespace ssm
