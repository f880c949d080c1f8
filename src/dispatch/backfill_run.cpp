// `txt2pdf-dispatcher backfill`, the I/O half: listing, skip check, enqueue / convert / manifest,
// progress and checkpoint. The rules it follows are the pure functions of backfill.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "txt2pdf/aws/credentials.hpp"
#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/core/strings.hpp"
#include "txt2pdf/dispatch/backfill.hpp"
#include "txt2pdf/dispatch/dispatcher.hpp"
#include "txt2pdf/dispatch/dispatcher_config.hpp"
#include "txt2pdf/job/config.hpp"
#include "txt2pdf/job/job.hpp"
#include "txt2pdf/job/manifest.hpp"
#include "txt2pdf/job/manifest_job.hpp"

namespace txt2pdf {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One thread's AWS access (neither the connection nor the credentials chain is thread-safe).
struct Session {
  Session(const Environment& env, Clock& clock, const JobConfig& config)
      : credentials_http(make_curl_http_client()),
        credentials(make_default_credentials_chain(env, *credentials_http, clock)),
        http(make_curl_http_client(curl_options(config))),
        aws(*http, *credentials, clock, retry_policy(config)),
        s3(aws, config.s3) {}
  static CurlOptions curl_options(const JobConfig& config) {
    CurlOptions options;
    options.connect_timeout = config.connect_timeout;
    options.low_speed_time = config.low_speed_timeout;
    return options;
  }
  static RetryPolicy retry_policy(const JobConfig& config) {
    RetryPolicy policy;
    policy.max_attempts = config.max_attempts;
    return policy;
  }
  std::unique_ptr<HttpClient> credentials_http;
  std::unique_ptr<CredentialsProvider> credentials;
  std::unique_ptr<HttpClient> http;
  AwsClient aws;
  S3Client s3;
};

struct Work {
  ListedObject object;
  std::string dest_key;
};

// A small pool of conversion threads, each with its own Session (kept-alive connection), running
// the job library's pipeline (convert_entry -> run_job). run() hands out one page and waits.
// TODO(integration): switch to the dispatcher's worker pool once it exists (issue 11).
class ConvertPool {
 public:
  ConvertPool(int threads, const Environment& env, Clock& clock, const JobConfig& config, Environment job_env,
              const std::string& temp_dir, StopToken stop)
      : job_env_(std::move(job_env)),
        temp_dir_(temp_dir),
        stop_(std::move(stop)),
        quiet_fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)),
        quiet_(config.log_format, quiet_fd_) {
    set_render_time(options_, clock.now());
    apply_environment(options_, env);
    for (int i = 0; i < threads; ++i) sessions_.push_back(std::make_unique<Session>(env, clock, config));
    for (int i = 0; i < threads; ++i)
      workers_.emplace_back([this, i] { work(*sessions_[static_cast<std::size_t>(i)]); });
  }
  ConvertPool(const ConvertPool&) = delete;
  ConvertPool& operator=(const ConvertPool&) = delete;
  ~ConvertPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closing_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    if (quiet_fd_ >= 0) ::close(quiet_fd_);
  }

  std::vector<KeyResult> run(const std::string& bucket, const std::vector<Work>& items) {
    std::unique_lock<std::mutex> lock(mutex_);
    bucket_ = bucket;
    items_ = &items;
    results_.assign(items.size(), KeyResult{});
    next_ = 0;
    remaining_ = items.size();
    ++generation_;
    wake_.notify_all();
    finished_.wait(lock, [this] { return remaining_ == 0; });
    items_ = nullptr;
    return std::move(results_);
  }

 private:
  void work(Session& session) {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock,
                 [&] { return closing_ || (generation_ != seen && items_ != nullptr && next_ < items_->size()); });
      if (closing_) return;
      seen = generation_;
      while (items_ != nullptr && next_ < items_->size()) {
        const std::size_t index = next_++;
        const Work& item = (*items_)[index];
        const std::string bucket = bucket_;
        lock.unlock();
        KeyResult result = stop_.stop_requested()
                               ? KeyResult{bucket, item.object.key, "not-attempted", kExitTransient, 0, 0, "stopped"}
                               : convert_entry({bucket, item.object.key, ""}, job_env_, item.dest_key, options_,
                                               session.s3, quiet_, temp_dir_);
        lock.lock();
        results_[index] = std::move(result);
        if (--remaining_ == 0) finished_.notify_all();
      }
    }
  }

  Environment job_env_;
  std::string temp_dir_;
  StopToken stop_;
  int quiet_fd_;
  Logger quiet_;  // the pipeline's per-phase lines: the backfill logs each outcome itself
  RenderOptions options_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  bool closing_ = false;
  std::uint64_t generation_ = 0;
  std::string bucket_;
  const std::vector<Work>* items_ = nullptr;
  std::vector<KeyResult> results_;
  std::size_t next_ = 0, remaining_ = 0;
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw Error(ErrorKind::kConfig, "cannot write " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    throw Error(ErrorKind::kConfig, "cannot rename " + temp + " to " + path);
}

