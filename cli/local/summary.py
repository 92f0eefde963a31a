"""The figures of a local run as labelled rows, for the table on a terminal and the lines elsewhere."""

from __future__ import annotations

from typing import Any


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.2f}%"


def summary_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("market prices ingested", f"{figures['market_prices_ingested']} closes of {figures['market_symbols']} symbols"
         f" ({figures['market_symbols_failed']} failed)"),
        ("signals ingested", str(figures["signals_ingested"])),
        ("duplicates skipped", str(figures["duplicates_skipped"])),
        ("signals scored", f"{figures['signals_scored']} ({figures['scoring_failures']} failed)"),
    ]
    rows += [
        (f"proposal {p['entity']}", f"{p['direction']} (confidence {p['confidence']:.2f})")
        for p in figures["proposals"]
    ]
    rows += [
        ("risk check", f"{figures['risk_passed']} passed, {figures['risk_rejected']} rejected"),
        ("approved", str(figures["approved"])),
    ]
    rows += [
        (
            f"outcome {o['entity']}",
            f"return {_percent(o['return'])}, excess {_percent(o['excess_return'])}, {'hit' if o['hit'] else 'miss'}",
        )
        for o in figures["outcomes"]
    ]
    if figures["not_evaluated_for_lack_of_prices"]:
        rows.append(("not evaluated (no price)", str(figures["not_evaluated_for_lack_of_prices"])))
    hit_rate = "n/a" if figures["hit_rate"] is None else f"{figures['hit_rate'] * 100:.0f}%"
    rows += [
        ("hit rate", hit_rate),
        ("average return", _percent(figures["average_return"])),
        ("average excess return", _percent(figures["average_excess_return"])),
    ]
    return rows
