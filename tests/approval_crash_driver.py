"""Kill -9 harness for a generated approval-workflow project (run with the project's own Python).

    python approval_crash_driver.py PACKAGE WORKDIR SCHEDULE_JSON

The parent imports the project once and forks one child per run (fork keeps a run at a few
hundred milliseconds instead of a second of imports). A child recovers like a restarted
service would (a worker runs until idle, then the client re-sends every request it never saw
answered, with the same idempotency keys), then plays its round of the scenario. At crash point
`k` of the schedule the child tells the parent over a pipe and waits; the parent sends it
SIGKILL. Crash points sit before and after every commit of the approvals database, before and
after every audit-log append, before outbox pruning, after a job is claimed and inside the
executor, so a kill lands between every two steps of the workflow.

After the schedule a last child recovers without a kill and checks the invariants; the parent
prints one JSON report: kills, runs, lost decisions, double executions, phantom or missing
audit records, proposals left approved but unexecuted, and the audit chain's verdict.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import os
import select
import signal
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

PACKAGE, WORKDIR, SCHEDULE = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
JOURNAL = WORKDIR / "client-journal.jsonl"
EXECUTABLE = ("approved", "auto_approved")
GENERATION_STEP = timedelta(minutes=5)  # each restart happens later: leases of the dead child have run out

service_module = importlib.import_module(f"{PACKAGE}.service")
worker_module = importlib.import_module(f"{PACKAGE}.worker")
database = importlib.import_module(f"{PACKAGE}.platform.database")
outbox_module = importlib.import_module(f"{PACKAGE}.platform.outbox")
audit_log = importlib.import_module(f"{PACKAGE}.platform.audit.log")
runtime_module = importlib.import_module(f"{PACKAGE}.platform.runtime")
schemas = importlib.import_module(f"{PACKAGE}.schemas")
refund_module = importlib.import_module(f"{PACKAGE}.actions.refund_order")
proposals = importlib.import_module(f"{PACKAGE}.proposals")


class Crash:
    """Counts crash points in the current phase; at `target` it reports to the parent and waits to be killed."""

    def __init__(self) -> None:
        self.count, self.target, self.fd, self.counting = 0, -1, -1, False

    def point(self, name: str) -> None:
        if not self.counting:
            return
        if self.count == self.target:
            os.write(self.fd, f"{self.count} {name}\n".encode())
            time.sleep(60)  # the parent's SIGKILL arrives here
        self.count += 1


CRASH = Crash()


def inject_defect(name: str) -> None:
    """Put back a bug the harness exists to catch, to show that it does (see the test's defect cases)."""
    drain = importlib.import_module(f"{PACKAGE}.platform.audit.drain")
    if name == "audit-before-commit":  # the old way: append to the log inside the transaction, before COMMIT
        drain.AuditOutbox.put = lambda self, tx, entry, now: self.log.append(**dataclasses.asdict(entry))
    elif name == "no-execution-job":  # execution left to whoever called: nothing resumes it after a crash
        plain_put = outbox_module.Outbox.put
        outbox_module.Outbox.put = lambda self, tx, topic, payload, **kw: (
            None if topic == service_module.EXECUTE_TOPIC else plain_put(self, tx, topic, payload, **kw)
        )
    elif name:
        raise SystemExit(f"unknown defect {name!r}")


def install_crash_points() -> None:
    store = database.SqliteStore
    plain_transaction = store.transaction

    @contextmanager
    def transaction(self):
        with plain_transaction(self) as tx:
            yield tx
            CRASH.point("before-commit")
        CRASH.point("after-commit")

    store.transaction = transaction
    log = audit_log.AuditLog
    plain_append = log.append_many

    def append_many(self, entries, **kwargs):
        CRASH.point("before-audit-append")
        records = plain_append(self, entries, **kwargs)
        CRASH.point("after-audit-append")
        return records

    log.append_many = append_many
    outbox = outbox_module.Outbox
    plain_prune, plain_claim = outbox.prune, outbox.claim

    def prune(self, topic, cursor):
        CRASH.point("before-prune")
        return plain_prune(self, topic, cursor)

    def claim(self, topic, **kwargs):
        claimed = plain_claim(self, topic, **kwargs)
        if claimed:
            CRASH.point(f"after-claim-{topic}")
        return claimed

    outbox.prune, outbox.claim = prune, claim
    plain_refund = refund_module.refund

    def refund(params, ctx):
        result = plain_refund(params, ctx)
        CRASH.point("inside-executor")
        return result

    object.__setattr__(refund_module.REFUND_ORDER, "execute", refund)  # a frozen dataclass: swap its executor


# -- the client: a journal of what it asked and what it saw answered --------------------------------


def journal() -> list[dict]:
    if not JOURNAL.exists():
        return []
    return [json.loads(line) for line in JOURNAL.read_text().splitlines() if line.strip()]


def note(entry: dict) -> None:
    with open(JOURNAL, "a") as handle:  # the write reaches the OS before the next step: a kill cannot undo it
        handle.write(json.dumps(entry) + "\n")


def round_ops(number: int) -> list[tuple[str, dict]]:
    """The scenario of one round; each op is idempotent when re-sent (same key, same actor)."""
    context = "Order K-{o} was charged twice; the payment log shows a duplicate capture of {a} EUR for order K-{o}."
    ops: list[tuple[str, dict]] = []
    for kind, amount, decisions in (
        ("high", 900.0, [("approve", "reviewer-a"), ("approve", "reviewer-b")]),
        ("medium", 120.0, [("approve", "reviewer-a")]),
        ("low", 20.0, [("approve", "reviewer-b")]),
        ("rejected", 130.0, [("reject", "reviewer-b")]),
    ):
        order = f"{number}{kind[0]}"
        ops.append(("propose", {"key": f"crash-{number}-{kind}", "order": f"K-{order}", "amount": amount,
                                "context": context.format(o=order, a=amount)}))  # fmt: skip
        ops.extend((verb, {"key": f"crash-{number}-{kind}", "actor": actor}) for verb, actor in decisions)
    ops.append(("work", {}))
    return ops


def perform(service, op: str, args: dict, ids: dict[str, str]):
    if op == "propose":
        body = schemas.ProposalCreate(
            action="refund_order",
            params={"order_id": args["order"], "amount": args["amount"]},
            context=args["context"],
            requested_by="carol",
        )
        proposal, _ = service.propose(body, actor="agent", idempotency_key=args["key"])
        return proposal.id
    pid = ids[args["key"]] if op != "work" else ""
    if op == "approve":
        proposal = service.get(pid)
        if proposal.state != proposals.State.PENDING_REVIEW and args["actor"] not in proposal.approved_by:
            return f"skipped:{proposal.state}"  # the low one was auto-approved: nothing to decide
        return service.approve(pid, actor=args["actor"], note="checked against the payment log").state
    if op == "reject":
        return service.reject(pid, actor=args["actor"], note="duplicate ticket").state
    worker_module.Worker(service, name="worker").run_until_idle()
    return "idle"


def play(service, upto_round: int, *, count_from_round: int) -> None:
    """Every op of rounds 0..upto_round not yet answered, in order; crash points count from `count_from_round`."""
    answered = {(e["round"], e["index"]) for e in journal() if e["phase"] == "ack"}
    ids = {e["key"]: e["result"] for e in journal() if e["phase"] == "ack" and e["op"] == "propose"}
    for number in range(upto_round + 1):
        CRASH.counting = CRASH.counting or number >= count_from_round
        for index, (op, args) in enumerate(round_ops(number)):
            if (number, index) in answered:
                continue
            note({"phase": "intent", "round": number, "index": index, "op": op, **args})
            result = perform(service, op, args, ids)
            if op == "propose":
                ids[args["key"]] = result
            note({"phase": "ack", "round": number, "index": index, "op": op, "result": str(result), **args})


def open_service(generation: int):
    runtime = runtime_module.Runtime.from_settings()
    offset = GENERATION_STEP * generation
    return service_module.ProposalService.from_runtime(runtime, clock=lambda: datetime.now(UTC) + offset)


def child(generation: int, phase: str, target: int, round_number: int, fd: int) -> None:
    CRASH.target, CRASH.fd = target, fd
    CRASH.counting = phase == "recovery"
    service = open_service(generation)
    worker_module.Worker(service, name="recovery").run_until_idle()
    play(service, round_number, count_from_round=round_number if phase == "round" else 0)
    service.close()
    service.runtime.close()
    os.write(fd, f"done {CRASH.count}\n".encode())


# -- the invariants ---------------------------------------------------------------------------------


def check(generation: int) -> dict:
    service = open_service(generation)
    worker_module.Worker(service, name="final").run_until_idle()
    acked = [e for e in journal() if e["phase"] == "ack" and "key" in e]
    ids = {e["key"]: e["result"] for e in acked if e["op"] == "propose"}
    with service.db.reading() as tx:
        rows = {r["id"]: dict(r) for r in tx.all("SELECT id, state, idempotency_key FROM proposals")}
        approved = tx.all("SELECT proposal_id, approver FROM proposal_approvals")
        approvals = {(r["proposal_id"], r["approver"]) for r in approved}
        events = tx.all("SELECT event_id, proposal_id, to_state FROM proposal_events")
        refunds = tx.all("SELECT proposal_id FROM refund_ledger WHERE kind = 'refund'")
        ledger = Counter(r["proposal_id"] for r in refunds)
    lost = []
    for entry in acked:
        pid = ids.get(entry["key"], "")
        if entry["op"] == "propose" and pid not in rows:
            lost.append(f"proposal {entry['key']}")
        elif entry["op"] == "approve" and entry["result"] in ("pending_review", "approved", "executed"):
            if (pid, entry["actor"]) not in approvals:
                lost.append(f"approval of {entry['key']} by {entry['actor']}")
        elif entry["op"] == "reject" and rows.get(pid, {}).get("state") != "rejected":
            lost.append(f"rejection of {entry['key']}")
    executed_events = Counter(e["proposal_id"] for e in events if e["to_state"] == "executed")
    records = list(service.runtime.audit.records())
    audited = Counter(r.details.get("event") for r in records if r.details.get("event"))
    executed_records = Counter(
        r.details["proposal"] for r in records if r.action == "proposal.execute" and r.decision == "executed"
    )
    event_ids = {e["event_id"] for e in events}
    expected = {"high": "executed", "medium": "executed", "low": "executed", "rejected": "rejected"}
    wrong_end = sorted(
        f"{row['idempotency_key']}: {row['state']}"
        for row in rows.values()
        if row["state"] != expected[row["idempotency_key"].rsplit("-", 1)[1]]
    )
    report = {
        "proposals": len(rows),
        "acked_ops": len(acked),
        "lost_decisions": lost,
        "double_executions": sorted(
            pid for pid in rows if max(ledger[pid], executed_events[pid], executed_records[pid]) > 1
        ),
        "executions_without_record": sorted(pid for pid in ledger if executed_records[pid] != 1),
        "phantom_audit_records": sorted(str(event) for event in audited if event not in event_ids),
        "events_without_one_record": sorted(event for event in event_ids if audited[event] != 1),
        "wrong_end_state": wrong_end,
        "approved_but_unexecuted": sorted(pid for pid, row in rows.items() if row["state"] in EXECUTABLE),
        "audit_chain": service.runtime.audit.verify().reason,
        "audit_ok": service.runtime.audit.verify().ok,
    }
    service.close()
    service.runtime.close()
    return report


def run_child(target, fd_write: int) -> int:
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            target(fd_write)
        except BaseException as error:  # noqa: BLE001 - reported through the exit status
            sys.stderr.write(f"child failed: {type(error).__name__}: {error}\n")
            status = 3
        os._exit(status)
    return pid


def main() -> None:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    inject_defect(os.environ.get("CRASH_DEFECT", ""))
    install_crash_points()
    kills, completed, failures, points, seen = 0, 0, [], Counter(), []
    generation = 0
    for phase, target, round_number in SCHEDULE:
        generation += 1
        read_fd, write_fd = os.pipe()
        run = functools.partial(child, generation, phase, target, round_number)
        pid = run_child(run, write_fd)
        os.close(write_fd)
        ready, _, _ = select.select([read_fd], [], [], 120)
        message = os.read(read_fd, 200).decode().strip() if ready else ""
        finished = message.startswith("done ")
        if message and not finished:
            os.kill(pid, signal.SIGKILL)  # kill -9, from outside, at the crash point
            kills += 1
            points[message.split(" ", 1)[1]] += 1
        elif finished:
            seen.append(int(message.split()[1]))
        _, status = os.waitpid(pid, 0)
        os.close(read_fd)
        if not message or finished:
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                completed += 1
            else:
                failures.append(f"run {generation} ({phase} {target}) exited with status {status}")
    result: dict = {}
    read_fd, write_fd = os.pipe()
    out = WORKDIR / "check.json"
    pid = run_child(lambda fd: out.write_text(json.dumps(check(generation + 1))), write_fd)
    os.close(write_fd)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    result = json.loads(out.read_text()) if out.exists() else {"check_failed": status}
    result |= {"runs": len(SCHEDULE), "kills": kills, "completed": completed, "failures": failures,
               "kills_by_point": dict(points), "points_in_completed_runs": seen}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
