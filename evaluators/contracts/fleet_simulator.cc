#include "evaluators/contracts/fleet_simulator.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <numbers>
#include <random>

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace stagegate::contracts {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// Largest fleet the command accepts; beyond it, generate several fleets.
constexpr int kMaxDevices = 1'000'000;
constexpr size_t kFlushBytes = 1 << 20;

// Uniform and normal variates computed the same way everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Below(int n) { return static_cast<int>(engine_() % static_cast<uint64_t>(n)); }
  bool Chance(double p) { return Uniform() < p; }
  double Normal() {
    // Box-Muller; the second variate is kept for the next call.
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = Uniform();
    while (u <= 0) u = Uniform();
    const double v = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare_ = r * std::sin(2 * std::numbers::pi * v);
    has_spare_ = true;
    return r * std::cos(2 * std::numbers::pi * v);
  }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

uint64_t Mix(uint64_t x) {  // SplitMix64's finaliser: independent seeds per stream
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

struct SensorType {
  const char* name;
  double base_lo, base_hi;  // baseline range across devices
  double amplitude;         // daily cycle
  double noise;             // standard deviation of the AR(1) noise
  int decimals;             // the precision devices report
  double min, max;          // physical range
  double peak_hour;         // hour of the daily maximum (UTC)
};

constexpr SensorType kTypes[] = {
    {"temperature", 20, 35, 3.0, 0.05, 2, -40, 125, 15},
    {"vibration", 2, 6, 0.6, 0.15, 3, 0, 100, 11},
    {"pressure", 1000, 1020, 2.0, 0.1, 1, 800, 1200, 9},
    {"humidity", 35, 60, 8.0, 0.3, 1, 0, 100, 4},
    {"current", 5, 15, 2.5, 0.08, 2, 0, 200, 13},
};

const SensorType* FindType(std::string_view name) {
  for (const SensorType& t : kTypes) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

struct Fault {
  std::string kind;
  int device = 0;
  int sensor = -1;  // -1: every sensor of the device
  int64_t start_us = 0, end_us = 0;
  double parameter = 0;  // skew (s), drift (per hour), probability
};

struct SensorState {
  const SensorType* type;
  double base;
  double ar = 0;  // AR(1) noise state
  Rng rng;
};

struct Device {
  std::string id, site, zone, device_class, firmware, line, criticality;
  std::vector<SensorState> sensors;
  Rng rng{0};
  int64_t skew_us = 0;
  std::vector<const Fault*> faults;
  // Rows of an out-of-order burst, sent when it ends.
  std::string held_long, held_wide;
  int64_t held_long_rows = 0, held_wide_rows = 0;
};

// Writes a buffer to a file in large pieces.
class Output {
 public:
  bool Open(const std::filesystem::path& path, std::string* error) {
    path_ = path.string();
    file_.reset(std::fopen(path_.c_str(), "wb"));
    if (!file_) {
      *error = fmt::format("{}: cannot write: {}", path_, std::strerror(errno));
      return false;
    }
    buffer.reserve(2 * kFlushBytes);
    return true;
  }
  bool MaybeFlush(std::string* error) { return buffer.size() < kFlushBytes || Flush(error); }
  bool Flush(std::string* error) {
    if (!file_) return true;
    if (std::fwrite(buffer.data(), 1, buffer.size(), file_.get()) != buffer.size()) {
      *error = fmt::format("{}: cannot write: {}", path_, std::strerror(errno));
      return false;
    }
    buffer.clear();
    return true;
  }
  bool Close(std::string* error) {
    if (!file_) return true;
    if (!Flush(error)) return false;
    if (std::fclose(file_.release()) != 0) {
      *error = fmt::format("{}: cannot write: {}", path_, std::strerror(errno));
      return false;
    }
    return true;
  }
  bool open() const { return file_ != nullptr; }
  std::string buffer;

 private:
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<FILE, Closer> file_;
};

// Formats timestamps quickly, caching the date part per day.
class TimeWriter {
 public:
  explicit TimeWriter(bool epoch_ms) : epoch_ms_(epoch_ms) {}
  void Append(int64_t us, std::string* out) {
    const int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
    if (epoch_ms_) {
      fmt::format_to(std::back_inserter(*out), "{}", ms);
      return;
    }
    const int64_t day = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
    if (day != cached_day_) {
      cached_day_ = day;
      const date::year_month_day ymd{date::sys_days{date::days{day}}};
      cached_date_ = fmt::format("{:04}-{:02}-{:02}T", static_cast<int>(ymd.year()),
                                 static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    }
    const int64_t in_day = ms - day * 86'400'000;
    out->append(cached_date_);
    char text[13];
    const int64_t h = in_day / 3'600'000, m = in_day / 60'000 % 60, s = in_day / 1000 % 60, f = in_day % 1000;
    text[0] = static_cast<char>('0' + h / 10);
    text[1] = static_cast<char>('0' + h % 10);
    text[2] = ':';
    text[3] = static_cast<char>('0' + m / 10);
    text[4] = static_cast<char>('0' + m % 10);
    text[5] = ':';
    text[6] = static_cast<char>('0' + s / 10);
    text[7] = static_cast<char>('0' + s % 10);
    text[8] = '.';
    text[9] = static_cast<char>('0' + f / 100);
    text[10] = static_cast<char>('0' + f / 10 % 10);
    text[11] = static_cast<char>('0' + f % 10);
    text[12] = 'Z';
    out->append(text, 13);
  }
  std::string Text(int64_t us) {
    std::string out;
    const bool saved = epoch_ms_;
    epoch_ms_ = false;
    Append(us, &out);
    epoch_ms_ = saved;
    return out;
  }

 private:
  bool epoch_ms_;
  int64_t cached_day_ = INT64_MIN;
  std::string cached_date_;
};

void AppendValue(double v, int decimals, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  fmt::format_to(std::back_inserter(*out), "{:.{}f}", v, decimals);
}

double Round(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::nearbyint(v * scale) / scale;
}

// Plans the faults of the fleet.
std::vector<Fault> PlanFaults(const SimulatorOptions& o, int64_t duration_us, Rng* rng) {
  std::vector<Fault> faults;
  if (o.faults.empty()) return faults;
  const int64_t minute = 60 * kMicrosPerSecond;
  auto window = [&](int64_t lo_minutes, int64_t hi_minutes, Fault* f) {
    const int64_t length = std::min<int64_t>(
        duration_us / 4, static_cast<int64_t>(rng->Uniform(static_cast<double>(lo_minutes),
                                                            static_cast<double>(hi_minutes)) * static_cast<double>(minute)));
    const int64_t start = static_cast<int64_t>(rng->Uniform(0.1, 0.75) * static_cast<double>(duration_us));
    f->start_us = o.start_us + start;
    f->end_us = f->start_us + std::max<int64_t>(length, kMicrosPerSecond);
  };
  const int sensors = static_cast<int>(o.sensors.size());
  for (int d = 0; d < o.devices; ++d) {
    if (!rng->Chance(o.faulty_share)) continue;
    const int count = 1 + (rng->Chance(0.3) ? 1 : 0);
    for (int k = 0; k < count; ++k) {
      Fault f;
      f.kind = o.faults[static_cast<size_t>(rng->Below(static_cast<int>(o.faults.size())))];
      f.device = d;
      if (f.kind == "silence") {
        window(5, 90, &f);
      } else if (f.kind == "stuck") {
        f.sensor = rng->Below(sensors);
        window(30, 180, &f);
      } else if (f.kind == "drift") {
        f.sensor = rng->Below(sensors);
        window(60, 240, &f);
        f.end_us = o.start_us + duration_us;  // drifts do not heal by themselves
        f.parameter = (rng->Chance(0.5) ? 1 : -1) * rng->Uniform(0.5, 2.0);  // noise-widths per hour
      } else if (f.kind == "clock_skew") {
        f.start_us = o.start_us;
        f.end_us = o.start_us + duration_us;
        f.parameter = (rng->Chance(0.5) ? 1 : -1) * std::round(rng->Uniform(30, 600));  // seconds
      } else if (f.kind == "duplicates") {
        window(10, 60, &f);
        f.parameter = 0.3;
      } else if (f.kind == "out_of_order") {
        window(1, 5, &f);
      } else {  // nan, sentinel
        f.sensor = rng->Below(sensors);
        window(10, 60, &f);
        f.parameter = 0.4;
      }
      faults.push_back(std::move(f));
    }
  }
  return faults;
}

bool Active(const Fault* f, int64_t t) { return t >= f->start_us && t < f->end_us; }

}  // namespace

bool ValidateSimulatorOptions(const SimulatorOptions& o, std::string* error) {
  if (o.devices < 1 || o.devices > kMaxDevices) {
    *error = fmt::format("--devices {}: pick 1 to {}", o.devices, kMaxDevices);
    return false;
  }
  if (!(o.days > 0) || o.days > 3660) {
    *error = fmt::format("--days {}: pick a positive number of days up to 3660", o.days);
    return false;
  }
  if (!(o.rate_hz > 0) || o.rate_hz > 1000 || std::fabs(1e6 / o.rate_hz - std::round(1e6 / o.rate_hz)) > 1e-6) {
    *error = fmt::format("--rate-hz {}: pick a rate up to 1000 Hz whose period is a whole number of microseconds",
                         o.rate_hz);
    return false;
  }
  if (o.sensors.empty()) {
    *error = "--sensors: name at least one sensor";
    return false;
  }
  for (const std::string& s : o.sensors) {
    if (!FindType(s)) {
      *error = fmt::format("--sensors: unknown sensor type \"{}\"; pick from temperature, vibration, pressure, "
                           "humidity, current",
                           s);
      return false;
    }
    if (std::count(o.sensors.begin(), o.sensors.end(), s) > 1) {
      *error = fmt::format("--sensors: \"{}\" is named twice", s);
      return false;
    }
  }
  for (const std::string& f : o.faults) {
    if (std::find_if(std::begin(kFaultKinds), std::end(kFaultKinds), [&](const char* k) { return f == k; }) ==
        std::end(kFaultKinds)) {
      *error = fmt::format("--faults: unknown fault \"{}\"; pick from silence, stuck, drift, clock_skew, "
                           "duplicates, out_of_order, nan, sentinel (or all, none)",
                           f);
      return false;
    }
  }
  if (!(o.faulty_share >= 0 && o.faulty_share <= 1)) {
    *error = "--faulty-share: pick a share between 0 and 1";
    return false;
  }
  if (!o.write_long && !o.write_wide) {
    *error = "--layout: write at least one of long and wide";
    return false;
  }
  return true;
}

bool SimulateFleet(const SimulatorOptions& o, const std::string& out_dir, SimulationSummary* summary,
                   std::string* error) {
  if (!ValidateSimulatorOptions(o, error)) return false;
  *summary = SimulationSummary();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    *error = fmt::format("{}: cannot create the folder: {}", out_dir, ec.message());
    return false;
  }
  const fs::path dir(out_dir);
  const int64_t step_us = std::llround(1e6 / o.rate_hz);
  const auto duration_us = static_cast<int64_t>(std::llround(o.days * static_cast<double>(kMicrosPerDay)));
  const int64_t steps = duration_us / step_us;
  const int sensor_count = static_cast<int>(o.sensors.size());

  // The fleet: sites, zones, classes, firmware.
  Rng plan(Mix(o.seed));
  static constexpr const char* kClasses[] = {"edge-gateway", "vibration-node", "env-sensor", "power-meter"};
  static constexpr const char* kFirmware[] = {"2.3.1", "2.4.0", "2.4.1", "3.0.0-rc1"};
  static constexpr const char* kCriticality[] = {"high", "medium", "low"};
  const int sites = std::max(1, std::min(5, o.devices / 8 + 1));
  std::vector<Device> devices(static_cast<size_t>(o.devices));
  for (int d = 0; d < o.devices; ++d) {
    Device& dev = devices[static_cast<size_t>(d)];
    dev.id = fmt::format("dev-{:04}", d + 1);
    const int site = plan.Below(sites);
    dev.site = fmt::format("plant-{}", static_cast<char>('a' + site));
    dev.zone = fmt::format("{}-zone-{}", dev.site, 1 + plan.Below(3));
    dev.device_class = kClasses[plan.Below(static_cast<int>(std::size(kClasses)))];
    // Most devices run the current release; a few lag or run a release candidate.
    const double pick = plan.Uniform();
    dev.firmware = kFirmware[pick < 0.15 ? 0 : pick < 0.35 ? 1 : pick < 0.95 ? 2 : 3];
    dev.line = fmt::format("line-{}", 1 + plan.Below(4));
    dev.criticality = kCriticality[plan.Below(3)];
    dev.rng = Rng(Mix(o.seed ^ Mix(static_cast<uint64_t>(d) + 1)));
    for (int s = 0; s < sensor_count; ++s) {
      const SensorType* type = FindType(o.sensors[static_cast<size_t>(s)]);
      SensorState state{type, 0, 0, Rng(Mix(o.seed ^ Mix((static_cast<uint64_t>(d) << 8 | static_cast<uint64_t>(s)) + 77)))};
      state.base = state.rng.Uniform(type->base_lo, type->base_hi);
      dev.sensors.push_back(std::move(state));
    }
  }
  const std::vector<Fault> faults = PlanFaults(o, duration_us, &plan);
  for (const Fault& f : faults) {
    Device& dev = devices[static_cast<size_t>(f.device)];
    dev.faults.push_back(&f);
    if (f.kind == "clock_skew") dev.skew_us = static_cast<int64_t>(f.parameter) * kMicrosPerSecond;
  }
  summary->devices = o.devices;
  summary->faults = static_cast<int>(faults.size());

  // devices.yaml: input documents (docs/formats/inputs.md).
  {
    Output out;
    if (!out.Open(dir / "devices.yaml", error)) return false;
    for (const Device& dev : devices) {
      std::string extra;
      if (o.record_fields) {
        try {
          extra = o.record_fields(SimulatedDevice{dev.id, dev.site, dev.zone, dev.device_class, dev.firmware});
        } catch (const std::exception& e) {
          *error = fmt::format("device {}: {}", dev.id, e.what());
          return false;
        }
      }
      const bool firmware_given = extra.rfind("firmware:", 0) == 0 || extra.find("\nfirmware:") != std::string::npos;
      fmt::format_to(std::back_inserter(out.buffer), "{}kind: device\nid: {}\nsite: {}\nzone: {}\nclass: {}\n",
                     &dev == &devices.front() ? "" : "---\n", dev.id, dev.site, dev.zone, dev.device_class);
      if (!firmware_given) fmt::format_to(std::back_inserter(out.buffer), "firmware: \"{}\"\n", dev.firmware);
      fmt::format_to(std::back_inserter(out.buffer), "labels: {{line: {}, criticality: {}}}\nsensors: [{}]\n{}",
                     dev.line, dev.criticality, fmt::join(o.sensors, ", "), extra);
    }
    if (!out.Close(error)) return false;
    summary->files.push_back("devices.yaml");
  }

  Output long_out, wide_out;
  if (o.write_long) {
    if (!long_out.Open(dir / "telemetry.csv", error)) return false;
    long_out.buffer.append(o.write_received ? "ts,device_id,sensor,value,received_at\n" : "ts,device_id,sensor,value\n");
    summary->files.push_back("telemetry.csv");
  }
  if (o.write_wide) {
    if (!wide_out.Open(dir / "telemetry_wide.csv", error)) return false;
    wide_out.buffer.append(o.write_received ? "ts,device_id,received_at" : "ts,device_id");
    for (const std::string& s : o.sensors) wide_out.buffer.append(",").append(s);
    wide_out.buffer.append("\n");
    summary->files.push_back("telemetry_wide.csv");
  }
  TimeWriter times(o.epoch_ms);
  std::vector<double> values(static_cast<size_t>(sensor_count));
  std::vector<double> stuck(static_cast<size_t>(sensor_count * o.devices), std::nan(""));
  std::string long_rows, wide_rows;
  // Sends a device's held rows, behind the samples that overtook them.
  auto release = [&](Device& dev) {
    long_out.buffer.append(dev.held_long);
    wide_out.buffer.append(dev.held_wide);
    summary->rows_long += dev.held_long_rows;
    summary->rows_wide += dev.held_wide_rows;
    dev.held_long.clear();
    dev.held_wide.clear();
    dev.held_long_rows = dev.held_wide_rows = 0;
  };
  for (int64_t step = 0; step < steps; ++step) {
    const int64_t t = o.start_us + step * step_us;
    const double hour_of_day = static_cast<double>((t % kMicrosPerDay + kMicrosPerDay) % kMicrosPerDay) / 3.6e9;
    for (int d = 0; d < o.devices; ++d) {
      Device& dev = devices[static_cast<size_t>(d)];
      // Every sensor evolves whether or not the sample is sent.
      for (int s = 0; s < sensor_count; ++s) {
        SensorState& st = dev.sensors[static_cast<size_t>(s)];
        const SensorType& type = *st.type;
        st.ar = 0.95 * st.ar + st.rng.Normal() * type.noise * std::sqrt(1 - 0.95 * 0.95);
        double v = st.base + type.amplitude * std::cos(2 * std::numbers::pi * (hour_of_day - type.peak_hour) / 24) +
                   st.ar + 0.3 * type.noise * st.rng.Normal();
        values[static_cast<size_t>(s)] = v;
      }
      bool silent = false, duplicate = false, hold = false;
      for (const Fault* f : dev.faults) {
        if (!Active(f, t)) {
          if (f->kind == "stuck" && t >= f->end_us) stuck[static_cast<size_t>(d * sensor_count + f->sensor)] = std::nan("");
          continue;
        }
        double& v = f->sensor >= 0 ? values[static_cast<size_t>(f->sensor)] : values[0];
        if (f->kind == "silence") silent = true;
        else if (f->kind == "duplicates") duplicate = dev.rng.Chance(f->parameter);
        else if (f->kind == "out_of_order") hold = true;
        else if (f->kind == "drift") {
          const double hours = static_cast<double>(t - f->start_us) / 3.6e9;
          v += f->parameter * dev.sensors[static_cast<size_t>(f->sensor)].type->noise * 10 * hours;
        } else if (f->kind == "stuck") {
          double& frozen = stuck[static_cast<size_t>(d * sensor_count + f->sensor)];
          if (std::isnan(frozen)) frozen = Round(v, dev.sensors[static_cast<size_t>(f->sensor)].type->decimals);
          v = frozen;
        } else if (f->kind == "nan" && dev.rng.Chance(f->parameter)) {
          v = std::nan("");
        } else if (f->kind == "sentinel" && dev.rng.Chance(f->parameter)) {
          v = kSimulatedSentinel;
        }
      }
      if (silent) continue;
      for (int s = 0; s < sensor_count; ++s) {
        double& v = values[static_cast<size_t>(s)];
        const SensorType& type = *dev.sensors[static_cast<size_t>(s)].type;
        if (!std::isnan(v) && v != kSimulatedSentinel) v = Round(std::clamp(v, type.min, type.max), type.decimals);
      }
      // The device stamps its own (possibly skewed) clock; the platform stamps arrival.
      const int64_t device_ts = t + dev.skew_us;
      const int64_t received = t + 150'000 + static_cast<int64_t>(dev.rng.Exponential(60'000));
      summary->samples += sensor_count;
      long_rows.clear();
      wide_rows.clear();
      if (o.write_long) {
        for (int s = 0; s < sensor_count; ++s) {
          times.Append(device_ts, &long_rows);
          long_rows.push_back(',');
          long_rows.append(dev.id);
          long_rows.push_back(',');
          long_rows.append(o.sensors[static_cast<size_t>(s)]);
          long_rows.push_back(',');
          AppendValue(values[static_cast<size_t>(s)], dev.sensors[static_cast<size_t>(s)].type->decimals, &long_rows);
          if (o.write_received) {
            long_rows.push_back(',');
            times.Append(received, &long_rows);
          }
          long_rows.push_back('\n');
        }
      }
      if (o.write_wide) {
        times.Append(device_ts, &wide_rows);
        wide_rows.push_back(',');
        wide_rows.append(dev.id);
        if (o.write_received) {
          wide_rows.push_back(',');
          times.Append(received, &wide_rows);
        }
        for (int s = 0; s < sensor_count; ++s) {
          wide_rows.push_back(',');
          AppendValue(values[static_cast<size_t>(s)], dev.sensors[static_cast<size_t>(s)].type->decimals, &wide_rows);
        }
        wide_rows.push_back('\n');
      }
      const int copies = duplicate ? 2 : 1;
      for (int c = 0; c < copies; ++c) {
        (hold ? dev.held_long : long_out.buffer).append(long_rows);
        (hold ? dev.held_wide : wide_out.buffer).append(wide_rows);
        (hold ? dev.held_long_rows : summary->rows_long) += o.write_long ? sensor_count : 0;
        (hold ? dev.held_wide_rows : summary->rows_wide) += o.write_wide ? 1 : 0;
      }
      if (!hold && (dev.held_long_rows > 0 || dev.held_wide_rows > 0)) release(dev);
    }
    if ((o.write_long && !long_out.MaybeFlush(error)) || (o.write_wide && !wide_out.MaybeFlush(error))) return false;
  }
  // Bursts still held at the end arrive last.
  for (Device& dev : devices) release(dev);
  if ((o.write_long && !long_out.Close(error)) || (o.write_wide && !wide_out.Close(error))) return false;

  // Ground truth.
  nlohmann::json truth;
  truth["seed"] = o.seed;
  truth["devices"] = o.devices;
  truth["sensors"] = o.sensors;
  truth["rate_hz"] = o.rate_hz;
  truth["start"] = times.Text(o.start_us);
  truth["end"] = times.Text(o.start_us + steps * step_us);
  truth["sentinel"] = kSimulatedSentinel;
  nlohmann::json list = nlohmann::json::array();
  for (const Fault& f : faults) {
    nlohmann::json j;
    j["kind"] = f.kind;
    j["device"] = devices[static_cast<size_t>(f.device)].id;
    j["sensor"] = f.sensor >= 0 ? nlohmann::json(o.sensors[static_cast<size_t>(f.sensor)]) : nlohmann::json(nullptr);
    j["start"] = times.Text(f.start_us);
    j["end"] = times.Text(f.end_us);
    if (f.kind == "clock_skew") j["skew_s"] = f.parameter;
    if (f.kind == "drift") j["drift_noise_widths_per_hour"] = f.parameter * 10;
    if (f.kind == "duplicates" || f.kind == "nan" || f.kind == "sentinel") j["probability"] = f.parameter;
    list.push_back(std::move(j));
  }
  truth["faults"] = std::move(list);
  Output out;
  if (!out.Open(dir / "faults.json", error)) return false;
  out.buffer = truth.dump(2) + "\n";
  if (!out.Close(error)) return false;
  summary->files.push_back("faults.json");
  return true;
}

}  // namespace stagegate::contracts
