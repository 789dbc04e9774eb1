/* tty.c - raw mode for a tty end (tty.h). */
#include <termios.h>

#include "tty.h"

int sb_tty_make_raw(int fd, int rtscts)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) < 0)
        return -1;
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    if (rtscts)
        tio.c_cflag |= CRTSCTS;
    else
        tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    /* Non-blocking reads return what is there: poll(2) decides when to read. */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &tio);
}
