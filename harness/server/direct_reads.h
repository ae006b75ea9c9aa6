// DirectReads: the server's half of the module's direct reads
// (kmod/muse_direct.c, kmod/README.md "Direct reads").
//
// Under TCG a request round trip costs ~100 us, so clean random reads are
// served by the module itself, from the store file, when the server says a
// block is clean. This class owns the map that says so (a bypass flag and
// one "ask" bit per eraseblock), shares it and the store with the module,
// and keeps it true: it sits between the session and the device, forwards
// every op, then re-marks the blocks the op touched and the flag.
//
// A block is clean (bit clear) only when the store file holds it, it is
// good, and none of its cells deviates (NandModel). The flag is up while the
// fault layer observes queries (FaultLayer::QueriesObserved: read faults, an
// op-index trigger, an event log, power off) or a byte stream decides a
// fault for every op. It must never interpret faults itself, and never
// clear a bit or the flag before the state that allows it is in place.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "fault-models/fault_layer.h"
#include "harness/muse/muse_abi.h"

namespace flashfault::server {

class DirectReads final : public FlashDevice {
 public:
  // `device` is what the session would serve (the layer, or a stream device
  // in front of it); `layer` is the fault layer under it. With
  // `every_op_decides` (a fault stream) the flag stays up.
  static absl::StatusOr<std::unique_ptr<DirectReads>> Create(FlashDevice& device,
                                                             FaultLayer& layer,
                                                             bool every_op_decides);
  ~DirectReads() override;
  DirectReads(const DirectReads&) = delete;
  DirectReads& operator=(const DirectReads&) = delete;

  // Offers the store file and the map to the module behind `muse_fd`
  // (MUSE_DEV_IOC_DIRECT), before the INIT reply. False when the store is
  // no file or the kernel has no direct reads (ENOTTY: a v3 kernel, or
  // muse.ko with fuse_minor=33); every read then takes the request path.
  absl::StatusOr<bool> Share(int muse_fd);
  // Re-derives the flag and every block's bit; call between two ops after
  // anything that changes the device outside an op (a new plan, power).
  void RefreshAll();

  struct Counters {
    bool shared = false;   // the module took the map
    bool bypass = false;   // every query goes to the server now
    uint32_t clean_blocks = 0;
    uint64_t reads = 0, read_bytes = 0, isbad = 0;  // served by the module
  };
  Counters counters() const;
  // The map as the module sees it (tests play the module with it).
  const muse::DirectMap& map() const { return *map_; }
  bool BlockAsks(uint32_t block) const;

  const Geometry& geometry() const override { return device_.geometry(); }
  absl::StatusOr<ReadReport> Read(const FlashOp& op, std::span<uint8_t> data,
                                  std::span<uint8_t> oob) override;
  absl::Status Write(const FlashOp& op, std::span<const uint8_t> data,
                     std::span<const uint8_t> oob) override;
  absl::Status Erase(uint64_t addr, uint64_t len) override;
  absl::StatusOr<bool> IsBad(uint64_t addr) override;
  absl::Status MarkBad(uint64_t addr) override;
  absl::Status Sync() override;

 private:
  DirectReads(FlashDevice& device, FaultLayer& layer, bool every_op_decides, muse::DirectMap* map,
              size_t map_len);
  bool WantBypass() const;
  void SetBypass(bool on);
  void MarkBlock(uint32_t block);
  // After an op on [addr, addr + len) (data) plus `oob_len` OOB bytes.
  void AfterOp(uint64_t addr, uint64_t len, uint64_t oob_len);

  FlashDevice& device_;
  FaultLayer& layer_;
  NandModel& model_;
  const bool every_op_decides_;
  muse::DirectMap* map_;  // page-aligned anonymous memory, pinned by the module
  uint64_t* ask_;         // the bits after the header
  size_t map_len_;
  bool shared_ = false;
};

}  // namespace flashfault::server
