#ifndef CS_SHA256_H
#define CS_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU has the x86 SHA extensions and SSSE3 (checked at run time).
int cs_sha256_hardware_available(void);

/// Runs the SHA-256 compression function (FIPS 180-4) over `count` consecutive 64-byte
/// blocks at `blocks` (any alignment), updating the eight state words `state` (a..h, in
/// order) in place. Padding is the caller's job: only whole blocks come here.
/// Requires cs_sha256_hardware_available().
void cs_sha256_compress_blocks(uint32_t state[8], const void *blocks, size_t count);

#endif
