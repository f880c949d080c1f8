// A MessageQueue that batches the dispatcher's deletes and visibility changes: each tick's
// DeleteMessage and ChangeMessageVisibility calls (settled messages, heartbeats, retries) go out
// as DeleteMessageBatch / ChangeMessageVisibilityBatch of up to 10 entries when the dispatcher
// calls flush(). Every Failed[] entry is handled on its own: a stale receipt is dropped (the
// message is no longer ours), an entry SQS failed on its side (or throttled) is sent again at the
// next flush, up to kMaxEntryAttempts, and anything else is logged and left to the visibility
// timeout (the message comes back and is converted again: the job skips a PDF already present).
// Nothing is ever counted as done without SQS saying so. Receive and SendMessage pass through.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/net/health.hpp"

namespace txt2pdf {

inline constexpr int kMaxEntryAttempts = 5;
inline constexpr std::chrono::milliseconds kDefaultBatchWindow{50};

class BatchedSqsQueue final : public MessageQueue {
 public:
  // All references must outlive the queue. One thread only (the dispatching thread).
  // `window`: how long an entry may wait for others to fill its batch (flush() sends a batch
  // once it has 10 entries or its oldest entry is that old).
  BatchedSqsQueue(sqs::SqsClient& client, std::string queue_url, std::string dlq_url, const Logger& log,
                  DispatcherMetrics& metrics, std::chrono::milliseconds window = kDefaultBatchWindow);

  [[nodiscard]] std::vector<sqs::Message> receive(int max_messages, std::chrono::seconds wait,
                                                  std::chrono::seconds visibility) override;
  // Queued until flush(). A delete cancels a queued visibility change of the same receipt.
  void delete_message(const std::string& receipt_handle) override;
  // Queued until flush(); a second change of the same receipt replaces the first.
  void change_visibility(const std::string& receipt_handle, std::chrono::seconds timeout) override;
  void send_to_dead_letters(const std::string& body,
                            const std::map<std::string, sqs::MessageAttribute>& attributes) override;
  [[nodiscard]] bool has_dead_letters() const override { return !dlq_url_.empty(); }
  // Sends what is due (deletes first), in batches of 10: everything once 10 entries wait or the
  // oldest has waited `window`; failed entries that may succeed stay queued for a later flush.
  // Never throws.
  void flush() override;
  // flush() until nothing is queued or every entry has used its attempts.
  void flush_all() override;

  [[nodiscard]] std::size_t pending() const { return deletes_.size() + changes_.size(); }

 private:
  using Steady = std::chrono::steady_clock;
  struct Pending {
    std::string receipt_handle;
    std::chrono::seconds timeout{0};
    int attempts = 0;
    Steady::time_point queued{};
  };
  void flush_list(std::vector<Pending>& list, bool deletes);
  [[nodiscard]] bool due(const std::vector<Pending>& list) const;
  void send_all();

  sqs::SqsClient& client_;
  std::string queue_url_;
  std::string dlq_url_;
  const Logger& log_;
  DispatcherMetrics& metrics_;
  std::chrono::milliseconds window_;
  std::vector<Pending> deletes_;
  std::vector<Pending> changes_;
};

}  // namespace txt2pdf
