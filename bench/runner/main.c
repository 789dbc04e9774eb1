/* main.c - serbench: the command table in commands.c does the rest. */
#include "commands.h"

int main(int argc, char **argv)
{
    return sb_main(argc, argv);
}
