/*
 * tty.h - the termios setup shared by every tty end serbench opens itself:
 * the pty transport's end, the echo peer's and the device emulator's.
 */
#ifndef SB_TTY_H
#define SB_TTY_H

#include <stdint.h>

/*
 * Puts a tty file descriptor in raw mode (8N1, no echo, no line discipline
 * processing); with rtscts, hardware flow control.  0, or -1 with errno.
 */
int sb_tty_make_raw(int fd, int rtscts);

/*
 * What a tty's settings ask of the link.  On a pty master Linux answers with
 * the slave's settings: what the program on the slave (the host) set.
 */
struct sb_tty_link {
    uint32_t baud; /* output rate in baud, any rate the driver took */
    int rtscts;    /* CRTSCTS: hardware flow control */
    int modem;     /* CLOCAL clear: the host wants the modem lines honoured (carrier) */
    int hupcl;     /* HUPCL: the host drops DTR when it closes */
};

/* 0, or -1 with errno. */
int sb_tty_get_link(int fd, struct sb_tty_link *out);
/* Sets the rate (any number the driver takes).  0, or -1 with errno. */
int sb_tty_set_baud(int fd, uint32_t baud);

#endif
