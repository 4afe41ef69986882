"""Chinese text normalisation for the NLU pipeline and the held-out NLU evaluation."""
