// `flashfault replay LOG --until N [--image OUT]`: rebuild the device state
// after op N of a replayable event log and prove it with the logged state
// hash. Exit 0 rebuilt (and verified when the log has a hash at or before
// N), 2 bad usage or a log that cannot be replayed, 3 the replay diverged
// from the log (hash or op status mismatch), 1 the image could not be
// written. It never changes the log; the image is written atomically.
#include <cstdio>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "fault-models/replay/replay_log.h"
#include "fault-models/state_hash.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {

int RunReplay(std::span<char* const> args) {
  std::vector<std::string> positional;
  uint64_t until = UINT64_MAX;
  std::string image;
  ArgParser parser(
      "flashfault replay LOG [--until N] [--image OUT]",
      "Rebuild the exact device state after op N of an event log recorded with replay data "
      "(geometry, plan and seed in the start line, write payloads in LOG.data), checking every "
      "logged state hash on the way. Without --until, the whole log is replayed. --image writes "
      "the rebuilt state as a raw image: each page's data then its OOB, page after page.",
      "  flashfault replay run/events.jsonl --until 123456\n"
      "  flashfault replay run/events.jsonl --until 999 --image state.bin");
  parser.SetPositional("LOG", 1, 1, &positional);
  parser.AddUint("until", "N", "last op to re-execute (default: the whole log)", &until);
  parser.AddString("image", "OUT", "write the rebuilt state to this file", &image);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "replay"); rc >= 0) return rc;

  absl::StatusOr<ReplayResult> r = ReplayLog(positional[0], until);
  if (!r.ok()) {
    std::fprintf(stderr, "flashfault replay: %s\n", std::string(r.status().message()).c_str());
    return r.status().code() == absl::StatusCode::kDataLoss ? kExitFound : kExitUsage;
  }
  const std::string hex = StateHashHex(r->hash);
  if (until != UINT64_MAX && r->last_op < static_cast<int64_t>(until)) {
    std::fprintf(stderr, "flashfault replay: the log ends at op %lld, before op %llu\n",
                 static_cast<long long>(r->last_op), static_cast<unsigned long long>(until));
  }
  if (r->verified_at && *r->verified_at == r->last_op) {
    std::printf("state hash at op %lld: %s (matches the log)\n",
                static_cast<long long>(r->last_op), hex.c_str());
  } else if (r->verified_at) {
    std::printf("state hash at op %lld: %s (log hash at op %lld matched; none logged after)\n",
                static_cast<long long>(r->last_op), hex.c_str(),
                static_cast<long long>(*r->verified_at));
  } else {
    std::printf("state hash at op %lld: %s (not verified: no hash logged at or before it)\n",
                static_cast<long long>(r->last_op), hex.c_str());
  }
  if (!image.empty()) {
    NandModel& model = r->layer->model();
    std::string bytes;
    for (uint32_t b = 0; b < model.geometry().block_count; ++b) {
      std::span<const uint8_t> blk = model.store().Block(b);
      bytes.append(reinterpret_cast<const char*>(blk.data()), blk.size());
    }
    absl::Status s = WriteFileAtomically(image, bytes);
    if (!s.ok()) {
      std::fprintf(stderr, "flashfault replay: %s\n", std::string(s.message()).c_str());
      return kExitFailure;
    }
    std::fprintf(stderr, "wrote %s (%zu bytes)\n", image.c_str(), bytes.size());
  }
  return kExitOk;
}

}  // namespace flashfault::cli
