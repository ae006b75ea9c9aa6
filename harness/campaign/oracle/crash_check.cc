// Check: one observed tree (a walk of the mounted file system after a cut)
// against every model state between the floors ExpectAt set and the end of
// the ops in flight; each rule broken is a Violation (crash_rules.h; the
// rules in words: corpora/workloads/ORACLE.md). Must not: decide floors
// (crash_rules.cc does) or name a rule the catalogue does not.
#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/crash_rules_detail.h"
#include "harness/campaign/oracle/version_compare.h"

namespace flashfault::oracle {

using detail::Dirname;
using detail::Family;
using detail::FloorText;
using detail::OpText;

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
    // A directory seen under two names (JFFS2 after a cut inside a rename of
    // it) lists its children twice: judge the directory's names, and its
    // children only under the first name.
    std::map<uint64_t, std::string> first_dir;
    std::vector<std::string> aliases;
    for (const auto& [path, o] : obs_.entries) {
      if (o.read_errno != 0 || o.type != NodeType::kDir) continue;
      if (!first_dir.emplace(o.ino, path).second) aliases.push_back(path + "/");
    }
    auto under_alias = [&](const std::string& path) {
      for (const std::string& a : aliases) {
        if (path.compare(0, a.size(), a) == 0) return true;
      }
      return false;
    };
    std::map<uint64_t, std::vector<const ObservedEntry*>> by_ino;
    for (const auto& [path, o] : obs_.entries) {
      if (o.read_errno == 0 && !under_alias(path)) by_ino[o.ino].push_back(&o);
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
