// What an SQS message body says happened: S3 event notifications (Records[], eventVersion 2.x),
// the same wrapped in an SNS envelope, EventBridge "Object Created", s3:TestEvent, or a plain
// {"bucket": ..., "key": ...} sent by hand. Pure: bytes in, values out.
// Format: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txt2pdf {

struct ObjectEvent {
  std::string bucket;
  std::string key;   // decoded: the key S3 stores
  std::string etag;  // as the event reports it (no quotes); empty when absent
  std::optional<std::uint64_t> size;
  std::string event_name;  // "ObjectCreated:Put", "Object Created", "manual"
};

enum class MessageKind {
  kObjects,    // one or more created objects to convert
  kTestEvent,  // s3:TestEvent: nothing to do, delete it
  kIgnored,    // a well-formed event with nothing to convert (e.g. only ObjectRemoved records)
};

struct ParsedMessage {
  MessageKind kind = MessageKind::kObjects;
  std::vector<ObjectEvent> objects;  // ObjectCreated records only, in message order
  std::string format;                // "s3", "sns+s3", "eventbridge", "plain", "s3:TestEvent"
};

// Throws Error(kBadInput) naming what is wrong when the body is not JSON, is none of the formats,
// or a record lacks its bucket or key.
[[nodiscard]] ParsedMessage parse_event_message(std::string_view body);

// application/x-www-form-urlencoded decoding, applied exactly once to S3 notification keys: '+' is
// a space, %XX a byte. Throws Error(kBadInput) on a truncated or non-hex escape.
[[nodiscard]] std::string form_url_decode(std::string_view encoded);

}  // namespace txt2pdf
