// `txt2pdf-dispatcher backfill`, pure half: arguments, the S3 event body (read back by the
// dispatcher's own parser), the progress line and the checkpoint.
#include "txt2pdf/dispatch/backfill.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_files.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/dispatch/events.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

TEST(BackfillArgs, ModesAndOptions) {
  const auto enqueue =
      parse_backfill_args({"s3://src/docs/", "--enqueue", "https://sqs.eu-west-1.amazonaws.com/1/q"}, "/t");
  EXPECT_EQ(enqueue.bucket, "src");
  EXPECT_EQ(enqueue.prefix, "docs/");
  EXPECT_EQ(enqueue.suffix, ".txt");
  EXPECT_EQ(enqueue.mode, BackfillMode::kEnqueue);
  EXPECT_EQ(enqueue.queue_url, "https://sqs.eu-west-1.amazonaws.com/1/q");
  EXPECT_EQ(enqueue.checkpoint.rfind("/t/txt2pdf-backfill-", 0), 0u) << enqueue.checkpoint;

  const auto convert = parse_backfill_args(
      {"s3://src", "--convert", "--suffix", "", "--concurrency", "8", "--page-size", "7", "--checkpoint", "/x/c.json"},
      "/t");
  EXPECT_EQ(convert.prefix, "");
  EXPECT_EQ(convert.suffix, "");
  EXPECT_EQ(convert.concurrency, 8);
  EXPECT_EQ(convert.page_size, 7);
  EXPECT_EQ(convert.checkpoint, "/x/c.json");
  EXPECT_TRUE(parse_backfill_args({"s3://src", "--convert", "--no-checkpoint"}, "/t").checkpoint.empty());

  const auto manifest =
      parse_backfill_args({"s3://src/p", "--manifest", "s3://m/list.csv", "--chunk-size", "50"}, "/t");
  EXPECT_EQ(manifest.mode, BackfillMode::kManifest);
  EXPECT_EQ(manifest.chunk_size, 50u);
  EXPECT_TRUE(manifest.checkpoint.empty());  // a manifest is written whole: nothing to resume
}

TEST(BackfillArgs, DefaultCheckpointDependsOnWhatIsDone) {
  const auto a = parse_backfill_args({"s3://src/a/", "--convert"}, "/t").checkpoint;
  EXPECT_EQ(a, parse_backfill_args({"s3://src/a/", "--convert"}, "/t").checkpoint);
  EXPECT_NE(a, parse_backfill_args({"s3://src/b/", "--convert"}, "/t").checkpoint);
  EXPECT_NE(a, parse_backfill_args({"s3://src/a/", "--enqueue", "q"}, "/t").checkpoint);
  EXPECT_NE(a, parse_backfill_args({"s3://src/a/", "--convert", "--suffix", ".log"}, "/t").checkpoint);
}

TEST(BackfillArgs, MistakesAreConfigErrorsWithTheUsage) {
  const std::vector<std::vector<std::string>> bad{{},
                                                  {"--convert"},
                                                  {"s3://src"},
                                                  {"s3://src", "--convert", "--enqueue", "q"},
                                                  {"s3://src", "--enqueue"},
                                                  {"s3://", "--convert"},
                                                  {"s3://src", "--convert", "--concurrency", "0"},
                                                  {"s3://src", "--convert", "--page-size", "1001"},
                                                  {"s3://src", "--convert", "--chunk-size", "x"},
                                                  {"s3://src", "--convert", "--bogus"},
                                                  {"src/prefix", "--convert"}};
  for (const auto& args : bad) {
    try {
      (void)parse_backfill_args(args, "/t");
      ADD_FAILURE() << "accepted " << ::testing::PrintToString(args);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find("usage: txt2pdf-dispatcher backfill"), std::string::npos);
    }
  }
}

