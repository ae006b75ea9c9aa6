// Parsing and printing of workloads and ops (see workload.h). One table says
// which keys each op kind takes; the parser, the printer and the schema test
// all read it, so a key cannot be accepted in one place and lost in another.
#include "harness/campaign/oracle/workload.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/input_file.h"
#include "common/json_load.h"
#include "common/status_macros.h"

namespace flashfault::oracle {
namespace {

using nlohmann::json;

enum class Field { kPath, kHandle, kFrom, kTo, kTarget, kName, kValue, kOffset, kLength,
                   kSeed, kSize, kMode, kCreate, kNoreplace, kDir };

struct FieldInfo {
  Field field;
  const char* key;
};
constexpr FieldInfo kFields[] = {
    {Field::kPath, "path"},     {Field::kHandle, "handle"}, {Field::kFrom, "from"},
    {Field::kTo, "to"},         {Field::kTarget, "target"}, {Field::kName, "name"},
    {Field::kValue, "value"},   {Field::kOffset, "offset"}, {Field::kLength, "length"},
    {Field::kSeed, "seed"},     {Field::kSize, "size"},     {Field::kMode, "mode"},
    {Field::kCreate, "create"}, {Field::kNoreplace, "noreplace"}, {Field::kDir, "dir"},
};

// Per kind: its name, required keys, optional keys, and whether the file it
// acts on is named by "path" or "handle" (exactly one of them).
struct KindInfo {
  OpKind kind;
  const char* name;
  std::vector<Field> required;
  std::vector<Field> optional;
  bool path_or_handle;
};

const std::vector<KindInfo>& Kinds() {
  using F = Field;
  static const std::vector<KindInfo> kinds = {
      {OpKind::kCreate, "create", {F::kPath}, {F::kMode}, false},
      {OpKind::kOpen, "open", {F::kHandle, F::kPath}, {F::kCreate, F::kMode}, false},
      {OpKind::kClose, "close", {F::kHandle}, {}, false},
      {OpKind::kWrite, "write", {F::kOffset, F::kLength, F::kSeed}, {}, true},
      {OpKind::kAppend, "append", {F::kLength, F::kSeed}, {}, true},
      {OpKind::kTruncate, "truncate", {F::kSize}, {}, true},
      {OpKind::kRename, "rename", {F::kFrom, F::kTo}, {F::kNoreplace}, false},
      {OpKind::kUnlink, "unlink", {F::kPath}, {}, false},
      {OpKind::kLink, "link", {F::kFrom, F::kTo}, {}, false},
      {OpKind::kMkdir, "mkdir", {F::kPath}, {F::kMode}, false},
      {OpKind::kRmdir, "rmdir", {F::kPath}, {}, false},
      {OpKind::kSymlink, "symlink", {F::kTarget, F::kPath}, {}, false},
      {OpKind::kSetxattr, "setxattr", {F::kName, F::kValue}, {}, true},
      {OpKind::kRemovexattr, "removexattr", {F::kName}, {}, true},
      {OpKind::kTmpfile, "tmpfile", {F::kHandle, F::kDir}, {F::kMode}, false},
      {OpKind::kLinkat, "linkat", {F::kHandle, F::kPath}, {}, false},
      {OpKind::kFsync, "fsync", {}, {}, true},
      {OpKind::kFdatasync, "fdatasync", {}, {}, true},
      {OpKind::kSync, "sync", {}, {}, false},
      {OpKind::kSyncfs, "syncfs", {}, {}, false},
  };
  return kinds;
}

const KindInfo& Info(OpKind kind) { return Kinds()[static_cast<size_t>(kind)]; }

const char* Key(Field f) { return kFields[static_cast<size_t>(f)].key; }

absl::Status Bad(absl::string_view source, absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", where, ": ", why));
}

// Keeps values small enough that offset + length cannot overflow and a typo
// cannot ask for a terabyte file.
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 32;

absl::Status SetField(Op& op, Field f, const json& v, absl::string_view source,
                      const std::string& where) {
  auto need_string = [&](std::string* out) -> absl::Status {
    if (!v.is_string()) return Bad(source, where, "expected a string");
    *out = v.get<std::string>();
    return absl::OkStatus();
  };
  auto need_uint = [&](uint64_t* out, uint64_t max) -> absl::Status {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
      return Bad(source, where, "expected an unsigned integer");
    }
    *out = v.get<uint64_t>();
    if (*out > max) return Bad(source, where, absl::StrCat("must be at most ", max));
    return absl::OkStatus();
  };
  switch (f) {
    case Field::kPath:
    case Field::kDir: {
      FF_RETURN_IF_ERROR(need_string(&op.path));
      // "." (the mount root itself) only where a directory is meant.
      const bool root_ok = op.kind == OpKind::kTmpfile || op.kind == OpKind::kFsync ||
                           op.kind == OpKind::kFdatasync || op.kind == OpKind::kSetxattr ||
                           op.kind == OpKind::kRemovexattr;
      if (root_ok && op.path == ".") return absl::OkStatus();
      if (absl::Status s = CheckRelativePath(op.path); !s.ok()) return Bad(source, where, s.message());
      return absl::OkStatus();
    }
    case Field::kFrom:
      FF_RETURN_IF_ERROR(need_string(&op.from));
      if (absl::Status s = CheckRelativePath(op.from); !s.ok()) return Bad(source, where, s.message());
      return absl::OkStatus();
    case Field::kTo:
      FF_RETURN_IF_ERROR(need_string(&op.to));
      if (absl::Status s = CheckRelativePath(op.to); !s.ok()) return Bad(source, where, s.message());
      return absl::OkStatus();
    case Field::kHandle:
      FF_RETURN_IF_ERROR(need_string(&op.handle));
      if (op.handle.empty()) return Bad(source, where, "a handle name must not be empty");
      return absl::OkStatus();
    case Field::kTarget:
      FF_RETURN_IF_ERROR(need_string(&op.target));
      if (op.target.empty() || op.target.size() > 1024) {
        return Bad(source, where, "a symlink target must have 1 to 1024 bytes");
      }
      return absl::OkStatus();
    case Field::kName:
      FF_RETURN_IF_ERROR(need_string(&op.name));
      if (op.name.find('.') == std::string::npos || op.name.size() > 255) {
        return Bad(source, where, "an xattr name needs a namespace, like \"user.x\" (at most 255 bytes)");
      }
      return absl::OkStatus();
    case Field::kValue:
      FF_RETURN_IF_ERROR(need_string(&op.value));
      if (op.value.size() > 4096) return Bad(source, where, "an xattr value has at most 4096 bytes");
      return absl::OkStatus();
    case Field::kOffset: return need_uint(&op.offset, kMaxFileBytes);
    case Field::kLength: return need_uint(&op.length, kMaxFileBytes);
    case Field::kSeed: return need_uint(&op.seed, UINT64_MAX);
    case Field::kSize: return need_uint(&op.size, kMaxFileBytes);
    case Field::kMode: {
      uint64_t m = 0;
      FF_RETURN_IF_ERROR(need_uint(&m, 07777));
      op.mode = static_cast<uint32_t>(m);
      return absl::OkStatus();
    }
    case Field::kCreate:
    case Field::kNoreplace:
      if (!v.is_boolean()) return Bad(source, where, "expected true or false");
      (f == Field::kCreate ? op.create : op.noreplace) = v.get<bool>();
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view OpKindName(OpKind kind) { return Info(kind).name; }

std::optional<OpKind> OpKindFromName(absl::string_view name) {
  for (const KindInfo& k : Kinds()) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

const std::vector<OpKind>& AllOpKinds() {
  static const std::vector<OpKind> all = [] {
    std::vector<OpKind> v;
    for (const KindInfo& k : Kinds()) v.push_back(k.kind);
    return v;
  }();
  return all;
}

bool IsSyncKind(OpKind kind) {
  return kind == OpKind::kFsync || kind == OpKind::kFdatasync || kind == OpKind::kSync ||
         kind == OpKind::kSyncfs;
}

absl::Status CheckRelativePath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("a path must not be empty");
  if (path.front() == '/') {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\" must be relative to the mount root"));
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": empty, \".\" and \"..\" components are not allowed"));
    }
    if (part.size() > 255) {
      return absl::InvalidArgumentError(absl::StrCat("\"", path, "\": a component is over 255 bytes"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Op> ParseOpArgs(OpKind kind, const json& args, absl::string_view source,
                               absl::string_view where) {
  if (!args.is_object()) return Bad(source, where, "expected an object");
  const KindInfo& info = Info(kind);
  Op op;
  op.kind = kind;
  if (kind == OpKind::kMkdir) op.mode = 0755;
  for (const auto& [key, value] : args.items()) {
    const std::string at = absl::StrCat(where, ".", key);
    if (key == "op") continue;
    if (key == "comment") {
      // Ignored, but a string, as the schema says (tests/schema/).
      if (!value.is_string()) return Bad(source, at, "expected a string");
      continue;
    }
    std::optional<Field> field;
    for (const FieldInfo& fi : kFields) {
      if (key == fi.key) field = fi.field;
    }
    auto listed = [&](const std::vector<Field>& list) {
      return field && std::find(list.begin(), list.end(), *field) != list.end();
    };
    const bool target_key = info.path_or_handle && field &&
                            (*field == Field::kPath || *field == Field::kHandle);
    if (!listed(info.required) && !listed(info.optional) && !target_key) {
      return Bad(source, at, absl::StrCat("\"", info.name, "\" takes no \"", key, "\""));
    }
    FF_RETURN_IF_ERROR(SetField(op, *field, value, source, at));
  }
  for (Field f : info.required) {
    if (!args.contains(Key(f))) {
      return Bad(source, where, absl::StrCat("\"", info.name, "\" needs \"", Key(f), "\""));
    }
  }
  if (info.path_or_handle && args.contains("path") == args.contains("handle")) {
    return Bad(source, where, absl::StrCat("\"", info.name, "\" needs exactly one of \"path\" and \"handle\""));
  }
  return op;
}

absl::StatusOr<Op> ParseOp(const json& j, absl::string_view source, absl::string_view where) {
  if (!j.is_object()) return Bad(source, where, "expected an op object like {\"op\": \"sync\"}");
  auto it = j.find("op");
  if (it == j.end() || !it->is_string()) return Bad(source, where, "needs \"op\" (a string)");
  const std::optional<OpKind> kind = OpKindFromName(it->get<std::string>());
  if (!kind) {
    std::string names;
    for (const KindInfo& k : Kinds()) absl::StrAppend(&names, names.empty() ? "" : ", ", k.name);
    return Bad(source, absl::StrCat(where, ".op"),
               absl::StrCat("unknown op \"", it->get<std::string>(), "\" (one of: ", names, ")"));
  }
  return ParseOpArgs(*kind, j, source, where);
}

absl::StatusOr<Workload> ParseWorkload(const json& j, absl::string_view source) {
  if (!j.is_object()) return Bad(source, "$", "a workload is a JSON object");
  Workload w;
  for (const auto& [key, value] : j.items()) {
    const std::string at = absl::StrCat("$.", key);
    if (key == "name" || key == "description") {
      if (!value.is_string()) return Bad(source, at, "expected a string");
      (key == "name" ? w.name : w.description) = value.get<std::string>();
    } else if (key == "oracle_assume_durable") {
      if (!value.is_array()) return Bad(source, at, "expected an array of paths");
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string ai = absl::StrCat(at, "[", i, "]");
        if (!value[i].is_string()) return Bad(source, ai, "expected a path");
        const std::string p = value[i].get<std::string>();
        if (absl::Status s = CheckRelativePath(p); !s.ok()) return Bad(source, ai, s.message());
        w.oracle_assume_durable.push_back(p);
      }
    } else if (key == "ops") {
      if (!value.is_array()) return Bad(source, at, "expected an array of ops");
      for (size_t i = 0; i < value.size(); ++i) {
        FF_ASSIGN_OR_RETURN(Op op, ParseOp(value[i], source, absl::StrCat(at, "[", i, "]")));
        w.ops.push_back(std::move(op));
      }
    } else if (key == "comment" || key == "$schema") {
      // Ignored, but strings, as the schema says (tests/schema/).
      if (!value.is_string()) return Bad(source, at, "expected a string");
    } else {
      return Bad(source, at, "unknown key (expected name, description, ops, oracle_assume_durable)");
    }
  }
  if (w.name.empty()) return Bad(source, "$.name", "a workload needs a name");
  if (!j.contains("ops")) return Bad(source, "$.ops", "a workload needs ops");
  return w;
}

absl::StatusOr<Workload> ParseWorkloadText(absl::string_view text, absl::string_view source) {
  absl::StatusOr<json> j = ParseJsonText(text, source);
  if (!j.ok()) return j.status();
  return ParseWorkload(*j, source);
}

absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadInputFile(path);
  if (!text.ok()) return text.status();
  return ParseWorkloadText(*text, path);
}

nlohmann::ordered_json OpArgsToJson(const Op& op) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  const KindInfo& info = Info(op.kind);
  if (info.path_or_handle) {
    if (op.handle.empty()) {
      j["path"] = op.path;
    } else {
      j["handle"] = op.handle;
    }
  }
  auto put = [&](Field f) {
    switch (f) {
      case Field::kPath: j["path"] = op.path; break;
      case Field::kDir: j["dir"] = op.path; break;
      case Field::kHandle: j["handle"] = op.handle; break;
      case Field::kFrom: j["from"] = op.from; break;
      case Field::kTo: j["to"] = op.to; break;
      case Field::kTarget: j["target"] = op.target; break;
      case Field::kName: j["name"] = op.name; break;
      case Field::kValue: j["value"] = op.value; break;
      case Field::kOffset: j["offset"] = op.offset; break;
      case Field::kLength: j["length"] = op.length; break;
      case Field::kSeed: j["seed"] = op.seed; break;
      case Field::kSize: j["size"] = op.size; break;
      case Field::kMode: j["mode"] = op.mode; break;
      case Field::kCreate: if (op.create) j["create"] = true; break;
      case Field::kNoreplace: if (op.noreplace) j["noreplace"] = true; break;
    }
  };
  for (Field f : info.required) put(f);
  for (Field f : info.optional) put(f);
  return j;
}

