"""Trainer package: the models, data, log and checkpoint formats shared by the trainer and the demo."""
