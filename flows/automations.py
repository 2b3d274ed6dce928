"""The project's automation: a flow run whose heartbeats stop is marked Crashed.

A flow run whose process is killed with its worker (a reboot, the OOM killer) can report nothing, and
would stay Running for ever: retry refuses it, cancel leaves it Cancelling. Every flow run of the
deployments sends a heartbeat event every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds (set in
``prefect.yaml``; ``outcomes build`` on a configured server sends them as often); this automation,
Prefect's own remedy for such "zombie" runs, marks a run Crashed when neither another heartbeat nor a
final state follows one within ``within`` seconds. A Crashed run can then be retried
(docs/prefect.md, "When a worker dies").

    python -m flows.automations [--within SECONDS]     # make deploy runs it

Creating it again updates the automation of the same name.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from prefect.automations import Automation
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification

from flows.embedded import RUN_HEARTBEAT_S

NAME = "igf-outcomes: crash flow runs whose heartbeats stopped"
HEARTBEAT_S = RUN_HEARTBEAT_S
"""PREFECT_FLOWS_HEARTBEAT_FREQUENCY of the deployments (prefect.yaml) and of commands on a server."""
WITHIN_S = 3 * HEARTBEAT_S + 30
"""Three heartbeats missed (and some slack for a loaded machine) before a run is marked Crashed."""


def zombie_automation(within_s: float = WITHIN_S) -> Automation:
    """Mark a flow run Crashed when no heartbeat or final state follows a heartbeat within ``within_s``."""
    return Automation(
        name=NAME,
        description="A flow run that stops sending heartbeats (its process was killed) is marked Crashed.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=within_s),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {within_s:g} s: the flow run's process is gone "
                "(its worker or machine was stopped). Retry the run.",
            )
        ],
    )


def apply(automation: Automation) -> Automation:
    """Create the automation on the server in PREFECT_API_URL, or update the one of the same name."""
    try:
        existing = Automation.read(name=automation.name)
    except ValueError:
        return automation.create()
    automation.id = existing.id
    automation.update()
    return automation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--within", type=float, default=WITHIN_S, help="seconds without a heartbeat")
    args = parser.parse_args()
    automation = apply(zombie_automation(args.within))
    print(f"automation '{automation.name}' ({automation.id}): within {args.within:g} s")


if __name__ == "__main__":
    main()
