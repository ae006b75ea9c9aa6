// The crash-consistency rules (see crash_rules.h; the same rules in words:
// corpora/workloads/ORACLE.md): ExpectAt turns a cut into floors, and the
// rule catalogue names every rule. Check, which compares one observed tree
// with every model state the floors allow, is in crash_check.cc.
#include "harness/campaign/oracle/crash_rules.h"

#include "absl/strings/str_cat.h"
#include "harness/campaign/oracle/crash_rules_detail.h"

namespace flashfault::oracle {
namespace {

using detail::Dirname;
using detail::OpText;

void Raise(Floor& f, uint64_t state, FloorCause cause, uint64_t op) {
  if (state > f.state) f = {state, cause, op};
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

namespace detail {

std::string Dirname(const std::string& p) {
  const size_t s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
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

}  // namespace detail

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

}  // namespace flashfault::oracle
