#include "pipeline/from.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "pipeline/suggest.h"

namespace orbitlake::pipeline {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// Characters a dotted member name cannot hold (they need the $['...'] form).
bool IsPlainMemberChar(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != '.' && c != '[' && c != ']' && c != '\'' &&
         c != '"' && c != '$';
}

constexpr std::array<std::pair<std::string_view, FromKafka::Field>, 5> kKafkaFields{{
    {"topic", FromKafka::Field::kTopic},
    {"partition", FromKafka::Field::kPartition},
    {"offset", FromKafka::Field::kOffset},
    {"timestamp", FromKafka::Field::kTimestamp},
    {"key", FromKafka::Field::kKey},
}};
constexpr std::string_view kKafkaPrefix = "kafka.";
constexpr std::string_view kHeaderPrefix = "kafka.header.";

Status PathError(std::string_view text, size_t at, std::string what, size_t* error_offset) {
  if (error_offset != nullptr) *error_offset = at;
  return Status::InvalidArgument(OneLine(fmt::format("path '{}', character {}: {}", text, at + 1, what)));
}

}  // namespace

Result<std::vector<std::string>> ParseJsonPath(std::string_view text, size_t* error_offset) {
  if (text.empty() || text[0] != '$') {
    return PathError(text, 0, "a JSON path starts with '$' ($.field)", error_offset);
  }
  std::vector<std::string> segments;
  size_t pos = 1;
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '.') {
      size_t start = ++pos;
      while (pos < text.size() && IsPlainMemberChar(text[pos])) ++pos;
      if (pos == start) {
        return PathError(text, start,
                         start < text.size() ? fmt::format("expected a member name after '.', found '{}'", text[start])
                                             : std::string("expected a member name after '.', found the end"),
                         error_offset);
      }
      segments.emplace_back(text.substr(start, pos - start));
    } else if (c == '[') {
      size_t open = pos++;
      if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"')) {
        if (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '*')) {
          return PathError(text, open, "array elements are not addressed by path: declare the array column instead",
                           error_offset);
        }
        return PathError(text, pos, "expected a quoted member name after '[' ($['a.b'])", error_offset);
      }
      char quote = text[pos++];
      size_t start = pos;
      while (pos < text.size() && text[pos] != quote) ++pos;
      if (pos >= text.size()) return PathError(text, open, fmt::format("unterminated {} in '['", quote), error_offset);
      if (pos == start) return PathError(text, start, "empty member name", error_offset);
      segments.emplace_back(text.substr(start, pos - start));
      ++pos;
      if (pos >= text.size() || text[pos] != ']') {
        return PathError(text, pos, "expected ']' after the quoted member name", error_offset);
      }
      ++pos;
    } else {
      return PathError(text, pos, fmt::format("expected '.' or '[' in the path, found '{}'", c), error_offset);
    }
  }
  if (segments.empty()) {
    return PathError(text, text.size(), "a JSON path names at least one member ($.field)", error_offset);
  }
  return segments;
}

Result<std::vector<std::string>> ParseFieldPath(std::string_view text, size_t* error_offset) {
  if (!text.empty() && text[0] == '$') return ParseJsonPath(text, error_offset);
  std::string with_root = "$." + std::string(text);
  size_t offset = 0;
  auto segments = ParseJsonPath(with_root, &offset);
  if (segments.ok()) return segments;
  // Report against the text as written (without the "$." added here).
  size_t at = offset >= 2 ? offset - 2 : 0;
  if (error_offset != nullptr) *error_offset = at;
  std::string message = segments.status().message();
  size_t colon = message.find(": ");
  return Status::InvalidArgument(OneLine(
      fmt::format("field '{}', character {}: {}", text, at + 1, message.substr(colon == std::string::npos ? 0 : colon + 2))));
}

