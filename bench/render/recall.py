#!/usr/bin/python3
"""Recall of the corpus (corpus.py) through `txt2pdf-job render`: for each legacy-encoded tutor,
the share of its characters (iconv-decoded, whitespace aside) that pdftotext finds in the PDF, the
encoding txt2pdf detected against the one the file is in, pages and time.

usage: recall.py --job build/txt2pdf-job [--corpus DIR] [--json]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

# iconv names that decode the same text (a detected superset counts as right).
SAME = {
    "gb2312": {"gb18030", "gbk"}, "gbk": {"gb18030"}, "euc-kr": {"uhc", "cp949"},
    "cp1250": {"windows-1250"}, "cp1251": {"windows-1251"}, "iso-8859-1": {"windows-1252"},
    "koi8-r": {"koi8-u"}, "cp866": {"ibm866"}, "shift_jis": {"sjis", "cp932"},
}


def same_encoding(expected, detected, data=None, text=None):
    """The detected encoding is right when it is the file's, a superset, or decodes the file's
    bytes to exactly the expected text (ISO-8859-9 and Windows-1254 agree on text without 0x80-0x9F)."""
    expected, detected = expected.lower(), detected.lower()
    if expected == detected or detected in SAME.get(expected, set()):
        return True
    if data is None or not detected:
        return False
    try:
        return corpus.iconv(data, detected, "UTF-8").decode("utf-8") == text
    except (subprocess.CalledProcessError, UnicodeDecodeError):
        return False


def recall(expected, extracted):
    want = collections.Counter(c for c in expected if not c.isspace())
    got = collections.Counter(c for c in extracted if not c.isspace())
    total = sum(want.values())
    return 1.0 if total == 0 else sum((want & got).values()) / total


def render(job, source, pdf):
    started = time.monotonic()
    run = subprocess.run([job, "render", source, pdf], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    record = {}
    for line in run.stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "rendered":
            record = entry
    return run.returncode, record, elapsed


def measure_corpus(job, directory, scratch):
    """Renders the corpus (made in `directory`) and returns one result per file: tutors with
    recall and encoding, the man page and the colour log with pages and time."""
    made = corpus.make_corpus(directory)
    results = []
    for name in made["tutors"]:
        source = os.path.join(directory, name + ".txt")
        pdf = os.path.join(scratch, name + ".pdf")
        code, record, elapsed = render(job, source, pdf)
        expected = open(os.path.join(directory, name + ".expected"), encoding="utf-8").read()
        encoding = open(os.path.join(directory, name + ".encoding")).read().strip()
        # -layout: raw mode joins a word hyphenated at a line end, dropping its "-".
        extracted = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                                   text=True).stdout if code == 0 else ""
        data = open(source, "rb").read()
        detected = record.get("encoding", "")
        results.append({"file": name, "encoding": encoding, "detected": detected,
                        "right": same_encoding(encoding, detected, data, expected),
                        "method": record.get("encoding_method", ""), "exit": code,
                        "recall": round(recall(expected, extracted), 4), "pages": record.get("pages"),
                        "ms": round(elapsed * 1000, 1)})
    for name, source in (("man-ls", "man-ls.txt"), ("color.log", "color.log")):
        pdf = os.path.join(scratch, name + ".pdf")
        code, record, elapsed = render(job, os.path.join(directory, source), pdf)
        results.append({"file": name, "encoding": "utf-8", "detected": record.get("encoding", ""), "right": True,
                        "method": record.get("encoding_method", ""), "exit": code, "recall": None,
                        "pages": record.get("pages"), "rows": record.get("rows"), "lines": record.get("lines"),
                        "ms": round(elapsed * 1000, 1)})
    return results


def print_results(results):
    for r in results:
        mark = "" if r["right"] else "  <- encoding"
        score = "%6.2f%%" % (r["recall"] * 100) if r["recall"] is not None else "      -"
        print(f"{r['file']:34} {r['encoding']:13} {r['detected']:13} {r['method']:9} "
              f"{score} {r['pages']} pages {r['ms']} ms{mark}")
    tutors = [r for r in results if r["recall"] is not None]
    perfect = sum(1 for r in tutors if r["recall"] == 1.0 and r["right"])
    print(f"{perfect}/{len(tutors)} legacy-encoded tutors at 100% recall with the right encoding")
    return perfect == len(tutors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True)
    parser.add_argument("--corpus")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.corpus or os.path.join(scratch, "corpus")
        results = measure_corpus(os.path.abspath(args.job), directory, scratch)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    return 0 if print_results(results) else 1


if __name__ == "__main__":
    sys.exit(main())
