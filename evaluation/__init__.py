"""Evaluation tools, run by ``make eval``, ``make bench`` and the gates in ``make test``.

Never imported by the running assistant.

* :mod:`evaluation.policy_answers` — policy questions answered by the assistant vs. a BM25 paragraph baseline;
* :mod:`evaluation.nlu_report` — intent and entity figures of the trained model on the held-out NLU set;
* :mod:`evaluation.bench` — ``make bench``: the assistant against a bare-Rasa floor under closed-loop REST load.
"""
