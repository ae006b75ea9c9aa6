// ServedDevice: what `flashfault serve` puts behind the MUSE session: the
// model (RAM or an image file), the fault layer with the script's plan, and
// the event log. One place builds it, so serve, the control filesystem and
// tests agree on the stack: session -> FaultLayer -> NandModel -> store.
//
// The fault layer is always there (with an empty plan when no script is
// given): power commands and script replacement then work on every server,
// and its no-fault path costs one branch per operation.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fault-models/event_sink.h"
#include "fault-models/fault_layer.h"
#include "fault-models/op_timeline.h"
#include "fault-models/stream/byte_stream_source.h"
#include "harness/server/direct_reads.h"

namespace flashfault::server {

struct ServedDeviceOptions {
  std::string preset;         // one of preset, geometry_file, geometry, image
  std::string geometry_file;
  std::optional<Geometry> geometry;  // a geometry already in hand (e.g. a log's)
  std::string image;          // a persistent image (see flash_image.h)
  std::string script;         // a JSON fault script; empty = no faults
  std::string events;         // JSON Lines event log to write; empty = none. On a RAM
                              // device the log is replayable: write payloads go to
                              // EVENTS.data, a state hash every kHashEvery ops and at exit
  std::optional<uint64_t> seed;  // overrides the script's seed
  bool decode = false;        // classify every op by meaning (FaultLayerOptions::decode):
                              // the event log says what each op touched
  std::string fault_stream;   // a byte stream (e.g. a fuzzer input) deciding faults op by op
  // The same, already in memory (the kernel fuzzer's agent); also allowed
  // with a borrowed layer.
  std::optional<std::vector<uint8_t>> fault_stream_bytes;
  std::string export_script;  // at exit, the stream's decisions as an equivalent script
  // At exit, the device summary (device_summary.h): erase counts, bad blocks,
  // ops and faults along the op sequence. Counting every op makes queries
  // observed, so the module's direct reads are off (as with `events`).
  std::string summary;
  // Keep the map of clean blocks for the module's direct reads (RAM devices
  // then live in a memfd the module can read); see direct_reads.h.
  bool direct_reads = false;
  // Fills the part before anything is served (crash states: see
  // fault-models/replay/crash_state.h). Gets the layer and the plan it must
  // be left serving with.
  std::function<absl::Status(FaultLayer&, const FaultPlan&)> initial_state;
  // Serve this layer, owned by the caller and kept after the device closes,
  // instead of building one: a campaign that serves state after state on
  // one part (the explore agent). Needs no preset, geometry, image, script,
  // seed, events or fault stream; served with no faults (initial_state is
  // handed an empty plan). Its store decides whether direct reads can be
  // shared (OpenServedModel with direct_reads builds a memfd store).
  FaultLayer* layer = nullptr;
};

struct ServedDevice {
  FaultLayer* layer = nullptr;             // owned_layer, or the caller's
  std::unique_ptr<FaultLayer> owned_layer;
  std::string script_json;  // the active plan, as an equivalent script
  std::string events_path;
  std::unique_ptr<JsonlEventSink> sink;  // null without --events
  // With a summary: the timeline in front of `sink` (or alone), where it is
  // written at exit, and the bad blocks before the first request.
  std::unique_ptr<OpTimelineSink> timeline;
  std::string summary_path;
  std::vector<uint32_t> bad_at_start;
  std::FILE* events_file = nullptr;
  std::FILE* payload_file = nullptr;     // replayable logs only
  static constexpr uint64_t kHashEvery = 100000;
  // With a fault stream: its bytes, the source consuming them, and the
  // device that consults it before every op (what the session serves).
  std::vector<uint8_t> stream_bytes;
  std::unique_ptr<ByteStreamSource> stream_source;
  std::unique_ptr<StreamFaultDevice> stream_device;
  std::string export_script;
  // With direct reads: in front of everything, tracking clean blocks.
  std::unique_ptr<DirectReads> direct;

  // What the session serves: the direct-read tracker, else the stream
  // device, else the layer.
  FlashDevice& device() {
    if (direct) return *direct;
    return stream_device ? static_cast<FlashDevice&>(*stream_device) : *layer;
  }

  ServedDevice() = default;
  ServedDevice(const ServedDevice&) = delete;
  ServedDevice& operator=(const ServedDevice&) = delete;
  // Writes the final state hash (replayable logs), flushes and closes the
  // log, exports the fault stream's decisions and writes the device summary
  // when asked.
  ~ServedDevice();
};

// Builds the stack. Errors name the flag and the file (InvalidArgument and
// NotFound are the user's input; anything else is an internal failure).
absl::StatusOr<std::unique_ptr<ServedDevice>> OpenServedDevice(const ServedDeviceOptions& opts);

// The model OpenServedDevice would serve for `opts` (preset, geometry file,
// geometry or image; a memfd store with direct_reads), for a caller that
// builds a layer to keep (ServedDeviceOptions::layer).
absl::StatusOr<std::unique_ptr<NandModel>> OpenServedModel(const ServedDeviceOptions& opts);

}  // namespace flashfault::server
