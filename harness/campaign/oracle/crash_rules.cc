// The crash-consistency rules (see crash_rules.h; the same rules in words:
// corpora/workloads/ORACLE.md). ExpectAt turns a cut into floors; Check
// compares one observed tree with every model state the floors allow.
#include "harness/campaign/oracle/crash_rules.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/campaign/oracle/version_compare.h"

namespace flashfault::oracle {
namespace {

std::string Dirname(const std::string& p) {
  const size_t s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
}

void Raise(Floor& f, uint64_t state, FloorCause cause, uint64_t op) {
  if (state > f.state) f = {state, cause, op};
}

std::string OpText(const FsModel& m, uint64_t op) {
  return absl::StrCat("op ", op, " (", DescribeOp(m.log().records[op].op), ")");
}

// The rule family a floor's cause gives its violations.
absl::string_view Family(FloorCause c) {
  switch (c) {
    case FloorCause::kSync: return "sync";
    case FloorCause::kFsync:
    case FloorCause::kDirFsync: return "fsync";
    case FloorCause::kAssumed: return "assumed";
    case FloorCause::kNone: return "flux";
  }
  return "flux";
}

std::string FloorText(const FsModel& m, const Floor& f) {
  switch (f.cause) {
    case FloorCause::kSync: return absl::StrCat("durable since ", OpText(m, f.op));
    case FloorCause::kFsync: return absl::StrCat("made durable by ", OpText(m, f.op));
    case FloorCause::kDirFsync: return absl::StrCat("made durable by ", OpText(m, f.op), " on its directory");
    case FloorCause::kAssumed:
      return absl::StrCat("assumed durable after ", OpText(m, f.op), " (oracle_assume_durable)");
    case FloorCause::kNone: return "never made durable";
  }
  return "";
}

// Which op kinds create a directory entry in the same journal write (UBIFS
// ubifs_jnl_update) as the inode they name: fsync of that inode then makes
// the entry durable too (ORACLE.md, "fsync and the directory entry").
bool CreatesEntryWithInode(OpKind k) {
  return k == OpKind::kCreate || k == OpKind::kOpen || k == OpKind::kLink ||
         k == OpKind::kLinkat || k == OpKind::kMkdir || k == OpKind::kSymlink;
}

class FloorBuilder {
 public:
  FloorBuilder(const FsModel& m, Expectations& e) : m_(m), e_(e) {}

  // Raises the floor of `path` (bound at `state`) to just after the op that
  // bound it, and the same for each ancestor, as long as each was bound by an
  // op that writes the entry with its inode (or any op when `any_kind`).
  void RaiseCreated(const std::string& path, uint64_t state, FloorCause cause, uint64_t op,
                    bool any_kind) {
    const uint64_t by = m_.BoundBy(path, state);
    if (by == FsModel::kNoOp) return;
    if (!any_kind && !CreatesEntryWithInode(m_.log().records[by].op.kind)) return;
    Raise(e_.names[path], by + 1, cause, op);
    const std::string parent = Dirname(path);
    if (!parent.empty()) RaiseCreated(parent, state, cause, op, any_kind);
  }

  // fsync of directory `dir` at op `i`: every entry it had then is durable,
  // and so is every removal from it before then.
  void DirFsync(ObjectId dir, uint64_t i) {
    std::string dirpath;
    uint64_t dir_since = 0;
    if (dir != 0) {
      const std::vector<std::string> names = m_.NamesAt(dir, i);
      if (names.empty()) return;  // a removed directory: nothing reachable to promise
      dirpath = names.front();
      dir_since = m_.BoundBy(dirpath, i) + 1;
    }
    const uint64_t g = e_.global.state;
    for (const auto& [p, hist] : m_.paths()) {
      if (Dirname(p) != dirpath) continue;
      // A name that belonged to an earlier directory at the same path during
      // the interval is not this directory's to promise.
      bool earlier = dir_since > g && m_.BindingAt(p, g) != kNoObject;
      for (const Binding& b : hist) {
        if (b.from_state > g && b.from_state < dir_since && b.object != kNoObject) earlier = true;
      }
      if (!earlier) Raise(e_.names[p], i + 1, FloorCause::kDirFsync, i);
    }
  }

