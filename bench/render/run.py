#!/usr/bin/python3
"""Rendering benchmark (not a test): txt2pdf-job render against the converters people use today
(ReportLab with Courier and with a TrueType font, enscript + ps2pdf, paps + ps2pdf) and a plain
libharu loop (libharu_loop.cpp, built here with g++), same inputs, same page grid (A4, 10 pt,
12 pt leading, 72 pt margins: 58 lines x 75 columns), and gzip -6 as the floor. Prints medians
of wall time, CPU time, peak RSS, output size, page counts and ratios, in one run.

Usage: bench/render/run.py [--job build/txt2pdf-job] [--runs 5] [--quick]
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
GRID = "--margins=72:72:72:72"


def make_log(path, size, seed):
    """An application log with long lines (many wrap at 75 columns), deterministic."""
    rng = random.Random(seed)
    words = ("GET POST PUT /api/v1/users /api/v1/orders/7781 /static/app.js 200 201 404 500 INFO WARN "
             "ERROR request completed latency_ms=12 user_id=4411 session=ab12cd34 cache=miss upstream "
             "timeout retry=2 bytes=10240 region=eu-west-1 trace=7f3a9c").split()
    out, total, n = [], 0, 0
    while total < size:
        line = "2026-01-%02d 12:%02d:%02d.%03d [%s] %s\n" % (
            1 + n % 28, n % 60, n * 7 % 60, n % 1000, rng.choice(["INFO", "WARN", "ERROR"]),
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 30))))
        out.append(line)
        total += len(line)
        n += 1
    with open(path, "w", encoding="ascii") as f:
        f.write("".join(out)[:size])


def make_mixed(path, size, seed):
    """UTF-8 text, about 5 % of the characters CJK, the rest Latin with some accents."""
    rng = random.Random(seed)
    latin = "the quick brown fox jumps over lazy dogs café naïve déjà vu résumé".split()
    cjk = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    out, total = [], 0
    while total < size:
        words = []
        for _ in range(rng.randint(4, 16)):
            if rng.random() < 0.05 * 6:  # CJK words of ~1 character vs ~6-letter Latin words
                words.append("".join(rng.choice(cjk) for _ in range(rng.randint(1, 2))))
            else:
                words.append(rng.choice(latin))
        line = " ".join(words) + "\n"
        out.append(line)
        total += len(line.encode())
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))


def measure(command, output, runs):
    """Median wall seconds, median CPU seconds, max peak RSS (KB), output bytes.

    `command` is an argv list (run directly, no shell start-up in the figures), an argv list and
    a file for its standard output, or a shell string (pipelines). /usr/bin/time starts it and
    reports CPU time and peak RSS: a child forked from this Python process would inherit
    Python's RSS as its high-water mark."""
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        stdout_path = None
        if isinstance(command, str):
            argv = ["sh", "-c", command]
        elif isinstance(command, tuple):
            argv, stdout_path = command
        else:
            argv = command
        stats = tempfile.NamedTemporaryFile(delete=False)
        stats.close()
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", stats.name] + argv,
                                stdout=stdout, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
        if stdout_path:
            stdout.close()
        with open(stats.name) as f:
            fields = f.read().split()[-3:]
        os.unlink(stats.name)
        if result.returncode != 0:
            return None
        cpus.append(float(fields[0]) + float(fields[1]))
        rss.append(int(fields[2]))
    return statistics.median(walls), statistics.median(cpus), max(rss), os.path.getsize(output)


def measure_start_to_exit(argv, runs):
    """Median wall and CPU milliseconds of `argv` started directly (not through /usr/bin/time,
    whose own start-up would dominate a few milliseconds)."""
    walls, cpus = [], []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def print_targets(results, inputs):
    """Issue 4's targets, as ratios of this run's medians (wall time)."""
    def ratio(name, a, b, field=0):
        if (name, a) not in results or (name, b) not in results:
            return None
        return results[(name, a)][field] / results[(name, b)][field]

    def line(text, value, target, good):
        if value is not None:
            print("  %-52s %7.2f   target %s: %s" % (text, value, target, "met" if good(value) else "NOT met"))

    print("targets (ratios of the medians above):")
    for name in ("1MB ascii", "20MB ascii"):
        if name not in inputs:
            continue
        line(name + ": txt2pdf / gzip -6 wall", ratio(name, "txt2pdf", "gzip -6"), "<= 1.5", lambda v: v <= 1.5)
        line(name + ": ReportLab / txt2pdf wall", ratio(name, "reportlab", "txt2pdf"), ">= 5", lambda v: v >= 5)
        line(name + ": plain libharu loop / txt2pdf wall", ratio(name, "libharu-loop", "txt2pdf"), ">= 2.4",
             lambda v: v >= 2.4)
        line(name + ": txt2pdf / ReportLab size", ratio(name, "txt2pdf", "reportlab", 3), "<= 0.75",
             lambda v: v <= 0.75)
    if ("20MB ascii", "txt2pdf") in results:
        allowed = 1.2 * 20 + 16
        line("20MB ascii: txt2pdf peak RSS MB", results[("20MB ascii", "txt2pdf")][2] / 1024, "<= %.0f" % allowed,
             lambda v: v <= allowed)
    line("1MB mixed: ReportLab-TTF / txt2pdf wall", ratio("1MB mixed", "reportlab-ttf", "txt2pdf"), ">= 5",
         lambda v: v >= 5)
    line("1MB mixed: txt2pdf / ReportLab-TTF size", ratio("1MB mixed", "txt2pdf", "reportlab-ttf", 3), "<= 1",
         lambda v: v <= 1)
    if ("one-line", "txt2pdf") in results:
        line("one-line file: txt2pdf ms, start to exit", results[("one-line", "txt2pdf")][0], "<= 8",
             lambda v: v <= 8)


