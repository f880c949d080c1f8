#include <algorithm>

#include "dispatcher_internal.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/core/text_safety.hpp"

namespace txt2pdf {
namespace {

using dispatcher_detail::as_error;
using std::chrono::seconds;

constexpr int kMaxSettleAttempts = 5;

// The error_kind attribute and log field: the kind's name, "unknown" for an exit code outside the table.
const char* kind_name(const std::optional<ErrorKind>& kind) { return kind ? to_string(*kind) : "unknown"; }

// Attribute values are for people reading the DLQ: any bytes (a key decoded from an event) are
// escaped into the characters SQS accepts, then cut at 1,024 bytes on a character boundary.
sqs::MessageAttribute text_attribute(const std::string& raw) {
  auto value = truncate_utf8(escape_invalid_utf8(raw, true), 1024);
  if (value.empty()) value = "-";  // SQS refuses empty attribute values
  return {"String", std::move(value)};
}

}  // namespace

void Dispatcher::dead_letter(InFlight& message, const std::string& reason, int exit_code, const std::string& kind,
                             const std::string& key) {
  if (!message.dead_lettered) {
    deps_.control_queue.send_to_dead_letters(
        message.message.body, {{"exit_code", {"Number", std::to_string(exit_code)}},
                               {"error_kind", text_attribute(kind)},
                               {"object_key", text_attribute(key)},
                               {"reason", text_attribute(reason)},
                               {"source_message_id", text_attribute(message.message.message_id)},
                               {"receive_count", {"Number", std::to_string(message.message.receive_count())}}});
    message.dead_lettered = true;
    deps_.metrics.dlq_sent();
    if (deps_.observer != nullptr) deps_.observer->dead_lettered(key, reason);
    auto log_fields = fields(message);
    log_fields.update({{"exit_code", exit_code}, {"error_kind", kind}, {"key", key}, {"reason", reason}});
    deps_.log.warn("message sent to the dead-letter queue", log_fields);
  }
  deps_.control_queue.delete_message(message.message.receipt_handle);
  deps_.metrics.message_deleted();
}

void Dispatcher::retry_later(InFlight& message, seconds delay, const std::string& reason) {
  deps_.control_queue.change_visibility(message.message.receipt_handle, delay);
  deps_.metrics.message_retried();
  auto log_fields = fields(message);
  log_fields["visible_in_s"] = delay.count();
  log_fields["reason"] = reason;
  deps_.log.warn("message returned for a retry", log_fields);
}

// Acts on a message whose tasks are all settled. Returns true when it is done with.
bool Dispatcher::settle(InFlight& message) {
  const bool leave_to_redrive = !deps_.control_queue.has_dead_letters();
  const auto delay = retry_delay(config_.retry_base_delay, message.message.receive_count());
  if (!message.malformed.empty()) {
    if (leave_to_redrive) {
      retry_later(message, delay, "malformed message, no DLQ_URL: left to the redrive policy");
    } else {
      dead_letter(message, message.malformed, kExitBadInput, "malformed-message", "");
    }
    return true;
  }
  std::vector<Outcome> outcomes;
  const Task* failed = nullptr;
  bool interrupted = false;
  for (const auto& task : message.tasks) {
    outcomes.push_back(task.outcome);
    interrupted = interrupted || task.interrupted;
    if (task.outcome == Outcome::kTransient || (task.outcome == Outcome::kPermanent && failed == nullptr))
      failed = &task;
  }
  switch (verdict_for(outcomes)) {
    case Verdict::kDelete:
      deps_.control_queue.delete_message(message.message.receipt_handle);
      deps_.metrics.message_deleted();
      deps_.log.info("message done", fields(message));
      return true;
    case Verdict::kRetry:
      if (!interrupted && !leave_to_redrive && config_.max_receive_count > 0 &&
          message.message.receive_count() >= config_.max_receive_count && failed != nullptr) {
        // The redrive policy would move it to its DLQ on the next receive, without a word: say why.
        dead_letter(message,
                    "still failing after " + std::to_string(message.message.receive_count()) +
                        " receives (the queue's maxReceiveCount): " +
                        (failed->detail.empty() ? "job exited " + std::to_string(failed->exit_code) : failed->detail),
                    failed->exit_code, failed->error_kind ? kind_name(failed->error_kind) : "transient",
                    failed->spec.object_key);
        return true;
      }
      retry_later(message, interrupted ? seconds(0) : delay, failed != nullptr ? failed->detail : "interrupted");
      return true;
    case Verdict::kDeadLetter:
      if (leave_to_redrive) {
        retry_later(message, delay, "permanent failure, no DLQ_URL: left to the redrive policy");
      } else {
        dead_letter(
            message,
            failed->detail.empty() ? std::string("job exited ") + std::to_string(failed->exit_code) : failed->detail,
            failed->exit_code, kind_name(failed->error_kind), failed->spec.object_key);
      }
      return true;
  }
  return true;
}

void Dispatcher::settle_messages() {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    auto& message = **it;
    const bool pending = std::any_of(message.tasks.begin(), message.tasks.end(),
                                     [](const Task& task) { return task.outcome == Outcome::kPending; });
    if (pending) {
      ++it;
      continue;
    }
    bool done = false;
    try {
      done = settle(message);
      deps_.metrics.sqs_call(true, deps_.clock.now());
    } catch (const std::exception& exception) {
      const auto* known = dynamic_cast<const Error*>(&exception);
      const Error error = known != nullptr ? *known : as_error(exception);
      deps_.metrics.sqs_call(false, deps_.clock.now());
      auto log_fields = fields(message);
      log_fields.update(error_fields(error));
      // A receipt that is no longer valid means SQS already gave the message to someone else (or it
      // expired): nothing more to do here. Otherwise try again next tick, then let visibility lapse.
      done = sqs::is_stale_receipt(error) || ++message.settle_attempts >= kMaxSettleAttempts;
      deps_.log.error(done ? "giving up on the message; it will reappear" : "message action failed; will retry",
                      log_fields);
    }
    it = done ? in_flight_.erase(it) : std::next(it);
  }
}

void Dispatcher::heartbeat() {
  const auto now = deps_.clock.now();
  for (auto& message : in_flight_) {
    if (now < message->next_heartbeat) continue;
    message->next_heartbeat = now + config_.visibility_timeout / 3;
    try {
      deps_.control_queue.change_visibility(message->message.receipt_handle, config_.visibility_timeout);
      deps_.metrics.sqs_call(true, now);
    } catch (const std::exception& exception) {
      deps_.metrics.sqs_call(false, now);
      const auto* known = dynamic_cast<const Error*>(&exception);
      auto log_fields = fields(*message);
      log_fields.update(error_fields(known != nullptr ? *known : as_error(exception)));
      deps_.log.warn("visibility heartbeat failed", log_fields);
    }
  }
}

}  // namespace txt2pdf
