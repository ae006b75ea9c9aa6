// LockingChannel: the request mutex is held from a read until the next one,
// also after a failed read (the session's final Sync), and never while
// waiting for a request.
#include "harness/server/locking_channel.h"

#include <future>

#include "gtest/gtest.h"

namespace flashfault::server {
namespace {

// try_lock from another thread: std::mutex may not be probed by its owner.
bool LockedElsewhere(std::mutex& mu) {
  return std::async(std::launch::async, [&] {
           if (!mu.try_lock()) return true;
           mu.unlock();
           return false;
         }).get();
}

TEST(LockingChannelTest, HeldPerRequestAndReleasedBetween) {
  std::mutex mu;
  muse::MemoryChannel inner;
  inner.Push({1, 2, 3});
  LockingChannel ch(inner, mu);
  EXPECT_FALSE(LockedElsewhere(mu));
  uint8_t buf[16];
  absl::StatusOr<size_t> n = ch.Read(buf);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3u);
  EXPECT_TRUE(LockedElsewhere(mu));  // the request is being handled
  iovec piece{buf, 3};
  EXPECT_TRUE(ch.Write(std::span<const iovec>(&piece, 1)).ok());
  EXPECT_EQ(inner.replies().size(), 1u);
  EXPECT_TRUE(LockedElsewhere(mu));  // still this request's
  // The queue is empty: the read fails, and the lock is taken again for
  // whatever the session does on its way out.
  EXPECT_FALSE(ch.Read(buf).ok());
  EXPECT_TRUE(LockedElsewhere(mu));
  ch.Release();
  EXPECT_FALSE(LockedElsewhere(mu));
  ch.Release();  // idempotent
}

TEST(LockingChannelTest, NotHeldWhileWaitingForARequest) {
  std::mutex mu;
  // A channel whose Read() reports whether the lock was free meanwhile.
  class Probe final : public muse::MessageChannel {
   public:
    explicit Probe(std::mutex& m) : m_(m) {}
    absl::StatusOr<size_t> Read(std::span<uint8_t>) override {
      free_during_read = !LockedElsewhere(m_);
      return size_t{0};
    }
    absl::Status Write(std::span<const iovec>) override { return absl::OkStatus(); }
    bool free_during_read = false;

   private:
    std::mutex& m_;
  } probe(mu);
  LockingChannel ch(probe, mu);
  uint8_t buf[4];
  ASSERT_TRUE(ch.Read(buf).ok());
  ASSERT_TRUE(ch.Read(buf).ok());  // second read: the first request's lock was dropped
  EXPECT_TRUE(probe.free_during_read);
}

}  // namespace
}  // namespace flashfault::server
