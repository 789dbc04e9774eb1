#!/usr/bin/python3
"""micro_table.py RESULTS.json - the ratio tables of a serbench-micro run.

Reads the JSON Google Benchmark wrote (repetitions plus aggregates) and
prints Markdown: per family, each strategy against memcpy and against the
`jack` peer at the same size; each pool against malloc; the resize cycle;
the harness's own cost; then issue 3's targets, each met or missed.

All ratios are of medians over the repetitions, within the one run.
Throughput is Google Benchmark's bytes_per_second (items_per_second for
pools): CPU time for single-thread families, wall time for stream.
Standard library only (Debian's /usr/bin/python3).
"""
import json
import re
import sys

COPY_SIZES = [1, 16, 64, 256, 4096, 65536]
STREAM_SIZES = [64, 4096]
POOL_SIZES = [64, 1024, 4096, 65536]
NOISY_CV = 0.10  # a median whose repetitions vary more than this is flagged
SUFFIX = re.compile(r"/(real_time|manual_time)$")


class Result:
    """Median, CV, allocations and error of one benchmark."""

    def __init__(self):
        self.median = {}  # field -> value, from the _median aggregate
        self.cv = {}
        self.allocs = []  # allocs_per_iter of each repetition
        self.error = None
        self.reps = 0
        self.order = None  # registration order (family_index): the registry's


def load(path):
    with open(path) as f:
        doc = json.load(f)
    results = {}
    for b in doc.get("benchmarks", []):
        name = SUFFIX.sub("", b.get("run_name", b["name"]))
        r = results.setdefault(name, Result())
        if "family_index" in b and (r.order is None or b["family_index"] < r.order):
            r.order = b["family_index"]
        if b.get("run_type") == "aggregate":
            agg = b.get("aggregate_name")
            if agg in ("median", "cv"):
                target = r.median if agg == "median" else r.cv
                for k, v in b.items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        target[k] = v
            continue
        if b.get("error_occurred"):
            r.error = b.get("error_message", "error")
            continue
        r.reps += 1
        if "allocs_per_iter" in b:
            r.allocs.append(b["allocs_per_iter"])
        if not r.median:  # a run without repetitions has no aggregates
            for k, v in b.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    r.median[k] = v
    return doc.get("context", {}), results


def value(results, name, field):
    r = results.get(name)
    if r is None or r.error or field not in r.median:
        return None
    return r.median[field]


def strategies(results, family):
    """Strategy names of a family, in registration (registry) order: the
    JSON's own order is shuffled by random interleaving."""
    first = {}
    for name, r in results.items():
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == family:
            order = r.order if r.order is not None else 1 << 30
            first[parts[1]] = min(order, first.get(parts[1], order))
    return sorted(first, key=lambda k: first[k])


def cell_missing(results, name):
    r = results.get(name)
    if r is None:
        return "-"
    if r.error:
        return "skip" if "not implemented" in r.error else "FAIL"
    return "n/a"


def pct(x, digits=None):
    if digits is None:
        digits = 0 if x >= 0.095 else 1
    return "%.*f %%" % (digits, 100 * x)


def times(x):
    return "%.2fx" % x


def rate(bps):
    if bps >= 1e9:
        return "%.1f GB/s" % (bps / 1e9)
    return "%.0f MB/s" % (bps / 1e6)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def ratio_tables(results, family, sizes, vs_memcpy, note):
    """One table: cells 'x % of memcpy / y x jack' per strategy and size."""
    names = strategies(results, family)
    if not names:
        return None
    header = ["%s/<strategy>/<size>" % family] + [str(s) for s in sizes]
    rows = []
    base = ["memcpy (absolute)"]
    for s in sizes:
        m = value(results, "memcpy/%d" % s, "bytes_per_second")
        base.append(rate(m) if m else "-")
    if vs_memcpy:
        rows.append(base)
    for st in names:
        row = [st]
        for s in sizes:
            name = "%s/%s/%d" % (family, st, s)
            v = value(results, name, "bytes_per_second")
            if v is None:
                row.append(cell_missing(results, name))
                continue
            parts = []
            m = value(results, "memcpy/%d" % s, "bytes_per_second")
            if vs_memcpy and m:
                parts.append(pct(v / m))
            j = value(results, "%s/jack/%d" % (family, s), "bytes_per_second")
            if j and st != "jack":
                parts.append(times(v / j) + " jack")
            if not vs_memcpy or st == "jack" or not parts:
                parts.insert(0, rate(v))
            row.append(" · ".join(parts))
        rows.append(row)
    return "### %s\n\n%s\n\n%s" % (family, note, table(header, rows))


