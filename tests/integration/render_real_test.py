#!/usr/bin/python3
"""Real-world text through `txt2pdf-job render`, read back with poppler: legacy-encoded vim tutors
(vim-runtime) against their iconv-decoded text, a man page with overstrike (man-db), a coloured
log, 80- and 132-column files, and the CLI (--help, --version, -o OUTDIR FILE...).
Colours and bold are checked on pixels: a page rasterised with pdftoppm.

Usage: render_real_test.py JOB CASE   (CASE is one of the functions named case_*; see render.cmake)
"""
import json
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "render"))
import render_test as rt  # noqa: E402  (JOB is sys.argv[1] there too)
import corpus  # noqa: E402
import recall  # noqa: E402

fail = rt.fail
ESC = "\x1b"


def raster(pdf, dpi=72):
    """Page 1 as (width, height, rgb bytes) via pdftoppm's PPM output."""
    data = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", pdf], capture_output=True,
                          check=True).stdout
    match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    width, height = int(match.group(1)), int(match.group(2))
    return width, height, data[match.end():]


def pixels(image, test):
    width, height, rgb = image
    return sum(1 for i in range(0, width * height * 3, 3) if test(rgb[i], rgb[i + 1], rgb[i + 2]))


def dark(r, g, b):
    return r + g + b < 200


def custom_info(pdf):
    return dict(re.findall(r"^(Txt2pdf\w+):\s*(.*)$", rt.tool("pdfinfo", "-custom", pdf), re.M))


def case_legacy_encodings():
    directory = os.path.join(rt.WORK, "corpus")
    made = corpus.make_corpus(directory)
    if len(made["tutors"]) < 30:
        fail("corpus has only %d tutors: is vim-runtime installed?" % len(made["tutors"]))
    bad = []
    for name in made["tutors"]:
        data = open(os.path.join(directory, name + ".txt"), "rb").read()
        expected = open(os.path.join(directory, name + ".expected"), encoding="utf-8").read()
        encoding = open(os.path.join(directory, name + ".encoding")).read().strip()
        pdf, records, _ = rt.render(data, "--no-header", "--no-footer", name=name + ".txt")
        # -layout: raw mode joins a word hyphenated at a line end, dropping its "-".
        got = rt.tool("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-")
        score = recall.recall(expected, got)
        detected = records[-1]["encoding"]
        info = custom_info(pdf)
        if score < 1.0 or not recall.same_encoding(encoding, detected, data, expected):
            bad.append("%s: %s detected as %s, recall %.4f" % (name, encoding, detected, score))
        elif info.get("Txt2pdfEncoding") != detected or not info.get("Txt2pdfEncodingMethod"):
            bad.append("%s: PDF info says %r" % (name, info))
    if bad:
        fail("\n".join(bad))


def case_forced_encoding():
    text = "Привет, мир\n".encode("cp866")
    pdf, records, _ = rt.render(text, "--encoding", "cp866", "--no-header", "--no-footer")
    if "Привет, мир" not in rt.text_of(pdf) or records[-1]["encoding_method"] != "option":
        fail("forced cp866 not used: %s" % records[-1])
    _, _, stderr = rt.render(b"x\n", "--encoding", "klingon-8", expect=64)
    if "--encoding" not in stderr:
        fail("unknown forced encoding does not name --encoding: " + stderr)
    _, _, stderr = rt.render(b"x\n", env={"TXT2PDF_ENCODING": "klingon-8"}, expect=64)
    if "TXT2PDF_ENCODING" not in stderr:
        fail("unknown TXT2PDF_ENCODING not named: " + stderr)
    # A weak guess is a warning, never silent.
    _, records, _ = rt.render(b"just one na\xefve word\n")
    if not any(r["level"] == "warn" and "low-confidence" in r["msg"] for r in records):
        fail("low-confidence guess not logged as a warning: %s" % records)


def case_eighty_columns():
    lines = [("%04d " % i + "abcdefghij" * 8)[:80] for i in range(500)]
    pdf, records, _ = rt.render(("\n".join(lines) + "\n").encode())
    rt.check_pdf(pdf)
    record = records[-1]
    if record["rows"] != 500 or record["landscape"]:
        fail("80-column lines wrapped or turned: %s" % record)
    if rt.pages_of(pdf) != math.ceil(500 / record["lines_per_page"]) or rt.pages_of(pdf) != math.ceil(500 / 61):
        fail("80-column pages %d" % rt.pages_of(pdf))
    if "595.276 x 841.89" not in rt.tool("pdfinfo", pdf):
        fail("80-column text not on portrait A4")
    pdf, records, _ = rt.render(("\n".join(lines) + "\n").encode(), "--paper", "Letter")
    if records[-1]["rows"] != 500 or records[-1]["landscape"]:
        fail("80 columns wrap on Letter: %s" % records[-1])


