// The math extension (cel-go ext.Math): greatest/least, rounding, abs, sign,
// floating-point classification and bitwise operations.
//
// cel-go implements math.greatest / math.least as macros that reject
// non-numeric constants at parse time; here they are ordinary variadic
// functions over dyn and the same checks happen at run time.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "engine/cel/extensions/extensions.h"
#include "engine/cel/extensions/internal.h"

namespace stagegate::cel {
namespace {

using extensions_internal::AddOverload;
using extensions_internal::NoSuchOverload;

// The most arguments math.greatest / math.least accept in their variadic form;
// more can be passed as a list.
constexpr int kMaxVariadicArgs = 8;

bool IsNumber(const Value& v) { return v.IsInt() || v.IsUint() || v.IsDouble(); }

// Compares two numbers across int, uint and double; nullopt when a NaN is involved.
std::optional<int> CompareNumbers(const Value& a, const Value& b) {
  const auto sign = [](auto x, auto y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (a.IsDouble() || b.IsDouble()) {
    if (a.IsDouble() && b.IsDouble()) {
      double x = a.GetDouble();
      double y = b.GetDouble();
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      return sign(x, y);
    }
    // One double, one integer: compare exactly, not through a lossy conversion.
    bool flipped = !a.IsDouble();
    const Value& d = flipped ? b : a;
    const Value& n = flipped ? a : b;
    double x = d.GetDouble();
    if (std::isnan(x)) return std::nullopt;
    int result;
    if (n.IsInt()) {
      int64_t i = n.GetInt();
      if (x < -9223372036854775808.0) {
        result = -1;
      } else if (x >= 9223372036854775808.0) {
        result = 1;
      } else {
        double t = std::trunc(x);
        auto ti = static_cast<int64_t>(t);
        result = ti != i ? sign(ti, i) : sign(x, t);
      }
    } else {
      uint64_t u = n.GetUint();
      if (x < 0) {
        result = -1;
      } else if (x >= 18446744073709551616.0) {
        result = 1;
      } else {
        double t = std::trunc(x);
        auto tu = static_cast<uint64_t>(t);
        result = tu != u ? sign(tu, u) : sign(x, t);
      }
    }
    return flipped ? -result : result;
  }
  if (a.IsInt() && b.IsInt()) return sign(a.GetInt(), b.GetInt());
  if (a.IsUint() && b.IsUint()) return sign(a.GetUint(), b.GetUint());
  if (a.IsInt()) {
    if (a.GetInt() < 0) return -1;
    return sign(static_cast<uint64_t>(a.GetInt()), b.GetUint());
  }
  if (b.GetInt() < 0) return 1;
  return sign(a.GetUint(), static_cast<uint64_t>(b.GetInt()));
}

// Returns the greatest (`want` = 1) or least (`want` = -1) of `values`, as the
// original value; the first of equal values wins.
Value Extreme(std::span<const Value> values, int want, std::string_view function) {
  if (values.empty()) return Value::Error(std::string(function) + "(list) argument must not be empty");
  const Value* best = nullptr;
  for (const Value& v : values) {
    if (v.IsErrorOrUnknown()) return v;
    if (!IsNumber(v))
      return Value::Error("no such overload: " + std::string(function) + " applied to " + std::string(v.TypeName()));
    if (best == nullptr) {
      best = &v;
      continue;
    }
    std::optional<int> c = CompareNumbers(v, *best);
    if (c.has_value() && *c == want) best = &v;
  }
  return *best;
}

Value ExtremeOfArgs(std::span<const Value> args, int want, std::string_view function) {
  if (args.size() == 1 && args[0].IsList()) {
    const Value& list = args[0];
    std::vector<Value> elements;
    size_t n = list.ListSize();
    elements.reserve(n);
    for (size_t i = 0; i < n; ++i) elements.push_back(list.ListGet(i));
    return Extreme(elements, want, function);
  }
  return Extreme(args, want, function);
}

void RegisterExtreme(FunctionRegistry& registry, std::string_view function, std::string_view id_stem, int want) {
  std::string name(function);
  auto impl = [want, name](std::span<const Value> args, EvalContext&) { return ExtremeOfArgs(args, want, name); };
  // The one-argument overload takes a number or a list of numbers.
  AddOverload(registry, function, std::string(id_stem) + "_list", false, {Type::List(Type::Dyn())}, Type::Dyn(), impl);
  for (int n = 1; n <= kMaxVariadicArgs; ++n) {
    AddOverload(registry, function, std::string(id_stem) + "_" + std::to_string(n), false,
                std::vector<Type>(static_cast<size_t>(n), Type::Dyn()), Type::Dyn(), impl);
  }
}

using DoubleFn = double (*)(double);

void RegisterDoubleToDouble(FunctionRegistry& registry, std::string_view function, std::string id, DoubleFn fn) {
  AddOverload(registry, function, std::move(id), false, {Type::Double()}, Type::Double(),
              [fn](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsDouble()) return NoSuchOverload();
                return Value::Double(fn(args[0].GetDouble()));
              });
}

void RegisterDoubleToBool(FunctionRegistry& registry, std::string_view function, std::string id, bool (*fn)(double)) {
  AddOverload(registry, function, std::move(id), false, {Type::Double()}, Type::Bool(),
              [fn](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsDouble()) return NoSuchOverload();
                return Value::Bool(fn(args[0].GetDouble()));
              });
}

// Registers int and uint overloads of a binary bitwise operation.
template <typename IntOp, typename UintOp>
void RegisterBitwise(FunctionRegistry& registry, std::string_view function, std::string_view id_stem, IntOp int_op,
                     UintOp uint_op) {
  AddOverload(registry, function, std::string(id_stem) + "_int_int", false, {Type::Int(), Type::Int()}, Type::Int(),
              [int_op](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsInt() || !args[1].IsInt()) return NoSuchOverload();
                return Value::Int(int_op(args[0].GetInt(), args[1].GetInt()));
              });
  AddOverload(registry, function, std::string(id_stem) + "_uint_uint", false, {Type::Uint(), Type::Uint()},
              Type::Uint(), [uint_op](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsUint() || !args[1].IsUint()) return NoSuchOverload();
                return Value::Uint(uint_op(args[0].GetUint(), args[1].GetUint()));
              });
}

