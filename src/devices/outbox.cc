#include "devices/outbox.h"

#include <algorithm>

namespace orbitlake::devices {

Outbox::Outbox(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}

void Outbox::Push(Reading reading) {
  if (entries_.size() == capacity_) {
    Entry& oldest = entries_.front();
    if (!oldest.acked) {
      ++dropped_;
      if (next_ > base_) {  // it was in flight: its PUBACK, if any, is ignored
        for (auto it = by_mid_.begin(); it != by_mid_.end(); ++it) {
          if (it->second == base_) {
            by_mid_.erase(it);
            --in_flight_;
            break;
          }
        }
      }
    }
    entries_.pop_front();
    ++base_;
    next_ = std::max(next_, base_);
  }
  entries_.push_back({std::move(reading)});
}

const Reading* Outbox::NextToSend() const {
  for (uint64_t id = next_; id < base_ + entries_.size(); ++id) {
    const Entry& e = entries_[id - base_];
    if (!e.acked) return &e.reading;
  }
  return nullptr;
}

void Outbox::MarkSent(int mid) {
  while (entries_[next_ - base_].acked) ++next_;  // NextToSend() skipped these
  Entry& e = entries_[next_ - base_];
  if (e.sent_before) ++resent_;
  e.sent_before = true;
  by_mid_[mid] = next_;
  ++in_flight_;
  ++next_;
}

void Outbox::Ack(int mid) {
  auto it = by_mid_.find(mid);
  if (it == by_mid_.end()) return;
  const uint64_t id = it->second;
  by_mid_.erase(it);
  --in_flight_;
  if (id < base_) return;
  Entry& e = entries_[id - base_];
  if (!e.acked) {
    e.acked = true;
    ++acknowledged_;
  }
  PopAcked();
}

void Outbox::PopAcked() {
  while (!entries_.empty() && entries_.front().acked) {
    entries_.pop_front();
    ++base_;
  }
  next_ = std::max(next_, base_);
}

void Outbox::Rewind() {
  by_mid_.clear();
  in_flight_ = 0;
  next_ = base_;
}

}  // namespace orbitlake::devices
