"""`scripts/easycrm`: the Docker-free stand-in for `sam local`, plus a one-shot importer and a look at how
a file's columns would be mapped."""

from __future__ import annotations

import argparse
import contextlib
import json
import mimetypes
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from scripts.local_stack.apigw import proxy_event
from scripts.local_stack.data_dir import DEFAULT_DATA_DIR, DataDirectoryBusy
from scripts.local_stack.services import ServiceStartError
from scripts.local_stack.stack import LocalStack

CLI_OWNER_CLAIMS = {"sub": "local-cli", "email": "cli@localhost", "cognito:username": "local-cli"}
SUMMARY_FIELDS = ("fileName", "uploadId", "status", "rows", "created", "updated", "rejected", "failed", "cancelled")
FINAL = {"completed", "completed_with_errors", "failed", "cancelled"}
NEEDS_REVIEW = "needs_review"  # a reviewed upload's proposed mapping waits for its owner (uploads/review.py)
UNDONE = "undone"
UNDO_ENDS = FINAL | {UNDONE}  # undone, or back where it was when the undo could not start (easycrm.undo)
SAMPLE_WORKBOOK = Path(__file__).resolve().parents[2] / "samples" / "leads-sample.xlsx"
DEMO_USER = "demo@example.com"


def _parameter_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"--parameter-overrides expects Name=Value, got {pair!r}")
        overrides[name] = value
    return overrides


@dataclass
class DemoUser:
    email: str
    password: str
    group: str
    claims: dict[str, str]


def add_demo_user(stack: LocalStack) -> DemoUser:
    """The user `serve` prints the login of, the owner of what `import` uploads: EASYCRM_DEMO_USER (else
    demo@example.com) with EASYCRM_DEMO_PASSWORD (else the data directory's), an administrator."""
    # Imported once the stack has set the functions' environment, which Powertools reads at import.
    from easycrm.models import ADMINS_GROUP

    email = os.environ.get("EASYCRM_DEMO_USER") or DEMO_USER
    password = stack.data.demo_password(os.environ.get("EASYCRM_DEMO_PASSWORD"))
    claims = stack.add_user(email, password, groups=(ADMINS_GROUP,))
    return DemoUser(email, password, ADMINS_GROUP, claims)


def call_api(stack: LocalStack, method: str, path: str, claims: dict, body: object = None) -> tuple[int, dict]:
    """One API request as the local gateway hands it on once the token checked out: routed by the
    template's routes (routes.py) to the real handler, invoked in this process; (status code, JSON body)."""
    from scripts.local_stack.routes import RestApi

    found = RestApi(stack).find(method, path)
    if found is None:
        raise KeyError(f"template.yaml has no route {method} {path}")
    route, parameters = found
    event = proxy_event(
        method, path, body=body, claims=claims, resource=route.resource, path_parameters=parameters or None
    )
    response = route.function.invoke(event)
    return response["statusCode"], json.loads(response["body"])


def upload_file(stack: LocalStack, path: Path, claims: dict, review: bool = False) -> dict:
    """Start an upload through the real file-upload handler and POST the bytes to the presigned URL.
    `review`: the splitter proposes the mapping and the upload waits in `needs_review`."""
    request: dict[str, object] = {
        "fileName": path.name,
        "fileSize": path.stat().st_size,
        "contentType": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
    }
    if review:
        request["review"] = True
    status, body = call_api(stack, "POST", "/upload", claims, request)
    if status != 201:
        return {"fileName": path.name, "uploadId": None, "status": "rejected", "error": body["error"]["message"]}
    with path.open("rb") as handle:
        posted = requests.post(
            body["upload"]["url"], data=body["upload"]["fields"], files={"file": (path.name, handle)}, timeout=300
        )
    posted.raise_for_status()
    return {"fileName": path.name, "uploadId": body["uploadId"]}


def wait_until_final(upload_ids: list[str], timeout_seconds: float) -> dict[str, dict]:
    return wait_for_states(upload_ids, FINAL, timeout_seconds)


