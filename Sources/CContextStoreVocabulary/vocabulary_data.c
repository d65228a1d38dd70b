// The rank files themselves, compiled in with C23 #embed (clang 19 and later; the file's
// bytes become the array, and the compiler's dependency output names the embedded file,
// so a regenerated frame rebuilds this file). Other C modes accept #embed as an
// extension; its -Wc23-extensions warning is silenced here rather than changing the C
// standard of the whole package.
#include "cs_vocabulary.h"

#if !defined(__has_embed)
#error "CContextStoreVocabulary needs a C compiler with #embed (clang 19 or later)"
#endif
#pragma clang diagnostic ignored "-Wc23-extensions"

static const uint8_t cl100k_base[] = {
#embed "data/cl100k_base.tiktoken.lz4"
};

static const uint8_t o200k_base[] = {
#embed "data/o200k_base.tiktoken.lz4"
};

const uint8_t *cs_vocabulary_cl100k_base(void) { return cl100k_base; }
size_t cs_vocabulary_cl100k_base_size(void) { return sizeof cl100k_base; }

const uint8_t *cs_vocabulary_o200k_base(void) { return o200k_base; }
size_t cs_vocabulary_o200k_base_size(void) { return sizeof o200k_base; }
