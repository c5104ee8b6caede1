// entry_counter.cpp — see entry_counter.hpp: the thread-local token and sites.
#include "entry_counter.hpp"

namespace probe {

constinit PROBE_TLS EntryToken t_entry_token{0, 0, 0, nullptr};
constinit PROBE_TLS CountSite t_entry_sites[kCountSites] = {};
std::uintptr_t g_own_code_lo = 0, g_own_code_hi = 0;

}  // namespace probe
