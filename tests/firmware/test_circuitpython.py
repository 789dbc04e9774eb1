#!/usr/bin/python3
"""test_circuitpython.py - firmware/circuitpython/code.py on the host, under
CPython, with stand-ins for CircuitPython's usb_cdc, gc, supervisor, board
and micropython modules.  Run by CTest as firmware-circuitpython:

    test_circuitpython.py <source dir> [ctrl-tool]

A fake data port hands code.py serbench's frames in chunks of every size
(as readinto() would) and records what it writes back.  Checked: every byte
that is not a control frame comes back once, in order; a stats request is
answered in its place, byte for byte what an independent encoder here
builds (CRC-32 checked with zlib.crc32) from the counters a reference
tracker (the emulator's rules, bench/device/device_model.c) expects; the
counters restart after an answer and when the host closes the port; held
bytes of a partial header go out after 100 ms of silence.  With ctrl-tool
(tests/firmware/ctrl-tool.c, built with serbench's own frame and devstats
code), serbench's decoder must accept the answer and read the same values,
and serbench's stats request must be the one built here.
"""
import os
import random
import runpy
import struct
import subprocess
import sys
import tempfile
import types
import zlib

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
CTRL_TOOL = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
CODE = os.path.join(SRC, "firmware", "circuitpython", "code.py")

