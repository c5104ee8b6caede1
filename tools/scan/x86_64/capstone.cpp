// x86_64/capstone.cpp — the x86-64 decoder through capstone 4, kept next to the Zydis one
// (`interprobe scan --decoder capstone`) as its cross-check: tests/scan/scan_decoder_test.cpp
// requires both to find the same references. Slower: capstone 4 formats every instruction's text
// (mnemonic and operands through vsnprintf) even without CS_OPT_DETAIL, and has no option to skip
// it (docs/PERFORMANCE-scan.md has the profile).
//
// Why two handles: with CS_OPT_DETAIL on for every instruction capstone is several times slower
// (it fills operand arrays for all of them). Branches are recognised from their bytes
// (x86_64::branch_ref); any other instruction with a RIP-relative operand (its text names "rip")
// is decoded a second time with details to read the displacement.
#include <capstone/capstone.h>

#include <cstring>
#include <stdexcept>

#include "backend.hpp"
#include "capstone_once.hpp"

namespace interprobe::scan::x86_64 {

namespace {

class Capstone final : public Base {
 public:
  Capstone() {
    warm_up_capstone();
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &fast_) != CS_ERR_OK ||
        cs_open(CS_ARCH_X86, CS_MODE_64, &detail_) != CS_ERR_OK)
      throw std::runtime_error("capstone: cannot open an x86-64 handle");
    cs_option(detail_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(fast_);
    dinsn_ = cs_malloc(detail_);
  }
  ~Capstone() override {
    cs_free(insn_, 1);
    cs_free(dinsn_, 1);
    cs_close(&fast_);
    cs_close(&detail_);
  }

  std::size_t sweep(std::span<const std::uint8_t> code, std::uint64_t address, std::size_t begin,
                    std::size_t stop, RefSink& sink) override {
    const std::uint8_t* p = code.data() + begin;
    std::size_t left = code.size() - begin;
    std::uint64_t a = address + begin;
    while (code.size() - left < stop) {
      if (!cs_disasm_iter(fast_, &p, &left, &a, insn_)) {
        ++p, --left, ++a;  // not an instruction: resynchronise on the next byte
        continue;
      }
      if (!branch_ref(insn_->bytes, insn_->size, insn_->address, sink)) rip_operand(*insn_, sink);
    }
    return code.size() - left;
  }

 private:
  void rip_operand(const cs_insn& in, RefSink& sink) {
    if (std::strstr(in.op_str, "rip") == nullptr) return;
    // Rare enough (about one instruction in ten) to afford capstone's details.
    const std::uint8_t* p = in.bytes;
    std::size_t len = in.size;
    std::uint64_t a = in.address;
    if (!cs_disasm_iter(detail_, &p, &len, &a, dinsn_) || dinsn_->detail == nullptr) return;
    const cs_x86& x = dinsn_->detail->x86;
    const std::uint64_t end = in.address + in.size;
    for (std::uint8_t k = 0; k < x.op_count; ++k)
      if (x.operands[k].type == X86_OP_MEM && x.operands[k].mem.base == X86_REG_RIP) {
        sink.on_ref({in.address, end + static_cast<std::uint64_t>(x.operands[k].mem.disp),
                     RefKind::address});
        return;
      }
  }

  csh fast_ = 0, detail_ = 0;
  cs_insn* insn_ = nullptr;
  cs_insn* dinsn_ = nullptr;
};

}  // namespace

std::unique_ptr<Architecture> make_capstone() { return std::make_unique<Capstone>(); }

}  // namespace interprobe::scan::x86_64
