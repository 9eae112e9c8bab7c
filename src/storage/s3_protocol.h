// The pure parts of speaking S3: names and query strings as Signature V4 signs them,
// the XML bodies S3Storage reads (ListObjectsV2, errors, multipart uploads) and the one
// it writes (CompleteMultipartUpload). No I/O, no libcurl: S3Storage (s3_storage.h)
// sends the requests.
//
// Why a small XML reader here rather than a library: the bodies are flat, documented,
// machine-written documents of a handful of elements (Key, Size, LastModified,
// IsTruncated, NextContinuationToken, Code, Message, UploadId). The reader takes the text
// of the first <Tag>...</Tag> inside a block and decodes the five predefined entities and
// numeric character references; it knows nothing of namespaces, CDATA or attributes,
// none of which these responses use for the fields read. Anything it cannot make sense
// of is Corruption naming the element, never a guess. Fuzzed (s3_list_fuzz.cc).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orbitlake::storage::s3 {

// AWS's URI encoding (SigV4 "UriEncode"): A-Z a-z 0-9 '-' '_' '.' '~' as they are, every
// other byte as %XY (upper-case hex); '/' kept when `keep_slash` (object keys in a path).
std::string UriEncode(std::string_view s, bool keep_slash);

// "a=1&b=x%2Fy": the parameters encoded and sorted by name then value, the canonical form
// SigV4 signs. libcurl 7.88 signs the query exactly as it appears in the URL (sorting
// came in 8.x), so the URL carries this form.
std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params);

struct ListedObject {
  std::string key;  // decoded
  int64_t size = 0;
  int64_t modification_time_ms = 0;
};

struct ListPage {
  std::vector<ListedObject> objects;  // <Contents>, in the server's (byte) order
  bool truncated = false;             // <IsTruncated>true</IsTruncated>
  std::string next_continuation_token;
};

// A ListObjectsV2 response body. <CommonPrefixes> (sub-folders under a delimiter) are
// skipped. Corruption for a body that is not a ListBucketResult, a <Contents> without a
// Key or with a bad Size/LastModified, or a truncated page without a continuation token.
Result<ListPage> ParseListObjectsV2(std::string_view xml);

struct S3Error {
  std::string code;     // "NoSuchKey", "PreconditionFailed", ...; empty when the body has none
  std::string message;  // S3's human-readable text
};

// The <Code> and <Message> of an <Error> body; empty fields for any other body (HEAD
// responses have none; some servers send HTML from a proxy).
S3Error ParseError(std::string_view xml);

// The <UploadId> of an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view xml);

// The CompleteMultipartUpload request body for parts 1..N with these ETags (as the
// server returned them, quotes included).
std::string CompleteMultipartBody(const std::vector<std::string>& etags);

// "2026-01-02T03:04:05.678Z" (also without fraction, or with a "+00:00" offset) -> ms
// since the Unix epoch. InvalidArgument otherwise.
Result<int64_t> ParseTimestampMs(std::string_view text);

// The five predefined XML entities and &#N; / &#xH; (UTF-8 encoded) decoded.
// InvalidArgument for an unknown or unterminated entity.
Result<std::string> XmlUnescape(std::string_view text);

// '&', '<', '>', '"', '\'' as entities.
std::string XmlEscape(std::string_view text);

}  // namespace orbitlake::storage::s3
