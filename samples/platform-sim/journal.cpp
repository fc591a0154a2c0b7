// The simulator's journal (sim_internal.h describes the record format).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sim_internal.h"

namespace yz::sim {

namespace {

constexpr char kMagic[4] = {'Y', 'Z', 'J', '1'};

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> t = [] {
    std::array<uint32_t, 256> a{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      a[i] = c;
    }
    return a;
  }();
  return t;
}

void put_u32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

uint32_t get_u32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

std::string errno_text() { return std::strerror(errno); }

Status io_error(const std::string& what, const std::string& path) {
  return Status::error("YZ-SIM-IO", what + " " + path + ": " + errno_text());
}

// Reads exactly n bytes at the current offset; returns the count read (< n at EOF).
size_t read_full(int fd, void* buf, size_t n) {
  size_t got = 0;
  auto* p = static_cast<char*>(buf);
  while (got < n) {
    ssize_t r = ::read(fd, p + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return got;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

bool write_full(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

uint32_t crc32(std::string_view data, uint32_t crc) {
  const auto& t = crc_table();
  crc = ~crc;
  for (unsigned char ch : data) crc = t[(crc ^ ch) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

Journal::~Journal() { close(); }

Status Journal::replay(const std::string& path, const Visitor& visit, ReplayStats& stats) {
  stats = ReplayStats{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::ok();
    return io_error("cannot open journal", path);
  }
  struct stat sb {};
  if (::fstat(fd, &sb) != 0) {
    Status st = io_error("cannot stat journal", path);
    ::close(fd);
    return st;
  }
  const uint64_t file_size = static_cast<uint64_t>(sb.st_size);
  uint64_t off = 0;
  std::string payload;
  Status result = Status::ok();
  while (off < file_size) {
    const uint64_t left = file_size - off;
    unsigned char h[kHeaderBytes];
    if (left < kHeaderBytes || read_full(fd, h, kHeaderBytes) != kHeaderBytes) {
      stats.dropped_reason = "incomplete record header at offset " + std::to_string(off);
      break;
    }
    if (std::memcmp(h, kMagic, 4) != 0) {
      stats.dropped_reason = "bad record magic at offset " + std::to_string(off);
      break;
    }
    if (crc32(std::string_view(reinterpret_cast<const char*>(h), 12)) != get_u32(h + 12)) {
      stats.dropped_reason = "record header checksum mismatch at offset " + std::to_string(off);
      break;
    }
    const uint32_t n = get_u32(h + 4);
    if (n == 0 || n > kMaxPayload) {
      stats.dropped_reason = "bad record length " + std::to_string(n) + " at offset " + std::to_string(off);
      break;
    }
    if (left - kHeaderBytes < n) {
      stats.dropped_reason = "incomplete record at offset " + std::to_string(off) + " (" +
                             std::to_string(left - kHeaderBytes) + " of " + std::to_string(n) + " bytes)";
      break;
    }
    payload.resize(n);
    if (read_full(fd, payload.data(), n) != n) {
      stats.dropped_reason = "short read at offset " + std::to_string(off);
      break;
    }
    if (crc32(payload) != get_u32(h + 8)) {
      stats.dropped_reason = "record checksum mismatch at offset " + std::to_string(off);
      break;
    }
    result = visit(payload[0], std::string_view(payload).substr(1), stats.records, off);
    if (!result) break;
    ++stats.records;
    off += kHeaderBytes + n;
  }
  ::close(fd);
  stats.good_bytes = off;
  if (!result) return result;
  if (off < file_size) {
    stats.dropped_bytes = file_size - off;
    // Cut the torn tail so that the next appends follow whole records.
    int wfd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (wfd < 0) return io_error("cannot open journal to cut its torn tail", path);
    bool ok = ::ftruncate(wfd, static_cast<off_t>(off)) == 0 && ::fsync(wfd) == 0;
    Status st = ok ? Status::ok() : io_error("cannot cut the journal's torn tail", path);
    ::close(wfd);
    return st;
  }
  return Status::ok();
}

Status Journal::open(const std::string& path, bool fsync) {
  close();
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return io_error("cannot open journal", path);
  struct stat sb {};
  if (::fstat(fd_, &sb) != 0) {
    Status st = io_error("cannot stat journal", path);
    close();
    return st;
  }
  path_ = path;
  fsync_ = fsync;
  broken_ = false;
  size_ = static_cast<uint64_t>(sb.st_size);
  appended_ = 0;
  if (!existed && fsync_) {
    // The new file's directory entry must be durable too.
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    if (dir.empty()) dir = ".";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return Status::ok();
}

Status Journal::append(char format, std::string_view body) {
  if (fd_ < 0) return Status::error("YZ-SIM-JOURNAL", "journal not open");
  if (broken_) return Status::error("YZ-SIM-JOURNAL", "journal unusable after a failed write: " + path_);
  if (body.size() + 1 > kMaxPayload) return Status::error("YZ-SIM-JOURNAL", "request too large for the journal");
  const uint32_t n = static_cast<uint32_t>(body.size() + 1);
  std::string rec;
  rec.resize(kHeaderBytes + n);
  auto* h = reinterpret_cast<unsigned char*>(rec.data());
  std::memcpy(h, kMagic, 4);
  put_u32(h + 4, n);
  rec[kHeaderBytes] = format;
  std::memcpy(rec.data() + kHeaderBytes + 1, body.data(), body.size());
  put_u32(h + 8, crc32(std::string_view(rec).substr(kHeaderBytes)));
  put_u32(h + 12, crc32(std::string_view(rec.data(), 12)));
  bool ok = write_full(fd_, rec.data(), rec.size());
  if (ok && fsync_) ok = ::fdatasync(fd_) == 0;
  if (!ok) {
    Status st = io_error("cannot append to journal", path_);
    // Leave no partial record behind: later appends must follow whole records.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) broken_ = true;
    return Status::error("YZ-SIM-JOURNAL", st.message());
  }
  size_ += rec.size();
  ++appended_;
  return Status::ok();
}

void Journal::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace yz::sim
