#include "txt2pdf/dispatch/events.hpp"

#include <nlohmann/json.hpp>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/core/text_safety.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

[[noreturn]] void malformed(const std::string& what) { throw Error(ErrorKind::kBadInput, "message body: " + what); }

std::string string_field(const json& object, const char* name, const std::string& where) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    malformed(where + "." + name + " is missing or not a non-empty string");
  }
  return found->get<std::string>();
}

std::string optional_string(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<std::uint64_t> optional_size(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_number_unsigned()) return std::nullopt;
  return found->get<std::uint64_t>();
}

const json& object_field(const json& parent, const char* name, const std::string& where) {
  const auto found = parent.find(name);
  if (found == parent.end() || !found->is_object()) malformed(where + "." + name + " is missing or not an object");
  return *found;
}

// S3 keys are UTF-8 ("a sequence of Unicode characters whose UTF-8 encoding is at most 1,024 bytes
// long", S3 User Guide, "Naming objects"): an event whose key decodes to anything else, or to a NUL
// (which would cut the job's OBJECT_KEY short), names no object and is refused as malformed.
const std::string& checked_key(const std::string& key, const std::string& where) {
  if (key.find('\0') != std::string::npos) malformed(where + " contains a NUL byte (%00): not a usable S3 key");
  if (!is_valid_utf8(key)) malformed(where + " is not valid UTF-8: \"" + escape_invalid_utf8(key) + "\"");
  return key;
}

// Records[] of an S3 event notification. Keys are form-URL-encoded, except in Ceph radosgw's own
// notifications (eventSource "ceph:s3"), which carry them raw.
ParsedMessage parse_records(const json& records, std::string format) {
  if (!records.is_array()) malformed("Records is not an array");
  ParsedMessage parsed;
  parsed.format = std::move(format);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i];
    const std::string where = "Records[" + std::to_string(i) + "]";
    if (!record.is_object()) malformed(where + " is not an object");
    const auto event_name = string_field(record, "eventName", where);
    if (event_name.rfind("ObjectCreated:", 0) != 0) continue;  // removals, restores, replication...
    const auto& s3 = object_field(record, "s3", where);
    const auto& bucket = object_field(s3, "bucket", where + ".s3");
    const auto& object = object_field(s3, "object", where + ".s3");
    ObjectEvent event;
    event.bucket = string_field(bucket, "name", where + ".s3.bucket");
    const auto raw_key = string_field(object, "key", where + ".s3.object");
    event.key = optional_string(record, "eventSource") == "ceph:s3" ? raw_key : form_url_decode(raw_key);
    if (event.key.empty()) malformed(where + ".s3.object.key decodes to an empty key");
    (void)checked_key(event.key, where + ".s3.object.key");
    event.etag = optional_string(object, "eTag");
    event.size = optional_size(object, "size");
    event.event_name = event_name;
    parsed.objects.push_back(std::move(event));
  }
  parsed.kind = parsed.objects.empty() ? MessageKind::kIgnored : MessageKind::kObjects;
  return parsed;
}

// EventBridge's detail.object.key is the literal key: AWS documents no encoding for it.
ParsedMessage parse_eventbridge(const json& event) {
  ParsedMessage parsed;
  parsed.format = "eventbridge";
  const auto detail_type = optional_string(event, "detail-type");
  if (detail_type != "Object Created") {
    parsed.kind = MessageKind::kIgnored;
    return parsed;
  }
  const auto& detail = object_field(event, "detail", "event");
  ObjectEvent object_event;
  object_event.bucket = string_field(object_field(detail, "bucket", "detail"), "name", "detail.bucket");
  const auto& object = object_field(detail, "object", "detail");
  object_event.key = checked_key(string_field(object, "key", "detail.object"), "detail.object.key");
  object_event.etag = optional_string(object, "etag");
  object_event.size = optional_size(object, "size");
  object_event.event_name = detail_type;
  parsed.objects.push_back(std::move(object_event));
  return parsed;
}

ParsedMessage parse_value(const json& value, bool inside_sns) {
  if (!value.is_object()) malformed("top level is not a JSON object");
  if (value.contains("Records")) return parse_records(value["Records"], inside_sns ? "sns+s3" : "s3");
  if (optional_string(value, "Event") == "s3:TestEvent") {
    ParsedMessage parsed;
    parsed.kind = MessageKind::kTestEvent;
    parsed.format = "s3:TestEvent";
    return parsed;
  }
  if (!inside_sns && optional_string(value, "Type") == "Notification" && value.contains("Message")) {
    const auto& message = value["Message"];
    if (!message.is_string()) malformed("SNS Message is not a string");
    auto inner = json::parse(message.get<std::string>(), nullptr, false);
    if (inner.is_discarded()) malformed("SNS Message is not JSON");
    return parse_value(inner, true);
  }
  if (optional_string(value, "source") == "aws.s3" && value.contains("detail")) return parse_eventbridge(value);
  if (value.contains("bucket") && value.contains("key")) {
    ParsedMessage parsed;
    parsed.format = "plain";
    ObjectEvent event;
    event.bucket = string_field(value, "bucket", "message");
    event.key = checked_key(string_field(value, "key", "message"), "key");  // written by a person: literal
    event.event_name = "manual";
    parsed.objects.push_back(std::move(event));
    return parsed;
  }
  malformed("not an S3 event, SNS envelope, EventBridge event or {\"bucket\",\"key\"} object");
}

}  // namespace

std::string form_url_decode(std::string_view encoded) {
  std::size_t bad_at = 0;
  auto decoded = form_url_decode_once(encoded, &bad_at);
  if (!decoded) {
    throw Error(ErrorKind::kBadInput,
                "key \"" + std::string(encoded) + "\": bad or truncated %-escape at byte " + std::to_string(bad_at));
  }
  return std::move(*decoded);
}

ParsedMessage parse_event_message(std::string_view body) {
  auto value = json::parse(body, nullptr, false);
  if (value.is_discarded()) malformed("not valid JSON");
  return parse_value(value, false);
}

}  // namespace txt2pdf
