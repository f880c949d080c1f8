#include "txt2pdf/aws/sqs.hpp"

#include <nlohmann/json.hpp>

#include "txt2pdf/aws/aws_errors.hpp"

namespace txt2pdf::sqs {
namespace {

using nlohmann::json;

HttpRequest json_request(const std::string& endpoint, std::string_view operation, const json& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint + "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "AmazonSQS." + std::string(operation)},
                     // Tells SQS to answer errors with their query-protocol code as well.
                     {"x-amzn-query-mode", "true"}};
  // Never throws: invalid UTF-8 (a key decoded from an event) becomes U+FFFD rather than a type_error.
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return request;
}

json parse_body(std::string_view body, std::string_view operation) {
  // SQS answers operations without output with "{}"; some servers send nothing at all.
  if (body.find_first_not_of(" \r\n\t") == std::string_view::npos) return json::object();
  auto value = json::parse(body, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    throw Error(ErrorKind::kTransient, "SQS " + std::string(operation) + ": reply is not a JSON object");
  }
  return value;
}

std::string string_member(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

Message parse_message(const json& item) {
  if (!item.is_object()) throw Error(ErrorKind::kTransient, "SQS ReceiveMessage: a message is not an object");
  Message message;
  message.message_id = string_member(item, "MessageId");
  message.receipt_handle = string_member(item, "ReceiptHandle");
  message.body = string_member(item, "Body");
  message.md5_of_body = string_member(item, "MD5OfBody");
  if (message.receipt_handle.empty()) {
    throw Error(ErrorKind::kTransient, "SQS ReceiveMessage: message " + message.message_id + " has no ReceiptHandle");
  }
  if (const auto found = item.find("Attributes"); found != item.end() && found->is_object()) {
    for (const auto& [name, value] : found->items()) {
      if (value.is_string()) message.attributes[name] = value.get<std::string>();
    }
  }
  if (const auto found = item.find("MessageAttributes"); found != item.end() && found->is_object()) {
    for (const auto& [name, value] : found->items()) {
      if (!value.is_object()) continue;
      MessageAttribute attribute{string_member(value, "DataType"), string_member(value, "StringValue")};
      if (attribute.string_value.empty()) attribute.string_value = string_member(value, "BinaryValue");
      message.message_attributes[name] = std::move(attribute);
    }
  }
  return message;
}

std::string short_code(std::string code) {
  const auto hash = code.rfind('#');
  if (hash != std::string::npos) code.erase(0, hash + 1);
  const auto prefix = std::string("AWS.SimpleQueueService.");
  if (code.rfind(prefix, 0) == 0) code.erase(0, prefix.size());
  return code;
}

}  // namespace

int Message::receive_count() const {
  const auto found = attributes.find("ApproximateReceiveCount");
  if (found == attributes.end()) return 1;
  try {
    const int count = std::stoi(found->second);
    return count > 0 ? count : 1;
  } catch (const std::exception&) {
    return 1;
  }
}

HttpRequest receive_message_request(const std::string& endpoint, const std::string& queue_url,
                                    const ReceiveInput& input) {
  json body = {{"QueueUrl", queue_url},
               {"MaxNumberOfMessages", input.max_messages},
               {"WaitTimeSeconds", input.wait_time.count()},
               {"AttributeNames", {"ApproximateReceiveCount", "SentTimestamp"}},
               {"MessageAttributeNames", {"All"}}};
  if (input.visibility_timeout.count() > 0) body["VisibilityTimeout"] = input.visibility_timeout.count();
  auto request = json_request(endpoint, "ReceiveMessage", body);
  // The long poll holds the reply for up to WaitTimeSeconds: the read limit must exceed it.
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(input.wait_time + std::chrono::seconds(15));
  return request;
}

HttpRequest delete_message_request(const std::string& endpoint, const std::string& queue_url,
                                   const std::string& receipt_handle) {
  return json_request(endpoint, "DeleteMessage", {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}});
}

HttpRequest change_visibility_request(const std::string& endpoint, const std::string& queue_url,
                                      const std::string& receipt_handle, std::chrono::seconds timeout) {
  return json_request(
      endpoint, "ChangeMessageVisibility",
      {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}, {"VisibilityTimeout", timeout.count()}});
}

HttpRequest send_message_request(const std::string& endpoint, const std::string& queue_url, const std::string& body,
                                 const std::map<std::string, MessageAttribute>& attributes) {
  json request_body = {{"QueueUrl", queue_url}, {"MessageBody", body}};
  if (!attributes.empty()) {
    json encoded = json::object();
    for (const auto& [name, attribute] : attributes) {
      encoded[name] = {{"DataType", attribute.data_type}, {"StringValue", attribute.string_value}};
    }
    request_body["MessageAttributes"] = std::move(encoded);
  }
  return json_request(endpoint, "SendMessage", request_body);
}

HttpRequest get_queue_attributes_request(const std::string& endpoint, const std::string& queue_url,
                                         const std::vector<std::string>& names) {
  return json_request(endpoint, "GetQueueAttributes", {{"QueueUrl", queue_url}, {"AttributeNames", names}});
}

