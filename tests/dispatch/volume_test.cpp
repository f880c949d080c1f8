// The dispatcher at volume: LAUNCHER=auto's size rule, the worker pool's crash rules, the batched
// SQS queue (every Failed[] entry handled on its own) over an in-memory transport, and the new
// configuration variables. No socket, no process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/dispatch/batched_queue.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/launcher_worker.hpp"
#include "txt2pdf/dispatch/routing.hpp"

namespace txt2pdf {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(AutoRouting, SmallGoesToTheWorkersLargeAndPoolToBatch) {
  RoutingRule rule;
  rule.inprocess_max_bytes = 1000;
  auto decision = route_by_size(rule, ObjectHead{"\"e\"", {}, 1000});
  EXPECT_EQ(decision.launcher, "worker");
  EXPECT_EQ(decision.reason, "within-inprocess-max");
  EXPECT_NE(decision.detail.find("1000 bytes <= INPROCESS_MAX_BYTES=1000"), std::string::npos) << decision.detail;

  decision = route_by_size(rule, ObjectHead{"\"e\"", {}, 1001});
  EXPECT_EQ(decision.launcher, "batch");
  EXPECT_EQ(decision.reason, "over-inprocess-max");

  decision = route_by_size(rule, ObjectHead{"\"e\"", {{"processor-type", "pool"}}, 10});
  EXPECT_EQ(decision.launcher, "batch") << "the seed design's marker wins over size";
  EXPECT_EQ(decision.reason, "processor-type-pool");
  decision = route_by_size(rule, ObjectHead{"\"e\"", {{"X-Amz-Meta-Processor-Type", "pool"}}, 10});
  EXPECT_EQ(decision.launcher, "batch");
  decision = route_by_size(rule, ObjectHead{"\"e\"", {{"processor-type", "inline"}}, 10});
  EXPECT_EQ(decision.launcher, "worker");

  rule.large_launcher = "ecs";
  EXPECT_EQ(route_by_size(rule, ObjectHead{"\"e\"", {}, 5000}).launcher, "ecs") << "ECS RunTask stays available";
  EXPECT_EQ(kDefaultInprocessMaxBytes, 32ull << 20);
}

TEST(WorkerPoolRules, CrashesAreTransientUntilTheLimit) {
  CrashLedger ledger;
  EXPECT_EQ(ledger.record("b", "k"), 1);
  EXPECT_EQ(ledger.record("b", "other"), 1);
  EXPECT_EQ(ledger.record("b", "k"), 2);
  ledger.clear("b", "k");
  EXPECT_EQ(ledger.record("b", "k"), 1) << "a success clears the count";

  auto outcome = worker_death_outcome("w#1", "killed by signal 9", 1, 2, false);
  EXPECT_EQ(outcome.exit_code, kExitTransient);
  EXPECT_FALSE(outcome.verified);
  outcome = worker_death_outcome("w#1", "killed by signal 11", 2, 2, false);
  EXPECT_EQ(outcome.exit_code, kExitInternal) << "a permanent code: the dispatcher dead-letters it";
  EXPECT_NE(outcome.detail.find("worker crashed 2 times"), std::string::npos) << outcome.detail;
  EXPECT_NE(outcome.detail.find("signal 11"), std::string::npos) << outcome.detail;
  outcome = worker_death_outcome("w#1", "killed by signal 15", 5, 2, true);
  EXPECT_EQ(outcome.exit_code, kExitTransient) << "stopped by us is not a crash";
}

// ---- batched queue over an in-memory SQS ---------------------------------------------------------

class ScriptedSqs : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    if (replies.empty()) throw Error(ErrorKind::kTransient, "connection reset (scripted)");
    auto reply = replies.front();
    replies.erase(replies.begin());
    return reply;
  }
  std::vector<HttpRequest> requests;
  std::vector<HttpResponse> replies;
  [[nodiscard]] json body(std::size_t i) const { return json::parse(requests.at(i).body); }
  [[nodiscard]] std::string target(std::size_t i) const {
    return find_header(requests.at(i).headers, "X-Amz-Target").value_or("");
  }
};

class FixedCredentials : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKID", "secret", "", std::nullopt}; }
};

class InstantClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::from_time_t(1700000000);
  }
  bool sleep_for(std::chrono::milliseconds) override { return true; }
};

HttpResponse ok(const std::string& body) { return {200, {}, body}; }

class BatchedQueueTest : public ::testing::Test {
 protected:
  BatchedQueueTest() : aws_(http_, credentials_, clock_, RetryPolicy{1}), client_(aws_, "http://sqs", "us-east-1") {}
  ~BatchedQueueTest() override { ::close(log_fd_); }
  ScriptedSqs http_;
  FixedCredentials credentials_;
  InstantClock clock_;
  AwsClient aws_;
  sqs::SqsClient client_;
  int log_fd_ = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Logger log_{LogFormat::kJson, log_fd_};
  DispatcherMetrics metrics_;
};

TEST_F(BatchedQueueTest, TwelveDeletesAreTwoBatches) {
  BatchedSqsQueue queue(client_, "http://q/1/jobs", "", log_, metrics_, 0ms);
  for (int i = 0; i < 12; ++i) queue.delete_message("rh-" + std::to_string(i));
  EXPECT_TRUE(http_.requests.empty()) << "nothing is sent before flush()";
  json first = {{"Successful", json::array()}};
  for (int i = 0; i < 10; ++i) first["Successful"].push_back({{"Id", std::to_string(i)}});
  http_.replies = {ok(first.dump()), ok(R"({"Successful": [{"Id": "0"}, {"Id": "1"}]})")};
  queue.flush();
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.target(0), "AmazonSQS.DeleteMessageBatch");
  EXPECT_EQ(http_.body(0)["Entries"].size(), 10u);
  EXPECT_EQ(http_.body(1)["Entries"][1]["ReceiptHandle"], "rh-11");
  EXPECT_EQ(queue.pending(), 0u);
}

TEST_F(BatchedQueueTest, EachFailedEntryOnItsOwn) {
  BatchedSqsQueue queue(client_, "http://q/1/jobs", "", log_, metrics_, 0ms);
  queue.delete_message("rh-ok");
  queue.delete_message("rh-stale");
  queue.delete_message("rh-server");
  queue.delete_message("rh-refused");
  http_.replies = {ok(R"({"Successful": [{"Id": "0"}], "Failed": [
      {"Id": "1", "SenderFault": true, "Code": "ReceiptHandleIsInvalid"},
      {"Id": "2", "SenderFault": false, "Code": "InternalError"},
      {"Id": "3", "SenderFault": true, "Code": "InvalidParameterValue"}]})")};
  queue.flush();
  EXPECT_EQ(queue.pending(), 1u) << "only SQS's own failure is sent again";
  http_.replies = {ok(R"({"Successful": [{"Id": "0"}]})")};
  queue.flush();
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.body(1)["Entries"], json::parse(R"([{"Id": "0", "ReceiptHandle": "rh-server"}])"));
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_NE(metrics_.render_prometheus().find("txt2pdf_dispatcher_batch_entries_failed_total 3"), std::string::npos);
}

TEST_F(BatchedQueueTest, AnEntryLeftOutOfTheReplyOrAFailedCallIsSentAgainThenLeftToVisibility) {
  BatchedSqsQueue queue(client_, "http://q/1/jobs", "", log_, metrics_, 0ms);
  queue.change_visibility("rh-a", 60s);
  queue.change_visibility("rh-b", 60s);
  http_.replies = {ok(R"({"Successful": [{"Id": "0"}]})")};
  queue.flush();
  EXPECT_EQ(queue.pending(), 1u) << "rh-b was not confirmed";
  // No reply at all (the scripted transport throws) for every later call: the entry uses its
  // attempts and is then given up, never counted as done.
  queue.flush_all();
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_EQ(http_.requests.size(), static_cast<std::size_t>(kMaxEntryAttempts));
  for (std::size_t i = 1; i < http_.requests.size(); ++i) {
    EXPECT_EQ(http_.body(i)["Entries"][0]["ReceiptHandle"], "rh-b");
  }
}

