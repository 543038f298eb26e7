// Lower-case hex digits of bytes, written in place: shared by the id and
// traceparent formatters. Internal to core.
#ifndef TFLO_CORE_SRC_LOWER_HEX_H_
#define TFLO_CORE_SRC_LOWER_HEX_H_

#include <cstddef>
#include <cstdint>

namespace tflo::core::internal {

// Writes the 2 * n digits of bytes[0, n) at `out`; returns the end.
inline char* WriteLowerHex(const uint8_t* bytes, size_t n, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    *out++ = kDigits[bytes[i] >> 4];
    *out++ = kDigits[bytes[i] & 0x0F];
  }
  return out;
}

}  // namespace tflo::core::internal

#endif  // TFLO_CORE_SRC_LOWER_HEX_H_
