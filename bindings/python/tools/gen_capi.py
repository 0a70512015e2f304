"""Generates the declarations of tfe/_capi.py from include/tfe.h.

The part of tfe/_capi.py between the markers "# BEGIN GENERATED" and
"# END GENERATED" is this script's output: every enum constant, struct and
function of the header, mechanically translated to ctypes. Run it after the
header changes:

    python3 bindings/python/tools/gen_capi.py          # rewrites the section
    python3 bindings/python/tools/gen_capi.py --check  # exit 1 if it is stale

tests/test_capi.py runs the check, so the module cannot drift from the header.
"""

import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
HEADER = HERE.parents[2] / "include" / "tfe.h"
MODULE = HERE.parent / "tfe" / "_capi.py"
BEGIN = "# BEGIN GENERATED (tools/gen_capi.py from include/tfe.h; do not edit)\n"
END = "# END GENERATED\n"

# C scalar types, pointers to them, and the opaque handles: how ctypes spells them.
SCALARS = {
    "int": "c_int",
    "size_t": "c_size_t",
    "uint8_t": "c_uint8",
    "uint16_t": "c_uint16",
    "uint32_t": "c_uint32",
    "uint64_t": "c_uint64",
    "double": "c_double",
}
CALLBACKS = {
    "tfe_input_fn": "INPUT_FN",
    "tfe_log_fn": "LOG_FN",
    "tfe_train_progress_fn": "PROGRESS_FN",
    "tfe_cancel_fn": "CANCEL_FN",
}


def ctype(c: str, structs: set) -> str:
    """The ctypes expression of the C type `c` (without a parameter name)."""
    c = re.sub(r"\bconst\b", "", c)
    c = re.sub(r"\b(struct|enum)\s+", "", c)
    stars = c.count("*")
    base = c.replace("*", "").strip()
    if base in CALLBACKS and stars == 0:
        return CALLBACKS[base]
    if base == "void":
        if stars == 0:
            return "None"
        inner, stars = "c_void_p", stars - 1
    elif base == "char" and stars >= 1:
        inner, stars = "c_char_p", stars - 1
    elif base in SCALARS:
        inner = SCALARS[base]
    elif base == "tfe_status_t":
        inner = "STATUS"
    elif base in ENUMS:
        inner = "c_int"
    elif base in structs:
        inner = STRUCT_NAMES[base]
    elif base in HANDLES and stars >= 1:
        inner, stars = "HANDLE", stars - 1
    else:
        raise SystemExit(f"gen_capi: no ctypes mapping for C type {c!r}")
    for _ in range(stars):
        inner = f"POINTER({inner})"
    return inner


ENUMS: set = set()
HANDLES: set = set()
STRUCT_NAMES: dict = {}


def generate(header: str) -> str:
    out = []
    # Enum constants, in header order.
    for m in re.finditer(r"typedef enum (\w+) \{(.*?)\} \w+;", header, re.S):
        name, body = m.group(1), m.group(2)
        ENUMS.add(name)
        out.append(f"# {name}")
        for const, value in re.findall(r"^\s*(TFE_\w+) = (-?\d+),", body, re.M):
            out.append(f"{const} = {value}")
        out.append("")
    for const, value in re.findall(r"^#define (TFE_VERSION_\w+) (\d+)$", header, re.M):
        out.append(f"{const} = {value}")
    out.append("")
    # Opaque handle types: `typedef struct X X;`, passed as void pointers.
    HANDLES.update(re.findall(r"^typedef struct (\w+) \1;", header, re.M))
    # Structs with fields.
    structs = set()
    for m in re.finditer(r"typedef struct (\w+) \{(.*?)\} \w+;", header, re.S):
        name, body = m.group(1), re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
        structs.add(name)
        py = "".join(part.capitalize() for part in name[len("tfe_"):-len("_t")].split("_"))
        STRUCT_NAMES[name] = py
        out.append(f"class {py}(Structure):")
        out.append(f'    """struct {name}"""')
        out.append("")
        out.append("    _fields_ = [")
        for ctype_, field in re.findall(r"^\s*([\w ]+?\*?)\s*(\w+);", body, re.M):
            out.append(f'        ("{field}", {ctype(ctype_, structs)}),')
        out.append("    ]")
        out.append("")
        out.append("")
    # Functions: every prototype inside extern "C".
    body = header.split('extern "C" {', 1)[1]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    out.append("# name: (restype, [(parameter, argtype), ...]), in header order")
    out.append("FUNCTIONS = {")
    for m in re.finditer(r"^([\w \*]+?)\s*\b(tfe_\w+)\(([^)]*)\);", body, re.M | re.S):
        ret, name, params = m.group(1), m.group(2), " ".join(m.group(3).split())
        args = []
        if params != "void":
            for p in params.split(","):
                p = p.strip()
                pm = re.match(r"(.*?)(\w+)$", p)
                args.append(f'("{pm.group(2)}", {ctype(pm.group(1), structs)})')
        out.append(f'    "{name}": ({ctype(ret, structs)}, [{", ".join(args)}]),')
    out.append("}")
    return "\n".join(out) + "\n"


def main() -> int:
    header = HEADER.read_text()
    generated = generate(header)
    module = MODULE.read_text()
    start, end = module.index(BEGIN) + len(BEGIN), module.index(END)
    fresh = module[:start] + generated + module[end:]
    if "--check" in sys.argv:
        if fresh != module:
            print(f"{MODULE} is stale: run python3 {pathlib.Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    MODULE.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
