#include "providers/provider_table.h"

#include "providers/acr_provider.h"
#include "providers/custom_provider.h"
#include "providers/ecr_provider.h"
#include "providers/gcr_provider.h"
#include "providers/gitea_provider.h"
#include "providers/github_provider.h"
#include "providers/gitlab_provider.h"
#include "providers/hub_provider.h"
#include "providers/quay_provider.h"

namespace ssm {

const std::vector<const Provider*>& ProviderTable() {
  static const HubProvider hub;
  static const GithubProvider ghcr("ghcr", "ghcr.io", "GitHub Container Registry", false);
  static const GithubProvider lscr("lscr", "lscr.io", "LinuxServer Container Registry (GitHub credentials)", true);
  static const QuayProvider quay;
  static const GcrProvider gcr;
  static const EcrProvider ecr(false);
  static const EcrProvider ecrpublic(true);
  static const AcrProvider acr;
  static const GitlabProvider gitlab;
  static const GiteaProvider gitea("gitea", "Gitea package registry");
  static const GiteaProvider forgejo("forgejo", "Forgejo package registry");
  static const CustomProvider custom;
  static const std::vector<const Provider*> table = {&hub,    &ghcr,   &lscr,  &quay,    &gcr,
                                                     &ecr,    &ecrpublic, &acr, &gitlab, &gitea, &forgejo, &custom};
  return table;
}

const Provider* FindProvider(const std::string& name) {
  for (const Provider* p : ProviderTable()) {
    if (name == p->Name()) return p;
  }
  return nullptr;
}

std::string ProviderNames() {
  std::string out;
  for (const Provider* p : ProviderTable()) out += (out.empty() ? "" : ", ") + std::string(p->Name());
  return out;
}

}  // namespace ssm