def pool_table(results):
    pools = strategies(results, "pool")
    pools = [p for p in pools if p != "malloc"] + (["malloc"] if "malloc" in pools else [])
    if not pools:
        return None
    header = ["pool/<pool>/<size>"] + [str(s) for s in POOL_SIZES]
    rows = []
    for p in pools:
        row = [p]
        for s in POOL_SIZES:
            name = "pool/%s/%d" % (p, s)
            t = value(results, name, "cpu_time")
            if t is None:
                row.append(cell_missing(results, name))
                continue
            m = value(results, "pool/malloc/%d" % s, "cpu_time")
            txt = "%.1f ns" % t
            if m and p != "malloc":
                txt += " · %s malloc" % times(m / t)
            row.append(txt)
        rows.append(row)
    note = ("One get + put pair, CPU time, median. `N.NNx malloc` is how many times "
            "faster than malloc + free of the same size (above 1 is faster).")
    return "### pool\n\n%s\n\n%s" % (note, table(header, rows))


def single_rows(results, pattern, field, fmt):
    rows = []
    for name in sorted(results, key=lambda n: results[n].order or 0):
        if re.match(pattern, name):
            v = value(results, name, field)
            rows.append([name, fmt(v) if v is not None else cell_missing(results, name)])
    return rows


def allocs_table(results):
    keys = ["copy/%s/4096", "zc/%s/4096", "stream/%s/64", "readline/%s/64"]
    names = strategies(results, "copy")
    rows = []
    for st in names:
        row, any_value = [st], False
        for k in keys:
            r = results.get(k % st)
            if r is None or r.error or not r.allocs:
                row.append("-")
            else:
                row.append("%.3g" % (sum(r.allocs) / len(r.allocs)))
                any_value = True
        if any_value:
            rows.append(row)
    if not rows:
        return None
    header = ["allocations / iteration"] + [k.replace("%s", "*") for k in keys]
    return table(header, rows)


def metric_cv(r):
    """CV of the number the tables use for this benchmark."""
    for k in ("bytes_per_second", "items_per_second", "cpu_time"):
        if k in r.cv:
            return r.cv[k]
    return 0


