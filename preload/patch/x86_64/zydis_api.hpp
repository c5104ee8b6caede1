// zydis_api.hpp — the few Zydis 4 functions the x86-64 patch backend calls, loaded on demand.
//
// Zydis (Debian libzydis4.0) decodes and re-encodes the instructions a patch moves. The probe and
// the shims do not link it: a host that never asks for the bypass counter must not get another
// library in its link map, and one that does gets it with dlopen(RTLD_LOCAL), so its symbols never
// enter the global scope where the host's own definitions live. Types and prototypes come from the
// Zydis headers; only the addresses are looked up.
#pragma once

#include <Zydis/Zydis.h>

namespace interprobe::patch::x86_64 {

struct ZydisApi {
  decltype(&ZydisDecoderInit) decoder_init;
  decltype(&ZydisDecoderEnableMode) decoder_enable_mode;
  decltype(&ZydisDecoderDecodeInstruction) decode_instruction;
  decltype(&ZydisDecoderDecodeFull) decode_full;
  decltype(&ZydisEncoderDecodedInstructionToEncoderRequest) to_encoder_request;
  decltype(&ZydisEncoderEncodeInstructionAbsolute) encode_absolute;
};

// Loads libZydis once (thread-unsafe: called from the patcher only, which never runs
// concurrently with itself). nullptr if it cannot be loaded or lacks a function.
const ZydisApi* zydis();

}  // namespace interprobe::patch::x86_64
