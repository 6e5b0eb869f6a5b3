#include "engine/cel/common/value.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "engine/cel/common/activation.h"
#include "engine/cel/common/function.h"
#include "engine/cel/common/host_object.h"
#include "engine/cel/common/types.h"

namespace stagegate::cel {
namespace {

TEST(ValueTest, ScalarsRoundTrip) {
  EXPECT_TRUE(Value().IsNull());
  EXPECT_EQ(Value::Int(-5).GetInt(), -5);
  EXPECT_EQ(Value::Uint(7).GetUint(), 7u);
  EXPECT_EQ(Value::Double(1.5).GetDouble(), 1.5);
  EXPECT_TRUE(Value::Bool(true).GetBool());
  Value s = Value::String("hello");
  Value copy = s;
  EXPECT_EQ(copy.GetString(), "hello");
  Value moved = std::move(copy);
  EXPECT_EQ(moved.GetString(), "hello");
  EXPECT_EQ(Value::Bytes("ab").kind(), ValueKind::kBytes);
}

TEST(ValueTest, TypeNames) {
  EXPECT_EQ(Value::Int(1).TypeName(), "int");
  EXPECT_EQ(Value::Uint(1).TypeName(), "uint");
  EXPECT_EQ(Value::Double(1).TypeName(), "double");
  EXPECT_EQ(Value::Null().TypeName(), "null_type");
  EXPECT_EQ(Value::ListOf({}).TypeName(), "list");
  EXPECT_EQ(Value::MapOf({}).TypeName(), "map");
  EXPECT_EQ(Value::Type("int").TypeName(), "type");
  EXPECT_EQ(Value::OptionalNone().TypeName(), "optional_type");
  EXPECT_EQ(Value::TimestampOf({}).TypeName(), "google.protobuf.Timestamp");
  EXPECT_EQ(Value::DurationOf({}).TypeName(), "google.protobuf.Duration");
  EXPECT_EQ(KindName(ValueKind::kBytes), "bytes");
}

TEST(ValueTest, HeterogeneousNumericEquality) {
  EXPECT_TRUE(ValuesEqual(Value::Int(1), Value::Uint(1)));
  EXPECT_TRUE(ValuesEqual(Value::Int(1), Value::Double(1.0)));
  EXPECT_TRUE(ValuesEqual(Value::Uint(1), Value::Double(1.0)));
  EXPECT_FALSE(ValuesEqual(Value::Int(-1), Value::Uint(std::numeric_limits<uint64_t>::max())));
  EXPECT_FALSE(ValuesEqual(Value::Int(1), Value::Double(1.5)));
  double nan = std::nan("");
  EXPECT_FALSE(ValuesEqual(Value::Double(nan), Value::Double(nan)));
  EXPECT_FALSE(ValuesEqual(Value::Int(1), Value::String("1")));
  EXPECT_FALSE(ValuesEqual(Value::Null(), Value::Bool(false)));
  EXPECT_TRUE(ValuesEqual(Value::Null(), Value::Null()));
}

TEST(ValueTest, Ordering) {
  EXPECT_EQ(CompareValues(Value::Int(-1), Value::Uint(0)), -1);
  EXPECT_EQ(CompareValues(Value::Uint(3), Value::Double(2.5)), 1);
  EXPECT_EQ(CompareValues(Value::Double(2.5), Value::Int(3)), -1);
  EXPECT_EQ(CompareValues(Value::String("a"), Value::String("b")), -1);
  EXPECT_EQ(CompareValues(Value::Bool(false), Value::Bool(true)), -1);
  EXPECT_EQ(CompareValues(Value::Int(1), Value::String("a")), std::nullopt);
  EXPECT_EQ(CompareValues(Value::Double(std::nan("")), Value::Int(1)), std::nullopt);
  EXPECT_EQ(CompareValues(Value::ListOf({}), Value::ListOf({})), std::nullopt);
  // cel-go's lossy int/double comparison, fixed by the conformance suite.
  EXPECT_EQ(CompareValues(Value::Int(std::numeric_limits<int64_t>::max()), Value::Double(9223372036854775808.0)), 0);
}

TEST(ValueTest, ListAndMapEquality) {
  Value a = Value::ListOf({Value::Int(1), Value::String("x")});
  Value b = Value::ListOf({Value::Double(1.0), Value::String("x")});
  EXPECT_TRUE(ValuesEqual(a, b));
  EXPECT_FALSE(ValuesEqual(a, Value::ListOf({Value::Int(1)})));
  Value m1 = Value::MapOf({{Value::String("a"), Value::Int(1)}, {Value::String("b"), Value::Int(2)}});
  Value m2 = Value::MapOf({{Value::String("b"), Value::Uint(2)}, {Value::String("a"), Value::Int(1)}});
  EXPECT_TRUE(ValuesEqual(m1, m2));  // order does not matter
  Value m3 = Value::MapOf({{Value::String("b"), Value::Int(3)}, {Value::String("a"), Value::Int(1)}});
  EXPECT_FALSE(ValuesEqual(m1, m3));
}

TEST(ValueTest, MapHeterogeneousKeys) {
  std::vector<std::pair<Value, Value>> entries;
  for (int i = 0; i < 50; ++i) entries.emplace_back(Value::Int(i), Value::Int(i * 10));
  entries.emplace_back(Value::Bool(true), Value::String("t"));
  entries.emplace_back(Value::String("k"), Value::String("v"));
  Value big = Value::MapOf(entries);
  Value small = Value::MapOf({{Value::Uint(1), Value::Int(10)}});
  for (const Value& m : {big, small}) {
    ASSERT_TRUE(m.MapFind(Value::Int(1)).has_value());
    EXPECT_EQ(m.MapFind(Value::Uint(1))->GetInt(), 10);
    EXPECT_EQ(m.MapFind(Value::Double(1.0))->GetInt(), 10);
    EXPECT_FALSE(m.MapFind(Value::Double(1.5)).has_value());
  }
  EXPECT_EQ(big.MapFind(Value::Bool(true))->GetString(), "t");
  EXPECT_EQ(big.MapFindField("k")->GetString(), "v");
  EXPECT_FALSE(big.MapFind(Value::String("missing")).has_value());
  EXPECT_EQ(big.MapKeys().ListGet(0).GetInt(), 0);  // insertion order
}

TEST(ValueTest, MapBuilderRejectsDuplicates) {
  MapBuilder builder;
  EXPECT_TRUE(builder.Insert(Value::Int(0), Value::Int(1)));
  EXPECT_FALSE(builder.Insert(Value::Uint(0), Value::Int(2)));
  EXPECT_TRUE(builder.Insert(Value::String("0"), Value::Int(3)));
  Value m = std::move(builder).Build();
  EXPECT_EQ(m.MapSize(), 2u);
}

TEST(ValueTest, OptionalsErrorsUnknowns) {
  Value none = Value::OptionalNone();
  EXPECT_FALSE(none.OptionalHasValue());
  Value some = Value::OptionalOf(Value::Int(3));
  EXPECT_TRUE(some.OptionalHasValue());
  EXPECT_EQ(some.OptionalValue().GetInt(), 3);
  EXPECT_TRUE(ValuesEqual(some, Value::OptionalOf(Value::Uint(3))));
  EXPECT_FALSE(ValuesEqual(some, none));
  EXPECT_EQ(Value::Error("boom").ErrorMessage(), "boom");
  EXPECT_EQ(Value::Unknown("a.b").UnknownAttribute(), "a.b");
  EXPECT_TRUE(Value::Unknown("a").IsErrorOrUnknown());
}

TEST(ValueTest, DebugString) {
  Value m = Value::MapOf({{Value::String("a"), Value::ListOf({Value::Int(1), Value::Uint(2), Value::Double(1.5)})},
                          {Value::Int(3), Value::Null()}});
  EXPECT_EQ(m.DebugString(), R"({"a": [1, 2u, 1.5], 3: null})");
  EXPECT_EQ(Value::Double(2).DebugString(), "2.0");
  EXPECT_EQ(Value::Bytes("a\xff").DebugString(), "b\"a\\xff\"");
  EXPECT_EQ(Value::TimestampOf({86400 + 3661, 500000000}).DebugString(), "timestamp(\"1970-01-02T01:01:01.500Z\")");
  EXPECT_EQ(Value::DurationOf({1500000000}).DebugString(), "duration(\"1.5s\")");
  EXPECT_EQ(Value::DurationOf({-1500000000}).DebugString(), "duration(\"-1.5s\")");
  EXPECT_EQ(Value::Error("x").DebugString(), "error: x");
  EXPECT_EQ(Value::OptionalOf(Value::Bool(true)).DebugString(), "optional.of(true)");
  EXPECT_EQ(Value::Type("int").DebugString(), "int");
}

TEST(TypesTest, TypeToString) {
  EXPECT_EQ(TypeToString(Type::List(Type::String())), "list(string)");
  EXPECT_EQ(TypeToString(Type::Map(Type::String(), Type::Dyn())), "map(string, dyn)");
  EXPECT_EQ(TypeToString(Type::Optional(Type::Int())), "optional_type(int)");
  EXPECT_EQ(TypeToString(Type::Timestamp()), "google.protobuf.Timestamp");
  EXPECT_EQ(TypeToString(Type::Param("A")), "A");
  EXPECT_EQ(TypeToString(Type::TypeOf(Type::Int())), "type(int)");
}

TEST(FunctionRegistryTest, AddAndFind) {
  FunctionRegistry registry;
  Overload o;
  o.id = "size_string";
  o.params = {Type::String()};
  o.result = Type::Int();
  EXPECT_TRUE(registry.Add("size", o));
  EXPECT_FALSE(registry.Add("size", o));  // same id
  Overload same_params = o;
  same_params.id = "other";
  EXPECT_FALSE(registry.Add("size", same_params));
  Overload receiver = o;
  receiver.id = "string_size";
  receiver.receiver_style = true;
  EXPECT_TRUE(registry.Add("size", receiver));
  ASSERT_NE(registry.Find("size"), nullptr);
  EXPECT_EQ(registry.Find("size")->overloads.size(), 2u);
  EXPECT_EQ(registry.Find("nope"), nullptr);
}

TEST(FunctionRegistryTest, ValueMatchesType) {
  EXPECT_TRUE(ValueMatchesType(Value::Int(1), Type::Dyn()));
  EXPECT_TRUE(ValueMatchesType(Value::Int(1), Type::Param("A")));
  EXPECT_TRUE(ValueMatchesType(Value::Int(1), Type::Int()));
  EXPECT_FALSE(ValueMatchesType(Value::Int(1), Type::Uint()));
  EXPECT_TRUE(ValueMatchesType(Value::ListOf({}), Type::List(Type::Int())));
  EXPECT_TRUE(ValueMatchesType(Value::OptionalNone(), Type::Optional(Type::Dyn())));
}

TEST(ActivationTest, MapActivation) {
  MapActivation activation;
  activation.Bind("x", Value::Int(1));
  activation.Bind("x", Value::Int(2));
  EXPECT_EQ(activation.FindVariable("x")->GetInt(), 2);
  EXPECT_FALSE(activation.FindVariable("y").has_value());
}

class Facts : public HostObject {
 public:
  explicit Facts(int* calls) : calls_(calls) {}
  std::optional<Value> GetField(std::string_view name) const override {
    ++*calls_;
    if (name == "count") return Value::Int(42);
    if (name == "broken") return Value::Error("fact unavailable");
    return std::nullopt;
  }
  std::vector<std::string> FieldNames() const override { return {"broken", "count"}; }

