/*
 * table.h - the lookup every plug-in table of serbench offers (commands,
 * transports, peers): how many rows, the row at i, the row by name.  A row
 * is a pointer to a struct whose first member is `const char *name`.
 *
 *   SB_TABLE_LOOKUP(sb_transport, struct sb_transport_ops, transports)
 *
 * defines sb_transport_count(), sb_transport_at(i) (NULL past the end) and
 * sb_transport_find(name) (NULL when no row has that name).
 */
#ifndef SB_TABLE_H
#define SB_TABLE_H

#include <stddef.h>
#include <string.h>

#define SB_TABLE_LOOKUP(prefix, type, rows)                                          \
    size_t prefix##_count(void)                                                      \
    {                                                                                \
        return sizeof(rows) / sizeof(rows[0]);                                       \
    }                                                                                \
    const type *prefix##_at(size_t i)                                                \
    {                                                                                \
        return i < prefix##_count() ? rows[i] : NULL;                                \
    }                                                                                \
    const type *prefix##_find(const char *name)                                      \
    {                                                                                \
        for (size_t i = 0; name && i < prefix##_count(); i++)                        \
            if (strcmp(rows[i]->name, name) == 0)                                    \
                return rows[i];                                                      \
        return NULL;                                                                 \
    }

#endif
