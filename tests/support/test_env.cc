#include "support/test_env.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

namespace orbitlake::testing {

std::string TestBrokers() {
  if (const char* b = std::getenv("ORBITLAKE_TEST_BROKERS"); b != nullptr && *b != '\0') return b;
  const char* dir = std::getenv("ORBITLAKE_TEST_KAFKA_DIR");
  std::string brokers;
  if (dir != nullptr) {
    std::ifstream in(std::filesystem::path(dir) / "bootstrap");
    std::getline(in, brokers);
  }
  if (brokers.empty()) {
    ADD_FAILURE() << "no test broker: run this test through ctest (its kafka_broker fixture starts one), "
                     "or start one with scripts/kafka start and set ORBITLAKE_TEST_BROKERS=host:port";
  }
  return brokers;
}

std::string TestMqttUrl() {
  if (const char* u = std::getenv("ORBITLAKE_TEST_MQTT"); u != nullptr && *u != '\0') return u;
  const char* dir = std::getenv("ORBITLAKE_TEST_MQTT_DIR");
  std::string url;
  if (dir != nullptr) {
    std::ifstream in(std::filesystem::path(dir) / "url");
    std::getline(in, url);
  }
  if (url.empty()) {
    ADD_FAILURE() << "no test MQTT broker: run this test through ctest (its mqtt_broker fixture starts one), "
                     "or start one with scripts/mqtt start and set ORBITLAKE_TEST_MQTT=tcp://host:port";
  }
  return url;
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
