// Dispatcher unit tests: the pure rules, the configuration parser, the local launcher with real
// child processes (labelled integration: tests/CMakeLists.txt), the health answers, and the
// Dispatcher loop against an in-memory queue, object store and launcher on a fake clock (fakes:
// there is no other way to drive every branch without servers).
#include "txt2pdf/dispatch/dispatcher.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/test_files.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/dispatch/launchers_aws.hpp"
#include "txt2pdf/dispatch/launchers_local.hpp"
#include "txt2pdf/dispatch/routing.hpp"
#include "txt2pdf/net/health.hpp"

namespace txt2pdf {
namespace {

using namespace std::chrono_literals;

// ---- pure rules -------------------------------------------------------------------------------

TEST(DispatcherRules, ExitCodesSplitIntoPermanentAndTransient) {
  EXPECT_EQ(outcome_for_exit_code(0), Outcome::kSucceeded);
  for (int code : {64, 65, 66, 70, 77}) EXPECT_EQ(outcome_for_exit_code(code), Outcome::kPermanent) << code;
  for (int code : {1, 2, 75, 137, 255}) EXPECT_EQ(outcome_for_exit_code(code), Outcome::kTransient) << code;
  // Every code the job documents as "retry" is transient here, every "no retry" failure permanent.
  for (const auto& info : kExitCodeTable) {
    if (info.code == 0) continue;
    EXPECT_EQ(outcome_for_exit_code(info.code) == Outcome::kTransient, info.retry) << info.name;
  }
}

TEST(DispatcherRules, VerdictNeedsEveryRecord) {
  EXPECT_EQ(verdict_for({}), Verdict::kDelete);
  EXPECT_EQ(verdict_for({Outcome::kSucceeded, Outcome::kSkipped}), Verdict::kDelete);
  EXPECT_EQ(verdict_for({Outcome::kSucceeded, Outcome::kTransient}), Verdict::kRetry);
  EXPECT_EQ(verdict_for({Outcome::kPermanent, Outcome::kTransient}), Verdict::kRetry);
  EXPECT_EQ(verdict_for({Outcome::kSucceeded, Outcome::kPermanent}), Verdict::kDeadLetter);
}

TEST(DispatcherRules, RetryDelayDoublesPerReceiveAndIsCapped) {
  EXPECT_EQ(retry_delay(10s, 1), 10s);
  EXPECT_EQ(retry_delay(10s, 2), 20s);
  EXPECT_EQ(retry_delay(10s, 3), 40s);
  EXPECT_EQ(retry_delay(10s, 30), 43200s);
  EXPECT_EQ(retry_delay(0s, 5), 0s);
}

TEST(DispatcherRules, ReceiveBackoffIsOneTwoFourUpToSixty) {
  EXPECT_EQ(receive_backoff(1, 1.0), 1000ms);
  EXPECT_EQ(receive_backoff(2, 1.0), 2000ms);
  EXPECT_EQ(receive_backoff(3, 1.0), 4000ms);
  EXPECT_EQ(receive_backoff(7, 1.0), 60000ms);
  EXPECT_EQ(receive_backoff(50, 1.0), 60000ms);
  EXPECT_EQ(receive_backoff(3, 0.5), 2000ms);
  EXPECT_EQ(receive_backoff(3, 0.0), 2000ms);  // jitter never goes below half
}

DispatcherConfig base_config() {
  return parse_dispatcher_config({{"QUEUE_URL", "http://127.0.0.1:9324/000000000000/jobs"}, {"DEST_BUCKET", "out"}});
}

TEST(DispatcherRules, FiltersAndLoopGuard) {
  auto config = base_config();
  config.key_suffix = ".txt";
  config.key_prefix = "in/";
  EXPECT_EQ(refusal_reason(config, {"src", "in/a.txt", "", {}, ""}), "");
  EXPECT_NE(refusal_reason(config, {"src", "in/a.pdf", "", {}, ""}), "");
  EXPECT_NE(refusal_reason(config, {"src", "other/a.txt", "", {}, ""}), "");
  EXPECT_NE(refusal_reason(config, {"src", ".txt", "", {}, ""}), "");
  config.key_prefix.clear();
  config.dest_prefix = "pdf/";
  EXPECT_NE(refusal_reason(config, {"out", "pdf/a.txt", "", {}, ""}), "") << "outputs are never inputs";
  EXPECT_EQ(refusal_reason(config, {"out", "incoming/a.txt", "", {}, ""}), "");
  config.dest_prefix.clear();
  EXPECT_NE(refusal_reason(config, {"out", "a.txt", "", {}, ""}), "") << "no prefix: the whole bucket is output";
}

TEST(DispatcherRules, DestinationKeyFollowsTheJobDefault) {
  auto config = base_config();
  EXPECT_EQ(destination_key(config, "logs/app.txt"), "logs/app.pdf");
  EXPECT_EQ(destination_key(config, "a.TXT"), "a.pdf");
  EXPECT_EQ(destination_key(config, "report"), "report.pdf");
  EXPECT_EQ(destination_key(config, "c++ notes.md"), "c++ notes.md.pdf");
  config.dest_prefix = "pdf/";
  EXPECT_EQ(destination_key(config, "x/y.txt"), "pdf/x/y.pdf");
}

// ---- configuration ----------------------------------------------------------------------------

TEST(DispatcherConfigTest, DefaultsAndRequiredVariables) {
  const auto config = base_config();
  EXPECT_EQ(config.launcher, "worker");
  EXPECT_EQ(config.max_concurrency, 4);
  EXPECT_EQ(config.wait_time, 20s);
  EXPECT_EQ(config.drain_timeout, 25s);
  EXPECT_EQ(config.health_port, 8080);
  EXPECT_EQ(config.sqs_endpoint, "http://127.0.0.1:9324");
  EXPECT_EQ(config.region, "us-east-1");
  for (const char* missing : {"QUEUE_URL", "DEST_BUCKET"}) {
    Environment env{{"QUEUE_URL", "http://q/1/jobs"}, {"DEST_BUCKET", "out"}};
    env.erase(missing);
    try {
      (void)parse_dispatcher_config(env);
      ADD_FAILURE() << missing;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
    }
  }
}

TEST(DispatcherConfigTest, MalformedValuesNameTheVariable) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"MAX_CONCURRENCY", "0"},      {"MAX_CONCURRENCY", "four"}, {"WAIT_TIME_SECONDS", "21"},
      {"HEALTH_PORT", "70000"},      {"LAUNCHER", "lambda"},      {"ASSIGN_PUBLIC_IP", "maybe"},
      {"TXT2PDF_LOG_FORMAT", "xml"}, {"QUEUE_URL", "not-a-url"},  {"HEALTH_MAX_AGE_SECONDS", "10"}};
  for (const auto& [name, value] : cases) {
    Environment env{{"QUEUE_URL", "http://q/1/jobs"}, {"DEST_BUCKET", "out"}};
    env[name] = value;
    try {
      (void)parse_dispatcher_config(env);
      ADD_FAILURE() << name << "=" << value;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
}

TEST(DispatcherConfigTest, AwsLauncherSettingsAndEndpoints) {
  const auto config = parse_dispatcher_config({{"QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/jobs"},
                                               {"DEST_BUCKET", "out"},
                                               {"AWS_REGION", "eu-west-1"},
                                               {"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"},
                                               {"AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:5000"},
                                               {"SUBNETS", "subnet-1, subnet-2"},
                                               {"SECURITY_GROUPS", "sg-1"},
                                               {"ASSIGN_PUBLIC_IP", "ENABLED"},
                                               {"JOB_COMMAND", "/bin/echo  hello"}});
  EXPECT_EQ(config.sqs_endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(config.aws.ecs_endpoint, "http://127.0.0.1:5000");
  EXPECT_EQ(config.aws.batch_endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(config.aws.subnets, (std::vector<std::string>{"subnet-1", "subnet-2"}));
  EXPECT_TRUE(config.aws.assign_public_ip);
  EXPECT_EQ(config.aws.region, "eu-west-1");
  EXPECT_EQ(config.s3.endpoint_url, "http://127.0.0.1:4566");
  EXPECT_EQ(config.job_command, (std::vector<std::string>{"/bin/echo", "hello"}));
  EXPECT_EQ(endpoint_of_queue_url("Q", "https://sqs.eu-west-1.amazonaws.com/1/jobs"),
            "https://sqs.eu-west-1.amazonaws.com");
}

// ---- local and docker launchers ---------------------------------------------------------------

std::optional<JobOutcome> wait_for(RunningJob& job, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto outcome = job.poll()) return outcome;
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

std::string read_file(const std::string& path) { return testing::read_test_file(path); }

TEST(LocalLauncherTest, PassesTheJobVariablesAndReportsTheExitCode) {
  const auto out = std::filesystem::temp_directory_path() / ("dispatcher-test-" + std::to_string(::getpid()));
  LocalLauncher launcher({"/bin/sh", "-c",
                          "printf '%s|%s|%s|%s|%s' \"$SOURCE_BUCKET\" \"$OBJECT_KEY\" "
                          "\"$DEST_BUCKET\" \"$DEST_KEY\" \"$INHERITED\" > \"$OUT\"; exit 65"},
                         {{"INHERITED", "yes"}, {"OUT", out.string()}, {"PATH", "/usr/bin:/bin"}});
  auto job = launcher.start({"in", "a b+c %41.txt", "out", "a b+c %41.pdf"});
  const auto outcome = wait_for(*job);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 65);
  EXPECT_EQ(outcome->job_id, job->id());
  EXPECT_EQ(read_file(out), "in|a b+c %41.txt|out|a b+c %41.pdf|yes");
  std::filesystem::remove(out);
}

TEST(LocalLauncherTest, KilledJobIsTransientAndStopSendsSigterm) {
  // The child says when its trap is set: a SIGTERM before that would kill the shell outright.
  const auto ready = std::filesystem::temp_directory_path() / ("dispatcher-ready-" + std::to_string(::getpid()));
  std::filesystem::remove(ready);
  LocalLauncher launcher({"/bin/sh", "-c", "trap 'exit 75' TERM; : > \"$READY\"; sleep 30 & wait"},
                         {{"PATH", "/usr/bin:/bin"}, {"READY", ready.string()}});
  auto job = launcher.start({"in", "k", "out", ""});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(std::filesystem::exists(ready));
  std::filesystem::remove(ready);
  EXPECT_FALSE(job->poll());
  job->request_stop();
  const auto outcome = wait_for(*job);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 75);

  LocalLauncher killer({"/bin/sh", "-c", "kill -9 $$"}, {});
  auto killed = killer.start({"in", "k", "out", ""});
  const auto killed_outcome = wait_for(*killed);
  ASSERT_TRUE(killed_outcome);
  EXPECT_EQ(killed_outcome->exit_code, 75);
  EXPECT_NE(killed_outcome->detail.find("signal 9"), std::string::npos) << killed_outcome->detail;
}

TEST(LocalLauncherTest, FailureDetailIsWhatTheJobLoggedLast) {
  // JSON log lines (the job's format when stderr is not a terminal), the last one with an error.
  LocalLauncher launcher({"/bin/sh", "-c",
                          "echo '{\"level\":\"info\",\"msg\":\"start\"}' >&2; "
                          "echo '{\"error\":\"input looks binary: NUL byte at offset 0\",\"level\":\"error\"}' >&2; "
                          "exit 65"},
                         {{"PATH", "/usr/bin:/bin"}});
  auto job = launcher.start({"in", "k", "out", ""});
  const auto outcome = wait_for(*job);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 65);
  EXPECT_EQ(outcome->detail, "job exited 65: input looks binary: NUL byte at offset 0");

  LocalLauncher quiet({"/bin/sh", "-c", "exit 0"}, {{"PATH", "/usr/bin:/bin"}});
  auto ok = quiet.start({"in", "k", "out", ""});
  const auto ok_outcome = wait_for(*ok);
  ASSERT_TRUE(ok_outcome);
  EXPECT_EQ(ok_outcome->exit_code, 0);
  EXPECT_EQ(ok_outcome->detail, "");
}

