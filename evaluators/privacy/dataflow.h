#pragma once
// The `dataflow` subject: one processing activity, in the spirit of a record
// of processing (GDPR Art. 30), given as an input document `kind: dataflow`
// (format in docs/privacy.md). Parsing checks the shape and the closed
// vocabularies (lawful bases, Art. 9(2) conditions, transfer mechanisms,
// durations, ISO country codes); whether the record is compliant is for the
// facts and the rules to say.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/subjects/inputs.h"

namespace stagegate::privacy {

struct DataField {
  std::string name;      // the field name, as the covered contracts name it
  std::string category;  // free text: identifier, location, contact, health, ...
};

struct SpecialCategory {
  std::string category;   // health, biometric, genetic, ... (Art. 9(1))
  std::string condition;  // normalised "9(2)(a)" .. "9(2)(j)"; "" when not given
};

// A processor (Art. 28) or a recipient.
struct Party {
  std::string name;
  std::string dpa;     // reference of the data processing agreement; "" when none
  std::string region;  // ISO 3166-1 alpha-2 country code where it processes the data; "" when not given
  std::string mechanism;  // transfer mechanism for `region`: adequacy, scc, bcr, derogation; "" when none
  bool dpf_certified = false;  // US only: the party participates in the EU-US Data Privacy Framework
};

// A place the data goes to (Art. 44-49).
struct Destination {
  std::string region;     // ISO 3166-1 alpha-2, uppercase
  std::string mechanism;  // adequacy, scc, bcr, derogation; "" when none
  bool dpf_certified = false;
  std::string via;        // the processor or recipient it comes from; "" for `destinations` entries
};

struct AutomatedDecision {
  std::string name;
  bool significant_effect = true;  // legal or similarly significant effects: Art. 22 applies
  std::string basis;               // Art. 22(2): contract, law, explicit_consent; "" when not given
  std::vector<std::string> safeguards;  // human_review, contest, express_view, ...
};

struct Dataflow {
  std::string id;
  std::string purpose;
  std::string legal_basis;  // as written (lowercase); validity is a fact
  std::vector<SpecialCategory> special_categories;
  std::vector<DataField> fields;
  std::optional<std::int64_t> retention_days;  // from `retention` (90d, 12w, 6mo, 1y, 48h) or `retention_days`
  std::vector<Party> recipients;
  std::vector<Party> processors;
  std::vector<Destination> destinations;  // `destinations` plus every party's region
  std::string dpia;                       // DPIA reference (Art. 35); "" when none
  bool large_scale_monitoring = false;    // systematic monitoring on a large scale (Art. 35(3)(c))
  bool pseudonymisation = false;
  std::optional<bool> encryption_at_rest, encryption_in_transit;
  std::vector<AutomatedDecision> automated_decisions;
  std::vector<std::string> contracts;  // ids of the DataContracts whose fields the flow covers
};

// The six lawful bases of Art. 6(1), in the order of the article.
inline constexpr std::string_view kLawfulBases[] = {"consent",         "contract",    "legal_obligation",
                                                    "vital_interests", "public_task", "legitimate_interests"};
inline constexpr std::string_view kTransferMechanisms[] = {"adequacy", "scc", "bcr", "derogation"};
inline constexpr std::string_view kArticle22Bases[] = {"contract", "law", "explicit_consent"};

// Parses the dataflow document of `subject`. False with `error` set to
// "file:line: dataflow 'id': what is wrong and how to fix it".
bool ParseDataflow(const subjects::Subject& subject, Dataflow* out, std::string* error);

// Reads a retention duration: "90d", "12w", "6mo", "1y", "48h" (hours round
// up to whole days), or the words (days, weeks, months, years). A month is 30
// days and a year 365. nullopt for anything else ("6m" is refused as
// ambiguous).
std::optional<std::int64_t> ParseRetentionDays(std::string_view text);

// Normalises an Art. 9(2) condition: "9(2)(h)", "9.2.h", "art. 9(2)(h)", "h"
// → "9(2)(h)"; "" when it is not one of (a)..(j).
std::string NormaliseArticle9Condition(std::string_view text);

// Where the data may go without more (Art. 45): the EU/EEA member states and
// the countries with an adequacy decision, as ISO 3166-1 alpha-2 codes. The
// lists and their date are in docs/privacy.md.
bool IsEeaCountry(std::string_view region);
// True for a country with an adequacy decision. The US decision covers only
// organisations of the EU-US Data Privacy Framework (`dpf_certified`), and
// Canada's only organisations under PIPEDA (commercial), assumed here.
bool HasAdequacyDecision(std::string_view region, bool dpf_certified);
// The day the lists above were taken into Stagegate (from issue 8's list,
// not re-checked against the Commission's page; docs/privacy.md).
inline constexpr std::string_view kAdequacyListDate = "2026-12-06";

// Destinations that leave the EU/EEA with neither an adequacy decision nor a
// safeguard (scc, bcr) nor a derogation, sorted and unique ("US", ...). A
// destination claiming `adequacy` without a decision is unsafe too.
std::vector<std::string> UnsafeTransfers(const Dataflow& flow);

}  // namespace stagegate::privacy