nlohmann::ordered_json OpToJson(const Op& op) {
  nlohmann::ordered_json j = {{"op", std::string(OpKindName(op.kind))}};
  const nlohmann::ordered_json args = OpArgsToJson(op);
  for (auto it = args.begin(); it != args.end(); ++it) j[it.key()] = it.value();
  return j;
}

nlohmann::ordered_json WorkloadToJson(const Workload& w) {
  nlohmann::ordered_json j = {{"name", w.name}};
  if (!w.description.empty()) j["description"] = w.description;
  if (!w.oracle_assume_durable.empty()) j["oracle_assume_durable"] = w.oracle_assume_durable;
  j["ops"] = nlohmann::ordered_json::array();
  for (const Op& op : w.ops) j["ops"].push_back(OpToJson(op));
  return j;
}

std::string DescribeOp(const Op& op) {
  const std::string what = op.handle.empty() ? op.path : absl::StrCat("<", op.handle, ">");
  const std::string name(OpKindName(op.kind));
  switch (op.kind) {
    case OpKind::kWrite:
      return absl::StrCat(name, " ", what, " @", op.offset, "+", op.length, " seed ", op.seed);
    case OpKind::kAppend: return absl::StrCat(name, " ", what, " +", op.length, " seed ", op.seed);
    case OpKind::kTruncate: return absl::StrCat(name, " ", what, " to ", op.size);
    case OpKind::kRename:
      return absl::StrCat(name, " ", op.from, " -> ", op.to, op.noreplace ? " (noreplace)" : "");
    case OpKind::kLink: return absl::StrCat(name, " ", op.from, " -> ", op.to);
    case OpKind::kSymlink: return absl::StrCat(name, " ", op.path, " -> ", op.target);
    case OpKind::kSetxattr: return absl::StrCat(name, " ", what, " ", op.name, "=", op.value);
    case OpKind::kRemovexattr: return absl::StrCat(name, " ", what, " ", op.name);
    case OpKind::kOpen: return absl::StrCat(name, " <", op.handle, "> ", op.path, op.create ? " (create)" : "");
    case OpKind::kClose: return absl::StrCat(name, " <", op.handle, ">");
    case OpKind::kTmpfile: return absl::StrCat(name, " <", op.handle, "> in ", op.path);
    case OpKind::kLinkat: return absl::StrCat(name, " <", op.handle, "> -> ", op.path);
    case OpKind::kSync:
    case OpKind::kSyncfs: return name;
    default: return absl::StrCat(name, " ", what);
  }
}

}  // namespace flashfault::oracle
