#include "engine/cli/report_files.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <system_error>

#include "engine/common/uuid.h"
#include "engine/eval/engine.h"

namespace stagegate::cli::report_files {

bool WriteReportFile(const std::filesystem::path& dir, const std::string& name, const std::string& content) {
  return WriteReportFileWith(dir, name, [&](std::ostream& file) {
    file << content;
    return true;
  });
}

bool WriteReportFileWith(const std::filesystem::path& dir, const std::string& name,
                         const std::function<bool(std::ostream&)>& write) {
  const std::filesystem::path path = dir / name;
  const std::filesystem::path temporary = dir / ("." + name + ".tmp");
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    const bool made = !file || write(file);
    if (!made || !file.flush()) {
      if (made) {
        std::cerr << "error: " << temporary.string() << ": cannot write the file; check the permissions of --out\n";
      }
      file.close();
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    std::cerr << "error: " << path.string() << ": cannot write the file (" << ec.message() << ")\n";
    return false;
  }
  return true;
}

reports::OscalOptions NewOscalOptions() {
  reports::OscalOptions options;
  options.document_uuid = common::NewUuidV4();
  options.generated_at =
      eval::FormatTime(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  return options;
}

bool CreateReportFolder(const std::string& out) {
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec || !std::filesystem::is_directory(out)) {
    std::cerr << "error: --out " << out << ": cannot create the directory"
              << (ec ? " (" + ec.message() + ")" : std::string()) << "; choose a writable path\n";
    return false;
  }
  return true;
}

}  // namespace stagegate::cli::report_files
