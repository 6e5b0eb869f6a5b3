// Arithmetic: checked int and uint, IEEE double, concatenation, and time arithmetic.

#include <limits>

#include "engine/cel/stdlib/internal.h"

namespace stagegate::cel::stdlib_internal {

namespace {

Value Overflow() { return Value::Error(std::string(kOverflowError)); }

Value TimestampOrRangeError(Int128 nanos) {
  std::optional<Timestamp> t = TimestampFromNanos(nanos);
  if (!t) return Value::Error(std::string(kTimestampRangeError));
  return Value::TimestampOf(*t);
}

Value DurationOrRangeError(Int128 nanos) {
  if (nanos > std::numeric_limits<int64_t>::max() || nanos < std::numeric_limits<int64_t>::min()) {
    return Value::Error(std::string(kDurationRangeError));
  }
  return Value::DurationOf(Duration{static_cast<int64_t>(nanos)});
}

int64_t ConcatCost(std::span<const Value> args) {
  return static_cast<int64_t>((args[0].GetString().size() + args[1].GetString().size()) / 10);
}

// A list that holds the elements of two lists, concatenated.
Value ConcatLists(const Value& a, const Value& b) {
  size_t a_size = a.ListSize();
  size_t b_size = b.ListSize();
  if (a_size == 0) return b;
  if (b_size == 0) return a;
  std::vector<Value> elements;
  elements.reserve(a_size + b_size);
  for (size_t i = 0; i < a_size; ++i) elements.push_back(a.ListGet(i));
  for (size_t i = 0; i < b_size; ++i) elements.push_back(b.ListGet(i));
  return Value::ListOf(std::move(elements));
}

}  // namespace

void RegisterArithmeticFunctions(FunctionRegistry& registry) {
  const Type kInt = Type::Int();
  const Type kUint = Type::Uint();
  const Type kDouble = Type::Double();

  // int
  AddOverload(registry, "_+_", "add_int64", {kInt, kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t r;
    if (__builtin_add_overflow(args[0].GetInt(), args[1].GetInt(), &r)) return Overflow();
    return Value::Int(r);
  });
  AddOverload(registry, "_-_", "subtract_int64", {kInt, kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t r;
    if (__builtin_sub_overflow(args[0].GetInt(), args[1].GetInt(), &r)) return Overflow();
    return Value::Int(r);
  });
  AddOverload(registry, "_*_", "multiply_int64", {kInt, kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t r;
    if (__builtin_mul_overflow(args[0].GetInt(), args[1].GetInt(), &r)) return Overflow();
    return Value::Int(r);
  });
  AddOverload(registry, "_/_", "divide_int64", {kInt, kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t a = args[0].GetInt();
    int64_t b = args[1].GetInt();
    if (b == 0) return Value::Error("division by zero");
    if (a == std::numeric_limits<int64_t>::min() && b == -1) return Overflow();
    return Value::Int(a / b);
  });
  AddOverload(registry, "_%_", "modulo_int64", {kInt, kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t a = args[0].GetInt();
    int64_t b = args[1].GetInt();
    if (b == 0) return Value::Error("modulus by zero");
    if (a == std::numeric_limits<int64_t>::min() && b == -1) return Overflow();
    return Value::Int(a % b);
  });
  AddOverload(registry, "-_", "negate_int64", {kInt}, kInt, [](std::span<const Value> args, EvalContext&) {
    int64_t a = args[0].GetInt();
    if (a == std::numeric_limits<int64_t>::min()) return Overflow();
    return Value::Int(-a);
  });

  // uint
  AddOverload(registry, "_+_", "add_uint64", {kUint, kUint}, kUint, [](std::span<const Value> args, EvalContext&) {
    uint64_t r;
    if (__builtin_add_overflow(args[0].GetUint(), args[1].GetUint(), &r)) return Overflow();
    return Value::Uint(r);
  });
  AddOverload(registry, "_-_", "subtract_uint64", {kUint, kUint}, kUint,
              [](std::span<const Value> args, EvalContext&) {
                uint64_t r;
                if (__builtin_sub_overflow(args[0].GetUint(), args[1].GetUint(), &r)) return Overflow();
                return Value::Uint(r);
              });
  AddOverload(registry, "_*_", "multiply_uint64", {kUint, kUint}, kUint,
              [](std::span<const Value> args, EvalContext&) {
                uint64_t r;
                if (__builtin_mul_overflow(args[0].GetUint(), args[1].GetUint(), &r)) return Overflow();
                return Value::Uint(r);
              });
  AddOverload(registry, "_/_", "divide_uint64", {kUint, kUint}, kUint, [](std::span<const Value> args, EvalContext&) {
    if (args[1].GetUint() == 0) return Value::Error("division by zero");
    return Value::Uint(args[0].GetUint() / args[1].GetUint());
  });
  AddOverload(registry, "_%_", "modulo_uint64", {kUint, kUint}, kUint, [](std::span<const Value> args, EvalContext&) {
    if (args[1].GetUint() == 0) return Value::Error("modulus by zero");
    return Value::Uint(args[0].GetUint() % args[1].GetUint());
  });

  // double: IEEE 754, no errors.
  AddOverload(registry, "_+_", "add_double", {kDouble, kDouble}, kDouble,
              [](std::span<const Value> args, EvalContext&) {
                return Value::Double(args[0].GetDouble() + args[1].GetDouble());
              });
  AddOverload(registry, "_-_", "subtract_double", {kDouble, kDouble}, kDouble,
              [](std::span<const Value> args, EvalContext&) {
                return Value::Double(args[0].GetDouble() - args[1].GetDouble());
              });
  AddOverload(registry, "_*_", "multiply_double", {kDouble, kDouble}, kDouble,
              [](std::span<const Value> args, EvalContext&) {
                return Value::Double(args[0].GetDouble() * args[1].GetDouble());
              });
  AddOverload(registry, "_/_", "divide_double", {kDouble, kDouble}, kDouble,
              [](std::span<const Value> args, EvalContext&) {
                return Value::Double(args[0].GetDouble() / args[1].GetDouble());
              });
  AddOverload(registry, "-_", "negate_double", {kDouble}, kDouble,
              [](std::span<const Value> args, EvalContext&) { return Value::Double(-args[0].GetDouble()); });

  // Concatenation.
  {
    Overload o;
    o.id = "add_string";
    o.params = {Type::String(), Type::String()};
    o.result = Type::String();
    o.impl = [](std::span<const Value> args, EvalContext&) {
      if (args[1].GetString().empty()) return args[0];
      if (args[0].GetString().empty()) return args[1];
      std::string s;
      s.reserve(args[0].GetString().size() + args[1].GetString().size());
      s.append(args[0].GetString());
      s.append(args[1].GetString());
      return Value::String(std::move(s));
    };
    o.cost = ConcatCost;
    registry.Add("_+_", std::move(o));
  }
  {
    Overload o;
    o.id = "add_bytes";
    o.params = {Type::Bytes(), Type::Bytes()};
    o.result = Type::Bytes();
    o.impl = [](std::span<const Value> args, EvalContext&) {
      if (args[1].GetString().empty()) return args[0];
      if (args[0].GetString().empty()) return args[1];
      std::string s;
      s.reserve(args[0].GetString().size() + args[1].GetString().size());
      s.append(args[0].GetString());
      s.append(args[1].GetString());
      return Value::Bytes(std::move(s));
    };
    o.cost = ConcatCost;
    registry.Add("_+_", std::move(o));
  }
  {
    Overload o;
    o.id = "add_list";
    o.params = {Type::List(Type::Param("A")), Type::List(Type::Param("A"))};
    o.result = Type::List(Type::Param("A"));
    o.impl = [](std::span<const Value> args, EvalContext&) { return ConcatLists(args[0], args[1]); };
    o.cost = [](std::span<const Value> args) {
      return static_cast<int64_t>((args[0].ListSize() + args[1].ListSize()) / 10);
    };
    registry.Add("_+_", std::move(o));
  }

  // Time arithmetic, range-checked.
  const Type kTs = Type::Timestamp();
  const Type kDur = Type::Duration();
  AddOverload(registry, "_+_", "add_timestamp_duration", {kTs, kDur}, kTs,
              [](std::span<const Value> args, EvalContext&) {
                return TimestampOrRangeError(TimestampToNanos(args[0].GetTimestamp()) +
                                             args[1].GetDuration().nanos);
              });
  AddOverload(registry, "_+_", "add_duration_timestamp", {kDur, kTs}, kTs,
              [](std::span<const Value> args, EvalContext&) {
                return TimestampOrRangeError(TimestampToNanos(args[1].GetTimestamp()) +
                                             args[0].GetDuration().nanos);
              });
  AddOverload(registry, "_+_", "add_duration_duration", {kDur, kDur}, kDur,
              [](std::span<const Value> args, EvalContext&) {
                return DurationOrRangeError(static_cast<Int128>(args[0].GetDuration().nanos) +
                                            args[1].GetDuration().nanos);
              });
  AddOverload(registry, "_-_", "subtract_timestamp_duration", {kTs, kDur}, kTs,
              [](std::span<const Value> args, EvalContext&) {
                return TimestampOrRangeError(TimestampToNanos(args[0].GetTimestamp()) -
                                             args[1].GetDuration().nanos);
              });
  AddOverload(registry, "_-_", "subtract_timestamp_timestamp", {kTs, kTs}, kDur,
              [](std::span<const Value> args, EvalContext&) {
                return DurationOrRangeError(TimestampToNanos(args[0].GetTimestamp()) -
                                            TimestampToNanos(args[1].GetTimestamp()));
              });
  AddOverload(registry, "_-_", "subtract_duration_duration", {kDur, kDur}, kDur,
              [](std::span<const Value> args, EvalContext&) {
                return DurationOrRangeError(static_cast<Int128>(args[0].GetDuration().nanos) -
                                            args[1].GetDuration().nanos);
              });
}

}  // namespace stagegate::cel::stdlib_internal
