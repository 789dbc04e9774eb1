#!/usr/bin/python3
"""page_check.py - index.html checked as a person would read it.

    page_check.py parse     SERBENCH SOURCE_DIR
    page_check.py chromium  SERBENCH SOURCE_DIR [SCREENSHOT.png]

Both copy the fixed result set (tests/runner/data/report) to a scratch
directory and run `serbench report` on it.

parse:    reads index.html with html.parser: every <img> names a file that
          exists and is not empty, every plot of plots/index.tsv is on the
          page, the sections are there, and nothing is fetched from outside
          the directory (no http(s) address, no external script or style).
chromium: renders the page in headless Chromium: the DOM after the page
          loaded must say every plot image loaded (the page's own check sets
          data-loaded on each and data-plots on <body>), and a screenshot is
          taken (a PNG of the window's size).  Exit 77 (CTest's skip) when
          Chromium or gnuplot is not installed: skipped, not passed.

Debian's /usr/bin/python3 and its standard library only.
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.ids, self.external, self.body = [], set(), [], {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.imgs.append(a)
        if tag == "body":
            self.body = a
        for key in ("src", "href"):
            v = a.get(key) or ""
            if v.startswith(("http:", "https:", "//")):
                self.external.append(f"<{tag} {key}={v}>")
        if tag == "script" and a.get("src"):
            self.external.append(f"<script src={a['src']}>")
        if tag == "link" and a.get("href"):
            self.external.append(f"<link href={a['href']}>")


def fail(msg):
    print(f"page_check: {msg}", file=sys.stderr)
    sys.exit(1)


def make_report(serbench, src, work):
    d = os.path.join(work, "report")
    shutil.copytree(os.path.join(src, "tests", "runner", "data", "report"), d)
    r = subprocess.run([serbench, "report", d], capture_output=True, text=True, timeout=300)
    if r.returncode not in (0, 3):  # 3: gnuplot missing, the page made without plots
        fail(f"serbench report exit {r.returncode}: {r.stderr.strip()}")
    return d, r.returncode == 3


def planned_plots(d):
    path = os.path.join(d, "plots", "index.tsv")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return [r[2] for r in rows if len(r) == 5]


def parse(d, no_gnuplot):
    page = Page()
    with open(os.path.join(d, "index.html"), encoding="utf-8") as f:
        page.feed(f.read())
    for section in ("results", "memory", "environment", "files"):
        if section not in page.ids:
            fail(f"index.html has no section #{section}")
    if page.external:
        fail("index.html reaches outside its directory: " + ", ".join(page.external))
    for img in page.imgs:
        src = img.get("src", "")
        path = os.path.join(d, src)
        if not src or not os.path.isfile(path) or os.path.getsize(path) == 0:
            fail(f"<img src={src!r}>: no such file, or empty")
    shown = {img["src"] for img in page.imgs if "plot" in img.get("class", "").split()}
    stems = planned_plots(d)
    for stem in stems:
        if f"plots/{stem}.svg" not in shown:
            fail(f"plot {stem} (plots/index.tsv) is not on the page")
    if not no_gnuplot and len(stems) == 0:
        fail("no plots were made")
    print(f"page_check: parse: {len(page.imgs)} images, all present; {len(stems)} plots on the page")
    return stems


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    return struct.unpack(">II", head[16:24])


def chromium_check(d, stems, shot, work):
    exe = os.environ.get("SERBENCH_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not exe or not os.access(exe, os.X_OK):
        print("page_check: skipped: chromium not found (apt-get install chromium; "
              "scripts/deps installs it)")
        sys.exit(SKIP)
    url = "file://" + os.path.abspath(os.path.join(d, "index.html"))
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile")]
    r = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or "<body" not in r.stdout:
        fail(f"chromium --dump-dom exit {r.returncode}: {r.stderr.strip()[-400:]}")
    dom = Page()
    dom.feed(r.stdout)
    plots = [i for i in dom.imgs if "plot" in i.get("class", "").split()]
    want = f"{len(stems)}/{len(stems)}"
    if dom.body.get("data-plots") != want:
        fail(f"rendered page says {dom.body.get('data-plots')!r} plots loaded, wanted {want}")
    for img in plots:
        if img.get("data-loaded") != "yes":
            fail(f"{img.get('src')}: not loaded in Chromium ({img.get('data-loaded')!r})")
    if sorted(i["src"] for i in plots) != sorted(f"plots/{s}.svg" for s in stems):
        fail("the rendered page's plots are not plots/index.tsv's")
    shot = shot or os.path.join(work, "screenshot.png")
    width, height = 1280, 2400
    r = subprocess.run(base + [f"--window-size={width},{height}", f"--screenshot={shot}", url],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.isfile(shot):
        fail(f"chromium --screenshot exit {r.returncode}: {r.stderr.strip()[-400:]}")
    if png_size(shot) != (width, height) or os.path.getsize(shot) < 20000:
        fail(f"{shot}: {png_size(shot)}, {os.path.getsize(shot)} bytes: not a page's screenshot")
    print(f"page_check: chromium: {want} plots loaded; screenshot {shot}")


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("parse", "chromium"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, serbench, src = sys.argv[1:4]
    shot = sys.argv[4] if len(sys.argv) > 4 else None
    with tempfile.TemporaryDirectory(prefix="page-check-") as work:
        d, no_gnuplot = make_report(serbench, src, work)
        stems = parse(d, no_gnuplot)
        if mode == "chromium":
            if no_gnuplot:
                print("page_check: skipped: gnuplot not found, so no plot to load")
                sys.exit(SKIP)
            chromium_check(d, stems, shot, work)


if __name__ == "__main__":
    main()
