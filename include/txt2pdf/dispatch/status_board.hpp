// What the dispatcher tells an observer about each object it handles (DispatchObserver: a few calls
// from dispatcher.cpp), and StatusBoard, the observer the console reads: the recent conversions
// and the last errors, in memory, bounded. Thread-safe: the dispatcher writes from its thread, the
// console reads from its server threads.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace txt2pdf {

class DispatchObserver {
 public:
  virtual ~DispatchObserver() = default;
  // A message named the object; its job waits for a free slot (or for a twin's job).
  virtual void object_queued(const std::string& bucket, const std::string& key, const std::string& dest_key) = 0;
  virtual void job_started(const std::string& bucket, const std::string& key) = 0;
  // `succeeded`: exit 0 and the PDF verified. `detail`: why not, for humans.
  virtual void job_finished(const std::string& bucket, const std::string& key, bool succeeded, int exit_code,
                            const std::string& detail) = 0;
  virtual void dead_lettered(const std::string& key, const std::string& reason) = 0;
  virtual void receive_failed(const std::string& message) = 0;
};

enum class ConversionState { kQueued, kConverting, kDone, kFailed };
[[nodiscard]] const char* state_name(ConversionState state);

struct Conversion {
  std::string bucket, key, dest_key;
  ConversionState state = ConversionState::kQueued;
  int exit_code = 0;
  std::string detail;
  std::chrono::system_clock::time_point queued_at{}, started_at{}, finished_at{};
  std::optional<int> pages;  // from the PDF's x-amz-meta-pages, filled in by the console
};

struct ErrorNote {
  std::chrono::system_clock::time_point at{};
  std::string text;
};

class StatusBoard final : public DispatchObserver {
 public:
  using Now = std::function<std::chrono::system_clock::time_point()>;
  // Keeps the `capacity` most recently queued objects and the last `error_capacity` errors.
  explicit StatusBoard(Now now, std::size_t capacity = 200, std::size_t error_capacity = 20);

  void object_queued(const std::string& bucket, const std::string& key, const std::string& dest_key) override;
  void job_started(const std::string& bucket, const std::string& key) override;
  void job_finished(const std::string& bucket, const std::string& key, bool succeeded, int exit_code,
                    const std::string& detail) override;
  void dead_lettered(const std::string& key, const std::string& reason) override;
  void receive_failed(const std::string& message) override;
  // The console's own notes: an upload waiting for its S3 event (state queued), an error it met.
  void uploaded(const std::string& bucket, const std::string& key, const std::string& dest_key);
  void note_error(const std::string& text);
  void set_pages(const std::string& bucket, const std::string& key, int pages);

  // Most recent first.
  [[nodiscard]] std::vector<Conversion> conversions() const;
  [[nodiscard]] std::vector<ErrorNote> errors() const;
  [[nodiscard]] int converting() const;

 private:
  Conversion* find_locked(const std::string& bucket, const std::string& key);
  void add_error_locked(std::string text);

  Now now_;
  std::size_t capacity_;
  std::size_t error_capacity_;
  mutable std::mutex mutex_;
  std::deque<Conversion> conversions_;  // front: most recent
  std::deque<ErrorNote> errors_;
};

}  // namespace txt2pdf
