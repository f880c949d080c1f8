// Amazon SQS over the JSON protocol (X-Amz-Target: AmazonSQS.<Operation>,
// Content-Type: application/x-amz-json-1.0), as current AWS SDKs speak it. Request builders and
// response/error parsers are pure (tested on ../shared/conformance/sqs/json); SqsClient sends
// them through AwsClient (SigV4 service "sqs").
// API reference: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/net/http.hpp"

namespace txt2pdf::sqs {

struct ReceiveInput {
  int max_messages = 10;                       // 1..10
  std::chrono::seconds wait_time{20};          // long poll, 0..20
  std::chrono::seconds visibility_timeout{0};  // 0: the queue's default
};

struct MessageAttribute {
  std::string data_type;  // "String", "Number", "Binary" (binary values are kept base64)
  std::string string_value;
};

struct Message {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::string md5_of_body;
  std::map<std::string, std::string> attributes;  // ApproximateReceiveCount, SentTimestamp...
  std::map<std::string, MessageAttribute> message_attributes;
  // ApproximateReceiveCount as a number (1 when absent or malformed).
  [[nodiscard]] int receive_count() const;
};

// Builders: `endpoint` is the service URL ("https://sqs.us-east-1.amazonaws.com" or a stand-in's
// base URL); the request goes to "<endpoint>/" with QueueUrl in the body, as botocore does, so a
// queue URL whose host does not resolve (fauxqs) still works.
[[nodiscard]] HttpRequest receive_message_request(const std::string& endpoint, const std::string& queue_url,
                                                  const ReceiveInput& input);
[[nodiscard]] HttpRequest delete_message_request(const std::string& endpoint, const std::string& queue_url,
                                                 const std::string& receipt_handle);
[[nodiscard]] HttpRequest change_visibility_request(const std::string& endpoint, const std::string& queue_url,
                                                    const std::string& receipt_handle, std::chrono::seconds timeout);
[[nodiscard]] HttpRequest send_message_request(const std::string& endpoint, const std::string& queue_url,
                                               const std::string& body,
                                               const std::map<std::string, MessageAttribute>& attributes);
[[nodiscard]] HttpRequest get_queue_attributes_request(const std::string& endpoint, const std::string& queue_url,
                                                       const std::vector<std::string>& names);

// Parsers. Throw Error(kTransient) when a 2xx body is not the documented shape.
[[nodiscard]] std::vector<Message> parse_receive_message_response(std::string_view body);
[[nodiscard]] std::string parse_send_message_response(std::string_view body);  // the MessageId
[[nodiscard]] std::map<std::string, std::string> parse_get_queue_attributes_response(std::string_view body);

// ------------------------------------------------------------------------ SendMessageBatch
// Up to 10 messages per call (and 256 KiB in all). A 200 reply can still fail some entries: each
// Failed[] entry is handed back to the caller to retry on its own, never taken as sent.
struct SendBatchEntry {
  std::string id;  // unique within the call: [A-Za-z0-9_-]{1,80}
  std::string body;
  std::map<std::string, MessageAttribute> attributes;
};

inline constexpr std::size_t kMaxBatchEntries = 10;

// Throws Error(kInternal) for 0 or more than 10 entries, or an id that SQS would refuse.
[[nodiscard]] HttpRequest send_message_batch_request(const std::string& endpoint, const std::string& queue_url,
                                                     const std::vector<SendBatchEntry>& entries);
// The error code clients switch on: x-amzn-query-error's code when present (the query-protocol
// name, e.g. "AWS.SimpleQueueService.NonExistentQueue"), else __type after '#'.
// Kinds: throttling and 5xx → kTransient; missing queue → kNotFound; invalid or stale receipt
// handle → kNotFound; credential and permission codes → kAccessDenied; other 4xx → kInternal
// (a request we built wrong).
[[nodiscard]] Error parse_error(const HttpResponse& response);

// True for the codes meaning "this receipt handle no longer refers to an in-flight message"
// (ReceiptHandleIsInvalid, MessageNotInflight, in either naming).
[[nodiscard]] bool is_stale_receipt(const Error& error);

// ---- Batched calls: DeleteMessageBatch, ChangeMessageVisibilityBatch ----
// Up to kMaxBatchEntries entries per call, each with an Id unique in the call ([A-Za-z0-9_-],
// at most 80 characters). A 200 reply lists each entry in Successful[] or Failed[]; the caller
// must handle every Failed[] entry on its own (parse_batch_response also reports an entry the
// reply does not mention as failed, code "MissingFromReply": nothing is assumed done).
// SendMessageBatch answers in the same shape: BatchResult and parse_batch_response serve all three.

struct BatchEntry {
  std::string id;
  std::string receipt_handle;
  std::chrono::seconds visibility_timeout{0};  // ChangeMessageVisibilityBatch only
};

struct BatchFailure {
  std::string id;
  bool sender_fault = false;  // true: this entry is wrong (e.g. a stale receipt); false: SQS's side
  std::string code;           // e.g. "ReceiptHandleIsInvalid", "InternalError"
  std::string message;
};

struct BatchResult {
  std::vector<std::string> successful;  // Ids of Successful[] (for SendMessageBatch: the messages sent)
  std::vector<BatchFailure> failed;
};

[[nodiscard]] HttpRequest delete_message_batch_request(const std::string& endpoint, const std::string& queue_url,
                                                       const std::vector<BatchEntry>& entries);
[[nodiscard]] HttpRequest change_visibility_batch_request(const std::string& endpoint, const std::string& queue_url,
                                                          const std::vector<BatchEntry>& entries);
// The Ids of a request's entries, in order (parse_batch_response's `sent_ids`).
[[nodiscard]] std::vector<std::string> entry_ids(const std::vector<BatchEntry>& entries);
[[nodiscard]] std::vector<std::string> entry_ids(const std::vector<SendBatchEntry>& entries);
// The reply of any of the three batched calls. `sent_ids`: the Ids of the request's entries, to
// find those the reply leaves out. Throws Error(kTransient) when the body is not the documented
// shape (not an object, a list that is not an array, an entry without its Id).
[[nodiscard]] BatchResult parse_batch_response(std::string_view body, std::string_view operation,
                                               const std::vector<std::string>& sent_ids);
// A failed entry worth sending again: SQS's fault (SenderFault false) or a throttling code. A
// stale receipt (is_stale_receipt_code) is not: that message is no longer ours to act on.
[[nodiscard]] bool batch_failure_retryable(const BatchFailure& failure);
[[nodiscard]] bool is_stale_receipt_code(const std::string& code);

// One client per thread (the HttpClient underneath is not thread-safe).
class SqsClient {
 public:
  SqsClient(AwsClient& aws, std::string endpoint, std::string region);

