/*
 * xlcfg-dump: reads an xl config with Xen's own parser (libxlutil, xlu_cfg_readfile) and prints
 * every setting as one JSON object per line, in file order:
 *   {"key":"memory","string":"64","long":64}
 *   {"key":"irqs","list":["32","33"]}
 * Used by dombuild's tests as the judge of the xl configs dombuild writes.
 *
 * libxlutil has no public iterator over settings, so the walk uses the first three members of its
 * setting record (next, name, value), which are the same in every release we target; each walked
 * setting is then re-read through the public API (xlu_cfg_get_string / xlu_cfg_get_list) and the
 * program fails if the two disagree, so a layout change cannot go unnoticed.
 *
 * Exit: 0 parsed, 1 Xen's parser rejected the file (its report is on stderr), 2 usage, 3 internal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

struct walk_setting {
    struct walk_setting *next;
    char *name;
    XLU_ConfigValue *value;
};
struct walk_config {
    struct walk_setting *settings;
};

static void put_json_string(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.cfg\n", argv[0]);
        return 2;
    }
    XLU_Config *cfg = xlu_cfg_init(stderr, argv[1]);
    if (!cfg) return 3;
    int e = xlu_cfg_readfile(cfg, argv[1]);
    if (e) {
        fprintf(stderr, "xlu_cfg_readfile: %s\n", strerror(e));
        xlu_cfg_destroy(cfg);
        return 1;
    }
    /* Settings are kept newest first; print them in file order. */
    size_t n = 0;
    for (struct walk_setting *s = ((struct walk_config *)cfg)->settings; s; s = s->next) n++;
    struct walk_setting **order = calloc(n ? n : 1, sizeof(*order));
    if (!order) return 3;
    size_t i = n;
    for (struct walk_setting *s = ((struct walk_config *)cfg)->settings; s; s = s->next) order[--i] = s;
    for (i = 0; i < n; i++) {
        struct walk_setting *s = order[i];
        printf("{\"key\":");
        put_json_string(s->name);
        if (xlu_cfg_value_type(s->value) == XLU_STRING) {
            char *str = NULL;
            const char *pub = NULL;
            if (xlu_cfg_value_get_string(cfg, s->value, &str, 1)) return 3;
            if (xlu_cfg_get_string(cfg, s->name, &pub, 1)) {
                fprintf(stderr, "public API does not find string %s\n", s->name);
                return 3;
            }
            printf(",\"string\":");
            put_json_string(str);
            long l;
            if (!xlu_cfg_get_long(cfg, s->name, &l, 1) && pub == str) printf(",\"long\":%ld", l);
            if (pub != str) printf(",\"shadowed\":true");
        } else {
            XLU_ConfigList *list = NULL, *pub = NULL;
            int entries = 0;
            if (xlu_cfg_value_get_list(cfg, s->value, &list, 1)) return 3;
            if (xlu_cfg_get_list(cfg, s->name, &pub, &entries, 1)) {
                fprintf(stderr, "public API does not find list %s\n", s->name);
                return 3;
            }
            printf(",\"list\":[");
            for (int k = 0;; k++) {
                XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, k);
                if (!item) break;
                if (k) putchar(',');
                if (xlu_cfg_value_type(item) == XLU_STRING) {
                    put_json_string(xlu_cfg_get_listitem(list, k));
                } else {
                    printf("{\"nested\":true}");
                }
            }
            printf("]");
            if (pub != list) printf(",\"shadowed\":true");
        }
        printf("}\n");
    }
    free(order);
    xlu_cfg_destroy(cfg);
    return 0;
}