def case_wide_report():
    lines = [("%04d " % i + "0123456789" * 13)[:132] for i in range(200)]
    for paper in ("A4", "Letter"):
        pdf, records, _ = rt.render(("\n".join(lines) + "\n").encode(), "--paper", paper, "--no-header")
        record = records[-1]
        if not record["landscape"] or record["rows"] != 200 or record["font_size"] < 8:
            fail("132-column report on %s: %s" % (paper, record))
        if rt.text_of(pdf).count(lines[7]) != 1:
            fail("132-column line not on one row")
    pdf, records, _ = rt.render(("\n".join(lines) + "\n").encode(), "--fit", "none")
    if records[-1]["landscape"] or records[-1]["rows"] <= 200:
        fail("fit=none should keep the portrait grid and wrap: %s" % records[-1])


def colour_log():
    lines = [ESC + "]0;title" + "\x07" + ESC + "[1;31mFAILED" + ESC + "[0m unit " + ESC + "[32mpassed" + ESC + "[0m",
             ESC + "[38;5;21mblue256" + ESC + "[0m " + ESC + "[38;2;255;128;0morange" + ESC + "[0m "
             + ESC + "[7minverse" + ESC + "[27m " + ESC + "[4munder" + ESC + "[24m",
             "".join("\rdownloading %3d%%" % n for n in range(0, 101, 10)).lstrip("\r")]
    plain = ["FAILED unit passed", "blue256 orange inverse under", "downloading 100%"]
    return "\n".join(lines) + "\n", "\n".join(plain) + "\n"


def case_ansi_colours():
    text, plain = colour_log()
    pdf, records, _ = rt.render(text.encode(), "--no-header", "--no-footer", "--font-size", "20")
    rt.check_pdf(pdf)
    got = rt.tool("pdftotext", "-layout", pdf, "-")
    if [l.rstrip() for l in got.splitlines() if l.strip()] != plain.splitlines():
        fail("extracted text is not the text without escapes:\n%r" % got)
    image = raster(pdf)
    checks = {"red": lambda r, g, b: r > 150 and g < 60 and b < 60,
              "green": lambda r, g, b: g > 150 and r < 60 and b < 60,
              "blue": lambda r, g, b: b > 150 and r < 60 and g < 60,
              "orange": lambda r, g, b: r > 200 and 90 < g < 170 and b < 60}
    for colour, test in checks.items():
        if pixels(image, test) < 20:
            fail("no %s text on the page" % colour)
    if pixels(image, dark) < 600:  # the inverse word's black background
        fail("inverse background missing")
    pdf, _, _ = rt.render(text.encode(), "--no-header", "--no-footer", "--ansi", "strip")
    if pixels(raster(pdf), checks["red"]) > 0:
        fail("ansi=strip still draws colours")
    pdf, _, _ = rt.render(text.encode(), "--no-header", "--no-footer", "--ansi", "show")
    if "^[[1;31m" not in rt.text_of(pdf):
        fail("ansi=show does not show the escapes")


def ink(data, *flags):
    pdf, _, _ = rt.render(data, "--no-header", "--no-footer", "--font-size", "30", *flags)
    return pdf, pixels(raster(pdf), dark)


def case_overstrike():
    word = "BOLDWORD"
    _, plain = ink((word + "\n").encode())
    pdf, bold = ink(("".join(c + "\b" + c for c in word) + "\n").encode())
    if rt.squeeze(rt.text_of(pdf)) != word:
        fail("overstruck word not extracted once: %r" % rt.text_of(pdf))
    if bold < plain * 1.15:
        fail("X\\bX is not bold: %d dark pixels against %d" % (bold, plain))
    # The same in a Unicode font (DejaVu Sans Mono Bold).
    _, plain_u = ink(("\u00e9" + word + " \u03a9\n").encode())
    _, bold_u = ink(("".join(c + "\b" + c for c in "\u00e9" + word) + " \u03a9\n").encode())
    if bold_u < plain_u * 1.15:
        fail("overstrike not bold in DejaVu Sans Mono: %d against %d" % (bold_u, plain_u))
    pdf, underlined = ink(("".join("_\b" + c for c in word) + "\n").encode())
    if rt.squeeze(rt.text_of(pdf)) != word or underlined <= plain:
        fail("_\\bX not underlined once")


