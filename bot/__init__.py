"""就业帮扶助手: channels, server wiring, the case system and the command-line entry."""
