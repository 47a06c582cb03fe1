"""Undoing an import: what each import changed on a lead, and taking it back."""
