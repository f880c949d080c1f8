// The dispatcher's pure rules (what to do with a message, how long to wait) and the SQS adapter.
#include <algorithm>
#include <cmath>

#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/job/config.hpp"

namespace txt2pdf {

Outcome outcome_for_exit_code(int exit_code) {
  switch (exit_code) {
    case kExitOk:
      return Outcome::kSucceeded;
    case kExitConfig:
    case kExitBadInput:
    case kExitNotFound:
    case kExitInternal:  // a bug does not go away by running the same input again
    case kExitAccessDenied:
      return Outcome::kPermanent;
    default:
      return Outcome::kTransient;
  }
}

Verdict verdict_for(const std::vector<Outcome>& outcomes) {
  // A transient failure anywhere means the whole message comes back: the objects that succeeded
  // are found already converted next time (the job skips a PDF whose source-etag matches).
  if (std::any_of(outcomes.begin(), outcomes.end(),
                  [](Outcome o) { return o == Outcome::kTransient || o == Outcome::kPending; })) {
    return Verdict::kRetry;
  }
  if (std::any_of(outcomes.begin(), outcomes.end(), [](Outcome o) { return o == Outcome::kPermanent; })) {
    return Verdict::kDeadLetter;
  }
  return Verdict::kDelete;
}

std::chrono::seconds retry_delay(std::chrono::seconds base, int receive_count) {
  constexpr long kMaxVisibility = 43200;  // SQS's limit for VisibilityTimeout
  const int exponent = std::clamp(receive_count - 1, 0, 20);
  const long delay = base.count() * (1L << exponent);
  return std::chrono::seconds(std::min(delay, kMaxVisibility));
}

std::chrono::milliseconds receive_backoff(int consecutive_failures, double jitter) {
  const int exponent = std::clamp(consecutive_failures - 1, 0, 6);
  const double cap_seconds = std::min(60.0, static_cast<double>(1L << exponent));
  const double factor = std::clamp(jitter, 0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long>(std::lround(cap_seconds * factor * 1000.0)));
}

std::string refusal_reason(const DispatcherConfig& config, const ObjectEvent& object) {
  const auto& key = object.key;
  if (object.bucket == config.dest_bucket && key.compare(0, config.dest_prefix.size(), config.dest_prefix) == 0) {
    return "object is in DEST_BUCKET under DEST_PREFIX (an output: converting it would loop)";
  }
  if (!config.key_prefix.empty() && key.compare(0, config.key_prefix.size(), config.key_prefix) != 0) {
    return "key does not start with KEY_PREFIX";
  }
  if (!config.key_suffix.empty() &&
      (key.size() < config.key_suffix.size() ||
       key.compare(key.size() - config.key_suffix.size(), config.key_suffix.size(), config.key_suffix) != 0)) {
    return "key does not end with KEY_SUFFIX";
  }
  return {};
}

std::string destination_key(const DispatcherConfig& config, const std::string& object_key) {
  // The job's own default, so that the dispatcher verifies exactly the PDF the job writes.
  return config.dest_prefix + default_dest_key(object_key);
}

SqsMessageQueue::SqsMessageQueue(sqs::SqsClient& client, std::string queue_url, std::string dlq_url)
    : client_(client), queue_url_(std::move(queue_url)), dlq_url_(std::move(dlq_url)) {}

std::vector<sqs::Message> SqsMessageQueue::receive(int max_messages, std::chrono::seconds wait,
                                                   std::chrono::seconds visibility) {
  return client_.receive(queue_url_, sqs::ReceiveInput{max_messages, wait, visibility});
}

void SqsMessageQueue::delete_message(const std::string& receipt_handle) {
  client_.delete_message(queue_url_, receipt_handle);
}

void SqsMessageQueue::change_visibility(const std::string& receipt_handle, std::chrono::seconds timeout) {
  client_.change_visibility(queue_url_, receipt_handle, timeout);
}

void SqsMessageQueue::send_to_dead_letters(const std::string& body,
                                           const std::map<std::string, sqs::MessageAttribute>& attributes) {
  if (dlq_url_.empty()) throw Error(ErrorKind::kConfig, "DLQ_URL is not set");
  (void)client_.send(dlq_url_, body, attributes);
}

int redrive_max_receive_count(std::string_view redrive_policy) {
  const auto policy = nlohmann::json::parse(redrive_policy, nullptr, false);
  if (!policy.is_object()) return 0;
  const auto found = policy.find("maxReceiveCount");
  if (found == policy.end()) return 0;
  if (found->is_number_integer()) return std::max(0, found->get<int>());
  if (!found->is_string()) return 0;
  const auto& text = found->get_ref<const std::string&>();
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || value > 100000) return 0;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace txt2pdf
