"""Custom actions for 就业帮扶助手 (rasa-sdk). Each module holds one feature; actions stay thin."""
