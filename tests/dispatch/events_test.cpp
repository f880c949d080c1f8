// Event parsing, table-tested on the conformance samples (../shared/conformance/events/) plus
// hand-made malformed bodies.
#include "txt2pdf/dispatch/events.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "txt2pdf/core/error.hpp"

namespace txt2pdf {
namespace {

namespace fs = std::filesystem;
const fs::path kEvents = fs::path(TXT2PDF_CONFORMANCE_DIR) / "events";

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> keys_of(const ParsedMessage& parsed) {
  std::vector<std::string> keys;
  for (const auto& object : parsed.objects) keys.push_back(object.key);
  return keys;
}

TEST(FormUrlDecode, EveryConformanceCaseDecodesOnce) {
  const auto cases = nlohmann::json::parse(read(kEvents / "key-decoding-cases.json"));
  ASSERT_GE(cases["cases"].size(), 10u);
  for (const auto& entry : cases["cases"]) {
    EXPECT_EQ(form_url_decode(entry["encoded_key"].get<std::string>()), entry["decoded_key"].get<std::string>())
        << entry["encoded_key"];
  }
}

TEST(FormUrlDecode, DecodesExactlyOnce) {
  EXPECT_EQ(form_url_decode("100%2525"), "100%25");  // a second pass would give "100%"
  EXPECT_EQ(form_url_decode("a%2Bb+c"), "a+b c");
  EXPECT_EQ(form_url_decode(""), "");
}

TEST(FormUrlDecode, RejectsBadEscapes) {
  for (const char* bad : {"abc%", "abc%4", "abc%G1", "%zz.txt"}) {
    try {
      (void)form_url_decode(bad);
      ADD_FAILURE() << bad << " decoded";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kBadInput) << bad;
    }
  }
}

TEST(ParseEventMessage, EncodedKeysMatchTheDecodingTable) {
  const auto cases = nlohmann::json::parse(read(kEvents / "key-decoding-cases.json"));
  const auto parsed = parse_event_message(read(kEvents / "s3-put-encoded-keys.json"));
  ASSERT_EQ(parsed.kind, MessageKind::kObjects);
  ASSERT_EQ(parsed.objects.size(), cases["cases"].size());
  for (std::size_t i = 0; i < parsed.objects.size(); ++i) {
    EXPECT_EQ(parsed.objects[i].key, cases["cases"][i]["decoded_key"].get<std::string>());
    EXPECT_EQ(parsed.objects[i].bucket, "mybucket");
  }
}

struct Expected {
  MessageKind kind;
  std::string format;
  std::vector<std::string> keys;
  std::string first_bucket;
};

// Every file in the folder must be in this table, so a new sample cannot be skipped silently.
const std::map<std::string, Expected>& expectations() {
  static const std::map<std::string, Expected> table{
      {"s3-put-single.json", {MessageKind::kObjects, "s3", {"HappyFace.jpg"}, "mybucket"}},
      {"s3-multi-record.json",
       {MessageKind::kObjects,
        "s3",
        {"HappyFace.jpg", "invoices/2024/inv-0001.txt", "logs/app log 2024-01-01.txt"},
        "mybucket"}},
      {"s3-test-event.json", {MessageKind::kTestEvent, "s3:TestEvent", {}, ""}},
      {"sns-envelope-s3-put.json", {MessageKind::kObjects, "sns+s3", {"HappyFace.jpg"}, "mybucket"}},
      {"sns-envelope-s3-test-event.json", {MessageKind::kTestEvent, "s3:TestEvent", {}, ""}},
      {"eventbridge-object-created.json",
       {MessageKind::kObjects, "eventbridge", {"example-key"}, "DOC-EXAMPLE-BUCKET1"}},
      {"upstream/aws-lambda-go_s3-event.json", {MessageKind::kObjects, "s3", {"Happy Face.jpg"}, "sourcebucket"}},
      {"upstream/aws-lambda-go_s3-event-with-decoded.json",
       {MessageKind::kObjects, "s3", {"Happy Face.jpg"}, "sourcebucket"}},
      {"upstream/aws-lambda-java-tests_s3_event.json", {MessageKind::kObjects, "s3", {"test/key"}, "example-bucket"}},
  };
  return table;
}

TEST(ParseEventMessage, EveryConformanceSample) {
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kEvents)) {
    if (entry.path().extension() != ".json") continue;
    const auto name = fs::relative(entry.path(), kEvents).generic_string();
    const auto body = read(entry.path());
    if (name == "key-decoding-cases.json") {
      EXPECT_THROW((void)parse_event_message(body), Error) << "a table, not a message";
      continue;
    }
    if (name == "s3-put-encoded-keys.json") continue;  // its own test above
    const auto found = expectations().find(name);
    ASSERT_NE(found, expectations().end()) << "no expectation for " << name;
    const auto parsed = parse_event_message(body);
    EXPECT_EQ(parsed.kind, found->second.kind) << name;
    EXPECT_EQ(parsed.format, found->second.format) << name;
    EXPECT_EQ(keys_of(parsed), found->second.keys) << name;
    if (!parsed.objects.empty()) {
      EXPECT_EQ(parsed.objects[0].bucket, found->second.first_bucket) << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(expectations().size()));
}

