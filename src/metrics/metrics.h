// Prometheus-style metrics: counters, gauges and histograms, rendered in the text
// exposition format (version 0.0.4) and served over HTTP by MetricsServer.
//
// Thread safety: registration (Counter(), Gauge(), Histogram()) takes a lock and may be
// called from any thread; the returned references stay valid for the registry's
// lifetime. Updates are lock-free atomics, safe from any thread, so hot paths only pay
// an atomic add. Render() takes the registration lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace orbitlake::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(double v = 1) { AtomicAdd(v); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  void AtomicAdd(double v);
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Cumulative histogram over fixed upper bounds (le), plus sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Bucket counts (cumulative is computed at render time), sum and count.
  std::vector<uint64_t> buckets() const;
  const std::vector<double>& bounds() const { return bounds_; }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Bounds for durations in seconds, 1 ms .. 60 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  // Returns the metric with this name and labels, creating it on first use. A name is
  // one kind only; asking for it as another kind is a programming error (aborts).
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                          const Labels& labels = {});

  // The whole registry in Prometheus text format.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered labels
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
};

// "{a=\"x\",b=\"y\"}" with Prometheus escaping; "" for no labels.
std::string RenderLabels(const Labels& labels);

// Serves GET /metrics (the registry) and GET /healthz on a background thread.
class MetricsServer {
 public:
  // `address` is "host:port"; binding to anything but loopback must be asked for
  // explicitly by the caller. Port 0 picks a free port (see port()).
  static Result<std::unique_ptr<MetricsServer>> Start(const Registry& registry, const std::string& address);
  ~MetricsServer();
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl, int port);
  std::unique_ptr<Impl> impl_;
  int port_;
};

}  // namespace orbitlake::metrics
