#!/usr/bin/env python3
"""Static check of terraform/ without Terraform, providers or a cloud account (CI runs it).

Terraform's own `validate` needs the providers downloaded (`terraform init`), which this project does
not do. Instead, with python-hcl2 (PyPI):
  - every .tf and .tfvars.example file parses as HCL2;
  - every directory's `var.X` is a declared variable, every variable has a type and a description;
  - every `module.M.O` names a module block of that directory and an output that module declares;
  - every module block's source exists, passes only declared variables and every required one;
  - every `<provider>_<type>.<name>.` reference names a resource of the directory;
  - modules declare required_providers and configure no provider; roots configure the one they use;
  - each root's terraform.tfvars.example sets only declared variables and every required one.
Exit status 0 when all hold; otherwise one line per problem.
"""
import re
import sys
from pathlib import Path

try:
    import hcl2
except ImportError:
    print("python-hcl2 is not installed: python3 -m pip install python-hcl2", file=sys.stderr)
    sys.exit(3)

ROOT = Path(__file__).resolve().parent
problems: list[str] = []


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT.parent))


def load(path: Path):
    try:
        with path.open() as f:
            return hcl2.load(f)
    except Exception as e:  # noqa: BLE001 - report any parse failure
        problems.append(f"{rel(path)}: does not parse as HCL2: {e}")
        return {}


def strip_quotes(s):
    return s[1:-1] if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"' else s


def blocks(doc, kind):
    """[(name, body)] of `kind "name" { body }` blocks."""
    out = []
    for entry in doc.get(kind, []):
        for name, body in entry.items():
            out.append((strip_quotes(name), body))
    return out


def resources(doc):
    out = set()
    for entry in doc.get("resource", []):
        for rtype, named in entry.items():
            for name in named:
                out.add((strip_quotes(rtype), strip_quotes(name)))
    return out


def strip_comments(text: str) -> str:
    return re.sub(r"(?m)#.*$|//.*$", "", text)


def scan_dir(d: Path):
    docs = {p: load(p) for p in sorted(d.glob("*.tf"))}
    text = "\n".join(strip_comments(p.read_text()) for p in docs)
    info = {"variables": {}, "outputs": set(), "modules": {}, "resources": set(), "providers": set(), "required": False}
    for p, doc in docs.items():
        for name, body in blocks(doc, "variable"):
            info["variables"][name] = body
            if "type" not in body:
                problems.append(f"{rel(p)}: variable {name} has no type")
            if "description" not in body:
                problems.append(f"{rel(p)}: variable {name} has no description")
        for name, _ in blocks(doc, "output"):
            info["outputs"].add(name)
        for name, body in blocks(doc, "module"):
            info["modules"][name] = (p, body)
        for name, _ in blocks(doc, "provider"):
            info["providers"].add(name)
        info["resources"] |= resources(doc)
        for tf in doc.get("terraform", []):
            if tf.get("required_providers"):
                info["required"] = True
    for v in sorted(set(re.findall(r"\bvar\.([A-Za-z0-9_]+)", text))):
        if v not in info["variables"]:
            problems.append(f"{rel(d)}: var.{v} is used but not declared")
    for rtype, name in sorted(set(re.findall(r"\b((?:aws|google|azurerm)_[a-z0-9_]+)\.([a-z0-9_]+)\b", text))):
        if (rtype, name) not in info["resources"]:
            problems.append(f"{rel(d)}: {rtype}.{name} is referenced but no such resource is declared")
    info["text"] = text
    return info


def main() -> int:
    dirs = sorted({p.parent for p in ROOT.rglob("*.tf")})
    if not dirs:
        problems.append("terraform/: no .tf files")
    scanned = {d: scan_dir(d) for d in dirs}
    for d, info in scanned.items():
        is_module = d.parent.name == "modules"
        if is_module:
            if info["providers"]:
                problems.append(f"{rel(d)}: a module must not configure providers ({', '.join(sorted(info['providers']))})")
            if not info["required"]:
                problems.append(f"{rel(d)}: a module must declare terraform.required_providers")
            if not info["outputs"]:
                problems.append(f"{rel(d)}: a module without outputs")
        for name, (p, body) in info["modules"].items():
            src = strip_quotes(body.get("source", ""))
            target = (d / src).resolve()
            if target not in scanned:
                problems.append(f"{rel(p)}: module {name} source {src} is not a directory of .tf files")
                continue
            mod = scanned[target]
            passed = {
                k
                for k in body
                if not k.startswith("__") and k not in ("source", "version", "providers", "count", "for_each", "depends_on")
            }
            for k in sorted(passed - set(mod["variables"])):
                problems.append(f"{rel(p)}: module {name} passes {k}, which {rel(target)} does not declare")
            required = {k for k, v in mod["variables"].items() if "default" not in v}
            for k in sorted(required - passed):
                problems.append(f"{rel(p)}: module {name} does not pass required variable {k}")
        for m, o in sorted(set(re.findall(r"\bmodule\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)", info["text"]))):
            if m not in info["modules"]:
                problems.append(f"{rel(d)}: module.{m} is referenced but not declared")
                continue
            src = strip_quotes(info["modules"][m][1].get("source", ""))
            target = (d / src).resolve()
            if target in scanned and o not in scanned[target]["outputs"]:
                problems.append(f"{rel(d)}: module.{m}.{o}: {rel(target)} has no output {o}")
        if not is_module:
            if len(info["providers"]) != 1:
                problems.append(f"{rel(d)}: a root configures exactly one provider (found {sorted(info['providers'])})")
            example = d / "terraform.tfvars.example"
            if not example.exists():
                problems.append(f"{rel(d)}: no terraform.tfvars.example (seed 001's setup step)")
            else:
                values = load(example)
                for k in sorted(set(values) - set(info["variables"])):
                    problems.append(f"{rel(example)}: sets {k}, which is not a variable")
                required = {k for k, v in info["variables"].items() if "default" not in v}
                for k in sorted(required - set(values)):
                    problems.append(f"{rel(example)}: does not set required variable {k}")
    for p in problems:
        print(p)
    print(f"terraform/check.py: {len(dirs)} directories, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
