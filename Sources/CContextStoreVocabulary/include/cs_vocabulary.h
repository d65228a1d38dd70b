#ifndef CS_VOCABULARY_H
#define CS_VOCABULARY_H
#include <stddef.h>
#include <stdint.h>

// The tokenizer rank files compiled into the library, so token counts need no set-up.
// Each is the published <name>.tiktoken file as one LZ4 frame that declares its content
// size (made by Tools/gen/gen_vocabulary.sh). The bytes live in read-only data for the
// life of the process; nothing here allocates.

/// The LZ4 frame holding cl100k_base.tiktoken, and its size in bytes.
const uint8_t *cs_vocabulary_cl100k_base(void);
size_t cs_vocabulary_cl100k_base_size(void);

/// The LZ4 frame holding o200k_base.tiktoken, and its size in bytes.
const uint8_t *cs_vocabulary_o200k_base(void);
size_t cs_vocabulary_o200k_base_size(void);

/// Reads the header of the LZ4 frame at `frame` (`frame_size` bytes) and stores the
/// content size it declares in `*content_size`. Returns NULL, or a static description of
/// why not (a damaged header, or a frame that declares no content size).
const char *cs_lz4f_content_size(const void *frame, size_t frame_size, uint64_t *content_size);

/// Decompresses the whole LZ4 frame at `frame` into `destination`, which holds exactly
/// `capacity` bytes: the content size the frame declares. Returns NULL once the frame was
/// read to its end, its content checksum (if any) matched and exactly `capacity` bytes
/// came out; else a static description of what was wrong.
const char *cs_lz4f_decompress(const void *frame, size_t frame_size, void *destination, size_t capacity);

#endif
