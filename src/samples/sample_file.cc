#include "samples/sample_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace orbitlake::samples {
namespace {

constexpr std::array<std::string_view, kSampleColumns> kColumnNames = {
    "temp_c", "battery_charge_pct", "altitude", "sensor1", "sensor2", "sensor3"};

std::string_view ShowField(std::string_view f) {
  constexpr size_t kMaxShown = 32;
  return f.size() <= kMaxShown ? f : f.substr(0, kMaxShown);
}

// Plain decimals ("-8.67", "1270.95") with at most 15 significant digits are exactly
// mantissa / 10^k with both exact in a double, so one IEEE division gives the correctly
// rounded value, the same as from_chars (Clinger's fast path), at a fraction of its cost.
// False for anything else (exponents, long mantissas, junk): the caller falls back.
bool ParseSimpleDecimal(std::string_view f, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  constexpr int kMaxDigits = 15;
  size_t i = 0;
  const bool negative = !f.empty() && f[0] == '-';
  if (negative) ++i;
  uint64_t mantissa = 0;
  int digits = 0;
  int frac_digits = -1;  // -1 until the '.'
  for (; i < f.size(); ++i) {
    const char c = f[i];
    if (c >= '0' && c <= '9') {
      if (++digits > kMaxDigits) return false;
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      if (frac_digits >= 0) ++frac_digits;
    } else if (c == '.' && frac_digits < 0) {
      frac_digits = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || frac_digits == 0) return false;  // "", "-", ".", "5." -> from_chars decides
  const double v = static_cast<double>(mantissa) / kPow10[frac_digits < 0 ? 0 : frac_digits];
  *out = negative ? -v : v;
  return true;
}

}  // namespace

Result<std::vector<SampleFile>> ListSampleFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) {
    return Status::NotFound("samples folder " + dir + " does not exist (create it with: orbitlake generate --out " +
                            dir + ")");
  }
  if (!fs::is_directory(st)) return Status::InvalidArgument("samples folder " + dir + " is not a folder");
  std::vector<SampleFile> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != ".csv" || !it->is_regular_file(ec)) continue;
    files.push_back({p.string(), p.stem().string()});
  }
  if (ec) return ErrnoStatus("list", dir, ec.value());
  if (files.empty()) {
    return Status::InvalidArgument("samples folder " + dir + " holds no .csv file (create some with: orbitlake generate --out " +
                                   dir + ")");
  }
  std::sort(files.begin(), files.end(), [](const SampleFile& a, const SampleFile& b) { return a.path < b.path; });
  return files;
}

Status ParseSampleRow(std::string_view line, telemetry::Measurements* out) {
  std::array<double*, kSampleColumns> dst = {&out->temp_c,  &out->battery_charge_pct, &out->altitude,
                                             &out->sensor1, &out->sensor2,            &out->sensor3};
  size_t pos = 0;
  for (int col = 0; col < kSampleColumns; ++col) {
    if (pos > line.size()) {
      return Status::InvalidArgument(fmt::format("{}: short row: {} of {} fields, '{}' is missing",
                                                 line.size() + 1, col, kSampleColumns, kColumnNames[col]));
    }
    size_t comma = line.find(',', pos);
    size_t stop = comma == std::string_view::npos ? line.size() : comma;
    std::string_view field = line.substr(pos, stop - pos);
    if (field.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: missing value for '{}' (column {})", pos + 1, kColumnNames[col], col + 1));
    }
    double v = 0;
    if (!ParseSimpleDecimal(field, &v)) {
      auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v, std::chars_format::general);
      if (ec != std::errc() || ptr != field.data() + field.size() || !std::isfinite(v)) {
        return Status::InvalidArgument(fmt::format("{}: '{}' is not a number, for '{}' (column {})", pos + 1,
                                                   ShowField(field), kColumnNames[col], col + 1));
      }
    }
    *dst[col] = v;
    pos = comma == std::string_view::npos ? line.size() + 1 : comma + 1;
  }
  if (pos <= line.size()) {
    return Status::InvalidArgument(fmt::format("{}: too many fields: expected {} ({})", pos + 1,
                                               kSampleColumns, kSampleHeader));
  }
  return Status::OK();
}

