"""Every status change of a campaign, a notice or a delivery attempt goes through its state machine (issue #15).

The models' transition tables (notices.models CAMPAIGN_TRANSITIONS and NOTICE_TRANSITIONS, delivery.models
TRANSITIONS, enforcement.models TRANSITIONS — one per measure) say which moves exist; `move` / `move_many` / `move_where` (jingsu.core.states) are the only writes of
their `status`, each with a history row. This check walks the syntax tree of every module under src/jingsu and fails
on a status written anywhere else:

- ``x.status = …`` (also in a tuple assignment) and ``setattr(x, "status", …)``;
- ``….update(status=…)`` on a queryset, ``.save(update_fields=[…, "status"])``, ``bulk_update(…, [… "status" …])``;
- ``update_rows(<table>, […, "status", …], …)`` and ``DeferredUpdate(<table>, […, "status"])``;
- creating a row in a status that is not one of its machine's initial ones (``DeliveryAttempt(status=S.SENT)``).

Other models have statuses too (levies, payments, rewards …): a write is theirs when its value is their enum
(``case.status = RewardCase.Status.DECIDED``) or its queryset or table is named after them; a write the check cannot
attribute counts as one of ours. The machines themselves (the three model classes, jingsu/core/states.py) are
exempt, and so are the packages without Django models.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "jingsu"

OURS = {"Campaign", "Notice", "DeliveryAttempt", "EnforcementCase"}
#: Where the machines are: the model classes (by module, relative to src/jingsu) and whole modules.
MACHINE_CLASSES = {"notices/models.py": {"Campaign", "Notice"}, "delivery/models.py": {"DeliveryAttempt"},
                   "enforcement/models.py": {"EnforcementCase"}}
MACHINE_MODULES = {"core/states.py": "the machines' writer (Machine, Mover)"}
EXEMPT_DIRS = {
    "migrations": "a migration works on historical models, outside the running code's machines",
    "law": "pure Python, no models",
    "providers": "no Django here (providers/base.py): its `status` attributes are the outside world's",
    "simulator": "the simulated outside world: no models of ours",
}
#: Our status enums (also reached through a module's alias: S = AttemptStatus, CS = Campaign.Status …) → the initial
#: statuses of their machine, as member names.
INITIAL = {"AttemptStatus": {"QUEUED"}, "Campaign.Status": {"DRAFT"}, "Notice.Status": {"PENDING", "CONTROL"},
           "EnforcementCase.Status": {"SELECTED"}}
OWNER_OF_ENUM = {"AttemptStatus": "DeliveryAttempt", "Campaign.Status": "Campaign", "Notice.Status": "Notice",
                 "EnforcementCase.Status": "EnforcementCase"}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _root(node: ast.expr) -> str | None:
    """The name a chain of attributes and calls starts from: `Notice.objects.filter(…).update` → "Notice"."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def _strings(node: ast.expr | None) -> set[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


