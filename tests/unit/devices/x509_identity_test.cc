#include "evaluators/devices/x509_identity.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/devices/test_pki.h"

namespace stagegate::devices {
namespace {

using testing::CertSpec;
using testing::kDay;
using testing::kNow;

// A PKI for the verified-issuer cache: a root with a sound intermediate, an
// intermediate the root revoked, an expired one, and another root's
// intermediate; leaves under each, one of the sound intermediate's revoked.
class VerifiedIssuerTest : public ::testing::Test {
 protected:
  static constexpr long kGoodLeaf = 0x2001, kRevokedLeaf = 0x2002, kRevokedIntermediate = 0x12;

  VerifiedIssuerTest() {
    CertSpec root_spec{.common_name = "Cache Root", .serial = 0x10, .not_before = -365 * kDay,
                       .not_after = 3650 * kDay, .ca = true};
    root_ = testing::Issue(root_spec, root_key_.get(), nullptr, nullptr);
    good_ca_ = Intermediate("Good Device CA", 0x11, 1825 * kDay, root_.get(), root_key_.get());
    revoked_ca_ = Intermediate("Revoked Device CA", kRevokedIntermediate, 1825 * kDay, root_.get(), root_key_.get());
    expired_ca_ = Intermediate("Expired Device CA", 0x13, -kDay, root_.get(), root_key_.get());
    CertSpec other_spec{.common_name = "Other Root", .serial = 0x20, .not_before = -365 * kDay,
                        .not_after = 3650 * kDay, .ca = true};
    other_root_ = testing::Issue(other_spec, other_root_key_.get(), nullptr, nullptr);
    other_ca_ = Intermediate("Other Device CA", 0x21, 1825 * kDay, other_root_.get(), other_root_key_.get());
    root_crl_ = testing::Crl(root_.get(), root_key_.get(), {kRevokedIntermediate});
    good_ca_crl_ = testing::Crl(good_ca_.get(), ca_key_.get(), {kRevokedLeaf});
  }

  testing::Cert Intermediate(const std::string& name, long serial, std::int64_t not_after, X509* issuer,
                             EVP_PKEY* issuer_key) {
    CertSpec spec{.common_name = name, .serial = serial, .not_before = -365 * kDay, .not_after = not_after,
                  .ca = true};
    return testing::Issue(spec, ca_key_.get(), issuer, issuer_key);
  }

  // A device certificate issued by `ca`, parsed with `ca` as its chain.
  std::unique_ptr<const DeviceCertificate> Leaf(X509* ca, long serial) {
    CertSpec spec{.common_name = "dev-" + std::to_string(serial), .serial = serial};
    testing::Cert leaf = testing::Issue(spec, device_key_.get(), ca, ca_key_.get());
    std::string error;
    std::shared_ptr<const CertificateChain> chain = CertificateChain::Parse(testing::Pem(ca), &error);
    EXPECT_NE(chain, nullptr) << error;
    std::unique_ptr<const DeviceCertificate> certificate =
        DeviceCertificate::Parse(testing::Pem(leaf.get()), std::move(chain), &error);
    EXPECT_NE(certificate, nullptr) << error;
    return certificate;
  }

  std::shared_ptr<const TrustStore> Store(const std::vector<std::string>& crls) const {
    return TrustStore::Create({testing::Pem(root_.get())}, crls);
  }

