"""The accounts API, one module per topic.

Each view validates its input, calls one service and shapes the answer.
"""
