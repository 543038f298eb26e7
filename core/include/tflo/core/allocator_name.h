// The heap allocator an executable runs on, for `tflo --version` and the
// benchmark output (the simulator's speed depends on it: see the
// TFLO_ALLOCATOR option in the top-level CMakeLists.txt).
//
// Include only from an executable's own sources: TFLO_WITH_JEMALLOC /
// TFLO_WITH_MIMALLOC are defined for the targets that link tflo_allocator,
// not for the libraries. Asking the library for its version also keeps the
// linker from dropping it as unused, which would silently put the program
// back on glibc's malloc.
#ifndef TFLO_CORE_ALLOCATOR_NAME_H_
#define TFLO_CORE_ALLOCATOR_NAME_H_

#include <string>

#if defined(TFLO_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(TFLO_WITH_MIMALLOC)
#include <mimalloc.h>
#endif

namespace tflo::core {

// "jemalloc 5.3.0-0-g54eaed1d", "mimalloc 2.0.9", or "glibc malloc" when
// built with -DTFLO_ALLOCATOR=system.
static inline std::string AllocatorName() {
#if defined(TFLO_WITH_JEMALLOC)
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 ||
      version == nullptr) {
    return "jemalloc";
  }
  return std::string("jemalloc ") + version;
#elif defined(TFLO_WITH_MIMALLOC)
  const int v = mi_version();  // e.g. 209
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
#else
  return "glibc malloc";
#endif
}

}  // namespace tflo::core

#endif  // TFLO_CORE_ALLOCATOR_NAME_H_
