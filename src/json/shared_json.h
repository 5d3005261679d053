// A JSON value shared, not copied: a pass's payload is held by the API page it came from, its
// cache document entry and its audit entry at once, and each copy of a tree (and freeing it again)
// cost about as much as parsing it. Reading goes through `*`, `->` or the implicit conversion to
// `const Json&`; changing it (tests, mostly) through Mutable(), which copies a tree that is shared.
#pragma once

#include <memory>
#include <ostream>
#include <utility>

#include "json/js_json.h"

namespace tc {

class SharedJson {
 public:
  SharedJson() = default;  // null
  explicit SharedJson(Json value) : value_(std::make_shared<Json>(std::move(value))) {}
  SharedJson& operator=(Json value) {
    value_ = std::make_shared<Json>(std::move(value));
    return *this;
  }

  bool has_value() const { return value_ != nullptr; }  // false: default-made (reads as null)
  const Json& get() const { return value_ ? *value_ : Null(); }
  const Json& operator*() const { return get(); }
  const Json* operator->() const { return &get(); }
  operator const Json&() const { return get(); }  // NOLINT(google-explicit-constructor)

  // The value to change in place: copied first when anyone else shares it.
  Json& Mutable() {
    if (!value_ || value_.use_count() > 1) value_ = std::make_shared<Json>(get());
    return *value_;
  }

  friend bool operator==(const SharedJson& a, const SharedJson& b) {
    return a.value_ == b.value_ || a.get() == b.get();
  }
  friend bool operator==(const SharedJson& a, const Json& b) { return a.get() == b; }
  friend std::ostream& operator<<(std::ostream& out, const SharedJson& value) {
    return out << value.get();
  }

 private:
  static const Json& Null() {
    static const Json null;
    return null;
  }

  std::shared_ptr<Json> value_;  // never changed while shared (only through Mutable)
};

}  // namespace tc
