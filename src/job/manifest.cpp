#include "txt2pdf/job/manifest.hpp"

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "txt2pdf/aws/s3.hpp"
#include "txt2pdf/core/env_values.hpp"
#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"
#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {
namespace {

using nlohmann::json;

[[noreturn]] void bad_manifest(const std::string& what) { throw Error(ErrorKind::kBadInput, "manifest: " + what); }

std::string decode_key(const std::string& encoded, std::size_t line) {
  try {
    return url_decode_listing_value(encoded);
  } catch (const Error&) {
    bad_manifest("line " + std::to_string(line) + ": key \"" + encoded + "\" is not URL-encoded");
  }
}

std::string trim_spaces(std::string_view text) { return std::string(trim(text)); }

}  // namespace

S3Uri parse_s3_uri(std::string_view variable, std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    throw Error(ErrorKind::kConfig,
                std::string(variable) + "='" + std::string(uri) + "' is not an s3://BUCKET/KEY URI");
  }
  const auto rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  S3Uri parsed;
  parsed.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) parsed.key = std::string(rest.substr(slash + 1));
  if (parsed.bucket.empty()) {
    throw Error(ErrorKind::kConfig, std::string(variable) + "='" + std::string(uri) + "' names no bucket");
  }
  return parsed;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;  // inside "..."
  bool field_started = false;
  const auto end_record = [&] {
    if (field_started || !record.empty()) {
      record.push_back(std::move(field));
      records.push_back(std::move(record));
    }
    record.clear();
    field.clear();
    field_started = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n') {
      end_record();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // CRLF: the '\n' ends the record
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) bad_manifest("unterminated quoted field in record " + std::to_string(records.size() + 1));
  end_record();
  return records;
}

std::vector<ManifestEntry> parse_batch_csv_manifest(std::string_view text) {
  std::vector<ManifestEntry> entries;
  const auto records = parse_csv(text);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& fields = records[i];
    if (fields.size() < 2 || fields.size() > 3) {
      bad_manifest("line " + std::to_string(i + 1) + " has " + std::to_string(fields.size()) +
                   " fields, not bucket,key[,versionId]");
    }
    ManifestEntry entry{trim_spaces(fields[0]), decode_key(fields[1], i + 1), fields.size() == 3 ? fields[2] : ""};
    if (entry.bucket.empty() || entry.key.empty())
      bad_manifest("line " + std::to_string(i + 1) + " has an empty bucket or key");
    entries.push_back(std::move(entry));
  }
  return entries;
}

