#include "txt2pdf/dispatch/launchers_aws.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "support/test_files.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::string read_file(const std::string& path) { return testing::read_test_file(path); }

const std::string kData = std::string(TXT2PDF_TEST_DATA_DIR) + "/aws/";
const std::string kJobId = "876da822-4198-45f2-a252-6cea32512ea8";
const std::string kTaskArn = "arn:aws:ecs:us-east-1:123456789012:task/txt2pdf/1dc5c17a422548b2b3c2a6a2f8e3e1f5";

// Replays scripted replies in order and keeps every request it was sent.
struct Script {
  std::deque<HttpResponse> replies;
  std::vector<HttpRequest> requests;
};

class ScriptedHttp final : public HttpClient {
 public:
  explicit ScriptedHttp(Script& script) : script_(script) {}
  HttpResponse send(const HttpRequest& request) override {
    script_.requests.push_back(request);
    if (script_.replies.empty()) throw Error(ErrorKind::kInternal, "no scripted reply for " + request.url);
    HttpResponse reply = script_.replies.front();
    script_.replies.pop_front();
    return reply;
  }

 private:
  Script& script_;
};

class FixedCredentials final : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}; }
};

class ManualClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return now_; }
  bool sleep_for(std::chrono::milliseconds duration) override {
    now_ += duration;
    return true;
  }
  void advance(seconds by) { now_ += by; }

 private:
  std::chrono::system_clock::time_point now_{seconds(1700000000)};
};

HttpResponse reply(int status, std::string body, Headers headers = {}) {
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

AwsLauncherSettings settings_from(Environment env) {
  env.emplace("AWS_REGION", "eu-west-1");
  return parse_aws_launcher_settings(env);
}

AwsLauncherSettings batch_settings() {
  auto settings = settings_from({{"JOB_QUEUE", "txt2pdf-fargate"},
                                 {"JOB_DEFINITION", "txt2pdf-job:3"},
                                 {"AWS_ENDPOINT_URL_BATCH", "http://127.0.0.1:9"},
                                 {"JOB_POLL_SECONDS", "5"}});
  return settings;
}

AwsLauncherSettings ecs_settings() {
  return settings_from({{"ECS_CLUSTER", "txt2pdf"},
                        {"TASK_DEFINITION", "txt2pdf-job:3"},
                        {"SUBNETS", "subnet-a, subnet-b"},
                        {"SECURITY_GROUPS", "sg-1"},
                        {"AWS_ENDPOINT_URL", "http://127.0.0.1:8"},
                        {"JOB_POLL_SECONDS", "5"}});
}

const JobSpec kSpec{"txt2pdf-in", "invoices/2024/inv 0001+a.txt", "txt2pdf-out", ""};

TEST(RouteLauncher, PoolGoesToBatchEverythingElseToEcs) {
  EXPECT_EQ(route_launcher({{"processor-type", "pool"}}), "batch");
  EXPECT_EQ(route_launcher({{"x-amz-meta-processor-type", "pool"}}), "batch");
  EXPECT_EQ(route_launcher({{"Processor-Type", "pool"}, {"other", "x"}}), "batch");
  EXPECT_EQ(route_launcher({{"processor-type", "single"}}), "ecs");
  EXPECT_EQ(route_launcher({{"processor-type", "POOL "}}), "ecs");
  EXPECT_EQ(route_launcher({{"type", "pool"}}), "ecs");
  EXPECT_EQ(route_launcher({}), "ecs");
}

TEST(AwsLauncherSettings, MissingRequiredVariablesAreNamed) {
  const auto message_of = [](const Environment& env, const char* launcher) -> std::string {
    try {
      check_aws_launcher_settings(settings_from(env), launcher);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kConfig);
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_of({}, "batch").find("JOB_QUEUE"), std::string::npos);
  EXPECT_NE(message_of({{"JOB_QUEUE", "q"}}, "batch").find("JOB_DEFINITION"), std::string::npos);
  EXPECT_EQ(message_of({{"JOB_QUEUE", "q"}, {"JOB_DEFINITION", "d"}}, "batch"), "");
  EXPECT_NE(message_of({}, "ecs").find("TASK_DEFINITION"), std::string::npos);
  EXPECT_NE(message_of({{"TASK_DEFINITION", "t"}, {"SUBNETS", " , "}}, "ecs").find("SUBNETS"), std::string::npos);
  EXPECT_EQ(message_of({{"TASK_DEFINITION", "t"}, {"SUBNETS", "s"}}, "ecs"), "");
  EXPECT_NE(message_of({{"TASK_DEFINITION", "t"}, {"SUBNETS", "s"}}, "auto").find("JOB_QUEUE"), std::string::npos);
  EXPECT_EQ(message_of({}, "local"), "");
  Script script;
  FixedCredentials credentials;
  ManualClock clock;
  EXPECT_THROW((void)make_batch_launcher(settings_from({}), credentials, clock, std::make_unique<ScriptedHttp>(script)),
               Error);
  EXPECT_THROW((void)make_ecs_launcher(settings_from({}), credentials, clock, std::make_unique<ScriptedHttp>(script)),
               Error);
}

TEST(AwsLauncherSettings, EndpointsFromSpecificGeneralOrRegion) {
  EXPECT_EQ(batch_endpoint_of(batch_settings()), "http://127.0.0.1:9");
  EXPECT_EQ(ecs_endpoint_of(ecs_settings()), "http://127.0.0.1:8");
  EXPECT_EQ(batch_endpoint_of(ecs_settings()), "http://127.0.0.1:8");  // AWS_ENDPOINT_URL for every service
  EXPECT_EQ(ecs_endpoint_of(batch_settings()), "https://ecs.eu-west-1.amazonaws.com");
  EXPECT_EQ(batch_endpoint_of(settings_from({{"AWS_DEFAULT_REGION", "ap-south-1"}})),
            "https://batch.eu-west-1.amazonaws.com");  // AWS_REGION wins
}

TEST(AwsLauncherInputs, BatchSubmitCarriesTheJobVariables) {
  JobSpec spec = kSpec;
  spec.dest_key = "out/inv 0001+a.pdf";
  const json body = batch::submit_job_body(batch_submit_input(batch_settings(), spec));
  const json expected = json::parse(R"({
    "jobName": "txt2pdf-invoices_2024_inv_0001_a_txt", "jobQueue": "txt2pdf-fargate", "jobDefinition": "txt2pdf-job:3",
    "containerOverrides": {"environment": [
      {"name": "SOURCE_BUCKET", "value": "txt2pdf-in"}, {"name": "OBJECT_KEY", "value": "invoices/2024/inv 0001+a.txt"},
      {"name": "DEST_BUCKET", "value": "txt2pdf-out"}, {"name": "DEST_KEY", "value": "out/inv 0001+a.pdf"}]},
    "propagateTags": true, "tags": {"txt2pdf:managed-by": "txt2pdf-dispatcher"}})");
  EXPECT_EQ(body, expected);
}

