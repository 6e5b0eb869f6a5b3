#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/cel/stdlib/stdlib_test_util.h"

namespace stagegate::cel {
namespace {

using testing_util::StdlibTest;
using RegistryTest = StdlibTest;

// Every (function, overload id) the standard library registers. A registration
// that the registry silently refuses (a duplicate id or signature) shows up here.
const std::vector<std::pair<std::string, std::string>>& ExpectedOverloads() {
  static const auto* expected = new std::vector<std::pair<std::string, std::string>>{
      {"!_", "logical_not"},
      {"-_", "negate_int64"},
      {"-_", "negate_double"},
      {"@in", "in_list"},
      {"@in", "in_map"},
      {"@not_strictly_false", "not_strictly_false"},
      {"_!=_", "not_equals"},
      {"_%_", "modulo_int64"},
      {"_%_", "modulo_uint64"},
      {"_&&_", "logical_and"},
      {"_*_", "multiply_int64"},
      {"_*_", "multiply_uint64"},
      {"_*_", "multiply_double"},
      {"_+_", "add_int64"},
      {"_+_", "add_uint64"},
      {"_+_", "add_double"},
      {"_+_", "add_string"},
      {"_+_", "add_bytes"},
      {"_+_", "add_list"},
      {"_+_", "add_timestamp_duration"},
      {"_+_", "add_duration_timestamp"},
      {"_+_", "add_duration_duration"},
      {"_-_", "subtract_int64"},
      {"_-_", "subtract_uint64"},
      {"_-_", "subtract_double"},
      {"_-_", "subtract_timestamp_duration"},
      {"_-_", "subtract_timestamp_timestamp"},
      {"_-_", "subtract_duration_duration"},
      {"_/_", "divide_int64"},
      {"_/_", "divide_uint64"},
      {"_/_", "divide_double"},
      {"_<=_", "less_equals_bool"},
      {"_<=_", "less_equals_int64"},
      {"_<=_", "less_equals_uint64"},
      {"_<=_", "less_equals_double"},
      {"_<=_", "less_equals_string"},
      {"_<=_", "less_equals_bytes"},
      {"_<=_", "less_equals_timestamp"},
      {"_<=_", "less_equals_duration"},
      {"_<=_", "less_equals_int64_uint64"},
      {"_<=_", "less_equals_int64_double"},
      {"_<=_", "less_equals_uint64_int64"},
      {"_<=_", "less_equals_uint64_double"},
      {"_<=_", "less_equals_double_int64"},
      {"_<=_", "less_equals_double_uint64"},
      {"_<_", "less_bool"},
      {"_<_", "less_int64"},
      {"_<_", "less_uint64"},
      {"_<_", "less_double"},
      {"_<_", "less_string"},
      {"_<_", "less_bytes"},
      {"_<_", "less_timestamp"},
      {"_<_", "less_duration"},
      {"_<_", "less_int64_uint64"},
      {"_<_", "less_int64_double"},
      {"_<_", "less_uint64_int64"},
      {"_<_", "less_uint64_double"},
      {"_<_", "less_double_int64"},
      {"_<_", "less_double_uint64"},
      {"_==_", "equals"},
      {"_>=_", "greater_equals_bool"},
      {"_>=_", "greater_equals_int64"},
      {"_>=_", "greater_equals_uint64"},
      {"_>=_", "greater_equals_double"},
      {"_>=_", "greater_equals_string"},
      {"_>=_", "greater_equals_bytes"},
      {"_>=_", "greater_equals_timestamp"},
      {"_>=_", "greater_equals_duration"},
      {"_>=_", "greater_equals_int64_uint64"},
      {"_>=_", "greater_equals_int64_double"},
      {"_>=_", "greater_equals_uint64_int64"},
      {"_>=_", "greater_equals_uint64_double"},
      {"_>=_", "greater_equals_double_int64"},
      {"_>=_", "greater_equals_double_uint64"},
      {"_>_", "greater_bool"},
      {"_>_", "greater_int64"},
      {"_>_", "greater_uint64"},
      {"_>_", "greater_double"},
      {"_>_", "greater_string"},
      {"_>_", "greater_bytes"},
      {"_>_", "greater_timestamp"},
      {"_>_", "greater_duration"},
      {"_>_", "greater_int64_uint64"},
      {"_>_", "greater_int64_double"},
      {"_>_", "greater_uint64_int64"},
      {"_>_", "greater_uint64_double"},
      {"_>_", "greater_double_int64"},
      {"_>_", "greater_double_uint64"},
      {"_?_:_", "conditional"},
      {"_[_]", "index_list"},
      {"_[_]", "index_map"},
      {"_||_", "logical_or"},
      {"bool", "bool_to_bool"},
      {"bool", "string_to_bool"},
      {"bytes", "bytes_to_bytes"},
      {"bytes", "string_to_bytes"},
      {"contains", "contains_string"},
      {"double", "double_to_double"},
      {"double", "int64_to_double"},
      {"double", "uint64_to_double"},
      {"double", "string_to_double"},
      {"duration", "duration_to_duration"},
      {"duration", "string_to_duration"},
      {"dyn", "to_dyn"},
      {"endsWith", "ends_with_string"},
      {"getDate", "timestamp_to_day_of_month_1_based"},
      {"getDate", "timestamp_to_day_of_month_1_based_with_tz"},
      {"getDayOfMonth", "timestamp_to_day_of_month"},
      {"getDayOfMonth", "timestamp_to_day_of_month_with_tz"},
      {"getDayOfWeek", "timestamp_to_day_of_week"},
      {"getDayOfWeek", "timestamp_to_day_of_week_with_tz"},
      {"getDayOfYear", "timestamp_to_day_of_year"},
      {"getDayOfYear", "timestamp_to_day_of_year_with_tz"},
      {"getFullYear", "timestamp_to_year"},
      {"getFullYear", "timestamp_to_year_with_tz"},
      {"getHours", "timestamp_to_hours"},
      {"getHours", "timestamp_to_hours_with_tz"},
      {"getHours", "duration_to_hours"},
      {"getMilliseconds", "timestamp_to_milliseconds"},
      {"getMilliseconds", "timestamp_to_milliseconds_with_tz"},
      {"getMilliseconds", "duration_to_milliseconds"},
      {"getMinutes", "timestamp_to_minutes"},
      {"getMinutes", "timestamp_to_minutes_with_tz"},
      {"getMinutes", "duration_to_minutes"},
      {"getMonth", "timestamp_to_month"},
      {"getMonth", "timestamp_to_month_with_tz"},
      {"getSeconds", "timestamp_to_seconds"},
      {"getSeconds", "timestamp_to_seconds_with_tz"},
      {"getSeconds", "duration_to_seconds"},
      {"int", "int64_to_int64"},
      {"int", "uint64_to_int64"},
      {"int", "double_to_int64"},
      {"int", "string_to_int64"},
      {"int", "timestamp_to_int64"},
      {"matches", "matches_string"},
      {"matches", "matches"},
      {"size", "size_string"},
      {"size", "string_size"},
      {"size", "size_bytes"},
      {"size", "bytes_size"},
      {"size", "size_list"},
      {"size", "list_size"},
      {"size", "size_map"},
      {"size", "map_size"},
      {"startsWith", "starts_with_string"},
      {"string", "string_to_string"},
      {"string", "bool_to_string"},
      {"string", "int64_to_string"},
      {"string", "uint64_to_string"},
      {"string", "double_to_string"},
      {"string", "bytes_to_string"},
      {"string", "timestamp_to_string"},
      {"string", "duration_to_string"},
      {"timestamp", "timestamp_to_timestamp"},
      {"timestamp", "string_to_timestamp"},
      {"timestamp", "int64_to_timestamp"},
      {"type", "type"},
      {"uint", "uint64_to_uint64"},
      {"uint", "int64_to_uint64"},
      {"uint", "double_to_uint64"},
      {"uint", "string_to_uint64"}};
  return *expected;
}

TEST_F(RegistryTest, RegistersEveryOverloadExactlyOnce) {
  std::set<std::pair<std::string, std::string>> actual;
  size_t count = 0;
  for (const auto& [name, decl] : registry_.functions()) {
    for (const Overload& o : decl.overloads) {
      actual.emplace(name, o.id);
      ++count;
      EXPECT_TRUE(o.impl) << o.id;
    }
  }
  EXPECT_EQ(count, ExpectedOverloads().size());
  for (const auto& entry : ExpectedOverloads()) {
    EXPECT_TRUE(actual.count(entry)) << entry.first << " " << entry.second;
  }
}

TEST_F(RegistryTest, SignaturesForTheChecker) {
  const Overload* add_list = FindById("_+_", "add_list");
  ASSERT_NE(add_list, nullptr);
  EXPECT_EQ(add_list->params, (std::vector<Type>{Type::List(Type::Param("A")), Type::List(Type::Param("A"))}));
  EXPECT_EQ(add_list->result, Type::List(Type::Param("A")));

  const Overload* conditional = FindById("_?_:_", "conditional");
  ASSERT_NE(conditional, nullptr);
  EXPECT_EQ(conditional->params, (std::vector<Type>{Type::Bool(), Type::Param("A"), Type::Param("A")}));
  EXPECT_FALSE(conditional->strict);

  const Overload* index_map = FindById("_[_]", "index_map");
  ASSERT_NE(index_map, nullptr);
  EXPECT_EQ(index_map->params, (std::vector<Type>{Type::Map(Type::Param("K"), Type::Param("V")), Type::Param("K")}));
  EXPECT_EQ(index_map->result, Type::Param("V"));

  const Overload* type = FindById("type", "type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->result, Type::TypeOf(Type::Param("A")));

  const Overload* year_tz = FindById("getFullYear", "timestamp_to_year_with_tz");
  ASSERT_NE(year_tz, nullptr);
  EXPECT_TRUE(year_tz->receiver_style);
  EXPECT_EQ(year_tz->params, (std::vector<Type>{Type::Timestamp(), Type::String()}));
  EXPECT_EQ(year_tz->result, Type::Int());

  const Overload* less = FindById("_<_", "less_int64_double");
  ASSERT_NE(less, nullptr);
  EXPECT_EQ(less->params, (std::vector<Type>{Type::Int(), Type::Double()}));

  const Overload* size_receiver = FindById("size", "string_size");
  ASSERT_NE(size_receiver, nullptr);
  EXPECT_TRUE(size_receiver->receiver_style);
  const Overload* size_global = FindById("size", "size_string");
  ASSERT_NE(size_global, nullptr);
  EXPECT_FALSE(size_global->receiver_style);
}

}  // namespace
}  // namespace stagegate::cel
