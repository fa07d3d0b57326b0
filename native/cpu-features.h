// Which kernel table this CPU can run: read once from the CPU's own report (cpuid and xgetbv on
// x86-64; arm64 always has NEON), optionally capped by a forced ISA (RNN_ENGINE_ISA).
#pragma once

#include <string>
#include <vector>

#include "kernel-table.h"

namespace rnn {

/** Every table this CPU can run, best first (the last is always the portable baseline). */
const std::vector<const KernelTable*>& supportedTables();

/** The table of a supported ISA by name ("avx512", "avx2", "neon", "baseline"), or nullptr. */
const KernelTable* tableByName(const std::string& name);

/** Names of every ISA this build knows, whether or not this CPU runs them. */
std::vector<std::string> knownIsas();

}  // namespace rnn