 private:
  const FsModel& m_;
  Expectations& e_;
};

}  // namespace

absl::StatusOr<FsProfile> ParseFsProfile(absl::string_view name) {
  if (name == "ubifs") return FsProfile::kUbifs;
  if (name == "jffs2") return FsProfile::kJffs2;
  return absl::InvalidArgumentError(absl::StrCat("unknown filesystem profile \"", name, "\" (ubifs or jffs2)"));
}

absl::string_view FsProfileName(FsProfile p) { return p == FsProfile::kUbifs ? "ubifs" : "jffs2"; }

OpStatus Expectations::StatusOf(size_t op) const {
  if (op < returned_end) return OpStatus::kReturned;
  if (op < possible_end) return OpStatus::kInFlight;
  return OpStatus::kNotStarted;
}

Floor Expectations::NameFloor(const std::string& path) const {
  Floor f = global;
  if (auto it = names.find(path); it != names.end() && it->second.state > f.state) f = it->second;
  return f;
}

absl::StatusOr<OracleModel> OracleModel::Build(OpLog log, FsProfile profile) {
  OracleModel o;
  absl::StatusOr<FsModel> m = FsModel::Replay(log);
  if (!m.ok()) return m.status();
  o.model_ = std::move(*m);
  o.profile_ = profile;
  return o;
}

Expectations OracleModel::ExpectAt(uint64_t cut) const {
  Expectations e;
  e.cut = cut;
  e.profile = profile_;
  e.model = &model_;
  const std::vector<LogRecord>& recs = model_.log().records;
  const size_t k = recs.size();
  if (cut == kCutEnd) {
    e.returned_end = e.possible_end = k;
  } else if (k > 0 && !recs[0].flash_before) {
    e.returned_end = 0;  // no counters: nothing is known to have returned
    e.possible_end = k;
  } else {
    size_t a = 0;
    while (a < k && *recs[a].flash_after <= cut) ++a;
    size_t b = a;
    while (b < k && *recs[b].flash_before < cut) ++b;
    e.returned_end = a;
    e.possible_end = b;
  }
  e.content.assign(model_.object_count(), Floor{});
  e.meta.assign(model_.object_count(), Floor{});
  const size_t a = e.returned_end;
  auto durable = [&](size_t i) { return recs[i].ok() && model_.effect(i).applied; };
  // sync / syncfs: the whole tree as of the call.
  for (size_t i = 0; i < a; ++i) {
    const OpKind kind = recs[i].op.kind;
    if ((kind == OpKind::kSync || kind == OpKind::kSyncfs) && durable(i)) {
      Raise(e.global, i + 1, FloorCause::kSync, i);
    }
  }
  FloorBuilder floors(model_, e);
  // fsync / fdatasync: the object's data and size; fsync also its mode and
  // xattrs; a directory's entries; on UBIFS the entry that created it.
  for (size_t i = 0; i < a; ++i) {
    const OpKind kind = recs[i].op.kind;
    if ((kind != OpKind::kFsync && kind != OpKind::kFdatasync) || !durable(i)) continue;
    const ObjectId x = model_.effect(i).object;
    Raise(e.content[x], i + 1, FloorCause::kFsync, i);
    if (kind == OpKind::kFsync) Raise(e.meta[x], i + 1, FloorCause::kFsync, i);
    const ObjectState* st = model_.StateAt(x, i);
    if (st != nullptr && st->type == NodeType::kDir) floors.DirFsync(x, i);
    if (profile_ == FsProfile::kUbifs) {
      for (const std::string& p : model_.NamesAt(x, i)) floors.RaiseCreated(p, i, FloorCause::kFsync, i, false);
    }
  }
  // The planted failure: these paths count as durable after every op that returned.
  for (const std::string& p : model_.log().oracle_assume_durable) {
    for (size_t i = a; i-- > 0;) {
      const ObjectId x = model_.BindingAt(p, i + 1);
      if (x == kNoObject) continue;
      Raise(e.content[x], i + 1, FloorCause::kAssumed, i);
      Raise(e.meta[x], i + 1, FloorCause::kAssumed, i);
      floors.RaiseCreated(p, i + 1, FloorCause::kAssumed, i, true);
      break;
    }
  }
  return e;
}

const std::vector<std::pair<absl::string_view, absl::string_view>>& RuleCatalogue() {
  static const std::vector<std::pair<absl::string_view, absl::string_view>> rules = {
      {"sync.missing", "a name every allowed state has (durable by a sync) is absent"},
      {"fsync.missing", "a name made durable by fsync (of the file on UBIFS, or of its directory) is absent"},
      {"assumed.missing", "a name the workload's oracle_assume_durable declares durable is absent (planted)"},
      {"rename.target-missing", "the target of a rename over an existing name holds neither the old nor the new file"},
      {"rename.neither", "a durable file being renamed is under neither its old nor its new name"},
      {"rename.both", "a renamed file is under its old and its new name at once"},
      {"link.unexpected", "two names share an inode they never shared"},
      {"link.split", "durable hard links of one file are different inodes"},
      {"link.count", "a file's link count differs from the number of names it has"},
      {"name.unexpected", "a name that no allowed state has"},
      {"unlink.back", "a name whose removal (unlink, rmdir, rename away) was durable is back"},
      {"tmpfile.early", "an O_TMPFILE shows under a name its linkat had not given it yet"},
      {"name.type", "a name has the wrong type (file, directory, symlink)"},
      {"inode.mode", "permission bits no allowed state has"},
      {"symlink.target", "a symlink points somewhere no allowed state has"},
      {"sync.size", "a file durable by a sync has the wrong size"},
      {"fsync.size", "a file durable by fsync/fdatasync has the wrong size"},
      {"assumed.size", "a file assumed durable (planted) has the wrong size"},
      {"flux.size", "a file changed since its last durable point has a size outside what it had"},
      {"truncate.back", "a file shows a size or bytes from before a durable truncate"},
      {"sync.data", "a file durable by a sync has wrong bytes"},
      {"fsync.data", "a file durable by fsync/fdatasync has wrong bytes"},
      {"assumed.data", "a file assumed durable (planted) has wrong bytes"},
      {"flux.garbage", "a byte no version of the file had at that offset (and not zero)"},
      {"xattr.missing", "an xattr every allowed state has is absent"},
      {"xattr.unexpected", "an xattr no allowed state has"},
      {"xattr.value", "an xattr value no allowed state has"},
      {"read.error", "a name that cannot be read (stat, read, readlink, listxattr or readdir failed)"},
  };
  return rules;
}


namespace {

// One Check call: the observed tree against the states [floor, B].
class Checker {
 public:
  Checker(const Expectations& e, const TreeSnapshot& obs)
      : e_(e), m_(*e.model), obs_(obs), g_(e.global.state), b_(e.possible_end) {}

