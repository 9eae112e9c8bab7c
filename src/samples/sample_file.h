// Satellite sample files: one CSV per satellite, named "<satellite>.csv", with the header
// `temp_c,battery_charge_pct,altitude,sensor1,sensor2,sensor3` and one row per sample.
//
// The reader is strict about content and lenient about line endings: LF or CRLF, a
// missing final newline and trailing blank lines are accepted; a blank line followed by
// more rows, a short or long row, or a field that is not a finite decimal number is a
// bad row. Bad rows are reported as errors "file:line:column: message" and the reader
// stays usable, so a caller may skip them (and must count them) or stop.
//
// Thread safety: a SampleReader is used by one thread at a time; distinct readers are
// independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "telemetry/event.h"

namespace orbitlake::samples {

// The exact header of a sample file (without line ending).
inline constexpr std::string_view kSampleHeader = "temp_c,battery_charge_pct,altitude,sensor1,sensor2,sensor3";
inline constexpr int kSampleColumns = 6;

// A sample file found in a samples folder.
struct SampleFile {
  std::string path;
  // The satellite's name: the file name without ".csv".
  std::string satellite;
};

// The "*.csv" files directly in `dir`, sorted by name. NotFound when `dir` does not
// exist, InvalidArgument when it is not a folder or holds no .csv file.
Result<std::vector<SampleFile>> ListSampleFiles(const std::string& dir);

// Parses one data row (no line ending) into `out`. On failure the message starts with
// the 1-based character column, "14: 'abc' is not a number, for 'altitude' (column 3)",
// so that callers prefix "file:line:" (SampleReader does) without formatting per row.
Status ParseSampleRow(std::string_view line, telemetry::Measurements* out);

struct SampleRow {
  // 0-based index among the file's data rows, bad rows included, so a row's index is
  // the same whether or not earlier bad rows were skipped.
  uint64_t index = 0;
  // 1-based line number in the file.
  int64_t line = 0;
  telemetry::Measurements values;
};

struct SampleReaderOptions {
  // Bytes read from the file at a time (the buffer's starting size; it doubles for a
  // line longer than that). 256 KiB: few read calls, and sample rows are ~60 bytes, so
  // lines almost never straddle a refill. Tests and the fuzz target use a few bytes to
  // make every line straddle one.
  size_t read_chunk = 256 * 1024;
};

class SampleReader {
 public:
  // Opens `path` and checks its header. NotFound/IOError for the file, InvalidArgument
  // naming file:1 for a missing or different header (an empty file has no header).
  // InvalidArgument for a read_chunk of 0.
  static Result<std::unique_ptr<SampleReader>> Open(const std::string& path, const SampleReaderOptions& options = {});
  ~SampleReader();
  SampleReader(const SampleReader&) = delete;
  SampleReader& operator=(const SampleReader&) = delete;

  // Reads the next row into `row`: true when one was read, false at the end of the
  // file. A bad row is returned as InvalidArgument "file:line:column: message"; the
  // next call continues after it. IOError for read failures (not resumable).
  Result<bool> Next(SampleRow* row);

  // Starts over at the first data row (for replays); row indexes restart at 0.
  Status Rewind();

  const std::string& path() const { return path_; }
  // Data rows met so far in this pass, bad rows included (at the end: the file's rows).
  uint64_t rows() const { return next_index_; }
  // Bytes of the file consumed so far.
  uint64_t bytes_read() const { return consumed_; }

 private:
  SampleReader(std::string path, int fd, size_t read_chunk);
  // The next line without its ending, or false at end of file.
  Result<bool> NextLine(std::string_view* line);
  Status ReadHeader();
  Status ParseLine(std::string_view line, SampleRow* row);

  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t begin_ = 0;  // start of unconsumed bytes in buf_
  size_t end_ = 0;    // end of valid bytes in buf_
  bool eof_ = false;
  int64_t line_no_ = 0;
  uint64_t next_index_ = 0;
  uint64_t consumed_ = 0;
  int64_t pending_blank_line_ = 0;  // a blank line seen; an error if more rows follow
  bool has_saved_ = false;          // a row (or its error) parsed ahead, returned next
  SampleRow saved_row_;
  Status saved_status_;
};

}  // namespace orbitlake::samples
