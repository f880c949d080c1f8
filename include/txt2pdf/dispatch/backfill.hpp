// `txt2pdf-dispatcher backfill`: the objects already in a bucket, converted once. Lists the source
// with ListObjectsV2, skips objects whose PDF already carries their ETag, and either enqueues
// S3-event-shaped messages (SendMessageBatch) for the running dispatchers, converts them in this
// process, or writes a manifest for an AWS Batch array job / Kubernetes Indexed Job. README
// "Backfill". The pure pieces (arguments, event body, progress line, checkpoint) are exposed for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/aws/sqs.hpp"
#include "txt2pdf/core/clock.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"

namespace txt2pdf {

enum class BackfillMode { kEnqueue, kConvert, kManifest };

struct BackfillOptions {
  std::string bucket;
  std::string prefix;
  std::string suffix = ".txt";  // --suffix ("" for every key)
  BackfillMode mode = BackfillMode::kEnqueue;
  std::string queue_url;          // --enqueue QUEUE_URL
  std::string manifest_uri;       // --manifest s3://BUCKET/KEY or a local file path
  std::size_t chunk_size = 1000;  // --chunk-size: keys per array child (manifest mode)
  int concurrency = 4;            // --concurrency: conversions at once (convert mode)
  int page_size = 1000;           // --page-size: ListObjectsV2 max-keys
  std::string checkpoint;         // --checkpoint FILE; "" = none (--no-checkpoint), default derived
};

// Parses the arguments after "backfill". Throws Error(kConfig) with the usage for anything else.
// Exactly one of --enqueue, --convert, --manifest. The default checkpoint file is
// $TMPDIR/txt2pdf-backfill-<hash of bucket, prefix, suffix, mode, target>.json (`tmpdir`).
[[nodiscard]] BackfillOptions parse_backfill_args(const std::vector<std::string>& args, const std::string& tmpdir);

inline constexpr const char* kBackfillUsage =
    "usage: txt2pdf-dispatcher backfill s3://BUCKET/PREFIX [--suffix .txt]\n"
    "           (--enqueue QUEUE_URL | --convert [--concurrency N] | --manifest s3://BUCKET/KEY|FILE [--chunk-size "
    "N])\n"
    "           [--page-size N] [--checkpoint FILE | --no-checkpoint]\n";

// application/x-www-form-urlencoded as S3 writes object keys into event notifications: ' ' -> '+',
// every byte but [A-Za-z0-9] and "-_.*/" -> %XX. form_url_decode (events.hpp) reads it back.
[[nodiscard]] std::string form_url_encode(std::string_view key);

// The body of an S3 event notification (eventVersion 2.1, ObjectCreated:Put) for one object, as
// S3 sends it: key form-URL-encoded, eTag without quotes. `event_time` is ISO 8601.
[[nodiscard]] std::string s3_event_body(const std::string& region, const std::string& bucket, const std::string& key,
                                        std::uint64_t size, const std::string& etag, const std::string& event_time);

struct BackfillCounters {
  std::uint64_t listed = 0;   // source objects matching the suffix
  std::uint64_t skipped = 0;  // PDF already made from this ETag
  std::uint64_t done = 0;     // queued, converted or written to the manifest
  std::uint64_t failed = 0;   // conversions that failed (convert mode)
  bool listing_complete = false;
};

// "listed 1200, skipped 200, queued 800, failed 0 | 143.2 obj/s | ETA 1s" (ETA "?" while the
// listing is still going: the total is not known yet). `verb`: "queued", "converted", "written".
[[nodiscard]] std::string progress_line(const BackfillCounters& counters, std::chrono::duration<double> elapsed,
                                        std::string_view verb);

// The checkpoint: the last source key (in listing order) up to which every object is handled.
[[nodiscard]] std::string checkpoint_json(const BackfillOptions& options, const std::string& last_key);
// The key to resume after, or "" when `text` is no checkpoint of these options (other bucket,
// prefix, mode or target: a fresh start, never a wrong skip).
[[nodiscard]] std::string resume_key(const BackfillOptions& options, std::string_view text);

// Sends `entries` (at most 10) with SendMessageBatch and sends again, after 100 ms·2^round on
// `clock` (6 rounds), every Failed[] entry that is worth it (batch_failure_retryable) and every
// entry the reply neither confirmed nor failed: none is assumed sent. Returns how many could not
// be sent (logged); `transient` is set when some of those might still go through later. Errors of
// the call itself (after AwsClient's retries) propagate.
[[nodiscard]] std::size_t send_batch_resending_failures(sqs::SqsClient& sqs, const std::string& queue_url,
                                                        std::vector<sqs::SendBatchEntry> entries, Clock& clock,
                                                        const Logger& log, bool& transient);

// The whole subcommand: environment (DEST_BUCKET, DEST_PREFIX, the S3/SQS endpoints and
// credentials, the job's variables for --convert) and arguments in, exit code out (0 all done;
// 75 some conversion or enqueue failed transiently: run again; 64 bad arguments; the code of a
// fatal error otherwise).
// `stop` (the first signal) ends the run after the page in hand; it resumes from its checkpoint.
[[nodiscard]] int run_backfill_command(const std::vector<std::string>& args, const Environment& env,
                                       const StopToken& stop = {});

}  // namespace txt2pdf
