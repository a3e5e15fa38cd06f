# SPDX-License-Identifier: GPL-2.0-or-later
"""status_doc_check.py DOC JSON: every field that docs/status.md documents is
in a running bmsd's status object, and every field of the object is
documented. Exit 1 with the differences otherwise."""
import json
import re
import sys

doc = open(sys.argv[1]).read()
status = json.loads(sys.argv[2])

documented = set()
section = None
for line in doc.splitlines():
    m = re.match(r"^## `(\w+)`", line)
    if m:
        section = m.group(1)
        continue
    if line.startswith("## "):
        section = "" if line.startswith("## Top level") else None
        continue
    if section is None or not line.startswith("| `"):
        continue
    cell = line.split("|")[1]
    prefix = ""
    for name in re.findall(r"`([A-Za-z_\[\]\.]+)`", cell):
        # "`relays[].connector`, `.role`": the second shares the first's array
        if name.startswith(".") and prefix:
            name = prefix + name[1:]
        elif "[]." in name:
            prefix = name[: name.index("[].") + 3]
        if section == "":
            documented.add(name)
        elif "[]." in name:
            documented.add(name)
        elif section in ("relays", "inputs", "outputs"):
            documented.add(f"{section}[].{name.lstrip('.')}")
        else:
            documented.add(f"{section}.{name}")

actual = set()
for k, v in status.items():
    if isinstance(v, dict):
        actual.update(f"{k}.{s}" for s in v)
    elif isinstance(v, list) and v and isinstance(v[0], dict):
        actual.update(f"{k}[].{s}" for s in v[0] if s != "n")
    else:
        actual.add(k)
# fields that only an unconfigured or faulty bmsd shows
optional = {"config_error"}
# the sections themselves are documented by their heading
actual -= {"link", "mcu", "pack", "battery", "relays", "inputs", "outputs"}
missing = sorted(documented - actual - optional)
undocumented = sorted(actual - documented)
# the faults table names faults, not fields
missing = [m for m in missing if not re.match(r"^[a-z]+(-[a-z]+)*$", m) or m in status]
if missing or undocumented:
    print("documented but absent:", missing)
    print("present but undocumented:", undocumented)
    sys.exit(1)
print(f"status: {len(actual)} fields, all documented in {sys.argv[1]}")