Result<From> ParseFrom(std::string_view text, size_t* error_offset) {
  if (!text.empty() && text[0] == '$') {
    ORBIT_ASSIGN_OR_RETURN(auto segments, ParseJsonPath(text, error_offset));
    return From(FromJsonPath{std::move(segments)});
  }
  if (text == "ingest_time") return From(FromIngestTime{});
  // A file source's metadata: its documents carry the file name, line and modification
  // time where a Kafka message carries topic, offset and timestamp.
  if (text == "file.name") return From(FromKafka{FromKafka::Field::kTopic, ""});
  if (text == "file.line") return From(FromKafka{FromKafka::Field::kOffset, ""});
  if (text == "file.modified") return From(FromKafka{FromKafka::Field::kTimestamp, ""});
  // A Delta source's rows carry the source version and the added file's modification time.
  if (text == "delta.version") return From(FromKafka{FromKafka::Field::kOffset, ""});
  if (text == "delta.timestamp") return From(FromKafka{FromKafka::Field::kTimestamp, ""});
  if (text.starts_with(kHeaderPrefix)) {
    std::string_view name = text.substr(kHeaderPrefix.size());
    if (name.empty()) {
      if (error_offset != nullptr) *error_offset = text.size();
      return Status::InvalidArgument(OneLine(fmt::format("from '{}': kafka.header needs the header's name: kafka.header.NAME", text)));
    }
    return From(FromKafka{FromKafka::Field::kHeader, std::string(name)});
  }
  if (text.starts_with(kKafkaPrefix) || text == "kafka") {
    std::string_view field = text.size() > kKafkaPrefix.size() ? text.substr(kKafkaPrefix.size()) : "";
    for (const auto& [name, f] : kKafkaFields) {
      if (field == name) return From(FromKafka{f, ""});
    }
    std::vector<std::string> names;
    for (const auto& [name, f] : kKafkaFields) names.emplace_back(name);
    names.emplace_back("header");
    if (error_offset != nullptr) *error_offset = std::min(text.size(), kKafkaPrefix.size());
    return Status::InvalidArgument(OneLine(
        fmt::format("from '{}': unknown Kafka field '{}'{}; one of kafka.topic, kafka.partition, kafka.offset, "
                    "kafka.timestamp, kafka.key, kafka.header.NAME",
                    text, field, DidYouMean(field, names))));
  }
  bool is_name = !text.empty() && IsNameStart(text[0]);
  for (char c : text) is_name = is_name && IsNameChar(c);
  if (is_name) return From(FromColumn{std::string(text)});
  if (error_offset != nullptr) *error_offset = 0;
  return Status::InvalidArgument(OneLine(fmt::format(
      "from '{}': expected a JSON path ($.field), kafka.topic|partition|offset|timestamp|key, "
      "kafka.header.NAME, ingest_time, or another column's name (for a constant, use value = ...)",
      text)));
}

std::string JsonPathToString(const std::vector<std::string>& segments) {
  std::string out = "$";
  for (const auto& s : segments) {
    bool plain = !s.empty();
    for (char c : s) plain = plain && IsPlainMemberChar(c);
    if (plain) {
      out += "." + s;
    } else {
      out += s.find('\'') == std::string::npos ? "['" + s + "']" : "[\"" + s + "\"]";
    }
  }
  return out;
}

std::string ToString(const From& from) {
  struct Printer {
    std::string operator()(const FromJsonPath& p) const { return JsonPathToString(p.segments); }
    std::string operator()(const FromKafka& k) const {
      if (k.field == FromKafka::Field::kHeader) return std::string(kHeaderPrefix) + k.header;
      for (const auto& [name, f] : kKafkaFields) {
        if (f == k.field) return std::string(kKafkaPrefix) + std::string(name);
      }
      return "kafka.?";
    }
    std::string operator()(const FromIngestTime&) const { return "ingest_time"; }
    std::string operator()(const FromColumn& c) const { return c.name; }
    std::string operator()(const FromConstant& c) const { return "value " + c.json; }
    std::string operator()(const FromExpr& e) const { return "expr " + e.text; }
  };
  return std::visit(Printer{}, from);
}

}  // namespace orbitlake::pipeline
