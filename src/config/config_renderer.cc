#include "config/config_renderer.h"

#include <fmt/format.h>

#include "config/config_keys.h"
#include "config/url_credentials.h"
#include "config/value_codecs.h"

namespace tc {

std::string RenderRedactedConfig(const Config& config) {
  Config copy = config;  // slots hand out mutable references; render from a copy
  std::string out;
  std::string_view section;
  for (const KeySpec& spec : ConfigKeys()) {
    if (spec.kind == KeyKind::kPasswordFile) continue;  // its effect is the password itself
    if (SectionOf(spec.name) != section) {
      section = SectionOf(spec.name);
      out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", section);
    }
    std::string value;
    if (spec.kind == KeyKind::kSecret) {
      if (spec.text(copy).empty()) {
        out += fmt::format("# {} is not set ({} or {}_file)\n", KeyOf(spec.name),
                           EnvNameOf(spec.name), KeyOf(spec.name));
        continue;
      }
      value = ValueCodec<std::string>::Render(std::string(kRedactedText));
    } else if (spec.kind == KeyKind::kUrl) {
      // The loader refuses passwords in URLs; a Config built in code may still hold one.
      value = ValueCodec<std::string>::Render(RedactUrlPassword(spec.text(copy)));
    } else {
      value = spec.render(copy);
    }
    out += fmt::format("{} = {}\n", KeyOf(spec.name), value);
  }
  return out;
}

}  // namespace tc
