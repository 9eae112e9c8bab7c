#include "storage/s3_storage.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "storage/s3_protocol.h"

extern char** environ;

namespace orbitlake::storage {
namespace {

constexpr int64_t kMinPartSize = 5LL << 20;  // S3's minimum for every part but the last

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<bool> ParseBool(const std::string& name, const std::string& value) {
  const std::string v = Lower(value);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::InvalidArgument(name + "='" + value + "' is not a boolean (true/false/1/0/yes/no)");
}

std::once_flag g_curl_init;

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  static_cast<std::string*>(userdata)->append(ptr, size * nmemb);
  return size * nmemb;
}

}  // namespace

// ---------------------------------------------------------------- options

Result<S3Options> S3OptionsFromConfig(const std::map<std::string, std::string>& vars) {
  // Names are matched case-insensitively (delta-rs's storage_options take aws_region as
  // well as AWS_REGION); an empty value counts as unset.
  std::map<std::string, std::string> upper;
  for (const auto& [k, v] : vars) {
    if (!v.empty()) upper[Upper(k)] = v;
  }
  auto get = [&](std::initializer_list<const char*> names) -> const std::string* {
    for (const char* n : names) {
      if (auto it = upper.find(n); it != upper.end()) return &it->second;
    }
    return nullptr;
  };
  S3Options o;
  if (auto* v = get({"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"})) o.access_key_id = *v;
  if (auto* v = get({"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"})) o.secret_access_key = *v;
  if (auto* v = get({"AWS_SESSION_TOKEN", "AWS_TOKEN"})) o.session_token = *v;
  if (auto* v = get({"AWS_REGION", "AWS_DEFAULT_REGION"})) o.region = *v;
  if (auto* v = get({"AWS_ENDPOINT_URL", "AWS_ENDPOINT"})) {
    std::string e = *v;
    while (e.ends_with('/')) e.pop_back();
    const std::string lower = Lower(e);
    if (!lower.starts_with("http://") && !lower.starts_with("https://")) {
      return Status::InvalidArgument("AWS_ENDPOINT_URL='" + *v + "' is not an http:// or https:// URL");
    }
    o.endpoint = std::move(e);
  }
  if (auto* v = get({"AWS_ALLOW_HTTP"})) {
    ORBIT_ASSIGN_OR_RETURN(o.allow_http, ParseBool("AWS_ALLOW_HTTP", *v));
  }
  if (auto* v = get({"AWS_VIRTUAL_HOSTED_STYLE_REQUEST"})) {
    ORBIT_ASSIGN_OR_RETURN(o.virtual_hosted_style, ParseBool("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", *v));
  }
  return o;
}

Result<std::string> CanonicalS3OptionName(std::string_view key) {
  // Aliases -> the name S3OptionsFromConfig looks up first, so an option given as
  // "endpoint" replaces an AWS_ENDPOINT_URL of the environment.
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"},
      {"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID"},
      {"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"},
      {"AWS_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"},
      {"AWS_SESSION_TOKEN", "AWS_SESSION_TOKEN"},
      {"AWS_TOKEN", "AWS_SESSION_TOKEN"},
      {"AWS_REGION", "AWS_REGION"},
      {"AWS_DEFAULT_REGION", "AWS_REGION"},
      {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"},
      {"AWS_ENDPOINT", "AWS_ENDPOINT_URL"},
      {"AWS_ALLOW_HTTP", "AWS_ALLOW_HTTP"},
      {"AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "AWS_VIRTUAL_HOSTED_STYLE_REQUEST"},
      // delta-rs storage_options that only tune delta-rs's own commit path: accepted so
      // one set of options serves both, no effect here (orbitlake always commits with a
      // conditional PUT).
      {"AWS_S3_ALLOW_UNSAFE_RENAME", "AWS_S3_ALLOW_UNSAFE_RENAME"},
      {"AWS_CONDITIONAL_PUT", "AWS_CONDITIONAL_PUT"},
  };
  std::string name = Upper(key);
  if (!name.starts_with("AWS_")) name = "AWS_" + name;
  if (auto it = kNames.find(name); it != kNames.end()) return it->second;
  return Status::InvalidArgument(
      "unknown storage option '" + std::string(key) +
      "' (known: endpoint_url, region, access_key_id, secret_access_key, session_token, allow_http, "
      "virtual_hosted_style_request, each also with an AWS_ prefix, in any case)");
}

Result<S3Options> S3OptionsFromEnvironment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(kv.substr(0, eq));
    if (!Upper(name).starts_with("AWS_")) continue;
    vars[name] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [key, value] : overrides) {
    ORBIT_ASSIGN_OR_RETURN(std::string canonical, CanonicalS3OptionName(key));
    // The option replaces the variable under every one of its names.
    std::erase_if(vars, [&](const auto& kv) {
      auto c = CanonicalS3OptionName(kv.first);
      return c.ok() && *c == canonical;
    });
    vars[canonical] = value;
  }
  return S3OptionsFromConfig(vars);
}

