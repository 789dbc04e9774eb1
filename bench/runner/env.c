/*
 * env.c - env.json: where results came from.  Everything is best effort: a
 * value that cannot be read is null, never a failed suite.
 */
#include <errno.h>
#include <gnu/libc-version.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "allocator.h"
#include "crc.h"
#include "capture.h"
#include "resultdir.h"
#include "results.h"
#include "sbuf/registry.h"

#ifndef SERBENCH_VERSION
#define SERBENCH_VERSION "unknown"
#endif
#ifndef SERBENCH_SOURCE_DIR
#define SERBENCH_SOURCE_DIR "."
#endif

void sb_json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/*
 * The environment hash: what must match for two results to be comparable
 * (serbench compare refuses others, naming what differs).  Not the host
 * name, serbench's own commit or anything else under test.  The values are
 * folded in as env.json writes them ("key=value\n", FNV-1a 64); env.json
 * lists the keys in env_hash_of, so a reader knows what was covered.
 */
/* The keys and the fold are resultdir.h's, which computes the same hash
 * from an env.json's fields for directories written before it had one. */
#define hashed_keys sb_env_hashed_keys
#define NHASHED sb_env_nhashed
static uint64_t env_hash;

static void hash_in(const char *key, const char *val)
{
    env_hash = sb_env_hash_fold(env_hash, key, val);
}

static int hashed(const char *key)
{
    for (size_t i = 0; i < NHASHED; i++)
        if (strcmp(hashed_keys[i], key) == 0)
            return 1;
    return 0;
}

/* "key": raw JSON, with a comma before all but the first. */
static void kv_raw(FILE *f, int *first, const char *key, const char *raw)
{
    if (hashed(key) && *raw)
        hash_in(key, raw);
    fprintf(f, "%s\n  ", *first ? "" : ",");
    *first = 0;
    sb_json_string(f, key);
    fprintf(f, ": %s", raw);
}

/* "key": "value", or null for a missing or empty value. */
static void kv(FILE *f, int *first, const char *key, const char *val)
{
    if (hashed(key))
        hash_in(key, val && *val ? val : NULL);
    kv_raw(f, first, key, "");
    sb_json_string(f, val && *val ? val : NULL);
}

static void first_line_of(const char *path, const char *prefix, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (prefix && strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        char *v = prefix ? strchr(line, ':') : line;
        if (!v)
            continue;
        v += prefix ? 1 : 0;
        v += strspn(v, " \t");
        v[strcspn(v, "\n")] = '\0';
        snprintf(buf, len, "%s", v);
        break;
    }
    fclose(f);
}

/* 'it''s' quoting for sh. */
static void shell_quote(const char *s, char *out, size_t len)
{
    size_t o = 0;
    if (len < 3) {
        if (len)
            out[0] = '\0';
        return;
    }
    out[o++] = '\'';
    for (; *s && o + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *s;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
}

static void source_dir(char *buf, size_t len)
{
    const char *d = getenv("SERBENCH_SOURCE_DIR");
    snprintf(buf, len, "%s", d && *d ? d : SERBENCH_SOURCE_DIR);
}

static const char *sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return "address";
#elif defined(__SANITIZE_THREAD__)
    return "thread";
#else
    return "none";
#endif
}

