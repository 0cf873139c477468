#include "store/secret_store.h"

namespace ssm {

// Out of line so the vtable and typeinfo live in one object, shared with the
// store modules.
SecretStore::~SecretStore() = default;

}  // namespace ssm
