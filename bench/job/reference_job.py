#!/usr/bin/python3
"""The reference: txt2pdf-job's work done the way the Python world usually does it (boto3 +
ReportLab, as in a Lambda or a Python container). Same environment contract as txt2pdf-job:
SOURCE_BUCKET, OBJECT_KEY, DEST_BUCKET, optional DEST_KEY, AWS_ENDPOINT_URL, AWS_REGION, keys.

Same page grid as the txt2pdf renderer's default: A4, Courier 10 pt, 12 pt leading, 72 pt margins
(58 lines x 75 columns), long lines wrapped. GET -> render in memory -> PUT (SSE, metadata) -> HEAD.
"""

import io
import os
import sys

import boto3
from botocore.config import Config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

COLUMNS, LINES, MARGIN, LEADING, SIZE = 75, 58, 72, 12, 10


def render(text):
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    _, height = A4
    row = 0
    obj = None
    for line in text.splitlines() or [""]:
        line = line.expandtabs(8)
        pieces = [line[i:i + COLUMNS] for i in range(0, len(line), COLUMNS)] or [""]
        for piece in pieces:
            if obj is None:
                obj = pdf.beginText(MARGIN, height - MARGIN - SIZE)
                obj.setFont("Courier", SIZE, leading=LEADING)
            obj.textLine(piece)
            row += 1
            if row == LINES:
                pdf.drawText(obj)
                pdf.showPage()
                obj, row = None, 0
    if obj is not None:
        pdf.drawText(obj)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "render":  # local mode, as `txt2pdf-job render IN OUT`
        with open(sys.argv[2], encoding="utf-8", errors="replace") as src:
            data = render(src.read())
        with open(sys.argv[3], "wb") as dst:
            dst.write(data)
        return 0
    env = os.environ
    source, key, dest = env["SOURCE_BUCKET"], env["OBJECT_KEY"], env["DEST_BUCKET"]
    dest_key = env.get("DEST_KEY") or (key[:-4] if key.lower().endswith(".txt") else key) + ".pdf"
    s3 = boto3.client("s3", endpoint_url=env.get("AWS_ENDPOINT_URL"),
                      region_name=env.get("AWS_REGION", "us-east-1"),
                      config=Config(s3={"addressing_style": "path"}))
    got = s3.get_object(Bucket=source, Key=key)
    text = got["Body"].read().decode("utf-8", errors="replace")
    body = render(text)
    s3.put_object(Bucket=dest, Key=dest_key, Body=body, ContentType="application/pdf",
                  ServerSideEncryption="AES256",
                  Metadata={"source-etag": got["ETag"].strip('"'), "converter": "reference.py"})
    head = s3.head_object(Bucket=dest, Key=dest_key)
    if head["ContentLength"] != len(body):
        print("verification failed", file=sys.stderr)
        return 75
    return 0


if __name__ == "__main__":
    sys.exit(main())
