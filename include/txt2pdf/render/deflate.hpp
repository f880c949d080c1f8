// zlib-format deflate (what PDF's FlateDecode filter reads) with libdeflate, and a second thread
// that deflates page streams (and font programs) while the renderer goes on: on the 1 MB bench
// log, deflating was a third of the run time.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

struct libdeflate_compressor;

namespace txt2pdf {

class Deflater {
 public:
  // libdeflate's level (1 fastest .. 12 smallest). The compressor is allocated on first use.
  explicit Deflater(int level);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // The zlib stream of `data`.
  [[nodiscard]] std::string compress(std::string_view data);

 private:
  int level_;
  libdeflate_compressor* compressor_ = nullptr;
  std::vector<char> scratch_;
};

// Deflates buffers on one worker thread (inline for the first few, and when the machine has a
// single CPU). The caller owns the result strings and reads them only after wait().
class BackgroundDeflater {
 public:
  explicit BackgroundDeflater(int level);
  // Finishes the queued work and stops the thread.
  ~BackgroundDeflater();
  BackgroundDeflater(const BackgroundDeflater&) = delete;
  BackgroundDeflater& operator=(const BackgroundDeflater&) = delete;

  // Queues `data` to be deflated into `*result`. Blocks while kMaxQueued buffers wait, which
  // bounds the memory held by uncompressed pages.
  void submit(std::string data, std::string* result);
  // Blocks until everything submitted is in its result. Throws Error(kInternal) if deflating
  // failed.
  void wait();

 private:
  static constexpr std::size_t kMaxQueued = 16;
  static constexpr std::size_t kInlineFirst = 4;
  void run();

  Deflater deflater_;  // used by the worker (or by submit() when inline)
  bool inline_;
  std::size_t submitted_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, std::string*>> queue_;
  bool busy_ = false;  // the worker holds a buffer taken off the queue
  bool stopping_ = false;
  std::string failure_;
  std::thread worker_;
};

}  // namespace txt2pdf
