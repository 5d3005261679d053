#include "clock/iso_time.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(IsoTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIsoUtcMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoUtcMillis(1'764'000'000'123), "2025-11-24T16:00:00.123Z");
  EXPECT_EQ(FormatIsoUtcMillis(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace tc
