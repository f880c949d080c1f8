#include "txt2pdf/dispatch/status_board.hpp"

#include <algorithm>

namespace txt2pdf {

const char* state_name(ConversionState state) {
  switch (state) {
    case ConversionState::kQueued:
      return "queued";
    case ConversionState::kConverting:
      return "converting";
    case ConversionState::kDone:
      return "done";
    case ConversionState::kFailed:
      return "failed";
  }
  return "unknown";
}

StatusBoard::StatusBoard(Now now, std::size_t capacity, std::size_t error_capacity)
    : now_(std::move(now)), capacity_(std::max<std::size_t>(capacity, 1)), error_capacity_(error_capacity) {}

Conversion* StatusBoard::find_locked(const std::string& bucket, const std::string& key) {
  for (auto& conversion : conversions_) {
    if (conversion.bucket == bucket && conversion.key == key) return &conversion;
  }
  return nullptr;
}

void StatusBoard::add_error_locked(std::string text) {
  errors_.push_front({now_(), std::move(text)});
  while (errors_.size() > error_capacity_) errors_.pop_back();
}

void StatusBoard::object_queued(const std::string& bucket, const std::string& key, const std::string& dest_key) {
  std::lock_guard lock(mutex_);
  // A new message for a known object (a retry, a re-upload) starts its entry afresh, at the top.
  const auto same = [&](const Conversion& c) { return c.bucket == bucket && c.key == key; };
  conversions_.erase(std::remove_if(conversions_.begin(), conversions_.end(), same), conversions_.end());
  Conversion conversion;
  conversion.bucket = bucket;
  conversion.key = key;
  conversion.dest_key = dest_key;
  conversion.queued_at = now_();
  conversions_.push_front(std::move(conversion));
  while (conversions_.size() > capacity_) conversions_.pop_back();
}

void StatusBoard::uploaded(const std::string& bucket, const std::string& key, const std::string& dest_key) {
  object_queued(bucket, key, dest_key);
}

void StatusBoard::job_started(const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto* conversion = find_locked(bucket, key)) {
    conversion->state = ConversionState::kConverting;
    conversion->started_at = now_();
  }
}

void StatusBoard::job_finished(const std::string& bucket, const std::string& key, bool succeeded, int exit_code,
                               const std::string& detail) {
  std::lock_guard lock(mutex_);
  if (auto* conversion = find_locked(bucket, key)) {
    conversion->state = succeeded ? ConversionState::kDone : ConversionState::kFailed;
    conversion->exit_code = exit_code;
    conversion->detail = detail;
    conversion->finished_at = now_();
  }
  if (!succeeded) add_error_locked(key + ": exit " + std::to_string(exit_code) + (detail.empty() ? "" : ": " + detail));
}

void StatusBoard::dead_lettered(const std::string& key, const std::string& reason) {
  std::lock_guard lock(mutex_);
  add_error_locked("dead-lettered " + (key.empty() ? std::string("(no key)") : key) + ": " + reason);
}

void StatusBoard::receive_failed(const std::string& message) {
  std::lock_guard lock(mutex_);
  add_error_locked("ReceiveMessage failed: " + message);
}

void StatusBoard::note_error(const std::string& text) {
  std::lock_guard lock(mutex_);
  add_error_locked(text);
}

void StatusBoard::set_pages(const std::string& bucket, const std::string& key, int pages) {
  std::lock_guard lock(mutex_);
  if (auto* conversion = find_locked(bucket, key)) conversion->pages = pages;
}

std::vector<Conversion> StatusBoard::conversions() const {
  std::lock_guard lock(mutex_);
  return {conversions_.begin(), conversions_.end()};
}

std::vector<ErrorNote> StatusBoard::errors() const {
  std::lock_guard lock(mutex_);
  return {errors_.begin(), errors_.end()};
}

int StatusBoard::converting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(conversions_.begin(), conversions_.end(),
                                        [](const Conversion& c) { return c.state == ConversionState::kConverting; }));
}

}  // namespace txt2pdf
