#include "telemetry/event.h"

#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace orbitlake::telemetry {
namespace {

Event SampleEvent() {
  Event e;
  e.satellite = "sat7";
  e.sequence = 123'456;
  e.timestamp_ns = 1'700'000'000'123'456'789;
  e.values = {17.74, 54.09, 786.75, 0.42, 0.52, 0.47};
  return e;
}

TEST(EventCodecTest, RoundTripsEveryField) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  auto view = DecodeEvent(copy);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->satellite(), "sat7");
  EXPECT_EQ(view->sequence(), 123'456u);
  EXPECT_EQ(view->timestamp_ns(), 1'700'000'000'123'456'789);
  EXPECT_EQ(view->values(), SampleEvent().values);
  EXPECT_EQ(view->temp_c(), 17.74);
  EXPECT_EQ(view->sensor3(), 0.47);
}

TEST(EventCodecTest, ViewReadsTheCallersBytesInPlace) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  auto view = DecodeEvent(copy);
  ASSERT_TRUE(view.ok());
  const char* name = view->satellite().data();
  EXPECT_GE(reinterpret_cast<const uint8_t*>(name), copy.data());
  EXPECT_LT(reinterpret_cast<const uint8_t*>(name), copy.data() + copy.size());
}

TEST(EventCodecTest, DecodesFromAnUnalignedAddress) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  std::vector<uint8_t> storage(bytes.size() + 1);
  std::memcpy(storage.data() + 1, bytes.data(), bytes.size());
  const std::span<const uint8_t> unaligned{storage.data() + 1, bytes.size()};
  // Reading it in place would be a misaligned load: refused, not undefined behaviour.
  EXPECT_EQ(DecodeEvent(unaligned).status().code(), StatusCode::kInvalidArgument);
  DecodeScratch scratch;
  auto view = DecodeEvent(unaligned, scratch);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->values(), SampleEvent().values);
  EXPECT_EQ(view->satellite(), SampleEvent().satellite);
  // An aligned buffer is read in place, without a copy.
  std::vector<uint64_t> words((bytes.size() + 7) / 8);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  const std::span<const uint8_t> aligned{reinterpret_cast<const uint8_t*>(words.data()), bytes.size()};
  EXPECT_EQ(scratch.Aligned(aligned).data(), aligned.data());
  // A rejected payload is refused before any copy is made.
  std::vector<uint8_t> junk(4 << 20, 0x5a);
  EXPECT_EQ(DecodeEvent({junk.data() + 1, junk.size() - 1}, scratch).status().code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, ZeroValuesAreWrittenAndSizeIsStable) {
  EventEncoder enc;
  Event a = SampleEvent();
  size_t full = enc.Encode(a).size();
  Event b = a;
  b.sequence = 0;
  b.values = {};
  std::span<const uint8_t> bytes = enc.Encode(b);
  EXPECT_EQ(bytes.size(), full);
  auto view = DecodeEvent(bytes);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->sequence(), 0u);
  EXPECT_EQ(view->values(), Measurements{});
}

TEST(EventCodecTest, EncoderIsReusable) {
  EventEncoder enc;
  for (uint64_t i = 0; i < 100; ++i) {
    Event e = SampleEvent();
    e.sequence = i;
    auto view = DecodeEvent(enc.Encode(e));
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->sequence(), i);
  }
}

// Events of the same satellite are patched in place: the bytes must be exactly those of
// a fresh build, including after a switch to another satellite and back, and for a
// name that is a prefix of the previous one.
TEST(EventCodecTest, PatchedEventsEqualFreshBuilds) {
  EventEncoder reused;
  std::mt19937_64 rng(3);
  const char* names[] = {"sat7", "sat7", "sat70", "sat7", "", "sat7", "sat7"};
  uint64_t seq = 0;
  for (const char* name : names) {
    for (int i = 0; i < 3; ++i) {
      Event e;
      e.satellite = name;
      e.sequence = seq++ * 7919;
      e.timestamp_ns = static_cast<int64_t>(rng() >> 1);
      e.values = {static_cast<double>(rng() % 1000) / 7, -1.5, 0.0, 1e300, -0.0, static_cast<double>(i)};
      std::span<const uint8_t> got = reused.Encode(e);
      std::vector<uint8_t> got_copy(got.begin(), got.end());
      EventEncoder fresh;
      std::span<const uint8_t> want = fresh.Encode(e);
      ASSERT_EQ(got_copy, std::vector<uint8_t>(want.begin(), want.end())) << name << " #" << i;
      auto view = DecodeEvent(got_copy);
      ASSERT_TRUE(view.ok()) << view.status().ToString();
      EXPECT_EQ(view->satellite(), name);
      EXPECT_EQ(view->sequence(), e.sequence);
      EXPECT_EQ(view->timestamp_ns(), e.timestamp_ns);
      EXPECT_EQ(view->values(), e.values);
    }
  }
}

TEST(EventCodecTest, RejectsTooShortBuffers) {
  std::vector<uint8_t> empty;
  EXPECT_EQ(DecodeEvent(empty).status().code(), StatusCode::kCorruption);
  std::vector<uint8_t> tiny = {1, 2, 3};
  EXPECT_EQ(DecodeEvent(tiny).status().code(), StatusCode::kCorruption);
}

