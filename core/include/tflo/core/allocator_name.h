// The heap allocator an executable runs on, for `tflo --version` and the
// benchmark output (the simulator's speed depends on it: see the TFLO_MIMALLOC
// option in the top-level CMakeLists.txt).
//
// Include only from an executable's own sources: TFLO_WITH_MIMALLOC is defined
// for the targets that link tflo_allocator, not for the libraries. Calling
// mi_version() also keeps the linker from dropping libmimalloc as unused, which
// would silently put the program back on glibc's malloc.
#ifndef TFLO_CORE_ALLOCATOR_NAME_H_
#define TFLO_CORE_ALLOCATOR_NAME_H_

#include <string>

#ifdef TFLO_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace tflo::core {

// "mimalloc 2.0.9", or "glibc malloc" when built with -DTFLO_MIMALLOC=OFF.
static inline std::string AllocatorName() {
#ifdef TFLO_WITH_MIMALLOC
  const int v = mi_version();  // e.g. 209
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
#else
  return "glibc malloc";
#endif
}

}  // namespace tflo::core

#endif  // TFLO_CORE_ALLOCATOR_NAME_H_
