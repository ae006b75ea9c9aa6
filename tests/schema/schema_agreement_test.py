#!/usr/bin/python3
"""One schema truth: every example JSON under corpora/, the edge cases of
tests/schema/valid/KIND/ and every file of the invalid corpus
(tests/schema/invalid/KIND/) is judged by Python's jsonschema against
corpora/schemas/ AND by flashfault's own validator (schema_probe, which calls
what the commands call; for fault scripts and geometries also the commands
themselves), and the two must agree: examples and edge cases valid for both,
invalid files refused by both.

tests/schema/beyond-schema/KIND/ holds files a JSON Schema cannot refuse
(rules across fields or against the geometry, which the schemas' descriptions
state in words): there the schema must accept and flashfault refuse, so the
list of what the schemas leave to the validator is explicit and checked.

Usage: schema_agreement_test.py REPO_ROOT SCHEMA_PROBE FLASHFAULT
Exit 0 when everything agrees; 1 naming every file where they disagree.
Must not: skip a file it does not understand (an example folder without a
kind is an error), or pass when jsonschema is missing (exit 1 saying so).
"""
import json
import pathlib
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("schema_agreement_test: python3-jsonschema is not installed "
          "(harness/setup/install-deps.sh installs it)")
    sys.exit(1)

# Example folders under corpora/ and the schema their files follow.
EXAMPLE_KINDS = {"scripts": "fault-script", "scenarios": "scenario", "workloads": "workload",
                 "reproducers": "scenario"}
# Not examples: libFuzzer seed corpora (deliberately malformed inputs among them).
NOT_EXAMPLES = {"fuzz", "schemas"}
# Kinds whose command validates a file by itself; argv after the binary.
COMMANDS = {"fault-script": ["script", "check"], "geometry": ["geometry", "check"]}


def load_schemas(root):
    by_kind, store = {}, {}
    for path in sorted((root / "corpora" / "schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        kind = path.name[: -len(".schema.json")]
        by_kind[kind] = schema
        store[schema["$id"]] = schema
    def offline(uri):
        raise LookupError("%s is not one of corpora/schemas/ (a $ref must name a schema there "
                          "by its $id; nothing is fetched)" % uri)
    validators = {}
    for kind, schema in by_kind.items():
        resolver = jsonschema.RefResolver.from_schema(
            schema, store=store, handlers={"http": offline, "https": offline})
        validators[kind] = jsonschema.Draft202012Validator(schema, resolver=resolver)
    return validators


def schema_verdict(validator, path):
    try:
        doc = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        return False, "not JSON: %s" % e
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return True, ""
    e = errors[0]
    where = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p for p in e.absolute_path)
    return False, "%s: %s" % (where, e.message[:200])


def flashfault_verdict(probe, flashfault, kind, path):
    out = subprocess.run([probe, kind, str(path)], capture_output=True, text=True)
    if out.returncode not in (0, 2):
        raise RuntimeError("schema_probe failed on %s: %s" % (path, out.stderr))
    valid = out.returncode == 0
    message = out.stdout.strip()
    if kind in COMMANDS:
        cmd = subprocess.run([flashfault] + COMMANDS[kind] + [str(path)], capture_output=True, text=True)
        if (cmd.returncode == 0) != valid or cmd.returncode not in (0, 2):
            return None, "`flashfault %s` exits %d but the library says %s" % (
                " ".join(COMMANDS[kind]), cmd.returncode, message)
    return valid, message


def DeclaredKind(path, validators):
    """The schema a file names in "$schema" ("../../schemas/fault-script.schema.json"),
    when it is one of ours: a scenario's folder may hold the fault scripts it ships."""
    try:
        declared = json.loads(path.read_text()).get("$schema")
    except (ValueError, AttributeError):
        return None
    if not isinstance(declared, str) or not declared.endswith(".schema.json"):
        return None
    kind = declared.rsplit("/", 1)[-1][: -len(".schema.json")]
    return kind if kind in validators else None


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 1
    root, probe, flashfault = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    validators = load_schemas(root)
    cases = []  # (kind, path, expected schema verdict, expected flashfault verdict)
    for folder in sorted((root / "corpora").iterdir()):
        if not folder.is_dir() or folder.name in NOT_EXAMPLES:
            continue
        files = sorted(folder.rglob("*.json"))
        if files and folder.name not in EXAMPLE_KINDS:
            print("corpora/%s holds JSON examples but no schema kind is known for it "
                  "(add it to EXAMPLE_KINDS)" % folder.name)
            return 1
        cases += [(DeclaredKind(f, validators) or EXAMPLE_KINDS[folder.name], f, True, True)
                  for f in files]
    here = root / "tests" / "schema"
    for sub, schema_ok, ff_ok in (("valid", True, True), ("invalid", False, False),
                                  ("beyond-schema", True, False)):
        for kind_dir in sorted((here / sub).iterdir()):
            if kind_dir.name not in validators:
                print("%s: no schema named %s" % (kind_dir, kind_dir.name))
                return 1
            cases += [(kind_dir.name, f, schema_ok, ff_ok) for f in sorted(kind_dir.glob("*.json"))]

    bad = 0
    counts = {}
    for kind, path, want_schema, want_ff in cases:
        s_ok, s_msg = schema_verdict(validators[kind], path)
        f_ok, f_msg = flashfault_verdict(probe, flashfault, kind, path)
        rel = path.relative_to(root)
        if s_ok == want_schema and f_ok == want_ff:
            label = "valid" if s_ok and f_ok else "refused by both" if not (s_ok or f_ok) else \
                "schema accepts, flashfault refuses"
            print("ok   %-12s %s: %s" % (kind, rel, label))
            counts[label] = counts.get(label, 0) + 1
            continue
        bad += 1
        print("DISAGREE %-12s %s\n  jsonschema: %s %s\n  flashfault: %s %s" % (
            kind, rel, "valid" if s_ok else "invalid", s_msg,
            "valid" if f_ok else "invalid" if f_ok is not None else "inconsistent", f_msg))
    print("%d files: %s; %d disagreements" % (
        len(cases), ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
