"""``sessionapi certify`` and ``sessionapi verify``: a certification a third party can check.

``certify`` runs the suites against a targets file with recording on and writes one archive: the
reports (JSON, HTML, Markdown, JUnit), the cassettes, the targets as described (environment
variable names, never their values), the requirement catalogues the run was judged with and their
digests, the tool version, the Hypothesis seed, and ``manifest.json`` listing the SHA-256 of every
other file. The certification policy is stricter than any run's: every MUST requirement of every
API that ran was tested and passed, none of them waived; SHOULD failures are listed, never hidden.

``verify`` trusts nothing in the archive: it checks every digest, re-judges the recorded traffic
offline with the judge of ``sessionapi judge`` (:func:`traffic_judge.judge_traffic`), and
recomputes each verdict and the certification from the statuses. Whatever is wrong, it says so in
one line naming the file or the requirement, and exits 1.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BUNDLE_FORMAT = "pytest-sessionapi bundle 1"
MANIFEST = "manifest.json"
CERTIFICATION = "certification.json"
REPORT = "reports/conformance.json"
CERTIFIED = "certified"
NOT_CERTIFIED = "not-certified"

POLICY = (
    "every MUST requirement of every API that ran was tested and passed, none waived; "
    "SHOULD failures are listed"
)

_FORBIDDEN_OPTIONS = (
    "--sessionapi-record", "--sessionapi-replay", "--sessionapi-report-dir", "--junitxml",
    "--sessionapi-requirement", "--collect-only", "--co", "-k", "-m",
)
"""Options a certification run sets itself, or that would certify a subset of the suites."""


class BundleError(Exception):
    """What is wrong with a bundle, in one line."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the policy ---------------------------------------------------------------------------------


