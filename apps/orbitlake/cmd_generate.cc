// orbitlake generate: simulated satellite sample files (one CSV per satellite).
#include <chrono>
#include <limits>

#include <fmt/format.h>

#include "apps/orbitlake/commands.h"
#include "common/progress.h"
#include "common/signals.h"
#include "samples/generator.h"
#include "samples/sample_file.h"

namespace orbitlake::cli {
namespace {

constexpr const char* kGenerateHelp =
    "Write simulated satellite telemetry: one CSV per satellite, sat0.csv, sat1.csv, ...\n"
    "(the file name is the satellite's name), header\n"
    "  temp_c,battery_charge_pct,altitude,sensor1,sensor2,sensor3\n"
    "two decimals per value, no index column (events get their sequence number and\n"
    "timestamp when 'orbitlake produce' pumps them into Kafka).\n"
    "\n"
    "The model: every satellite gets its own orbit from the seed (period 480-720 rows,\n"
    "random phase), in the sun ~60% of each orbit and in Earth's shadow the rest.\n"
    "  temp_c              follows the sun with thermal lag: about -20..+40 degC swings\n"
    "  battery_charge_pct  charges in the sun, drains in shadow, kept within 0..100\n"
    "  altitude            km; 400-1200 mean, 5-40 km eccentric swing per orbit, slow decay\n"
    "  sensor1..3          around 0.5 with small noise (sigma 0.03)\n"
    "The same seed and options give byte-identical files. Existing files are never\n"
    "overwritten unless --force is given.\n"
    "\n"
    "Example: orbitlake generate --satellites 8 --rows 100000 --seed 7";

struct GenerateFlags {
  samples::GenerateOptions options;
};

int RunGenerateCommand(GenerateFlags& f) {
  f.options.should_stop = [] { return StopRequested(); };
  Progress progress;
  const auto start = std::chrono::steady_clock::now();
  auto line = [&](const samples::GenerateProgress& p) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return fmt::format("generate: {} / {} rows, {} ({}/s)", HumanCount(static_cast<double>(p.rows)),
                       HumanCount(static_cast<double>(p.total_rows)), HumanBytes(static_cast<double>(p.bytes)),
                       HumanBytes(s > 0 ? static_cast<double>(p.bytes) / s : 0));
  };
  bool shown = false;
  auto r = samples::GenerateSamples(f.options, [&](const samples::GenerateProgress& p) {
    if (progress.Due()) {
      progress.Update(line(p), true);
      shown = true;
    }
  });
  if (shown) progress.Finish(r.ok() ? line({r->bytes, r->rows, r->rows}) : "generate: stopped");
  if (!r.ok()) return Fail("generate", r.status());
  const double mbps = r->seconds > 0 ? static_cast<double>(r->bytes) / r->seconds : 0;
  fmt::print("wrote {} files ({} rows each, {} in all) to {} in {:.2f} s ({}/s)\n", r->files.size(),
             f.options.rows, HumanBytes(static_cast<double>(r->bytes)), f.options.out_dir, r->seconds,
             HumanBytes(mbps));
  // Leftovers from an earlier, larger run would be produced too: say so.
  if (auto all = samples::ListSampleFiles(f.options.out_dir); all.ok() && all->size() > r->files.size()) {
    fmt::print(stderr, "note: {} also holds {} other .csv file(s), which 'orbitlake produce' would read too\n",
               f.options.out_dir, all->size() - r->files.size());
  }
  return kExitOk;
}

}  // namespace

void AddGenerateCommand(CLI::App& root, RunFn& run) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* sub = root.add_subcommand("generate", kGenerateHelp);
  auto& o = flags->options;
  sub->add_option("-n,--satellites", o.satellites, "Number of satellites (one file each)")
      ->capture_default_str()
      ->check(IntegerIn(1, 100'000));
  sub->add_option("-r,--rows", o.rows, "Rows per satellite")->capture_default_str()->check(IntegerIn(1, int64_t{1} << 40));
  sub->add_option("-o,--out", o.out_dir, "Output folder (created if missing)")->capture_default_str();
  sub->add_option("-s,--seed", o.seed, "Random seed: the same seed gives byte-identical files")
      ->capture_default_str()
      ->check(UnsignedIn(0, std::numeric_limits<uint64_t>::max()));
  sub->add_flag("-f,--force", o.force, "Overwrite existing sample files");
  sub->add_option("--threads", o.threads, "Files written in parallel (0 = one per core)")
      ->capture_default_str()
      ->check(IntegerIn(0, 256));
  sub->callback([flags, &run] { run = [flags] { return RunGenerateCommand(*flags); }; });
}

}  // namespace orbitlake::cli
