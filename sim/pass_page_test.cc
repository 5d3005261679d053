#include "pass_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "pass_mutation.h"

namespace tc::sim {
namespace {

using nlohmann::ordered_json;

// JavaScript truthiness of pagination.next (absent = undefined = falsy).
bool NextIsTruthy(const ordered_json& pagination) {
  if (!pagination.contains("next")) return false;
  const ordered_json& next = pagination["next"];
  if (next.is_null()) return false;
  if (next.is_boolean()) return next.get<bool>();
  if (next.is_string()) return !next.get<std::string>().empty();
  return true;
}

// Follows next from page 1 and returns the uuids seen; fails on a page that breaks the contract.
std::vector<std::string> WalkPages(int64_t user, PassList list, int64_t per_page,
                                   UserPassState state, NextStyle style) {
  std::vector<std::string> uuids;
  for (int64_t page = 1; page < 1000; ++page) {
    ordered_json body =
        ordered_json::parse(PassPageBody({user, list, page, per_page}, state, style, false));
    EXPECT_EQ(body["errors"], ordered_json::array());
    const ordered_json& data = body["data"];
    EXPECT_EQ(data["pagination"]["page"], page);
    EXPECT_EQ(data["pagination"]["per_page"], per_page);
    for (const ordered_json& pass : data["passes"]) uuids.push_back(pass["uuid"]);
    bool more = NextIsTruthy(data["pagination"]);
    EXPECT_EQ(more, page < data["page_count"].get<int64_t>());
    if (!more) {
      EXPECT_EQ(data["total_count"].get<size_t>(), uuids.size());
      return uuids;
    }
  }
  ADD_FAILURE() << "pages never ended";
  return uuids;
}

TEST(PassPageTest, WalksAllPagesInEveryStyle) {
  for (NextStyle style : {NextStyle::kMixed, NextStyle::kPath, NextStyle::kTrue}) {
    for (int64_t user = 1; user <= 8; ++user) {
      std::vector<std::string> uuids = WalkPages(user, PassList::kActive, 3, {10, 0}, style);
      ASSERT_EQ(uuids.size(), 10u);
      for (int64_t i = 0; i < 10; ++i) {
        EXPECT_EQ(uuids[static_cast<size_t>(i)], SimPassUuid(user, PassList::kActive, i));
      }
      EXPECT_EQ(WalkPages(user, PassList::kExpired, 2, {3, 0}, style).size(), 3u);
    }
  }
}

TEST(PassPageTest, MixedStyleUsesEveryNextForm) {
  std::set<NextForm> forms;
  for (int64_t user = 1; user <= 4; ++user) {
    forms.insert(NextFormFor(user, NextStyle::kMixed, false));
    forms.insert(NextFormFor(user, NextStyle::kMixed, true));
  }
  EXPECT_EQ(forms.size(), 6u);
  EXPECT_EQ(NextFormFor(2, NextStyle::kMixed, false), NextForm::kPath);
  EXPECT_EQ(NextFormFor(3, NextStyle::kMixed, false), NextForm::kTrue);
  EXPECT_EQ(NextFormFor(4, NextStyle::kMixed, true), NextForm::kNull);
  EXPECT_EQ(NextFormFor(5, NextStyle::kMixed, true), NextForm::kFalse);
  EXPECT_EQ(NextFormFor(6, NextStyle::kMixed, true), NextForm::kEmptyString);
  EXPECT_EQ(NextFormFor(7, NextStyle::kMixed, true), NextForm::kAbsent);

  ordered_json absent = ordered_json::parse(
      PassPageBody({7, PassList::kActive, 4, 3}, {10, 0}, NextStyle::kMixed, false));
  EXPECT_FALSE(absent["data"]["pagination"].contains("next"));
  ordered_json path = ordered_json::parse(
      PassPageBody({2, PassList::kExpired, 1, 2}, {3, 0}, NextStyle::kMixed, false));
  EXPECT_EQ(path["data"]["pagination"]["next"], "/v4.0/passes?status=EXPIRED&per_page=2&page=2");
}

TEST(PassPageTest, NoPassesIsOnePageWithFalsyNext) {
  for (NextStyle style : {NextStyle::kMixed, NextStyle::kPath, NextStyle::kTrue}) {
    ordered_json body =
        ordered_json::parse(PassPageBody({2, PassList::kActive, 1, 100}, {0, 0}, style, false));
    EXPECT_EQ(body["data"]["passes"], ordered_json::array());
    EXPECT_EQ(body["data"]["page_count"], 1);
    EXPECT_EQ(body["data"]["total_count"], 0);
    EXPECT_FALSE(NextIsTruthy(body["data"]["pagination"]));
  }
}

TEST(PassPageTest, PagePastTheEndIsEmptyAndFinal) {
  ordered_json body = ordered_json::parse(
      PassPageBody({2, PassList::kActive, 9, 5}, {10, 0}, NextStyle::kPath, false));
  EXPECT_TRUE(body["data"]["passes"].empty());
  EXPECT_FALSE(NextIsTruthy(body["data"]["pagination"]));
}

TEST(PassPageTest, ForeverPagingNeverEnds) {
  for (int64_t page : {1, 2, 50}) {
    ordered_json body = ordered_json::parse(
        PassPageBody({5, PassList::kActive, page, 4}, {10, 0}, NextStyle::kMixed, true));
    EXPECT_TRUE(NextIsTruthy(body["data"]["pagination"]));
    EXPECT_EQ(body["data"]["page_count"], page + 1);
    EXPECT_EQ(body["data"]["passes"].size(), 4u);
  }
}

TEST(PassPageTest, MutationChangesAFewPassesAndAddsOne) {
  for (int64_t user : {1, 2, 3, 17}) {
    for (int64_t generation = 1; generation <= 3; ++generation) {
      int64_t changed = 0;
      for (int64_t index = 0; index < 10 + generation - 1; ++index) {
        std::string before =
            PassJson(user, PassList::kActive, index,
                     SimPassVersion(user, PassList::kActive, index, 10, generation - 1));
        std::string after =
            PassJson(user, PassList::kActive, index,
                     SimPassVersion(user, PassList::kActive, index, 10, generation));
        if (before != after) {
          ++changed;
          EXPECT_NE(ordered_json::parse(before)["status"], ordered_json::parse(after)["status"]);
        }
      }
      EXPECT_EQ(changed, 2);
      EXPECT_EQ(SimPassCount(PassList::kActive, 10, generation), 10 + generation);
      int64_t expired_changed = 0;
      for (int64_t index = 0; index < 3; ++index) {
        expired_changed += SimPassVersion(user, PassList::kExpired, index, 3, generation) !=
                           SimPassVersion(user, PassList::kExpired, index, 3, generation - 1);
      }
      EXPECT_EQ(expired_changed, 1);
    }
  }
  std::vector<std::string> before = WalkPages(9, PassList::kActive, 4, {10, 0}, NextStyle::kPath);
  std::vector<std::string> after = WalkPages(9, PassList::kActive, 4, {10, 1}, NextStyle::kPath);
  ASSERT_EQ(after.size(), before.size() + 1);
  EXPECT_EQ(std::vector<std::string>(after.begin(), after.end() - 1), before);
}

}  // namespace
}  // namespace tc::sim
