#include "txt2pdf/aws/ecs.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "support/test_files.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) { return testing::read_test_file(path); }

const std::string kConformance = std::string(TXT2PDF_CONFORMANCE_DIR) + "/batch-ecs/";
const std::string kData = std::string(TXT2PDF_TEST_DATA_DIR) + "/aws/";
const std::string kTaskArn = "arn:aws:ecs:us-east-1:123456789012:task/txt2pdf/1dc5c17a422548b2b3c2a6a2f8e3e1f5";

// The inputs behind ../shared/conformance/batch-ecs/ecs-RunTask.request.json.
ecs::RunTaskInput conformance_input() {
  ecs::RunTaskInput input;
  input.cluster = "txt2pdf";
  input.task_definition = "txt2pdf-job:3";
  input.platform_version = "LATEST";
  input.subnets = {"subnet-0abc1234def567890"};
  input.security_groups = {"sg-0123456789abcdef0"};
  input.assign_public_ip = false;
  input.container_name = "txt2pdf";
  input.environment = {
      {"SOURCE_BUCKET", "txt2pdf-in"}, {"OBJECT_KEY", "invoices/2024/inv 0001+a.txt"}, {"DEST_BUCKET", "txt2pdf-out"}};
  input.tags = {{"app", "txt2pdf"}};
  return input;
}

TEST(EcsRunTask, BodyEqualsBotocoreSerialisation) {
  const json expected = json::parse(read_file(kConformance + "ecs-RunTask.request.json"));
  EXPECT_EQ(ecs::run_task_body(conformance_input()), expected);
}

TEST(EcsRunTask, RequestMatchesValidatedParamsAndHeadersOfBothBotocoreVersions) {
  for (const char* file : {"validation-botocore-1.29.27.json", "validation-botocore-1.43.11.json"}) {
    const json op = json::parse(read_file(kConformance + file)).at("ecs.RunTask");
    ASSERT_EQ(op.at("validation_errors"), "") << file;
    const auto request = ecs::run_task_request("https://ecs.us-east-1.amazonaws.com", conformance_input());
    EXPECT_EQ(json::parse(request.body), op.at("params")) << file;
    EXPECT_EQ(request.method, op.at("method"));
    EXPECT_EQ(request.url, "https://ecs.us-east-1.amazonaws.com" + op.at("path").get<std::string>());
    for (const auto& [name, value] : op.at("headers").items()) {
      EXPECT_EQ(find_header(request.headers, name), value.get<std::string>()) << name;
    }
  }
}

TEST(EcsRunTask, PublicIpDefaultClusterAndTheManagedByTag) {
  ecs::RunTaskInput input;
  input.task_definition = "td";
  input.subnets = {"s1", "s2"};
  input.assign_public_ip = true;
  input.container_name = "txt2pdf-job";
  input.environment = {{"DEST_KEY", "a.pdf"}};
  const json body = ecs::run_task_body(input);
  EXPECT_FALSE(body.contains("cluster"));
  // Without it the deploy/ policies' StopTask (ecs:ResourceTag/txt2pdf:managed-by) is denied.
  EXPECT_EQ(body.at("tags"), json::parse(R"([{"key":"txt2pdf:managed-by","value":"txt2pdf-dispatcher"}])"));
  EXPECT_FALSE(body.contains("platformVersion"));
  EXPECT_EQ(body.at("count"), 1);
  EXPECT_EQ(body.at("launchType"), "FARGATE");
  EXPECT_EQ(body.at("startedBy"), "txt2pdf-dispatcher");
  EXPECT_EQ(body.at("networkConfiguration"),
            (json{{"awsvpcConfiguration", {{"subnets", {"s1", "s2"}}, {"assignPublicIp", "ENABLED"}}}}));
  EXPECT_EQ(body.at("overrides").at("containerOverrides"),
            json::parse(R"([{"name":"txt2pdf-job","environment":[{"name":"DEST_KEY","value":"a.pdf"}]}])"));
}

TEST(EcsRunTask, RequestBodyCarriesTheManagedByTag) {
  ecs::RunTaskInput input;
  input.task_definition = "td";
  input.subnets = {"s1"};
  const auto request = ecs::run_task_request("https://ecs.us-east-1.amazonaws.com", input);
  const json tags = json::parse(request.body).at("tags");
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].at("key"), kManagedByTagKey);
  EXPECT_EQ(tags[0].at("value"), kManagedByTagValue);
}

