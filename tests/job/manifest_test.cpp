// Manifest mode, pure half: S3 Batch Operations CSV and S3 Inventory parsing (URL-encoded keys,
// quoted fields), gzip, slicing by child index, the report line and the child's exit code.
#include "txt2pdf/job/manifest.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "txt2pdf/core/error.hpp"
#include "txt2pdf/core/exit_codes.hpp"

namespace txt2pdf {
namespace {

// gzip with zlib's deflate, so that gunzip is checked against an independent compressor call.
std::string gzip(const std::string& text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST(S3UriParse, BucketAndLiteralKey) {
  const auto uri = parse_s3_uri("MANIFEST_URI", "s3://bucket/dir/a b+c.csv");
  EXPECT_EQ(uri.bucket, "bucket");
  EXPECT_EQ(uri.key, "dir/a b+c.csv");
  EXPECT_EQ(parse_s3_uri("X", "s3://bucket").key, "");
  for (const char* bad : {"", "bucket/key", "https://bucket/key", "s3:///key"}) {
    try {
      (void)parse_s3_uri("MANIFEST_URI", bad);
      ADD_FAILURE() << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kConfig);
      EXPECT_NE(std::string(error.what()).find("MANIFEST_URI"), std::string::npos);
    }
  }
}

TEST(Csv, QuotesCommasNewlinesAndCrlf) {
  const auto records = parse_csv("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",\"\"\nlast,row");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(records[1], (std::vector<std::string>{"x,y", "say \"hi\""}));
  EXPECT_EQ(records[2], (std::vector<std::string>{"multi\nline", ""}));
  EXPECT_EQ(records[3], (std::vector<std::string>{"last", "row"}));
  EXPECT_THROW((void)parse_csv("a,\"open"), Error);
}

TEST(BatchCsvManifest, KeysAreUrlDecodedOnce) {
  const auto entries = parse_batch_csv_manifest(
      "src,docs/a+file+%2B+plus.txt\n"
      "src,%E6%97%A5%E6%9C%AC%E8%AA%9E.txt,3HL4kqtJlcpXroDTDmjVBH40Nrjfkd\n"
      "\"src\",\"100%25%20sure.txt\"\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].bucket, "src");
  EXPECT_EQ(entries[0].key, "docs/a file + plus.txt");
  EXPECT_EQ(entries[1].key, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E.txt");
  EXPECT_EQ(entries[1].version_id, "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd");
  EXPECT_EQ(entries[2].key, "100% sure.txt");
}

TEST(BatchCsvManifest, MalformedLinesAreBadInputNamingTheLine) {
  for (const char* text : {"only-one-field\n", "a,b,c,d\n", "a,bad%zzescape\n", "ok,k\n,empty-bucket\n"}) {
    try {
      (void)parse_batch_csv_manifest(text);
      ADD_FAILURE() << text;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kBadInput) << text;
      EXPECT_NE(std::string(error.what()).find("line"), std::string::npos) << error.what();
    }
  }
}

TEST(CsvLineWriter, RoundTripsThroughTheParser) {
  const std::string keys[] = {"a b+c.txt", "100%.txt", "x,y\"z\n.txt",
                              "\xC3\x9C"
                              "ber/blick.txt",
                              "q?&=#.txt"};
  std::string csv;
  for (const auto& key : keys) csv += manifest_csv_line("bucket", key) + "\n";
  const auto entries = parse_batch_csv_manifest(csv);
  ASSERT_EQ(entries.size(), std::size(keys));
  for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].key, keys[i]);
  EXPECT_EQ(manifest_csv_line("b", "dir/a b+c.txt"), "b,dir/a%20b%2Bc.txt");
}

const char* kInventoryManifest = R"({
  "sourceBucket": "example-source-bucket",
  "destinationBucket": "arn:aws:s3:::example-inventory-destination-bucket",
  "version": "2016-11-30",
  "creationTimestamp": "1514944800000",
  "fileFormat": "CSV",
  "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag",
  "files": [
    {"key": "Inventory/example-source-bucket/2016-11-06T21-32Z/files/939c6d46-85a9-4ba8-87bd-9db705a579ce.csv.gz",
     "size": 2147483647, "MD5checksum": "f11166069f1990abeb9c97ace9cdfabc"},
    {"key": "Inventory/example-source-bucket/2016-11-06T21-32Z/files/2.csv.gz", "size": 1, "MD5checksum": "x"}
  ]
})";

TEST(InventoryManifest, SchemaColumnsAndFiles) {
  const auto manifest = parse_inventory_manifest(kInventoryManifest);
  EXPECT_EQ(manifest.source_bucket, "example-source-bucket");
  EXPECT_EQ(manifest.files_bucket, "example-inventory-destination-bucket");
  ASSERT_EQ(manifest.file_keys.size(), 2u);
  EXPECT_EQ(manifest.bucket_column, 0u);
  EXPECT_EQ(manifest.key_column, 1u);
  EXPECT_EQ(manifest.version_column, 2);
  const auto csv =
      gunzip(gzip("\"example-source-bucket\",\"dir/a+b%2Bc.txt\",\"v1\",\"true\",\"false\",\"12\",\"2026\",\"e\"\n"
                  "\"example-source-bucket\",\"z.txt\",\"\",\"true\",\"false\",\"1\",\"2026\",\"f\"\n"),
             1 << 20);
  const auto entries = parse_inventory_csv(csv, manifest);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "dir/a b+c.txt");
  EXPECT_EQ(entries[0].version_id, "v1");
  EXPECT_EQ(entries[1].key, "z.txt");
}