class Backfill {
 public:
  Backfill(BackfillOptions options, const Environment& env, const Logger& log, StopToken stop)
      : options_(std::move(options)), log_(log), tty_(::isatty(2) == 1), stop_(std::move(stop)) {
    Environment probe = env;
    probe.erase("DEST_KEY");
    probe["SOURCE_BUCKET"] = options_.bucket;
    probe["OBJECT_KEY"] = "backfill-probe.txt";
    job_config_ = parse_job_config(probe);  // S3 endpoint, DEST_BUCKET, limits: the job's own rules
    dispatch_.dest_bucket = job_config_.dest_bucket;
    dispatch_.dest_prefix = lookup(env, "DEST_PREFIX").value_or("");
    job_env_ = env;
    job_env_.erase("DEST_KEY");
    session_ = std::make_unique<Session>(env, clock_, job_config_);
    if (options_.mode == BackfillMode::kEnqueue) {
      std::string endpoint = lookup(env, "AWS_ENDPOINT_URL_SQS").value_or(lookup(env, "AWS_ENDPOINT_URL").value_or(""));
      if (endpoint.empty()) endpoint = endpoint_of_queue_url("--enqueue", options_.queue_url);
      sqs_ = std::make_unique<sqs::SqsClient>(session_->aws, endpoint, job_config_.s3.region);
    }
    if (options_.mode == BackfillMode::kConvert) {
      pool_ = std::make_unique<ConvertPool>(options_.concurrency, env, clock_, job_config_, job_env_,
                                            job_config_.temp_dir, stop_);
    }
  }

  int run() {
    started_ = SteadyClock::now();
    index_destination();
    std::string start_after;
    if (!options_.checkpoint.empty()) start_after = resume_key(options_, read_text_file(options_.checkpoint));
    if (!start_after.empty()) log_.info("resuming after the checkpoint", {{"checkpoint", options_.checkpoint}});
    bool checkpoint_valid = true;  // false once a page was not wholly done: later pages must not advance it
    ListObjectsInput input{options_.bucket, options_.prefix, "", start_after, options_.page_size};
    do {
      if (stop_.stop_requested()) {
        interrupted_ = true;
        break;
      }
      const auto page = session_->s3.list_objects(input);
      input.continuation_token = page.next_continuation_token;
      counters_.listing_complete = !page.truncated;
      const bool page_done = handle_page(page.objects);
      if (page_done && checkpoint_valid && !options_.checkpoint.empty() && !page.objects.empty()) {
        write_file_atomically(options_.checkpoint, checkpoint_json(options_, page.objects.back().key));
      }
      checkpoint_valid = checkpoint_valid && page_done;
      report_progress(false);
      if (!page.truncated) break;
    } while (true);
    if (options_.mode == BackfillMode::kManifest && !interrupted_) write_manifest();
    report_progress(true);
    return exit_code();
  }

