// SHA-256 block compression with the x86 SHA extensions (SHA-NI). No compiler flags are
// needed: the functions carry a target attribute, and callers check
// cs_sha256_hardware_available() first. Other CPUs use the Swift compression in
// ContextStore/Hashing/SHA256.swift, which is also the oracle the tests compare this with.
#include "cs_sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// cpuid directly rather than __builtin_cpu_supports: "sha" is not a name every compiler
// and runtime (libgcc / compiler-rt) in use accepts. SHA-NI uses only the XMM registers,
// which every x86_64 OS saves, so no XSAVE/OS-support check is needed.
int cs_sha256_hardware_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_SSSE3)) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & bit_SHA) ? 1 : 0;
}

// SSSE3 for the byte shuffle (big-endian loads) and alignr (message schedule).
#define CS_SHA_TARGET __attribute__((target("sha,ssse3")))

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// Four rounds. Invariant on entry and exit: *abef holds (a, b, e, f) and *cdgh holds
// (c, d, g, h), each listed from the high lane down, the layout sha256rnds2 works on.
// sha256rnds2 does two rounds with the low two lanes of `wk`; two rounds move a, b to
// c, d and e, f to g, h, so the old ABEF register is the new CDGH and the two swap roles.
CS_SHA_TARGET static inline void four_rounds(__m128i *abef, __m128i *cdgh, __m128i w,
                                             const uint32_t *k) {
    __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)k));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);  // now ABEF after rounds t, t+1
    wk = _mm_shuffle_epi32(wk, 0x0E);                  // lanes 2, 3 down to 0, 1
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, wk);  // ABEF after t+2, t+3; *cdgh is CDGH
}

// W[t..t+3] from the four previous groups (lane i of w_m16 is W[t-16+i], and so on):
// W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]. sha256msg1 adds the sigma0
// terms, alignr supplies W[t-7..t-4], and sha256msg2 adds the sigma1 terms (lanes 2, 3
// use lanes 0, 1 it has just made).
CS_SHA_TARGET static inline __m128i next_schedule(__m128i w_m16, __m128i w_m12, __m128i w_m8,
                                                  __m128i w_m4) {
    __m128i x = _mm_sha256msg1_epu32(w_m16, w_m12);
    x = _mm_add_epi32(x, _mm_alignr_epi8(w_m4, w_m8, 4));
    return _mm_sha256msg2_epu32(x, w_m4);
}

CS_SHA_TARGET
void cs_sha256_compress_blocks(uint32_t state[8], const void *blocks, size_t count) {
    // Byte order within each 32-bit lane reversed: message words are big-endian.
    const __m128i big_endian = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    __m128i abef = _mm_set_epi32((int)state[0], (int)state[1], (int)state[4], (int)state[5]);
    __m128i cdgh = _mm_set_epi32((int)state[2], (int)state[3], (int)state[6], (int)state[7]);
    const unsigned char *p = (const unsigned char *)blocks;
    for (size_t n = 0; n < count; n++, p += 64) {
        const __m128i abef_in = abef, cdgh_in = cdgh;
        // w0..w3 always hold the last 16 schedule words, oldest group first.
        __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), big_endian);
        __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), big_endian);
        __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), big_endian);
        __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), big_endian);
        four_rounds(&abef, &cdgh, w0, round_constants + 0);
        four_rounds(&abef, &cdgh, w1, round_constants + 4);
        four_rounds(&abef, &cdgh, w2, round_constants + 8);
        four_rounds(&abef, &cdgh, w3, round_constants + 12);
        for (int t = 16; t < 64; t += 4) {
            const __m128i w = next_schedule(w0, w1, w2, w3);
            four_rounds(&abef, &cdgh, w, round_constants + t);
            w0 = w1;
            w1 = w2;
            w2 = w3;
            w3 = w;
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    // Lane i of a stored register is element i, so the high lane (a, c) comes last.
    uint32_t out_abef[4], out_cdgh[4];
    _mm_storeu_si128((__m128i *)out_abef, abef);
    _mm_storeu_si128((__m128i *)out_cdgh, cdgh);
    state[0] = out_abef[3]; state[1] = out_abef[2]; state[4] = out_abef[1]; state[5] = out_abef[0];
    state[2] = out_cdgh[3]; state[3] = out_cdgh[2]; state[6] = out_cdgh[1]; state[7] = out_cdgh[0];
}
#else
int cs_sha256_hardware_available(void) { return 0; }
void cs_sha256_compress_blocks(uint32_t state[8], const void *blocks, size_t count) {
    (void)state; (void)blocks; (void)count;  // never called: availability is 0
}
#endif
