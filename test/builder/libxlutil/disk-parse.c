/*
 * disk-parse: reads each argument as one DISKSPEC with Xen's own disk parser (libxlutil,
 * xlu_disk_parse, the parser `xl create` uses for disk = [...] items) and prints what it understood
 * as one JSON object per line:
 *   {"target":"/var/lib/xen/images/a.img","vdev":"xvda","format":"raw","readwrite":1,"backend":"phy"}
 * Used by dombuild's tests as the judge of the disk items dombuild writes.
 *
 * Exit: 0 every spec parsed, 1 Xen's parser rejected one (its report is on stderr), 2 usage, 3 internal.
 */
#include <stdio.h>
#include <libxl.h>
#include <libxlutil.h>

static void put_json_string(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: disk-parse DISKSPEC...\n");
        return 2;
    }
    XLU_Config *cfg = xlu_cfg_init(stderr, "disk-parse");
    if (!cfg) return 3;
    for (int i = 1; i < argc; i++) {
        libxl_device_disk disk;
        libxl_device_disk_init(&disk);
        const char *spec = argv[i];
        if (xlu_disk_parse(cfg, 1, &spec, &disk)) {
            libxl_device_disk_dispose(&disk);
            xlu_cfg_destroy(cfg);
            return 1;
        }
        printf("{\"target\":");
        put_json_string(disk.pdev_path);
        printf(",\"vdev\":");
        put_json_string(disk.vdev);
        printf(",\"format\":");
        put_json_string(libxl_disk_format_to_string(disk.format));
        printf(",\"readwrite\":%d,\"backend\":", disk.readwrite);
        put_json_string(libxl_disk_backend_to_string(disk.backend));
        printf(",\"cdrom\":%d}\n", disk.is_cdrom);
        libxl_device_disk_dispose(&disk);
    }
    xlu_cfg_destroy(cfg);
    return 0;
}
