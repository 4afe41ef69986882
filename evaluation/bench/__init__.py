"""``make bench``: the assistant against a bare-Rasa floor under closed-loop REST load."""
