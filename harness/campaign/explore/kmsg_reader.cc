// Non-blocking /dev/kmsg reading; see kmsg_reader.h.
#include "harness/campaign/explore/kmsg_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace flashfault::campaign {

KmsgReader::KmsgReader(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0) ::lseek(fd_, 0, SEEK_END);  // from now on
}

KmsgReader::~KmsgReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool KmsgReader::ParseRecord(const std::string& record, uint64_t* seq, std::string* text) {
  const size_t semi = record.find(';');
  const size_t comma = record.find(',');
  if (semi == std::string::npos || comma == std::string::npos || comma > semi) return false;
  char* end = nullptr;
  const unsigned long long s = std::strtoull(record.c_str() + comma + 1, &end, 10);
  if (end == record.c_str() + comma + 1 || (*end != ',' && *end != ';')) return false;
  *seq = s;
  size_t stop = record.find('\n', semi);
  if (stop == std::string::npos) stop = record.size();
  *text = record.substr(semi + 1, stop - semi - 1);
  return true;
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
    uint64_t seq = 0;
    std::string text;
    if (!ParseRecord(std::string(buf, static_cast<size_t>(n)), &seq, &text)) continue;
    if (next_seq_ != 0 && seq != next_seq_) b.lost = true;
    next_seq_ = seq + 1;
    if (b.first_seq == 0) b.first_seq = seq;
    b.last_seq = seq;
    b.lines.push_back(std::move(text));
  }
  return b;
}

}  // namespace flashfault::campaign