TEST(AwsLauncherInputs, EcsRunTaskCarriesTheJobVariables) {
  const json body = ecs::run_task_body(ecs_run_task_input(ecs_settings(), kSpec));
  const json expected = json::parse(R"({
    "cluster": "txt2pdf", "taskDefinition": "txt2pdf-job:3", "launchType": "FARGATE", "count": 1,
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                     "assignPublicIp": "DISABLED"}},
    "overrides": {"containerOverrides": [{"name": "txt2pdf-job", "environment": [
      {"name": "SOURCE_BUCKET", "value": "txt2pdf-in"}, {"name": "OBJECT_KEY", "value": "invoices/2024/inv 0001+a.txt"},
      {"name": "DEST_BUCKET", "value": "txt2pdf-out"}]}]},
    "startedBy": "txt2pdf-dispatcher", "tags": [{"key": "txt2pdf:managed-by", "value": "txt2pdf-dispatcher"}]})");
  EXPECT_EQ(body, expected);
  auto settings = ecs_settings();
  settings.container_name = "main";
  settings.assign_public_ip = true;
  const json custom = ecs::run_task_body(ecs_run_task_input(settings, kSpec));
  EXPECT_EQ(custom.at("overrides").at("containerOverrides").at(0).at("name"), "main");
  EXPECT_EQ(custom.at("networkConfiguration").at("awsvpcConfiguration").at("assignPublicIp"), "ENABLED");
}

