# code.py - serbench's loopback firmware for an nRF52840 board under
# CircuitPython 9.x (Adafruit Feather nRF52840 Express): everything that
# arrives on the usb_cdc data port goes straight back.
#
# Allocation-free in the loop, so the garbage collector never runs and never
# pauses the echo: one preallocated bytearray read into with readinto(), and
# one preallocated memoryview of each length to write back (slicing a
# memoryview would allocate a new object every time).  The board keeps no
# counters: it echoes serbench's stats request like any other bytes, which
# tells serbench to expect every byte back.
#
# Memory: the buffer and its views take under 3 KB; the free heap is printed
# on the console at start (keep at least 10 KB free, and about 130 KB is
# free after boot, 90 KB with BLE).
import gc

import usb_cdc
from micropython import const

CHUNK = const(64)  # one USB full-speed bulk packet


def echo(port, buf, views):
    # Locals, not globals: name lookups in the loop stay cheap.
    readinto = port.readinto
    write = port.write
    while True:
        n = readinto(buf)
        if n:
            write(views[n])


def main():
    port = usb_cdc.data
    if port is None:
        print("serbench echo: no usb_cdc data port; copy boot.py and hard-reset")
        return
    port.timeout = 0  # readinto returns at once with what is there
    port.write_timeout = None  # write blocks until the host has taken it all
    buf = bytearray(CHUNK)
    mv = memoryview(buf)
    views = [mv[:i] for i in range(CHUNK + 1)]
    gc.collect()
    print("serbench echo on usb_cdc.data:", gc.mem_free(), "bytes free")
    echo(port, buf, views)


main()
