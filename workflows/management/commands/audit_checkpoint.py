import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.audit import SYSTEM
from workflows.checkpoints import CheckpointError, SignedCheckpoint, audit_checkpoint_sign
from workflows.checkpoints import new_key as generate_key_pair


class Command(BaseCommand):
    help = (
        "Sign the audit chains' heads now (Ed25519, AUDIT_SIGNING_KEY): the checkpoint goes to the database "
        "and to AUDIT_CHECKPOINT_DIR, and is printed as JSON to copy elsewhere."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="print a fresh AUDIT_SIGNING_KEY and its public key (AUDIT_VERIFY_KEYS), sign nothing",
        )
        parser.add_argument(
            "--if-moved",
            action="store_true",
            help="sign only if a chain's head moved since the latest checkpoint",
        )

    def handle(self, *args, new_key: bool, if_moved: bool, **options):
        if new_key:
            private, public = generate_key_pair()
            self.stdout.write(f"AUDIT_SIGNING_KEY={private}\nAUDIT_VERIFY_KEYS={public}")
            return
        if getattr(settings, "AUDIT_SIGNING_KEY_IS_DEVELOPMENT", False):
            self.stderr.write(
                self.style.WARNING(
                    "Warning: AUDIT_SIGNING_KEY is not set; signing with the development key derived from "
                    "the secret key (debug only)."
                )
            )
        try:
            checkpoint = audit_checkpoint_sign(actor=SYSTEM, only_if_moved=if_moved)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            self.stdout.write("The chain head has not moved since the latest checkpoint: nothing signed.")
            return
        self.stdout.write(json.dumps(SignedCheckpoint.of(checkpoint).as_json(), sort_keys=True))
