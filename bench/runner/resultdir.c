/* resultdir.c - a result directory's identity read back (resultdir.h). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "resultdir.h"

const char *const sb_env_hashed_keys[] = {
    "kernel", "cpu_model", "cores_online", "governor", "compiler", "sanitizer", "glibc",
    "libserialport", "zlib", "crc32", "socat", "allocators",
};
const size_t sb_env_nhashed = sizeof(sb_env_hashed_keys) / sizeof(sb_env_hashed_keys[0]);

uint64_t sb_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

uint64_t sb_env_hash_fold(uint64_t h, const char *key, const char *val)
{
    if (!val)
        val = "null";
    h = sb_fnv1a(h, key, strlen(key));
    h = sb_fnv1a(h, "=", 1);
    h = sb_fnv1a(h, val, strlen(val));
    return sb_fnv1a(h, "\n", 1);
}

/* A JSON value as env.json's writer folds it: a string as is, a number as written. */
static const char *json_text_of(json_t *v, char *buf, size_t len)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_length(v) ? json_string_value(v) : NULL;
    if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, len, "%.17g", json_real_value(v));
        return buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

static uint64_t env_hash_of(json_t *env)
{
    uint64_t h = SB_FNV_OFFSET;
    char buf[64];
    for (size_t i = 0; i < sb_env_nhashed; i++) {
        const char *k = sb_env_hashed_keys[i];
        if (strcmp(k, "allocators") == 0)
            continue; /* folded below, one line per allocator */
        h = sb_env_hash_fold(h, k, json_text_of(json_object_get(env, k), buf, sizeof(buf)));
    }
    json_t *alloc = json_object_get(env, "allocators");
    const char *name;
    json_t *a;
    json_object_foreach(alloc, name, a) { /* jansson keeps the file's order */
        char key[96];
        snprintf(key, sizeof(key), "allocators.%s", name);
        h = sb_env_hash_fold(h, key,
                             json_text_of(json_object_get(a, "package_version"), buf, sizeof(buf)));
    }
    return h;
}

int sb_env_hash_json(const char *text, char out[17], struct sb_err *err)
{
    json_error_t je;
    json_t *env = json_loads(text, 0, &je);
    if (!env || !json_is_object(env)) {
        json_decref(env);
        return sb_errf(err, SB_EXIT_USAGE, "env.json:%d: %s", je.line,
                       env ? "not a JSON object" : je.text);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)env_hash_of(env));
    json_decref(env);
    return 0;
}