InventoryManifest parse_inventory_manifest(std::string_view json_text) {
  const auto value = json::parse(json_text, nullptr, false);
  if (value.is_discarded() || !value.is_object()) bad_manifest("manifest.json is not a JSON object");
  const auto text = [&value](const char* name) {
    const auto found = value.find(name);
    return found != value.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  InventoryManifest manifest;
  if (text("fileFormat") != "CSV") {
    bad_manifest("manifest.json fileFormat is '" + text("fileFormat") + "': only CSV inventories are read");
  }
  manifest.source_bucket = text("sourceBucket");
  const auto destination = text("destinationBucket");  // arn:aws:s3:::NAME
  manifest.files_bucket =
      destination.substr(destination.rfind(':') == std::string::npos ? 0 : destination.rfind(':') + 1);
  if (manifest.files_bucket.empty()) bad_manifest("manifest.json has no destinationBucket");
  bool has_bucket = false, has_key = false;
  std::size_t column = 0;
  std::string schema = text("fileSchema");
  for (std::size_t start = 0; start <= schema.size(); ++column) {
    const auto comma = std::min(schema.find(',', start), schema.size());
    const auto name = trim_spaces(schema.substr(start, comma - start));
    if (name == "Bucket") manifest.bucket_column = column, has_bucket = true;
    if (name == "Key") manifest.key_column = column, has_key = true;
    if (name == "VersionId") manifest.version_column = static_cast<std::ptrdiff_t>(column);
    start = comma + 1;
  }
  if (!has_bucket || !has_key) bad_manifest("manifest.json fileSchema '" + schema + "' lacks Bucket or Key");
  const auto files = value.find("files");
  if (files == value.end() || !files->is_array()) bad_manifest("manifest.json has no files[]");
  for (const auto& file : *files) {
    const auto key =
        file.is_object() && file.contains("key") && file["key"].is_string() ? file["key"].get<std::string>() : "";
    if (key.empty()) bad_manifest("manifest.json: a files[] entry has no key");
    manifest.file_keys.push_back(key);
  }
  return manifest;
}

std::vector<ManifestEntry> parse_inventory_csv(std::string_view text, const InventoryManifest& manifest) {
  std::vector<ManifestEntry> entries;
  const auto records = parse_csv(text);
  const std::size_t needed =
      std::max({manifest.bucket_column, manifest.key_column,
                manifest.version_column < 0 ? 0 : static_cast<std::size_t>(manifest.version_column)}) +
      1;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& fields = records[i];
    if (fields.size() < needed) bad_manifest("inventory line " + std::to_string(i + 1) + " has too few fields");
    ManifestEntry entry{fields[manifest.bucket_column], decode_key(fields[manifest.key_column], i + 1),
                        manifest.version_column < 0 ? "" : fields[static_cast<std::size_t>(manifest.version_column)]};
    if (entry.key.empty()) continue;  // never expected; an empty key cannot be converted
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string gunzip(std::string_view compressed, std::size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw Error(ErrorKind::kInternal, "zlib inflateInit2 failed");
  std::string out;
  char buffer[64 * 1024];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int status = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      bad_manifest("decompressed inventory file is larger than " + std::to_string(max_bytes) + " bytes");
    }
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      inflateReset(&stream);  // another gzip member follows
    }
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) bad_manifest("inventory file is not a complete gzip stream");
  return out;
}

ChunkRange chunk_range(std::size_t total, std::size_t index, std::size_t chunk_size) {
  if (chunk_size == 0) throw Error(ErrorKind::kConfig, "MANIFEST_CHUNK_SIZE must be at least 1");
  ChunkRange range;
  if (index >= (total + chunk_size - 1) / chunk_size) return {total, total};
  range.begin = index * chunk_size;
  range.end = std::min(total, range.begin + chunk_size);
  return range;
}

std::size_t array_size(std::size_t total, std::size_t chunk_size) {
  if (chunk_size == 0) throw Error(ErrorKind::kConfig, "the chunk size must be at least 1");
  return std::max<std::size_t>(1, (total + chunk_size - 1) / chunk_size);
}

std::size_t child_index(const Environment& env) {
  for (const char* name : {"AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"}) {
    const auto value = lookup(env, name);
    if (!value) continue;
    return static_cast<std::size_t>(parse_integer(name, *value, 0, 99999999));
  }
  return 0;
}

std::string manifest_csv_line(std::string_view bucket, std::string_view key) {
  return std::string(bucket) + "," + encode_key(key);
}

std::string report_line(const KeyResult& result) {
  json line = {{"bucket", result.bucket},       {"key", result.key},     {"outcome", result.outcome},
               {"exit_code", result.exit_code}, {"pages", result.pages}, {"ms", result.ms}};
  if (!result.error.empty()) line["error"] = result.error;
  // Keys need not be UTF-8: replace what is not rather than refuse the line.
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string report_key(const std::string& prefix, std::size_t index) {
  std::string number = std::to_string(index);
  if (number.size() < 5) number.insert(0, 5 - number.size(), '0');
  const bool folder = prefix.empty() || prefix.back() == '/';
  return prefix + (folder ? "" : "/") + "child-" + number + ".jsonl";
}

int manifest_exit_code(const std::vector<KeyResult>& results) {
  int permanent = kExitOk;
  for (const auto& result : results) {
    if (result.outcome == "not-attempted") return kExitTransient;
    if (result.outcome != "failed") continue;
    for (const auto& row : kExitCodeTable) {
      if (row.code == result.exit_code && row.retry) return kExitTransient;
    }
    if (permanent == kExitOk) permanent = result.exit_code;
  }
  return permanent;
}

}  // namespace txt2pdf
