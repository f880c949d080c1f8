// Temporary files and complete writes, shared by the job (download and PDF) and `render` (the PDF
// written beside its destination, then renamed).
#pragma once

#include <string>
#include <string_view>

namespace txt2pdf {

// A file created with mkstemps as `directory`/`prefix`XXXXXX`suffix` (mode 0600, open for reading
// and writing), removed when the object goes out of scope unless release() was called, so no
// partial download or PDF outlives a failure. A file that cannot be created is Error(kTransient)
// ("cannot create a temporary file in DIR: reason"): a full or read-only disk is the machine's
// state, not the input's, and another attempt elsewhere may succeed (exit 75, in the job and in
// `render` alike).
class TempFile {
 public:
  TempFile(const std::string& directory, const std::string& prefix, const std::string& suffix);
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  [[nodiscard]] int fd() const noexcept { return fd_; }  // -1 after close()
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Closes the descriptor (the file stays until destruction).
  void close() noexcept;
  // Keeps the file: the caller renamed it or owns it now.
  void release() noexcept { path_.clear(); }

 private:
  int fd_ = -1;
  std::string path_;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR. Throws Error(kTransient)
// "cannot write WHAT: reason" (a full disk or a closed pipe may pass).
void write_all(int fd, std::string_view data, const std::string& what);

}  // namespace txt2pdf
