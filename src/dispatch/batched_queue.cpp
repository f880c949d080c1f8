#include "txt2pdf/dispatch/batched_queue.hpp"

#include <algorithm>

namespace txt2pdf {

BatchedSqsQueue::BatchedSqsQueue(sqs::SqsClient& client, std::string queue_url, std::string dlq_url, const Logger& log,
                                 DispatcherMetrics& metrics, std::chrono::milliseconds window)
    : client_(client),
      queue_url_(std::move(queue_url)),
      dlq_url_(std::move(dlq_url)),
      log_(log),
      metrics_(metrics),
      window_(window) {}

std::vector<sqs::Message> BatchedSqsQueue::receive(int max_messages, std::chrono::seconds wait,
                                                   std::chrono::seconds visibility) {
  return client_.receive(queue_url_, sqs::ReceiveInput{max_messages, wait, visibility});
}

void BatchedSqsQueue::delete_message(const std::string& receipt_handle) {
  changes_.erase(std::remove_if(changes_.begin(), changes_.end(),
                                [&](const Pending& change) { return change.receipt_handle == receipt_handle; }),
                 changes_.end());
  deletes_.push_back({receipt_handle, std::chrono::seconds(0), 0, Steady::now()});
}

void BatchedSqsQueue::change_visibility(const std::string& receipt_handle, std::chrono::seconds timeout) {
  for (auto& change : changes_) {
    if (change.receipt_handle == receipt_handle) {
      change.timeout = timeout;
      return;
    }
  }
  changes_.push_back({receipt_handle, timeout, 0, Steady::now()});
}

void BatchedSqsQueue::send_to_dead_letters(const std::string& body,
                                           const std::map<std::string, sqs::MessageAttribute>& attributes) {
  if (dlq_url_.empty()) throw Error(ErrorKind::kConfig, "DLQ_URL is not set");
  (void)client_.send(dlq_url_, body, attributes);
}

void BatchedSqsQueue::flush_list(std::vector<Pending>& list, bool deletes) {
  const char* operation = deletes ? "DeleteMessageBatch" : "ChangeMessageVisibilityBatch";
  std::vector<Pending> keep;
  for (std::size_t start = 0; start < list.size(); start += sqs::kMaxBatchEntries) {
    const auto end = std::min(list.size(), start + sqs::kMaxBatchEntries);
    std::vector<sqs::BatchEntry> entries;
    for (std::size_t i = start; i < end; ++i) {
      entries.push_back({std::to_string(i - start), list[i].receipt_handle, list[i].timeout});
    }
    // Whatever goes wrong, an entry is retried or given up on by its own count.
    auto retry_or_give_up = [&](Pending entry, const std::string& why) {
      if (++entry.attempts < kMaxEntryAttempts) {
        entry.queued = Steady::now();  // waits one window before it goes again
        keep.push_back(std::move(entry));
        return;
      }
      log_.error(std::string(operation) + " entry given up; the message will reappear after its visibility timeout",
                 {{"reason", why}, {"attempts", entry.attempts}});
    };
    try {
      const auto result = deletes ? client_.delete_message_batch(queue_url_, entries)
                                  : client_.change_visibility_batch(queue_url_, entries);
      if (!result.failed.empty()) metrics_.batch_entries_failed(static_cast<int>(result.failed.size()));
      for (const auto& failure : result.failed) {
        std::size_t index = 0;
        const bool known = !failure.id.empty() && failure.id.find_first_not_of("0123456789") == std::string::npos &&
                           (index = start + std::stoul(failure.id)) < end;
        if (!known) {
          log_.warn(std::string(operation) + ": Failed[] names an entry we did not send",
                    {{"id", failure.id}, {"code", failure.code}});
          continue;
        }
        const auto why = failure.code + (failure.message.empty() ? "" : ": " + failure.message);
        if (sqs::is_stale_receipt_code(failure.code)) {
          log_.info(std::string(operation) + ": receipt no longer valid (the message was received again or expired)",
                    {{"code", failure.code}});
        } else if (sqs::batch_failure_retryable(failure)) {
          retry_or_give_up(list[index], why);
        } else {
          log_.error(std::string(operation) + " entry refused; the message will reappear after its visibility timeout",
                     {{"code", failure.code}, {"reason", failure.message}, {"sender_fault", failure.sender_fault}});
        }
      }
    } catch (const Error& error) {
      auto fields = error_fields(error);
      fields["entries"] = entries.size();
      log_.warn(std::string(operation) + " failed; its entries will be sent again", fields);
      for (std::size_t i = start; i < end; ++i) retry_or_give_up(list[i], error.what());
    } catch (const std::exception& error) {
      log_.error(std::string(operation) + " failed unexpectedly", {{"error", error.what()}});
      for (std::size_t i = start; i < end; ++i) retry_or_give_up(list[i], error.what());
    }
  }
  list = std::move(keep);
}

bool BatchedSqsQueue::due(const std::vector<Pending>& list) const {
  if (list.size() >= sqs::kMaxBatchEntries) return true;
  const auto oldest = std::min_element(list.begin(), list.end(),
                                       [](const Pending& a, const Pending& b) { return a.queued < b.queued; });
  return oldest != list.end() && Steady::now() - oldest->queued >= window_;
}

void BatchedSqsQueue::send_all() {
  // Deletes first: a visibility change after the delete of the same message could only fail.
  if (!deletes_.empty()) flush_list(deletes_, true);
  if (!changes_.empty()) flush_list(changes_, false);
}

void BatchedSqsQueue::flush() {
  if (due(deletes_) || due(changes_)) send_all();
}

void BatchedSqsQueue::flush_all() {
  for (int round = 0; round < kMaxEntryAttempts && pending() > 0; ++round) send_all();
}

}  // namespace txt2pdf
