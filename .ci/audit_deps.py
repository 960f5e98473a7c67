"""`make scan`, second half: pip-audit of requirements.lock against a vulnerability database.

pip-audit reports "No known vulnerabilities found" and exits 0 even when it reached no
database at all (every package "could not be audited"), so this wrapper decides what the run
proves: it tries PyPI's advisory data, then OSV; the first one that answers for the packages
is the verdict (exit 1 on any known vulnerability). When neither answers, it says so in
capitals and exits 0 — or 1 when SCAN_REQUIRE_AUDIT=1 (a release build on a networked runner).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess  # nosec B404 - runs pip-audit, a fixed program
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
TIMEOUT = int(os.environ.get("SCAN_AUDIT_TIMEOUT", "300"))


def run(service: str) -> tuple[str, dict | None, str]:
    cmd = [
        str(PIP_AUDIT),
        "--disable-pip",
        "--require-hashes",
        "-r",
        str(ROOT / "requirements.lock"),
    ]
    cmd += ["--progress-spinner", "off", "--format", "json", "-s", service]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # noqa: S603 # nosec B603 # fixed program, our arguments
    except subprocess.TimeoutExpired:
        return "unreachable", None, f"no answer in {TIMEOUT}s"
    try:
        report = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        report = None
    if not report:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return "unreachable", None, last[:300]
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if deps and not audited:
        return "unreachable", report, "every package was skipped: " + deps[0]["skip_reason"][:200]
    return "answered", report, ""


HOSTS = {"pypi": "pypi.org", "osv": "api.osv.dev"}


def reachable(host: str) -> str:
    """ "" when a TCP connection to host:443 opens within 5 s, else why not (pip-audit's own
    retries take minutes to give up on a host that is not there)."""
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError as exc:
        return f"{host}: {exc}"
    return ""


def main() -> int:
    for service in ("pypi", "osv"):
        why = reachable(HOSTS[service])
        if why:
            print(f"scan: pip-audit could not use the {service} vulnerability database ({why})")
            continue
        verdict, report, why = run(service)
        if verdict == "unreachable":
            print(f"scan: pip-audit could not use the {service} vulnerability database ({why})")
            continue
        deps = report["dependencies"]
        skipped = [d for d in deps if "skip_reason" in d]
        vulnerable = [d for d in deps if d.get("vulns")]
        print(f"scan: pip-audit ({service}): {len(deps) - len(skipped)} packages audited")
        for d in skipped:
            print(f"scan:   NOT audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}")
        for d in vulnerable:
            for v in d["vulns"]:
                fix = ", ".join(v.get("fix_versions", [])) or "no fix yet"
                print(f"scan:   VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in {fix})")
        return 1 if vulnerable else 0
    print(
        "scan: *** NO VULNERABILITY DATABASE WAS REACHABLE (pypi.org, api.osv.dev): "
        "the pinned dependencies were NOT checked for known vulnerabilities. ***"
    )
    return 1 if os.environ.get("SCAN_REQUIRE_AUDIT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