// Shifts `bits` left (`left`) or right, logically; shifts of 64 or more give 0.
uint64_t Shift(uint64_t bits, int64_t offset, bool left) {
  if (offset >= 64) return 0;
  return left ? bits << offset : bits >> offset;
}

void RegisterShift(FunctionRegistry& registry, std::string_view function, std::string_view id_stem, bool left) {
  AddOverload(
      registry, function, std::string(id_stem) + "_int_int", false, {Type::Int(), Type::Int()}, Type::Int(),
      [left](std::span<const Value> args, EvalContext&) {
        if (!args[0].IsInt() || !args[1].IsInt()) return NoSuchOverload();
        if (args[1].GetInt() < 0)
          return Value::Error("math." + std::string(left ? "bitShiftLeft" : "bitShiftRight") +
                              "() negative offset: " + std::to_string(args[1].GetInt()));
        return Value::Int(static_cast<int64_t>(Shift(static_cast<uint64_t>(args[0].GetInt()), args[1].GetInt(), left)));
      });
  AddOverload(registry, function, std::string(id_stem) + "_uint_int", false, {Type::Uint(), Type::Int()}, Type::Uint(),
              [left](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsUint() || !args[1].IsInt()) return NoSuchOverload();
                if (args[1].GetInt() < 0)
                  return Value::Error("math." + std::string(left ? "bitShiftLeft" : "bitShiftRight") +
                                      "() negative offset: " + std::to_string(args[1].GetInt()));
                return Value::Uint(Shift(args[0].GetUint(), args[1].GetInt(), left));
              });
}

double Sign(double x) {
  if (std::isnan(x)) return x;
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

}  // namespace

