#include "common/bounded_queue.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace orbitlake {
namespace {

TEST(BoundedQueueTest, FifoAcrossThreadsWithBackPressure) {
  BoundedQueue<int> q(2);
  std::vector<int> got;
  std::thread consumer([&] {
    while (auto v = q.Pop()) got.push_back(*v);
  });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.Push(i));
  EXPECT_LE(q.size(), 2u);
  q.Close();
  consumer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[i], i);
}

TEST(BoundedQueueTest, CloseDrainsThenEnds) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  q.Close();
  EXPECT_FALSE(q.Push(3));
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, CloseWakesABlockedPusher) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.Push(1));
  std::thread pusher([&] { EXPECT_FALSE(q.Push(2)); });
  q.Close();
  pusher.join();
}

}  // namespace
}  // namespace orbitlake