// ---------------------------------------------------------------- HTTP plumbing

enum class Method { kGet, kPut, kHead, kDelete, kPost };

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kPut: return "PUT";
    case Method::kHead: return "HEAD";
    case Method::kDelete: return "DELETE";
    case Method::kPost: return "POST";
  }
  return "?";
}

struct S3Storage::Request {
  Method method = Method::kGet;
  std::string key;  // "" = the bucket itself (listing)
  std::vector<std::pair<std::string, std::string>> query;
  std::string_view body;
  bool if_none_match = false;  // If-None-Match: * (create only)
  std::string range;           // "bytes=a-b" for a ranged GET, else empty
  bool xml_body = false;
};

struct S3Storage::Response {
  CURLcode curl = CURLE_OK;
  std::string curl_error;  // libcurl's text for a transport failure
  long status = 0;         // HTTP status, 0 when no response came
  std::string body;
  std::string etag;
  int64_t content_length = -1;
  s3::S3Error error;  // parsed from the body of a failed request (or a 200 POST with <Error>)
  int attempts = 1;

  bool ok() const { return curl == CURLE_OK && status >= 200 && status < 300 && error.code.empty(); }
};

class S3Storage::CurlPool {
 public:
  ~CurlPool() {
    for (CURL* h : free_) curl_easy_cleanup(h);
  }
  CURL* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        CURL* h = free_.back();
        free_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  // Reset keeps the handle's live connections, so the next request reuses them.
  void Release(CURL* h) {
    curl_easy_reset(h);
    std::lock_guard lock(mu_);
    free_.push_back(h);
  }

 private:
  std::mutex mu_;
  std::vector<CURL*> free_;
};

namespace {

struct HeaderSink {
  std::string* etag;
  int64_t* content_length;
};

size_t ReadHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* sink = static_cast<HeaderSink*>(userdata);
  std::string_view line(buffer, size * nitems);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = Lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    if (name == "etag") *sink->etag = std::string(value);
    if (name == "content-length") {
      int64_t n = 0;
      bool digits = !value.empty();
      for (char c : value) {
        if (c < '0' || c > '9') digits = false;
        else n = n * 10 + (c - '0');
      }
      if (digits) *sink->content_length = n;
    }
  }
  return size * nitems;
}

// Transport failures that no retry can fix: a bad URL or option, TLS verification.
bool PermanentCurlError(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_LOGIN_DENIED:
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

// Failures that prove the request was never applied (so a conditional PUT can be resent
// without reading back): no connection, or the server's own "not now".
bool NeverApplied(CURLcode code, long status, const std::string& s3_code) {
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) {
    return true;
  }
  return code == CURLE_OK &&
         (status == 429 || s3_code == "SlowDown" || s3_code == "ConditionalRequestConflict");
}

}  // namespace

S3Storage::S3Storage(S3Options options, std::string bucket, std::string prefix)
    : options_(std::move(options)),
      bucket_(std::move(bucket)),
      prefix_(std::move(prefix)),
      pool_(std::make_unique<CurlPool>()) {
  std::string endpoint = options_.endpoint.empty() ? "https://s3." + options_.region + ".amazonaws.com"
                                                   : options_.endpoint;
  if (options_.virtual_hosted_style) {
    size_t scheme_end = endpoint.find("://") + 3;
    base_url_ = endpoint.substr(0, scheme_end) + bucket_ + "." + endpoint.substr(scheme_end);
  } else {
    base_url_ = endpoint + "/" + bucket_;
  }
}

S3Storage::~S3Storage() = default;

