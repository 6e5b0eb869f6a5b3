#include "engine/subjects/subject_value.h"

#include <atomic>

#include <gtest/gtest.h>

#include "engine/cel/cel.h"

namespace stagegate::subjects {
namespace {

using facts::SubjectKind;

class SubjectValueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_.AddFile("in.yaml",
                 "kind: device\nid: d1\nsite: plant-a\nlabels: {env: prod}\n---\n"
                 "kind: stream\nid: s1\ndevice: d1\nquality: {missing_ratio: 0.031, late: 2}\n---\n"
                 "kind: stream\nid: s2\ndevice: ghost\nquality: {}\n");
    set_.Finish();
    ASSERT_TRUE(set_.ok());
    schema_.Add(SubjectKind::kStream, {"quality.missing_ratio", cel::Type::Double(), "ratio", "", {}, false});
    schema_.Add(SubjectKind::kDevice, {"site", cel::Type::String(), "", "", {}, false});
  }

  // Evaluates `expression` against subject `id` of `kind`, capturing reads.
  cel::Value Eval(SubjectKind kind, const std::string& id, const std::string& expression,
                  const BindingOptions* options = nullptr) {
    cel::Environment env = cel::Environment::Standard();
    env.options().type_check = false;
    compiled_ = cel::Compile(env, cel::Source(expression));
    EXPECT_TRUE(compiled_.ok()) << expression;
    subject_ = set_.Find(kind, id);
    SubjectScope scope(*subject_, &capture_, options);
    capture_.Clear();
    cel::MapActivation activation;
    activation.Bind(std::string(facts::SubjectKindName(kind)), SubjectValue(*subject_));
    return compiled_.program->Evaluate(activation);
  }

  std::map<std::string, nlohmann::json> Evidence() {
    std::map<std::string, nlohmann::json> out;
    CollectEvidence(*subject_, capture_, &out);
    return out;
  }

  SubjectSet set_;
  facts::FactSchema schema_;
  FactCapture capture_;
  cel::CompileResult compiled_;
  const Subject* subject_ = nullptr;
};

TEST_F(SubjectValueTest, CapturesLeafFactsWithTheirPaths) {
  cel::Value v = Eval(SubjectKind::kStream, "s1", "stream.quality.missing_ratio <= 0.02 && stream.device.site == 'plant-a'");
  ASSERT_TRUE(v.IsBool());
  EXPECT_FALSE(v.GetBool());
  auto evidence = Evidence();
  ASSERT_EQ(evidence.size(), 1u);  // && short-circuits: the site is never read
  EXPECT_DOUBLE_EQ(evidence["stream.quality.missing_ratio"].get<double>(), 0.031);
}

TEST_F(SubjectValueTest, FollowsTheDeviceLink) {
  cel::Value v = Eval(SubjectKind::kStream, "s1", "stream.device.site == 'plant-a'");
  ASSERT_TRUE(v.IsBool());
  EXPECT_TRUE(v.GetBool());
  auto evidence = Evidence();
  EXPECT_EQ(evidence["stream.device.site"], "plant-a");
}

TEST_F(SubjectValueTest, WholeObjectsOnlyWhenUsedAsAWhole) {
  cel::Value v = Eval(SubjectKind::kStream, "s1", "size(stream.quality) == 2");
  ASSERT_TRUE(v.IsBool());
  auto evidence = Evidence();
  ASSERT_EQ(evidence.count("stream.quality"), 1u);
  EXPECT_EQ(evidence["stream.quality"]["late"], 2);
}

TEST_F(SubjectValueTest, MissingFactIsNamed) {
  cel::Value v = Eval(SubjectKind::kStream, "s2", "stream.quality.missing_ratio <= 0.02");
  ASSERT_TRUE(v.IsError());
  std::optional<MissingFact> missing = FindMissingFact(*subject_, capture_, v.ErrorMessage(), schema_);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->path, "stream.quality.missing_ratio");
  EXPECT_EQ(missing->message, "stream s2 has no value for stream.quality.missing_ratio");
}

TEST_F(SubjectValueTest, HasStillSeesAbsentFields) {
  cel::Value v = Eval(SubjectKind::kStream, "s2", "!has(stream.quality.missing_ratio) || stream.quality.missing_ratio < 1.0");
  ASSERT_TRUE(v.IsBool());
  EXPECT_TRUE(v.GetBool());
}

TEST_F(SubjectValueTest, PathsThatAreNotFactsStayErrors) {
  cel::Value v = Eval(SubjectKind::kStream, "s1", "stream.quality.nonsense > 1");
  ASSERT_TRUE(v.IsError());
  EXPECT_FALSE(FindMissingFact(*subject_, capture_, v.ErrorMessage(), schema_).has_value());
}

