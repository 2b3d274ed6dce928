"""igf-outcomes: IGF session outcome documents from rapporteur notes, polls and worksheets."""

__version__ = "0.1.0"
