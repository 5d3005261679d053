// The key table: every configuration key, what type it holds (its codec), what it must satisfy
// (its check) and where it lives in Config. The loader and the renderer walk this table; neither
// knows a key by name. Keys, defaults and environment names: docs/configuration.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/value_codecs.h"

namespace tc {

enum class KeyKind {
  kValue,
  kUrl,           // a value that may not carry a password (scheme://user:secret@…)
  kSecret,        // a password: environment only
  kPasswordFile,  // a path whose contents become the password of the section
};

struct KeySpec {
  std::string_view name;  // "section.key"
  KeyKind kind = KeyKind::kValue;
  // Parse and check; the Config is changed only when the value is good.
  std::function<Problem(Config&, std::string_view)> from_text;
  std::function<Problem(Config&, const toml::node&)> from_toml;
  // The value as TOML text. (Takes a mutable Config only because slots are mutable.)
  std::function<std::string(Config&)> render;
  // kUrl, kSecret and kPasswordFile: the string this key sets (for kPasswordFile, the password).
  std::function<std::string&(Config&)> text;
};

// Every key, in the order of config.h (which is also the rendering order).
const std::vector<KeySpec>& ConfigKeys();

const KeySpec* FindKey(std::string_view name);
std::string_view SectionOf(std::string_view name);
std::string_view KeyOf(std::string_view name);
bool IsSection(std::string_view section);
// "refresh.breaker_open_for" -> "TICKETCACHE_REFRESH_BREAKER_OPEN_FOR".
std::string EnvNameOf(std::string_view name);
// The closest known key (or section when `sections`), if it is close enough to be a typo.
std::optional<std::string> ClosestName(std::string_view unknown, bool sections);
// "unknown key 'x' (where); did you mean 'y'?"
std::string UnknownKeyMessage(std::string_view name, std::string_view where);

}  // namespace tc
