"""What the curriculum tells the rest of the project."""

from django.dispatch import Signal

# Sent by load_curriculum() after a load that changed modules or checkpoints (no arguments):
# pages that show them, cached or not, are out of date.
curriculum_loaded = Signal()
