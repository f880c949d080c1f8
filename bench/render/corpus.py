#!/usr/bin/python3
"""Real-world text corpus from files Debian ships, for the render tests and bench/render.

make_corpus(DIR) writes, under DIR:
  - vim's tutors (vim-runtime) in legacy encodings: each UTF-8 tutor converted with iconv to the
    encodings its language is written in, plus the legacy files Debian ships; beside each
    NAME.txt a NAME.expected (UTF-8, the iconv-decoded text) and NAME.encoding (the charset);
  - a man page with overstrike (`man -P cat`, man-db): man-ls.txt;
  - a coloured log (SGR 16/256/24-bit colours, bold, underline, a \\r progress bar): color.log,
    with color.expected (the text without escapes, as a terminal would leave it).
Run it alone to print what it wrote: corpus.py DIR
"""
import os
import subprocess
import sys

TUTOR_DIR = "/usr/share/vim/vim90/tutor"

# UTF-8 tutor -> legacy encodings (iconv names) its language uses.
CONVERTED = {
    "tutor.ja.utf-8": ["SHIFT_JIS", "EUC-JP", "ISO-2022-JP"],
    "tutor.ko.utf-8": ["EUC-KR"],
    "tutor.zh_cn.utf-8": ["GB18030", "GBK"],
    "tutor.zh_tw.utf-8": ["BIG5"],
    "tutor.ru.utf-8": ["WINDOWS-1251", "KOI8-R", "CP866", "ISO-8859-5"],
    "tutor.uk.utf-8": ["KOI8-U", "WINDOWS-1251"],
    "tutor.el.utf-8": ["ISO-8859-7", "WINDOWS-1253", "CP737"],
    "tutor.cs.utf-8": ["WINDOWS-1250", "ISO-8859-2"],
    "tutor.pl.utf-8": ["WINDOWS-1250", "ISO-8859-2"],
    "tutor.tr.utf-8": ["ISO-8859-9", "WINDOWS-1254"],
    "tutor.fr.utf-8": ["WINDOWS-1252", "ISO-8859-1"],
    "tutor.de.utf-8": ["ISO-8859-15", "CP437"],
    "tutor.lv.utf-8": ["WINDOWS-1257", "ISO-8859-13"],
}

# Legacy files Debian ships, with the encoding vim's tutor.vim opens them in.
SHIPPED = {
    "tutor.ja.sjis": "SHIFT_JIS", "tutor.ja.euc": "EUC-JP", "tutor.ko.euc": "EUC-KR",
    # EUC-CN, read as GB18030 (WHATWG's "gb2312" is GBK): the UTF-8 tutor has U+2014 where
    # glibc's GB2312 table says U+2015 for the same bytes.
    "tutor.zh.euc": "GB18030", "tutor.zh.big5": "BIG5", "tutor.ru": "KOI8-R",
    "tutor.ru.cp1251": "CP1251", "tutor.el": "ISO-8859-7", "tutor.el.cp737": "CP737",
    "tutor.cs": "ISO-8859-2", "tutor.cs.cp1250": "CP1250", "tutor.hu.cp1250": "CP1250",
    "tutor.pl.cp1250": "CP1250", "tutor.sk.cp1250": "CP1250", "tutor.tr.iso9": "ISO-8859-9",
    "tutor.hr.cp1250": "CP1250", "tutor.fr": "ISO-8859-1", "tutor.de": "ISO-8859-1",
}


def iconv(data, source, target):
    return subprocess.run(["iconv", "-f", source, "-t", target], input=data, capture_output=True, check=True).stdout


def write(directory, name, data, expected, encoding):
    with open(os.path.join(directory, name + ".txt"), "wb") as out:
        out.write(data)
    with open(os.path.join(directory, name + ".expected"), "wb") as out:
        out.write(expected)
    with open(os.path.join(directory, name + ".encoding"), "w") as out:
        out.write(encoding + "\n")


def tutors(directory):
    names = []
    for source, encodings in CONVERTED.items():
        path = os.path.join(TUTOR_DIR, source)
        if not os.path.exists(path):
            continue
        text = open(path, "rb").read()
        for encoding in encodings:
            try:
                data = iconv(text, "UTF-8", encoding)
                expected = iconv(data, encoding, "UTF-8")
            except subprocess.CalledProcessError:
                continue  # the tutor has a character the encoding lacks (or iconv does not round-trip)
            name = source.replace(".utf-8", "") + "." + encoding.lower()
            write(directory, name, data, expected, encoding)
            names.append(name)
    for source, encoding in SHIPPED.items():
        path = os.path.join(TUTOR_DIR, source)
        if not os.path.exists(path):
            continue
        data = open(path, "rb").read()
        try:
            expected = iconv(data, encoding, "UTF-8")
        except subprocess.CalledProcessError:
            continue
        name = "debian-" + source
        write(directory, name, data, expected, encoding)
        names.append(name)
    return names


def man_page(directory):
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="1", LC_ALL="C.UTF-8")
    out = subprocess.run(["man", "-P", "cat", "ls"], env=env, capture_output=True, check=True).stdout
    with open(os.path.join(directory, "man-ls.txt"), "wb") as f:
        f.write(out)
    return "man-ls"


def colour_log(directory):
    """A CI-style log: 16, 256 and 24-bit colours, bold/underline/inverse, OSC title, \\r bar."""
    esc = "\x1b"
    lines, plain = [], []
    lines.append(esc + "]0;build log" + "\x07" + esc + "[1mBuild started" + esc + "[0m")
    plain.append("Build started")
    for i in range(120):
        colour = [31, 32, 33, 34, 35, 36][i % 6]
        lines.append(f"{esc}[{colour}mstep {i:3d}{esc}[0m compiling unit_{i}.cpp {esc}[38;5;{16 + i}m[256]{esc}[0m "
                     f"{esc}[38;2;{i * 2};{255 - i * 2};80m[rgb]{esc}[39m {esc}[4munderlined{esc}[24m "
                     f"{esc}[7minverse{esc}[27m {esc}[2mfaint{esc}[22m {esc}[3mitalic{esc}[23m")
        plain.append(f"step {i:3d} compiling unit_{i}.cpp [256] [rgb] underlined inverse faint italic")
    bar = "".join(f"\rdownloading [{'#' * n}{'.' * (20 - n)}] {n * 5}%" for n in range(21))
    lines.append(bar.lstrip("\r"))
    plain.append("downloading [" + "#" * 20 + "] 100%")
    lines.append(f"{esc}[42;30m PASS {esc}[0m {esc}[1;31mFAIL{esc}[0m {esc}[2K{esc}[Gall tests done")
    plain.append("all tests done")
    with open(os.path.join(directory, "color.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(directory, "color.expected"), "w") as f:
        f.write("\n".join(plain) + "\n")
    return "color"


def make_corpus(directory):
    os.makedirs(directory, exist_ok=True)
    return {"tutors": tutors(directory), "man": man_page(directory), "log": colour_log(directory)}


if __name__ == "__main__":
    made = make_corpus(sys.argv[1])
    print(len(made["tutors"]), "tutors,", made["man"], made["log"])
