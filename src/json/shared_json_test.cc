#include "json/shared_json.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(SharedJsonTest, CopiesShareOneTree) {
  SharedJson first(Json{{"uuid", "p1"}, {"fare", 2.5}});
  SharedJson second = first;
  EXPECT_EQ(&*first, &*second);
  EXPECT_EQ(second->at("uuid"), "p1");
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, (Json{{"uuid", "p1"}, {"fare", 2.5}}));
}

TEST(SharedJsonTest, MutableCopiesASharedTreeFirst) {
  SharedJson first(Json{{"uuid", "p1"}});
  SharedJson second = first;
  second.Mutable()["uuid"] = "p2";
  EXPECT_EQ(first->at("uuid"), "p1");  // the other holder still sees its value
  EXPECT_EQ(second->at("uuid"), "p2");
  Json* alone = &second.Mutable();
  EXPECT_EQ(alone, &second.Mutable());  // not shared any more: changed in place
}

TEST(SharedJsonTest, DefaultIsNullAndEqualValuesCompareEqual) {
  SharedJson empty;
  EXPECT_TRUE(empty->is_null());
  EXPECT_EQ(empty, Json());
  EXPECT_EQ(SharedJson(Json{{"a", 1}}), SharedJson(Json{{"a", 1}}));
  EXPECT_FALSE(SharedJson(Json{{"a", 1}}) == SharedJson(Json{{"a", 2}}));
  const Json& read = empty;  // read access without a copy
  EXPECT_TRUE(read.is_null());
}

}  // namespace
}  // namespace tc
