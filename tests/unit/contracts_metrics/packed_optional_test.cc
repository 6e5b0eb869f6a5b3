#include "evaluators/contracts/packed_optional.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

namespace stagegate::contracts {
namespace {

TEST(PackedOptionalTest, StartsAbsentAndHoldsWhatIsAssigned) {
  OptionalDouble ratio;
  EXPECT_FALSE(ratio.has_value());
  EXPECT_EQ(ratio, std::nullopt);
  ratio = 0.25;
  ASSERT_TRUE(ratio);
  EXPECT_EQ(*ratio, 0.25);
  EXPECT_EQ(ratio, 0.25);
  ratio = std::nullopt;
  EXPECT_FALSE(ratio);
  EXPECT_EQ(ratio.value_or(-1.0), -1.0);
}

TEST(PackedOptionalTest, AComputedNanOrInfinityIsAPresentValue) {
  OptionalDouble mean = std::numeric_limits<double>::infinity() - std::numeric_limits<double>::infinity();
  ASSERT_TRUE(mean.has_value());
  EXPECT_TRUE(std::isnan(*mean));
  OptionalDouble quiet = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(quiet.has_value());
  OptionalDouble signalling = std::numeric_limits<double>::signaling_NaN();
  EXPECT_TRUE(signalling.has_value());
  OptionalDouble large = std::numeric_limits<double>::infinity();
  EXPECT_EQ(large, std::numeric_limits<double>::infinity());
}

TEST(PackedOptionalTest, EveryInt64ButTheSmallestIsAPresentValue) {
  OptionalInt64 count = int64_t{0};
  EXPECT_EQ(count, 0);
  count = std::numeric_limits<int64_t>::min() + 1;
  EXPECT_TRUE(count.has_value());
  count = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(*count, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(OptionalInt64().has_value());
}

TEST(PackedOptionalTest, ConvertsToAndComparesWithStdOptional) {
  const std::optional<double> declared = 2.5;
  const OptionalDouble packed = declared;
  EXPECT_EQ(packed, declared);
  const std::optional<double> back = packed;
  EXPECT_EQ(back, declared);
  EXPECT_EQ(OptionalDouble(std::optional<double>()), std::nullopt);
  EXPECT_FALSE(OptionalDouble(1.0) == OptionalDouble());
  EXPECT_TRUE(OptionalDouble() == OptionalDouble());
}

TEST(PackedOptionalTest, PrintsAbsentOrTheValue) {
  std::ostringstream out;
  out << OptionalInt64() << ' ' << OptionalInt64(int64_t{7});
  EXPECT_EQ(out.str(), "(absent) 7");
}

}  // namespace
}  // namespace stagegate::contracts
