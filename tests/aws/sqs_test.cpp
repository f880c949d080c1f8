// SQS JSON protocol: builders against the botocore-generated request samples, parsers against the
// response and error samples of ../shared/conformance/sqs/ (index.json says what botocore parsed).
#include "txt2pdf/aws/sqs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace txt2pdf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const fs::path kSqs = fs::path(TXT2PDF_CONFORMANCE_DIR) / "sqs";
const std::string kEndpoint = "https://sqs.us-east-1.amazonaws.com";

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const json& index_json() {
  static const json index = json::parse(read(kSqs / "index.json"));
  return index;
}

const json& entry(const char* section, const std::string& operation, const std::string& body_file = "") {
  for (const auto& item : index_json()[section]) {
    if (item["protocol"] == "json" && item["operation"] == operation &&
        (body_file.empty() || item["body_file"] == body_file)) {
      return item;
    }
  }
  throw std::runtime_error("no sample for " + operation);
}

void expect_matches_sample(const HttpRequest& request, const std::string& operation) {
  const auto& sample = entry("requests", operation);
  EXPECT_EQ(request.method, sample["method"].get<std::string>());
  EXPECT_EQ(request.url, kEndpoint + sample["path"].get<std::string>());
  for (const auto& [name, value] : sample["headers"].items()) {
    EXPECT_EQ(find_header(request.headers, name), value.get<std::string>()) << operation << " " << name;
  }
  EXPECT_EQ(json::parse(request.body), json::parse(read(kSqs / sample["body_file"].get<std::string>()))) << operation;
}

TEST(SqsRequests, MatchBotocoreJsonSerializer) {
  const auto& receive = entry("requests", "ReceiveMessage")["params"];
  const auto queue = receive["QueueUrl"].get<std::string>();
  sqs::ReceiveInput input;
  input.max_messages = receive["MaxNumberOfMessages"];
  input.wait_time = std::chrono::seconds(receive["WaitTimeSeconds"].get<int>());
  input.visibility_timeout = std::chrono::seconds(receive["VisibilityTimeout"].get<int>());
  expect_matches_sample(sqs::receive_message_request(kEndpoint, queue, input), "ReceiveMessage");

  const auto handle = entry("requests", "DeleteMessage")["params"]["ReceiptHandle"].get<std::string>();
  expect_matches_sample(sqs::delete_message_request(kEndpoint, queue, handle), "DeleteMessage");
  expect_matches_sample(sqs::change_visibility_request(kEndpoint, queue, handle, std::chrono::seconds(0)),
                        "ChangeMessageVisibility");

  const auto& send = entry("requests", "SendMessage")["params"];
  std::map<std::string, sqs::MessageAttribute> attributes;
  for (const auto& [name, value] : send["MessageAttributes"].items()) {
    attributes[name] = {value["DataType"], value["StringValue"]};
  }
  auto send_request = sqs::send_message_request(kEndpoint, queue, send["MessageBody"], attributes);
  // botocore also sends DelaySeconds 0 (the default); compare without it.
  auto expected = json::parse(read(kSqs / entry("requests", "SendMessage")["body_file"].get<std::string>()));
  expected.erase("DelaySeconds");
  EXPECT_EQ(json::parse(send_request.body), expected);

  const auto& attrs = entry("requests", "GetQueueAttributes")["params"];
  expect_matches_sample(
      sqs::get_queue_attributes_request(kEndpoint, queue, attrs["AttributeNames"].get<std::vector<std::string>>()),
      "GetQueueAttributes");
}

TEST(SqsRequests, LongPollReadTimeoutExceedsTheWait) {
  sqs::ReceiveInput input;
  input.wait_time = std::chrono::seconds(20);
  const auto request = sqs::receive_message_request(kEndpoint, "q", input);
  EXPECT_GT(request.timeout, std::chrono::milliseconds(20000));
  EXPECT_FALSE(json::parse(request.body).contains("VisibilityTimeout"));  // 0 means the queue's default
}

TEST(SqsResponses, ReceiveMessageAsBotocoreParsesIt) {
  const auto& sample = entry("responses", "ReceiveMessage", "json/ReceiveMessage.response.json");
  const auto messages = sqs::parse_receive_message_response(read(kSqs / sample["body_file"].get<std::string>()));
  const auto& expected = sample["botocore_parsed"]["parsed"]["Messages"];
  ASSERT_EQ(messages.size(), expected.size());
  EXPECT_EQ(messages[0].message_id, expected[0]["MessageId"].get<std::string>());
  EXPECT_EQ(messages[0].receipt_handle, expected[0]["ReceiptHandle"].get<std::string>());
  EXPECT_EQ(messages[0].body, expected[0]["Body"].get<std::string>());
  EXPECT_EQ(messages[0].md5_of_body, expected[0]["MD5OfBody"].get<std::string>());
  EXPECT_EQ(messages[0].attributes.at("SentTimestamp"), expected[0]["Attributes"]["SentTimestamp"].get<std::string>());
  EXPECT_EQ(messages[0].receive_count(), 1);
  // The body is the S3 event of ../events/s3-put-single.json, byte for byte.
  EXPECT_EQ(json::parse(messages[0].body), json::parse(read(kSqs / ".." / "events" / "s3-put-single.json")));
}

