#include "txt2pdf/aws/batch.hpp"

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

// The inputs behind ../shared/conformance/batch-ecs/batch-SubmitJob.request.json.
batch::SubmitJobInput conformance_input() {
  batch::SubmitJobInput input;
  input.job_name = "txt2pdf-inv-0001";
  input.job_queue = "arn:aws:batch:us-east-1:123456789012:job-queue/txt2pdf-fargate";
  input.job_definition = "txt2pdf-job:3";
  input.environment = {
      {"SOURCE_BUCKET", "txt2pdf-in"}, {"OBJECT_KEY", "invoices/2024/inv 0001+a.txt"}, {"DEST_BUCKET", "txt2pdf-out"}};
  input.command = {"/usr/local/bin/txt2pdf-job"};
  input.resource_requirements = {{"VCPU", "1"}, {"MEMORY", "2048"}};
  input.retry_attempts = 3;
  input.evaluate_on_exit = {{"75", "RETRY"}, {"*", "EXIT"}};
  input.attempt_duration_seconds = 900;
  input.propagate_tags = true;
  input.tags = {{"app", "txt2pdf"}};
  return input;
}

TEST(BatchSubmitJob, BodyEqualsBotocoreSerialisation) {
  const json expected = json::parse(read_file(kConformance + "batch-SubmitJob.request.json"));
  EXPECT_EQ(batch::submit_job_body(conformance_input()), expected);
}

TEST(BatchSubmitJob, BodyEqualsValidatedParamsOfBothBotocoreVersions) {
  for (const char* file : {"validation-botocore-1.29.27.json", "validation-botocore-1.43.11.json"}) {
    const json validation = json::parse(read_file(kConformance + file));
    const json& op = validation.at("batch.SubmitJob");
    ASSERT_EQ(op.at("validation_errors"), "") << file;
    EXPECT_EQ(batch::submit_job_body(conformance_input()), op.at("params")) << file;
    const auto request = batch::submit_job_request("https://batch.us-east-1.amazonaws.com", conformance_input());
    EXPECT_EQ(request.method, op.at("method"));
    EXPECT_EQ(request.url, "https://batch.us-east-1.amazonaws.com" + op.at("path").get<std::string>());
    EXPECT_EQ(find_header(request.headers, "Content-Type"), op.at("headers").at("Content-Type").get<std::string>());
  }
}

TEST(BatchSubmitJob, MinimalBodyLeavesOptionalMembersOutButTheTag) {
  batch::SubmitJobInput input;
  input.job_name = "n";
  input.job_queue = "q";
  input.job_definition = "d";
  input.environment = {{"SOURCE_BUCKET", "b"}, {"OBJECT_KEY", "k"}, {"DEST_BUCKET", "o"}, {"DEST_KEY", "k.pdf"}};
  const json expected = {{"jobName", "n"},
                         {"jobQueue", "q"},
                         {"jobDefinition", "d"},
                         {"containerOverrides",
                          {{"environment",
                            {{{"name", "SOURCE_BUCKET"}, {"value", "b"}},
                             {{"name", "OBJECT_KEY"}, {"value", "k"}},
                             {{"name", "DEST_BUCKET"}, {"value", "o"}},
                             {{"name", "DEST_KEY"}, {"value", "k.pdf"}}}}}},
                         {"propagateTags", true},
                         {"tags", {{"txt2pdf:managed-by", "txt2pdf-dispatcher"}}}};
  EXPECT_EQ(batch::submit_job_body(input), expected);
}

// Without the tag the deploy/ policies' TerminateJob (aws:ResourceTag/txt2pdf:managed-by) is
// denied; propagateTags puts it on the job's ECS task as well.
TEST(BatchSubmitJob, RequestBodyCarriesTheManagedByTagAndPropagatesIt) {
  batch::SubmitJobInput input;
  input.job_name = "n";
  input.job_queue = "q";
  input.job_definition = "d";
  const auto request = batch::submit_job_request("https://batch.us-east-1.amazonaws.com", input);
  const json body = json::parse(request.body);
  EXPECT_EQ(body.at("tags"), (json{{kManagedByTagKey, kManagedByTagValue}}));
  EXPECT_EQ(body.at("propagateTags"), true);
}

