#include "support/test_env.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

extern char** environ;

namespace orbitlake::testing {

namespace {

// The address of a broker the test run started: the override variable when set, else
// the first line of FILE in the fixture's folder (DIR_VARIABLE). "" and a test failure
// saying how to get one when neither exists.
std::string FixtureAddress(const char* override_variable, const char* dir_variable, const char* file,
                           const char* missing) {
  if (const char* v = std::getenv(override_variable); v != nullptr && *v != '\0') return v;
  const char* dir = std::getenv(dir_variable);
  std::string address;
  if (dir != nullptr) {
    std::ifstream in(std::filesystem::path(dir) / file);
    std::getline(in, address);
  }
  if (address.empty()) ADD_FAILURE() << missing;
  return address;
}

}  // namespace

std::string TestBrokers() {
  return FixtureAddress("ORBITLAKE_TEST_BROKERS", "ORBITLAKE_TEST_KAFKA_DIR", "bootstrap",
                        "no test broker: run this test through ctest (its kafka_broker fixture starts one), "
                        "or start one with scripts/kafka start and set ORBITLAKE_TEST_BROKERS=host:port");
}

std::string TestMqttUrl() {
  return FixtureAddress("ORBITLAKE_TEST_MQTT", "ORBITLAKE_TEST_MQTT_DIR", "url",
                        "no test MQTT broker: run this test through ctest (its mqtt_broker fixture starts one), "
                        "or start one with scripts/mqtt start and set ORBITLAKE_TEST_MQTT=tcp://host:port");
}

std::optional<std::map<std::string, std::string>> TestS3Config() {
  std::map<std::string, std::string> vars;
  if (const char* dir = std::getenv("ORBITLAKE_TEST_S3_DIR"); dir != nullptr && *dir != '\0') {
    std::ifstream in(std::filesystem::path(dir) / "aws.env");
    std::string line;
    while (std::getline(in, line)) {
      size_t eq = line.find('=');
      if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (vars.empty()) {
      ADD_FAILURE() << "no S3 test server: " << dir << "/aws.env is missing or empty (did the s3_server fixture "
                    << "start? see its output)";
    }
    return vars;
  }
  const char* endpoint = std::getenv("ORBITLAKE_TEST_S3_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') return std::nullopt;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos && kv.starts_with("AWS_")) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  vars["AWS_ENDPOINT_URL"] = endpoint;
  return vars;
}

std::string TestRedisUrl() {
  return FixtureAddress("ORBITLAKE_TEST_REDIS", "ORBITLAKE_TEST_REDIS_DIR", "url",
                        "no test Redis server: run this test through ctest (its redis_server fixture starts one), "
                        "or start one with scripts/redis start and set ORBITLAKE_TEST_REDIS=redis://host:port");
}

std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 1'000'000'000);
}

TempDir::TempDir(const std::string& prefix)
    : path_(std::filesystem::temp_directory_path() / UniqueName(prefix)) {
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path SourceDir() {
  const char* s = std::getenv("ORBITLAKE_SOURCE_DIR");
  return s != nullptr ? std::filesystem::path(s) : std::filesystem::current_path();
}

}  // namespace orbitlake::testing