TEST(SqsResponses, EmptyLongPollAndOthers) {
  EXPECT_TRUE(sqs::parse_receive_message_response(read(kSqs / "json/ReceiveMessage.empty.response.json")).empty());
  EXPECT_TRUE(sqs::parse_receive_message_response("").empty());
  EXPECT_EQ(sqs::parse_send_message_response(read(kSqs / "json/SendMessage.response.json")),
            "5fea7756-0ea4-451a-a703-a558b933e274");
  const auto attributes =
      sqs::parse_get_queue_attributes_response(read(kSqs / "json/GetQueueAttributes.response.json"));
  EXPECT_EQ(attributes.at("ApproximateNumberOfMessages"), "3");
  EXPECT_EQ(json::parse(attributes.at("RedrivePolicy"))["maxReceiveCount"], 5);
}

TEST(SqsResponses, MalformedRepliesAreTransient) {
  for (const char* body : {"<html>", R"({"Messages":{}})", R"({"Messages":[{"MessageId":"x"}]})", "[]"}) {
    try {
      (void)sqs::parse_receive_message_response(body);
      ADD_FAILURE() << body;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kTransient) << body;
    }
  }
}

TEST(SqsResponses, ReceiveCountAndMessageAttributes) {
  const auto messages = sqs::parse_receive_message_response(
      R"({"Messages":[{"MessageId":"m","ReceiptHandle":"r","Body":"b","Attributes":{"ApproximateReceiveCount":"3"},)"
      R"("MessageAttributes":{"exit_code":{"DataType":"Number","StringValue":"65"}}}]})");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].receive_count(), 3);
  EXPECT_EQ(messages[0].message_attributes.at("exit_code").data_type, "Number");
  EXPECT_EQ(messages[0].message_attributes.at("exit_code").string_value, "65");
}

HttpResponse error_response(const json& sample) {
  HttpResponse response;
  response.status = sample["http_status"];
  for (const auto& [name, value] : sample["headers"].items()) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(lower, value.get<std::string>());
  }
  response.body = read(kSqs / sample["body_file"].get<std::string>());
  return response;
}