TEST_F(BatchedQueueTest, EntriesWaitForAFullBatchOrTheWindow) {
  BatchedSqsQueue queue(client_, "http://q/1/jobs", "", log_, metrics_, 3600s);
  for (int i = 0; i < 9; ++i) queue.delete_message("rh-" + std::to_string(i));
  queue.flush();
  EXPECT_TRUE(http_.requests.empty()) << "nine entries within the window wait for a tenth";
  queue.delete_message("rh-9");
  json reply = {{"Successful", json::array()}};
  for (int i = 0; i < 10; ++i) reply["Successful"].push_back({{"Id", std::to_string(i)}});
  http_.replies = {ok(reply.dump())};
  queue.flush();
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.body(0)["Entries"].size(), 10u);
  queue.change_visibility("rh-x", 0s);
  http_.replies = {ok(R"({"Successful": [{"Id": "0"}]})")};
  queue.flush_all();
  EXPECT_EQ(http_.requests.size(), 2u) << "flush_all sends what waits, window or not";
  EXPECT_EQ(queue.pending(), 0u);
}

TEST_F(BatchedQueueTest, ADeleteCancelsAVisibilityChangeAndChangesMerge) {
  BatchedSqsQueue queue(client_, "http://q/1/jobs", "", log_, metrics_, 0ms);
  queue.change_visibility("rh-a", 60s);
  queue.change_visibility("rh-b", 60s);
  queue.change_visibility("rh-b", 0s);
  queue.delete_message("rh-a");
  http_.replies = {ok(R"({"Successful": [{"Id": "0"}]})"), ok(R"({"Successful": [{"Id": "0"}]})")};
  queue.flush();
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.target(0), "AmazonSQS.DeleteMessageBatch") << "deletes go first";
  EXPECT_EQ(http_.target(1), "AmazonSQS.ChangeMessageVisibilityBatch");
  EXPECT_EQ(http_.body(1)["Entries"], json::parse(R"([{"Id": "0", "ReceiptHandle": "rh-b", "VisibilityTimeout": 0}])"));
}

// ---- configuration ----------------------------------------------------------------------------

Environment base_env() { return {{"QUEUE_URL", "http://127.0.0.1:9324/000000000000/jobs"}, {"DEST_BUCKET", "out"}}; }

TEST(VolumeConfig, WorkerIsTheDefaultAndTheNewVariablesParse) {
  auto config = parse_dispatcher_config(base_env());
  EXPECT_EQ(config.launcher, "worker");
  EXPECT_EQ(config.worker_max_jobs, 500);
  EXPECT_EQ(config.worker_memory_bytes, 1ull << 30);
  EXPECT_EQ(config.worker_crash_limit, 2);
  EXPECT_EQ(config.inprocess_max_bytes, kDefaultInprocessMaxBytes);
  EXPECT_EQ(config.auto_large_launcher, "batch");
  EXPECT_TRUE(config.sqs_batch);
  auto env = base_env();
  env.insert({{"LAUNCHER", "local"},
              {"WORKER_MAX_JOBS", "10"},
              {"WORKER_MEMORY_BYTES", "512MiB"},
              {"WORKER_CRASH_LIMIT", "3"},
              {"INPROCESS_MAX_BYTES", "1MiB"},
              {"AUTO_LARGE_LAUNCHER", "ecs"},
              {"SQS_BATCH", "false"}});
  config = parse_dispatcher_config(env);
  EXPECT_EQ(config.launcher, "local");
  EXPECT_EQ(config.worker_max_jobs, 10);
  EXPECT_EQ(config.worker_memory_bytes, 512ull << 20);
  EXPECT_EQ(config.worker_crash_limit, 3);
  EXPECT_EQ(config.inprocess_max_bytes, 1ull << 20);
  EXPECT_EQ(config.auto_large_launcher, "ecs");
  EXPECT_FALSE(config.sqs_batch);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{{"WORKER_MAX_JOBS", "0"},
                                                                                    {"WORKER_MEMORY_BYTES", "lots"},
                                                                                    {"WORKER_CRASH_LIMIT", "x"},
                                                                                    {"INPROCESS_MAX_BYTES", "-1"},
                                                                                    {"AUTO_LARGE_LAUNCHER", "lambda"},
                                                                                    {"SQS_BATCH", "maybe"}}) {
    auto bad = base_env();
    bad[name] = value;
    try {
      (void)parse_dispatcher_config(bad);
      ADD_FAILURE() << name;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace txt2pdf
