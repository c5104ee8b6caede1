// zydis_api.cpp — see zydis_api.hpp.
#include "zydis_api.hpp"

#include <dlfcn.h>

namespace interprobe::patch::x86_64 {

namespace {

// The SONAME of Debian 12's libzydis4.0 (the version the headers we compile against describe).
constexpr const char* kLibrary = "libZydis.so.4.0";

template <typename F>
bool look_up(void* handle, const char* name, F& slot) {
  slot = reinterpret_cast<F>(dlsym(handle, name));
  return slot != nullptr;
}

}  // namespace

const ZydisApi* zydis() {
  static ZydisApi api;
  static int state = 0;  // 0 not tried, 1 loaded, -1 failed
  if (state != 0) return state > 0 ? &api : nullptr;
  state = -1;
  void* h = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return nullptr;
  if (look_up(h, "ZydisDecoderInit", api.decoder_init) &&
      look_up(h, "ZydisDecoderEnableMode", api.decoder_enable_mode) &&
      look_up(h, "ZydisDecoderDecodeInstruction", api.decode_instruction) &&
      look_up(h, "ZydisDecoderDecodeFull", api.decode_full) &&
      look_up(h, "ZydisEncoderDecodedInstructionToEncoderRequest", api.to_encoder_request) &&
      look_up(h, "ZydisEncoderEncodeInstructionAbsolute", api.encode_absolute))
    state = 1;
  return state > 0 ? &api : nullptr;
}

}  // namespace interprobe::patch::x86_64