TEST(LocalLauncherTest, CommandGoneAfterStartUpIsAConfigError) {
  const auto script = std::filesystem::temp_directory_path() / ("vanishing-job-" + std::to_string(::getpid()));
  {
    std::ofstream out(script);
    out << "#!/bin/sh\nexit 0\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  LocalLauncher launcher({script.string()}, {});
  std::filesystem::remove(script);
  try {
    (void)launcher.start({"in", "k", "out", ""});
    ADD_FAILURE() << "started";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
  }
  EXPECT_EQ(std::filesystem::path(default_job_command()).filename(), "txt2pdf-job");
}

TEST(LocalLauncherTest, ChildEnvironmentOverridesAStaleDestKey) {
  const auto env = child_environment({{"DEST_KEY", "stale"}, {"OBJECT_KEY", "old"}, {"AWS_REGION", "x"}},
                                     {"b", "new key", "out", ""});
  EXPECT_NE(std::find(env.begin(), env.end(), "OBJECT_KEY=new key"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "AWS_REGION=x"), env.end());
  EXPECT_EQ(std::find_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("DEST_KEY=", 0) == 0; }),
            env.end());
}

TEST(DockerLauncherTest, ArgvCarriesNamesNotValues) {
  const auto argv = docker_argv({"podman", "txt2pdf-job:latest", {"--network", "host"}},
                                {{"AWS_SECRET_ACCESS_KEY", "s3cr3t"}, {"HOME", "/root"}, {"MAX_INPUT_BYTES", "1MiB"}},
                                {"in", "a b.txt", "out", ""}, "txt2pdf-1-1");
  const std::vector<std::string> expected{"podman",
                                          "run",
                                          "--rm",
                                          "--name",
                                          "txt2pdf-1-1",
                                          "-e",
                                          "AWS_SECRET_ACCESS_KEY",
                                          "-e",
                                          "MAX_INPUT_BYTES",
                                          "-e",
                                          "DEST_BUCKET",
                                          "-e",
                                          "OBJECT_KEY",
                                          "-e",
                                          "SOURCE_BUCKET",
                                          "--network",
                                          "host",
                                          "txt2pdf-job:latest"};
  EXPECT_EQ(argv, expected);
}

