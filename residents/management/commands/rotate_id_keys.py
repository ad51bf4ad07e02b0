"""Re-encrypt every stored identity number under the first key of KUNSHAN_ID_KEYS.

Rotation without downtime: 1. put the new key first in KUNSHAN_ID_KEYS, keeping the old one after it
(both decrypt, the new one encrypts) and restart; 2. run this command (batches, resumable, safe while
the portal serves); 3. drop the old key and restart.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from kunshan_portal.crypto import reencrypt
from residents.models import PersonalIdentity


def _identity_models():
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, PersonalIdentity)]


class Command(BaseCommand):
    help = "Re-encrypt all identity numbers with the current (first) key of KUNSHAN_ID_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch: int, **options):
        for model in _identity_models():
            done, last_pk = 0, 0
            while True:
                with transaction.atomic():
                    rows = list(
                        model.objects.select_for_update()
                        .filter(pk__gt=last_pk)
                        .order_by("pk")
                        .values_list("pk", "id_number_encrypted")[:batch]
                    )
                    if not rows:
                        break
                    updated = [model(pk=pk, id_number_encrypted=reencrypt(token)) for pk, token in rows]
                    model.objects.bulk_update(updated, ["id_number_encrypted"])
                done += len(rows)
                last_pk = rows[-1][0]
            self.stdout.write(f"{model._meta.label}: {done} re-encrypted")