 private:
  int* calls_;
};

TEST(HostObjectTest, ExposedAsLazyMap) {
  int calls = 0;
  Value v = HostObjectValue(new Facts(&calls));
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(v.IsMap());
  EXPECT_EQ(v.MapFindField("count")->GetInt(), 42);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(v.MapFindField("broken")->IsError());
  EXPECT_FALSE(v.MapFind(Value::String("nope")).has_value());
  EXPECT_EQ(v.MapSize(), 2u);
  EXPECT_EQ(v.MapKeys().ListGet(1).GetString(), "count");
}

}  // namespace
}  // namespace stagegate::cel

namespace stagegate::cel {
namespace {

// Regression (found by the evaluator fuzz target): assigning a value from
// storage that the value itself owns must not free that storage first.
TEST(ValueTest, AssignFromOwnInterior) {
  Value v = Value::OptionalOf(Value::String(std::string(64, 'x')));
  v = v.OptionalValue();
  ASSERT_TRUE(v.IsString());
  EXPECT_EQ(v.GetString(), std::string(64, 'x'));

  Value w = Value::OptionalOf(Value::ListOf({Value::Int(1), Value::Int(2)}));
  Value inner = w.OptionalValue();
  w = std::move(inner);
  ASSERT_TRUE(w.IsList());
  EXPECT_EQ(w.ListSize(), 2u);

  Value list = Value::ListOf({Value::String(std::string(40, 'y'))});
  list = list.ListGet(0);
  EXPECT_EQ(list.GetString(), std::string(40, 'y'));
}

}  // namespace
}  // namespace stagegate::cel