def case_man_page():
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="1", LC_ALL="C.UTF-8")
    page = subprocess.run(["man", "-P", "cat", "ls"], env=env, capture_output=True, check=True).stdout
    if b"\b" not in page:
        fail("man -P cat gave no overstrike")
    pdf, records, _ = rt.render(page, "--no-header", "--no-footer", name="ls.1.txt")
    rt.check_pdf(pdf)
    text = rt.text_of(pdf)
    plain = re.sub(r".\x08", "", page.decode("utf-8"))
    if rt.squeeze(text) != rt.squeeze(plain):
        fail("man page text not recovered exactly once")
    if "NNAAMMEE" in text or "^H" in text or records[-1]["rows"] != records[-1]["lines"]:
        fail("overstrike shown as garbage or lines wrapped: %s" % records[-1])


def case_cli():
    help_text = subprocess.run([rt.JOB, "render", "--help"], capture_output=True, text=True, check=True).stdout
    for name in ("paper", "font-size", "fit", "ansi", "encoding", "output-dir"):
        if "--" + name not in help_text:
            fail("--help lacks --" + name)
    if help_text.count("[default:") < 15:
        fail("--help does not give the defaults")
    version = subprocess.run([rt.JOB, "render", "--version"], capture_output=True, text=True, check=True).stdout
    cmake = open(os.path.join(HERE, "..", "..", "CMakeLists.txt")).read()
    project = re.search(r"project\(\S+ VERSION (\S+)", cmake).group(1)
    if version.strip() != "txt2pdf-job " + project:
        fail("--version says %r, the project is %s" % (version, project))
    inputs = []
    for i in range(5):
        path = os.path.join(rt.WORK, "many%d.txt" % i)
        # Hebrew comes from a fallback fontconfig finds: the workers share one finder.
        open(path, "w", encoding="utf-8").write("file %d \u05e9\u05dc\u05d5\u05dd\n" % i)
        inputs.append(path)
    out = os.path.join(rt.WORK, "out")
    os.mkdir(out)
    run = subprocess.run([rt.JOB, "render", "-o", out] + inputs + ["/nonexistent.txt"], capture_output=True,
                         text=True, env=dict(os.environ, TXT2PDF_LOG_FORMAT="json"))
    if run.returncode != 66:
        fail("a missing input among many should exit 66, got %d" % run.returncode)
    made = sorted(os.listdir(out))
    if made != ["many%d.pdf" % i for i in range(5)]:
        fail("outputs: %r" % made)
    if "file 3" not in rt.text_of(os.path.join(out, "many3.pdf")):
        fail("many3.pdf has the wrong text")
    records = [json.loads(line) for line in run.stderr.strip().splitlines()]
    summary = records[-1]
    if summary.get("files") != 6 or summary.get("failed") != 1:
        fail("no summary record: %r" % summary)
    rendered = [r for r in records if r.get("msg") == "rendered"]
    if len(rendered) != 5 or any(r.get("missing_glyphs") != 0 or len(r.get("fonts", [])) != 2 for r in rendered):
        fail("each file should draw its Hebrew from one fallback font: %r" % rendered)
    # An output directory that is not there is one usage error naming it, not a temporary-file
    # failure per input.
    missing = os.path.join(rt.WORK, "no-such-dir")
    run = subprocess.run([rt.JOB, "render", "-o", missing] + inputs, capture_output=True, text=True,
                         env=dict(os.environ, TXT2PDF_LOG_FORMAT="json"))
    if run.returncode != 64 or missing not in run.stderr or "must exist" not in run.stderr:
        fail("a missing output directory should exit 64 naming it, got %d: %s" % (run.returncode, run.stderr))


if __name__ == "__main__":
    case = globals().get("case_" + sys.argv[2])
    if case is None:
        fail("unknown case " + sys.argv[2])
    try:
        case()
    finally:
        rt.shutil.rmtree(rt.WORK, ignore_errors=True)
    print("ok " + sys.argv[2])
