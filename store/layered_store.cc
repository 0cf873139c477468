#include "store/layered_store.h"

#include "common/error.h"
#include "common/log.h"

namespace ssm {

LayeredStore::LayeredStore(Opener open_primary, Opener open_file, std::function<bool()> file_exists)
    : open_primary_(std::move(open_primary)), open_file_(std::move(open_file)), file_exists_(std::move(file_exists)) {}

SecretStore& LayeredStore::File() {
  if (!file_) file_ = open_file_();
  return *file_;
}

template <typename F>
auto LayeredStore::OnPrimary(F f) -> std::optional<decltype(f(std::declval<SecretStore&>()))> {
  if (unavailable_) return std::nullopt;
  if (answered_) return f(*primary_);
  try {
    if (!primary_) primary_ = open_primary_();
    auto result = f(*primary_);
    answered_ = true;
    return result;
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kUnavailable) throw;
    SSM_DEBUG(std::string("store: ") + e.what() + "; using the file store");
    unavailable_ = e.what();
    primary_.reset();
    return std::nullopt;
  }
}

bool LayeredStore::PrimaryUp() {
  OnPrimary([](SecretStore& s) { return s.Name(); });
  return !unavailable_;
}

std::string LayeredStore::Name() const {
  // Opening the primary says which store a command writes to.
  if (!primary_ && !file_ && !unavailable_) const_cast<LayeredStore*>(this)->PrimaryUp();
  if (primary_) return primary_->Name();
  if (file_) return file_->Name();
  return unavailable_ ? "file" : "auto";
}

std::optional<Credential> LayeredStore::Get(const std::string& key) {
  if (auto found = OnPrimary([&](SecretStore& s) { return s.Get(key); })) {
    if (*found) return std::move(*found);
    if (!file_exists_()) return std::nullopt;
    SSM_DEBUG("store: " + key + ": not in the " + primary_->Name() + " store; asking the file store too");
  }
  return File().Get(key);
}

void LayeredStore::Put(const std::string& key, const Credential& credential) {
  if (OnPrimary([&](SecretStore& s) {
        s.Put(key, credential);
        return true;
      })) {
    return;
  }
  File().Put(key, credential);
}

bool LayeredStore::Erase(const std::string& key) {
  std::optional<bool> erased = OnPrimary([&](SecretStore& s) { return s.Erase(key); });
  if (!erased) {
    if (!file_exists_()) return false;  // nothing to erase, and no file store to create
    bool from_file = File().Erase(key);
    // The Secret Service may hold this login too (saved while it ran):
    // saying "done" would leave it behind.
    throw Error::Unavailable(std::string(from_file ? "erased from the file store, but the" : "the") +
                             " Secret Service, which may also hold this login, cannot be reached (" + *unavailable_ +
                             "); start it and erase again, or set SSM_STORE=file to erase from the file store only");
  }
  if (!file_exists_()) return *erased;
  try {
    return File().Erase(key) || *erased;
  } catch (const Error& e) {
    throw Error(e.kind(), std::string(*erased ? "erased from the " + primary_->Name() + " store, but not from" : "cannot erase from") +
                              " the file store, which may also hold this login: " + e.what());
  }
}

std::map<std::string, std::string> LayeredStore::List() {
  std::optional<std::map<std::string, std::string>> items = OnPrimary([](SecretStore& s) { return s.List(); });
  if (!items) return File().List();
  if (file_exists_()) items->merge(File().List());  // keeps the primary's entry on a clash
  return *items;
}

std::map<std::string, std::string> LayeredStore::ListIdle() {
  if (!OnPrimary([](SecretStore& s) { return s.List(); }) || !file_exists_()) return {};
  return File().List();
}

}  // namespace ssm
