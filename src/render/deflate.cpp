#include "txt2pdf/render/deflate.hpp"

#include <libdeflate.h>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {

Deflater::Deflater(int level) : level_(level) {}

Deflater::~Deflater() {
  if (compressor_ != nullptr) libdeflate_free_compressor(compressor_);
}

std::string Deflater::compress(std::string_view data) {
  // Allocated on first use: the level-6 compressor is 656 KB, whose first touch costs more than a
  // one-line document's whole render.
  if (compressor_ == nullptr) compressor_ = libdeflate_alloc_compressor(level_);
  if (compressor_ == nullptr) throw Error(ErrorKind::kInternal, "libdeflate_alloc_compressor failed");
  scratch_.resize(libdeflate_zlib_compress_bound(compressor_, data.size()));
  const std::size_t size =
      libdeflate_zlib_compress(compressor_, data.data(), data.size(), scratch_.data(), scratch_.size());
  // Only an output buffer smaller than the bound makes libdeflate give up.
  if (size == 0) throw Error(ErrorKind::kInternal, "libdeflate_zlib_compress failed");
  return std::string(scratch_.data(), size);
}

BackgroundDeflater::BackgroundDeflater(int level)
    : deflater_(level), inline_(std::thread::hardware_concurrency() < 2) {}

BackgroundDeflater::~BackgroundDeflater() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void BackgroundDeflater::submit(std::string data, std::string* result) {
  // A short document is done before a thread would have started.
  if (inline_ || ++submitted_ <= kInlineFirst) {
    *result = deflater_.compress(data);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  changed_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
  queue_.emplace_back(std::move(data), result);
  lock.unlock();
  changed_.notify_all();
}

void BackgroundDeflater::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && !busy_; });
  if (!failure_.empty()) throw Error(ErrorKind::kInternal, failure_);
}

void BackgroundDeflater::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // The destructor waits for queued work: results may still be read by the caller's libharu
    // streams only after wait(), but nothing is dropped half-done.
    if (queue_.empty()) return;
    auto [data, result] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();  // room in the queue
    std::string compressed;
    std::string failure;
    try {
      compressed = deflater_.compress(data);
    } catch (const std::exception& error) {
      failure = error.what();
    }
    lock.lock();
    *result = std::move(compressed);
    if (failure_.empty()) failure_ = std::move(failure);
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace txt2pdf
