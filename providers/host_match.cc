#include "providers/host_match.h"

#include <vector>

namespace ssm {
namespace {

bool DefaultPort(const ServerKey& s) { return s.port.empty() || s.port == "443"; }

std::vector<std::string> Labels(const std::string& host) {
  std::vector<std::string> labels;
  size_t start = 0;
  for (;;) {
    size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels;
}

bool IsLabel(const std::string& l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The labels before suffix (which starts with a dot), when host is
// <labels>suffix and each label is well formed.
bool LabelsBefore(const std::string& host, const std::string& suffix, std::vector<std::string>* out) {
  if (!EndsWith(host, suffix) || host.size() == suffix.size()) return false;
  *out = Labels(host.substr(0, host.size() - suffix.size()));
  for (const std::string& l : *out) {
    if (!IsLabel(l)) return false;
  }
  return true;
}

bool IsRegion(const std::string& r) {
  // us-east-1, eu-central-2, us-gov-west-1, cn-north-1, eusc-de-east-1 ...
  if (!IsLabel(r) || r.find('-') == std::string::npos) return false;
  return r.back() >= '0' && r.back() <= '9' && r.front() >= 'a' && r.front() <= 'z';
}

bool IsAccount(const std::string& a) {
  if (a.size() != 12) return false;
  for (char c : a) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IsHost(const ServerKey& server, const char* name) { return DefaultPort(server) && server.host == name; }

bool IsGcrHost(const ServerKey& server) {
  if (!DefaultPort(server)) return false;
  const std::string& h = server.host;
  if (h == "gcr.io") return true;
  std::vector<std::string> labels;
  if (LabelsBefore(h, ".gcr.io", &labels)) return labels.size() == 1;
  if (LabelsBefore(h, ".pkg.dev", &labels)) {
    // <location>-docker.pkg.dev
    if (labels.size() == 1) return EndsWith(labels[0], "-docker") && labels[0].size() > 7;
    // docker.<region>.rep.pkg.dev
    return labels.size() == 3 && labels[0] == "docker" && IsRegion(labels[1]) && labels[2] == "rep";
  }
  return false;
}

bool ParseEcrHost(const ServerKey& server, EcrHost* out) {
  if (!DefaultPort(server)) return false;
  static const char* kSuffixes[] = {"amazonaws.com",  "amazonaws.com.cn", "amazonaws.eu",     "c2s.ic.gov",
                                    "sc2s.sgov.gov",  "cloud.adc-e.uk",   "csp.hci.ic.gov"};
  const std::string& h = server.host;
  std::vector<std::string> labels;
  EcrHost parsed;
  if (LabelsBefore(h, ".on.aws", &labels)) {
    // <account>.dkr-ecr[-fips].<region>.on.aws
    if (labels.size() != 3 || (labels[1] != "dkr-ecr" && labels[1] != "dkr-ecr-fips")) return false;
    parsed.dual_stack = true;
    parsed.dns_suffix = "on.aws";
  } else {
    bool found = false;
    // Longest suffix first: amazonaws.com.cn before amazonaws.com would not
    // matter (labels differ), but keep the rule obvious.
    for (const char* suffix : kSuffixes) {
      std::vector<std::string> candidate;
      if (LabelsBefore(h, std::string(".") + suffix, &candidate) && candidate.size() == 4 && candidate[1] == "dkr") {
        labels = {candidate[0], "dkr-" + candidate[2], candidate[3]};
        parsed.dns_suffix = suffix;
        found = true;
        break;
      }
    }
    // <account>.dkr.ecr[-fips].<region>.<suffix>: labels dkr, ecr[-fips].
    if (!found || (labels[1] != "dkr-ecr" && labels[1] != "dkr-ecr-fips")) return false;
  }
  if (!IsAccount(labels[0]) || !IsRegion(labels[2])) return false;
  parsed.account = labels[0];
  parsed.fips = labels[1] == "dkr-ecr-fips";
  parsed.region = labels[2];
  if (out != nullptr) *out = parsed;
  return true;
}

bool IsEcrPublicHost(const ServerKey& server) {
  return IsHost(server, "public.ecr.aws") || IsHost(server, "ecr-public.aws.com");
}

bool IsAcrHost(const ServerKey& server) {
  if (!DefaultPort(server)) return false;
  for (const char* suffix : {".azurecr.io", ".azurecr.cn", ".azurecr.us", ".azurecr.de"}) {
    std::vector<std::string> labels;
    if (LabelsBefore(server.host, suffix, &labels)) return labels.size() == 1;
  }
  return false;
}

}  // namespace ssm
