// Unit tests of the message channels: stream framing (messages split across
// reads, several in one write, EOF at and inside a message, bad lengths),
// one-message-per-read device semantics, the wake fd, and write failures.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "gtest/gtest.h"
#include "harness/muse/transport.h"

namespace flashfault::muse {
namespace {

std::vector<uint8_t> Message(uint32_t len, uint8_t fill) {
  std::vector<uint8_t> m(len, fill);
  std::memcpy(m.data(), &len, 4);
  return m;
}

class Pair {
 public:
  explicit Pair(int type = SOCK_STREAM) { EXPECT_EQ(::socketpair(AF_UNIX, type, 0, fd), 0); }
  ~Pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void Close(int i) {
    ::close(fd[i]);
    fd[i] = -1;
  }
  int fd[2] = {-1, -1};
};

TEST(StreamChannelTest, ReassemblesMessagesWrittenByteByByte) {
  Pair p;
  std::vector<uint8_t> m = Message(300, 0xAB);
  std::thread writer([&] {
    for (uint8_t b : m) ASSERT_EQ(::write(p.fd[0], &b, 1), 1);
  });
  StreamChannel ch(p.fd[1]);
  std::vector<uint8_t> buf(1024);
  absl::StatusOr<size_t> n = ch.Read(buf);
  writer.join();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 300u);
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + 300), m);
}

TEST(StreamChannelTest, SeparatesMessagesSentTogether) {
  Pair p;
  std::vector<uint8_t> both = Message(40, 1);
  std::vector<uint8_t> second = Message(16, 2);
  both.insert(both.end(), second.begin(), second.end());
  ASSERT_EQ(::write(p.fd[0], both.data(), both.size()), static_cast<ssize_t>(both.size()));
  StreamChannel ch(p.fd[1]);
  std::vector<uint8_t> buf(64);
  EXPECT_EQ(*ch.Read(buf), 40u);
  EXPECT_EQ(buf[39], 1);
  EXPECT_EQ(*ch.Read(buf), 16u);
  EXPECT_EQ(buf[15], 2);
}

TEST(StreamChannelTest, EndOfStreamAtABoundaryIsUnavailable) {
  Pair p;
  p.Close(0);
  StreamChannel ch(p.fd[1]);
  std::vector<uint8_t> buf(64);
  EXPECT_TRUE(absl::IsUnavailable(ch.Read(buf).status()));
}

TEST(StreamChannelTest, EndOfStreamInsideAMessageIsDataLoss) {
  Pair p;
  std::vector<uint8_t> m = Message(40, 3);
  ASSERT_EQ(::write(p.fd[0], m.data(), 20), 20);
  p.Close(0);
  StreamChannel ch(p.fd[1]);
  std::vector<uint8_t> buf(64);
  EXPECT_TRUE(absl::IsDataLoss(ch.Read(buf).status()));
}

TEST(StreamChannelTest, LengthsOutsideTheBufferAreDataLoss) {
  for (uint32_t len : {0u, 4u, 15u, 65u, 0xFFFFFFFFu}) {
    Pair p;
    std::vector<uint8_t> m(16, 0);
    std::memcpy(m.data(), &len, 4);
    ASSERT_EQ(::write(p.fd[0], m.data(), m.size()), 16);
    StreamChannel ch(p.fd[1]);
    std::vector<uint8_t> buf(64);
    EXPECT_TRUE(absl::IsDataLoss(ch.Read(buf).status())) << len;
  }
}

TEST(StreamChannelTest, WakeFdCancelsAWaitingRead) {
  Pair p;
  int wake[2];
  ASSERT_EQ(::pipe(wake), 0);
  StreamChannel ch(p.fd[1], wake[0]);
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(::write(wake[1], "x", 1), 1);
  });
  std::vector<uint8_t> buf(64);
  EXPECT_TRUE(absl::IsCancelled(ch.Read(buf).status()));
  waker.join();
  ::close(wake[0]);
  ::close(wake[1]);
}

TEST(StreamChannelTest, WriteJoinsThePieces) {
  Pair p;
  StreamChannel ch(p.fd[0]);
  std::vector<uint8_t> a = Message(24, 7);
  uint8_t tail[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  a[0] = 32;  // the header's len covers both pieces
  iovec iov[3] = {{a.data(), a.size()}, {nullptr, 0}, {tail, sizeof(tail)}};
  ASSERT_TRUE(ch.Write(iov).ok());
  StreamChannel rd(p.fd[1]);
  std::vector<uint8_t> buf(64);
  ASSERT_EQ(*rd.Read(buf), 32u);
  EXPECT_EQ(buf[31], 8);
  p.Close(1);
  EXPECT_TRUE(absl::IsUnavailable(ch.Write(iov)));  // EPIPE (SIGPIPE ignored by main)
}

TEST(DeviceChannelTest, OneMessagePerRead) {
  Pair p(SOCK_SEQPACKET);
  std::vector<uint8_t> a = Message(40, 1), b = Message(100, 2);
  ASSERT_EQ(::write(p.fd[0], a.data(), a.size()), 40);
  ASSERT_EQ(::write(p.fd[0], b.data(), b.size()), 100);
  DeviceChannel ch(p.fd[1]);
  std::vector<uint8_t> buf(8192);
  EXPECT_EQ(*ch.Read(buf), 40u);
  EXPECT_EQ(*ch.Read(buf), 100u);
  iovec iov = {a.data(), a.size()};
  ASSERT_TRUE(ch.Write({&iov, 1}).ok());
  p.Close(0);
  EXPECT_TRUE(absl::IsUnavailable(ch.Read(buf).status()));
}

TEST(MemoryChannelTest, QueuesAndRecords) {
  MemoryChannel ch;
  ch.Push({1, 2, 3});
  std::vector<uint8_t> buf(2);
  EXPECT_EQ(*ch.Read(buf), 2u);  // truncated like a datagram
  EXPECT_TRUE(absl::IsUnavailable(ch.Read(buf).status()));
  uint8_t x[3] = {4, 5, 6};
  iovec iov = {x, 3};
  ASSERT_TRUE(ch.Write({&iov, 1}).ok());
  EXPECT_EQ(ch.replies().at(0), (std::vector<uint8_t>{4, 5, 6}));
}

}  // namespace
}  // namespace flashfault::muse