TEST(BatchSubmitJob, TrailingSlashOfEndpointIsNotDoubled) {
  EXPECT_EQ(batch::describe_jobs_request("http://127.0.0.1:9/", {"a"}).url, "http://127.0.0.1:9/v1/describejobs");
  EXPECT_EQ(batch::terminate_job_request("http://127.0.0.1:9", "a", "r").url, "http://127.0.0.1:9/v1/terminatejob");
}

TEST(BatchSubmitJob, DescribeAndTerminateBodies) {
  EXPECT_EQ(json::parse(batch::describe_jobs_request("http://h", {"j1", "j2"}).body), (json{{"jobs", {"j1", "j2"}}}));
  EXPECT_EQ(json::parse(batch::terminate_job_request("http://h", "j1", "dispatcher stopping").body),
            (json{{"jobId", "j1"}, {"reason", "dispatcher stopping"}}));
}

TEST(BatchJobName, SanitisedToLettersDigitsHyphensUnderscores) {
  EXPECT_EQ(batch::sanitize_job_name("txt2pdf-inv_0001"), "txt2pdf-inv_0001");
  EXPECT_EQ(batch::sanitize_job_name("txt2pdf-invoices/2024/inv 0001+a.txt"), "txt2pdf-invoices_2024_inv_0001_a_txt");
  EXPECT_EQ(batch::sanitize_job_name("_x"), "j_x");
  EXPECT_EQ(batch::sanitize_job_name(""), "job");
  EXPECT_EQ(batch::sanitize_job_name("\xC3\xA9t\xC3\xA9"), "j__t__");
  const std::string name = batch::sanitize_job_name(std::string(300, 'a') + "/");
  EXPECT_EQ(name, std::string(128, 'a'));
  const std::string leading = batch::sanitize_job_name("-" + std::string(200, 'b'));
  EXPECT_EQ(leading.size(), 128u);
  for (const char c : batch::sanitize_job_name("a\tb\nc\"d'e%f")) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
}

HttpResponse response_of(const json& index_case, const std::string& directory) {
  HttpResponse response;
  response.status = index_case.at("http_status").get<int>();
  for (const auto& [name, value] : index_case.at("headers").items()) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(lower, value.get<std::string>());
  }
  response.body = read_file(directory + index_case.at("body_file").get<std::string>());
  return response;
}

