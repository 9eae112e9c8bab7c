// Storage on S3 (AWS or any S3-compatible server: SeaweedFS, MinIO, Ceph RGW, ...),
// rooted at s3://BUCKET/PREFIX. Object keys are PREFIX/<relative path>.
//
// How each Storage operation maps to S3 (the contract is in storage.h):
//   - Read: one GET of the whole object; 404 NoSuchKey is NotFound. ReadRange: one GET
//     with a Range header (readers of a few columns fetch the footer and those chunks).
//   - PutIfAbsent: PUT with `If-None-Match: *`, S3's conditional write, exactly the
//     mechanism delta-rs uses on S3 without a lock service, so orbitlake and delta-rs can
//     commit to the same table concurrently. 412 PreconditionFailed = someone else won:
//     AlreadyExists. A PUT whose outcome is unknown (timeout, reset connection, 5xx: the
//     object may or may not have been written) is never blindly repeated, since a repeat
//     would get 412 for our own write and report a lost race for a won one: the object
//     is read back instead. Our bytes: OK. Other bytes: AlreadyExists. Nothing there:
//     the conditional PUT is sent again (still safe, it cannot replace anything).
//   - NewWritableFile: buffers in memory; Close() sends one PUT. A file that grows past
//     S3Options::multipart_part_size goes up as a multipart upload instead (parts of
//     that size as they fill, the rest at Close(), then CompleteMultipartUpload), so a
//     large data file never sits in memory whole. An abandoned file's upload is aborted.
//     S3 makes an object visible only when its PUT or Complete succeeds, which is the
//     "never visible unless closed" guarantee.
//   - List: ListObjectsV2 with prefix "PREFIX/dir/", delimiter '/', start-after, and
//     continuation tokens until the listing ends. Sub-folders (common prefixes) and
//     folder-marker objects ("dir/") are skipped. S3 lists in UTF-8 byte order.
//   - ListRecursive: the same without a delimiter (every key under the folder).
//   - Delete: HEAD (NotFound when there is nothing, as the contract asks; S3's DELETE
//     answers 204 either way), then DELETE.
//   Not used: ranged GETs (the Storage interface reads whole files).
//
// Why libcurl and not Arrow's S3 filesystem (which the pinned pyarrow's libarrow has):
// Arrow's S3FileSystem cannot send a conditional write (apache/arrow#44281), and Delta
// commits are nothing without one. Using Arrow for reads/lists/multipart and libcurl for
// the commit PUT would mean two signers, two credential paths and two retry policies for
// one bucket. libcurl (Debian 12: 7.88) signs with AWS Signature V4 itself
// (CURLOPT_AWS_SIGV4), so every request here goes through one signer and one retry
// path. What 7.88's signer does not do is done here: the x-amz-content-sha256 header
// (the SHA-256 of the body, via OpenSSL), the session token header, and a query string
// already in canonical (sorted, encoded) order (s3_protocol.h).
//
// Retries: decided in one place (S3Storage::Retryable, used by every request): transport
// failures (connect, timeout, reset), 500/502/503/504, 429, and the S3 codes SlowDown,
// RequestTimeout, InternalError and ConditionalRequestConflict (409: a concurrent
// conditional write is in progress) are retried with exponential backoff and full
// jitter, up to S3Options::max_attempts; nothing else is. A request that is never
// retryable (403 AccessDenied, 404 NoSuchBucket, 400) fails at once with a non-retryable
// code (InvalidArgument), so callers' own retry loops (IsRetryable) stop too.
//
// Credentials never appear in errors, logs or Describe(): messages name the method, the
// s3:// location, the HTTP status and S3's error code and message.
//
// Thread safety: safe from several threads at once (a pool of curl handles, one per
// request in flight; connections are reused). A WritableFile is for one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace orbitlake::storage {

struct S3Options {
  // The server, "https://host[:port]" or "http://host[:port]" (then allow_http must be
  // set). Empty (the default): AWS, https://s3.<region>.amazonaws.com.
  std::string endpoint;
  // The SigV4 signing region. Default "us-east-1", which AWS's global endpoint and every
  // S3-compatible server accept.
  std::string region = "us-east-1";
  // Static credentials. Required (there is no instance-metadata or profile lookup).
  std::string access_key_id;
  std::string secret_access_key;
  // Temporary credentials' token (STS), sent as x-amz-security-token. Default empty: none.
  std::string session_token;
  // Allow a plain-HTTP endpoint. Default false: credentials-signed traffic and table
  // data in clear text are only acceptable for a server on this machine or a test LAN.
  bool allow_http = false;
  // Virtual-hosted-style addressing (https://BUCKET.host/key) instead of path style
  // (https://host/BUCKET/key). Default false, path style, as delta-rs/object_store do:
  // it works with AWS and with custom endpoints (which often have no wildcard DNS).
  bool virtual_hosted_style = false;
  // How long to wait for a TCP (and TLS) connection. Default 5 s.
  std::chrono::milliseconds connect_timeout{5000};
  // A request that moves less than one byte per second for this long is abandoned (and
  // retried when it may be). A stall limit rather than a total one, so a large upload on
  // a slow link is not cut off while it makes progress. Default 30 s.
  std::chrono::seconds stall_timeout{30};
  // Attempts per request, the first included, for retryable failures. Default 6.
  int max_attempts = 6;
  // Backoff before retry n (1-based): a random time in [0, min(max, initial * 2^(n-1))]
  // ("full jitter", so writers that failed together do not retry together).
  // Defaults 100 ms and 5 s: six attempts span up to about 6 s.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Keys asked for per ListObjectsV2 page (max-keys); longer listings take several pages
  // (continuation tokens). Default 1000, S3's maximum.
  int list_max_keys = 1000;
  // A written file is sent as a multipart upload once it reaches this size, in parts of
  // this size (S3 requires at least 5 MiB per part but the last, at most 10,000 parts:
  // 64 MiB parts allow files up to 625 GiB). It bounds the memory one open file takes.
  // Default 64 MiB.
  int64_t multipart_part_size = 64LL << 20;
};