 private:
  // Which PDFs exist: one listing of the destination (1000 keys per request) instead of a HEAD per
  // object; only PDFs that exist are HEADed for their source-etag.
  void index_destination() {
    const std::string prefix = dispatch_.dest_prefix + options_.prefix;
    ListObjectsInput input{dispatch_.dest_bucket, prefix, "", "", 1000};
    while (true) {
      const auto page = session_->s3.list_objects(input);
      for (const auto& object : page.objects) {
        if (ends_with(object.key, ".pdf")) existing_.insert(object.key);
      }
      if (!page.truncated) break;
      input.continuation_token = page.next_continuation_token;
    }
    log_.info("destination listed",
              {{"dest_bucket", dispatch_.dest_bucket}, {"prefix", prefix}, {"pdfs", existing_.size()}});
  }

  bool already_converted(const ListedObject& object, const std::string& dest_key) {
    if (existing_.count(dest_key) == 0) return false;
    const auto head = session_->s3.head_object(dispatch_.dest_bucket, dest_key);
    if (!head) return false;
    const auto found = head->metadata.find(kSourceEtagMetadata);
    return found != head->metadata.end() && same_etag(found->second, object.etag);
  }

  // Returns whether every object of the page is handled for good (the checkpoint may move past it).
  bool handle_page(const std::vector<ListedObject>& objects) {
    std::vector<Work> work;
    for (const auto& object : objects) {
      if (!ends_with(object.key, options_.suffix)) continue;
      ObjectEvent event;
      event.bucket = options_.bucket;
      event.key = object.key;
      if (!refusal_reason(dispatch_, event).empty()) continue;  // an output of ours
      ++counters_.listed;
      const auto dest_key = destination_key(dispatch_, object.key);
      if (already_converted(object, dest_key)) {
        ++counters_.skipped;
        continue;
      }
      work.push_back({object, dest_key});
    }
    if (work.empty()) return true;
    switch (options_.mode) {
      case BackfillMode::kEnqueue:
        return enqueue(work);
      case BackfillMode::kConvert:
        return convert(work);
      case BackfillMode::kManifest:
        for (const auto& item : work) manifest_ += manifest_csv_line(options_.bucket, item.object.key) + "\n";
        counters_.done += work.size();
        return true;
    }
    return false;
  }

  bool enqueue(const std::vector<Work>& work) {
    bool ok = true;
    for (std::size_t first = 0; first < work.size(); first += sqs::kMaxBatchEntries) {
      std::vector<sqs::SendBatchEntry> entries;
      for (std::size_t i = first; i < std::min(work.size(), first + sqs::kMaxBatchEntries); ++i) {
        const auto& object = work[i].object;
        entries.push_back({"m" + std::to_string(i - first),
                           s3_event_body(job_config_.s3.region, options_.bucket, object.key, object.size,
                                         std::string(unquoted_etag(object.etag)), object.last_modified),
                           {}});
      }
      bool transient = false;
      const auto lost = send_batch_resending_failures(*sqs_, options_.queue_url, entries, clock_, log_, transient);
      counters_.done += entries.size() - lost;
      counters_.failed += lost;
      if (lost > 0) {
        ok = false;
        (transient ? transient_failures_ : permanent_failures_) += lost;
        if (first_permanent_code_ == 0 && !transient) first_permanent_code_ = kExitInternal;
      }
    }
    return ok;
  }

  bool convert(const std::vector<Work>& work) {
    const auto results = pool_->run(options_.bucket, work);
    bool ok = true;
    bool page_transient = false;
    for (const auto& result : results) {
      if (result.outcome == "converted") ++counters_.done;
      if (result.outcome == "skipped") ++counters_.skipped;
      if (result.outcome == "converted" || result.outcome == "skipped") continue;
      ++counters_.failed;
      ok = false;
      const int code = manifest_exit_code({result});
      if (code == kExitTransient) {
        ++transient_failures_;
        page_transient = true;
      } else {
        ++permanent_failures_;
        if (first_permanent_code_ == 0) first_permanent_code_ = code;
      }
      log_.error("conversion failed", {{"bucket", result.bucket},
                                       {"key", result.key},
                                       {"exit_code", result.exit_code},
                                       {"outcome", result.outcome},
                                       {"error", result.error}});
    }
    // A permanent failure will not get better by running again: the checkpoint may pass it.
    return ok || !page_transient;
  }