TEST(SqsErrors, CodeIsWhatBotocoreParses) {
  int checked = 0;
  for (const auto& sample : index_json()["errors"]) {
    if (sample["protocol"] != "json") continue;
    const auto response = error_response(sample);
    const auto error = sqs::parse_error(response);
    const auto& parsed = sample["botocore_parsed"]["parsed"];
    EXPECT_EQ(error.aws_code(), parsed["Error"]["Code"].get<std::string>());
    EXPECT_EQ(error.http_status(), 400);
    EXPECT_EQ(error.kind(), ErrorKind::kNotFound) << error.aws_code();
    EXPECT_FALSE(error.retryable());
    if (sample["headers"].contains("x-amzn-RequestId")) {
      EXPECT_EQ(error.request_id(), sample["headers"]["x-amzn-RequestId"].get<std::string>());
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(SqsErrors, WithoutQueryHeaderTheTypeSuffixIsTheCode) {
  HttpResponse response;
  response.status = 400;
  response.body = read(kSqs / "json/errors/ReceiptHandleIsInvalid.json");
  const auto error = sqs::parse_error(response);
  EXPECT_EQ(error.aws_code(), "ReceiptHandleIsInvalid");
  EXPECT_TRUE(sqs::is_stale_receipt(error));
  response.body = read(kSqs / "json/errors/MessageNotInflight.json");
  EXPECT_TRUE(sqs::is_stale_receipt(sqs::parse_error(response)));
  response.body = read(kSqs / "json/errors/QueueDoesNotExist.json");
  EXPECT_FALSE(sqs::is_stale_receipt(sqs::parse_error(response)));
}

TEST(SqsErrors, KindsFromCodesAndStatus) {
  auto kind_of = [](int status, const std::string& body) {
    HttpResponse response;
    response.status = status;
    response.body = body;
    return sqs::parse_error(response).kind();
  };
  EXPECT_EQ(kind_of(400, R"({"__type":"com.amazonaws.sqs#ThrottlingException"})"), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(400, R"({"__type":"com.amazon.coral.service#InvalidClientTokenId"})"), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(403, R"({"__type":"com.amazon.coral.service#AccessDeniedException"})"), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(500, R"({"__type":"com.amazonaws.sqs#InternalError"})"), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(503, "<html>busy</html>"), ErrorKind::kTransient);
  // An unknown 4xx is config for every service (aws_errors.hpp says why); it was internal for SQS.
  EXPECT_EQ(kind_of(400, R"({"__type":"com.amazonaws.sqs#InvalidParameterValue"})"), ErrorKind::kConfig);
}

// SqsClient end to end over a fake transport: signed, sent to the endpoint with QueueUrl in the body.
class FakeHttp : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    return reply;
  }
  std::vector<HttpRequest> requests;
  HttpResponse reply;
};

class FixedCredentials : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKIDEXAMPLE", "secret", "", std::nullopt}; }
};

class FixedClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::from_time_t(1700000000);
  }
  bool sleep_for(std::chrono::milliseconds) override { return true; }
};

TEST(SqsClient, SignsForSqsAndPostsToTheEndpoint) {
  FakeHttp http;
  FixedCredentials credentials;
  FixedClock clock;
  AwsClient aws(http, credentials, clock);
  sqs::SqsClient client(aws, "http://127.0.0.1:9324/", "eu-west-1");
  http.reply.status = 200;
  http.reply.body = read(kSqs / "json/ReceiveMessage.response.json");
  const auto messages = client.receive("http://sqs.eu-west-1.localhost:9324/000000000000/jobs", {});
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& sent = http.requests[0];
  EXPECT_EQ(sent.url, "http://127.0.0.1:9324/");
  EXPECT_EQ(json::parse(sent.body)["QueueUrl"], "http://sqs.eu-west-1.localhost:9324/000000000000/jobs");
  const auto authorization = find_header(sent.headers, "Authorization").value_or("");
  EXPECT_NE(authorization.find("/eu-west-1/sqs/aws4_request"), std::string::npos) << authorization;
  EXPECT_NE(authorization.find("x-amz-target"), std::string::npos) << "the target header must be signed";

  http.reply.status = 400;
  http.reply.headers = {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}};
  http.reply.body = read(kSqs / "json/errors/QueueDoesNotExist.json");
  try {
    client.delete_message("q", "r");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(error.aws_code(), "AWS.SimpleQueueService.NonExistentQueue");
  }
}

// ---- Batched calls -----------------------------------------------------------------------------

const fs::path kTestData = fs::path(TXT2PDF_TEST_DATA_DIR) / "aws";

// The Ids botocore's own batch samples carry, in order (query-XML samples; the JSON reply has the
// same members).
std::vector<std::string> sample_ids(const std::string& file) {
  const auto xml = read(kSqs / "query-xml/botocore/responses" / file);
  std::vector<std::string> ids;
  for (std::size_t at = xml.find("<Id>"); at != std::string::npos; at = xml.find("<Id>", at + 1)) {
    ids.push_back(xml.substr(at + 4, xml.find("</Id>", at) - at - 4));
  }
  return ids;
}

TEST(SqsBatch, RequestsCarryEveryEntry) {
  const std::vector<sqs::BatchEntry> entries{{"0", "rh-a", std::chrono::seconds(30)},
                                             {"1", "rh-b", std::chrono::seconds(0)}};
  const auto remove = sqs::delete_message_batch_request(kEndpoint, "https://q/1/jobs", entries);
  EXPECT_EQ(find_header(remove.headers, "X-Amz-Target"), "AmazonSQS.DeleteMessageBatch");
  EXPECT_EQ(json::parse(remove.body), json::parse(R"({"QueueUrl": "https://q/1/jobs", "Entries": [
      {"Id": "0", "ReceiptHandle": "rh-a"}, {"Id": "1", "ReceiptHandle": "rh-b"}]})"));
  const auto change = sqs::change_visibility_batch_request(kEndpoint, "https://q/1/jobs", entries);
  EXPECT_EQ(find_header(change.headers, "X-Amz-Target"), "AmazonSQS.ChangeMessageVisibilityBatch");
  EXPECT_EQ(json::parse(change.body)["Entries"][0]["VisibilityTimeout"], 30);
  EXPECT_EQ(json::parse(change.body)["Entries"][1]["VisibilityTimeout"], 0);
  EXPECT_THROW((void)sqs::delete_message_batch_request(kEndpoint, "q", {}), Error);
  EXPECT_THROW((void)sqs::delete_message_batch_request(kEndpoint, "q", std::vector<sqs::BatchEntry>(11, entries[0])),
               Error);
}

