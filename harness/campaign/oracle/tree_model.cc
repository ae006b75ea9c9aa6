// Replaying an op log into path and object histories (see tree_model.h).
// The live tree here mirrors POSIX semantics for the ops a workload has; it
// trusts the log's outcome (a failed op changes nothing) and only refuses a
// success it cannot make sense of.
#include "harness/campaign/oracle/tree_model.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "harness/campaign/oracle/content.h"

namespace flashfault::oracle {
namespace {

struct Live {
  ObjectState st;
  std::map<std::string, ObjectId> entries;  // directories
};

// Removes [start, end) from a sorted extent list, splitting what overlaps.
void Punch(std::vector<Extent>& ex, uint64_t start, uint64_t end) {
  std::vector<Extent> out;
  out.reserve(ex.size() + 1);
  for (const Extent& e : ex) {
    if (e.end <= start || e.start >= end) {
      out.push_back(e);
      continue;
    }
    if (e.start < start) out.push_back({e.start, start, e.seed, e.base});
    if (e.end > end) out.push_back({end, e.end, e.seed, e.base + (end - e.start)});
  }
  ex = std::move(out);
}

void WriteExtent(ObjectState& st, uint64_t offset, uint64_t len, uint64_t seed) {
  if (len == 0) return;
  Punch(st.extents, offset, offset + len);
  const Extent e{offset, offset + len, seed, 0};
  st.extents.insert(std::upper_bound(st.extents.begin(), st.extents.end(), e,
                                     [](const Extent& a, const Extent& b) { return a.start < b.start; }),
                    e);
  st.size = std::max(st.size, offset + len);
}

void Resize(ObjectState& st, uint64_t size) {
  if (size < st.size) Punch(st.extents, size, UINT64_MAX);
  st.size = size;
}

class Replayer {
 public:
  explicit Replayer(const OpLog& log) : log_(log) {}

  absl::Status Run(std::vector<OpEffect>* effects,
                   std::map<std::string, std::vector<Binding>>* paths,
                   std::vector<std::vector<Version>>* versions) {
    paths_ = paths;
    versions_ = versions;
    Live root;
    root.st.type = NodeType::kDir;
    root.st.mode = 0755;
    NewObject(std::move(root));
    Snapshot(0);
    for (const LogRecord& r : log_.records) {
      OpEffect e;
      // A short write that then failed (ENOSPC) still wrote `ret` bytes.
      const bool partial = (r.op.kind == OpKind::kWrite || r.op.kind == OpKind::kAppend) && r.ret > 0;
      if (r.ok() || partial) {
        absl::Status s = Apply(r, &e);
        if (!s.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "op ", r.index, " (", DescribeOp(r.op), ") succeeded in the log, but ", s.message()));
        }
        e.applied = true;
      }
      effects->push_back(e);
      Snapshot(r.index + 1);
    }
    return absl::OkStatus();
  }

 private:
  ObjectId NewObject(Live live) {
    objects_.push_back(std::move(live));
    versions_->emplace_back();
    dirty_.push_back(true);
    return static_cast<ObjectId>(objects_.size() - 1);
  }

