#include "storage/s3_protocol.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "common/civil_date.h"

namespace orbitlake::storage::s3 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// The raw text between <tag> and </tag> of the first such element in `xml`, or nullopt.
// An empty element written <tag/> counts as empty text.
std::optional<std::string_view> RawElement(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string empty = "<" + std::string(tag) + "/>";
  const std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open);
  size_t empty_at = xml.find(empty);
  if (empty_at != std::string_view::npos && (start == std::string_view::npos || empty_at < start)) {
    return std::string_view();
  }
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  return xml.substr(start, end - start);
}

Result<std::string> Element(std::string_view xml, std::string_view tag, std::string_view where) {
  auto raw = RawElement(xml, tag);
  if (!raw) return Status::Corruption(std::string(where) + " has no <" + std::string(tag) + ">");
  auto text = XmlUnescape(*raw);
  if (!text.ok()) {
    return Status::Corruption(std::string(where) + " <" + std::string(tag) + ">: " + text.status().message());
  }
  return std::move(*text);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Digits of a fixed-width decimal field, or -1.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [k, v] : params) {
    k = UriEncode(k, false);
    v = UriEncode(v, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

Result<std::string> XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      return Status::InvalidArgument("unterminated XML entity at '" + std::string(text.substr(i, 12)) + "'");
    }
    std::string_view name = text.substr(i + 1, semi - i - 1);
    if (name == "amp") {
      out += '&';
    } else if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF)) {
        return Status::InvalidArgument("bad XML character reference '&" + std::string(name) + ";'");
      }
      AppendUtf8(cp, &out);
    } else {
      return Status::InvalidArgument("unknown XML entity '&" + std::string(name) + ";'");
    }
    i = semi;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

Result<int64_t> ParseTimestampMs(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00)
  auto bad = [&] { return Status::InvalidArgument("bad timestamp '" + std::string(t.substr(0, 40)) + "'"); };
  const int y = Digits(t, 0, 4), mo = Digits(t, 5, 2), d = Digits(t, 8, 2);
  const int h = Digits(t, 11, 2), mi = Digits(t, 14, 2), s = Digits(t, 17, 2);
  if (t.size() < 20 || y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 60 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return bad();
  }
  size_t pos = 19;
  int64_t ms = 0;
  if (t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  std::string_view zone = t.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return bad();
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60'000 + static_cast<int64_t>(s) * 1000 + ms;
}

Result<ListPage> ParseListObjectsV2(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Status::Corruption("ListObjectsV2 response is not a <ListBucketResult> (" +
                              std::to_string(xml.size()) + " bytes)");
  }
  ListPage page;
  size_t pos = 0;
  for (;;) {
    size_t start = xml.find("<Contents>", pos);
    if (start == std::string_view::npos) break;
    size_t end = xml.find("</Contents>", start);
    if (end == std::string_view::npos) return Status::Corruption("ListObjectsV2 response: unterminated <Contents>");
    std::string_view block = xml.substr(start, end - start);
    pos = end + 11;
    ListedObject obj;
    ORBIT_ASSIGN_OR_RETURN(obj.key, Element(block, "Key", "ListObjectsV2 <Contents>"));
    ORBIT_ASSIGN_OR_RETURN(std::string size, Element(block, "Size", "ListObjectsV2 <Contents> '" + obj.key + "'"));
    auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), obj.size);
    if (size.empty() || ec != std::errc() || p != size.data() + size.size() || obj.size < 0) {
      return Status::Corruption("ListObjectsV2 <Contents> '" + obj.key + "': bad <Size> '" + size + "'");
    }
    ORBIT_ASSIGN_OR_RETURN(std::string modified,
                           Element(block, "LastModified", "ListObjectsV2 <Contents> '" + obj.key + "'"));
    auto ms = ParseTimestampMs(modified);
    if (!ms.ok()) {
      return Status::Corruption("ListObjectsV2 <Contents> '" + obj.key + "' <LastModified>: " + ms.status().message());
    }
    obj.modification_time_ms = *ms;
    page.objects.push_back(std::move(obj));
  }
  // The top-level fields come after the first <Contents> in some servers' output and
  // before it in others; neither appears inside a <Contents> block.
  auto truncated = RawElement(xml, "IsTruncated");
  page.truncated = truncated && *truncated == "true";
  if (page.truncated) {
    ORBIT_ASSIGN_OR_RETURN(page.next_continuation_token,
                           Element(xml, "NextContinuationToken", "truncated ListObjectsV2 response"));
    if (page.next_continuation_token.empty()) {
      return Status::Corruption("truncated ListObjectsV2 response has an empty <NextContinuationToken>");
    }
  }
  return page;
}

S3Error ParseError(std::string_view xml) {
  S3Error err;
  if (xml.find("<Error") == std::string_view::npos) return err;
  if (auto code = RawElement(xml, "Code")) err.code = XmlUnescape(*code).value_or(std::string(*code));
  if (auto msg = RawElement(xml, "Message")) err.message = XmlUnescape(*msg).value_or(std::string(*msg));
  return err;
}

Result<std::string> ParseUploadId(std::string_view xml) {
  ORBIT_ASSIGN_OR_RETURN(std::string id, Element(xml, "UploadId", "CreateMultipartUpload response"));
  if (id.empty()) return Status::Corruption("CreateMultipartUpload response has an empty <UploadId>");
  return id;
}

std::string CompleteMultipartBody(const std::vector<std::string>& etags) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) +
           "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace orbitlake::storage::s3
