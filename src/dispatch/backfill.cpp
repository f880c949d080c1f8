// The pure half of `txt2pdf-dispatcher backfill` (backfill_run.cpp does the I/O).
#include "txt2pdf/dispatch/backfill.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/dispatch/events.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

[[noreturn]] void usage_error(const std::string& what) {
  throw Error(ErrorKind::kConfig, "backfill: " + what + "\n" + kBackfillUsage);
}

long long number_argument(const std::string& name, const std::string& value, long long low, long long high) {
  try {
    return parse_integer(name, value, low, high);
  } catch (const Error& error) {
    usage_error(error.what());  // the same message, with the usage
  }
}

const char* mode_name(BackfillMode mode) {
  switch (mode) {
    case BackfillMode::kEnqueue:
      return "enqueue";
    case BackfillMode::kConvert:
      return "convert";
    case BackfillMode::kManifest:
      return "manifest";
  }
  return "?";
}

std::string target_of(const BackfillOptions& options) {
  return options.mode == BackfillMode::kEnqueue ? options.queue_url : options.manifest_uri;
}

// FNV-1a: a stable name for the default checkpoint file (std::hash may differ between builds).
std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::string format_duration(double seconds) {
  const auto total = static_cast<long long>(std::llround(seconds));
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", total / 3600, (total / 60) % 60);
  } else if (total >= 60) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llds", total);
  }
  return buffer;
}

// "s3://BUCKET/PREFIX" (the prefix may be empty) into the options.
void set_source(const std::string& arg, BackfillOptions& options) {
  const auto rest = arg.substr(5);
  const auto slash = rest.find('/');
  options.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) options.prefix = rest.substr(slash + 1);
  if (options.bucket.empty()) usage_error("'" + arg + "' names no bucket");
}

// The default checkpoint file is named after what the run does, so the same command resumes it.
void set_checkpoint(BackfillOptions& options, bool no_checkpoint, const std::string& tmpdir) {
  // A manifest is written whole at the end: there is nothing to resume, only to list again.
  if (no_checkpoint || options.mode == BackfillMode::kManifest) {
    options.checkpoint.clear();
  } else if (options.checkpoint.empty()) {
    const auto identity = options.bucket + '\n' + options.prefix + '\n' + options.suffix + '\n' +
                          mode_name(options.mode) + '\n' + target_of(options);
    options.checkpoint =
        (tmpdir.empty() ? std::string("/tmp") : tmpdir) + "/txt2pdf-backfill-" + fnv1a_hex(identity) + ".json";
  }
}

}  // namespace

BackfillOptions parse_backfill_args(const std::vector<std::string>& args, const std::string& tmpdir) {
  BackfillOptions options;
  bool have_source = false, have_mode = false, no_checkpoint = false;
  const auto set_mode = [&](BackfillMode mode) {
    if (have_mode) usage_error("give exactly one of --enqueue, --convert and --manifest");
    options.mode = mode;
    have_mode = true;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--suffix") {
      options.suffix = value();
    } else if (arg == "--enqueue") {
      set_mode(BackfillMode::kEnqueue);
      options.queue_url = value();
    } else if (arg == "--convert") {
      set_mode(BackfillMode::kConvert);
    } else if (arg == "--manifest") {
      set_mode(BackfillMode::kManifest);
      options.manifest_uri = value();
    } else if (arg == "--chunk-size") {
      options.chunk_size = static_cast<std::size_t>(number_argument(arg, value(), 1, 100000000));
    } else if (arg == "--concurrency") {
      options.concurrency = static_cast<int>(number_argument(arg, value(), 1, 64));
    } else if (arg == "--page-size") {
      options.page_size = static_cast<int>(number_argument(arg, value(), 1, 1000));
    } else if (arg == "--checkpoint") {
      options.checkpoint = value();
      if (options.checkpoint.empty()) usage_error("--checkpoint needs a file name");
    } else if (arg == "--no-checkpoint") {
      no_checkpoint = true;
    } else if (arg.rfind("s3://", 0) == 0 && !have_source) {
      set_source(arg, options);
      have_source = true;
    } else {
      usage_error("unexpected argument '" + arg + "'");
    }
  }
  if (!have_source) usage_error("the source s3://BUCKET/PREFIX is missing");
  if (!have_mode) usage_error("give one of --enqueue QUEUE_URL, --convert and --manifest URI");
  if (options.mode == BackfillMode::kEnqueue && options.queue_url.empty()) usage_error("--enqueue needs a queue URL");
  if (options.mode == BackfillMode::kManifest && options.manifest_uri.empty()) usage_error("--manifest needs a target");
  set_checkpoint(options, no_checkpoint, tmpdir);
  return options;
}

