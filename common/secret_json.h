// JSON that holds secrets, and JSON read from outside the process.
//
// WipeJson overwrites every string of a value (object keys are not secret);
// WipedJson owns a value and wipes it when it goes away, so every path out of
// a scope (return or throw) clears the secrets it held. Both walk the value
// with a heap stack, never recursing, so no nesting depth can overflow the
// stack.
//
// Input from outside (stdin, files, services, module messages) is nested at
// most kMaxJsonDepth arrays and objects deep: nlohmann's dump, comparison and
// copy recurse, and no legitimate document of ours nests deeper than a few
// levels. Check with JsonTooDeep before parsing.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/secure.h"

namespace ssm {

inline constexpr size_t kMaxJsonDepth = 64;

template <typename Json>
void WipeJson(Json& root) {
  std::vector<Json*> todo{&root};
  while (!todo.empty()) {
    Json* j = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      Cleanse(j->template get_ref<std::string&>());
    } else if (j->is_structured()) {
      for (auto& child : *j) todo.push_back(&child);
    }
  }
}

// A JSON value (nlohmann::json or ordered_json) wiped on destruction.
template <typename Json = nlohmann::json>
class BasicWipedJson {
 public:
  BasicWipedJson() = default;
  explicit BasicWipedJson(Json initial) : value(std::move(initial)) {}
  ~BasicWipedJson() { WipeJson(value); }
  BasicWipedJson(const BasicWipedJson&) = delete;
  BasicWipedJson& operator=(const BasicWipedJson&) = delete;

  Json value;
};
using WipedJson = BasicWipedJson<nlohmann::json>;
using WipedOrderedJson = BasicWipedJson<nlohmann::ordered_json>;

// True when text opens more than max_depth arrays or objects at once
// (brackets inside strings do not count). Works on any text, JSON or not.
bool JsonTooDeep(std::string_view text, size_t max_depth = kMaxJsonDepth);

// nlohmann::json::parse(text, nullptr, false), except that text nested
// deeper than kMaxJsonDepth gives a discarded value too (as invalid text
// does), and a number beyond a double does not throw.
nlohmann::json ParseJsonOrDiscarded(std::string_view text);

}  // namespace ssm
