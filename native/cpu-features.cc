// The dispatch: one list of usable kernel tables, filled once from cpuid/xgetbv. Nothing else in
// the engine asks the CPU anything; it calls through the table a network was given.
#include "cpu-features.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace rnn {

#if defined(__x86_64__) || defined(_M_X64)
namespace {

struct X86Features {
  bool avx2Fma = false;
  bool avx512 = false;
};

unsigned long long readXcr0() {
  unsigned int eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

X86Features detectX86() {
  X86Features f;
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool fma = (ecx >> 12) & 1;
  const bool f16c = (ecx >> 29) & 1;
  const bool osxsave = (ecx >> 27) & 1;
  const bool avx = (ecx >> 28) & 1;
  if (!osxsave || !avx) return f;
  const unsigned long long xcr0 = readXcr0();
  const bool ymmSaved = (xcr0 & 0x6) == 0x6;           // SSE and AVX state
  const bool zmmSaved = (xcr0 & 0xe6) == 0xe6;         // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  const bool avx2 = (ebx >> 5) & 1;
  const bool avx512f = (ebx >> 16) & 1;
  f.avx2Fma = ymmSaved && avx2 && fma && f16c;
  f.avx512 = f.avx2Fma && zmmSaved && avx512f;
  return f;
}

}  // namespace
#endif

const std::vector<const KernelTable*>& supportedTables() {
  static const std::vector<const KernelTable*> tables = [] {
    std::vector<const KernelTable*> list;
#if defined(__x86_64__) || defined(_M_X64)
    const X86Features f = detectX86();
    if (f.avx512) list.push_back(&avx512::table);
    if (f.avx2Fma) list.push_back(&avx2::table);
#endif
#if defined(__aarch64__)
    list.push_back(&neon::table);
#endif
    list.push_back(&baseline::table);
    return list;
  }();
  return tables;
}

const KernelTable* tableByName(const std::string& name) {
  for (const KernelTable* table : supportedTables()) {
    if (name == table->isa) return table;
  }
  return nullptr;
}

std::vector<std::string> knownIsas() {
#if defined(__x86_64__) || defined(_M_X64)
  return {"avx512", "avx2", "baseline"};
#elif defined(__aarch64__)
  return {"neon", "baseline"};
#else
  return {"baseline"};
#endif
}

}  // namespace rnn