std::vector<Message> parse_receive_message_response(std::string_view body) {
  const auto value = parse_body(body, "ReceiveMessage");
  std::vector<Message> messages;
  const auto found = value.find("Messages");
  if (found == value.end() || found->is_null()) return messages;  // the long poll timed out
  if (!found->is_array()) throw Error(ErrorKind::kTransient, "SQS ReceiveMessage: Messages is not an array");
  for (const auto& item : *found) messages.push_back(parse_message(item));
  return messages;
}

std::string parse_send_message_response(std::string_view body) {
  auto id = string_member(parse_body(body, "SendMessage"), "MessageId");
  if (id.empty()) throw Error(ErrorKind::kTransient, "SQS SendMessage: reply has no MessageId");
  return id;
}

std::map<std::string, std::string> parse_get_queue_attributes_response(std::string_view body) {
  std::map<std::string, std::string> attributes;
  const auto value = parse_body(body, "GetQueueAttributes");
  if (const auto found = value.find("Attributes"); found != value.end() && found->is_object()) {
    for (const auto& [name, item] : found->items()) {
      if (item.is_string()) attributes[name] = item.get<std::string>();
    }
  }
  return attributes;
}

Error parse_error(const HttpResponse& response) {
  std::string code;
  std::string message;
  const auto body = json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    code = string_member(body, "__type");
    message = string_member(body, "message");
    if (message.empty()) message = string_member(body, "Message");
  }
  if (const auto query_error = response.header("x-amzn-query-error")) {
    code = query_error->substr(0, query_error->find(';'));
  } else {
    code = code.substr(code.rfind('#') == std::string::npos ? 0 : code.rfind('#') + 1);
  }
  const auto request_id = response.header("x-amzn-requestid").value_or("");
  return aws_error(AwsService::kSqs, response.status, code, request_id,
                   "SQS replied HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                       (message.empty() ? "" : ": " + message));
}

bool is_stale_receipt(const Error& error) {
  const auto name = short_code(error.aws_code());
  return name == "ReceiptHandleIsInvalid" || name == "MessageNotInflight";
}

SqsClient::SqsClient(AwsClient& aws, std::string endpoint, std::string region)
    : aws_(aws), endpoint_(std::move(endpoint)), region_(std::move(region)) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

HttpResponse SqsClient::send_request(const HttpRequest& request) {
  return aws_.send(request, sigv4::Scope{region_, "sqs"}, sigv4::Options{}, parse_error);
}

std::vector<Message> SqsClient::receive(const std::string& queue_url, const ReceiveInput& input) {
  return parse_receive_message_response(send_request(receive_message_request(endpoint_, queue_url, input)).body);
}

void SqsClient::delete_message(const std::string& queue_url, const std::string& receipt_handle) {
  (void)send_request(delete_message_request(endpoint_, queue_url, receipt_handle));
}

void SqsClient::change_visibility(const std::string& queue_url, const std::string& receipt_handle,
                                  std::chrono::seconds timeout) {
  (void)send_request(change_visibility_request(endpoint_, queue_url, receipt_handle, timeout));
}

std::string SqsClient::send(const std::string& queue_url, const std::string& body,
                            const std::map<std::string, MessageAttribute>& attributes) {
  return parse_send_message_response(send_request(send_message_request(endpoint_, queue_url, body, attributes)).body);
}

std::map<std::string, std::string> SqsClient::queue_attributes(const std::string& queue_url,
                                                               const std::vector<std::string>& names) {
  return parse_get_queue_attributes_response(
      send_request(get_queue_attributes_request(endpoint_, queue_url, names)).body);
}

// ---- Batched calls: DeleteMessageBatch, ChangeMessageVisibilityBatch ----

namespace {

void check_batch(const std::vector<BatchEntry>& entries, std::string_view operation) {
  if (entries.empty() || entries.size() > kMaxBatchEntries) {
    throw Error(ErrorKind::kInternal, "SQS " + std::string(operation) + ": " + std::to_string(entries.size()) +
                                          " entries (1.." + std::to_string(kMaxBatchEntries) + " allowed)");
  }
}

}  // namespace

HttpRequest delete_message_batch_request(const std::string& endpoint, const std::string& queue_url,
                                         const std::vector<BatchEntry>& entries) {
  check_batch(entries, "DeleteMessageBatch");
  json list = json::array();
  for (const auto& entry : entries) list.push_back({{"Id", entry.id}, {"ReceiptHandle", entry.receipt_handle}});
  return json_request(endpoint, "DeleteMessageBatch", {{"QueueUrl", queue_url}, {"Entries", std::move(list)}});
}

HttpRequest change_visibility_batch_request(const std::string& endpoint, const std::string& queue_url,
                                            const std::vector<BatchEntry>& entries) {
  check_batch(entries, "ChangeMessageVisibilityBatch");
  json list = json::array();
  for (const auto& entry : entries) {
    list.push_back({{"Id", entry.id},
                    {"ReceiptHandle", entry.receipt_handle},
                    {"VisibilityTimeout", entry.visibility_timeout.count()}});
  }
  return json_request(endpoint, "ChangeMessageVisibilityBatch",
                      {{"QueueUrl", queue_url}, {"Entries", std::move(list)}});
}

