# FILES is a |-separated list (a ; list would not survive the command line).
string(REPLACE "|" ";" FILES "${FILES}")
# Writes OUT: a C++ file holding each JSON file of FILES as a raw string, so
# the built-in workloads are the very files in corpora/workloads/ (read by
# the same parser as a user's file) without the binary needing the checkout.
set(body "// Generated from corpora/workloads/*.json by embed_workloads.cmake. Do not edit.\n")
string(APPEND body "#include \"absl/strings/string_view.h\"\n#include <utility>\n#include <vector>\n")
string(APPEND body "namespace flashfault::oracle {\n")
string(APPEND body "const std::vector<std::pair<absl::string_view, absl::string_view>>& EmbeddedWorkloads() {\n")
string(APPEND body "  static const std::vector<std::pair<absl::string_view, absl::string_view>> files = {\n")
foreach(f IN LISTS FILES)
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(FIND "${text}" ")ffjson\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter")
  endif()
  string(APPEND body "      {\"${name}\", R\"ffjson(${text})ffjson\"},\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n}  // namespace flashfault::oracle\n")
file(WRITE ${OUT} "${body}")