TEST(DockerLauncherTest, RuntimeFailuresAreMappedJobCodesPassThrough) {
  // A stand-in "docker" CLI: exits with the code in $FAKE_DOCKER_EXIT (125: daemon unreachable).
  const auto fake = std::filesystem::temp_directory_path() / ("fake-docker-" + std::to_string(::getpid()));
  {
    std::ofstream script(fake);
    script << "#!/bin/sh\nexit \"$FAKE_DOCKER_EXIT\"\n";
  }
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  // 125: the daemon failed (may pass); 126/127: the image's command cannot run (configuration).
  for (const auto& [code, expected] :
       std::vector<std::pair<int, int>>{{125, 75}, {126, 64}, {127, 64}, {65, 65}, {0, 0}}) {
    DockerLauncher launcher({fake.string(), "image", {}}, {{"FAKE_DOCKER_EXIT", std::to_string(code)}});
    auto job = launcher.start({"in", "k", "out", ""});
    const auto outcome = wait_for(*job);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->exit_code, expected) << code;
    EXPECT_EQ(outcome->detail.find("container runtime") != std::string::npos, expected != code) << code;
  }
  std::filesystem::remove(fake);
}

// ---- health -----------------------------------------------------------------------------------

TEST(HealthTest, HealthzFollowsTheLastReceive) {
  DispatcherMetrics metrics;
  const auto now = std::chrono::system_clock::now();
  metrics.receive_succeeded(now - 10s);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now, 60s).status, 200);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now + 100s, 60s).status, 503);
  EXPECT_EQ(answer_health_request("GET", "/nope", metrics, now, 60s).status, 404);
  EXPECT_EQ(answer_health_request("POST", "/healthz", metrics, now, 60s).status, 405);
}

// Issue 12, bug 4. Before: with every slot busy nothing is received, the last receive aged past
// the limit and /healthz said 503: the liveness probe restarted a dispatcher in the middle of work.
TEST(HealthTest, BusyIsHealthyStuckOrCutOffIsNot) {
  DispatcherMetrics metrics;
  const auto now = std::chrono::system_clock::now();
  metrics.receive_succeeded(now - 600s);  // no receive for 10 minutes: every slot busy
  metrics.sqs_call(true, now - 300s);     // a heartbeat, a while ago
  metrics.loop_alive(now - 1s);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now, 120s).status, 200);
  // SQS failing and no success for longer than the limit: cannot reach SQS.
  metrics.sqs_call(false, now - 5s);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now, 120s).status, 503);
  // A failure shortly after a success is not yet a verdict.
  metrics.sqs_call(true, now - 30s);
  metrics.sqs_call(false, now - 5s);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now, 120s).status, 200);
  // The loop stopped going round: stuck, whatever SQS says.
  metrics.sqs_call(true, now);
  metrics.loop_alive(now - 200s);
  EXPECT_EQ(answer_health_request("GET", "/healthz", metrics, now, 120s).status, 503);
}