namespace {

template <typename Entry>
std::vector<std::string> ids_of(const std::vector<Entry>& entries) {
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const auto& entry : entries) ids.push_back(entry.id);
  return ids;
}

}  // namespace

std::vector<std::string> entry_ids(const std::vector<BatchEntry>& entries) { return ids_of(entries); }
std::vector<std::string> entry_ids(const std::vector<SendBatchEntry>& entries) { return ids_of(entries); }

BatchResult parse_batch_response(std::string_view body, std::string_view operation,
                                 const std::vector<std::string>& sent_ids) {
  const auto value = parse_body(body, operation);
  const auto malformed = [&operation](const std::string& what) {
    return Error(ErrorKind::kTransient, "SQS " + std::string(operation) + ": " + what);
  };
  const auto list = [&](const char* name) -> const json* {
    const auto found = value.find(name);
    if (found == value.end() || found->is_null()) return nullptr;
    if (!found->is_array()) throw malformed(std::string(name) + " is not an array");
    return &*found;
  };
  const auto id_of = [&](const json& item, const char* name) {
    auto id = item.is_object() ? string_member(item, "Id") : std::string();
    if (id.empty()) throw malformed(std::string("a ") + name + " entry has no Id");
    return id;
  };
  BatchResult result;
  std::map<std::string, bool> answered;
  if (const auto* successful = list("Successful")) {
    for (const auto& item : *successful) {
      result.successful.push_back(id_of(item, "Successful"));
      answered[result.successful.back()] = true;
    }
  }
  if (const auto* failed = list("Failed")) {
    for (const auto& item : *failed) {
      BatchFailure failure;
      failure.id = id_of(item, "Failed");
      const auto fault = item.find("SenderFault");
      failure.sender_fault = fault != item.end() && fault->is_boolean() && fault->get<bool>();
      failure.code = string_member(item, "Code");
      failure.message = string_member(item, "Message");
      answered[failure.id] = true;
      result.failed.push_back(std::move(failure));
    }
  }
  for (const auto& id : sent_ids) {
    if (answered.count(id) == 0) {
      result.failed.push_back(
          {id, false, "MissingFromReply", "the reply lists this entry neither as successful nor as failed"});
    }
  }
  return result;
}

bool is_stale_receipt_code(const std::string& code) {
  const auto name = short_code(code);
  return name == "ReceiptHandleIsInvalid" || name == "MessageNotInflight";
}

bool batch_failure_retryable(const BatchFailure& failure) {
  if (is_stale_receipt_code(failure.code)) return false;
  // The one AWS error table decides for codes such as RequestThrottled; status 400 stands for
  // "a sender fault that names no more".
  return !failure.sender_fault ||
         classify_aws_error(AwsService::kSqs, 400, short_code(failure.code)).kind == ErrorKind::kTransient;
}

BatchResult SqsClient::delete_message_batch(const std::string& queue_url, const std::vector<BatchEntry>& entries) {
  return parse_batch_response(send_request(delete_message_batch_request(endpoint_, queue_url, entries)).body,
                              "DeleteMessageBatch", entry_ids(entries));
}

BatchResult SqsClient::change_visibility_batch(const std::string& queue_url, const std::vector<BatchEntry>& entries) {
  return parse_batch_response(send_request(change_visibility_batch_request(endpoint_, queue_url, entries)).body,
                              "ChangeMessageVisibilityBatch", entry_ids(entries));
}

// ------------------------------------------------------------------------ SendMessageBatch

namespace {

bool valid_batch_id(const std::string& id) {
  if (id.empty() || id.size() > 80) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

HttpRequest send_message_batch_request(const std::string& endpoint, const std::string& queue_url,
                                       const std::vector<SendBatchEntry>& entries) {
  if (entries.empty() || entries.size() > kMaxBatchEntries) {
    throw Error(ErrorKind::kInternal, "SendMessageBatch takes 1 to 10 entries, not " + std::to_string(entries.size()));
  }
  json items = json::array();
  for (const auto& entry : entries) {
    if (!valid_batch_id(entry.id))
      throw Error(ErrorKind::kInternal, "SendMessageBatch: bad entry id '" + entry.id + "'");
    json item = {{"Id", entry.id}, {"MessageBody", entry.body}};
    if (!entry.attributes.empty()) {
      json encoded = json::object();
      for (const auto& [name, attribute] : entry.attributes) {
        encoded[name] = {{"DataType", attribute.data_type}, {"StringValue", attribute.string_value}};
      }
      item["MessageAttributes"] = std::move(encoded);
    }
    items.push_back(std::move(item));
  }
  return json_request(endpoint, "SendMessageBatch", {{"QueueUrl", queue_url}, {"Entries", std::move(items)}});
}

BatchResult SqsClient::send_batch(const std::string& queue_url, const std::vector<SendBatchEntry>& entries) {
  return parse_batch_response(send_request(send_message_batch_request(endpoint_, queue_url, entries)).body,
                              "SendMessageBatch", entry_ids(entries));
}

}  // namespace txt2pdf::sqs
