#!/usr/bin/python3
"""test_memlint.py - scripts/cpy-memlint against tests/lint/bad_example.py
(every kind, each on the line marked "# expect: KIND"), and its exit status
and messages on clean and on bad input.  Run by CTest as lint-memlint:

    test_memlint.py <source dir>
"""
import os
import re
import subprocess
import sys
import tempfile

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
LINT = os.path.join(SRC, "scripts", "cpy-memlint")
EXAMPLE = os.path.join(SRC, "tests", "lint", "bad_example.py")
FINDING = re.compile(r"^(?P<file>.+?):(?P<line>\d+): \[(?P<kind>[a-z-]+)\] (?P<what>.+?); "
                     r"impact: (?P<impact>.+?); fix: (?P<fix>.+)$")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def lint(*args):
    p = subprocess.run(["/usr/bin/python3", LINT, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def expected_findings(path):
    want = set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"# expect: ([a-z, -]+)$", line.rstrip())
            if m:
                for kind in m.group(1).split(","):
                    want.add((n, kind.strip()))
    return want


def all_kinds():
    rc, out, _ = lint("--kinds")
    check(rc == 0, "--kinds exits 0")
    return {line.split(":")[0] for line in out.splitlines() if not line.startswith((" ", "large"))}


# 1. The bad example: exactly the marked findings, every kind among them.
rc, out, err = lint(EXAMPLE)
check(rc == 1, f"bad example: exit 1, got {rc} ({err.strip()})")
got = set()
for line in out.splitlines():
    m = FINDING.match(line)
    check(m is not None, f"finding not in FILE:LINE: [KIND] what; impact: ...; fix: ... form: {line}")
    if m:
        check(m.group("file") == EXAMPLE, f"finding names the file: {line}")
        check(m.group("impact").strip() and m.group("fix").strip(), f"impact and fix given: {line}")
        got.add((int(m.group("line")), m.group("kind")))
want = expected_findings(EXAMPLE)
for n, kind in sorted(want - got):
    check(False, f"bad_example.py:{n}: expected [{kind}], not reported")
for n, kind in sorted(got - want):
    check(False, f"bad_example.py:{n}: reported [{kind}], not expected")
kinds = all_kinds()
check(len(kinds) >= 10, f"--kinds lists the kinds: {sorted(kinds)}")
for kind in sorted(kinds - {k for _, k in want}):
    check(False, f"kind {kind} has no example in bad_example.py")

with tempfile.TemporaryDirectory() as tmp:
    # 2. A clean file: exit 0, nothing printed.
    clean = os.path.join(tmp, "clean.py")
    with open(clean, "w") as f:
        f.write("from micropython import const\n_N = const(4)\nbuf = bytearray(_N)\n"
                "mv = memoryview(buf)\nwhile True:\n    n = port.readinto(buf)\n"
                "    port.write(mv[:n])\n")
    rc, out, err = lint(clean)
    check(rc == 0 and out == "" and err == "", f"clean file: exit 0, silent; got {rc} {out!r} {err!r}")

    # 3. Bad input: exit 2, one line naming the file.
    missing = os.path.join(tmp, "missing.py")
    rc, out, err = lint(missing)
    check(rc == 2 and out == "", f"missing file: exit 2, got {rc}")
    check(len(err.splitlines()) == 1 and missing in err, f"missing file: one line naming it: {err!r}")

    broken = os.path.join(tmp, "broken.py")
    with open(broken, "w") as f:
        f.write("x = 1\ndef f(:\n    pass\n")
    rc, out, err = lint(broken)
    check(rc == 2 and out == "", f"syntax error: exit 2, got {rc}")
    check(len(err.splitlines()) == 1 and f"{broken}:2:" in err and "syntax error" in err,
          f"syntax error: one line naming the file and line: {err!r}")

    rc, out, err = lint(tmp)
    check(rc == 2 and len(err.splitlines()) == 1 and tmp in err, f"a directory: exit 2, got {rc} {err!r}")

    binary = os.path.join(tmp, "binary.py")
    with open(binary, "wb") as f:
        f.write(b"x = '\xff\xfe'\n")
    rc, out, err = lint(binary)
    check(rc == 2 and len(err.splitlines()) == 1 and binary in err, f"not UTF-8: exit 2, got {rc} {err!r}")

    rc, out, err = lint()
    check(rc == 2 and "usage" in err, f"no arguments: exit 2 and usage, got {rc} {err!r}")

    # Bad input wins over findings, and the readable files are still checked.
    rc, out, err = lint(EXAMPLE, missing)
    check(rc == 2 and out.count("\n") == len(want) and missing in err,
          f"findings + missing file: exit 2, findings still printed; got {rc}")

if failures:
    print(f"test_memlint: {len(failures)} failure(s)")
    sys.exit(1)
print(f"test_memlint: ok ({len(want)} findings of {len(kinds)} kinds, bad input refused)")
