// fixture.hpp — the names the reliability tests share: the probe fixture (ProbeHost, from
// tests/support/probe_host.hpp) and the tools' namespace, in namespace reliability.
#pragma once

#include <filesystem>

#include "probe_host.hpp"

namespace reliability {

using namespace interprobe;
using test_support::ProbeHost;
namespace fs = std::filesystem;

}  // namespace reliability