TEST(HealthTest, MetricsInPrometheusText) {
  DispatcherMetrics metrics;
  metrics.messages_received(3);
  metrics.job_started("local");
  metrics.job_finished("local", true, 0.3);
  metrics.job_started("local");
  metrics.job_finished("local", false, 7);
  metrics.dlq_sent();
  metrics.receive_error();
  metrics.set_in_flight(2);
  const auto text = answer_health_request("GET", "/metrics", metrics, std::chrono::system_clock::now(), 60s).body;
  for (const char* line :
       {"txt2pdf_dispatcher_messages_received_total 3\n",
        "txt2pdf_dispatcher_jobs_started_total{launcher=\"local\"} 2\n",
        "txt2pdf_dispatcher_jobs_succeeded_total{launcher=\"local\"} 1\n",
        "txt2pdf_dispatcher_jobs_failed_total{launcher=\"local\"} 1\n", "txt2pdf_dispatcher_jobs_in_flight 2\n",
        "txt2pdf_dispatcher_dlq_sent_total 1\n", "txt2pdf_dispatcher_receive_errors_total 1\n",
        "txt2pdf_dispatcher_job_duration_seconds_bucket{le=\"0.25\"} 0\n",
        "txt2pdf_dispatcher_job_duration_seconds_bucket{le=\"0.5\"} 1\n",
        "txt2pdf_dispatcher_job_duration_seconds_bucket{le=\"10\"} 2\n",
        "txt2pdf_dispatcher_job_duration_seconds_count 2\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

// ---- the Dispatcher loop against fakes ---------------------------------------------------------

// Calls fail with Error(kCancelled) once their token is stopped, as the HTTP clients of the service
// do: receive() carries the first signal's token, the other calls the drain's (see set_tokens).
class FakeQueue final : public MessageQueue {
 public:
  explicit FakeQueue(bool with_dlq) : with_dlq_(with_dlq) {}
  void set_tokens(StopToken receive, StopToken control) {
    std::lock_guard lock(mutex_);
    receive_stop_ = std::move(receive);
    control_stop_ = std::move(control);
  }
  void push(const std::string& id, const std::string& body, int receive_count = 1) {
    std::lock_guard lock(mutex_);
    sqs::Message message;
    message.message_id = id;
    message.receipt_handle = "rh-" + id;
    message.body = body;
    message.attributes["ApproximateReceiveCount"] = std::to_string(receive_count);
    waiting_.push_back(message);
    pushed_.notify_all();
  }
  std::vector<sqs::Message> receive(int max_messages, std::chrono::seconds, std::chrono::seconds) override {
    std::unique_lock lock(mutex_);
    max_asked_ = std::max(max_asked_, max_messages);
    // A short "long poll": returns when a message is there, or empty after 20 ms.
    (void)pushed_.wait_for(lock, 20ms, [this] { return !waiting_.empty() || receive_stop_.stop_requested(); });
    if (receive_stop_.stop_requested()) throw Error(ErrorKind::kCancelled, "receive: stop requested");
    std::vector<sqs::Message> out;
    while (!waiting_.empty() && static_cast<int>(out.size()) < max_messages) {
      out.push_back(waiting_.front());
      waiting_.erase(waiting_.begin());
    }
    return out;
  }
  void delete_message(const std::string& receipt) override {
    std::lock_guard lock(mutex_);
    refuse_when_stopped("delete");
    deleted_.push_back(receipt);
  }
  void change_visibility(const std::string& receipt, std::chrono::seconds timeout) override {
    std::lock_guard lock(mutex_);
    refuse_when_stopped("change visibility");
    visibility_.emplace_back(receipt, timeout);
  }
  void send_to_dead_letters(const std::string& body,
                            const std::map<std::string, sqs::MessageAttribute>& attributes) override {
    // As strict as SQS's JSON: attribute values must be valid UTF-8 (this dump throws otherwise).
    for (const auto& [name, attribute] : attributes) (void)nlohmann::json(attribute.string_value).dump();
    std::lock_guard lock(mutex_);
    refuse_when_stopped("send to the DLQ");
    dead_.emplace_back(body, attributes);
  }
  bool has_dead_letters() const override { return with_dlq_; }

  std::vector<std::string> deleted() const {
    std::lock_guard lock(mutex_);
    return deleted_;
  }
  std::vector<std::pair<std::string, std::chrono::seconds>> visibility() const {
    std::lock_guard lock(mutex_);
    return visibility_;
  }
  std::vector<std::pair<std::string, std::map<std::string, sqs::MessageAttribute>>> dead() const {
    std::lock_guard lock(mutex_);
    return dead_;
  }
  int max_asked() const {
    std::lock_guard lock(mutex_);
    return max_asked_;
  }
  int refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  void refuse_when_stopped(const char* what) {
    if (!control_stop_.stop_requested()) return;
    ++refused_;
    throw Error(ErrorKind::kCancelled, std::string(what) + ": stop requested");
  }

  mutable std::mutex mutex_;
  std::condition_variable pushed_;
  StopToken receive_stop_;
  StopToken control_stop_;
  int refused_ = 0;
  bool with_dlq_;
  std::vector<sqs::Message> waiting_;
  std::vector<std::string> deleted_;
  std::vector<std::pair<std::string, std::chrono::seconds>> visibility_;
  std::vector<std::pair<std::string, std::map<std::string, sqs::MessageAttribute>>> dead_;
  int max_asked_ = 0;
};

// Jobs that "write" the PDF into the fake bucket and exit with a scripted code after `polls` polls.
struct FakeWorld {
  std::mutex mutex;
  std::map<std::string, ObjectHead> objects;  // "bucket/key"
  std::map<std::string, int> exit_codes;      // by object key; default 0
  std::vector<std::string> started;
  int running = 0;
  int max_running = 0;
  int polls_to_finish = 3;
  bool hang = false;                               // jobs never finish until stopped
  std::function<bool()> release;                   // when set and true, a job finishes (as scripted) at its next poll
  std::set<std::string> no_write;                  // keys whose job exits 0 without writing the PDF
  std::map<std::string, std::string> launched_by;  // key -> launcher name
  bool claim_verified = false;                     // jobs report outcome.verified (as the worker pool does)
  int heads = 0;                                   // HEADs the dispatcher made
  std::set<std::string> throw_on_start;            // keys whose start throws a non-Error exception
};

class FakeJob final : public RunningJob {
 public:
  FakeJob(FakeWorld& world, JobSpec spec, std::string id) : world_(world), spec_(std::move(spec)), id_(std::move(id)) {}
  const std::string& id() const override { return id_; }
  std::optional<JobOutcome> poll() override {
    std::lock_guard lock(world_.mutex);
    if (done_) return outcome_;
    const bool released = world_.release && world_.release();
    if (!stopped_ && !released && (world_.hang || ++polls_ < world_.polls_to_finish)) return std::nullopt;
    done_ = true;
    --world_.running;
    const auto found = world_.exit_codes.find(spec_.object_key);
    outcome_.exit_code = stopped_ ? 75 : found == world_.exit_codes.end() ? 0 : found->second;
    outcome_.job_id = id_;
    outcome_.verified = world_.claim_verified && outcome_.exit_code == 0;
    if (outcome_.exit_code == 0 && world_.no_write.count(spec_.object_key) == 0) {
      const auto& source = world_.objects[spec_.source_bucket + "/" + spec_.object_key];
      world_.objects[spec_.dest_bucket + "/" + spec_.dest_key] = {"\"pdf\"", {{"source-etag", source.etag}}};
    }
    return outcome_;
  }
  void request_stop() override {
    std::lock_guard lock(world_.mutex);
    stopped_ = true;
  }

 private:
  FakeWorld& world_;
  JobSpec spec_;
  std::string id_;
  int polls_ = 0;
  bool stopped_ = false;
  bool done_ = false;
  JobOutcome outcome_;
};

class FakeLauncher final : public Launcher {
 public:
  explicit FakeLauncher(FakeWorld& world, std::string name = "local") : world_(world), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::unique_ptr<RunningJob> start(const JobSpec& spec) override {
    std::lock_guard lock(world_.mutex);
    if (world_.throw_on_start.count(spec.object_key) != 0) throw std::runtime_error("not an Error");
    world_.started.push_back(spec.object_key);
    world_.launched_by[spec.object_key] = name_;
    world_.max_running = std::max(world_.max_running, ++world_.running);
    return std::make_unique<FakeJob>(world_, spec, "fake-" + std::to_string(world_.started.size()));
  }

 private:
  FakeWorld& world_;
  std::string name_;
};

std::string s3_event(const std::string& bucket, const std::vector<std::string>& encoded_keys) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& key : encoded_keys) {
    records.push_back({{"eventSource", "aws:s3"},
                       {"eventName", "ObjectCreated:Put"},
                       {"s3", {{"bucket", {{"name", bucket}}}, {"object", {{"key", key}}}}}});
  }
  return nlohmann::json{{"Records", records}}.dump();
}

// Virtual time: now() moves only when the test advances it or someone sleeps (sleep_for returns at
// once, the time having moved on), so heartbeats and drain deadlines fire without waiting for
// them. `on_sleep` runs before each sleep, on the sleeper's thread.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(StopToken stop) : stop_(std::move(stop)) {}
  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  bool sleep_for(std::chrono::milliseconds duration) override {
    if (on_sleep) on_sleep();
    if (stop_.stop_requested()) return false;
    advance(duration);
    return true;
  }
  void advance(std::chrono::milliseconds duration) {
    std::lock_guard lock(mutex_);
    now_ += duration;
  }
  std::function<void()> on_sleep;  // set before the dispatcher runs

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point now_{std::chrono::hours(24 * 365 * 50)};
  StopToken stop_;
};

