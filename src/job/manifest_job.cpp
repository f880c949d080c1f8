#include "txt2pdf/job/manifest_job.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/job/job.hpp"
#include "txt2pdf/job/manifest.hpp"
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

// What a manifest child was told: the manifest, its slice, where to report, and the job's own
// settings (S3 endpoint, DEST_BUCKET, SSE, limits), checked once up front with a stand-in object.
struct ManifestSettings {
  S3Uri manifest;
  std::size_t chunk = 0;
  std::size_t index = 0;
  std::optional<S3Uri> report;
  Environment job_env;  // the environment of each entry's job, before its object is set
  JobConfig config;     // the stand-in object's configuration
};

ManifestSettings parse_manifest_settings(const Environment& env) {
  for (const char* name : {"SOURCE_BUCKET", "OBJECT_KEY", "DEST_KEY"}) {
    if (lookup(env, name)) {
      throw Error(ErrorKind::kConfig,
                  std::string(name) + " must not be set with MANIFEST_URI: the manifest names the objects");
    }
  }
  ManifestSettings settings;
  settings.manifest = parse_s3_uri("MANIFEST_URI", lookup(env, "MANIFEST_URI").value_or(""));
  settings.chunk = chunk_size_from(env);
  settings.index = child_index(env);
  if (const auto value = lookup(env, "REPORT_URI")) settings.report = parse_s3_uri("REPORT_URI", *value);
  settings.job_env = env;
  settings.job_env.erase("MANIFEST_URI");
  Environment probe = settings.job_env;
  probe["SOURCE_BUCKET"] = settings.manifest.bucket;
  probe["OBJECT_KEY"] = "manifest-probe.txt";
  settings.config = parse_job_config(probe);
  return settings;
}

// The report: one line per key of the slice; returns where it went ("-" without REPORT_URI).
std::string put_report(S3Client& s3, const ManifestSettings& settings, const std::vector<KeyResult>& results) {
  if (!settings.report) return "-";
  PutObjectRequest put;
  put.bucket = settings.report->bucket;
  put.key = report_key(settings.report->key, settings.index);
  for (const auto& result : results) put.body += report_line(result) + "\n";
  put.content_type = "application/x-ndjson";
  put.sse = settings.config.sse;
  put.kms_key_id = settings.config.kms_key_id;
  (void)s3.put_object(put);
  return "s3://" + put.bucket + "/" + put.key;
}

void log_slice_done(const Logger& log, std::size_t index, const std::vector<KeyResult>& results,
                    const std::string& report_location, int code, SteadyClock::time_point started) {
  std::size_t converted = 0, skipped = 0, failed = 0;
  for (const auto& result : results) {
    converted += result.outcome == "converted";
    skipped += result.outcome == "skipped";
    failed += result.outcome == "failed" || result.outcome == "not-attempted";
  }
  log.info("manifest slice done", {{"child_index", index},
                                   {"converted", converted},
                                   {"skipped", skipped},
                                   {"failed", failed},
                                   {"report", report_location},
                                   {"exit_code", code},
                                   {"seconds", std::chrono::duration<double>(SteadyClock::now() - started).count()}});
}

int manifest_failed(const Logger& log, const Error& error) {
  auto fields = error_fields(error);
  fields["exit_code"] = exit_code_for(error);
  fields["phase"] = "manifest";
  log.error(error.what(), fields);
  return exit_code_for(error);
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
    const auto settings = parse_manifest_settings(env);
    const auto& manifest_uri = settings.manifest;
    SystemClock clock(stop);
    RenderOptions options;
    set_render_time(options, clock.now());
    apply_environment(options, env);
    // One set of clients for the whole slice.
    const auto clients = make_job_clients(settings.config, env, clock, stop);
    auto& s3 = *clients.s3;

    const auto entries = load_manifest(s3, manifest_uri, log);
    const auto range = chunk_range(entries.size(), settings.index, settings.chunk);
    log.info("manifest slice", {{"manifest", "s3://" + manifest_uri.bucket + "/" + manifest_uri.key},
                                {"entries", entries.size()},
                                {"child_index", settings.index},
                                {"chunk_size", settings.chunk},
                                {"first", range.begin},
                                {"count", range.end - range.begin}});
    std::vector<KeyResult> results;
    const auto started = SteadyClock::now();
    for (std::size_t i = range.begin; i < range.end; ++i) {
      results.push_back(stop.stop_requested() ? KeyResult{entries[i].bucket, entries[i].key, "not-attempted",
                                                          kExitTransient, 0, 0, "stopped before this key"}
                                              : convert_entry(entries[i], settings.job_env, "", options, s3, log,
                                                              settings.config.temp_dir));
    }
    const int code = manifest_exit_code(results);
    const auto report_location = put_report(s3, settings, results);
    log_slice_done(log, settings.index, results, report_location, code, started);
    return code;
  } catch (const Error& error) {
    return manifest_failed(log, error);
  } catch (const std::exception& error) {
    log.error(error.what(), {{"phase", "manifest"}, {"exit_code", exit_code_for(std::current_exception())}});
    return exit_code_for(std::current_exception());
  }
}

}  // namespace txt2pdf
