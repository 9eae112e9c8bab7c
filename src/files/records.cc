#include "files/records.h"

#include <algorithm>

#include <fmt/format.h>
#include <zlib.h>

namespace orbitlake::files {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Result<std::string> Gunzip(std::string_view name, std::string_view in, int64_t max_bytes) {
  z_stream z{};
  // 16 + MAX_WBITS: gzip framing only (a zlib or raw stream is not a .gz file).
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  std::string out;
  out.resize(std::min<size_t>(std::max<size_t>(in.size() * 4, 64 * 1024), static_cast<size_t>(std::max<int64_t>(max_bytes, 1))));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  Status status;
  while (true) {
    if (produced == out.size()) {
      if (static_cast<int64_t>(out.size()) >= max_bytes) {
        status = Status::InvalidArgument(
            fmt::format("{}: decompresses to more than {} bytes (the file source's limit)", name, max_bytes));
        break;
      }
      out.resize(std::min<size_t>(out.size() * 2, static_cast<size_t>(max_bytes)));
    }
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // Another gzip member follows (cat a.gz b.gz > c.gz is a valid gzip file).
      if (inflateReset(&z) != Z_OK) {
        status = Status::Internal("zlib: inflateReset failed");
        break;
      }
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      status = Status::InvalidArgument(fmt::format("{}: truncated gzip stream (after {} bytes of output)", name, produced));
      break;
    }
    if (rc == Z_BUF_ERROR) continue;  // output full: grow and go on
    status = Status::InvalidArgument(
        fmt::format("{}: not a valid gzip stream ({})", name, z.msg != nullptr ? z.msg : "zlib error"));
    break;
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  out.resize(produced);
  return out;
}

void SplitLines(std::string_view text, int64_t first_line, std::vector<Record>* out) {
  int64_t line = first_line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!std::all_of(l.begin(), l.end(), IsSpace)) out->push_back({l, line});
    ++line;
    pos = end + 1;
  }
}

// A whole-file array starting at text[open] == '['.
void SplitArray(std::string_view text, size_t open, int64_t line, std::vector<Record>* out) {
  for (size_t i = 0; i < open; ++i) line += text[i] == '\n';
  size_t pos = open + 1;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = std::string_view::npos;  // first byte of the current element
  int64_t start_line = line;
  auto emit = [&](size_t end) {
    if (start == std::string_view::npos) return;
    std::string_view e = text.substr(start, end - start);
    while (!e.empty() && IsSpace(e.back())) e.remove_suffix(1);
    out->push_back({e, start_line});
    start = std::string_view::npos;
  };
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (start == std::string_view::npos && !IsSpace(c) && !(depth == 0 && (c == ',' || c == ']'))) {
      start = pos;
      start_line = line;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == '}' || (c == ']' && depth > 0)) {
      --depth;
    } else if (depth == 0 && c == ',') {
      emit(pos);
    } else if (depth == 0 && c == ']') {
      emit(pos);
      // Text after the closing bracket is not part of any record: keep it as one.
      std::string_view rest = text.substr(pos + 1);
      size_t skip = 0;
      int64_t rest_line = line;
      while (skip < rest.size() && IsSpace(rest[skip])) rest_line += rest[skip++] == '\n';
      if (skip < rest.size()) {
        std::string_view r = rest.substr(skip);
        while (!r.empty() && IsSpace(r.back())) r.remove_suffix(1);
        out->push_back({r, rest_line});
      }
      return;
    }
  }
  emit(text.size());  // unterminated array: the last element as it stands
}

}  // namespace

Result<std::string> DecodeFileBytes(std::string_view name, std::string data, int64_t max_bytes) {
  if (name.size() >= 3 && name.substr(name.size() - 3) == ".gz") return Gunzip(name, data, max_bytes);
  return data;
}

void SplitRecords(std::string_view text, std::vector<Record>* out) {
  size_t first = 0;
  while (first < text.size() && IsSpace(text[first])) ++first;
  if (first < text.size() && text[first] == '[') {
    SplitArray(text, first, 1, out);
  } else {
    SplitLines(text, 1, out);
  }
}

}  // namespace orbitlake::files