def wait_for_states(upload_ids: list[str], states: set[str], timeout_seconds: float) -> dict[str, dict]:
    """Every upload's record once each is in one of `states`, or as they are when the time is up."""
    from easycrm import wiring

    deadline = time.monotonic() + timeout_seconds
    records: dict[str, dict] = {}
    while True:
        records = {upload_id: wiring.statuses().get(upload_id) or {} for upload_id in upload_ids}
        if all(record.get("status") in states for record in records.values()) or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def summary(started: dict, record: dict) -> dict:
    result = {field: record.get(field, started.get(field)) for field in SUMMARY_FIELDS}
    for counter in ("rows", "created", "updated", "rejected", "failed", "cancelled"):
        result[counter] = int(result[counter] or 0)
    if record.get("error") or started.get("error"):  # the CLI's own reason (a refused mapping) comes first
        result["error"] = started.get("error") or record.get("error")
    if record.get("worksheets"):
        result["worksheets"] = record["worksheets"]
    if record.get("warnings"):
        result["warnings"] = record["warnings"]
    return result


def files_to_import(names: list[str]) -> list[Path]:
    """The named files, with each directory replaced by every file under it (recursively, sorted)."""
    paths: list[Path] = []
    for path in map(Path, names):
        paths.extend(sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path])
    return paths


