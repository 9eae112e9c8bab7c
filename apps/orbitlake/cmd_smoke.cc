// orbitlake smoke: a quick end-to-end check of the machine's Kafka + Parquet path.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/orbitlake/commands.h"
#include "common/progress.h"
#include "smoke/smoke.h"

namespace orbitlake::cli {
namespace {

struct SmokeFlags {
  KafkaFlags kafka;
  smoke::SmokeOptions options;
  bool json = false;
};

int RunSmokeCommand(SmokeFlags& f) {
  if (Status st = ApplyKafkaProperties(&f.kafka); !st.ok()) return Fail("smoke", st);
  f.options.client = f.kafka.client;
  fmt::print(stderr, "orbitlake smoke: {} messages -> Kafka {} topic '{}' -> consume -> Parquet in {}\n",
             f.options.messages, f.options.client.brokers, f.options.topic, f.options.out_dir);
  auto r = smoke::RunSmoke(f.options);
  if (!r.ok()) return Fail("smoke", r.status());
  if (f.json) {
    nlohmann::json j = {{"run_id", r->run_id},         {"produced", r->produced},
                        {"acknowledged", r->acknowledged}, {"consumed", r->consumed},
                        {"missing", r->missing},       {"duplicates", r->duplicates},
                        {"corrupted", r->corrupted},   {"parquet_path", r->parquet_path},
                        {"parquet_bytes", r->parquet_bytes}, {"seconds", r->seconds}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("produced      {} (acknowledged by Kafka: {})\n", r->produced, r->acknowledged);
    fmt::print("consumed      {} (missing {}, duplicated {}, corrupted {})\n", r->consumed, r->missing,
               r->duplicates, r->corrupted);
    fmt::print("parquet file  {} ({}, Snappy)\n", r->parquet_path, HumanBytes(static_cast<double>(r->parquet_bytes)));
    fmt::print("took          {:.2f} s\n", r->seconds);
    fmt::print("{}\n", r->ok() ? "smoke test PASSED: every message went through Kafka into Parquet exactly once"
                               : "smoke test FAILED");
  }
  return r->ok() ? kExitOk : kExitDataLoss;
}

}  // namespace

void AddSmokeCommand(CLI::App& root, RunFn& run) {
  auto flags = std::make_shared<SmokeFlags>();
  CLI::App* sub = root.add_subcommand(
      "smoke",
      "Check the Kafka -> Parquet path end to end: produce N messages, consume them back,\n"
      "verify each arrived exactly once, and write them to a Snappy Parquet file.");
  AddKafkaOptions(sub, &flags->kafka);
  // Not from ORBITLAKE_TOPIC: that names the telemetry topic, which test messages must not reach.
  AddTopicOption(sub, &flags->options.topic, "Topic to use (created if missing; a scratch topic)",
                 /*from_env=*/false);
  sub->add_option("--partitions", flags->options.partitions, "Partitions when creating the topic")
      ->capture_default_str()
      ->check(IntegerIn(1, 10'000));
  sub->add_option("-n,--messages", flags->options.messages, "Messages to send")
      ->capture_default_str()
      ->check(IntegerIn(1, 100'000'000));
  sub->add_option("-o,--out", flags->options.out_dir, "Folder for the Parquet file (a path or file:// URI)")
      ->capture_default_str()
      ->transform(LocalFolder());
  sub->add_flag("--json", flags->json, "Print the report as one JSON object on stdout");
  sub->callback([flags, &run] { run = [flags] { return RunSmokeCommand(*flags); }; });
}

}  // namespace orbitlake::cli
