"""Retrain the intent classifier of the service desk (issue 14).

    .venv/bin/python scripts/train_intents.py                 # corpus + the database's corrections
    .venv/bin/python scripts/train_intents.py --no-corrections # the shipped corpus only
    .venv/bin/python scripts/train_intents.py --check          # 5-fold accuracy on the corpus, writes nothing

Reads sellerdesk/service/data/intent_corpus.csv (text,intent) and, unless
--no-corrections, the agents' corrections (service IntentCorrection rows, from the
database of DJANGO_SETTINGS_MODULE / DATABASE_URL; the newest correction of a text wins)
and writes sellerdesk/service/data/intent_model.joblib (compressed; a few hundred KB).
Running web processes load the new file when they restart.

The shipped model is trained with --no-corrections, so that it depends on the corpus
alone and a fresh checkout reproduces it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-corrections", action="store_true", help="train on the corpus only")
    parser.add_argument("--check", action="store_true", help="print 5-fold cross-validated accuracy, write nothing")
    parser.add_argument("--output", type=Path, default=None, help="model file (default: the shipped one)")
    args = parser.parse_args(argv)

    import joblib

    from sellerdesk.service import intent_model as intents

    rows = intents.read_corpus()
    corrections: list[tuple[str, str]] = []
    if not args.no_corrections and not args.check:
        # Only the corrections need Django and the database.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
        import django

        django.setup()
        from sellerdesk.service.intents import correction_rows

        corrections = correction_rows()
    print(f"corpus: {len(rows)} messages; corrections: {len(corrections)}", file=sys.stderr)
    if args.check:
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        texts = [intents.normalise(text) for text, _ in rows]
        labels = [label for _, label in rows]
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=14)
        scores = cross_val_score(intents.build_pipeline(), texts, labels, cv=folds, n_jobs=1)
        print(f"5-fold accuracy: {scores.mean():.3f} (± {scores.std():.3f})")
        return 0
    # A correction replaces the corpus's label of the same text.
    corrected = dict(corrections)
    merged = [(text, corrected.pop(text, label)) for text, label in rows] + list(corrected.items())
    started = time.perf_counter()
    model = intents.train(merged)
    output = args.output or intents.MODEL_FILE
    joblib.dump(model, output, compress=("xz", 6))
    print(
        f"trained on {len(merged)} messages in {time.perf_counter() - started:.1f} s → {output} "
        f"({output.stat().st_size // 1024} KB)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