struct Fixture {
  Script script;
  FixedCredentials credentials;
  ManualClock clock;
  RetryPolicy policy{2, std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
};

TEST(BatchLauncher, SubmitsSignedThenPollsAtTheIntervalUntilSucceeded) {
  Fixture f;
  auto launcher =
      make_batch_launcher(batch_settings(), f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  EXPECT_EQ(launcher->name(), "batch");
  f.script.replies = {
      reply(200, read_file(std::string(TXT2PDF_CONFORMANCE_DIR) + "/batch-ecs/batch-SubmitJob.response.json")),
      reply(200, read_file(kData + "batch-DescribeJobs.response-running.json")),
      reply(200, read_file(kData + "batch-DescribeJobs.response-succeeded.json"))};
  auto job = launcher->start(kSpec);
  EXPECT_EQ(job->id(), kJobId);
  const HttpRequest& submit = f.script.requests.at(0);
  EXPECT_EQ(submit.url, "http://127.0.0.1:9/v1/submitjob");
  const auto authorization = find_header(submit.headers, "Authorization");
  ASSERT_TRUE(authorization);
  EXPECT_NE(authorization->find("/eu-west-1/batch/aws4_request"), std::string::npos);
  EXPECT_EQ(json::parse(submit.body).at("jobQueue"), "txt2pdf-fargate");

  EXPECT_FALSE(job->poll());  // RUNNING
  EXPECT_FALSE(job->poll());  // too soon: no request
  EXPECT_EQ(f.script.requests.size(), 2u);
  f.clock.advance(seconds(5));
  const auto outcome = job->poll();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->job_id, kJobId);
  EXPECT_EQ(json::parse(f.script.requests.at(2).body), (json{{"jobs", {kJobId}}}));
  EXPECT_EQ(job->poll()->exit_code, 0);  // remembered, no further request
  EXPECT_EQ(f.script.requests.size(), 3u);
}

TEST(BatchLauncher, FailedJobsReportTheirExitCodeOr75) {
  for (const auto& [file, code, reason] : std::vector<std::tuple<std::string, int, std::string>>{
           {"batch-DescribeJobs.response-failed-exit65.json", 65, "Essential container"},
           {"batch-DescribeJobs.response-failed-no-exit-code.json", 75, "CannotPullContainerError"}}) {
    Fixture f;
    auto launcher = make_batch_launcher(batch_settings(), f.credentials, f.clock,
                                        std::make_unique<ScriptedHttp>(f.script), f.policy);
    f.script.replies = {reply(200, R"({"jobId":")" + kJobId + R"(","jobName":"n","jobArn":"a"})"),
                        reply(200, read_file(kData + file))};
    auto job = launcher->start(kSpec);
    const auto outcome = job->poll();
    ASSERT_TRUE(outcome) << file;
    EXPECT_EQ(outcome->exit_code, code);
    EXPECT_NE(outcome->detail.find("FAILED: " + reason), std::string::npos) << outcome->detail;
  }
}

TEST(BatchLauncher, SubmitErrorsKeepTheirKind) {
  Fixture f;
  auto launcher =
      make_batch_launcher(batch_settings(), f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  f.script.replies = {
      reply(400, R"({"message":"Job Queue q does not exist"})", {{"x-amzn-errortype", "ClientException:"}})};
  try {
    (void)launcher->start(kSpec);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_EQ(e.aws_code(), "ClientException");
  }
  EXPECT_EQ(f.script.requests.size(), 1u);  // not retried
  f.script.replies = {reply(500, "{}", {{"x-amzn-errortype", "ServerException:"}}),
                      reply(500, "{}", {{"x-amzn-errortype", "ServerException:"}})};
  try {
    (void)launcher->start(kSpec);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
  }
  EXPECT_EQ(f.script.requests.size(), 3u);  // retried once (policy: 2 attempts)
}

TEST(BatchLauncher, UnreadableStatusIsTransientAndALostJobIs75) {
  Fixture f;
  auto launcher =
      make_batch_launcher(batch_settings(), f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  f.script.replies = {reply(200, R"({"jobId":"j1"})"),
                      reply(403, R"({"message":"denied"})", {{"x-amzn-errortype", "AccessDeniedException:"}}),
                      reply(200, R"({"jobs":[]})"), reply(200, R"({"jobs":[]})"), reply(200, R"({"jobs":[]})")};
  auto job = launcher->start(kSpec);
  try {
    (void)job->poll();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_EQ(e.aws_code(), "AccessDeniedException");
  }
  for (int i = 0; i < 2; ++i) {
    f.clock.advance(seconds(5));
    EXPECT_FALSE(job->poll());
  }
  f.clock.advance(seconds(5));
  const auto outcome = job->poll();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 75);
  EXPECT_NE(outcome->detail.find("no longer known"), std::string::npos);
}

TEST(BatchLauncher, StopSendsTerminateJobAndNeverThrows) {
  Fixture f;
  auto launcher =
      make_batch_launcher(batch_settings(), f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  f.script.replies = {reply(200, R"({"jobId":"j1"})"), reply(200, "{}"),
                      reply(400, R"({"message":"no"})", {{"x-amzn-errortype", "ClientException:"}})};
  auto job = launcher->start(kSpec);
  job->request_stop();
  EXPECT_EQ(f.script.requests.at(1).url, "http://127.0.0.1:9/v1/terminatejob");
  EXPECT_EQ(json::parse(f.script.requests.at(1).body).at("jobId"), "j1");
  EXPECT_NO_THROW(job->request_stop());
}

TEST(EcsLauncher, RunsSignedThenReportsTheContainerExitCode) {
  Fixture f;
  // The task definition of the fixtures names its container "txt2pdf": ask for that one.
  auto settings = ecs_settings();
  settings.container_name = "txt2pdf";
  auto launcher =
      make_ecs_launcher(settings, f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  EXPECT_EQ(launcher->name(), "ecs");
  const auto stopped = read_file(kData + "ecs-DescribeTasks.response-stopped-exit65.json");
  f.script.replies = {
      reply(200, read_file(std::string(TXT2PDF_CONFORMANCE_DIR) + "/batch-ecs/ecs-RunTask.response.json")),
      reply(200, read_file(kData + "ecs-DescribeTasks.response-running.json")), reply(200, stopped)};
  auto job = launcher->start(kSpec);
  EXPECT_EQ(job->id(), kTaskArn);
  const HttpRequest& run = f.script.requests.at(0);
  EXPECT_EQ(find_header(run.headers, "X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.RunTask");
  EXPECT_NE(find_header(run.headers, "Authorization")->find("/eu-west-1/ecs/aws4_request"), std::string::npos);
  EXPECT_FALSE(job->poll());
  f.clock.advance(seconds(5));
  const auto outcome = job->poll();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 65);
  EXPECT_EQ(outcome->detail, "STOPPED (EssentialContainerExited): Essential container in task exited");
  EXPECT_EQ(json::parse(f.script.requests.at(2).body), (json{{"cluster", "txt2pdf"}, {"tasks", {kTaskArn}}}));
}

TEST(EcsLauncher, RunTaskFailuresAreTransientErrors) {
  Fixture f;
  auto launcher =
      make_ecs_launcher(ecs_settings(), f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  f.script.replies = {reply(
      200, read_file(std::string(TXT2PDF_CONFORMANCE_DIR) + "/batch-ecs/ecs-RunTask.response-with-failures.json"))};
  try {
    (void)launcher->start(kSpec);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_EQ(e.aws_code(), "RESOURCE:MEMORY");
  }
}

TEST(EcsLauncher, StoppedWithoutExitCodeIs75AndStopSendsStopTask) {
  Fixture f;
  auto settings = ecs_settings();
  settings.container_name = "txt2pdf";
  auto launcher =
      make_ecs_launcher(settings, f.credentials, f.clock, std::make_unique<ScriptedHttp>(f.script), f.policy);
  f.script.replies = {reply(200, R"({"tasks":[{"taskArn":")" + kTaskArn + R"("}],"failures":[]})"), reply(200, "{}"),
                      reply(200, read_file(kData + "ecs-DescribeTasks.response-stopped-no-exit-code.json"))};
  auto job = launcher->start(kSpec);
  job->request_stop();
  EXPECT_EQ(find_header(f.script.requests.at(1).headers, "X-Amz-Target"),
            "AmazonEC2ContainerServiceV20141113.StopTask");
  EXPECT_EQ(json::parse(f.script.requests.at(1).body).at("task"), kTaskArn);
  const auto outcome = job->poll();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->exit_code, 75);
  EXPECT_NE(outcome->detail.find("TaskFailedToStart"), std::string::npos);
}

}  // namespace
}  // namespace txt2pdf