def certification_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The certification a report earns: per API that ran, whether it meets :data:`POLICY`
    and why not; the SHOULD failures; and the verdict, ``certified`` only when every API that
    ran meets it, at least one ran, and the run was not cut short."""
    apis: dict[str, Any] = {}
    reasons: list[str] = []
    if document.get("interrupted"):
        reasons.append(f"the run was cut short: {document['interrupted']}")
    for name, entry in document["apis"].items():
        if entry["verdict"] == "not-run":
            continue
        blocking = []
        if entry["verdict"] == "error":
            blocking.append(f"could not be set up: {entry.get('verdict_reason', '')}".rstrip(": "))
        for item in entry["requirements"]:
            if item["level"] == "MUST" and item["status"] != "pass":
                blocking.append(f"{item['id']} {item['status']}")
        should = [item["id"] for item in entry["requirements"]
                  if item["level"] != "MUST" and item["status"] in ("fail", "waived")]
        apis[name] = {
            "certified": not blocking,
            "verdict": entry["verdict"],
            **({"not_met": blocking} if blocking else {}),
            "should_not_met": should,
        }
        if blocking:
            shown = ", ".join(blocking[:6]) + (f" and {len(blocking) - 6} more" if len(blocking) > 6 else "")
            reasons.append(f"{name}: {shown}")
    if not apis:
        reasons.append("no API ran")
    return {
        "verdict": NOT_CERTIFIED if reasons else CERTIFIED,
        "policy": POLICY,
        **({"reasons": reasons} if reasons else {}),
        "apis": apis,
    }


# -- certify ------------------------------------------------------------------------------------


def _catalogues(apis: list[str]) -> dict[str, bytes]:
    from .registry import all_apis

    return {name: all_apis()[name].catalogue_path.read_bytes() for name in apis}


def _targets(cassettes: Path) -> dict[str, Any]:
    """Each API's target as the recording describes it: its description and its targets.toml
    table, whose secrets are names of environment variables (``*_env``), never values."""
    targets = {}
    for index in sorted(cassettes.glob("*/recording.json")):
        recorded = json.loads(index.read_text(encoding="utf-8"))
        targets[recorded["api"]] = {
            "description": recorded["target"].get("description"),
            "table": recorded["target"].get("table", {}),
            "recorded_at": recorded.get("recorded_at"),
            "hypothesis": recorded.get("hypothesis", {}),
        }
    return targets


def _tar(files: Mapping[str, bytes]) -> bytes:
    """A gzipped tar of ``files`` in name order, with fixed owners and times: the same files
    give the same archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def manifest_bytes(files: Mapping[str, bytes]) -> bytes:
    """The manifest of ``files``, in its one canonical form (so a changed byte that still parses
    is caught too)."""
    manifest = {
        "format": BUNDLE_FORMAT,
        "files": {name: sha256(files[name]) for name in sorted(files)},
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


def build_bundle(workdir: Path, pytest_status: int) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files of the bundle, from a certification run's ``reports/`` and ``cassettes/``."""
    from . import __version__
    from .html_report import render_html
    from .reports import render_markdown

    document = json.loads((workdir / REPORT).read_text(encoding="utf-8"))
    ran = [name for name, entry in document["apis"].items() if entry["verdict"] != "not-run"]
    cassettes = workdir / "cassettes"
    traffic = {
        f"cassettes/{path.relative_to(cassettes).as_posix()}": path.read_bytes()
        for path in sorted(cassettes.rglob("*")) if path.is_file()
    }
    targets = _targets(cassettes)
    catalogues = _catalogues(ran)
    certification = certification_of(document)
    traffic_digest = sha256(manifest_bytes(traffic))
    document["bundle"] = {
        "verdict": certification["verdict"],
        "policy": POLICY,
        "cassettes": sum(1 for name in traffic if name.endswith(".yaml")),
        "traffic_sha256": traffic_digest,
    }
    files: dict[str, bytes] = {
        REPORT: (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        "reports/conformance.md": render_markdown(document).encode("utf-8"),
        "reports/conformance.html": render_html(document).encode("utf-8"),
        **traffic,
        "targets.json": (json.dumps(targets, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        **{f"catalogues/{name}/requirements.toml": data for name, data in catalogues.items()},
    }
    junit = workdir / "reports" / "junit.xml"
    if junit.is_file():
        files["reports/junit.xml"] = junit.read_bytes()
    seeds = {name: target["hypothesis"] for name, target in targets.items()}
    record = {
        "format": BUNDLE_FORMAT,
        "tool": {"name": "pytest-sessionapi", "version": __version__},
        "python": sys.version.split()[0],
        "pytest_exit_status": pytest_status,
        "certification": certification,
        "catalogues": {name: {"path": f"catalogues/{name}/requirements.toml", "sha256": sha256(data)}
                       for name, data in catalogues.items()},
        "hypothesis": document.get("hypothesis", {}),
        "hypothesis_seeds": seeds,
        "traffic_sha256": traffic_digest,
    }
    files[CERTIFICATION] = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files[MANIFEST] = manifest_bytes(files)
    return files, certification


CERTIFY_USAGE = """usage: sessionapi certify --sessionapi-config=targets.toml -o bundle.tar.gz [pytest options]

Runs the conformance suites against the targets with recording on and writes one archive: the
reports, the cassettes, the targets (secrets as variable names only), the catalogues and their
digests, the tool version, the Hypothesis seed, and a manifest with the SHA-256 of every file.
The verdict is `certified` only when every MUST requirement of every API that ran was tested and
passed, none waived (SHOULD failures are listed). Exit status: 0 certified, 1 not certified,
2 interrupted, 4 usage or setup error. `sessionapi verify BUNDLE` checks an archive.
"""


def certify_main(argv: list[str]) -> int:
    from .launch import run_suites

    output: str | None = None
    rest: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg in ("-h", "--help"):
            print(CERTIFY_USAGE)
            return 0
        if arg in ("-o", "--output"):
            output = next(items, None)
        elif arg.startswith("--output="):
            output = arg.partition("=")[2]
        else:
            rest.append(arg)
    if not output:
        print("sessionapi certify: name the archive to write with -o bundle.tar.gz", file=sys.stderr)
        return 4
    for arg in rest:
        if arg.split("=")[0] in _FORBIDDEN_OPTIONS:
            print(f"sessionapi certify: {arg.split('=')[0]} is not allowed: a certification runs "
                  "every suite, recorded, and writes its own reports", file=sys.stderr)
            return 4
    with tempfile.TemporaryDirectory(prefix="sessionapi-certify-") as tmp:
        workdir = Path(tmp)
        status = run_suites([
            f"--sessionapi-record={workdir / 'cassettes'}",
            f"--sessionapi-report-dir={workdir / 'reports'}",
            f"--junitxml={workdir / 'reports' / 'junit.xml'}",
            "--sessionapi-fail-on=incomplete",
            *rest,
        ])
        if not (workdir / REPORT).is_file() or not (workdir / "cassettes").is_dir():
            print(f"sessionapi certify: the run wrote no report (pytest exit status {status}); "
                  "no bundle written", file=sys.stderr)
            return status if status in (2, 3, 4) else 4
        files, certification = build_bundle(workdir, status)
    archive = _tar(files)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(archive)
    digest = sha256(archive)
    Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    print(f"certification: {certification['verdict']}")
    for reason in certification.get("reasons", []):
        print(f"  not met: {reason}")
    for name, entry in certification["apis"].items():
        if entry["should_not_met"]:
            print(f"  {name}: SHOULD not met: {', '.join(entry['should_not_met'])}")
    print(f"bundle: {target} (SHA-256 {digest}, {len(files)} files; the reports above are in it, under reports/)")
    if status in (2, 3, 4):
        return status
    return 0 if certification["verdict"] == CERTIFIED else 1


# -- verify -------------------------------------------------------------------------------------


def read_bundle(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            files: dict[str, bytes] = {}
            for member in archive:
                name = member.name
                if not member.isfile() or name.startswith("/") or ".." in name.split("/"):
                    raise BundleError(f"{name}: not a plain file of a bundle")
                if name in files:
                    raise BundleError(f"{name}: in the archive twice")
                extracted = archive.extractfile(member)
                files[name] = extracted.read() if extracted is not None else b""
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        raise BundleError(f"not a readable bundle ({exc})") from None
    return files


def _json(files: Mapping[str, bytes], name: str) -> Any:
    try:
        return json.loads(files[name].decode("utf-8"))
    except KeyError:
        raise BundleError(f"{name}: missing") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{name}: not valid JSON ({exc})") from None


def check_digests(files: Mapping[str, bytes]) -> None:
    manifest = _json(files, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{MANIFEST}: not a {BUNDLE_FORMAT} manifest")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise BundleError(f"{MANIFEST}: lists no files")
    for name, digest in listed.items():
        if name not in files:
            raise BundleError(f"{MANIFEST}: lists {name}, which the bundle does not hold (a changed manifest or a missing file)")
        if sha256(files[name]) != digest:
            raise BundleError(f"{name}: SHA-256 differs from the manifest (the file was changed)")
    for name in files:
        if name != MANIFEST and name not in listed:
            raise BundleError(f"{name}: in the bundle, not in the manifest")
    others = {name: data for name, data in files.items() if name != MANIFEST}
    if files[MANIFEST] != manifest_bytes(others):
        raise BundleError(f"{MANIFEST}: not in its canonical form (the file was changed)")


def _check_catalogues(files: Mapping[str, bytes], record: Mapping[str, Any]) -> None:
    """The installed rules must be those of the recorded catalogue: judging with another
    version's would check other statements."""
    from .registry import all_apis

    for name, entry in record.get("catalogues", {}).items():
        bundled = files.get(entry.get("path", ""))
        if bundled is None or sha256(bundled) != entry.get("sha256"):
            raise BundleError(f"{CERTIFICATION}: the digest of the {name} catalogue does not match its file")
        if name not in all_apis():
            raise BundleError(f"{name}: this installation does not know the API; install "
                              f"pytest-sessionapi {record['tool']['version']} to verify")
        installed = sha256(all_apis()[name].catalogue_path.read_bytes())
        if installed != entry["sha256"]:
            raise BundleError(
                f"{name}: recorded with another requirement catalogue (pytest-sessionapi "
                f"{record['tool']['version']}); install that version to verify"
            )


def rejudge(files: Mapping[str, bytes], document: Mapping[str, Any]) -> int:
    """Judge the bundle's cassettes again, offline, with the judge of ``sessionapi judge``, and
    return how many exchanges were judged.

    The bundle holds the run's own recording (its cassettes and ``<api>/recording.json``), so the
    traffic is replayed through the suites that made it: the same steps build the same ``Asked``
    and the same rules judge the same answers, and the statuses must be the reported ones
    (tests/test_judge_traffic.py proves live = recorded). Any difference is an error: a
    requirement reported pass or fail that the traffic judges otherwise (or never exercised),
    and one the traffic judges that the report leaves untested. Waived counts as failed."""
    from .errors import ConfigError
    from .traffic_judge import judge_traffic

    with tempfile.TemporaryDirectory(prefix="sessionapi-verify-") as tmp:
        paths = []
        for name, data in sorted(files.items()):
            if name.startswith("cassettes/"):
                path = Path(tmp, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                if name.endswith(".yaml"):
                    paths.append(path)
        if not paths:
            raise BundleError("cassettes/: the bundle holds no recorded traffic")
        try:
            judged_traffic = judge_traffic(paths)
        except ConfigError as exc:
            raise BundleError(f"cassettes/: {exc}") from None
        ledger, counts = judged_traffic.ledger, judged_traffic.counts
    for entry in document["apis"].values():
        for item in entry["requirements"]:
            judged = ledger.results.get(item["id"])
            replayed = judged.status if judged is not None else "not-tested"
            reported = "fail" if item["status"] == "waived" else item["status"]
            judged_either_way = "pass" in (reported, replayed) or "fail" in (reported, replayed)
            if judged_either_way and replayed != reported:
                traffic = {"pass": "passes it", "fail": "fails it"}.get(replayed, f"leaves it {replayed}")
                raise BundleError(
                    f"{REPORT}: {item['id']} is reported {item['status']}, but its recorded traffic {traffic}"
                )
    return sum(counts.values())


def _check_verdicts(document: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    from .policy import Policy

    interrupted = document.get("interrupted")
    for name, entry in document["apis"].items():
        verdict = entry["verdict"]
        if verdict in ("not-run", "error"):
            if verdict == "error" and not entry.get("verdict_reason"):
                raise BundleError(f"{REPORT}: {name} is reported error without a reason")
            continue
        expected = Policy.of(bool(document.get("strict"))).verdict(entry["requirements"], interruption=interrupted)
        if expected != verdict and not (verdict == "incomplete" and entry.get("verdict_reason")):
            raise BundleError(
                f"{REPORT}: {name} is reported {verdict}, but its requirement statuses make it {expected}"
            )
    certification = certification_of(document)
    recorded = record.get("certification", {}).get("verdict")
    if recorded != certification["verdict"]:
        raise BundleError(
            f"{CERTIFICATION}: says {recorded}, but the report makes it {certification['verdict']}"
        )
    if document.get("bundle", {}).get("verdict") != certification["verdict"]:
        raise BundleError(f"{REPORT}: its certification does not follow from its statuses")


def verify_bundle(path: Path) -> tuple[dict[str, Any], int]:
    """The checked certification of the bundle at ``path`` and how many exchanges were judged;
    :class:`BundleError` at the first thing wrong."""
    files = read_bundle(path)
    check_digests(files)
    record = _json(files, CERTIFICATION)
    document = _json(files, REPORT)
    if record.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{CERTIFICATION}: not a {BUNDLE_FORMAT} record")
    if record.get("traffic_sha256") != sha256(manifest_bytes(
        {name: data for name, data in files.items() if name.startswith("cassettes/")}
    )):
        raise BundleError(f"{CERTIFICATION}: the digest of the recorded traffic does not match the cassettes")
    _check_catalogues(files, record)
    _check_verdicts(document, record)
    return record["certification"], rejudge(files, document)


def verify_main(bundle: str) -> int:
    path = Path(bundle)
    try:
        certification, judged = verify_bundle(path)
    except BundleError as exc:
        print(f"sessionapi verify: {path}: {exc}", file=sys.stderr)
        return 1
    apis = ", ".join(certification["apis"]) or "none"
    print(f"{path}: verified: {certification['verdict']} (APIs {apis}; {judged} recorded exchanges re-judged)")
    return 0
