// ServedDevice assembly; see served_device.h.
#include "harness/server/served_device.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "backends/image/flash_image.h"
#include "backends/model/geometry_json.h"
#include "backends/store/ram_store.h"
#include "backends/store/shared_ram_store.h"
#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "fault-models/replay/replay_log.h"
#include "harness/server/device_summary.h"
#include "fault-models/script/fault_script.h"

namespace flashfault::server {

absl::StatusOr<std::unique_ptr<NandModel>> OpenServedModel(const ServedDeviceOptions& o) {
  if (!o.image.empty()) {
    if (!o.preset.empty() || !o.geometry_file.empty()) {
      return absl::InvalidArgumentError(
          "--image takes its geometry from the image's metadata; drop --preset/--geometry");
    }
    return OpenImage(o.image);
  }
  Geometry g;
  if (o.geometry) {
    if (!o.preset.empty() || !o.geometry_file.empty()) {
      return absl::InvalidArgumentError("the geometry is given twice");
    }
    g = *o.geometry;
  } else {
    FF_ASSIGN_OR_RETURN(g, ResolveGeometry(o.preset, o.geometry_file));
  }
  const uint64_t block_bytes = uint64_t{g.pages_per_block} * (g.page_size + g.oob_size);
  if (o.direct_reads) {
    FF_ASSIGN_OR_RETURN(std::unique_ptr<SharedRamStore> store,
                        SharedRamStore::Create(block_bytes, g.block_count));
    return NandModel::Create(g, std::move(store));
  }
  return NandModel::Create(g, std::make_unique<RamStore>(block_bytes, g.block_count));
}

ServedDevice::~ServedDevice() {
  if (stream_source && !export_script.empty()) {
    const Geometry& g = layer->geometry();
    absl::Status s =
        WriteFileAtomically(export_script, PlanToJson(stream_source->plan(), &g).dump(2) + "\n");
    if (!s.ok()) std::fprintf(stderr, "flashfault serve: %s\n", s.ToString().c_str());
  }
  if (sink && payload_file != nullptr && layer && layer->op_count() > 0) {
    sink->WriteStateHash(static_cast<int64_t>(layer->op_count()) - 1);
  }
  if (sink) {
    absl::Status s = sink->Flush();
    if (!s.ok()) std::fprintf(stderr, "flashfault serve: event log: %s\n", s.ToString().c_str());
  }
  if (!summary_path.empty() && layer != nullptr) {
    absl::Status s = WriteDeviceSummary(summary_path, *layer, bad_at_start, timeline.get());
    if (!s.ok()) std::fprintf(stderr, "flashfault serve: --summary: %s\n", s.ToString().c_str());
  }
  sink.reset();
  if (events_file != nullptr) std::fclose(events_file);
  if (payload_file != nullptr) std::fclose(payload_file);
}

// Reads the whole fault stream (fuzzer inputs are small).
absl::StatusOr<std::vector<uint8_t>> ReadStream(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("--fault-stream ", path, ": cannot open"));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Puts a byte-stream fault source in front of the layer when one is given.
absl::Status AttachStream(const ServedDeviceOptions& o, ServedDevice& served) {
  if (o.fault_stream_bytes) {
    served.stream_bytes = *o.fault_stream_bytes;
  } else if (o.fault_stream.empty()) {
    if (!o.export_script.empty()) {
      return absl::InvalidArgumentError("--export-script needs --fault-stream");
    }
    return absl::OkStatus();
  }
  if (!o.script.empty()) {
    return absl::InvalidArgumentError("give --script or --fault-stream, not both");
  }
  if (!o.fault_stream_bytes) {
    FF_ASSIGN_OR_RETURN(served.stream_bytes, ReadStream(o.fault_stream));
  }
  served.stream_source = std::make_unique<ByteStreamSource>(
      served.stream_bytes, served.layer->seed(), served.layer->geometry());
  served.stream_device = std::make_unique<StreamFaultDevice>(*served.layer, *served.stream_source);
  served.export_script = o.export_script;
  return absl::OkStatus();
}

// The stream source, then the direct-read tracker in front of everything.
absl::Status AttachFrontEnds(const ServedDeviceOptions& o, const FaultPlan& plan,
                             ServedDevice& served) {
  if (o.initial_state) FF_RETURN_IF_ERROR(o.initial_state(*served.layer, plan));
  FF_RETURN_IF_ERROR(AttachStream(o, served));
  if (!o.direct_reads) return absl::OkStatus();
  FaultLayer& layer = *served.layer;
  FF_ASSIGN_OR_RETURN(served.direct,
                      DirectReads::Create(served.device(), layer, served.stream_device != nullptr));
  return absl::OkStatus();
}

// Notes where the summary goes and which blocks are bad before the first
// request (the image's table, factory_bad faults, a crash state's), so the
// summary can tell those from the blocks that grow bad while served.
std::unique_ptr<ServedDevice> Summarised(const ServedDeviceOptions& o,
                                         std::unique_ptr<ServedDevice> served) {
  if (o.summary.empty()) return served;
  served->summary_path = o.summary;
  served->bad_at_start = BadBlocksNow(served->layer->model());
  return served;
}

// A caller's layer (ServedDeviceOptions::layer), served as it is.
absl::StatusOr<std::unique_ptr<ServedDevice>> ServeBorrowedLayer(const ServedDeviceOptions& o) {
  if (!o.preset.empty() || !o.geometry_file.empty() || o.geometry || !o.image.empty() ||
      !o.script.empty() || o.seed || !o.events.empty() || !o.fault_stream.empty() ||
      !o.summary.empty()) {
    return absl::InvalidArgumentError(
        "a borrowed layer comes with its part and plan: no geometry, image, script, seed, "
        "events, fault stream or summary");
  }
  auto served = std::make_unique<ServedDevice>();
  served->layer = o.layer;
  const Geometry& geometry = o.layer->geometry();
  FaultPlan none;  // served without faults; initial_state leaves it so
  none.seed = o.layer->seed();
  served->script_json = PlanToJson(none, &geometry).dump(2) + "\n";
  FF_RETURN_IF_ERROR(AttachFrontEnds(o, none, *served));
  return served;
}

absl::StatusOr<std::unique_ptr<ServedDevice>> OpenServedDevice(const ServedDeviceOptions& o) {
  if (o.layer != nullptr) return ServeBorrowedLayer(o);
  FF_ASSIGN_OR_RETURN(std::unique_ptr<NandModel> model, OpenServedModel(o));
  const Geometry geometry = model->geometry();

  // The script is checked against the geometry actually served, whatever
  // geometry it names itself.
  FaultPlan plan;
  if (!o.script.empty()) {
    FF_ASSIGN_OR_RETURN(FaultScript script, LoadScriptFile(o.script, &geometry));
    plan = std::move(script.plan);
  }
  if (o.seed) plan.seed = *o.seed;
  // A script aimed by meaning logs what each op touched, so the log shows
  // where its faults landed.
  ServedDeviceOptions opts = o;
  for (const FaultSpec& f : plan.faults) opts.decode |= f.where.meaning.has_value();

  auto served = std::make_unique<ServedDevice>();
  served->script_json = PlanToJson(plan, &geometry).dump(2) + "\n";
  if (o.events.empty()) {
    FaultLayerOptions options;
    options.decode = opts.decode;
    if (!o.summary.empty()) {
      served->timeline = std::make_unique<OpTimelineSink>(nullptr);
      options.sink = served->timeline.get();
    }
    FF_ASSIGN_OR_RETURN(served->owned_layer, FaultLayer::Create(std::move(model), plan, options));
    served->layer = served->owned_layer.get();
    FF_RETURN_IF_ERROR(AttachFrontEnds(o, plan, *served));
    return Summarised(o, std::move(served));
  }
  served->events_file = std::fopen(o.events.c_str(), "w");
  if (served->events_file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("--events ", o.events, ": ", std::strerror(errno)));
  }
  served->events_path = o.events;
  served->sink = std::make_unique<JsonlEventSink>(served->events_file);
  // The layer reports to the timeline when a summary is asked for; it
  // forwards every record to the log unchanged.
  if (!o.summary.empty()) served->timeline = std::make_unique<OpTimelineSink>(served->sink.get());
  EventSink* front = served->timeline ? static_cast<EventSink*>(served->timeline.get())
                                      : served->sink.get();
  if (!o.image.empty() || o.initial_state) {
    // An image's (or a crash state's) starting content is not in the log, so
    // such a log is for reading (flashfault log), not for replay.
    FaultLayerOptions options;
    options.sink = front;
    options.decode = opts.decode;
    FF_ASSIGN_OR_RETURN(served->owned_layer, FaultLayer::Create(std::move(model), plan, options));
    served->layer = served->owned_layer.get();
    FF_RETURN_IF_ERROR(AttachFrontEnds(o, plan, *served));
    return Summarised(o, std::move(served));
  }
  const std::string payload = o.events + ".data";
  served->payload_file = std::fopen(payload.c_str(), "w");
  if (served->payload_file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("--events ", payload, ": ", std::strerror(errno)));
  }
  const size_t slash = payload.rfind('/');
  FF_ASSIGN_OR_RETURN(
      served->owned_layer,
      CreateRecordedLayer(std::move(model), plan, *served->sink, served->payload_file,
                          slash == std::string::npos ? payload : payload.substr(slash + 1),
                          ServedDevice::kHashEvery, RuleMode::kStrict, front, opts.decode));
  served->layer = served->owned_layer.get();
  FF_RETURN_IF_ERROR(AttachFrontEnds(o, plan, *served));
  return Summarised(o, std::move(served));
}

}  // namespace flashfault::server
