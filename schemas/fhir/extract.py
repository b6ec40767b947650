#!/usr/bin/env python3
"""Carries the parts of HL7's FHIR R4 JSON Schema that the harness needs into this folder.

Input: ../shared/fhir/fhir.schema.json (HL7 FHIR 4.0.1, verbatim; provenance in README.md here).
Outputs, each the transitive closure of the definitions reachable from its roots, every definition
copied unchanged except the overrides named below:
- fhir-r4-appointment.schema.json (roots Appointment, Bundle, OperationOutcome, Endpoint):
  `Bundle_Entry.resource` must be an Appointment (the API's bundles only hold Appointments), and
  `ResourceList` (what `contained` holds; a oneOf over all 146 resource types) accepts a valid
  Endpoint or any other object with a resourceType that is not "Endpoint".
- fhir-r4-testreport.schema.json (root TestReport, what `--report-dir` writes as testreport.json):
  `ResourceList` accepts any object with a resourceType (the harness puts nothing in `contained`).
Run from the repository root:
    python3 schemas/fhir/extract.py ../shared/fhir/fhir.schema.json
"""
import hashlib
import json
import sys

source = sys.argv[1] if len(sys.argv) > 1 else "../shared/fhir/fhir.schema.json"
raw = open(source, "rb").read()
schema = json.loads(raw)
defs = schema["definitions"]
digest = hashlib.sha256(raw).hexdigest()


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


def extract(roots, overrides, patches, id_, description, target):
    keep, todo = {}, list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = json.loads(json.dumps(overrides.get(name, defs[name])))
        for (definition, prop), replacement in patches.items():
            if definition == name:
                text = keep[name]["properties"][prop].get("description")
                keep[name]["properties"][prop] = dict(replacement, description=text)
        todo.extend(refs(keep[name]))
    out = {
        "$schema": schema["$schema"],
        "id": id_,
        "description": description + " Source sha256 " + digest,
        "definitions": {name: keep[name] for name in sorted(keep)},
    }
    with open(target, "w") as handle:
        json.dump(out, handle, indent=1, sort_keys=False)
        handle.write("\n")
    print(f"{target}: {len(keep)} definitions")


# ResourceList is a oneOf over all 146 resource types. The Appointment API only ever puts
# Appointments in a search Bundle and an Endpoint in `contained`, so: a Bundle entry's resource must
# be an Appointment, and a contained resource must be a valid Endpoint when it says it is one (any
# other contained resource only needs to be an object with a resourceType).
extract(
    roots=["Appointment", "Bundle", "OperationOutcome", "Endpoint"],
    overrides={
        "ResourceList": {
            "anyOf": [
                {"$ref": "#/definitions/Endpoint"},
                {
                    "type": "object",
                    "required": ["resourceType"],
                    "not": {"properties": {"resourceType": {"enum": ["Endpoint"]}}},
                },
            ]
        }
    },
    patches={("Bundle_Entry", "resource"): {"$ref": "#/definitions/Appointment"}},
    id_="http://hl7.org/fhir/json-schema/4.0#appointment-subset",
    description="Subset of HL7 FHIR R4 (4.0.1) JSON Schema: definitions reachable from Appointment, "
    "Bundle and OperationOutcome; Bundle.entry.resource narrowed to Appointment and ResourceList "
    "(contained) to Endpoint-or-any-other-resource.",
    target="schemas/fhir/fhir-r4-appointment.schema.json",
)

# A TestReport's `contained` (never written by the harness) only needs objects with a resourceType,
# rather than pulling in all 146 resource definitions.
extract(
    roots=["TestReport"],
    overrides={"ResourceList": {"type": "object", "required": ["resourceType"]}},
    patches={},
    id_="http://hl7.org/fhir/json-schema/4.0#testreport-subset",
    description="Subset of HL7 FHIR R4 (4.0.1) JSON Schema: definitions reachable from TestReport; "
    "ResourceList (contained) narrowed to any object with a resourceType.",
    target="schemas/fhir/fhir-r4-testreport.schema.json",
)
