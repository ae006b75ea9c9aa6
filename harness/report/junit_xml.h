// junit.xml: a MergedReport in the JUnit XML format that Jenkins (junit
// plugin), GitLab (artifacts:reports:junit) and GitHub (test-reporter
// actions) read as it is. tests/report/junit.xsd is the subset of the
// format it keeps to, and a test validates every output against it.
//
//   <testsuites name="flashfault" tests= failures= errors= time=>
//     <testsuite name="flashfault run">       one <testcase> per scenario run
//     <testsuite name="flashfault explore">   per exploration one <testcase>
//                                             (pass, or <error> when a shard
//                                             failed) and one per finding
//                                             signature, with <failure>
//     <testsuite name="flashfault fuzz">      per fuzzing campaign one
//                                             <testcase> (pass, or <error>
//                                             when it could not run) and one
//                                             per finding: <failure>, or
//                                             <skipped> when the reproducer
//                                             corpus already kept it
// A failure's message is one line; its text holds the one-line reproduce
// command and the kernel-log excerpt. Must not: decide outcomes (merge.h
// did) or contain anything that is not valid XML 1.0 (xml_text.h).
#pragma once

#include <string>

#include "harness/report/merge.h"

namespace flashfault::report {

std::string JunitXml(const MergedReport& report);

}  // namespace flashfault::report
