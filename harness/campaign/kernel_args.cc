// The allow-list of guest kernel arguments (see kernel_args.h). Every entry
// says what its value may be; the rig's own arguments get a message that
// says so, everything else "not in the allow-list".
#include "harness/campaign/kernel_args.h"

#include <charconv>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace flashfault::campaign {
namespace {

enum class ValueKind { kSize, kUint, kBool, kFlag, kModuleParam, kSlubDebug };

struct Rule {
  AllowedKernelArg doc;
  ValueKind kind;
};

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool AllOf(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

constexpr std::string_view kWord =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> k = {
      {{"log_buf_len", "a size up to 64M (like 8M or 16777216)",
        "a larger kernel ring buffer (the rig boots with 16M)"},
       ValueKind::kSize},
      {{"ubi.", "the UBI module parameter's value (no spaces)",
        "UBI's parameters when the guest loads it: ubi.fm_autoconvert=1, ubi.fm_debug=1, "
        "ubi.mtd=..., ubi.dyndbg=+p"},
       ValueKind::kModuleParam},
      {{"ubifs.", "the value (no spaces)", "UBIFS module parameters, e.g. ubifs.dyndbg=+p"},
       ValueKind::kModuleParam},
      {{"jffs2.", "the value (no spaces)", "JFFS2 module parameters"}, ValueKind::kModuleParam},
      {{"mtd.", "the value (no spaces)", "MTD core module parameters"}, ValueKind::kModuleParam},
      {{"nandsim.", "the value (no spaces)", "nandsim's parameters (reference runs)"},
       ValueKind::kModuleParam},
      {{"slub_debug", "none, or slub_debug's flags and caches (letters, ',', '-', '.', '_')",
        "poison and red-zone slab objects so a use-after-free shows"},
       ValueKind::kSlubDebug},
      {{"slab_nomerge", "no value", "keep slab caches apart (with slub_debug)"}, ValueKind::kFlag},
      {{"page_poison", "0 or 1 (on/off)", "poison freed pages"}, ValueKind::kBool},
      {{"init_on_alloc", "0 or 1", "zero memory on allocation"}, ValueKind::kBool},
      {{"init_on_free", "0 or 1", "zero memory when freed"}, ValueKind::kBool},
      {{"rcupdate.rcu_cpu_stall_timeout", "seconds", "when an RCU stall is reported"},
       ValueKind::kUint},
      {{"watchdog_thresh", "seconds", "when a soft lockup is reported (twice this)"},
       ValueKind::kUint},
      {{"softlockup_all_cpu_backtrace", "0 or 1", "every CPU's stack in a soft lockup report"},
       ValueKind::kBool},
  };
  return k;
}

// Arguments the rig sets itself or that would break it, with the reason.
const std::vector<std::pair<std::string_view, std::string_view>>& Refused() {
  static const std::vector<std::pair<std::string_view, std::string_view>> k = {
      {"console", "the rig's console carries its protocol"},
      {"earlycon", "the rig's console carries its protocol"},
      {"earlyprintk", "the rig's console carries its protocol"},
      {"loglevel", "the rig sets what reaches its console"},
      {"quiet", "the rig sets what reaches its console"},
      {"ignore_loglevel", "the rig sets what reaches its console"},
      {"printk.devkmsg", "the kernel log stream needs it on"},
      {"init", "the rig's /init runs the scenario"},
      {"rdinit", "the rig's /init runs the scenario"},
      {"root", "the guest runs from the rig's initramfs"},
      {"panic", "the rig relies on panic=-1"},
      {"panic_on_warn", "it would stop the guest at the first warning"},
      {"oops", "it would stop the guest at the first oops"},
      {"softlockup_panic", "it would stop the guest at the first lockup"},
      {"hung_task_panic", "it would stop the guest at the first hung task"},
      {"8250.nr_uarts", "the rig's console is a serial port"},
      {"mem", "the rig sizes the guest"},
      {"maxcpus", "the rig sizes the guest"},
      {"nr_cpus", "the rig sizes the guest"},
  };
  return k;
}

bool ValueOk(ValueKind kind, bool has_value, std::string_view v) {
  uint64_t n = 0;
  switch (kind) {
    case ValueKind::kFlag:
      return !has_value;
    case ValueKind::kUint:
      return has_value && ParseU64(v, &n) && n <= 3600;
    case ValueKind::kBool:
      return has_value && (v == "0" || v == "1" || v == "on" || v == "off");
    case ValueKind::kSize: {
      if (!has_value || v.empty()) return false;
      uint64_t mul = 1;
      switch (v.back()) {
        case 'k': case 'K': mul = 1ull << 10; break;
        case 'm': case 'M': mul = 1ull << 20; break;
        case 'g': case 'G': mul = 1ull << 30; break;
        default: break;
      }
      if (mul != 1) v.remove_suffix(1);
      return ParseU64(v, &n) && n > 0 && n <= (64ull << 20) / mul;
    }
    case ValueKind::kModuleParam:
      return has_value && !v.empty() &&
             AllOf(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:+-/=");
    case ValueKind::kSlubDebug:
      return !has_value ||
             AllOf(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-");
  }
  return false;
}

// Debian's Abseil has its own string_view.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string AllowedNames() {
  std::vector<std::string> names;
  for (const Rule& r : Rules()) names.push_back(r.doc.name.back() == '.' ? r.doc.name + "*" : r.doc.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

const std::vector<AllowedKernelArg>& AllowedKernelArgs() {
  static const std::vector<AllowedKernelArg> k = [] {
    std::vector<AllowedKernelArg> out;
    for (const Rule& r : Rules()) out.push_back(r.doc);
    return out;
  }();
  return k;
}

absl::Status ValidateKernelArg(std::string_view arg) {
  if (arg.empty()) return absl::InvalidArgumentError("an empty kernel argument");
  if (arg.size() > 200) return absl::InvalidArgumentError("a kernel argument longer than 200 characters");
  const size_t eq = arg.find('=');
  const std::string_view name = arg.substr(0, eq);
  const bool has_value = eq != std::string_view::npos;
  const std::string_view value = has_value ? arg.substr(eq + 1) : std::string_view();
  if (name.empty() || !AllOf(name, std::string(kWord) + ".-")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", AV(arg), "\" is not a kernel argument (NAME or NAME=VALUE; no spaces or quotes)"));
  }
  for (const auto& [refused, why] : Refused()) {
    if (name == refused) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AV(arg), "\" is not allowed: ", AV(why), " (allowed: ", AllowedNames(), ")"));
    }
  }
  for (const Rule& r : Rules()) {
    const bool prefix = r.doc.name.back() == '.';
    const bool match = prefix ? name.size() > r.doc.name.size() && name.substr(0, r.doc.name.size()) == r.doc.name
                              : name == r.doc.name;
    if (!match) continue;
    if (!ValueOk(r.kind, has_value, value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AV(arg), "\": ", AV(name), " takes ", r.doc.values));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", AV(arg), "\" is not in the allow-list of kernel arguments (",
                                                 AllowedNames(), "; corpora/scenarios/README.md)"));
}

}  // namespace flashfault::campaign