class _Checker(ast.NodeVisitor):
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases  # module-level alias → our enum ("S" → "AttemptStatus")
        self.found: list[tuple[int, str]] = []
        self.classes: list[str] = []
        self.exempt_classes: set[str] = set()
        self.others: list[set[str]] = [set()]  # per function: names whose .status was set to another model's enum
        self.lists: list[dict[str, set[str]]] = [{}]  # per function: names bound to a literal list of strings

    # -- what a value is ---------------------------------------------------------------------------------------------

    def _enum_of(self, value: ast.expr) -> str | None:
        """"ours:<enum>" or "other" for `X.Status.M` / `S.M` / `X.Status(…)`; None when the value says nothing."""
        if isinstance(value, ast.IfExp):
            kinds = {self._enum_of(value.body), self._enum_of(value.orelse)}
            return "other" if kinds == {"other"} else next((k for k in kinds if k and k != "other"), None)
        node = value.func if isinstance(value, ast.Call) else value
        dotted = _dotted(node)
        if dotted is None:
            return None
        parts = dotted.split(".")
        for size in (2, 1):
            head = ".".join(parts[:size])
            enum = self.aliases.get(head, head)
            if enum in INITIAL:
                return f"ours:{enum}"
        if len(parts) >= 2 and parts[-2 if isinstance(value, ast.Attribute) else -1] == "Status":
            return "other" if parts[0] not in OURS else f"ours:{parts[0]}.Status"
        return None

    def _flag(self, node: ast.AST, text: str) -> None:
        if not (self.classes and self.classes[-1] in self.exempt_classes):
            self.found.append((node.lineno, text))  # type: ignore[attr-defined]

    # -- scopes --------------------------------------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.others.append(set())
        self.lists.append({})
        self.generic_visit(node)
        self.others.pop()
        self.lists.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    # -- x.status = … ------------------------------------------------------------------------------------------------

    def _assigned(self, target: ast.expr, value: ast.expr | None, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(
                target.elts) else [None] * len(target.elts)
            for t, v in zip(target.elts, values, strict=True):
                self._assigned(t, v, node)
            return
        if not (isinstance(target, ast.Attribute) and target.attr == "status"):
            return
        receiver = _dotted(target.value) or "…"
        if receiver == "self" and self.classes and self.classes[-1] not in OURS:
            return  # an object of another class keeps its own status
        if value is not None and self._enum_of(value) == "other":
            self.others[-1].add(receiver)
            return
        self._flag(node, f"{receiver}.status = …")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node.value, node)
            if isinstance(target, ast.Name) and isinstance(node.value, (ast.List, ast.Tuple)):
                self.lists[-1][target.id] = _strings(node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node.target, None, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node.target, node.value, node)
        self.generic_visit(node)

    # -- calls ---------------------------------------------------------------------------------------------------------

    def _columns(self, node: ast.expr | None) -> set[str]:
        """The strings of a literal list, or of the literal list a name of this function is bound to."""
        if isinstance(node, ast.Name):
            return self.lists[-1].get(node.id, set())
        return _strings(node)

    def _owner(self, expr: ast.expr) -> str:
        """"ours", "other" or "unknown" for the model a queryset chain or a `<Model>._meta.db_table` names."""
        root = _root(expr)
        if root in OURS:
            return "ours"
        if root and root[:1].isupper() and root not in self.aliases:
            return "other"  # another model's manager or table
        return "unknown"

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        for k in node.keywords:  # .update(**{"status": …})
            if k.arg is None and isinstance(k.value, ast.Dict):
                keywords.update({key.value: v for key, v in zip(k.value.keys, k.value.values, strict=True)
                                 if isinstance(key, ast.Constant) and isinstance(key.value, str)})
        if name == "update" and isinstance(func, ast.Attribute) and "status" in keywords:
            owner = self._owner(func.value)
            if owner == "ours" or (owner == "unknown" and self._enum_of(keywords["status"]) != "other"):
                self._flag(node, f"{_root(func) or '…'}….update(status=…)")
        elif name == "save" and isinstance(func, ast.Attribute) and "status" in self._columns(
                keywords.get("update_fields")):
            receiver = _dotted(func.value) or "…"
            if receiver not in self.others[-1]:
                self._flag(node, f"{receiver}.save(update_fields=[…, \"status\"])")
        elif name == "bulk_update" and isinstance(func, ast.Attribute):
            fields = keywords.get("fields") or (node.args[1] if len(node.args) > 1 else None)
            if "status" in self._columns(fields) and self._owner(func.value) != "other":
                self._flag(node, "bulk_update(…, [\"status\", …])")
        elif name in ("update_rows", "DeferredUpdate"):
            columns = keywords.get("columns") or (node.args[1] if len(node.args) > 1 else None)
            table = keywords.get("table") or (node.args[0] if node.args else None)
            if "status" in self._columns(columns) and (table is None or self._owner(table) != "other"):
                self._flag(node, f"{name}(…, [\"status\", …])")
        elif name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and \
                node.args[1].value == "status":
            self._flag(node, "setattr(…, \"status\", …)")
        if "status" in keywords and (name in OURS or (name == "create" and self._owner(func) == "ours")):
            self._created(node, name, keywords["status"])
        defaults = keywords.get("defaults")
        if isinstance(defaults, ast.Dict) and self._owner(func) == "ours":
            for key, value in zip(defaults.keys, defaults.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "status":
                    self._created(node, name, value)
        self.generic_visit(node)

    def _created(self, node: ast.Call, name: str, value: ast.expr) -> None:
        """A row created in a status: one of its machine's initial statuses, when the value says which."""
        kind = self._enum_of(value)
        if kind and kind.startswith("ours:") and isinstance(value, ast.Attribute):
            enum = kind.removeprefix("ours:")
            if value.attr not in INITIAL.get(enum, set()):
                self._flag(node, f"{name}(status={_dotted(value)}): not an initial status of {OWNER_OF_ENUM[enum]}")


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to our enums: `S = AttemptStatus`, `CS = Campaign.Status`."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            dotted = _dotted(node.value)
            if dotted in INITIAL:
                out[node.targets[0].id] = dotted
    return out


def status_writes(source: str, *, exempt_classes: frozenset[str] | set[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, what) of every write of a Campaign's, Notice's or DeliveryAttempt's status outside their machines."""
    tree = ast.parse(source)
    checker = _Checker(_aliases(tree))
    checker.exempt_classes = set(exempt_classes)
    checker.visit(tree)
    return sorted(checker.found)


SAMPLE = '''
S = AttemptStatus
CS = Campaign.Status
def writes(a, c, n, qs, rows):
    a.status = S.SENDING  # write
    c.status, c.scheduled_at = CS.PAUSED, None  # write
    n.status = other.status  # write
    Notice.objects.filter(pk=1).update(status=Notice.Status.READ)  # write
    qs.update(status=S.CANCELLED)  # write
    c.save(update_fields=["status"])  # write
    DeliveryAttempt.objects.bulk_update(rows, ["status", "updated_at"])  # write
    update_rows(Notice._meta.db_table, ["status", "read_at"], rows)  # write
    fields = ["result_code", "status"]
    update_rows(DeliveryAttempt._meta.db_table, fields, rows)  # write
    setattr(a, "status", "read")  # write
    DeliveryAttempt(notice=n, status=S.ACCEPTED)  # write
    Notice.objects.filter(pk=1).update(**{"status": "read"})  # write
    Campaign.objects.create(name="x", status=CS.SENDING)  # write
def allowed(case, plan, qs, rows):
    case.status = RewardCase.Status.DECIDED
    case.save(update_fields=["status"])
    plan.status, plan.done = InstallmentPlan.Status.COMPLETED if x else InstallmentPlan.Status.CANCELLED, True
    Refund.objects.filter(x=1).update(status=Refund.Status.NOTIFIED)
    qs.update(status=PrintBatch.Status.FAILED)
    update_rows(Notice._meta.db_table, ["delivered_at", "read_at"], rows)
    update_rows(Levy._meta.db_table, ["status", "paid_amount"], rows)
    DeliveryAttempt(notice=n, status=S.QUEUED)
    Notice.objects.filter(pk=1).update(read_at=now)
    a.move(S.SENDING, at=now)
class Outside:
    def __init__(self, status):
        self.status = status
'''


def test_the_guard_sees_every_kind_of_write():
    lines = SAMPLE.splitlines()
    flagged = [line for line, _ in status_writes(SAMPLE)]
    assert flagged == [i for i, line in enumerate(lines, start=1) if line.endswith("# write")]


def test_the_machines_themselves_may_write():
    source = "class Notice:\n    def move(self, to):\n        self.status = to\n"
    assert status_writes(source) == [(3, "self.status = …")]
    assert status_writes(source, exempt_classes={"Notice"}) == []


def _modules() -> list[Path]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if str(rel) in MACHINE_MODULES or EXEMPT_DIRS.keys() & set(rel.parts[:-1]):
            continue
        out.append(path)
    return out


def test_no_status_is_written_outside_its_machine():
    offenders = []
    for path in _modules():
        rel = path.relative_to(SRC).as_posix()
        found = status_writes(path.read_text("utf-8"), exempt_classes=MACHINE_CLASSES.get(rel, set()))
        offenders += [f"src/jingsu/{rel}:{line}: {what}" for line, what in found]
    assert offenders == [], ("move it through its machine (Campaign/Notice/DeliveryAttempt .move, .move_many, "
                             ".move_where):\n" + "\n".join(offenders))


@pytest.mark.parametrize("module", sorted(MACHINE_CLASSES))
def test_the_machine_classes_exist(module):
    tree = ast.parse((SRC / module).read_text("utf-8"))
    assert MACHINE_CLASSES[module] <= {n.name for n in tree.body if isinstance(n, ast.ClassDef)}


def test_an_enforcement_cases_stage_is_guarded_too():
    source = (
        "def f(case, qs):\n"
        "    case.status = EnforcementCase.Status.RELEASED\n"
        "    EnforcementCase.objects.filter(pk=1).update(status='closed')\n"
        "    EnforcementCase.objects.create(status=EnforcementCase.Status.SEIZED)\n"
        "    EnforcementCase.objects.create(status=EnforcementCase.Status.SELECTED)\n"
        "    case.move(EnforcementCase.Status.SEIZED, at=now, actor='a', reason='r', on=d)\n"
    )
    assert [line for line, _ in status_writes(source)] == [2, 3, 4]
