// Fuzz target: a JSON Kafka payload through JsonMessage::Parse, RouteMatcher::Matches
// and TableRows::Append for a table with every kind of column (primitives, decimal,
// timestamps, nested array<struct>, map, struct paths, Kafka fields, checks).
//
// Oracles beyond "no crash, no ASan/UBSan report":
// - every error is a rejection (IsRejection): the default pool never fails here;
// - syntax reasons name a byte offset inside the message;
// - a message the precise checker (json_text::FindSyntaxError) finds valid is never
//   called a syntax error (the converse does not hold by design: undeclared values are
//   skipped by structure only, see json_decoder.h);
// - a row is appended iff Append said OK, and a known good message right after any
//   input decodes (the builders stayed in step): the batch has exactly the accepted
//   rows, passes Arrow's full validation, and the good row reads back.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/api.h>

#include "fuzz/fuzz_check.h"
#include "pipeline/json_decoder.h"
#include "pipeline/json_text.h"

namespace {

using namespace orbitlake;
using namespace orbitlake::pipeline;
using Kind = DeltaType::Kind;

std::shared_ptr<const DeltaType> T(Kind k, int p = 0, int s = 0) {
  return std::make_shared<DeltaType>(DeltaType{k, p, s, {}});
}

ColumnSpec Col(std::string name, std::shared_ptr<const DeltaType> type, From from, bool required = false) {
  ColumnSpec c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.from = std::move(from);
  c.required = required;
  return c;
}

TableSpec Spec() {
  auto item = std::make_shared<DeltaType>(
      DeltaType{Kind::kStruct, 0, 0, {{"sku", T(Kind::kString), false}, {"qty", T(Kind::kInteger)}}});
  auto items = std::make_shared<DeltaType>(DeltaType{Kind::kArray, 0, 0, {{"element", item}}});
  auto attrs = std::make_shared<DeltaType>(
      DeltaType{Kind::kMap, 0, 0, {{"key", T(Kind::kString), false}, {"value", T(Kind::kDouble)}}});
  TableSpec t;
  t.name = "fuzz";
  t.columns = {
      Col("event_id", T(Kind::kString), FromJsonPath{{"event_id"}}, true),
      Col("user_id", T(Kind::kLong), FromJsonPath{{"user_id"}}),
      Col("ts", T(Kind::kTimestamp), FromJsonPath{{"ts"}}),
      Col("ntz", T(Kind::kTimestampNtz), FromJsonPath{{"local"}}),
      Col("day", T(Kind::kDate), FromColumn{"ts"}),
      Col("born", T(Kind::kDate), FromJsonPath{{"born"}}),
      Col("url", T(Kind::kString), FromJsonPath{{"page", "url"}}),
      Col("dur", T(Kind::kFloat), FromJsonPath{{"page", "dur"}}),
      Col("amount", T(Kind::kDecimal, 12, 2), FromJsonPath{{"amount"}}),
      Col("small", T(Kind::kByte), FromJsonPath{{"small"}}),
      Col("flag", T(Kind::kBoolean), FromJsonPath{{"flag"}}),
      Col("blob", T(Kind::kBinary), FromJsonPath{{"blob"}}),
      Col("items", items, FromJsonPath{{"items"}}),
      Col("attrs", attrs, FromJsonPath{{"attrs"}}),
      Col("offset", T(Kind::kLong), FromKafka{FromKafka::Field::kOffset}),
      Col("key", T(Kind::kString), FromKafka{FromKafka::Field::kKey}),
  };
  t.checks = {{"user_id >= 0", "user_id", CheckSpec::Op::kGe, "0"},
              {"amount < 1000000", "amount", CheckSpec::Op::kLt, "1000000"}};
  return t;
}

constexpr std::string_view kGood =
    R"({"event_id":"good","user_id":1,"ts":"2024-01-01T00:00:00Z","amount":"1.50","items":[{"sku":"a","qty":1}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static JsonMessage msg;
  static std::unique_ptr<TableRows> rows = [] {
    auto r = TableRows::Make(Spec());
    FUZZ_CHECK(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }();
  static RouteMatcher route = [] {
    auto r = RouteMatcher::Make(RouteSpec{{"page", "kind"}, "\"view\""});
    FUZZ_CHECK(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }();

  const std::string text(reinterpret_cast<const char*>(data), size);  // exact-size copy for ASan
  const std::string key = "k";
  MessageMeta meta;
  meta.topic = "t";
  meta.offset = 7;
  meta.key = std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size());

  Status st = msg.Parse(text);
  if (st.ok()) {
    auto matched = route.Matches(msg);
    FUZZ_CHECK(matched.ok() || IsRejection(matched.status())) << matched.status().ToString();
    st = rows->Append(msg, meta, 0);
  }
  FUZZ_CHECK(st.ok() || IsRejection(st)) << st.ToString();
  const int64_t accepted = st.ok() ? 1 : 0;
  FUZZ_CHECK(rows->rows() == accepted) << rows->rows() << " rows after " << st.ToString();

  if (st.code() == StatusCode::kCorruption) {
    const std::string& m = st.message();
    constexpr std::string_view kSyntax = "JSON syntax error at byte ";
    if (m.starts_with(kSyntax)) {
      const size_t offset = std::stoull(m.substr(kSyntax.size()));
      FUZZ_CHECK(offset <= size) << m;
    } else {
      FUZZ_CHECK(m.starts_with("the message is ") || m.starts_with("JSON syntax error: ")) << m;
    }
    // A message the precise checker finds valid is never called a syntax error.
    if (!json_text::FindSyntaxError(text, JsonOptions{}.max_depth)) {
      FUZZ_CHECK(!m.starts_with("JSON syntax error")) << m;
    }
  }

  // The builders stayed in step: a good message decodes right after.
  FUZZ_CHECK(msg.Parse(kGood).ok());
  Status good = rows->Append(msg, meta, 0);
  FUZZ_CHECK(good.ok()) << good.ToString();
  auto batch = rows->TakeBatch();
  FUZZ_CHECK(batch.ok()) << batch.status().ToString();
  FUZZ_CHECK((*batch)->num_rows() == accepted + 1) << (*batch)->num_rows();
  const arrow::Status valid = (*batch)->ValidateFull();
  FUZZ_CHECK(valid.ok()) << valid.ToString();
  auto id = std::static_pointer_cast<arrow::StringArray>((*batch)->column(0));
  FUZZ_CHECK(id->GetString(accepted) == "good") << id->GetString(accepted);
  return 0;
}
