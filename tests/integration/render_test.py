#!/usr/bin/python3
"""Checks real PDFs from `txt2pdf-job render` with poppler-utils and qpdf (no golden files).

Usage: render_test.py JOB CASE   (CASE is one of the functions named case_*; see render.cmake)
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

JOB = sys.argv[1]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "text")
WORK = tempfile.mkdtemp(prefix="render-test-")

# The default page grid: A4, 10 pt Courier/DejaVu Sans Mono, 12 pt leading, 54 pt margins.
COLUMNS, LINES = 81, 61
MARGIN = 54


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def tool(*args):
    """Runs a poppler/qpdf tool; any warning on stderr fails the test."""
    result = subprocess.run(args, capture_output=True)
    if result.returncode != 0:
        fail("%s exited %d: %s" % (args[0], result.returncode, result.stderr.decode(errors="replace")))
    if result.stderr.strip():
        fail("%s warned: %s" % (args[0], result.stderr.decode(errors="replace")))
    return result.stdout.decode("utf-8", errors="replace")


def render(data, *flags, name="in.txt", env=None, expect=0):
    path = os.path.join(WORK, name)
    with open(path, "wb") as out:
        out.write(data)
    pdf = path + ".pdf"
    if os.path.exists(pdf):
        os.unlink(pdf)
    run_env = dict(os.environ)
    run_env.update(env or {})
    result = subprocess.run([JOB, "render", path, pdf, *flags], capture_output=True, env=run_env)
    stderr = result.stderr.decode(errors="replace")
    if result.returncode != expect:
        fail("render exited %d, expected %d: %s" % (result.returncode, expect, stderr))
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return pdf, records, stderr


def check_pdf(pdf):
    """qpdf --check passes and poppler reads the file without a single warning."""
    check = subprocess.run(["qpdf", "--check", pdf], capture_output=True)
    if check.returncode != 0:
        fail("qpdf --check: " + check.stdout.decode(errors="replace") + check.stderr.decode(errors="replace"))
    tool("pdffonts", pdf)
    tool("pdfinfo", pdf)
    tool("pdftotext", pdf, os.devnull)


def text_of(pdf, *args):
    return tool("pdftotext", "-layout", *args, pdf, "-")


def squeeze(text):
    return re.sub(r"\s+", "", text)


def pages_of(pdf):
    return int(re.search(r"^Pages:\s+(\d+)", tool("pdfinfo", pdf), re.M).group(1))


def fonts_of(pdf):
    rows = tool("pdffonts", pdf).splitlines()[2:]
    return [row.split() for row in rows]


def expect_recovered(text, *flags):
    pdf, records, _ = render(text.encode("utf-8"), "--no-header", "--no-footer", *flags)
    check_pdf(pdf)
    got = squeeze(text_of(pdf))
    if got != squeeze(text):
        fail("text not recovered:\n want %r\n got  %r" % (squeeze(text)[:300], got[:300]))
    return pdf, records


def predicted_pages(lines, columns=COLUMNS, lines_per_page=LINES):
    rows = sum(max(1, math.ceil(len(line) / columns)) for line in lines)
    return max(1, math.ceil(rows / lines_per_page))


def case_ascii():
    lines = ["Line %d: (parens) [brackets] back\\slash %s" % (i, "x" * (i * 7 % 160)) for i in range(300)]
    pdf, records = expect_recovered("\n".join(lines) + "\n")
    fonts = fonts_of(pdf)
    if [f[0] for f in fonts] != ["Courier"]:
        fail("ASCII should need only the built-in Courier: %s" % fonts)
    if records[-1]["pages"] != pages_of(pdf):
        fail("logged pages differ from the PDF")


def case_latin1():
    with open(os.path.join(DATA, "latin1.txt"), "rb") as source:
        raw = source.read()
    pdf, records, _ = render(raw, "--no-header", "--no-footer")
    check_pdf(pdf)
    if squeeze(text_of(pdf)) != squeeze(raw.decode("cp1252")):
        fail("Windows-1252 text not recovered: %r" % text_of(pdf))
    if records[-1]["encoding"] != "windows-1252":
        fail("encoding not logged as windows-1252: %s" % records[-1])
    if any(f[0] != "Courier" for f in fonts_of(pdf)):
        fail("Latin-1 text should use Courier only")


def case_scripts():
    text = ("Greek: Καλημέρα κόσμε, ΑΒΓΔ άέήίόύώ\n"
            "Cyrillic: Съешь же ещё этих мягких французских булок\n"
            "CJK: 中文字符测试，日本語のテキスト、한국어 텍스트\n"
            "Mixed: naïve café – “quotes” € ½ → ✓ Ωmega 東京\n")
    pdf, records = expect_recovered(text)
    fonts = fonts_of(pdf)
    for row in fonts:
        # name type... encoding emb sub uni: every TrueType font embedded as a subset with a map
        if "TrueType" in row and row[-5:-2] != ["yes", "yes", "yes"]:
            fail("font not embedded+subset+unicode: %s" % row)
        if "TrueType" in row and not re.match(r"[A-Z]{6}\+", row[0]):
            fail("subset font name lacks a subset tag: %s" % row)
    if not any("DejaVuSansMono" in row[0] for row in fonts):
        fail("DejaVu Sans Mono not used: %s" % fonts)
    if records[-1]["missing_glyphs"] != 0:
        fail("unexpected missing glyphs: %s" % records[-1])


def case_wrapped_cjk():
    # 120 wide characters = 240 columns: three rows on an 81-column grid (40 per row).
    text = "".join(chr(0x4E00 + i * 37 % 5000) for i in range(120)) + "\nend\n"
    pdf, _ = expect_recovered(text, "--fit=none")
    rows = [line for line in text_of(pdf).splitlines() if line.strip()]
    if len(rows) != 4:
        fail("wide characters should wrap into 3 rows + 1: %r" % rows)


def case_page_count():
    lines = ["%05d %s" % (i, "word " * (i % 37)) for i in range(1000)]
    text = "\n".join(lines) + "\n"
    pdf, _, _ = render(text.encode(), "--no-header", "--fit=none")
    check_pdf(pdf)
    if pages_of(pdf) != predicted_pages(lines):
        fail("A4 pages %d, layout predicts %d" % (pages_of(pdf), predicted_pages(lines)))
    # Letter landscape: 792 x 612 pt -> 114 columns, 42 lines.
    pdf, _, _ = render(text.encode(), "--paper", "Letter", "--landscape")
    if pages_of(pdf) != predicted_pages(lines, 114, 42):
        fail("Letter landscape pages %d, predicted %d" % (pages_of(pdf), predicted_pages(lines, 114, 42)))
    if "792 x 612" not in tool("pdfinfo", pdf):
        fail("Letter landscape page size wrong")
    # Two-up: two 59-column halves per A4 landscape sheet ((733.89 - 24) / 2 / 6), 40 lines each.
    pdf, _, _ = render(text.encode(), "--two-up")
    if pages_of(pdf) != math.ceil(predicted_pages(lines, 59, 40) / 2):
        fail("two-up pages %d, predicted %d" % (pages_of(pdf), math.ceil(predicted_pages(lines, 59, 40) / 2)))



def case_more_pages_than_one_kids_array():
    # libharu's flat page tree holds at most 32767 pages (a ~128 MiB log); beyond that it needs
    # a nested tree. 34483 pages of short lines.
    lines = ["%d" % i for i in range(2000000)]
    pdf, records, _ = render(("\n".join(lines) + "\n").encode())
    expected = predicted_pages(lines)
    if expected <= 32767 or pages_of(pdf) != expected:
        fail("pages %d, layout predicts %d (must exceed 32767)" % (pages_of(pdf), expected))
    if records[-1].get("pages") != expected:
        fail("log reports %r pages" % records[-1].get("pages"))
    last = text_of(pdf, "-f", str(expected), "-l", str(expected))
    if "1999999" not in last or "page %d of %d" % (expected, expected) not in last:
        fail("last page lacks the last line or its footer:\n" + last[-300:])

def case_header_footer():
    pdf, _, _ = render(("x\n" * 100).encode(), name="report.log")
    check_pdf(pdf)
    first = text_of(pdf, "-f", "1", "-l", "1")
    second = text_of(pdf, "-f", "2", "-l", "2")
    if "report.log" not in first or "page 1 of 2" not in first or "page 2 of 2" not in second:
        fail("header/footer missing:\n%s\n%s" % (first, second))
    if not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", first):
        fail("date missing from the header")
    info = tool("pdfinfo", pdf)
    if "Title:           report.log" not in info or "Producer:        txt2pdf" not in info:
        fail("metadata missing: %s" % info)


def case_form_feed():
    pdf, _, _ = render(b"one\n\ftwo\n\f\fthree\n", "--no-header", "--no-footer")
    check_pdf(pdf)
    if pages_of(pdf) != 4:
        fail("form feeds should give 4 pages, got %d" % pages_of(pdf))
    pages = [text_of(pdf, "-f", str(n), "-l", str(n)).strip() for n in range(1, 5)]
    if pages != ["one", "two", "", "three"]:
        fail("form feed pages: %r" % pages)


def case_tabs():
    pdf, _, _ = render(b"a\tb\tc\nlonger\tx\n\ty\n", "--no-header", "--no-footer")
    check_pdf(pdf)
    bbox = tool("pdftotext", "-bbox", pdf, "-")
    x = {m.group(2): float(m.group(1)) for m in re.finditer(r'xMin="([\d.]+)"[^>]*>([^<]+)</word>', bbox)}
    column = 6.0  # 0.6 * 10 pt
    for word, stop in [("a", 0), ("b", 8), ("c", 16), ("longer", 0), ("x", 8), ("y", 8)]:
        if abs(x[word] - (MARGIN + stop * column)) > 0.1:
            fail("%s at x=%.2f, expected tab stop %d (x=%.2f)" % (word, x[word], stop, MARGIN + stop * column))


def case_replacement():
    text = "smile \U0001F600 private \uE000 ok\n"
    pdf, records, stderr = render(text.encode(), "--no-header", "--no-footer")
    check_pdf(pdf)
    if records[-1]["missing_glyphs"] != 2:
        fail("missing_glyphs should be 2: %s" % records[-1])
    got = text_of(pdf)
    if got.count("\uFFFD") != 2 or "smile" not in got or "ok" not in got:
        fail("replacements not visible: %r" % got)
    if not re.search(r"^Txt2pdfMissingGlyphs:\s*2$", tool("pdfinfo", "-custom", pdf), re.M):
        fail("missing glyph count not in the PDF metadata")
    if "U+FFFD" not in stderr:
        fail("replacements not logged as a warning")


def case_invalid_utf8():
    head = ("a" * 99 + "\n") * 700  # 70 KB of ASCII decides UTF-8; the bad bytes come later
    pdf, records, _ = render(head.encode() + b"bad \xff\xfe end\n", "--no-header", "--no-footer")
    check_pdf(pdf)
    if records[-1]["replaced_invalid"] != 2 or records[-1]["encoding"] != "utf-8":
        fail("invalid bytes not counted: %s" % records[-1])
    if "bad \uFFFD\uFFFD end" not in text_of(pdf):
        fail("U+FFFD not drawn for invalid bytes")


def case_utf16():
    with open(os.path.join(DATA, "greek-utf16le.txt"), "rb") as source:
        raw = source.read()
    pdf, records, _ = render(raw, "--no-header", "--no-footer")
    check_pdf(pdf)
    if squeeze(text_of(pdf)) != squeeze(raw.decode("utf-16")):
        fail("UTF-16 text not recovered")
    if records[-1]["encoding"] != "utf-16le":
        fail("encoding: %s" % records[-1])


def case_controls_and_truncate():
    text = b"bell\x07 esc\x1b[0m\n" + b"y" * 100 + b"\nnext\n"
    pdf, _, _ = render(text, "--no-header", "--no-footer", "--no-wrap", "--fit=none", "--ansi=show")
    check_pdf(pdf)
    got = text_of(pdf)
    if "bell^G esc^[[0m" not in got:
        fail("controls not shown as ^X: %r" % got)
    if "y" * 81 not in got or "y" * 82 in got or "next" not in got:
        fail("long line not truncated at 81 columns: %r" % got)


def case_line_numbers():
    pdf, _, _ = render(b"alpha\nbeta\n" + b"z" * 80 + b"\n", "--line-numbers", "--no-header", "--no-footer",
                       "--fit=none")
    check_pdf(pdf)
    rows = [row.strip() for row in text_of(pdf).splitlines() if row.strip()]
    if rows[0] != "1 alpha" or rows[1] != "2 beta" or not rows[2].startswith("3 zzz") or rows[3] != "z" * 6:
        fail("line numbers wrong: %r" % rows)


def case_binary_refused():
    path = os.path.join(WORK, "data.bin")
    pdf, _, stderr = render(b"%PDF\x00\x01\x02" + bytes(range(256)) * 4, name="data.bin", expect=65)
    if os.path.exists(pdf):
        fail("a PDF was written for binary input")
    if "NUL byte at offset 4" not in stderr:
        fail("refusal does not say why: " + stderr)
    leftovers = [name for name in os.listdir(WORK) if name.startswith(".data.bin")]
    if leftovers:
        fail("temporary files left behind: %s" % leftovers)
    del path


def case_stdin_stdout():
    data = "stdin → stdout Ω\n".encode()
    result = subprocess.run([JOB, "render", "-", "-", "--no-header"], input=data, capture_output=True)
    if result.returncode != 0 or not result.stdout.startswith(b"%PDF-") or b"%%EOF" not in result.stdout[-32:]:
        fail("render - - failed: %d %s" % (result.returncode, result.stderr.decode(errors="replace")))
    pdf = os.path.join(WORK, "stdout.pdf")
    with open(pdf, "wb") as out:
        out.write(result.stdout)
    check_pdf(pdf)
    if "stdin → stdout Ω" not in text_of(pdf):
        fail("text from stdin not recovered")


def case_bad_options():
    _, _, stderr = render(b"x\n", "--paper", "A5", expect=64)
    if "--paper" not in stderr or "A5" not in stderr:
        fail("bad flag value not named: " + stderr)
    _, _, stderr = render(b"x\n", "--colour", expect=64)
    if "--colour" not in stderr:
        fail("unknown flag not named: " + stderr)
    _, _, stderr = render(b"x\n", env={"TXT2PDF_FONT_SIZE": "huge"}, expect=64)
    if "TXT2PDF_FONT_SIZE" not in stderr or "huge" not in stderr:
        fail("bad environment value not named: " + stderr)
    _, _, stderr = render(b"x\n", "--margins", "300", expect=64)
    result = subprocess.run([JOB, "render", os.path.join(WORK, "missing.txt"), os.path.join(WORK, "m.pdf")],
                            capture_output=True)
    if result.returncode != 66:
        fail("missing input should exit 66, got %d" % result.returncode)


def case_paper_env():
    pdf, _, _ = render(b"x\n", env={"PAPER": "Legal"})
    if "612 x 1008" not in tool("pdfinfo", pdf):
        fail("PAPER=Legal ignored")
    pdf, _, _ = render(b"x\n", "--paper", "A3", env={"TXT2PDF_PAPER": "Legal"})
    if "841.89 x 1190.55" not in tool("pdfinfo", pdf):
        fail("--paper should win over TXT2PDF_PAPER")


def dark_pixels(pdf):
    """Pixels darker than mid-grey on page 1 rasterized at 20 dpi (pdftoppm, PGM)."""
    raw = subprocess.run(["pdftoppm", "-gray", "-r", "20", "-f", "1", "-l", "1", pdf], capture_output=True,
                         check=True).stdout
    # "P5\n<width> <height>\n<maxval>\n" then one byte per pixel.
    fields = raw.split(maxsplit=4)
    pixels = fields[4]
    return sum(1 for value in pixels if value < 128)


def case_glyphs_drawn():
    """Every embedded glyph has ink: subsetting keeps outlines, composite glyphs included
    (accented Greek letters and many Droid Sans Fallback ideographs are built from components)."""
    blank, _, _ = render(" \n".encode(), "--no-header", "--no-footer", "--font-size", "60", name="blank.txt")
    if dark_pixels(blank) != 0:
        fail("a page with only a space has ink")
    for char in "Aé\u03ad\u0416\u6f22\u597d\u304b\ud55c":
        pdf, _, _ = render((char + "\n").encode("utf-8"), "--no-header", "--no-footer", "--font-size", "60",
                           name="glyph.txt")
        check_pdf(pdf)
        ink = dark_pixels(pdf)
        if ink < 10:
            fail("U+%04X drawn with %d dark pixels: its glyph is missing from the embedded font" % (ord(char), ink))


def case_fonts_subset():
    """Embedded fonts hold only what is drawn: two CJK characters make a small file (libharu's
    own subsetter kept whole loca/hmtx/cmap tables: 73 KB)."""
    pdf, _, _ = render("\u4f60\u597d world\n".encode("utf-8"), "--no-header", "--no-footer")
    check_pdf(pdf)
    size = os.path.getsize(pdf)
    if size > 20000:
        fail("two CJK characters and five letters made a %d-byte PDF" % size)
    if not all(row[-3] == "yes" and row[-4] == "yes" for row in fonts_of(pdf) if "CID" in " ".join(row)):
        fail("fonts not embedded as subsets: %r" % fonts_of(pdf))


if __name__ == "__main__":
    case = globals().get("case_" + sys.argv[2])
    if case is None:
        fail("unknown case " + sys.argv[2])
    try:
        case()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print("ok " + sys.argv[2])