static void copy_str(json_t *env, const char *key, char *out, size_t len)
{
    json_t *v = json_object_get(env, key);
    char buf[64];
    const char *s = json_text_of(v, buf, sizeof(buf));
    snprintf(out, len, "%s", s ? s : "");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a over DIR/scenarios/NAME.ini, in name order: "NAME\n" + text + "\n". */
static void scenario_hash(const char *dir, char out[17])
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/scenarios", dir);
    out[0] = '\0';
    DIR *d = opendir(path);
    if (!d)
        return;
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".ini") == 0 && (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    if (n == 0)
        return;
    qsort(names, n, sizeof(*names), by_name);
    uint64_t h = SB_FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/scenarios/%s", dir, names[i]);
        size_t len = 0;
        char *t = sb_slurp(path, &len);
        h = sb_fnv1a(h, names[i], strlen(names[i]));
        h = sb_fnv1a(h, "\n", 1);
        if (t)
            h = sb_fnv1a(h, t, len);
        h = sb_fnv1a(h, "\n", 1);
        free(t);
        free(names[i]);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* "a+b" from env.json's scenarios ("scenarios/a.ini", ...). */
static void suite_name(json_t *env, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(env, "scenarios"), i, v)
    {
        const char *p = json_string_value(v);
        if (!p)
            continue;
        const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        size_t bl = strlen(base);
        if (bl > 4 && strcmp(base + bl - 4, ".ini") == 0)
            bl -= 4;
        int w = snprintf(out + o, len - o, "%s%.*s", o ? "+" : "", (int)bl, base);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
}

int sb_dirinfo_read(const char *dir, struct sb_dirinfo *d, struct sb_err *err)
{
    memset(d, 0, sizeof(*d));
    d->git_dirty = -1;
    d->cores_online = -1;
    snprintf(d->dir, sizeof(d->dir), "%s", dir);
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return sb_errf(err, SB_EXIT_USAGE, "%s: not a result directory (%s)", dir,
                       errno ? strerror(errno) : "not a directory");
    char path[4200];
    snprintf(path, sizeof(path), "%s/env.json", dir);
    size_t elen = 0;
    d->env_text = sb_slurp(path, &elen);
    if (!d->env_text)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s (not a result directory?)", path,
                       strerror(errno));
    json_error_t je;
    json_t *env = json_loads(d->env_text, 0, &je);
    if (!env || !json_is_object(env)) {
        json_decref(env);
        sb_dirinfo_free(d);
        return sb_errf(err, SB_EXIT_USAGE, "%s:%d: damaged: %s", path, je.line,
                       env ? "not a JSON object" : je.text);
    }
    json_t *v = json_object_get(env, "csv_schema_version");
    d->csv_schema_version = json_is_integer(v) ? (int)json_integer_value(v) : 0;
    if (d->csv_schema_version != SB_CSV_SCHEMA_VERSION) {
        json_decref(env);
        sb_dirinfo_free(d);
        return sb_errf(err, SB_EXIT_USAGE,
                       "%s: csv_schema_version %d, this serbench reads %d (a result directory of "
                       "another serbench)",
                       path, d->csv_schema_version, SB_CSV_SCHEMA_VERSION);
    }
    copy_str(env, "serbench_version", d->serbench_version, sizeof(d->serbench_version));
    copy_str(env, "git_commit", d->git_commit, sizeof(d->git_commit));
    if (!d->git_commit[0])
        snprintf(d->git_commit, sizeof(d->git_commit), "unknown");
    copy_str(env, "git_branch", d->git_branch, sizeof(d->git_branch));
    copy_str(env, "git_commit_utc", d->git_commit_utc, sizeof(d->git_commit_utc));
    v = json_object_get(env, "git_dirty");
    d->git_dirty = json_is_boolean(v) ? json_is_true(v) : -1;
    copy_str(env, "created_utc", d->created_utc, sizeof(d->created_utc));
    copy_str(env, "host", d->host, sizeof(d->host));
    copy_str(env, "cpu_model", d->cpu_model, sizeof(d->cpu_model));
    copy_str(env, "kernel", d->kernel, sizeof(d->kernel));
    copy_str(env, "compiler", d->compiler, sizeof(d->compiler));
    v = json_object_get(env, "cores_online");
    d->cores_online = json_is_integer(v) ? (long)json_integer_value(v) : -1;
    v = json_object_get(env, "env_hash");
    if (json_is_string(v) && json_string_length(v) == 16) {
        snprintf(d->env_hash, sizeof(d->env_hash), "%s", json_string_value(v));
    } else {
        snprintf(d->env_hash, sizeof(d->env_hash), "%016llx",
                 (unsigned long long)env_hash_of(env));
        d->env_hash_computed = 1;
    }
    suite_name(env, d->suite, sizeof(d->suite));
    json_decref(env);
    if (!d->created_utc[0]) {
        sb_dirinfo_free(d);
        return sb_errf(err, SB_EXIT_USAGE, "%s: no created_utc (not serbench's env.json?)", path);
    }
    scenario_hash(dir, d->scenario_hash);

    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    size_t rlen = 0;
    char *runs = sb_slurp(path, &rlen);
    uint64_t h = sb_fnv1a(SB_FNV_OFFSET, d->env_text, elen);
    if (runs)
        h = sb_fnv1a(h, runs, rlen);
    free(runs);
    snprintf(d->uid, sizeof(d->uid), "%016llx", (unsigned long long)h);
    return 0;
}

void sb_dirinfo_free(struct sb_dirinfo *d)
{
    free(d->env_text);
    d->env_text = NULL;
}
