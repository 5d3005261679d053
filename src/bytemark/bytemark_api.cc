#include "bytemark/bytemark_api.h"

#include <algorithm>
#include <utility>

#include "bytemark/response_classification.h"

namespace tc {
namespace {

std::string_view TrimSpace(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

Error Malformed(std::string message) {
  return MakeError(ErrorClass::kMalformed, std::move(message));
}

const char* JsonTypeName(const Json& value) { return value.type_name(); }

}  // namespace

const char* PassEndpointLabel(std::string_view url) {
  return url.find("/v4.0/") != std::string_view::npos ? "passes4" : "passes";
}

std::string PassPageUrl(std::string_view base, PassListKind list, int per_page, int page) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  url += list == PassListKind::kActive ? "/passes?" : "/v4.0/passes?status=EXPIRED&";
  url += "per_page=" + std::to_string(per_page) + "&page=" + std::to_string(page);
  return url;
}

bool IsJsTruthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return false;
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: {
      const double number = value.get<double>();
      return number != 0 && number == number;  // 0, -0 and NaN are falsy
    }
    case Json::value_t::object:
    case Json::value_t::array:
    case Json::value_t::binary:
      return true;
  }
  return false;
}

Result<PassPage> ParsePassPage(const HttpResponse& response, int64_t now_unix_seconds,
                               std::chrono::milliseconds max_retry_after) {
  if (Status verdict = ClassifyHttpResponse(response, now_unix_seconds, max_retry_after);
      !verdict.ok()) {
    return verdict.error();
  }
  return ParsePassBody(response);
}

Result<PassPage> ParsePassBody(const HttpResponse& response) {
  const std::string status = "HTTP " + std::to_string(response.status);
  if (TrimSpace(response.body).empty()) return Malformed(status + ": empty body");
  Result<Json> parsed = ParseJsJson(response.body);
  if (!parsed.ok())
    return Malformed(status + ": body is not JSON (" + parsed.error().message + ")");
  Json& root = *parsed;
  if (!root.is_object()) {
    return Malformed(status + ": body is a JSON " + JsonTypeName(root) + ", not an object");
  }
  if (const auto errors = root.find("errors"); errors != root.end()) {
    if (!errors->is_array()) return Malformed(status + ": \"errors\" is not an array");
    if (!errors->empty()) {
      return Malformed(status + ": response lists " + std::to_string(errors->size()) + " errors");
    }
  }
  const auto data = root.find("data");
  if (data == root.end()) return Malformed(status + ": no \"data\"");
  if (!data->is_object()) return Malformed(status + ": \"data\" is not an object");
  const auto passes = data->find("passes");
  if (passes == data->end()) return Malformed(status + ": no \"data.passes\"");
  if (!passes->is_array()) return Malformed(status + ": \"data.passes\" is not an array");

  PassPage page;
  page.passes.reserve(passes->size());
  for (size_t i = 0; i < passes->size(); ++i) {
    Json& pass = (*passes)[i];
    if (!pass.is_object()) {
      return Malformed(status + ": pass " + std::to_string(i) + " is a JSON " + JsonTypeName(pass) +
                       ", not an object");
    }
    page.passes.push_back(std::move(pass));
  }

  if (const auto pagination = data->find("pagination"); pagination != data->end()) {
    if (pagination->is_object()) {
      const auto next = pagination->find("next");
      page.has_next = next != pagination->end() && IsJsTruthy(*next);
    } else if (!pagination->is_null()) {
      return Malformed(status + ": \"data.pagination\" is not an object");
    }
  }
  return page;
}

}  // namespace tc