class DispatcherLoop : public ::testing::Test {
 protected:
  void add_source(const std::string& key, const std::string& etag = "\"e1\"") {
    std::lock_guard lock(world_.mutex);
    world_.objects["in/" + key] = {etag, {}};
  }

  // Runs the dispatcher on virtual time until `done` holds, then stops it as a first signal does;
  // with stop_requests == 2 a second "signal" follows as soon as the drain first sleeps. Returns
  // run()'s exit code. The queue's control calls and the clock stop only with the second one.
  int run_until(FakeQueue& queue, const std::function<bool()>& done, DispatcherConfig config = base_config(),
                int stop_requests = 1) {
    config.retry_base_delay = 10s;
    if (config.drain_timeout == 25s) config.drain_timeout = 1s;
    // A test may run the loop again after a first run_until: that one's signals are spent.
    if (stop_.stop_requested()) {
      stop_ = StopSource();
      cut_drain_ = StopSource();
    }
    StopSource& stop = stop_;
    StopSource& cut_drain = cut_drain_;
    queue.set_tokens(stop.token(), cut_drain.token());
    FakeClock clock(cut_drain.token());
    if (stop_requests > 1) {
      clock.on_sleep = [&] {
        if (stop.stop_requested()) cut_drain.request_stop();
      };
    }
    Logger log(LogFormat::kJson, log_fd_);
    HeadObject head = [this](const std::string& bucket, const std::string& key) -> std::optional<ObjectHead> {
      std::lock_guard lock(world_.mutex);
      ++world_.heads;
      const auto found = world_.objects.find(bucket + "/" + key);
      if (found == world_.objects.end()) return std::nullopt;
      return found->second;
    };
    FakeLauncher launcher(world_);
    FakeLauncher batch(world_, "batch");
    FakeLauncher ecs(world_, "ecs");
    FakeLauncher worker(world_, "worker");
    Dispatcher dispatcher(config,
                          DispatcherDeps{queue,
                                         queue,
                                         head,
                                         {{"local", &launcher}, {"batch", &batch}, {"ecs", &ecs}, {"worker", &worker}},
                                         route_launcher,
                                         clock,
                                         log,
                                         metrics_,
                                         route_object_,
                                         stop.token(),
                                         cut_drain.token()});
    int code = -1;
    std::thread runner([&] {
      try {
        code = dispatcher.run();
      } catch (const std::exception&) {
        code = -2;  // the dispatcher died: what issue 12 bug 1 did
        stop.request_stop();
      }
    });
    // Virtual time moves a tick per look at `done`; the real-time limit only turns a hang into a
    // failure (nothing here waits for something to happen in time).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      clock.advance(50ms);
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(done()) << "the condition did not hold within 20 s";
    stop.request_stop();
    runner.join();
    return code;
  }

  FakeWorld world_;
  StopSource stop_;       // the first signal
  StopSource cut_drain_;  // the second
  DispatcherMetrics metrics_;
  RouteObject route_object_ = nullptr;
  int log_fd_ = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
};