TEST(SqsBatch, AllSuccessfulAsInBotocoreSamples) {
  for (const auto* file : {"sqs-delete-message-batch.xml", "sqs-change-message-visibility-batch.xml"}) {
    const auto ids = sample_ids(file);
    ASSERT_EQ(ids.size(), 2u) << file;
    json reply = {{"Successful", json::array()}, {"Failed", json::array()}};
    std::vector<sqs::BatchEntry> sent;
    for (const auto& id : ids) {
      reply["Successful"].push_back({{"Id", id}});
      sent.push_back({id, "rh-" + id, std::chrono::seconds(0)});
    }
    const auto result = sqs::parse_batch_response(reply.dump(), "Batch", sqs::entry_ids(sent));
    EXPECT_EQ(result.successful, ids) << file;
    EXPECT_TRUE(result.failed.empty()) << file;
  }
}

TEST(SqsBatch, EveryFailedEntryIsReportedOnItsOwn) {
  const std::vector<sqs::BatchEntry> sent{{"0", "a", {}}, {"1", "b", {}}, {"2", "c", {}}};
  const auto result = sqs::parse_batch_response(read(kTestData / "sqs-DeleteMessageBatch.response-partial.json"),
                                                "DeleteMessageBatch", sqs::entry_ids(sent));
  EXPECT_EQ(result.successful, std::vector<std::string>{"0"});
  ASSERT_EQ(result.failed.size(), 2u);
  EXPECT_EQ(result.failed[0].id, "1");
  EXPECT_TRUE(result.failed[0].sender_fault);
  EXPECT_TRUE(sqs::is_stale_receipt_code(result.failed[0].code));
  EXPECT_FALSE(sqs::batch_failure_retryable(result.failed[0])) << "a stale receipt is not ours to retry";
  EXPECT_EQ(result.failed[1].id, "2");
  EXPECT_FALSE(result.failed[1].sender_fault);
  EXPECT_TRUE(sqs::batch_failure_retryable(result.failed[1])) << "SQS's own fault: send again";

  const auto throttled =
      sqs::parse_batch_response(read(kTestData / "sqs-ChangeMessageVisibilityBatch.response-throttled.json"),
                                "ChangeMessageVisibilityBatch", {"0", "1"});
  ASSERT_EQ(throttled.failed.size(), 1u);
  EXPECT_TRUE(sqs::batch_failure_retryable(throttled.failed[0])) << "throttling is retried even as a sender fault";
  EXPECT_FALSE(sqs::batch_failure_retryable({"x", true, "InvalidParameterValue", "bad"}));
}

TEST(SqsBatch, AnEntryTheReplyForgetsIsNotDone) {
  const auto result = sqs::parse_batch_response(R"({"Successful": [{"Id": "0"}]})", "DeleteMessageBatch", {"0", "1"});
  ASSERT_EQ(result.failed.size(), 1u);
  EXPECT_EQ(result.failed[0].id, "1");
  EXPECT_EQ(result.failed[0].code, "MissingFromReply");
  EXPECT_TRUE(sqs::batch_failure_retryable(result.failed[0]));
  EXPECT_THROW((void)sqs::parse_batch_response(R"({"Successful": {}})", "X", {}), Error);
  EXPECT_THROW((void)sqs::parse_batch_response("[1]", "X", {}), Error);
  // A Failed entry must say which entry failed: without its Id the reply is not trusted at all.
  EXPECT_THROW((void)sqs::parse_batch_response(R"({"Failed": [{"Code": "InternalError"}]})", "X", {"0"}), Error);
}

TEST(SqsBatch, OneParserForEveryBatchedCall) {
  // SendMessageBatch's reply has DeleteMessageBatch's shape, and a forgotten entry is not sent.
  const auto result =
      sqs::parse_batch_response(R"({"Successful": [{"Id": "m0", "MessageId": "x"}]})", "SendMessageBatch",
                                sqs::entry_ids(std::vector<sqs::SendBatchEntry>{{"m0", "a", {}}, {"m1", "b", {}}}));
  EXPECT_EQ(result.successful, std::vector<std::string>{"m0"});
  ASSERT_EQ(result.failed.size(), 1u);
  EXPECT_EQ(result.failed[0].id, "m1");
  EXPECT_TRUE(sqs::batch_failure_retryable(result.failed[0]));
}

TEST(SqsBatch, ClientSendsTheBatch) {
  FakeHttp http;
  FixedCredentials credentials;
  FixedClock clock;
  AwsClient aws(http, credentials, clock);
  sqs::SqsClient client(aws, "http://127.0.0.1:9324", "us-east-1");
  http.reply.status = 200;
  http.reply.body = R"({"Successful": [{"Id": "0"}], "Failed": []})";
  const auto result = client.delete_message_batch("http://q/1/jobs", {{"0", "rh", {}}});
  EXPECT_EQ(result.successful, std::vector<std::string>{"0"});
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(find_header(http.requests[0].headers, "X-Amz-Target"), "AmazonSQS.DeleteMessageBatch");
}

}  // namespace
}  // namespace txt2pdf