  void write_manifest() {
    if (options_.manifest_uri.rfind("s3://", 0) == 0) {
      const auto uri = parse_s3_uri("--manifest", options_.manifest_uri);
      PutObjectRequest put;
      put.bucket = uri.bucket;
      put.key = uri.key;
      put.body = manifest_;
      put.content_type = "text/csv";
      put.sse = job_config_.sse;
      put.kms_key_id = job_config_.kms_key_id;
      (void)session_->s3.put_object(put);
    } else {
      write_file_atomically(options_.manifest_uri, manifest_);
    }
    // stdout carries only the array size, for scripts: size=$(txt2pdf-dispatcher backfill ...)
    std::cout << array_size(counters_.done, options_.chunk_size) << std::endl;
  }

  const char* verb() const {
    return options_.mode == BackfillMode::kEnqueue   ? "queued"
           : options_.mode == BackfillMode::kConvert ? "converted"
                                                     : "written";
  }

  void report_progress(bool final) {
    const auto elapsed = SteadyClock::now() - started_;
    if (tty_) {
      std::cerr << "\r\033[K" << progress_line(counters_, elapsed, verb()) << (final ? "\n" : "") << std::flush;
    }
    const double seconds = std::chrono::duration<double>(elapsed).count();
    nlohmann::json fields = {
        {"listed", counters_.listed},
        {"skipped", counters_.skipped},
        {verb(), counters_.done},
        {"failed", counters_.failed},
        {"seconds", seconds},
        {"objects_per_second", seconds > 0 ? static_cast<double>(counters_.listed) / seconds : 0.0}};
    if (final) {
      fields["interrupted"] = interrupted_;
      fields["exit_code"] = exit_code();
      log_.info("backfill done", fields);
      return;
    }
    // In logs (not on a terminal, where the line above shows it): one line per thousand objects.
    if (!tty_ && counters_.listed >= next_log_) {
      log_.info("backfill progress", fields);
      while (next_log_ <= counters_.listed) next_log_ += 1000;
    }
  }

  int exit_code() const {
    if (interrupted_ || transient_failures_ > 0) return kExitTransient;
    return permanent_failures_ > 0 ? first_permanent_code_ : kExitOk;
  }

  BackfillOptions options_;
  const Logger& log_;
  bool tty_;
  StopToken stop_;  // the first signal: stop after the page in hand
  SystemClock clock_;
  JobConfig job_config_;
  DispatcherConfig dispatch_;  // dest bucket and prefix: the dispatcher's own destination rules
  Environment job_env_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<sqs::SqsClient> sqs_;
  std::unique_ptr<ConvertPool> pool_;
  std::unordered_set<std::string> existing_;
  BackfillCounters counters_;
  std::string manifest_;
  SteadyClock::time_point started_;
  std::uint64_t next_log_ = 1000;
  std::size_t transient_failures_ = 0, permanent_failures_ = 0;
  int first_permanent_code_ = 0;
  bool interrupted_ = false;
};

}  // namespace

int run_backfill_command(const std::vector<std::string>& args, const Environment& env, const StopToken& stop) {
  const Logger log(log_format_or_json(env));
  try {
    Backfill backfill(parse_backfill_args(args, lookup(env, "TMPDIR").value_or("/tmp")), env, log, stop);
    return backfill.run();
  } catch (const Error& error) {
    auto fields = error_fields(error);
    fields["exit_code"] = exit_code_for(error);
    log.error(error.what(), fields);
    return exit_code_for(error);
  }
}

}  // namespace txt2pdf
