#!/usr/bin/env python3
"""Carries the part of HL7's FHIR R4 JSON Schema that the harness needs into this folder.

Input: ../shared/fhir/fhir.schema.json (HL7 FHIR 4.0.1, verbatim; provenance in README.md here).
Output: fhir-r4-appointment.schema.json: the transitive closure of the definitions reachable from
Appointment, Bundle and OperationOutcome, every definition unchanged except one: `ResourceList`
(a oneOf over all 146 resource types) becomes a reference to Appointment, because the Appointment
API's bundles only ever hold Appointments. Run from the repository root:
    python3 schemas/fhir/extract.py ../shared/fhir/fhir.schema.json
"""
import hashlib
import json
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "../shared/fhir/fhir.schema.json"
raw = open(source, "rb").read()
schema = json.loads(raw)
defs = schema["definitions"]
overrides = {"ResourceList": {"$ref": "#/definitions/Appointment"}}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
                yield value[len("#/definitions/"):]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


keep, todo = {}, ["Appointment", "Bundle", "OperationOutcome"]
while todo:
    name = todo.pop()
    if name in keep:
        continue
    keep[name] = overrides.get(name, defs[name])
    todo.extend(refs(keep[name]))

out = {
    "$schema": schema["$schema"],
    "id": "http://hl7.org/fhir/json-schema/4.0#appointment-subset",
    "description": "Subset of HL7 FHIR R4 (4.0.1) JSON Schema: definitions reachable from Appointment, "
    "Bundle and OperationOutcome; ResourceList narrowed to Appointment. Source sha256 "
    + hashlib.sha256(raw).hexdigest(),
    "definitions": {name: keep[name] for name in sorted(keep)},
}
target = "schemas/fhir/fhir-r4-appointment.schema.json"
with open(target, "w") as handle:
    json.dump(out, handle, indent=1, sort_keys=False)
    handle.write("\n")
print(f"{target}: {len(keep)} definitions")
