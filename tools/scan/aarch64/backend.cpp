// aarch64/backend.cpp — the decoder-independent half of aarch64 (aarch64/backend.hpp):
// the references of a linear sweep, with each `adrp` paired to the instructions that complete its
// address; PLT stubs; relocation types.
//
// An address outside ±1 MiB takes two instructions: `adrp xN, page` and then `add xD, xN, #lo12`
// (an address use), `ldr/str [xN, #lo12]` (a data access, or a GOT load when the word is a GOT
// slot) — the pair the linker's R_AARCH64_ADR_PREL_PG_HI21 / *_LO12_NC relocations describe
// (ELF for the Arm 64-bit Architecture, "Static AArch64 relocations"). Compilers schedule other
// instructions between the two and reuse one `adrp` for several accesses, so the sweep keeps, per
// register, the page of the last `adrp` and forgets it when anything else writes the register, when
// a call clobbers it (AAPCS64: x0–x18 and x30), or after kWindow instructions. The reference is
// reported at the completing instruction, once per access, as x86-64 reports `lea`/`mov sym(%rip)`.
//
// Why the window: the result must not depend on where sweep.hpp cuts a section for threads. A
// pairing reaches at most kWindow instructions back, and a forward branch carries its state at
// most kWindow instructions ahead (Tracker::arrive), so what decides the pairings from `begin` on
// lies in the 2 * kWindow instructions before it, and theirs in the window before those: a sweep
// that starts at `begin` first decodes kPrime instructions before it without reporting (the whole
// section is in the span) and then reports what the single sweep reports. A64 instructions are 4
// bytes, aligned, so every 4-aligned start is where the single sweep decodes too.
//
// A value loaded or computed this way and then branched to (`ldr x0, [x0, #slot]; ...; blr x0`,
// GCC -fno-plt; `add x16, x16, #lo; br x16`, a linker's range-extension veneer) is reported as
// the call or jump it is: Tracker::follow looks along the paths from the completing instruction,
// kFollow instructions in all, for a `blr`/`br` of that register before it is written or a call
// clobbers it.
#include "backend.hpp"

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace interprobe::scan::aarch64 {

namespace {

using Form = Insn::Form;

// How far back an adrp can pair (instructions). Measured against the pairings the linker records
// itself (Aarch64Pairing in tests/scan/scan_aarch64_test.cpp, docs/SCAN.md): GCC keeps pages in
// callee-saved registers across hundreds of instructions; with 64 the test found 98.6% of
// libstdc++'s, with 512 99.4%.
constexpr std::size_t kWindow = 512;
constexpr std::size_t kPrime = 8 * kWindow;  // instructions decoded before a chunk: Base::sweep
constexpr std::size_t kFollow = 64;          // instructions Tracker::follow looks at
constexpr std::uint32_t kCallClobbered = 0x4007FFFF;  // x0..x18, x30 (AAPCS64 6.1.1)
constexpr std::uint32_t kCalleeSaved = 0x1FF80000;    // x19..x28
constexpr std::uint32_t kBtiC = 0xD503245F;
// AUTIA1716 / AUTIB1716: authenticate x17 in place (lld -z pac-plt stubs put one before `br x17`);
// the value is still the one loaded, so a `br`/`blr` after it still goes through the slot.
constexpr std::uint32_t kAutia1716 = 0xD503219F, kAutib1716 = 0xD50321DF;

std::uint32_t word_at(std::span<const std::uint8_t> code, std::size_t off) {
  std::uint32_t w;
  std::memcpy(&w, code.data() + off, 4);  // A64 code is little-endian on every Linux target
  return w;
}

bool leaves(Form f) { return f == Form::jump || f == Form::branch_reg || f == Form::ret; }

// Which registers hold the page of which adrp, at one point of the sweep.
struct Pages {
  std::uint32_t live = 0;  // bit n: page[n] holds the page of the adrp at offset at[n]
  std::uint64_t page[31] = {};
  std::size_t at[31] = {};

  void kill(std::uint32_t regs) { live &= ~regs; }
  void set(std::uint8_t r, std::uint64_t p, std::size_t off) {
    page[r] = p;
    at[r] = off;
    live |= std::uint32_t{1} << r;
  }
  // What holds on both paths: the same page, dated by the older adrp (so that it leaves the
  // window no later than on either path: the window argument of Base::sweep needs that).
  void meet(const Pages& o) {
    for (std::uint32_t both = live & o.live, r; both != 0; both &= both - 1) {
      r = static_cast<std::uint32_t>(__builtin_ctz(both));
      if (page[r] != o.page[r])
        live &= ~(std::uint32_t{1} << r);
      else if (o.at[r] < at[r])
        at[r] = o.at[r];
    }
    live &= o.live;
  }
};

class Tracker {
 public:
  Tracker(Base& arch, std::span<const std::uint8_t> code, std::uint64_t address)
      : arch_(arch), code_(code), address_(address) {}

  // Decodes the instruction at `off`, reports its reference (if `sink`), updates the pages.
  void step(std::size_t off, RefSink* sink) {
    arrive(off);
    const std::uint64_t a = address_ + off;
    Insn in;
    arch_.decode(word_at(code_, off), a, in);
    if (sink != nullptr) report(in, off, a, *sink);
    std::uint32_t written = in.writes;
    if (in.form == Form::call || in.form == Form::call_reg) written |= kCallClobbered;
    // An epilogue reloads callee-saved registers from the stack before it returns; the code after
    // the return is another path, on which they still hold what they held before the reloads.
    if (in.stack_load) {
      for (std::uint32_t k = written & now_.live & kCalleeSaved, r; k != 0; k &= k - 1) {
        r = static_cast<std::uint32_t>(__builtin_ctz(k));
        restored_.set(static_cast<std::uint8_t>(r), now_.page[r], now_.at[r]);
      }
    } else {
      restored_.kill(written);
    }
    if (in.form == Form::call || in.form == Form::call_reg || in.form == Form::branch)
      restored_.live = 0;  // not an epilogue
    now_.kill(written);
    if (in.form == Form::adrp && in.rd < 31) now_.set(in.rd, in.target, off);
    if ((in.form == Form::branch || in.form == Form::jump) && in.target > a &&
        in.target - a <= 4 * kWindow) {
      pending_.push_back({off + static_cast<std::size_t>(in.target - a), now_});
      soonest_ = std::min(soonest_, pending_.back().target);
    }
    if (leaves(in.form)) {
      reachable_ = false;
      after_restores_ = now_;
      for (std::uint32_t k = restored_.live, r; k != 0; k &= k - 1) {
        r = static_cast<std::uint32_t>(__builtin_ctz(k));
        after_restores_.set(static_cast<std::uint8_t>(r), restored_.page[r], restored_.at[r]);
      }
      restored_.live = 0;
    }
  }

 private:
  // The state at `off` is the meet of the paths into it that the sweep has seen: the fall-through
  // (unless an unconditional branch or return comes before) and the forward branches to it from
  // the last kWindow instructions. Backward branches (loops) are not seen yet and are assumed to
  // keep what they enter with. With no path seen after a return or unconditional branch (a block
  // entered from further back, an exception landing pad, the next function), only the callee-
  // saved registers carry on, with what they held before the epilogue's reloads: a function
  // never reads them before writing them, so they cannot pair a new function's instruction, while
  // x0-x7 are its arguments.
  void arrive(std::size_t off) {
    bool any = false;
    Pages in;
    if (off >= soonest_) {  // some branch goes here (or went past: dropped)
      soonest_ = SIZE_MAX;
      for (std::size_t k = 0; k < pending_.size();) {
        Pending& p = pending_[k];
        if (p.target == off) {
          if (!any)
            in = p.pages;
          else
            in.meet(p.pages);
          any = true;
        }
        if (p.target <= off) {
          p = pending_.back();
          pending_.pop_back();
        } else {
          soonest_ = std::min(soonest_, p.target);
          ++k;
        }
      }
    }
    if (any) {
      if (reachable_)
        now_.meet(in);
      else
        now_ = in;
    } else if (!reachable_) {
      now_ = after_restores_;
      now_.kill(~kCalleeSaved);
    }
    reachable_ = true;
  }

  bool paired(std::uint8_t rn, std::size_t off) const {
    return rn < 31 && ((now_.live >> rn) & 1) != 0 && off - now_.at[rn] <= 4 * kWindow;
  }

  void report(const Insn& in, std::size_t off, std::uint64_t a, RefSink& sink) {
    switch (in.form) {
      case Form::branch:
      case Form::jump:
        sink.on_ref({a, in.target, RefKind::jump});
        break;
      case Form::call:
        sink.on_ref({a, in.target, RefKind::call});
        break;
      case Form::adr:
        sink.on_ref({a, in.target, RefKind::address});
        break;
      case Form::load_literal:
        sink.on_ref({a, in.target,
                     in.load_x ? follow(off, in.rd, RefKind::call_via_slot, RefKind::jump_via_slot)
                               : RefKind::address});
        break;
      case Form::add_imm:
        if (paired(in.rn, off))
          sink.on_ref(
              {a, now_.page[in.rn] + in.offset, follow(off, in.rd, RefKind::call, RefKind::jump)});
        break;
      case Form::mem_imm:
        if (paired(in.rn, off))
          sink.on_ref({a, now_.page[in.rn] + in.offset,
                       in.load_x
                           ? follow(off, in.rd, RefKind::call_via_slot, RefKind::jump_via_slot)
                           : RefKind::address});
        break;
      default:
        break;
    }
  }

  // What becomes of the value the instruction at `off` put in `reg`: branched to by a `blr`
  // (`as_call`) or `br` (`as_jump`) before anything else writes it, or used some other way. The
  // paths from `off` are walked through both ways of every branch, up to kFollow instructions in
  // all: GCC hoists -fno-plt GOT loads out of loops into callee-saved registers (`ldr x27, [x27,
  // #slot]; b .Lcond` ... `blr x27` in the loop body).
  RefKind follow(std::size_t off, std::uint8_t reg, RefKind as_call, RefKind as_jump) {
    if (reg >= 31) return RefKind::address;
    const std::uint32_t bit = std::uint32_t{1} << reg;
    std::size_t todo[8], ntodo = 0, seen[kFollow], nseen = 0;
    todo[ntodo++] = off + 4;
    while (ntodo > 0) {
      for (std::size_t o = todo[--ntodo]; o + 4 <= code_.size() && nseen < kFollow; o += 4) {
        if (std::find(seen, seen + nseen, o) != seen + nseen) break;
        seen[nseen++] = o;
        const std::uint32_t w = word_at(code_, o);
        if (reg == 17 && (w == kAutia1716 || w == kAutib1716)) continue;
        Insn next;
        arch_.decode(w, address_ + o, next);
        if (next.rn == reg && next.form == Form::call_reg) return as_call;
        if (next.rn == reg && next.form == Form::branch_reg) return as_jump;
        std::uint32_t written = next.writes;
        if (next.form == Form::call || next.form == Form::call_reg) written |= kCallClobbered;
        if ((written & bit) != 0 || next.form == Form::branch_reg || next.form == Form::ret) break;
        const bool inside = next.target >= address_ && next.target - address_ < code_.size();
        if (next.form == Form::branch && inside && ntodo < std::size(todo))
          todo[ntodo++] = static_cast<std::size_t>(next.target - address_);
        if (next.form == Form::jump) {
          if (!inside) break;
          o = static_cast<std::size_t>(next.target - address_) - 4;  // continue at the target
        }
      }
    }
    return RefKind::address;
  }

  struct Pending {
    std::size_t target;  // offset a forward branch goes to
    Pages pages;         // the state it takes there
  };

  Base& arch_;
  std::span<const std::uint8_t> code_;
  std::uint64_t address_;
  Pages now_;
  Pages restored_;         // callee-saved registers an epilogue reloaded, with what they held
  Pages after_restores_;   // now_ at the last unconditional branch or return, before the reloads
  bool reachable_ = true;  // the previous instruction can fall through to this one
  std::vector<Pending> pending_;
  std::size_t soonest_ = SIZE_MAX;  // the nearest target in pending_
};

}  // namespace

std::size_t Base::sweep(std::span<const std::uint8_t> code, std::uint64_t address,
                        std::size_t begin, std::size_t stop, RefSink& sink) {
  Tracker t(*this, code, address);
  // The state the single sweep has at `begin`: the kPrime instructions before it, unreported.
  std::size_t off = begin >= 4 * kPrime ? begin - 4 * kPrime : begin % 4;
  for (; off < begin && off + 4 <= code.size(); off += 4) t.step(off, nullptr);
  for (off = begin; off < stop; off += 4) {
    if (off + 4 > code.size()) return code.size();  // a trailing partial word: not an instruction
    t.step(off, &sink);
  }
  return off;
}

void Base::find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                          void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) {
  // GNU ld and lld write the same stub: `adrp x16, slot; ldr x17, [x16, #lo12(slot)]; add x16,
  // x16, #lo12(slot); br x17` (lld -z pac-plt: `autia1716` before the `br`), entered at the
  // adrp, or at a `bti c` right before it (lld and GNU ld give BTI stubs one when their address
  // can be taken). The add is for the lazy resolver; the slot is the ldr's.
  const std::size_t n = code.size() / 4;
  auto at = [&](std::size_t i) {
    Insn in;
    decode(word_at(code, 4 * i), address + 4 * i, in);
    return in;
  };
  for (std::size_t i = 0; i + 3 < n; ++i) {
    const Insn adrp = at(i);
    if (adrp.form != Form::adrp || adrp.rd != 16) continue;
    const Insn ldr = at(i + 1), add = at(i + 2);
    if (ldr.form != Form::mem_imm || !ldr.load_x || ldr.rn != 16 || ldr.rd != 17) continue;
    if (add.form != Form::add_imm || add.rn != 16 || add.rd != 16) continue;
    std::size_t j = i + 3;
    const std::uint32_t w = word_at(code, 4 * j);
    if ((w == kAutia1716 || w == kAutib1716) && j + 1 < n) ++j;
    const Insn br = at(j);
    if (br.form != Form::branch_reg || br.rn != 17) continue;
    const std::uint64_t slot = adrp.target + ldr.offset;
    on_stub(ctx, address + 4 * i, slot);
    if (i > 0 && word_at(code, 4 * (i - 1)) == kBtiC) on_stub(ctx, address + 4 * (i - 1), slot);
    i = j;
  }
}

RelocClass Base::classify_reloc(std::uint32_t type) const {
  switch (type) {
    case R_AARCH64_JUMP_SLOT:
      return RelocClass::jump_slot;
    case R_AARCH64_GLOB_DAT:
      return RelocClass::glob_dat;
    case R_AARCH64_ABS64:
      return RelocClass::absolute;
    case R_AARCH64_RELATIVE:
      return RelocClass::relative;
    case R_AARCH64_IRELATIVE:
      return RelocClass::irelative;
    default:
      return RelocClass::other;
  }
}

std::unique_ptr<Architecture> make(Decoder decoder) {
  return decoder == Decoder::capstone ? make_capstone() : make_a64();
}

const Machine kMachine = {EM_AARCH64,
                          "aarch64",
                          "built-in",
                          &make,
                          R_AARCH64_RELATIVE,
                          GNU_PROPERTY_AARCH64_FEATURE_1_AND,
                          GNU_PROPERTY_AARCH64_FEATURE_1_BTI,
                          LandingPads::property_bit};

}  // namespace interprobe::scan::aarch64