void RegisterMathExtension(FunctionRegistry& registry) {
  RegisterExtreme(registry, "math.greatest", "math_@max", 1);
  RegisterExtreme(registry, "math.least", "math_@min", -1);

  RegisterDoubleToDouble(registry, "math.ceil", "math_ceil_double", [](double x) { return std::ceil(x); });
  RegisterDoubleToDouble(registry, "math.floor", "math_floor_double", [](double x) { return std::floor(x); });
  // std::round rounds half away from zero, as cel-go's math.Round does.
  RegisterDoubleToDouble(registry, "math.round", "math_round_double", [](double x) { return std::round(x); });
  RegisterDoubleToDouble(registry, "math.trunc", "math_trunc_double", [](double x) { return std::trunc(x); });
  RegisterDoubleToBool(registry, "math.isNaN", "math_isNaN_double", [](double x) { return std::isnan(x); });
  RegisterDoubleToBool(registry, "math.isInf", "math_isInf_double", [](double x) { return std::isinf(x); });
  RegisterDoubleToBool(registry, "math.isFinite", "math_isFinite_double", [](double x) { return std::isfinite(x); });

  AddOverload(registry, "math.abs", "math_abs_int", false, {Type::Int()}, Type::Int(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsInt()) return NoSuchOverload();
                int64_t i = args[0].GetInt();
                if (i == std::numeric_limits<int64_t>::min()) return Value::Error("integer overflow");
                return Value::Int(i < 0 ? -i : i);
              });
  AddOverload(registry, "math.abs", "math_abs_uint", false, {Type::Uint()}, Type::Uint(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsUint()) return NoSuchOverload();
                return args[0];
              });
  RegisterDoubleToDouble(registry, "math.abs", "math_abs_double", [](double x) { return std::fabs(x); });

  AddOverload(registry, "math.sign", "math_sign_int", false, {Type::Int()}, Type::Int(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsInt()) return NoSuchOverload();
                int64_t i = args[0].GetInt();
                return Value::Int(i > 0 ? 1 : (i < 0 ? -1 : 0));
              });
  AddOverload(registry, "math.sign", "math_sign_uint", false, {Type::Uint()}, Type::Uint(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsUint()) return NoSuchOverload();
                return Value::Uint(args[0].GetUint() > 0 ? 1 : 0);
              });
  RegisterDoubleToDouble(registry, "math.sign", "math_sign_double", Sign);

  for (auto [type, id] : {std::pair{Type::Int(), "math_sqrt_int"}, std::pair{Type::Uint(), "math_sqrt_uint"},
                          std::pair{Type::Double(), "math_sqrt_double"}}) {
    AddOverload(registry, "math.sqrt", id, false, {type}, Type::Double(),
                [](std::span<const Value> args, EvalContext&) {
                  const Value& v = args[0];
                  if (v.IsInt()) return Value::Double(std::sqrt(static_cast<double>(v.GetInt())));
                  if (v.IsUint()) return Value::Double(std::sqrt(static_cast<double>(v.GetUint())));
                  if (v.IsDouble()) return Value::Double(std::sqrt(v.GetDouble()));
                  return NoSuchOverload();
                });
  }

  RegisterBitwise(
      registry, "math.bitAnd", "math_bitAnd", [](int64_t a, int64_t b) { return a & b; },
      [](uint64_t a, uint64_t b) { return a & b; });
  RegisterBitwise(
      registry, "math.bitOr", "math_bitOr", [](int64_t a, int64_t b) { return a | b; },
      [](uint64_t a, uint64_t b) { return a | b; });
  RegisterBitwise(
      registry, "math.bitXor", "math_bitXor", [](int64_t a, int64_t b) { return a ^ b; },
      [](uint64_t a, uint64_t b) { return a ^ b; });
  AddOverload(registry, "math.bitNot", "math_bitNot_int_int", false, {Type::Int()}, Type::Int(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsInt()) return NoSuchOverload();
                return Value::Int(~args[0].GetInt());
              });
  AddOverload(registry, "math.bitNot", "math_bitNot_uint_uint", false, {Type::Uint()}, Type::Uint(),
              [](std::span<const Value> args, EvalContext&) {
                if (!args[0].IsUint()) return NoSuchOverload();
                return Value::Uint(~args[0].GetUint());
              });
  RegisterShift(registry, "math.bitShiftLeft", "math_bitShiftLeft", true);
  RegisterShift(registry, "math.bitShiftRight", "math_bitShiftRight", false);
}

}  // namespace stagegate::cel
