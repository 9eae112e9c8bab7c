// Fuzz target: the sample CSV reader on an arbitrary file, and ParseSampleRow on each of
// its lines.
//
// Oracle: a direct model of the format documented in sample_file.h (split at '\n',
// drop one '\r' per line, a last line without '\n', BOM before the header, blank lines
// allowed only at the end) predicts, row by row, what SampleReader::Next must return:
// the row's index, line number and values (bit for bit), or the exact "file:line:col:"
// error. The reader is run twice, with its normal 256 KiB buffer and with a 16-byte one
// (every line straddles refills and buffer growth), and once more after Rewind().
// Accepted values must be finite; error columns must lie inside the line.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "samples/sample_file.h"

namespace {

using orbitlake::Status;
using orbitlake::StatusCode;
using orbitlake::samples::kSampleHeader;
using orbitlake::samples::ParseSampleRow;
using orbitlake::samples::SampleReader;
using orbitlake::samples::SampleReaderOptions;
using orbitlake::samples::SampleRow;
using orbitlake::telemetry::Measurements;

// Smaller than most rows (~35-60 bytes), so rows straddle refills and the buffer grows.
constexpr size_t kTinyChunk = 16;

// What one Next() call must give: a row, or an error message.
struct Expected {
  bool ok = false;
  SampleRow row;
  std::string error;
};

bool SameBits(const Measurements& a, const Measurements& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// ParseSampleRow alone: a success has finite values; a failure starts with a column
// number from 1 to line.size()+1, then ": ".
Status CheckedParseRow(std::string_view line, Measurements* out) {
  Status st = ParseSampleRow(line, out);
  if (st.ok()) {
    for (double v : {out->temp_c, out->battery_charge_pct, out->altitude, out->sensor1, out->sensor2, out->sensor3}) {
      FUZZ_CHECK(std::isfinite(v)) << "accepted a non-finite value in '" << line << "'";
    }
    return st;
  }
  FUZZ_CHECK(st.code() == StatusCode::kInvalidArgument) << st.ToString();
  const std::string& m = st.message();
  const size_t colon = m.find(": ");
  FUZZ_CHECK(colon != std::string::npos && colon > 0) << "no column in '" << m << "'";
  const long col = std::stol(m.substr(0, colon));
  FUZZ_CHECK(col >= 1 && static_cast<size_t>(col) <= line.size() + 1) << "column " << col << " outside the line: " << m;
  return st;
}

// The model's prediction for the whole file: nullopt-like `open_error` when Open must
// fail, else the sequence of Next() results.
struct Prediction {
  std::string open_error;
  std::vector<Expected> rows;
};

Prediction Predict(std::string_view text, const std::string& path) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  Prediction p;
  if (lines.empty()) {
    p.open_error = path + ":1:1: empty file";
    return p;
  }
  std::string_view header = lines[0];
  if (header.starts_with("\xEF\xBB\xBF")) header.remove_prefix(3);
  if (header != kSampleHeader) {
    p.open_error = path + ":1:1: unexpected header";
    return p;
  }
  uint64_t index = 0;
  size_t pending_blank = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t line_no = i + 1;
    if (lines[i].empty()) {
      if (pending_blank == 0) pending_blank = line_no;
      continue;
    }
    if (pending_blank != 0) {
      p.rows.push_back({false, {}, path + ":" + std::to_string(pending_blank) + ":1: blank line between rows"});
      pending_blank = 0;
    }
    Expected e;
    e.row.index = index++;
    e.row.line = static_cast<int64_t>(line_no);
    Status st = CheckedParseRow(lines[i], &e.row.values);
    e.ok = st.ok();
    if (!e.ok) e.error = path + ":" + std::to_string(line_no) + ":" + st.message();
    p.rows.push_back(std::move(e));
  }
  return p;
}

void CheckPass(SampleReader& reader, const Prediction& p, const char* pass) {
  for (size_t i = 0; i <= p.rows.size(); ++i) {
    SampleRow row;
    auto next = reader.Next(&row);
    if (i == p.rows.size()) {
      FUZZ_CHECK(next.ok() && !*next) << pass << ": expected the end after " << i << " results";
      break;
    }
    const Expected& e = p.rows[i];
    if (!e.ok) {
      FUZZ_CHECK(!next.ok()) << pass << ": result " << i << " should be the error '" << e.error << "'";
      FUZZ_CHECK(next.status().message() == e.error)
          << pass << ": result " << i << " is '" << next.status().message() << "', expected '" << e.error << "'";
      continue;
    }
    FUZZ_CHECK(next.ok() && *next) << pass << ": result " << i << " should be a row, got "
                                   << (next.ok() ? std::string("the end") : next.status().ToString());
    FUZZ_CHECK(row.index == e.row.index && row.line == e.row.line)
        << pass << ": row " << row.index << " line " << row.line << ", expected " << e.row.index << " line "
        << e.row.line;
    FUZZ_CHECK(SameBits(row.values, e.row.values)) << pass << ": values differ on line " << row.line;
  }
  uint64_t data_rows = 0;
  for (const auto& e : p.rows) data_rows += e.error.ends_with("blank line between rows") ? 0 : 1;
  FUZZ_CHECK(reader.rows() == data_rows) << pass << ": rows() " << reader.rows() << ", expected " << data_rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader reads a real file: an anonymous in-memory one, opened by its /proc path.
  const int fd = memfd_create("sample.csv", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0) << "memfd_create: " << std::strerror(errno);
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    FUZZ_CHECK(n > 0) << "write: " << std::strerror(errno);
    written += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Prediction p = Predict(text, path);

  for (size_t chunk : {SampleReaderOptions{}.read_chunk, kTinyChunk}) {
    auto reader = SampleReader::Open(path, SampleReaderOptions{.read_chunk = chunk});
    if (!p.open_error.empty()) {
      FUZZ_CHECK(!reader.ok()) << "opened a file the model refuses: " << p.open_error;
      FUZZ_CHECK(reader.status().message().starts_with(p.open_error))
          << "'" << reader.status().message() << "', expected '" << p.open_error << "...'";
      continue;
    }
    FUZZ_CHECK(reader.ok()) << "refused a file the model accepts: " << reader.status().ToString();
    CheckPass(**reader, p, chunk == kTinyChunk ? "16-byte buffer" : "default buffer");
    FUZZ_CHECK((*reader)->bytes_read() == size) << "bytes_read " << (*reader)->bytes_read() << " of " << size;
    if (chunk == kTinyChunk) {
      FUZZ_CHECK((*reader)->Rewind().ok());
      CheckPass(**reader, p, "after Rewind");
    }
  }
  ::close(fd);
  return 0;
}
