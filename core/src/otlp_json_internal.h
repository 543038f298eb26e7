// Append-style OTLP/JSON encoders behind otlp_json.h, shared with the OTLP file
// writer so a JSON-lines file is written without an intermediate string per
// request. Same output as the public *ToOtlpJson functions. Thread-safe.
#ifndef TFLO_CORE_OTLP_JSON_INTERNAL_H_
#define TFLO_CORE_OTLP_JSON_INTERNAL_H_

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "tflo/core/model.h"

namespace tflo::core::internal {

// A growable byte buffer for the encoders' hot path: unlike std::string it
// does not zero the room it reserves, and the encoders write through a raw
// cursor into that room (Reserve + set_size). Move-only; not thread-safe.
class OutputBuffer {
 public:
  OutputBuffer() = default;
  // Storage aligned to `alignment` (a power of two; 0 = malloc's), with a
  // capacity that is a multiple of it: for O_DIRECT writes.
  explicit OutputBuffer(size_t alignment) : alignment_(alignment) {}
  ~OutputBuffer() { std::free(data_); }
  OutputBuffer(OutputBuffer&& other) noexcept
      : data_(other.data_),
        size_(other.size_),
        capacity_(other.capacity_),
        alignment_(other.alignment_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  OutputBuffer& operator=(OutputBuffer&&) = delete;
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  char* data() { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }

  // Makes room for at least n bytes after size(); returns where they start.
  char* Reserve(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return data_ + size_;
  }
  // Sets the size after bytes were written into reserved room (<= capacity()).
  void set_size(size_t size) { size_ = size; }
  void Append(std::string_view s) {
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  void clear() { size_ = 0; }
  void Swap(OutputBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(alignment_, other.alignment_);
  }
  // Frees the storage.
  void Release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  void Grow(size_t n) {
    size_t capacity = capacity_ < 4096 ? 4096 : capacity_ * 2;
    if (capacity - size_ < n) capacity = size_ + n;
    if (alignment_ == 0) {
      void* grown = std::realloc(data_, capacity);
      if (grown == nullptr) throw std::bad_alloc();
      data_ = static_cast<char*>(grown);
    } else {
      capacity = (capacity + alignment_ - 1) & ~(alignment_ - 1);
      void* grown = std::aligned_alloc(alignment_, capacity);
      if (grown == nullptr) throw std::bad_alloc();
      if (size_ > 0) std::memcpy(grown, data_, size_);
      std::free(data_);
      data_ = static_cast<char*>(grown);
    }
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t alignment_ = 0;
};

// Appends one compact JSON object (no trailing newline) to *out.
void AppendOtlpJson(const TracesData& data, OutputBuffer* out);
void AppendOtlpJson(const MetricsData& data, OutputBuffer* out);
void AppendOtlpJson(const LogsData& data, OutputBuffer* out);

}  // namespace tflo::core::internal

#endif  // TFLO_CORE_OTLP_JSON_INTERNAL_H_
