// Non-blocking /dev/kmsg reading; see kmsg_reader.h.
#include "harness/campaign/explore/kmsg_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>


namespace flashfault::campaign {

KmsgReader::KmsgReader(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0) ::lseek(fd_, 0, SEEK_END);  // from now on
}

KmsgReader::~KmsgReader() {
  if (fd_ >= 0) ::close(fd_);
}

KmsgReader::Batch KmsgReader::Drain() {
  Batch b;
  if (fd_ < 0) {
    b.lost = true;
    return b;
  }
  char buf[8192];  // one record per read; the kernel's records are shorter
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) {  // overwritten before we read it; the next read resumes
        b.lost = true;
        next_seq_ = 0;
        continue;
      }
      break;  // EAGAIN: nothing more now
    }
    if (n == 0) break;
    // One record per read: its header line, then dictionary lines.
    const std::string_view record(buf, static_cast<size_t>(n));
    KernelRecord r;
    if (!ParseKmsgRecord(record.substr(0, record.find('\n')), &r)) continue;
    if (next_seq_ != 0 && r.seq != next_seq_) b.lost = true;
    next_seq_ = r.seq + 1;
    if (b.first_seq == 0) b.first_seq = r.seq;
    b.last_seq = r.seq;
    b.records.push_back(std::move(r));
  }
  return b;
}

}  // namespace flashfault::campaign