/* Which commit was built, and whether the tree had uncommitted changes. */
static void put_git(FILE *f, int *firstp)
{
    char buf[512], q[PATH_MAX + 16], cmd[PATH_MAX + 128];
    int first = *firstp;
    char src[PATH_MAX];
    source_dir(src, sizeof(src));
    shell_quote(src, q, sizeof(q));
    snprintf(cmd, sizeof(cmd), "git -C %s rev-parse HEAD", q);
    int in_git = sb_capture(cmd, buf, sizeof(buf)) == 0;
    kv(f, &first, "git_commit", in_git ? buf : "unknown");
    /* uncommitted changes to tracked files: the commit alone does not say
     * what was built */
    snprintf(cmd, sizeof(cmd), "git -C %s status --porcelain --untracked-files=no", q);
    int dirty = in_git && sb_capture(cmd, buf, sizeof(buf)) == 0;
    kv_raw(f, &first, "git_dirty", !in_git ? "null" : dirty ? "true" : "false");
    /* the branch (a detached checkout, as in CI: the CI's own variable) and
     * the commit's time, which orders a history's points (history.h) */
    snprintf(cmd, sizeof(cmd), "git -C %s rev-parse --abbrev-ref HEAD", q);
    if (!in_git || sb_capture(cmd, buf, sizeof(buf)) < 0 || strcmp(buf, "HEAD") == 0) {
        static const char *const ci_vars[] = {"GITHUB_HEAD_REF", "GITHUB_REF_NAME",
                                              "CI_COMMIT_REF_NAME", "BRANCH_NAME"};
        buf[0] = '\0';
        for (size_t i = 0; in_git && i < sizeof(ci_vars) / sizeof(ci_vars[0]) && !buf[0]; i++)
            if (getenv(ci_vars[i]))
                snprintf(buf, sizeof(buf), "%s", getenv(ci_vars[i]));
    }
    kv(f, &first, "git_branch", buf);
    snprintf(cmd, sizeof(cmd),
             "TZ=UTC git -C %s log -1 --date=format-local:%%Y-%%m-%%dT%%H:%%M:%%SZ --format=%%cd",
             q);
    if (!in_git || sb_capture(cmd, buf, sizeof(buf)) < 0)
        buf[0] = '\0';
    kv(f, &first, "git_commit_utc", buf);

    *firstp = first;
}

/* The host, kernel, CPU, compiler and libraries. */
static void put_machine(FILE *f, int *firstp)
{
    char buf[512];
    int first = *firstp;
    struct utsname u;
    int have_u = uname(&u) == 0;
    kv(f, &first, "host", have_u ? u.nodename : NULL);
    if (have_u)
        snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
    kv(f, &first, "kernel", have_u ? buf : NULL);
    kv(f, &first, "kernel_version", have_u ? u.version : NULL);
    first_line_of("/proc/cpuinfo", "model name", buf, sizeof(buf));
    kv(f, &first, "cpu_model", buf);
    snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    kv_raw(f, &first, "cores_online", buf);
    first_line_of("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", NULL, buf, sizeof(buf));
    kv(f, &first, "governor", buf);
#if defined(__clang__)
    kv(f, &first, "compiler", __VERSION__);
#elif defined(__GNUC__)
    kv(f, &first, "compiler", "gcc " __VERSION__);
#else
    kv(f, &first, "compiler", "unknown");
#endif
    kv(f, &first, "sanitizer", sanitizer());
    kv(f, &first, "glibc", gnu_get_libc_version());
    kv(f, &first, "libserialport", sp_get_package_version_string());
    kv(f, &first, "zlib", zlibVersion());
    kv(f, &first, "crc32", sb_crc32_impl()); /* the frames' CRC: isa-l, or zlib without it */
    sb_capture("socat -V | grep -m1 'socat version'", buf, sizeof(buf));
    kv(f, &first, "socat", buf);

    *firstp = first;
}

/* Each allocator: its package, version, library and whether it is installed. */
static void put_allocators(FILE *f)
{
    fputs(",\n  \"allocators\": {", f);
    for (size_t i = 0; i < sb_allocator_count(); i++) {
        const struct sb_allocator *a = sb_allocator_at(i);
        char lib[PATH_MAX], ver[128];
        struct sb_err e = {0};
        int installed = sb_allocator_library(a, lib, sizeof(lib), &e) == 0;
        sb_allocator_package_version(a, ver, sizeof(ver));
        char key[96];
        snprintf(key, sizeof(key), "allocators.%s", a->name);
        hash_in(key, ver[0] ? ver : NULL);
        fprintf(f, "%s\n    ", i ? "," : "");
        sb_json_string(f, a->name);
        fputs(": {\"package\": ", f);
        sb_json_string(f, a->package);
        fputs(", \"package_version\": ", f);
        sb_json_string(f, ver[0] ? ver : NULL);
        fputs(", \"library\": ", f);
        sb_json_string(f, installed && lib[0] ? lib : NULL);
        fprintf(f, ", \"installed\": %s}", installed ? "true" : "false");
    }
}

