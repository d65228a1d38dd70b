// Hardware CRC32C with the SSE4.2 crc32 instruction. No compiler flags are needed: the
// function carries a target attribute, and callers check cs_crc32c_hardware_available()
// first. Other CPUs use the Swift slicing-by-8 implementation instead.
#include "cs_crc32c.h"
#include <string.h>

#if defined(__x86_64__)
int cs_crc32c_hardware_available(void) {
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

__attribute__((target("sse4.2")))
uint32_t cs_crc32c_extend_hw(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = ~crc;
    while (length >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);  // unaligned-safe load
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p);
        p++;
        length--;
    }
    return ~c32;
}
#else
int cs_crc32c_hardware_available(void) { return 0; }
uint32_t cs_crc32c_extend_hw(uint32_t crc, const void *data, size_t length) {
    (void)data; (void)length;
    return crc;  // never called: availability is 0
}
#endif
