/* tp_gone.c - a library tp_needslib links and that is then not to be found. */
__attribute__((visibility("default"))) int tp_gone(void);
int tp_gone(void)
{
    return 42;
}