/* Every plugin the scenarios name, once: file, hash, strategies. */
static void put_plugins(FILE *f, const struct sb_env_opts *o)
{
    fputs("\n  \"plugins\": [", f);
    int first = 1;
    for (size_t s = 0; s < o->nsc; s++)
        for (size_t p = 0; p < o->sc[s]->nplugins; p++) {
            const struct sb_plugin_ref *ref = &o->sc[s]->plugins[p];
            int seen = 0;
            for (size_t t = 0; t <= s && !seen; t++)
                for (size_t q = 0; q < (t < s ? o->sc[t]->nplugins : p) && !seen; q++)
                    seen = strcmp(o->sc[t]->plugins[q].path, ref->path) == 0;
            if (seen)
                continue;
            fputs(first ? "\n    {\"path\": " : ",\n    {\"path\": ", f);
            first = 0;
            sb_json_string(f, ref->path);
            fputs(", \"sha256\": ", f);
            sb_json_string(f, ref->sha256[0] ? ref->sha256 : NULL);
            fprintf(f, ", \"sbuf_abi\": %u, \"strategies\": [", sbuf_abi_version());
            for (size_t i = 0; i < ref->nnames; i++) {
                char caps[128];
                fputs(i ? ", {\"name\": " : "{\"name\": ", f);
                sb_json_string(f, ref->names[i]);
                fputs(", \"caps\": ", f);
                sb_json_string(f, sbuf_caps_string(ref->caps[i], caps, sizeof(caps)));
                fputs("}", f);
            }
            fputs("]}", f);
        }
    fputs(first ? "]," : "\n  ],", f);
}

int sb_env_write(const char *path, const struct sb_env_opts *o, struct sb_err *err)
{
    char tmp[PATH_MAX], buf[64];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s", tmp, strerror(errno));
    int first = 1;
    env_hash = SB_FNV_OFFSET;
    fputs("{", f);
    snprintf(buf, sizeof(buf), "%d", SB_CSV_SCHEMA_VERSION);
    kv_raw(f, &first, "csv_schema_version", buf);
    kv(f, &first, "serbench_version", SERBENCH_VERSION);
    put_git(f, &first);
    sb_utc_stamp(buf, sizeof(buf), 1);
    kv(f, &first, "created_utc", buf);
    put_machine(f, &first);
    put_allocators(f);
    fputs("\n  },\n  \"env_hash\": ", f);
    snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)env_hash);
    sb_json_string(f, buf);
    fputs(",\n  \"env_hash_of\": [", f);
    for (size_t i = 0; i < NHASHED; i++) {
        fputs(i ? ", " : "", f);
        sb_json_string(f, hashed_keys[i]);
    }
    fputs("],\n  \"inject\": ", f);
    sb_json_string(f, o->inject && *o->inject ? o->inject : NULL);
    fputs(",", f);
    put_plugins(f, o);
    fputs("\n  \"scenarios\": [", f);
    for (size_t i = 0; i < o->nsc; i++) {
        fputs(i ? ", " : "", f);
        sb_json_string(f, o->sc[i]->path);
    }
    fputs("],\n  \"command\": [\"serbench\"", f);
    for (int i = 0; i < o->argc; i++) {
        fputs(", ", f);
        sb_json_string(f, o->argv[i]);
    }
    fputs("]\n}\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}