TEST(EventCodecTest, RejectsAnotherFileIdentifier) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  std::memcpy(copy.data() + 4, "XXXX", 4);
  auto r = DecodeEvent(copy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("OLTE"), std::string::npos);
  EXPECT_NE(r.status().message().find("'XXXX'"), std::string::npos);

  // Non-printable identifier bytes are escaped, so the message stays valid text.
  std::memcpy(copy.data() + 4, "\xf6\x00" "A\\", 4);
  auto bin = DecodeEvent(copy);
  ASSERT_FALSE(bin.ok());
  EXPECT_NE(bin.status().message().find("'\\xf6\\x00A\\x5c'"), std::string::npos) << bin.status().message();
}

TEST(EventCodecTest, RejectsTruncatedBuffers) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  // The last bytes may be alignment padding nothing points at: cutting those is harmless.
  constexpr size_t kMaxPadding = 7;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    auto r = DecodeEvent(cut);
    if (n + kMaxPadding < bytes.size()) {
      EXPECT_FALSE(r.ok()) << "truncated to " << n << " bytes";
    } else if (r.ok()) {
      EXPECT_EQ(r->satellite(), "sat7");
      EXPECT_EQ(r->values(), SampleEvent().values);
    }
  }
}

TEST(EventCodecTest, RejectsMissingRequiredSatellite) {
  // The generic builder API: the generated EventBuilder asserts on the missing required
  // field (in builds with assertions), as it should for our own encoder.
  flatbuffers::FlatBufferBuilder fbb;
  const auto start = fbb.StartTable();
  fbb.AddElement<uint64_t>(fb::Event::VT_SEQUENCE, 1, 0);
  const flatbuffers::Offset<fb::Event> root(fbb.EndTable(start));
  fbb.Finish(root, fb::EventIdentifier());
  auto r = DecodeEvent({fbb.GetBufferPointer(), fbb.GetSize()});
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

// A well-formed FlatBuffer of another schema, as a misconfigured producer on the same
// topic would send: table Reading { id:int (0); label:string (1); value:double (2); }.
// Built with the generic builder API, the way that producer's generated code would.
std::vector<uint8_t> AnotherTypeBuffer(const char* file_identifier) {
  flatbuffers::FlatBufferBuilder fbb;
  auto label = fbb.CreateString("pump-3");
  const auto start = fbb.StartTable();
  fbb.AddElement<double>(8, 21.5, 0.0);  // field 2 (vtable offset 4 + 2 * 2)
  fbb.AddOffset(6, label);               // field 1
  fbb.AddElement<int32_t>(4, 42, 0);     // field 0
  const flatbuffers::Offset<flatbuffers::Table> root(fbb.EndTable(start));
  fbb.Finish(root, file_identifier);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// What that producer's generated Verify would check: the buffer is a valid Reading.
bool VerifiesAsReading(const std::vector<uint8_t>& bytes) {
  flatbuffers::Verifier v(bytes.data(), bytes.size());
  if (bytes.size() < 8 || flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bytes.data()) >= bytes.size()) return false;
  const auto* t = flatbuffers::GetRoot<flatbuffers::Table>(bytes.data());
  return t->VerifyTableStart(v) && t->VerifyField<int32_t>(v, 4, 4) && t->VerifyOffset(v, 6) &&
         v.VerifyString(t->GetPointer<const flatbuffers::String*>(6)) && t->VerifyField<double>(v, 8, 8) &&
         v.EndTable();
}

TEST(EventCodecTest, RejectsAValidBufferOfAnotherType) {
  // With its own file identifier: rejected by the identifier, which is named.
  std::vector<uint8_t> tagged = AnotherTypeBuffer("OTHR");
  ASSERT_TRUE(VerifiesAsReading(tagged)) << "the foreign buffer itself must be valid";
  ASSERT_TRUE(flatbuffers::BufferHasIdentifier(tagged.data(), "OTHR"));
  auto r = DecodeEvent(tagged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("'OTHR'"), std::string::npos) << r.status().message();

  // Without a file identifier the bytes where ours would be hold the foreign layout.
  std::vector<uint8_t> untagged = AnotherTypeBuffer(nullptr);
  ASSERT_TRUE(VerifiesAsReading(untagged));
  auto u = DecodeEvent(untagged);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kCorruption);
  EXPECT_NE(u.status().message().find("expected 'OLTE'"), std::string::npos) << u.status().message();

  // Even carrying our identifier, the verifier rejects it: field 0 (our required
  // satellite string) is an int there, whose value is not a valid string offset.
  std::vector<uint8_t> disguised = AnotherTypeBuffer("OLTE");
  auto d = DecodeEvent(disguised);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kCorruption);
  EXPECT_NE(d.status().message().find("failed FlatBuffers verification"), std::string::npos) << d.status().message();
}

// Random corruption must produce an error or a valid view, never a crash (ASan builds
// turn an out-of-bounds read into a failure).
TEST(EventCodecTest, RandomCorruptionNeverCrashes) {
  EventEncoder enc;
  std::span<const uint8_t> bytes = enc.Encode(SampleEvent());
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    for (int k = 0; k < 3; ++k) copy[rng() % copy.size()] = static_cast<uint8_t>(rng());
    auto r = DecodeEvent(copy);
    if (r.ok()) {
      (void)r->satellite();
      (void)r->values();
    }
  }
}

}  // namespace
}  // namespace orbitlake::telemetry