  std::vector<Violation> Run() {
    IndexObjectNames();
    for (const auto& [path, entry] : obs_.entries) CheckObservedName(entry);
    CheckMissingNames();
    CheckInodes();
    CheckRenamedObjects();
    std::sort(out_.begin(), out_.end(), [](const Violation& a, const Violation& b) {
      return std::tie(a.path, a.rule, a.words) < std::tie(b.path, b.rule, b.words);
    });
    return std::move(out_);
  }

 private:
  struct NameSpan {
    std::string path;
    uint64_t from, to;  // bound to the object in states [from, to)
  };

  void Add(std::string rule, std::string path, std::string words) {
    out_.push_back({std::move(rule), std::move(path), std::move(words)});
  }

  // The objects `path` may hold, oldest first (kNoObject for "absent").
  std::vector<ObjectId> Candidates(const std::string& path) const {
    std::vector<ObjectId> c;
    const uint64_t f = e_.NameFloor(path).state;
    c.push_back(m_.BindingAt(path, f));
    for (const Binding& b : m_.paths().at(path)) {
      if (b.from_state > f && b.from_state <= b_ &&
          std::find(c.begin(), c.end(), b.object) == c.end()) {
        c.push_back(b.object);
      }
    }
    return c;
  }

  // Every allowed state binds `path` (to one object or, across a rename over
  // it, to several).
  bool AlwaysBound(const std::string& path) const {
    const uint64_t f = e_.NameFloor(path).state;
    if (m_.BindingAt(path, f) == kNoObject) return false;
    for (const Binding& b : m_.paths().at(path)) {
      if (b.from_state > f && b.from_state <= b_ && b.object == kNoObject) return false;
    }
    return true;
  }

