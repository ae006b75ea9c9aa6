// Helpers for the oracle tests: op logs with fake flash counters (op i spans
// flash ops [10*i, 10*i + 10)) and fabricated observed trees.
#pragma once

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/campaign/oracle/content.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/tree_snapshot.h"
#include "nlohmann/json.hpp"

namespace flashfault::oracle::testing {

struct Step {
  nlohmann::json op;
  int64_t ret = INT64_MIN;  // default: length for write/append, else 0
  int err = 0;
};

// Cut just before op i started (ops < i returned) and in the middle of op i.
inline uint64_t Before(uint64_t i) { return 10 * i; }
inline uint64_t During(uint64_t i) { return 10 * i + 5; }

inline OpLog MakeLog(const std::vector<Step>& steps, bool counters = true,
                     std::vector<std::string> assume = {}) {
  OpLog log;
  log.workload = "test";
  log.oracle_assume_durable = std::move(assume);
  for (size_t i = 0; i < steps.size(); ++i) {
    LogRecord r;
    r.index = i;
    absl::StatusOr<Op> op = ParseOp(steps[i].op, "test", "$");
    EXPECT_TRUE(op.ok()) << op.status();
    r.op = *op;
    const bool data = r.op.kind == OpKind::kWrite || r.op.kind == OpKind::kAppend;
    r.ret = steps[i].ret != INT64_MIN ? steps[i].ret : (data ? static_cast<int64_t>(r.op.length) : 0);
    r.err = steps[i].err;
    if (r.err != 0 && steps[i].ret == INT64_MIN) r.ret = -1;
    if (counters) {
      r.flash_before = 10 * i;
      r.flash_after = 10 * i + 10;
    }
    log.records.push_back(r);
  }
  return log;
}

inline std::string Data(uint64_t seed, size_t len, uint64_t base = 0) {
  std::string s(len, '\0');
  FillData(seed, base, reinterpret_cast<uint8_t*>(s.data()), len);
  return s;
}

class Tree {
 public:
  Tree& File(const std::string& path, std::string content, uint64_t ino, uint32_t mode = 0644,
             uint64_t nlink = 1) {
    ObservedEntry& e = Add(path, NodeType::kFile, ino, mode, nlink);
    e.size = content.size();
    e.hash = Hash64(content);
    e.content = std::move(content);
    return *this;
  }
  Tree& Dir(const std::string& path, uint64_t ino, uint32_t mode = 0755) {
    Add(path, NodeType::kDir, ino, mode, 2);
    return *this;
  }
  Tree& Symlink(const std::string& path, const std::string& target, uint64_t ino) {
    ObservedEntry& e = Add(path, NodeType::kSymlink, ino, 0777, 1);
    e.target = target;
    e.size = target.size();
    return *this;
  }
  Tree& Xattr(const std::string& path, const std::string& name, const std::string& value) {
    snap_.entries.at(path).xattrs[name] = value;
    return *this;
  }
  Tree& Error(const std::string& path, int err) {
    snap_.entries.at(path).read_errno = err;
    return *this;
  }
  const TreeSnapshot& snap() const { return snap_; }

 private:
  ObservedEntry& Add(const std::string& path, NodeType type, uint64_t ino, uint32_t mode, uint64_t nlink) {
    ObservedEntry& e = snap_.entries[path];
    e.path = path;
    e.type = type;
    e.ino = ino;
    e.mode = mode;
    e.nlink = nlink;
    return e;
  }
  TreeSnapshot snap_;
};

// "rule path" for each violation, sorted.
inline std::vector<std::string> Rules(const OpLog& log, uint64_t cut, const Tree& tree,
                                      FsProfile profile = FsProfile::kUbifs) {
  absl::StatusOr<OracleModel> o = OracleModel::Build(log, profile);
  EXPECT_TRUE(o.ok()) << o.status();
  if (!o.ok()) return {"<model failed>"};
  std::vector<std::string> out;
  for (const Violation& v : Check(o->ExpectAt(cut), tree.snap())) out.push_back(v.rule + " " + v.path);
  std::sort(out.begin(), out.end());
  return out;
}

using V = std::vector<std::string>;

}  // namespace flashfault::oracle::testing
