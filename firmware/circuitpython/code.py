# code.py - serbench's loopback firmware for an nRF52840 board under
# CircuitPython 9.x (Adafruit Feather nRF52840 Express): everything that
# arrives on the usb_cdc data port goes straight back, except serbench's
# stats request, which the board answers with its counters and its memory:
# gc.mem_free() and gc.mem_alloc().  The answer's byte layout is in
# firmware/README.md ("The stats answer").
#
# Allocation-free in the loop, so the garbage collector never runs and never
# pauses the echo: one preallocated bytearray read into with readinto(), a
# preallocated memoryview of each length to write back (slicing would
# allocate a new object every time), the answer packed by hand into a
# preallocated bytearray, CRC-32 from a table split into 16-bit halves (a
# 32-bit value is a long, allocated on the heap; below 2**30 an int is not),
# counters kept as hi * 2**24 + lo for the same reason, no Python function
# called in the loop (MicroPython takes a call frame with more than 11 slots
# from the heap), and const() for every constant.  scripts/cpy-memlint
# checks this file.
#
# To answer, the board follows serbench's frames (bench/common/frame.h) on
# the stream, as the emulator does: a frame header (12 bytes: magic A5 C3,
# version 2, flags, length, length check) says how long the frame is, and
# the frame passes without being looked at again.  A control frame (flags
# 0x80) is taken off the stream and never echoed; a stats request among
# them is answered in stream order, after every byte before it.  A header
# that may turn out to be a control frame is held back until it is known
# (at most 11 bytes, and 100 ms when nothing more arrives).
#
# Memory: the buffers, views and tables take about 4 KB; the free heap is
# printed on the console at start (keep at least 10 KB free; about 130 KB is
# free after boot, 90 KB with BLE).
import gc

import supervisor
import usb_cdc
from micropython import const

_CHUNK = const(64)  # one USB full-speed bulk packet

# serbench's frame format (bench/common/frame.h, bench/common/devstats.h)
_MAGIC0 = const(0xA5)
_MAGIC1 = const(0xC3)
_VERSION = const(2)
_CTRL = const(0x80)  # flags: a control frame
_LENGTH_END = const(12)  # magic, version, flags, length, length check
_HEADER = const(36)  # ... sequence (the control frame's kind), send time, intended time
_OVERHEAD = const(40)  # header + frame CRC
_MAX_PAYLOAD = const(0x1000000)
_CTRL_MAX = const(556)  # SB_CTRL_MAX_FRAME: 40 + 4 + 8 * 64
_REQUEST = const(1)
_REPLY = const(2)

# The answer: u32 count, then count u64 counters (firmware/README.md)
_NCOUNT = const(22)
_REPLY_LEN = const(4 + 8 * _NCOUNT)
_REPLY_SIZE = const(_OVERHEAD + _REPLY_LEN)
_C_BYTES_IN = const(0)
_C_FRAMES_IN = const(1)
_C_BYTES_OUT = const(2)
_C_FRAMES_OUT = const(3)
_C_GARBAGE = const(13)
_C_RAM_BUDGET = const(14)
_C_RAM_FREE = const(15)
_C_UPTIME = const(16)
_C_HEAP_FREE = const(17)
_C_HEAP_ALLOC = const(18)
_C_STATIC_RAM = const(19)
_C_STACK = const(20)
_C_KIND = const(21)
_KIND_CIRCUITPYTHON = const(2)

_SPLIT = const(0x1000000)  # counters are hi * 2**24 + lo: small ints only
_LO24 = const(0xFFFFFF)
_HOLD_MS = const(100)  # a partial header waits this long for its rest
_TICKS_MASK = const(0x1FFFFFFF)  # supervisor.ticks_ms() wraps at 2**29


def crc_tables():
    """zlib's CRC-32 byte table (reflected, 0xEDB88320) as two lists of 16-bit halves."""
    tlo = [0] * 256
    thi = [0] * 256
    for i in range(256):
        lo = i
        hi = 0
        for _ in range(8):
            bit = lo & 1
            lo = (lo >> 1) | ((hi & 1) << 15)
            hi >>= 1
            if bit:
                lo ^= 0x8320
                hi ^= 0xEDB8
        tlo[i] = lo
        thi[i] = hi
    return tlo, thi


def crc_run(tlo, thi, state, data):
    """CRC-32 state (lo, hi, not yet inverted) after the bytes of data.  Setup only."""
    lo, hi = state
    for b in data:
        x = (lo ^ b) & 0xFF
        lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[x]
        hi = (hi >> 8) ^ thi[x]
    return lo, hi