TEST_F(DispatcherLoop, VerifiedSuccessDeletesTheMessage) {
  FakeQueue queue(true);
  add_source("a b.txt");
  queue.push("m1", s3_event("in", {"a+b.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return !queue.deleted().empty(); }), 0);
  EXPECT_EQ(queue.deleted(), std::vector<std::string>{"rh-m1"});
  EXPECT_EQ(world_.started, std::vector<std::string>{"a b.txt"}) << "key decoded exactly once";
  EXPECT_TRUE(world_.objects.count("out/a b.pdf"));
  EXPECT_TRUE(queue.dead().empty());
}

TEST_F(DispatcherLoop, ExitZeroWithoutAMatchingPdfIsRetried) {
  FakeQueue queue(true);
  add_source("stale.txt", "\"new\"");
  add_source("missing.txt");
  world_.no_write = {"stale.txt", "missing.txt"};
  world_.objects["out/stale.pdf"] = {"\"pdf\"", {{"source-etag", "old"}}};  // from an earlier version
  queue.push("m1", s3_event("in", {"stale.txt"}), 2);
  queue.push("m2", s3_event("in", {"missing.txt"}), 1);
  EXPECT_EQ(run_until(queue, [&] { return queue.visibility().size() >= 2; }), 0);
  EXPECT_TRUE(queue.deleted().empty()) << "exit 0 alone is not proof";
  const auto visibility = queue.visibility();
  EXPECT_NE(std::find(visibility.begin(), visibility.end(), std::make_pair(std::string("rh-m1"), 20s)),
            visibility.end());
  EXPECT_NE(std::find(visibility.begin(), visibility.end(), std::make_pair(std::string("rh-m2"), 10s)),
            visibility.end());
}

TEST_F(DispatcherLoop, PermanentFailureGoesToTheDlqWithItsReason) {
  FakeQueue queue(true);
  add_source("bin.txt");
  world_.exit_codes["bin.txt"] = 65;
  queue.push("m1", s3_event("in", {"bin.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return !queue.deleted().empty(); }), 0);
  const auto dead = queue.dead();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].second.at("exit_code").string_value, "65");
  EXPECT_EQ(dead[0].second.at("exit_code").data_type, "Number");
  EXPECT_EQ(dead[0].second.at("error_kind").string_value, "bad-input");
  EXPECT_EQ(dead[0].second.at("object_key").string_value, "bin.txt");
  EXPECT_EQ(dead[0].first, s3_event("in", {"bin.txt"})) << "the original body goes to the DLQ";
  EXPECT_EQ(queue.deleted(), std::vector<std::string>{"rh-m1"});
}

TEST_F(DispatcherLoop, WithoutDlqPermanentFailuresAreLeftToRedrive) {
  FakeQueue queue(false);
  add_source("bin.txt");
  world_.exit_codes["bin.txt"] = 65;
  queue.push("m1", s3_event("in", {"bin.txt"}), 2);
  EXPECT_EQ(run_until(queue, [&] { return !queue.visibility().empty(); }), 0);
  EXPECT_TRUE(queue.deleted().empty());
  EXPECT_EQ(queue.visibility().at(0), std::make_pair(std::string("rh-m1"), std::chrono::seconds(20)));
}

TEST_F(DispatcherLoop, TransientFailureComesBackAfterAnExponentialDelay) {
  FakeQueue queue(true);
  add_source("t.txt");
  world_.exit_codes["t.txt"] = 75;
  queue.push("m1", s3_event("in", {"t.txt"}), 3);
  EXPECT_EQ(run_until(queue, [&] { return !queue.visibility().empty(); }), 0);
  EXPECT_TRUE(queue.deleted().empty());
  EXPECT_TRUE(queue.dead().empty());
  EXPECT_EQ(queue.visibility().at(0), std::make_pair(std::string("rh-m1"), std::chrono::seconds(40)));
}

TEST_F(DispatcherLoop, MultiRecordMessageWaitsForEveryRecord) {
  FakeQueue queue(true);
  for (const char* key : {"1.txt", "2.txt", "3.txt"}) add_source(key);
  world_.exit_codes["3.txt"] = 75;
  queue.push("m1", s3_event("in", {"1.txt", "2.txt", "3.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return !queue.visibility().empty() || !queue.deleted().empty(); }), 0);
  EXPECT_TRUE(queue.deleted().empty()) << "one record failed: the message must stay";
  EXPECT_EQ(world_.started.size(), 3u);
}

TEST_F(DispatcherLoop, SameObjectTwiceStartsOneJob) {
  FakeQueue queue(true);
  add_source("dup.txt");
  world_.polls_to_finish = 20;
  queue.push("m1", s3_event("in", {"dup.txt"}));
  queue.push("m2", s3_event("in", {"dup.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return queue.deleted().size() == 2; }), 0);
  EXPECT_EQ(world_.started.size(), 1u);
  EXPECT_EQ(queue.deleted().size(), 2u);
}

TEST_F(DispatcherLoop, MalformedTestEventsAndFilteredObjects) {
  FakeQueue queue(true);
  queue.push("bad", "this is not json");
  queue.push("test", R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"in"})");
  queue.push("loop", s3_event("out", {"x.pdf"}));
  EXPECT_EQ(run_until(queue, [&] { return queue.deleted().size() == 3; }), 0);
  EXPECT_TRUE(world_.started.empty());
  ASSERT_EQ(queue.dead().size(), 1u);
  EXPECT_EQ(queue.dead()[0].first, "this is not json");
  EXPECT_EQ(queue.dead()[0].second.at("error_kind").string_value, "malformed-message");
}

TEST_F(DispatcherLoop, NeverMoreJobsThanSlotsNorReceivesBeyondThem) {
  FakeQueue queue(true);
  auto config = base_config();
  config.max_concurrency = 2;
  for (int i = 0; i < 12; ++i) {
    add_source("f" + std::to_string(i) + ".txt");
    queue.push("m" + std::to_string(i), s3_event("in", {"f" + std::to_string(i) + ".txt"}));
  }
  EXPECT_EQ(run_until(
                queue, [&] { return queue.deleted().size() == 12; }, config),
            0);
  EXPECT_EQ(queue.deleted().size(), 12u);
  EXPECT_LE(world_.max_running, 2);
  EXPECT_LE(queue.max_asked(), 2);
}

TEST_F(DispatcherLoop, DrainStopsHungJobsAndReturnsMessagesAtOnce) {
  FakeQueue queue(true);
  add_source("slow.txt");
  world_.hang = true;
  queue.push("m1", s3_event("in", {"slow.txt"}));
  EXPECT_EQ(run_until(queue,
                      [&] {
                        std::lock_guard lock(world_.mutex);
                        return !world_.started.empty();
                      }),
            0);
  EXPECT_TRUE(queue.deleted().empty());
  // The first stop ended receiving; the drain's own SQS call still went through.
  EXPECT_EQ(queue.refused(), 0);
  ASSERT_FALSE(queue.visibility().empty());
  EXPECT_EQ(queue.visibility().back(), std::make_pair(std::string("rh-m1"), std::chrono::seconds(0)));
}

TEST_F(DispatcherLoop, DrainDeletesWhatFinishesAfterTheFirstStop) {
  FakeQueue queue(true);
  add_source("late.txt");
  world_.hang = true;
  // The job finishes (exit 0, PDF written) at the first poll after the first stop: the drain's,
  // so the verification and the DeleteMessage are calls the drain makes.
  world_.release = [this] { return stop_.stop_requested(); };
  auto config = base_config();
  config.drain_timeout = 60s;
  queue.push("m1", s3_event("in", {"late.txt"}));
  EXPECT_EQ(run_until(
                queue,
                [&] {
                  std::lock_guard lock(world_.mutex);
                  return !world_.started.empty();
                },
                config),
            0);
  EXPECT_EQ(queue.deleted(), std::vector<std::string>{"rh-m1"});
  EXPECT_EQ(queue.refused(), 0);
}

TEST_F(DispatcherLoop, HeartbeatKeepsLongJobsInvisible) {
  FakeQueue queue(true);
  add_source("long.txt");
  world_.hang = true;
  auto config = base_config();
  config.visibility_timeout = 1s;  // below the parser's minimum, to see heartbeats quickly
  queue.push("m1", s3_event("in", {"long.txt"}));
  auto heartbeats = [&] {
    const auto changes = queue.visibility();
    return std::count(changes.begin(), changes.end(), std::make_pair(std::string("rh-m1"), std::chrono::seconds(1)));
  };
  EXPECT_EQ(run_until(
                queue, [&] { return heartbeats() >= 3; }, config),
            0);
  EXPECT_GE(heartbeats(), 3);
}

TEST_F(DispatcherLoop, SecondStopRequestExitsAtOnce) {
  FakeQueue queue(true);
  add_source("slow.txt");
  world_.hang = true;
  auto config = base_config();
  config.drain_timeout = 60s;
  queue.push("m1", s3_event("in", {"slow.txt"}));
  EXPECT_EQ(run_until(
                queue,
                [&] {
                  std::lock_guard lock(world_.mutex);
                  return !world_.started.empty();
                },
                config, 2),
            kExitTransient);
  EXPECT_TRUE(queue.deleted().empty());
  std::lock_guard lock(world_.mutex);
  EXPECT_EQ(world_.running, 1) << "cut short: the hung job was neither waited for (60 s) nor stopped";
}

TEST_F(DispatcherLoop, AutoRoutesPoolObjectsToBatchOthersToEcs) {
  FakeQueue queue(true);
  add_source("pool.txt");
  add_source("plain.txt");
  {
    std::lock_guard lock(world_.mutex);
    world_.objects["in/pool.txt"].metadata["processor-type"] = "pool";
  }
  auto config = base_config();
  config.launcher = "auto";
  queue.push("m1", s3_event("in", {"pool.txt", "plain.txt", "gone.txt"}));
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.deleted().empty(); }, config),
            0);
  EXPECT_EQ(world_.launched_by.at("pool.txt"), "batch");
  EXPECT_EQ(world_.launched_by.at("plain.txt"), "ecs");
  EXPECT_EQ(world_.launched_by.count("gone.txt"), 0u) << "a missing source starts no job";
  ASSERT_EQ(queue.dead().size(), 1u);
  EXPECT_EQ(queue.dead()[0].second.at("exit_code").string_value, "66");
  EXPECT_EQ(queue.dead()[0].second.at("object_key").string_value, "gone.txt");
}

TEST_F(DispatcherLoop, AutoRoutesBySizeToWorkersOrBatchWithTheReasonInMetrics) {
  FakeQueue queue(true);
  add_source("small.txt");
  add_source("large.txt");
  add_source("pool.txt");
  {
    std::lock_guard lock(world_.mutex);
    world_.objects["in/small.txt"].size = 100;
    world_.objects["in/large.txt"].size = 101;
    world_.objects["in/pool.txt"].size = 5;
    world_.objects["in/pool.txt"].metadata["processor-type"] = "pool";
  }
  auto config = base_config();
  config.launcher = "auto";
  route_object_ = [](const ObjectHead& source) { return route_by_size(RoutingRule{100, "worker", "batch"}, source); };
  queue.push("m1", s3_event("in", {"small.txt", "large.txt", "pool.txt"}));
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.deleted().empty(); }, config),
            0);
  EXPECT_EQ(world_.launched_by.at("small.txt"), "worker");
  EXPECT_EQ(world_.launched_by.at("large.txt"), "batch");
  EXPECT_EQ(world_.launched_by.at("pool.txt"), "batch");
  const auto text = metrics_.render_prometheus();
  for (const char* line : {"txt2pdf_dispatcher_routed_total{launcher=\"worker\",reason=\"within-inprocess-max\"} 1",
                           "txt2pdf_dispatcher_routed_total{launcher=\"batch\",reason=\"over-inprocess-max\"} 1",
                           "txt2pdf_dispatcher_routed_total{launcher=\"batch\",reason=\"processor-type-pool\"} 1"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST_F(DispatcherLoop, AutoSendsLargeObjectsToEcsWhenAsked) {
  FakeQueue queue(true);
  add_source("large.txt");
  {
    std::lock_guard lock(world_.mutex);
    world_.objects["in/large.txt"].size = 1ull << 30;
  }
  auto config = base_config();
  config.launcher = "auto";
  route_object_ = [](const ObjectHead& source) { return route_by_size(RoutingRule{100, "worker", "ecs"}, source); };
  queue.push("m1", s3_event("in", {"large.txt"}));
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.deleted().empty(); }, config),
            0);
  EXPECT_EQ(world_.launched_by.at("large.txt"), "ecs");
}

TEST_F(DispatcherLoop, AVerifiedOutcomeIsNotHeadedAgain) {
  FakeQueue queue(true);
  add_source("a.txt");
  add_source("b.txt");
  world_.claim_verified = true;
  queue.push("m1", s3_event("in", {"a.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return !queue.deleted().empty(); }), 0);
  EXPECT_EQ(world_.heads, 0) << "the worker's HEAD after its PUT is the proof";
  world_.claim_verified = false;
  queue.push("m2", s3_event("in", {"b.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return queue.deleted().size() == 2; }), 0);
  EXPECT_EQ(world_.heads, 2) << "an unverified exit 0 is checked: HEAD source, HEAD PDF";
}

TEST_F(DispatcherLoop, NeverMoreInHandThanSlotsPlusOneBatch) {
  FakeQueue queue(true);
  auto config = base_config();
  config.max_concurrency = 3;
  world_.polls_to_finish = 5;
  for (int i = 0; i < 30; ++i) {
    add_source("g" + std::to_string(i) + ".txt");
    queue.push("n" + std::to_string(i), s3_event("in", {"g" + std::to_string(i) + ".txt"}));
  }
  EXPECT_EQ(run_until(
                queue, [&] { return queue.deleted().size() == 30; }, config),
            0);
  EXPECT_LE(world_.max_running, 3);
  EXPECT_LE(queue.max_asked(), 3) << "a receive asks for free slots only (at most one batch of 10)";
}

// A launcher that cannot start its command is a configuration error: the one error -> exit code
// mapping makes it 64, permanent, so the message goes to the DLQ with the reason instead of
// coming back as transient forever (it used to be 75).
TEST_F(DispatcherLoop, LauncherThatCannotStartIsAConfigErrorForTheDlq) {
  FakeQueue queue(true);
  add_source("c.txt");
  auto config = base_config();
  config.launcher = "docker";  // no such launcher among the fakes: start_task throws kConfig
  queue.push("m1", s3_event("in", {"c.txt"}));
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.deleted().empty(); }, config),
            0);
  const auto dead = queue.dead();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].second.at("exit_code").string_value, "64");
  EXPECT_EQ(dead[0].second.at("error_kind").string_value, "config");
  EXPECT_NE(dead[0].second.at("reason").string_value.find("docker"), std::string::npos);
  EXPECT_TRUE(queue.visibility().empty()) << "not retried";
}

// Values both programs read are parsed by core/env_values: TXT2PDF_S3_FORCE_PATH_STYLE=on used to
// make the dispatcher exit 64 while the job accepted it; AWS_ENDPOINT_URL_S3 was not validated.
TEST(DispatcherConfigTest, SharedValuesFollowTheJobsRules) {
  Environment env{{"QUEUE_URL", "http://q/1/jobs"}, {"DEST_BUCKET", "out"}};
  env["TXT2PDF_S3_FORCE_PATH_STYLE"] = "on";
  EXPECT_TRUE(parse_dispatcher_config(env).s3.force_path_style);
  env["TXT2PDF_S3_FORCE_PATH_STYLE"] = "Off";
  EXPECT_FALSE(parse_dispatcher_config(env).s3.force_path_style);
  env["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:7480/";
  EXPECT_EQ(parse_dispatcher_config(env).s3.endpoint_url, "http://127.0.0.1:7480");
  env["WAIT_TIME_SECONDS"] = "5s";
  EXPECT_EQ(parse_dispatcher_config(env).wait_time, 5s);
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"AWS_ENDPOINT_URL_S3", "127.0.0.1:7480"},
                                                        {"AWS_ENDPOINT_URL_SQS", "ftp://q"},
                                                        {"AWS_ENDPOINT_URL_BATCH", "batch.local"},
                                                        {"AWS_ENDPOINT_URL", "https://"},
                                                        {"HEALTH_PORT", "80x"},
                                                        {"HEALTH_PORT", " 8080"},
                                                        {"TXT2PDF_S3_FORCE_PATH_STYLE", "2"}}) {
    Environment bad{{"QUEUE_URL", "http://q/1/jobs"}, {"DEST_BUCKET", "out"}, {name, value}};
    try {
      (void)parse_dispatcher_config(bad);
      ADD_FAILURE() << name << "=" << value;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
}

TEST(DispatcherConfigTest, HealthPortHasOneParserForServiceAndHealthcheck) {
  EXPECT_EQ(health_port_from({}), 8080);
  EXPECT_EQ(health_port_from({{"HEALTH_PORT", "9000"}}), 9000);
  EXPECT_EQ(health_port_from({{"HEALTH_PORT", "0"}}), 0);
  // atoi made "8o80" port 8 and "x" port 0.
  for (const char* bad : {"8o80", "x", "-1", "65536"}) {
    EXPECT_THROW((void)health_port_from({{"HEALTH_PORT", bad}}), Error) << bad;
  }
}

TEST(LocalLauncherTest, MissingJobCommandIsRefusedAtStartUp) {
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"/nonexistent/txt2pdf-job"}, {"no-such-txt2pdf-job", "-x"}}) {
    try {
      LocalLauncher launcher(command, {{"PATH", "/usr/bin:/bin"}});
      ADD_FAILURE() << command[0];
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find("JOB_COMMAND"), std::string::npos) << error.what();
      EXPECT_EQ(exit_code_for(error), 64);
    }
  }
  EXPECT_EQ(find_executable("sh", {{"PATH", "/nonexistent:/bin"}}), std::optional<std::string>("/bin/sh"));
  EXPECT_EQ(find_executable("/bin/sh", {}), std::optional<std::string>("/bin/sh"));
  EXPECT_FALSE(find_executable("sh", {{"PATH", "/nonexistent"}}));
}