def pages(pdf):
    if not pdf.endswith(".pdf"):
        return "-"
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return found.group(1) if found else "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", default=os.path.join(ROOT, "build", "txt2pdf-job"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 20 MB input and paps")
    args = parser.parse_args()
    job = os.path.abspath(args.job)
    work = tempfile.mkdtemp(prefix="render-bench-")
    inputs = {"10KB ascii": (make_log, 10 * 1024), "1MB ascii": (make_log, 1 << 20),
              "20MB ascii": (make_log, 20 << 20), "1MB mixed": (make_mixed, 1 << 20)}
    if args.quick:
        del inputs["20MB ascii"]
    for seed, (name, (make, size)) in enumerate(inputs.items()):
        make(os.path.join(work, name.replace(" ", "-") + ".txt"), size, seed)

    rl = ["/usr/bin/python3", os.path.join(HERE, "reportlab_render.py")]
    loop = os.path.join(work, "libharu_loop")
    built = subprocess.run(["g++", "-O2", "-o", loop, os.path.join(HERE, "libharu_loop.cpp"), "-lhpdf"])
    if built.returncode != 0:
        print("could not build the plain libharu loop: its rows are skipped")
    tools = {
        # The others' grid (72 pt margins, no fit): txt2pdf's default is 54 pt and fit=auto.
        "txt2pdf": lambda i, o: [job, "render", i, o, "--no-header", "--no-footer", "--margins", "72",
                                 "--fit", "none"],
        "reportlab": lambda i, o: rl + [i, o],
        "reportlab-ttf": lambda i, o: rl + [i, o, "--ttf", DEJAVU],
        "libharu-loop": lambda i, o: [loop, i, o],
        "libharu-loop-ttf": lambda i, o: [loop, i, o, "--ttf", DEJAVU],
        "enscript+ps2pdf": lambda i, o: ("enscript -q -B -M A4 -f Courier10 -s 2 %s -o - %s | ps2pdf - %s"
                                         % (GRID, i, o)),
        "paps+ps2pdf": lambda i, o: ("paps --paper A4 --font 'DejaVu Sans Mono 10' --left-margin 72 "
                                     "--right-margin 72 --top-margin 72 --bottom-margin 72 %s | ps2pdf - %s"
                                     % (i, o)),
        "gzip -6": lambda i, o: (["gzip", "-6", "-c", i], o),
    }
    print("work dir: %s, runs per cell: %d (20 MB: %d; enscript/paps on big inputs: 1)"
          % (work, args.runs, max(1, args.runs // 2)))
    print("load average at start: %s" % open("/proc/loadavg").read().split()[:3])
    header = "%-11s %-16s %9s %8s %8s %10s %6s %10s %9s" % (
        "input", "tool", "wall s", "cpu s", "RSS MB", "out KB", "pages", "wall/ours", "size/ours")
    print(header)
    print("-" * len(header))
    results = {}
    for name in inputs:
        source = os.path.join(work, name.replace(" ", "-") + ".txt")
        ours = None
        for tool, command in tools.items():
            big = name.startswith("20MB")
            if tool == "paps+ps2pdf" and (args.quick or not name.startswith("10KB")):
                continue  # paps took over 10 minutes on the 1 MB inputs here: 10 KB only
            runs = args.runs
            if big:
                runs = max(1, args.runs // 2)
            if tool in ("enscript+ps2pdf", "paps+ps2pdf") and not name.startswith("10KB"):
                runs = 1
            output = os.path.join(work, "%s.%s" % (name.replace(" ", "-"), tool.replace(" ", "")))
            output += ".gz" if tool.startswith("gzip") else ".pdf"
            result = measure(command(source, output), output, runs)
            if result is None:
                print("%-11s %-16s failed" % (name, tool))
                continue
            wall, cpu, rss, size = result
            results[(name, tool)] = result
            if tool == "txt2pdf":
                ours = result
            ratio_wall = "%.2f" % (wall / ours[0]) if ours else "-"
            ratio_size = "%.2f" % (size / ours[3]) if ours else "-"
            print("%-11s %-16s %9.3f %8.3f %8.1f %10.1f %6s %10s %9s" % (
                name, tool, wall, cpu, rss / 1024, size / 1024, pages(output), ratio_wall, ratio_size))
            sys.stdout.flush()
    one = os.path.join(work, "one-line.txt")
    with open(one, "w") as f:
        f.write("hello, world\n")
    for tool in ("txt2pdf", "reportlab"):
        result = measure_start_to_exit(tools[tool](one, one + ".pdf"), max(args.runs * 10, 30))
        results[("one-line", tool)] = result
        print("one-line file, start to exit, %-10s median %.1f ms wall, %.1f ms cpu" % (tool, result[0], result[1]))
    japanese = os.path.join(work, "one-line-ja.txt")
    with open(japanese, "w", encoding="utf-8") as f:
        f.write("\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\n")
    result = measure_start_to_exit(tools["txt2pdf"](japanese, japanese + ".pdf"), max(args.runs * 10, 30))
    print("one-line Japanese file, start to exit, txt2pdf    median %.1f ms wall, %.1f ms cpu" % result[:2])
    print_targets(results, inputs)
    # Real-world corpus from Debian's files (recall.py): legacy-encoded vim tutors, a man page, a colour log.
    sys.path.insert(0, HERE)
    import recall
    print("\nreal-world corpus (vim tutors in legacy encodings, man -P cat ls, a colour log):")
    recall.print_results(recall.measure_corpus(job, os.path.join(work, "corpus"), work))
    print("load average at end: %s" % open("/proc/loadavg").read().split()[:3])
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
