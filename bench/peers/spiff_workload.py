"""SpiffWorkflow's side of the routing comparison; runs in the benchmark's own virtualenv
(``bench/.venv-spiff``, SpiffWorkflow 3.2), never in the project's.

The workflow is ``approval.bpmn`` beside this file: API.md's example item (market, then
food, fire and environment in parallel through a parallel gateway), every step a user
task approved in turn. Two measurements, each over ``--instances`` instances:

- ``memory``: each instance created from the parsed spec and run to its end in memory
  (engine steps, the four user tasks completed): instances per second;
- ``load_decide_save``: how a service keeps an instance between requests: for each of
  the four approvals, the instance is loaded from its JSON, the ready task of that
  department completed, the engine stepped, and the instance saved back to JSON with
  SpiffWorkflow's own serializer: seconds per approval.

Prints one JSON object on stdout. Run: ``bench/.venv-spiff/bin/python
bench/peers/spiff_workload.py --instances 2000``.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import statistics
import time
from pathlib import Path

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

MODEL = Path(__file__).with_name("approval.bpmn")
PROCESS = "open_restaurant"
DEPARTMENTS = ("market", "food", "fire", "environment")  # the order the decisions come in


def parsed_spec():  # type: ignore[no-untyped-def]
    parser = BpmnParser()
    parser.add_bpmn_file(str(MODEL))
    return parser.get_spec(PROCESS)


def approve(workflow: BpmnWorkflow, department: str) -> None:
    """Complete the ready user task of ``department`` and run the engine on."""
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    task = next(t for t in ready if t.task_spec.name == department)
    task.data["decision"] = "approve"
    task.run()
    workflow.do_engine_steps()


def check_rejection_ends_the_case(spec) -> None:  # type: ignore[no-untyped-def]
    """The model is the same workflow: a rejection in a parallel branch ends the case."""
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    approve(workflow, "market")
    task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.name == "fire")
    task.data["decision"] = "reject"
    task.run()
    workflow.do_engine_steps()
    if not workflow.is_completed() or workflow.get_tasks(state=TaskState.READY, manual=True):
        raise SystemExit("the BPMN model does not end a case on a rejection")


def run_in_memory(spec, instances: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    times = []
    started = time.perf_counter()
    for _ in range(instances):
        begun = time.perf_counter()
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        for department in DEPARTMENTS:
            approve(workflow, department)
        if not workflow.is_completed():
            raise SystemExit("a SpiffWorkflow instance did not complete")
        times.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    return {"instances": instances, "seconds": round(elapsed, 3),
            "instances_per_second": round(instances / elapsed, 1),
            "median_ms_per_instance": round(statistics.median(times) * 1000, 4)}


def run_load_decide_save(spec, instances: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    serializer = BpmnWorkflowSerializer()
    times = []
    sizes = []
    started = time.perf_counter()
    for _ in range(instances):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        stored = serializer.serialize_json(workflow)  # submitted: the first save
        for department in DEPARTMENTS:
            begun = time.perf_counter()
            workflow = serializer.deserialize_json(stored)
            approve(workflow, department)
            stored = serializer.serialize_json(workflow)
            times.append(time.perf_counter() - begun)
            sizes.append(len(stored))
        if not serializer.deserialize_json(stored).is_completed():
            raise SystemExit("a SpiffWorkflow instance did not complete")
    elapsed = time.perf_counter() - started
    return {"instances": instances, "decisions": len(times), "seconds": round(elapsed, 3),
            "median_ms_per_decision": round(statistics.median(times) * 1000, 4),
            "mean_ms_per_decision": round(sum(times) / len(times) * 1000, 4),
            "median_json_bytes": int(statistics.median(sizes))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--only", choices=("memory", "load_decide_save"), default=None)
    args = parser.parse_args()
    spec = parsed_spec()
    check_rejection_ends_the_case(spec)
    result: dict[str, object] = {
        "engine": f"SpiffWorkflow {importlib.metadata.version('SpiffWorkflow')}",
        "model": MODEL.name}
    if args.only in (None, "memory"):
        result["memory"] = run_in_memory(spec, args.instances)
    if args.only in (None, "load_decide_save"):
        result["load_decide_save"] = run_load_decide_save(spec, args.instances)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
