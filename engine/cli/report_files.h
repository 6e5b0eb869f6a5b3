#pragma once
// Writing the files of a report folder: shared by `audit`, which writes the
// folder first, and `report`, which writes it again from the evidence log.

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "reports/evidence_exports.h"

namespace stagegate::cli::report_files {

// Writes `content` to DIR/name through a temporary file (DIR/.name.tmp)
// renamed into place, so a reader never sees a half-written report. Prints
// the error and returns false on failure.
bool WriteReportFile(const std::filesystem::path& dir, const std::string& name, const std::string& content);

// The same, with the content written by `write` as it is made. When `write`
// returns false (it could not make the content, and says why itself),
// nothing is left behind and nothing more is printed.
bool WriteReportFileWith(const std::filesystem::path& dir, const std::string& name,
                         const std::function<bool(std::ostream&)>& write);

// Creates the --out folder `out` (and its parents). Prints the error and
// returns false when it cannot be made.
bool CreateReportFolder(const std::string& out);

// Returns the options of a new oscal-assessment-results.json: a fresh UUID
// and the current time to the second.
reports::OscalOptions NewOscalOptions();

}  // namespace stagegate::cli::report_files
