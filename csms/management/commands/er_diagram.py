import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csms.diagram import er_diagram

MERMAID_BLOCK = re.compile(r"```mermaid\n.*?```", re.S)


class Command(BaseCommand):
    help = "Print the Mermaid ER diagram of the data model, or refresh it in a Markdown file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write",
            metavar="FILE",
            help="Replace the ```mermaid block of FILE (e.g. docs/data-model.md).",
        )

    def handle(self, *args, **options):
        diagram = er_diagram()
        if not options["write"]:
            self.stdout.write(diagram, ending="")
            return
        path = Path(options["write"])
        text = path.read_text()
        if not MERMAID_BLOCK.search(text):
            raise CommandError(f"{path} has no ```mermaid block to replace.")
        path.write_text(MERMAID_BLOCK.sub(lambda _: f"```mermaid\n{diagram}```", text, count=1))
        self.stdout.write(f"Updated the diagram in {path}.")