def targets(results):
    """Issue 3's targets, and issue 13's: (description, measured, verdict)."""
    out = []

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    m = value(results, "memcpy/4096", "bytes_per_second")
    for st in ("ring_spsc", "ring_mirror", "bip"):
        v = value(results, "copy/%s/4096" % st, "bytes_per_second")
        if m and v:
            out.append(("copy/%s/4096 >= 40 %% of memcpy/4096" % st, pct(v / m, 1),
                        verdict(v / m >= 0.40)))
        else:
            out.append(("copy/%s/4096 >= 40 %% of memcpy/4096" % st,
                        cell_missing(results, "copy/%s/4096" % st), "not measured"))
    worst = None
    for s in COPY_SIZES:
        v = value(results, "copy/ring_spsc/%d" % s, "bytes_per_second")
        j = value(results, "copy/jack/%d" % s, "bytes_per_second")
        if v and j and (worst is None or v / j < worst[0]):
            worst = (v / j, s)
    if worst:
        out.append(("copy/ring_spsc >= jack at every size", "worst %s at %d" % (times(worst[0]), worst[1]),
                    verdict(worst[0] >= 1.0)))
    else:
        out.append(("copy/ring_spsc >= jack at every size", "-", "not measured"))
    v = value(results, "stream/ring_spsc/64", "bytes_per_second")
    j = value(results, "stream/jack/64", "bytes_per_second")
    out.append(("stream/ring_spsc/64 >= 1.3x stream/jack/64", times(v / j) if v and j else "-",
                verdict(v / j >= 1.3) if v and j else "not measured"))
    v = value(results, "stream/ring_spsc/4096", "bytes_per_second")
    j = value(results, "stream/jack/4096", "bytes_per_second")
    out.append(("stream/ring_spsc/4096 >= stream/jack/4096 (issue 13)",
                times(v / j) if v and j else "-",
                verdict(v / j >= 1.0) if v and j else "not measured"))
    spans, seen = [], False
    for s in COPY_SIZES:
        r = results.get("zc/ring_mirror/%d" % s)
        if r is None:
            continue
        seen = True
        if r.error:
            spans.append("zc/ring_mirror/%d: %s" % (s, r.error))
        elif r.median.get("two_spans", 0) != 0 or r.median.get("copied", 0) != 0:
            spans.append("zc/ring_mirror/%d split or copied" % s)
    wrapped = max((value(results, "zc/ring_mirror/%d" % s, "wrapped") or 0) for s in COPY_SIZES)
    out.append(("zc/ring_mirror on wrapping data: one span, 0 bytes copied",
                "; ".join(spans) if spans else "one span, 0 copied; wrapped on up to %s of iterations"
                % pct(wrapped),
                (verdict(not spans and wrapped > 0)) if seen else "not measured"))
    for pool, issue in (("pool_fixed", ""), ("pool_local", " (issue 13)")):
        worst = None
        for s in POOL_SIZES:
            p = value(results, "pool/%s/%d" % (pool, s), "cpu_time")
            mm = value(results, "pool/malloc/%d" % s, "cpu_time")
            if p and mm and (worst is None or mm / p < worst[0]):
                worst = (mm / p, s)
        out.append(("%s get+put >= 2x malloc+free at every size%s" % (pool, issue),
                    "worst %s at %d" % (times(worst[0]), worst[1]) if worst else "-",
                    verdict(worst[0] >= 2.0) if worst else "not measured"))
    h = value(results, "harness/frame/64", "cpu_time")
    out.append(("harness/frame/64 <= 200 ns (issue 4)", "%.0f ns" % h if h else "-",
                verdict(h <= 200) if h else "not measured"))
    v = value(results, "copy/ring_spsc/4096", "bytes_per_second")
    if v:
        out.append(("reference: the Python ring moved 3.4 MB/s at 4 KiB",
                    "copy/ring_spsc/4096 is %.0fx that" % (v / 3.4e6), verdict(v / 3.4e6 >= 1000)))
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: micro_table.py RESULTS.json", file=sys.stderr)
        return 2
    ctx, results = load(argv[1])
    parts = []
    parts.append("## serbench-micro: %s" % ctx.get("date", "?"))
    machine = "%s, %s CPUs" % (ctx.get("cpu_model", ctx.get("host_name", "?")), ctx.get("num_cpus", "?"))
    load_avg = ctx.get("load_avg")
    meta = ["machine: %s" % machine]
    if load_avg:
        meta.append("load average at start %s" % ", ".join("%.2f" % x for x in load_avg))
    for k in ("mode", "git_commit", "compiler"):
        if k in ctx:
            meta.append("%s: %s" % (k.replace("_", " "), ctx[k]))
    parts.append("; ".join(meta) + ".")
    parts.append("Medians over the repetitions of one run. `NN %` is bytes/s as a share of "
                 "memcpy/<size> in the same run; `N.NNx jack` is bytes/s over the jack peer's "
                 "at the same size (above 1 is faster). skip: strategy not implemented yet; "
                 "FAIL: the benchmark saw wrong data (see the run's log).")

    t = ratio_tables(results, "copy", COPY_SIZES, True,
                     "Write a chunk, read it back: each byte is copied twice, so 50 % of memcpy is the ceiling.")
    if t:
        parts.append(t)
    t = ratio_tables(results, "zc", COPY_SIZES, True,
                     "Reserve, fill, commit; view, check in place, release: one copy per byte, 100 % is the ceiling.")
    if t:
        parts.append(t)
    t = ratio_tables(results, "stream", STREAM_SIZES, True,
                     "Producer and consumer threads on two cores, wall time.")
    if t:
        parts.append(t)
    t = ratio_tables(results, "readline", [64], False, "64-byte lines ending in \\r\\n, written then read with sbuf_readline.")
    if t:
        parts.append(t)
    t = pool_table(results)
    if t:
        parts.append(t)
    rows = single_rows(results, r"^[^/]+/(grow|shrink)$", "real_time", lambda v: "%.0f ns" % v)
    if rows:
        parts.append("### resize cycle\n\nThe one call that doubled (grow) or halved (shrink) the "
                     "buffer, 16 KiB <-> 32 KiB, data kept.\n\n" + table(["benchmark", "time"], rows))
    rows = single_rows(results, r"^harness/", "cpu_time", lambda v: "%.0f ns" % v)
    if rows:
        parts.append("### harness\n\n" + table(["benchmark", "CPU time per message"], rows))
    t = allocs_table(results)
    if t:
        parts.append("### allocations\n\nCalls through libsbuf's allocation hook per iteration "
                     "(the allocs_per_iter counter).\n\n" + t)
    parts.append("### targets (issues 3 and 13)\n\n" + table(["target", "measured", "verdict"], targets(results)))
    noisy = sorted(n for n, r in results.items() if not r.error and metric_cv(r) > NOISY_CV)
    if noisy:
        parts.append("Noisy (CV above %d %% over the repetitions): %s." %
                     (100 * NOISY_CV, ", ".join(noisy)))
    failed = sorted(n for n, r in results.items() if r.error and "not implemented" not in r.error)
    if failed:
        parts.append("**Failed**: " + "; ".join("%s (%s)" % (n, results[n].error) for n in failed))
    print("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
