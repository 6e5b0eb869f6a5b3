#include "engine/cli/progress_display.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace stagegate::cli {
namespace {

std::string Grouped(size_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

}  // namespace

ProgressDisplay::ProgressDisplay()
    : enabled_(isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressDisplay::~ProgressDisplay() {
  if (shown_) std::fputs("\r\033[K", stderr);
}

void ProgressDisplay::Update(size_t judged, size_t total) {
  if (!enabled_ || total == 0) return;
  if (judged > best_) best_ = judged;  // reports from several threads may arrive out of order
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 1.0 || now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double rate = static_cast<double>(best_) / elapsed;
  const double left = rate > 0 ? static_cast<double>(total - std::min(best_, total)) / rate : 0;
  std::fputs(fmt::format("\r\033[Kjudged {} of {} subjects ({}/s, about {} s left)", Grouped(best_), Grouped(total),
                         Grouped(static_cast<size_t>(rate)), static_cast<long>(left + 0.5))
                 .c_str(),
             stderr);
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace stagegate::cli