TEST(FormUrlEncode, AsS3WritesEventKeysAndReadBackOnce) {
  EXPECT_EQ(form_url_encode("red flower.jpg"), "red+flower.jpg");
  EXPECT_EQ(form_url_encode("this im + age blah.txt"), "this+im+%2B+age+blah.txt");
  EXPECT_EQ(form_url_encode("a=b&c=d.txt"), "a%3Db%26c%3Dd.txt");
  // Every case of the shared key-decoding vectors: the encoded form decodes to the key.
  const auto cases = json::parse(
      testing::read_test_file(std::string(TXT2PDF_CONFORMANCE_DIR) + "/events/key-decoding-cases.json"))["cases"];
  ASSERT_FALSE(cases.empty());
  for (const auto& item : cases) {
    const auto key = item["decoded_key"].get<std::string>();
    EXPECT_EQ(form_url_decode(form_url_encode(key)), key) << key;
  }
}

TEST(S3EventBody, TheDispatcherParsesItToTheSameObject) {
  const std::string key =
      "docs/a b+c/\xC3\x9C"
      "ber%.txt";
  const auto body =
      s3_event_body("eu-west-1", "src", key, 2600, "9b2cf535f27731c974343645a3985328", "2026-01-02T03:04:05.000Z");
  const auto parsed = parse_event_message(body);
  EXPECT_EQ(parsed.format, "s3");
  ASSERT_EQ(parsed.objects.size(), 1u);
  EXPECT_EQ(parsed.objects[0].bucket, "src");
  EXPECT_EQ(parsed.objects[0].key, key);
  EXPECT_EQ(parsed.objects[0].etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(parsed.objects[0].size, 2600u);
  // The fields S3's own records carry (compare ../shared/conformance/events/s3-put-single.json).
  const auto sample = json::parse(
      testing::read_test_file(std::string(TXT2PDF_CONFORMANCE_DIR) + "/events/s3-put-single.json"))["Records"][0];
  const auto record = json::parse(body)["Records"][0];
  for (const auto& [name, value] : sample.items()) EXPECT_TRUE(record.contains(name)) << name;
  for (const auto& [name, value] : sample["s3"]["object"].items()) {
    if (name != "versionId") {
      EXPECT_TRUE(record["s3"]["object"].contains(name)) << name;
    }
  }
  EXPECT_EQ(record["s3"]["object"]["key"], "docs/a+b%2Bc/%C3%9Cber%25.txt");
}

TEST(Progress, CountsRateAndEta) {
  BackfillCounters counters;
  counters.listed = 1200;
  counters.skipped = 200;
  counters.done = 400;
  EXPECT_EQ(progress_line(counters, std::chrono::seconds(2), "queued"),
            "listed 1200+, skipped 200, queued 400, failed 0 | 300.0 obj/s | ETA ?");
  counters.listing_complete = true;
  EXPECT_EQ(progress_line(counters, std::chrono::seconds(2), "queued"),
            "listed 1200, skipped 200, queued 400, failed 0 | 300.0 obj/s | ETA 2s");
  counters.listed = 600000;
  EXPECT_EQ(progress_line(counters, std::chrono::seconds(2), "converted"),
            "listed 600000, skipped 200, converted 400, failed 0 | 300.0 obj/s | ETA 33m18s");
  counters = {};
  counters.listing_complete = true;
  EXPECT_EQ(progress_line(counters, std::chrono::seconds(0), "written"),
            "listed 0, skipped 0, written 0, failed 0 | 0.0 obj/s | ETA 0s");
}

TEST(Checkpoint, ResumesOnlyTheSameBackfill) {
  const auto options = parse_backfill_args({"s3://src/docs/", "--convert"}, "/t");
  const std::string key = "docs/\xff not utf-8 \n.txt";
  const auto text = checkpoint_json(options, key);
  EXPECT_EQ(resume_key(options, text), key);
  EXPECT_EQ(resume_key(parse_backfill_args({"s3://src/other/", "--convert"}, "/t"), text), "");
  EXPECT_EQ(resume_key(parse_backfill_args({"s3://src/docs/", "--enqueue", "q"}, "/t"), text), "");
  EXPECT_EQ(resume_key(options, ""), "");
  EXPECT_EQ(resume_key(options, "{\"bucket\":"), "");
}

}  // namespace
}  // namespace txt2pdf