  Floor ContentFloor(ObjectId x) const {
    Floor f = e_.global;
    if (e_.content[x].state > f.state) f = e_.content[x];
    return f;
  }
  Floor MetaFloor(ObjectId x) const {
    Floor f = e_.global;
    if (e_.meta[x].state > f.state) f = e_.meta[x];
    return f;
  }

  // The object's versions that hold at some state in [floor, B].
  std::vector<const Version*> VersionsFrom(ObjectId x, uint64_t floor) const {
    std::vector<const Version*> out;
    const std::vector<Version>& vs = m_.versions(x);
    for (size_t i = 0; i < vs.size(); ++i) {
      const uint64_t end = i + 1 < vs.size() ? vs[i + 1].from_state : UINT64_MAX;
      if (vs[i].from_state <= b_ && end > floor) out.push_back(&vs[i]);
    }
    return out;
  }

  std::string VersionText(const Version& v) const {
    return v.from_state == 0 ? std::string("at the start") : absl::StrCat("as after ", OpText(m_, v.from_state - 1));
  }
  std::string RangeText(const std::vector<const Version*>& vs) const {
    return absl::StrCat("between ", VersionText(*vs.front()), " and ", VersionText(*vs.back()));
  }

  // Was object x truncated by an op in [from_op, before_op)?
  bool TruncatedBetween(ObjectId x, uint64_t from_op, uint64_t before_op) const {
    for (uint64_t i = from_op; i < before_op && i < m_.op_count(); ++i) {
      const OpKind k = m_.log().records[i].op.kind;
      if ((k == OpKind::kTruncate || k == OpKind::kCreate) && m_.effect(i).applied && m_.effect(i).object == x) {
        return true;
      }
    }
    return false;
  }

  // A version of x older than the floor that shows `pred`, with a truncate of
  // x between it and the floor: the truncate's durability is what broke.
  template <typename Pred>
  bool TruncateCameBack(ObjectId x, const Floor& floor, Pred pred) const {
    for (const Version& v : m_.versions(x)) {
      if (v.from_state >= floor.state) break;
      if (pred(*v.state) && TruncatedBetween(x, v.from_state, floor.state)) return true;
    }
    return false;
  }

  void CheckFile(const ObservedEntry& o, ObjectId x, std::vector<Violation>* v) const {
    const Floor floor = ContentFloor(x);
    const std::vector<const Version*> vs = VersionsFrom(x, floor.state);
    const bool single = vs.size() == 1;
    // One version that was already there at the floor is durable: exact.
    const std::string family(single && vs[0]->from_state <= floor.state ? Family(floor.cause) : "flux");
    const std::string why = single && family != "flux" ? FloorText(m_, floor) : RangeText(vs);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const Version* ver : vs) {
      lo = std::min(lo, ver->state->size);
      hi = std::max(hi, ver->state->size);
    }
    const uint64_t size = o.content.size();
    if (size < lo || size > hi) {
      const bool back = TruncateCameBack(x, floor, [&](const ObjectState& s) { return s.size == size; });
      const std::string expect = lo == hi ? absl::StrCat(lo) : absl::StrCat("in [", lo, ", ", hi, "]");
      v->push_back({back ? "truncate.back" : absl::StrCat(family == "flux" ? "flux" : family, ".size"), o.path,
                    absl::StrCat("size is ", size, ", expected ", expect, " (", why, ")",
                                 back ? "; that size is from before a durable truncate" : "")});
      return;
    }
    std::optional<ByteMismatch> bad;
    if (family != "flux") {
      bad = CompareExact(o.content, *vs[0]->state);
    } else {
      std::vector<const ObjectState*> states;
      for (const Version* ver : vs) states.push_back(ver->state.get());
      bad = CompareAnyOrZero(o.content, states);
    }
    if (!bad) return;
    const uint64_t at = bad->offset;
    const uint8_t got = bad->observed;
    const bool back = TruncateCameBack(x, floor, [&](const ObjectState& s) {
      if (at >= s.size) return false;
      uint8_t b;
      s.Fill(at, &b, 1);
      return b == got && got != 0;
    });
    std::string words = absl::StrFormat("%u byte(s) wrong, the first at offset %u: 0x%02x", bad->count, at, got);
    if (family != "flux") {
      absl::StrAppend(&words, absl::StrFormat(", expected 0x%02x (%s)", bad->expected, why));
    } else {
      absl::StrAppend(&words, ", which no version of the file ", why, " has there, and not zero");
    }
    if (back) absl::StrAppend(&words, "; it is a byte from before a durable truncate");
    v->push_back({back ? "truncate.back" : (family == "flux" ? "flux.garbage" : family + ".data"), o.path, words});
  }