def command_import(args: argparse.Namespace) -> int:
    paths = files_to_import(args.files)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"easycrm: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        choice = read_mapping_choice(Path(args.mapping)) if args.mapping else None
    except ValueError as error:
        print(f"easycrm: {error}", file=sys.stderr)
        return 2
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the summary is the output; the pipeline's INFO logs are noise here
    started_at = time.monotonic()
    stack = LocalStack(_parameter_overrides(args.parameter_overrides), data_dir=args.data_dir)
    # stdout carries only the summaries; anything the pipeline prints meanwhile goes to stderr
    with contextlib.redirect_stdout(sys.stderr), stack:
        # The files are the demo user's uploads, so `serve` on the same data directory lists them.
        demo = add_demo_user(stack)
        stack.start_workers()
        started = [upload_file(stack, path, demo.claims, review=choice is not None) for path in paths]
        waiting_since = time.monotonic()  # --timeout bounds the waits: the review's, then the import's
        if choice is not None:
            confirm_mapping(stack, started, choice, demo.claims, args.timeout)
        remaining = max(0.0, args.timeout - (time.monotonic() - waiting_since))
        records = wait_until_final([item["uploadId"] for item in started if item["uploadId"]], remaining)
        results = [summary(item, records.get(item["uploadId"], {})) for item in started]
        if args.dump_leads:
            from easycrm import wiring

            leads = sorted(wiring.leads().scan_all(), key=lambda lead: lead.get("createdAt", ""))
            Path(args.dump_leads).write_text(json.dumps(leads, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if args.export:
            export_leads(stack, Path(args.export), demo.claims)
    elapsed = time.monotonic() - started_at
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for result in results:
            print(_human_summary(result))
        print(f"({elapsed:.1f} s)")
    unfinished = [result for result in results if result["status"] not in FINAL]
    refused = [item for item in started if item.get("mappingRefused")]
    return 1 if unfinished or refused else 0


def command_undo(args: argparse.Namespace) -> int:
    """POST /uploads/{uploadId}/undo as the demo user (an admin, so any import of the store), then wait
    for the undo queue to finish it."""
    from easycrm.uploads.states import UNDO_COUNTERS

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    stack = LocalStack(_parameter_overrides(args.parameter_overrides), data_dir=args.data_dir)
    with contextlib.redirect_stdout(sys.stderr), stack:
        demo = add_demo_user(stack)
        stack.start_workers()
        status, body = call_api(stack, "POST", f"/uploads/{args.upload_id}/undo", demo.claims)
        if status != 202:
            print(f"easycrm: {args.upload_id}: {body['error']['message']}", file=sys.stderr)
            return 2
        record = wait_for_states([args.upload_id], UNDO_ENDS, args.timeout)[args.upload_id]
    result: dict[str, Any] = {field: record.get(field) for field in ("fileName", "uploadId", "status")}
    result["undo"] = {name: record.get("undo", {}).get(name, 0) for name in UNDO_COUNTERS}
    if record.get("undo", {}).get("error"):
        result["undo"]["error"] = record["undo"]["error"]
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        counts = ", ".join(f"{result['undo'][name]} {name}" for name in UNDO_COUNTERS)
        print(f"{result['fileName']} ({result['uploadId']}): {result['status']} — {counts}")
        if result["undo"].get("error"):
            print(f"  {result['undo']['error']}")
    return 0 if result["status"] == UNDONE else 1


def read_mapping_choice(path: Path) -> dict:
    """`import --mapping`'s file, read before anything starts: a JSON object with a `sheets` list, as
    PUT /uploads/{uploadId}/mapping takes it; the handler checks the rest (fields, worksheets, columns)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the mapping {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        choice = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"the mapping {path} is not valid JSON: {error}") from None
    if not isinstance(choice, dict) or not isinstance(choice.get("sheets"), list):
        raise ValueError(
            f'the mapping {path} must be a JSON object with a "sheets" list, as PUT /uploads/{{uploadId}}/mapping '
            'takes: {"sheets": [{"worksheet": ..., "include": true, "columns": [{"index": 0, "field": "email"}]}]} '
            "(`scripts/easycrm mapping FILE --json` prints one to edit)"
        )
    return choice


def confirm_mapping(stack: LocalStack, started: list[dict], choice: dict, claims: dict, timeout: float) -> None:
    """Each started upload's proposed mapping, once there, confirmed with `choice` through the real
    PUT /uploads/{uploadId}/mapping. An upload whose mapping the API refuses is cancelled, and carries
    the API's message as its error (and `mappingRefused`); one that never got to its review stays as it is."""
    upload_ids = [item["uploadId"] for item in started if item["uploadId"]]
    records = wait_for_states(upload_ids, FINAL | {NEEDS_REVIEW}, timeout)
    for item in started:
        if not item["uploadId"] or records[item["uploadId"]].get("status") != NEEDS_REVIEW:
            continue  # refused up front, unreadable (failed), or still being read when the time ran out
        status, body = call_api(stack, "PUT", f"/uploads/{item['uploadId']}/mapping", claims, choice)
        if status == 202:
            continue
        error = body.get("error") or {"code": str(status), "message": json.dumps(body)}
        item["error"] = f"The mapping was refused: {error['message']}"
        item["mappingRefused"] = True
        print(f"easycrm: {item['fileName']}: mapping refused ({error['code']}): {error['message']}", file=sys.stderr)
        call_api(stack, "POST", f"/status/{item['uploadId']}/cancel", claims)


def export_leads(stack: LocalStack, path: Path, claims: dict) -> None:
    """Every stored lead as CSV, through the real lead-exporter handler and its download link."""
    response = stack.function("lead_exporter").invoke(proxy_event("GET", "/export", claims=claims))
    body = json.loads(response["body"])
    if response["statusCode"] != 200:
        raise SystemExit(f"easycrm: export failed: {body['error']['message']}")
    download = requests.get(body["downloadUrl"], timeout=300)
    download.raise_for_status()
    path.write_bytes(download.content)


def _human_summary(result: dict) -> str:
    line = (
        f"{result['fileName']}: {result['status']} - {result['rows']} rows: {result['created']} new, "
        f"{result['updated']} merged, {result['rejected']} rejected, {result['failed']} failed, "
        f"{result['cancelled']} cancelled"
    )
    if result.get("error"):
        line += f"\n  {result['error']}"
    for sheet, counts in (result.get("worksheets") or {}).items():
        line += f"\n  [{sheet}] {counts.get('rows', 0)} rows: {counts.get('created', 0)} new, "
        line += f"{counts.get('updated', 0)} merged, {counts.get('rejected', 0)} rejected"
    return line


def command_mapping(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"easycrm: no such file: {path}", file=sys.stderr)
        return 2
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    stack = LocalStack(_parameter_overrides(args.parameter_overrides), data_dir=args.data_dir)
    with contextlib.redirect_stdout(sys.stderr), stack:
        demo = add_demo_user(stack)
        stack.start_workers()
        shown, problem = propose_mapping(stack, path, demo.claims, args.timeout)
    if problem:
        print(f"easycrm: {path.name}: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(shown, indent=2, ensure_ascii=False) if args.json else _human_mapping(path.name, shown))
    return 0


def propose_mapping(stack: LocalStack, path: Path, claims: dict, timeout: float) -> tuple[dict, str | None]:
    """The mapping the API proposes for `path`: uploaded with review, read by the splitter, answered by
    GET /uploads/{uploadId}/mapping, then cancelled, so nothing is imported and nothing stays open.
    Returns (the GET's body, None), or ({}, why there is none)."""
    started = upload_file(stack, path, claims, review=True)
    upload_id = started["uploadId"]
    if upload_id is None:
        return {}, f"refused: {started['error']}"
    record = wait_for_states([upload_id], FINAL | {NEEDS_REVIEW}, timeout)[upload_id]
    try:
        if record.get("status") in FINAL:
            return {}, f"{record['status']}: {record.get('error') or 'no mapping was proposed.'}"
        if record.get("status") != NEEDS_REVIEW:
            return {}, f"no mapping was proposed within {timeout:g} s (the upload is {record.get('status')})."
        status, body = call_api(stack, "GET", f"/uploads/{upload_id}/mapping", claims)
        if status != 200:
            return {}, f"GET /uploads/{upload_id}/mapping answered {status}: {body.get('error', body)}"
        return body, None
    finally:
        if record.get("status") not in FINAL:
            call_api(stack, "POST", f"/status/{upload_id}/cancel", claims)


def _human_mapping(file_name: str, shown: dict) -> str:
    """The proposal as a table per sheet: column, header, field, confidence, reason, sample values."""
    lines = [f"{file_name}: {len(shown['sheets'])} sheet(s)"]
    for sheet in shown["sheets"]:
        name = f"[{sheet['worksheet']}]" if sheet["worksheet"] is not None else "(CSV: worksheet null)"
        header_row = f"header row {sheet['headerRow']}" if sheet.get("headerRow") else "no header row"
        included = "" if sheet["include"] else ", not imported"
        lines.append(f"  {name} {header_row}, {sheet['rows']} rows{included}")
        table = [("#", "header", "field", "confidence", "reason", "samples")]
        for column in sheet["columns"]:
            samples = " | ".join(column["samples"][:3])
            table.append(
                (
                    str(column["index"]),
                    column["header"] or "-",
                    column["field"] or "(not imported)",
                    f"{column['confidence']:.2f}",
                    column["reason"],
                    samples if len(samples) <= 60 else samples[:59] + "…",
                )
            )
        widths = [max(len(row[position]) for row in table) for position in range(len(table[0]) - 1)]
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            lines.append("    " + "  ".join([*cells, row[-1]]).rstrip())
    lines += [f"  warning: {warning}" for warning in shown.get("warnings") or []]
    lines.append(f"Fields: {', '.join(shown['fields'])}; null (not imported).")
    lines.append(
        "To import it otherwise: scripts/easycrm import FILE --mapping M.json "
        "(`mapping --json` prints this as JSON to edit into M.json)."
    )
    return "\n".join(lines)


def command_invoke(args: argparse.Namespace) -> int:
    event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    with LocalStack(_parameter_overrides(args.parameter_overrides)) as stack:
        _seed_event_state(stack, event, Path(args.object) if args.object else SAMPLE_WORKBOOK)
        result = stack.function(args.function).invoke(event)
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


def _seed_event_state(stack: LocalStack, event: dict, sample: Path) -> None:
    """Give a fresh stack what the event refers to: the upload records, and the S3 objects' bytes."""
    from urllib.parse import unquote_plus

    from easycrm import wiring
    from easycrm.adapters.file_store import upload_id_from_key

    def ensure_upload(upload_id: str, file_name: str, key: str, owner: str = CLI_OWNER_CLAIMS["sub"]) -> None:
        if wiring.statuses().get(upload_id) is None:
            wiring.statuses().create(
                upload_id=upload_id,
                owner=owner,
                file_name=file_name,
                file_size=sample.stat().st_size,
                object_key=key,
            )

    upload_id = (event.get("pathParameters") or {}).get("uploadId")
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    if upload_id and claims.get("sub"):  # an API event about an upload: let it be the caller's
        ensure_upload(upload_id, sample.name, f"uploads/{upload_id}/{sample.name}", owner=claims["sub"])
    s3 = stack.client("s3")
    for record in event.get("Records", []):
        if "s3" in record:
            key = unquote_plus(record["s3"]["object"]["key"])
            upload_id = upload_id_from_key(key)
            if upload_id:
                ensure_upload(upload_id, key.rsplit("/", 1)[-1], key)
            s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=key, Body=sample.read_bytes())
        elif record.get("eventSource") == "aws:sqs":
            body = json.loads(record["body"])
            if "requestPayload" in body:  # the splitter's on-failure record: an upload it was reading
                for failed in body["requestPayload"].get("Records", []):
                    key = unquote_plus(failed["s3"]["object"]["key"])
                    if upload_id := upload_id_from_key(key):
                        ensure_upload(upload_id, key.rsplit("/", 1)[-1], key)
                        wiring.statuses().mark_uploaded(upload_id, sample.stat().st_size)
                continue
            if "kind" in body:  # an undo message: the upload it names exists (not undoing: the plan is dropped)
                ensure_upload(body["uploadId"], sample.name, f"uploads/{body['uploadId']}/{sample.name}")
                continue
            ensure_upload(body["uploadId"], body["fileName"], f"uploads/{body['uploadId']}/{body['fileName']}")
            wiring.statuses().mark_processing(body["uploadId"])


def command_serve(args: argparse.Namespace) -> int:
    from scripts.local_stack.gateway import Gateway

    with LocalStack(_parameter_overrides(args.parameter_overrides), data_dir=args.data_dir) as stack:
        try:
            gateway = Gateway(stack, port=args.port)
        except OSError as error:
            print(f"easycrm: cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
            return 2
        cognito = stack.client("cognito-idp")
        try:
            demo = add_demo_user(stack)
        except cognito.exceptions.InvalidPasswordException:
            print("easycrm: EASYCRM_DEMO_PASSWORD does not meet the user pool's password policy", file=sys.stderr)
            return 2
        stack.start_workers()
        gateway.start()
        stopping = threading.Event()  # Ctrl-C and SIGTERM end the wait below, and the with-block cleans up
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stopping.set())
        print(
            f"Easy CRM is running at {gateway.url}\n"
            f"  Sign in as {demo.email} with password {demo.password} (group {demo.group})\n"
            f"  API {gateway.url}/api - description {gateway.url}/openapi.json\n"
            f"  Data: {stack.data.path}\n"
            f"  Local AWS endpoints: DynamoDB {stack.endpoint('dynamodb')}, S3 {stack.endpoint('s3')}, "
            f"SQS and Cognito {stack.endpoint('sqs')}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        stopping.wait()
        print("Stopping...", flush=True)
        gateway.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="easycrm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    importer = commands.add_parser("import", help="import files through the real pipeline on an embedded stack")
    importer.add_argument("files", nargs="+", metavar="FILE", help="a file, or a directory: every file under it")
    importer.add_argument("--json", action="store_true", help="print the summaries as a JSON array")
    importer.add_argument("--dump-leads", metavar="PATH", help="write every stored lead as JSON")
    importer.add_argument("--export", metavar="PATH", help="write every stored lead as CSV, as GET /export does")
    importer.add_argument(
        "--mapping",
        metavar="M.json",
        help="review each file's columns with this mapping (the body of PUT /uploads/{uploadId}/mapping)",
    )
    importer.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the imports (3600)")
    importer.add_argument(
        "--data-dir",
        type=Path,
        metavar="PATH",
        help="add to the store in PATH, which `serve --data-dir PATH` then shows (default: a fresh temporary one)",
    )
    importer.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    importer.set_defaults(run=command_import)

    mapping = commands.add_parser(
        "mapping", help="print how a file's columns would be mapped, without importing it (GET .../mapping)"
    )
    mapping.add_argument("file", metavar="FILE", help="a spreadsheet or CSV file; nothing of it is imported")
    mapping.add_argument("--json", action="store_true", help="print the API's answer as JSON (usable as M.json)")
    mapping.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the proposal (3600)")
    mapping.add_argument(
        "--data-dir",
        type=Path,
        metavar="PATH",
        help="use the store in PATH, so the team's saved mappings there apply (default: a fresh temporary one)",
    )
    mapping.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    mapping.set_defaults(run=command_mapping)

    undo = commands.add_parser(
        "undo", help="undo a finished import: delete the leads it created, restore those it changed"
    )
    undo.add_argument("upload_id", metavar="UPLOAD_ID", help="the upload's id (import prints it; so does the web app)")
    undo.add_argument("--json", action="store_true", help="print the result as JSON")
    undo.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the undo (3600)")
    undo.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        metavar="PATH",
        help="the store the import is in (.easycrm/ at the repository root, as for serve)",
    )
    undo.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    undo.set_defaults(run=command_undo)

    invoke = commands.add_parser("invoke", help="run one function's real handler with an event (like sam local invoke)")
    invoke.add_argument("function", metavar="FUNCTION", help="folder name (lead_splitter) or logical id")
    invoke.add_argument("event", metavar="EVENT.json")
    invoke.add_argument(
        "--object", metavar="FILE", help="content for the S3 objects an S3 event names (samples/leads-sample.xlsx)"
    )
    invoke.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    invoke.set_defaults(run=command_invoke)

    serve = commands.add_parser("serve", help="run the whole app (API, sign-in, web app, pipeline) on 127.0.0.1")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (3000; 0 picks a free one)")
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        metavar="PATH",
        help="where leads, uploads and files are kept across restarts (.easycrm/ at the repository root)",
    )
    serve.add_argument("--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE")
    serve.set_defaults(run=command_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (DataDirectoryBusy, ServiceStartError) as error:
        print(f"easycrm: {error}", file=sys.stderr)
        return 2
