// Fuzz target: the pipeline file reader and the string grammars it uses.
//
// The first byte picks the parser, the rest is its input: 0 ParsePipeline (TOML),
// 1 ParseDeltaType, 2 ParseCheck, 3 ParseFrom. Oracles: nothing throws or crashes; a
// refusal is InvalidArgument, one line, and (for files) starts with "p.toml:<line>:<col>: ";
// an accepted type round-trips (ParseDeltaType(ToString(t)) is the same type), an accepted
// `from` prints back to text that parses to the same form, an accepted pipeline has every
// column typed and every quarantine path set, and describes without failing.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "pipeline/check.h"
#include "pipeline/describe.h"
#include "pipeline/from.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/types.h"

namespace {

using namespace orbitlake;
using namespace orbitlake::pipeline;

void CheckRefusal(const Status& st) {
  FUZZ_CHECK(st.code() == StatusCode::kInvalidArgument) << st.ToString();
  FUZZ_CHECK(st.message().find('\n') == std::string::npos) << st.message();
}

void FuzzPipeline(const std::string& text) {
  auto spec = ParsePipeline(text, "p.toml");
  if (!spec.ok()) {
    CheckRefusal(spec.status());
    const std::string& m = spec.status().message();
    FUZZ_CHECK(m.starts_with("p.toml:") && m.find(": ", 7) != std::string::npos) << m;
    return;
  }
  FUZZ_CHECK(!spec->sources.empty() && !spec->tables.empty());
  for (const auto& s : spec->sources) FUZZ_CHECK(!s.quarantine_path.empty()) << s.name;
  for (const auto& t : spec->tables) {
    FUZZ_CHECK(!t.quarantine_path.empty()) << t.name;
    FUZZ_CHECK(!t.columns.empty()) << t.name;
    for (const auto& c : t.columns) FUZZ_CHECK(c.type != nullptr) << c.name;
  }
  FUZZ_CHECK(!DescribePipeline(*spec).empty());
}

void FuzzType(const std::string& text) {
  auto t = ParseDeltaType(text);
  if (!t.ok()) return CheckRefusal(t.status());
  std::string canonical = ToString(**t);
  auto back = ParseDeltaType(canonical);
  FUZZ_CHECK(back.ok()) << canonical << ": " << back.status().ToString();
  FUZZ_CHECK(SameType(**t, **back)) << canonical;
  FUZZ_CHECK(!ToSchemaJson(**t).empty());
}

void FuzzCheck(const std::string& text) {
  auto c = ParseCheck(text);
  if (!c.ok()) return CheckRefusal(c.status());
  FUZZ_CHECK(!c->column.empty()) << text;
  bool null_test = c->op == CheckSpec::Op::kIsNull || c->op == CheckSpec::Op::kIsNotNull;
  FUZZ_CHECK(null_test == c->literal_json.empty()) << text;
}

void FuzzFrom(const std::string& text) {
  auto f = ParseFrom(text);
  if (!f.ok()) return CheckRefusal(f.status());
  std::string printed = ToString(*f);
  auto back = ParseFrom(printed);
  FUZZ_CHECK(back.ok()) << printed << ": " << back.status().ToString();
  FUZZ_CHECK(back->index() == f->index()) << printed;
  FUZZ_CHECK(ToString(*back) == printed) << printed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);  // exact-size copy for ASan
  switch (data[0] % 4) {
    case 0: FuzzPipeline(text); break;
    case 1: FuzzType(text); break;
    case 2: FuzzCheck(text); break;
    default: FuzzFrom(text); break;
  }
  return 0;
}