TEST(InventoryManifest, OnlyCsvWithBucketAndKey) {
  std::string orc = kInventoryManifest;
  orc.replace(orc.find("\"CSV\""), 5, "\"ORC\"");
  EXPECT_THROW((void)parse_inventory_manifest(orc), Error);
  std::string no_key = kInventoryManifest;
  no_key.replace(no_key.find(" Key,"), 5, " Kex,");
  EXPECT_THROW((void)parse_inventory_manifest(no_key), Error);
  EXPECT_THROW((void)parse_inventory_manifest("[]"), Error);
}

TEST(Gunzip, ConcatenatedMembersCorruptionAndLimit) {
  EXPECT_EQ(gunzip(gzip("hello ") + gzip("world"), 100), "hello world");
  auto broken = gzip(std::string(1000, 'a'));
  EXPECT_THROW((void)gunzip(broken.substr(0, broken.size() / 2), 1 << 20), Error);
  broken[broken.size() / 2] = static_cast<char>(broken[broken.size() / 2] ^ 0x55);
  EXPECT_THROW((void)gunzip(broken, 1 << 20), Error);
  EXPECT_THROW((void)gunzip(gzip(std::string(200000, 'a')), 1000), Error);
}

TEST(Slices, EveryEntryInExactlyOneChild) {
  for (std::size_t total : {0u, 1u, 9u, 10u, 11u, 1000u}) {
    for (std::size_t chunk : {1u, 3u, 10u, 5000u}) {
      const auto children = array_size(total, chunk);
      std::size_t covered = 0;
      for (std::size_t index = 0; index < children; ++index) {
        const auto range = chunk_range(total, index, chunk);
        EXPECT_EQ(range.begin, covered) << total << " " << chunk << " " << index;
        EXPECT_LE(range.end - range.begin, chunk);
        covered = range.end;
      }
      EXPECT_EQ(covered, total);
      const auto beyond = chunk_range(total, children, chunk);  // an extra child has nothing to do
      EXPECT_EQ(beyond.begin, beyond.end);
    }
  }
  EXPECT_THROW((void)chunk_range(10, 0, 0), Error);
}

TEST(ChildIndex, BatchThenKubernetesThenZero) {
  EXPECT_EQ(child_index({}), 0u);
  EXPECT_EQ(child_index({{"JOB_COMPLETION_INDEX", "4"}}), 4u);
  EXPECT_EQ(child_index({{"AWS_BATCH_JOB_ARRAY_INDEX", "7"}, {"JOB_COMPLETION_INDEX", "4"}}), 7u);
  EXPECT_THROW((void)child_index({{"AWS_BATCH_JOB_ARRAY_INDEX", "-1"}}), Error);
  EXPECT_THROW((void)child_index({{"JOB_COMPLETION_INDEX", "x"}}), Error);
}

TEST(Report, LineKeyAndExitCode) {
  const auto line = nlohmann::json::parse(report_line({"b", "a \"q\".txt", "failed", 66, 0, 12.5, "gone"}));
  EXPECT_EQ(line["key"], "a \"q\".txt");
  EXPECT_EQ(line["outcome"], "failed");
  EXPECT_EQ(line["exit_code"], 66);
  EXPECT_EQ(line["pages"], 0);
  EXPECT_EQ(line["ms"], 12.5);
  EXPECT_EQ(line["error"], "gone");
  const auto replaced = nlohmann::json::parse(report_line({"b", "\xff\xfe", "converted", 0, 1, 1, ""}), nullptr, false);
  EXPECT_FALSE(replaced.is_discarded());
  EXPECT_EQ(report_key("reports/run1/", 7), "reports/run1/child-00007.jsonl");
  EXPECT_EQ(report_key("reports/run1", 123456), "reports/run1/child-123456.jsonl");
  EXPECT_EQ(report_key("", 0), "child-00000.jsonl");

  const KeyResult ok{"b", "1", "converted", 0, 1, 1, ""};
  const KeyResult skipped{"b", "2", "skipped", 0, 0, 1, ""};
  const KeyResult missing{"b", "3", "failed", kExitNotFound, 0, 1, "x"};
  const KeyResult binary{"b", "4", "failed", kExitBadInput, 0, 1, "x"};
  const KeyResult flaky{"b", "5", "failed", kExitTransient, 0, 1, "x"};
  const KeyResult stopped{"b", "6", "not-attempted", kExitTransient, 0, 0, "x"};
  EXPECT_EQ(manifest_exit_code({}), kExitOk);
  EXPECT_EQ(manifest_exit_code({ok, skipped}), kExitOk);
  EXPECT_EQ(manifest_exit_code({ok, missing, binary}), kExitNotFound);
  EXPECT_EQ(manifest_exit_code({missing, flaky}), kExitTransient);
  EXPECT_EQ(manifest_exit_code({ok, stopped}), kExitTransient);
}

}  // namespace
}  // namespace txt2pdf