  [[nodiscard]] std::vector<Message> receive(const std::string& queue_url, const ReceiveInput& input);
  void delete_message(const std::string& queue_url, const std::string& receipt_handle);
  void change_visibility(const std::string& queue_url, const std::string& receipt_handle, std::chrono::seconds timeout);
  std::string send(const std::string& queue_url, const std::string& body,
                   const std::map<std::string, MessageAttribute>& attributes);
  // One SendMessageBatch call: what was sent and what failed (the caller retries Failed[]).
  [[nodiscard]] BatchResult send_batch(const std::string& queue_url, const std::vector<SendBatchEntry>& entries);
  [[nodiscard]] std::map<std::string, std::string> queue_attributes(const std::string& queue_url,
                                                                    const std::vector<std::string>& names);
  // Batched calls (at most kMaxBatchEntries entries). Throw Error as the single calls do when the
  // whole call fails; per-entry failures are in the result.
  [[nodiscard]] BatchResult delete_message_batch(const std::string& queue_url, const std::vector<BatchEntry>& entries);
  [[nodiscard]] BatchResult change_visibility_batch(const std::string& queue_url,
                                                    const std::vector<BatchEntry>& entries);

 private:
  HttpResponse send_request(const HttpRequest& request);

  AwsClient& aws_;
  std::string endpoint_;
  std::string region_;
};

}  // namespace txt2pdf::sqs
