#include "txt2pdf/core/temp_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

TempFile::TempFile(const std::string& directory, const std::string& prefix, const std::string& suffix) {
  std::string pattern = directory + "/" + prefix + "XXXXXX" + suffix;
  fd_ = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd_ < 0) {
    throw Error(ErrorKind::kTransient, "cannot create a temporary file in " + directory + ": " + std::strerror(errno) +
                                           " (set TMPDIR to a writable directory)");
  }
  path_ = std::move(pattern);
}

TempFile::~TempFile() {
  close();
  if (!path_.empty()) ::unlink(path_.c_str());
}

void TempFile::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const auto written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      throw Error(ErrorKind::kTransient, "cannot write " + what + ": " + std::strerror(written < 0 ? errno : EIO));
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace txt2pdf