TEST(LauncherContract, OneJobEnvironmentForEveryLauncher) {
  const JobSpec spec{"in", "a b.txt", "out", "a b.pdf"};
  const std::vector<std::pair<std::string, std::string>> expected{
      {"SOURCE_BUCKET", "in"}, {"OBJECT_KEY", "a b.txt"}, {"DEST_BUCKET", "out"}, {"DEST_KEY", "a b.pdf"}};
  EXPECT_EQ(job_environment(spec), expected);
  EXPECT_EQ(job_variables(spec), Environment(expected.begin(), expected.end()));
  EXPECT_EQ(job_environment({"in", "k", "out", ""}).size(), 3u) << "no DEST_KEY when empty";
  EXPECT_EQ(batch_submit_input({}, spec).environment, expected);
  EXPECT_EQ(ecs_run_task_input({}, spec).environment, expected);
}

}  // namespace
}  // namespace txt2pdf

namespace txt2pdf {
namespace {

// Issue 12, bug 1. Before: the DLQ attribute of a long key of é was cut at 1,024 bytes inside a
// character and the JSON serialiser threw; run() ended with an exception (here code -2; in the
// service, exit 70 and every running job killed).
TEST_F(DispatcherLoop, DlqAttributesOfAnyKeyAreValidUtf8CutOnACharacter) {
  FakeQueue queue(true);
  std::string key = "x";
  for (int i = 0; i < 600; ++i) key += "\xC3\xA9";
  add_source(key);
  world_.exit_codes[key] = 65;
  queue.push("m1", nlohmann::json{{"bucket", "in"}, {"key", key}}.dump());
  EXPECT_EQ(run_until(queue, [&] { return !queue.deleted().empty(); }), 0);
  const auto dead = queue.dead();
  ASSERT_EQ(dead.size(), 1u);
  const auto& attribute = dead[0].second.at("object_key").string_value;
  EXPECT_EQ(attribute.size(), 1023u);
  EXPECT_EQ(attribute, key.substr(0, 1023));
}

// Issue 12, bug 1: anything a message's handling throws stays with that message. Before: the
// runtime_error from the launcher left run() (code -2) and the other message was never done.
TEST_F(DispatcherLoop, NonErrorExceptionsDoNotEndTheDispatcher) {
  FakeQueue queue(true);
  add_source("boom.txt");
  add_source("fine.txt");
  world_.throw_on_start = {"boom.txt"};
  queue.push("m1", s3_event("in", {"boom.txt"}));
  queue.push("m2", s3_event("in", {"fine.txt"}));
  EXPECT_EQ(run_until(queue, [&] { return queue.deleted().size() >= 2; }), 0);
  auto deleted = queue.deleted();
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<std::string>{"rh-m1", "rh-m2"}));
  // The one exit-code mapping: an exception that is not an Error is internal (70), a bug that the
  // same input would hit again, so m1 goes to the DLQ with the reason.
  const auto dead = queue.dead();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].second.at("exit_code").string_value, "70");
  EXPECT_NE(dead[0].second.at("reason").string_value.find("unexpected exception"), std::string::npos);
}

}  // namespace
}  // namespace txt2pdf

