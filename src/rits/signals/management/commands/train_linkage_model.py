"""``manage.py train_linkage_model``: train the linkage model on the region's caseload and
recent signals (see ``rits.signals.linking.training``) and save it as a new version."""

from django.core.management.base import BaseCommand, CommandError

from rits.audit.services import Actor
from rits.signals.linking import model_versions, training
from rits.signals.linking.model import LinkageModelUnavailable, refresh_active_model


class Command(BaseCommand):
    help = (
        "Train the linkage model (Splink, unsupervised: u from random pairs, m by "
        "expectation maximisation, term frequencies of names and postcode) on the known "
        "people and the signals of the last days, and save it as a new version, inactive "
        "unless --activate. Linking never trains; run this periodically or on demand."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=365, help="signals of the last days")
        parser.add_argument(
            "--pairs", type=float, default=training.DEFAULT_PAIRS, help="random pairs for u"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--fixed-prior",
            action="store_true",
            help=f"keep the default's prior ({training.PRIOR}) instead of estimating the "
            "region's from deterministic rules",
        )
        parser.add_argument("--activate", action="store_true", help="make it the active model")
        parser.add_argument("--dry-run", action="store_true", help="train and show, save nothing")

    def handle(self, *args, **options) -> None:
        members = training.population()
        signals = training.recent_signals(days=options["days"])
        try:
            trained = training.train(
                members,
                signals,
                pairs=options["pairs"],
                seed=options["seed"],
                estimate_prior=not options["fixed_prior"],
            )
        except training.TooLittleData as exc:
            raise CommandError(str(exc)) from exc
        try:
            active = refresh_active_model()
        except LinkageModelUnavailable as exc:
            self.stderr.write(f"the active model cannot be used: {exc}")
            active = None
        self._summary(trained, active)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing saved")
            return
        model = model_versions.save_trained_model(
            trained,
            actor=Actor.system("train_linkage_model command"),
            activate=options["activate"],
        )
        state = "active" if model.active else "not active (manage.py activate_linkage_model)"
        self.stdout.write(f"saved linkage model {model.version}: {state}")

    def _summary(self, trained, active) -> None:
        t = trained.training
        rounds = ", ".join(
            f"{'+'.join(r['blocking_rule'])}: {r['iterations']} iterations"
            f"{'' if r['converged'] else ' (not converged)'}"
            for r in t["em"]
        )
        self.stdout.write(
            f"{t['people']} people, {t['signals']} signals, {t['u_pairs']} random pairs for u; "
            f"EM {rounds}; prior {t['prior']:.3g}"
        )
        before = training.levels(active.settings) if active else {}
        header = f"{'comparison':<12} {'level':<46} {'m':>8} {'u':>10}"
        if active:
            header += f"   {'m (' + active.version + ')':>8} {'u':>10}"
        self.stdout.write(header)
        for (comparison, label), (m, u) in training.levels(trained.document).items():
            tf = " tf" if (comparison, label) in training.TERM_FREQUENCY_LEVELS else ""
            line = f"{comparison:<12} {label + tf:<46} {m:>8.4f} {u:>10.3g}"
            if (comparison, label) in before:
                m0, u0 = before[(comparison, label)]
                line += f"   {m0:>8.4f} {u0:>10.3g}"
            self.stdout.write(line)
        counts = ", ".join(f"{c} {len(v)}" for c, v in trained.term_frequencies.items())
        self.stdout.write(
            f"term frequencies kept (values shared by {training.TF_MIN_COUNT}+): {counts}"
        )
