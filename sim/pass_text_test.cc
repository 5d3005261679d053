#include "pass_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace tc::sim {
namespace {

using nlohmann::ordered_json;

// True when `text` has the shape of `form`: 'x' a lowercase hex digit, 'd' a decimal digit, any
// other character itself. (std::regex trips a GCC 12 -Wmaybe-uninitialized false positive under
// the sanitizer build.)
bool HasForm(std::string_view text, std::string_view form) {
  if (text.size() != form.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool digit = c >= '0' && c <= '9';
    if (form[i] == 'x'   ? !(digit || (c >= 'a' && c <= 'f'))
        : form[i] == 'd' ? !digit
                         : c != form[i]) {
      return false;
    }
  }
  return true;
}

TEST(PassTextTest, IsDeterministic) {
  EXPECT_EQ(PassJson(42, PassList::kActive, 3, 0), PassJson(42, PassList::kActive, 3, 0));
  EXPECT_NE(PassJson(42, PassList::kActive, 3, 0), PassJson(42, PassList::kActive, 3, 1));
  EXPECT_NE(PassJson(42, PassList::kActive, 3, 0), PassJson(43, PassList::kActive, 3, 0));
  EXPECT_EQ(SimPassUuid(42, PassList::kActive, 3), SimPassUuid(42, PassList::kActive, 3));
}

TEST(PassTextTest, EveryPassIsValidJsonWithTheRequiredFields) {
  std::set<std::string> uuids;
  for (int64_t user = 1; user <= 40; ++user) {
    for (PassList list : {PassList::kActive, PassList::kExpired}) {
      for (int64_t index = 0; index < 12; ++index) {
        for (int64_t version = 0; version < 3; ++version) {
          std::string text = PassJson(user, list, index, version);
          ordered_json pass = ordered_json::parse(text);  // throws on invalid JSON
          ASSERT_TRUE(pass.is_object()) << text;
          std::string uuid = pass.at("uuid").get<std::string>();
          EXPECT_TRUE(HasForm(uuid, "xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx")) << uuid;
          EXPECT_EQ(uuid, SimPassUuid(user, list, index));
          EXPECT_TRUE(HasForm(pass.at("time_created").get<std::string>(), "dddd-dd-ddTdd:dd:ddZ"));
          EXPECT_NE(std::find(kSimProductUuids.begin(), kSimProductUuids.end(),
                              pass.at("product_uuid").get<std::string>()),
                    kSimProductUuids.end());
          std::string status = pass.at("status").get<std::string>();
          if (list == PassList::kExpired) {
            EXPECT_EQ(status, "EXPIRED");
          } else {
            EXPECT_TRUE(status == "USABLE" || status == "USING") << status;
          }
          EXPECT_EQ(pass.at("use_count"), version);
          if (version == 0) uuids.insert(uuid);
        }
      }
    }
  }
  EXPECT_EQ(uuids.size(), 40u * 2 * 12);  // stable per (user, list, index) and distinct
}

TEST(PassTextTest, AwkwardJsonFormsAppearAcrossUsers) {
  std::string all;
  std::set<std::string> first_keys;
  for (int64_t user = 1; user <= 50; ++user) {
    for (int64_t index = 0; index < 10; ++index) {
      std::string text = PassJson(user, PassList::kActive, index, 0);
      first_keys.insert(ordered_json::parse(text).begin().key());
      all += text;
    }
  }
  for (const char* form : {"\\u00e9",
                           "\\ud83d\\ude8c",
                           "\\/",
                           "\\n",
                           "\\t",
                           "\\\"",
                           "ü",
                           "東京",
                           "€",
                           ":2.50,",
                           ":1E3",
                           ":0.1",
                           ":-0",
                           "12345678901234567890",
                           "9007199254740993",
                           ":null",
                           ":true",
                           ":false",
                           ":{}",
                           ":[]",
                           ": ",
                           "[{"}) {
    EXPECT_NE(all.find(form), std::string::npos) << form;
  }
  EXPECT_GE(first_keys.size(), 3u);  // varied key order
}

TEST(PassTextTest, TimeCreatedIsNotAlwaysInApiOrderAndHasTies) {
  auto ascending = [](int64_t user) {
    for (int64_t i = 1; i < 10; ++i) {
      if (SimPassTimeCreated(user, PassList::kActive, i) <
          SimPassTimeCreated(user, PassList::kActive, i - 1)) {
        return false;
      }
    }
    return true;
  };
  auto has_tie = [](int64_t user) {
    for (int64_t i = 1; i < 10; ++i) {
      if (SimPassTimeCreated(user, PassList::kActive, i) ==
          SimPassTimeCreated(user, PassList::kActive, i - 1)) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(ascending(4));
  EXPECT_FALSE(ascending(5));
  EXPECT_FALSE(ascending(6));
  EXPECT_TRUE(has_tie(7));
}

TEST(PassTextTest, FormatsIso8601) {
  EXPECT_EQ(Iso8601Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Iso8601Utc(1793520900), "2026-11-01T08:15:00Z");
}

}  // namespace
}  // namespace tc::sim
