from django.core.management.base import BaseCommand

from csms.diagram import er_diagram


class Command(BaseCommand):
    help = "Print the Mermaid ER diagram of the data model (docs/data-model.md embeds it)."

    def handle(self, *args, **options):
        self.stdout.write(er_diagram(), ending="")
