// Fuzz target: DecodeEvent on arbitrary bytes (a Kafka payload is untrusted input).
//
// Contract checked: DecodeEvent never crashes or reads outside the buffer (ASan); when it
// accepts a buffer, every accessor can be read, and the event re-encoded by
// EventEncoder decodes to the same fields, bit for bit (NaN payloads included).
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "telemetry/event.h"

namespace {

using orbitlake::telemetry::DecodeEvent;
using orbitlake::telemetry::Event;
using orbitlake::telemetry::EventEncoder;
using orbitlake::telemetry::EventView;

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

void CheckSame(const EventView& a, const EventView& b) {
  FUZZ_CHECK(a.satellite() == b.satellite()) << "satellite differs after re-encoding";
  FUZZ_CHECK(a.sequence() == b.sequence()) << a.sequence() << " vs " << b.sequence();
  FUZZ_CHECK(a.timestamp_ns() == b.timestamp_ns()) << a.timestamp_ns() << " vs " << b.timestamp_ns();
  const double av[] = {a.temp_c(), a.battery_charge_pct(), a.altitude(), a.sensor1(), a.sensor2(), a.sensor3()};
  const auto m = b.values();
  const double bv[] = {m.temp_c, m.battery_charge_pct, m.altitude, m.sensor1, m.sensor2, m.sensor3};
  for (int i = 0; i < 6; ++i) FUZZ_CHECK(Bits(av[i]) == Bits(bv[i])) << "measurement " << i << " differs";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A private copy of exactly `size` bytes, so ASan sees any read past the payload.
  std::vector<uint8_t> bytes(data, data + size);
  auto view = DecodeEvent(std::span<const uint8_t>(bytes.data(), bytes.size()));
  if (!view.ok()) {
    FUZZ_CHECK(view.status().code() == orbitlake::StatusCode::kCorruption) << view.status().ToString();
    FUZZ_CHECK(!view.status().message().empty());
    return 0;
  }
  const std::string satellite(view->satellite());  // reads every byte of the name
  Event e;
  e.satellite = satellite;
  e.sequence = view->sequence();
  e.timestamp_ns = view->timestamp_ns();
  e.values = view->values();

  EventEncoder encoder;
  auto encoded = encoder.Encode(e);
  std::vector<uint8_t> again(encoded.begin(), encoded.end());
  auto back = DecodeEvent(std::span<const uint8_t>(again.data(), again.size()));
  FUZZ_CHECK(back.ok()) << "a re-encoded event does not decode: " << back.status().ToString();
  CheckSame(*view, *back);
  return 0;
}