TEST(ParseEventMessage, CarriesEtagSizeAndEventName) {
  const auto parsed = parse_event_message(read(kEvents / "s3-multi-record.json"));
  ASSERT_EQ(parsed.objects.size(), 3u);
  EXPECT_EQ(parsed.objects[1].etag, "3858f62230ac3c915f300c664312c11f-2");
  EXPECT_EQ(parsed.objects[1].size, 7340032u);
  EXPECT_EQ(parsed.objects[1].event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(parsed.objects[2].size, 0u);
  const auto bridge = parse_event_message(read(kEvents / "eventbridge-object-created.json"));
  EXPECT_EQ(bridge.objects[0].etag, "b1946ac92492d2347c6235b4d2611184");
  EXPECT_EQ(bridge.objects[0].size, 5u);
}

TEST(ParseEventMessage, EventBridgeKeysAreLiteral) {
  const auto parsed = parse_event_message(
      R"({"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"a+b%20c"}}})");
  EXPECT_EQ(keys_of(parsed), std::vector<std::string>{"a+b%20c"});
}

TEST(ParseEventMessage, PlainBucketKeyIsLiteral) {
  const auto parsed = parse_event_message(R"({"bucket":"in","key":"c++/a b%2B.txt"})");
  EXPECT_EQ(parsed.format, "plain");
  EXPECT_EQ(keys_of(parsed), std::vector<std::string>{"c++/a b%2B.txt"});
}

TEST(ParseEventMessage, RemovalsOnlyAreIgnoredAndMixedRecordsKeepCreations) {
  const auto removed = parse_event_message(
      R"({"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"x"}}}]})");
  EXPECT_EQ(removed.kind, MessageKind::kIgnored);
  const auto mixed = parse_event_message(
      R"({"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"x"}}},)"
      R"({"eventName":"ObjectCreated:Post","s3":{"bucket":{"name":"b"},"object":{"key":"y+z"}}}]})");
  EXPECT_EQ(mixed.kind, MessageKind::kObjects);
  EXPECT_EQ(keys_of(mixed), std::vector<std::string>{"y z"});
}

TEST(ParseEventMessage, CephRecordsCarryRawKeys) {
  const auto parsed = parse_event_message(
      R"({"Records":[{"eventSource":"ceph:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a+b.txt"}}}]})");
  EXPECT_EQ(keys_of(parsed), std::vector<std::string>{"a+b.txt"});
}

TEST(ParseEventMessage, MalformedBodiesAreBadInput) {
  const std::vector<std::string> bodies{
      "",
      "not json",
      "[1,2]",
      R"({"hello":"world"})",
      R"({"Records":{}})",
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"}}}]})",
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":""},"object":{"key":"k"}}}]})",
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"bad%zz"}}}]})",
      R"({"Type":"Notification","Message":"{not json"})",
      R"({"Type":"Notification","Message":{"Records":[]}})",
      R"({"bucket":"b","key":""})",
      R"({"bucket":"b","key":7})",
  };
  for (const auto& body : bodies) {
    try {
      (void)parse_event_message(body);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kBadInput) << body;
    }
  }
}

}  // namespace
}  // namespace txt2pdf

namespace txt2pdf {
namespace {

// Issue 12, bugs 1 and 9: a key that decodes to bytes that are not UTF-8, or to a NUL, is no S3 key.
// Before: accepted (the NUL then cut the child's OBJECT_KEY short; the invalid bytes crashed the
// dispatcher when it serialised them).
TEST(ParseEventMessage, KeysThatAreNotUtf8OrHoldANulAreMalformed) {
  const std::vector<std::string> bodies{
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"bad/%FF%FE.txt"}}}]})",
      R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%00b.txt"}}}]})",
      R"({"bucket":"b","key":"a\u0000b.txt"})",
  };
  for (const auto& body : bodies) {
    try {
      (void)parse_event_message(body);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kBadInput) << body;
      EXPECT_NO_THROW((void)nlohmann::json(std::string(error.what())).dump()) << "the reason must serialise";
    }
  }
}

}  // namespace
}  // namespace txt2pdf
