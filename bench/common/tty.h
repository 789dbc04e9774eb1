/*
 * tty.h - the termios setup shared by every tty end serbench opens itself:
 * the pty transport's end, the echo peer's and the device emulator's.
 */
#ifndef SB_TTY_H
#define SB_TTY_H

/*
 * Puts a tty file descriptor in raw mode (8N1, no echo, no line discipline
 * processing); with rtscts, hardware flow control.  0, or -1 with errno.
 */
int sb_tty_make_raw(int fd, int rtscts);

#endif