  // The intermediates share one key: the cache must tell them apart by
  // their certificates, not their keys.
  testing::Key root_key_ = testing::MakeP256(), other_root_key_ = testing::MakeP256(), ca_key_ = testing::MakeP256(),
               device_key_ = testing::MakeEd25519();
  testing::Cert root_, good_ca_, revoked_ca_, expired_ca_, other_root_, other_ca_;
  std::string root_crl_, good_ca_crl_;
};

TEST_F(VerifiedIssuerTest, TwoDevicesOfOneIntermediateGetTheirOwnResults) {
  std::shared_ptr<const TrustStore> store = Store({root_crl_, good_ca_crl_});
  auto good = Leaf(good_ca_.get(), kGoodLeaf);
  auto revoked = Leaf(good_ca_.get(), kRevokedLeaf);
  for (int round = 0; round < 2; ++round) {  // the second round uses the verified issuer of the first
    const ChainVerification first = store->Verify(*good, kNow);
    EXPECT_TRUE(first.valid) << first.error;
    EXPECT_FALSE(first.revoked);
    const ChainVerification second = store->Verify(*revoked, kNow);
    EXPECT_FALSE(second.valid);
    EXPECT_EQ(second.error, "certificate revoked");
    EXPECT_TRUE(second.revoked);
  }
  EXPECT_EQ(store->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, ConcurrentDevicesOfOneIntermediateGetTheirOwnResults) {
  std::shared_ptr<const TrustStore> store = Store({root_crl_, good_ca_crl_});
  auto good = Leaf(good_ca_.get(), kGoodLeaf);
  auto revoked = Leaf(good_ca_.get(), kRevokedLeaf);
  std::vector<int> wrong(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const bool pick_good = (i + t) % 2 == 0;
        const ChainVerification result = store->Verify(pick_good ? *good : *revoked, kNow);
        if (result.valid != pick_good || result.revoked == pick_good) ++wrong[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, (std::vector<int>{0, 0}));
  EXPECT_EQ(store->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, ALeafOfAnIntermediateTheRootRevokedIsInvalid) {
  std::shared_ptr<const TrustStore> store =
      Store({root_crl_, good_ca_crl_, testing::Crl(revoked_ca_.get(), ca_key_.get(), {})});
  auto leaf = Leaf(revoked_ca_.get(), kGoodLeaf);
  auto sibling = Leaf(revoked_ca_.get(), kGoodLeaf + 1);
  for (const DeviceCertificate* certificate : {leaf.get(), sibling.get(), leaf.get()}) {
    const ChainVerification result = store->Verify(*certificate, kNow);
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.error, "certificate revoked (depth 1: CN=Revoked Device CA,O=Acme Fleet)");
    EXPECT_FALSE(result.revoked);  // the leaf itself is on no CRL
  }
  EXPECT_EQ(store->verified_issuers(), 0);
  // The sound intermediate under the same root is still trusted.
  EXPECT_TRUE(store->Verify(*Leaf(good_ca_.get(), kGoodLeaf), kNow).valid);
  EXPECT_EQ(store->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, ALeafOfAnExpiredIntermediateIsInvalid) {
  std::shared_ptr<const TrustStore> store = Store({});
  auto leaf = Leaf(expired_ca_.get(), kGoodLeaf);
  for (int round = 0; round < 2; ++round) {
    const ChainVerification result = store->Verify(*leaf, kNow);
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.error, "certificate has expired (depth 1: CN=Expired Device CA,O=Acme Fleet)");
  }
  EXPECT_EQ(store->verified_issuers(), 0);
  // Before its expiry, at another evaluation time, the same chain verifies.
  EXPECT_TRUE(store->Verify(*leaf, kNow - std::chrono::seconds(2 * kDay)).valid);
  EXPECT_EQ(store->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, ALeafOfAnotherRootsIntermediateDoesNotChain) {
  std::shared_ptr<const TrustStore> store = Store({});
  EXPECT_TRUE(store->Verify(*Leaf(good_ca_.get(), kGoodLeaf), kNow).valid);  // a verified issuer exists
  auto stranger = Leaf(other_ca_.get(), kGoodLeaf);
  for (int round = 0; round < 2; ++round) {
    const ChainVerification result = store->Verify(*stranger, kNow);
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.error, "unable to get local issuer certificate (depth 1: CN=Other Device CA,O=Acme Fleet)");
  }
  EXPECT_EQ(store->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, ALeafRevokedAfterItsIssuerWasVerifiedIsRevoked) {
  std::shared_ptr<const TrustStore> store = Store({root_crl_, good_ca_crl_});
  EXPECT_TRUE(store->Verify(*Leaf(good_ca_.get(), kGoodLeaf), kNow).valid);
  EXPECT_EQ(store->verified_issuers(), 1);
  const ChainVerification result = store->Verify(*Leaf(good_ca_.get(), kRevokedLeaf), kNow);
  EXPECT_FALSE(result.valid);
  EXPECT_TRUE(result.revoked);
  EXPECT_EQ(result.error, "certificate revoked");
}

TEST_F(VerifiedIssuerTest, TheLeafsIssuerMustHaveACrlTheRootsNeedNot) {
  // Only the intermediate's CRL: the intermediate is not judged by a CRL.
  std::shared_ptr<const TrustStore> only_leaf_crl = Store({good_ca_crl_});
  auto good = Leaf(good_ca_.get(), kGoodLeaf);
  EXPECT_TRUE(only_leaf_crl->Verify(*good, kNow).valid);
  EXPECT_TRUE(only_leaf_crl->Verify(*good, kNow).valid);
  // Only the root's CRL: the leaf's issuer has none, on both paths.
  std::shared_ptr<const TrustStore> only_root_crl = Store({root_crl_});
  for (int round = 0; round < 2; ++round) {
    const ChainVerification result = only_root_crl->Verify(*good, kNow);
    EXPECT_FALSE(result.valid);
    EXPECT_EQ(result.error, "unable to get certificate CRL");
  }
  EXPECT_EQ(only_root_crl->verified_issuers(), 1);
}

TEST_F(VerifiedIssuerTest, AServerOnlyLeafFailsThePurposeThroughAVerifiedIssuer) {
  std::shared_ptr<const TrustStore> store = Store({});
  EXPECT_TRUE(store->Verify(*Leaf(good_ca_.get(), kGoodLeaf), kNow).valid);
  CertSpec spec{.common_name = "server", .serial = 0x2003, .extended_key_usage = "serverAuth"};
  testing::Cert leaf = testing::Issue(spec, device_key_.get(), good_ca_.get(), ca_key_.get());
  std::string error;
  auto server = DeviceCertificate::Parse(testing::Pem(leaf.get()) + testing::Pem(good_ca_.get()), nullptr, &error);
  ASSERT_NE(server, nullptr) << error;
  const ChainVerification result = store->Verify(*server, kNow);
  EXPECT_FALSE(result.valid);
  EXPECT_EQ(result.error, "unsuitable certificate purpose");
  // A leaf forged with another key under the verified issuer's name fails its signature.
  testing::Key forger = testing::MakeP256();
  testing::Cert forged = testing::Issue({.common_name = "forged", .serial = 0x2004}, device_key_.get(), good_ca_.get(),
                                        forger.get());
  auto forged_certificate = DeviceCertificate::Parse(testing::Pem(forged.get()) + testing::Pem(good_ca_.get()),
                                                     nullptr, &error);
  ASSERT_NE(forged_certificate, nullptr) << error;
  EXPECT_EQ(store->Verify(*forged_certificate, kNow).error, "certificate signature failure");
  EXPECT_EQ(store->verified_issuers(), 1);  // both went through the issuer verified first
}

TEST_F(VerifiedIssuerTest, ALeafARootIssuedIsVerifiedWithItsWholeChain) {
  std::shared_ptr<const TrustStore> store = Store({});
  CertSpec spec{.common_name = "direct", .serial = 0x2005};
  testing::Cert leaf = testing::Issue(spec, device_key_.get(), root_.get(), root_key_.get());
  std::string error;
  // The chain names an intermediate too, as a device file might; the root issued the leaf.
  auto direct = DeviceCertificate::Parse(testing::Pem(leaf.get()) + testing::Pem(good_ca_.get()), nullptr, &error);
  ASSERT_NE(direct, nullptr) << error;
  EXPECT_TRUE(store->Verify(*direct, kNow).valid);
  EXPECT_EQ(store->verified_issuers(), 0);
}

TEST_F(VerifiedIssuerTest, ARootsNameConstraintsStillBindEveryLeaf) {
  testing::Key key = testing::MakeP256();
  CertSpec root_spec{.common_name = "Constrained Root", .serial = 0x30, .not_before = -365 * kDay,
                     .not_after = 3650 * kDay, .ca = true, .name_constraints = "critical,permitted;DNS:.fleet.acme"};
  testing::Cert root = testing::Issue(root_spec, key.get(), nullptr, nullptr);
  testing::Cert ca = Intermediate("Constrained Device CA", 0x31, 1825 * kDay, root.get(), key.get());
  std::shared_ptr<const TrustStore> store = TrustStore::Create({testing::Pem(root.get())}, {});
  std::string error;
  std::shared_ptr<const CertificateChain> chain = CertificateChain::Parse(testing::Pem(ca.get()), &error);
  auto leaf = [&](const std::string& dns, long serial) {
    CertSpec spec{.common_name = "dev", .serial = serial, .san = {"DNS:" + dns}};
    testing::Cert cert = testing::Issue(spec, device_key_.get(), ca.get(), ca_key_.get());
    return DeviceCertificate::Parse(testing::Pem(cert.get()), chain, &error);
  };
  auto inside = leaf("dev-1.fleet.acme", 0x2006);
  auto outside = leaf("dev-2.elsewhere.example", 0x2007);
  EXPECT_TRUE(store->Verify(*inside, kNow).valid);
  EXPECT_EQ(store->Verify(*outside, kNow).error, "permitted subtree violation");
  EXPECT_TRUE(store->Verify(*inside, kNow).valid);
  EXPECT_EQ(store->verified_issuers(), 0);  // the root's constraints keep every leaf on the whole chain
}

}  // namespace
}  // namespace stagegate::devices