TEST(EcsRunTask, DescribeAndStopBodies) {
  const auto describe = ecs::describe_tasks_request("http://h/", "c", {kTaskArn});
  EXPECT_EQ(describe.url, "http://h/");
  EXPECT_EQ(find_header(describe.headers, "X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.DescribeTasks");
  EXPECT_EQ(json::parse(describe.body), (json{{"cluster", "c"}, {"tasks", {kTaskArn}}}));
  const auto stop = ecs::stop_task_request("http://h", "c", kTaskArn, "dispatcher stopping");
  EXPECT_EQ(find_header(stop.headers, "X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.StopTask");
  EXPECT_EQ(json::parse(stop.body), (json{{"cluster", "c"}, {"task", kTaskArn}, {"reason", "dispatcher stopping"}}));
}

HttpResponse response_of(const json& index_case) {
  HttpResponse response;
  response.status = index_case.at("http_status").get<int>();
  for (const auto& [name, value] : index_case.at("headers").items()) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(lower, value.get<std::string>());
  }
  response.body = read_file(kConformance + index_case.at("body_file").get<std::string>());
  return response;
}

ErrorKind expected_kind(const std::string& code) {
  if (code == "AccessDeniedException") return ErrorKind::kAccessDenied;
  if (code == "ThrottlingException") return ErrorKind::kTransient;
  return ErrorKind::kConfig;  // InvalidParameterException, ClusterNotFoundException
}

TEST(EcsConformance, EveryEcsSampleParsesLikeBotocore) {
  const json index = json::parse(read_file(kConformance + "index.json"));
  int successes = 0;
  int failures = 0;
  int errors = 0;
  for (const auto& sample : index.at("cases")) {
    if (sample.at("service") != "ecs") continue;
    const auto response = response_of(sample);
    const json& parsed = sample.at("botocore_parsed");
    if (response.status == 200 && !parsed.at("tasks").empty()) {
      EXPECT_EQ(ecs::parse_run_task_response(response.body), parsed.at("tasks").at(0).at("taskArn"));
      ++successes;
    } else if (response.status == 200) {
      try {
        (void)ecs::parse_run_task_response(response.body);
        ADD_FAILURE() << "a RunTask reply with failures[] and no task must throw";
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kTransient);
        EXPECT_EQ(e.aws_code(), parsed.at("failures").at(0).at("reason"));
        EXPECT_NE(std::string(e.what()).find("RESOURCE:MEMORY"), std::string::npos);
      }
      ++failures;
    } else {
      const Error error = ecs::parse_error(response);
      const std::string code = parsed.at("Code");
      EXPECT_EQ(error.aws_code(), code);
      EXPECT_EQ(error.kind(), expected_kind(code)) << code;
      EXPECT_EQ(error.request_id(), sample.at("headers").at("x-amzn-RequestId"));
      EXPECT_NE(std::string(error.what()).find(parsed.at("Message").get<std::string>()), std::string::npos) << code;
      ++errors;
    }
  }
  EXPECT_EQ(successes, 1);
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(errors, 4);
}

TEST(EcsRunTask, AttributeFailureIsConfigOthersTransient) {
  const auto kind_for = [](const std::string& reason) {
    try {
      (void)ecs::parse_run_task_response(R"({"tasks":[],"failures":[{"arn":"a","reason":")" + reason + R"("}]})");
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;
  };
  EXPECT_EQ(kind_for("ATTRIBUTE"), ErrorKind::kConfig);
  EXPECT_EQ(kind_for("MISSING"), ErrorKind::kTransient);
  EXPECT_EQ(kind_for("RESOURCE:CPU"), ErrorKind::kTransient);
  EXPECT_EQ(kind_for("AGENT"), ErrorKind::kTransient);
  EXPECT_THROW((void)ecs::parse_run_task_response(R"({"tasks":[],"failures":[]})"), Error);
  EXPECT_THROW((void)ecs::parse_run_task_response("<html/>"), Error);
}

TEST(EcsDescribeTasks, StatusesExitCodesAndReasons) {
  struct Case {
    const char* file;
    const char* last_status;
    std::optional<int> final_code;
    const char* reason_part;
  };
  const Case cases[] = {
      {"ecs-DescribeTasks.response-running.json", "RUNNING", std::nullopt, ""},
      {"ecs-DescribeTasks.response-stopped-exit0.json", "STOPPED", 0, "Essential container"},
      {"ecs-DescribeTasks.response-stopped-exit65.json", "STOPPED", 65, "Essential container"},
      {"ecs-DescribeTasks.response-stopped-no-exit-code.json", "STOPPED", 75, "CannotPullContainerError"},
  };
  for (const auto& c : cases) {
    const auto status = ecs::parse_describe_tasks_response(read_file(kData + c.file), kTaskArn, "txt2pdf");
    ASSERT_TRUE(status) << c.file;
    EXPECT_EQ(status->last_status, c.last_status);
    EXPECT_EQ(ecs::final_exit_code(*status), c.final_code) << c.file;
    EXPECT_NE(status->stopped_reason.find(c.reason_part), std::string::npos) << c.file;
  }
  EXPECT_FALSE(ecs::parse_describe_tasks_response(read_file(kData + "ecs-DescribeTasks.response-missing.json"),
                                                  kTaskArn, "txt2pdf"));
}

TEST(EcsDescribeTasks, ExitCodeOfTheNamedContainer) {
  const std::string body = R"({"tasks":[{"taskArn":"t","lastStatus":"STOPPED","containers":[
      {"name":"log-router","exitCode":0},{"name":"txt2pdf-job","exitCode":66}]}],"failures":[]})";
  EXPECT_EQ(ecs::parse_describe_tasks_response(body, "t", "txt2pdf-job")->exit_code, 66);
  EXPECT_EQ(ecs::parse_describe_tasks_response(body, "t", "log-router")->exit_code, 0);
  // Two containers and neither named: no guess.
  EXPECT_EQ(ecs::final_exit_code(*ecs::parse_describe_tasks_response(body, "t", "other")), 75);
  EXPECT_THROW((void)ecs::parse_describe_tasks_response(R"({"failures":[]})", "t", "x"), Error);
}

}  // namespace
}  // namespace txt2pdf
