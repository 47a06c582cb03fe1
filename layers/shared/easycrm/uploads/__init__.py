"""An upload's life: its states, exactly-once accounting of every row, the status service, the backstop."""
