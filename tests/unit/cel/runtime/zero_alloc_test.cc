// Asserts that evaluating a typical policy condition over a bound JSON document
// allocates nothing. Replaces the global operator new to count allocations.

#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/cel/bindings/json_value.h"
#include "engine/cel/cel.h"
#include "tests/support/counting_new.h"

namespace stagegate::cel {
namespace {

TEST(ZeroAllocationTest, JsonConditionEvaluatesWithoutAllocating) {
  nlohmann::json doc = nlohmann::json::parse(
      R"({"stream": {"quality": {"missing_ratio": 0.01}, "device": {"site": "plant-a"}}})");
  for (bool check : {true, false}) {
    Environment env = Environment::Standard();
    env.options().type_check = check;
    env.DeclareVariable("stream", Type::Dyn());
    CompileResult compiled =
        Compile(env, Source("stream.quality.missing_ratio <= 0.02 && stream.device.site == \"plant-a\""));
    ASSERT_TRUE(compiled.ok());
    MapActivation vars;
    vars.Bind("stream", JsonValue(doc["stream"]));
    EXPECT_TRUE(compiled.program->Evaluate(vars).GetBool());  // warm up
    long before = stagegate::testing::AllocationCount();
    Value result;
    for (int i = 0; i < 100; ++i) result = compiled.program->Evaluate(vars);
    long after = stagegate::testing::AllocationCount();
    EXPECT_TRUE(result.GetBool());
    EXPECT_EQ(after - before, 0) << "type_check=" << check;
  }
}

}  // namespace
}  // namespace stagegate::cel