TEST_F(SubjectValueTest, BrokenDeviceLinkIsAMissingFactWithTheLinkError) {
  cel::Value v = Eval(SubjectKind::kStream, "s2", "stream.device.site == 'plant-a'");
  ASSERT_TRUE(v.IsError());
  std::optional<MissingFact> missing = FindMissingFact(*subject_, capture_, v.ErrorMessage(), schema_);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->path, "stream.device");
  EXPECT_EQ(missing->message, "stream s2 names device ghost, which is not in the inputs");
}

class CountingProvider : public FactProvider {
 public:
  ComputedFact Compute(const Subject& subject, std::string_view fact) const override {
    ++calls;
    if (fact == "identity.cert.days_to_expiry") return ComputedFact::Of(subject.id == "d1" ? 42 : 0);
    if (fact == "identity.cert.broken") return ComputedFact::Error("certificate unreadable");
    return ComputedFact::Missing();
  }
  mutable std::atomic<int> calls{0};
};

TEST_F(SubjectValueTest, ComputedFactsAreProducedOnlyWhenReadAndCached) {
  auto provider = std::make_shared<CountingProvider>();
  FactProviderRegistry registry;
  registry.Register(SubjectKind::kDevice, "identity.cert", provider);
  ComputedFactCache cache;
  BindingOptions options{&registry, &cache};
  cel::Value v = Eval(SubjectKind::kDevice, "d1", "device.site == 'plant-a'", &options);
  EXPECT_EQ(provider->calls.load(), 0);
  v = Eval(SubjectKind::kDevice, "d1", "device.identity.cert.days_to_expiry > 30", &options);
  ASSERT_TRUE(v.IsBool()) << v.DebugString();
  EXPECT_TRUE(v.GetBool());
  EXPECT_EQ(Evidence()["device.identity.cert.days_to_expiry"], 42);
  const int calls = provider->calls.load();
  EXPECT_GE(calls, 1);
  v = Eval(SubjectKind::kDevice, "d1", "device.identity.cert.days_to_expiry > 50", &options);
  EXPECT_EQ(provider->calls.load(), calls);  // cached per subject
  v = Eval(SubjectKind::kDevice, "d1", "device.identity.cert.broken", &options);
  ASSERT_TRUE(v.IsError());
  EXPECT_NE(v.ErrorMessage().find("certificate unreadable"), std::string::npos);
}

TEST_F(SubjectValueTest, EvictedFactsAreComputedAgainAndOthersKept) {
  auto provider = std::make_shared<CountingProvider>();
  FactProviderRegistry registry;
  registry.Register(SubjectKind::kDevice, "identity.cert", provider);
  registry.Register(SubjectKind::kStream, "identity.cert", provider);
  ComputedFactCache cache;
  BindingOptions options{&registry, &cache};
  Eval(SubjectKind::kDevice, "d1", "device.identity.cert.days_to_expiry > 30", &options);
  Eval(SubjectKind::kStream, "s1", "stream.identity.cert.days_to_expiry > 30", &options);
  const int calls = provider->calls.load();
  cache.Evict(*set_.Find(SubjectKind::kStream, "s1"));
  // The device's entry survives its stream's eviction...
  cel::Value v = Eval(SubjectKind::kDevice, "d1", "device.identity.cert.days_to_expiry > 30", &options);
  ASSERT_TRUE(v.IsBool()) << v.DebugString();
  EXPECT_TRUE(v.GetBool());
  EXPECT_EQ(provider->calls.load(), calls);
  // ...and the stream's fact is computed again, to the same value.
  v = Eval(SubjectKind::kStream, "s1", "stream.identity.cert.days_to_expiry == 0", &options);
  ASSERT_TRUE(v.IsBool()) << v.DebugString();
  EXPECT_TRUE(v.GetBool());
  EXPECT_GT(provider->calls.load(), calls);
  cache.Evict(*set_.Find(SubjectKind::kStream, "s2"));  // nothing cached: a no-op
}

TEST_F(SubjectValueTest, ReadingAllocatesNothingOnceWarm) {
  // The capture buffer keeps its capacity across evaluations.
  Eval(SubjectKind::kStream, "s1", "stream.quality.missing_ratio <= 0.02");
  const size_t capacity = capture_.reads_.capacity();
  Eval(SubjectKind::kStream, "s1", "stream.quality.missing_ratio <= 0.02");
  EXPECT_EQ(capture_.reads_.capacity(), capacity);
  EXPECT_EQ(capture_.reads_.size(), 1u);
}

}  // namespace
}  // namespace stagegate::subjects
