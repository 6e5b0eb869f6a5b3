// Runs the CEL conformance suite (tests/conformance/conformance.json, or any
// file of the same format) against the engine.
//
//   cel_conformance [--suite FILE] [--known-failures FILE] [--file F] [--section S]
//                   [--name N] [--verbose] [--write-known-failures FILE]
//
// Every test marked applicable is run. A test listed in the known-failures
// file is expected to fail; the run fails when an unlisted test fails or a
// listed one passes (so the list stays true). One line is printed per failing
// test; the last line is "N passed, N failed".

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cel/cel.h"
#include "tests/conformance/conformance_values.h"

namespace stagegate::conformance {
namespace {

struct Options {
  std::string suite = STAGEGATE_CONFORMANCE_SUITE;
  std::string known_failures = STAGEGATE_CONFORMANCE_KNOWN_FAILURES;
  std::string write_known_failures;
  std::string file;
  std::string section;
  std::string name;
  bool verbose = false;
};

struct Outcome {
  bool passed = false;
  std::string detail;  // why it failed
};

std::string TestId(const nlohmann::json& test) {
  return test.value("file", "") + "/" + test.value("section", "") + "/" + test.value("name", "");
}

std::string Describe(const cel::Value& value) {
  return std::string(value.TypeName()) + " " + value.DebugString();
}

Outcome RunTest(const nlohmann::json& test) {
  cel::Environment env = cel::Environment::Standard();
  env.options().container = test.value("container", "");
  const bool check = !test.value("disableCheck", false);
  env.options().type_check = check;
  if (test.contains("typeEnv")) {
    for (const auto& decl : test["typeEnv"]) {
      if (decl.contains("ident")) {
        const auto& ident = decl["ident"];
        env.DeclareVariable(decl.value("name", ""),
                            ident.contains("type") ? TypeFromProtoJson(ident["type"]) : cel::Type::Dyn());
      }
    }
  }
  cel::MapActivation activation;
  if (test.contains("bindings")) {
    for (const auto& [name, binding] : test["bindings"].items()) {
      cel::Value value;
      std::string error;
      if (!binding.contains("value") || !ValueFromProtoJson(binding["value"], &value, &error)) {
        return {false, "cannot bind '" + name + "': " + error};
      }
      activation.Bind(name, std::move(value));
      if (check && !env.variables().count(name)) env.DeclareVariable(name, cel::Type::Dyn());
    }
  }

  cel::Source source(test.value("expr", ""));
  cel::CompileResult compiled = cel::Compile(env, source);
  if (!compiled.ok()) {
    return {false, "compile error: " + cel::FormatDiagnostics(source, compiled.diagnostics)};
  }
  if (test.value("checkOnly", false)) return {true, ""};

  cel::Value result = compiled.program->Evaluate(activation);

  if (test.contains("evalError")) {
    if (result.IsError()) return {true, ""};
    return {false, "expected an error, got " + Describe(result)};
  }
  nlohmann::json expected_json;
  if (test.contains("value")) {
    expected_json = test["value"];
  } else if (test.contains("typedResult")) {
    expected_json = test["typedResult"].value("result", nlohmann::json{{"boolValue", true}});
  } else {
    expected_json = nlohmann::json{{"boolValue", true}};  // the suite's default expectation
  }
  cel::Value expected;
  std::string error;
  if (!ValueFromProtoJson(expected_json, &expected, &error)) return {false, "expected value: " + error};
  if (result.IsError()) return {false, "expected " + Describe(expected) + ", got error: " + result.ErrorMessage()};
  if (result.IsUnknown()) return {false, "expected " + Describe(expected) + ", got unknown"};
  if (!SameValue(expected, result)) {
    return {false, "expected " + Describe(expected) + ", got " + Describe(result)};
  }
  if (check && test.contains("typedResult") && test["typedResult"].contains("deducedType")) {
    cel::Type want = TypeFromProtoJson(test["typedResult"]["deducedType"]);
    const cel::Type& got = compiled.program->result_type();
    if (cel::TypeToString(want) != cel::TypeToString(got)) {
      return {false, "expected type " + cel::TypeToString(want) + ", got " + cel::TypeToString(got)};
    }
  }
  return {true, ""};
}

std::map<std::string, std::string> ReadKnownFailures(const std::string& path) {
  std::map<std::string, std::string> known;  // test id → reason
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t hash = line.find(" # ");
    std::string id = line.substr(0, hash == std::string::npos ? line.size() : hash);
    while (!id.empty() && (id.back() == ' ' || id.back() == '\t')) id.pop_back();
    known[id] = hash == std::string::npos ? "" : line.substr(hash + 3);
  }
  return known;
}

int Run(const Options& options) {
  std::ifstream in(options.suite);
  if (!in) {
    std::cerr << "cel_conformance: cannot open " << options.suite << "\n";
    return 2;
  }
  nlohmann::json suite;
  try {
    suite = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "cel_conformance: " << options.suite << " is not valid JSON: " << e.what() << "\n";
    return 2;
  }
  const bool full_run = options.file.empty() && options.section.empty() && options.name.empty();
  std::map<std::string, std::string> known = ReadKnownFailures(options.known_failures);
  std::set<std::string> seen;

  int passed = 0;
  int failed = 0;
  int unexpected = 0;
  int expected_failures = 0;
  std::vector<std::pair<std::string, std::string>> new_failures;  // id, detail
  for (const auto& test : suite) {
    if (!test.value("applicable", true)) continue;
    if (!options.file.empty() && test.value("file", "") != options.file) continue;
    if (!options.section.empty() && test.value("section", "") != options.section) continue;
    if (!options.name.empty() && test.value("name", "") != options.name) continue;
    const std::string id = TestId(test);
    seen.insert(id);
    Outcome outcome = RunTest(test);
    const bool listed = known.count(id) > 0;
    if (outcome.passed) {
      ++passed;
      if (listed) {
        ++unexpected;
        std::cout << "PASS (listed as a known failure; remove it from the list) " << id << "\n";
      } else if (options.verbose) {
        std::cout << "ok   " << id << "\n";
      }
    } else {
      ++failed;
      new_failures.emplace_back(id, outcome.detail);
      if (listed) {
        ++expected_failures;
        if (options.verbose) std::cout << "FAIL (known: " << known[id] << ") " << id << ": " << outcome.detail << "\n";
      } else {
        ++unexpected;
        std::cout << "FAIL " << id << ": " << test.value("expr", "") << ": " << outcome.detail << "\n";
      }
    }
  }
  if (full_run) {
    for (const auto& [id, reason] : known) {
      if (!seen.count(id)) {
        ++unexpected;
        std::cout << "STALE known failure (no such applicable test) " << id << "\n";
      }
    }
  }
  if (!options.write_known_failures.empty()) {
    std::ofstream out(options.write_known_failures);
    out << "# Applicable CEL conformance tests that Stagegate does not pass, with the reason.\n"
        << "# The conformance runner fails when a test listed here passes, or one not listed fails.\n";
    for (const auto& [id, detail] : new_failures) {
      std::string reason = known.count(id) ? known[id] : detail.substr(0, 160);
      for (char& c : reason) {
        if (c == '\n') c = ' ';
      }
      out << id << " # " << reason << "\n";
    }
  }
  if (expected_failures > 0) {
    std::cout << expected_failures << " of the failures are listed in " << options.known_failures << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return unexpected == 0 ? 0 : 1;
}

}  // namespace
}  // namespace stagegate::conformance

int main(int argc, char** argv) {
  stagegate::conformance::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&](std::string* into) {
      if (i + 1 >= argc) {
        std::cerr << "cel_conformance: " << arg << " needs a value\n";
        std::exit(2);
      }
      *into = argv[++i];
    };
    if (arg == "--suite") {
      next(&options.suite);
    } else if (arg == "--known-failures") {
      next(&options.known_failures);
    } else if (arg == "--write-known-failures") {
      next(&options.write_known_failures);
    } else if (arg == "--file") {
      next(&options.file);
    } else if (arg == "--section") {
      next(&options.section);
    } else if (arg == "--name") {
      next(&options.name);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << "usage: cel_conformance [--suite FILE] [--known-failures FILE] [--file F] [--section S] "
                   "[--name N] [--verbose] [--write-known-failures FILE]\n";
      return 0;
    } else {
      std::cerr << "cel_conformance: unknown argument " << arg << "\n";
      return 2;
    }
  }
  return stagegate::conformance::Run(options);
}