  void CheckMeta(const ObservedEntry& o, ObjectId x, const ObjectState& any,
                 std::vector<Violation>* v) const {
    const std::vector<const Version*> vs = VersionsFrom(x, MetaFloor(x).state);
    if (any.type != NodeType::kSymlink) {
      bool ok = false;
      for (const Version* ver : vs) ok = ok || ver->state->mode == o.mode;
      if (!ok) {
        v->push_back({"inode.mode", o.path, absl::StrFormat("mode is %04o, expected %04o (%s)", o.mode,
                                                            vs.back()->state->mode, RangeText(vs))});
      }
    } else {
      bool ok = false;
      for (const Version* ver : vs) ok = ok || ver->state->target == o.target;
      if (!ok) {
        v->push_back({"symlink.target", o.path,
                      absl::StrCat("points to \"", o.target, "\", expected \"", vs.back()->state->target, "\"")});
      }
    }
    std::set<std::string> names;
    for (const auto& [n, val] : o.xattrs) names.insert(n);
    for (const Version* ver : vs) {
      for (const auto& [n, val] : ver->state->xattrs) names.insert(n);
    }
    for (const std::string& n : names) {
      auto got = o.xattrs.find(n);
      bool ok = false, ever = false;
      for (const Version* ver : vs) {
        auto want = ver->state->xattrs.find(n);
        ever = ever || want != ver->state->xattrs.end();
        if (got == o.xattrs.end() ? want == ver->state->xattrs.end()
                                  : want != ver->state->xattrs.end() && want->second == got->second) {
          ok = true;
        }
      }
      if (ok) continue;
      if (got == o.xattrs.end()) {
        v->push_back({"xattr.missing", o.path, absl::StrCat("xattr ", n, " is absent (", RangeText(vs), ")")});
      } else if (!ever) {
        v->push_back({"xattr.unexpected", o.path, absl::StrCat("xattr ", n, " was never set ", RangeText(vs))});
      } else {
        v->push_back({"xattr.value", o.path,
                      absl::StrCat("xattr ", n, " is \"", absl::CHexEscape(got->second), "\", a value it never had ",
                                   RangeText(vs))});
      }
    }
  }

  // The violations if observed entry `o` is object x.
  std::vector<Violation> CheckAs(const ObservedEntry& o, ObjectId x) const {
    std::vector<Violation> v;
    const std::vector<Version>& all = m_.versions(x);
    const ObjectState& any = *all.front().state;  // the type never changes
    if (o.type != any.type) {
      v.push_back({"name.type", o.path, absl::StrCat("is a ", NodeTypeName(o.type), ", expected a ",
                                                     NodeTypeName(any.type))});
      return v;
    }
    if (any.type == NodeType::kFile) CheckFile(o, x, &v);
    CheckMeta(o, x, any, &v);
    return v;
  }

  void CheckObservedName(const ObservedEntry& o) {
    if (o.read_errno != 0) {
      Add("read.error", o.path, absl::StrCat("cannot be read: ", std::strerror(o.read_errno)));
      return;
    }
    if (!m_.paths().count(o.path)) {
      Add("name.unexpected", o.path, "the workload never created this name");
      return;
    }
    std::vector<ObjectId> cands = Candidates(o.path);
    cands.erase(std::remove(cands.begin(), cands.end(), kNoObject), cands.end());
    if (cands.empty()) {
      UnexpectedName(o.path);
      return;
    }
    // No candidate fits: report the closest one, the newest on a tie. Wrong
    // bytes weigh less than anything else, so a file whose size matches one
    // candidate is judged as that candidate.
    auto weight = [](const std::vector<Violation>& v) {
      size_t w = 0;
      for (const Violation& x : v) w += x.rule == "flux.garbage" || x.rule.ends_with(".data") ? 1 : 2;
      return w;
    };
    std::vector<Violation> best;
    bool fit = false;
    for (auto it = cands.rbegin(); it != cands.rend(); ++it) {
      std::vector<Violation> v = CheckAs(o, *it);
      if (v.empty()) {
        fit = true;
        fitting_[o.path].insert(*it);
      } else if (best.empty() || weight(v) < weight(best)) {
        best = std::move(v);
      }
    }
    if (!fit) out_.insert(out_.end(), best.begin(), best.end());
  }