  // The directory holding `path` and the last component.
  absl::StatusOr<std::pair<ObjectId, std::string>> Parent(const std::string& path) {
    std::vector<std::string> parts = absl::StrSplit(path, '/');
    ObjectId dir = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = objects_[dir].entries.find(parts[i]);
      if (it == objects_[dir].entries.end()) {
        return absl::NotFoundError(absl::StrCat("the model has no directory \"", parts[i], "\" on the way to \"", path, "\""));
      }
      if (objects_[it->second].st.type != NodeType::kDir) {
        return absl::FailedPreconditionError(absl::StrCat("\"", parts[i], "\" on the way to \"", path,
                                                          "\" is not a directory in the model"));
      }
      dir = it->second;
    }
    return std::make_pair(dir, parts.back());
  }

  absl::StatusOr<ObjectId> Lookup(const std::string& path) {
    if (path == ".") return 0;  // the mount root
    FF_ASSIGN_OR_RETURN(auto pn, Parent(path));
    auto it = objects_[pn.first].entries.find(pn.second);
    if (it == objects_[pn.first].entries.end()) {
      return absl::NotFoundError(absl::StrCat("the model has no \"", path, "\""));
    }
    return it->second;
  }

  // The object a file op names: its handle or its path.
  absl::StatusOr<ObjectId> Target(const Op& op) {
    if (!op.handle.empty()) {
      auto it = handles_.find(op.handle);
      if (it == handles_.end()) return absl::NotFoundError(absl::StrCat("handle <", op.handle, "> is not open"));
      return it->second;
    }
    return Lookup(op.path);
  }

  absl::StatusOr<ObjectId> TargetFile(const Op& op) {
    FF_ASSIGN_OR_RETURN(ObjectId id, Target(op));
    if (objects_[id].st.type != NodeType::kFile) return absl::FailedPreconditionError("the target is not a regular file");
    return id;
  }

  absl::Status Apply(const LogRecord& r, OpEffect* e) {
    const Op& op = r.op;
    switch (op.kind) {
      case OpKind::kCreate:
      case OpKind::kOpen: {
        FF_ASSIGN_OR_RETURN(auto pn, Parent(op.path));
        auto& entries = objects_[pn.first].entries;
        auto it = entries.find(pn.second);
        ObjectId id;
        if (it != entries.end()) {
          id = it->second;
          if (objects_[id].st.type == NodeType::kDir && op.kind == OpKind::kCreate) {
            return absl::FailedPreconditionError(absl::StrCat("\"", op.path, "\" is a directory in the model"));
          }
          if (op.kind == OpKind::kCreate) Touch(id), Resize(objects_[id].st, 0);
        } else {
          if (op.kind == OpKind::kOpen && !op.create) {
            return absl::NotFoundError(absl::StrCat("the model has no \"", op.path, "\""));
          }
          Live f;
          f.st.mode = op.mode;
          id = NewObject(std::move(f));  // may move objects_: `entries` is stale now
          objects_[pn.first].entries[pn.second] = id;
        }
        if (op.kind == OpKind::kOpen) handles_[op.handle] = id;
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kClose:
        if (handles_.erase(op.handle) == 0) return absl::NotFoundError(absl::StrCat("handle <", op.handle, "> is not open"));
        return absl::OkStatus();
      case OpKind::kWrite:
      case OpKind::kAppend: {
        FF_ASSIGN_OR_RETURN(ObjectId id, TargetFile(op));
        const uint64_t n = static_cast<uint64_t>(r.ret);
        if (n > op.length) return absl::InvalidArgumentError(absl::StrCat("it returned ", n, " > length ", op.length));
        ObjectState& st = objects_[id].st;
        Touch(id);
        WriteExtent(st, op.kind == OpKind::kAppend ? st.size : op.offset, n, op.seed);
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kTruncate: {
        FF_ASSIGN_OR_RETURN(ObjectId id, TargetFile(op));
        Touch(id);
        Resize(objects_[id].st, op.size);
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kRename: {
        FF_ASSIGN_OR_RETURN(ObjectId id, Lookup(op.from));
        FF_ASSIGN_OR_RETURN(auto from, Parent(op.from));
        FF_ASSIGN_OR_RETURN(auto to, Parent(op.to));
        auto& dst = objects_[to.first].entries;
        auto old = dst.find(to.second);
        e->object = id;
        if (old != dst.end()) {
          if (old->second == id) return absl::OkStatus();  // two names of one inode: POSIX does nothing
          e->replaced = old->second;
        }
        objects_[from.first].entries.erase(from.second);
        objects_[to.first].entries[to.second] = id;
        return absl::OkStatus();
      }
      case OpKind::kUnlink:
      case OpKind::kRmdir: {
        FF_ASSIGN_OR_RETURN(ObjectId id, Lookup(op.path));
        const bool dir = objects_[id].st.type == NodeType::kDir;
        if (dir != (op.kind == OpKind::kRmdir)) {
          return absl::FailedPreconditionError(absl::StrCat("\"", op.path, "\" is ", dir ? "" : "not ", "a directory in the model"));
        }
        FF_ASSIGN_OR_RETURN(auto pn, Parent(op.path));
        objects_[pn.first].entries.erase(pn.second);
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kLink:
      case OpKind::kLinkat: {
        ObjectId id;
        if (op.kind == OpKind::kLink) {
          FF_ASSIGN_OR_RETURN(id, Lookup(op.from));
        } else {
          auto h = handles_.find(op.handle);
          if (h == handles_.end()) return absl::NotFoundError(absl::StrCat("handle <", op.handle, "> is not open"));
          id = h->second;
        }
        const std::string& name = op.kind == OpKind::kLink ? op.to : op.path;
        FF_ASSIGN_OR_RETURN(auto pn, Parent(name));
        if (objects_[pn.first].entries.count(pn.second)) {
          return absl::AlreadyExistsError(absl::StrCat("the model already has \"", name, "\""));
        }
        objects_[pn.first].entries[pn.second] = id;
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kMkdir:
      case OpKind::kSymlink:
      case OpKind::kTmpfile: {
        Live n;
        n.st.type = op.kind == OpKind::kMkdir ? NodeType::kDir
                    : op.kind == OpKind::kSymlink ? NodeType::kSymlink : NodeType::kFile;
        n.st.mode = op.kind == OpKind::kSymlink ? 0777 : op.mode;
        if (op.kind == OpKind::kSymlink) {
          n.st.target = op.target;
          n.st.size = op.target.size();
        }
        if (op.kind == OpKind::kTmpfile) {
          FF_ASSIGN_OR_RETURN(ObjectId dir, Lookup(op.path));
          if (objects_[dir].st.type != NodeType::kDir) return absl::FailedPreconditionError("tmpfile needs a directory");
          e->object = NewObject(std::move(n));
          handles_[op.handle] = e->object;
          return absl::OkStatus();
        }
        FF_ASSIGN_OR_RETURN(auto pn, Parent(op.path));
        if (objects_[pn.first].entries.count(pn.second)) {
          return absl::AlreadyExistsError(absl::StrCat("the model already has \"", op.path, "\""));
        }
        e->object = NewObject(std::move(n));
        objects_[pn.first].entries[pn.second] = e->object;
        return absl::OkStatus();
      }
      case OpKind::kSetxattr:
      case OpKind::kRemovexattr: {
        FF_ASSIGN_OR_RETURN(ObjectId id, Target(op));
        Touch(id);
        if (op.kind == OpKind::kSetxattr) {
          objects_[id].st.xattrs[op.name] = op.value;
        } else if (objects_[id].st.xattrs.erase(op.name) == 0) {
          return absl::NotFoundError(absl::StrCat("the model has no xattr ", op.name));
        }
        e->object = id;
        return absl::OkStatus();
      }
      case OpKind::kFsync:
      case OpKind::kFdatasync: {
        FF_ASSIGN_OR_RETURN(e->object, Target(op));
        return absl::OkStatus();
      }
      case OpKind::kSync:
      case OpKind::kSyncfs:
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  void Touch(ObjectId id) { dirty_[id] = true; }

  void Walk(ObjectId dir, const std::string& prefix, std::map<std::string, ObjectId>* out) const {
    for (const auto& [name, id] : objects_[dir].entries) {
      const std::string p = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
      (*out)[p] = id;
      if (objects_[id].st.type == NodeType::kDir) Walk(id, p, out);
    }
  }

  // Records state `k`: changed bindings and changed objects.
  void Snapshot(uint64_t k) {
    std::map<std::string, ObjectId> now;
    Walk(0, "", &now);
    auto bind = [&](const std::string& p, ObjectId id) {
      std::vector<Binding>& h = (*paths_)[p];
      if (h.empty() ? id != kNoObject : h.back().object != id) h.push_back({k, id});
    };
    for (const auto& [p, id] : now) bind(p, id);
    for (const auto& [p, id] : current_) {
      if (!now.count(p)) bind(p, kNoObject);
    }
    current_ = std::move(now);
    for (size_t id = 0; id < objects_.size(); ++id) {
      if (!dirty_[id]) continue;
      (*versions_)[id].push_back({k, std::make_shared<const ObjectState>(objects_[id].st)});
      dirty_[id] = false;
    }
  }

  const OpLog& log_;
  std::vector<Live> objects_;
  std::vector<bool> dirty_;
  std::map<std::string, ObjectId> handles_;
  std::map<std::string, ObjectId> current_;
  std::map<std::string, std::vector<Binding>>* paths_ = nullptr;
  std::vector<std::vector<Version>>* versions_ = nullptr;
};

}  // namespace

absl::string_view NodeTypeName(NodeType t) {
  switch (t) {
    case NodeType::kFile: return "file";
    case NodeType::kDir: return "directory";
    case NodeType::kSymlink: return "symlink";
    case NodeType::kOther: return "special file";
  }
  return "?";
}

void ObjectState::Fill(uint64_t offset, uint8_t* out, size_t len) const {
  std::memset(out, 0, len);
  const uint64_t end = offset + len;
  for (const Extent& e : extents) {
    if (e.end <= offset) continue;
    if (e.start >= end) break;
    const uint64_t s = std::max(e.start, offset), t = std::min(e.end, end);
    FillData(e.seed, e.base + (s - e.start), out + (s - offset), t - s);
  }
}

absl::StatusOr<FsModel> FsModel::Replay(const OpLog& log) {
  FsModel m;
  m.log_ = log;
  Replayer r(m.log_);
  FF_RETURN_IF_ERROR(r.Run(&m.effects_, &m.paths_, &m.versions_));
  return m;
}

ObjectId FsModel::BindingAt(const std::string& path, uint64_t state) const {
  auto it = paths_.find(path);
  if (it == paths_.end()) return kNoObject;
  ObjectId id = kNoObject;
  for (const Binding& b : it->second) {
    if (b.from_state > state) break;
    id = b.object;
  }
  return id;
}

uint64_t FsModel::BoundBy(const std::string& path, uint64_t state) const {
  auto it = paths_.find(path);
  if (it == paths_.end()) return kNoOp;
  uint64_t by = kNoOp;
  for (const Binding& b : it->second) {
    if (b.from_state > state) break;
    by = b.object == kNoObject ? kNoOp : b.from_state - 1;
  }
  return by;
}

const ObjectState* FsModel::StateAt(ObjectId id, uint64_t state) const {
  const ObjectState* st = nullptr;
  for (const Version& v : versions_[id]) {
    if (v.from_state > state) break;
    st = v.state.get();
  }
  return st;
}

std::vector<std::string> FsModel::NamesAt(ObjectId id, uint64_t state) const {
  std::vector<std::string> names;
  for (const auto& [p, h] : paths_) {
    if (BindingAt(p, state) == id) names.push_back(p);
  }
  return names;
}

}  // namespace flashfault::oracle
