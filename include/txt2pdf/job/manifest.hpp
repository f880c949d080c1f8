// The manifest mode of txt2pdf-job, its pure half: manifest formats, the child's slice, the report
// line and the exit code. Bytes and environment maps in, values out (manifest_job.hpp does the I/O).
// Formats: S3 Batch Operations CSV manifests
//   https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-create-job.html#specify-batchjob-manifest
// and S3 Inventory (manifest.json + gzipped CSV files)
//   https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "txt2pdf/core/environment.hpp"

namespace txt2pdf {

struct S3Uri {
  std::string bucket;
  std::string key;  // may be empty ("s3://bucket" or "s3://bucket/")
};

// "s3://bucket/key" taken literally. Throws Error(kConfig) naming `variable`.
[[nodiscard]] S3Uri parse_s3_uri(std::string_view variable, std::string_view uri);

struct ManifestEntry {
  std::string bucket;
  std::string key;  // decoded: the key S3 stores
  std::string version_id;
};

// RFC 4180 records: ',' separated, fields in double quotes may hold ',', '"' (doubled) and line
// breaks; CRLF or LF ends a record; empty lines are skipped. Throws Error(kBadInput) for an
// unterminated quote.
[[nodiscard]] std::vector<std::vector<std::string>> parse_csv(std::string_view text);

// A Batch Operations CSV: bucket,key[,versionId] per line, keys URL-encoded ('+' or %20 a space,
// %2B a '+'). Throws Error(kBadInput) naming the line of a malformed record.
[[nodiscard]] std::vector<ManifestEntry> parse_batch_csv_manifest(std::string_view text);

struct InventoryManifest {
  std::string source_bucket;
  std::string files_bucket;                       // from destinationBucket (an ARN): where the CSV files are
  std::vector<std::string> file_keys;             // files[].key, in order
  std::size_t bucket_column = 0, key_column = 1;  // from fileSchema
  std::ptrdiff_t version_column = -1;             // -1: no VersionId column
};

// manifest.json of an S3 Inventory report. Only fileFormat "CSV" is read (ORC and Parquet need a
// columnar reader: convert them with S3 Batch Operations' CSV instead). Throws Error(kBadInput).
[[nodiscard]] InventoryManifest parse_inventory_manifest(std::string_view json_text);
// One (already decompressed) inventory CSV file; keys URL-decoded. Throws Error(kBadInput).
[[nodiscard]] std::vector<ManifestEntry> parse_inventory_csv(std::string_view text, const InventoryManifest& manifest);

// gzip (RFC 1952) decompression, members concatenated. Throws Error(kBadInput) for a corrupt or
// truncated stream, or when the output would pass `max_bytes`.
[[nodiscard]] std::string gunzip(std::string_view compressed, std::size_t max_bytes);

// The half-open slice [begin, end) of `total` entries that child `index` converts.
struct ChunkRange {
  std::size_t begin = 0, end = 0;
};
[[nodiscard]] ChunkRange chunk_range(std::size_t total, std::size_t index, std::size_t chunk_size);
// Children needed for `total` entries: ceil(total / chunk_size), at least 1.
[[nodiscard]] std::size_t array_size(std::size_t total, std::size_t chunk_size);

// The child's index: AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job), else JOB_COMPLETION_INDEX
// (Kubernetes Indexed Job), else 0. Throws Error(kConfig) for a value that is not a number.
[[nodiscard]] std::size_t child_index(const Environment& env);

// One line of a Batch Operations CSV manifest for `key` (every byte but RFC 3986 unreserved
// characters and '/' percent-encoded, so both '+'-as-space and plain percent decoders read it back).
[[nodiscard]] std::string manifest_csv_line(std::string_view bucket, std::string_view key);

// What happened to one key of the slice.
struct KeyResult {
  std::string bucket;
  std::string key;
  std::string outcome;  // "converted", "skipped", "failed", "not-attempted" (stopped before it)
  int exit_code = 0;
  unsigned long long pages = 0;
  double ms = 0;
  std::string error;  // failed only
};

// The report's JSON line for `result` (no trailing newline).
[[nodiscard]] std::string report_line(const KeyResult& result);
// The report object's key for child `index`: REPORT_URI's key as a prefix, "child-00007.jsonl".
[[nodiscard]] std::string report_key(const std::string& prefix, std::size_t index);

// The child's exit code: 0 when every key was converted or skipped, 75 when any failed with a
// retryable code (or was not attempted), else the exit code of the first permanent failure.
[[nodiscard]] int manifest_exit_code(const std::vector<KeyResult>& results);

}  // namespace txt2pdf