  void UnexpectedName(const std::string& path) {
    const Floor f = e_.NameFloor(path);
    const std::vector<Binding>& hist = m_.paths().at(path);
    for (const Binding& b : hist) {
      if (b.from_state > b_ && b.object != kNoObject) {
        const uint64_t op = b.from_state - 1;
        const bool tmp = m_.log().records[op].op.kind == OpKind::kLinkat;
        Add(tmp ? "tmpfile.early" : "name.unexpected", path,
            absl::StrCat("only ", OpText(m_, op), " creates it, and that op had not started at the cut"));
        return;
      }
      if (b.from_state < f.state && b.object != kNoObject) {
        uint64_t gone = 0;  // the op that last removed it before the floor
        for (const Binding& c : hist) {
          if (c.from_state <= f.state && c.object == kNoObject) gone = c.from_state - 1;
        }
        Add("unlink.back", path, absl::StrCat("it was removed by ", OpText(m_, gone), ", ", FloorText(m_, f)));
        return;
      }
    }
    Add("name.unexpected", path, "no state the cut allows has this name");
  }

  void CheckMissingNames() {
    for (const auto& [path, hist] : m_.paths()) {
      if (obs_.Find(path) != nullptr || !obs_.IsDir(Dirname(path)) || !AlwaysBound(path)) continue;
      std::vector<ObjectId> cands = Candidates(path);
      const Floor f = e_.NameFloor(path);
      if (cands.size() > 1) {
        Add("rename.target-missing", path,
            absl::StrCat("absent, but every allowed state has it (the old or the new file of a rename over it; ",
                         FloorText(m_, f), ")"));
      } else {
        Add(absl::StrCat(Family(f.cause), ".missing"), path,
            absl::StrCat("absent, but it is ", FloorText(m_, f)));
      }
    }
  }

  // Every name each object had, as spans of states.
  void IndexObjectNames() {
    spans_.assign(m_.object_count(), {});
    for (const auto& [path, hist] : m_.paths()) {
      for (size_t i = 0; i < hist.size(); ++i) {
        if (hist[i].object == kNoObject) continue;
        const uint64_t to = i + 1 < hist.size() ? hist[i + 1].from_state : UINT64_MAX;
        spans_[hist[i].object].push_back({path, hist[i].from_state, to});
      }
    }
  }

  bool IsRenameOf(uint64_t op, ObjectId x) const {
    return op < m_.op_count() && m_.log().records[op].op.kind == OpKind::kRename && m_.effect(op).applied &&
           m_.effect(op).object == x;
  }

  // Names sharing one observed inode must share one object in one allowed
  // state (JFFS2: or straddle one rename of it).
  bool NamesTogether(const std::vector<std::string>& paths) const {
    for (uint64_t k = g_; k <= b_; ++k) {
      const ObjectId x = m_.BindingAt(paths[0], k);
      if (x == kNoObject) continue;
      bool all = true;
      for (const std::string& p : paths) all = all && m_.BindingAt(p, k) == x;
      if (all) return true;
    }
    if (e_.profile != FsProfile::kJffs2) return false;
    for (uint64_t r = g_; r < b_; ++r) {
      const ObjectId x = m_.effect(r).object;
      if (!IsRenameOf(r, x)) continue;
      bool all = true;
      for (const std::string& p : paths) all = all && (m_.BindingAt(p, r) == x || m_.BindingAt(p, r + 1) == x);
      if (all) return true;
    }
    return false;
  }

