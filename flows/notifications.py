"""Failure notifications through a Prefect notification block.

Every operating flow has :func:`notify_failure` as its ``on_failure`` and ``on_crashed`` hook.
The hook loads the notification block named ``abs-etl-failures`` — any block type with the
``notify`` capability works: Slack, Microsoft Teams, e-mail, PagerDuty, a custom webhook … —
and sends the flow, the run, its state message and a link to the run in the UI. Create the block
once per Prefect server (README, "Operating with Prefect"). Another name is the setting
``notifications.block`` (a block name, or ``<block-type-slug>/<name>``; environment
``ABS_ETL_NOTIFICATIONS__BLOCK``), read when a run fails, never at import.

A missing block or an unreachable endpoint is logged as a warning and never hides the failure
being reported: the run stays Failed with its own error.
"""

from __future__ import annotations

from typing import Any


def block_name() -> str:
    """The configured notification block (``notifications.block``)."""
    from settings import Notifications, get_settings

    try:
        return get_settings().notifications.block
    except Exception:  # settings that fail to load must not stop a failure report
        return Notifications().block


def load_notification_block(name: str):
    """The block document called ``name`` (of any type that can notify), or None if there is none."""
    from prefect import get_client
    from prefect.blocks.core import Block

    if "/" in name:
        try:
            return Block.load(name)
        except ValueError:
            return None
    with get_client(sync_client=True) as client:
        documents = client.read_block_documents(include_secrets=True)
    for doc in documents:
        capabilities = doc.block_schema.capabilities if doc.block_schema else []
        if doc.name == name and "notify" in capabilities and doc.block_type is not None:
            return Block.load(f"{doc.block_type.slug}/{name}")
    return None


def failure_message(flow_name: str, run_name: str, state_name: str, message: str | None,
                    parameters: dict[str, Any], ui_url: str | None) -> tuple[str, str]:
    """Subject and body of the notification (parameters carry no secrets in this project)."""
    subject = f"abs-etl: {flow_name} run {run_name} {state_name}"
    lines = [
        f"Flow: {flow_name}",
        f"Run: {run_name} ({state_name})",
        f"Reason: {message or 'no message'}",
        "Parameters: " + (", ".join(f"{k}={v!r}" for k, v in sorted(parameters.items())) or "none"),
    ]
    if ui_url:
        lines.append(f"Open in the Prefect UI: {ui_url}")
    lines.append("The last published warehouse is unchanged; `abs-etl status` shows it.")
    return subject, "\n".join(lines)


def notify_failure(flow, flow_run, state) -> None:
    """``on_failure`` / ``on_crashed`` hook: send the failure through the configured block."""
    from prefect.logging.loggers import flow_run_logger

    logger = flow_run_logger(flow_run, flow)
    name = block_name()
    try:
        block = load_notification_block(name)
        if block is None:
            logger.warning("no notification block named %r: this failure is not sent anywhere "
                        "(create one, see README 'Operating with Prefect')", name)
            return
        ui_url = None
        try:
            from prefect.settings import PREFECT_UI_URL

            base = PREFECT_UI_URL.value()
            ui_url = f"{base.rstrip('/')}/runs/flow-run/{flow_run.id}" if base else None
        except Exception:
            pass
        subject, body = failure_message(flow.name, flow_run.name, state.name, state.message,
                                        dict(flow_run.parameters or {}), ui_url)
        block.notify(body=body, subject=subject)
        logger.info("failure of %s sent through notification block %r", flow_run.name, name)
    except Exception as exc:  # never let the report of a failure fail
        logger.warning("could not send the failure notification through block %r: %s: %s",
                    name, type(exc).__name__, exc)
