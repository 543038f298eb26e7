// Direct protobuf wire encoding of the model's export requests, for the binary
// OTLP file writer's hot path.
//
// Produces exactly the bytes protobuf's own serializer produces for the message
// ToProto (otlp_codec.h) builds from the same model value, without building
// that message: no per-field allocations. The encoder writes back to front, so
// every length prefix is known when it is written and stays a minimal varint.
// A ReverseWireEncoder is a reusable scratch buffer; not thread-safe.
// Implemented in otlp_codec.cc, next to the ToProto it mirrors.
#ifndef TFLO_CORE_OTLP_WIRE_H_
#define TFLO_CORE_OTLP_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "copy_bytes.h"
#include "tflo/core/model.h"

namespace tflo::core::internal {

class ReverseWireEncoder {
 public:
  ReverseWireEncoder() = default;
  ReverseWireEncoder(const ReverseWireEncoder&) = delete;
  ReverseWireEncoder& operator=(const ReverseWireEncoder&) = delete;

  // Discards what was written; keeps the buffer.
  void Clear() { pos_ = capacity_; }
  // Bytes written so far.
  size_t size() const { return capacity_ - pos_; }
  // The bytes written so far, in wire order.
  std::string_view view() const {
    return {reinterpret_cast<const char*>(buffer_.get() + pos_), size()};
  }

  void Raw(const void* data, size_t n) {
    if (n > pos_) Grow(n);
    pos_ -= n;
    // Most fields (ids, keys, short values) are at most 16 bytes.
    CopyBytes(reinterpret_cast<char*>(buffer_.get() + pos_), static_cast<const char*>(data), n);
  }
  [[gnu::always_inline]] void Varint(uint64_t v) {
    // Fast paths, inlined: every field tag and most lengths fit in one or two
    // bytes. The rest is out of line, so the callers' inlined copies stay small.
    if (v < 0x80) {
      if (pos_ < 1) Grow(1);
      buffer_[--pos_] = static_cast<uint8_t>(v);
      return;
    }
    if (v < 0x4000) {
      if (pos_ < 2) Grow(2);
      pos_ -= 2;
      buffer_[pos_] = static_cast<uint8_t>(v | 0x80);
      buffer_[pos_ + 1] = static_cast<uint8_t>(v >> 7);
      return;
    }
    LongVarint(v);
  }
  void Fixed64(uint64_t v) {
    if (pos_ < 8) Grow(8);
    pos_ -= 8;
    uint8_t* dst = buffer_.get() + pos_;
    for (int i = 0; i < 8; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));  // little-endian
  }
  void Fixed32(uint32_t v) {
    if (pos_ < 4) Grow(4);
    pos_ -= 4;
    uint8_t* dst = buffer_.get() + pos_;
    for (int i = 0; i < 4; ++i) dst[i] = static_cast<uint8_t>(v >> (8 * i));
  }

 private:
  [[gnu::noinline, gnu::cold]] void Grow(size_t need);
  // Three bytes or more, written in place (no temporary array: with one,
  // GCC's stack protector would guard every call of the inlined fast path).
  [[gnu::noinline]] void LongVarint(uint64_t v) {
    size_t n = 1;
    for (uint64_t rest = v >> 7; rest != 0; rest >>= 7) ++n;
    if (pos_ < n) Grow(n);
    pos_ -= n;
    uint8_t* dst = buffer_.get() + pos_;
    for (size_t i = 0; i + 1 < n; ++i) {
      dst[i] = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    dst[n - 1] = static_cast<uint8_t>(v);
  }

  std::unique_ptr<uint8_t[]> buffer_;
  size_t capacity_ = 0;
  size_t pos_ = 0;  // first written byte; data occupies [pos_, capacity_)
};

// Encodes the Export*ServiceRequest for `data` into `enc` (after Clear()).
void EncodeWire(const TracesData& data, ReverseWireEncoder* enc);
void EncodeWire(const MetricsData& data, ReverseWireEncoder* enc);
void EncodeWire(const LogsData& data, ReverseWireEncoder* enc);

}  // namespace tflo::core::internal

#endif  // TFLO_CORE_OTLP_WIRE_H_