// S3Options from configuration variables named like the AWS SDKs' and delta-rs's
// (storage_options): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL (or AWS_ENDPOINT),
// AWS_ALLOW_HTTP, AWS_VIRTUAL_HOSTED_STYLE_REQUEST; AWS_ACCESS_KEY / AWS_SECRET_KEY are
// accepted for the key pair too. Booleans are true/false/1/0/yes/no. Unknown names are
// ignored (the environment holds much else). InvalidArgument, naming the variable (never
// a secret's value), for a bad boolean or an endpoint that is not http(s)://.
Result<S3Options> S3OptionsFromConfig(const std::map<std::string, std::string>& vars);

// The S3OptionsFromConfig name a storage option (`-S key=value`) stands for: matched
// case-insensitively, "AWS_" optional (delta-rs's storage_options spell them both ways:
// "endpoint_url", "AWS_ENDPOINT_URL"), aliases mapped to one name ("endpoint" and
// "AWS_ENDPOINT" -> "AWS_ENDPOINT_URL", "secret_key" -> "AWS_SECRET_ACCESS_KEY", ...).
// InvalidArgument naming the key for one S3Storage does not know: unlike the
// environment, options are meant for this storage, so a typo is an error.
Result<std::string> CanonicalS3OptionName(std::string_view key);

// S3OptionsFromConfig over the process environment's AWS_* variables, with `overrides`
// (storage options; keys as CanonicalS3OptionName takes them) replacing the variable of
// the same meaning under any of its names. Errors name options, never their values.
Result<S3Options> S3OptionsFromEnvironment(const std::map<std::string, std::string>& overrides = {});

// Requests sent, by kind (retries included), for measurements and tests.
struct S3RequestCounts {
  int64_t get = 0, put = 0, list = 0, head = 0, del = 0, post = 0;
  int64_t total() const { return get + put + list + head + del + post; }
};

class S3Storage final : public Storage {
 public:
  // Checks the options (credentials present, endpoint scheme allowed); sends nothing.
  // `prefix` has no leading or trailing '/' ("" = the bucket's root).
  static Result<std::unique_ptr<S3Storage>> Open(S3Options options, std::string bucket, std::string prefix);
  ~S3Storage() override;

  Result<std::vector<FileInfo>> List(std::string_view dir,
                                     std::optional<std::string_view> start_after = std::nullopt) override;
  // ListObjectsV2 without a delimiter: every key under the folder, paginated.
  Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) override;
  Result<std::string> Read(std::string_view path) override;
  // One GET with a Range header (206 Partial Content; a server that ignores the header
  // sends the whole object, which is cut here). At or past the end: empty.
  Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) override;
  bool PrefersRangedReads() const override { return true; }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(std::string_view path) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;
  // "s3://bucket/prefix/path".
  std::string Describe(std::string_view path) const override;

  const std::string& bucket() const { return bucket_; }
  const std::string& prefix() const { return prefix_; }
  S3RequestCounts request_counts() const;

  // Implementation types, public only so the .cc's helpers can name them.
  struct Request;
  struct Response;
  class CurlPool;

 private:
  friend class S3WritableFile;
  S3Storage(S3Options options, std::string bucket, std::string prefix);

  std::string Key(std::string_view path) const;
  // List (recursive false: one folder, delimiter '/') and ListRecursive.
  Result<std::vector<FileInfo>> ListKeys(std::string_view dir, std::optional<std::string_view> start_after,
                                         bool recursive);
  // One attempt; never retries.
  Response Perform(const Request& request);
  // Perform() until the outcome is not Retryable() or attempts run out.
  Response Send(const Request& request);
  bool Retryable(const Response& response) const;
  void Backoff(int attempt) const;
  // The final outcome of a request as a Status ("what" names the operation for messages).
  Status ToStatus(const Response& response, std::string_view what, std::string_view key) const;
  // HEAD: the object's size, or NotFound.
  Result<int64_t> Head(const std::string& key);
  // A whole-object unconditional PUT (data files, checkpoints, _last_checkpoint).
  Status PutObject(const std::string& key, std::string_view data);

  const S3Options options_;
  const std::string bucket_;
  const std::string prefix_;
  std::string base_url_;  // up to and including the bucket: "http://h:p/bucket"
  std::unique_ptr<CurlPool> pool_;
  struct Counters {
    std::atomic<int64_t> get{0}, put{0}, list{0}, head{0}, del{0}, post{0};
  } counts_;
};

}  // namespace orbitlake::storage
