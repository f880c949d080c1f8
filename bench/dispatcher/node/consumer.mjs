// The Node peer of bench/dispatcher (issue 11): what a user writes in sixty lines. sqs-consumer
// long-polls batches of 10 and handles each batch's messages concurrently; the AWS SDK v3 S3
// client keeps connections alive, uses path-style addressing and computes request checksums only
// when required; PDFKit renders with the built-in Courier; the PDF is HEADed (length and
// source-etag) before sqs-consumer deletes the message.
// Environment: QUEUE_URL, DEST_BUCKET, AWS_ENDPOINT_URL (S3), AWS_ENDPOINT_URL_SQS, AWS_REGION,
// credentials. Stops on SIGTERM.
import http from "node:http";
import https from "node:https";
import { Consumer } from "sqs-consumer";
import { SQSClient } from "@aws-sdk/client-sqs";
import { S3Client, GetObjectCommand, PutObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import PDFDocument from "pdfkit";

const region = process.env.AWS_REGION || "us-east-1";
const agents = { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50 }),
                 httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 50 }) };
const s3 = new S3Client({ region, endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true,
                          requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
                          requestHandler: agents });
const sqs = new SQSClient({ region, endpoint: process.env.AWS_ENDPOINT_URL_SQS, requestHandler: agents });
const destBucket = process.env.DEST_BUCKET;

function render(text) {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: "A4", margin: 72 });
    const chunks = [];
    doc.on("data", (chunk) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.font("Courier").fontSize(10).text(text, { lineGap: 2 });
    doc.end();
  });
}

async function convert(bucket, key) {
  const source = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const pdf = await render(await source.Body.transformToString());
  const destKey = key.replace(/\.txt$/i, "") + ".pdf";
  await s3.send(new PutObjectCommand({ Bucket: destBucket, Key: destKey, Body: pdf, ContentType: "application/pdf",
                                       Metadata: { "source-etag": source.ETag } }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: destBucket, Key: destKey }));
  if (head.ContentLength !== pdf.length || head.Metadata["source-etag"] !== source.ETag) {
    throw new Error(`verification of ${destKey} failed`);
  }
}

const consumer = Consumer.create({
  queueUrl: process.env.QUEUE_URL,
  sqs,
  batchSize: 10,
  waitTimeSeconds: Number(process.env.WAIT_TIME_SECONDS || 20),
  handleMessage: async (message) => {
    for (const record of JSON.parse(message.Body).Records || []) {
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
      await convert(record.s3.bucket.name, key);
    }
    return message;  // sqs-consumer deletes it
  },
});
consumer.on("error", (error) => console.error("error", error.message));
consumer.on("processing_error", (error) => console.error("processing_error", error.message));
process.on("SIGTERM", () => { consumer.stop({ abort: false }); setTimeout(() => process.exit(0), 200); });
consumer.start();