def seal_header(tlo, thi, frame, flags, seq, length):
    """Writes a frame header (bytes 0..35; both times 0) into frame.  Setup only."""
    frame[0] = _MAGIC0
    frame[1] = _MAGIC1
    frame[2] = _VERSION
    frame[3] = flags
    for i in range(4):
        frame[4 + i] = (length >> (8 * i)) & 0xFF
        frame[12 + i] = (seq >> (8 * i)) & 0xFF
    lo, hi = crc_run(tlo, thi, (0xFFFF, 0xFFFF), frame[0:8])
    lo ^= 0xFFFF
    hi ^= 0xFFFF
    frame[8] = lo & 0xFF
    frame[9] = lo >> 8
    frame[10] = hi & 0xFF
    frame[11] = hi >> 8


def serve(port):
    # Everything the loop needs, allocated once.
    readinto = port.readinto
    write = port.write
    mem_free = gc.mem_free
    mem_alloc = gc.mem_alloc
    ticks_ms = supervisor.ticks_ms
    buf = bytearray(_CHUNK)
    mv = memoryview(buf)
    views = [mv[:i] for i in range(_CHUNK + 1)]
    ctl = bytearray(_OVERHEAD)  # a header, or the start of a control frame
    cmv = memoryview(ctl)
    cviews = [cmv[:i] for i in range(_LENGTH_END + 1)]
    tlo, thi = crc_tables()
    init = (0xFFFF, 0xFFFF)
    # CRC states after the bytes every frame of a kind starts with.
    d_lo, d_hi = crc_run(tlo, thi, init, bytes((_MAGIC0, _MAGIC1, _VERSION, 0)))
    k_lo, k_hi = crc_run(tlo, thi, init, bytes((_MAGIC0, _MAGIC1, _VERSION, _CTRL)))
    request = bytearray(_HEADER)
    seal_header(tlo, thi, request, _CTRL, _REQUEST, 0)
    q_lo, q_hi = crc_run(tlo, thi, init, request[0:_LENGTH_END])
    reply = bytearray(_REPLY_SIZE)
    seal_header(tlo, thi, reply, _CTRL, _REPLY, _REPLY_LEN)
    reply[_HEADER] = _NCOUNT
    r_lo, r_hi = crc_run(tlo, thi, init, reply[0:_HEADER + 4])
    clo = [0] * _NCOUNT  # the answer's counters: hi * 2**24 + lo,
    chi = [0] * _NCOUNT  # hi = -1: not known on this device (all ones)
    chi[_C_STATIC_RAM] = -1
    chi[_C_STACK] = -1
    clo[_C_KIND] = _KIND_CIRCUITPYTHON

    # The stream: where the board is in serbench's frames.
    left = 0  # bytes of the current data frame still to pass
    hn = 0  # header (or control frame) bytes gathered in ctl
    clen = 0  # the control frame's size while inside one, else 0
    held = 0  # gathered bytes held back (they may be a control frame)
    hs = -1  # where in buf the header being gathered began; -1: an earlier chunk
    hold_t = -1  # ticks_ms() when the held bytes began to wait
    c_len = -1  # the last data header that passed its length check ...
    c_k0 = 0
    c_k1 = 0  # ... and its check: the next one like it needs no CRC
    # Counters since the last answer or the host's last close (DTR low).
    bl = 0  # bytes in, all echoed: USB CDC loses nothing
    bh = 0
    fl = 0  # data frames in, all echoed whole
    fh = 0
    gl = 0  # bytes outside any frame, echoed as they are
    gh = 0

    gc.collect()
    print("serbench echo on usb_cdc.data:", mem_free(), "bytes free")
    while True:
        n = readinto(buf)
        if not n:
            if held:
                t = ticks_ms()
                if hold_t < 0:
                    hold_t = t
                elif ((t - hold_t) & _TICKS_MASK) >= _HOLD_MS:
                    # Nothing more came: the held bytes were not a frame.
                    write(cviews[held])
                    bl += held
                    gl += held
                    hn = 0
                    held = 0
                    hold_t = -1
            if not port.connected:
                # The host closed the port: the next session counts afresh.
                left = hn = clen = held = 0
                bl = bh = fl = fh = gl = gh = 0
            continue
        hold_t = -1
        i = 0
        while i < n:
            if left:
                # Inside a data frame: pass it on, nothing to look at.
                if n - i >= left:
                    i += left
                    left = 0
                    fl += 1
                else:
                    left -= n - i
                    i = n
                continue
            if clen:
                # Inside a control frame: kept (its first _OVERHEAD bytes), never echoed.
                while i < n and hn < clen:
                    if hn < _OVERHEAD:
                        ctl[hn] = buf[i]
                    hn += 1
                    i += 1
                if hn < clen:
                    continue
                ok = clen == _OVERHEAD and ctl[12] == _REQUEST
                for j in range(13, 20):  # the rest of the u64 kind
                    if ctl[j]:
                        ok = False
                if ok:
                    lo = q_lo
                    hi = q_hi
                    for j in range(_LENGTH_END, _HEADER):
                        x = (lo ^ ctl[j]) & 0xFF
                        lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[x]
                        hi = (hi >> 8) ^ thi[x]
                    lo ^= 0xFFFF
                    hi ^= 0xFFFF
                    ok = (ctl[_HEADER] | (ctl[_HEADER + 1] << 8)) == lo and \
                        (ctl[_HEADER + 2] | (ctl[_HEADER + 3] << 8)) == hi
                if ok:
                    # A stats request: answer with the counters and the heap.
                    if bl >= _SPLIT:
                        bl -= _SPLIT
                        bh += 1
                    if fl >= _SPLIT:
                        fl -= _SPLIT
                        fh += 1
                    if gl >= _SPLIT:
                        gl -= _SPLIT
                        gh += 1
                    clo[_C_BYTES_IN] = bl
                    chi[_C_BYTES_IN] = bh
                    clo[_C_BYTES_OUT] = bl
                    chi[_C_BYTES_OUT] = bh
                    clo[_C_FRAMES_IN] = fl
                    chi[_C_FRAMES_IN] = fh
                    clo[_C_FRAMES_OUT] = fl
                    chi[_C_FRAMES_OUT] = fh
                    clo[_C_GARBAGE] = gl
                    chi[_C_GARBAGE] = gh
                    free = mem_free()
                    used = mem_alloc()
                    clo[_C_HEAP_FREE] = free & _LO24
                    chi[_C_HEAP_FREE] = free >> 24
                    clo[_C_RAM_FREE] = free & _LO24
                    chi[_C_RAM_FREE] = free >> 24
                    clo[_C_HEAP_ALLOC] = used & _LO24
                    chi[_C_HEAP_ALLOC] = used >> 24
                    free += used
                    clo[_C_RAM_BUDGET] = free & _LO24
                    chi[_C_RAM_BUDGET] = free >> 24
                    # uptime: ms * 10**6 ns, with 12-bit limbs (10**6 = 244 * 4096 + 576)
                    t = ticks_ms()
                    x = t >> 12
                    t &= 0xFFF
                    mid = x * 576 + t * 244
                    lo = t * 576 + ((mid & 0xFFF) << 12)
                    clo[_C_UPTIME] = lo & _LO24
                    chi[_C_UPTIME] = x * 244 + (mid >> 12) + (lo >> 24)
                    o = _HEADER + 4
                    for k in range(_NCOUNT):
                        lo = clo[k]
                        hi = chi[k]
                        if hi < 0:
                            for j in range(o, o + 8):
                                reply[j] = 0xFF
                        else:
                            reply[o] = lo & 0xFF
                            reply[o + 1] = (lo >> 8) & 0xFF
                            reply[o + 2] = lo >> 16
                            reply[o + 3] = hi & 0xFF
                            reply[o + 4] = (hi >> 8) & 0xFF
                            reply[o + 5] = (hi >> 16) & 0xFF
                            reply[o + 6] = hi >> 24
                            reply[o + 7] = 0
                        o += 8
                    lo = r_lo
                    hi = r_hi
                    for j in range(_HEADER + 4, _HEADER + _REPLY_LEN):
                        x = (lo ^ reply[j]) & 0xFF
                        lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[x]
                        hi = (hi >> 8) ^ thi[x]
                    lo ^= 0xFFFF
                    hi ^= 0xFFFF
                    reply[_REPLY_SIZE - 4] = lo & 0xFF
                    reply[_REPLY_SIZE - 3] = lo >> 8
                    reply[_REPLY_SIZE - 2] = hi & 0xFF
                    reply[_REPLY_SIZE - 1] = hi >> 8
                    write(reply)
                    bl = bh = fl = fh = gl = gh = 0
                clen = 0
                hn = 0
                hs = -1
                # What follows the control frame moves to the front of buf,
                # so that what is echoed is always a prefix (views[k]).
                k = n - i
                for j in range(k):
                    buf[j] = buf[i + j]
                n = k
                i = 0
                continue
            b = buf[i]
            if hn == 0:
                if b != _MAGIC0:
                    gl += 1
                    i += 1
                    continue
                hs = i
                if n - i >= _LENGTH_END and buf[i + 1] == _MAGIC1 and \
                        buf[i + 2] == _VERSION and buf[i + 3] == 0:
                    # A whole data header in buf: check it where it is.
                    src = buf
                    o = i
                    i += _LENGTH_END
                else:
                    ctl[0] = b
                    hn = 1
                    i += 1
                    continue
            else:
                # A header arriving byte by byte: it straddles a chunk end,
                # or it is a control frame's.
                if hn == 1:
                    ok = b == _MAGIC1
                elif hn == 2:
                    ok = b == _VERSION
                elif hn == 3:
                    ok = b == 0 or b == _CTRL
                else:
                    ok = True
                if not ok:
                    # Not a header: what was gathered is garbage, and b may
                    # start the next one.
                    if held:
                        write(cviews[held])
                        bl += held
                        held = 0
                    gl += hn
                    hn = 0
                    continue
                ctl[hn] = b
                hn += 1
                i += 1
                if hn == 4 and held and b == 0:
                    # A data frame's: what was held back goes out now.
                    write(cviews[held])
                    bl += held
                    held = 0
                if hn < _LENGTH_END:
                    continue
                src = ctl
                o = 0
            # src[o:o+12] is a header: trust its length once its check passes.
            flags = src[o + 3]
            ln = src[o + 4] | (src[o + 5] << 8) | (src[o + 6] << 16)
            top = src[o + 7]
            k0 = src[o + 8] | (src[o + 9] << 8)
            k1 = src[o + 10] | (src[o + 11] << 8)
            ok = top == 0 or (top == 1 and ln == 0)
            if top:
                ln = _MAX_PAYLOAD
            if ok and not (flags == 0 and ln == c_len and k0 == c_k0 and k1 == c_k1):
                if flags:
                    lo = k_lo
                    hi = k_hi
                else:
                    lo = d_lo
                    hi = d_hi
                for j in range(o + 4, o + 8):
                    x = (lo ^ src[j]) & 0xFF
                    lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[x]
                    hi = (hi >> 8) ^ thi[x]
                ok = (lo ^ 0xFFFF) == k0 and (hi ^ 0xFFFF) == k1
                if ok and flags == 0:
                    c_len = ln
                    c_k0 = k0
                    c_k1 = k1
            if ok and flags == 0:
                left = ln + _OVERHEAD - _LENGTH_END
                hn = 0
            elif ok and ln <= _CTRL_MAX - _OVERHEAD:
                # A control frame: echo what came before it, then take it
                # off the stream (its 12 bytes so far are in ctl).
                clen = ln + _OVERHEAD
                held = 0
                if hs > 0:
                    write(views[hs])
                    bl += hs
                k = n - i
                for j in range(k):
                    buf[j] = buf[i + j]
                n = k
                i = 0
            else:
                # Not a frame after all: its first byte is garbage.
                if held:
                    write(cviews[held])
                    bl += held
                    held = 0
                    gl += hn
                elif hs >= 0:
                    i = hs + 1  # look again from the byte after it
                    gl += 1
                else:
                    gl += hn  # began in an earlier chunk, already echoed
                hn = 0
        # The chunk's end: echo what is not held back or taken off.
        if clen:
            pass
        elif hn and (hn < 4 or ctl[3] == _CTRL):
            if hs > 0:
                write(views[hs])
                bl += hs
            held = hn
        elif n:
            write(views[n])
            bl += n
        hs = -1
        if bl >= _SPLIT:
            bl -= _SPLIT
            bh += 1
        if fl >= _SPLIT:
            fl -= _SPLIT
            fh += 1
        if gl >= _SPLIT:
            gl -= _SPLIT
            gh += 1


def main():
    port = usb_cdc.data
    if port is None:
        print("serbench echo: no usb_cdc data port; copy boot.py and hard-reset")
        return
    port.timeout = 0  # readinto returns at once with what is there
    port.write_timeout = None  # write blocks until the host has taken it all
    serve(port)


main()
