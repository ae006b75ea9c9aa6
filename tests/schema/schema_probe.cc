// schema_probe KIND FILE: flashfault's own validator for one file of a kind
// that has a schema in corpora/schemas/, for the schema agreement test
// (schema_agreement_test.py). It calls exactly what the commands call:
//   fault-script  LoadScriptFile        (`flashfault script check FILE`)
//   geometry      LoadGeometryFile      (`flashfault geometry check FILE`)
//   scenario      LoadScenarioFile      (`flashfault run` before it boots)
//   workload      LoadWorkloadFile      (`flashfault explore`, `workload exec`)
// Prints "valid" or "invalid: MESSAGE" and exits 0 or 2 (1 for bad usage).
// Must not: validate anything itself.
#include <cstdio>
#include <string>

#include "backends/model/geometry_json.h"
#include "fault-models/script/fault_script.h"
#include "harness/campaign/oracle/workload.h"
#include "harness/campaign/scenario.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: schema_probe fault-script|geometry|scenario|workload FILE\n");
    return 1;
  }
  const std::string kind = argv[1], file = argv[2];
  absl::Status status;
  if (kind == "fault-script") {
    status = flashfault::LoadScriptFile(file).status();
  } else if (kind == "geometry") {
    status = flashfault::LoadGeometryFile(file).status();
  } else if (kind == "scenario") {
    status = flashfault::campaign::LoadScenarioFile(file).status();
  } else if (kind == "workload") {
    status = flashfault::oracle::LoadWorkloadFile(file).status();
  } else {
    std::fprintf(stderr, "schema_probe: unknown kind %s\n", kind.c_str());
    return 1;
  }
  if (status.ok()) {
    std::printf("valid\n");
    return 0;
  }
  std::printf("invalid: %s\n", std::string(status.message()).c_str());
  return 2;
}
