from pathlib import Path

from django.core.management.base import BaseCommand

from forecasting.demo_data import generate


class Command(BaseCommand):
    help = ("Write deterministic demo data in the Walmart layout (train.csv, features.csv, stores.csv): "
            "45 stores, ~80 departments, 143 weeks by default.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--stores", type=int, default=45)
        parser.add_argument("--depts", type=int, default=80)
        parser.add_argument("--weeks", type=int, default=143)
        parser.add_argument("--small", action="store_true", help="3 stores, 4 departments (for tests)")

    def handle(self, *args, **opts):
        files = generate(opts["out"], seed=opts["seed"], stores=opts["stores"], depts=opts["depts"],
                         weeks=opts["weeks"], small=opts["small"])
        for kind, path in files.items():
            self.stdout.write(f"{kind}: {path} ({path.stat().st_size:,} bytes)")
