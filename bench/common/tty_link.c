/*
 * tty_link.c - a tty's baud rate and flow control as numbers (tty.h),
 * through Linux's termios2 (TCGETS2/TCSETS2), which carries any rate the
 * driver takes (BOTHER), not only the B* constants.  Its own file: the
 * kernel's <asm/termbits.h> cannot share a unit with glibc's <termios.h>.
 */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <stddef.h>
#include <stdint.h>

#include "tty.h"

int ioctl(int fd, unsigned long request, ...);

int sb_tty_get_link(int fd, struct sb_tty_link *out)
{
    struct termios2 t;
    if (ioctl(fd, TCGETS2, &t) < 0)
        return -1;
    out->baud = (uint32_t)t.c_ospeed;
    out->rtscts = (t.c_cflag & CRTSCTS) != 0;
    out->modem = (t.c_cflag & CLOCAL) == 0;
    out->hupcl = (t.c_cflag & HUPCL) != 0;
    return 0;
}

/* The B* constant of a standard rate (what cfgetospeed shows a host), or BOTHER. */
static tcflag_t rate_code(uint32_t baud)
{
    static const struct {
        uint32_t baud;
        tcflag_t code;
    } std[] = {{300, B300},       {600, B600},         {1200, B1200},       {2400, B2400},
               {4800, B4800},     {9600, B9600},       {19200, B19200},     {38400, B38400},
               {57600, B57600},   {115200, B115200},   {230400, B230400},   {460800, B460800},
               {500000, B500000}, {921600, B921600},   {1000000, B1000000}, {2000000, B2000000}};
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++)
        if (std[i].baud == baud)
            return std[i].code;
    return BOTHER;
}

int sb_tty_set_baud(int fd, uint32_t baud)
{
    struct termios2 t;
    if (ioctl(fd, TCGETS2, &t) < 0)
        return -1;
    t.c_cflag &= ~(tcflag_t)CBAUD;
    t.c_cflag |= rate_code(baud);
    t.c_ispeed = t.c_ospeed = baud;
    return ioctl(fd, TCSETS2, &t);
}
