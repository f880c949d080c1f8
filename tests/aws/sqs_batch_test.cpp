// SendMessageBatch: the request (botocore's JSON shape), the reply with Successful[] and Failed[],
// and which failures are worth sending again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_files.hpp"
#include "txt2pdf/aws/sqs.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

TEST(SendMessageBatchRequest, EntriesWithIdsBodiesAndAttributes) {
  std::vector<sqs::SendBatchEntry> entries{{"m0", "{\"a\":1}", {}},
                                           {"m1", "two", {{"origin", {"String", "backfill"}}}}};
  const auto request = sqs::send_message_batch_request("http://127.0.0.1:9324", "http://q/000000000000/jobs", entries);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9324/");
  EXPECT_EQ(find_header(request.headers, "X-Amz-Target"), "AmazonSQS.SendMessageBatch");
  EXPECT_EQ(find_header(request.headers, "Content-Type"), "application/x-amz-json-1.0");
  const json expected = {
      {"QueueUrl", "http://q/000000000000/jobs"},
      {"Entries",
       {{{"Id", "m0"}, {"MessageBody", "{\"a\":1}"}},
        {{"Id", "m1"},
         {"MessageBody", "two"},
         {"MessageAttributes", {{"origin", {{"DataType", "String"}, {"StringValue", "backfill"}}}}}}}}};
  EXPECT_EQ(json::parse(request.body), expected);
}

TEST(SendMessageBatchRequest, RefusesWhatSqsWouldRefuse) {
  EXPECT_THROW((void)sqs::send_message_batch_request("e", "q", {}), Error);
  std::vector<sqs::SendBatchEntry> eleven(11, {"x", "b", {}});
  for (std::size_t i = 0; i < eleven.size(); ++i) eleven[i].id = "m" + std::to_string(i);
  EXPECT_THROW((void)sqs::send_message_batch_request("e", "q", eleven), Error);
  EXPECT_THROW((void)sqs::send_message_batch_request("e", "q", {{"bad id", "b", {}}}), Error);
  EXPECT_THROW((void)sqs::send_message_batch_request("e", "q", {{std::string(81, 'a'), "b", {}}}), Error);
}

TEST(SendMessageBatchResponse, SuccessfulAndFailedEntries) {
  const auto result = sqs::parse_batch_response(
      testing::read_test_file(std::string(TXT2PDF_TEST_DATA_DIR) + "/aws/sqs-SendMessageBatch.response-partial.json"),
      "SendMessageBatch", {"m0", "m1", "m2", "m3", "m4"});
  EXPECT_EQ(result.successful, (std::vector<std::string>{"m0", "m2"}));
  ASSERT_EQ(result.failed.size(), 3u);
  EXPECT_EQ(result.failed[0].id, "m1");
  EXPECT_EQ(result.failed[0].code, "InternalError");
  EXPECT_FALSE(result.failed[0].sender_fault);
  EXPECT_TRUE(sqs::batch_failure_retryable(result.failed[0]));
  EXPECT_TRUE(result.failed[1].sender_fault);
  EXPECT_FALSE(sqs::batch_failure_retryable(result.failed[1]));  // the entry itself is wrong
  EXPECT_TRUE(sqs::batch_failure_retryable(result.failed[2]));   // throttled: later works
}

TEST(SendMessageBatchResponse, MalformedRepliesAreTransient) {
  for (const char* body : {"[]", "{\"Successful\":{}}", "{\"Failed\":[{\"Code\":\"x\"}]}", "{\"Successful\":[{}]}"}) {
    try {
      (void)sqs::parse_batch_response(body, "SendMessageBatch", {});
      ADD_FAILURE() << body;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kTransient) << body;
    }
  }
  EXPECT_TRUE(sqs::parse_batch_response("{}", "SendMessageBatch", {}).successful.empty());
}

}  // namespace
}  // namespace txt2pdf
