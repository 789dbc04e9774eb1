# boot.py - runs once at a hard reset, before code.py and before USB comes up.
#
# Adds CircuitPython's second USB CDC interface, the data port: a plain byte
# pipe next to the console (REPL).  On Linux it appears as
# /dev/serial/by-id/usb-Adafruit_*-if02 (the console is -if00).  The host
# must assert DTR before the data port delivers anything; serbench does.
import usb_cdc

usb_cdc.enable(console=True, data=True)
