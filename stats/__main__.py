"""Command line: ``python -m stats agreement FILE [options]``.

A contract used by scripts outside the repository: the options, the JSON keys and the exit
statuses are kept as documented (README, "Statistics from the command line"). Exit status 0
on success, 2 for a file or option that cannot be used (one line on standard error).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .errors import StatsInputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stats",
        description="Inter-rater agreement statistics for tables of scores.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    agreement = commands.add_parser(
        "agreement",
        help="every agreement coefficient of a CSV of ratings",
        description=(
            "Krippendorff's alpha (all four levels), percent agreement, Fleiss' kappa, Gwet's "
            "AC1/AC2, Brennan-Prediger, the six intraclass correlations and, for two raters, "
            "Cohen's kappa, with a plain-English interpretation."
        ),
    )
    agreement.add_argument(
        "file",
        metavar="FILE",
        help=(
            "CSV of ratings. Long format (default): columns unit, rater (or participant) and "
            "score, one row per rating; other columns are ignored."
        ),
    )
    agreement.add_argument(
        "--wide",
        action="store_true",
        help="FILE has one row per unit: the unit id first, then one column per rater; an "
        "empty cell is a missing score",
    )
    agreement.add_argument(
        "--scale",
        metavar="MIN:MAX",
        help="the scale's levels, e.g. 0:5; coefficients that count categories (AC1, "
        "Brennan-Prediger, weighted kappa) depend on it. Default: the distinct scores found",
    )
    agreement.add_argument(
        "--level",
        choices=("nominal", "ordinal", "interval", "ratio"),
        default="ordinal",
        help="level of measurement for the bootstrap, the text summary and the interpretation "
        "(the JSON gives alpha at all four levels). Default: ordinal",
    )
    agreement.add_argument(
        "--bootstrap",
        metavar="N",
        type=int,
        help="draw N bootstrap replicates of alpha (over units) for a 95%% interval and the "
        "chance that alpha is below .667 and .800",
    )
    agreement.add_argument(
        "--seed", metavar="S", type=int, help="seed of the bootstrap, for repeatable results"
    )
    agreement.add_argument(
        "--format",
        choices=("json", "text"),
        default="text",
        help="json: the documented keys; text: an aligned table (default)",
    )
    drift = commands.add_parser(
        "drift",
        help="each area's offset from the county for the same vignettes and domains",
        description=(
            "Area offsets (scale points, with 95%% intervals and Holm-adjusted flags), the same "
            "per domain and per period, rater offsets and the design's connectivity, from a "
            "linear mixed model with vignette x domain fixed effects, sum-to-zero area effects "
            "and random rater effects."
        ),
    )
    drift.add_argument(
        "file",
        metavar="FILE",
        help="CSV of independent ratings: columns unit, domain, rater, area, score, and "
        "optionally period and reference; other columns are ignored",
    )
    drift.add_argument(
        "--model", choices=("linear", "ordinal"), default="linear",
        help="linear: a linear mixed model, offsets in scale points (default); ordinal: a "
        "many-facet Rasch rating-scale model, leniencies in logits with fair averages",
    )
    drift.add_argument(
        "--min-raters", metavar="N", type=int, default=5,
        help="an area with fewer raters is 'insufficient data' and never flagged (default 5)",
    )
    drift.add_argument(
        "--min-ratings", metavar="N", type=int, default=30,
        help="an area with fewer ratings is 'insufficient data' and never flagged (default 30)",
    )
    drift.add_argument(
        "--threshold", metavar="POINTS", type=float, default=0.5,
        help="smallest offset worth flagging, in scale points (default 0.5)",
    )
    drift.add_argument(
        "--format", choices=("json", "text"), default="text",
        help="json: the documented keys; text: aligned tables (default)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    compute = _drift if args.command == "drift" else _agreement
    try:
        report, text = compute(args)
    except StatsInputError as exc:
        print(f"python -m stats {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text(report, source=args.file))
    return 0


# Imported inside the commands so that --help answers without loading NumPy and pandas.


def _agreement(args: argparse.Namespace) -> tuple[Any, Callable[..., str]]:
    from .agreement import agreement_report
    from .report_text import agreement_text
    from .tables import parse_scale, read_long_csv, read_wide_csv

    scale = parse_scale(args.scale) if args.scale is not None else None
    frame = read_wide_csv(args.file) if args.wide else read_long_csv(args.file)
    report = agreement_report(
        frame, scale=scale, level=args.level, n_boot=args.bootstrap, seed=args.seed,
        name=args.file,
    )
    return report, agreement_text


def _drift(args: argparse.Namespace) -> tuple[Any, Callable[..., str]]:
    from .drift import drift_report
    from .report_text import drift_text
    from .tables import read_drift_csv

    report = drift_report(
        read_drift_csv(args.file),
        model=args.model,
        min_raters=args.min_raters,
        min_ratings=args.min_ratings,
        threshold=args.threshold,
        name=args.file,
    )
    return report, drift_text


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess in tests
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader went away (e.g. piped into head): not an error
        sys.stderr.close()
        sys.exit(0)