namespace txt2pdf {
namespace {

// SendMessageBatch through the real SqsClient/AwsClient over scripted replies.
class ScriptedHttp : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    HttpResponse reply;
    reply.status = 200;
    reply.body = bodies.empty() ? bodies_default : bodies.front();
    if (!bodies.empty()) bodies.erase(bodies.begin());
    return reply;
  }
  std::vector<HttpRequest> requests;
  std::vector<std::string> bodies;
  std::string bodies_default;
};

class FixedCredentials : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKIDEXAMPLE", "secret", "", std::nullopt}; }
};

class FakeClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::from_time_t(1700000000);
  }
  bool sleep_for(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    return true;
  }
  std::vector<std::chrono::milliseconds> sleeps;
};

std::vector<std::string> ids_sent(const HttpRequest& request) {
  std::vector<std::string> ids;
  const auto body = json::parse(request.body);
  for (const auto& entry : body["Entries"]) ids.push_back(entry["Id"]);
  return ids;
}

class SendBatch : public ::testing::Test {
 protected:
  ScriptedHttp http;
  FixedCredentials credentials;
  FakeClock clock;
  AwsClient aws{http, credentials, clock};
  sqs::SqsClient client{aws, "http://127.0.0.1:9324", "us-east-1"};
  Logger log{LogFormat::kJson, -1};
  std::vector<sqs::SendBatchEntry> entries{{"m0", "a", {}}, {"m1", "b", {}}, {"m2", "c", {}}, {"m3", "d", {}}};
};

TEST_F(SendBatch, FailedAndUnconfirmedEntriesAreSentAgainAndOnlyThey) {
  http.bodies = {
      R"({"Successful":[{"Id":"m0","MessageId":"1","MD5OfMessageBody":"x"}],
          "Failed":[{"Id":"m1","SenderFault":false,"Code":"InternalError"},
                    {"Id":"m2","SenderFault":true,"Code":"InvalidMessageContents"}]})",
      R"({"Successful":[{"Id":"m1","MessageId":"2","MD5OfMessageBody":"x"}],
          "Failed":[{"Id":"m3","SenderFault":true,"Code":"RequestThrottled"}]})",
      R"({"Successful":[{"Id":"m3","MessageId":"3","MD5OfMessageBody":"x"}]})"};
  bool transient = false;
  EXPECT_EQ(send_batch_resending_failures(client, "q", entries, clock, log, transient), 1u);  // m2: refused
  EXPECT_FALSE(transient);
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(ids_sent(http.requests[0]), (std::vector<std::string>{"m0", "m1", "m2", "m3"}));
  EXPECT_EQ(ids_sent(http.requests[1]), (std::vector<std::string>{"m1", "m3"}));  // m3 was not confirmed
  EXPECT_EQ(ids_sent(http.requests[2]), (std::vector<std::string>{"m3"}));        // throttled: again
  EXPECT_EQ(clock.sleeps,
            (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100), std::chrono::milliseconds(200)}));
}

TEST_F(SendBatch, EntriesThatKeepFailingAreCountedAsTransient) {
  http.bodies_default = R"({"Failed":[{"Id":"m0","SenderFault":false,"Code":"InternalError"}],
                            "Successful":[{"Id":"m1"},{"Id":"m2"},{"Id":"m3"}]})";
  bool transient = false;
  EXPECT_EQ(send_batch_resending_failures(client, "q", entries, clock, log, transient), 1u);
  EXPECT_TRUE(transient);
  EXPECT_EQ(http.requests.size(), 6u);  // the first call and five resends of m0
  EXPECT_EQ(clock.sleeps.size(), 5u);
}

}  // namespace
}  // namespace txt2pdf
