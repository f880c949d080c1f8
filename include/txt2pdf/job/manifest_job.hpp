// txt2pdf-job's manifest mode (MANIFEST_URI set): one child of an AWS Batch array job or a
// Kubernetes Indexed Job converts its slice of an S3 Batch Operations CSV or S3 Inventory manifest
// in one process, on one kept-alive connection, and writes a JSON-lines report. README "Backfill".
#pragma once

#include <string>

#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/environment.hpp"
#include "txt2pdf/core/log.hpp"
#include "txt2pdf/core/stop_token.hpp"
#include "txt2pdf/job/manifest.hpp"
#include "txt2pdf/render/render_options.hpp"

namespace txt2pdf {

// Environment: MANIFEST_URI (required), MANIFEST_CHUNK_SIZE (default 1000), REPORT_URI (optional:
// s3://BUCKET/PREFIX, the report goes to PREFIX/child-NNNNN.jsonl), AWS_BATCH_JOB_ARRAY_INDEX or
// JOB_COMPLETION_INDEX, and the job's own variables (DEST_BUCKET, ...; SOURCE_BUCKET, OBJECT_KEY
// and DEST_KEY come from the manifest and must not be set). Returns the exit code of
// manifest_exit_code(), or the code of the error that stopped the whole child (config, manifest
// unreadable: not-found/access-denied/bad-input, report not written: transient).
// `stop` (a signal) leaves the keys not yet started "not-attempted" (transient: 75).
[[nodiscard]] int run_manifest_command(const Environment& env, const StopToken& stop = {});

// One object through run_job (job.hpp) with the job's environment `job_env` plus SOURCE_BUCKET,
// OBJECT_KEY (and DEST_KEY when `dest_key` is not empty): every error becomes a "failed" result
// with its exit code, nothing is thrown. Used by the manifest mode and by the dispatcher's backfill.
[[nodiscard]] KeyResult convert_entry(const ManifestEntry& entry, Environment job_env, const std::string& dest_key,
                                      const RenderOptions& options, S3Client& s3, const Logger& log,
                                      const std::string& temp_dir);

}  // namespace txt2pdf
