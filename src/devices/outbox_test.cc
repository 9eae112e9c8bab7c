#include "devices/outbox.h"

#include <gtest/gtest.h>

namespace orbitlake::devices {
namespace {

Reading R(int64_t seq) {
  Reading r;
  r.seq = seq;
  return r;
}

// Sends what the outbox offers, up to n, under mids starting at `mid`; returns the seqs.
std::vector<int64_t> Send(Outbox& box, size_t n, int* mid) {
  std::vector<int64_t> seqs;
  while (seqs.size() < n && box.NextToSend() != nullptr) {
    seqs.push_back(box.NextToSend()->seq);
    box.MarkSent((*mid)++);
  }
  return seqs;
}

TEST(OutboxTest, AcknowledgedReadingsLeaveUnacknowledgedOnesAreResentAfterRewind) {
  Outbox box(100);
  for (int i = 0; i < 5; ++i) box.Push(R(i));
  int mid = 1;
  EXPECT_EQ(Send(box, 10, &mid), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(box.in_flight(), 5u);
  box.Ack(2);  // seq 1, out of order
  box.Ack(1);  // seq 0
  EXPECT_EQ(box.size(), 3u);
  EXPECT_EQ(box.acknowledged(), 2u);
  box.Ack(4);  // seq 3: held until 2 is acknowledged
  EXPECT_EQ(box.size(), 3u);
  box.Rewind();  // connection lost: 2 and 4 again, not 3
  EXPECT_EQ(box.in_flight(), 0u);
  box.Push(R(5));
  EXPECT_EQ(Send(box, 10, &mid), (std::vector<int64_t>{2, 4, 5}));
  EXPECT_EQ(box.resent(), 2u);
  box.Ack(3);  // a PUBACK of the old connection: ignored
  EXPECT_EQ(box.acknowledged(), 3u);
  box.Ack(6);
  box.Ack(7);
  box.Ack(8);
  EXPECT_EQ(box.size(), 0u);
  EXPECT_EQ(box.acknowledged(), 6u);
  EXPECT_EQ(box.dropped(), 0u);
}

TEST(OutboxTest, AFullOutboxDropsTheOldestAndCountsIt) {
  Outbox box(3);
  int mid = 1;
  box.Push(R(0));
  box.Push(R(1));
  EXPECT_EQ(Send(box, 1, &mid), (std::vector<int64_t>{0}));
  box.Push(R(2));
  box.Push(R(3));  // drops 0, which was in flight
  box.Push(R(4));  // drops 1
  EXPECT_EQ(box.dropped(), 2u);
  EXPECT_EQ(box.in_flight(), 0u);
  box.Ack(1);  // seq 0's late PUBACK
  EXPECT_EQ(box.acknowledged(), 0u);
  EXPECT_EQ(Send(box, 10, &mid), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(box.size(), 3u);
}

}  // namespace
}  // namespace orbitlake::devices
