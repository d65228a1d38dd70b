#ifndef CS_CRC32C_H
#define CS_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has the SSE4.2 crc32 instruction (checked once, at run time).
int cs_crc32c_hardware_available(void);

/// Extends a CRC32C (Castagnoli, reflected, as in iSCSI/ext4/LevelDB) over `length` bytes.
/// `crc` is a previous result (0 to start); the value returned is the standard CRC32C of
/// everything passed so far, like zlib's crc32(). Requires cs_crc32c_hardware_available().
uint32_t cs_crc32c_extend_hw(uint32_t crc, const void *data, size_t length);

#endif
