// txt2pdf-job's configuration: parsed from the environment map in one pure function, so every
// rule (required variables, defaults, formats) is unit-tested. The README's configuration table
// documents exactly these variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/env_values.hpp"  // parse_byte_size (MAX_INPUT_BYTES) lives there
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"

namespace txt2pdf {

struct JobConfig {
  std::string source_bucket;
  std::string object_key;  // taken literally: never URL-decoded here
  std::string dest_bucket;
  std::string dest_key;
  S3Config s3;
  SseMode sse = SseMode::kAes256;
  std::string kms_key_id;
  std::uint64_t max_input_bytes = 256ull << 20;
  // MAX_PAGES: more pages are refused (exit 65) while rendering. Memory grows about 4 KB a page
  // (libharu keeps every page until it saves), so this bounds a page bomb (`x\f` repeated).
  long long max_pages = 100000;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::seconds low_speed_timeout{30};
  int max_attempts = 5;
  LogFormat log_format = LogFormat::kJson;
  std::string temp_dir = "/tmp";  // TMPDIR: the downloaded text and the PDF, removed after the job
};

// Throws Error(kConfig) naming the variable that is missing or malformed.
[[nodiscard]] JobConfig parse_job_config(const Environment& env);

// "logs/app.txt" -> "logs/app.pdf"; "report" -> "report.pdf"; "a.TXT" -> "a.pdf".
[[nodiscard]] std::string default_dest_key(std::string_view object_key);

}  // namespace txt2pdf
