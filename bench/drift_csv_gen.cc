// Writes a deterministic wide numeric CSV for bench/drift_csv_bench.sh:
// ROWS rows x COLS columns c000.. of values with 4 decimals. In the
// "current" variant every 10th column is shifted by 0.2 SD, every 10th + 5
// is scaled by 1.3, and every 25th has 5% NaN; every 20th column has only
// 4 distinct values (a categorical-like numeric).
//   drift_csv_gen reference|current ROWS COLS > file.csv
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::uint64_t SplitMix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

double Uniform(std::uint64_t key) { return (static_cast<double>(SplitMix(key) >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: drift_csv_gen reference|current ROWS COLS\n");
    return 2;
  }
  const bool current = std::strcmp(argv[1], "current") == 0;
  const long rows = std::atol(argv[2]);
  const int cols = std::atoi(argv[3]);
  const std::uint64_t seed = current ? 0xC0FFEEull : 0xBEEFull;
  std::string out;
  for (int c = 0; c < cols; ++c) {
    char name[16];
    std::snprintf(name, sizeof name, "c%03d", c);
    out += (c ? "," : "") + std::string(name);
  }
  out += '\n';
  std::vector<char> buffer(1 << 22);
  for (long r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const std::uint64_t key = (seed << 40) ^ (static_cast<std::uint64_t>(r) * 131 + static_cast<std::uint64_t>(c));
      const double u1 = Uniform(key * 2), u2 = Uniform(key * 2 + 1);
      double v = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      if (current && c % 10 == 0) v += 0.2;
      if (current && c % 10 == 5) v *= 1.3;
      if (c > 0) out += ',';
      if (c % 20 == 19) {
        out += static_cast<char>('0' + static_cast<int>(u2 * 4 + (current && c % 40 == 39 ? 0.3 : 0.0)) % 4);
        continue;
      }
      if (current && c % 25 == 24 && u1 < 0.05) {
        out += "nan";
        continue;
      }
      char text[32];
      const auto [end, ec] = std::to_chars(text, text + sizeof text, 10.0 + v, std::chars_format::fixed, 4);
      out.append(text, end);
    }
    out += '\n';
    if (out.size() > (1 << 22)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
