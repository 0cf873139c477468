#include "providers/provider_table.h"

#include "providers/acr_provider.h"
#include "providers/ecr_provider.h"
#include "providers/gcr_provider.h"

namespace ssm {

// The static providers, one file each in providers/static/.
const Provider& HubProvider();
const Provider& GhcrProvider();
const Provider& LscrProvider();
const Provider& QuayProvider();
const Provider& GitlabProvider();
const Provider& GiteaProvider();
const Provider& ForgejoProvider();
const Provider& CustomProvider();

const std::vector<const Provider*>& ProviderTable() {
  static const GcrProvider gcr;
  static const EcrProvider ecr(false);
  static const EcrProvider ecrpublic(true);
  static const AcrProvider acr;
  // In this order in `registry list`, help texts and the completion.
  static const std::vector<const Provider*> table = {
      &HubProvider(), &GhcrProvider(), &LscrProvider(),   &QuayProvider(),  &gcr,           &ecr,
      &ecrpublic,     &acr,            &GitlabProvider(), &GiteaProvider(), &ForgejoProvider(), &CustomProvider()};
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
