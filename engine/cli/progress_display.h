#pragma once
// A one-line progress display on stderr for long runs on a terminal:
// "judged 41,250 of 100,000 subjects (8,210/s, about 7 s left)". Quiet when
// stderr is not a terminal or the CI variable is set, so logs and machine
// readers see only the summary.

#include <chrono>
#include <cstddef>

namespace stagegate::cli {

class ProgressDisplay {
 public:
  ProgressDisplay();
  ~ProgressDisplay();  // clears the line when something was shown
  bool enabled() const { return enabled_; }
  // Shows `judged` of `total`, at most a few times a second and only once
  // the run has lasted a second (short runs stay silent).
  void Update(size_t judged, size_t total);

 private:
  bool enabled_ = false;
  bool shown_ = false;
  size_t best_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace stagegate::cli
