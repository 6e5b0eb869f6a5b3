#include "engine/cli/simulate_command.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "evaluators/contracts/fleet_simulator.h"
#include "evaluators/devices/trust_simulator.h"

namespace stagegate::cli {
namespace {

struct SimulateArguments {
  std::string out;
  uint64_t seed = 1;
  int devices = 10;
  std::string sensors = "temperature,vibration,pressure,humidity,current";
  double days = 1;
  double rate_hz = 1;
  std::string faults = "all";
  double faulty_share = 0.3;
  std::string layout = "long";
  std::string time_format = "rfc3339";
  bool no_received = false;
  bool trust = false;
  double trust_faulty_share = 0.1;
};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int RunSimulate(const SimulateArguments& args) {
  contracts::SimulatorOptions options;
  options.seed = args.seed;
  options.devices = args.devices;
  options.sensors = SplitList(args.sensors);
  options.days = args.days;
  options.rate_hz = args.rate_hz;
  if (args.faults == "none") {
    options.faults.clear();
  } else if (args.faults != "all") {
    options.faults = SplitList(args.faults);
  }
  options.faulty_share = args.faulty_share;
  options.write_long = args.layout == "long" || args.layout == "both";
  options.write_wide = args.layout == "wide" || args.layout == "both";
  options.epoch_ms = args.time_format == "epoch-ms";
  options.write_received = !args.no_received;
  std::string error;
  if (!contracts::ValidateSimulatorOptions(options, &error)) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  std::unique_ptr<devices::TrustSimulator> trust;
  if (args.trust) {
    if (!(args.trust_faulty_share >= 0 && args.trust_faulty_share <= 1)) {
      std::cerr << "error: --trust-faulty-share " << args.trust_faulty_share << ": give a share from 0 to 1\n";
      return 2;
    }
    devices::TrustSimulatorOptions trust_options;
    trust_options.seed = args.seed;
    trust_options.faulty_share = args.trust_faulty_share;
    // The artefacts are made for the end of the telemetry: an audit at that time sees them as a fleet would.
    trust_options.now_s = options.start_us / 1'000'000 + static_cast<int64_t>(args.days * 86400);
    trust = devices::TrustSimulator::Create(trust_options, args.out, &error);
    if (!trust) {
      std::cerr << "error: " << error << "\n";
      return 2;
    }
    options.record_fields = [&trust](const contracts::SimulatedDevice& device) {
      return trust->RecordFields({device.id, device.site, device.zone, device.firmware});
    };
  }
  contracts::SimulationSummary summary;
  if (!contracts::SimulateFleet(options, args.out, &summary, &error) || (trust && !trust->Finish(&error))) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  std::cout << fmt::format("simulated {} devices x {} sensors, {} days at {} Hz (seed {}): {} samples, {} faults\n",
                           summary.devices, options.sensors.size(), args.days, args.rate_hz, args.seed,
                           summary.samples, summary.faults);
  for (const std::string& file : summary.files) {
    std::string what = file == "devices.yaml"  ? "device inventory (kind: device documents)"
                       : file == "faults.json" ? "ground truth of the injected faults"
                       : file == "telemetry.csv"
                           ? fmt::format("{} rows, long layout", summary.rows_long)
                           : fmt::format("{} rows, wide layout", summary.rows_wide);
    std::cout << fmt::format("  {}/{}: {}\n", args.out, file, what);
  }
  if (trust) {
    std::cout << fmt::format(
        "  {0}/pki, {0}/attest, {0}/fw, {0}/broker: device certificates, attestation reports, firmware images, ACLs\n"
        "  {0}/trust.yaml: TrustAnchors (root, CRL), KeySet, FirmwareMeasurements, VulnerabilityList for the policy "
        "repository\n"
        "  {0}/zones.yaml: IEC 62443 zones of the fleet\n"
        "  {0}/trust-faults.json: ground truth of the {1} injected trust faults\n",
        args.out, trust->faults());
  }
  return 0;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SimulateArguments>();
  CLI::App* cmd = app.add_subcommand("simulate", "Generate a synthetic fleet with injected faults (demo, benchmarks)");
  cmd->add_option("--out", args->out, "Folder for devices.yaml, telemetry CSV and faults.json (created)")->required();
  cmd->add_option("--seed", args->seed, "Random seed: the same seed gives the same fleet")->required();
  cmd->add_option("--devices", args->devices, "Number of devices")->capture_default_str();
  cmd->add_option("--sensors", args->sensors, "Sensor types, comma-separated")->capture_default_str();
  cmd->add_option("--days", args->days, "Length of the telemetry in days (fractions allowed)")->capture_default_str();
  cmd->add_option("--rate-hz", args->rate_hz, "Samples per second per sensor")->capture_default_str();
  cmd->add_option("--faults", args->faults,
                  "Fault kinds to inject: all, none, or a list of silence, stuck, drift, clock_skew, duplicates, "
                  "out_of_order, nan, sentinel")
      ->capture_default_str();
  cmd->add_option("--faulty-share", args->faulty_share, "Share of devices that get faults (0 to 1)")
      ->capture_default_str();
  cmd->add_option("--layout", args->layout, "Telemetry CSV layout: long, wide or both")
      ->check(CLI::IsMember({"long", "wide", "both"}))
      ->capture_default_str();
  cmd->add_option("--time-format", args->time_format, "Timestamps as rfc3339 (milliseconds, UTC) or epoch-ms")
      ->check(CLI::IsMember({"rfc3339", "epoch-ms"}))
      ->capture_default_str();
  cmd->add_flag("--no-received", args->no_received, "Leave out the received_at column");
  cmd->add_flag("--trust", args->trust,
                "Also make the devices' trust artefacts (a real PKI, signed firmware, attestation reports, MQTT ACLs), "
                "trust.yaml for the policy repository and zones.yaml");
  cmd->add_option("--trust-faulty-share", args->trust_faulty_share,
                  "With --trust: share of devices that get one trust fault (0 to 1)")
      ->capture_default_str();
  cmd->footer(R"(Example:
  stagegate simulate --out fleet --seed 7 --devices 20 --days 1
  stagegate ingest --store fleet.db fleet/telemetry.csv)");
  cmd->callback([args, exit_code]() { *exit_code = RunSimulate(*args); });
}

}  // namespace stagegate::cli
