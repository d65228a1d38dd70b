// Whole-frame LZ4 decompression with the system liblz4's frame API (lz4frame.h, in
// liblz4-dev), for the embedded rank files. The ContextStore module's own LZ4 (CLZ4)
// exposes only the block API, which the log uses.
#include "cs_vocabulary.h"
#include <lz4frame.h>

const char *cs_lz4f_content_size(const void *frame, size_t frame_size, uint64_t *content_size) {
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return "cannot create an LZ4 context";
    LZ4F_frameInfo_t info;
    size_t consumed = frame_size;
    size_t r = LZ4F_getFrameInfo(dctx, &info, frame, &consumed);
    LZ4F_freeDecompressionContext(dctx);
    if (LZ4F_isError(r)) return LZ4F_getErrorName(r);
    if (info.contentSize == 0) return "the LZ4 frame declares no content size";
    *content_size = info.contentSize;
    return NULL;
}

const char *cs_lz4f_decompress(const void *frame, size_t frame_size, void *destination, size_t capacity) {
    LZ4F_dctx *dctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return "cannot create an LZ4 context";
    const char *failure = NULL;
    const uint8_t *src = frame;
    uint8_t *dst = destination;
    size_t in = 0, out = 0;
    size_t hint = 1;  // LZ4F_decompress returns 0 exactly when the frame is complete
    while (in < frame_size) {
        size_t src_size = frame_size - in, dst_size = capacity - out;
        hint = LZ4F_decompress(dctx, dst + out, &dst_size, src + in, &src_size, NULL);
        if (LZ4F_isError(hint)) { failure = LZ4F_getErrorName(hint); break; }
        in += src_size;
        out += dst_size;
        if (hint == 0) break;
        // No progress with input left: the output is full, so the content is larger
        // than declared.
        if (src_size == 0 && dst_size == 0) { failure = "the LZ4 frame holds more than its declared content size"; break; }
    }
    LZ4F_freeDecompressionContext(dctx);
    if (failure) return failure;
    if (hint != 0) return "the LZ4 frame is truncated";
    if (in != frame_size) return "bytes follow the end of the LZ4 frame";
    if (out != capacity) return "the LZ4 frame holds less than its declared content size";
    return NULL;
}
