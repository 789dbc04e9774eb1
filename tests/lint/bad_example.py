# bad_example.py - every pattern scripts/cpy-memlint reports, each on a line
# marked with the kinds expected there ("# expect: KIND[, KIND]").
# tests/lint/test_memlint.py checks that the lint reports exactly these.
# Not meant to run (usb_cdc is CircuitPython's).
import json  # expect: import
import re  # expect: import
import adafruit_ble  # expect: import
from adafruit_display_text import label  # expect: import

import struct

import usb_cdc

BUFFER_SIZE = 64  # expect: const
MASK = -(1 << 4)  # expect: const
TIMEOUT = BUFFER_SIZE * 2  # expect: const
OK_SIZE = const(32)  # expect: const-import
counter = 0  # rebound below: a variable, not a constant


def bump():
    global counter
    counter += 1


def report(port, readings):
    line = ""
    buf = bytearray(BUFFER_SIZE)
    view = memoryview(buf)
    header = b"\xa5\xc3"
    while True:
        data = port.read(16)  # expect: loop-read
        text = port.readline()  # expect: loop-read
        line = line + str(len(data))  # expect: loop-concat, loop-alloc
        line += ","  # expect: loop-concat
        packet = header + data  # expect: loop-concat
        msg = f"{len(data)} bytes"  # expect: loop-fstring
        msg2 = "{} bytes".format(len(text))  # expect: loop-format
        msg3 = "%d bytes" % len(text)  # expect: loop-format
        readings.append(len(data))  # expect: loop-append
        readings.extend(data)  # expect: loop-append
        head = buf[:4]  # expect: loop-slice
        tail = data[2:]  # expect: loop-slice
        part = view[4:8]  # a memoryview slice: no copy, not reported
        port.write(view[:4])  # neither is this one
        pair = (head, tail)  # expect: loop-alloc
        tmp = [1, 2, 3]  # expect: loop-alloc
        seen = {"n": 1}  # expect: loop-alloc
        uniq = {1, 2}  # expect: loop-alloc
        squares = [x * x for x in range(4)]  # expect: loop-alloc
        fresh = bytearray(8)  # expect: loop-alloc
        blob = bytes(4)  # expect: loop-alloc
        more = list(readings)  # expect: loop-alloc
        words = text.decode().split(",")  # expect: loop-alloc
        raw = struct.pack("<H", len(words))  # expect: loop-alloc
        struct.pack_into("<H", buf, 0, len(raw))  # into a preallocated buffer: not reported
        for i, b in enumerate(data):  # expect: loop-alloc
            if b in (1, 2, 3):  # a tuple of constants is one constant: not reported
                head, tail = tail, head  # a swap allocates nothing: not reported
        if port is None:
            break
    for r in readings:
        total = r + 1  # integers: not reported
    return line, packet, msg, msg2, msg3, part, pair, tmp, seen, uniq, squares, fresh, blob, more, words, total


def pairs(d):
    for k, v in d.items():  # expect: loop-alloc
        def later():
            return [k, v]  # defined in a loop, runs when called: not reported
        later()


def setup():
    # Outside any loop: allocates once, not reported.
    views = [memoryview(bytearray(4))[:i] for i in range(4)]
    settings = {"rate": 115200}
    return views, settings, json, re, adafruit_ble, label, usb_cdc, struct
