/*
 * fuzz-scenario.c - the scenario parser (sb_scenario_load) on any bytes.
 *
 * It must never crash, hang or leak (ASan), and its answer must be one of
 * two: 0 with a scenario of at least one named job, or -1 with no scenario
 * and an error that is set, non-empty, one line, and names the file it is
 * about.
 *
 * sb_scenario_load reads files only (includes are relative to the file),
 * so each input is written to fuzz.ini in a private directory made once,
 * next to a few files it may include or replay:
 *   inc.ini    a [global] section          loop.ini   includes itself
 *   sizes.txt  a replay table of sizes      empty.ini  nothing
 * An input that could name a file outside that directory is skipped: one
 * with a '/' and `include`, `replay` or `${` (an expansion can assemble
 * either word: incl${E:-}ude).  Such a path could include or replay
 * /dev/zero or a FIFO, which reads forever; that is the file system, not
 * the parser, and scenario files are trusted to name real files.  The
 * environment is emptied but for two variables, so ${VAR} expands the same
 * way everywhere and no value holds a '/'.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "scenario.h"

static char dir[PATH_MAX];
static char input[PATH_MAX + 16];

static void put(const char *name, const char *text)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    FZ_CHECK(f, "cannot create %s", path);
    fputs(text, f);
    FZ_CHECK(fclose(f) == 0, "cannot write %s", path);
}

static const char *const sandbox_files[] = {"inc.ini", "loop.ini", "sizes.txt", "empty.ini",
                                            "fuzz.ini"};

static void cleanup(void)
{
    for (size_t i = 0; i < sizeof(sandbox_files) / sizeof(sandbox_files[0]); i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/%s", dir, sandbox_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/serbench-fuzz-scenario-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FZ_CHECK(mkdtemp(dir), "mkdtemp %s", dir);
    atexit(cleanup);
    put("inc.ini", "[global]\nrepeat = 2\nmessage = fixed:32\n");
    put("loop.ini", "include loop.ini\n");
    put("sizes.txt", "64\n# a comment\n128\n1KiB\n");
    put("empty.ini", "");
    snprintf(input, sizeof(input), "%s/fuzz.ini", dir);
    clearenv();
    setenv("SB_SIZE", "fixed:64", 1);
    setenv("SB_EMPTY", "", 1);
    return 0;
}

static int contains(const uint8_t *data, size_t size, const char *word)
{
    return memmem(data, size, word, strlen(word)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '/', size) &&
        (contains(data, size, "include") || contains(data, size, "replay") ||
         contains(data, size, "${")))
        return 0;
    FILE *f = fopen(input, "wb");
    FZ_CHECK(f, "cannot create %s", input);
    FZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", input);

    static struct sb_scenario poison; /* the loader must overwrite the pointer */
    struct sb_scenario *sc = &poison;
    struct sb_err err = {0};
    int rc = sb_scenario_load(input, &sc, &err);
    if (rc == 0) {
        FZ_CHECK(sc && err.code == 0, "success with error %d '%s'", err.code, err.msg);
        FZ_CHECK(sc->njobs >= 1, "a scenario without jobs");
        for (size_t i = 0; i < sc->njobs; i++)
            FZ_CHECK(sc->jobs[i].name[0] && memchr(sc->jobs[i].name, 0, SB_NAME_MAX),
                     "job %zu has no name", i);
        sb_scenario_free(sc);
        return 0;
    }
    FZ_CHECK(rc == -1, "returned %d", rc);
    FZ_CHECK(sc == NULL, "a scenario returned with an error");
    FZ_CHECK(err.code != 0 && err.msg[0], "an error without a message (code %d)", err.code);
    FZ_CHECK(memchr(err.msg, 0, sizeof(err.msg)) && !strchr(err.msg, '\n'),
             "error message is not one line: '%s'", err.msg);
    FZ_CHECK(strstr(err.msg, dir), "error message names no file: '%s'", err.msg);
    return 0;
}
