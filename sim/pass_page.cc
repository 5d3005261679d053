#include "pass_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "pass_mutation.h"

namespace tc::sim {

NextForm NextFormFor(int64_t user_id, NextStyle style, bool last_page) {
  switch (style) {
    case NextStyle::kPath:
      return last_page ? NextForm::kNull : NextForm::kPath;
    case NextStyle::kTrue:
      return last_page ? NextForm::kFalse : NextForm::kTrue;
    case NextStyle::kMixed:
      break;
  }
  if (!last_page) return user_id % 2 == 0 ? NextForm::kPath : NextForm::kTrue;
  static constexpr NextForm kFalsy[] = {NextForm::kNull, NextForm::kFalse, NextForm::kEmptyString,
                                        NextForm::kAbsent};
  return kFalsy[((user_id % 4) + 4) % 4];
}

std::string PagePath(PassList list, int64_t per_page, int64_t page) {
  return list == PassList::kActive
             ? fmt::format("/passes?per_page={}&page={}", per_page, page)
             : fmt::format("/v4.0/passes?status=EXPIRED&per_page={}&page={}", per_page, page);
}

void AppendPassPageBody(const PageQuery& query, const UserPassState& state, NextStyle style,
                        bool forever, std::string& out) {
  const int64_t total = SimPassCount(query.list, state.base_count, state.generation);
  const int64_t real_pages = std::max<int64_t>(1, (total + query.per_page - 1) / query.per_page);
  const int64_t page_count = forever ? query.page + 1 : real_pages;
  const bool last_page = !forever && query.page >= real_pages;

  out.append(R"({"errors":[],"data":{"passes":[)");
  if (total > 0 && (forever || query.page <= real_pages)) {
    const int64_t first = (query.page - 1) * query.per_page;
    for (int64_t k = 0; k < query.per_page; ++k) {
      int64_t index = first + k;
      if (forever)
        index %= total;
      else if (index >= total)
        break;
      if (k > 0) out.push_back(',');
      AppendPassJson(
          query.user_id, query.list, index,
          SimPassVersion(query.user_id, query.list, index, state.base_count, state.generation),
          out);
    }
  }
  auto it = std::back_inserter(out);
  fmt::format_to(it, R"(],"page_count":{},"total_count":{},"pagination":{{"page":{},"per_page":{})",
                 page_count, total, query.page, query.per_page);
  switch (NextFormFor(query.user_id, style, last_page)) {
    case NextForm::kPath:
      fmt::format_to(it, R"(,"next":"{}")", PagePath(query.list, query.per_page, query.page + 1));
      break;
    case NextForm::kTrue:
      out.append(R"(,"next":true)");
      break;
    case NextForm::kNull:
      out.append(R"(,"next":null)");
      break;
    case NextForm::kFalse:
      out.append(R"(,"next":false)");
      break;
    case NextForm::kEmptyString:
      out.append(R"(,"next":"")");
      break;
    case NextForm::kAbsent:
      break;
  }
  out.append("}}}");
}

std::string PassPageBody(const PageQuery& query, const UserPassState& state, NextStyle style,
                         bool forever) {
  std::string out;
  AppendPassPageBody(query, state, style, forever, out);
  return out;
}

}  // namespace tc::sim
