#include "telemetry/event.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace orbitlake::telemetry {

std::string_view EventFileIdentifier() { return fb::EventIdentifier(); }

EventEncoder::EventEncoder(size_t initial_capacity) : fbb_(initial_capacity) {
  // Every field is written even when it equals its default (0), so all events of one
  // satellite have the same size: predictable batches, and 0.00 readings are explicit.
  fbb_.ForceDefaults(true);
}

std::span<const uint8_t> EventEncoder::Encode(const Event& event) {
  if (!last_satellite_.empty() && event.satellite == last_satellite_) {
    fb::Event* e = fb::GetMutableEvent(fbb_.GetBufferPointer());
    const Measurements& v = event.values;
    // Every field is present (ForceDefaults), so each mutate succeeds; should one not,
    // the event is built afresh rather than sent half-updated.
    if (e->mutate_sequence(event.sequence) && e->mutate_timestamp_ns(event.timestamp_ns) &&
        e->mutate_temp_c(v.temp_c) && e->mutate_battery_charge_pct(v.battery_charge_pct) &&
        e->mutate_altitude(v.altitude) && e->mutate_sensor1(v.sensor1) && e->mutate_sensor2(v.sensor2) &&
        e->mutate_sensor3(v.sensor3)) {
      return {fbb_.GetBufferPointer(), fbb_.GetSize()};
    }
  }
  return Build(event);
}

std::span<const uint8_t> EventEncoder::Build(const Event& event) {
  last_satellite_.clear();
  fbb_.Clear();
  auto name = fbb_.CreateString(event.satellite.data(), event.satellite.size());
  const Measurements& v = event.values;
  auto root = fb::CreateEvent(fbb_, name, event.sequence, event.timestamp_ns, v.temp_c, v.battery_charge_pct,
                              v.altitude, v.sensor1, v.sensor2, v.sensor3);
  fb::FinishEventBuffer(fbb_, root);
  last_satellite_.assign(event.satellite);
  return {fbb_.GetBufferPointer(), fbb_.GetSize()};
}

namespace {

bool Aligned8(const uint8_t* p) { return reinterpret_cast<uintptr_t>(p) % alignof(uint64_t) == 0; }

// The checks that read no scalar of the buffer: size and file identifier (bytes).
Status CheckHeader(std::span<const uint8_t> bytes) {
  // Root offset + identifier; anything shorter cannot be an event.
  constexpr size_t kMinSize = sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;
  if (bytes.size() < kMinSize) {
    return Status::Corruption("telemetry event of " + std::to_string(bytes.size()) + " bytes is too short");
  }
  if (!fb::EventBufferHasIdentifier(bytes.data())) {
    // The identifier bytes are arbitrary input: escape them, error messages end up in
    // logs and in the quarantine table's UTF-8 `reason` column.
    std::string shown;
    for (size_t i = 0; i < flatbuffers::kFileIdentifierLength; ++i) {
      const uint8_t c = bytes[sizeof(flatbuffers::uoffset_t) + i];
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        shown.push_back(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        shown += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
      }
    }
    return Status::Corruption("not a telemetry event: file identifier is '" + shown + "', expected '" +
                              std::string(EventFileIdentifier()) + "'");
  }
  return Status::OK();
}

}  // namespace

std::span<const uint8_t> DecodeScratch::Aligned(std::span<const uint8_t> bytes) {
  if (Aligned8(bytes.data())) return bytes;
  const size_t words = (bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t);
  // One huge message must not pin its size for the rest of the run.
  constexpr size_t kKeepWords = (1 << 20) / sizeof(uint64_t);
  if (words <= kKeepWords && words_.capacity() > kKeepWords) std::vector<uint64_t>().swap(words_);
  if (words_.size() < words) words_.resize(words);
  std::memcpy(words_.data(), bytes.data(), bytes.size());
  return {reinterpret_cast<const uint8_t*>(words_.data()), bytes.size()};
}

Result<EventView> DecodeEvent(std::span<const uint8_t> bytes, DecodeScratch& scratch) {
  // Most rejected messages fail here, before anything is copied.
  ORBIT_RETURN_IF_ERROR(CheckHeader(bytes));
  return DecodeEvent(scratch.Aligned(bytes));
}

Result<EventView> DecodeEvent(std::span<const uint8_t> bytes) {
  if (!Aligned8(bytes.data())) {
    return Status::InvalidArgument("telemetry event buffer does not start 8-byte aligned; decode it with a "
                                   "DecodeScratch");
  }
  ORBIT_RETURN_IF_ERROR(CheckHeader(bytes));
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyEventBuffer(verifier)) {
    return Status::Corruption("telemetry event of " + std::to_string(bytes.size()) +
                              " bytes failed FlatBuffers verification");
  }
  return EventView(fb::GetEvent(bytes.data()));
}

}  // namespace orbitlake::telemetry