Result<std::unique_ptr<S3Storage>> S3Storage::Open(S3Options options, std::string bucket, std::string prefix) {
  const std::string where = "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix);
  if (bucket.empty() || bucket.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 location " + where + ": bad bucket name '" + bucket + "'");
  }
  if (prefix.starts_with('/') || prefix.ends_with('/')) {
    return Status::InvalidArgument("S3 location " + where + ": the prefix must not start or end with '/'");
  }
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return Status::InvalidArgument("no S3 credentials for " + where +
                                   ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (!options.endpoint.empty()) {
    const std::string lower = Lower(options.endpoint);
    if (lower.starts_with("http://") && !options.allow_http) {
      return Status::InvalidArgument("S3 endpoint " + options.endpoint + " for " + where +
                                     " is plain HTTP: set AWS_ALLOW_HTTP=true to allow it (local test servers)");
    }
    if (!lower.starts_with("http://") && !lower.starts_with("https://")) {
      return Status::InvalidArgument("S3 endpoint '" + options.endpoint + "' is not an http(s):// URL");
    }
  }
  if (options.region.empty()) return Status::InvalidArgument("S3 region is empty for " + where);
  if (options.list_max_keys < 1) return Status::InvalidArgument("S3Options::list_max_keys must be at least 1");
  if (options.max_attempts < 1) return Status::InvalidArgument("S3Options::max_attempts must be at least 1");
  if (options.multipart_part_size < kMinPartSize) {
    return Status::InvalidArgument("S3Options::multipart_part_size must be at least 5 MiB (S3's minimum part)");
  }
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::unique_ptr<S3Storage>(new S3Storage(std::move(options), std::move(bucket), std::move(prefix)));
}

std::string S3Storage::Key(std::string_view path) const {
  if (prefix_.empty()) return std::string(path);
  if (path.empty()) return prefix_;
  return prefix_ + "/" + std::string(path);
}

std::string S3Storage::Describe(std::string_view path) const { return "s3://" + bucket_ + "/" + Key(path); }

S3RequestCounts S3Storage::request_counts() const {
  return {counts_.get.load(), counts_.put.load(), counts_.list.load(),
          counts_.head.load(), counts_.del.load(), counts_.post.load()};
}

S3Storage::Response S3Storage::Perform(const Request& req) {
  Response resp;
  std::string url = base_url_;
  if (!req.key.empty()) {
    url += "/" + s3::UriEncode(req.key, true);
  } else if (options_.virtual_hosted_style) {
    url += "/";
  }
  if (!req.query.empty()) url += "?" + s3::CanonicalQuery(req.query);

  switch (req.method) {
    case Method::kGet: (req.query.empty() ? counts_.get : counts_.list)++; break;
    case Method::kPut: counts_.put++; break;
    case Method::kHead: counts_.head++; break;
    case Method::kDelete: counts_.del++; break;
    case Method::kPost: counts_.post++; break;
  }

  CURL* h = pool_->Acquire();
  if (h == nullptr) {
    resp.curl = CURLE_OUT_OF_MEMORY;
    resp.curl_error = "curl_easy_init failed";
    return resp;
  }
  curl_slist* headers = nullptr;
  const std::string sha = "x-amz-content-sha256: " + Sha256Hex(req.body);
  headers = curl_slist_append(headers, sha.c_str());
  // Every header in this list is signed (libcurl 7.88 signs all custom headers), so an
  // empty "Expect:" line, curl's usual way to drop Expect: 100-continue, cannot go here:
  // the server would check a header it never received (see kPut below instead).
  if (req.if_none_match) headers = curl_slist_append(headers, "If-None-Match: *");
  std::string range;
  if (!req.range.empty()) {
    range = "Range: " + req.range;
    headers = curl_slist_append(headers, range.c_str());
  }
  if (req.xml_body) {
    headers = curl_slist_append(headers, "Content-Type: application/xml");
  } else if (req.method == Method::kPut) {
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  }
  std::string token;
  if (!options_.session_token.empty()) {
    token = "x-amz-security-token: " + options_.session_token;
    headers = curl_slist_append(headers, token.c_str());
  }
  const std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  char errbuf[CURL_ERROR_SIZE] = {0};
  HeaderSink sink{&resp.etag, &resp.content_length};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(h, CURLOPT_USERNAME, options_.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, options_.secret_access_key.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  switch (req.method) {
    case Method::kGet: break;
    case Method::kHead: curl_easy_setopt(h, CURLOPT_NOBODY, 1L); break;
    case Method::kDelete: curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE"); break;
    case Method::kPut:
      // The body as POST fields under the PUT method, not CURLOPT_UPLOAD: an upload
      // always announces "Expect: 100-continue", and SeaweedFS then makes concurrent
      // conditional PUTs of one key wait for each other in one-second steps (16 racing
      // commits took 6 s instead of 10 ms). POST fields get it only above 1 MiB, i.e.
      // never for a commit. libcurl does not copy the body: `req` outlives the request.
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
      [[fallthrough]];
    case Method::kPost:
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      break;
  }
  resp.curl = curl_easy_perform(h);
  if (resp.curl == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  } else {
    resp.curl_error = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(resp.curl));
  }
  curl_slist_free_all(headers);
  pool_->Release(h);
  // Failed requests carry an <Error> body; so can a 200 CompleteMultipartUpload (S3
  // sends 200 at once, then reports a failure in the body).
  if (resp.curl == CURLE_OK && (resp.status >= 300 || req.method == Method::kPost)) {
    resp.error = s3::ParseError(resp.body);
  }
  return resp;
}

// The one place that decides which failures are worth another attempt.
bool S3Storage::Retryable(const Response& r) const {
  if (r.curl != CURLE_OK) return !PermanentCurlError(r.curl);
  const std::string& code = r.error.code;
  if (code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "ConditionalRequestConflict") {
    return true;
  }
  return r.status == 429 || r.status == 500 || r.status == 502 || r.status == 503 || r.status == 504;
}

void S3Storage::Backoff(int attempt) const {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const int64_t initial = options_.initial_backoff.count();
  int64_t cap = options_.max_backoff.count();
  int64_t ceiling = initial;
  for (int i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  if (ceiling <= 0) return;
  std::uniform_int_distribution<int64_t> pick(0, ceiling);
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
}

S3Storage::Response S3Storage::Send(const Request& req) {
  for (int attempt = 1;; ++attempt) {
    Response resp = Perform(req);
    resp.attempts = attempt;
    if (resp.ok() || !Retryable(resp) || attempt >= options_.max_attempts) return resp;
    Backoff(attempt);
  }
}

Status S3Storage::ToStatus(const Response& r, std::string_view what, std::string_view key) const {
  std::string head = "S3 " + std::string(what) + " s3://" + bucket_ + "/" + std::string(key);
  const std::string tries = r.attempts > 1 ? " (after " + std::to_string(r.attempts) + " attempts)" : "";
  if (r.curl != CURLE_OK) {
    Status st = PermanentCurlError(r.curl) ? Status::InvalidArgument(head + ": " + r.curl_error)
                                           : Status::IOError(head + ": " + r.curl_error + tries);
    return st;
  }
  std::string detail = "HTTP " + std::to_string(r.status);
  if (!r.error.code.empty()) detail += " " + r.error.code;
  if (!r.error.message.empty()) detail += ": " + r.error.message;
  if (r.status == 404 && r.error.code == "NoSuchBucket") {
    return Status::InvalidArgument(head + ": bucket '" + bucket_ + "' does not exist (" + detail + ")");
  }
  if (r.status == 404) return Status::NotFound(head + ": not found (" + detail + ")");
  if (r.status == 412) return Status::AlreadyExists(head + " already exists (" + detail + ")");
  if (r.status == 401 || r.status == 403) {
    return Status::InvalidArgument(head + ": access denied (" + detail +
                                   "); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the region and the "
                                   "bucket's policy");
  }
  if (r.status == 501) return Status::Unsupported(head + ": the server does not implement this (" + detail + ")");
  if (Retryable(r)) return Status::IOError(head + ": " + detail + tries);
  if (r.status >= 400 && r.status < 500) return Status::InvalidArgument(head + ": request refused (" + detail + ")");
  return Status::IOError(head + ": " + detail + tries);
}

Result<int64_t> S3Storage::Head(const std::string& key) {
  Response r = Send({.method = Method::kHead, .key = key});
  if (!r.ok()) return ToStatus(r, "HEAD", key);
  return r.content_length;
}

Status S3Storage::PutObject(const std::string& key, std::string_view data) {
  Response r = Send({.method = Method::kPut, .key = key, .body = data});
  return r.ok() ? Status::OK() : ToStatus(r, "PUT", key);
}

// ---------------------------------------------------------------- Storage operations

Result<std::string> S3Storage::Read(std::string_view path) {
  const std::string key = Key(path);
  Response r = Send({.method = Method::kGet, .key = key});
  if (!r.ok()) return ToStatus(r, "GET", key);
  return std::move(r.body);
}

Result<std::string> S3Storage::ReadRange(std::string_view path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) return Status::InvalidArgument("negative range reading " + Describe(path));
  if (length == 0) return std::string();
  const std::string key = Key(path);
  Request req{.method = Method::kGet, .key = key};
  req.range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  Response r = Send(req);
  if (r.status == 416) return std::string();  // the range starts at or past the end
  if (!r.ok()) return ToStatus(r, "GET", key);
  if (r.status == 200) {  // the whole object: the server ignored the range
    if (static_cast<size_t>(offset) >= r.body.size()) return std::string();
    return r.body.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  if (static_cast<int64_t>(r.body.size()) > length) r.body.resize(static_cast<size_t>(length));
  return std::move(r.body);
}

Result<std::vector<FileInfo>> S3Storage::List(std::string_view dir, std::optional<std::string_view> start_after) {
  return ListKeys(dir, start_after, /*recursive=*/false);
}

Result<std::vector<FileInfo>> S3Storage::ListRecursive(std::string_view dir) {
  // S3 has no leftovers of unfinished writes to show: an object exists only once its
  // PUT or CompleteMultipartUpload succeeded (incomplete multipart uploads are not
  // objects; a bucket lifecycle rule expires them).
  return ListKeys(dir, std::nullopt, /*recursive=*/true);
}

Result<std::vector<FileInfo>> S3Storage::ListKeys(std::string_view dir, std::optional<std::string_view> start_after,
                                                  bool recursive) {
  const std::string root = prefix_.empty() ? std::string() : prefix_ + "/";
  const std::string list_prefix = dir.empty() ? root : Key(dir) + "/";
  std::vector<FileInfo> out;
  std::string token;
  for (;;) {
    Request req{.method = Method::kGet};
    req.query = {{"list-type", "2"}, {"prefix", list_prefix}};
    if (!recursive) req.query.emplace_back("delimiter", "/");
    req.query.emplace_back("max-keys", std::to_string(options_.list_max_keys));
    if (start_after) req.query.emplace_back("start-after", Key(*start_after));
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    Response r = Send(req);
    if (!r.ok()) return ToStatus(r, "LIST", list_prefix);
    auto page = s3::ParseListObjectsV2(r.body);
    if (!page.ok()) return page.status().WithContext("S3 LIST s3://" + bucket_ + "/" + list_prefix);
    for (auto& obj : page->objects) {
      // Folder markers ("dir/") and anything a server returns outside the prefix or in
      // a sub-folder are not files of this folder.
      if (obj.key.size() <= list_prefix.size() || !obj.key.starts_with(list_prefix)) continue;
      if (obj.key.ends_with('/')) continue;
      if (!recursive && obj.key.find('/', list_prefix.size()) != std::string::npos) continue;
      std::string rel = obj.key.substr(root.size());
      if (start_after && rel <= *start_after) continue;
      out.push_back({std::move(rel), obj.size, obj.modification_time_ms});
    }
    if (!page->truncated) break;
    token = std::move(page->next_continuation_token);
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

Status S3Storage::PutIfAbsent(std::string_view path, std::string_view data) {
  const std::string key = Key(path);
  const Request put{.method = Method::kPut, .key = key, .body = data, .if_none_match = true};
  // True once an attempt may have written the object without our hearing so: from then
  // on a 412 may be our own write, and only reading the object back tells.
  bool unknown = false;
  Response last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) Backoff(attempt - 1);
    last = Perform(put);
    last.attempts = attempt;
    if (last.ok()) return Status::OK();
    const bool lost_race = last.curl == CURLE_OK && last.status == 412;
    if (lost_race && !unknown) return ToStatus(last, "conditional PUT", key);
    if (!lost_race && !Retryable(last)) return ToStatus(last, "conditional PUT", key);
    if (!lost_race && NeverApplied(last.curl, last.status, last.error.code)) continue;
    // The outcome is unknown: read the object back (ours, someone else's, or nothing).
    unknown = true;
    Response got = Send({.method = Method::kGet, .key = key});
    if (got.ok()) {
      if (got.body == data) return Status::OK();
      return Status::AlreadyExists("S3 conditional PUT s3://" + bucket_ + "/" + key +
                                   " already exists (another writer's object, found after an unanswered attempt)");
    }
    if (got.curl == CURLE_OK && got.status == 404 && got.error.code != "NoSuchBucket") continue;  // send it again
    return ToStatus(got, "GET (reading back an unanswered conditional PUT)", key)
        .WithContext("outcome of the conditional PUT unknown");
  }
  Status st = ToStatus(last, "conditional PUT", key);
  return Status::IOError(st.message() + "; gave up after " + std::to_string(options_.max_attempts) +
                         " attempts, the object may or may not exist");
}

Status S3Storage::Delete(std::string_view path) {
  const std::string key = Key(path);
  ORBIT_RETURN_IF_ERROR(Head(key).status());
  Response r = Send({.method = Method::kDelete, .key = key});
  return r.ok() ? Status::OK() : ToStatus(r, "DELETE", key);
}

// ---------------------------------------------------------------- writable files

class S3WritableFile final : public WritableFile {
 public:
  S3WritableFile(S3Storage* storage, std::string key) : s_(storage), key_(std::move(key)) {}
  ~S3WritableFile() override {
    if (!closed_ && !upload_id_.empty()) {
      // Best effort: an upload left behind costs storage until a lifecycle rule or a
      // later abort removes it, but never becomes a visible object.
      (void)s_->Send({.method = Method::kDelete, .key = key_, .query = {{"uploadId", upload_id_}}});
    }
  }

  Status Append(std::string_view data) override {
    if (closed_) return Status::Internal("append to closed file " + Where());
    buffer_.append(data);
    size_ += static_cast<int64_t>(data.size());
    if (static_cast<int64_t>(buffer_.size()) >= s_->options_.multipart_part_size) {
      return UploadPart();
    }
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::Internal("file closed twice: " + Where());
    closed_ = true;
    if (upload_id_.empty()) return s_->PutObject(key_, buffer_);
    if (!buffer_.empty()) {
      closed_ = false;  // so that a failed last part still aborts the upload
      ORBIT_RETURN_IF_ERROR(UploadPart());
      closed_ = true;
    }
    const std::string body = s3::CompleteMultipartBody(etags_);
    S3Storage::Response r = s_->Send(
        {.method = Method::kPost, .key = key_, .query = {{"uploadId", upload_id_}}, .body = body, .xml_body = true});
    if (r.ok()) return Status::OK();
    // A retried Complete whose first attempt went through finds no upload any more: the
    // object is there if its size is ours.
    if (r.attempts > 1 && r.status == 404 && r.error.code == "NoSuchUpload") {
      auto size = s_->Head(key_);
      if (size.ok() && *size == size_) return Status::OK();
    }
    closed_ = false;  // abort the upload in the destructor
    return s_->ToStatus(r, "CompleteMultipartUpload", key_);
  }

  int64_t size() const override { return size_; }

 private:
  std::string Where() const { return "s3://" + s_->bucket_ + "/" + key_; }

  Status UploadPart() {
    if (upload_id_.empty()) {
      S3Storage::Response r = s_->Send({.method = Method::kPost, .key = key_, .query = {{"uploads", ""}}});
      if (!r.ok()) return s_->ToStatus(r, "CreateMultipartUpload", key_);
      auto id = s3::ParseUploadId(r.body);
      if (!id.ok()) return id.status().WithContext("S3 CreateMultipartUpload " + Where());
      upload_id_ = std::move(*id);
    }
    const int part = static_cast<int>(etags_.size()) + 1;
    S3Storage::Response r = s_->Send({.method = Method::kPut,
                                      .key = key_,
                                      .query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id_}},
                                      .body = buffer_});
    if (!r.ok()) return s_->ToStatus(r, "UploadPart " + std::to_string(part), key_);
    if (r.etag.empty()) return Status::Corruption("S3 UploadPart " + std::to_string(part) + " " + Where() + ": no ETag");
    etags_.push_back(std::move(r.etag));
    buffer_.clear();
    return Status::OK();
  }

  S3Storage* s_;
  std::string key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  int64_t size_ = 0;
  bool closed_ = false;
};

Result<std::unique_ptr<WritableFile>> S3Storage::NewWritableFile(std::string_view path) {
  return std::unique_ptr<WritableFile>(std::make_unique<S3WritableFile>(this, Key(path)));
}

}  // namespace orbitlake::storage
