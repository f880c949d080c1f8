#!/usr/bin/python3
"""The usual Python way, for comparison: boto3 long poll + ReportLab per message, one process.

Debian's botocore 1.29 models SQS with the query (XML) protocol, which fauxqs does not speak; current
botocore models it as JSON 1.0. So this consumer loads botocore's own SQS model with its metadata
switched to the JSON protocol (what botocore >= 1.31 ships) from a private data path: the calls and
the code stay exactly what a boto3 user writes.

Environment: QUEUE_URL, DEST_BUCKET, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL (S3), credentials.
Stops on SIGTERM after the message in hand.
"""
import io
import json
import os
import signal
import sys
import tempfile
import urllib.parse

import boto3
import botocore
import botocore.session
from botocore.config import Config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

stopping = False


def on_term(_signal, _frame):
    global stopping
    stopping = True


def json_sqs_model_dir():
    source = os.path.join(os.path.dirname(botocore.__file__), "data", "sqs", "2012-11-05", "service-2.json")
    with open(source) as model_file:
        model = json.load(model_file)
    model["metadata"].update({"protocol": "json", "jsonVersion": "1.0", "targetPrefix": "AmazonSQS"})
    root = tempfile.mkdtemp(prefix="sqs-json-model-")
    target = os.path.join(root, "sqs", "2012-11-05")
    os.makedirs(target)
    with open(os.path.join(target, "service-2.json"), "w") as out:
        json.dump(model, out)
    return root


def render(text):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    y = height - 40
    pdf.setFont("Courier", 10)
    for line in text.splitlines():
        if y < 40:
            pdf.showPage()
            pdf.setFont("Courier", 10)
            y = height - 40
        pdf.drawString(40, y, line)
        y -= 12
    pdf.save()
    return buffer.getvalue()


def main():
    signal.signal(signal.SIGTERM, on_term)
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, json_sqs_model_dir())
    boto_session = boto3.session.Session(botocore_session=session)
    sqs = boto_session.client("sqs", endpoint_url=os.environ["AWS_ENDPOINT_URL_SQS"])
    s3 = boto_session.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                             config=Config(s3={"addressing_style": "path"}))
    queue_url, dest = os.environ["QUEUE_URL"], os.environ["DEST_BUCKET"]
    wait = int(os.environ.get("WAIT_TIME_SECONDS", "20"))
    while not stopping:
        reply = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        for message in reply.get("Messages", []):
            for record in json.loads(message["Body"]).get("Records", []):
                bucket = record["s3"]["bucket"]["name"]
                key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
                source = s3.get_object(Bucket=bucket, Key=key)
                pdf = render(source["Body"].read().decode("utf-8", errors="replace"))
                dest_key = (key[:-4] if key.lower().endswith(".txt") else key) + ".pdf"
                s3.put_object(Bucket=dest, Key=dest_key, Body=pdf, ContentType="application/pdf",
                              Metadata={"source-etag": source["ETag"].strip('"')})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