CTRL = 0x80
NCOUNT = 22
UNKNOWN = 0xFFFFFFFFFFFFFFFF
MEM_FREE, MEM_ALLOC = 123456, 7890
NAMES = ["bytes_in", "frames_in", "bytes_out", "frames_out", "overrun_bytes", "overrun_events",
         "overrun_frames", "drop_frames", "drop_bytes", "corrupt_frames", "damaged_frames",
         "delay_faults", "stall_faults", "garbage_bytes", "ram_budget", "ram_free", "uptime_ns",
         "heap_free", "heap_alloc", "static_ram", "stack_reserve", "device_kind"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


# ---- serbench's frames, written here from bench/common/frame.h ------------
# (version 2: magic, version, flags, length, length check, sequence, send
# time, intended time: a 36-byte header, 40 bytes with the frame CRC)

def seal(flags, seq, payload, send_ns=0, intended_ns=0):
    head = struct.pack("<2BBBI", 0xA5, 0xC3, 2, flags, len(payload))
    head += struct.pack("<I", zlib.crc32(head))
    body = head + struct.pack("<QQQ", seq, send_ns, intended_ns) + payload
    return body + struct.pack("<I", zlib.crc32(body))


def data_frame(seq, n, rng):
    return seal(0, seq, bytes(rng.randrange(256) for _ in range(n)), send_ns=rng.getrandbits(64),
                intended_ns=rng.getrandbits(64))


REQUEST = seal(CTRL, 1, b"")


def answer(values):
    """The stats answer for a dict of counter values (missing: 0)."""
    counters = [values.get(name, 0) for name in NAMES]
    return seal(CTRL, 2, struct.pack("<I", NCOUNT) + struct.pack("<%dQ" % NCOUNT, *counters))


def parse_answer(frame):
    """Independent decoding: (counters dict) or a string saying what is wrong."""
    if len(frame) < 40 or frame[:4] != bytes((0xA5, 0xC3, 2, CTRL)):
        return "not a control frame"
    (length,) = struct.unpack_from("<I", frame, 4)
    if struct.unpack_from("<I", frame, 8)[0] != zlib.crc32(frame[:8]):
        return "bad length check"
    if len(frame) != 40 + length:
        return "size %d, header says %d" % (len(frame), 40 + length)
    if struct.unpack_from("<I", frame, 36 + length)[0] != zlib.crc32(frame[:36 + length]):
        return "bad frame CRC"
    seq, send, intended = struct.unpack_from("<QQQ", frame, 12)
    (count,) = struct.unpack_from("<I", frame, 36)
    if seq != 2 or send != 0 or intended != 0 or count != NCOUNT or length != 4 + 8 * count:
        return "kind %d, send %d, intended %d, count %d, length %d" % (
            seq, send, intended, count, length)
    return dict(zip(NAMES, struct.unpack_from("<%dQ" % count, frame, 40)))


# ---- the reference: the emulator's tracker over the whole stream ----------

def header_ok(h):
    if len(h) < 12 or h[:3] != b"\xa5\xc3\x02" or h[3] not in (0, CTRL):
        return None
    if struct.unpack_from("<I", h, 8)[0] != zlib.crc32(h[:8]):
        return None
    (length,) = struct.unpack_from("<I", h, 4)
    if h[3] == 0 and length <= 1 << 24:
        return 0, length
    if h[3] == CTRL and 40 + length <= 556:
        return CTRL, length
    return None


def reference(stream):
    """[(echoed bytes, counters at the request that follows, or None)] segments."""
    segs, out = [], bytearray()
    c = {"bytes_in": 0, "frames_in": 0, "garbage_bytes": 0}
    pos = 0
    while pos < len(stream):
        h = header_ok(stream[pos:pos + 12])
        if h and h[0] == 0:
            frame = stream[pos:pos + 40 + h[1]]
            out += frame
            c["bytes_in"] += len(frame)
            c["frames_in"] += len(frame) == 40 + h[1]
            pos += len(frame)
            continue
        if h:
            frame = stream[pos:pos + 40 + h[1]]
            pos += len(frame)
            if len(frame) == 40 and frame[12:20] == REQUEST[12:20] and \
                    struct.unpack_from("<I", frame, 36)[0] == zlib.crc32(frame[:36]):
                segs.append((bytes(out), dict(c)))
                out = bytearray()
                c = {k: 0 for k in c}
            continue
        out.append(stream[pos])
        c["bytes_in"] += 1
        c["garbage_bytes"] += 1
        pos += 1
    segs.append((bytes(out), None))
    return segs


def expected_output(stream, ticks):
    got = bytearray()
    for echoed, c in reference(stream):
        got += echoed
        if c is not None:
            got += answer(full_counters(c, ticks))
    return bytes(got)


def full_counters(c, ticks):
    v = dict(c)
    v["bytes_out"] = c["bytes_in"]
    v["frames_out"] = c["frames_in"]
    v["ram_budget"] = MEM_FREE + MEM_ALLOC
    v["ram_free"] = v["heap_free"] = MEM_FREE
    v["heap_alloc"] = MEM_ALLOC
    v["uptime_ns"] = ticks * 1000000
    v["static_ram"] = v["stack_reserve"] = UNKNOWN
    v["device_kind"] = 2
    return v


# ---- the board, under CPython ----------------------------------------------

class Done(Exception):
    pass


class Board:
    """code.py with stand-in modules; events are bytes (one readinto) or
    ("idle", ms), ("close",), ("open",)."""

    def __init__(self, events, ticks=1000):
        self.events = list(events)
        self.out = bytearray()
        self.writes = 0
        self.ticks = ticks
        self.connected = True
        self.printed = []

    # usb_cdc.Serial
    def readinto(self, buf):
        if not self.events:
            raise Done
        ev = self.events.pop(0)
        if isinstance(ev, tuple):
            if ev[0] == "idle":
                self.ticks = (self.ticks + ev[1]) & 0x1FFFFFFF
            elif ev[0] == "close":
                self.connected = False
            elif ev[0] == "open":
                self.connected = True
            return 0
        assert 0 < len(ev) <= len(buf), len(ev)
        buf[:len(ev)] = ev
        return len(ev)

    def write(self, data):
        assert isinstance(data, (bytearray, memoryview)), type(data)
        self.out += bytes(data)
        self.writes += 1
        return len(data)

    def run(self):
        board = self
        port = types.SimpleNamespace()
        port.readinto = self.readinto
        port.write = self.write
        port.timeout = 1
        port.write_timeout = 1
        mods = {
            "usb_cdc": types.SimpleNamespace(data=None),
            "gc": types.SimpleNamespace(mem_free=lambda: MEM_FREE, mem_alloc=lambda: MEM_ALLOC,
                                        collect=lambda: None),
            "supervisor": types.SimpleNamespace(ticks_ms=lambda: board.ticks),
            "board": types.SimpleNamespace(board_id="feather_nrf52840_express"),
            "micropython": types.SimpleNamespace(const=lambda x: x),
        }

        class Port:
            timeout = write_timeout = 1
            readinto = staticmethod(self.readinto)
            write = staticmethod(self.write)

            @property
            def connected(self):
                return board.connected

        mods["usb_cdc"].data = Port()
        saved = {k: sys.modules.get(k) for k in mods}
        sys.modules.update(mods)
        import builtins
        real_print = builtins.print
        builtins.print = lambda *a, **k: board.printed.append(" ".join(map(str, a)))
        try:
            runpy.run_path(CODE, run_name="__main__")
        except Done:
            pass
        finally:
            builtins.print = real_print
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v
        self.port = mods["usb_cdc"].data
        return bytes(self.out)


def chunks(stream, sizes):
    """Splits stream into readinto() chunks of the given sizes (cycled), at most 64."""
    out, pos, k = [], 0, 0
    while pos < len(stream):
        n = min(sizes[k % len(sizes)], 64, len(stream) - pos)
        out.append(stream[pos:pos + n])
        pos += n
        k += 1
    return out


def random_chunks(stream, rng):
    out, pos = [], 0
    while pos < len(stream):
        n = min(rng.choice((1, 2, 3, 5, 11, 12, 13, 31, 32, 33, 63, 64)), len(stream) - pos)
        out.append(stream[pos:pos + n])
        pos += n
    return out


def run_stream(name, stream, chunkings, ticks=1000, exact_counts=True):
    want = expected_output(stream, ticks)
    echo_only = b"".join(seg for seg, _ in reference(stream))
    for label, evs in chunkings:
        got = Board(evs, ticks).run()
        if exact_counts:
            if not check(got == want, f"{name} [{label}]: output differs from the expected "
                                      f"echo + answers ({len(got)} vs {len(want)} bytes)"):
                describe(got, want)
        else:
            # Counts may differ where code.py approximates; the echo may not.
            stripped, answers = strip_answers(got)
            check(stripped == echo_only, f"{name} [{label}]: echo differs")
            check(answers == sum(c is not None for _, c in reference(stream)),
                  f"{name} [{label}]: {answers} answers")


def strip_answers(out):
    """The output without its answers (220-byte control frames), and how many there were."""
    res, n, pos = bytearray(), 0, 0
    while pos < len(out):
        if out[pos:pos + 4] == bytes((0xA5, 0xC3, 2, CTRL)) and \
                not isinstance(parse_answer(out[pos:pos + 220]), str):
            n += 1
            pos += 220
        else:
            res.append(out[pos])
            pos += 1
    return bytes(res), n


def describe(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            print(f"  first difference at byte {i}: got {got[i:i+16].hex()} want {want[i:i+16].hex()}")
            break
    else:
        print(f"  one is a prefix of the other: {len(got)} vs {len(want)} bytes")
    for label, out in (("got", got), ("want", want)):
        i = out.find(bytes((0xA5, 0xC3, 2, CTRL)))
        if i >= 0:
            print(f"  {label}: answer at {i}: {parse_answer(out[i:i + 220])}")


def chunkings_for(stream, seeds=3):
    rng = random.Random(len(stream))
    cs = [("64", chunks(stream, [64])), ("1", chunks(stream, [1])),
          ("7", chunks(stream, [7])), ("33", chunks(stream, [33]))]
    cs += [(f"random{s}", random_chunks(stream, random.Random(s))) for s in range(seeds)]
    return cs


rng = random.Random(1)
frames = [data_frame(i, n, rng) for i, n in enumerate((0, 1, 7, 20, 64, 100, 1000, 4096, 3, 64))]
clean = b"".join(frames) + REQUEST

# 1. Frames and a stats request, every chunking: the echo, then the answer.
run_stream("frames + request", clean, chunkings_for(clean))
out = Board(chunks(clean, [64])).run()
i = len(clean) - len(REQUEST)
check(out[:i] == clean[:i], "every data byte echoed, in order")
ans = parse_answer(out[i:])
if check(isinstance(ans, dict), f"the answer decodes: {ans}"):
    check(ans["bytes_in"] == ans["bytes_out"] == i, f"bytes in/out {ans['bytes_in']} == {i}")
    check(ans["frames_in"] == ans["frames_out"] == len(frames), f"frames {ans['frames_in']}")
    check(ans["heap_free"] == ans["ram_free"] == MEM_FREE and ans["heap_alloc"] == MEM_ALLOC and
          ans["ram_budget"] == MEM_FREE + MEM_ALLOC, "gc.mem_free() and gc.mem_alloc() reported")
    check(ans["static_ram"] == ans["stack_reserve"] == UNKNOWN, "unknown figures are all ones")
    check(ans["device_kind"] == 2 and ans["uptime_ns"] == 1000 * 10**6, "kind and uptime")
    check(ans["garbage_bytes"] == 0 and ans["overrun_bytes"] == 0, "no garbage, no overruns")
    print("answer:", ans)
check(REQUEST not in out, "the request is answered, not echoed")

# 2. The request at every offset against a chunk boundary.
for k in range(0, 64):
    s = frames[1] + bytes(k) + REQUEST + frames[2]
    run_stream(f"request at +{k}", s, [("64", chunks(s, [64])), ("29", chunks(s, [29]))])

# 3. Garbage the tracker resolves exactly: stray bytes, a lone magic, bad
#    versions and flags, a header whose length check fails (whole in one chunk).
bad_check = bytearray(frames[3][:12])
bad_check[8] ^= 1
garbage = [b"hello", b"\xa5", b"\xa5\xc3", b"\xa5\xc3\x01", b"\xa5\xc3\x02\x07", b"\xa5\xa5",
           bytes(bad_check), b"\x00" * 9]
g = b""
for k, junk in enumerate(garbage):
    g += junk + frames[k % len(frames)]
g += REQUEST
run_stream("garbage", g, [("64", chunks(g, [64])), ("1", chunks(g, [1]))])
run_stream("garbage, any chunking", g, chunkings_for(g, 8), exact_counts=False)

# 4. Two sessions on one connection: the counters restart after an answer.
s2 = frames[0] + frames[5] + REQUEST + frames[6] + b"xyz" + REQUEST
run_stream("two requests", s2, chunkings_for(s2))

# 5. The host closes the port: the counters restart.
before = frames[4] + frames[5]
after = frames[6] + REQUEST
b = Board(chunks(before, [64]) + [("close",), ("idle", 10), ("open",)] + chunks(after, [64]))
out = b.run()
check(out[:len(before)] == before, "echo before the close")
ans = parse_answer(out[len(before) + len(frames[6]):])
check(isinstance(ans, dict) and ans["bytes_in"] == len(frames[6]) and ans["frames_in"] == 1,
      f"after a close, only the new session counts: {ans}")

# 6. A partial header at the end of the traffic: held, then echoed after 100 ms.
tail = frames[2] + b"\xa5\xc3"
b = Board(chunks(tail, [64]) + [("idle", 0), ("idle", 50)])
out = b.run()
check(out == frames[2], f"a partial header is held back while it may be a control frame: {out[-4:].hex()}")
b = Board(chunks(tail, [64]) + [("idle", 0), ("idle", 50), ("idle", 60)] + chunks(REQUEST, [64]))
out = b.run()
check(out[:len(tail)] == tail, "held bytes echoed after 100 ms of silence")
ans = parse_answer(out[len(tail):])
check(isinstance(ans, dict) and ans["garbage_bytes"] == 2 and ans["bytes_in"] == len(tail) and
      ans["uptime_ns"] == 1110 * 10**6, f"held bytes counted as garbage: {ans}")

# 7. Control frames that are not a good stats request: taken off, unanswered.
bad_req = bytearray(REQUEST)
bad_req[39] ^= 0xFF  # its frame CRC
other = seal(CTRL, 2, struct.pack("<I", 0))
seven = seal(CTRL, 7, b"")
s7 = frames[1] + bytes(bad_req) + frames[2] + other + seven + frames[3]
out = Board(chunks(s7, [64])).run()
check(out == frames[1] + frames[2] + frames[3], "other control frames are taken off, not answered")
stamped = seal(CTRL, 1, b"", send_ns=123456789)
out = Board(chunks(frames[1] + stamped, [64])).run()
check(out[:len(frames[1])] == frames[1] and isinstance(parse_answer(out[len(frames[1]):]), dict),
      "a stats request with a send time is answered")

# 8. Counters past 2**24 (kept as hi * 2**24 + lo) and an uptime near the
#    wrap of supervisor.ticks_ms(): exact in the answer.
big = seal(0, 9, bytes(1 << 24))
b = Board(chunks(big + REQUEST, [64]), ticks=(1 << 29) - 1)
out = b.run()
ans = parse_answer(out[len(big):])
check(out[:len(big)] == big, "a 16 MiB frame echoed")
check(isinstance(ans, dict) and ans["bytes_in"] == len(big) and ans["frames_in"] == 1 and
      ans["uptime_ns"] == ((1 << 29) - 1) * 10**6, f"large counters: {ans}")

# 9. code.py's print at start, and every write a bytearray or memoryview
#    (the Board asserts it), never bytes made in the loop.
check(any("bytes free" in p for p in b.printed), f"start-up line: {b.printed}")

# 10. serbench's own decoder (bench/device/devstats.c) and request.
if CTRL_TOOL:
    req = subprocess.run([CTRL_TOOL, "request"], capture_output=True, check=True).stdout
    check(req == REQUEST, f"serbench's stats request is the one built here: {req.hex()}")
    out = Board(chunks(clean, [64])).run()
    frame = out[len(clean) - len(REQUEST):]
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(frame)
        f.flush()
        p = subprocess.run([CTRL_TOOL, "decode", f.name], capture_output=True, text=True)
    check(p.returncode == 0, f"serbench's sb_ctrl_decode accepts the answer: {p.stdout}{p.stderr}")
    mine = parse_answer(frame)
    seen = 0
    for line in p.stdout.splitlines():
        key, _, value = line.partition(" ")
        if key.startswith("c") and key[1:].isdigit():
            name = NAMES[int(key[1:])]
            check(int(value) == mine[name], f"serbench reads {name} = {value}, here {mine[name]}")
            seen += 1
        elif key == "kind":
            check(value == "2", f"serbench reads kind {value}")
        elif key == "count":
            check(value == str(NCOUNT), f"serbench reads count {value}")
    check(seen >= 17, f"serbench read {seen} counters")
    print("serbench's decoder:", " ".join(p.stdout.split()))
else:
    print("ctrl-tool not given: serbench's decoder not consulted")

if failures:
    print(f"test_circuitpython: {len(failures)} failure(s)")
    sys.exit(1)
print("test_circuitpython: ok")
