// memcpy for the short runs the OTLP encoders are made of (keys, ids, short
// values): two overlapping word copies up to 16 bytes, a byte loop below 8,
// instead of a call into memcpy. Internal to core's encoders.
#ifndef TFLO_CORE_SRC_COPY_BYTES_H_
#define TFLO_CORE_SRC_COPY_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tflo::core::internal {

// Copies n bytes from src to dst (not overlapping); returns dst + n.
inline char* CopyBytes(char* dst, const char* src, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t head = 0;
    uint64_t tail = 0;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n < 8) {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, n);
  }
  return dst + n;
}

}  // namespace tflo::core::internal

#endif  // TFLO_CORE_SRC_COPY_BYTES_H_
