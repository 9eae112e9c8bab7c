// Helpers shared by tests: the real broker of this test run, unique names, temp dirs.
//
// The broker is started once per CTest run by the kafka_broker fixture
// (tests/CMakeLists.txt) and found through ORBITLAKE_TEST_KAFKA_DIR/bootstrap.
// ORBITLAKE_TEST_BROKERS overrides it (e.g. to run one test binary by hand against
// `scripts/kafka start`).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace orbitlake::testing {

// host:port of the test broker. Fails the current test (and returns "") when none.
std::string TestBrokers();

// tcp://host:port of the test run's Mosquitto broker (the mqtt_broker CTest fixture,
// ORBITLAKE_TEST_MQTT_DIR/url); ORBITLAKE_TEST_MQTT overrides it. Fails the current test
// (and returns "") when none.
std::string TestMqttUrl();

// The S3 server of this test run as AWS_* configuration variables (endpoint, key pair,
// region, AWS_ALLOW_HTTP; S3OptionsFromConfig takes them) and its bucket "lake":
//   - ORBITLAKE_TEST_S3_DIR (the s3_server CTest fixture): read from DIR/aws.env, which
//     scripts/s3 writes; a missing or empty file fails the current test.
//   - else ORBITLAKE_TEST_S3_ENDPOINT (a server started by hand: scripts/s3 start, then
//     eval "$(scripts/s3 env)"): that endpoint and the AWS_* variables of the process.
//   - else nullopt: the caller skips, saying how to get a server.
std::optional<std::map<std::string, std::string>> TestS3Config();
inline constexpr const char* kTestS3Bucket = "lake";
inline constexpr const char* kNoTestS3Server =
    "no S3 test server: run through ctest (its s3_server fixture starts one), or "
    "scripts/s3 start --port auto; eval \"$(scripts/s3 env)\"; export ORBITLAKE_TEST_S3_ENDPOINT=$AWS_ENDPOINT_URL";

// redis://host:port of the test run's Redis server (the redis_server CTest fixture,
// ORBITLAKE_TEST_REDIS_DIR/url); ORBITLAKE_TEST_REDIS overrides it. Fails the current
// test (and returns "") when none.
std::string TestRedisUrl();

// "<prefix>-<pid>-<random>": a topic/group/folder name no other test run uses.
std::string UniqueName(const std::string& prefix);

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "orbitlake-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// The repository root (ORBITLAKE_SOURCE_DIR, set by CTest).
std::filesystem::path SourceDir();

}  // namespace orbitlake::testing
