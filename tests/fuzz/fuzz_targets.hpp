// The libFuzzer entry points, one per parser family: each takes arbitrary bytes, feeds them to
// the pure parsers of its folder and returns. A parser may refuse input only with txt2pdf::Error;
// any other exception, a sanitizer report or a broken invariant (checked with FUZZ_CHECK, which
// aborts) is a finding. The same functions run in tests/fuzz/<name>_fuzz.cpp (clang,
// -fsanitize=fuzzer) and in fuzz_replay_test.cpp (the normal build), which replays every file of
// tests/fuzz/corpus/<name>/ and tests/data/fuzz/<name>/.
#pragma once

#include <string_view>
#include <vector>

namespace txt2pdf::fuzz {

using Entry = void (*)(std::string_view data);

struct Target {
  const char* name;  // "events": tests/fuzz/events_fuzz.cpp, tests/data/fuzz/events/
  Entry entry;
};

// S3/SNS/EventBridge event bodies (parse_event_message) and form-URL decoding.
void events(std::string_view data);
// SQS JSON responses and errors (the error from a response head: see response_from()).
void sqs(std::string_view data);
// AWS Batch and ECS responses and errors.
void batch_ecs(std::string_view data);
// S3 error XML, redirect regions and HEAD header sets.
void s3_errors(std::string_view data);
// Shared-files INI, ISO-8601 times, container/IMDS JSON, STS XML.
void credentials(std::string_view data);
// Byte sizes, render options and the job/dispatcher environment contracts ("NAME=value" lines).
void options(std::string_view data);
// Encoding sniffing, streaming decoding (chunked == whole) and layout (pages == count_pages).
void text(std::string_view data);
// The health server's request line and its answers.
void health(std::string_view data);

[[nodiscard]] const std::vector<Target>& targets();

}  // namespace txt2pdf::fuzz
