// Decoding kernel-fuzzer inputs and cases; see fuzz_input.h.
#include "harness/campaign/fuzz/fuzz_input.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "harness/campaign/oracle/builtin_workloads.h"

namespace flashfault::campaign::fuzz {

FuzzInput DecodeInput(std::span<const uint8_t> bytes) {
  uint8_t head[kHeaderBytes] = {};
  for (size_t i = 0; i < kHeaderBytes && i < bytes.size(); ++i) head[i] = bytes[i];
  FuzzInput in;
  in.faults_from_attach = (head[0] & 1) != 0;
  in.mix_seed = static_cast<uint16_t>(head[1] | (head[2] << 8));
  in.mix_length = kMinOps + head[3] % (kMaxOps - kMinOps + 1);
  if (bytes.size() > kHeaderBytes) in.stream.assign(bytes.begin() + kHeaderBytes, bytes.end());
  return in;
}

absl::StatusOr<oracle::Workload> InputWorkload(const FuzzInput& in, const std::string& name) {
  if (name != "mix") return oracle::LoadBuiltinWorkload(name);
  return oracle::LoadBuiltinWorkload("mix", in.mix_seed, in.mix_length);
}

ubi_volume::VolumeWorkload InputVolumeWorkload(const FuzzInput& in, uint64_t leb_size) {
  return ubi_volume::GenerateVolumeMix(in.mix_seed, in.mix_length, leb_size);
}

nlohmann::ordered_json CaseToJson(const FuzzCase& c) {
  nlohmann::ordered_json j;
  j["script"] = c.script;
  j["workload"] = c.volume ? ubi_volume::VolumeWorkloadToJson(*c.volume) : oracle::WorkloadToJson(c.workload);
  return j;
}

absl::StatusOr<FuzzCase> CaseFromJson(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(source, ": $: expected an object"));
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (key != "script" && key != "workload") {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": $.", key, ": unknown key (a case has script and workload)"));
    }
  }
  if (!j.contains("script") || !j["script"].is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": $.script: expected a fault script object"));
  }
  if (!j.contains("workload")) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": $.workload: required"));
  }
  FuzzCase c;
  c.script = j["script"];
  const std::string where = absl::StrCat(source, " $.workload");
  if (ubi_volume::IsVolumeWorkloadJson(j["workload"])) {
    FF_ASSIGN_OR_RETURN(c.volume, ubi_volume::ParseVolumeWorkload(j["workload"], where));
  } else {
    FF_ASSIGN_OR_RETURN(c.workload, oracle::ParseWorkload(j["workload"], where));
  }
  return c;
}

}  // namespace flashfault::campaign::fuzz