TEST(BatchConformance, EveryBatchSampleParsesLikeBotocore) {
  const json index = json::parse(read_file(kConformance + "index.json"));
  int checked = 0;
  for (const auto& sample : index.at("cases")) {
    if (sample.at("service") != "batch") continue;
    const auto response = response_of(sample, kConformance);
    const json& parsed = sample.at("botocore_parsed");
    if (response.status == 200) {
      const auto output = batch::parse_submit_job_response(response.body);
      EXPECT_EQ(output.job_id, parsed.at("jobId"));
      EXPECT_EQ(output.job_arn, parsed.at("jobArn"));
      EXPECT_EQ(output.job_name, parsed.at("jobName"));
    } else {
      const Error error = batch::parse_error(response);
      EXPECT_EQ(error.aws_code(), parsed.at("Code"));
      EXPECT_NE(std::string(error.what()).find(parsed.at("Message").get<std::string>()), std::string::npos);
      EXPECT_EQ(error.http_status(), response.status);
      EXPECT_EQ(error.request_id(), sample.at("headers").at("x-amzn-RequestId"));
      const ErrorKind expected = parsed.at("Code") == "ServerException" ? ErrorKind::kTransient : ErrorKind::kConfig;
      EXPECT_EQ(error.kind(), expected) << parsed.at("Code");
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(BatchErrors, KindsFromCodeAndStatus) {
  const auto kind_of = [](int status, const std::string& header, const std::string& body) {
    HttpResponse response;
    response.status = status;
    if (!header.empty()) response.headers.emplace_back("x-amzn-errortype", header);
    response.body = body;
    return batch::parse_error(response);
  };
  EXPECT_EQ(kind_of(403, "AccessDeniedException:", R"({"message":"no"})").kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(403, "", R"({"__type":"InvalidSignatureException","message":"x"})").aws_code(),
            "InvalidSignatureException");
  EXPECT_EQ(kind_of(403, "", R"({"__type":"InvalidSignatureException"})").kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(400, "UnrecognizedClientException", "{}").kind(), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind_of(429, "TooManyRequestsException", "{}").kind(), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(400, "ThrottlingException", "{}").kind(), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(502, "", "<html>bad gateway</html>").kind(), ErrorKind::kTransient);
  EXPECT_EQ(kind_of(400, "", R"({"__type":"com.amazonaws.batch#ClientException","message":"m"})").aws_code(),
            "ClientException");
  EXPECT_EQ(kind_of(404, "", "").kind(), ErrorKind::kConfig);
  EXPECT_TRUE(kind_of(500, "ServerException:", "{}").retryable());
  EXPECT_FALSE(kind_of(400, "ClientException:", "{}").retryable());
}

TEST(BatchDescribeJobs, StatesExitCodesAndReasons) {
  const std::string id = "876da822-4198-45f2-a252-6cea32512ea8";
  struct Case {
    const char* file;
    batch::JobState state;
    std::optional<int> final_code;
    const char* reason_part;
  };
  const Case cases[] = {
      {"batch-DescribeJobs.response-running.json", batch::JobState::kRunning, std::nullopt, ""},
      {"batch-DescribeJobs.response-succeeded.json", batch::JobState::kSucceeded, 0, "Essential container"},
      {"batch-DescribeJobs.response-failed-exit65.json", batch::JobState::kFailed, 65, "Essential container"},
      {"batch-DescribeJobs.response-failed-no-exit-code.json", batch::JobState::kFailed, 75,
       "CannotPullContainerError"},
  };
  for (const auto& c : cases) {
    const auto status = batch::parse_describe_jobs_response(read_file(kData + c.file), id);
    ASSERT_TRUE(status) << c.file;
    EXPECT_EQ(status->job_id, id);
    EXPECT_EQ(status->state, c.state) << c.file;
    EXPECT_EQ(batch::final_exit_code(*status), c.final_code) << c.file;
    EXPECT_NE(status->status_reason.find(c.reason_part), std::string::npos) << c.file;
  }
  EXPECT_FALSE(batch::parse_describe_jobs_response(read_file(kData + "batch-DescribeJobs.response-empty.json"), id));
  EXPECT_FALSE(
      batch::parse_describe_jobs_response(read_file(kData + "batch-DescribeJobs.response-running.json"), "other"));
}

TEST(BatchDescribeJobs, ExitCodeOfLastAttemptWhenContainerHasNone) {
  const std::string body = R"({"jobs":[{"jobId":"j","status":"FAILED","container":{},
      "attempts":[{"container":{"exitCode":75}},{"container":{"exitCode":66,"reason":"r"}}]}]})";
  const auto status = batch::parse_describe_jobs_response(body, "j");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 66);
  EXPECT_EQ(status->status_reason, "r");
}

TEST(BatchDescribeJobs, EveryStateIsKnownAndOnlyTwoAreFinal) {
  int finals = 0;
  for (const char* name : {"SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"}) {
    const auto state = batch::job_state_from(name);
    ASSERT_TRUE(state) << name;
    finals += batch::is_final(*state) ? 1 : 0;
  }
  EXPECT_EQ(finals, 2);
  EXPECT_FALSE(batch::job_state_from("running"));
}

TEST(BatchDescribeJobs, MalformedRepliesAreTransient) {
  for (const char* body :
       {"", "not json", "[]", R"({"nojobs":1})", R"({"jobs":[{"jobId":"j","status":"EXPLODED"}]})"}) {
    try {
      (void)batch::parse_describe_jobs_response(body, "j");
      ADD_FAILURE() << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kTransient) << body;
    }
  }
  EXPECT_THROW((void)batch::parse_submit_job_response(R"({"jobName":"x"})"), Error);
}

}  // namespace
}  // namespace txt2pdf
