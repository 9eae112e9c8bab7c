// Outbox: a board's bounded local buffer of readings not yet acknowledged by the MQTT
// broker (QoS 1), and the resend policy after a lost connection. Pure: the simulator
// feeds it readings, the message ids it published them under, and the PUBACKs it got.
//
// Guarantees:
//   - A reading leaves the outbox only when the broker acknowledged it, or when the
//     outbox is full and it is the oldest (a device with a full buffer keeps the newest
//     readings, like a ring buffer): such drops are counted, never silent.
//   - After Rewind() (the connection was lost) every unacknowledged reading is sent again,
//     oldest first: the broker may then get a reading twice (at least once; (device, seq)
//     dedup makes it once in the tables), never a gap except counted drops.
//
// Thread safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "devices/board.h"

namespace orbitlake::devices {

class Outbox {
 public:
  // `capacity`: the most readings held (queued or in flight), at least 1.
  explicit Outbox(size_t capacity);

  // Queues a reading; drops (and counts) the oldest when full.
  void Push(Reading reading);

  // The oldest reading not yet sent on this connection, or null.
  const Reading* NextToSend() const;
  // NextToSend() was published with message id `mid`.
  void MarkSent(int mid);
  // The broker acknowledged message id `mid` (ids of dropped readings are ignored).
  void Ack(int mid);
  // The connection was lost: what was in flight is to be sent again.
  void Rewind();

  size_t size() const { return entries_.size(); }    // held: queued + in flight
  size_t in_flight() const { return in_flight_; }
  uint64_t dropped() const { return dropped_; }      // oldest readings dropped when full
  uint64_t resent() const { return resent_; }        // sends after a Rewind of a reading sent before
  uint64_t acknowledged() const { return acknowledged_; }

 private:
  struct Entry {
    Reading reading;
    bool sent_before = false;  // on any connection
    bool acked = false;
  };
  void PopAcked();

  size_t capacity_;
  std::deque<Entry> entries_;
  uint64_t base_ = 0;   // the id of entries_.front()
  uint64_t next_ = 0;   // the id of the first entry not sent on this connection
  std::unordered_map<int, uint64_t> by_mid_;  // in flight on this connection
  size_t in_flight_ = 0;
  uint64_t dropped_ = 0;
  uint64_t resent_ = 0;
  uint64_t acknowledged_ = 0;
};

}  // namespace orbitlake::devices