SampleReader::SampleReader(std::string path, int fd, size_t read_chunk)
    : path_(std::move(path)), fd_(fd), buf_(read_chunk) {}

SampleReader::~SampleReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<SampleReader>> SampleReader::Open(const std::string& path, const SampleReaderOptions& options) {
  if (options.read_chunk == 0) return Status::InvalidArgument("sample reader: read_chunk must be at least 1 byte");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open sample file", path, errno);
  std::unique_ptr<SampleReader> r(new SampleReader(path, fd, options.read_chunk));
  ORBIT_RETURN_IF_ERROR(r->ReadHeader());
  return r;
}

Status SampleReader::ReadHeader() {
  std::string_view line;
  ORBIT_ASSIGN_OR_RETURN(bool any, NextLine(&line));
  if (!any) return Status::InvalidArgument(path_ + ":1:1: empty file, expected the header " + std::string(kSampleHeader));
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (line.starts_with(kBom)) line.remove_prefix(kBom.size());
  if (line != kSampleHeader) {
    return Status::InvalidArgument(fmt::format("{}:1:1: unexpected header '{}', expected '{}'", path_,
                                               ShowField(line), kSampleHeader));
  }
  return Status::OK();
}

Status SampleReader::Rewind() {
  if (::lseek(fd_, 0, SEEK_SET) < 0) return ErrnoStatus("seek", path_, errno);
  begin_ = end_ = 0;
  eof_ = false;
  line_no_ = 0;
  next_index_ = 0;
  consumed_ = 0;
  pending_blank_line_ = 0;
  has_saved_ = false;
  return ReadHeader();
}

Result<bool> SampleReader::NextLine(std::string_view* line) {
  for (;;) {
    const char* start = buf_.data() + begin_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl != nullptr || (eof_ && end_ > begin_)) {
      const char* stop = nl != nullptr ? nl : buf_.data() + end_;
      size_t len = static_cast<size_t>(stop - start);
      size_t used = len + (nl != nullptr ? 1 : 0);
      begin_ += used;
      consumed_ += used;
      if (len > 0 && start[len - 1] == '\r') --len;
      *line = {start, len};
      ++line_no_;
      return true;
    }
    if (eof_) return false;
    // Move the partial line to the front, grow for lines longer than the buffer, refill.
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    ssize_t n;
    do {
      n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus("read", path_, errno);
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
  }
}

Status SampleReader::ParseLine(std::string_view line, SampleRow* row) {
  row->index = next_index_++;
  row->line = line_no_;
  Status st = ParseSampleRow(line, &row->values);
  if (st.ok()) return st;
  return Status(st.code(), fmt::format("{}:{}:{}", path_, line_no_, st.message()));
}

Result<bool> SampleReader::Next(SampleRow* row) {
  if (has_saved_) {
    has_saved_ = false;
    if (!saved_status_.ok()) return saved_status_;
    *row = saved_row_;
    return true;
  }
  for (;;) {
    std::string_view line;
    ORBIT_ASSIGN_OR_RETURN(bool any, NextLine(&line));
    if (!any) return false;  // blank lines at the very end are fine
    if (line.empty()) {
      if (pending_blank_line_ == 0) pending_blank_line_ = line_no_;
      continue;
    }
    if (pending_blank_line_ == 0) {
      ORBIT_RETURN_IF_ERROR(ParseLine(line, row));
      return true;
    }
    // A blank line with rows after it: report it now, and this row on the next call
    // (parsed now, as `line` points into a buffer the next read may move).
    int64_t blank = pending_blank_line_;
    pending_blank_line_ = 0;
    saved_status_ = ParseLine(line, &saved_row_);
    has_saved_ = true;
    return Status::InvalidArgument(fmt::format("{}:{}:1: blank line between rows", path_, blank));
  }
}

}  // namespace orbitlake::samples