namespace txt2pdf {
namespace {

// Issue 12, bug 6. Before: no deadline: a hung job held its slot and its message for ever (here the
// run ended by the 10 s limit of run_until with no retry).
TEST_F(DispatcherLoop, JobTimeoutStopsTheJobAndRetriesTheMessage) {
  FakeQueue queue(true);
  add_source("hangs.txt");
  world_.hang = true;
  auto config = base_config();
  config.job_timeout = 1s;
  queue.push("m1", s3_event("in", {"hangs.txt"}));
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.visibility().empty(); }, config),
            0);
  const auto visibility = queue.visibility();
  ASSERT_FALSE(visibility.empty());
  EXPECT_EQ(visibility[0], std::make_pair(std::string("rh-m1"), 10s)) << "retried after RETRY_BASE_SECONDS";
  EXPECT_TRUE(queue.dead().empty());
}

// Issue 12, bug 8. Before: a transient failure on the last receive the redrive policy allows was
// returned to the queue, and SQS moved it to its DLQ with no reason.
TEST_F(DispatcherLoop, TransientFailureOnTheLastReceiveGoesToTheDlqWithItsReason) {
  FakeQueue queue(true);
  add_source("slow.txt");
  world_.exit_codes["slow.txt"] = 75;
  auto config = base_config();
  config.max_receive_count = 3;
  queue.push("m1", s3_event("in", {"slow.txt"}), 3);
  EXPECT_EQ(run_until(
                queue, [&] { return !queue.deleted().empty(); }, config),
            0);
  const auto dead = queue.dead();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].second.at("exit_code").string_value, "75");
  EXPECT_NE(dead[0].second.at("reason").string_value.find("3 receives"), std::string::npos)
      << dead[0].second.at("reason").string_value;
  EXPECT_EQ(dead[0].second.at("error_kind").string_value, "transient");
}

TEST(DispatcherRules, RedriveMaxReceiveCount) {
  EXPECT_EQ(redrive_max_receive_count(R"({"deadLetterTargetArn":"arn:aws:sqs:r:1:dlq","maxReceiveCount":"3"})"), 3);
  EXPECT_EQ(redrive_max_receive_count(R"({"maxReceiveCount":5})"), 5);
  EXPECT_EQ(redrive_max_receive_count(""), 0);
  EXPECT_EQ(redrive_max_receive_count(R"({"maxReceiveCount":"x"})"), 0);
  EXPECT_EQ(redrive_max_receive_count("[1]"), 0);
}

}  // namespace
}  // namespace txt2pdf
