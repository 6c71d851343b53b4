"""The course in one click: its four variants over several seeds, their spread, and its slips measured side by side.

plan: what a lesson trains and the runner; summary: aggregation over seeds; significance: the statistics; verdicts:
what they mean in words; files: a lesson saved, loaded and listed.
"""
