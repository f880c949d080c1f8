#include "txt2pdf/job/manifest_job.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "txt2pdf/aws/aws_client.hpp"
#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/job/job.hpp"
#include "txt2pdf/job/manifest.hpp"
#include "txt2pdf/net/http.hpp"
#include "txt2pdf/render/render_options.hpp"

namespace txt2pdf {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Manifests and inventory files are held in memory: bounded so that a wrong URI fails cleanly.
constexpr std::size_t kMaxManifestBytes = std::size_t{1} << 30;

std::size_t chunk_size_from(const Environment& env) {
  return static_cast<std::size_t>(env_integer(env, "MANIFEST_CHUNK_SIZE", 1000, 1, 100000000));
}

std::string get_whole(S3Client& s3, const std::string& bucket, const std::string& key) {
  std::string body;
  (void)s3.get_object(bucket, key, [&body, &bucket, &key](std::string_view chunk) {
    if (body.size() + chunk.size() > kMaxManifestBytes) {
      throw Error(ErrorKind::kBadInput, "s3://" + bucket + "/" + key + " is larger than 1 GiB: not a manifest");
    }
    body.append(chunk);
  });
  return body;
}

// Every entry of the manifest, in its order (each child reads the same list and takes its slice).
std::vector<ManifestEntry> load_manifest(S3Client& s3, const S3Uri& uri, const Logger& log) {
  const auto text = get_whole(s3, uri.bucket, uri.key);
  const bool inventory = uri.key.size() >= 5 && uri.key.compare(uri.key.size() - 5, 5, ".json") == 0;
  if (!inventory) return parse_batch_csv_manifest(text);
  const auto manifest = parse_inventory_manifest(text);
  std::vector<ManifestEntry> entries;
  for (const auto& file_key : manifest.file_keys) {
    const auto compressed = get_whole(s3, manifest.files_bucket, file_key);
    auto part = parse_inventory_csv(gunzip(compressed, kMaxManifestBytes), manifest);
    log.info("inventory file read", {{"bucket", manifest.files_bucket}, {"key", file_key}, {"entries", part.size()}});
    entries.insert(entries.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return entries;
}

}  // namespace

KeyResult convert_entry(const ManifestEntry& entry, Environment job_env, const std::string& dest_key,
                        const RenderOptions& options, S3Client& s3, const Logger& log, const std::string& temp_dir) {
  KeyResult result{entry.bucket, entry.key, "failed", kExitOk, 0, 0, ""};
  const auto started = SteadyClock::now();
  try {
    job_env["SOURCE_BUCKET"] = entry.bucket;
    job_env["OBJECT_KEY"] = entry.key;
    if (!dest_key.empty()) job_env["DEST_KEY"] = dest_key;
    const auto config = parse_job_config(job_env);
    const auto report = run_job(config, options, s3, log, temp_dir);
    result.outcome = report.skipped ? "skipped" : "converted";
    result.pages = report.pages;
  } catch (const Error& error) {
    result.exit_code = exit_code_for(error);
    result.error = error.what();
  } catch (const std::exception& error) {
    result.exit_code = exit_code_for(std::current_exception());
    result.error = error.what();
  }
  result.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  return result;
}

int run_manifest_command(const Environment& env, const StopToken& stop) {
  const Logger log(log_format_or_json(env));
  try {
    for (const char* name : {"SOURCE_BUCKET", "OBJECT_KEY", "DEST_KEY"}) {
      if (lookup(env, name)) {
        throw Error(ErrorKind::kConfig,
                    std::string(name) + " must not be set with MANIFEST_URI: the manifest names the objects");
      }
    }
    const auto manifest_uri = parse_s3_uri("MANIFEST_URI", lookup(env, "MANIFEST_URI").value_or(""));
    const auto chunk = chunk_size_from(env);
    const auto index = child_index(env);
    std::optional<S3Uri> report_uri;
    if (const auto value = lookup(env, "REPORT_URI")) report_uri = parse_s3_uri("REPORT_URI", *value);
    // The job's own settings (S3 endpoint, DEST_BUCKET, SSE, limits), checked once up front with a
    // stand-in object.
    Environment job_env = env;
    job_env.erase("MANIFEST_URI");
    Environment probe = job_env;
    probe["SOURCE_BUCKET"] = manifest_uri.bucket;
    probe["OBJECT_KEY"] = "manifest-probe.txt";
    const auto config = parse_job_config(probe);

    SystemClock clock(stop);
    RenderOptions options;
    set_render_time(options, clock.now());
    apply_environment(options, env);
    CurlOptions curl;
    curl.stop = stop;
    curl.connect_timeout = config.connect_timeout;
    curl.low_speed_time = config.low_speed_timeout;
    // One connection for the whole slice: curl keeps it alive between requests.
    auto http = make_curl_http_client(curl);
    auto metadata_http = make_curl_http_client(curl);
    auto credentials = make_default_credentials_chain(env, *metadata_http, clock);
    RetryPolicy retry;
    retry.max_attempts = config.max_attempts;
    AwsClient aws(*http, *credentials, clock, retry);
    S3Client s3(aws, config.s3);
    const auto& temp_dir = config.temp_dir;

    const auto entries = load_manifest(s3, manifest_uri, log);
    const auto range = chunk_range(entries.size(), index, chunk);
    log.info("manifest slice", {{"manifest", "s3://" + manifest_uri.bucket + "/" + manifest_uri.key},
                                {"entries", entries.size()},
                                {"child_index", index},
                                {"chunk_size", chunk},
                                {"first", range.begin},
                                {"count", range.end - range.begin}});
    std::vector<KeyResult> results;
    std::string report;
    const auto started = SteadyClock::now();
    for (std::size_t i = range.begin; i < range.end; ++i) {
      KeyResult result =
          stop.stop_requested()
              ? KeyResult{entries[i].bucket,        entries[i].key, "not-attempted", kExitTransient, 0, 0,
                          "stopped before this key"}
              : convert_entry(entries[i], job_env, "", options, s3, log, temp_dir);
      report += report_line(result) + "\n";
      results.push_back(std::move(result));
    }
    const int code = manifest_exit_code(results);
    std::size_t converted = 0, skipped = 0, failed = 0;
    for (const auto& result : results) {
      converted += result.outcome == "converted";
      skipped += result.outcome == "skipped";
      failed += result.outcome == "failed" || result.outcome == "not-attempted";
    }
    std::string report_location = "-";
    if (report_uri) {
      PutObjectRequest put;
      put.bucket = report_uri->bucket;
      put.key = report_key(report_uri->key, index);
      put.body = report;
      put.content_type = "application/x-ndjson";
      put.sse = config.sse;
      put.kms_key_id = config.kms_key_id;
      (void)s3.put_object(put);
      report_location = "s3://" + put.bucket + "/" + put.key;
    }
    log.info("manifest slice done", {{"child_index", index},
                                     {"converted", converted},
                                     {"skipped", skipped},
                                     {"failed", failed},
                                     {"report", report_location},
                                     {"exit_code", code},
                                     {"seconds", std::chrono::duration<double>(SteadyClock::now() - started).count()}});
    return code;
  } catch (const Error& error) {
    auto fields = error_fields(error);
    fields["exit_code"] = exit_code_for(error);
    fields["phase"] = "manifest";
    log.error(error.what(), fields);
    return exit_code_for(error);
  } catch (const std::exception& error) {
    log.error(error.what(), {{"phase", "manifest"}, {"exit_code", exit_code_for(std::current_exception())}});
    return exit_code_for(std::current_exception());
  }
}

}  // namespace txt2pdf