std::string form_url_encode(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '*' || c == '/';
    if (keep) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0x0f]};
    }
  }
  return out;
}

std::string s3_event_body(const std::string& region, const std::string& bucket, const std::string& key,
                          std::uint64_t size, const std::string& etag, const std::string& event_time) {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
  const json record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", region},
      {"eventTime", event_time},
      {"eventName", "ObjectCreated:Put"},
      {"userIdentity", {{"principalId", "txt2pdf-backfill"}}},
      {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
      {"responseElements", {{"x-amz-request-id", "txt2pdf-backfill"}, {"x-amz-id-2", "txt2pdf-backfill"}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", "txt2pdf-backfill"},
        {"bucket",
         {{"name", bucket},
          {"ownerIdentity", {{"principalId", "txt2pdf-backfill"}}},
          {"arn", "arn:aws:s3:::" + bucket}}},
        {"object", {{"key", form_url_encode(key)}, {"size", size}, {"eTag", etag}, {"sequencer", "0"}}}}}};
  return json{{"Records", json::array({record})}}.dump();
}

std::string progress_line(const BackfillCounters& counters, std::chrono::duration<double> elapsed,
                          std::string_view verb) {
  const double seconds = elapsed.count();
  const auto handled = counters.skipped + counters.done + counters.failed;
  const double rate = seconds > 0 ? static_cast<double>(handled) / seconds : 0.0;
  std::string eta = "?";
  if (counters.listing_complete) {
    const auto left = counters.listed > handled ? counters.listed - handled : 0;
    eta = left == 0 ? "0s" : rate > 0 ? format_duration(static_cast<double>(left) / rate) : "?";
  }
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.1f", rate);
  return "listed " + std::to_string(counters.listed) + (counters.listing_complete ? "" : "+") + ", skipped " +
         std::to_string(counters.skipped) + ", " + std::string(verb) + " " + std::to_string(counters.done) +
         ", failed " + std::to_string(counters.failed) + " | " + rate_text + " obj/s | ETA " + eta;
}

std::string checkpoint_json(const BackfillOptions& options, const std::string& last_key) {
  return json{{"bucket", options.bucket},
              {"prefix", options.prefix},
              {"suffix", options.suffix},
              {"mode", mode_name(options.mode)},
              {"target", target_of(options)},
              // Encoded: a key need not be valid UTF-8, which JSON strings must be.
              {"after", form_url_encode(last_key)}}
      .dump();
}

std::string resume_key(const BackfillOptions& options, std::string_view text) {
  const auto value = json::parse(text, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return {};
  const auto same = [&value](const char* name, const std::string& expected) {
    return value.contains(name) && value[name].is_string() && value[name].get<std::string>() == expected;
  };
  if (!same("bucket", options.bucket) || !same("prefix", options.prefix) || !same("suffix", options.suffix) ||
      !same("mode", mode_name(options.mode)) || !same("target", target_of(options))) {
    return {};
  }
  if (!value.contains("after") || !value["after"].is_string()) return {};
  try {
    return form_url_decode(value["after"].get<std::string>());
  } catch (const Error&) {
    return {};  // damaged: start over rather than skip what was never done
  }
}

std::size_t send_batch_resending_failures(sqs::SqsClient& sqs, const std::string& queue_url,
                                          std::vector<sqs::SendBatchEntry> entries, Clock& clock, const Logger& log,
                                          bool& transient) {
  constexpr int kRounds = 6;
  std::size_t lost = 0;
  for (int round = 0; !entries.empty(); ++round) {
    const auto result = sqs.send_batch(queue_url, entries);
    std::vector<sqs::SendBatchEntry> again;
    for (const auto& entry : entries) {
      if (std::find(result.successful.begin(), result.successful.end(), entry.id) != result.successful.end()) continue;
      const auto failure = std::find_if(result.failed.begin(), result.failed.end(),
                                        [&entry](const auto& f) { return f.id == entry.id; });
      if (failure != result.failed.end() && !sqs::batch_failure_retryable(*failure)) {
        ++lost;
        log.error("SendMessageBatch entry refused", {{"code", failure->code}, {"message", failure->message}});
        continue;
      }
      again.push_back(entry);  // failed for a retryable reason, or not confirmed either way
    }
    if (again.empty()) break;
    if (round + 1 == kRounds || !clock.sleep_for(std::chrono::milliseconds(100L << round))) {
      lost += again.size();
      transient = true;
      log.error("SendMessageBatch entries still failing after retries", {{"entries", again.size()}});
      break;
    }
    entries = std::move(again);
  }
  return lost;
}

}  // namespace txt2pdf