  void CheckInodes() {
    std::map<uint64_t, std::vector<const ObservedEntry*>> by_ino;
    for (const auto& [path, o] : obs_.entries) {
      if (o.read_errno == 0 && o.type != NodeType::kDir) by_ino[o.ino].push_back(&o);
    }
    for (const auto& [ino, group] : by_ino) {
      if (group[0]->type == NodeType::kFile && group[0]->nlink != group.size()) {
        Add("link.count", group[0]->path, absl::StrCat("link count is ", group[0]->nlink, " but ", group.size(),
                                                       " name(s) have this inode"));
      }
      if (group.size() < 2) continue;
      std::vector<std::string> paths;
      bool known = true;  // a name the model never had is already reported as unexpected
      for (const ObservedEntry* o : group) {
        known = known && m_.paths().count(o->path) > 0;
        paths.push_back(o->path);
      }
      if (!known || NamesTogether(paths)) continue;
      bool renamed = false;  // names of one rename that could have happened: worded as such
      for (uint64_t r = 0; r < b_ && !renamed; ++r) {
        const Op& op = m_.log().records[r].op;
        renamed = op.kind == OpKind::kRename &&
                  std::count(paths.begin(), paths.end(), op.from) && std::count(paths.begin(), paths.end(), op.to);
      }
      Add(renamed ? "rename.both" : "link.unexpected", paths[0],
          absl::StrCat("one inode is under ", absl::StrJoin(paths, ", "), renamed ? " (old and new name of a rename)" : "",
                       ", which no allowed state has as names of one file"));
    }
    // Durable hard links: names bound to one object in every allowed state.
    std::map<ObjectId, std::vector<const ObservedEntry*>> linked;
    for (const auto& [path, hist] : m_.paths()) {
      const ObservedEntry* o = obs_.Find(path);
      if (o == nullptr || !AlwaysBound(path)) continue;
      const std::vector<ObjectId> c = Candidates(path);
      if (c.size() == 1 && m_.versions(c[0]).front().state->type == NodeType::kFile) linked[c[0]].push_back(o);
    }
    for (const auto& [x, group] : linked) {
      for (const ObservedEntry* o : group) {
        if (o->ino != group[0]->ino && o->read_errno == 0 && group[0]->read_errno == 0) {
          Add("link.split", o->path, absl::StrCat("is inode ", o->ino, " but its durable hard link ", group[0]->path,
                                                  " is inode ", group[0]->ino));
        }
      }
    }
  }

  // A file that had a name in every allowed state, its names changing only
  // by renames of it, must be found under one of them.
  void CheckRenamedObjects() {
    for (ObjectId x = 1; x < static_cast<ObjectId>(spans_.size()); ++x) {
      std::vector<const NameSpan*> in;
      for (const NameSpan& s : spans_[x]) {
        if (s.from <= b_ && s.to > g_) in.push_back(&s);
      }
      if (in.size() < 2) continue;
      std::sort(in.begin(), in.end(), [](const NameSpan* a, const NameSpan* b) { return a->from < b->from; });
      bool ok = in.front()->from <= g_;
      uint64_t covered = in.front()->to;
      for (const NameSpan* s : in) {
        if (s->from > g_ && !IsRenameOf(s->from - 1, x)) ok = false;
        if (s->to <= b_ && !IsRenameOf(s->to - 1, x)) ok = false;
        if (s != in.front()) {
          if (s->from > covered) ok = false;
          covered = std::max(covered, s->to);
        }
      }
      if (!ok || covered <= b_) continue;
      bool found = false, unknown = false;
      std::vector<std::string> names;
      for (const NameSpan* s : in) {
        names.push_back(s->path);
        if (!obs_.IsDir(Dirname(s->path))) unknown = true;
        if (obs_.Find(s->path) == nullptr) continue;
        auto f = fitting_.find(s->path);
        if (f == fitting_.end() || f->second.count(x)) found = true;
      }
      if (found || unknown) continue;
      Add("rename.neither", in.front()->path,
          absl::StrCat("the ", NodeTypeName(m_.versions(x).front().state->type), " renamed among ",
                       absl::StrJoin(names, ", "), " is under none of those names"));
    }
  }

  const Expectations& e_;
  const FsModel& m_;
  const TreeSnapshot& obs_;
  const uint64_t g_, b_;
  std::vector<Violation> out_;
  std::map<std::string, std::set<ObjectId>> fitting_;  // observed path -> objects it matches
  std::vector<std::vector<NameSpan>> spans_;
};

}  // namespace

std::vector<Violation> Check(const Expectations& exp, const TreeSnapshot& observed) {
  return Checker(exp, observed).Run();
}

}  // namespace flashfault::oracle
