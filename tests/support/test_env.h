// Helpers shared by tests: the real broker of this test run, unique names, temp dirs.
//
// The broker is started once per CTest run by the kafka_broker fixture
// (tests/CMakeLists.txt) and found through ORBITLAKE_TEST_KAFKA_DIR/bootstrap.
// ORBITLAKE_TEST_BROKERS overrides it (e.g. to run one test binary by hand against
// `scripts/kafka start`).
#pragma once

#include <filesystem>
#include <string>

namespace orbitlake::testing {

// host:port of the test broker. Fails the current test (and returns "") when none.
std::string TestBrokers();

// tcp://host:port of the test run's Mosquitto broker (the mqtt_broker CTest fixture,
// ORBITLAKE_TEST_MQTT_DIR/url); ORBITLAKE_TEST_MQTT overrides it. Fails the current test
// (and returns "") when none.
std::string TestMqttUrl();

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
